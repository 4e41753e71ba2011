"""C8 征信数据: 他行客户挖掘 — the computations, vectorised (SCENARIOS.md C8).

:func:`latest_accounts` picks each person's latest report and classifies its accounts; :func:`person_summary`
sums them per person. No per-row or per-group Python: groupby on integer person codes, numpy masks.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ....frames import per_distinct, stripped
from ....rules.credit_report import parse_with, record_problems
from ....rules.identity import CONFLICT, IN_BOTH, match_list, persons
from ....rules.transactions import has_pattern

#: 账户类型 of a credit card (贷记卡 R2, 准贷记卡 R3): counted as 信用卡 whatever the 业务种类
CARD_TYPES = r"^R[23]$|贷记卡|信用卡"
#: 账户状态 of a closed account (not 未结清)
SETTLED = r"结清|销户|转出|终止|关闭"
#: 五级分类 of an account in trouble now (with 账户状态 matching 参数「当前逾期账户状态」, 当前逾期总额 > 0 and a latest month 1–7)
BAD_CLASS = r"次级|可疑|损失"
UNKNOWN_KIND = "未知种类"
CARD_KIND = "信用卡"


def person_keys(cr: pd.DataFrame, customers: pd.DataFrame | None, ctx) -> tuple[pd.Series, dict]:
    """The bank's 客户号 standing for each report row's person (``string`` Series on ``cr.index``, <NA> = not one of
    the bank's customers / no identifier) by the one identity rule (:mod:`bankxl.rules.identity`): with the 客户
    table, :func:`match_list` (证件号 → 客户号 → 姓名+手机号; conflicts are LIST_CONFLICT on 数据问题, never merged);
    without it, the report's own 客户号 with 客户号 of one 证件号 merged (:func:`persons`). Second value: counts
    for 说明 (rows not matched, conflicts)."""
    if customers is not None and len(customers):
        lm = match_list(cr, customers)
        cls = lm.rows["match_class"]
        conflict = (cls == CONFLICT).fillna(False).to_numpy()
        lm.record_conflicts("credit_reports", cr, ctx, "该行征信不计入(身份待核实)")
        key = lm.rows["cust_id"].where((cls == IN_BOTH).fillna(False))
        info = {"unmatched": int(((cls != IN_BOTH) & ~(cls == CONFLICT)).fillna(True).sum()),
                "conflicts": int(conflict.sum()), "by": "客户表"}
        return pd.Series(key.to_numpy(), index=cr.index, dtype="string"), info
    own = stripped(cr["cust_id"]).replace("", pd.NA) if "cust_id" in cr.columns \
        else pd.Series(pd.NA, index=cr.index, dtype="string")
    who = persons(cr.assign(cust_id=own))
    key = who.of(own)
    return pd.Series(key.to_numpy(), index=cr.index, dtype="string"), {
        "unmatched": int(key.isna().sum()), "conflicts": 0, "by": "征信明细的客户号"}


def _text(df: pd.DataFrame, col: str) -> pd.Series:
    if col not in df.columns:
        return pd.Series(pd.NA, index=df.index, dtype="string")
    return stripped(df[col]).replace("", pd.NA)


def _num(df: pd.DataFrame, col: str) -> pd.Series:
    if col not in df.columns:
        return pd.Series(np.nan, index=df.index, dtype="float64")
    return pd.to_numeric(df[col], errors="coerce").astype("float64")


def latest_accounts(cr: pd.DataFrame, key: pd.Series, p, ctx) -> tuple[pd.DataFrame, dict]:
    """The accounts of each person's latest report, classified.

    ``cr``: conformed 征信明细 rows; ``key``: :func:`person_keys`. A person's latest report = the largest 报告日期 of
    his rows (rows without 报告日期 count only when none of his rows has one; with a 报告编号 column, the largest
    编号 among that day's). Returns (accounts, counts) — accounts: one row per account of those reports with
    person, pcode (the person's position among the sorted persons: :func:`person_summary` groups on it), lender,
    own (管理机构 matches ``p.own_bank``), other (known lender, not own), card (R2/R3), kind
    (``p.kinds`` on 业务种类; 信用卡 for cards; 未知种类), open (not 结清/销户/转出 by 账户状态 and latest month not
    C/G), balance (元, NaN unknown), maturity_date, guarantee, bad_now (逾期/呆账 状态, 当前逾期总额 > 0, latest
    month 1–7 or 五级分类 次级/可疑/损失: boolean, <NA> unknown), the repayment columns of
    :func:`bankxl.rules.credit_report.parse_repayment` (clean, streak …), queries (近3月硬查询次数) and
    report_date. Invalid repayment strings are REPAY_INVALID, unrecognised 业务种类 VALUE_INVALID and blank
    管理机构 REQUIRED_EMPTY on 数据问题 (rows of every report, so each bad cell is listed once)."""
    parsed_all = parse_with(cr["repay_24m"] if "repay_24m" in cr.columns
                            else pd.Series(pd.NA, index=cr.index, dtype="string"), p)
    if "repay_24m" in cr.columns:
        record_problems(ctx, "credit_reports", cr, "repay_24m", parsed_all)
    counts = {"reports_dropped": 0, "no_lender": 0}
    keep = key.notna().to_numpy()
    d = cr[keep].assign(_person=key[keep].to_numpy())
    parsed = parsed_all[keep]
    if not len(d):
        return _empty_accounts(), counts
    rd = d["report_date"] if "report_date" in d.columns else pd.Series(pd.NaT, index=d.index)
    pcode = pd.factorize(d["_person"], sort=True)[0]  # persons coded once, in 客户号 order: integer groupbys
    latest = rd.groupby(pcode).transform("max")
    on_latest = (rd.eq(latest) | latest.isna()).to_numpy()
    if "report_id" in d.columns:
        rid = _text(d, "report_id").where(on_latest)
        top = rid.groupby(pcode).transform("max")
        on_latest &= (rid.eq(top) | top.isna()).fillna(False).to_numpy()
    counts["reports_dropped"] = int((~on_latest).sum())
    d, parsed, pcode = d[on_latest], parsed[on_latest], pcode[on_latest]

    lender = _text(d, "lender")
    no_lender = lender.isna().to_numpy()
    if no_lender.any() and "_row" in d.columns:
        ctx.problem("credit_reports", d.loc[no_lender, "_row"], "lender", "REQUIRED_EMPTY", "",
                    "管理机构为空: 无法区分本行与他行", "该账户不计入他行/本行统计")
    counts["no_lender"] = int(no_lender.sum())
    # lenders, account types, business types, states and classes repeat: each text rule runs once per distinct value
    own = _has(lender, p.own_bank) & ~no_lender
    card = per_distinct(_text(d, "account_type"), lambda v: has_pattern(v.str.upper(), CARD_TYPES)).to_numpy(dtype=bool)
    biz = _text(d, "business_type")
    kind = per_distinct(biz, lambda v: _kind_of(v, p.kinds))
    unknown_biz = (kind.isna() & biz.notna()).to_numpy() & ~card
    if unknown_biz.any() and "_row" in d.columns:
        ctx.problem("credit_reports", d.loc[unknown_biz, "_row"], "business_type", "VALUE_INVALID",
                    d.loc[unknown_biz, "business_type"], "业务种类无法识别(参数「业务种类归类」中没有匹配)",
                    f"该账户计入「{UNKNOWN_KIND}」")
    kind = kind.mask(pd.Series(card, index=d.index), CARD_KIND).fillna(UNKNOWN_KIND)
    status = _text(d, "account_status")
    current = parsed["current"]
    settled = _has(status, SETTLED) | current.isin(["C", "G"]).fillna(False).to_numpy()
    od_amt = _num(d, "overdue_amount")
    cls = _text(d, "classification")
    signs = pd.DataFrame({
        "status": _has(status, p.overdue_status), "amount": (od_amt > 0).to_numpy(),
        "repay": current.isin(list("1234567")).fillna(False).to_numpy(dtype=bool), "class": _has(cls, BAD_CLASS)})
    known = status.notna() | od_amt.notna() | current.notna() | cls.notna()
    bad_now = signs.any(axis=1).to_numpy() & ~settled
    acc = pd.DataFrame({
        "person": d["_person"].to_numpy(), "pcode": pcode.astype(np.int64), "lender": lender.to_numpy(), "own": own,
        "other": ~own & ~no_lender, "card": card, "kind": kind.to_numpy(), "open": ~settled,
        "balance": _num(d, "balance").to_numpy(), "amount": _num(d, "amount").to_numpy(),
        "maturity_date": (d["maturity_date"] if "maturity_date" in d.columns
                          else pd.Series(pd.NaT, index=d.index)).to_numpy(),
        "guarantee": _text(d, "guarantee").to_numpy(), "business_type": biz.to_numpy(),
        "bad_now": pd.array(np.where(bad_now, True, np.where(known.to_numpy() | settled, False, None)),
                            dtype="boolean"),
        "queries": _num(d, "hard_queries_3m").to_numpy(), "report_date": rd[on_latest].to_numpy(),
        "_row": (d["_row"] if "_row" in d.columns else pd.Series(pd.NA, index=d.index, dtype="Int64")).to_numpy(),
    })
    for c in ("clean", "streak", "worst", "overdue_months", "current"):
        acc[c] = parsed[c].to_numpy()
    acc = acc.astype({"person": "string", "lender": "string", "kind": "string", "guarantee": "string",
                      "business_type": "string", "current": "string", "clean": "boolean", "streak": "boolean"})
    return acc, counts


def _has(text: pd.Series, pattern: str) -> np.ndarray:
    """:func:`bankxl.rules.transactions.has_pattern` as a bool array, run once per distinct value of ``text``."""
    return per_distinct(text, lambda v: has_pattern(v, pattern)).to_numpy(dtype=bool)


def _kind_of(biz: pd.Series, kinds) -> pd.Series:
    """业务种类 -> the first kind of ``kinds`` ((name, regex) pairs) whose regex it matches, else <NA>."""
    kind = pd.Series(pd.NA, index=biz.index, dtype="string")
    for name, pattern in kinds:
        kind = kind.mask(kind.isna() & has_pattern(biz, pattern), name)
    return kind


def _empty_accounts() -> pd.DataFrame:
    cols = {"person": "string", "pcode": "int64", "lender": "string", "own": bool, "other": bool, "card": bool,
            "kind": "string", "open": bool, "balance": "float64", "amount": "float64", "maturity_date": "datetime64[ns]",
            "guarantee": "string", "business_type": "string", "bad_now": "boolean", "queries": "float64",
            "report_date": "datetime64[ns]", "_row": "Int64", "clean": "boolean", "streak": "boolean",
            "worst": "Int64", "overdue_months": "Int64", "current": "string"}
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in cols.items()})


def _any3(flag: pd.Series, codes: np.ndarray, n: int, absent_false: bool = False) -> pd.Series:
    """Per person (positions 0..n-1 of ``codes``): True when some row is True, False when every row is False,
    else <NA> (also for a person without rows, unless ``absent_false``). Counts per code (``np.bincount``)."""
    t = np.bincount(codes, weights=flag.fillna(False).to_numpy(dtype=bool), minlength=n) > 0
    na = np.bincount(codes, weights=flag.isna().to_numpy(), minlength=n) > 0
    has = np.bincount(codes, minlength=n) > 0
    out = np.where(t, True, np.where(na | ~has, None, False))
    if absent_false:
        out = np.where(~has, False, out)
    return pd.Series(pd.array(out, dtype="boolean"))


def known_sum(total: pd.Series, n: pd.Series) -> pd.Series:
    """A balance sum (元) with its known zero: 0 where the group holds no account (``n`` = 0), ``total`` (NaN when
    every balance of its accounts is unknown) otherwise. Same index."""
    return total.mask(n.eq(0).to_numpy(), 0.0)


def other_share(other_bal: pd.Series, own_bal: pd.Series) -> pd.Series:
    """他行占比 = 他行余额 / (他行余额 + 本行余额): NaN when either side is unknown (NaN) or both are 0."""
    base = other_bal + own_bal
    return other_bal / base.where(base > 0)


def _person_codes(acc: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(code per account row, the persons in code order): the persons sorted, codes 0..n-1. From ``pcode`` when
    :func:`latest_accounts` coded them (gaps closed up, no text hashed), else by factorising ``person``."""
    if "pcode" not in acc.columns:
        codes, people = pd.factorize(acc["person"], sort=True)
        return codes, np.asarray(people, dtype=object)
    pc = acc["pcode"].to_numpy(dtype=np.int64)
    held = np.bincount(pc) > 0
    codes = (np.cumsum(held) - 1)[pc]
    first = np.empty(int(held.sum()), dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)  # a row of each person (the first)
    return codes, acc["person"].to_numpy(dtype=object)[first]


def person_summary(acc: pd.DataFrame, p, as_of: pd.Timestamp) -> pd.DataFrame:
    """One row per person of ``acc`` (index = 客户号, sorted): report_date, n_other (他行未结清笔数), other_bal
    (他行未结清余额, 元; 0 without such an account, NaN when every balance is unknown), n_own / own_bal (本行, the
    same way), share (他行/(他行+本行), NaN when a side is unknown or both are 0), target_bal (他行 ``p.target_kinds`` 余额), n_window / window_bal / first_maturity (他行未结清
    贷款 (not cards) maturing in (as_of, as_of + ``p.window_months`` months], edges included), n_lenders (机构数
    of open loan accounts, cards not counted, the bank included), queries (近3月硬查询, the report's largest; NaN
    unknown), bad_now / clean / streak (boolean, <NA> unknown: clean = every account clean by its 近24月还款状态
    and none in trouble now), collateral (an open other-bank loan secured by ``p.collateral``; <NA> when their
    担保方式 are all blank), main_kind (the 他行 kind holding the largest balance)."""
    codes, people = _person_codes(acc)
    n = len(people)
    is_open = acc["open"].to_numpy(dtype=bool)
    other = acc["other"].to_numpy(dtype=bool) & is_open
    own = acc["own"].to_numpy(dtype=bool) & is_open
    card = acc["card"].to_numpy(dtype=bool)
    bal = acc["balance"].to_numpy(dtype="float64")
    kc, ku = pd.factorize(acc["kind"], sort=True)  # kinds coded once (sorted: ties of 主要品种 by name)
    target = other & np.isin(kc, np.flatnonzero(pd.Index(ku).isin(list(p.target_kinds))))
    mat = pd.to_datetime(acc["maturity_date"])
    end = as_of + pd.DateOffset(months=p.window_months)
    window = other & ~card & ((mat > as_of) & (mat <= end)).to_numpy()

    def total(mask, values=bal):
        f = pd.DataFrame({"p": codes[mask], "v": values[mask]})
        return f.groupby("p")["v"].sum(min_count=1).reindex(range(n))

    def count(mask):
        return pd.Series(np.bincount(codes[mask], minlength=n), dtype="int64")

    n_other, n_own = count(other), count(own)
    other_bal, own_bal = known_sum(total(other), n_other), known_sum(total(own), n_own)
    share = other_share(other_bal, own_bal)
    first = pd.DataFrame({"p": codes[window], "d": mat[window].to_numpy()}).groupby("p")["d"].min().reindex(range(n))
    lc, lu = pd.factorize(acc["lender"])  # missing lender: -1
    loans_open = is_open & ~card & (lc >= 0)
    pairs = np.unique(codes[loans_open].astype(np.int64) * max(len(lu), 1) + lc[loans_open])  # distinct (人, 机构)
    n_lenders = pd.Series(np.bincount(pairs // max(len(lu), 1), minlength=n))
    queries = pd.DataFrame({"p": codes, "q": acc["queries"].to_numpy()}).groupby("p")["q"].max().reindex(range(n))
    rd = pd.DataFrame({"p": codes, "d": pd.to_datetime(acc["report_date"]).to_numpy()}).groupby("p")["d"].max()
    bad_now = _any3(acc["bad_now"], codes, n)
    unclean = (~acc["clean"]).astype("boolean")  # True where a string shows 1–7/D/Z
    dirty = _any3(unclean, codes, n)
    clean = pd.Series(pd.array(np.where(dirty.fillna(False) | bad_now.fillna(False), False,
                                        np.where(dirty.isna() | bad_now.isna(), None, True)), dtype="boolean"))
    streak = _any3(acc["streak"], codes, n)
    coll_rows = other & ~card
    g = acc["guarantee"]
    secured = has_pattern(g, p.collateral).to_numpy()  # once per distinct 担保方式
    g_known = g.notna().to_numpy()
    gs = np.bincount(codes[coll_rows], weights=secured[coll_rows], minlength=n) > 0
    gk = np.bincount(codes[coll_rows], weights=g_known[coll_rows], minlength=n) > 0
    collateral = pd.Series(pd.array(np.where(gs, True, np.where(gk, False, None)), dtype="boolean"))
    collateral = collateral.mask(count(coll_rows).eq(0), False)  # no other-bank loan: nothing to take over
    # 主要品种: per (person, kind) Σ balance on one integer key (kinds coded in sorted order, so a tie on the
    # balance goes to the smallest name), then per person the largest
    ko = other & (kc >= 0)  # a missing kind is no group (as groupby's)
    nk = max(len(ku), 1)
    kb = pd.Series(np.nan_to_num(bal[ko])).groupby(codes[ko].astype(np.int64) * nk + kc[ko], sort=True).sum()
    key = kb.index.to_numpy()
    best = np.lexsort((key % nk, -kb.to_numpy(), key // nk))
    first_of = best[np.r_[True, np.diff(key[best] // nk) != 0][:len(best)]]
    main_kind = pd.Series(np.asarray(ku, dtype=object)[key[first_of] % nk], index=key[first_of] // nk,
                          dtype="string").reindex(range(n))
    out = pd.DataFrame({
        "report_date": rd.reindex(range(n)).to_numpy(), "n_other": n_other, "other_bal": other_bal,
        "n_own": n_own, "own_bal": own_bal, "share": share, "target_bal": total(target),
        "n_window": count(window), "window_bal": total(window), "first_maturity": first,
        "n_lenders": n_lenders.astype("int64"), "queries": queries, "bad_now": bad_now, "clean": clean,
        "streak": streak, "collateral": collateral, "main_kind": main_kind.astype("string")})
    out.index = pd.Index(people.astype(str), dtype="string", name="cust_id")
    return out


def by_kind(acc: pd.DataFrame, kinds: list[str]) -> pd.DataFrame:
    """Open accounts per kind (rows: the ``kinds`` present, then 信用卡 and 未知种类; no 合计 row — the totals are the
    headline's, and a 合计 bar would dwarf the kinds in the chart): n_other / people_other / other_bal,
    n_own / own_bal (元; 0 when the side holds no account of the kind, blank only when every balance is unknown),
    share = other/(other + own) (blank when a side is unknown or both are 0)."""
    a = acc[acc["open"].to_numpy(dtype=bool) & (acc["other"] | acc["own"]).to_numpy(dtype=bool)]
    order = list(dict.fromkeys([*kinds, CARD_KIND, UNKNOWN_KIND]))
    rows = []
    for side in ("other", "own"):
        s = a[a[side].to_numpy(dtype=bool)]
        by = s.groupby("kind")
        g = pd.DataFrame({"n": by.size(), "people": by["person"].nunique(), "bal": by["balance"].sum(min_count=1)})
        rows.append(g.add_prefix(side + "_"))
    present = set(a["kind"].dropna().unique())  # once (the comprehension re-read every account per kind)
    t = pd.concat(rows, axis=1).reindex([k for k in order if k in present])
    for c in ("other_n", "other_people", "own_n", "own_people"):
        t[c] = t[c].fillna(0).astype("int64")
    for side in ("other", "own"):  # no account of the kind on this side: a known 0, not blank
        t[side + "_bal"] = known_sum(t[side + "_bal"], t[side + "_n"])
    t["share"] = other_share(t["other_bal"], t["own_bal"])
    return t.rename_axis("kind").reset_index()
