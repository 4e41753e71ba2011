"""E2 商户五星级分层 on ten hand-made merchants whose stars, lists, deposit figures and staff points are computed
by hand (SCENARIOS.md E2 default thresholds).

Data date Mon 2026-11-30 (a month end): this month's window = Sep–Nov 2026 (30 + 31 + 30 = 91 days), last
month's = Aug–Oct. Unless said otherwise a merchant has rows Jun–Nov 2026 with the same 金额 / 笔数 / 结算户日均
each month, 入网 2020-01-01; M1–M5 belong to 网点 N1 / 经理 E1, M6–M10 to N2 / E2.

====  ====================================================  ==============  ============  ==============
id    monthly 金额 / 笔数 / 结算户日均 (元)                  this month       last month    lists
====  ====================================================  ==============  ============  ==============
M1    500,000 / 1,000 / 300,000                             ★5 (= 50 万 edge)  ★5         保级: 交易额 +0.0%
M2    475,000 / 800 / 250,000                               ★4               ★4          升星 → ★5: 差 25,000 (5%)
M3    53,000 / 100 / blank                                  ★3 仅按交易定星    ★3          保级: +6% (未计算: 结算户日均)
M4    10,000 / 30 / 5,000; Aug 笔数 20                      ★2 (= edges)      ★1 (26.7 笔) 保级: +0.0% both
M5    9,500 / 50 / 2,000; Aug 0 元 0 笔                     ★1               无星 (Aug)   升星 → ★2: 差 500 (5%)
M6    300,000 / 600 / 60,000; Nov 0 元 0 笔                 无星             ★4
M7    60,000 / 100 / 20,000; 商户状态 注销                  已注销            ★3
M8    入网 2026-10-15; rows Oct, Nov only                   新商户            新商户
M9    no October row                                        数据不足          数据不足
M10   200,000 / 400 / 48,000                                ★3 (日均 < 5 万)  ★3          升星 → ★4: 日均差 2,000 (4%)
====  ====================================================  ==============  ============  ==============

Medians of 结算户日均 by star (merchants with it): 无星 60,000 (M6) · ★1 2,000 · ★2 5,000 · ★3 48,000 (M10;
M3 has none) · ★4 250,000 · ★5 300,000 → 升一星预期日均增量 −58,000 / 3,000 / 43,000 / 202,000 / 50,000 / —.
Scores: 升星 = 10 × target star + 50 × (1 − gap / 10%): M2 50 + 25 = 75 A, M10 40 + 30 = 70 A, M5 20 + 25 = 45 B;
保级 = 10 × star + 50 × (1 − margin / 10%): M1 50 + 50 = 100 A, M4 20 + 50 = 70 A, M3 30 + 20 = 50 B.
Points (10 per star): E1 M4 +1, M5 +1 = +20; E2 M6 −4, M7 −3 (注销 = 0 stars), M10 0 (M8/M9 unknown) = −70.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bankxl.errors import ParameterError
from bankxl.runner import execute, run_scenario

AS_OF = "2026-11-30"
MONTHS = [f"2026-{m:02d}" for m in range(6, 12)]


def _plan() -> dict[str, dict[str, tuple]]:
    """Merchant -> {month: (金额, 笔数, 结算户日均)}; a month not listed has no row."""
    flat = {"M1": (500_000.0, 1000, 300_000.0), "M2": (475_000.0, 800, 250_000.0), "M3": (53_000.0, 100, np.nan),
            "M4": (10_000.0, 30, 5_000.0), "M5": (9_500.0, 50, 2_000.0), "M6": (300_000.0, 600, 60_000.0),
            "M7": (60_000.0, 100, 20_000.0), "M8": (40_000.0, 80, 9_000.0), "M9": (40_000.0, 80, 9_000.0),
            "M10": (200_000.0, 400, 48_000.0)}
    d = {m: {ym: v for ym in MONTHS} for m, v in flat.items()}
    d["M4"]["2026-08"] = (10_000.0, 20, 5_000.0)
    d["M5"]["2026-08"] = (0.0, 0, 2_000.0)
    d["M6"]["2026-11"] = (0.0, 0, 60_000.0)
    d["M8"] = {"2026-10": (20_000.0, 40, 5_000.0), "2026-11": (40_000.0, 80, 9_000.0)}
    del d["M9"]["2026-10"]
    return d


def monthly() -> pd.DataFrame:
    rows = [(m, pd.Timestamp(ym + "-01"), *v) for m, months in _plan().items() for ym, v in months.items()]
    df = pd.DataFrame(rows, columns=["mch_id", "month", "amount", "txn_count", "settle_avg"])
    return df.astype({"mch_id": "string", "txn_count": "Int64"})


def merchants() -> pd.DataFrame:
    ids = [f"M{i}" for i in range(1, 11)]
    df = pd.DataFrame({
        "mch_id": ids, "mch_name": [f"商户{i}" for i in ids],
        "org_id": ["N1"] * 5 + ["N2"] * 5, "mgr_id": ["E1"] * 5 + ["E2"] * 5,
        "open_date": pd.to_datetime(["2026-10-15" if i == "M8" else "2020-01-01" for i in ids]),
        "status": ["注销" if i == "M7" else "正常" for i in ids],
        "legal_id": ["11010519491231002X" if i == "M2" else None for i in ids]})
    return df.astype({c: "string" for c in ("mch_id", "mch_name", "org_id", "mgr_id", "status", "legal_id")})


def bank() -> dict:
    return {"merchant_monthly": monthly(), "merchants": merchants()}


STARS = {"M1": "★5", "M2": "★4", "M3": "★3", "M4": "★2", "M5": "★1", "M6": "无星", "M7": "已注销", "M8": "新商户",
         "M9": "数据不足", "M10": "★3"}
PREV = {"M1": "★5", "M2": "★4", "M3": "★3", "M4": "★1", "M5": "无星", "M6": "★4", "M7": "★3", "M8": "新商户",
        "M9": "数据不足", "M10": "★3"}


@pytest.fixture(scope="module")
def report():
    """The hand bank has one merchant with 结算户日均 per star: 增量最小分组 1 lets the gains of the docstring be
    computed (the default 30 blanks them: :func:`test_gain_needs_enough_merchants_per_star`)."""
    return execute("ebank.merchant_stars", bank(), {"min_star_group": 1}, as_of=AS_OF)


@pytest.mark.golden("ebank.merchant_stars")
def test_stars_lists_and_points_by_hand(report):
    """Golden case: the stars of the module docstring (each edge with 等号, no deposit data, new, closed,
    missing month), the 升星 / 保级 lists (order, scores, levels, reasons, due dates, 未计算因素) and the points."""
    T = report.tables()
    det = T["e2_detail"].df.set_index("商户号")
    assert det["本月星级"].to_dict() == STARS and det["上月星级"].to_dict() == PREV
    assert det.loc["M3", "仅按交易定星"] == "是(无结算户日均)" and det.loc["M1", "仅按交易定星"] == ""
    assert pd.isna(det.loc["M3", "结算户日均(元)"])  # unknown, never 0
    assert det.loc["M4", "月均笔数"] == 30 and det.loc["M1", "沉淀率"] == pytest.approx(0.6)

    up = T["e2_upgrade_list"].df
    assert up["客户号"].tolist() == ["M2", "M10", "M5"]
    assert up["得分"].tolist() == [75.0, 70.0, 45.0] and up["等级"].tolist() == ["A", "A", "B"]
    assert up["目标星级"].tolist() == [5, 4, 2]
    assert up["升星预期日均增量(元)"].tolist() == [50_000, 202_000, 3_000]
    assert up["原因"].tolist() == [
        "目标★5(升星预期结算户日均 +50,000 元)；距★5: 月均交易额差 25,000 元(5.0%)；结算户日均已达★5门槛",
        "目标★4(升星预期结算户日均 +202,000 元)；距★4: 结算户日均差 2,000 元(4.0%)",
        "距★2: 月均交易额差 500 元(5.0%)；目标★2(升星预期结算户日均 +3,000 元)"]
    assert up["建议动作"].iloc[0] == "上门拜访, 推动升至★5: 月均交易额差 25,000 元(5.0%)"
    assert up["截止日"].dt.strftime("%Y-%m-%d").tolist() == ["2026-12-07", "2026-12-07", "2026-12-14"]
    assert up["法人证件号码(脱敏)"].iloc[0] == "110105********002X"

    keep = T["e2_keep_list"].df
    assert keep["客户号"].tolist() == ["M1", "M4", "M3"]
    assert keep["得分"].tolist() == [100.0, 70.0, 50.0] and keep["等级"].tolist() == ["A", "A", "B"]
    assert keep["原因"].iloc[1] == "★2门槛边缘: 月均交易额仅高出 0.0%、月均笔数仅高出 0.0%；当前★2(降一星预期结算户日均 −3,000 元)"
    assert keep["未计算因素"].fillna("").tolist() == ["", "", "结算户日均"]

    pts = T["e2_points"].df
    assert pts[["客户经理", "考核商户", "升星商户", "升星级数", "降星商户", "降星级数", "积分"]].values.tolist() == [
        ["E1", 5, 2, 2, 0, 0, 20.0], ["E2", 3, 0, 0, 2, 7, -70.0]]


def test_deposit_impact_by_star(report):
    """Per star (merchants with 结算户日均): sums, 沉淀率 = Σ 日均 / Σ 月均交易额, medians and the gain of one star."""
    dep = report.tables()["e2_deposit"].df.set_index("星级")
    assert dep["商户数"].tolist() == [1, 1, 1, 2, 1, 1]  # 无星 ★1 ★2 ★3 ★4 ★5
    assert dep["有存款数据"].tolist() == [1, 1, 1, 1, 1, 1]  # M3 (★3) has no 结算户日均
    assert dep["结算户日均合计(万元)"].tolist() == pytest.approx([6.0, 0.2, 0.5, 4.8, 25.0, 30.0])
    assert dep.loc["★3", "沉淀率"] == pytest.approx(48_000 / 200_000)  # M10 only: M3 unknown is left out
    assert dep.loc["★4", "日均占比"] == pytest.approx(250_000 / 665_000)
    gain = dep["升一星预期日均增量(元)"].tolist()
    assert gain[:5] == [-58_000, 3_000, 43_000, 202_000, 50_000] and np.isnan(gain[5])


def test_headline_distribution_and_tags(report):
    """概览 figures: 定星 7 (last month 8), ★3+ 4 (6), 结算户日均 66.5 万元, 升星 3 户 with 25.5 万元, points −50;
    distribution and migration; tags: a star for every starred merchant + one per list row."""
    h = report.headline
    vals = [(f.value, f.compare) for f in h.figures]
    assert vals[0] == (7, 8) and vals[1] == (4, 6)
    assert vals[2][0] == pytest.approx(66.5) and vals[3][0] == 3 and vals[4][0] == pytest.approx(25.5)
    assert vals[5][0] == -50.0 and h.actions == "e2_upgrade_list"
    dist = report.tables()["e2_stars"].df.set_index("星级")
    assert dist.loc[["★5", "★4", "★3", "★2", "★1", "无星"], "本月商户数"].tolist() == [1, 1, 2, 1, 1, 1]
    assert dist.loc[["★5", "★4", "★3", "★2", "★1", "无星"], "上月商户数"].tolist() == [1, 2, 3, 0, 1, 1]
    mig = report.tables()["e2_migration"].df.set_index("上月 \\ 本月")
    assert mig.loc["★4", "无星"] == 1 and mig.loc["★3", "已注销"] == 1 and mig.loc["★1", "★2"] == 1
    tags = report.tables()["customer_tags"].df
    star = tags[tags["标签代码"] == "E2_STAR"].set_index("客户号")
    assert star["标签值"].to_dict() == {"M1": 5, "M10": 3, "M2": 4, "M3": 3, "M4": 2, "M5": 1, "M6": 0}
    assert sorted(tags.loc[tags["标签代码"] == "E2_UPGRADE", "客户号"]) == ["M10", "M2", "M5"]
    assert sorted(tags.loc[tags["标签代码"] == "E2_KEEP", "客户号"]) == ["M1", "M3", "M4"]


def test_gain_needs_enough_merchants_per_star():
    """升一星预期日均增量 = median(star + 1) − median(star) only where both stars have ≥ 增量最小分组 merchants with
    结算户日均. The hand bank plus M11 ★5 (500,000 / 1,000 / 400,000) and M12 ★4 (220,000 / 500 / 60,000): merchants
    with 日均 per star 无星 1 · ★1 1 · ★2 1 · ★3 1 (M10) · ★4 2 (M2 250,000, M12 60,000: median 155,000) · ★5 2 (M1
    300,000, M11 400,000: median 350,000).
    * 增量最小分组 2 (= the ★4/★5 counts): ★4 → ★5 = 350,000 − 155,000 = 195,000; every other gain blank (a group of
      1); the 升星 list's M10 (★3 → ★4) and M5 (★1 → ★2) get a blank gain and no 升星预期 text, M2 (★4) 195,000.
    * 3: every gain blank; the headline figure is blank and says the 3 listed merchants are left out.
    * default 30 on the hand bank alone: all blank; 存款贡献 names every star with its count (无星 1 户 …)."""
    t = bank()
    extra = pd.DataFrame([(m, pd.Timestamp(ym + "-01"), *v) for m, v in
                          (("M11", (500_000.0, 1000, 400_000.0)), ("M12", (220_000.0, 500, 60_000.0)))
                          for ym in MONTHS], columns=["mch_id", "month", "amount", "txn_count", "settle_avg"])
    t["merchant_monthly"] = pd.concat([t["merchant_monthly"], extra.astype({"mch_id": "string", "txn_count": "Int64"})],
                                      ignore_index=True)
    m = pd.DataFrame({"mch_id": ["M11", "M12"], "mch_name": ["商户M11", "商户M12"], "org_id": ["N1", "N2"],
                      "mgr_id": ["E1", "E2"], "open_date": pd.to_datetime(["2020-01-01"] * 2),
                      "status": ["正常", "正常"], "legal_id": [None, None]}).astype(t["merchants"].dtypes.to_dict())
    t["merchants"] = pd.concat([t["merchants"], m], ignore_index=True)
    col = "升一星预期日均增量(元)"
    rep = execute("E2", t, {"min_star_group": 2}, as_of=AS_OF)
    dep = rep.tables()["e2_deposit"].df.set_index("星级")
    assert dep["有存款数据"].tolist() == [1, 1, 1, 1, 2, 2]
    assert dep.loc[["★4", "★5"], "结算户日均中位数(元)"].tolist() == [155_000, 350_000]
    gain = dep[col]
    assert gain["★4"] == 195_000 and gain.drop("★4").isna().all()
    up = rep.tables()["e2_upgrade_list"].df.set_index("客户号")
    assert up.loc["M2", "升星预期日均增量(元)"] == 195_000 and "+195,000 元" in up.loc["M2", "原因"]
    assert up.loc[["M10", "M5"], "升星预期日均增量(元)"].isna().all()
    assert not up.loc[["M10", "M5"], "原因"].str.contains("升星预期").any()

    rep = execute("E2", t, {"min_star_group": 3}, as_of=AS_OF)
    assert rep.tables()["e2_deposit"].df[col].isna().all()
    fig = {f.label: f for f in rep.headline.figures}["升星预期日均增量"]
    assert fig.value is None and "3 户未计入" in fig.note

    rep = execute("E2", bank(), as_of=AS_OF)
    assert rep.tables()["e2_deposit"].df[col].isna().all()
    lines = [x for b in rep.sheets if b.name == "存款贡献" for blk in b.blocks if hasattr(blk, "lines")
             for x in blk.lines]
    assert any("少于 30 户的星级(无星 1 户、★1 1 户、★2 1 户、★3 1 户、★4 1 户、★5 1 户)" in x for x in lines)


def test_calibration_once_from_quantiles_then_saved_as_parameters():
    """40 merchants with 月均交易额 1..40 万 (笔数 10..400, 日均 0.1..4 万): quantiles 5/20/50/80% of 1..40 (numpy
    linear) = 2.95, 8.8, 20.5, 32.2 万 -> 29,500 / 88,000 / 205,000 / 322,000 元; 日均 20/50/80% = 8,800 / 20,500 /
    32,200; 笔数 5% = 29.5 -> 30 (round half to even). The report carries them as 参数 rows with 校准 = 否; the
    default run never calibrates."""
    ids = [f"K{i:02d}" for i in range(1, 41)]
    rows = [(k, pd.Timestamp(f"2026-{m:02d}-01"), i * 10_000.0, i * 10, i * 1_000.0)
            for i, k in enumerate(ids, 1) for m in range(7, 12)]
    mm = pd.DataFrame(rows, columns=["mch_id", "month", "amount", "txn_count", "settle_avg"]).astype(
        {"mch_id": "string", "txn_count": "Int64"})
    rep = execute("E2", {"merchant_monthly": mm}, {"calibrate": "是"}, as_of=AS_OF)
    th = rep.tables()["e2_thresholds"].df.set_index("星级")
    assert th["月均交易额下限(元)"].tolist()[1:] == [29_500, 88_000, 205_000, 322_000]
    assert th["结算户日均下限(元)"].tolist()[2:] == [8_800, 20_500, 32_200] and th.loc["★2", "月均笔数下限"] == 30
    cal = rep.tables()["e2_calibrated"].df.set_index("参数")["取值"]
    assert cal["calibrate"] == "否" and cal["amount_edges"] == "29500、88000、205000、322000"
    # the saved rows read back as parameters give the same stars without calibrating
    from bankxl.scenario import make_params, registry

    fixed = make_params(registry()["ebank.merchant_stars"].params, dict(cal))
    again = execute("E2", {"merchant_monthly": mm}, fixed, as_of=AS_OF)
    a = rep.tables()["e2_detail"].df["本月星级"].tolist()
    assert again.tables()["e2_detail"].df["本月星级"].tolist() == a
    assert a.count("★5") == 8 and a.count("★1") == 2  # 1 and 2 万 < 2.95 万; 33..40 万 ≥ 32.2 万
    plain = execute("E2", {"merchant_monthly": mm}, as_of=AS_OF)
    assert "e2_calibrated" not in plain.tables()
    assert plain.tables()["e2_thresholds"].df["月均交易额下限(元)"].tolist()[1:] == [10_000, 50_000, 200_000, 500_000]


@pytest.mark.parametrize("name,value", [("amount_edges", "10000,5000,200000,500000"),
                                        ("deposit_edges", "10000,50000"), ("near_up", "0.9"),
                                        ("rights", '[["★1", "a", "b", "c", "d"]]'), ("closed_status", "(")])
def test_bad_parameter_stops_before_reading(name, value):
    with pytest.raises(ParameterError):
        run_scenario("ebank.merchant_stars", [Path("never_read.xlsx")], None, params={name: value}, as_of=AS_OF)


def test_sample_bank_has_every_star():
    """The sample bank's merchants reach every star (★5: the planted large merchants), 无星, new and closed."""
    from bankxl.sample import make_sample_bank

    b = make_sample_bank(customers=2000)
    rep = execute("E2", {k: b[k] for k in ("merchants", "merchant_monthly")}, as_of=AS_OF)
    states = set(rep.tables()["e2_detail"].df["本月星级"])
    assert {"★5", "★4", "★3", "★2", "★1", "无星", "新商户", "已注销"} <= states
    assert len(rep.tables()["e2_upgrade_list"].df) > 0 and len(rep.tables()["e2_keep_list"].df) > 0
