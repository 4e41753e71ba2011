"""bankxl.engine's fixed cost per call (issue 16): a query text is parsed by sqlglot once per process, DuckDB
gets the query's own text (inputs renamed once) with its ``$params`` bound by DuckDB — a second run parses
nothing and gives the same result; parameters of every declared type bind to the values a literal would give;
the Spark text is still the sqlglot translation with literals."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import sqlglot

from bankxl import engine
from bankxl.engine import DuckDBEngine, EngineError, parse_query
from bankxl.engine import query as Q


@pytest.fixture
def parses(monkeypatch):
    """The texts sqlglot.parse_one is called on (the engine's caches emptied first, so the first run must
    parse). sqlglot parses templates of its own on first use: tests count the calls on their query's text."""
    Q._parsed.cache_clear()
    Q._duckdb_text.cache_clear()
    calls = []
    real = sqlglot.parse_one

    def counting(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(sqlglot, "parse_one", counting)
    return calls


def deposits() -> pd.DataFrame:
    """Two 分行: B1 with outlets O1 (2 deposits of customer 1: 100 + 50, 1M) and O2 (customer 2: 30, 3M);
    B2 with O3 (customer 1 again: 20, 1M)."""
    return pd.DataFrame({
        "branch_id": ["B1", "B1", "B1", "B2"], "branch": ["一分行", "一分行", "一分行", "二分行"],
        "outlet_id": ["O1", "O1", "O2", "O3"], "outlet": ["网点一", "网点一", "网点二", "网点三"],
        "period": ["1M", "1M", "3M", "1M"], "balance": [100.0, 50.0, 30.0, 20.0],
        "ckey": np.array([1, 1, 2, 1], dtype="int64")}).astype(
        {c: "string" for c in ("branch_id", "branch", "outlet_id", "outlet", "period")})


def test_a_second_run_does_not_parse_again(parses):
    """maturity_structure twice on one engine: one sqlglot parse in all (the first run's), equal results, and
    the values by hand: 全行 200 / 4 deposits / 2 customers (customer 1 in two 分行 counted once); B1 180 / 3 / 2;
    1M at 全行 170 / 3 / 1."""
    eng = DuckDBEngine(threads=1)
    sql = engine.load("maturity_structure").sql
    first = engine.run("maturity_structure", {"deposits": deposits()}, engine=eng)
    assert parses.count(sql) == 1
    second = engine.run("maturity_structure", {"deposits": deposits()}, engine=eng)
    assert parses.count(sql) == 1
    pd.testing.assert_frame_equal(first, second)
    total = first[first["level"] == 7].iloc[0]
    assert (total["amount"], total["count"], total["customers"]) == (200.0, 4, 2)
    b1 = first[(first["level"] == 3) & (first["branch_id"] == "B1")].iloc[0]
    assert (b1["amount"], b1["count"], b1["customers"], b1["branch"]) == (180.0, 3, 2, "一分行")
    m1 = first[(first["level"] == 6) & (first["period"] == "1M")].iloc[0]
    assert (m1["amount"], m1["count"], m1["customers"]) == (170.0, 3, 1)
    # no view of the runs is left behind in the engine's connection
    assert eng.con.execute("SELECT COUNT(*) FROM duckdb_views() WHERE NOT internal").fetchall()[0][0] == 0


def test_new_parameter_values_bind_without_parsing(parses):
    """merchant_months with two data dates: the second binds other values to the same text (no parse) and its
    result follows them. Rows: M1 2026-10 and 2026-11 (twice: the first is dup), M2 2026-12, and a row with a
    blank 商户号. Only the rows left out come back: end 2026-11: the dup, the blank one and M2's row (future);
    end 2026-12: M2's row is held, so it is not listed."""
    mm = pd.DataFrame({"_i": np.arange(5, dtype="int64"),
                       "mch_id": pd.array(["M1", "M1", "M1", "M2", " "], dtype="string"),
                       "month": pd.to_datetime(["2026-10-01", "2026-11-01", "2026-11-01", "2026-12-01", "2026-11-01"])})
    eng = DuckDBEngine(threads=1)
    q = engine.load("merchant_months")
    has_text = r"\S"
    nov = eng.run(q, {"mm": mm}, {"end_ym": 2026 * 12 + 11, "has_text": has_text})
    dec = eng.run(q, {"mm": mm}, {"end_ym": 2026 * 12 + 12, "has_text": has_text})
    assert parses.count(q.sql) == 1
    assert nov["_i"].tolist() == [1, 3, 4] and nov["state"].tolist() == ["dup", "future", "blank"]
    assert dec["_i"].tolist() == [1, 4] and dec["state"].tolist() == ["dup", "blank"]


TYPES_SQL = """-- every parameter type
-- input t: d date, x money, s text
-- param day: date
-- param k: int
-- param f: float
-- param b: bool
-- param word: text
-- param pattern: text
-- param none: int
-- output: hit count, total money, label text, matched count, none_is_null bool, day date
-- order: hit
SELECT COUNT(*) FILTER (WHERE d > $day AND $b) AS hit, SUM(x * $f) + $k AS total, $word || '!' AS label,
       COUNT(*) FILTER (WHERE REGEXP_MATCHES(s, $pattern)) AS matched, $none IS NULL AS none_is_null,
       $day AS day
FROM t
"""


def types_input() -> pd.DataFrame:
    return pd.DataFrame({"d": pd.to_datetime(["2026-11-29", "2026-11-30", "2026-12-01"]),
                         "x": [1.0, 2.0, 4.0], "s": pd.array(["a.b", "axb", r"a\b"], dtype="string")})


TYPES_PARAMS = {"day": pd.Timestamp("2026-11-30 15:00"), "k": 3, "f": 0.1, "b": True, "word": "O'Brien",
                "pattern": r"^a\.b$", "none": None}


def test_every_parameter_type_binds_as_its_literal_would():
    """By hand: one date after 2026-11-30 (the day of the timestamp); (1+2+4) × 0.1 + 3 = 3.7; the quote kept;
    the regex's escaped dot matches 'a.b' only; None is NULL; the date param comes back as that day. The same
    query with the parameters as sqlglot literals (the path Spark takes) gives the same row on DuckDB."""
    q = parse_query("types", TYPES_SQL)
    eng = DuckDBEngine(threads=1)
    got = eng.run(q, {"t": types_input()}, TYPES_PARAMS)
    row = got.iloc[0]
    assert row["hit"] == 1 and row["total"] == pytest.approx(3.7, abs=1e-12) and row["label"] == "O'Brien!"
    assert row["matched"] == 1 and bool(row["none_is_null"]) and row["day"] == pd.Timestamp("2026-11-30")
    eng.con.register("t", types_input())
    as_literals = Q.normalise(q, eng.con.execute(q.render("duckdb", TYPES_PARAMS)).df())
    pd.testing.assert_frame_equal(got, as_literals)


def test_spark_text_is_still_the_checked_translation(parses):
    """Spark gets literals (no prepared parameters), translated by sqlglot; rendering twice parses the query
    once (plus check_translated's read-back of each written text) and gives the same text."""
    q = parse_query("types", TYPES_SQL)
    a = q.render("spark", TYPES_PARAMS, {"t": "v1"})
    b = q.render("spark", TYPES_PARAMS, {"t": "v1"})
    assert a == b
    assert "'O\\'Brien'" in a and "CAST('2026-11-30' AS DATE)" in a and "FROM v1 AS t" in a
    assert parses.count(q.sql) == 1


def test_a_placeholder_not_declared_is_an_engine_error():
    q = parse_query("bad", "-- input t: x money\n-- output: y money\nSELECT x * $rate AS y FROM t")
    with pytest.raises(EngineError, match="rate"):
        DuckDBEngine(threads=1).run(q, {"t": pd.DataFrame({"x": [1.0]})})


def test_key_columns_reach_duckdb_as_enums_in_a_run():
    """A ``key`` input column is scanned by DuckDB as an ENUM (integer codes) in a real run, not only by the
    helper (measured for D2's maturity_structure at 100k: 0.059 s CPU vs 0.087 s on the strings); a ``text``
    one stays VARCHAR; the caller's frame keeps its dtypes; the output is text either way."""
    q = parse_query("kinds", "-- input t: k key, s text\n-- output: tk text, ts text, k text\n-- order: k\n"
                             "SELECT typeof(k) AS tk, typeof(s) AS ts, k FROM t")
    f = pd.DataFrame({"k": pd.array(["b", "a", None], dtype="string"), "s": pd.array(["x", "y", "z"], dtype="string")})
    got = DuckDBEngine(threads=1).run(q, {"t": f})
    assert got["tk"].str.startswith("ENUM").all() and (got["ts"] == "VARCHAR").all()
    assert got["k"].tolist() == ["a", "b", pd.NA] and got["k"].dtype == "string"
    assert f["k"].dtype == "string"


def test_regex_checks_share_one_duckdb_database(monkeypatch):
    """portable_regex compiles each new pattern in DuckDB (RE2's size budget): in one database per process,
    not a new one per pattern (~10 ms CPU each; the classifier checks ~20 patterns per run). The verdicts stay:
    a plain pattern passes, one too large for RE2 is refused."""
    import duckdb

    from bankxl.engine import regex as R
    from bankxl.errors import ParameterError

    monkeypatch.setattr(R, "_checker", None)
    opened = []
    real = duckdb.connect
    monkeypatch.setattr(duckdb, "connect", lambda *a, **k: opened.append(1) or real(*a, **k))
    for i in range(3):
        assert R.portable_regex(f"房贷{i}|车贷") == f"(?:房贷{i}|车贷)"
    with pytest.raises(ParameterError, match="pattern too large"):
        R.portable_regex(".{1000}" * 60)
    assert R.portable_regex(".{1000}" * 20)  # checked on the same database: still compiles
    assert len(opened) == 1


def test_has_text_class_is_pythons_whitespace():
    """merchant_data's "contains a non-whitespace character" regex class, built with numpy's isspace over every
    code point, holds exactly the characters Python's str.isspace (what str.strip removes) calls whitespace."""
    import re

    from bankxl.rules.merchant_data import _has_text

    _has_text.cache_clear()
    got = {int(h, 16) for h in re.findall(r"\\x\{([0-9A-F]+)\}", _has_text())}
    assert got == {c for c in range(0x110000) if chr(c).isspace()} and len(got) == 29
