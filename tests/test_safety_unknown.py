"""Issue 8, unknown is not zero: a field the data do not hold is blank (never 0 / 否), is not scored, and the
report says which factors could not be computed (C3, D4, C9 and the public-data adapters)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bankxl.runner import execute

AS_OF = "1998-12-31"
BERKA = Path(__file__).resolve().parents[2] / "shared" / "data" / "berka_pkdd99_financial"


def _s(values):
    return pd.array(values, dtype="string")


def _c3_orders_only(**tables):
    """Berka-like C3 inputs: customers without payroll/deposit data, one UVER order each to another bank."""
    customers = pd.DataFrame({"cust_id": _s(["A", "B"])})
    orders = pd.DataFrame({"order_id": _s(["1", "2"]), "cust_id": _s(["A", "B"]), "acct_no": _s(["a1", "b1"]),
                           "bank_to": _s(["XY", "ZZ"]), "amount": [5000.0, 2000.0],
                           "purpose": _s(["贷款还款", "贷款还款"]), "purpose_code": _s(["UVER", "UVER"])})
    holdings = pd.DataFrame({"cust_id": _s(["A", "B"]), "product": _s(["信用卡", "结算账户"]),
                             "held": pd.array([True, True], dtype="boolean"), "balance": [np.nan, np.nan]})
    return {"customers": customers, "payment_orders": orders, "product_holdings": holdings, **tables}


def _text(report) -> str:
    out = []
    for s in report.sheets:
        for b in s.blocks:
            out.extend(getattr(b, "lines", None) or [])
            out.extend(f"{k} {v}" for k, v in (getattr(b, "pairs", None) or []))
    return " ".join(map(str, out))


def test_c3_unknown_payroll_and_deposits_are_blank_not_scored():
    rep = execute("credit.other_bank_loans", _c3_orders_only(), as_of=AS_OF)
    t = rep.tables()["c3_replacement"].df.set_index("客户号")
    dep = [c for c in t.columns if c.startswith("本行存款")][0]
    # no 代发 flag, no deposit balances, no 手机银行/理财 in the data: blank, not 否 / 0
    assert t["代发"].isna().all() and t[dep].isna().all()
    assert t.loc["A", "信用卡"] == "是" and t.loc["B", "信用卡"] == "否"  # 信用卡 is in the holdings: known
    # score by hand: size 40 × min(P / 1e6, 1) + card 5; P = m·(1 − (1+r)^−36)/r, r = 4%/12
    r = 0.04 / 12
    p_a = 5000 * (1 - (1 + r) ** -36) / r
    assert t.loc["A", "得分"] == pytest.approx(round(40 * p_a / 1e6 + 5, 1))
    # issue 9 (bankxl.lists): the factors not computed are named in the 未计算因素 column, not in 原因
    assert t.loc["A", "未计算因素"] == "代发、本行存款、手机银行、理财、本行贷款记录"
    text = _text(rep)
    assert "代发" in text and "本行存款" in text and "无法计算" in text


def test_c3_known_payroll_and_deposits_still_scored():
    customers = pd.DataFrame({"cust_id": _s(["A", "B"]), "payroll_flag": pd.array([True, False], dtype="boolean")})
    td = pd.DataFrame({"acct_no": _s(["d1"]), "cust_id": _s(["A"]), "balance": [60_000.0],
                       "maturity_date": pd.to_datetime(["1999-06-30"])})
    rep = execute("credit.other_bank_loans", _c3_orders_only(customers=customers, time_deposits=td), as_of=AS_OF)
    t = rep.tables()["c3_replacement"].df.set_index("客户号")
    dep = [c for c in t.columns if c.startswith("本行存款")][0]
    assert (t.loc["A", "代发"], t.loc["B", "代发"]) == ("是", "否")
    assert (t.loc["A", dep], t.loc["B", dep]) == (60_000.0, 0.0)  # a known customer without deposits: 0
    r = 0.04 / 12
    p_a = 5000 * (1 - (1 + r) ** -36) / r
    assert t.loc["A", "得分"] == pytest.approx(round(40 * p_a / 1e6 + 20 + 15 + 5, 1))
    assert t.loc["A", "未计算因素"] == "手机银行、理财、本行贷款记录"


def test_c3_own_bank_of_a_dataset_is_not_the_sample_bank():
    from bankxl.scenarios.credit.other_bank_loans import DATASET_PARAMS

    assert "示例银行" not in str(DATASET_PARAMS["Berka"].get("own_bank"))
    rep = execute("credit.other_bank_loans", _c3_orders_only(), DATASET_PARAMS["Berka"], as_of=AS_OF)
    assert "本行行名" in _text(rep) and "未知" in _text(rep)


def test_d4_other_bank_funds_unknown_without_transactions():
    cm = pd.DataFrame({"cust_id": _s(["A", "B"]), "month": pd.to_datetime(["2026-11-01", "2026-11-01"]),
                       "dep_avg": [300_000.0, 1000.0], "td_avg": [250_000.0, 0.0]})
    rep = execute("deposit.core_customers", {"customer_monthly": cm}, as_of="2026-11-30")
    det = rep.tables()["d4_factors"].df.set_index("客户号")
    # no 交易流水: 他行资金迹象额 is unknown for everyone, so the column is left out (never 0) and the note says so
    assert not [c for c in det.columns if c.startswith("他行资金迹象额")]
    hidden = next(b for s in rep.sheets if s.name == "要素明细" for b in s.blocks if hasattr(b, "lines"))
    assert "他行资金迹象额(元)" in hidden.lines[0] and "全部客户都没有该值" in hidden.lines[0]
    assert "F2稳定、F3潜力" in hidden.lines[0]  # not computable for anyone: left out and named, never 否
    core = rep.tables()["d4_core"].df.set_index("客户号")
    assert core.loc["A", "等级"] == "规模客户"
    # not computable: not scored, named in 未计算因素 (bankxl.lists; 原因 lists only the rules that hold)
    assert core.loc["A", "未计算因素"] == "F2 稳定、F3 潜力" and core.loc["A", "得分"] == 10


def test_c9_finish_date_from_maturity_is_named_so():
    loans = pd.DataFrame({
        "loan_id": _s(["L1", "L2"]), "cust_id": _s(["c1", "c2"]), "org_id": _s(["A", "A"]),
        "start_date": pd.to_datetime(["2019-03-01", "2019-03-01"]),
        "maturity_date": pd.to_datetime(["2021-03-01", "2024-03-01"]),
        "end_date": pd.to_datetime([pd.NaT, pd.NaT]), "status": _s(["A", "C"]), "amount": [1000.0, 2000.0],
        "term_m": [24, 60]})
    rep = execute("credit.loan_churn", {"loans": loans}, as_of="2022-12-31")
    wb = rep.tables()["winback_list"].df
    assert "约定到期日" in wb.columns and "结清日" not in wb.columns
    assert wb["约定到期日"].iloc[0] == pd.Timestamp("2021-03-01")
    assert "约定到期日" in _text(rep)


@pytest.mark.realdata
@pytest.mark.skipif(not (BERKA / "loan.csv").is_file(), reason=f"Berka data not found at {BERKA}")
def test_berka_adapter_leaves_unknown_finish_dates_blank():
    from bankxl.datasets import load_berka

    lo = load_berka(BERKA)["loans"]
    assert lo["end_date"].isna().all()  # loan.csv has no finish date: unknown, not start + term
