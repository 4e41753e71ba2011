"""C10 computations (SCENARIOS.md C10): per-customer facts, the four admission keys, exclusions, tiers, new limits.

Every fact is three-valued where the data may not hold it: a ``boolean`` Series with ``<NA>`` = unknown (never
taken as met or as 否). Combining uses Kleene logic (pandas ``boolean``: ``False & NA = False``, ``True | NA =
True``). All work is vectorised over loans / customers; per-customer aggregation groups on integer codes.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ....engine import default_engine, load, usage
from ....engine.regex import portable_regex
from ....frames import customer_ages, id_positions, stripped
from ....rules.credit_report import parse_with, record_problems
from ....rules.deposits import mean_deposit
from ....rules.identity import id_key
from ....rules.transactions import InvalidFlows, SelfTransferParams, classify_exclusions, dc_words, has_pattern
from ....tables import loan_status_code

#: the engine query of the 代发 income (bankxl/engine/queries/payroll_months.sql)
PAYROLL_QUERY = "payroll_months"
#: tier names (A/B/C are the list levels; the others are outcomes without a raise)
TIER_A, TIER_B, TIER_C, PENDING, NO_ROOM, REFUSED, EXCLUDED = "A", "B", "C", "待核实", "无提额空间", "不准入", "排除"
#: the terms of new limit = min(...), in this order (ties: the first binds)
BIND_TERMS = ("现额度×(1+提升率)", "月收入×倍数", "产品上限")
#: 处理 of a 交易流水 row whose 借贷 is neither D nor C (VALUE_INVALID, recorded by :func:`payroll_income`)
ACTION_INVALID = "该笔流水不计入代发收入"


def _col(df: pd.DataFrame, name: str, dtype: str) -> pd.Series:
    """Column ``name`` of ``df`` (all missing, of ``dtype``, when the optional column is absent)."""
    if name in df.columns:
        return df[name]
    return pd.Series(pd.array([pd.NA] * len(df), dtype=dtype), index=df.index)


def months_between(a: pd.Series, b: pd.Series) -> pd.Series:
    """Whole calendar months from dates ``a`` to ``b`` (``b`` later gives a positive number): (Δyear × 12 + Δmonth)
    − 1 when ``b``'s day of month is before ``a``'s; float64, NaN where either date is missing."""
    a, b = pd.to_datetime(a), pd.to_datetime(b)
    m = (b.dt.year - a.dt.year) * 12 + (b.dt.month - a.dt.month) - (b.dt.day < a.dt.day).astype("float64")
    return m.astype("float64")


def group_all(v: pd.Series, codes: np.ndarray, n: int) -> pd.Series:
    """Three-valued ALL of boolean ``v`` per group (``codes`` 0..n−1 aligned with ``v``): False when any is False,
    else <NA> when any is unknown or the group has no rows, else True. ``boolean`` Series indexed 0..n−1."""
    v = pd.Series(v.to_numpy(), dtype="boolean")
    false = np.bincount(codes, weights=v.eq(False).fillna(False).to_numpy(float), minlength=n) > 0
    unk = np.bincount(codes, weights=v.isna().to_numpy(float), minlength=n) > 0
    rows = np.bincount(codes, minlength=n) > 0
    out = np.where(false, False, np.where(unk | ~rows, None, True))
    return pd.Series(pd.array(out, dtype="boolean"))


def group_any(v: pd.Series, codes: np.ndarray, n: int) -> pd.Series:
    """Three-valued ANY per group: True when any is True, else <NA> when any is unknown or no rows, else False
    (= NOT ALL NOT: Kleene negation keeps <NA>)."""
    return ~group_all(~pd.Series(v.to_numpy(), dtype="boolean"), codes, n)


def tri(values, known) -> pd.Series:
    """A ``boolean`` array: ``values`` where ``known``, else <NA>."""
    v = np.asarray(values, dtype=bool)
    k = np.asarray(known, dtype=bool)
    return pd.Series(pd.array(np.where(k, v, None), dtype="boolean"))


# ---------------------------------------------------------------------------------------------- loans
def loan_scope(loans: pd.DataFrame, caps: Mapping[str, float], as_of: pd.Timestamp, ctx) -> dict:
    """The loans C10 reads, typed and flagged: every loan with a customer (``cust_id``), plus ``running`` (not 结清
    A/B, no 结清日 on or before the data date), ``target`` (running and 贷款品种 among ``caps``), ``limit`` (授信额度,
    else 贷款金额; 元), ``limit_src``, ``maturity`` (到期日, else 放款日 + 期限), ``paid`` (已还期数, else whole months
    放款日 → data date / 结清日). Row problems: a target loan without a limit or amount (VALUE_INVALID, left out)."""
    cid = stripped(loans["cust_id"])
    has_id = cid.fillna("").ne("").to_numpy()
    d = loans[has_id].copy()
    d["cust_id"] = cid[has_id]
    st = loan_status_code(_col(d, "status", "string"))
    end = pd.to_datetime(_col(d, "end_date", "datetime64[ns]"))
    d["running"] = (~st.isin(["A", "B"]).fillna(False) & ~(end <= as_of).fillna(False)).to_numpy()
    d["status_code"] = st
    prod = stripped(_col(d, "product", "string"))
    lim = pd.to_numeric(_col(d, "credit_limit", "float64"), errors="coerce").astype("float64")
    amt = pd.to_numeric(_col(d, "amount", "float64"), errors="coerce").astype("float64")
    d["limit"] = lim.where(lim.notna(), amt)
    d["limit_src"] = np.where(lim.notna(), "授信额度", np.where(amt.notna(), "贷款金额", ""))
    d["cap"] = prod.map(dict(caps)).astype("float64")
    d["target"] = d["running"].to_numpy() & prod.isin(list(caps)).fillna(False).to_numpy()
    no_limit = d["target"].to_numpy() & d["limit"].isna().to_numpy()
    if no_limit.any():
        ctx.problem("loans", d.loc[no_limit, "_row"] if "_row" in d.columns else pd.Series(pd.NA, index=d.index[no_limit]),
                    "credit_limit", "VALUE_INVALID", _col(d, "credit_limit", "float64")[no_limit],
                    "授信额度与贷款金额都为空", "该笔不作为提额借据(现额度未知)")
        d.loc[no_limit, "target"] = False
    start = pd.to_datetime(d["start_date"])
    term = pd.to_numeric(_col(d, "term_m", "Int64"), errors="coerce").astype("float64")
    mat = pd.to_datetime(_col(d, "maturity_date", "datetime64[ns]"))
    derived = pd.Series(pd.NaT, index=d.index, dtype="datetime64[ns]")
    ok = (start.notna() & term.notna()).to_numpy()
    if ok.any():
        months = (start[ok].dt.year - 1970) * 12 + start[ok].dt.month - 1 + term[ok].astype("int64")
        derived[ok] = _month_day(months, start[ok]).to_numpy()
    d["maturity"] = mat.where(mat.notna(), derived)
    paid = pd.to_numeric(_col(d, "paid_terms", "Int64"), errors="coerce").astype("float64")
    until = end.where(end.notna() & (end < as_of), as_of)
    elapsed = months_between(start, until).clip(lower=0)
    d["paid"] = paid.where(paid.notna(), elapsed)
    d["paid_src"] = np.where(paid.notna(), "已还期数", np.where(elapsed.notna(), "按放款日推算", ""))
    return {"loans": d}


def _month_day(months: pd.Series, start: pd.Series) -> pd.Series:
    """Dates from a month number (periods since 1970-01) and the day of ``start`` (capped at the month's end)."""
    first = pd.PeriodIndex.from_ordinals(months.to_numpy(), freq="M").to_timestamp()
    last_day = (first + pd.offsets.MonthEnd(0)).day
    day = np.minimum(start.dt.day.to_numpy(), last_day.to_numpy())
    return pd.Series(first + pd.to_timedelta(day - 1, "D"), index=months.index)


# ---------------------------------------------------------------------------------------------- income, relation
def payroll_income(txn, ids: pd.Index, p, as_of: pd.Timestamp, engine=None, ctx=None) -> tuple[pd.Series, pd.Series]:
    """代发 from 交易流水 (the shared 代发 rule of :mod:`bankxl.rules.payroll`: credits whose 对手户名 or 摘要 match
    ``p.payroll_memo``) in (data date − ``income_months`` months, data date], rows with a readable amount, by the
    engine query :data:`PAYROLL_QUERY` (``bankxl/engine/queries/payroll_months.sql``: DuckDB by default, Spark
    unchanged; one row per customer with 代发 comes back). ``txn``: 交易流水 as conformed, or a
    :class:`bankxl.engine.inputs.DuckTable` (its rows stay in DuckDB). Returns (months with 代发, 代发月均 = 代发合计
    ÷ 有代发的月数, 元) per customer of ``ids``; both NaN without flows; months 0 / average NaN for a customer
    without 代发 in the window. ``engine``: None = the default engine of :mod:`bankxl.engine`. Raises
    ParameterError for a 代发 regex the engines would read differently. ``ctx``: a flow of the window whose 借贷
    is neither D nor C is recorded there as VALUE_INVALID (the query leaves it out), by the shared classifier's
    window rule and C1's recorder (:func:`bankxl.rules.transactions.classify_exclusions`,
    ``rules.transactions.InvalidFlows``): the same code, column, rows, 原值 and wording as C1."""
    if txn is None:
        return pd.Series(np.nan, index=ids), pd.Series(np.nan, index=ids)
    eng = engine or default_engine()
    if hasattr(txn, "relation") and getattr(eng, "con", None) is not txn.con:
        txn = txn.to_pandas()  # read through DuckDB, run on another engine (Spark): the pandas loader's frame
    if ctx is not None and len(txn):
        duck = hasattr(txn, "relation")
        src = txn if duck else txn.assign(_row=pd.array(np.arange(len(txn)), dtype="Int64"))
        classify_exclusions(src, SelfTransferParams(), as_of, None, InvalidFlows(ctx, None if duck else txn, ACTION_INVALID),
                            months=int(p.income_months), engine=eng)
    params = {"start": as_of - pd.DateOffset(months=int(p.income_months)), "as_of": as_of,
              "payroll_memo": portable_regex(p.payroll_memo, "payroll_memo", "代发关键词")}
    src = txn.relation() if hasattr(txn, "relation") else txn
    per = eng.run(load(PAYROLL_QUERY), {"txn": src, "dc_words": dc_words()}, params)
    usage.record("代发入账(有代发月数、代发月均)", eng, "交易流水", len(txn), len(per))
    per = per.set_index("cust_id").reindex(ids)
    n_months = per["pay_months"].fillna(0).astype("float64").to_numpy()
    total = per["pay_total"].to_numpy(dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        avg = np.where(n_months > 0, total / n_months, np.nan)
    return pd.Series(n_months, index=ids), pd.Series(avg, index=ids)


def deposit_average(monthly: pd.DataFrame | None, ids: pd.Index, months: int, as_of: pd.Timestamp) -> pd.Series:
    """本行日均 (元): the mean of 存款月日均 over the customer's known months among the last ``months`` months up
    to the data date's month (:func:`bankxl.rules.deposits.mean_deposit`, 缺月不补 0); NaN without the table,
    without a row in those months or with blank values only."""
    s = mean_deposit(monthly, as_of, months)
    return pd.Series(np.nan, index=ids) if s is None else s.reindex(ids).set_axis(ids)


def relation_flags(tables: Mapping[str, pd.DataFrame], ids: pd.Index, pay_months: pd.Series, p) -> pd.Series:
    """代发/公积金 (boolean per customer, <NA> unknown): 代发 in the flows (≥ ``min_pay_months`` months), 客户.代发标志,
    or a held 产品持有 row among ``relation_products``; Kleene OR of the sources the data hold (False only when a
    source says no and none says yes)."""
    parts = []
    if tables.get("transactions") is not None:
        parts.append(tri(pay_months.to_numpy() >= p.min_pay_months, np.ones(len(ids), bool)))
    cust = tables.get("customers")
    if cust is not None and "payroll_flag" in cust.columns:
        c = cust.drop_duplicates("cust_id")
        f = pd.Series(c["payroll_flag"].astype("boolean").to_numpy(),
                      index=stripped(c["cust_id"])).reindex(ids)
        parts.append(pd.Series(f.to_numpy(), dtype="boolean"))
    hold = tables.get("product_holdings")
    if hold is not None:
        h = hold[stripped(_col(hold, "product", "string")).isin(list(p.relation_products)).fillna(False).to_numpy()]
        code = id_positions(h["cust_id"], ids)
        held = _col(h, "held", "boolean").astype("boolean")
        ok = code >= 0
        yes = np.bincount(code[ok], weights=held[ok].eq(True).fillna(False).to_numpy(float), minlength=len(ids)) > 0
        unk = np.bincount(code[ok], weights=held[ok].isna().to_numpy(float), minlength=len(ids)) > 0
        parts.append(pd.Series(pd.array(np.where(yes, True, np.where(unk, None, False)), dtype="boolean")))
    out = pd.Series(pd.array([pd.NA] * len(ids), dtype="boolean"))
    if parts:
        out = parts[0]
        for x in parts[1:]:
            out = out | x
    return pd.Series(out.to_numpy(), index=ids, dtype="boolean")


# ---------------------------------------------------------------------------------------------- credit reports
def credit_keys(cr: pd.DataFrame | None, people: pd.DataFrame, p, ctx) -> tuple[pd.DataFrame, dict]:
    """② 征信 per customer of ``people`` (index cust_id; column ``id_key``): the latest report per person (报告日期;
    older than ``report_max_age`` days = no usable report), then cur_overdue (账户状态 matching ``p.overdue_status``, 当前逾期总额 > 0,
    or the last month of 近24月还款状态 in 1–7), streak (连三累六 on an account, :mod:`bankxl.rules.credit_report`),
    queries (近3月硬查询次数, the report's largest), report_date. A person is matched by 证件号 (15/18 digits
    normalised), else by 客户号. Unknown stays <NA>. Info: counts for the notes."""
    ids = people.index
    empty = pd.DataFrame({"has_report": np.zeros(len(ids), bool),
                          "cur_overdue": pd.array([pd.NA] * len(ids), dtype="boolean"),
                          "streak": pd.array([pd.NA] * len(ids), dtype="boolean"),
                          "queries": np.full(len(ids), np.nan),
                          "report_date": pd.Series(pd.NaT, index=range(len(ids)), dtype="datetime64[ns]").to_numpy()},
                         index=ids)
    info = {"given": cr is not None, "rows": 0, "stale": 0, "unmatched": 0}
    if cr is None or not len(cr):
        return empty, info
    info["rows"] = len(cr)
    key = id_key(cr["id_no"].astype("string"))
    by_id = pd.Series(ids, index=people["id_key"].to_numpy())
    by_id = by_id[by_id.index.notna() & ~by_id.index.duplicated()]
    cust = by_id.reindex(key.to_numpy()).to_numpy()
    if "cust_id" in cr.columns:
        own = stripped(cr["cust_id"])
        cust = np.where(pd.isna(cust), np.where(own.isin(ids).fillna(False).to_numpy(), own.to_numpy(dtype=object),
                                                None), cust)
    matched = ~pd.isna(cust)
    info["unmatched"] = int((~matched).sum())
    d = cr[matched].copy()
    d["_c"] = ids.get_indexer(pd.Index(cust[matched].astype(str)))
    rd = pd.to_datetime(_col(d, "report_date", "datetime64[ns]"))
    latest = rd.groupby(d["_c"]).transform("max")
    d = d[(rd.eq(latest) | latest.isna()).to_numpy()]
    rd = rd[d.index]
    stale = (rd < ctx.as_of - pd.Timedelta(days=int(p.report_max_age))).fillna(False).to_numpy()
    info["stale"] = int(d.loc[stale, "_c"].nunique())
    d, rd = d[~stale], rd[~stale]
    if not len(d):
        return empty, info
    parsed = parse_with(_col(d, "repay_24m", "string"), p)
    if "repay_24m" in d.columns:
        record_problems(ctx, "credit_reports", d, "repay_24m", parsed)
    status = _col(d, "account_status", "string").astype("string")
    amt = pd.to_numeric(_col(d, "overdue_amount", "float64"), errors="coerce")
    cur_code = parsed["current"].astype("string")
    od = (has_pattern(status.fillna(""), p.overdue_status).to_numpy() | (amt > 0).fillna(False).to_numpy()
          | cur_code.str.match(r"[1-7]").fillna(False).to_numpy())
    known = status.notna().to_numpy() | amt.notna().to_numpy() | cur_code.notna().to_numpy()
    code = d["_c"].to_numpy()
    n = len(ids)
    cur = group_any(tri(od, od | known), code, n)
    streak = group_any(parsed["streak"].astype("boolean"), code, n)
    q = pd.to_numeric(_col(d, "hard_queries_3m", "Int64"), errors="coerce").astype("float64")
    qmax = pd.Series(q.to_numpy()).groupby(code).max().reindex(range(n)).to_numpy()
    has = np.bincount(code, minlength=n) > 0
    rdate = pd.Series(rd.to_numpy()).groupby(code).max().reindex(range(n)).to_numpy()
    out = pd.DataFrame({"has_report": has, "cur_overdue": cur.to_numpy(), "streak": streak.to_numpy(),
                        "queries": qmax, "report_date": rdate}, index=ids)
    for c in ("cur_overdue", "streak"):
        out[c] = out[c].astype("boolean").where(has, pd.NA)
    return out, info


# ---------------------------------------------------------------------------------------------- customers
def evaluate(tables: Mapping[str, pd.DataFrame], p, ctx) -> tuple[pd.DataFrame, dict]:
    """One row per customer holding a running loan of a product in ``p.products`` (the 提额借据 = the largest
    current limit, then 借据号). Columns (money in 元, rates as fractions, <NA>/NaN = unknown):
    cust_id, loan_id, product, org_id, mgr_id, n_target (target loans), limit, limit_src, cap, maturity,
    remaining (whole months), age, paid (max over the customer's loans), income, income_src (代发/申报/未知),
    pay_months, payroll_avg, declared, payments (Σ 月供 of running loans), dti, deposit, relation_pay;
    k1_terms/k1_overdue/k1_class/k1, k2_overdue/k2_streak/k2_queries/k2, k3, k4, a_cond (boolean); x_restr,
    x_short, x_age (exclusions, boolean); tier (A/B/C/待核实/无提额空间/不准入/排除), rate, new_limit, bind, raise,
    reason (the first rule that decided the tier), missing (factors not known, 、-joined). Info: counts for notes."""
    as_of = ctx.as_of
    caps = {str(a): float(b) for a, b in p.products}
    sc = loan_scope(tables["loans"], caps, as_of, ctx)["loans"]
    tgt = sc[sc["target"].to_numpy()].sort_values(["cust_id", "limit", "loan_id"], ascending=[True, False, True],
                                                  kind="stable")
    n_target = tgt.groupby("cust_id").size()
    main = tgt.drop_duplicates("cust_id", keep="first").set_index("cust_id")
    ids = pd.Index(main.index.astype("string"), name="cust_id")
    n = len(ids)
    f = pd.DataFrame(index=ids)
    for c in ("loan_id", "product", "org_id", "mgr_id", "limit", "limit_src", "cap", "maturity"):
        f[c] = main[c].to_numpy() if c in main.columns else pd.NA
    f["n_target"] = n_target.reindex(ids).to_numpy()
    f["remaining"] = months_between(pd.Series(as_of, index=ids), f["maturity"]).to_numpy()

    # loans of these customers (all products): history, payments
    lc = ids.get_indexer(sc["cust_id"])
    mine = lc >= 0
    L, code = sc[mine], lc[mine]
    st = L["status_code"]
    run = L["running"].to_numpy()
    od_now = run & ((st == "D").fillna(False).to_numpy()
                    | (pd.to_numeric(_col(L, "overdue_days", "Int64"), errors="coerce") > 0).fillna(False).to_numpy())
    flag24 = _col(L, "overdue_24m", "boolean").astype("boolean")
    end = pd.to_datetime(_col(L, "end_date", "datetime64[ns]"))
    recent = run | (end >= as_of - pd.DateOffset(months=24)).fillna(False).to_numpy()
    bad24 = tri(flag24.eq(True).fillna(False).to_numpy() | od_now, flag24.notna().to_numpy() | od_now)
    f["k1_overdue"] = (~group_any(pd.Series(bad24[recent].to_numpy()), code[recent], n)).to_numpy()
    paid = pd.Series(L["paid"].to_numpy())
    f["paid"] = paid.groupby(code).max().reindex(range(n)).to_numpy()
    f["k1_terms"] = tri(f["paid"].to_numpy() >= p.min_terms, f["paid"].notna().to_numpy()).to_numpy()
    cls = stripped(_col(L, "classification", "string"))
    f["k1_class"] = group_all(tri(cls.eq("正常").fillna(False).to_numpy(), cls.notna().to_numpy())[run],
                              code[run], n).to_numpy()
    f["k1"] = (f["k1_terms"].astype("boolean") & f["k1_overdue"].astype("boolean")
               & f["k1_class"].astype("boolean")).to_numpy()
    restr = _col(L, "restructured", "boolean").astype("boolean")
    f["x_restr"] = group_any(restr[run], code[run], n).to_numpy()
    mp = pd.to_numeric(_col(L, "monthly_payment", "float64"), errors="coerce").to_numpy(dtype="float64")
    pay_sum = np.bincount(code[run], weights=np.nan_to_num(mp[run]), minlength=n)
    pay_unk = np.bincount(code[run], weights=np.isnan(mp[run]).astype(float), minlength=n) > 0
    f["payments"] = np.where(pay_unk, np.nan, pay_sum)
    inc = pd.to_numeric(_col(L, "declared_income", "float64"), errors="coerce")
    decl = pd.DataFrame({"c": code, "s": pd.to_datetime(L["start_date"]).to_numpy(), "v": inc.to_numpy()})
    decl = decl[decl["v"].notna()].sort_values(["c", "s"], kind="stable").drop_duplicates("c", keep="last")
    f["declared"] = pd.Series(decl["v"].to_numpy(), index=decl["c"].to_numpy()).reindex(range(n)).to_numpy()

    # identity: age, ID key (loans' ID, else the 客户 table's)
    cust = tables.get("customers")
    who = pd.DataFrame({"id_no": main["id_no"].astype("string").to_numpy() if "id_no" in main.columns else pd.NA},
                       index=ids).astype({"id_no": "string"})
    if cust is not None:
        c = cust.drop_duplicates("cust_id").set_index(stripped(cust.drop_duplicates("cust_id")["cust_id"]))
        for col in ("birth_date", "age"):
            if col in c.columns:
                who[col] = c[col].reindex(ids).to_numpy()
        if "id_no" in c.columns:
            who["id_no"] = who["id_no"].fillna(c["id_no"].astype("string").reindex(ids))
    f["age"] = customer_ages(who, as_of).to_numpy()
    people = pd.DataFrame({"id_key": id_key(who["id_no"]).to_numpy()}, index=ids)

    # ② 征信
    cr, cr_info = credit_keys(tables.get("credit_reports"), people, p, ctx)
    f["has_report"] = cr["has_report"].to_numpy()
    f["k2_overdue"] = (~cr["cur_overdue"]).to_numpy()
    f["k2_streak"] = (~cr["streak"]).to_numpy()
    f["queries"] = cr["queries"].to_numpy()
    f["k2_queries"] = tri(cr["queries"].to_numpy() <= p.max_queries, cr["queries"].notna().to_numpy()).to_numpy()
    f["k2"] = (f["k2_overdue"].astype("boolean") & f["k2_streak"].astype("boolean")
               & f["k2_queries"].astype("boolean")).to_numpy()
    f["report_date"] = cr["report_date"].to_numpy()

    # ③ 月收入, DTI
    pay_months, pay_avg = payroll_income(tables.get("transactions"), ids, p, as_of, ctx=ctx)
    f["pay_months"], f["payroll_avg"] = pay_months.to_numpy(), pay_avg.to_numpy()
    use_pay = (pay_months >= p.min_pay_months).fillna(False).to_numpy() & np.isfinite(pay_avg.to_numpy())
    f["income"] = np.where(use_pay, pay_avg.to_numpy(), f["declared"].to_numpy(dtype="float64"))
    f["income_src"] = np.where(use_pay, "代发", np.where(f["declared"].notna(), "申报", "未知"))
    inc_v = f["income"].to_numpy(dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        f["dti"] = np.where(inc_v > 0, f["payments"].to_numpy(dtype="float64") / inc_v, np.nan)
    f["k3"] = tri(f["dti"].to_numpy() <= p.max_dti + 1e-12, np.isfinite(f["dti"].to_numpy())).to_numpy()

    # ④ 关系
    f["deposit"] = deposit_average(tables.get("customer_monthly"), ids, p.dep_months, as_of).to_numpy()
    f["relation_pay"] = relation_flags(tables, ids, pay_months, p).to_numpy()
    dep_ok = tri(f["deposit"].to_numpy() >= p.min_deposit - 1e-9, np.isfinite(f["deposit"].to_numpy()))
    f["k4"] = (dep_ok | pd.Series(f["relation_pay"].to_numpy(), dtype="boolean")).to_numpy()
    a_dep = tri(f["deposit"].to_numpy() >= p.a_deposit - 1e-9, np.isfinite(f["deposit"].to_numpy()))
    a_dti = tri(f["dti"].to_numpy() <= p.a_dti + 1e-12, np.isfinite(f["dti"].to_numpy()))
    f["a_cond"] = (a_dep & a_dti).to_numpy()

    # exclusions
    rem = f["remaining"].to_numpy(dtype="float64")
    f["x_short"] = tri(rem < p.min_remaining, np.isfinite(rem)).to_numpy()
    end_age = f["age"].to_numpy(dtype="float64") + rem / 12.0
    f["x_age"] = tri(end_age > p.max_end_age + 1e-9, np.isfinite(end_age)).to_numpy()
    f["end_age"] = end_age
    return _tiers(f, p), {"credit": cr_info, "n": n, "paid_derived": int((L["paid_src"] == "按放款日推算").sum()),
                           "limit_from_amount": int((f["limit_src"] == "贷款金额").sum())}


def new_limit(limit: np.ndarray, rate: np.ndarray, income: np.ndarray, cap: np.ndarray, p) -> tuple[np.ndarray, np.ndarray]:
    """新额度 = min(现额度 × (1 + 提升率), 月收入 × ``income_multiple``, 产品上限), rounded down to ``limit_step`` 元;
    NaN when a term is unknown (月收入 unknown: 未计算, never 0). Second value: the binding term's index into
    :data:`BIND_TERMS` (ties: the first), −1 where not computed."""
    terms = np.vstack([limit * (1 + rate), income * float(p.income_multiple), cap])
    known = np.isfinite(terms).all(axis=0)
    raw = np.where(known, np.nanmin(np.where(np.isfinite(terms), terms, np.inf), axis=0), np.nan)
    step = float(p.limit_step)
    out = np.floor(raw / step + 1e-9) * step if step > 0 else raw
    bind = np.where(known, np.argmin(np.where(np.isfinite(terms), terms, np.inf), axis=0), -1)
    return out, bind


def _fmt(v, spec: str) -> np.ndarray:
    from ....lists import format_values

    return format_values(pd.Series(np.asarray(v, dtype="float64")), spec).fillna("—").to_numpy(dtype=object)


def _tiers(f: pd.DataFrame, p) -> pd.DataFrame:
    """Tier, rate, new limit, binding term, raise, reason and the unknown factors per customer (see :func:`evaluate`)."""
    b = {c: f[c].astype("boolean") for c in ("k1_terms", "k1_overdue", "k1_class", "k1", "k2_overdue", "k2_streak",
                                             "k2_queries", "k2", "k3", "k4", "a_cond", "x_restr", "x_short", "x_age")}
    is_t = {c: v.eq(True).fillna(False).to_numpy() for c, v in b.items()}
    is_f = {c: v.eq(False).fillna(False).to_numpy() for c, v in b.items()}
    na = {c: v.isna().to_numpy() for c, v in b.items()}
    excluded = is_t["x_restr"] | is_t["x_short"] | is_t["x_age"]
    refused = ~excluded & (is_f["k1"] | is_f["k2"] | is_f["k3"])
    unknown = ~excluded & ~refused & (na["x_restr"] | na["x_short"] | na["x_age"] | na["k1"] | na["k2"] | na["k3"]
                                      | na["k4"])
    ok = ~excluded & ~refused & ~unknown
    tier = np.select([excluded, refused, unknown, ok & is_t["k4"] & is_t["a_cond"], ok & is_t["k4"], ok],
                     [EXCLUDED, REFUSED, PENDING, TIER_A, TIER_B, TIER_C], default=PENDING).astype(object)
    paths = tuple((str(a), float(r)) for a, r in p.enhance_paths)
    c_rate = max(r for _, r in paths)
    rate = np.select([tier == TIER_A, tier == TIER_B, tier == TIER_C], [p.rate_a, p.rate_b, c_rate], default=np.nan)
    limit = f["limit"].to_numpy(dtype="float64")
    income = f["income"].to_numpy(dtype="float64")
    cap = f["cap"].to_numpy(dtype="float64")
    new, bind = new_limit(limit, rate, income, cap, p)
    tiered = np.isin(tier, [TIER_A, TIER_B, TIER_C])
    new = np.where(tiered, new, np.nan)
    up = new - limit
    no_room = tiered & np.isfinite(up) & (up <= 0)
    bind_txt = np.where(bind >= 0, np.array(BIND_TERMS, dtype=object)[np.maximum(bind, 0)], "")
    f["rate"] = np.where(tiered, rate, np.nan)
    f["new_limit"] = new
    f["bind"] = np.where(tiered, bind_txt, "")
    f["raise"] = np.where(tiered & ~no_room, up, np.nan)
    tier = np.where(no_room, NO_ROOM, tier)
    f["tier"] = tier
    # C: every 增信 path with its own rate (the list shows them; new_limit above uses the highest)
    parts = []
    for name, r in paths:
        v, _ = new_limit(limit, np.full(len(f), r), income, cap, p)
        parts.append(name + f"(提升{r:.0%}) → " + _fmt(v, ",.0f") + " 元")
    joined = parts[0]
    for x in parts[1:]:
        joined = joined + "；" + x
    f["paths_txt"] = np.where(tier == TIER_C, joined, "")

    rem, age, dti = f["remaining"].to_numpy(float), f["age"].to_numpy(float), f["dti"].to_numpy(float)
    reasons = [
        (is_t["x_restr"], np.full(len(f), "重组贷款, 不提额", dtype=object)),
        (is_t["x_short"], "剩余期限 " + _fmt(rem, ".0f") + f" 个月 < {p.min_remaining} 个月"),
        (is_t["x_age"], "年龄 " + _fmt(age, ".0f") + " 岁 + 剩余期限 " + _fmt(rem / 12, ".1f")
         + f" 年 > {p.max_end_age} 岁"),
        (is_f["k1_terms"], "① 本行正常还款 " + _fmt(f["paid"].to_numpy(float), ".0f") + f" 期 < {p.min_terms} 期"),
        (is_f["k1_overdue"], np.full(len(f), "① 本行近 24 月有逾期", dtype=object)),
        (is_f["k1_class"], np.full(len(f), "① 五级分类非正常", dtype=object)),
        (is_f["k2_overdue"], np.full(len(f), "② 征信当前有逾期", dtype=object)),
        (is_f["k2_streak"], np.full(len(f), "② 征信近 24 月连三累六", dtype=object)),
        (is_f["k2_queries"], "② 近 3 月硬查询 " + _fmt(f["queries"].to_numpy(float), ".0f") + f" 次 > {p.max_queries} 次"),
        (is_f["k3"], "③ DTI " + _fmt(dti, ".0%") + f" > {p.max_dti:.0%}"),
    ]
    decided = np.select([c for c, _ in reasons], [t for _, t in reasons], default="")
    dep = f["deposit"].to_numpy(float)
    a_txt = ("四项准入满足; DTI " + _fmt(dti, ".0%") + f" ≤ {p.a_dti:.0%}, 本行日均 " + _fmt(dep, ",.0f")
             + f" 元 ≥ {p.a_deposit:,.0f} 元")
    b_txt = np.where(b["a_cond"].isna().to_numpy(), "四项准入满足; 日均或 DTI 未知, 未评 A",
                     "四项准入满足; DTI " + _fmt(dti, ".0%") + ", 本行日均 " + _fmt(dep, ",.0f") + " 元(未达 A 层)")
    c_txt = "①②③满足, 缺④关系: 本行日均 " + _fmt(dep, ",.0f") + f" 元 < {p.min_deposit:,.0f} 元且无代发/公积金"
    room_txt = "新额度受「" + bind_txt.astype(object) + "」约束, 不高于现额度"
    missing = _missing(f, na)
    f["missing"] = missing
    f["reason"] = np.select([np.isin(tier, [EXCLUDED, REFUSED]), tier == PENDING, tier == NO_ROOM, tier == TIER_A,
                             tier == TIER_B, tier == TIER_C],
                            [decided, "待核实: " + missing.astype(object), room_txt, a_txt, b_txt, c_txt], default="")
    return f.reset_index()


FACTORS = (("x_restr", "重组标志"), ("x_short", "剩余期限"), ("x_age", "年龄"), ("k1_terms", "本行还款期数"),
           ("k1_overdue", "本行近24月逾期"), ("k1_class", "五级分类"), ("k2_overdue", "征信当前逾期"),
           ("k2_streak", "征信连三累六"), ("k2_queries", "征信硬查询"), ("k3", "DTI(月收入/月供)"),
           ("k4", "本行日均/代发公积金"))


def _missing(f: pd.DataFrame, na: dict) -> np.ndarray:
    """The unknown factors per customer, 、-joined (征信 without a report: one factor 征信报告)."""
    no_rep = ~f["has_report"].to_numpy(bool)
    out = np.full(len(f), "", dtype=object)
    done_rep = np.zeros(len(f), bool)
    for col, name in FACTORS:
        m = na[col].copy()
        if col.startswith("k2_"):
            rep = m & no_rep & ~done_rep
            out = np.where(rep, np.where(out == "", "征信报告", out + "、征信报告"), out)
            done_rep |= rep
            m &= ~no_rep
        out = np.where(m, np.where(out == "", name, out + "、" + name), out)
    return out
