"""Fixes from the design review of the scenario kit (issue 9) and one crash (issue 8)."""
from __future__ import annotations

import pandas as pd
import pytest

from bankxl import sample
from bankxl.errors import ParameterError


@pytest.fixture
def bank(sample_bank):
    """The sample bank without its two long fixed-size tables (机构日余额, 员工工资), so 客户月度存款 is the longest."""
    return {k: v for k, v in sample_bank.items() if k not in ("org_daily_balances", "payroll")}


def _first_workbooks_limit(bank):
    """An Excel row limit that the first three sample workbooks fit but 客户月度存款 (last workbook) does not."""
    early = [t for f, ids in list(sample.SAMPLE_WORKBOOKS.items())[:3] for t in ids if t in bank]
    limit = max(len(bank[t]) for t in early) + 2
    assert len(bank["customer_monthly"]) + 1 > limit
    return limit


def test_sample_too_many_rows_fails_before_any_workbook(bank, tmp_path, monkeypatch):
    # the late workbook (样例_贷款与流水) is over the limit: nothing at all may be written, not even the early ones
    monkeypatch.setattr(sample, "_EXCEL_MAX_ROWS", _first_workbooks_limit(bank))
    with pytest.raises(ParameterError) as e:
        sample.write_sample_workbooks(bank, tmp_path / "out")
    assert "客户月度存款(customer_monthly)" in str(e.value) and "--csv" in str(e.value)
    assert e.value.message_en and "--csv" in e.value.message_en
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_cli_sample_too_many_rows_exit_2_no_files(bank, tmp_path, monkeypatch, capsys):
    from bankxl import cli

    monkeypatch.setattr(sample, "_EXCEL_MAX_ROWS", _first_workbooks_limit(bank))
    monkeypatch.setattr(sample, "make_sample_bank", lambda **k: bank)
    out = tmp_path / "out"
    assert cli.main(["sample", "--customers", "300", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "内部错误" not in err and "Excel" in err and "--csv" in err
    assert not out.exists() or list(out.iterdir()) == []


def test_contributing_names_the_problem_api_that_exists():
    """CONTRIBUTING step 4 documents ``ctx.problem`` with RunContext.problem's own parameters, and no API
    that is gone (ProblemLog.add_rows) or a module that moved (scenarios.common -> frames)."""
    import inspect
    import re
    from pathlib import Path

    from bankxl.errors import ProblemLog
    from bankxl.scenario import RunContext

    text = (Path(__file__).resolve().parents[1] / "CONTRIBUTING.md").read_text(encoding="utf-8")
    params = [p for p in inspect.signature(RunContext.problem).parameters if p != "self"]
    assert f"ctx.problem({', '.join(params)})" in text
    assert "PROBLEM_CODES" in text and "test_problem_codes.py" in text
    for name in re.findall(r"ProblemLog\.(\w+)", text):
        assert hasattr(ProblemLog, name), name
    assert "scenarios.common" not in text


# ------------------------------------------------------------------ removed parameter ids name their successor
@pytest.mark.parametrize("scenario,old,new", [
    ("C3", "level_a", "「等级门槛(levels)」"), ("C3", "level_b", "「等级门槛(levels)」"),
    ("C3", "due_days", "「策略表(strategy)」"), ("C3", "A 级分数线", "「等级门槛(levels)」"),
    ("C9", "level_scores", "「等级门槛(levels)」"), ("C9", "挽回等级门槛A/B", "「等级门槛(levels)」"),
])
def test_removed_parameter_names_its_successor(scenario, old, new):
    from bankxl.scenario import get_scenario, make_params

    spec = get_scenario(scenario)
    with pytest.raises(ParameterError) as e:
        make_params(spec.params, {old: "70"})
    assert f"参数「{old}」已由{new}代替" in e.value.message_zh
    assert "未知参数" not in e.value.message_zh
    en_new = new.split("(")[1].rstrip(")」")
    assert f"{old!r} was replaced by {en_new!r}" in e.value.message_en


def test_cli_removed_parameter_exit_2_before_load(no_load, capsys):
    from bankxl.cli import main

    out = no_load.parent / "o.xlsx"
    assert main(["run", "C9", "-i", str(no_load), "-o", str(out), "--param", "level_scores=70,50"]) == 2
    err = capsys.readouterr().err
    assert "已由「等级门槛(levels)」代替" in err and "replaced by 'levels'" in err
    assert not out.exists()


# ------------------------------------------------------------------ D4 reports the classifier's row problems
def test_d4_bad_dc_value_is_on_its_data_problems(sample_bank):
    """A 借贷 value that is neither D nor C, inside D4's F3 window, is VALUE_INVALID on D4's 数据问题 (as in C3)
    with the Excel row the user sees (the frame's ``_row``, as a loaded file carries it)."""
    from bankxl.runner import execute

    txn = sample_bank["transactions"].copy()
    i = int(txn.index[txn["txn_ts"] > "2026-11-01"][0])
    txn["dc"] = txn["dc"].astype("object")
    txn.loc[i, "dc"] = "X"
    txn["dc"] = txn["dc"].astype(sample_bank["transactions"]["dc"].dtype)
    txn["_row"] = pd.array(range(2, len(txn) + 2), dtype="Int64")
    tables = {k: sample_bank[k] for k in ("customer_monthly", "customers", "time_deposits")}
    report = execute("D4", {**tables, "transactions": txn}, as_of="2026-11-30")
    probs = report.problems.to_frame()
    hit = probs[(probs["问题码"] == "VALUE_INVALID") & (probs["字段"] == "借贷(dc)")]
    assert hit["原值"].tolist() == ["X"]
    assert hit["Excel 行号"].tolist() == [txn.index.get_loc(i) + 2]


def test_flag_text_by_hand():
    """One helper for the 是/否 (C3) and ✓/不可算 (D4) columns: a blank flag is not met, unknown where not known."""
    from bankxl.frames import flag_text

    flags = pd.Series([True, False, pd.NA, True], index=[10, 11, 12, 13], dtype="boolean")
    out = flag_text(flags)
    assert out.index.tolist() == [10, 11, 12, 13] and out.dtype == "string"
    assert out.tolist() == ["是", "否", "否", "是"]
    assert flag_text(flags, False).isna().all()
    known = pd.Series([True, True, True, False], index=flags.index)
    assert flag_text(flags, known, "✓", "", "不可算").tolist() == ["✓", "", "", "不可算"]


def test_renamed_parameters_point_at_existing_fields():
    """Every scenario's RENAMED map names a current parameter, and no old name is still a parameter."""
    import dataclasses

    from bankxl.scenario import registry

    declared = 0
    for spec in registry().values():
        renamed = getattr(spec.params, "RENAMED", {})
        fields = {f.name: f.metadata.get("zh") for f in dataclasses.fields(spec.params)}
        assert set(renamed.values()) <= set(fields), spec.id
        assert not set(renamed) & (set(fields) | set(fields.values())), spec.id
        declared += len(renamed)
    assert declared >= 8
