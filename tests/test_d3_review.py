"""D3 review fixes: the flow direction comes from a public rule helper (no private names of another module),
and customers whose 客户状态 is 销户/身故 are left out of the churn judgement (已剔除) with counts in 说明."""
from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd

from bankxl.rules.transactions import CREDIT_WORDS, DEBIT_WORDS, flow_direction

CHURN_DIR = Path(__file__).resolve().parents[1] / "bankxl" / "scenarios" / "deposit" / "churn"


def test_flow_direction_by_hand():
    """借贷 values as exports write them: D/借/借方/支出/转出/- -> D, C/贷/收入/+ -> C (case folded: d, c);
    blank, missing and an unknown word (冲) -> <NA>, never guessed."""
    dc = pd.Series(["D", "d", "借方", "支出", "转出", "-", "C", "c", "贷", "收入", "+", "", None, "冲"],
                   index=range(10, 24), dtype="string")
    got = flow_direction(dc)
    assert got.index.tolist() == list(range(10, 24)) and str(got.dtype) == "string"
    assert got.iloc[:6].tolist() == ["D"] * 6 and got.iloc[6:11].tolist() == ["C"] * 5
    assert got.iloc[11:].isna().all()
    assert "借" in DEBIT_WORDS and "贷" in CREDIT_WORDS and not DEBIT_WORDS & CREDIT_WORDS


def test_d3_imports_no_private_names_of_other_modules():
    """Every ``from … import`` in the D3 package names public objects only (it imported the classifier's
    private _D_WORDS/_C_WORDS before)."""
    private = []
    for path in CHURN_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level > 1:
                private += [f"{path.name}: {a.name}" for a in node.names if a.name.startswith("_")]
    assert private == []
