"""D4 存款核心客户定位: three-factor grading on hand-built frames (incl. thresholds met with equality),
the renewal proxy, the UCI-shaped case (only F1 computable), the PDCA sheet (≤10 per manager, target and
完成率 by hand), and the written workbook."""
from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pytest

from bankxl.report.xlsx import write_report
from bankxl.runner import execute
from bankxl.conform import conform
from bankxl.scenarios.deposit import core_customers
from bankxl.scenarios.deposit.core_customers import CoreParams, grade

AS_OF = pd.Timestamp("2026-11-30")
MONTHS = pd.period_range("2025-12", "2026-11", freq="M").to_timestamp()  # 12 months, oldest first


def factors(tables, p, as_of):
    """core_customers.factors on the tables as the runner hands them to D4 (conformed)."""
    return core_customers.factors({k: conform(k, v, required=False) for k, v in tables.items()}, p, as_of)


def _cm(spec: dict, mgr: dict | None = None) -> pd.DataFrame:
    """spec: cust -> dict(td=list12 or scalar, dep=..., net=monthly net inflow, skip=[month idx])."""
    rows = []
    for c, s in spec.items():
        td = np.broadcast_to(np.asarray(s.get("td", 0.0), dtype=float), (12,))
        dep = np.broadcast_to(np.asarray(s.get("dep", td + 10_000), dtype=float), (12,))
        net = s.get("net", 0.0)
        for i, m in enumerate(MONTHS):
            if i in s.get("skip", ()):
                continue
            rows.append({"cust_id": c, "month": m, "td_avg": td[i], "dep_avg": dep[i],
                         "inflow": 50_000.0 + max(net, 0), "outflow": 50_000.0 - min(net, 0),
                         "mgr_id": (mgr or {}).get(c, "M1"), "org_id": "010001"})
    df = pd.DataFrame(rows)
    for col in ("cust_id", "mgr_id", "org_id"):
        df[col] = df[col].astype("string")
    return df


def _customers(open_dates: dict, births: dict | None = None) -> pd.DataFrame:
    ids = list(open_dates)
    return pd.DataFrame({
        "cust_id": pd.array(ids, dtype="string"),
        "cust_name": pd.array([f"客户{i}" for i in range(len(ids))], dtype="string"),
        "open_date": pd.to_datetime([open_dates[c] for c in ids]),
        "birth_date": pd.to_datetime([(births or {}).get(c, "1980-06-01") for c in ids]),
    })


SPEC = {
    # F1 = 200,000 exactly; 12 months ≥ threshold; net 100,000/12 a month -> 5-year potential 500,000 exactly
    "A1": dict(td=200_000.0, net=100_000.0 / 12),
    # F1 (250,000 in the last 3 months), only 3 months ≥ threshold -> F2 no; F3 via net 200,000
    "B1": dict(td=[150_000.0] * 9 + [250_000.0] * 3, net=200_000.0 / 12),
    # F1 and F2, no flow -> 核心B
    "B2": dict(td=300_000.0),
    # F3 without F1 -> 潜力客户
    "P1": dict(td=10_000.0, net=150_000.0 / 12),
    # aged 70: 750,000 × 0.5 = 375,000 < 500,000 -> 一般
    "P2": dict(td=10_000.0, net=150_000.0 / 12),
    # F1 only (relationship 1 year) -> 规模客户
    "S1": dict(td=500_000.0),
    # one cent below the threshold -> 一般
    "E1": dict(td=199_999.99),
    # renewal proxy: F1 in the last 3 months only, 80% of the term balance auto-renews -> F2
    "R1": dict(td=[0.0] * 9 + [210_000.0] * 3),
    # absent in September 2026 (counts 0): (0 + 300,000 + 300,000) / 3 = 200,000 -> F1 (equality)
    "M1": dict(td=300_000.0, skip=[9]),
}
OPEN = {"A1": "2023-11-30", "B1": "2015-01-01", "B2": "2020-01-01", "P1": "2010-01-01", "P2": "2010-01-01",
        "S1": "2025-11-30", "E1": "2010-01-01", "R1": "2018-01-01", "M1": "2026-01-01"}
BIRTH = {"P2": "1956-01-01"}
TD = pd.DataFrame({"acct_no": pd.array(["t1", "t2"], dtype="string"), "cust_id": pd.array(["R1", "R1"], dtype="string"),
                   "maturity_date": pd.to_datetime(["2027-03-01", "2027-06-01"]), "balance": [160_000.0, 40_000.0],
                   "auto_renew": pd.array([True, False], dtype="boolean")})


@pytest.fixture(scope="module")
def tables():
    return {"customer_monthly": _cm(SPEC), "customers": _customers(OPEN, BIRTH), "time_deposits": TD}


def test_grade_rule_table():
    t, f = pd.Series([True]), pd.Series([False])
    assert grade(t, t, t)[0] == "核心A" and grade(t, t, f)[0] == "核心B" and grade(t, f, t)[0] == "核心B"
    # 仅 F3 = 潜力客户 (SCENARIOS.md D4, literal); F2 ∧ F3 without F1 has its own grade (review fix: it was
    # 潜力客户 before, which is not 仅 F3)
    assert grade(f, f, t)[0] == "潜力客户" and grade(f, t, t)[0] == "稳定潜力客户"
    assert grade(t, f, f)[0] == "规模客户" and grade(f, t, f)[0] == "一般" and grade(f, f, f)[0] == "一般"


def test_factors_and_grades_with_equality(tables):
    f, info = factors(tables, CoreParams(), AS_OF)
    assert info["basis"] == "td_avg" and info["months_f1"] == 3 and info["months_f2"] == 12
    g = f["grade"].to_dict()
    assert g == {"A1": "核心A", "B1": "核心B", "B2": "核心B", "P1": "潜力客户", "P2": "一般", "S1": "规模客户",
                 "E1": "一般", "R1": "核心B", "M1": "规模客户"}
    assert f.loc["A1", "size"] == 200_000.0 and f.loc["A1", "months_ok"] == 12
    assert f.loc["A1", "potential"] == pytest.approx(500_000.0)
    assert f.loc["M1", "size"] == pytest.approx(200_000.0) and f.loc["M1", "f1"]
    assert f.loc["B1", "months_ok"] == 3 and not f.loc["B1", "f2"]
    assert f.loc["P2", "potential"] == pytest.approx(375_000.0) and f.loc["P2", "age"] == 70
    assert f.loc["R1", "renew_share"] == pytest.approx(0.8)


def test_renewal_proxy_is_what_makes_r1_stable(tables):
    no_td = {k: v for k, v in tables.items() if k != "time_deposits"}
    f, _ = factors(no_td, CoreParams(), AS_OF)
    assert f.loc["R1", "grade"] == "规模客户"
    f2, _ = factors(tables, CoreParams(f2_renew_share=0.81), AS_OF)
    assert f2.loc["R1", "grade"] == "规模客户"


def test_relationship_three_years_inclusive(tables):
    cust = tables["customers"].copy()
    cust.loc[cust["cust_id"] == "A1", "open_date"] = pd.Timestamp("2023-12-01")  # one day short of 3 years
    f, _ = factors({**tables, "customers": cust}, CoreParams(), AS_OF)
    assert f.loc["A1", "grade"] == "核心B"


def test_uci_shape_only_f1(tmp_path):
    cm = pd.DataFrame({"cust_id": pd.array(["U1", "U2", "U3"], dtype="string"),
                       "month": pd.to_datetime(["2010-11-01"] * 3), "dep_avg": [10_000.0, 9_999.0, -50.0]})
    cm.attrs["dataset"] = "UCI"
    rep = execute("deposit.core_customers", {"customer_monthly": cm}, {"f1_threshold": 10_000.0},
                  as_of="2010-11-30", currency="EUR")
    t = rep.tables()
    core = t["d4_core"].df
    assert list(core["客户号"]) == ["U1"] and core["等级"].iloc[0] == "规模客户"
    # issue 10 item 5: the columns no customer can have (F2/F3 不可算, 关系年限, 5年潜力值; 达标月数 from one month
    # of data < F2 达标月数 10) were shown empty on all 829 UCI rows — now left out and named in the list's note
    hidden = ["关系年限(年)", "5年潜力值(EUR)", "F2稳定", "F3潜力", "达标月数"]
    assert not set(hidden) & set(core.columns) and core["未计算因素"].iloc[0] == "F2 稳定、F3 潜力"
    note = " ".join(rep.sheet("核心客户名单").blocks[0].lines)
    assert f"本数据不含的信息不显示: {'、'.join(hidden)}" in note and "数据只有 1 个月" in note
    det = t["d4_factors"].df
    assert list(det.columns) == ["客户号", "规模: 近3月存款日均(EUR)", "达标月数", "F1规模", "等级"]
    assert "规模: 近3月存款日均(EUR)" in core.columns
    h = rep.headline  # one month of data: no 上月 (blank, said so), never 0
    # 核心客户/核心A/潜力客户/规模/占比 need F2 or F3, which UCI cannot give: blank, not 0 (they read 0, 0, 0, 0.0,
    # 0.0 before); the sixth figure counts the customers meeting F1 (U1)
    assert [f.value for f in h.figures] == [None] * 5 + [1] and all(f.compare is None for f in h.figures)
    assert h.figures[0].note == ("F2 稳定不可算(无开户日期); F3 潜力不可算(无入账/出账或流水); "
                                 "数据中没有上月的月度存款, 无上月对比")
    assert h.figures[2].note == "F3 潜力不可算(无入账/出账或流水); 数据中没有上月的月度存款, 无上月对比"  # needs F3 only
    assert h.figures[5].label == "规模达标客户(满足 F1)" and h.figures[5].note == "数据中没有上月的月度存款, 无上月对比"
    g = t["d4_grades"].df.set_index("等级")
    assert g["客户数"].isna().tolist() == [True, True, True, True, False, False]
    assert g.loc["规模客户", "客户数"] == 1 and g.loc["一般", "客户数"] == 2
    notes = " ".join(rep.notes)
    assert "仅 F1 可计算" in notes and "duration" in notes
    lines = " ".join(rep.sheets[0].blocks[0].lines)
    assert "存款日均(dep_avg)" in lines and "不可算" in lines
    assert len(t["d4_pdca"].df) == 0


def test_pdca_at_most_ten_per_manager_and_hand_values(tmp_path):
    spec = {f"X{i:02d}": dict(td=300_000.0 + 1_000 * i, dep=[300_000.0 + 1_000 * i] * 8 + [400_000.0, 400_000.0,
                                                                                          410_000.0, 440_000.0])
            for i in range(12)}
    spec["Y01"] = dict(td=250_000.0, dep=[250_000.0] * 8 + [200_000.0, 220_000.0, 240_000.0, 200_000.0])
    spec["Y02"] = dict(td=1_000.0)  # 一般: not in the plan
    mgr = {c: ("M01" if c.startswith("X") else "M02") for c in spec}
    cm = _cm(spec, mgr)
    cust = _customers({c: "2015-01-01" for c in spec})
    rep = execute("deposit.core_customers", {"customer_monthly": cm, "customers": cust}, as_of=AS_OF)
    pd_ = rep.tables()["d4_pdca"].df
    assert pd_.groupby("客户经理").size().to_dict() == {"M01": 10, "M02": 1}
    assert (pd_.groupby("客户经理").size() <= 10).all()
    assert list(pd_.columns[:3]) == ["客户经理", "序号", "客户号"]
    for c in ("目标日均(元)", "实际日均(元)", "完成率", "接触次数", "下月动作"):
        assert c in pd_.columns
    # M01 keeps the 10 largest (all 核心B: F1 and F2, no potential)
    assert set(pd_.loc[pd_["客户经理"] == "M01", "客户号"]) == {f"X{i:02d}" for i in range(2, 12)}
    y = pd_.set_index("客户号").loc["Y01"]
    target = (200_000.0 + 220_000.0 + 240_000.0) / 3 * 1.05  # Aug, Sep, Oct mean × (1 + 5%)
    assert y["目标日均(元)"] == pytest.approx(round(target, 2))
    assert y["实际日均(元)"] == 200_000.0
    assert y["完成率"] == pytest.approx(200_000.0 / target)
    assert y["下月动作"].startswith("加强")  # 200,000 / 231,000 = 86.6%
    x = pd_.set_index("客户号").loc["X11"]
    assert x["完成率"] == pytest.approx(440_000.0 / ((400_000.0 + 400_000.0 + 410_000.0) / 3 * 1.05))
    assert x["下月动作"].startswith("巩固")

    p = write_report(rep, tmp_path / "d4.xlsx")
    wb = openpyxl.load_workbook(p)
    # issue 10 item 1: the headline sheet 概览 comes first
    assert wb.sheetnames[:5] == ["概览", "分级概览", "核心客户名单", "10户PDCA", "要素明细"]
    assert "d4_pdca" in wb["10户PDCA"].tables and "d4_core" in wb["核心客户名单"].tables
    assert wb["分级概览"]._charts


def test_report_on_hand_frame(tables):
    rep = execute("deposit.core_customers", tables, as_of=AS_OF)
    t = rep.tables()
    summ = t["d4_grades"].df.set_index("等级")["客户数"].to_dict()
    assert summ == {"核心A": 1, "核心B": 3, "稳定潜力客户": 0, "潜力客户": 1, "规模客户": 2, "一般": 2}
    core = t["d4_core"].df
    assert list(core["等级"]) == ["核心A", "核心B", "核心B", "核心B", "潜力客户", "规模客户", "规模客户"]
    assert core.loc[core["客户号"] == "A1", "客户名称(脱敏)"].iloc[0] == "客**"
    det = t["d4_factors"].df.set_index("客户号")
    assert det.loc["E1", "等级"] == "一般" and det.loc["E1", "F1规模"] == ""


def test_other_bank_funds_from_self_transfers():
    spec = {"Z1": dict(td=10_000.0)}
    cm = _cm(spec)
    cust = _customers({"Z1": "2010-01-01"})
    txn = pd.DataFrame({"cust_id": pd.array(["Z1"] * 2, dtype="string"),
                        "txn_ts": pd.to_datetime(["2026-03-01", "2026-09-01"]), "amount": [300_000.0, 200_000.0],
                        "dc": pd.array(["D", "D"], dtype="string"),
                        "cpty_name": pd.array(["客户0", "客户0"], dtype="string"),
                        "cpty_bank": pd.array(["中国工商银行", "中国工商银行"], dtype="string"),
                        "memo": pd.array(["转账", "转账"], dtype="string")})
    f, _ = factors({"customer_monthly": cm, "customers": cust, "transactions": txn}, CoreParams(), AS_OF)
    assert f.loc["Z1", "other_funds"] == 500_000.0 and f.loc["Z1", "grade"] == "潜力客户"


@pytest.mark.golden("deposit.core_customers")
def test_stable_potential_is_not_only_f3():
    """Q1: 10 of 12 months ≥ 200,000 and opened 2010 (F2), last 3 months (250,000 + 100,000 + 100,000)/3 =
    150,000 < 200,000 (no F1), net inflow 150,000/12 a month -> potential 750,000 (F3) -> 稳定潜力客户;
    P1 (F3 only) stays 潜力客户; the list puts 稳定潜力客户 before 潜力客户, and 说明 states the rule."""
    spec = {"Q1": dict(td=[250_000.0] * 10 + [100_000.0] * 2, net=150_000.0 / 12),
            "P1": dict(td=10_000.0, net=150_000.0 / 12)}
    tables = {"customer_monthly": _cm(spec), "customers": _customers({"Q1": "2010-01-01", "P1": "2010-01-01"})}
    f, _ = factors(tables, CoreParams(), AS_OF)
    assert f.loc["Q1", "size"] == pytest.approx(150_000.0) and f.loc["Q1", "months_ok"] == 10
    assert (bool(f.loc["Q1", "f1"]), bool(f.loc["Q1", "f2"]), bool(f.loc["Q1", "f3"])) == (False, True, True)
    assert f["grade"].to_dict() == {"P1": "潜力客户", "Q1": "稳定潜力客户"}
    rep = execute("deposit.core_customers", tables, as_of=AS_OF)
    core = rep.tables()["d4_core"].df
    assert list(core["客户号"]) == ["Q1", "P1"] and core["建议动作"].iloc[0].startswith("提升规模")
    assert any("仅 F3 = 潜力客户" in m for m in rep.method) and any("稳定潜力客户" in m for m in rep.method)


def test_renew_share_ignores_closed_and_foreign_deposits(tables):
    """R1's share: t1 160,000 auto / (t1 + t2 40,000) = 0.8. A closed 1,000,000 deposit and a USD one are left
    out (review fix: they were summed, 160,000 / 1,250,000 = 12.8% -> R1 lost F2)."""
    td = pd.concat([TD, pd.DataFrame({
        "acct_no": pd.array(["t3", "t4", "t5"], dtype="string"), "cust_id": pd.array(["R1"] * 3, dtype="string"),
        "maturity_date": pd.to_datetime(["2027-03-01"] * 3), "balance": [1_000_000.0, 50_000.0, 0.0],
        "auto_renew": pd.array([False, False, False], dtype="boolean"),
        "status": pd.array(["已销户", "正常", "正常"], dtype="string"),
        "ccy": pd.array(["CNY", "USD", "CNY"], dtype="string")})], ignore_index=True)
    t2 = {**tables, "time_deposits": td}
    f, info = factors(t2, CoreParams(), AS_OF)
    assert f.loc["R1", "renew_share"] == pytest.approx(0.8) and f.loc["R1", "grade"] == "核心B"
    rep = execute("deposit.core_customers", t2, as_of=AS_OF)
    notes = " ".join(rep.notes)
    assert "销户" in notes and "USD" in notes


def test_customer_columns_shared_helper():
    """bankxl.frames.customer_columns (used by C3, C6, C9, D4): 客户号 unmasked and in list order,
    masked name/ID/phone when ctx.mask, 机构号/客户经理 on request, no empty columns unless asked."""
    from bankxl.scenario import RunContext
    from bankxl.frames import customer_columns

    cust = pd.DataFrame({"cust_id": pd.array([" K2", "K1", "K1"], dtype="string"),
                         "cust_name": pd.array(["欧阳娜娜", "张三", "重复行"], dtype="string"),
                         "id_no": pd.array(["11010519491231002X", None, None], dtype="string"),
                         "phone": pd.array([None, None, None], dtype="string"),
                         "mgr_id": pd.array(["M9", "", ""], dtype="string")})
    ids = pd.Series(["K1", "K2", "K3"], index=[10, 20, 30])
    on = customer_columns(ids, cust, RunContext(as_of="2026-11-30", mask=True), extra=("org_id", "mgr_id"))
    assert list(on.columns) == ["客户号", "客户名称(脱敏)", "证件号码(脱敏)", "客户经理"]  # no phone, no org
    assert on["客户号"].tolist() == ["K1", "K2", "K3"] and list(on.index) == [0, 1, 2]
    assert on["客户名称(脱敏)"].tolist()[:2] == ["张*", "欧阳**"] and pd.isna(on["客户名称(脱敏)"].iloc[2])
    assert on["证件号码(脱敏)"].iloc[1] == "110105********002X"
    assert on["客户经理"].tolist()[1] == "M9" and pd.isna(on["客户经理"].iloc[0])
    off = customer_columns(ids, cust, RunContext(as_of="2026-11-30", mask=False), keep_empty=True)
    assert list(off.columns) == ["客户号", "客户名称", "证件号码", "手机号"]
    assert off["客户名称"].iloc[1] == "欧阳娜娜" and off["证件号码"].iloc[1] == "11010519491231002X"
    assert list(customer_columns(ids, None, RunContext(as_of="2026-11-30")).columns) == ["客户号"]


def test_headline_figures_now_and_last_month(tables):
    """概览 (issue 10 item 1) on the hand bank. Now (2026-11-30): 核心A A1; 核心B B1, B2, R1; 潜力 P1 (test above).
    Last month end 2026-10-31, by hand (data Dec 2025 – Oct 2026, 11 months):
    A1 F1 200,000; open 2023-11-30 > 2023-10-31 -> no F2; F3 11 × 8,333.33 × 5 = 458,333 < 500,000 -> 规模客户.
    B1 F1 (150,000 + 250,000 + 250,000)/3 = 216,666.67; F2 2 months; F3 11 × 16,666.67 × 5 = 916,667 -> 核心B.
    B2 F1 + F2 (11 months ≥ 10) -> 核心B. P1 F3 687,500 -> 潜力客户. R1 (0 + 210,000 + 210,000)/3 < 200,000 ->
    F2 alone (renewal proxy) -> 一般. M1 (300,000 + 0 + 300,000)/3 = 200,000 -> 规模客户. 9 customers both times.
    核心规模: now 200,000 + 250,000 + 300,000 + 210,000 = 96 万元; last month 216,666.67 + 300,000 = 51.67 万元."""
    rep = execute("deposit.core_customers", tables, as_of=AS_OF)
    h = rep.headline
    assert [f.label for f in h.figures] == ["核心客户(核心A+核心B)", "其中 核心A", "潜力客户(稳定潜力+潜力)",
                                            "核心客户规模(定期日均)", "核心客户占全部客户"]
    assert [f.value for f in h.figures[:3]] == [4, 1, 1] and [f.compare for f in h.figures[:3]] == [2, 0, 1]
    assert h.figures[3].value == pytest.approx(96.0) and h.figures[3].unit == "万元"
    assert h.figures[3].compare == pytest.approx((216_666.0 + 2 / 3 + 300_000.0) / 10_000)
    assert h.figures[4].value == pytest.approx(4 / 9) and h.figures[4].compare == pytest.approx(2 / 9)
    assert all(f.compare_label == "上月末" for f in h.figures)
    assert h.actions == "d4_core" and h.chart.table == "d4_grades"
    assert [s.print_role for s in rep.sheets[1:4]] == ["detail"] * 3


def test_pdca_tiny_target_is_not_a_completion_rate():
    """Issue 10 item 5: a base of 1,000 元 a month gives 目标日均 1,050 and 完成率 369,958 / 1,050 = 35,234%: with
    the default PDCA 最低目标日均 10,000 元 it is blank and the action says to set a new target; 0 keeps the ratio."""
    spec = {"Z1": dict(td=300_000.0, dep=[1_000.0] * 11 + [369_958.0]),
            "Z2": dict(td=300_000.0, dep=[300_000.0] * 11 + [330_000.0])}
    tables = {"customer_monthly": _cm(spec), "customers": _customers({"Z1": "2015-01-01", "Z2": "2015-01-01"})}
    rep = execute("deposit.core_customers", tables, as_of=AS_OF)
    x = rep.tables()["d4_pdca"].df.set_index("客户号")
    assert x.loc["Z1", "目标日均(元)"] == pytest.approx(1_050.0) and pd.isna(x.loc["Z1", "完成率"])
    assert x.loc["Z1", "下月动作"].startswith("重定目标: 基期日均很少(目标 < 10,000)")
    assert x.loc["Z2", "完成率"] == pytest.approx(330_000.0 / 315_000.0)
    note = " ".join(rep.sheet("10户PDCA").blocks[0].lines)
    assert "最低目标日均」10,000 元 的 1 户完成率不计" in note
    rep0 = execute("deposit.core_customers", tables, {"pdca_min_target": 0}, as_of=AS_OF)
    x0 = rep0.tables()["d4_pdca"].df.set_index("客户号")
    assert x0.loc["Z1", "完成率"] == pytest.approx(369_958.0 / 1_050.0)
