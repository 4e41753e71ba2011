"""Second breaker round (issue 8): D5 reversed 考核期, M1 unknown taxable income in the cumulative tax check,
C6 blank 代发标志 / 手机银行签约 (unknown is not zero). Values computed by hand in the comments."""
from __future__ import annotations

import pandas as pd
import pytest

from bankxl.errors import DataValidationError
from bankxl.runner import execute

WAN = 1e4


# ------------------------------------------------------------------ D5: 考核期起 > 考核期止
def _d5_bank():
    from tests.test_d5_targets import _bank
    return _bank()


def test_d5_reversed_period_of_one_outlet_is_date_order_and_excluded():
    """Outlet B (Excel row 4) has 考核期 2026-12-31 ~ 2026-01-01: DATE_ORDER on row 4, B left out of the
    decomposition. A and C share ΔT = 230.01e6 − (100e6 + 40e6) = 9001 万元: shares 存量 5/7, 2/7; 增量 .5/.5;
    潜力 5/7, 2/7; 人数 5/7, 2/7 -> combined .4·5/7 + .3·.5 + .2·5/7 + .1·5/7 = .65 and .35 -> 5850.65 /
    3150.35 -> largest remainder gives A the spare 万元: 5851 / 3150."""
    tables = _d5_bank()
    t = tables["deposit_targets"].copy()
    t.loc[2, "period_start"] = pd.Timestamp("2026-12-31")
    t.loc[2, "period_end"] = pd.Timestamp("2026-01-01")
    tables["deposit_targets"] = t
    rep = execute("deposit.targets", tables, as_of="2026-11-20")
    probs = rep.problems.to_frame()
    bad = probs[probs["问题码"] == "DATE_ORDER"]
    assert bad[["表名", "Excel 行号", "字段"]].values.tolist() == [["存款目标(deposit_targets)", 4, "考核期起(period_start)"]]
    assert "2026-12-31" in str(bad["原值"].iloc[0]) and "2026-01-01" in str(bad["原值"].iloc[0])
    assert "未参与" in bad["处理"].iloc[0]
    dec = rep.tables()["decomposition"].df.set_index("机构号")
    assert list(dec.index) == ["A", "C"]
    assert dec["综合占比"].tolist() == pytest.approx([0.65, 0.35])
    assert dec["增量任务ΔT_i(万元)"].tolist() == [5851, 3150]


@pytest.mark.parametrize("mode", ["decompose", "tracking"])
def test_d5_no_usable_period_stops_cleanly(mode):
    """Every target row reversed (the bank row of a decomposition, or every org of tracking mode): no
    report can be built -> DataValidationError naming 考核期起(period_start) and the first Excel row."""
    tables = _d5_bank()
    t = tables["deposit_targets"].copy()
    if mode == "tracking":
        t = pd.DataFrame({"org_id": ["A", "B"], "target": [110e6, 70e6], "base": [100e6, 60e6],
                          "period_start": pd.to_datetime(["2026-12-31"] * 2),
                          "period_end": pd.to_datetime(["2026-01-01"] * 2),
                          "_row": pd.array([3, 4], dtype="Int64")})
        first = 3
    else:
        t.loc[0, "period_start"], t.loc[0, "period_end"] = pd.Timestamp("2026-12-31"), pd.Timestamp("2026-01-01")
        first = 2
    t.attrs["sheet"] = "存款目标"
    tables["deposit_targets"] = t
    with pytest.raises(DataValidationError) as e:
        execute("deposit.targets", tables, as_of="2026-11-20")
    err = e.value
    assert (err.table, err.sheet, err.column, err.excel_row) == ("deposit_targets", "存款目标", "period_start", first)
    msg = str(err)
    assert "考核期起" in msg and "考核期止" in msg and "2026-12-31" in msg and "period" in err.message_en


# ------------------------------------------------------------------ M1: unknown taxable income
def _m1(rows, as_of="2026-03-31"):
    from tests.test_m1_salary import payroll, run
    return run(payroll(rows), as_of=as_of)


def _m1_row(month, emp, gross, **kw):
    from tests.test_m1_salary import row
    return row(month, emp, gross, **kw)


def _probs(rep, code):
    f = rep.problems.to_frame()
    return f[f["问题码"] == code].reset_index(drop=True)


def _tax_mismatches(rep):
    """[(Excel row, 原值 as a number)] of the TAX_MISMATCH problems."""
    t = _probs(rep, "TAX_MISMATCH")
    return [(int(r), float(v)) for r, v in zip(t["Excel 行号"], t["原值"])]


def _m1_three_months(b_iit=(678.0, 1322.0, 2260.0)):
    """A and B: 30,000/month, 三险一金 1,400, 专项附加 1,000 -> monthly taxable 22,600: Jan 678, Feb
    45,200 × 10% − 2,520 − 678 = 1,322, Mar 67,800 × 10% − 2,520 − 2,000 = 2,260. A's March is entered as
    2,000 (a real TAX_MISMATCH of −260); rows: A Jan/Feb/Mar = Excel 2/3/4, B = 5/6/7."""
    rows = [_m1_row(f"2026-0{m}-01", "A", 30000.0, iit=v) for m, v in zip((1, 2, 3), (678.0, 1322.0, 2000.0))]
    rows += [_m1_row(f"2026-0{m}-01", "B", 30000.0, iit=v) for m, v in zip((1, 2, 3), b_iit)]
    return rows


def test_m1_blank_gross_makes_that_and_later_months_not_checkable():
    """B's January 应发合计 blank: January's taxable income is unknown, so B's Jan–Mar tax cannot be checked
    (3 员工月) — one MISSING_ITEM on 个人所得税 at B's January row (Excel 5), no TAX_MISMATCH for B (before:
    January recomputed with income 0 -> tax 0, and every later month differed). A's wrong March stays."""
    rows = _m1_three_months()
    rows[3]["gross"] = None
    rep = _m1(rows)
    assert _tax_mismatches(rep) == [(4, 2000.0)]
    mi = _probs(rep, "MISSING_ITEM")
    iit = mi[mi["字段"] == "个人所得税(iit)"]
    assert iit["Excel 行号"].tolist() == [5]
    assert "2026-01" in iit["问题说明"].iloc[0] and "3 个员工月" in iit["问题说明"].iloc[0]
    assert "应发合计" in iit["问题说明"].iloc[0]


def test_m1_blank_social_item_stops_the_check_from_that_month():
    """B's February 养老保险 blank (a column the file has): B's February and March are not checked; January
    still is — B's January entered as 600 instead of 678 is the one TAX_MISMATCH of B (diff −78)."""
    rows = _m1_three_months(b_iit=(600.0, 1322.0, 2260.0))
    rows[4]["pension"] = None
    rep = _m1(rows)
    assert _tax_mismatches(rep) == [(4, 2000.0), (5, 600.0)]
    iit = _probs(rep, "MISSING_ITEM").query("字段 == '个人所得税(iit)'")
    assert iit["Excel 行号"].tolist() == [6]
    assert "2026-02" in iit["问题说明"].iloc[0] and "2 个员工月" in iit["问题说明"].iloc[0]
    assert "养老保险" in iit["问题说明"].iloc[0]


def test_m1_blank_employee_id_is_not_checkable_and_not_a_gap():
    """B's February row has no 员工号: it cannot be followed across months. B then seems to skip February
    (before: March recomputed with 3 months of 减除费用 but only two incomes -> false TAX_MISMATCH). Now B's
    February and March are not checked (B has no row in a month that has rows without 员工号), A (complete)
    is checked as before; the blank-ID row is reported once, naming its Excel row 6."""
    rows = _m1_three_months()
    rows[4]["emp_id"] = None
    rep = _m1(rows)
    assert _tax_mismatches(rep) == [(4, 2000.0)]
    iit = _probs(rep, "MISSING_ITEM").query("字段 == '个人所得税(iit)'")
    assert iit["Excel 行号"].tolist() == [7]
    assert "2026-02" in iit["问题说明"].iloc[0] and "员工号为空" in iit["问题说明"].iloc[0]
    blank = _probs(rep, "REQUIRED_EMPTY").query("字段 == '员工号(emp_id)'")
    assert len(blank) == 1 and "第 6 行" in blank["问题说明"].iloc[0]


def test_m1_implausible_month_is_a_row_problem_and_not_used():
    """B's January is dated 1900-01 and A's March 2099-12 (as-of 2026-03-31): DATE_INVALID on 月份 at Excel
    rows 4 and 5, left out of checks and statistics; the employee of such a row cannot be checked (the
    row's real month is unknown), so neither A's nor B's tax is compared: no TAX_MISMATCH at all (before:
    B checked from February as a mid-year joiner -> false mismatches; A's 2099 row checked on its own)."""
    rows = _m1_three_months()
    rows[3]["month"] = pd.Timestamp("1900-01-01")
    rows[2]["month"] = pd.Timestamp("2099-12-01")
    rep = _m1(rows)
    bad = _probs(rep, "DATE_INVALID")
    assert bad[["Excel 行号", "字段"]].values.tolist() == [[4, "月份(month)"], [5, "月份(month)"]]
    assert "2099-12" in str(bad["原值"].iloc[0]) and "晚于" in bad["问题说明"].iloc[0]
    assert "1900-01" in str(bad["原值"].iloc[1]) and "早于" in bad["问题说明"].iloc[1]
    assert _probs(rep, "TAX_MISMATCH").empty
    iit = _probs(rep, "MISSING_ITEM").query("字段 == '个人所得税(iit)'")
    assert sorted(iit["Excel 行号"].tolist()) == [4, 5]
    trend = rep.tables()["monthly_trend"].df
    assert trend["月份"].tolist() == ["2026-01", "2026-02", "2026-03"]      # no 1900-01
    assert trend["发放人数"].tolist() == [1, 2, 1]                          # A Jan; A+B Feb; B Mar


# ------------------------------------------------------------------ C6: blank 代发标志 / invalid 持有 = unknown
def _c6(tables):
    return execute("credit.mortgage_cross_sell", tables, None, as_of="2026-11-30")


def test_c6_blank_payroll_flag_is_unknown_not_a_gap():
    """test_c6_mortgage's bank with k2's 代发标志 blank. Holders k1 (代发 yes), k2 (unknown), k3 (no):
    代发 coverage = 1 of the 2 known = 50% (was 1/3 with k2 counted as not holding), 未持有 1 (k3).
    k2's gaps are the known ones, 信用卡 + 定期存款 (weights 20 + 15) of the known products 消费贷 25 +
    信用卡 20 + 定期 15 = 60: 50 × 35/60 = 29.17 + age 35 -> 15 = 44.2 (was 50 × 45/70 + 15 = 47.1 with a
    代发 gap); 未计算因素 names 代发 and 存款规模. k1 (67.9) and k3 (50) unchanged."""
    from tests.test_c6_mortgage import bank
    t = bank()
    c = t["customers"].copy()
    c.loc[c["cust_id"] == "k2", "payroll_flag"] = pd.NA
    t["customers"] = c
    rep = _c6(t)
    cov = rep.tables()["coverage"].df.set_index("产品")
    assert cov.loc["代发", "按揭客户覆盖率"] == pytest.approx(0.5)
    assert cov.loc["代发", "未持有客户数"] == 1 and cov.loc["代发", "按揭客户持有数"] == 1
    assert cov.loc["信用卡", "按揭客户覆盖率"] == pytest.approx(1 / 3)
    assert any("已知" in n for n in [rep.tables()["coverage"].note or ""])
    lst = rep.tables()["cross_sell_list"].df.set_index("客户号")
    assert lst.loc["k2", "得分"] == pytest.approx(round(50 * 35 / 60 + 15, 1))
    assert lst.loc["k2", "缺口产品"] == "信用卡、定期存款" and lst.loc["k2", "缺口产品数"] == 2
    assert "代发" in lst.loc["k2", "未计算因素"] and "存款规模" in lst.loc["k2", "未计算因素"]
    assert lst.loc["k1", "得分"] == pytest.approx(round(50 * 25 / 70 + 35 + 15, 1)) and pd.isna(lst.loc["k1", "未计算因素"])
    assert lst.loc["k3", "得分"] == 50
    gaps = rep.tables()["gap_count"].df.set_index("缺口产品数")["按揭客户数"].to_dict()
    assert gaps == {1: 1, 2: 1, 4: 1}


def test_c6_invalid_held_value_is_unknown_blank_is_held(tmp_path):
    """From files: k1's 信用卡 row has 持有 = maybe (VALUE_INVALID, blanked by the loader) -> unknown, not held;
    k3's 个人住房贷款 row has a blank 持有 -> held (the documented default). 信用卡 coverage among holders:
    k1 unknown, k2 and k3 no -> 0 of 2 known (was 1/3 with maybe counted as held); k1's list row names
    信用卡 among 未计算因素 and its 处理 on 数据问题 says the value is unknown."""
    from bankxl.runner import run_scenario
    from tests.test_c6_mortgage import bank
    t = bank()
    cust = t["customers"][["cust_id", "cust_name", "sex", "birth_date", "payroll_flag"]]
    cust.to_csv(tmp_path / "customers.csv", index=False)
    h = t["product_holdings"][["cust_id", "product", "held", "balance"]].astype(object)
    h.loc[(h["cust_id"] == "k1") & (h["product"] == "信用卡"), "held"] = "maybe"
    h.to_csv(tmp_path / "product_holdings.csv", index=False)
    res = run_scenario("credit.mortgage_cross_sell", [tmp_path / "customers.csv", tmp_path / "product_holdings.csv"],
                       None, as_of="2026-11-30")
    rep = res.report
    cov = rep.tables()["coverage"].df.set_index("产品")
    assert cov.loc["信用卡", "按揭客户覆盖率"] == 0 and cov.loc["信用卡", "按揭客户持有数"] == 0
    assert cov.loc["信用卡", "未持有客户数"] == 2
    lst = rep.tables()["cross_sell_list"].df.set_index("客户号")
    assert set(lst.index) == {"k1", "k2", "k3"}                  # k3 (blank 持有) is still a mortgage holder
    assert "信用卡" in lst.loc["k1", "未计算因素"]
    p = rep.problems.to_frame()
    inv = p[(p["问题码"] == "VALUE_INVALID") & (p["字段"] == "持有(held)")]
    assert len(inv) == 1 and "未知" in inv["处理"].iloc[0]
