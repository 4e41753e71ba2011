"""portable_regex: the refusals that keep DuckDB (RE2) from failing after the data is read (breaker s16 findings
2 and 14). The accepted/refused boundary is checked against DuckDB's own regexp_matches."""
from __future__ import annotations

import duckdb
import pytest

from bankxl.engine.regex import portable_regex
from bankxl.errors import ParameterError
from bankxl.rules.transactions import TransactionRuleParams

# (pattern, whether RE2 takes it): RE2 divides 1000 by each nested repeat's count (upper bound; lower bound
# when unbounded; 0 skipped) and refuses at 0 — counts along one nesting path may multiply to at most 1000
NESTED = [
    ("(贷{40}){25}", True), ("(贷{40}){26}", False), ("(贷{40}){30}", False),
    ("((a{10}){10}){10}", True), ("((a{10}){10}){11}", False),
    ("(a{1000}){1}", True), ("(a{1000}){2}", False), ("(a{1000}){0,1}", True),
    ("(a*){1000}", True), ("(a+){1000}", True), ("(a{2,}){500}", True), ("(a{2,}){501}", False),
    ("(a{2,3}){333}", True), ("(a{2,3}){334}", False), ("(a{0}){1000}", True),
    ("((a{3}){333}|b{1000})", True), ("((a{3}){334}|b)", False), ("(a{500}b{500}){2}", True),
    ("(a{500}b{500}){3}", False), ("(a{1000})(b{1000})", True),
]


def _duckdb_compiles(pattern: str) -> bool:
    try:
        duckdb.connect().execute("SELECT regexp_matches('x', ?)", [pattern]).fetchone()
        return True
    except duckdb.InvalidInputException as e:
        assert "invalid repetition size" in str(e)
        return False


@pytest.mark.parametrize("pattern, ok", NESTED)
def test_nested_repeats_are_refused_exactly_where_duckdb_refuses_them(pattern, ok):
    assert _duckdb_compiles(pattern) is ok  # the table is DuckDB's rule, not a guess
    if ok:
        assert _duckdb_compiles(portable_regex(pattern))
    else:
        with pytest.raises(ParameterError) as e:
            TransactionRuleParams(loan_memo=pattern).check()
        msg = str(e.value)
        assert "贷款摘要关键词(loan_memo)" in msg and pattern in msg
        assert "嵌套重复的次数相乘不能超过 1000" in msg and "nested repeat counts multiplied above 1000" in msg
        assert "不能在 DuckDB/Spark 上按 Python 的含义执行" in msg and "cannot run on DuckDB/Spark as Python reads it" in msg


@pytest.mark.parametrize("pattern, zh, en", [
    ("(?<=借)呗", "前后查找 (?=…) (?<=…)", "look-around (?=…) (?<=…)"),
    ("(?!借)呗", "否定前后查找", "negative look-around"),
    (r"(a)\1", "反向引用", "back-references"),
    ("(?P<x>a)(?P=x)", "反向引用", "back-references"),
    ("(a)?(?(1)b|c)", "条件分组", "conditional groups"),
    ("(?>ab)", "原子分组", "atomic groups"),
    ("a++", "占有量词", "possessive quantifiers"),
])
def test_unsupported_constructs_are_named_in_user_words(pattern, zh, en):
    with pytest.raises(ParameterError) as e:
        portable_regex(pattern, "loan_memo")
    msg = str(e.value)
    assert zh in msg and en in msg
    for internal in ("assert", "groupref", "atomic_group", "possessive_repeat"):
        assert internal not in msg.replace(pattern, "")


def test_no_double_full_stop_in_the_category_message():
    with pytest.raises(ParameterError) as e:
        portable_regex(r"\d+", "loan_memo")
    assert ".." not in str(e.value) and "[0-9]" in str(e.value)


def test_a_pattern_too_large_for_re2_is_refused_before_any_data_is_read():
    """RE2's program-size budget: .{1000} written 20 times compiles in DuckDB, 60 times does not ("pattern too
    large"); Python and Java take both, so the larger one is refused with the parameter named."""
    con = duckdb.connect()
    small, large = ".{1000}" * 20, ".{1000}" * 60
    assert con.execute("SELECT regexp_matches('', ?)", [portable_regex(small)]).fetchone() == (False,)
    with pytest.raises(duckdb.InvalidInputException, match="pattern too large"):
        con.execute("SELECT regexp_matches('', ?)", ["(?:[^\\n]){1000}" * 60]).fetchone()
    with pytest.raises(ParameterError) as e:
        TransactionRuleParams(loan_memo=large).check()
    msg = str(e.value)
    assert "贷款摘要关键词(loan_memo)" in msg and "DuckDB(RE2)无法编译" in msg and "pattern too large" in msg
