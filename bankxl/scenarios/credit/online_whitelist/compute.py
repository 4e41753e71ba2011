"""C1 线上贷款白名单优先级: the computations (monthly flows, age-band curve, admission, score inputs), vectorised.

Every function takes conformed canonical tables (``bankxl.tables``) and returns frames indexed by the person's
客户号 (the representative of :func:`bankxl.rules.identity.persons`); nothing here reads files or builds report
blocks. No per-row or per-group Python: groupby on integer codes, numpy over (customer × month) matrices.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ....engine import default_engine, load, usage
from ....engine.regex import portable_regex
from ....frames import customer_ages, per_distinct, stripped
from ....rules.credit_report import parse_with, record_problems
from ....rules.identity import IN_BOTH, CONFLICT, ListMatch, by_cust_id
from ....rules.transactions import KIND_REV, KIND_SELF, InvalidFlows, classify_exclusions, dc_words, has_pattern
from ....tables import loan_status_code

#: the engine query of the monthly flows (bankxl/engine/queries/monthly_flows.sql)
QUERY = "monthly_flows"


def person_codes(keys) -> tuple[np.ndarray, pd.Index]:
    """Integer group codes of person keys (客户号 strings; -1 for missing) and the keys in code order (a
    ``string`` Index named cust_id): group on the codes, then label the result with the keys."""
    codes, uniq = pd.factorize(pd.Series(np.asarray(keys, dtype=object), dtype="string"), sort=True)
    return codes, pd.Index(np.asarray(uniq, dtype=object), dtype="string", name="cust_id")


def age_bands(step: int, low: int, top: int) -> tuple[list[float], list[str]]:
    """Band edges and labels of ``step``-year bands: '<low', 'low–low+step−1', …, '≥top' (edges for
    ``pd.cut(..., right=False)``)."""
    edges = list(range(low, top + 1, step))
    labels = [f"<{low}"] + [f"{a}–{a + step - 1}" for a in edges[:-1]] + [f"≥{edges[-1]}"]
    return [-np.inf, *edges, np.inf], labels


def monthly_flows(txn, customers: pd.DataFrame, who, p, as_of: pd.Timestamp, ctx, engine=None) -> dict | None:
    """Per person (index = representative 客户号) the flows of the window (as_of − ``p.flow_months`` months,
    as_of], own-account transfers and reversals left out by the shared classifier
    (:func:`bankxl.rules.transactions.classify_exclusions` with the scenario's :class:`SelfTransferParams`),
    aggregated by the engine query :data:`QUERY` (``bankxl/engine/queries/monthly_flows.sql``: DuckDB by default,
    Spark unchanged). ``txn``: 交易流水 as conformed, or a :class:`bankxl.engine.inputs.DuckTable` (read through
    DuckDB: its rows stay there; only the classifier's excluded rows and one row per person come back).

    Returns None without flows in the window, else a dict: ``people`` — frame with income (月均收入, 元 or the
    data's currency: Σ credits / months covered), spend (月均支出), ratio (spend / income; NaN when income is 0),
    pay_run (consecutive months with a 代发 credit (the 代发 rule of :mod:`bankxl.rules.payroll`,
    ``p.payroll_memo``) up to the last covered month; one month of grace when the last month has none yet),
    income_months (months with income); ``months`` — the covered months: from the month of the first flow in the
    window to as_of's month, a month at either end counted only when the data cover at least half of it (first
    flow on day ≤ 15; as_of day ≥ 15) — the flows of a month left out do not count; None when no month is left;
    ``excluded`` — counts of the flows left out per kind (本人互转 / 冲正) and ``invalid`` (借贷 neither D nor C:
    VALUE_INVALID on 数据问题, ``ctx``). Money sums are the engine's (the last bits may differ from a pandas sum).
    ``engine``: None = the default engine of :mod:`bankxl.engine`. Raises ParameterError for a 代发 regex the
    engines would read differently.
    """
    if txn is None or not len(txn):
        return None
    eng = engine or default_engine()
    if hasattr(txn, "relation") and getattr(eng, "con", None) is not txn.con:
        txn = txn.to_pandas()  # read through DuckDB, run on another engine (Spark): the pandas loader's frame
    duck = hasattr(txn, "relation")
    # the key of the classifier's rows (_row): a DuckTable's own (one per record); positions for a frame
    src = txn if duck else txn.assign(_row=pd.array(np.arange(len(txn)), dtype="Int64"))
    names = by_cust_id(customers)["cust_name"] if "cust_name" in customers.columns else None
    bad = InvalidFlows(ctx, None if duck else txn, "该笔流水不计入收支")
    det = classify_exclusions(src, p, as_of, names, bad, months=p.flow_months, engine=eng)
    drop_kinds = det[det["kind"].isin([KIND_SELF, KIND_REV])]
    persons = pd.DataFrame({"cust_id": pd.array(who.person.index.astype(str), dtype="string"),
                            "person": pd.array(who.person.astype(str).to_numpy(), dtype="string")})
    params = {"start": as_of - pd.DateOffset(months=p.flow_months), "as_of": as_of,
              "payroll_memo": portable_regex(p.payroll_memo, "payroll_memo", "代发关键词")}
    res = eng.run(load(QUERY), {"txn": txn.relation() if duck else src, "dropped": drop_kinds[["_row"]],
                                "persons": persons, "dc_words": dc_words()}, params)
    usage.record("客户月度收支(月均收入/支出、代发连续月数)", eng, "交易流水", len(txn), len(res))
    window = res[res["level"] == 1].iloc[0]
    if pd.isna(window["first_month"]) or window["first_month"] > window["last_month"]:
        return None
    m0, m1 = int(window["first_month"]), int(window["last_month"])  # year × 12 + month − 1
    months = pd.period_range(pd.Period(year=m0 // 12, month=m0 % 12 + 1, freq="M"), periods=m1 - m0 + 1, freq="M")
    per = res[res["level"] == 0]
    people = pd.DataFrame({"income": per["income"].to_numpy(), "spend": per["spend"].to_numpy(),
                           "ratio": per["ratio"].to_numpy(), "pay_run": per["pay_run"].to_numpy(),
                           "income_months": per["income_months"].to_numpy()},
                          index=pd.Index(per["cust_id"].to_numpy(), dtype="string", name="cust_id"))
    return {"people": people, "months": months, "invalid": bad.n,
            "excluded": drop_kinds["kind"].value_counts().to_dict()}


def age_curve(people: pd.DataFrame, age: pd.Series, p) -> pd.DataFrame:
    """The age-band income and spending curve (SCENARIOS.md C1): one row per ``p.band_step``-year band
    (:func:`age_bands`) — 年龄段, 客户数 (persons with flows and a known age), 收入中位数 / 支出中位数 (of the
    persons' monthly averages), 支出收入比 (= 支出中位数 / 收入中位数; blank when the income median is 0 or the band
    is empty), 需求段 (是 when the ratio lies in ``p.demand_ratio`` and the band holds ≥ ``p.band_min``
    persons; 样本不足 below that; blank when empty). ``people``: :func:`monthly_flows`'s; ``age``: years per
    person (index cust_id)."""
    edges, labels = age_bands(p.band_step, p.band_low, p.band_top)
    a = age.reindex(people.index)
    ok = a.notna().to_numpy()
    band = pd.cut(a[ok], edges, right=False, labels=labels)
    f = pd.DataFrame({"band": band, "income": people["income"].to_numpy()[ok], "spend": people["spend"].to_numpy()[ok]})
    g = f.groupby("band", observed=False)
    med = g[["income", "spend"]].median().reindex(labels)
    n = g.size().reindex(labels, fill_value=0).astype("int64")
    ratio = (med["spend"] / med["income"].where(med["income"] > 0)).astype("float64")
    lo, hi = p.demand_ratio
    judged = (n >= p.band_min) & ratio.notna()
    demand = pd.Series(np.where(judged, np.where((ratio >= lo) & (ratio <= hi), "是", "否"),
                                np.where(n > 0, "样本不足", "")), index=labels)
    return pd.DataFrame({"年龄段": labels, "客户数": n.to_numpy(), "收入中位数": med["income"].to_numpy(),
                         "支出中位数": med["spend"].to_numpy(), "支出收入比": ratio.to_numpy(),
                         "需求段": demand.to_numpy()})


def person_info(customers: pd.DataFrame, who, as_of) -> pd.DataFrame:
    """One row per person of the 客户 table (index = representative 客户号): age (years, NaN unknown; birth
    date, else ID, else an ``age`` column — :func:`bankxl.frames.customer_ages`), payroll_flag (boolean, <NA>
    unknown), org_id, cust_status."""
    c = by_cust_id(customers)
    rep = who.of(pd.Series(c.index, index=c.index, dtype="string"))
    keep = (rep == c.index.to_series()).to_numpy()  # the representative's own row stands for the person
    c = c[keep]
    col = (lambda name, dtype: c[name].astype(dtype) if name in c.columns
           else pd.Series(pd.NA, index=c.index, dtype=dtype))
    return pd.DataFrame({"age": customer_ages(c, as_of).to_numpy(), "payroll_flag": col("payroll_flag", "boolean"),
                         "org_id": col("org_id", "string"), "cust_status": col("cust_status", "string")},
                        index=pd.Index(c.index, dtype="string", name="cust_id"))


def own_overdue(loans: pd.DataFrame | None, who, ids: pd.Index, housing_pattern: str) -> tuple[pd.Series, pd.Series] | None:
    """From the bank's own ``loans``: (overdue now, running housing loan) per person (boolean, index ``ids``):
    overdue = a running loan (status C/D or no status and no 结清日) with status D or 逾期天数 > 0; housing = a
    running loan whose 贷款品种 matches ``housing_pattern``. Persons without loans: False (the table is the
    bank's whole book). None without the table."""
    if loans is None:
        return None
    st = loan_status_code(loans["status"]) if "status" in loans.columns else pd.Series(pd.NA, index=loans.index,
                                                                                         dtype="string")
    ended = loans["end_date"].notna() if "end_date" in loans.columns else pd.Series(False, index=loans.index)
    running = (st.isin(["C", "D"]) | (st.isna() & ~ended)).fillna(False).to_numpy(dtype=bool)
    od_days = pd.to_numeric(loans["overdue_days"], errors="coerce") if "overdue_days" in loans.columns else \
        pd.Series(np.nan, index=loans.index)
    od = running & ((st == "D").fillna(False).to_numpy(dtype=bool) | (od_days > 0).to_numpy())
    prod = loans["product"].fillna("") if "product" in loans.columns else pd.Series("", index=loans.index)
    house = running & has_pattern(prod.astype("string"), housing_pattern).to_numpy()
    codes, keys = person_codes(who.of(stripped(loans["cust_id"])))
    f = pd.DataFrame({"c": codes, "od": od, "house": house})
    g = f[codes >= 0].groupby("c")[["od", "house"]].any()
    g = g.set_axis(keys[g.index.to_numpy()], axis=0).reindex(ids, fill_value=False)
    return g["od"].astype("boolean"), g["house"].astype("boolean")


def credit_summary(cr: pd.DataFrame, lm: ListMatch, p, ctx) -> tuple[pd.DataFrame, dict]:
    """Per person with a usable credit report (index = representative 客户号): cur_overdue (boolean: an account
    of the latest report matches ``p.overdue_status`` by 账户状态, holds 当前逾期总额 > 0, or ends its 近24月还款状态 in 1–7; <NA>
    when none of these is known), streak (连三累六 of the shared rule :mod:`bankxl.rules.credit_report` with C1's
    ``p.streak_consecutive`` / ``p.streak_total``, per account: True when an account of the report has it, <NA>
    when none has it but an account's string is blank, unreadable or holds a ``#`` month that could hide it),
    worst_run (the longest run of overdue months of an account, months), total_overdue (the most overdue
    months of one account), worst_level (the highest overdue level 1–7 of a month, 0 none), queries
    (近3月硬查询次数, the report's largest; NaN unknown), report_date; worst_run/total_overdue/worst_level count
    the readable strings (NaN when none). Only rows matched to the bank's persons (内外都有) count; a person's
    latest report (报告日期; a report older than ``p.credit_max_age`` days before the data date is not used).
    Invalid 还款状态 strings of the rows used are REPAY_INVALID on 数据问题 (``ctx``). Second value: counts for
    说明 (rows, unmatched rows, conflicts, persons with a stale report, invalid strings)."""
    as_of = ctx.as_of
    cls = lm.rows["match_class"]
    m = (cls == IN_BOTH).fillna(False).to_numpy()
    d = cr[m].assign(_p=lm.rows["cust_id"][m].to_numpy())
    info = {"rows": len(cr), "unmatched": int((~m).sum()), "conflicts": int((cls == CONFLICT).fillna(False).sum()),
            "stale": 0, "invalid": 0}
    empty = pd.DataFrame({"cur_overdue": pd.Series(dtype="boolean"), "streak": pd.Series(dtype="boolean"),
                          "worst_run": pd.Series(dtype="float64"), "total_overdue": pd.Series(dtype="float64"),
                          "worst_level": pd.Series(dtype="float64"),
                          "queries": pd.Series(dtype="float64"), "report_date": pd.Series(dtype="datetime64[ns]")},
                         index=pd.Index([], dtype="string", name="cust_id"))
    if not len(d):
        return empty, info
    rd = d["report_date"] if "report_date" in d.columns else pd.Series(pd.NaT, index=d.index)
    latest = rd.groupby(person_codes(d["_p"])[0]).transform("max")
    d = d[(rd.eq(latest) | latest.isna()).to_numpy()]
    rd = rd[d.index]
    stale = (rd < as_of - pd.Timedelta(days=p.credit_max_age)).fillna(False).to_numpy()
    info["stale"] = int(d.loc[stale, "_p"].nunique())
    d, rd = d[~stale], rd[~stale]
    if not len(d):
        return empty, info
    parsed = parse_with(d["repay_24m"] if "repay_24m" in d.columns
                        else pd.Series(pd.NA, index=d.index, dtype="string"), p)
    if "repay_24m" in d.columns:
        info["invalid"] = record_problems(ctx, "credit_reports", d, "repay_24m", parsed)
    status = d["account_status"].astype("string") if "account_status" in d.columns else pd.Series(
        pd.NA, index=d.index, dtype="string")
    amt = pd.to_numeric(d["overdue_amount"], errors="coerce") if "overdue_amount" in d.columns else pd.Series(
        np.nan, index=d.index)
    current = parsed["current"]
    streak = parsed["streak"]
    ind = pd.DataFrame({
        "st_od": per_distinct(status.fillna(""), lambda v: has_pattern(v, p.overdue_status)).to_numpy(dtype=bool),
        "st_known": status.notna().to_numpy(),
        "amt_od": (amt > 0).to_numpy(), "amt_known": amt.notna().to_numpy(),
        "rep_od": current.isin(list("1234567")).fillna(False).to_numpy(dtype=bool),  # the latest month 1–7
        "rep_known": current.notna().to_numpy(),
        "streak_yes": streak.eq(True).fillna(False).to_numpy(dtype=bool), "streak_unk": streak.isna().to_numpy(),
        "run": parsed["longest_run"].astype("Float64").to_numpy(dtype="float64", na_value=np.nan),
        "total": parsed["overdue_months"].astype("Float64").to_numpy(dtype="float64", na_value=np.nan),
        "level": parsed["worst"].astype("Float64").to_numpy(dtype="float64", na_value=np.nan),
        "q": pd.to_numeric(d["hard_queries_3m"], errors="coerce").to_numpy(dtype="float64")
        if "hard_queries_3m" in d.columns else np.full(len(d), np.nan),
        "rd": rd.to_numpy()})
    codes, keys = person_codes(d["_p"])  # every row here is a matched person (no -1)
    g = ind.groupby(codes)
    any_od = g[["st_od", "amt_od", "rep_od"]].any().any(axis=1)
    known = g[["st_known", "amt_known", "rep_known"]].any().any(axis=1)
    s_yes, s_unk = g["streak_yes"].any(), g["streak_unk"].any()
    out = pd.DataFrame({
        "cur_overdue": pd.array(np.where(any_od, True, np.where(known, False, None)), dtype="boolean"),
        "streak": pd.array(np.where(s_yes, True, np.where(s_unk, None, False)), dtype="boolean"),
        "worst_run": g["run"].max().to_numpy(), "total_overdue": g["total"].max().to_numpy(),
        "worst_level": g["level"].max().to_numpy(),
        "queries": g["q"].max().to_numpy(), "report_date": g["rd"].max().to_numpy()},
        index=keys[any_od.index.to_numpy()])
    return out, info


def blacklist_hits(bl: pd.DataFrame, lm: ListMatch, active_pattern_out: str) -> tuple[pd.Series, int]:
    """Persons on the blacklist (index = representative 客户号, value = 来源 text, '身份冲突待核实' for a conflict):
    rows whose 状态 matches ``active_pattern_out`` (移出/撤销 …) do not count. Second value: rows left out as
    removed."""
    removed = has_pattern(bl["status"].astype("string").fillna(""), active_pattern_out).to_numpy() \
        if "status" in bl.columns else np.zeros(len(bl), dtype=bool)
    r = lm.rows
    src = bl["source"].astype("string").fillna("黑名单") if "source" in bl.columns else pd.Series(
        "黑名单", index=bl.index, dtype="string")
    hit = ((r["match_class"] == IN_BOTH).fillna(False).to_numpy()) & ~removed
    a = pd.Series(src[hit].to_numpy(), index=pd.Index(r["cust_id"][hit].to_numpy(), dtype="string"), dtype="string")
    c = lm.conflicts
    ok = ~removed[bl.index.get_indexer(c["ext_index"])] if len(c) else np.zeros(0, dtype=bool)
    b = pd.Series("身份冲突待核实", index=pd.Index(c["cust_id"][ok].to_numpy(), dtype="string"), dtype="string")
    both = pd.concat([a, b])
    return both[~both.index.duplicated(keep="first")], int(removed.sum())
