"""DESIGN.md layer rules, enforced by static import analysis (``ast`` over every ``bankxl/**.py``).

Dependencies point down: front ends (bankxl.xl, bankxl.cli) -> runner -> scenarios -> shared rules -> core.
An import inside a function counts like one at module level (it runs all the same), except where a rule
names the function (the CLI's ``addin`` command may load the Excel front end).
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "bankxl"

#: core layer (DESIGN.md): canonical tables, loading, coercion, ID cards, calendar, masking, report model and
#: writer, errors, and the sample bank (one generator per canonical table)
CORE = ("bankxl.tables", "bankxl.io", "bankxl.coerce", "bankxl.idcard", "bankxl.calendar", "bankxl.masking",
        "bankxl.report", "bankxl.errors", "bankxl.sample")
FRONT_ENDS = ("bankxl.xl", "bankxl.cli")
SCENARIOS = ("bankxl.scenarios",)
EXCEL_LIBS = ("xlwings", "openpyxl")


@dataclass(frozen=True)
class Import:
    module: str       # the importing module, e.g. bankxl.datasets
    target: str       # what it imports, absolute: bankxl.demo, bankxl.datasets.uci, xlwings
    function: str     # the enclosing top-level function ("" at module level)
    line: int


def _module_name(path: Path) -> tuple[str, bool]:
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = list(rel.parts)
    is_pkg = parts[-1] == "__init__"
    if is_pkg:
        parts = parts[:-1]
    return ".".join(parts), is_pkg


def _imports_of(path: Path) -> list[Import]:
    name, is_pkg = _module_name(path)
    package = name if is_pkg else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: list[Import] = []

    def visit(node: ast.AST, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            fn = function
            if not function and isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                fn = child.name
            if isinstance(child, ast.Import):
                found.extend(Import(name, a.name, fn, child.lineno) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")
                    base = base[:len(base) - (child.level - 1)]
                    mod = ".".join(base + ([child.module] if child.module else []))
                else:
                    mod = child.module or ""
                found.append(Import(name, mod, fn, child.lineno))
                # ``from . import berka`` / ``from .xl import addin_cli`` import submodules
                found.extend(Import(name, f"{mod}.{a.name}", fn, child.lineno) for a in child.names)
            visit(child, fn)

    visit(tree, "")
    return found


ALL = [imp for p in sorted(PKG.rglob("*.py")) for imp in _imports_of(p)]


def _under(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _show(bad: list[Import]) -> str:
    return "\n".join(f"{i.module}:{i.line} ({i.function or 'module level'}) imports {i.target}" for i in bad)


def test_analysis_sees_relative_and_lazy_imports():
    """The checker itself: a relative import resolves to an absolute name; a lazy import names its function."""
    cli = [i for i in ALL if i.module == "bankxl.cli"]
    assert any(i.target == "bankxl.errors" and i.function == "" for i in cli)
    assert any(i.target == "bankxl.runner" and i.function == "cmd_run" for i in cli)
    assert any(i.module == "bankxl.scenarios.deposit.maturity" and i.target.startswith("bankxl.") for i in ALL)


@pytest.mark.parametrize("core", CORE)
def test_core_imports_no_scenario_and_no_front_end(core):
    bad = [i for i in ALL if _under(i.module, (core,)) and _under(i.target, SCENARIOS + FRONT_ENDS)]
    assert not bad, _show(bad)


def test_scenarios_import_no_front_end_and_no_excel_library():
    bad = [i for i in ALL if _under(i.module, SCENARIOS) and _under(i.target, FRONT_ENDS + EXCEL_LIBS)]
    assert not bad, _show(bad)


def test_cli_imports_excel_front_end_only_in_addin_command():
    bad = [i for i in ALL if i.module == "bankxl.cli" and _under(i.target, ("bankxl.xl",))
           and i.function != "cmd_addin"]
    assert not bad, _show(bad)


def test_datasets_and_demo_do_not_import_each_other():
    """``bankxl demo`` runs the dataset adapters; the adapters know nothing of the demo."""
    back = [i for i in ALL if _under(i.module, ("bankxl.datasets",)) and _under(i.target, ("bankxl.demo",))]
    assert not back, _show(back)


def test_templates_import_no_front_end_and_no_scenario():
    """Template helpers sit below the scenarios: a scenario's template hook uses them, not the other way."""
    bad = [i for i in ALL if _under(i.module, ("bankxl.templates",))
           and _under(i.target, SCENARIOS + FRONT_ENDS)]
    assert not bad, _show(bad)


#: shared rules (DESIGN.md layer below the scenarios): lists, tags, rules, input conforming and frame helpers
SHARED = ("bankxl.lists", "bankxl.tags", "bankxl.rules", "bankxl.conform", "bankxl.frames")


@pytest.mark.parametrize("shared", SHARED)
def test_shared_rules_import_no_scenario(shared):
    """The shared layer sits below the scenarios: a scenario imports it, never the other way."""
    assert any(_under(i.module, (shared,)) for i in ALL), f"{shared} not found"
    bad = [i for i in ALL if _under(i.module, (shared,)) and _under(i.target, SCENARIOS + FRONT_ENDS)]
    assert not bad, _show(bad)


def _scenario_of(name: str) -> str | None:
    """The scenario a module belongs to: ``bankxl.scenarios.<group>.<name>`` (a one-file scenario, or the folder
    of a scenario that outgrew one file: CONTRIBUTING.md step 1); None for ``bankxl.scenarios`` and a group
    package, which belong to no scenario."""
    parts = name.split(".")
    return ".".join(parts[:4]) if _under(name, SCENARIOS) and len(parts) >= 4 else None


def _cross_scenario(imports: list[Import]) -> list[Import]:
    """Imports by a module under ``bankxl.scenarios`` of anything under ``bankxl.scenarios`` outside its own
    scenario: another scenario (module, folder or a name in it), a group package (``from .. import x`` in a
    one-file scenario reaches a sibling) or the scenarios package itself."""
    return [i for i in imports if _under(i.module, SCENARIOS) and _under(i.target, SCENARIOS)
            and (_scenario_of(i.module) is None or _scenario_of(i.target) != _scenario_of(i.module))]


def test_cross_scenario_check_itself():
    """The checker on hand-made imports: a folder's own modules pass; another scenario, a name in it, a sibling
    reached through the group package, or a group package importing a scenario are caught."""
    def imp(module, target):
        return Import(module, target, "", 1)

    ok = [imp("bankxl.scenarios.credit.etc_customers.compute", "bankxl.scenarios.credit.etc_customers.params"),
          imp("bankxl.scenarios.credit.etc_customers", "bankxl.scenarios.credit.etc_customers"),
          imp("bankxl.scenarios.credit.etc_customers", "bankxl.scenarios.credit.etc_customers.compute.run"),
          imp("bankxl.scenarios.credit.etc_customers.compute", "bankxl.rules.holdings"),
          imp("bankxl.scenarios.credit.loan_churn", "bankxl.scenario")]
    bad = [imp("bankxl.scenarios.credit.etc_customers.compute", "bankxl.scenarios.credit.mortgage_cross_sell"),
           imp("bankxl.scenarios.credit.etc_customers.compute",
               "bankxl.scenarios.credit.mortgage_cross_sell.holding_matrix"),
           imp("bankxl.scenarios.credit.etc_customers", "bankxl.scenarios.credit.etc"),  # a prefix, not the folder
           imp("bankxl.scenarios.credit.loan_churn", "bankxl.scenarios.credit"),  # from . import sibling
           imp("bankxl.scenarios.credit.loan_churn", "bankxl.scenarios.deposit.maturity.prepare"),
           imp("bankxl.scenarios.credit", "bankxl.scenarios.credit.loan_churn"),
           imp("bankxl.scenarios", "bankxl.scenarios.credit")]
    assert _cross_scenario(ok) == []
    assert _cross_scenario(bad) == bad


def test_no_scenario_imports_another_scenario():
    """CONTRIBUTING.md step 1: a scenario imports its own folder's modules, the shared rules and the core, never
    another scenario (logic two scenarios need lives in ``bankxl.rules``). The tree holds folder scenarios whose
    modules import each other, so the check has something to let through."""
    own = [i for i in ALL if _under(i.module, SCENARIOS) and _under(i.target, SCENARIOS)]
    assert len({i.module for i in own if _scenario_of(i.target) == _scenario_of(i.module)}) >= 5
    bad = _cross_scenario(ALL)
    assert not bad, _show(bad)
