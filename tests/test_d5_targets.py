"""D5 存款营销指标分解: the pure formulas (SCENARIOS.md §8 vectors, largest remainder properties) and the
scenario on small hand-computed frames (decomposition, quarterly split, required daily balance, deviation,
progress, new outlet, d = N, tracking-only mode, seasonal factors), plus the written workbook."""
from __future__ import annotations

import math

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bankxl.errors import DataValidationError
from bankxl.report.xlsx import write_report
from bankxl.runner import execute
from bankxl.scenarios.deposit.targets import (
    daily_average,
    daily_balances,
    deviation,
    factor_shares,
    largest_remainder,
    monthly_targets,
    reach_label,
    required_daily_balance,
)

YI = 1e8
WAN = 1e4
AS_OF = "2026-11-20"


# ------------------------------------------------------------------ pure formulas (§8 vectors)
def test_required_daily_balance_vector():
    r = required_daily_balance(1.00 * YI, 31, 19.2 * YI, 20)
    assert round(r / YI, 4) == 1.0727
    assert r == pytest.approx((31 - 19.2) / 11 * YI)


def test_required_daily_balance_period_over_gives_actual_average():
    assert required_daily_balance(1 * YI, 31, 29.45 * YI, 31) == pytest.approx(0.95 * YI)
    assert required_daily_balance(1 * YI, 31, 29.45 * YI, 40) == pytest.approx(0.95 * YI)  # d clipped to N
    assert required_daily_balance(5.0, 10, 0.0, 0) == 5.0  # nothing elapsed: R = A*
    assert math.isnan(required_daily_balance(5.0, 0, 0.0, 0))
    out = required_daily_balance(np.array([1.0, 1.0]), 31, np.array([19.2, 31.0]), np.array([20, 31]))
    assert out == pytest.approx([11.8 / 11, 1.0])


def test_deviation_vector():
    dev = deviation(105, 100)
    assert dev == pytest.approx(0.05) and dev > 0.04
    assert math.isnan(deviation(5, 0)) and math.isnan(deviation(5, -1))


def test_daily_average_vector_and_ffill():
    assert daily_average([500, 1000, 0, 0, 0]) == 300
    d = pd.to_datetime(["2026-01-01", "2026-01-02", "2026-01-03"])
    s = pd.Series([500.0, 1000.0, 0.0], index=d)
    assert daily_average(s, "2026-01-01", "2026-01-05") == 300          # 0 carried to the 4th and 5th
    s2 = pd.Series([500.0, 1000.0], index=pd.to_datetime(["2026-01-01", "2026-01-03"]))
    # 1-1 500, 1-2 500 (ffill), 1-3 1000, 1-4 1000, 1-5 1000 -> 4000/5
    assert daily_average(s2, "2026-01-01", "2026-01-05") == 800
    # a new outlet: days before its first balance count 0 (calendar-day denominator)
    s3 = pd.Series([900.0], index=pd.to_datetime(["2026-01-04"]))
    assert daily_average(s3, "2026-01-01", "2026-01-06") == pytest.approx(900 * 3 / 6)
    # a balance before the period carries into it
    s4 = pd.Series([700.0], index=pd.to_datetime(["2025-12-31"]))
    assert daily_average(s4, "2026-01-01", "2026-01-03") == 700
    out = daily_balances(s3, "2026-01-01", "2026-01-06", open_date="2026-01-05")
    assert out.tolist() == [0, 0, 0, 0, 900, 900]


# ------------------------------------------------------------------ largest remainder
def test_largest_remainder_hand_examples():
    assert largest_remainder([0.5, 0.21, 0.29], 3001 * WAN, WAN).tolist() == [15010000, 6300000, 8700000]
    assert largest_remainder([1, 1, 1], 10, 1).tolist() == [4, 3, 3]
    assert largest_remainder([1, 1, 1], -10, 1).tolist() == [-4, -3, -3]
    assert largest_remainder([0, 0], 5, 1).tolist() == [3, 2]            # all zero -> equal
    assert largest_remainder([-3, 1], 5, 1).tolist() == [0, 5]          # negative weight counts 0
    p = largest_remainder([1, 3], 12345.5, 1000)                        # sub-unit rest to the largest quota
    assert p.sum() == 12345.5 and p[0] % 1000 == 0


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.floats(0, 1e9), st.just(0.0), st.floats(-1e6, 0)), min_size=1, max_size=40),
       st.integers(-10**7, 10**7), st.sampled_from([1.0, 100.0, 10_000.0]))
def test_largest_remainder_sums_exactly(values, k, unit):
    total = k * unit
    parts = largest_remainder(values, total, unit)
    assert len(parts) == len(values)
    assert parts.sum() == total                                           # exactly
    assert all(float(x / unit).is_integer() for x in parts)
    w = np.clip(np.asarray(values), 0, None)
    w = w if w.sum() > 0 else np.ones_like(w)
    quota = total * w / w.sum()
    assert np.all(np.abs(parts - quota) < unit * (1 + 1e-9))           # within one unit of the exact quota
    assert np.all(np.sign(parts) * np.sign(total) >= 0)                 # no part against the total's sign


def test_factor_shares_redistributes_missing_factor():
    f = pd.DataFrame({"prior_avg": [3.0, 1.0], "prior_increment": [-1.0, 1.0], "potential": [np.nan, np.nan],
                      "staff_count": [1.0, 1.0]})
    sh, eff = factor_shares(f, {"prior_avg": 0.4, "prior_increment": 0.3, "potential": 0.2, "staff_count": 0.1})
    assert eff == pytest.approx({"prior_avg": 0.5, "prior_increment": 0.375, "potential": 0.0, "staff_count": 0.125})
    assert sh["prior_increment"].tolist() == [0.0, 1.0]
    assert sh["combined"].tolist() == pytest.approx([0.5 * 0.75 + 0.125 * 0.5, 0.5 * 0.25 + 0.375 + 0.125 * 0.5])


# ------------------------------------------------------------------ the scenario on a 3-outlet bank
def _bank(prior_year=False):
    targets = pd.DataFrame({
        "org_id": ["000", "A", "B", "C"],
        "metric": ["各项存款日均"] * 4,
        "period_start": pd.to_datetime(["2026-01-01", None, None, None]),
        "period_end": pd.to_datetime(["2026-12-31", None, None, None]),
        "target": [230.01e6, np.nan, np.nan, np.nan],
        "base": [np.nan] * 4,
        "prior_avg": [np.nan, 100e6, 60e6, 40e6],
        "prior_increment": [np.nan, 10e6, -5e6, 10e6],
        "potential": [np.nan, 50e6, 30e6, 20e6],
        "staff_count": pd.array([pd.NA, 10, 6, 4], dtype="Int64"),
        "_row": pd.array([2, 3, 4, 5], dtype="Int64"),
    })
    days = pd.date_range("2026-01-01", AS_OF)
    a = np.where(days < pd.Timestamp(AS_OF), 100e6, 110e6)
    rows = [pd.DataFrame({"date": days, "org_id": "A", "balance": a}),
            pd.DataFrame({"date": days, "org_id": "B", "balance": 62e6}),
            pd.DataFrame({"date": days[days >= "2026-01-11"], "org_id": "C", "balance": 45e6})]
    if prior_year:
        py = pd.date_range("2025-01-01", "2025-12-31")
        rows.append(pd.DataFrame({"date": py, "org_id": "A", "balance": py.month * 1e6}))
    bal = pd.concat(rows, ignore_index=True)
    bal["metric"] = "各项存款"
    orgs = pd.DataFrame({"org_id": ["000", "A", "B", "C"], "org_name": ["全行", "甲支行", "乙支行", "丙网点"],
                         "parent_id": [None, "000", "000", "000"]})
    return {"deposit_targets": targets, "org_daily_balances": bal, "orgs": orgs}


@pytest.fixture(scope="module")
def report():
    return execute("deposit.targets", _bank(), as_of=AS_OF)


def _t(report, name):
    return report.tables()[name].df


@pytest.mark.golden("deposit.targets")
def test_decomposition_by_hand(report):
    df = _t(report, "decomposition").set_index("机构号")
    # shares: 存量 .5/.3/.2, 增量 .5/0/.5 (B negative -> 0), 潜力 .5/.3/.2, 人数 .5/.3/.2
    assert df["综合占比"].tolist() == pytest.approx([0.5, 0.21, 0.29])
    assert df.loc["B", "上年增量占比"] == 0
    # ΔT = 230.01e6 − 200e6 = 3001 万元 -> quotas 1500.5, 630.21, 870.29 -> A gets the spare 万元
    assert df["增量任务ΔT_i(万元)"].tolist() == [1501, 630, 870]
    assert df["目标日均(万元)"].tolist() == pytest.approx([11501, 6630, 4870])
    assert df["增量任务ΔT_i(万元)"].sum() == 3001
    assert df["目标日均(万元)"].sum() == pytest.approx(23001)          # = the bank's target
    # quarters 40/25/20/15 of 1501: 600.4, 375.25, 300.2, 225.15 -> Q1 gets the spare unit
    q = [c for c in df.columns if "季度增量" in c]
    assert df.loc["A", q].tolist() == [601, 375, 300, 225]
    assert (df[q].sum(axis=1) == df["增量任务ΔT_i(万元)"]).all()


def test_monthly_split_equal_without_prior_year(report):
    m = _t(report, "monthly").set_index("机构号")
    assert m.loc["A", "1月增量(万元)"] + m.loc["A", "2月增量(万元)"] + m.loc["A", "3月增量(万元)"] == 601
    assert m.loc["A", ["1月增量(万元)", "2月增量(万元)", "3月增量(万元)"]].tolist() == [201, 200, 200]
    assert m.drop(columns="机构名称").sum(axis=1).tolist() == [1501, 630, 870]
    assert _t(report, "seasonal")["季内占比"].tolist() == pytest.approx([1 / 3] * 12)


def test_required_daily_balance_in_report(report):
    req = _t(report, "required")
    a = req[(req["机构号"] == "A") & (req["口径"] == "考核期")].iloc[0]
    s_a = 323 * 100e6 + 110e6                                           # Jan 1 .. Nov 20 = 324 days
    assert (a["期长N(天)"], a["已过d(天)"]) == (365, 324)
    assert a["累计余额S_d(万元·日)"] == pytest.approx(s_a / WAN)
    r = (115.01e6 * 365 - s_a) / 41
    assert a["所需日均R(万元)"] == pytest.approx(r / WAN)
    assert a["当前余额(万元)"] == pytest.approx(11000)
    assert a["缺口(万元)"] == pytest.approx((r - 110e6) / WAN)
    assert r > 2 * 110e6 and a["可达性"] == "基本不可达"                  # 233.4 百万 > 2 × 110 百万
    b = req[(req["机构号"] == "B") & (req["口径"] == "考核期")].iloc[0]
    r_b = (66.3e6 * 365 - 324 * 62e6) / 41                              # 100.3 百万: 62 < R <= 124
    assert b["所需日均R(万元)"] == pytest.approx(r_b / WAN) and b["可达性"] == "需提升"
    # new outlet C: no balance before Jan 11 -> those 10 days count 0
    c = req[(req["机构号"] == "C") & (req["口径"] == "考核期")].iloc[0]
    assert c["累计余额S_d(万元·日)"] == pytest.approx(314 * 45e6 / WAN)
    r_c = (48.7e6 * 365 - 314 * 45e6) / 41
    assert c["所需日均R(万元)"] == pytest.approx(r_c / WAN)
    assert 45e6 < r_c <= 90e6 and c["可达性"] == "需提升"                # 88.9 百万 <= 2 × 45 百万
    # month row: A* = November's daily-average target a_11 = base + (C_11·D_11 − C_10·D_10)/30 with
    # C = cumulative monthly increments (A: 201 200 200 | 125×3 | 100×3 | 75×3 万元), D = days to month end
    am = req[(req["机构号"] == "A") & (req["口径"] == "本月")].iloc[0]
    m = _t(report, "monthly").set_index("机构号")
    c10 = m.loc["A", [f"{k}月增量(万元)" for k in range(1, 11)]].sum()
    c11 = c10 + m.loc["A", "11月增量(万元)"]
    assert (c10, c11) == (1351, 1426)
    a11 = 10000 + (1426 * 334 - 1351 * 304) / 30                       # = 12,186 万元
    assert a11 == 12186
    assert am["目标日均A*(万元)"] == pytest.approx(a11)
    assert (am["期长N(天)"], am["已过d(天)"]) == (30, 20)
    s_m = 19 * 100e6 + 110e6
    assert am["所需日均R(万元)"] == pytest.approx((a11 * WAN * 30 - s_m) / 10 / WAN)
    # the bank row sums the outlets (no 000 balances in the file)
    root = req[(req["机构号"] == "000") & (req["口径"] == "考核期")].iloc[0]
    assert root["累计余额S_d(万元·日)"] == pytest.approx((s_a + 324 * 62e6 + 314 * 45e6) / WAN)


def test_deviation_mid_month(report):
    dv = _t(report, "deviation").set_index("机构号")
    # A: 100 百万 Nov 1–19, 110 on Nov 20: predicted avg (2010 + 110×10)/30, month end 110
    avg = (2010 + 1100) / 30
    assert dv.loc["A", "预测当月日均(万元)"] == pytest.approx(avg * 100)
    assert dv.loc["A", "偏离度"] == pytest.approx((110 - avg) / avg)
    assert dv.loc["A", "预警"] == "预警"
    assert dv.loc["A", "月末余额上限(万元)"] == pytest.approx(1.04 * (2010 + 110 * 9) / 28.96 * 100)
    assert dv.loc["B", "偏离度"] == pytest.approx(0) and dv.loc["B", "预警"] == "正常"


def test_progress(report):
    pr = _t(report, "progress").set_index("机构号")
    s_a = 323 * 100e6 + 110e6
    assert pr.loc["A", "时间进度"] == pytest.approx(324 / 365)
    assert pr.loc["A", "任务进度"] == pytest.approx((s_a / 324 - 100e6) / 15.01e6)
    b_task = (62e6 - 60e6) / 6.3e6
    assert pr.loc["B", "任务进度"] == pytest.approx(b_task)
    assert pr.loc["B", "状态"] == ("领先" if b_task >= 324 / 365 else "落后")


def test_period_over_outputs_actual_average():
    rep = execute("deposit.targets", _bank(), as_of="2026-11-30")
    req = _t(rep, "required")
    b = req[(req["机构号"] == "B") & (req["口径"] == "本月")].iloc[0]
    assert b["已过d(天)"] == b["期长N(天)"] == 30
    assert b["所需日均R(万元)"] == pytest.approx(6200)                    # actual November average
    assert pd.isna(b["缺口(万元)"])
    assert b["可达性"] in ("已达成", "未达成(期已结束)")


def test_seasonal_factors_from_prior_year():
    rep = execute("deposit.targets", _bank(prior_year=True), as_of=AS_OF)
    sf = _t(rep, "seasonal").set_index("月份")["季内占比"]
    assert sf["2026-01"] == pytest.approx(1 / 6) and sf["2026-03"] == pytest.approx(3 / 6)
    assert sf["2026-12"] == pytest.approx(12 / 33)
    m = _t(rep, "monthly").set_index("机构号")
    # A's Q1 601 万元 split 1:2:3 -> 100.17, 200.33, 300.5 -> 100, 200, 301 (largest remainder)
    assert m.loc["A", ["1月增量(万元)", "2月增量(万元)", "3月增量(万元)"]].tolist() == [100, 200, 301]


def test_tracking_only_mode():
    t = pd.DataFrame({"org_id": ["A", "B"], "target": [110e6, 70e6], "base": [100e6, np.nan],
                      "prior_avg": [np.nan, 60e6], "period_start": pd.to_datetime(["2026-01-01"] * 2),
                      "period_end": pd.to_datetime(["2026-12-31"] * 2)})
    tables = _bank()
    tables["deposit_targets"] = t
    rep = execute("deposit.targets", tables, as_of=AS_OF)
    dec = _t(rep, "decomposition").set_index("机构号")
    assert "综合占比" not in dec.columns
    assert dec["增量任务ΔT_i(万元)"].tolist() == [1000, 1000]
    assert dec.loc["A", "一季度增量(万元)"] == 400
    req = _t(rep, "required")
    assert set(req["机构号"]) == {"A", "B"}
    a = req[(req["机构号"] == "A") & (req["口径"] == "考核期")].iloc[0]
    assert a["所需日均R(万元)"] == pytest.approx((110e6 * 365 - (323 * 100e6 + 110e6)) / 41 / WAN)
    assert any("未做分解" in n for n in rep.notes)


def test_no_target_gives_report_not_error():
    tables = _bank()
    tables["deposit_targets"] = tables["deposit_targets"].assign(target=np.nan)
    rep = execute("deposit.targets", tables, as_of=AS_OF)
    assert rep.sheet_names[:5] == ["指标分解", "月度分解", "所需日均", "偏离度预警", "进度"]
    assert any("没有任何「目标日均」" in n for n in rep.notes)


def test_row_problems_with_excel_rows():
    tables = _bank()
    t = tables["deposit_targets"].copy()
    t.loc[2, "potential"] = np.nan
    t = pd.concat([t, t.iloc[[3]].assign(_row=pd.array([6], dtype="Int64"))], ignore_index=True)
    tables["deposit_targets"] = t
    rep = execute("deposit.targets", tables, as_of=AS_OF)
    probs = rep.problems.to_frame()
    assert ((probs["问题码"] == "DUP_KEY") & (probs["Excel 行号"] == 6)).any()
    assert ((probs["问题码"] == "REQUIRED_EMPTY") & (probs["Excel 行号"] == 4) & (probs["字段"] == "市场潜力(potential)")).any()


def test_written_workbook(report, tmp_path):
    p = write_report(report, tmp_path / "d5.xlsx")
    wb = openpyxl.load_workbook(p)
    # issue 10 item 1: the headline 概览 comes first
    assert wb.sheetnames[:6] == ["概览", "指标分解", "月度分解", "所需日均", "偏离度预警", "进度"]
    assert wb["指标分解"]._charts and wb["进度"]._charts
    assert wb["指标分解"].tables and wb["所需日均"].tables
    assert wb["所需日均"].conditional_formatting
    ws = openpyxl.load_workbook(p, data_only=True)["指标分解"]
    rows = list(ws.iter_rows(values_only=True))
    header = next(r for r in rows if r and r[0] == "机构号")
    total = next(r for r in rows if r and r[0] == "合计")
    assert total[header.index("增量任务ΔT_i(万元)")] == pytest.approx(3001)
    assert total[header.index("目标日均(万元)")] == pytest.approx(23001)


def test_inputs_not_mutated():
    tables = _bank()
    before = {k: v.copy(deep=True) for k, v in tables.items()}
    execute("deposit.targets", tables, as_of=AS_OF)
    for k in tables:
        pd.testing.assert_frame_equal(tables[k], before[k])


# ------------------------------------------------------------------ monthly targets consistent with the annual target
def test_monthly_targets_hand_example():
    # base 100, +6 to the year-to-date average in each of Jan (31 d) and Feb (28 d):
    # Jan a = 106; Feb a = 100 + (12·59 − 6·31)/28 = 100 + 522/28; day-weighted mean = 6608/59 = 112
    a = monthly_targets(100.0, [6.0, 6.0], [31, 28])
    assert a.tolist() == pytest.approx([106.0, 100 + 522 / 28], rel=1e-15)
    assert (a[0] * 31 + a[1] * 28) / 59 == pytest.approx(112.0, rel=1e-15)
    # the old path (base + cumulative increment = 106, 112) averages only (106·31 + 112·28)/59 ≈ 108.85
    assert (106 * 31 + 112 * 28) / 59 < 109
    with pytest.raises(ValueError):
        monthly_targets(0.0, [1.0], [31, 28])


@settings(max_examples=200, deadline=None)
@given(st.floats(0, 1e10), st.lists(st.integers(-10**6, 10**6), min_size=1, max_size=24),
       st.lists(st.integers(1, 31), min_size=24, max_size=24))
def test_monthly_targets_average_to_annual_target(base, incs, days):
    inc = [k * 1e4 for k in incs]
    dd = days[:len(inc)]
    a = monthly_targets(base, inc, dd)
    assert np.dot(a, dd) / sum(dd) == pytest.approx(base + sum(inc), rel=1e-9, abs=1e-3)


def test_report_monthly_targets_average_to_annual_target(report):
    t = _t(report, "monthly_avg_targets").set_index("机构号")
    days = np.array([pd.Period(f"2026-{k:02d}").days_in_month for k in range(1, 13)])
    cols = [f"{k}月日均目标(万元)" for k in range(1, 13)]
    dec = _t(report, "decomposition").set_index("机构号")
    for org, target in [("A", 11501), ("B", 6630), ("C", 4870), ("000", 23001)]:
        year = float(np.dot(t.loc[org, cols].to_numpy(dtype=float), days) / 365)   # independent day-weighting
        assert year == pytest.approx(target, rel=1e-12)
        assert t.loc[org, "按月目标折算全年日均(万元)"] == pytest.approx(target, rel=1e-12)
        if org != "000":
            assert dec.loc[org, "目标日均(万元)"] == target
    assert t.loc["A", "11月日均目标(万元)"] == pytest.approx(12186)
    assert t.loc["A", "1月日均目标(万元)"] == pytest.approx(10201)       # Jan: base + Jan increment


def _two_month_bank(jan: float, feb: float, as_of_end: str):
    """One outlet X (tracking mode), period 2026-01-01..02-28, base 100,000,000, target 100,560,000 元
    (ΔT 56 万元 -> Q1 only -> 28 + 28 万元 a month). Daily balances: ``jan`` every day of January, ``feb``
    every day of February up to ``as_of_end``."""
    t = pd.DataFrame({"org_id": ["X"], "metric": ["各项存款日均"], "target": [100.56e6], "base": [100e6],
                      "period_start": pd.to_datetime(["2026-01-01"]), "period_end": pd.to_datetime(["2026-02-28"])})
    days = pd.date_range("2026-01-01", as_of_end)
    bal = pd.DataFrame({"date": days, "org_id": "X", "balance": np.where(days.month == 1, jan, feb),
                        "metric": "各项存款"})
    return {"deposit_targets": t, "org_daily_balances": bal}


def _rows(rep):
    req = _t(rep, "required").set_index("口径")
    return req.loc["本月"], req.loc["考核期"]


def test_meeting_every_monthly_target_meets_the_annual_target():
    # by hand: a_Jan = 100e6 + 28 万 = 100.28e6; a_Feb = 100e6 + (56 万·59 − 28 万·31)/28 = 100e6 + 87 万 = 100.87e6;
    # (31 × 100.28e6 + 28 × 100.87e6)/59 = 5,933,040,000/59 = 100.56e6 = the target, exactly
    a_jan, a_feb = 100.28e6, 100.87e6
    assert (31 * a_jan + 28 * a_feb) / 59 == 100.56e6
    # end of January, January met exactly: month 已达成; the period's R = exactly February's target
    month, period = _rows(execute("deposit.targets", _two_month_bank(a_jan, a_feb, "2026-01-31"), as_of="2026-01-31"))
    assert month["目标日均A*(万元)"] == pytest.approx(a_jan / WAN, rel=1e-15)
    assert month["可达性"] == "已达成"
    assert period["所需日均R(万元)"] == pytest.approx(a_feb / WAN, rel=1e-15)
    assert period["可达性"] == reach_label(a_feb, a_jan, 100.56e6, 59, 31) == "需提升"   # the plan rises in Feb
    # mid-February on plan: both spans need exactly a_Feb and the current balance gives it: both 已满足
    month, period = _rows(execute("deposit.targets", _two_month_bank(a_jan, a_feb, "2026-02-14"), as_of="2026-02-14"))
    assert month["所需日均R(万元)"] == pytest.approx(a_feb / WAN) and period["所需日均R(万元)"] == pytest.approx(a_feb / WAN)
    assert month["可达性"] == period["可达性"] == "当前余额已满足"
    # end of the period: every month met -> the period's daily average = the target, both verdicts 已达成
    month, period = _rows(execute("deposit.targets", _two_month_bank(a_jan, a_feb, "2026-02-28"), as_of="2026-02-28"))
    assert month["目标日均A*(万元)"] == pytest.approx(a_feb / WAN, rel=1e-15)
    assert period["所需日均R(万元)"] == pytest.approx(100.56e6 / WAN, rel=1e-15)
    assert month["可达性"] == period["可达性"] == "已达成"


def test_old_cumulative_path_is_no_longer_enough():
    # the old 本月 target for February was base + cumulative increment = 100.56e6 (the annual target);
    # meeting it in February (after meeting January) leaves the period short: both verdicts now say so
    month, period = _rows(execute("deposit.targets", _two_month_bank(100.28e6, 100.56e6, "2026-02-28"),
                                  as_of="2026-02-28"))
    assert period["所需日均R(万元)"] == pytest.approx((31 * 100.28e6 + 28 * 100.56e6) / 59 / WAN)
    assert month["可达性"] == period["可达性"] == "未达成(期已结束)"


# ------------------------------------------------------------------ balances of the target's metric
def test_balances_of_another_metric_raise():
    tables = _bank()
    tables["deposit_targets"] = tables["deposit_targets"].assign(metric="储蓄日均")
    with pytest.raises(DataValidationError) as e:
        execute("deposit.targets", tables, as_of=AS_OF)
    msg = str(e.value)
    assert "储蓄日均" in msg and "机构日余额" in msg and "org_daily_balances" in msg and "各项存款" in msg
    assert e.value.table == "org_daily_balances" and e.value.column == "metric"


def test_balances_pick_the_target_metric_among_several():
    tables = _bank()
    tables["deposit_targets"] = tables["deposit_targets"].assign(metric="储蓄日均")
    bal = tables["org_daily_balances"]
    sav = bal.assign(metric="储蓄", balance=bal["balance"] / 2)
    tables["org_daily_balances"] = pd.concat([bal, sav], ignore_index=True)
    rep = execute("deposit.targets", tables, as_of=AS_OF)
    req = _t(rep, "required")
    a = req[(req["机构号"] == "A") & (req["口径"] == "考核期")].iloc[0]
    assert a["累计余额S_d(万元·日)"] == pytest.approx((323 * 100e6 + 110e6) / 2 / WAN)   # the 储蓄 halves
    assert any("取「储蓄」" in n for n in rep.notes)


def test_balances_without_metric_values_are_taken_as_the_target_metric():
    tables = _bank()
    tables["deposit_targets"] = tables["deposit_targets"].assign(metric="储蓄日均")
    tables["org_daily_balances"] = tables["org_daily_balances"].assign(metric=None)
    rep = execute("deposit.targets", tables, as_of=AS_OF)
    req = _t(rep, "required")
    a = req[(req["机构号"] == "A") & (req["口径"] == "考核期")].iloc[0]
    assert a["累计余额S_d(万元·日)"] == pytest.approx((323 * 100e6 + 110e6) / WAN)
    assert any("没有「指标」" in n and "储蓄日均" in n for n in rep.notes)
    no_col = _bank()
    no_col["org_daily_balances"] = no_col["org_daily_balances"].drop(columns="metric")
    rep2 = execute("deposit.targets", no_col, as_of=AS_OF)
    assert any("没有「指标」" in n for n in rep2.notes)
    assert _t(rep2, "required")["所需日均R(万元)"].tolist() == pytest.approx(
        _t(execute("deposit.targets", _bank(), as_of=AS_OF), "required")["所需日均R(万元)"].tolist())


# ------------------------------------------------------------------ invalid targets and balances (tester report)
@pytest.mark.parametrize("bad", [0.0, -1.0])
def test_bank_target_not_positive_stops_with_the_cell(bad):
    """目标日均 0 or −1 on the bank row (the one to decompose): no report of nonsense tasks (全行目标日均
    −0.00, negative ΔT) but a DataValidationError naming sheet, column 目标日均(target) and the Excel row."""
    tables = _bank()
    t = tables["deposit_targets"].copy()
    t.loc[0, "target"] = bad
    t.attrs["sheet"] = "存款目标"
    tables["deposit_targets"] = t
    with pytest.raises(DataValidationError) as e:
        execute("deposit.targets", tables, as_of=AS_OF)
    err = e.value
    assert (err.table, err.sheet, err.column, err.column_zh, err.excel_row) == (
        "deposit_targets", "存款目标", "target", "目标日均", 2)
    msg = str(err)
    assert "工作表「存款目标」" in msg and "目标日均(target)" in msg and "第 2 行" in msg and "≤ 0" in msg
    assert "全行" in msg and f"{bad:,.2f}" in msg


def test_tracking_row_with_target_not_positive_is_a_row_problem():
    """Tracking mode: B's 目标日均 −1 -> VALUE_INVALID on B's Excel row, column 目标日均(target); B is not
    tracked, A's numbers are those of the valid run; a note says so."""
    t = pd.DataFrame({"org_id": ["A", "B"], "target": [110e6, -1.0], "base": [100e6, np.nan],
                      "prior_avg": [np.nan, 60e6], "period_start": pd.to_datetime(["2026-01-01"] * 2),
                      "period_end": pd.to_datetime(["2026-12-31"] * 2), "_row": pd.array([3, 4], dtype="Int64")})
    tables = _bank()
    tables["deposit_targets"] = t
    rep = execute("deposit.targets", tables, as_of=AS_OF)
    probs = rep.problems.to_frame()
    inv = probs[probs["问题码"] == "VALUE_INVALID"]
    assert inv[["表名", "Excel 行号", "字段", "原值"]].values.tolist() == [
        ["存款目标(deposit_targets)", 4, "目标日均(target)", "-1.00"]]
    req = _t(rep, "required")
    assert set(req["机构号"]) == {"A"}
    a = req[(req["机构号"] == "A") & (req["口径"] == "考核期")].iloc[0]
    assert a["所需日均R(万元)"] == pytest.approx((110e6 * 365 - (323 * 100e6 + 110e6)) / 41 / WAN)
    assert set(_t(rep, "decomposition")["机构号"]) == {"A"}
    assert any("目标日均 ≤ 0" in n and "B" in n for n in rep.notes)
    # every org target ≤ 0: nothing to track -> stop, naming the first row
    t2 = t.assign(target=[0.0, -1.0])
    tables["deposit_targets"] = t2
    with pytest.raises(DataValidationError) as e:
        execute("deposit.targets", tables, as_of=AS_OF)
    assert e.value.excel_row == 3 and e.value.column == "target"


def test_org_without_daily_balances_is_logged_on_the_balance_table():
    """C has no row in 机构日余额: the problem is on org_daily_balances (机构号), REQUIRED_EMPTY, not a
    deposit_targets VALUE_INVALID; C's balances count 0."""
    tables = _bank()
    bal = tables["org_daily_balances"]
    tables["org_daily_balances"] = bal[bal["org_id"] != "C"].reset_index(drop=True)
    rep = execute("deposit.targets", tables, as_of=AS_OF)
    probs = rep.problems.to_frame()
    assert not ((probs["表名"] == "存款目标(deposit_targets)") & (probs["问题码"] == "VALUE_INVALID")).any()
    miss = probs[probs["表名"] == "机构日余额(org_daily_balances)"]
    assert miss[["字段", "问题码", "原值"]].values.tolist() == [["机构号(org_id)", "REQUIRED_EMPTY", "C"]]
    assert "没有机构 C 丙网点 的任何余额" in miss["问题说明"].iloc[0] and "第 5 行" in miss["问题说明"].iloc[0]
    req = _t(rep, "required")
    c = req[(req["机构号"] == "C") & (req["口径"] == "考核期")].iloc[0]
    assert c["累计余额S_d(万元·日)"] == 0


def test_negative_daily_balance_flagged_by_the_loader_and_noted():
    """org_daily_balances.balance is nonneg: the loader records NEG_BALANCE with the Excel row (value
    kept); D5 uses it as given and says so in 说明."""
    from bankxl.errors import ProblemLog
    from bankxl.io import load_frame
    from bankxl.tables import get_table

    cells = pd.DataFrame([["日期", "机构号", "余额", "指标"],
                          ["2026-01-01", "A", 100e6, "各项存款"],
                          ["2026-01-02", "A", -1.77e9, "各项存款"],
                          ["2026-01-03", "A", "(5)", "各项存款"]], dtype=object)
    log = ProblemLog()
    lt = load_frame(cells, get_table("org_daily_balances"), sheet="日余额", problems=log)
    assert lt.df["balance"].tolist() == [100e6, -1.77e9, -5.0]
    assert [(p.code, p.excel_row, p.sheet) for p in log.problems] == [("NEG_BALANCE", 3, "日余额"),
                                                                       ("NEG_BALANCE", 4, "日余额")]
    tables = _bank()
    bal = tables["org_daily_balances"].copy()
    bal.loc[(bal["org_id"] == "B") & (bal["date"] == pd.Timestamp("2026-03-02")), "balance"] = -1.77e9
    tables["org_daily_balances"] = bal
    rep = execute("deposit.targets", tables, as_of=AS_OF)
    assert any("1 个负余额(机构 B)" in n for n in rep.notes)
    req = _t(rep, "required")
    b = req[(req["机构号"] == "B") & (req["口径"] == "考核期")].iloc[0]
    assert b["累计余额S_d(万元·日)"] == pytest.approx((324 * 62e6 - 62e6 - 1.77e9) / WAN)  # 324 days, one replaced


def test_headline_and_outlets_furthest_behind(report):
    """Issue 10 item 1 on the 3-outlet bank (as of 2026-11-20: N 365, d 324). 全行 (000, sum of the outlets'
    balances): target 23,001 万元 vs base 20,000; S = A 323×100e6 + 110e6, B 324×62e6, C 314×45e6 (10 days
    before opening count 0); task progress (S/324 − 200e6)/30.01e6 vs time 324/365. Every outlet is behind:
    A (S_A/324 − 100e6)/15.01e6 = 0.2%, B (62 − 60)/6.3 = 31.7%, C (314×45/324 − 40)/8.7 = 41.5% -> most
    behind first A, B, C. 基本不可达: A only (R 233.4 百万 > 2 × 110); 偏离度预警: A only."""
    h = report.headline
    s_a = 323 * 100e6 + 110e6
    s = s_a + 324 * 62e6 + 314 * 45e6
    f = {x.label: x for x in h.figures}
    assert (f["全行目标日均"].value, f["全行目标日均"].compare) == (pytest.approx(23001), pytest.approx(20000))
    assert f["全行期内日均(至今)"].value == pytest.approx(s / 324 / WAN) and f["全行期内日均(至今)"].compare == 23001
    assert f["全行任务进度"].value == pytest.approx((s / 324 - 200e6) / 30.01e6)
    assert f["全行任务进度"].compare == pytest.approx(324 / 365)
    assert (f["落后机构数"].value, f["落后机构数"].compare) == (3, 3)
    assert f["基本不可达机构数"].value == 1 and f["偏离度预警机构数"].value == 1
    b = report.tables()["behind"].df
    assert list(b["机构号"]) == ["A", "B", "C"] and list(b["排名"]) == [1, 2, 3]
    gap_pts = (324 / 365 - (s_a / 324 - 100e6) / 15.01e6) * 100
    r = (115.01e6 * 365 - s_a) / 41
    assert b["建议动作"].iloc[0].startswith(f"落后 {gap_pts:.1f} 个百分点; 剩余每天需日均 {r / WAN:,.0f} 万元, "
                                          f"缺口 {(r - 110e6) / WAN:,.0f} 万元: ")
    assert b["可达性"].tolist() == ["基本不可达", "需提升", "需提升"] and h.actions == "behind"
