"""bankxl.rules.holdings (shared by C6, C2, C5): the product-holding matrix and the running loans, by hand.

Inputs are conformed from the text a workbook would hold (``bankxl.conform``: 持有 是/否/blank/unreadable,
代发标志 是/否/blank, 贷款 状态 in codes and words), so the rule sees what the runner gives a scenario.
"""
from __future__ import annotations

import pandas as pd

from bankxl.conform import conform
from bankxl.rules.holdings import MORTGAGE, holding_matrix, running_loans

AS_OF = "2026-11-30"


def _loans(rows):
    cols = ["loan_id", "cust_id", "product", "status", "start_date", "end_date"]
    return conform("loans", pd.DataFrame(rows, columns=cols))


def _bank():
    """Three customers × three products (代发, 理财, 个人住房贷款); every cell's evidence:

    ======  ==========================================  ==============================  ===========================
    客户     代发                                         理财                             个人住房贷款
    ======  ==========================================  ==============================  ===========================
    C1      flag 是 -> held                   = True      no row -> not held   = False    L1 按揭贷款 正常 (C) = True
    C2      flag blank (unknown) + 持有 否     = False     持有 不详 (unknown) = <NA>      L2 结清 (A), L3 no status
                                                                                         but 结清日: none running = False
    C3      flag 否 + 持有 blank (= held)      = True      持有 否 + 持有 不详 = False      L4 房贷 逾期 (D)      = True
    ======  ==========================================  ==============================  ===========================

    手机银行签约 is blank for everybody: no evidence, 手机银行 is not evaluated (not a column, not False).
    """
    customers = conform("customers", pd.DataFrame({"cust_id": ["C1", "C2", "C3"],
                                                   "payroll_flag": ["是", None, "否"]}))
    holdings = conform("product_holdings", pd.DataFrame(
        [("C2", "代发", "否"), ("C2", "理财", "不详"), ("C3", "代发", None), ("C3", "理财", "否"),
         ("C3", "理财", "不详")], columns=["cust_id", "product", "held"]))
    loans = _loans([("L1", "C1", "按揭贷款", "正常", "2020-01-05", None),
                    ("L2", "C2", "个人住房贷款", "A", "2010-03-01", "2020-03-01"),
                    ("L3", "C2", "住房贷款", None, "2012-03-01", "2022-03-01"),
                    ("L4", "C3", "房贷", "逾期", "2021-06-01", None)])
    return customers, holdings, loans


def test_holding_matrix_three_by_three_by_hand():
    customers, holdings, loans = _bank()
    m, evaluated = holding_matrix(holdings, customers, loans, AS_OF)
    assert evaluated == {"代发", "理财", MORTGAGE}
    assert m.index.tolist() == ["C1", "C2", "C3"] and m.index.name == "cust_id"
    assert m.columns.tolist() == [MORTGAGE, "代发", "理财"]  # sorted by name
    assert all(str(t) == "boolean" for t in m.dtypes)
    got = m[["代发", "理财", MORTGAGE]].astype(object).where(m[["代发", "理财", MORTGAGE]].notna(), None)
    assert got.to_numpy().tolist() == [[True, False, True],
                                       [False, None, False],
                                       [True, False, True]]


def test_holding_matrix_sources_one_at_a_time():
    """Without 贷款 the mortgage is not evaluated at all (unknown is not 否); a customer only in 产品持有 is
    added after the 客户 rows; a narrower 按揭 regex leaves 房贷 under its own name."""
    customers, holdings, loans = _bank()
    m, evaluated = holding_matrix(holdings, customers, None, AS_OF)
    assert MORTGAGE not in evaluated and MORTGAGE not in m.columns
    extra = pd.concat([holdings, conform("product_holdings", pd.DataFrame(
        {"cust_id": ["C9"], "product": ["理财"], "held": ["是"]}))], ignore_index=True)
    m, _ = holding_matrix(extra, customers, None, AS_OF)
    assert m.index.tolist() == ["C1", "C2", "C3", "C9"]
    assert m.loc["C9", "理财"] and not m.loc["C9", "代发"]  # no 代发 record for C9 -> not held
    m, evaluated = holding_matrix(holdings, customers, loans, AS_OF, mortgage_pattern="按揭")
    assert {MORTGAGE, "房贷"} <= evaluated
    assert m[MORTGAGE].tolist() == [True, False, False] and m["房贷"].tolist() == [False, False, True]


def test_running_loans_by_hand():
    """Running = status C/D (codes or words), or no status and no 结清日. L1 正常 -> C, L4 逾期 -> D, L5 blank
    status and no 结清日 (product blank -> 其他贷款) run; L2 结清 (A), L3 (no status, 结清日 given) and L6 核销 (B)
    do not. Products matching 住房|按揭|房贷 become 个人住房贷款; 个人消费贷款 keeps its name."""
    _, _, loans = _bank()
    more = _loans([("L5", "C2", None, None, "2025-01-01", None),
                   ("L6", "C3", "个人消费贷款", "核销", "2019-01-01", "2023-01-01"),
                   ("L7", "C3", "个人消费贷款", "D", "2024-01-01", None)])
    lo = running_loans(pd.concat([loans, more], ignore_index=True))
    assert lo["loan_id"].tolist() == ["L1", "L4", "L5", "L7"]
    assert lo["product"].tolist() == [MORTGAGE, MORTGAGE, "其他贷款", "个人消费贷款"]
    assert lo["_code"].astype(object).where(lo["_code"].notna(), None).tolist() == ["C", "D", None, "D"]
    assert lo.index.tolist() == [0, 3, 4, 6]  # the input's rows, not renumbered
    assert running_loans(loans, "")["product"].tolist() == ["按揭贷款", "房贷"]  # empty regex: names kept
