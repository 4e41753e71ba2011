"""C10 存量个贷提额增信 on ten hand-made borrowers whose admission, tier and new limit are computed by hand.

Data date Mon 2026-11-30. Every borrower holds one running 个人消费贷款 (产品上限 200,000 元) started 2024-01-15 unless
said (已还期数 blank → whole months 2024-01-15 → 2026-11-30 = 34 ≥ 12), 近24月逾期 否, 五级分类 正常, 重组 否, 月供 3,000;
a clean credit report (24 × N, 近3月硬查询 2) matched by 证件号; age from 客户.出生日期. 本行日均 = the mean of the
Sep–Nov 2026 存款月日均 rows. New limit = min(现额度 × (1 + 提升率), 月收入 × 15, 200,000), rounded down to 1,000.

====  ==============================================  ===========================================================
id    data                                            result (by hand)
====  ==============================================  ===========================================================
P1    额度 100,000, 申报 20,000 (DTI 15%), 日均         A: 150,000 (现额度 × 1.5 binds; 20,000 × 15 = 300,000),
      240/250/260k = 250,000; age 55, 到期 2031-11-30  提额 50,000; 55 + 60/12 = 60 (等号: not excluded)
      (60 months); 已还期数 24 given
P2    额度 100,000, 代发 8,000 × 6 months (申报 30,000  B (DTI 3,000 / 8,000 = 37.5% > 30%): min(130,000, 8,000 × 15
      ignored), 日均 10,000                            = 120,000, 200,000) = 120,000 (月收入 binds), 提额 20,000, 收入来源 代发
P3    额度 180,000, 申报 30,000 (DTI 10%), 日均 300,000  A: min(270,000, 450,000, 200,000) = 200,000 (产品上限), 提额 20,000
P4    额度 50,000, 申报 10,000 (DTI 30%... 月供 2,000 →  C (日均 20,000 < 50,000, no 代发 in the flows, 代发标志 否):
      20%), 日均 20,000, 到期 2027-05-30 (6 months: edge)  paths 10% 55,000 / 15% 57,500 → 57,000 / 20% 60,000; 提额 10,000
P5    重组 是                                          排除 (重组贷款)
P6    到期 2027-05-29 (5 whole months)                 排除 (剩余期限 5 个月 < 6)
P7    age 56, 到期 2031-01-30 (50 months)              排除 (56 + 4.2 > 60)
P8    额度 60,000, 申报月收入 blank, no 代发, 日均 100,000  待核实: DTI unknown — new limit blank (未计算), never 0
P9    近24月还款状态 with 111 (连三)                     不准入 (② 连三累六)
P10   额度 70,000, no credit report                     待核实 (征信报告)
====  ==============================================  ===========================================================

List: A P1 (提额 50,000) · A P3 (20,000) · B P2 · C P4 · 待核实 P10 (额度 70,000) · 待核实 P8 (60,000); 截止日 A 5 /
B 10 / C 20 / 待核实 15 working days after 2026-11-30.
"""
from __future__ import annotations

import csv
import os
from pathlib import Path

import pandas as pd
import pytest

from bankxl.errors import ParameterError
from bankxl.runner import execute, run_scenario
from conftest import nth_workday_after

AS_OF = "2026-11-30"
IDS = [f"P{i}" for i in range(1, 11)]
BIRTH = {"P1": "1971-11-30", "P7": "1970-11-30"}  # others 1986-05-01 (age 40)
GERMAN = Path(__file__).resolve().parents[2] / "shared" / "data" / "uci_statlog_german_credit" / "german.data"


def resident_id(birth: str, seq: int) -> str:
    """An 18-digit resident ID (region 110105) with its GB 11643 check digit — a second method to the library's."""
    body = "110105" + birth.replace("-", "") + f"{seq:03d}"
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(a) * b for a, b in zip(body, w)) % 11]


def customers() -> pd.DataFrame:
    birth = [BIRTH.get(i, "1986-05-01") for i in IDS]
    df = pd.DataFrame({"cust_id": IDS, "cust_name": [f"客户{i}" for i in IDS],
                       "id_no": [resident_id(b, 10 + k) for k, b in enumerate(birth)],
                       "birth_date": pd.to_datetime(birth), "org_id": ["0101", "0101", "0102", "0101", "0101",
                                                                        "0101", "0101", "0101", "0101", "0102"],
                       "payroll_flag": [False] * 10})
    return df.astype({"cust_id": "string", "cust_name": "string", "id_no": "string", "org_id": "string",
                      "payroll_flag": "boolean"})


def loans() -> pd.DataFrame:
    limit = {"P1": 100_000, "P2": 100_000, "P3": 180_000, "P4": 50_000, "P8": 60_000, "P10": 70_000}
    income = {"P1": 20_000, "P2": 30_000, "P3": 30_000, "P4": 10_000, "P8": None}
    mat = {"P1": "2031-11-30", "P4": "2027-05-30", "P6": "2027-05-29", "P7": "2031-01-30"}
    c = customers().set_index("cust_id")
    df = pd.DataFrame({
        "loan_id": [f"L{i}" for i in IDS], "cust_id": IDS, "id_no": c["id_no"].tolist(), "product": ["个人消费贷款"] * 10,
        "start_date": pd.to_datetime(["2024-01-15"] * 10),
        "maturity_date": pd.to_datetime([mat.get(i, "2028-11-30") for i in IDS]),
        "amount": [float(limit.get(i, 80_000)) for i in IDS], "credit_limit": [float(limit.get(i, 80_000)) for i in IDS],
        "monthly_payment": [2_000.0 if i == "P4" else 3_000.0 for i in IDS], "status": ["C"] * 10,
        "overdue_days": [0] * 10, "declared_income": [income.get(i, 20_000) for i in IDS],
        "paid_terms": [24 if i == "P1" else None for i in IDS], "overdue_24m": [False] * 10,
        "classification": ["正常"] * 10, "restructured": [i == "P5" for i in IDS], "org_id": ["0101"] * 10})
    return df.astype({"loan_id": "string", "cust_id": "string", "id_no": "string", "product": "string",
                      "status": "string", "overdue_days": "Int64", "declared_income": "float64",
                      "paid_terms": "Int64", "overdue_24m": "boolean", "classification": "string",
                      "restructured": "boolean", "org_id": "string"})


def monthly() -> pd.DataFrame:
    dep = {"P1": (240_000, 250_000, 260_000), "P2": (10_000,) * 3, "P3": (300_000,) * 3, "P4": (20_000,) * 3,
           "P8": (100_000,) * 3}
    rows = [(i, pd.Timestamp(m), float(v)) for i in IDS for m, v in zip(("2026-09-01", "2026-10-01", "2026-11-01"),
                                                                       dep.get(i, (100_000,) * 3))]
    return pd.DataFrame(rows, columns=["cust_id", "month", "dep_avg"]).astype({"cust_id": "string"})


def transactions() -> pd.DataFrame:
    days = pd.to_datetime([f"2026-{m:02d}-10" for m in range(6, 12)])
    df = pd.DataFrame({"txn_id": [f"T{k}" for k in range(7)], "cust_id": ["P2"] * 6 + ["P4"],
                       "txn_ts": list(days) + [pd.Timestamp("2026-11-05")], "amount": [8_000.0] * 6 + [58.0],
                       "dc": ["C"] * 6 + ["D"], "cpty_name": ["某公司"] * 6 + ["中国移动"],
                       "memo": ["代发工资"] * 6 + ["话费"]})
    return df.astype({c: "string" for c in ("txn_id", "cust_id", "dc", "cpty_name", "memo")})


def credit_reports() -> pd.DataFrame:
    c = customers().set_index("cust_id")
    who = [i for i in IDS if i != "P10"]
    rep = ["N" * 20 + "111N" if i == "P9" else "N" * 24 for i in who]
    df = pd.DataFrame({"id_no": c.loc[who, "id_no"].tolist(), "report_date": pd.Timestamp("2026-10-15"),
                       "account_status": "正常", "repay_24m": rep, "hard_queries_3m": 2, "overdue_amount": 0.0})
    return df.astype({"id_no": "string", "account_status": "string", "repay_24m": "string",
                      "hard_queries_3m": "Int64"})


def bank() -> dict:
    return {"loans": loans(), "customers": customers(), "customer_monthly": monthly(), "transactions": transactions(),
            "credit_reports": credit_reports()}


@pytest.fixture(scope="module")
def report():
    return execute("credit.limit_increase", bank(), as_of=AS_OF)


@pytest.mark.golden("credit.limit_increase")
def test_admission_tiers_and_new_limits_by_hand(report):
    """Golden case: each min() term binds once (P1 现额度, P2 月收入 from 代发, P3 产品上限), 代发 vs 申报 income, each
    exclusion with its edge (P1 60 = 60, P4 6 months kept), 不准入 on 连三, 待核实 without income / report (new limit
    blank, not 0), the list order, actions and due dates."""
    det = report.tables()["c10_detail"].df.set_index("客户号")
    assert det.loc[IDS, "结果"].tolist() == ["A", "B", "A", "C", "排除", "排除", "排除", "待核实", "不准入", "待核实"]
    assert det.loc[["P1", "P2", "P3", "P4"], "新额度(元)"].tolist() == [150_000, 120_000, 200_000, 60_000]
    assert det.loc[["P1", "P2", "P3", "P4"], "约束"].tolist() == ["现额度×(1+提升率)", "月收入×倍数", "产品上限",
                                                               "现额度×(1+提升率)"]
    assert det.loc[["P1", "P2", "P3", "P4"], "提额金额(元)"].tolist() == [50_000, 20_000, 20_000, 10_000]
    assert det.loc[["P1", "P2", "P3", "P4"], "提升率"].tolist() == [0.5, 0.3, 0.5, 0.2]
    assert det.loc["P2", "收入来源"] == "代发" and det.loc["P2", "月收入(元)"] == 8_000
    assert det.loc["P1", "收入来源"] == "申报" and det.loc["P1", "本行日均(元)"] == 250_000
    assert det.loc["P2", "DTI"] == pytest.approx(0.375) and det.loc["P4", "DTI"] == pytest.approx(0.2)
    assert det.loc["P1", "剩余期限(月)"] == 60 and det.loc["P1", "年龄"] == 55 and det.loc["P1", "年龄+期限超限"] == "否"
    assert det.loc["P4", "剩余期限(月)"] == 6 and det.loc["P4", "剩余<下限"] == "否"
    assert det.loc["P6", "剩余期限(月)"] == 5 and det.loc["P6", "原因"] == "剩余期限 5 个月 < 6 个月"
    assert det.loc["P5", "原因"] == "重组贷款, 不提额"
    assert det.loc["P7", "原因"] == "年龄 56 岁 + 剩余期限 4.2 年 > 60 岁"
    assert det.loc["P9", "原因"] == "② 征信近 24 月连三累六" and det.loc["P9", "②征信"] == "否"
    assert pd.isna(det.loc["P8", "新额度(元)"]) and pd.isna(det.loc["P8", "月收入(元)"])
    assert det.loc["P8", "收入来源"] == "未知" and det.loc["P8", "未计算因素"] == "DTI(月收入/月供)"
    assert det.loc["P10", "未计算因素"] == "征信报告"

    lst = report.tables()["c10_list"].df
    assert lst["客户号"].tolist() == ["P1", "P3", "P2", "P4", "P10", "P8"] and lst["排名"].tolist() == [1, 2, 3, 4, 5, 6]
    assert lst["等级"].tolist() == ["A", "A", "B", "C", "待核实", "待核实"]
    assert lst["得分"].tolist()[:4] == [3, 3, 2, 1] and lst["得分"].iloc[4:].isna().all()
    due = [nth_workday_after(AS_OF, n) for n in (5, 5, 10, 20, 15, 15)]
    assert lst["截止日"].tolist() == due
    assert lst["建议动作"].iloc[0] == "客户经理致电, 主动提额至 150,000 元(现额度 100,000 元, 借据 LP1)"
    assert lst["建议动作"].iloc[3] == ("邀约办理增信后提额: 公积金授权(提升10%) → 55,000 元；保证人(提升15%) → 57,000 元；"
                                   "抵押(提升20%) → 60,000 元")
    assert lst["建议动作"].iloc[5] == "补齐 DTI(月收入/月供) 后复核准入与提额"
    assert "月收入按代发月均 8,000 元" in lst["原因"].iloc[2]
    tags = report.tables()["customer_tags"].df
    assert sorted(tags["客户号"]) == sorted(["P1", "P2", "P3", "P4", "P8", "P10"])


def test_list_is_a_credit_report_list_only_when_a_report_was_used(report):
    """② 征信 read P1–P9's reports: the list is marked as derived from 征信明细 (a cross-scenario view leaves it out
    unless allowed). Without 征信明细, or with reports older than 征信报告有效天数 only (nobody's report used), it is
    not: ② is unknown for everybody then (P1–P4 待核实 like P10)."""
    assert report.tables()["c10_list"].credit_report is True
    b = bank()
    del b["credit_reports"]
    rep = execute("credit.limit_increase", b, as_of=AS_OF)
    assert rep.tables()["c10_list"].credit_report is False
    b = bank()
    b["credit_reports"] = b["credit_reports"].assign(report_date=pd.Timestamp("2026-01-15"))  # 319 days > 180
    rep = execute("credit.limit_increase", b, as_of=AS_OF)
    lst = rep.tables()["c10_list"]
    assert lst.credit_report is False and set(lst.df["等级"]) == {"待核实"}


def test_planning_headline_and_key_counts(report):
    """二轮规划 by hand: 0101 = A P1 (50,000) + B P2 (20,000) → 一轮 2 户 7 万元; C P4 10,000 → target ⌈1 × 30%⌉ = 1,
    1 万元; 待核实 P8. 0102 = A P3 2 万元, no C (target 0), 待核实 P10. Key counts from the table above."""
    plan = report.tables()["c10_plan"].df.set_index("机构号")
    assert plan.loc["0101", ["A层(户)", "B层(户)", "一轮提额户数", "C层需增信(户)", "二轮目标户数", "待核实(户)"]].tolist() == \
        [1, 1, 2, 1, 1, 1]
    assert plan.loc["0101", "一轮新增额度(万元)"] == 7.0 and plan.loc["0101", "二轮目标新增额度(万元)"] == 1.0
    assert plan.loc["0102", ["A层(户)", "C层需增信(户)", "二轮目标户数", "待核实(户)"]].tolist() == [1, 0, 0, 1]
    keys = report.tables()["c10_keys"].df.set_index("条件")
    assert keys.loc["② 征信(合计)"].tolist() == [8, 1, 1]       # P9 连三; P10 no report
    assert keys.loc["③ DTI ≤ 50%"].tolist() == [9, 0, 1]         # P8 unknown income
    assert keys.loc["排除: 重组贷款"].tolist() == [1, 9, 0]
    h = {f.label: f.value for f in report.headline.figures}
    assert h["存量个贷客户"] == 10 and h["可直接提额(A+B)"] == 3 and h["A+B 新增额度(万元)"] == 9.0
    assert h["C 需增信"] == 1 and h["待核实"] == 2 and h["不提额"] == 4     # 排除 P5–P7, 不准入 P9


def test_planning_targets_from_rate_and_from_parameter():
    """A tiny list: 机构 X has C rows raising 30,000 / 20,000 / 10,000 (rank order) → ⌈3 × 50%⌉ = 2 → 50,000 元;
    机构 Y is given 1 by 机构二轮目标户数 → its first C row 5,000 (not 4,000); a blank 机构号 is (未分配)."""
    from bankxl.scenario import RunContext, make_params
    from bankxl.scenarios.credit.limit_increase import LimitParams, planning

    df = pd.DataFrame({"机构号": ["X", "X", "X", "X", "Y", "Y", None],
                       "等级": ["A", "C", "C", "C", "C", "C", "B"],
                       "提额金额(元)": [1_000.0, 30_000.0, 20_000.0, 10_000.0, 5_000.0, 4_000.0, 2_000.0]})
    p = make_params(LimitParams, {"round2_rate": 0.5, "branch_targets": (("Y", 1),)})
    out = planning(df, p, RunContext(as_of=AS_OF, scale=1)).set_index("机构号")
    assert out.loc["X", "二轮目标户数"] == 2 and out.loc["X", "二轮目标新增额度(元)"] == 50_000
    assert out.loc["Y", "二轮目标户数"] == 1 and out.loc["Y", "二轮目标新增额度(元)"] == 5_000
    assert out.loc["Y", "目标来源"] == "参数指定" and out.loc["X", "目标来源"] == "C 户数 × 50%"
    assert out.loc["(未分配)", "B层(户)"] == 1 and out.loc["X", "一轮新增额度(元)"] == 1_000


@pytest.mark.parametrize("name,value", [("max_dti", "-0.1"), ("a_dti", "0.8"), ("products", '[["个人消费贷款", 0]]'),
                                        ("enhance_paths", '[["抵押", 0.2], ["抵押", 0.1]]'),
                                        ("strategy", '[["A", "{nope}", 5], ["B", "x", 10], ["C", "y", 20]]'),
                                        ("min_pay_months", "9")])
def test_bad_parameter_stops_before_reading(name, value):
    with pytest.raises(ParameterError):
        run_scenario("credit.limit_increase", [Path("never_read.xlsx")], None, params={name: value}, as_of=AS_OF)


def test_sample_bank_populates_every_case():
    """On the sample bank every outcome appears, and both income sources."""
    from bankxl.sample import make_sample_bank

    b = make_sample_bank(customers=2000)
    rep = execute("C10", {k: b[k] for k in ("loans", "customers", "transactions", "customer_monthly",
                                            "product_holdings", "credit_reports")}, as_of=AS_OF)
    det = rep.tables()["c10_detail"].df
    assert set(det["结果"]) == {"A", "B", "C", "待核实", "无提额空间", "不准入", "排除"}
    assert {"代发", "申报", "未知"} <= set(det["收入来源"])
    reasons = " ".join(det["原因"].fillna(""))
    for text in ("重组贷款", "剩余期限", "年龄", "① 本行", "② ", "③ DTI"):
        assert text in reasons


def _german_rows() -> list[list[str]]:
    with open(GERMAN, newline="", encoding="ascii") as fh:
        return [r for r in csv.reader(fh, delimiter=" ", skipinitialspace=True) if r]


def test_german_credit_admission_counts_against_the_raw_file():
    """German Credit (1,000 applicants) read with the csv module, independently of the adapter: attribute 2 =
    duration (剩余期限, months), 13 = age, 3 = credit history (A33 delay → 近24月有逾期; A30–A32 none; A34 unknown).
    排除 = duration < 6 or age + duration/12 > 60; 不准入 = not excluded and A33; everyone else 待核实 (no income,
    deposits, report, start date, 五级分类 or 重组标志 in the data) — never A/B/C, no limit computed."""
    if not GERMAN.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"German Credit data required in CI at {GERMAN}")
        pytest.skip(f"German Credit data not found at {GERMAN}")
    from bankxl.datasets import load_german
    from bankxl.datasets.german import AS_OF as G_AS_OF
    from bankxl.scenario import RunContext, registry

    rows = _german_rows()
    assert len(rows) == 1000 and all(len(r) == 21 for r in rows)
    dur = [int(r[1]) for r in rows]
    age = [int(r[12]) for r in rows]
    hist = [r[2] for r in rows]
    short = [d < 6 for d in dur]
    old = [a + d / 12 > 60 for a, d in zip(age, dur)]
    excluded = [s or o for s, o in zip(short, old)]
    refused = [not x and h == "A33" for x, h in zip(excluded, hist)]
    data = load_german(GERMAN.parent)
    params = registry()["credit.limit_increase"].dataset_params["German"]
    rep = execute("C10", data, params, ctx=RunContext(as_of=G_AS_OF, currency="DEM"))
    tiers = rep.tables()["c10_tiers"].df.set_index("结果")["户数"]
    assert tiers["排除"] == sum(excluded) and tiers["不准入"] == sum(refused)
    assert tiers["待核实"] == 1000 - sum(excluded) - sum(refused)
    assert tiers[["A", "B", "C", "无提额空间"]].sum() == 0
    keys = rep.tables()["c10_keys"].df.set_index("条件")
    assert keys.loc["排除: 剩余期限 < 6 个月"].tolist() == [sum(short), 1000 - sum(short), 0]
    assert keys.loc["排除: 年龄 + 剩余期限 > 60"].tolist() == [sum(old), 1000 - sum(old), 0]
    assert keys.loc["  近 24 月无逾期"].tolist() == [sum(h in ("A30", "A31", "A32") for h in hist),
                                                 hist.count("A33"), hist.count("A34")]
    assert keys.loc["③ DTI ≤ 50%", "未知(户)"] == 1000 and keys.loc["② 征信(合计)", "未知(户)"] == 1000
    det = rep.tables()["c10_detail"].df
    assert det["新额度(DEM)"].isna().all() and "现额度(DEM)" in det.columns
    assert (det["现额度来源"] == "贷款金额").all()


def test_headline_buckets_add_up_to_every_customer():
    """概览 puts every customer in exactly one bucket. P3's 现额度 raised to 200,000 = 产品上限: admitted as A, but
    min(300,000, 450,000, 200,000) = 200,000 is no raise → 无提额空间, counted in 不提额 on 概览 (it was shown only on
    准入统计). By hand: A P1 (1), B P2 (1), C P4 (1), 待核实 P8/P10 (2), 不提额 = 排除 P5–P7 + 不准入 P9 + 无提额空间 P3
    (5) = 10."""
    b = bank()
    b["loans"].loc[b["loans"]["cust_id"] == "P3", ["amount", "credit_limit"]] = 200_000.0
    rep = execute("credit.limit_increase", b, as_of=AS_OF)
    h = {f.label: f.value for f in rep.headline.figures}
    assert h["存量个贷客户"] == 10 and h["可直接提额(A+B)"] == 2 and h["C 需增信"] == 1 and h["待核实"] == 2
    assert h["不提额"] == 5
    assert sum(h[k] for k in ("可直接提额(A+B)", "C 需增信", "待核实", "不提额")) == h["存量个贷客户"]
    note = {f.label: f.note for f in rep.headline.figures}["不提额"]
    assert note == "排除 3(重组/期限/年龄), 不准入 1, 无提额空间 1(准入通过但新额度不高于现额度)"
    assert "不提额 5 户(其中无提额空间 1 户); 合计 10 户" in rep.headline.lines[0]
