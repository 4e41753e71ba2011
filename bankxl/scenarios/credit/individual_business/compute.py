"""C2 个体工商户: the computations (registrations in scope, operators, product holdings, structure, penetration,
co-holding, portraits), vectorised. Every function takes conformed canonical tables (``bankxl.tables``) and
returns frames; nothing here reads files or builds report blocks.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .... import idcard
from ....frames import customer_ages
from ....rules.identity import CONFLICT, EXTERNAL_ONLY, IN_BOTH, ListMatch, by_cust_id, id_key
from ....rules.transactions import has_pattern
from ....tables import get_table
from ....rules.holdings import HELD as _HELD, NOT_HELD as _NOT_HELD, UNKNOWN as _UNKNOWN  # the matrix's codes
from ....rules.holdings import holding_code, holding_matrix, holding_of, running_loans

#: the products whose holding drives an opportunity (always in the 产品积分 parameter)
LOAN, ACQUIRING, SETTLEMENT = "经营贷", "收单", "结算账户"


def in_scope(biz: pd.DataFrame, cancelled_pattern: str) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """Per registration (Series on ``biz.index``): cancelled (登记状态 matching ``cancelled_pattern``; blank =
    存续), uscc_key (the 统一社会信用代码 normalised — NFKC, spaces removed, upper case — where valid under GB
    32100 (:func:`bankxl.idcard.uscc_is_valid`), else <NA>), uscc_bad (given but invalid), dup (a valid USCC
    repeated among the registrations in scope: every one but the last)."""
    cancelled = has_pattern(biz["status"].astype("string").fillna(""), cancelled_pattern).astype(bool)
    ok = idcard.uscc_is_valid(biz["uscc"])
    norm = idcard.normalize_id(biz["uscc"])
    key = norm.where(ok.to_numpy()).astype("string")
    bad = norm.notna() & ~ok
    dup = pd.Series(False, index=biz.index)
    live = (~cancelled & key.notna()).to_numpy()
    dup[live] = key[live].duplicated(keep="last").to_numpy()
    return cancelled, key, bad.astype(bool), dup


def operators(biz: pd.DataFrame, lm: ListMatch, as_of) -> tuple[pd.DataFrame, np.ndarray]:
    """One row per operator (经营者) of the registrations in scope, and each registration's operator position.

    A person is :func:`bankxl.rules.identity.match_list`'s ``person`` key (the matched 客户号, else the strongest
    own key: normalised 18-digit 证件号 — 15-digit upgraded —, else 客户号, else 姓名+手机; a row without any
    identifier is an operator of its own), so one operator's several businesses are summed. Columns: person,
    cust_id (<NA> unless 内外都有), match_class, matched_on, org_id (the matched customer's 机构号, else the
    list's 网点, else 未知), n_biz (registrations), industry (主营行业: that of the earliest 成立日期, blank = 未知),
    biz_name (that registration's 字号), years (经营年限: years since the earliest 成立日期, NaN unknown),
    main (index label of that registration). Grouped on integer codes of the person key."""
    r = lm.rows
    key = lm.person_key()
    code, _ = pd.factorize(key, sort=False)
    f = pd.DataFrame({"code": code, "date": biz["reg_date"].to_numpy(), "pos": np.arange(len(biz))})
    main = f.sort_values(["code", "date", "pos"], na_position="last", kind="stable").drop_duplicates("code")
    pos = main["pos"].to_numpy()
    n_biz = np.bincount(code, minlength=len(main)) if len(code) else np.zeros(0, dtype=np.int64)
    years = ((pd.Timestamp(as_of) - pd.to_datetime(main["date"])).dt.days / 365.25).to_numpy(dtype="float64")
    out = pd.DataFrame({
        "person": key.to_numpy()[pos], "cust_id": r["cust_id"].to_numpy()[pos],
        "match_class": r["match_class"].to_numpy()[pos], "matched_on": r["matched_on"].to_numpy()[pos],
        "org_id": r["org_id"].fillna("未知").to_numpy()[pos], "n_biz": n_biz[main["code"].to_numpy()],
        "industry": biz["industry"].astype("string").fillna("未知").to_numpy()[pos],
        "biz_name": biz["biz_name"].to_numpy()[pos], "years": years, "main": biz.index.to_numpy()[pos]})
    out = out.astype({"person": "string", "cust_id": "string", "match_class": "string", "matched_on": "string",
                      "org_id": "string", "industry": "string", "biz_name": "string", "n_biz": "int64"})
    return out.reset_index(drop=True), code


def product_of(names: pd.Series, products) -> pd.Series:
    """The C2 product (first row of the 产品积分 table whose 识别正则 matches) of each product name (string Series,
    same index); <NA> where none matches. One regex pass per C2 product, over the distinct names only."""
    uniq = pd.Series(names.dropna().astype(str).unique(), dtype="string")
    out = pd.Series(pd.NA, index=uniq.index, dtype="string")
    for name, _points, pattern in products:
        out = out.fillna(pd.Series(np.where(has_pattern(uniq, pattern).to_numpy(), name, None), dtype="string"))
    lookup = pd.Series(out.to_numpy(), index=uniq.to_numpy())
    return pd.Series(names.astype("string").map(lookup).to_numpy(), index=names.index, dtype="string")


def holdings(ops: pd.DataFrame, code: np.ndarray, biz: pd.DataFrame, tables, who, products, cancelled_pattern: str,
             active_months: int, as_of) -> tuple[pd.DataFrame, pd.Series, list[str], list[str]]:
    """Per operator (index = ``ops``' positions) and C2 product: True held / False not held / <NA> unknown;
    收单活跃 per operator; the products no table tells (未计算); notes.

    Sources (held by any source beats not held beats unknown, as :func:`bankxl.rules.holdings.holding_matrix`):
    产品持有 (a product
    name matching the product's 识别正则; a product no row names is not evaluated there), 客户.代发标志 / 手机银行签约,
    贷款 running on the data date (:func:`bankxl.rules.holdings.running_loans`) whose 品种 as written matches
    经营贷's 识别正则 — no other rule renames it first (the table given: every customer known), 收单商户 not cancelled
    whose 统一社会信用代码 is a registration's or whose 法人证件号 is the operator's (the table given: every operator
    known). Operators not in the bank (仅外部) hold nothing of the customer-keyed tables (False where evaluated);
    冲突 operators are unknown there. 收单活跃: True when one of the operator's merchants had a positive 金额 in
    each of the last ``active_months`` months up to the data date; False without a merchant or when every merchant
    had a month without (金额 ≤ 0 or 笔数 0); <NA> when a month is missing or its 金额 blank, or without 收单商户月度.
    """
    n = len(ops)
    notes: list[str] = []
    names = [p[0] for p in products]
    cls = ops["match_class"].to_numpy(dtype=object)
    is_in, is_ext, is_conf = cls == IN_BOTH, cls == EXTERNAL_ONLY, cls == CONFLICT
    parts: list[pd.DataFrame] = []

    def add(pos, product, v):
        parts.append(pd.DataFrame({"op": np.asarray(pos, dtype=np.int64), "product": product, "v": v}))

    def everyone(product, held_pos=None, base=_NOT_HELD, conflict=_UNKNOWN):
        """Customer-keyed evidence that covers everybody: ``held_pos`` held, the bank's others ``base``,
        仅外部 not held, 冲突 unknown."""
        v = np.where(is_conf, conflict, np.where(is_ext, _NOT_HELD, base))
        if held_pos is not None:
            v[held_pos] = _HELD
        add(np.arange(n), product, v)

    # 产品持有 + 客户 flags (C6's matrix; 客户号 of one person together)
    customers = tables["customers"]
    hold = tables.get("product_holdings")
    hold = get_table("product_holdings").empty() if hold is None else hold
    flags = by_cust_id(customers).reset_index(drop=True)
    m, evaluated = holding_matrix(hold.assign(cust_id=who.of(hold["cust_id"])),
                                  flags.assign(cust_id=who.of(flags["cust_id"])), None, as_of)
    c2 = product_of(pd.Series(sorted(evaluated), dtype="string"), products)
    cols = dict(zip(sorted(evaluated), c2.to_numpy()))
    op_of_cust = pd.Series(np.flatnonzero(is_in), index=ops["cust_id"].to_numpy()[is_in])
    sub = m.reindex(op_of_cust.index)
    for col, prod in cols.items():
        if pd.isna(prod):
            continue
        add(op_of_cust.to_numpy(), prod, holding_code(sub[col]))
        everyone(prod, base=np.nan)  # 仅外部 not held, 冲突 unknown; the bank's own come from the rows above
    # running 经营贷 (the 贷款 table given: every matched customer known)
    loans = tables.get("loans")
    if loans is not None and LOAN in names:
        lo = running_loans(loans, as_of, mortgage_pattern="")  # 经营贷 by its own 识别正则 only, names kept
        pattern = dict((p[0], p[2]) for p in products)[LOAN]
        lo = lo[has_pattern(lo["product"].astype("string"), pattern).to_numpy()]
        holders = who.of(lo["cust_id"].astype("string")).dropna().unique()
        everyone(LOAN, np.flatnonzero(is_in & ops["cust_id"].isin(holders).fillna(False).to_numpy(dtype=bool)))
    # acquiring merchants linked by USCC or by the operator's ID
    mch = tables.get("merchants")
    active = pd.Series(pd.array([pd.NA] * n, dtype="boolean"))
    if mch is not None and ACQUIRING in names:
        links = merchant_links(mch, biz, code, ops, customers, who, cancelled_pattern)
        everyone(ACQUIRING, links["op"].unique(), conflict=_NOT_HELD)
        active = acquiring_active(links, tables.get("merchant_monthly"), n, active_months, as_of)
        if tables.get("merchant_monthly") is None:
            notes.append("没有收单商户月度交易: 「收单活跃」未计算, 「收单活跃无贷(C4 线索)」不判断。")
    long = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame({"op": [], "product": [], "v": []})
    long = long.dropna(subset=["v"])
    g = long.groupby(["op", "product"])["v"].max().unstack("product") if len(long) else pd.DataFrame()
    computed = [p for p in names if p in g.columns]
    g = g.reindex(index=range(n), columns=computed)
    held = holding_of(g).rename_axis(index=None, columns=None)
    held = held.reindex(columns=names)  # 未计算 products: <NA> for everybody
    for p in names:
        if p not in computed:
            held[p] = pd.array([pd.NA] * n, dtype="boolean")
    return held, active, [p for p in names if p not in computed], notes


def merchant_links(mch: pd.DataFrame, biz: pd.DataFrame, code: np.ndarray, ops: pd.DataFrame, customers,
                   who, cancelled_pattern: str) -> pd.DataFrame:
    """(mch_id, op) pairs, one per merchant and operator: merchants whose 商户状态 does not match
    ``cancelled_pattern``, linked to an operator when the merchant's valid 统一社会信用代码 equals one of the
    operator's registrations' (``biz["_uscc"]``), or its 法人证件号 (normalised) equals the 证件号 of one of the
    operator's registrations or of the bank's customer the operator is."""
    live = mch[~has_pattern(mch["status"].astype("string").fillna(""), cancelled_pattern).to_numpy()]
    m = pd.DataFrame({"mch_id": live["mch_id"].to_numpy(),
                      "uscc": idcard.normalize_id(live["uscc"]).where(idcard.uscc_is_valid(live["uscc"]).to_numpy())
                      .to_numpy(), "id": id_key(live["legal_id"]).to_numpy()}).astype("string")
    by_uscc = pd.DataFrame({"uscc": biz["_uscc"].to_numpy(), "op": code}).dropna().astype({"uscc": "string"})
    ids = pd.DataFrame({"id": id_key(biz["id_no"]).to_numpy(), "op": code})
    is_in = ops["match_class"].eq(IN_BOTH).fillna(False).to_numpy()
    if is_in.any() and "id_no" in customers.columns:
        c = pd.DataFrame({"id": id_key(customers["id_no"]).to_numpy(),
                          "cust": who.of(customers["cust_id"].astype("string")).to_numpy()})
        op_of = pd.Series(np.flatnonzero(is_in), index=ops["cust_id"].to_numpy()[is_in])
        c["op"] = c["cust"].map(op_of)
        ids = pd.concat([ids, c[["id", "op"]]], ignore_index=True)
    ids = ids.dropna().astype({"id": "string"})
    pairs = pd.concat([m.merge(by_uscc, on="uscc")[["mch_id", "op"]], m.merge(ids, on="id")[["mch_id", "op"]]],
                      ignore_index=True)
    return pairs.astype({"op": "int64"}).drop_duplicates().reset_index(drop=True)


def acquiring_active(links: pd.DataFrame, monthly: pd.DataFrame | None, n: int, months: int,
                     as_of) -> pd.Series:
    """收单活跃 per operator position (``boolean`` Series of length ``n``; rule in :func:`holdings`). A merchant
    is active when each of the last ``months`` months (the data date's month and the ones before) holds a
    金额 > 0 (笔数 0 is no transaction), inactive when one of them is known to hold none, unknown otherwise."""
    if monthly is None:
        return pd.Series(pd.array([pd.NA] * n, dtype="boolean"))
    last = pd.Timestamp(as_of).to_period("M")
    first = (last - (months - 1)).to_timestamp()
    mm = monthly[(monthly["month"] >= first) & (monthly["month"] <= last.to_timestamp())]
    mm = mm.drop_duplicates(["mch_id", "month"], keep="last")
    amt = mm["amount"].to_numpy(dtype="float64")
    cnt = mm["txn_count"].astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
    yes = (amt > 0) & ~(cnt == 0)
    no = (amt <= 0) | (cnt == 0)
    per = pd.DataFrame({"mch_id": mm["mch_id"].to_numpy(), "yes": yes, "no": no}).groupby("mch_id")[["yes", "no"]].sum()
    state = np.where(per["yes"] == months, _HELD, np.where(per["no"] > 0, _NOT_HELD, _UNKNOWN))
    s = pd.Series(state, index=per.index.astype("string"))
    lk = links.assign(v=links["mch_id"].astype("string").map(s).fillna(_UNKNOWN).to_numpy())
    best = lk.groupby("op")["v"].max().reindex(range(n)).fillna(_NOT_HELD)  # no merchant: not active
    return holding_of(best).reset_index(drop=True)


def count_label(n_held: pd.Series, top: int) -> pd.Series:
    """持有产品数 as the structure's label: '0' … 'top−1', 'top+' (e.g. 5+), '未知' where the count is blank."""
    v = n_held.astype("Float64")
    lab = v.clip(upper=top).astype("Int64").astype("string")
    return lab.mask((v >= top).fillna(False).to_numpy(dtype=bool), f"{top}+").fillna("未知")


def band_labels(edges) -> list[str]:
    """积分档 labels for the edges (a < 积分 ≤ b): 0–20, 21–50, 51–80, >80 for whole-number edges, else
    ≤20, 20–50 (不含 20) …"""
    e = [float(x) for x in edges]
    whole = all(x.is_integer() for x in e)
    labels = [f"0–{e[0]:g}"]
    for a, b in zip(e, e[1:]):
        labels.append(f"{a + 1:g}–{b:g}" if whole else f"{a:g}–{b:g}(不含 {a:g})")
    return labels + [f">{e[-1]:g}"]


def point_band(points: pd.Series, edges) -> pd.Series:
    """积分档 per operator (``string``; <NA> where 积分 is blank): bands (a, b] of :func:`band_labels`."""
    labels = band_labels(edges)
    cut = pd.cut(points.astype("float64"), [-np.inf, *[float(x) for x in edges], np.inf], right=True, labels=labels)
    return cut.astype("string")


def co_holding(held: pd.DataFrame, products: list[str]) -> pd.DataFrame:
    """P(B|A) for the computed ``products``: rows A, columns B, value = operators holding A and B / operators
    holding A whose B is known (NaN when none), plus 持有户数 (holders of A). Two matrix products (numpy)."""
    h = held[products]
    x = h.fillna(False).to_numpy(dtype=np.float64)
    k = h.notna().to_numpy(dtype=np.float64)
    num = x.T @ x
    den = x.T @ k
    p = np.divide(num, den, out=np.full_like(num, np.nan), where=den > 0)
    out = pd.DataFrame(p, columns=products)
    out.insert(0, "持有户数", x.sum(axis=0).astype(np.int64))
    out.insert(0, "产品(A)", products)
    return out


def penetration(ops: pd.DataFrame, held: pd.DataFrame, products: list[str]) -> pd.DataFrame:
    """Per 机构号 × 主营行业 and for 全部: 经营者数, 本行客户数 (内外都有), 本行客户占比, and per computed product
    the 渗透率 = holders / operators whose holding is known (NaN when none is known). groupby on integer codes."""
    g = pd.DataFrame({"org": ops["org_id"].to_numpy(), "ind": ops["industry"].to_numpy(),
                      "in": ops["match_class"].eq(IN_BOTH).fillna(False).to_numpy(dtype=np.int64), "n": 1})
    for p in products:
        g[f"h_{p}"] = held[p].fillna(False).to_numpy(dtype=np.int64)
        g[f"k_{p}"] = held[p].notna().to_numpy(dtype=np.int64)
    cell = g.groupby(["org", "ind"], sort=True).sum(numeric_only=True).reset_index()
    total = g.drop(columns=["org", "ind"]).sum().to_frame().T.assign(org="全部", ind="全部")
    t = pd.concat([cell, total], ignore_index=True)
    out = pd.DataFrame({"机构号": t["org"].astype("string"), "主营行业": t["ind"].astype("string"),
                        "经营者数": t["n"].astype("int64"), "本行客户数": t["in"].astype("int64")})
    out["本行客户占比"] = out["本行客户数"] / out["经营者数"]
    for p in products:
        k = t[f"k_{p}"].to_numpy(dtype=np.float64)
        out[f"{p}渗透率"] = np.divide(t[f"h_{p}"].to_numpy(dtype=np.float64), k, out=np.full(len(t), np.nan),
                                   where=k > 0)
    return out


def ages(ops: pd.DataFrame, biz: pd.DataFrame, customers: pd.DataFrame, as_of) -> tuple[pd.Series, pd.Series]:
    """(age in whole years float64, male bool/<NA>) per operator: from the main registration's 证件号 normalised
    to 18 digits (SCENARIOS.md §0.6 rule 5), else the matched customer's record (:func:`customer_ages`)."""
    ids = id_key(biz.loc[ops["main"], "id_no"]).reset_index(drop=True)
    age = pd.Series(idcard.age_at(ids, as_of).astype("float64").to_numpy())
    sx = pd.Series(idcard.sex(ids).to_numpy(), dtype="string")
    c = by_cust_id(customers)
    if len(c) and ops["cust_id"].notna().any():
        age = age.fillna(pd.Series(ops["cust_id"].map(customer_ages(c, as_of)).to_numpy(dtype="float64")))
        if "sex" in c.columns:
            sx = sx.fillna(pd.Series(ops["cust_id"].map(c["sex"].astype("string")).to_numpy(), dtype="string"))
    male = pd.array(np.where(sx.isna() | ~sx.isin(["男", "女"]), None, sx.eq("男")), dtype="boolean")
    return age, pd.Series(male)
