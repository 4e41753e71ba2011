"""D3 存款流失客户: states, transitions, list and tags on a hand-made bank whose every value is computed by hand.

Data date Mon 2026-11-30 (月份 Feb..Nov 2026). Windows (SCENARIOS.md D3): current = Sep–Nov, base = Mar–Aug;
last month-end (2026-10-31): current = Aug–Oct, base = Feb–Jul. 存款月日均 (元) per customer, Feb..Nov:

=====  ==============================  ======================================================================
C1     10,000 ×7, 8,100 ×3             now 1 − 8,100/10,000 = 19% → 稳定; last (10,000 + 2 × 8,100)/3 = 8,733 → 稳定
C2     10,000 ×7, 8,000 ×3             now 20.0% (含等号) → 轻度流失; last 8,667: 13.3% → 稳定
C3     20,000 ×7, 10,000 ×3            now 50.0% → 重度流失; last 13,333: 33.3% → 轻度流失
C4     100,000 ×7, 10,000 ×3           now 90.0% → 已流失; last 40,000: 60% → 重度流失
C6     9,999.99 ×10                    base < 10,000 → 基数不足 (both months)
C7     10,000 ×10, 开户 2026-06-01      新客不评 (both months: after 2026-05-30 and 2026-04-30)
C8     10,000 ×10, 开户 2026-05-30      now: not after 2026-05-30 → judged, 稳定; last: after 2026-04-30 → 新客不评
C9     50,000 ×7, 30,000 ×3; 理财 0 ×7, 20,000 ×3
                                       存款 −40% but 存款+理财 50,000 → 50,000: −0% → 行内迁移 (both: last −26.7%)
C10    10,000 ×10; flows: only 结息      沉睡 now (no active flow after 2026-06-03); last month: the flows start
                                       2026-06-04, too late for (2026-05-04, 2026-10-31] → not judged → 稳定
C11    10,000 ×10; 代发 2026-06-04 and 2026-09-10, none after 2026-09-30
                                       稳定 (active); 代发中断 (no 代发 in (2026-09-30, 2026-11-30])
C12    rows Jul..Nov only              base Jul, Aug: 2 < 3 months → 数据不足 (last: Jul only)
=====  ==============================  ======================================================================
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bankxl.errors import ParameterError
from bankxl.runner import execute, run_scenario

AS_OF = "2026-11-30"
MONTHS = pd.date_range("2026-02-01", "2026-11-01", freq="MS")


def _dep(first: float, last: float) -> list[float]:
    return [first] * 7 + [last] * 3


DEPOSITS = {"C1": _dep(10_000, 8_100), "C2": _dep(10_000, 8_000), "C3": _dep(20_000, 10_000),
            "C4": _dep(100_000, 10_000), "C6": [9_999.99] * 10, "C7": [10_000.0] * 10, "C8": [10_000.0] * 10,
            "C9": _dep(50_000, 30_000), "C10": [10_000.0] * 10, "C11": [10_000.0] * 10,
            "C12": [np.nan] * 5 + [10_000.0] * 5}


def monthly() -> pd.DataFrame:
    rows = [(c, m, v, 0.0 if c != "C9" else (0.0 if i < 7 else 20_000.0), "N1" if c in ("C1", "C2", "C3", "C4") else "N2")
            for c, vals in DEPOSITS.items() for i, (m, v) in enumerate(zip(MONTHS, vals)) if not np.isnan(v)]
    return pd.DataFrame(rows, columns=["cust_id", "month", "dep_avg", "wm_bal", "org_id"]).astype(
        {"cust_id": "string", "org_id": "string"})


def customers() -> pd.DataFrame:
    ids = list(DEPOSITS)
    opened = {"C7": "2026-06-01", "C8": "2026-05-30"}
    return pd.DataFrame({"cust_id": pd.array(ids, dtype="string"),
                         "cust_name": pd.array([f"客户{c}" for c in ids], dtype="string"),
                         "open_date": pd.to_datetime([opened.get(c, "2015-01-01") for c in ids]),
                         "payroll_flag": pd.array([c == "C11" for c in ids], dtype="boolean")})


def transactions() -> pd.DataFrame:
    rows = [  # cust, day, amount, dc, counterparty, bank, memo
        ("C3", "2026-11-01", 50_000.0, "D", "李四", "中国工商银行", "转账"),          # ≥ 50,000 to another bank
        ("C3", "2026-11-02", 80_000.0, "D", "李四", "示例银行", "转账"),              # this bank: not 他行
        ("C4", "2026-10-10", 6_000.0, "D", "某证券股份有限公司", "", "银证转账"),        # 证券
        ("C4", "2026-10-11", 4_000.0, "D", "某基金销售有限公司", "", "基金申购"),        # 基金: 6,000 + 4,000 = 10,000
        ("C4", "2026-10-12", 300.0, "D", "财付通-微信支付", "", "消费"),               # a purchase, not 第三方支付
        ("C10", "2026-09-21", 5.0, "C", "示例银行", "示例银行", "结息"),               # passive
        ("C11", "2026-06-04", 9_000.0, "C", "某公司", "示例银行", "代发工资"),
        ("C11", "2026-09-10", 9_000.0, "C", "某公司", "示例银行", "代发工资"),
        ("C11", "2026-11-15", 200.0, "D", "中国移动", "", "话费"),
    ]
    t = pd.DataFrame(rows, columns=["cust_id", "txn_ts", "amount", "dc", "cpty_name", "cpty_bank", "memo"])
    t["txn_ts"] = pd.to_datetime(t["txn_ts"])
    return t.astype({c: "string" for c in ("cust_id", "dc", "cpty_name", "cpty_bank", "memo")})


def time_deposits() -> pd.DataFrame:
    rows = [("A1", "C2", "2025-10-15", "2026-10-15", 30_000.0, False),   # matured, not renewed
            ("A2", "C1", "2025-10-15", "2026-10-15", 40_000.0, False),   # renewed: A3 within 7 days
            ("A3", "C1", "2026-10-20", "2027-10-20", 40_000.0, False),
            ("A4", "C6", "2025-11-25", "2026-11-25", 10_000.0, False)]   # matured 5 days ago: not judged yet
    t = pd.DataFrame(rows, columns=["acct_no", "cust_id", "value_date", "maturity_date", "balance", "auto_renew"])
    for c in ("value_date", "maturity_date"):
        t[c] = pd.to_datetime(t[c])
    return t.astype({"acct_no": "string", "cust_id": "string", "auto_renew": "boolean"})


def bank() -> dict:
    return {"customer_monthly": monthly(), "customers": customers(), "transactions": transactions(),
            "time_deposits": time_deposits()}


def _states(report) -> pd.DataFrame:
    return report.tables()["d3_detail"].df.set_index("客户号")


@pytest.mark.golden("deposit.churn")
def test_states_and_transitions_by_hand():
    """Golden case: the states of the module docstring (every state and each boundary), the transition matrix
    by hand, the list's score/level/due date for C3 and C4 and the tags."""
    rep = execute("deposit.churn", bank(), as_of=AS_OF)
    det = _states(rep)
    want = {"C1": "稳定", "C2": "轻度流失", "C3": "重度流失", "C4": "已流失", "C6": "基数不足", "C7": "新客不评",
            "C8": "稳定", "C9": "行内迁移", "C10": "沉睡", "C11": "稳定", "C12": "数据不足"}
    assert det["本月状态"].to_dict() == want
    prev = {"C1": "稳定", "C2": "稳定", "C3": "轻度流失", "C4": "重度流失", "C6": "基数不足", "C7": "新客不评",
            "C8": "新客不评", "C9": "行内迁移", "C10": "稳定", "C11": "稳定", "C12": "数据不足"}
    assert det["上月状态"].to_dict() == prev
    assert det.loc["C2", "下降率"] == pytest.approx(0.2) and det.loc["C1", "下降率"] == pytest.approx(0.19)
    assert det.loc["C9", "下降率"] == pytest.approx(0.4) and det.loc["C9", "存款+理财下降率"] == pytest.approx(0.0)
    assert det.loc["C3", "基线日均(元)"] == 20_000 and det.loc["C3", "当前日均(元)"] == 10_000

    # transition matrix: rows 上月, columns 本月 (from the two dicts above)
    m = rep.tables()["d3_transitions"].df.set_index("上月状态 \\ 本月状态")
    hand = pd.crosstab(pd.Series(prev), pd.Series(want))
    for (a, b), n in hand.stack().items():
        assert m.loc[a, b] == n, (a, b)
    assert m["合计"].sum() == 11 and m.loc["稳定", "稳定"] == 2 and m.loc["稳定", "轻度流失"] == 1
    assert m.loc["轻度流失", "重度流失"] == 1 and m.loc["重度流失", "已流失"] == 1 and m.loc["稳定", "沉睡"] == 1
    assert m.loc["新客不评", "稳定"] == 1 and m.to_numpy()[:, :-1].sum() == 11

    # list: C3 80 + 6 (大额转他行: the 50,000 to 中国工商银行; the 80,000 stays here) = 86, 重度流失, 2 working
    # days -> Wed 2026-12-02; C4 60 + 3 (证券 6,000 + 基金 4,000 = 10,000 ≥ 10,000) = 63, 已流失, 5 -> Mon 12-07;
    # C2 40 + 5 (A1 matured 2026-10-15, not renewed, 30,000) = 45, 轻度流失, 10 -> 12-14; C10 20, 沉睡, 15 -> 12-21
    lst = rep.tables()["d3_churn_list"].df
    assert lst["客户号"].tolist() == ["C3", "C4", "C2", "C10"]
    assert lst["得分"].tolist() == [86.0, 63.0, 45.0, 20.0]
    assert lst["等级"].tolist() == ["重度流失", "已流失", "轻度流失", "沉睡"]
    assert lst["截止日"].dt.strftime("%Y-%m-%d").tolist() == ["2026-12-02", "2026-12-07", "2026-12-14", "2026-12-21"]
    assert lst["原因"].iloc[0] == ("存款日均下降 50.0%(基线 20,000 → 当前 10,000 元)；"
                                 "近90天大额转他行 1 笔, 合计 50,000 元")
    assert lst["原因"].iloc[1].endswith("转证券、基金 10,000 元")
    assert lst["原因"].iloc[2].endswith("定期到期未续存 30,000 元")
    assert lst["建议动作"].iloc[0] == "48 小时内理财经理联系, 了解资金去向, 申请挽留权益(下降 50.0%)"
    # C2 has no flows: its flow factors are unknown, named, not scored 0
    assert "大额转他行" in lst["未计算因素"].iloc[2] and "手机银行登录下降" in lst["未计算因素"].iloc[0]

    assert rep.headline.lines[1] == ("流失名单 4 户(重度流失 1 · 已流失 1 · 轻度流失 1 · 沉睡 1), 截止日依次为数据日期后第 "
                                     "2 / 5 / 10 / 15 个工作日; 行内迁移不处理。")

    tags = rep.tables()["customer_tags"].df
    got = set(zip(tags["客户号"], tags["标签代码"]))
    assert {("C3", "D3_CHURN"), ("C3", "D3_BIG_OUT"), ("C4", "D3_INVEST_OUT"), ("C2", "D3_MATURED"),
            ("C9", "D3_MIGRATION"), ("C11", "D3_PAYROLL_STOP"), ("C10", "D3_CHURN")} <= got
    assert ("C1", "D3_MATURED") not in got and ("C6", "D3_MATURED") not in got  # renewed / not judged yet
    big = tags[(tags["客户号"] == "C3") & (tags["标签代码"] == "D3_BIG_OUT")]
    assert big["标签值"].tolist() == [50_000.0]
    counts = rep.tables()["d3_tag_counts"].df.set_index("行为标签")
    assert counts.loc["大额转他行", "客户数"] == 1 and counts.loc["大额转他行", "可判断客户数"] == 4  # C3 C4 C10 C11
    assert counts.loc["到期未续存", "可判断客户数"] == 11


def test_by_org_distribution_by_hand():
    """网点 N1 = C1–C4: 稳定 1, 轻度 1, 重度 1, 已流失 1 → 流失 3 of 4 judged; N2 = the other 7: 流失 0."""
    rep = execute("deposit.churn", bank(), as_of=AS_OF)
    t = rep.tables()["d3_by_org"].df.set_index("机构号")
    assert t.loc["N1", ["稳定", "轻度流失", "重度流失", "已流失"]].tolist() == [1, 1, 1, 1]
    assert t.loc["N1", "流失率"] == pytest.approx(3 / 4) and t.loc["N2", "流失户数"] == 0
    # N2 judged: C8 C10 C11 稳定/沉睡, C9 行内迁移 -> 4; churn 0
    assert t.loc["N2", "流失率"] == 0 and t["合计"].sum() == 11 and list(t.index) == ["N1", "N2"]
    # 流失下降金额(万元): C2 2,000 + C3 10,000 + C4 90,000 = 102,000 元 = 10.2 万元
    assert t.loc["N1", "流失下降金额(万元)"] == pytest.approx(10.2)


def test_lost_floor_and_year_over_year_base():
    """min_base 5,000: X1 base 6,000, cur 900 -> drop 85% (重度 by rate) but cur < 1,000 -> 已流失.
    baseline=yoy: base = Sep–Nov 2025. Y1: 10,000 then 7,000 (drop 30% -> 轻度); Z1 without 2025 months -> 数据不足."""
    months = pd.date_range("2025-09-01", "2026-11-01", freq="MS")  # 15 months
    rows = [("X1", m, 6_000.0 if m < pd.Timestamp("2026-09-01") else 900.0) for m in months]
    rows += [("Y1", m, 10_000.0 if m < pd.Timestamp("2026-09-01") else 7_000.0) for m in months]
    rows += [("Z1", m, 10_000.0) for m in months if m >= pd.Timestamp("2026-01-01")]
    cm = pd.DataFrame(rows, columns=["cust_id", "month", "dep_avg"]).astype({"cust_id": "string"})
    det = _states(execute("deposit.churn", {"customer_monthly": cm}, {"min_base": 5_000}, as_of=AS_OF))
    assert det.loc["X1", "本月状态"] == "已流失" and det.loc["X1", "下降率"] == pytest.approx(0.85)
    yoy = _states(execute("deposit.churn", {"customer_monthly": cm}, {"baseline": "yoy"}, as_of=AS_OF))
    assert yoy.loc["Y1", "本月状态"] == "轻度流失" and yoy.loc["Y1", "下降率"] == pytest.approx(0.3)
    assert yoy.loc["Z1", "本月状态"] == "数据不足"


def test_without_wealth_or_flows_nothing_is_guessed():
    """No 理财余额: C9 (−40%) is 重度流失?  No: 40% < 50% -> 轻度流失, and 说明 says migration was not judged.
    No 交易流水: C10 is 稳定 (沉睡 unknown), behaviour flags blank (not 否)."""
    cm = monthly().drop(columns="wm_bal")
    rep = execute("deposit.churn", {"customer_monthly": cm, "customers": customers()}, as_of=AS_OF)
    det = _states(rep)
    assert det.loc["C9", "本月状态"] == "轻度流失" and det.loc["C10", "本月状态"] == "稳定"
    assert det["大额转他行"].isna().all() and det["到期未续存"].isna().all()
    notes = " ".join(rep.notes)
    assert "行内迁移无法判断" in notes and "未提供交易流水" in notes and "未提供定期存款明细" in notes


def test_duplicate_and_negative_months_are_data_problems():
    """A repeated (客户号, 月份) is DUP_KEY (the last row kept); a negative 日均 is NEG_BALANCE and counts as 0:
    N1 base (10,000 ×6) cur (−500 -> 0, 0, 0) -> 已流失."""
    rows = [("N1", m, 10_000.0 if m < pd.Timestamp("2026-09-01") else -500.0) for m in MONTHS]
    rows.append(("N1", pd.Timestamp("2026-03-01"), 99.0))  # earlier copy below
    cm = pd.DataFrame(rows, columns=["cust_id", "month", "dep_avg"]).astype({"cust_id": "string"})
    cm = pd.concat([cm.iloc[[-1]], cm.iloc[:-1]], ignore_index=True)  # the 99 row first: the later 10,000 kept
    cm["_row"] = pd.array(np.arange(2, len(cm) + 2), dtype="Int64")
    rep = execute("deposit.churn", {"customer_monthly": cm}, as_of=AS_OF)
    det = _states(rep)
    assert det.loc["N1", "本月状态"] == "已流失" and det.loc["N1", "基线日均(元)"] == 10_000
    probs = rep.problems.to_frame()
    assert set(probs["问题码"]) == {"DUP_KEY", "NEG_BALANCE"}
    assert probs.loc[probs["问题码"] == "DUP_KEY", "Excel 行号"].tolist() == [2]
    assert len(probs[probs["问题码"] == "NEG_BALANCE"]) == 3


def test_headline_figures_by_hand(tmp_path):
    """Issue 10: D3 opens on one overview. From the states of the module docstring (上月 = the 上月状态 column):
    流失 now C2 C3 C4 = 3, last month C3 C4 = 2; 日均下降 now 2,000 + 10,000 + 90,000 = 102,000 元 = 10.2 万元,
    last month C3 20,000 − (20,000 + 2 × 10,000)/3 = 6,666.67 and C4 100,000 − (100,000 + 2 × 10,000)/3 =
    60,000 -> 66,666.67 元; 重度+已流失 now C3 C4 = 2 of 8 judged (C1 C2 C3 C4 C8 C9 C10 C11) = 25%, last month
    C4 = 1 of 7 (C8 was 新客); 行内迁移 C9 both months. Outlets: no outlet has 30 judged customers (default) ->
    blank; with min_org_judged = 4: N1 2/4 = 50% against 全行 25% (N2 0/4)."""
    import openpyxl

    from bankxl.report.xlsx import XlsxReportWriter, write_report

    rep = execute("deposit.churn", bank(), as_of=AS_OF)
    got = {f.label: (f.value, f.compare) for f in rep.headline.figures}
    assert got == {"流失客户(轻度+重度+已流失)": (3, 2), "流失客户日均下降": (pytest.approx(10.2), pytest.approx(6.666667)),
                   "其中 重度流失 + 已流失": (2, 1), "重度+已流失占评估客户": (0.25, pytest.approx(1 / 7)),
                   "重度+已流失占比最高网点": (None, 0.25), "行内迁移(转本行理财, 不算流失)": (1, 1)}
    assert rep.headline.actions == "d3_churn_list" and rep.headline.chart.table == "d3_by_org"
    assert rep.headline.figures[4].note == "没有评估客户 ≥ 30 户的网点, 不比较"
    org = execute("deposit.churn", bank(), {"min_org_judged": 4}, as_of=AS_OF).headline.figures[4]
    assert (org.label, org.value, org.compare) == ("重度+已流失占比最高网点 N1", 0.5, 0.25)
    wb = openpyxl.load_workbook(write_report(rep, tmp_path / "d3.xlsx"))
    assert wb.sheetnames[:3] == ["概览", "状态分布", "状态迁移"] and wb.sheetnames.count("概览") == 1
    ws = wb["概览"]
    head = next(r for r in range(1, 20) if ws.cell(r, 1).value == "关键指标")
    assert [ws.cell(head + i, 2).value for i in range(1, 7)] == [3, pytest.approx(10.2), 2, 0.25, None, 1]
    assert ws.cell(head + 1, 6).value == 1  # 差额 3 − 2
    top = next(r for r in range(head, 80) if ws.cell(r, 1).value == "排名")
    assert [ws.cell(top + i, 2).value for i in range(1, 5)] == ["C3", "C4", "C2", "C10"]
    w = XlsxReportWriter(rep, tmp_path / "d3b.xlsx")
    w.write()
    assert [w.layouts[s][0] for s in ("流失名单", "客户状态明细", "状态分布", "行为标签")] == \
        ["detail", "detail", "summary", "summary"]
    # October and November only, 1-month windows: now base Oct / current Nov; last month-end needs September,
    # which the data lack -> nobody judged then -> every 上月末 comparison blank and said, not 0
    cm = monthly()
    two = execute("deposit.churn", {"customer_monthly": cm[cm["month"] >= "2026-10-01"]},
                  {"base_months": 1, "current_months": 1}, as_of=AS_OF).headline.figures
    prev = [f for f in two if f.compare_label == "上月末"]
    assert len(prev) == 5 and all(f.compare is None and "无上月对比" in f.note for f in prev)
    assert two[0].value == 0  # every customer flat from October to November: nobody churned


@pytest.mark.parametrize("bad", [{"drop_edges": "0.5,0.2,0.9"}, {"light_points": "75"},
                                 {"baseline": "去年"}, {"levels": '[["已流失", 80], ["重度流失", 60], ["轻度流失", 40], ["沉睡", 20]]'},
                                 {"payment_memo": "(支付宝"}, {"renew_days": "90"}])
def test_bad_parameter_fails_before_load(bad, no_load):
    """Each bad value is a ParameterError naming the parameter, raised before the input file is read (no_load
    refuses any read): reversed edges, points that would cross a level (75 + 19 behaviour points ≥ 80), an
    unknown choice, levels out of the states' order, a broken regex, renew_days ≥ maturity_window."""
    with pytest.raises(ParameterError) as e:
        run_scenario("deposit.churn", [no_load], None, params=bad, as_of=AS_OF)
    name = next(iter(bad))
    assert name in str(e.value) or {"light_points": "轻度流失得分"}.get(name, "-") in str(e.value)


def test_one_person_with_two_customer_numbers_is_judged_once():
    """P1 (18-digit ID) and P2 (the same person's 15-digit ID, 340524800101001 -> 34052419800101001X) moved
    10,000 from P2 to P1: apart, P2 would be 已流失 (10,000 -> 0); as one person base 10,000 + 10,000 = 20,000,
    current 20,000 + 0 = 20,000 -> 稳定, shown under the smaller 客户号 P1; 说明 names the merge."""
    rows = [(c, m, v) for c, first, last in (("P1", 10_000.0, 20_000.0), ("P2", 10_000.0, 0.0))
            for m, v in zip(MONTHS, _dep(first, last))]
    cm = pd.DataFrame(rows, columns=["cust_id", "month", "dep_avg"]).astype({"cust_id": "string"})
    cust = pd.DataFrame({"cust_id": ["P1", "P2"], "id_no": ["34052419800101001X", "340524800101001"],
                         "cust_name": ["张三", "张三"]}).astype("string")
    rep = execute("deposit.churn", {"customer_monthly": cm, "customers": cust}, as_of=AS_OF)
    det = _states(rep)
    assert list(det.index) == ["P1"] and det.loc["P1", "本月状态"] == "稳定"
    assert det.loc["P1", "基线日均(元)"] == 20_000 and det.loc["P1", "当前日均(元)"] == 20_000
    assert any("P2→P1" in n for n in rep.notes)
    alone = _states(execute("deposit.churn", {"customer_monthly": cm}, as_of=AS_OF))
    assert alone.loc["P2", "本月状态"] == "已流失"
