"""Issue 8, parameters and the as-of date: out-of-range / clock-based as-of dates and non-finite or
non-increasing parameter values are clean Chinese + English errors (exit 2), checked before any input is read."""
from __future__ import annotations

import pandas as pd
import pytest

from bankxl.cli import main
from bankxl.errors import DataValidationError, ParameterError
from bankxl.runner import execute, resolve_as_of
from bankxl.scenario import get_scenario, make_params, parse_as_of
from bankxl.scenarios.credit.mortgage_cross_sell import MortgageParams
from bankxl.scenarios.deposit.maturity import MaturityParams




def _run(src, *extra) -> list[str]:
    return ["run", "D2", "-i", str(src), "-o", str(src.parent / "o.xlsx"), *extra]


# ------------------------------------------------------------------------------------------ as-of date
@pytest.mark.parametrize("value", ["1677-01-01", "2262-04-12", "0000-01-01", "-1", "1899-12-31", "2201-01-01"])
def test_as_of_outside_supported_range_exits_2_with_range_message(no_load, capsys, value):
    assert main(_run(no_load, f"--as-of={value}")) == 2
    err = capsys.readouterr().err
    assert "1900-01-01" in err and "2200-12-31" in err and value in err, err
    assert "内部错误" not in err and "Traceback" not in err


@pytest.mark.parametrize("value", ["today", "now", "Today", " NOW ", "今天"])
def test_as_of_today_is_refused_never_the_clock(no_load, capsys, value):
    assert main(_run(no_load, "--as-of", value)) == 2
    err = capsys.readouterr().err
    assert "系统时钟" in err and "2026-11-30" in err, err


def test_as_of_range_bounds_are_inclusive_and_forms_accepted():
    assert parse_as_of("1900-01-01") == pd.Timestamp("1900-01-01")
    assert parse_as_of("2200-12-31") == pd.Timestamp("2200-12-31")
    assert parse_as_of("2026/1/5") == pd.Timestamp("2026-01-05")
    assert parse_as_of("20261130") == pd.Timestamp("2026-11-30")
    assert parse_as_of(pd.Timestamp("2026-11-30 13:45")) == pd.Timestamp("2026-11-30")
    with pytest.raises(ParameterError, match="不是有效日期"):
        parse_as_of("2026-02-30")


@pytest.mark.parametrize("value", ["today", "1677-01-01", "2300-01-01"])
def test_as_of_in_params_file_is_checked_too(no_load, capsys, value):
    prm = no_load.parent / "p.csv"
    prm.write_text(f"场景,参数,名称,取值\n通用,as_of,数据日期,{value}\n", encoding="utf-8")
    assert main(_run(no_load, "--params", str(prm))) == 2
    err = capsys.readouterr().err
    assert "数据日期" in err and "内部错误" not in err, err


def test_as_of_from_the_data_outside_range_is_a_validation_error():
    """The loader reads dates up to 2261; a 数据日期 of 2250 in the data cannot be computed with."""
    spec = get_scenario("deposit.maturity")
    td = pd.DataFrame({"as_of": pd.to_datetime(["2250-06-30", "2250-06-30"])})
    with pytest.raises(DataValidationError) as e:
        resolve_as_of(spec, {"time_deposits": td})
    assert "2250-06-30" in str(e.value) and "2200-12-31" in str(e.value) and e.value.column == "as_of"
    with pytest.raises(DataValidationError):
        execute(spec, {"time_deposits": td})


# ------------------------------------------------------------------------------------------ non-finite numbers
@pytest.mark.parametrize("name,text", [
    ("amount_edges", "nan,inf"), ("amount_edges", "0,nan"), ("amount_edges", "1,-inf"),
    ("amount_edges", "[1, NaN]"), ("amount_edges", "[1, Infinity]"),
    ("large_customer", "nan"), ("large_customer", "inf"), ("large_customer", "-inf"), ("large_customer", "1e999"),
    ("peak_percentile", "NaN"),
])
def test_non_finite_numbers_are_parameter_errors(name, text):
    with pytest.raises(ParameterError) as e:
        make_params(MaturityParams, {name: text})
    msg = str(e.value)
    zh = {f.name: f.metadata["zh"] for f in MaturityParams.__dataclass_fields__.values()}[name]
    assert f"{zh}({name})" in msg and text in msg and "有限" in msg and "finite" in msg, msg


def test_non_finite_float_cell_from_param_sheet():
    """A 参数 sheet cell arrives as a float, not text."""
    for v in (float("nan"), float("inf")):
        with pytest.raises(ParameterError, match="large_customer"):
            make_params(MaturityParams, {"large_customer": v})


def test_non_finite_inside_nested_json_list():
    with pytest.raises(ParameterError, match="weights"):
        make_params(MortgageParams, {"weights": '[["信用卡", NaN], ["理财", 10]]'})


@pytest.mark.parametrize("name,text", [("amount_edges", "200000,50000"), ("dtm_edges", "0,8,8,31"),
                                       ("amount_edges", "1,1")])
def test_declared_increasing_lists_checked_when_parsed(name, text):
    with pytest.raises(ParameterError) as e:
        make_params(MaturityParams, {name: text})
    assert f"({name})" in str(e.value) and "递增" in str(e.value) and "increasing" in str(e.value)


def test_age_bands_must_increase():
    with pytest.raises(ParameterError, match="age_bands"):
        make_params(MortgageParams, {"age_bands": "25,45,35"})
    assert make_params(MortgageParams, {"age_bands": "20,30"}).age_bands == (20, 30)


def test_non_finite_param_on_cli_exits_2_before_loading(no_load, capsys):
    assert main(_run(no_load, "-p", "amount_edges=nan,inf")) == 2
    err = capsys.readouterr().err
    assert "金额段分界(amount_edges)" in err and "bins must increase" not in err
    assert main(_run(no_load, "-p", "large_customer=nan")) == 2
    assert "大额客户门槛(large_customer)" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------ date-sized parameters
def _period_params():
    """(scenario, field) for every scalar day/month/year parameter: these feed date arithmetic."""
    import dataclasses

    from bankxl.scenario import registry

    for s in registry().values():
        for f in dataclasses.fields(s.params):
            if (isinstance(f.default, int) and not isinstance(f.default, bool)
                    and f.metadata.get("unit") in ("天", "月", "年")):
                yield pytest.param(s, f, id=f"{s.code}.{f.name}")


@pytest.mark.parametrize("spec,f", list(_period_params()))
def test_huge_period_parameters_are_refused_and_the_largest_allowed_runs(spec, f, sample_bank):
    """window_days=1000000 used to raise OutOfBoundsTimedelta, f2_years=1000000 'year out of range', f1_months=1e12
    a MemoryError: each day/month/year parameter has a cap, and the scenario runs at that cap."""
    with pytest.raises(ParameterError) as e:
        make_params(spec.params, {f.name: "1000000"})
    assert f"({f.name})" in str(e.value) and "不能大于" in str(e.value)
    cap = {"天": 3660, "月": 600, "年": 50}[f.metadata["unit"]]
    top = min(cap, f.metadata.get("max") or cap)
    tables = {t: sample_bank[t] for t in spec.inputs + spec.optional_inputs if t in sample_bank}
    try:
        params = make_params(spec.params, {f.name: str(top)})  # check() may refuse it with another parameter
        report = execute(spec, tables, params, as_of="2026-11-30")
    except (ParameterError, DataValidationError):
        return  # inconsistent with another parameter: said so in a clean error
    assert report.sheets[-1].name == "说明"


def test_loan_churn_years_must_be_plausible_years():
    from bankxl.scenarios.credit.loan_churn import LoanChurnParams as ChurnParams

    for bad in ("99999", "2020,1066", "[2020, 1e999]"):
        with pytest.raises(ParameterError, match="years"):
            make_params(ChurnParams, {"years": bad})
    assert make_params(ChurnParams, {"years": "2024,2025"}).years == (2024, 2025)


@pytest.mark.parametrize("text,ok", [("[[Infinity, 0.03, 0]]", True), ("[[36000, 0.03, 0], [Infinity, 0.1, 2520]]", True),
                                     ("[[NaN, 0.03, 0]]", False), ("[[-Infinity, 0.03, 0]]", False),
                                     ("[[36000, Infinity, 0]]", False), ("[[Infinity, 0.03, 0], [Infinity, 0.1, 0]]", False)])
def test_open_top_bracket_allows_plus_infinity_only(text, ok):
    """A tax table's last bracket is open (upper bound Infinity, declared open_top); nan and -inf never pass."""
    from bankxl.scenarios.management.salary import SalaryParams

    if ok:
        p = make_params(SalaryParams, {"tax_brackets": text})
        assert any(x == float("inf") for row in p.tax_brackets for x in row)
    else:
        with pytest.raises(ParameterError):
            make_params(SalaryParams, {"tax_brackets": text})


@pytest.mark.parametrize("code,param", [("D2", "amount_edges="), ("D2", "dtm_edges="), ("D2", "reminder_days="),
                                        ("C9", "years=abc"),
                                        ("C9", "years=2020,是")])
def test_empty_edges_and_text_in_number_lists_fail_before_load(no_load, capsys, code, param):
    """Found by the fuzz test: an empty band-edge list was an IndexError and text in 统计年份 a ValueError (exit 1);
    both are parameter errors (exit 2) before any input is read."""
    assert main(["run", code, "-i", str(no_load), "-o", str(no_load.parent / "r.xlsx"), "-p", param]) == 2
    err = capsys.readouterr().err
    assert "参数" in err and "Parameter" in err
