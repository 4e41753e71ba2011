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
    lo = running_loans(pd.concat([loans, more], ignore_index=True), AS_OF)
    assert lo["loan_id"].tolist() == ["L1", "L4", "L5", "L7"]
    assert lo["product"].tolist() == [MORTGAGE, MORTGAGE, "其他贷款", "个人消费贷款"]
    assert lo["_code"].astype(object).where(lo["_code"].notna(), None).tolist() == ["C", "D", None, "D"]
    assert lo.index.tolist() == [0, 3, 4, 6]  # the input's rows, not renumbered
    assert running_loans(loans, AS_OF, "")["product"].tolist() == ["按揭贷款", "房贷"]  # empty regex: names kept


def test_running_loans_on_the_data_date():
    """The 贷款 table is read as it stood on the data date 2026-11-30 (the export may be later):
    S1 结清 (A) on 12-15, after the data date -> still running on 11-30 (held); S2 no status, 结清日 12-01 -> running;
    S3 结清 on 11-30 itself -> settled by the data date, not running; S4 正常 (C) disbursed 12-01 -> not yet lent
    on 11-30, not running; S5 逾期 (D) disbursed on 11-30 -> running; S6 正常, 放款日 unreadable (blank) -> running
    (an unknown date is not read as later). In the matrix: C1 (S1) holds 个人消费贷款, C2 (S4 only) does not,
    C3 (S3, S5) holds 个人住房贷款 through S5 only."""
    loans = _loans([("S1", "C1", "个人消费贷款", "A", "2024-01-01", "2026-12-15"),
                    ("S2", "C1", "个人汽车贷款", None, "2024-01-01", "2026-12-01"),
                    ("S3", "C3", "个人消费贷款", "结清", "2023-01-01", "2026-11-30"),
                    ("S4", "C2", "个人消费贷款", "正常", "2026-12-01", None),
                    ("S5", "C3", "房贷", "D", "2026-11-30", None),
                    ("S6", "C2", "个人经营贷款", "正常", "不详", None)])
    assert loans["start_date"].isna().tolist() == [False] * 5 + [True]
    assert running_loans(loans, AS_OF)["loan_id"].tolist() == ["S1", "S2", "S5", "S6"]
    assert running_loans(loans, "2026-12-31")["loan_id"].tolist() == ["S4", "S5", "S6"]  # a month later
    customers, holdings, _ = _bank()
    m, _ = holding_matrix(holdings, customers, loans, AS_OF)
    assert m["个人消费贷款"].tolist() == [True, False, False]
    assert m[MORTGAGE].tolist() == [False, False, True]
    assert m["个人汽车贷款"].tolist() == [True, False, False]


def test_holding_params_carry_the_mortgage_pattern():
    """HoldingParams: the one 按揭贷款品种 parameter (C6 carries it: same id, label, default, rule hash), its
    regex checked before any input is read."""
    import dataclasses

    import pytest

    from bankxl.errors import ParameterError
    from bankxl.rules.holdings import MORTGAGE_PATTERN, HoldingParams
    from bankxl.scenario import make_params, params_hash, params_table
    from bankxl.scenarios.credit.mortgage_cross_sell import MortgageParams

    assert issubclass(MortgageParams, HoldingParams)
    f = {x.name: x for x in dataclasses.fields(MortgageParams)}["mortgage_pattern"]
    assert f.default == MORTGAGE_PATTERN == "住房|按揭|房贷" and f.metadata["zh"] == "按揭贷款品种(正则)"
    assert params_table(HoldingParams()).set_index("参数").loc["mortgage_pattern", "名称"] == "按揭贷款品种(正则)"
    assert params_hash(MortgageParams()) == "49302c94"  # C6's rule version before the field moved here
    with pytest.raises(ParameterError, match="mortgage_pattern"):
        make_params(MortgageParams, {"mortgage_pattern": "房贷("})
