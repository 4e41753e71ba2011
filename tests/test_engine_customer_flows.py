"""D3's per-customer flow aggregates through bankxl.engine (query ``customer_flows``: first/last flow day, active
flows in the 沉睡 windows, 大额转他行, 转证券/基金/第三方支付, 代发 credits) — by hand on a small table, and equal
to the pandas code it replaced on the sample bank, on DuckDB (default) and on Spark (local, marked ``spark``).

The oracle below is D3's behaviour.py before the engine (commit 4fa3484: load_flows' frame of every flow with
the classifier's kind joined on the 7 key columns, then per-customer groupbys in dormant / behaviour), written
to give the query's columns.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bankxl import engine
from bankxl.conform import conform
from bankxl.engine import SparkEngine
from bankxl.errors import ParameterError, ProblemLog
from bankxl.rules.transactions import (
    KIND_OTHER_REPAY, KIND_REV, classify_transactions, dc_words, flow_direction, has_pattern)
from bankxl.sample import make_sample_bank
from bankxl.scenario import make_params
from bankxl.scenarios.deposit.churn import ChurnParams
from bankxl.scenarios.deposit.churn.behaviour import NOT_OUTFLOW, QUERY, behaviour, dormant, load_flows
from engine_spark import spark  # noqa: F401  (session-scoped fixture: one Spark session for all tests)

AS_OF, PREV = pd.Timestamp("2026-11-30"), pd.Timestamp("2026-10-31")
COUNTS = ["active_now", "active_prev", "big_n", "n_securities", "n_fund", "n_payment", "payroll_recent",
          "payroll_before"]


def params_of(p, as_of=AS_OF, prev=PREV) -> dict:
    """The query's parameters for D3's params ``p`` (as behaviour.load_flows binds them)."""
    out = {k: getattr(p, k) for k in ("passive_memo", "own_bank", "securities_memo", "fund_memo", "payment_memo",
                                      "payroll_memo")}
    return out | dict(as_of=as_of, dormant_start=as_of - pd.Timedelta(days=p.dormant_days), prev_as_of=prev,
                      prev_dormant_start=prev - pd.Timedelta(days=p.dormant_days),
                      behaviour_start=as_of - pd.Timedelta(days=p.behaviour_days),
                      gap_start=as_of - pd.DateOffset(months=p.payroll_gap), big_transfer=float(p.big_transfer))


def kinds_of(det: pd.DataFrame) -> pd.DataFrame:
    """The query's ``kinds`` input from classified flows (as behaviour.load_flows builds it)."""
    return pd.DataFrame({"_i": np.arange(len(det), dtype="int64"),
                         **{c: det[c] for c in ("cust_id", "ts", "dir", "amount", "cpty_name", "cpty_bank", "memo")},
                         "reversal": det["kind"].eq(KIND_REV).astype("boolean"),
                         "not_out": det["kind"].isin(NOT_OUTFLOW).astype("boolean")})


# ------------------------------------------------------------------ the pandas oracle (before the engine)
_KEY = ["cust_id", "ts", "dir", "amount", "cpty_name", "cpty_bank", "memo"]


def oracle(txn: pd.DataFrame, det: pd.DataFrame, prm: dict) -> pd.DataFrame:
    """The query's result computed as D3's behaviour.py did before the engine (commit 4fa3484)."""
    as_of = prm["as_of"]
    ts = pd.to_datetime(txn["txn_ts"], errors="coerce").dt.normalize()
    d = pd.DataFrame({
        "cust_id": txn["cust_id"].fillna(""), "ts": ts, "dir": flow_direction(txn["dc"]),
        "amount": pd.to_numeric(txn["amount"], errors="coerce").astype("float64").abs(),
        "cpty_name": txn["cpty_name"].fillna(""), "cpty_bank": txn["cpty_bank"].fillna(""),
        "memo": txn["memo"].fillna("")})
    d = d[d["ts"].notna() & (d["ts"] <= as_of) & d["dir"].notna() & d["cust_id"].ne("")].reset_index(drop=True)
    kinds = det[_KEY + ["kind"]].drop_duplicates(_KEY)  # identical flows get identical kinds
    d = d.merge(kinds, on=_KEY, how="left")
    d["text"] = d["cpty_name"] + " " + d["memo"]
    ids = pd.Index(d["cust_id"].unique(), dtype="string")

    def count(mask):
        return d[mask.to_numpy(dtype=bool)].groupby("cust_id").size().reindex(ids).fillna(0).astype("int64")

    def total(mask):
        return d[mask.to_numpy(dtype=bool)].groupby("cust_id")["amount"].sum().reindex(ids).fillna(0.0)

    act = d["kind"].ne(KIND_REV).fillna(True) & ~has_pattern(d["text"], prm["passive_memo"])
    out_w = (d["ts"] > prm["behaviour_start"]) & d["dir"].eq("D") & ~d["kind"].isin(NOT_OUTFLOW).fillna(False)
    own = (d["cpty_bank"] != "") & has_pattern(d["cpty_bank"], prm["own_bank"])
    big = out_w & (d["amount"] >= prm["big_transfer"]) & d["cpty_bank"].ne("") & ~own
    cats = {c: has_pattern(d["text"], prm[m]) for c, m in
            (("n_securities", "securities_memo"), ("n_fund", "fund_memo"), ("n_payment", "payment_memo"))}
    inv = out_w & (cats["n_securities"] | cats["n_fund"] | cats["n_payment"])
    # the 代发 rule as the pandas code had it (rules.payroll.payroll_credits before the rule moved into the SQL)
    pay = d["dir"].eq("C") & has_pattern(d["text"], prm["payroll_memo"]) & d["kind"].ne(KIND_REV).fillna(True)
    g = d.groupby("cust_id")["ts"]
    res = pd.DataFrame({
        "first_day": g.min().reindex(ids), "last_day": g.max().reindex(ids),
        "active_now": count(act & (d["ts"] > prm["dormant_start"])),
        "active_prev": count(act & (d["ts"] > prm["prev_dormant_start"]) & (d["ts"] <= prm["prev_as_of"])),
        "big_n": count(big), "big_amt": total(big), "invest_amt": total(inv),
        **{c: count(out_w & m) for c, m in cats.items()},
        "payroll_recent": count(pay & (d["ts"] > prm["gap_start"])),
        "payroll_before": count(pay & (d["ts"] <= prm["gap_start"]))}, index=ids)
    return res.rename_axis("cust_id").reset_index().sort_values("cust_id", kind="stable").reset_index(drop=True)


def assert_equal(got: pd.DataFrame, want: pd.DataFrame) -> None:
    """Same customers, days and counts exactly; money to the cent."""
    assert got["cust_id"].tolist() == want["cust_id"].tolist()
    for c in ["first_day", "last_day", *COUNTS]:
        assert got[c].tolist() == want[c].tolist(), c
    for c in ("big_amt", "invest_amt"):
        np.testing.assert_allclose(got[c].to_numpy(), want[c].to_numpy(), rtol=0, atol=0.005, err_msg=c)


# ------------------------------------------------------------------ by hand
def _s(values) -> pd.Series:
    return pd.Series(values, dtype="string")


def hand_txn() -> pd.DataFrame:
    rows = [  # cust, day, 借贷, amount, 对手户名, 对手行, 摘要
        ("A", "2026-11-20", "D", 60_000.0, "张三", "招商银行", "转账"),        # 0 大额转他行
        ("A", "2026-11-21", "D", 70_000.0, "李四", "示例银行", "转账"),        # 1 this bank: not 他行
        ("A", "2026-11-22", "D", 80_000.0, "某某", "", "转账"),                # 2 bank unknown: not 他行
        ("A", "2026-10-15", "D", 55_000.0, "平安证券", "中信银行", "银证转账"),  # 3 大额转他行 and 证券
        ("A", "2026-11-25", "D", None, "天天基金", "", "基金申购"),            # 4 基金, amount unknown: adds 0
        ("A", "2026-08-20", "D", 9_000.0, "某证券", "", "证券"),               # 5 before the 90-day window
        ("A", "2026-11-26", "D", 100_000.0, "某银行", "工商银行", "贷款还款"),  # 6 他行贷款还款 (kinds): not 转出
        ("A", "2026-12-05", "D", 99_999.0, "张三", "招商银行", "转账"),        # 7 after the data date: ignored
        ("A", "2026-11-10", "C", 8_000.0, "某公司", "", "代发工资"),           # 8 代发 after the gap start
        ("A", "2026-07-10", "C", 8_000.0, "某公司", "", "代发工资"),           # 9 代发 before it
        ("B", "2026-11-01", "C", 100.5, "示例银行", "", "结息"),               # 10 passive: not active
        ("B", "2026-03-01", "D", 500.0, "某人", "", "转账"),                   # 11 active, before both windows
        ("B", "2026-10-20", "C", 8_000.0, "某公司", "", "工资冲正"),           # 12 冲正 (kinds): not active, not 代发
        ("B", "2026-10-20", "C", 8_000.0, "某公司", "", "工资冲正"),           # 13 identical to 12: its kind
        ("B", "2026-11-15", "D", None, "某人", "", "冲正"),                    # 14 冲正 with an unknown amount
        ("C", "2026-11-01", "X", 100.0, "某人", "", "转账"),                   # 15 借贷 unreadable: not usable
        ("", "2026-11-01", "D", 100.0, "某人", "", "转账"),                    # 16 no customer
        (None, "2026-11-01", "D", 100.0, "某人", "", "转账"),                  # 17 no customer
        ("D", None, "D", 100.0, "某人", "", "转账"),                           # 18 no date
        ("E", "2026-11-29", "支出", 200.0, "超市", "", "消费"),                # 19 支出 = D
        ("E", "2026-11-28", "c", 300.0, "某人", "", "转入"),                   # 20 lower-case c = C
    ]
    df = pd.DataFrame(rows, columns=["cust_id", "txn_ts", "dc", "amount", "cpty_name", "cpty_bank", "memo"])
    return pd.DataFrame({"cust_id": _s(df["cust_id"]), "txn_ts": pd.to_datetime(df["txn_ts"]),
                         "amount": df["amount"].astype("float64"), "dc": _s(df["dc"]),
                         "cpty_name": _s(df["cpty_name"]), "cpty_bank": _s(df["cpty_bank"]), "memo": _s(df["memo"])})


def hand_kinds(txn: pd.DataFrame) -> pd.DataFrame:
    """Classified rows as the classifier would give them (order = _i): 6 他行贷款还款; 12 and 14 冲正; and 0 twice,
    first as nothing special then as a repayment — the first in order decides (one row per key, not two)."""
    pick = txn.iloc[[0, 0, 6, 12, 14]]
    det = pd.DataFrame({"cust_id": pick["cust_id"].to_numpy(), "ts": pick["txn_ts"].to_numpy(),
                        "dir": _s(["D", "D", "D", "C", "D"]).to_numpy(), "amount": pick["amount"].to_numpy(),
                        "cpty_name": pick["cpty_name"].to_numpy(), "cpty_bank": pick["cpty_bank"].to_numpy(),
                        "memo": pick["memo"].to_numpy(),
                        "kind": _s(["本人互转", KIND_OTHER_REPAY, KIND_OTHER_REPAY, KIND_REV, KIND_REV]).to_numpy()})
    return det


def test_hand_table_by_hand():
    """As of 2026-11-30 (last month-end 10-31), D3 defaults: 沉睡 windows (06-03, 11-30] and (05-04, 10-31];
    行为 window (09-01, 11-30]; 代发 gap start 09-30; 大额 ≥ 50,000.
    A: active now = rows 0-6, 8, 9 = 9; last month 3 (10-15, 08-20, 07-10); 大额转他行 rows 0 and 3 = 2,
       60,000 + 55,000 = 115,000 (1: this bank, 2: bank unknown, 6: a repayment, 7: after the data date);
       转证券/基金: row 3 (55,000) + row 4 (amount unknown, counts, adds 0) = 55,000, 证券 1 (row 5 is before the
       window), 基金 1, 支付 0; 代发 1 after 09-30 (row 8), 1 before (row 9); days 07-10 … 11-26.
    B: no active flow in either window (10 passive, 11 too early, 12-13 冲正, 14 冲正 with an unknown amount:
       matched as unknown = unknown); 0 everywhere; days 03-01 … 11-15.
    C, D, the blank customers: no usable flow, no row. E: 2 flows (支出 = D, c = C), active now 2, 0 last month."""
    txn = hand_txn()
    prm = params_of(ChurnParams())
    got = engine.run(QUERY, {"txn": txn, "kinds": kinds_of(hand_kinds(txn)), "dc_words": dc_words()}, prm)
    assert got["cust_id"].tolist() == ["A", "B", "E"]
    day = [str(x.date()) for x in got["first_day"]], [str(x.date()) for x in got["last_day"]]
    assert day == (["2026-07-10", "2026-03-01", "2026-11-28"], ["2026-11-26", "2026-11-15", "2026-11-29"])
    assert got[COUNTS].to_numpy().tolist() == [[9, 3, 2, 1, 1, 0, 1, 1], [0] * 8, [2, 0, 0, 0, 0, 0, 0, 0]]
    assert got["big_amt"].tolist() == [115_000.0, 0.0, 0.0] and got["invest_amt"].tolist() == [55_000.0, 0.0, 0.0]
    assert_equal(got, oracle(txn, hand_kinds(txn), prm))


def test_empty_window_gives_no_rows():
    """Every flow after the data date (or no flow at all): no customer row, the declared columns."""
    txn = hand_txn()
    prm = params_of(ChurnParams(), as_of=pd.Timestamp("2026-01-31"), prev=pd.Timestamp("2025-12-31"))
    for t in (txn, txn.iloc[:0]):
        got = engine.run(QUERY, {"txn": t, "kinds": kinds_of(hand_kinds(txn).iloc[:0]), "dc_words": dc_words()},
                         prm)
        assert len(got) == 0 and list(got.columns) == list(engine.load(QUERY).outputs)


def test_a_customer_without_flows_is_unknown_not_zero():
    """Through load_flows / dormant / behaviour: F has no flow. By default the flows do not speak for F: 沉睡 and
    every 行为 flag blank (<NA>, amounts NaN), never 0 / 否; with 流水覆盖全部客户 F is 沉睡 with 0 大额转他行.
    B (flows, none active in 180 days) is 沉睡 either way; A is not, with 2 大额转他行 = 115,000."""
    txn = conform("transactions", hand_txn().assign(cpty_acct=""), problems=ProblemLog(), required=True)
    ids = pd.Index(["A", "B", "F"], dtype="string")
    flag = pd.Series(False, index=ids, dtype="boolean")
    for covers_all in (False, True):
        p = make_params(ChurnParams, {"txn_covers_all": covers_all})
        fl = load_flows(txn, ids, p, AS_OF, PREV, None, ProblemLog())
        assert dormant(fl, ids, AS_OF, p).tolist() == [False, True, True if covers_all else pd.NA]
        b = behaviour(fl, ids, AS_OF, p, flag)
        assert b["big_out_n"].tolist() == [2, 0, 0 if covers_all else pd.NA]
        assert b["big_out_amt"].tolist()[:2] == [115_000.0, 0.0]
        assert (b["big_out_amt"].iloc[2] == 0.0) if covers_all else np.isnan(b["big_out_amt"].iloc[2])
        assert b["big_out"].tolist() == [True, False, False if covers_all else pd.NA]
        assert b["invest_kinds"].tolist() == ["证券、基金", pd.NA, pd.NA]
    with pytest.raises(ValueError, match="2026-09-30"):
        dormant(fl, ids, pd.Timestamp("2026-09-30"), p)


def test_d3_regexes_must_mean_the_same_on_the_engines():
    """The 沉睡/行为/代发 patterns run in the engine query now: one the engines read differently from Python
    (``$``, ``\\d``) is refused naming the parameter (before: accepted, matched by pandas)."""
    for name, value in (("passive_memo", "结息$"), ("fund_memo", "基金\\d"), ("payroll_memo", "工资$")):
        with pytest.raises(ParameterError, match=name):
            make_params(ChurnParams, {name: value})


# ------------------------------------------------------------------ the sample bank: engine = oracle
@pytest.fixture(scope="module")
def bank():
    b = make_sample_bank(customers=3000, seed=1, as_of="2026-11-30")
    txn = conform("transactions", b["transactions"], problems=ProblemLog(), required=True)
    names = b["customers"].drop_duplicates("cust_id").set_index("cust_id")["cust_name"]
    return txn, names


CHANGED = dict(dormant_days=60, behaviour_days=200, big_transfer=20_000.0, payroll_gap=1, own_bank="",
               passive_memo="", fund_memo="基金", payroll_memo="代发")


@pytest.mark.parametrize("changed", [False, True], ids=["defaults", "changed"])
def test_sample_bank_equals_the_oracle(bank, changed):
    txn, names = bank
    p = make_params(ChurnParams, CHANGED if changed else {})
    det = classify_transactions(txn, p, AS_OF, names, months=36)
    prm = params_of(p)
    got = engine.run(QUERY, {"txn": txn, "kinds": kinds_of(det), "dc_words": dc_words()}, prm)
    assert_equal(got, oracle(txn, det, prm))
    # not vacuous: the sample bank (flows for ~15% of its customers) gives every aggregate on several
    assert len(got) > 400 and (got[COUNTS + ["big_amt", "invest_amt"]] > 0).sum().min() >= 5
    assert (got["active_now"] == 0).sum() >= 5  # 沉睡 customers too


@pytest.mark.spark
def test_spark_gives_the_oracle(spark):  # noqa: F811
    b = make_sample_bank(customers=300, seed=1, as_of="2026-11-30")
    txn = conform("transactions", b["transactions"], problems=ProblemLog(), required=True)
    names = b["customers"].drop_duplicates("cust_id").set_index("cust_id")["cust_name"]
    eng = SparkEngine(spark)
    for over in ({}, CHANGED):
        p = make_params(ChurnParams, over)
        det = classify_transactions(txn, p, AS_OF, names, months=36)
        prm = params_of(p)
        got = engine.run(QUERY, {"txn": txn, "kinds": kinds_of(det), "dc_words": dc_words()}, prm, engine=eng)
        assert_equal(got, oracle(txn, det, prm))
        assert len(got) > 40  # of 300 customers, ~15% have flows
    h = hand_txn()
    prm = params_of(ChurnParams())
    got = engine.run(QUERY, {"txn": h, "kinds": kinds_of(hand_kinds(h)), "dc_words": dc_words()}, prm, engine=eng)
    assert_equal(got, oracle(h, hand_kinds(h), prm))


def test_every_flow_up_to_the_data_date_is_checked_for_its_direction():
    """D3 reads every flow up to the data date, so a 借贷 that is neither D nor C is VALUE_INVALID wherever it
    lies (the classifier's window now starts before the first flow, any flow: it started before the first
    usable one, so a bad row dated earlier than every usable flow — row 2, 2026-03-01 — went unreported).
    Rows after the data date are not read: row 4 is not reported."""
    rows = [("A", "2026-03-01", "X"), ("A", "2026-06-01", "D"), ("A", "2026-12-05", "Y")]
    df = pd.DataFrame(rows, columns=["cust_id", "txn_ts", "dc"]).assign(
        txn_ts=lambda x: pd.to_datetime(x["txn_ts"]), amount=100.0, cpty_name="某人", cpty_bank="", memo="转账",
        cpty_acct="", _row=pd.array([2, 3, 4], dtype="Int64"))
    txn = conform("transactions", df, problems=ProblemLog(), required=True)
    log = ProblemLog()
    fl = load_flows(txn, pd.Index(["A"], dtype="string"), ChurnParams(), AS_OF, PREV, None, log)
    assert [(q.excel_row, q.code, str(q.value)) for q in log.problems] == [(2, "VALUE_INVALID", "X")]
    assert fl.start == pd.Timestamp("2026-06-01")  # the data's first usable day is unchanged


def test_query_translates_to_spark_without_java():
    """What ``make test`` can check of the Spark path without a JVM: the query with D3's bound parameters (regexes
    made portable, dates as literals) renders as Spark SQL that sqlglot translated (nothing passed through)."""
    from bankxl.engine.regex import portable_regex
    p = ChurnParams()
    prm = params_of(p) | {k: portable_regex(getattr(p, k)) for k in ("passive_memo", "own_bank", "securities_memo",
                                                                      "fund_memo", "payment_memo", "payroll_memo")}
    q = engine.load(QUERY)
    text = q.render("spark", prm, {t: t for t in q.inputs})
    assert " RLIKE " in text and "REGEXP_MATCHES" not in text.upper()
    assert "CAST('2026-06-03' AS DATE)" in text and "CAST('2026-09-30' AS DATE)" in text  # 沉睡 start, 代发 gap
    assert "IS NOT DISTINCT FROM" in text.upper() or "<=>" in text  # an unknown amount matches its classified twin


@pytest.mark.spark
def test_d3_report_on_spark_equals_duckdb(spark):  # noqa: F811
    """The whole D3 run with every engine query on Spark (classify_flows, customer_flows) gives the report tables of
    the default DuckDB run: the scenario does not know which engine ran."""
    from bankxl.runner import execute
    b = make_sample_bank(customers=300, seed=1, as_of="2026-11-30")
    want = execute("D3", b, as_of="2026-11-30").tables()
    with engine.using(SparkEngine(spark)):
        rep = execute("D3", b, as_of="2026-11-30")
    got = rep.tables()
    lines = [x for x in rep.notes if "计算引擎" in x and "客户流水汇总" in x]  # 说明: the engine that ran it
    assert len(lines) == 1 and "Spark" in lines[0] and "DuckDB" not in lines[0], rep.notes
    assert list(got) == list(want)
    for name in want:
        pd.testing.assert_frame_equal(got[name].df, want[name].df, check_exact=False, atol=0.005, rtol=0)
    assert want["d3_tag_counts"].df["可判断客户数"].max() > 0  # the flows were judged, not all unknown


def test_d3_with_merged_persons_reads_the_flows_in_duckdb(tmp_path, monkeypatch):
    """D3 from CSV files where 6 customers with flows share a 证件号 (and name) with another one: their 客户号 are
    merged (the smaller stands for the person). With 交易流水 read through DuckDB the merge happens there, with
    客户月度存款 read there too on its 客户号 codes (the rows never come to pandas), and the report equals the pandas
    loader's: every table, the problems."""
    import bankxl.scenarios.deposit.churn as churn
    from bankxl.engine import inputs as duck_inputs
    from bankxl.rules.identity import persons
    from bankxl.runner import run_scenario

    b = make_sample_bank(customers=2000, seed=1, as_of="2026-11-30")
    cust = b["customers"].copy()
    with_flows = pd.Index(b["transactions"]["cust_id"].dropna().unique()).sort_values()[:12]
    pos = cust.index[cust["cust_id"].isin(with_flows)]
    for a, c in zip(pos[0::2], pos[1::2]):  # pairs: the second takes the first's 证件号 and name
        cust.loc[c, ["id_no", "cust_name"]] = cust.loc[a, ["id_no", "cust_name"]].to_numpy()
    b["customers"] = cust
    assert len(persons(conform("customers", cust, problems=ProblemLog(), required=True)).person) == 6
    files = []
    for t in ("customer_monthly", "customers", "transactions", "time_deposits"):
        b[t].to_csv(tmp_path / f"{t}.csv", index=False)
        files.append(tmp_path / f"{t}.csv")
    with monkeypatch.context() as m:
        m.delitem(duck_inputs.RELATION_READY, "D3")
        want = run_scenario("D3", files, None)
    loads, merged, real, real_merge = [], [], duck_inputs.load_file, churn._duck_as_persons
    with monkeypatch.context() as m:
        m.setattr(duck_inputs, "load_file", lambda *a, **kw: loads.append(real(*a, **kw)) or loads[-1])
        m.setattr(churn, "_duck_as_persons", lambda *a: merged.append(real_merge(*a)) or merged[-1])
        m.setattr(duck_inputs.DuckTable, "to_pandas", lambda self: pytest.fail("rows materialised in pandas"))
        got = run_scenario("D3", files, None, engine="duckdb")
    # 交易流水 read and merged in DuckDB; 客户月度存款 read there too and merged on its 客户号 codes (frames.coded_columns)
    assert sorted((x.table, type(x.df)) for x in loads) == [("customer_monthly", duck_inputs.DuckTable),
                                                            ("transactions", duck_inputs.DuckTable)]
    assert len(merged) == 1
    wt, gt = want.report.tables(), got.report.tables()
    assert list(gt) == list(wt)
    for name in wt:
        assert gt[name].df.equals(wt[name].df), name
    assert got.problems.problems == want.problems.problems
    detail = wt["d3_detail"].df
    assert not detail["客户号"].isin(list(pos[1::2].map(cust["cust_id"]))).any()  # merged away, in both
