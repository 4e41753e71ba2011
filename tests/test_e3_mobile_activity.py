"""E3 手机银行活跃 vs 存款; 授信未用 (bankxl.scenarios.ebank.mobile_activity): values computed by hand.

The bank (data date Mon 2026-11-30, window Sep–Nov 2026, defaults unless said):

====  =====================  ================  ===============  =========================================
cust  登录 Sep/Oct/Nov         动账 Sep/Oct/Nov   存款月日均 (元)    note
====  =====================  ================  ===============  =========================================
C1    10 / 8 / 6 (avg 8)     2 / 2 / 2 (2)     100k ×3          高活 by logins (8 ≥ 8), 中活 by 动账
C2    3 / 2 / 1 (avg 2)      5 / 4 / 3 (4)     50k/60k/70k      中活 (2 ≥ 2) by logins, 高活 (4 ≥ 4) by 动账
C3    0 / 0 / 1 (1/3)        0 / 0 / 0         30k/30k/blank    低活 by logins, 沉默 by 动账; 存款 30k (known months)
C4    0 / 0 / 0              1 / 0 / 0 (1/3)   10k ×3           沉默 by logins, 低活 by 动账
C5    5 / — / 5              1 / — / 1         80k ×3           October missing -> 未知 (缺月不补 0)
C6    no rows                                  20k ×3           客户.手机银行签约 = 否 -> 未签约
C7    no rows                                  40k ×3           客户.手机银行签约 = 是 -> 未知 (not 沉默)
C8    0 / 0 / 0, 已解约                         5k ×3            latest 签约状态 已解约 -> 未签约
C9    — / 4 / 6 (avg 5)      — / 1 / 2 (1.5)   200k ×3          签约 2026-10-15: 中活 by logins, 低活 by 动账
C10   9 / 9 / 9                                1M ×3            客户状态 销户 -> left out
====  =====================  ================  ===============  =========================================
"""
from __future__ import annotations

from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
import pytest

from bankxl import io as bio
from bankxl.errors import ParameterError
from bankxl.runner import execute, run_scenario

AS_OF = "2026-11-30"
SEP, OCT, NOV = "2026-09-01", "2026-10-01", "2026-11-01"
K = "万元"


def _bank(parts: bool = False) -> dict[str, pd.DataFrame]:
    act = [  # cust, month, logins, txn, status, signup
        ("C1", SEP, 10, 2), ("C1", OCT, 8, 2), ("C1", NOV, 6, 2),
        ("C2", SEP, 3, 5), ("C2", OCT, 2, 4), ("C2", NOV, 1, 3),
        ("C3", SEP, 0, 0), ("C3", OCT, 0, 0), ("C3", NOV, 1, 0),
        ("C4", SEP, 0, 1), ("C4", OCT, 0, 0), ("C4", NOV, 0, 0),
        ("C5", SEP, 5, 1), ("C5", NOV, 5, 1),
        ("C8", SEP, 0, 0), ("C8", OCT, 0, 0), ("C8", NOV, 0, 0),
        ("C9", OCT, 4, 1), ("C9", NOV, 6, 2),
        ("C10", SEP, 9, 0), ("C10", OCT, 9, 0), ("C10", NOV, 9, 0),
    ]
    mb = pd.DataFrame(act, columns=["cust_id", "month", "logins", "txn_count"])
    mb["month"] = pd.to_datetime(mb["month"])
    mb["signup_status"] = np.where(mb["cust_id"] == "C8", "已解约", "已签约")
    mb["signup_date"] = pd.to_datetime(np.where(mb["cust_id"] == "C9", "2026-10-15", "2024-01-01"))
    if parts:  # C1 in November: 6 logins, 1 transfer, 1 payment, 0 purchases, 1 draw
        for c in ("transfers", "payments", "wm_buys", "loan_draws"):
            mb[c] = 0
        mb.loc[(mb["cust_id"] == "C1") & (mb["month"] == NOV), ["transfers", "payments", "loan_draws"]] = 1
    dep = {"C1": (100e3,) * 3, "C2": (50e3, 60e3, 70e3), "C3": (30e3, 30e3, np.nan), "C4": (10e3,) * 3,
           "C5": (80e3,) * 3, "C6": (20e3,) * 3, "C7": (40e3,) * 3, "C8": (5e3,) * 3, "C9": (200e3,) * 3,
           "C10": (1e6,) * 3}
    cm = pd.DataFrame([(c, m, v) for c, vs in dep.items() for m, v in zip((SEP, OCT, NOV), vs)],
                      columns=["cust_id", "month", "dep_avg"])
    cm["month"] = pd.to_datetime(cm["month"])
    ids = [f"C{i}" for i in range(1, 11)]
    customers = pd.DataFrame({"cust_id": ids, "cust_name": [f"客户{i}" for i in range(1, 11)],
                              "mobile_banking": [True, True, True, True, True, False, True, True, True, True],
                              "cust_status": ["正常"] * 9 + ["销户"], "org_id": ["001"] * 10})
    lines = [  # line, cust, limit, used, start, end, status
        ("L1", "C1", 100_000, 0, "2026-01-10", "2027-01-20", "正常"),
        ("L2", "C3", 50_000, 4_000, "2025-06-01", "2026-12-03", "正常"),
        ("L3a", "C4", 200_000, 0, "2025-01-01", "2027-12-31", "正常"),
        ("L3b", "C4", 100_000, 5_000, "2025-05-01", "2028-06-30", "正常"),
        ("L4", "C2", 80_000, 0, "2026-11-15", "2027-11-15", "正常"),       # 15 days old: not judged yet
        ("L5", "C2", 60_000, 30_000, "2025-01-01", "2027-06-30", "正常"),  # 50% used
        ("L6", "C6", 70_000, 0, "2024-03-01", "2027-03-01", "正常"),
        ("L7", "C7", 90_000, 0, "2025-01-01", "2027-06-30", "冻结"),
        ("L8", "C9", 30_000, np.nan, "2025-01-01", "2027-06-30", "正常"),  # 已用 blank: unknown
        ("L9", "C10", 50_000, 0, "2025-01-01", "2027-06-30", "正常"),      # closed customer
        ("L10", "C5", 40_000, 0, "2025-01-01", None, "正常"),              # no 到期日
        ("L11", "C9", 20_000, 0, "2025-01-01", "2027-06-30", "正常"),      # 中活: App unless app_tiers = high
    ]
    cl = pd.DataFrame(lines, columns=["line_id", "cust_id", "limit", "used", "start_date", "end_date", "status"])
    cl["product"] = "消费额度"
    for c in ("start_date", "end_date"):
        cl[c] = pd.to_datetime(cl[c])
    return {"mobile_banking_monthly": mb, "customer_monthly": cm, "customers": customers, "credit_lines": cl}


def _run(params=None, parts=False):
    return execute("ebank.mobile_activity", _bank(parts), params, as_of=AS_OF, scale=10_000)


@pytest.fixture(scope="module")
def report():
    return _run()


def _detail(r) -> pd.DataFrame:
    return r.tables()["e3_detail"].df.set_index("客户号")


@pytest.mark.golden("ebank.mobile_activity")
def test_tiers_active_flags_medians_and_spearman_by_hand(report):
    d = _detail(report)
    assert "C10" not in d.index  # 销户: left out
    assert d["活跃层级"].to_dict() == {"C1": "高活", "C2": "中活", "C3": "低活", "C4": "沉默", "C5": "未知",
                                   "C6": "未签约", "C7": "未知", "C8": "未签约", "C9": "中活"}
    assert d.loc["C9", "月均登录次数"] == 5.0 and d.loc["C3", "月均登录次数"] == pytest.approx(0.33)
    # November 月活 (登录 ≥ 1): C7 has no row -> blank (unknown); 未签约 -> 否
    assert d["本月月活"].to_dict() == {"C1": "是", "C2": "是", "C3": "是", "C4": "否", "C5": "是", "C6": "否",
                                   "C7": "", "C8": "否", "C9": "是"}
    assert d.loc["C3", "存款日均(元)"] == 30_000  # the blank November is not a 0
    t = report.tables()["e3_tiers"].df.set_index("层级")
    assert t["客户数"].tolist() == [1, 2, 1, 1, 2, 2]
    assert t["存款日均中位数(元)"].tolist() == [100_000, 130_000, 30_000, 10_000, 12_500, 60_000]
    assert t.loc["中活", "占比(分层客户)"] == pytest.approx(2 / 5) and pd.isna(t.loc["未知", "占比(分层客户)"])
    assert t.loc["高活", "月均登录次数"] == 8.0 and pd.isna(t.loc["未签约", "月均登录次数"])  # C8's zeros: not usage
    # Spearman over C1 C2 C3 C4 C9: logins 8, 2, 1/3, 0, 5 vs deposits 100k 60k 30k 10k 200k -> ranks differ only
    # for C1 (5 vs 4) and C9 (4 vs 5): Σd² = 2, ρ = 1 − 6·2 / (5·24) = 0.9
    rho = report.headline.figures[2]
    assert rho.value == pytest.approx(0.9) and "5 户" in rho.note
    # 月活: November 5 of 6 rows (C1 C2 C3 C5 C9; C4 not; C8 已解约 and C10 销户 not counted); October 3 of 5
    mau = report.tables()["e3_mau"].df.set_index("月份")
    assert mau.loc["2026-11", ["有数据客户数", "月活客户数"]].tolist() == [6, 5]
    assert mau.loc["2026-10", ["有数据客户数", "月活客户数"]].tolist() == [5, 3]
    f0 = report.headline.figures[0]
    assert (f0.value, f0.compare) == (5, 3)
    f1 = report.headline.figures[1]
    assert (f1.value, f1.compare) == (100_000, 10_000)
    tags = report.tables()["customer_tags"].df
    tier_tags = tags[tags["标签代码"] == "E3_TIER"].set_index("客户号")["标签等级"].to_dict()
    assert tier_tags == {"C1": "高活", "C2": "中活", "C3": "低活", "C4": "沉默", "C6": "未签约", "C8": "未签约",
                         "C9": "中活"}  # 未知 customers are not tagged


def test_tiers_by_transactions_and_active_by_transactions():
    r = _run({"tier_basis": "txn", "active_basis": "txn"})
    d = _detail(r)
    assert d["活跃层级"].to_dict() == {"C1": "中活", "C2": "高活", "C3": "沉默", "C4": "低活", "C5": "未知",
                                   "C6": "未签约", "C7": "未知", "C8": "未签约", "C9": "低活"}
    # 动账 ≥ 1 in November: C1 2, C2 3, C3 0, C4 0, C5 1, C9 2
    assert d["本月月活"].to_dict() == {"C1": "是", "C2": "是", "C3": "否", "C4": "否", "C5": "是", "C6": "否",
                                   "C7": "", "C8": "否", "C9": "是"}
    # ranks of 动账 2, 4, 0, 1/3, 1.5 (C1 C2 C3 C4 C9) vs deposits: d = 0, 2, −1, 1, −2 -> Σd² = 10, ρ = 1 − 60/120
    assert r.headline.figures[2].value == pytest.approx(0.5)
    # either: the better tier, known when both are: C1 高活, C2 高活, C3 低活, C4 低活, C9 中活
    e = _detail(_run({"tier_basis": "either"}))
    assert e.loc[["C1", "C2", "C3", "C4", "C9", "C5"], "活跃层级"].tolist() == ["高活", "高活", "低活", "低活", "中活", "未知"]


def test_structure_and_points_methods_by_hand(report):
    s = report.tables()["e3_structure"].df.set_index("层级")
    # 5 tiered customers, target 25/35/20/20% -> 1.25, 1.75, 1, 1; Δ = +0.25, −0.25, 0, 0
    assert s["目标客户数"].tolist() == [1.25, 1.75, 1.0, 1.0]
    # +0.25 × 100,000 − 0.25 × 130,000 = −7,500 元 (the headline in 万元)
    assert s["预期存款变化(元)"].sum() == pytest.approx(-7_500)
    assert report.headline.figures[3].value == pytest.approx(-0.75)
    # points without parts: 登录 + 2 × 动账 (动账 at the 转账 weight): C1 12, C2 10, C3 1/3, C4 2/3, C9 (6 + 10)/2 = 8
    d = _detail(report)
    assert d.loc[["C1", "C2", "C3", "C4", "C9"], "月均积分"].tolist() == [12.0, 10.0, 0.3, 0.7, 8.0]
    b = report.tables()["e3_points"].df.set_index("积分档(分/月)")
    # <10: C3 30k, C4 10k, C9 200k -> 30k; 10–30: C1 100k, C2 60k -> 80k; gain 50k
    assert b.loc["<10", "存款日均中位数(元)"] == 30_000 and b.loc["10–30", "存款日均中位数(元)"] == 80_000
    assert b.loc["<10", "升一档预期增量(元)"] == 50_000
    push = report.tables()["e3_points_push"].df
    # only C9: 8 ≥ (1 − 20%) × 10 (edge with 等号); score 8/10 × 100 = 80 -> B (A ≥ 90)
    assert push["客户号"].tolist() == ["C9"] and push["得分"].tolist() == [80.0] and push["等级"].tolist() == ["B"]
    assert push["差距(分)"].tolist() == [2.0] and push["建议动作"].iloc[0] == "App 推送积分任务(差 2.0 分), 月末回看"
    assert "15,000 元" in " ".join(report.sheet("提升测算").blocks[2].lines)  # 30% × 50,000


def test_points_from_parts():
    d = _detail(_run(parts=True))
    # C1: Sep 10, Oct 8 (logins only, parts 0), Nov 6 + 2·1 + 2·1 + 5·1 = 15 -> (10 + 8 + 15) / 3 = 11
    assert d.loc["C1", "月均积分"] == 11.0


def test_unused_credit_list_order_reasons_and_due_dates(report):
    lst = report.tables()["e3_unused_credit"].df
    # C1 80 (expires in 51 days + never drawn), C3 60 (in 3 days, 8% used); B: C6 20 (70k), C5 20 (40k),
    # C9 20 (20k; its other line's 已用 is blank: that line is unknown), C4 0 (295k: two lines, 5k drawn)
    assert lst["客户号"].tolist() == ["C1", "C3", "C6", "C5", "C9", "C4"]
    assert lst["得分"].tolist() == [80.0, 60.0, 20.0, 20.0, 20.0, 0.0]
    assert lst["等级"].tolist() == ["A", "A", "B", "B", "B", "B"]
    assert lst["未用额度(元)"].tolist() == [100_000, 46_000, 70_000, 40_000, 20_000, 295_000]
    # 高活 C1 and 中活 C9 by App, the others (低活, 未签约, 未知, 沉默) by a call
    assert lst["建议动作"].str.split(":").str[0].tolist() == ["App 推送", "电话外呼", "电话外呼", "电话外呼", "App 推送",
                                                          "电话外呼"]
    # A: 3 working days -> Thu 12-03; C3's line ends 12-03 -> the working day before: Wed 12-02; B: 10 -> Mon 12-14
    assert lst["截止日"].dt.strftime("%Y-%m-%d").tolist() == ["2026-12-03", "2026-12-02"] + ["2026-12-14"] * 4
    assert lst["原因"].iloc[0] == "额度 2027-01-20 到期(剩 51 天)；授信后未支用(已用 0 元)；手机银行高活(App 推送)"
    assert lst["原因"].iloc[1] == "额度 2026-12-03 到期(剩 3 天)；使用率 8.0%；手机银行低活(电话外呼)"
    assert lst["建议动作"].iloc[0] == "App 推送: 额度 2027-01-20 到期, 到期前提醒用信或续授信(未用 100,000 元)"
    # C5: no 到期日 and activity unknown -> both not computed, not scored 0 silently
    assert lst.set_index("客户号").loc["C5", "未计算因素"] == "授信到期日、手机银行活跃度"
    figs = report.headline.figures
    assert (figs[4].value, figs[5].value) == (6, 2)
    assert report.headline.actions == "e3_unused_credit"
    line = next(n for n in report.notes if n.startswith("授信 12 笔"))
    assert "冻结/失效等状态 1 笔" in line and "授信不满 30 天 1 笔" in line and "(未知, 不列入) 1 笔" in line
    assert "客户已剔除 1 笔" in line and "列入 7 笔" in line
    tags = report.tables()["customer_tags"].df
    assert sorted(tags.loc[tags["标签代码"] == "E3_UNUSED_CREDIT", "客户号"]) == ["C1", "C3", "C4", "C5", "C6", "C9"]


def test_app_for_high_only_and_no_credit_table():
    lst = _run({"app_tiers": "high"}).tables()["e3_unused_credit"].df
    assert lst.set_index("客户号")["建议动作"].str.split(":").str[0].to_dict() == {
        "C1": "App 推送", "C3": "电话外呼", "C6": "电话外呼", "C5": "电话外呼", "C9": "电话外呼", "C4": "电话外呼"}
    t = _bank()
    del t["credit_lines"]
    r = execute("ebank.mobile_activity", t, as_of=AS_OF)
    assert r.tables()["e3_unused_credit"].df.empty and r.headline.figures[4].value is None
    assert any("未提供授信表" in n for n in r.notes)


@pytest.mark.parametrize("bad", [{"mid_logins": 8}, {"tier_basis": "clicks"}, {"target_structure": "30,30,30,30"},
                                 {"point_weights": "1,2,3"}, {"line_inactive": "冻结("}])
def test_bad_parameter_fails_before_load(bad):
    def refuse(*a, **k):
        raise AssertionError("input read before the parameters were checked")

    with mock.patch.object(bio, "read_tables", refuse), pytest.raises(ParameterError) as e:
        run_scenario("ebank.mobile_activity", [Path("never_read.xlsx")], None, params=bad, as_of=AS_OF)
    assert next(iter(bad)) in str(e.value)


def test_spearman_with_ties_by_hand():
    from bankxl.scenarios.ebank.mobile_activity.compute import spearman

    # x ranks 1, 2.5, 2.5, 4 (tie shares the mean rank), y ranks 1..4; the NaN pair is dropped:
    # cov = 1.5·1.5 + 0 + 0 + 1.5·1.5 = 4.5, Σdx² = 4.5, Σdy² = 5 -> ρ = 4.5 / √(4.5 · 5) = 0.948683
    x = pd.Series([1.0, 2.0, 2.0, 3.0, np.nan])
    y = pd.Series([10.0, 20.0, 30.0, 40.0, 50.0])
    rho, n = spearman(x, y)
    assert n == 4 and rho == pytest.approx(4.5 / (4.5 * 5) ** 0.5)
    assert spearman(x.head(2), y.head(2)) == (None, 2)  # fewer than 3 pairs
    assert spearman(pd.Series([1.0, 1.0, 1.0]), y.head(3))[0] is None  # a constant variable


def test_sample_bank_has_every_tier_and_list_case():
    from bankxl.sample import make_sample_bank

    bank = make_sample_bank()
    tables = {k: bank[k] for k in ("mobile_banking_monthly", "customer_monthly", "customers", "credit_lines")}
    r = execute("ebank.mobile_activity", tables, as_of=AS_OF)
    tiers = r.tables()["e3_tiers"].df.set_index("层级")["客户数"]
    assert (tiers > 0).all(), tiers.to_dict()  # 高活 中活 低活 沉默 未签约 未知
    lst = r.tables()["e3_unused_credit"].df
    assert set(lst["等级"]) == {"A", "B"} and lst["未计算因素"].notna().any()
    assert lst["原因"].str.contains("已用 0 元").any() and lst["原因"].str.contains("使用率").any()
    assert set(lst["建议动作"].str.split(":").str[0]) == {"App 推送", "电话外呼"}
    line = next(n for n in r.notes if n.startswith("授信 "))
    for part in ("冻结/失效等状态 0 笔", "授信不满 30 天 0 笔", "(未知, 不列入) 0 笔"):
        assert part not in line  # frozen/expired, young and unknown lines all occur
    assert len(r.tables()["e3_points_push"].df) > 0


def test_customer_ids_are_trimmed_once_per_distinct_value():
    """The monthly rows find their customer by the trimmed 客户号, the trim done per distinct value: ' C1' and 'C1 '
    are C1 (position 0), a blank or unknown 客户号 is -1; the distinct trimmed ids leave missing values out."""
    from bankxl.scenarios.ebank.mobile_activity import _codes, _distinct_ids
    vals = pd.Series([" C1", "C2", "C1 ", None, "C9", "C2", ""], dtype="string")
    assert _codes(vals, pd.Index(["C1", "C2"], dtype="string")).tolist() == [0, 1, 0, -1, -1, 1, -1]
    assert sorted(_distinct_ids(vals).tolist()) == ["", "C1", "C1", "C2", "C9"]
    assert _codes(pd.Series([None, None], dtype="string"), pd.Index(["C1"], dtype="string")).tolist() == [-1, -1]
