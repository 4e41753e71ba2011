"""C1's monthly flows (query ``monthly_flows``) and C10's 代发 income (query ``payroll_months``) through bankxl.engine:
by hand on a small table, and equal to the pandas code they replaced (the oracles below: online_whitelist.compute.
monthly_flows and limit_increase.compute.payroll_income as of commit 6ec143e^, with rules.payroll's payroll_credits /
payroll_months) on the sample bank at the defaults and changed parameters, on DuckDB (default) and on Spark (local,
marked ``spark``). Counts, months and persons exactly; money to the cent (the engine sums in its own order).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bankxl.conform import conform
from bankxl.engine import SparkEngine
from bankxl.errors import ProblemLog
from bankxl.rules.identity import bank_identity, by_cust_id
from bankxl.rules.transactions import KIND_REV, KIND_SELF, classify_exclusions, flow_direction, has_pattern
from bankxl.sample import make_sample_bank
from bankxl.scenario import RunContext, make_params
from bankxl.scenarios.credit.limit_increase import LimitParams
from bankxl.scenarios.credit.limit_increase.compute import payroll_income
from bankxl.scenarios.credit.online_whitelist import WhitelistParams
from bankxl.scenarios.credit.online_whitelist.compute import monthly_flows
from engine_spark import spark  # noqa: F401  (session-scoped fixture: one Spark session for all tests)

AS_OF = pd.Timestamp("2026-11-30")
C1_CHANGED = dict(flow_months=6, payroll_memo="代发|工资", self_memo="本人", reversal_days=1,
                  reversal_memo="冲正")
C10_CHANGED = dict(income_months=3, payroll_memo="代发")


# ------------------------------------------------------------------ the pandas oracles (before the engine)
def _payroll_credits(txn: pd.DataFrame, pattern: str, direction: pd.Series) -> np.ndarray:
    credit = (direction == "C").fillna(False).to_numpy(dtype=bool)
    text = txn["cpty_name"].astype("string").fillna("") + " " + txn["memo"].astype("string").fillna("")
    return credit & has_pattern(text, pattern).to_numpy(dtype=bool)


def _payroll_months(txn, codes, n, months, pattern, keep=None, direction=None):
    m = len(months)
    if not len(txn) or not m or not n:
        return np.zeros((n, m)), np.zeros((n, m), dtype=bool)
    direction = flow_direction(txn["dc"]) if direction is None else direction
    ts = pd.to_datetime(txn["txn_ts"], errors="coerce")
    k = (ts.dt.year * 12 + ts.dt.month).to_numpy(dtype="float64") - (months[0].year * 12 + months[0].month)
    rows = _payroll_credits(txn, pattern, direction) & (codes >= 0) & (k >= 0) & (k < m)
    if keep is not None:
        rows &= np.asarray(keep, dtype=bool)
    flat = codes[rows].astype(np.int64) * m + k[rows].astype(np.int64)
    amount = pd.to_numeric(txn["amount"], errors="coerce").astype("float64").fillna(0.0).to_numpy()[rows]
    return (np.bincount(flat, weights=amount, minlength=n * m).reshape(n, m),
            np.bincount(flat, minlength=n * m).reshape(n, m) > 0)


def _trailing_run(m: np.ndarray) -> np.ndarray:
    if m.shape[1] == 0:
        return np.zeros(m.shape[0], dtype=np.int64)
    return np.cumprod(m[:, ::-1], axis=1).sum(axis=1).astype(np.int64)


def oracle_c1(txn, customers, who, p, as_of, ctx) -> dict | None:
    """online_whitelist.compute.monthly_flows before the engine query."""
    if txn is None or not len(txn):
        return None
    ts = pd.to_datetime(txn["txn_ts"], errors="coerce").dt.normalize()
    start = as_of - pd.DateOffset(months=p.flow_months)
    in_win = ((ts > start) & (ts <= as_of)).to_numpy()
    if not in_win.any():
        return None
    pos = txn.assign(_row=pd.array(np.arange(len(txn)), dtype="Int64"))
    names = by_cust_id(customers)["cust_name"] if "cust_name" in customers.columns else None
    det = classify_exclusions(pos, p, as_of, names, None, months=p.flow_months)
    drop_kinds = det[det["kind"].isin([KIND_SELF, KIND_REV])]
    dropped = np.zeros(len(txn), dtype=bool)
    dropped[drop_kinds["_row"].to_numpy(dtype=np.int64)] = True
    dirn = flow_direction(txn["dc"])
    bad = in_win & dirn.isna().to_numpy()
    if bad.any() and "_row" in txn.columns:
        ctx.problem("transactions", txn.loc[bad, "_row"], "dc", "VALUE_INVALID", txn.loc[bad, "dc"],
                    "借贷标志应为 D(支出)或 C(收入)", "该笔流水不计入收支")
    first = ts[in_win].min()
    m0 = first.to_period("M") + (0 if first.day <= 15 else 1)
    m1 = as_of.to_period("M") - (0 if as_of.day >= 15 else 1)
    if m0 > m1:
        return None
    months = pd.period_range(m0, m1, freq="M")
    tm = ts.dt.to_period("M")
    in_months = ((tm >= m0) & (tm <= m1)).fillna(False).to_numpy(dtype=bool)
    keep = in_win & in_months & ~bad & ~dropped & txn["cust_id"].notna().to_numpy()
    t = txn[[c for c in ("cust_id", "amount", "txn_ts", "dc", "cpty_name", "memo") if c in txn.columns]][keep]
    person = who.of(t["cust_id"].astype("string").str.strip())
    amount = pd.to_numeric(t["amount"], errors="coerce").astype("float64").abs().fillna(0.0).to_numpy()
    is_c = (dirn[keep] == "C").to_numpy()
    tk = ts[keep]
    m_code = (tk.dt.year.to_numpy() * 12 + tk.dt.month.to_numpy()) - (months[0].year * 12 + months[0].month)
    p_code, p_ids = pd.factorize(person, sort=True)
    n_p, n_m = len(p_ids), len(months)
    flat = p_code * n_m + m_code
    inc = np.bincount(flat, weights=np.where(is_c, amount, 0.0), minlength=n_p * n_m).reshape(n_p, n_m)
    out = np.bincount(flat, weights=np.where(is_c, 0.0, amount), minlength=n_p * n_m).reshape(n_p, n_m)
    pay = _payroll_months(t, p_code, n_p, months, p.payroll_memo, direction=dirn[keep])[1]
    run = _trailing_run(pay)
    grace = _trailing_run(pay[:, :-1]) if n_m > 1 else np.zeros(n_p, dtype=np.int64)
    run = np.where(pay[:, -1], run, grace)
    income, spend = inc.sum(axis=1) / n_m, out.sum(axis=1) / n_m
    people = pd.DataFrame({"income": income, "spend": spend,
                           "ratio": np.where(income > 0, spend / np.where(income > 0, income, 1.0), np.nan),
                           "pay_run": run.astype("int64"), "income_months": (inc > 0).sum(axis=1).astype("int64")},
                          index=pd.Index(p_ids.astype("string"), name="cust_id"))
    return {"people": people, "months": months, "invalid": int(bad.sum()),
            "excluded": drop_kinds["kind"].value_counts().to_dict()}


def oracle_c10(txn, ids: pd.Index, p, as_of) -> tuple[pd.Series, pd.Series]:
    """limit_increase.compute.payroll_income before the engine query."""
    n = len(ids)
    if txn is None:
        return pd.Series(np.nan, index=ids), pd.Series(np.nan, index=ids)
    lo = as_of - pd.DateOffset(months=int(p.income_months))
    ts = pd.to_datetime(txn["txn_ts"]).dt.normalize()
    keep = ((ts > lo).fillna(False).to_numpy() & (ts <= as_of).fillna(False).to_numpy()
            & pd.to_numeric(txn["amount"], errors="coerce").notna().to_numpy())
    code = ids.get_indexer(txn["cust_id"].astype("string").str.strip()).astype(np.int64)
    months = pd.period_range(lo.to_period("M"), as_of.to_period("M"), freq="M")
    amount, present = _payroll_months(txn, code, n, months, p.payroll_memo, keep)
    total, n_months = amount.sum(axis=1), present.sum(axis=1).astype("float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        avg = np.where(n_months > 0, total / n_months, np.nan)
    return pd.Series(n_months, index=ids), pd.Series(avg, index=ids)


def assert_c1_equal(got: dict | None, want: dict | None) -> None:
    """Same persons, months, counts and exclusions exactly; money and the ratio to the cent / 1e-9."""
    assert (got is None) == (want is None)
    if got is None:
        return
    g, w = got["people"], want["people"]
    assert g.index.tolist() == w.index.tolist()
    assert list(got["months"]) == list(want["months"])
    assert (got["invalid"], got["excluded"]) == (want["invalid"], want["excluded"])
    for c in ("pay_run", "income_months"):
        assert g[c].tolist() == w[c].tolist(), c
    for c, tol in (("income", 0.005), ("spend", 0.005), ("ratio", 1e-9)):
        np.testing.assert_allclose(g[c].to_numpy(), w[c].to_numpy(), rtol=0, atol=tol, err_msg=c)


def _problems(log: ProblemLog) -> list:
    return [(q.excel_row, q.code, q.column, str(q.value), q.action) for q in log.problems]


# ------------------------------------------------------------------ by hand
def hand_bank() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Customers (A2 is A: same 证件号 and name) and their flows; as of 2026-11-30 with 3 flow months the window
    is (08-30, 11-30]."""
    cust = pd.DataFrame({"cust_id": ["A", "A2", "B", "C", "D", "E"],
                         "cust_name": ["张一", "张一", "李二", "王三", "赵四", "钱五"],
                         "id_no": ["11010519491231002X", "11010519491231002X", "110105194912310037",
                                   "110105194912310045", "110105194912310053", "110105194912310061"]})
    rows = [  # 客户号, day, 借贷, amount, 对手户名, 摘要
        ("A", "2026-08-31", "C", 1_000.0, "某公司", "代发工资"),   # 0 the window's first flow: Aug not covered
        ("A", "2026-09-10", "C", 5_000.0, "某公司", "代发工资"),   # 1 Sep income, 代发
        ("A", "2026-10-10", "贷", 5_000.0, "某公司", "工资"),      # 2 Oct income, 代发 (贷 = C)
        ("A", "2026-11-05", "D", 3_000.0, "超市", "消费"),         # 3 Nov spending
        ("A", "2026-11-06", "D", 2_000.0, "张三", "本人转账"),     # 4 本人互转: left out
        ("A2", "2026-11-10", "C", 4_000.0, "某公司", "代发"),      # 5 A2 counts as A: Nov 代发
        ("B", "2026-09-15", "C", 800.0, "李四", "转账"),           # 6 B income, no 代发
        ("B", "2026-10-15", "D", 100.0, "某人", "冲正"),           # 7 冲正: left out
        ("B", "2026-10-20", "X", 500.0, "某人", "转账"),           # 8 借贷 X: VALUE_INVALID, left out
        ("B", "2026-11-20", "D", None, "某人", "转账"),            # 9 blank amount: a flow of 0
        (None, "2026-11-01", "C", 100.0, "某人", "转账"),          # 10 no customer
        ("C", "2026-11-25", "D", 50.0, "某店", "消费"),            # 11 spending only: ratio blank
        ("D", "2026-09-05", "C", 6_000.0, "公司", "代发"),         # 12 D: 代发 Sep, Oct, none in Nov
        ("D", "2026-10-05", "C", 6_000.0, "公司", "代发"),         # 13 (one month of grace: run 2)
        ("E", "2026-09-05", "C", 100.0, "公司", "代发"),           # 14 E: 代发 in Sep only: run 0
        ("A", "2026-12-01", "C", 9_999.0, "某公司", "代发工资"),   # 15 after the data date
    ]
    df = pd.DataFrame(rows, columns=["cust_id", "txn_ts", "dc", "amount", "cpty_name", "memo"])
    df = df.assign(txn_ts=pd.to_datetime(df["txn_ts"]), cpty_bank="", cpty_acct="",
                   _row=pd.array(np.arange(len(df)) + 2, dtype="Int64"))
    prob = ProblemLog()
    return (conform("customers", cust, problems=prob, required=True),
            conform("transactions", df, problems=prob, required=True))


def test_c1_hand_table_by_hand():
    """Months Sep–Nov (the first flow is on 08-31, after the 15th: August is not covered; 11-30 covers November).
    A (with A2): income (5,000 + 5,000 + 4,000) / 3, spend 3,000 / 3 (row 4 本人互转 out), 代发 Sep–Nov: run 3,
    3 income months; B: 800 / 3 and a spending of 0 (blank amount), row 7 冲正 out, row 8 VALUE_INVALID at its
    row 10; C: spending only, ratio blank; D: 代发 Sep and Oct, none in Nov: run 2 (grace); E: 代发 Sep only: 0."""
    cust, txn = hand_bank()
    p = make_params(WhitelistParams, {"flow_months": 3})
    who = bank_identity(cust).persons
    ctx = RunContext(as_of=AS_OF)
    got = monthly_flows(txn, cust, who, p, AS_OF, ctx)
    people = got["people"]
    assert people.index.tolist() == ["A", "B", "C", "D", "E"]
    assert [str(m) for m in got["months"]] == ["2026-09", "2026-10", "2026-11"]
    np.testing.assert_allclose(people["income"], [14_000 / 3, 800 / 3, 0, 4_000, 100 / 3])
    np.testing.assert_allclose(people["spend"], [1_000, 0, 50 / 3, 0, 0])
    np.testing.assert_allclose(people["ratio"], [1_000 / (14_000 / 3), 0, np.nan, 0, 0])
    assert people["pay_run"].tolist() == [3, 0, 0, 2, 0]
    assert people["income_months"].tolist() == [3, 1, 0, 2, 1]
    assert got["excluded"] == {"本人互转": 1, "冲正": 1} and got["invalid"] == 1
    assert _problems(ctx.problems) == [(10, "VALUE_INVALID", "借贷(dc)", "X", "该笔流水不计入收支")]
    want_ctx = RunContext(as_of=AS_OF)
    assert_c1_equal(got, oracle_c1(txn, cust, who, p, AS_OF, want_ctx))
    assert _problems(ctx.problems) == _problems(want_ctx.problems)


def test_c1_without_a_covered_month_is_none():
    """No flow in the window, or the window's first flow after the 15th of the only month left (as of 11-10, day
    < 15: the last covered month is October; first flow 10-20: November onwards): None, as before."""
    cust, txn = hand_bank()
    who = bank_identity(cust).persons
    p = make_params(WhitelistParams, {"flow_months": 1})
    late = txn[txn["txn_ts"] >= pd.Timestamp("2026-10-20")].reset_index(drop=True)
    for t, as_of in ((late, pd.Timestamp("2026-11-10")), (txn, pd.Timestamp("2025-01-31")), (txn.iloc[:0], AS_OF)):
        ctx = RunContext(as_of=as_of)
        assert monthly_flows(t, cust, who, p, as_of, ctx) is None
        assert oracle_c1(t, cust, who, p, as_of, RunContext(as_of=as_of)) is None


# ------------------------------------------------------------------ the sample bank: engine = oracle
@pytest.fixture(scope="module")
def bank():
    b = make_sample_bank(customers=3000, seed=1, as_of="2026-11-30")
    prob = ProblemLog()
    return (conform("customers", b["customers"], problems=prob, required=True),
            conform("transactions", b["transactions"], problems=prob, required=True))


def with_gaps(txn: pd.DataFrame) -> pd.DataFrame:
    """The sample's flows (代发 every month for its payroll customers) with months taken out, so that the 代发 runs
    vary: every 3rd customer loses its flows of the data date's month (grace), every 4th those of two months before
    (a broken run), every 5th those of the window's first half."""
    k = pd.to_numeric(txn["cust_id"].str[-4:], errors="coerce").fillna(0).astype(int).to_numpy()
    m = (AS_OF.year * 12 + AS_OF.month) - (txn["txn_ts"].dt.year * 12 + txn["txn_ts"].dt.month).to_numpy()
    drop = ((k % 3 == 0) & (m == 0)) | ((k % 4 == 0) & (m == 2)) | ((k % 5 == 0) & (m >= 4))
    return txn[~drop].reset_index(drop=True)


@pytest.mark.parametrize("changed", [False, True, "gaps"], ids=["defaults", "changed", "gaps"])
def test_c1_sample_bank_equals_the_oracle(bank, changed):
    cust, txn = bank
    if changed == "gaps":
        txn = with_gaps(txn)
    p = make_params(WhitelistParams, C1_CHANGED if changed is True else {})
    who = bank_identity(cust).persons
    ctx, want_ctx = RunContext(as_of=AS_OF), RunContext(as_of=AS_OF)
    got, want = monthly_flows(txn, cust, who, p, AS_OF, ctx), oracle_c1(txn, cust, who, p, AS_OF, want_ctx)
    assert_c1_equal(got, want)
    assert _problems(ctx.problems) == _problems(want_ctx.problems)
    # not vacuous: hundreds of persons, 代发 runs (of several lengths with gaps), both exclusions
    people = got["people"]
    assert len(people) > 300 and (people["pay_run"] > 0).sum() > 50 and (people["income"] > 0).sum() > 100
    if changed == "gaps":
        assert people["pay_run"].nunique() >= 4, people["pay_run"].value_counts()
    assert got["excluded"].get("本人互转", 0) > 0 and got["excluded"].get("冲正", 0) > 0


@pytest.mark.parametrize("changed", [False, True], ids=["defaults", "changed"])
def test_c10_sample_bank_equals_the_oracle(bank, changed):
    cust, txn = bank
    p = make_params(LimitParams, C10_CHANGED if changed else {})
    ids = pd.Index(cust["cust_id"].drop_duplicates(), dtype="string")
    got, want = payroll_income(txn, ids, p, AS_OF), oracle_c10(txn, ids, p, AS_OF)
    assert got[0].tolist() == want[0].tolist()
    np.testing.assert_allclose(got[1].to_numpy(), want[1].to_numpy(), rtol=0, atol=0.005)
    assert (got[0] > 0).sum() > 100 and got[0].nunique() >= 3  # not vacuous
    none = payroll_income(None, ids, p, AS_OF)
    assert none[0].isna().all() and none[1].isna().all()  # no flows: unknown, not 0


@pytest.mark.spark
def test_spark_gives_the_oracles(spark):  # noqa: F811
    b = make_sample_bank(customers=300, seed=1, as_of="2026-11-30")
    prob = ProblemLog()
    cust = conform("customers", b["customers"], problems=prob, required=True)
    txn = conform("transactions", b["transactions"], problems=prob, required=True)
    who = bank_identity(cust).persons
    eng = SparkEngine(spark)
    ids = pd.Index(cust["cust_id"].drop_duplicates(), dtype="string")
    for c1, c10 in (({}, {}), (C1_CHANGED, C10_CHANGED)):
        p = make_params(WhitelistParams, c1)
        got = monthly_flows(txn, cust, who, p, AS_OF, RunContext(as_of=AS_OF), engine=eng)
        assert_c1_equal(got, oracle_c1(txn, cust, who, p, AS_OF, RunContext(as_of=AS_OF)))
        assert len(got["people"]) > 30
        q = make_params(LimitParams, c10)
        g, w = payroll_income(txn, ids, q, AS_OF, engine=eng), oracle_c10(txn, ids, q, AS_OF)
        assert g[0].tolist() == w[0].tolist() and (g[0] > 0).sum() > 5
        np.testing.assert_allclose(g[1].to_numpy(), w[1].to_numpy(), rtol=0, atol=0.005)
    hc, ht = hand_bank()
    p = make_params(WhitelistParams, {"flow_months": 3})
    hw = bank_identity(hc).persons
    assert_c1_equal(monthly_flows(ht, hc, hw, p, AS_OF, RunContext(as_of=AS_OF), engine=eng),
                    oracle_c1(ht, hc, hw, p, AS_OF, RunContext(as_of=AS_OF)))


def test_queries_translate_to_spark_without_java():
    """What ``make test`` can check of the Spark path without a JVM: both queries with bound parameters render as
    Spark SQL that sqlglot translated (the 代发 rule's REGEXP_MATCHES as RLIKE, dates as literals)."""
    from bankxl import engine

    for name in ("monthly_flows", "payroll_months"):
        q = engine.load(name)
        prm = {"start": pd.Timestamp("2025-11-30"), "as_of": AS_OF, "payroll_memo": "代发|工资"}
        text = q.render("spark", prm, {t: t for t in q.inputs})
        assert " RLIKE '代发|工资'" in text and "REGEXP_MATCHES" not in text.upper(), name
        assert "CAST('2025-11-30' AS DATE)" in text and "PAYROLL_CREDIT" not in text.upper(), name


def test_the_sums_do_not_depend_on_the_row_order(bank):
    """C1's and C10's money sums are exact (DECIMAL in the query), so the same flows in another order — another
    file, a CSV or Parquet read into DuckDB, a pandas frame, Spark's partitions — give the same bits, not just the
    same cents (before: a float SUM in the engine's order; the reversed table changed 月均收入/支出 in the last bits)."""
    cust, txn = bank
    rev = txn.iloc[::-1].reset_index(drop=True)
    who = bank_identity(cust).persons
    p = make_params(WhitelistParams, {})
    a = monthly_flows(txn, cust, who, p, AS_OF, RunContext(as_of=AS_OF))["people"]
    b = monthly_flows(rev, cust, who, p, AS_OF, RunContext(as_of=AS_OF))["people"]
    assert a.equals(b) and len(a) > 300
    ids = pd.Index(cust["cust_id"].drop_duplicates(), dtype="string")
    q = make_params(LimitParams, {})
    for x, y in zip(payroll_income(txn, ids, q, AS_OF), payroll_income(rev, ids, q, AS_OF)):
        assert x.equals(y)
