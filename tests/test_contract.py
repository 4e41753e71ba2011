"""Common checks run over every registered scenario (DESIGN.md: one contract test parametrised over the
registry, in the spirit of scikit-learn's estimator checks)."""
from __future__ import annotations

import pandas as pd
import pytest

from bankxl.errors import DataValidationError
from bankxl.report import Report, Table
from bankxl.runner import execute, run_scenario
from bankxl.scenario import registry
from bankxl.tables import get_table

AS_OF = "2026-11-30"

SPECS = list(registry().values())
IDS = [s.id for s in SPECS]


def _tables_for(spec, sample_bank):
    missing = [t for t in spec.inputs if t not in sample_bank]
    if missing:
        pytest.skip(f"sample bank lacks {missing}")
    return {t: sample_bank[t] for t in (*spec.inputs, *spec.optional_inputs) if t in sample_bank}


def check_report_well_formed(report: Report):
    names = report.sheet_names
    assert names[-2:] == ["数据问题", "说明"], names
    assert len(set(names)) == len(names)
    assert all(len(n) <= 31 for n in names)
    for s in report.sheets:
        for b in s.blocks:
            if isinstance(b, Table):
                assert not any(str(c).startswith("_") for c in b.df.columns), (s.name, list(b.df.columns))
                assert not b.df.columns.duplicated().any(), (s.name, list(b.df.columns))
    assert report.meta["as_of"] == pd.Timestamp(AS_OF)


def test_registry_not_empty():
    assert {"deposit.maturity", "deposit.targets", "management.salary"} <= set(registry())


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_check_spec_declares_known_tables_and_params(spec):
    for t in (*spec.inputs, *spec.optional_inputs):
        get_table(t)
    p = spec.default_params()
    import dataclasses

    for f in dataclasses.fields(p):
        assert f.metadata.get("zh"), f"{spec.id}.{f.name} has no 中文 label"
    assert spec.summary, f"{spec.id} has no one-line summary"


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_check_report_builds_and_writes(spec, sample_bank, tmp_path):
    tables = _tables_for(spec, sample_bank)
    report = execute(spec, tables, as_of=AS_OF)
    check_report_well_formed(report)
    from bankxl.report.xlsx import write_report
    import openpyxl

    p = write_report(report, tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(p)
    assert wb.sheetnames == report.sheet_names


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_check_input_not_mutated_and_deterministic(spec, sample_bank):
    tables = _tables_for(spec, sample_bank)
    before = {k: v.copy(deep=True) for k, v in tables.items()}
    r1 = execute(spec, tables, as_of=AS_OF)
    for k in tables:
        pd.testing.assert_frame_equal(tables[k], before[k])
    r2 = execute(spec, tables, as_of=AS_OF)
    assert r1.sheet_names == r2.sheet_names
    for s1, s2 in zip(r1.sheets, r2.sheets):
        for b1, b2 in zip(s1.blocks, s2.blocks):
            if isinstance(b1, Table):
                pd.testing.assert_frame_equal(b1.df, b2.df)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_check_empty_input(spec, sample_bank):
    tables = {t: get_table(t).empty().drop(columns="_row") for t in spec.inputs}
    report = execute(spec, tables, as_of=AS_OF)
    check_report_well_formed(report)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_check_one_row(spec, sample_bank):
    tables = _tables_for(spec, sample_bank)
    one = {k: v.head(1) for k, v in tables.items()}
    check_report_well_formed(execute(spec, one, as_of=AS_OF))


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_check_missing_optional_input(spec, sample_bank):
    tables = _tables_for(spec, sample_bank)
    required_only = {k: v for k, v in tables.items() if k in spec.inputs}
    check_report_well_formed(execute(spec, required_only, as_of=AS_OF))


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_check_rejects_missing_required_column(spec, sample_bank):
    tables = _tables_for(spec, sample_bank)
    t = spec.inputs[0]
    col = get_table(t).required[0]
    broken = {k: (v.drop(columns=[col.id]) if k == t else v) for k, v in tables.items()}
    with pytest.raises(DataValidationError) as e:
        run_scenario(spec, [broken], None, as_of=AS_OF)
    assert col.zh in str(e.value) and col.id in str(e.value)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_check_missing_required_table(spec):
    with pytest.raises(DataValidationError) as e:
        execute(spec, {}, as_of=AS_OF)
    assert get_table(spec.inputs[0]).zh in str(e.value)
