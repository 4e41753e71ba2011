"""bankxl.engine: query declarations, parameter binding, the Spark translation check and the one output
contract (issue 17 findings: GROUPING(a,b,c) untranslated, LIST_AGG passing silently, Python dates and
Decimal from Spark, NULL vs 0 for empty sums, GROUPING_ID as the level)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
import sqlglot

from bankxl import engine
from bankxl.engine import DuckDBEngine, EngineError, SparkEngine, check_translated, normalise, parse_query
from engine_spark import spark  # noqa: F401  (session-scoped fixture: one Spark session for all tests)

FLOWS_SQL = """-- flows per customer in a window
-- input flows: cust_id key, day date, amount money, memo text
-- param since: date
-- param memo: text
-- output: cust_id text, first_day date, n count, total money, memo_total money, month text
-- order: cust_id
SELECT cust_id, MIN(day) AS first_day, COUNT(*) AS n, SUM(amount) AS total,
       COALESCE(SUM(CASE WHEN memo = $memo THEN amount END), 0.0) AS memo_total,
       strftime(MIN(day), '%Y-%m') AS month
FROM flows WHERE day >= $since GROUP BY cust_id
"""


def flows() -> pd.DataFrame:
    """C1: 3 flows from 2026-10-31 (100 工资 + 50 + NaN amount); C2: one 工资 flow of 20 on 2026-11-02; C3 one
    flow before the window (dropped by since = 2026-10-01); C0 one flow with amount unknown."""
    return pd.DataFrame({
        "cust_id": ["C1", "C1", "C1", "C2", "C3", "C0"],
        "day": pd.to_datetime(["2026-11-05", "2026-10-31", "2026-11-20", "2026-11-02", "2026-09-30", "2026-11-01"]),
        "amount": [100.0, 50.0, np.nan, 20.0, 7.0, np.nan],
        "memo": ["O'Brien 工资", "转账", "转账", "O'Brien 工资", "O'Brien 工资", None]}).astype(
        {"cust_id": "string", "memo": "string"})


def want_flows() -> pd.DataFrame:
    """By hand: C0 (amount unknown: total stays unknown, NaN; its memo sum is COALESCEd to 0), C1 (first day
    10-31, 3 flows, 150, memo 100), C2 (1 flow, 20, memo 20); C3 outside the window."""
    return pd.DataFrame({
        "cust_id": pd.array(["C0", "C1", "C2"], dtype="string"),
        "first_day": pd.to_datetime(["2026-11-01", "2026-10-31", "2026-11-02"]).astype("datetime64[ns]"),
        "n": np.array([1, 3, 1], dtype="int64"), "total": [np.nan, 150.0, 20.0],
        "memo_total": [0.0, 100.0, 20.0], "month": pd.array(["2026-11", "2026-10", "2026-11"], dtype="string")})


PARAMS = {"since": "2026-10-01", "memo": "O'Brien 工资"}


def test_duckdb_runs_a_declared_query_with_bound_parameters():
    """The quote in the text parameter is kept (bound by DuckDB as a parameter, never pasted), the date a DATE."""
    q = parse_query("flows", FLOWS_SQL)
    assert q.inputs == {"flows": {"cust_id": "key", "day": "date", "amount": "money", "memo": "text"}}
    assert q.params == {"since": "date", "memo": "text"} and q.order == ("cust_id",)
    got = DuckDBEngine(threads=1).run(q, {"flows": flows()}, PARAMS)
    pd.testing.assert_frame_equal(got, want_flows(), check_exact=True)


def test_parameters_must_match_the_declaration():
    q = parse_query("flows", FLOWS_SQL)
    with pytest.raises(EngineError, match="缺少 \\['memo'\\]"):
        DuckDBEngine(threads=1).run(q, {"flows": flows()}, {"since": "2026-10-01"})
    with pytest.raises(EngineError, match="未声明 \\['x'\\]"):
        DuckDBEngine(threads=1).run(q, {"flows": flows()}, {**PARAMS, "x": 1})


def test_missing_inputs_and_unknown_queries_are_clear_errors():
    with pytest.raises(EngineError, match="缺少输入表 deposits"):
        engine.run("maturity_structure", {"time_deposits": pd.DataFrame()})
    with pytest.raises(EngineError, match="缺少列 ckey"):
        engine.run("maturity_structure", {"deposits": pd.DataFrame(
            {c: ["x"] for c in ("branch_id", "branch", "outlet_id", "outlet", "period")} | {"balance": [1.0]})})
    with pytest.raises(EngineError, match="没有名为 nope"):
        engine.run("nope", {})
    with pytest.raises(EngineError, match="类型 'money2'"):
        parse_query("bad", "-- input t: a money2\n-- output: a money\nSELECT a FROM t")


@pytest.mark.parametrize("sql, named", [
    ("SELECT LIST_AGG(x) AS l FROM t", "LIST_AGG"),                               # unknown to sqlglot: copied
    ("SELECT my_udf(x) AS u FROM t", "MY_UDF"),
    ("SELECT GROUPING(a, b) AS g FROM t GROUP BY GROUPING SETS ((a, b), ())", "GROUPING(2 args)"),
    ("SELECT GROUPING_ID(a, b) AS g FROM t GROUP BY GROUPING SETS ((b), (a, b))", "GROUPING_ID(a, b)"),
])
def test_spark_translation_refuses_what_sqlglot_passes_through(sql, named):
    with pytest.raises(EngineError, match=named.replace("(", "\\(").replace(")", "\\)")):
        check_translated(sqlglot.parse_one(sql, read="duckdb"), "spark")


def test_spark_translation_keeps_grouping_sets_and_translates_dates():
    text = parse_query("flows", FLOWS_SQL).render("spark", PARAMS)
    assert "DATE_FORMAT(MIN(day), 'yyyy-MM')" in text and "CAST('2026-10-01' AS DATE)" in text
    st = engine.load("maturity_structure").render("spark", names={"deposits": "dw.td"})
    assert "GROUPING SETS" in st and "GROUPING_ID(branch_id, outlet_id, period)" in st
    assert "FROM dw.td AS deposits" in st and "--" not in st and "/*" not in st


def test_normalise_gives_one_contract_from_spark_like_values():
    """Python dates -> datetime64[ns], Decimal -> float64, None -> <NA>/NaN; rows in declared order with nulls
    last; a NULL count is an error (never silently 0)."""
    q = parse_query("flows", FLOWS_SQL)
    raw = pd.DataFrame({"cust_id": ["C2", None, "C1"], "first_day": [dt.date(2026, 11, 2), None, dt.date(2026, 10, 31)],
                        "n": [1, 2, 3], "total": [Decimal("20.10"), None, Decimal("150")],
                        "memo_total": [Decimal("0"), Decimal("1.5"), 2.0], "month": ["2026-11", None, "2026-10"]})
    got = normalise(q, raw)
    assert got["cust_id"].tolist()[:2] == ["C1", "C2"] and got["cust_id"].isna().tolist() == [False, False, True]
    assert str(got["first_day"].dtype) == "datetime64[ns]"
    assert got["first_day"].iloc[0] == pd.Timestamp("2026-10-31") and pd.isna(got["first_day"].iloc[2])
    assert got["total"].dtype == "float64" and got["total"].iloc[1] == 20.1 and np.isnan(got["total"].iloc[2])
    assert got["n"].dtype == "int64" and got["n"].tolist() == [3, 1, 2]
    with pytest.raises(EngineError, match="计数列 n 有空值"):
        normalise(q, raw.assign(n=[1, None, 3]))


def test_duckdb_engine_is_configured():
    e = DuckDBEngine(memory_limit="300MB", threads=1, temp_directory="/tmp/bankxl-duckdb-test")
    got = dict(e.con.execute("SELECT name, value FROM duckdb_settings() WHERE name IN "
                             "('memory_limit', 'threads', 'temp_directory')").fetchall())
    assert got["threads"] == "1" and got["temp_directory"] == "/tmp/bankxl-duckdb-test"
    assert got["memory_limit"] in ("286.1 MiB", "300.0 MB", "300MB")
    assert e.con.execute("SHOW TABLES").fetchall() == []  # inputs are unregistered after a run
    e.run(parse_query("flows", FLOWS_SQL), {"flows": flows()}, PARAMS)
    assert e.con.execute("SHOW TABLES").fetchall() == []


@pytest.mark.spark
def test_spark_gives_the_same_contract(spark):  # noqa: F811
    """Dates, the quoted parameter, an unknown sum and a COALESCEd empty sum: Spark's result equals the hand
    table and DuckDB's exactly (dtypes included)."""
    q = parse_query("flows", FLOWS_SQL)
    got = SparkEngine(spark).run(q, {"flows": flows()}, PARAMS)
    pd.testing.assert_frame_equal(got, want_flows(), check_exact=True)
    # a Spark DataFrame as input (as on the cluster) gives the same
    sdf = spark.createDataFrame([("C9", dt.date(2026, 11, 3), 5.0, None)],
                                "cust_id string, day date, amount double, memo string")
    one = SparkEngine(spark).run(q, {"flows": sdf}, PARAMS)
    assert one["cust_id"].tolist() == ["C9"] and one["first_day"].tolist() == [pd.Timestamp("2026-11-03")]
    assert one["memo_total"].tolist() == [0.0] and one["total"].tolist() == [5.0]


def test_key_columns_reach_duckdb_as_categoricals_and_come_back_as_text():
    """A ``key`` input is handed to DuckDB as a categorical (an ENUM: grouped on integer codes), a ``text`` one
    untouched; the caller's frame keeps its dtypes; the result's key column is text again."""
    from bankxl.engine.duck import _as_keys
    q = parse_query("flows", FLOWS_SQL)
    f = flows()
    got = _as_keys(q, "flows", f)
    assert isinstance(got["cust_id"].dtype, pd.CategoricalDtype) and got["memo"].dtype == "string"
    assert f["cust_id"].dtype == "string"
    e = DuckDBEngine(threads=1)
    e.con.register("probe", got)
    assert e.con.execute("SELECT typeof(cust_id) FROM probe").fetchall()[0][0].startswith("ENUM")
    assert e.run(q, {"flows": f}, PARAMS)["cust_id"].dtype == "string"
