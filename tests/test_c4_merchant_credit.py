"""C4 收单商户信贷营销 on nine hand-made merchants whose stability, admission, limits and list are computed by hand.

Data date Mon 2026-11-30 (a month end): stability over Jun–Nov 2026, 年交易额 over Dec 2025–Nov 2026. Rows
Dec 2025–Nov 2026 with the same 金额 each month unless said; 入网 2020-01-01. Constant months give E1 level 正常
(Nov 100,000/30 = 3,333.3 a day vs the mean of Aug/Sep/Oct 3,261.6: r < 0). Limit = min(μ × 3, 年 × 30%,
500,000), rounded down to 1,000 元. Loans: L1 a current loan (状态 C), L6 overdue (状态 D, 45 天).

====  ======================================  =================================  ===============================
id    monthly 金额 (元)                        stability / level / legal person    admission · limit (binding rule)
====  ======================================  =================================  ===============================
A1    100,000                                 CV 0, 正常, L1 (loan, not overdue)  是 · 300,000 (μ × 3; 年 × 30% = 360,000)
A2    Dec–May 10,000, Jun–Nov 200,000         CV 0, 正常, L2 (no loan here)       是 · 378,000 (年 1,260,000 × 30%; μ×3 = 600,000)
A3    300,000                                 CV 0, no legal ID, valid USCC       待核实 · 500,000 (产品上限)
A4    40,000                                  legal L4 (18 digits)                是 ┐ one borrower (L4): μ 70,000 → 210,000
A5    30,000 (= 3 万 edge)                    legal L4 as 15 digits               是 ┘ (μ × 3; 年 840,000 × 30% = 252,000)
A6    50,000 / 150,000 alternating            CV 0.50 (= edge: stable), L6        否: 法人在本行有逾期贷款
A7    40,000 / 160,000 alternating            CV 0.60 > 0.5, min 40%, bad USCC    否: 交易不稳定
A8    100,000, Nov 40,000                     μ 90,000, CV 0.248, r 59.1% → 二级   否: 预警等级二级
A9    入网 2026-03-01, rows Mar–Nov 100,000   stable                             否: 入网不满 12 个月
====  ======================================  =================================  ===============================

Scores (50 × limit / 500,000 + 30 × (1 − CV / 0.5) + 10 if rising): A3 50 + 30 = 80 A · A2 37.8 + 30 = 67.8 A ·
A1 30 + 30 = 60 A · A4 (+A5) 21 + 30 = 51 B.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bankxl.errors import ParameterError
from bankxl.runner import execute, run_scenario

AS_OF = "2026-11-30"
MONTHS = list(pd.period_range("2025-12", "2026-11", freq="M"))
L1, L2, L6 = "11010519491231002X", "360426199101010071", "110105198001010032"
L4_18, L4_15 = "34052419800101001X", "340524800101001"
USCC_OK, USCC_BAD = "91350100M000100Y43", "91350100M000100Y44"


def _amounts() -> dict[str, dict[pd.Period, float]]:
    d = {m: {p: v for p in MONTHS} for m, v in (("A1", 100_000.0), ("A3", 300_000.0), ("A4", 40_000.0),
                                                  ("A5", 30_000.0), ("A8", 100_000.0))}
    d["A2"] = {p: (10_000.0 if p < pd.Period("2026-06", "M") else 200_000.0) for p in MONTHS}
    d["A6"] = {p: (50_000.0 if i % 2 == 0 else 150_000.0) for i, p in enumerate(MONTHS)}
    d["A7"] = {p: (40_000.0 if i % 2 == 0 else 160_000.0) for i, p in enumerate(MONTHS)}
    d["A8"][pd.Period("2026-11", "M")] = 40_000.0
    d["A9"] = {p: 100_000.0 for p in MONTHS if p >= pd.Period("2026-03", "M")}
    return d


def monthly() -> pd.DataFrame:
    rows = [(m, p.to_timestamp(), max(int(v // 100), 1), v) for m, ms in _amounts().items() for p, v in ms.items()]
    df = pd.DataFrame(rows, columns=["mch_id", "month", "txn_count", "amount"])
    return df.astype({"mch_id": "string", "txn_count": "Int64"})


def merchants() -> pd.DataFrame:
    ids = [f"A{i}" for i in range(1, 10)]
    legal = {"A1": L1, "A2": L2, "A4": L4_18, "A5": L4_15, "A6": L6}
    df = pd.DataFrame({
        "mch_id": ids, "mch_name": [f"商户{i}" for i in ids], "mcc": ["5812"] * 9,
        "org_id": ["N1"] * 5 + ["N2"] * 4, "mgr_id": ["E1"] * 5 + ["E2"] * 4,
        "open_date": pd.to_datetime(["2026-03-01" if i == "A9" else "2020-01-01" for i in ids]),
        "status": ["正常"] * 9, "legal_id": [legal.get(i) for i in ids],
        "uscc": [USCC_OK if i == "A3" else (USCC_BAD if i == "A7" else None) for i in ids]})
    return df.astype({c: "string" for c in ("mch_id", "mch_name", "mcc", "org_id", "mgr_id", "status", "legal_id",
                                            "uscc")})


def loans() -> pd.DataFrame:
    df = pd.DataFrame({"loan_id": ["K1", "K6", "K9"], "cust_id": ["C1", "C6", "C9"], "id_no": [L1, L6, None],
                       "start_date": pd.to_datetime(["2025-01-01"] * 3), "status": ["C", "D", "D"],
                       "overdue_days": [0, 45, 10]})
    return df.astype({"loan_id": "string", "cust_id": "string", "id_no": "string", "status": "string",
                      "overdue_days": "Int64"})


def bank(with_loans: bool = True) -> dict:
    b = {"merchant_monthly": monthly(), "merchants": merchants()}
    if with_loans:
        b["loans"] = loans()
    return b


@pytest.fixture(scope="module")
def report():
    return execute("credit.merchant_credit", bank(), as_of=AS_OF)


@pytest.mark.golden("credit.merchant_credit")
def test_stability_admission_limits_and_list_by_hand(report):
    """Golden case: the stability metrics, the E1 level, each admission condition (edges with 等号), each limit
    rule binding once, the chain borrower (15- and 18-digit legal IDs), unknown overdue (no legal ID)."""
    T = report.tables()
    det = T["c4_detail"].df.set_index("商户号")
    assert det["准入"].to_dict() == {"A1": "是", "A2": "是", "A3": "待核实", "A4": "是", "A5": "是", "A6": "否",
                                    "A7": "否", "A8": "否", "A9": "否"}
    assert det.loc["A6", "变异系数"] == pytest.approx(0.5) and det.loc["A6", "稳定"] == "是"
    assert det.loc["A6", "原因"] == "法人在本行有逾期贷款"
    assert det.loc["A7", "原因"] == "交易不稳定(活跃 6/6 月, CV 0.60, 最低月/均值 40%)"
    assert det.loc["A8", "近6月月均交易额(元)"] == 90_000 and det.loc["A8", "预警等级"] == "二级"
    assert det.loc["A8", "变异系数"] == pytest.approx(np.sqrt(5e8) / 90_000)  # σ² = (5 × 10,000² + 50,000²) / 6
    assert det.loc["A8", "斜率/均值"] == pytest.approx(-150_000 / 17.5 / 90_000)
    # slope = Σ t·v / Σ t² with t = −2.5 … 2.5: 100,000 × (−2.5) + 40,000 × 2.5 = −150,000; Σ t² = 17.5
    assert det.loc["A9", "原因"] == "入网不满 12 个月" and det.loc["A3", "法人无逾期"] == "未知"
    assert det.loc["A2", "年交易额(元)"] == 1_260_000 and det.loc["A4", "借款主体"] == "法人证件"
    assert det.loc["A3", "借款主体"] == "信用代码" and det.loc["A7", "借款主体"] == "商户号"  # bad USCC not used

    lst = T["c4_list"].df
    assert lst["客户号"].tolist() == ["A3", "A2", "A1", "A4"]
    assert lst["参考额度(元)"].tolist() == [500_000, 378_000, 300_000, 210_000]
    assert lst["约束规则"].tolist() == ["产品上限", "年交易额×比例", "月均交易额×倍数", "月均交易额×倍数"]
    assert lst["得分"].tolist() == [80.0, 67.8, 60.0, 51.0] and lst["等级"].tolist() == ["A", "A", "A", "B"]
    assert lst["商户数"].tolist() == [1, 1, 1, 2] and lst["近6月月均交易额(元)"].iloc[3] == 70_000
    assert lst["未计算因素"].fillna("").tolist() == ["法人本行逾期", "", "", ""]
    assert lst["建议动作"].iloc[0] == "客户经理上门营销商户贷, 参考额度 500,000 元(先核实法人本行无逾期)"
    assert lst["原因"].iloc[3] == (  # by points: stability 30 > limit 21 > chain 0
        "近 6 月交易稳定(CV 0.00)；参考额度 210,000 元(约束: 月均交易额×倍数)；连锁: 按法人证件合并 2 家商户")
    assert lst["截止日"].dt.strftime("%Y-%m-%d").tolist() == ["2026-12-07"] * 3 + ["2026-12-14"]
    assert lst["法人证件号码(脱敏)"].iloc[3] == "340524********001X"


def test_funnel_tasks_headline_and_problems(report):
    """Funnel 9 → 8 (A9) → 7 (A7) → 7 → 6 (A8) → 4 verified (A6 overdue, A3 待核实) + 1 pending; tasks per manager;
    headline figures; the bad 统一社会信用代码 (stdnum agrees) is a VALUE_INVALID row problem."""
    import stdnum.cn.uscc as uscc

    assert uscc.is_valid(USCC_OK) and not uscc.is_valid(USCC_BAD)  # the second method agrees with the sample
    assert report.tables()["c4_funnel"].df["商户数"].tolist() == [9, 8, 7, 7, 6, 4, 1]
    tasks = report.tables()["c4_tasks"].df
    assert tasks[["客户经理", "可营销户数", "A", "B", "待核实逾期"]].values.tolist() == [["E1", 4, 3, 1, 1]]
    assert tasks["参考额度合计(万元)"].tolist() == [138.8]
    vals = [f.value for f in report.headline.figures]
    assert vals == [9, 8, 4, pytest.approx(138.8), 1]
    probs = report.problems.to_frame()
    assert probs["问题码"].tolist() == ["VALUE_INVALID"] and probs["原值"].tolist() == [USCC_BAD]
    tags = report.tables()["customer_tags"].df
    assert sorted(tags["客户号"]) == ["A1", "A2", "A3", "A4"] and set(tags["标签代码"]) == {"C4_MERCHANT_LOAN"}


def test_without_loans_overdue_is_unknown_not_met():
    """No 贷款 table: the legal persons' overdue status is unknown — A1, A2, A4, A5 and also A6 (whose loan is
    overdue, which the bank cannot see without the table) are 待核实, listed with the factor flagged, never 是."""
    rep = execute("C4", bank(with_loans=False), as_of=AS_OF)
    det = rep.tables()["c4_detail"].df.set_index("商户号")
    assert det.loc[["A1", "A2", "A3", "A4", "A5", "A6"], "准入"].tolist() == ["待核实"] * 6
    lst = rep.tables()["c4_list"].df
    assert set(lst["未计算因素"]) == {"法人本行逾期"} and len(lst) == 5
    assert any("未提供贷款表" in n for n in rep.notes)


@pytest.mark.parametrize("name,value", [("cv_max", "-1"), ("max_warning", "5"), ("drop_edges", "0.5,0.3,0.8"),
                                        ("strategy", '[["A", "{nope}", 5], ["B", "x", 10], ["C", "y", 20]]')])
def test_bad_parameter_stops_before_reading(name, value):
    with pytest.raises(ParameterError):
        run_scenario("credit.merchant_credit", [Path("never_read.xlsx")], None, params={name: value}, as_of=AS_OF)


def test_sample_bank_populates_every_case():
    """On the sample bank: admitted, 待核实, and each rejection reason appear."""
    from bankxl.sample import make_sample_bank

    b = make_sample_bank(customers=2000)
    rep = execute("C4", {k: b[k] for k in ("merchants", "merchant_monthly", "loans")}, as_of=AS_OF)
    det = rep.tables()["c4_detail"].df
    assert {"是", "待核实", "否"} <= set(det["准入"])
    reasons = " ".join(det["原因"].fillna(""))
    for text in ("入网不满", "交易不稳定", "月均交易额不足", "预警等级", "已注销"):
        assert text in reasons


def _same_bank_for_e1_and_c4() -> dict:
    """Three merchants, rows 2025-08 … 2026-11 at 100,000 元 a month (1,000 笔), 入网 2020-01-01, MCC 5812:
    S1 阳光小学食堂 (a school by its name, not its MCC): Nov 2025 and Nov 2026 30,000 元 — on 去年同期 (the
    name rule) A = B = 1,000/day → r = 0 → 正常; on the 3 months before (MCC only) B = (100,000/31 + 100,000/30 +
    100,000/31)/3 = 3,261.6, r = 1 − 1,000/3,261.6 = 69.3% → 二级.
    Z1: Nov 2026 金额 0 with 笔数 blank → no transaction known → 四级 (as E1 and the formula: 笔数 unknown, judged
    by 金额; r = 100% would be 三级). R1: flat → 正常."""
    months = pd.period_range("2025-08", "2026-11", freq="M")
    rows = []
    for mch in ("S1", "Z1", "R1"):
        for p in months:
            amount, count = 100_000.0, 1_000
            if mch == "S1" and p.month == 11:
                amount, count = 30_000.0, 300
            if mch == "Z1" and p == months[-1]:
                amount, count = 0.0, None
            rows.append((mch, p.to_timestamp(), count, amount))
    mm = pd.DataFrame(rows, columns=["mch_id", "month", "txn_count", "amount"]).astype(
        {"mch_id": "string", "txn_count": "Int64"})
    mch = pd.DataFrame({"mch_id": ["S1", "Z1", "R1"], "mch_name": ["阳光小学食堂", "便利店", "餐馆"],
                        "mcc": ["5812"] * 3, "open_date": pd.to_datetime(["2020-01-01"] * 3),
                        "status": ["正常"] * 3}).astype({c: "string" for c in ("mch_id", "mch_name", "mcc", "status")})
    return {"merchant_monthly": mm, "merchants": mch}


def test_c4_level_is_e1_level_with_the_same_parameters():
    """C4's 预警等级 is E1's 本月等级 for the same merchants (SCENARIOS.md C4: 预警等级调用 E1): seasonal by name
    too, and 笔数 unknown with 金额 0 is 四级 — C4 had its own copy of the seasonal MCC / base months and read a
    blank 笔数 as a transaction (S1 二级, Z1 三级 before). The shared 季节性商户名称 works in C4: blank → MCC only."""
    b = _same_bank_for_e1_and_c4()
    expected = {"S1": "正常", "Z1": "四级", "R1": "正常"}
    c4 = execute("C4", b, as_of=AS_OF).tables()["c4_detail"].df.set_index("商户号")["预警等级"]
    e1 = execute("E1", b, as_of=AS_OF).tables()["e1_detail"].df.set_index("商户号")["本月等级"]
    assert c4.to_dict() == expected and e1.to_dict() == expected
    off = {"seasonal_name": ""}
    c4 = execute("C4", b, off, as_of=AS_OF).tables()["c4_detail"].df.set_index("商户号")["预警等级"]
    e1 = execute("E1", b, off, as_of=AS_OF).tables()["e1_detail"].df.set_index("商户号")["本月等级"]
    assert c4["S1"] == e1["S1"] == "二级"


def test_shared_parameters_are_defined_once():
    """One parameter id means one thing (issue 12 review): the level rule's and the merchant data's parameters
    are the shared classes' own fields in E1, E2 and C4 (no scenario redefines them), so their 参数 rows, labels
    and defaults are the same everywhere and each shows once per scenario."""
    import dataclasses

    from bankxl.rules.merchant_data import MerchantDataParams
    from bankxl.rules.merchants import MerchantLevelParams
    from bankxl.scenario import get_scenario, params_table

    level = {f.name: f for f in dataclasses.fields(MerchantLevelParams)}
    data = {f.name: f for f in dataclasses.fields(MerchantDataParams)}
    assert {"base_months", "seasonal_mcc", "seasonal_name"} <= set(level)
    assert set(data) == {"missing_as_zero", "closed_status"}
    for code, shared in (("E1", level | data), ("C4", level | data), ("E2", data)):
        cls = get_scenario(code).params
        fields = {f.name: f for f in dataclasses.fields(cls)}
        assert all(fields[k] is f for k, f in shared.items()), code
        ids = params_table(cls())["参数"].tolist()
        assert len(ids) == len(set(ids)), code
