"""C7 助学贷款客户: the computations (states, cohorts, policy checks, people), vectorised; report layout in __init__.

Every function takes conformed canonical tables (``bankxl.tables``) and returns frames; nothing here writes
a report. Method: SCENARIOS.md C7 (policy numbers 【自有知识, 需核对最新文件】), §0.6 (identity), §6 (lists).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ....tables import loan_status_code

#: loan states, in report order; a person's state is the highest :data:`RANK` over the person's loans
STATES = ("在读", "宽限期", "还款期", "逾期", "结清", "未知")
#: precedence of a person's loans: 逾期 over 还款期 over 宽限期 over 在读 over 未知 over 结清
RANK = {"结清": 0, "未知": 1, "在读": 2, "宽限期": 3, "还款期": 4, "逾期": 5}
#: states whose students have left school: the denominator of the cohort overdue rate
OUT_OF_SCHOOL = ("宽限期", "还款期", "逾期")


def _year_date(year: pd.Series, month_day: str) -> pd.Series:
    """``year`` (numbers, NA allowed) + ``-MM-DD`` as datetime64 (NaT where the year is missing)."""
    y = pd.to_numeric(year, errors="coerce")
    txt = y.astype("Int64").astype("string") + "-" + month_day
    return pd.to_datetime(txt, format="%Y-%m-%d", errors="coerce")


def loan_states(sl: pd.DataFrame, as_of: pd.Timestamp, grad_month_day: str, grace_years: int) -> pd.DataFrame:
    """Per 借据 of ``student_loans``: graduation date, grace end and state at ``as_of``.

    In: the conformed 助学贷款 table (grad_year, enroll_year, study_years, grace_end, status, overdue_days,
    balance, end_date). Out (same index): ``grad_year`` (毕业年份, else 入学年份 + 学制; <NA> unknown),
    ``grad_date`` (that year + ``grad_month_day``), ``grace_end`` (the table's 宽限期到期日, else grad_date +
    ``grace_years`` years), ``settled`` (status A/B — 结清 —, balance 0, or 结清日 ≤ as_of), ``overdue`` (status D
    — 逾期 — or 逾期天数 > 0; not settled), ``state`` (:data:`STATES`): 结清; else 逾期; else 在读 while as_of ≤
    grad_date, 宽限期 while as_of ≤ grace_end, 还款期 after (boundaries inclusive: on the graduation day a
    student is still 在读, on the grace end still in 宽限期); 未知 when the dates cannot tell (no 毕业年份, no
    入学年份 + 学制, and no 宽限期到期日 already passed). ``source_grace``: 'stated' / 'rule' / <NA>."""
    gy = pd.to_numeric(sl["grad_year"], errors="coerce")
    derived = pd.to_numeric(sl["enroll_year"], errors="coerce") + pd.to_numeric(sl["study_years"], errors="coerce")
    gy = gy.fillna(derived)
    grad = _year_date(gy, grad_month_day)
    rule_grace = _year_date(gy + grace_years, grad_month_day)
    stated = pd.to_datetime(sl["grace_end"], errors="coerce")
    grace = stated.fillna(rule_grace)
    code = loan_status_code(sl["status"])
    bal = pd.to_numeric(sl["balance"], errors="coerce")
    end = pd.to_datetime(sl["end_date"], errors="coerce")
    settled = (code.isin(["A", "B"]).fillna(False) | bal.eq(0).fillna(False)
               | (end.notna() & (end <= as_of))).astype(bool)
    od = pd.to_numeric(sl["overdue_days"], errors="coerce")
    overdue = (code.eq("D").fillna(False) | od.gt(0).fillna(False)).astype(bool) & ~settled
    state = np.select(
        [settled, overdue, grad.notna() & (as_of <= grad), grace.notna() & (as_of <= grace) & grad.notna(),
         grace.notna() & (as_of > grace)],
        ["结清", "逾期", "在读", "宽限期", "还款期"], default="未知")
    src = pd.Series(np.where(stated.notna(), "stated", np.where(rule_grace.notna(), "rule", None)),
                    index=sl.index, dtype="string")
    return pd.DataFrame({"grad_year": gy.astype("Int64"), "grad_date": grad, "grace_end": grace,
                         "settled": settled, "overdue": overdue, "state": pd.array(state, dtype="string"),
                         "source_grace": src}, index=sl.index)


def person_frame(sl: pd.DataFrame, st: pd.DataFrame, person: pd.Series, cust: pd.Series) -> pd.DataFrame:
    """One row per student (``person``: a key per 借据, e.g. :func:`bankxl.rules.identity.match_list`'s
    ``person``): state = the highest :data:`RANK` over the person's loans; cohort years (min 入学年份, max
    毕业年份); running balance (Σ 余额 of the loans not settled, 元; NaN when every running loan's balance is
    blank); overdue balance; earliest future grace end; the first row's identity. Grouped on integer codes."""
    code, uniq = pd.factorize(person)
    n = len(uniq)
    rank = st["state"].map(RANK).to_numpy(dtype=np.int64)
    best = np.full(n, -1, dtype=np.int64)
    np.maximum.at(best, code, rank)
    inv = {v: k for k, v in RANK.items()}
    bal = pd.to_numeric(sl["balance"], errors="coerce").to_numpy(dtype="float64")
    running = ~st["settled"].to_numpy(dtype=bool)
    has = running & ~np.isnan(bal)
    run_bal = np.bincount(code[has], bal[has], minlength=n)
    known_bal = np.bincount(code[has], minlength=n) > 0
    any_run = np.bincount(code[running], minlength=n) > 0
    run_bal = np.where(any_run & ~known_bal, np.nan, run_bal)
    od_rows = st["overdue"].to_numpy(dtype=bool) & has
    od_bal = np.bincount(code[od_rows], bal[od_rows], minlength=n)
    g = pd.DataFrame({"code": code, "enroll": pd.to_numeric(sl["enroll_year"], errors="coerce").to_numpy(),
                      "grad": pd.to_numeric(st["grad_year"], errors="coerce").to_numpy(dtype="float64"),
                      "grace": st["grace_end"].where(running).to_numpy(), "grad_date": st["grad_date"].to_numpy()})
    agg = g.groupby("code", sort=True).agg(enroll=("enroll", "min"), grad=("grad", "max"), grace=("grace", "max"),
                                           grad_date=("grad_date", "max")).reindex(range(n))
    first = ~pd.Series(code).duplicated().to_numpy()
    take = np.flatnonzero(first)[np.argsort(code[first])]
    n_loans = np.bincount(code, minlength=n)
    out = pd.DataFrame({
        "person": pd.array(np.asarray(uniq, dtype=object), dtype="string"),
        "cust_id": pd.array(cust.to_numpy(dtype=object)[take], dtype="string"),
        "state": pd.array(np.array([inv[r] for r in range(6)], dtype=object)[best], dtype="string"),
        "enroll_year": agg["enroll"].to_numpy(), "grad_year": agg["grad"].to_numpy(),
        "grace_end": agg["grace"].to_numpy(dtype="datetime64[ns]"),
        "grad_date": agg["grad_date"].to_numpy(dtype="datetime64[ns]"),
        "balance": run_bal, "overdue_balance": np.where(best == RANK["逾期"], od_bal, 0.0), "n_loans": n_loans,
        "row": take})
    for c in ("cust_name", "id_no", "phone", "org_id", "mgr_id", "school", "degree", "co_borrower_id",
              "co_borrower_name", "co_borrower_phone", "co_borrower_rel"):
        out[c] = pd.array(sl[c].to_numpy(dtype=object)[take], dtype="string") if c in sl.columns else \
            pd.array([pd.NA] * n, dtype="string")
    return out


def cohort_tables(people: pd.DataFrame, by: str, min_size: int) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """(counts, balances, big) per cohort (``by`` = 'enroll' 入学年份 or 'grad' 毕业年份; unknown years as 未知, last).

    counts: 届别 | 人数 | one column per :data:`STATES` | 已离校人数 (宽限期+还款期+逾期) | 逾期率 = 逾期 ÷ 已离校 (NaN when
    none has left school) | 逾期余额率 = 逾期余额 ÷ 已离校余额. balances (元): 届别 | one column per state except 结清 |
    合计. ``big``: bool per row, 人数 ≥ ``min_size`` (rates coloured only there). Each person counts once."""
    year = people["enroll_year" if by == "enroll" else "grad_year"]
    label = pd.Series(pd.to_numeric(year, errors="coerce")).astype("Int64").astype("string").fillna("未知")
    st = people["state"].astype("string")
    ct = pd.crosstab(label, st).reindex(columns=list(STATES), fill_value=0)
    bal = people["balance"].fillna(0.0)
    bt = pd.crosstab(label, st, values=bal, aggfunc="sum").reindex(columns=list(STATES)).fillna(0.0)
    order = sorted(ct.index, key=lambda x: (x == "未知", x))
    ct, bt = ct.reindex(order), bt.reindex(order)
    out_n = ct[list(OUT_OF_SCHOOL)].sum(axis=1)
    out_b = bt[list(OUT_OF_SCHOOL)].sum(axis=1)
    head = "入学年份" if by == "enroll" else "毕业年份(届别)"
    counts = pd.DataFrame({head: ct.index.astype(str), "人数": ct.sum(axis=1).to_numpy(dtype="int64")})
    for s in STATES:
        counts[s] = ct[s].to_numpy(dtype="int64")
    counts["已离校人数"] = out_n.to_numpy(dtype="int64")
    with np.errstate(invalid="ignore", divide="ignore"):
        counts["逾期率"] = np.where(out_n > 0, ct["逾期"] / out_n.replace(0, 1), np.nan)
        counts["逾期余额率"] = np.where(out_b > 0, bt["逾期"] / out_b.replace(0, 1), np.nan)
    balances = pd.DataFrame({head: bt.index.astype(str)})
    for s in STATES:
        if s != "结清":
            balances[s] = bt[s].round(2).to_numpy()
    balances["合计"] = bt.sum(axis=1).round(2).to_numpy()
    return counts, balances, (counts["人数"] >= min_size).to_numpy()


def over_cap(sl: pd.DataFrame, caps, degree_pg: str) -> pd.Series:
    """Per 借据: the policy cap (元/年) that applied — the last ``caps`` row (起始年份, 本专科, 研究生) whose year ≤ the
    放款日's year (else the 入学年份) by 学历 (研究生 when 学历 matches the regex ``degree_pg``); NaN when 学历 or
    the year is unknown or before the first row."""
    year = pd.to_datetime(sl["start_date"], errors="coerce").dt.year.astype("float64")
    year = year.fillna(pd.to_numeric(sl["enroll_year"], errors="coerce").astype("float64")).to_numpy()
    deg = sl["degree"].astype("string")
    pg = deg.str.contains(degree_pg, regex=True).to_numpy(dtype="float64", na_value=np.nan)
    rows = sorted((int(a), float(b), float(c)) for a, b, c in caps)
    cap = np.full(len(sl), np.nan)
    for y0, ug, pgc in rows:
        cap = np.where(year >= y0, np.where(pg == 1, pgc, np.where(pg == 0, ug, np.nan)), cap)
    return pd.Series(cap, index=sl.index, dtype="float64")


def age_bands(ages: pd.Series, step: int) -> pd.Series:
    """Age band labels ``18-22`` … of width ``step`` starting at 18 (``<18`` below; NaN -> <NA>), string."""
    a = pd.to_numeric(ages, errors="coerce")
    lo = 18 + ((a - 18) // step) * step
    lab = lo.astype("Int64").astype("string") + "-" + (lo + step - 1).astype("Int64").astype("string")
    return lab.mask(a < 18, "<18").astype("string")
