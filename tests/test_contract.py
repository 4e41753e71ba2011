"""The scenario contract (issue 9 item 7): every registered scenario through the same named checks of
``tests/contract_checks.py`` — ids like ``test_contract[D2-check_bad_param_fails_before_load]``. A check
fails, never skips; there is no list of known gaps. Also here: the checks themselves fail on broken
scenarios, and the worked example of CONTRIBUTING.md registers and passes the contract."""
from __future__ import annotations

import dataclasses
import re
import sys
from pathlib import Path

import pandas as pd
import pytest

import contract_checks as cc
from bankxl import scenario as S
from bankxl.report import Table
from bankxl.scenario import registry

SPECS = list(registry().values())
# a check of cc.SLOW_CHECKS (breadth: hundreds of runs) is marked slow: make test deselects it (pyproject addopts),
# .ci/run runs it in its slow step after make test
CASES = [pytest.param(spec, check, id=f"{spec.code}-{check.__name__}",
                      marks=[pytest.mark.slow] if check in cc.SLOW_CHECKS else [])
         for spec in SPECS for check in cc.yield_checks(spec)]


def test_registry_not_empty():
    assert {"deposit.maturity", "deposit.targets", "management.salary"} <= set(registry())


@pytest.mark.parametrize("spec,check", CASES)
def test_contract(spec, check):
    check(spec, cc.sample_bank())


def test_every_check_is_yielded_and_documented():
    yielded = {c for spec in SPECS for c in cc.yield_checks(spec)}
    assert set(cc.ALL_CHECKS) == yielded | {cc.check_missing_optional_inputs}
    assert cc.SLOW_CHECKS <= yielded
    assert all(c.__doc__ and c.__doc__.strip() for c in cc.ALL_CHECKS)
    assert set(cc.golden_cases()) <= set(registry()), set(cc.golden_cases()) - set(registry())


# ------------------------------------------------------------------------------ the checks can fail
def _broken(spec_id: str, **changes):
    return dataclasses.replace(registry()[spec_id], **changes)


def _wrap_run(spec_id: str, after=None, before=None):
    run = registry()[spec_id].run

    def wrapped(tables, params, ctx):
        if before:
            before(tables)
        report = run(tables, params, ctx)
        if after:
            after(report)
        return report
    return wrapped


def test_checks_fail_on_a_scenario_that_mutates_its_input(monkeypatch):
    def mutate(tables):
        tables["customers"].loc[0, "cust_id"] = "X"
    spec = _broken("credit.mortgage_cross_sell", run=_wrap_run("credit.mortgage_cross_sell", before=mutate))
    # the runner hands a scenario conformed copies (bankxl.conform), so the input is safe; without that copy
    # the check must see the mutation
    from bankxl.conform import conform

    typed = {k: conform(k, v) for k, v in cc.sample_bank().items()}
    monkeypatch.setattr("bankxl.runner.conform", lambda name, df, **kw: df)
    with pytest.raises(AssertionError, match="input customers"):
        cc.check_inputs_not_mutated(spec, typed)
    monkeypatch.undo()
    cc.check_inputs_not_mutated(spec, cc.sample_bank())


def test_checks_fail_on_a_nondeterministic_scenario():
    calls = iter(range(100))
    spec = _broken("credit.mortgage_cross_sell", run=_wrap_run(
        "credit.mortgage_cross_sell", after=lambda r: r.sheets[0].blocks[0].lines.append(str(next(calls)))))
    with pytest.raises(AssertionError):
        cc.check_deterministic(spec, cc.sample_bank())


def test_checks_fail_without_sample_data_or_golden_case():
    spec = _broken("credit.mortgage_cross_sell", sample_tables=("customers", "credit_reports"))
    bank = {k: v for k, v in cc.sample_bank().items() if k != "credit_reports"}  # a table the sample lacks
    with pytest.raises(AssertionError, match="sample bank has no .*credit_reports"):
        cc.check_sample_report_non_empty(spec, bank)
    spec = _broken("credit.mortgage_cross_sell", sample_tables=("customers",))
    with pytest.raises(AssertionError, match="required inputs .*product_holdings"):
        cc.check_sample_report_non_empty(spec, cc.sample_bank())
    with pytest.raises(AssertionError, match="no golden case"):
        cc.check_golden_values(_broken("credit.mortgage_cross_sell", id="credit.no_golden"), cc.sample_bank())


def test_checks_fail_on_a_list_without_due_date_or_tags():
    def drop(report, column):
        t = report.tables()["cross_sell_list"]
        t.df = t.df.drop(columns=column)

    spec = _broken("credit.mortgage_cross_sell",
                   run=_wrap_run("credit.mortgage_cross_sell", after=lambda r: drop(r, "截止日")))
    with pytest.raises(AssertionError, match=r"lacks the §6 list columns \['截止日'\]"):
        cc.check_list_sheets_have_section6_columns(spec, cc.sample_bank())

    def no_tags(report):
        report.sheets = [s for s in report.sheets if s.name != "客户标签"]
    spec = _broken("credit.mortgage_cross_sell", run=_wrap_run("credit.mortgage_cross_sell", after=no_tags))
    with pytest.raises(AssertionError, match="no 客户标签 sheet"):
        cc.check_tag_rows_have_section6_columns(spec, cc.sample_bank())


@pytest.mark.slow  # runs the per-column check (one run per optional column of C6) twice
def test_checks_fail_when_a_missing_optional_column_is_an_error_or_goes_unsaid(monkeypatch):
    """A DataValidationError for a missing optional column (even one naming it) fails the check (it was
    accepted); so does a changed result without a 说明 line or 未计算因素 entry naming the column (simulated:
    the runner's generic note switched off; C6 without 客户名称 shows a blank masked name)."""
    from bankxl import runner
    from bankxl.errors import DataValidationError

    def refuse(tables):
        if tables["customers"]["phone"].isna().all():
            raise DataValidationError("客户表缺少手机号(phone)。", "customers lacks phone.")
    spec = _broken("credit.mortgage_cross_sell", run=_wrap_run("credit.mortgage_cross_sell", before=refuse))
    with pytest.raises(AssertionError, match=r"customers\.phone: DataValidationError: 客户表缺少手机号"):
        cc.check_missing_optional_columns(spec, cc.sample_bank())
    monkeypatch.setattr(runner, "missing_optional_notes", lambda tables: [])
    with pytest.raises(AssertionError, match=r"customers\.cust_name \(客户名称\): the result changes but no new 说明"):
        cc.check_missing_optional_columns(registry()["credit.mortgage_cross_sell"], cc.sample_bank())


def test_checks_fail_when_optional_columns_missing_together_are_an_error_or_go_unsaid(monkeypatch):
    """The representative check make test runs (each input's optional columns dropped together) fails on the
    same two broken scenarios as the per-column check: a DataValidationError when 手机号 is missing (among the
    other optional columns of 客户表), and a changed result (C6's masked 客户名称 blank) whose 说明 names no
    column (simulated: the runner's generic note switched off)."""
    from bankxl import runner
    from bankxl.errors import DataValidationError

    def refuse(tables):
        if tables["customers"]["phone"].isna().all():
            raise DataValidationError("客户表缺少手机号(phone)。", "customers lacks phone.")
    spec = _broken("credit.mortgage_cross_sell", run=_wrap_run("credit.mortgage_cross_sell", before=refuse))
    with pytest.raises(AssertionError, match=r"customers\.phone[+.\w]*: DataValidationError: 客户表缺少手机号"):
        cc.check_missing_optional_columns_by_table(spec, cc.sample_bank())
    cc.check_missing_optional_columns_by_table(registry()["credit.mortgage_cross_sell"], cc.sample_bank())
    monkeypatch.setattr(runner, "missing_optional_notes", lambda tables: [])
    with pytest.raises(AssertionError, match=r"customers\.cust_name \(客户名称\): the result changes but no new 说明"):
        cc.check_missing_optional_columns_by_table(registry()["credit.mortgage_cross_sell"], cc.sample_bank())


def test_checks_fail_on_a_parameter_whose_range_is_not_enforced(monkeypatch):
    """A declared max the parameter code ignores (simulated: the range check switched off) is caught."""
    monkeypatch.setattr(S, "_check_range", lambda *a, **k: None)
    with pytest.raises(AssertionError, match="months_ahead=61: AssertionError: an input was read"):
        cc.check_bad_param_fails_before_load(registry()["deposit.maturity"], cc.sample_bank())


def test_lists_are_found_by_their_marker_not_their_sheet_name():
    """A list is what ScoredList.table marks role="list", on any sheet; a ranked 客户号 table without a
    marker is not a list (whatever its sheet is called) and is reported as undeclared; detail and tag
    tables declared as such are not."""
    from bankxl.report import Report, Sheet

    ranked = pd.DataFrame({"排名": [1], "客户号": ["C1"]})
    plain = pd.DataFrame({"客户号": ["C1"]})
    other = pd.DataFrame({"x": [1]})
    rep = Report("r", sheets=[
        Sheet("明细", [Table(ranked, name="a"), Table(plain, name="b", role="detail")]),
        Sheet("提醒名单", [Table(plain, name="c"), Table(other, name="d")]),
        Sheet("排行", [Table(ranked, name="e", role="list"), Table(plain, name="f", role="tags")])])
    assert [t.name for _, t in cc.list_tables(rep)] == ["e"]
    assert [t.name for _, t in cc.undeclared_customer_tables(rep)] == ["a", "c"]
    with pytest.raises(ValueError, match="role 'ranking'"):
        Table(plain, role="ranking")


def test_checks_fail_on_an_unmarked_ranked_list():
    """A scenario adding a hand-made ranked customer list (排名, 客户号, 得分 … on a sheet named 名单) that
    does not come from bankxl.lists fails the contract by name; the same table declared detail passes."""
    from bankxl.report import Sheet

    hand = pd.DataFrame({"排名": [1, 2], "客户号": ["C1", "C2"], "得分": [90.0, 80.0]})

    def add(role):
        return lambda r: r.sheets.insert(0, Sheet("挽留名单", [Table(hand, name="hand_list", role=role)]))

    spec = _broken("credit.mortgage_cross_sell", run=_wrap_run("credit.mortgage_cross_sell", after=add(None)))
    with pytest.raises(AssertionError, match=r"neither a §6 list .*挽留名单/hand_list \(role=None\)"):
        cc.check_customer_tables_declared(spec, cc.sample_bank())
    assert "hand_list" not in [t.name for _, t in cc.list_tables(cc.sample_report(spec, cc.sample_bank()))]
    spec = _broken("credit.mortgage_cross_sell", run=_wrap_run("credit.mortgage_cross_sell", after=add("detail")))
    cc.check_customer_tables_declared(spec, cc.sample_bank())
    spec = _broken("credit.mortgage_cross_sell", run=_wrap_run("credit.mortgage_cross_sell", after=add("list")))
    with pytest.raises(AssertionError, match=r"lacks the §6 list columns"):
        cc.check_list_sheets_have_section6_columns(spec, cc.sample_bank())


# ------------------------------------------------------------------------------ CONTRIBUTING.md example
CONTRIBUTING = Path(__file__).resolve().parents[1] / "CONTRIBUTING.md"


def _doc_blocks() -> tuple[str, str]:
    """(scenario module, its hand-computed test): the python code blocks of CONTRIBUTING.md's worked
    example."""
    blocks = re.findall(r"```python\n(.*?)```", CONTRIBUTING.read_text(encoding="utf-8"), flags=re.S)
    module = [b for b in blocks if "SPEC = Scenario(" in b]
    test = [b for b in blocks if re.search(r"^def test_", b, flags=re.M)]
    assert len(module) == 1 and len(test) == 1, "CONTRIBUTING.md: one example module and one example test"
    return module[0], test[0]


@pytest.fixture
def example_spec(tmp_path, monkeypatch):
    """The example module of CONTRIBUTING.md saved as a scenario module, found by the registry, and its
    hand-computed test saved as a test module in a folder of the contract's TEST_DIRS, where the contract
    finds it as the scenario's golden case by its @pytest.mark.golden line — nothing registered by hand."""
    import bankxl.scenarios as pkg

    module, test = _doc_blocks()
    (tmp_path / "zz_contributing_example.py").write_text(module, encoding="utf-8")
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "test_x1_mobile_gap.py").write_text(test, encoding="utf-8")
    monkeypatch.setattr(pkg, "__path__", [*pkg.__path__, str(tmp_path)])
    monkeypatch.setattr(S, "_REGISTRY", {})
    monkeypatch.syspath_prepend(str(tests))
    monkeypatch.setattr(cc, "TEST_DIRS", [*cc.TEST_DIRS, tests])
    new = set(registry()) - {s.id for s in SPECS}
    assert len(new) == 1, new
    spec = registry()[new.pop()]
    assert [str(c) for c in cc.golden_cases()[spec.id]] == ["test_x1_mobile_gap.test_mobile_gap_by_hand"]
    yield spec
    sys.modules.pop("bankxl.scenarios.zz_contributing_example", None)
    sys.modules.pop("test_x1_mobile_gap", None)


def test_golden_cases_are_found_by_their_mark():
    """Every registered scenario's golden case is a test of its own test file marked
    @pytest.mark.golden("<id>") — found by the mark, no shared list; a case whose argument is a module
    fixture gets it."""
    cases = cc.golden_cases()
    assert set(cases) <= set(registry()), set(cases) - set(registry())  # a mark naming no scenario is a typo
    assert {"deposit.maturity", "deposit.core_customers", "deposit.targets", "credit.other_bank_loans",
            "credit.mortgage_cross_sell", "credit.loan_churn", "management.salary"} <= set(cases)
    assert [str(c) for c in cases["deposit.maturity"]] == [
        "test_d2_maturity.test_structure_amounts_counts_customers_by_hand"]
    assert all(c.module.startswith("test_") for cs in cases.values() for c in cs)


@pytest.mark.parametrize("check", [c for c in cc.ALL_CHECKS], ids=lambda c: c.__name__)
def test_contributing_example_passes_the_contract(example_spec, check):
    if check in set(cc.yield_checks(example_spec)):
        check(example_spec, cc.sample_bank())
    else:
        assert check is cc.check_missing_optional_inputs and not example_spec.optional_inputs
