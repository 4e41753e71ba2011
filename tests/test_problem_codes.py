"""Every row-problem code the library records has a Chinese meaning (the 数据问题 sheet's 问题类型 shows it;
an unlabelled code would show the bare English code to a branch analyst)."""
from __future__ import annotations

import ast
import re
from pathlib import Path

from bankxl.errors import PROBLEM_CODES

ROOT = Path(__file__).resolve().parents[1] / "bankxl"
#: the calls that record row problems: ProblemLog.record / RunContext.problem / C9's thin _log wrapper / RowProblem
RECORDERS = {"record", "problem", "_log", "RowProblem"}
CODE = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")


def _recorded_codes() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in ROOT.rglob("*.py"):
        if "xl" in path.relative_to(ROOT).parts[:1]:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name not in RECORDERS:
                continue
            for arg in list(node.args) + [k.value for k in node.keywords]:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and CODE.match(arg.value):
                    found.setdefault(arg.value, f"{path.relative_to(ROOT.parent)}:{node.lineno}")
    return found


def test_every_recorded_problem_code_has_a_chinese_meaning():
    found = _recorded_codes()
    assert {"MISSING_ITEM", "LOAN_END_MISSING", "CUST_NOT_FOUND", "DATE_INVALID"} <= set(found), found
    missing = {c: where for c, where in found.items() if c not in PROBLEM_CODES}
    assert not missing, f"codes without a Chinese meaning in errors.PROBLEM_CODES: {missing}"
