"""Issue 9 item 6: everything a scenario brings is declared in its SPEC (sample tables, template, real-data
parameters) and found through the registry — no lookups of module attributes by naming convention."""
from __future__ import annotations

import dataclasses
import sys
import textwrap

import pytest

from bankxl import scenario as S
from bankxl.scenario import make_params, registry


def test_dataset_params_are_spec_fields_and_plan_the_demo():
    from bankxl.datasets import DATASETS, demo_plan
    from bankxl.scenarios.credit.other_bank_loans import DATASET_PARAMS as C3_PARAMS
    from bankxl.scenarios.deposit.core_customers import DATASET_PARAMS as D4_PARAMS

    assert [s.code for s in demo_plan("UCI")] == ["D4", "C1", "C6"]  # registry order: 存款营销 before 信贷营销
    assert [s.code for s in demo_plan("Berka")] == ["C3", "C9", "R1"]  # 信贷营销 before 风险管理
    assert [s.code for s in demo_plan("German")] == ["C10"]
    reg = registry()
    assert reg["deposit.core_customers"].dataset_params is D4_PARAMS
    assert reg["credit.other_bank_loans"].dataset_params["Berka"] == C3_PARAMS["Berka"] == {"own_bank": ""}
    for spec in reg.values():
        assert set(spec.dataset_params) <= set(DATASETS), spec.id
        for params in spec.dataset_params.values():  # every declared real-data value is a valid parameter
            make_params(spec.params, params)


def test_template_hooks_build_the_bundled_templates(tmp_path):
    from bankxl.templates import build_all

    declared = {s.code: s.template_file for s in registry().values() if s.template is not None}
    assert declared == {"D2": "存款到期视图模板.xlsx", "D5": "存款目标分解模板.xlsx", "M1": "员工工资可视化模板.xlsx"}
    paths = build_all(tmp_path)
    assert sorted(p.name for p in paths) == sorted(declared.values())
    assert all(p.parent == tmp_path and p.read_bytes()[:2] == b"PK" for p in paths)


def test_template_without_file_name_is_refused():
    spec = registry()["deposit.maturity"]
    with pytest.raises(ValueError, match="template_file"):
        dataclasses.replace(spec, template_file="")


def test_sample_inputs_default_to_all_inputs():
    spec = registry()["deposit.maturity"]
    assert spec.sample_inputs == ("time_deposits", "orgs", "customers")
    assert dataclasses.replace(spec, sample_tables=("time_deposits",)).sample_inputs == ("time_deposits",)


def test_registry_finds_a_scenario_that_is_a_folder(tmp_path, monkeypatch):
    """A scenario may be one folder (its SPEC in ``__init__``) as well as one module."""
    import bankxl.scenarios as pkg

    folder = tmp_path / "zz_kit_folder"
    folder.mkdir()
    (folder / "__init__.py").write_text(textwrap.dedent('''
        from dataclasses import dataclass
        from bankxl.scenario import Scenario

        @dataclass(frozen=True)
        class P:
            pass

        SPEC = Scenario(id="kit.folder", code="Z9", title="文件夹场景", group="综合管理",
                        inputs=("payroll",), params=P, run=lambda tables, params, ctx: None)
    '''), encoding="utf-8")
    (folder / "helpers.py").write_text("X = 1\n", encoding="utf-8")
    monkeypatch.setattr(pkg, "__path__", [*pkg.__path__, str(tmp_path)])
    monkeypatch.setattr(S, "_REGISTRY", {})
    try:
        reg = registry()
        assert reg["kit.folder"].title == "文件夹场景"
        assert "deposit.maturity" in reg
    finally:
        for name in [m for m in sys.modules if m.startswith("bankxl.scenarios.zz_kit_folder")]:
            del sys.modules[name]


def test_every_scenario_sample_is_made_by_one_generator_per_table():
    """bankxl.sample makes every table a scenario's sample needs, each in its own module sample/<table>.py."""
    import importlib

    from bankxl import sample

    tables = sample.make_sample_bank(customers=30, seed=3)
    assert tuple(tables) == sample.TABLES
    for t in sample.TABLES:
        assert importlib.import_module(f"bankxl.sample.{t}").__doc__.startswith(f"Sample ``{t}``"), t
    for spec in registry().values():
        assert set(spec.sample_inputs) <= set(sample.TABLES), spec.id
