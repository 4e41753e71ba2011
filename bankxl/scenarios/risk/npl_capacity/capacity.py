"""R1 computation: borrowers, their available funds, coverage ratio and grade (SCENARIOS.md §4 R1).

Pure functions over conformed canonical tables (``npl_loans`` 不良贷款, ``deposit_accounts`` 存款账户, optional
``customers`` 客户); vectorised (merges, groupby sums, numpy selects — no per-row or per-group Python).

* :func:`borrowers` — the NPL loans merged per borrower (one row per customer identity).
* :func:`account_funds` — every deposit account with what counts as available and why not.
* :func:`link_accounts` — which accounts belong to which borrower, as borrower or as guarantor.
* :func:`coverage` — F = borrower's available deposits + guarantor's available deposits + 12-month average
  monthly inflow × ``inflow_months``; CR = F / (本金 + 欠息); grade A–E or 未知.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ....coerce import currency_codes
from ....frames import CLOSED_STATUS, join_values, stripped, text_column
from ....rules.identity import id_key, match
from ....rules.transactions import has_pattern
from ....tables import LOAN_CLASSES

UNKNOWN = "未知/无法评估"
GRADES = ("A", "B", "C", "D", "E")
#: grade -> list points (the list ranks A→E: 得分 A 4 … E 0, then the amount owed)
GRADE_POINTS = {"A": 4, "B": 3, "C": 2, "D": 1, "E": 0}
GRADE_LEVELS = tuple((g, GRADE_POINTS[g]) for g in GRADES)
GRADE_ZH = {"A": "强", "B": "较强", "C": "一般", "D": "弱", "E": "无"}
#: retail overdue days -> the mildest classification allowed (SCENARIOS.md R1 分类参照: >90 次级, >270 可疑,
#: >360 损失)
DPD_CLASS = ((360, "损失"), (270, "可疑"), (90, "次级"))
CLASS_RANK = {c: i for i, c in enumerate(LOAN_CLASSES)}


def borrower_keys(npl: pd.DataFrame) -> pd.Series:
    """Each loan's borrower key (``string``, same index), via :mod:`bankxl.rules.identity`: ``证件号:<18>`` for a
    valid ID — also for a row without a valid ID whose 客户号 carries exactly one valid ID on other rows —,
    else ``客户号:<cust_id>``, else ``借据号:<loan_id>`` (a loan without identity stands alone)."""
    ids = id_key(npl["id_no"]) if "id_no" in npl.columns else pd.Series(pd.NA, index=npl.index, dtype="string")
    cust = text_column(npl, "cust_id").replace("", pd.NA)
    both = pd.DataFrame({"cust": cust, "id": ids}).dropna().drop_duplicates()
    single = both.groupby("cust")["id"].agg(["first", "size"])
    by_cust = single.loc[single["size"] == 1, "first"]
    filled = ids.fillna(cust.map(by_cust).astype("string"))
    key = ("证件号:" + filled).fillna("客户号:" + cust).fillna("借据号:" + text_column(npl, "loan_id"))
    return key.astype("string")


def required_class(dpd: pd.Series) -> pd.Series:
    """The mildest classification retail overdue days allow (:data:`DPD_CLASS`), ``<NA>`` for ≤ 90 or unknown."""
    d = pd.to_numeric(dpd, errors="coerce").astype("float64").to_numpy()
    out = np.select([d > t for t, _ in DPD_CLASS], [c for _, c in DPD_CLASS], default="")
    return pd.Series(out, index=dpd.index, dtype="string").replace("", pd.NA)


def borrowers(npl: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """The loans merged per borrower. ``npl``: conformed 不良贷款. Returns (frame indexed by borrower key, the
    key of each loan). Columns: cust_id (smallest 客户号 of the key), id_no (18-digit key ID or <NA>), cust_name,
    org_id / mgr_id (of the largest loan by 本金余额, then 贷款金额), n_loans, loan_ids (、-joined, first 3 + 等),
    principal / interest / owed (元; NaN when any loan's value is unknown), amount (Σ 贷款金额, NaN when none),
    worst_class (most severe 五级分类 or <NA>), max_dpd (days), written_off (True when any loan is written off,
    <NA> when no loan says), n_written_off."""
    key = borrower_keys(npl)
    d = pd.DataFrame({"key": key, "cust_id": text_column(npl, "cust_id").replace("", pd.NA),
                      "id": id_key(npl["id_no"]), "cust_name": npl["cust_name"].astype("string"),
                      "org_id": npl["org_id"].astype("string"), "mgr_id": npl["mgr_id"].astype("string"),
                      "loan_id": text_column(npl, "loan_id"),
                      "principal": npl["principal"].astype("float64"), "interest": npl["interest"].astype("float64"),
                      "amount": npl["amount"].astype("float64"),
                      "rank": stripped(npl["classification"]).map(CLASS_RANK).astype("float64"),
                      "dpd": pd.to_numeric(npl["overdue_days"], errors="coerce").astype("float64"),
                      "wo": npl["written_off"].astype("boolean")})
    g = d.groupby("key", sort=True)
    out = pd.DataFrame(index=g.size().index)
    out["n_loans"] = g.size()
    for c in ("principal", "interest"):
        out[c] = g[c].sum().where(~d[c].isna().groupby(d["key"]).any())
    out["owed"] = out["principal"] + out["interest"]
    out["amount"] = g["amount"].sum(min_count=1)
    out["cust_id"] = g["cust_id"].min()
    out["id_no"] = g["id"].first()
    out["cust_name"] = g["cust_name"].first()
    main = d.sort_values(["key", "principal", "amount", "loan_id"], ascending=[True, False, False, True],
                         na_position="last").drop_duplicates("key").set_index("key")
    out["org_id"] = main["org_id"]
    out["mgr_id"] = main["mgr_id"]
    ids_txt = join_values(d["key"], d["loan_id"], distinct=False, limit=3, more=" 等 {n} 笔").reindex(out.index)
    out["loan_ids"] = ids_txt
    worst = g["rank"].max()
    out["worst_class"] = pd.Series(np.asarray(LOAN_CLASSES, dtype=object)[worst.fillna(0).astype(int)],
                                   index=worst.index, dtype="string").where(worst.notna())
    out["max_dpd"] = g["dpd"].max()
    wo_known = d["wo"].notna().groupby(d["key"]).any()
    out["n_written_off"] = d["wo"].fillna(False).astype(bool).groupby(d["key"]).sum().astype(int)
    out["written_off"] = (out["n_written_off"] > 0).astype("boolean").mask(~wo_known & (out["n_written_off"] == 0))
    return out, key


def account_funds(dep: pd.DataFrame, currency: str, joint_share: float, as_of: pd.Timestamp) -> pd.DataFrame:
    """Per deposit account (same index as ``dep``): acct_no, cust_id, nature, balance (元, NaN unknown),
    frozen_part (frozen money: 冻结金额, or the whole balance when 冻结标志 = 是 without an amount), available (money
    that counts, 元; NaN unknown; 0 for an excluded or wholly frozen account), counted (bool), fully_frozen,
    inflow (近12月入账 that counts, 元; 0 for an account without a transaction in the 12 months before ``as_of``;
    NaN unknown), excluded (reason text or ''), pension_amt (balance of a 社保/养老金 account), last_txn,
    inflow_raw. Exclusions: 销户 status, other currency (never converted), 社保/养老金 accounts (protected funds),
    frozen money (司法冻结); a negative balance counts 0; a 联名 account counts ``joint_share``."""
    bal_raw = dep["balance"].astype("float64")
    bal = bal_raw.clip(lower=0)
    closed = has_pattern(text_column(dep, "status"), CLOSED_STATUS)  # per distinct value
    ccy = pd.Series(currency_codes(text_column(dep, "ccy").replace("", pd.NA)), index=dep.index).fillna(currency)
    foreign = ccy.ne(currency.upper()) & ~closed
    nature = text_column(dep, "nature")
    pension = has_pattern(nature, "社保|养老") & ~closed & ~foreign
    flag = dep["frozen"].astype("boolean").fillna(False).astype(bool)
    famt = dep["frozen_amount"].astype("float64")
    part = pd.Series(np.where(famt.notna(), np.minimum(famt, bal), np.where(flag, bal, 0.0)), index=dep.index)
    fully = (flag & famt.isna()) | (famt.notna() & bal.notna() & (famt >= bal))
    counted = ~closed & ~foreign & ~pension
    joint = dep["joint"].astype("boolean").fillna(False).astype(bool)
    share = pd.Series(np.where(joint, joint_share, 1.0), index=dep.index)
    avail = ((bal - part.fillna(0)).clip(lower=0) * share).where(~fully, 0.0)
    avail = avail.where(~bal.isna() | fully, np.nan).where(counted, 0.0)
    raw_in = dep["inflow_12m"].astype("float64")
    stale = dep["last_txn_date"] < as_of - pd.DateOffset(months=12)  # no transaction: nothing came in
    inflow = (raw_in.clip(lower=0).where(~(raw_in.isna() & stale), 0.0) * share).where(counted & ~fully, 0.0)
    reason = np.select(
        [closed, foreign, pension, counted & fully, counted & (part.fillna(0) > 0), counted & joint],
        ["已销户, 不计", "币种 " + ccy.fillna("").astype(str) + " 与报表币种不同, 未折算, 不计",
         "社保/养老金账户, 不计", "冻结(司法/止付), 不计", "部分冻结, 冻结部分不计",
         f"联名账户, 按 {joint_share:.0%} 计入"], default="")
    return pd.DataFrame({
        "acct_no": dep["acct_no"].astype("string"), "cust_id": dep["cust_id"].astype("string"),
        "nature": dep["nature"].astype("string"), "balance": bal_raw, "frozen_part": part.where(counted, 0.0),
        "available": avail, "counted": counted, "fully_frozen": fully & counted, "inflow": inflow,
        "pension_amt": bal.where(pension, 0.0), "excluded": pd.Series(reason, index=dep.index, dtype="string"),
        "last_txn": dep["last_txn_date"], "inflow_raw": raw_in,
    }, index=dep.index)


def link_accounts(npl: pd.DataFrame, keys: pd.Series, dep: pd.DataFrame, customers: pd.DataFrame | None,
                  as_of: pd.Timestamp) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(own, guar): which deposit accounts (index labels of ``dep``) belong to which borrower key.

    ``own``: key, acct (borrower's accounts, matched by :func:`bankxl.rules.identity.match` — valid 证件号 first,
    else 客户号). ``guar``: key, acct, in_period (False when 保证期间截止日 < as_of) for the accounts of the
    loans' guarantors (保证人证件号 matched to the accounts' 证件号, or through the 客户 table to their 客户号);
    a guarantor who is the borrower himself is left out. Both deduplicated."""
    who = pd.DataFrame({"key": keys, "cust_id": npl["cust_id"], "id_no": npl["id_no"]}).drop_duplicates()
    acc_id = dep[["cust_id", "id_no"]]
    m = match(who[["cust_id", "id_no"]], acc_id).pairs
    own = pd.DataFrame({"key": who.loc[m["left_index"], "key"].to_numpy(), "acct": m["right_index"].to_numpy()}) \
        .drop_duplicates().reset_index(drop=True)

    gid = id_key(npl["guarantor_id"])
    g = pd.DataFrame({"key": keys, "gid": gid, "end": npl["guarantee_end"]})
    g = g[g["gid"].notna() & (("证件号:" + g["gid"]) != g["key"]).fillna(True)]
    g["in_period"] = g["end"].isna() | (g["end"] >= as_of)
    g = g.groupby(["key", "gid"], as_index=False, sort=True)["in_period"].max()
    pairs = [pd.DataFrame({"key": pd.Series(dtype="string"), "gid": pd.Series(dtype="string"),
                           "acct": pd.Series(dtype=dep.index.dtype)})]
    if len(g) and len(dep):
        acc_key = id_key(dep["id_no"])
        by_id = g.merge(pd.DataFrame({"gid": acc_key, "acct": dep.index}).dropna(subset=["gid"]), on="gid")
        pairs.append(by_id[["key", "gid", "acct"]])
        if customers is not None and len(customers):
            acc_c = pd.DataFrame({"cust": text_column(dep, "cust_id"), "acct": dep.index})
            # only the 客户 rows of account holders can link a guarantor to an account: their 证件号 are
            # normalised, not every customer's (the 客户 table grows with the bank, the accounts here do not)
            cust = text_column(customers, "cust_id")
            holder = cust.isin(acc_c["cust"]).to_numpy()
            cm = pd.DataFrame({"gid": id_key(customers["id_no"][holder]), "cust": cust[holder]})
            cm = cm[cm["gid"].notna() & cm["cust"].ne("")].drop_duplicates()
            by_c = g.merge(cm, on="gid").merge(acc_c, on="cust")
            pairs.append(by_c[["key", "gid", "acct"]])
    gp = pd.concat(pairs, ignore_index=True).drop_duplicates(["key", "acct"])
    gp = gp.merge(g, on=["key", "gid"], how="left")
    own_set = own.assign(_own=True)
    gp = gp.merge(own_set, on=["key", "acct"], how="left")
    guar = gp[gp["_own"].isna()][["key", "acct", "gid", "in_period"]].reset_index(drop=True)
    guar["in_period"] = guar["in_period"].astype(bool)
    return own, guar


def coverage(bor: pd.DataFrame, npl: pd.DataFrame, keys: pd.Series, dep: pd.DataFrame | None,
             customers: pd.DataFrame | None, p, as_of: pd.Timestamp, currency: str):
    """Available funds, coverage ratio and grade per borrower (``bor`` from :func:`borrowers`, same index).

    Adds: dep_avail (借款人可用存款, 元; NaN = unknown), guar_avail (保证人可用存款 in the guarantee period),
    inflow_12m (Σ counted 近12月入账), inflow_part (= inflow_12m / 12 × ``p.inflow_months``), funds (F),
    funds_known (F over the known parts), funds_unknown (bool: some part unknown), cr (F / owed; NaN unknown),
    has_txn (transaction within ``p.activity_months``: True/False/<NA>), grade (A–E or :data:`UNKNOWN`),
    why_unknown (text), frozen_amt / pension_amt (money not counted), n_accounts, guar_status (text), and
    returns (frame, accounts detail or None). ``dep`` None: deposits not provided — every grade is unknown."""
    out = bor.copy()
    n = len(out)
    a_c, b_c, c_c = p.cr_bands[2], p.cr_bands[1], p.cr_bands[0]
    if dep is None:
        for c in ("dep_avail", "guar_avail", "inflow_12m", "inflow_part", "funds", "funds_known", "cr",
                  "frozen_amt", "pension_amt"):
            out[c] = np.nan
        out["funds_unknown"] = True
        out["has_txn"] = pd.array([pd.NA] * n, dtype="boolean")
        out["n_accounts"] = pd.array([pd.NA] * n, dtype="Int64")
        out["guar_status"] = pd.Series(pd.NA, index=out.index, dtype="string")
        out["grade"] = UNKNOWN
        out["why_unknown"] = "存款账户未提供, 可用资金未知"
        return out, None

    acc = account_funds(dep, currency, p.joint_share, as_of)
    own, guar = link_accounts(npl, keys, dep, customers, as_of)
    if not p.count_guarantor:
        guar = guar.iloc[:0]
    o = own.join(acc, on="acct")
    idx = out.index
    sums = o.groupby("key")[["available", "inflow", "frozen_part", "pension_amt"]].sum(min_count=1)
    unk = o[["available", "inflow"]].isna().groupby(o["key"]).any()
    out["n_accounts"] = o.groupby("key").size().reindex(idx).fillna(0).astype("Int64")
    out["dep_avail"] = sums["available"].reindex(idx).fillna(0.0)
    out["inflow_12m"] = sums["inflow"].reindex(idx).fillna(0.0)
    out["frozen_amt"] = sums["frozen_part"].reindex(idx).fillna(0.0)
    out["pension_amt"] = sums["pension_amt"].reindex(idx).fillna(0.0)
    dep_unknown = unk["available"].reindex(idx).fillna(False).astype(bool)
    inflow_unknown = unk["inflow"].reindex(idx).fillna(False).astype(bool)

    gin = guar[guar["in_period"]].join(acc, on="acct")
    gsum = gin.groupby("key")["available"].sum(min_count=1).reindex(idx)
    out["guar_avail"] = gsum.fillna(0.0)
    guar_unknown = gin["available"].isna().groupby(gin["key"]).any().reindex(idx).fillna(False).astype(bool)
    # guarantor status text: counted / matched but out of period / not a depositor here
    gids = pd.DataFrame({"key": keys, "gid": id_key(npl["guarantor_id"]),
                         "raw": npl["guarantor_id"].astype("string")})
    has_g = gids[gids["raw"].notna()].groupby("key").size().reindex(idx).fillna(0) > 0
    matched = guar.groupby("key").size().reindex(idx).fillna(0) > 0
    in_p = guar[guar["in_period"]].groupby("key").size().reindex(idx).fillna(0) > 0
    status = np.select([in_p, matched, has_g], ["计入(保证期间内)", "保证期间已届满, 不计", "保证人无本行存款账户"],
                       default="")
    out["guar_status"] = pd.Series(status, index=idx, dtype="string").replace("", pd.NA)

    out["inflow_part"] = out["inflow_12m"] / 12.0 * p.inflow_months
    out["funds_known"] = out["dep_avail"] + out["guar_avail"] + out["inflow_part"]
    out["funds_unknown"] = (dep_unknown | guar_unknown | inflow_unknown).to_numpy()
    out["funds"] = out["funds_known"].where(~out["funds_unknown"])

    # activity: the borrower's own accounts (all of them: pension and frozen ones show he is active too)
    since = as_of - pd.DateOffset(months=int(p.activity_months))
    oa = own.join(acc[["last_txn", "inflow_raw"]], on="acct")
    recent = oa["last_txn"] >= since
    if p.activity_months >= 12:
        recent = recent | (oa["inflow_raw"] > 0)
    any_recent = recent.fillna(False).groupby(oa["key"]).any().reindex(idx)
    any_blank = oa["last_txn"].isna().groupby(oa["key"]).any().reindex(idx)
    has = pd.array(np.where(any_recent.fillna(False), True, False), dtype="boolean")
    has[(~any_recent.fillna(False) & any_blank.fillna(False)).to_numpy()] = pd.NA
    out["has_txn"] = has

    owed = out["owed"]
    cr = out["funds"] / owed.where(owed > 0)
    cr_low = out["funds_known"] / owed.where(owed > 0)
    out["cr"] = cr
    f0 = out["funds"].eq(0) & ~out["funds_unknown"]
    weak = np.where(f0 & pd.Series(has, index=idx).eq(False).fillna(False), "E",
                    np.where(f0 & pd.Series(has, index=idx).isna(), UNKNOWN, "D"))
    grade = np.select([cr >= a_c, cr >= b_c, cr >= c_c, cr.notna()], ["A", "B", "C", weak], default=UNKNOWN)
    grade = np.where(out["funds_unknown"] & (cr_low >= a_c), "A", grade)  # a lower bound already ≥ A: certain
    out["grade"] = pd.Series(grade, index=idx, dtype="string")
    why = np.select(
        [owed.isna(), owed.le(0), dep_unknown & (out["grade"] == UNKNOWN), guar_unknown & (out["grade"] == UNKNOWN),
         inflow_unknown & (out["grade"] == UNKNOWN), out["grade"] == UNKNOWN],
        ["本金余额或欠息未知, 欠款合计无法计算", "欠款合计为 0, 无法计算覆盖率", "借款人存款账户余额未知",
         "保证人存款账户余额未知", "近12月入账未知(覆盖率下限不足 A 级)", "无可用资金且交易情况未知(最近交易日为空)"],
        default="")
    out["why_unknown"] = pd.Series(why, index=idx, dtype="string").replace("", pd.NA)
    out.loc[out["grade"] != UNKNOWN, "why_unknown"] = pd.NA

    detail = pd.concat([own.assign(role="借款人", in_period=True, gid=pd.NA),
                        guar.assign(role="保证人")], ignore_index=True).join(acc, on="acct")
    return out, detail
