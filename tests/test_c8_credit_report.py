"""C8 征信数据: 他行客户挖掘 on a hand-made bank of 7 persons (as of Mon 2026-11-30); every value by hand.

P1 (C1): two reports — the older (2025-01-10) holds a 兴业 经营贷 of 999,999 that must not count. Latest
    (2026-10-15): 工商 经营贷 (41) 300,000 maturing 2027-05-30 = as_of + 6 months (window edge: in), 抵押;
    示例银行 (own) 消费贷 100,000; 招商 贷记卡 R2 20,000. -> 他行 320,000, 本行 100,000, 占比 320/420,
    重点种类 300,000, window 1 (300,000), lenders 2 (工商, 本行; the card not counted), clean, 代发 = 是.
P2 (C2): 建设 消费贷 (91) 50,000 maturing 2027-05-31 (one day past the window), 信用, string with a '#' month
    (clean unknown); 平安 住房贷 结清 (not open); 代发 blank (unknown). -> 他行 50,000, 占比 100%.
P3 (C3): 4 lenders with a 消费贷 of 10,000 each -> 多头 4 > 3: excluded.
P4 (C4): 平安 经营贷 80,000 账户状态 逾期, 当前逾期总额 2,000, latest month 1 -> excluded (当前逾期).
P5 (C5): 兴业 消费贷 30,000, 近3月硬查询 7 > 6 -> excluded.
P6 (C6): only 示例银行 住房贷 200,000 -> no other-bank account: neither listed nor excluded.
P7 (C7): 浦发 汽车贷 (21) 60,000 maturing 2026-12-31 (window), 抵押, string of 23 characters (REPAY_INVALID;
    clean unknown), 代发 = 是.

Scores (candidates P1, P2, P7; 重点种类 percentile among those holding it: P2 0.5, P1 1.0, P7 none -> 0):
P1 30×1 + 20 window + 20 clean + 15 代发 + 15 抵押 = 100 -> A; P7 20 + 15 + 15 = 50 -> B;
P2 30×0.5 = 15 (记录干净, 本行存款/代发 未计算) -> C. Due: 5/10/20 working days -> 12-07, 12-14, 12-28.
"""
from __future__ import annotations

import pandas as pd
import pytest

from bankxl.cli import main
from bankxl.errors import ParameterError
from bankxl.runner import execute

AS_OF = "2026-11-30"
W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def make_id(i: int) -> str:
    body = f"11010519800101{i:03d}"
    return body + "10X98765432"[sum(int(a) * b for a, b in zip(body, W)) % 11]


N24 = "N" * 24
ACCOUNTS = [
    # person, report date, lender, type, business, maturity, balance, status, overdue amt, repay, guarantee, queries
    (1, "2025-01-10", "兴业银行", "D1", "41", "2027-01-10", 999_999.0, "正常", 0.0, N24, "抵押", 1),
    (1, "2026-10-15", "中国工商银行", "D1", "41", "2027-05-30", 300_000.0, "正常", 0.0, N24, "抵押", 2),
    (1, "2026-10-15", "示例银行股份有限公司", "D1", "91", "2028-01-01", 100_000.0, "正常", 0.0, N24, "信用", 2),
    (1, "2026-10-15", "招商银行", "R2", None, None, 20_000.0, "正常", 0.0, N24, "信用", 2),
    (2, "2026-11-01", "中国建设银行", "D1", "91", "2027-05-31", 50_000.0, "正常", 0.0, "N" * 10 + "#" + "N" * 13, "信用", 0),
    (2, "2026-11-01", "平安银行", "D1", "11", "2026-06-01", 0.0, "结清", 0.0, "N" * 20 + "CCCC", "抵押", 0),
    *[(3, "2026-09-01", bank, "D1", "91", "2028-09-01", 10_000.0, "正常", 0.0, N24, "信用", 1)
      for bank in ("中国工商银行", "中国建设银行", "招商银行", "兴业银行")],
    (4, "2026-09-20", "平安银行", "D1", "41", "2027-09-20", 80_000.0, "逾期", 2_000.0, "N" * 23 + "1", "保证", 3),
    (5, "2026-08-01", "兴业银行", "D1", "91", "2029-08-01", 30_000.0, "正常", 0.0, N24, "信用", 7),
    (6, "2026-10-01", "示例银行", "D1", "11", "2046-10-01", 200_000.0, "正常", 0.0, N24, "抵押", 0),
    (7, "2026-11-20", "浦发银行", "D1", "21", "2026-12-31", 60_000.0, "正常", 0.0, "N" * 23, "抵押", 1),
]


def bank() -> dict[str, pd.DataFrame]:
    rows = pd.DataFrame(ACCOUNTS, columns=["p", "report_date", "lender", "account_type", "business_type",
                                           "maturity_date", "balance", "account_status", "overdue_amount",
                                           "repay_24m", "guarantee", "hard_queries_3m"])
    cr = rows.assign(id_no=rows["p"].map(make_id), cust_name=rows["p"].map(lambda i: f"客户{i}"),
                     report_date=pd.to_datetime(rows["report_date"]),
                     maturity_date=pd.to_datetime(rows["maturity_date"])).drop(columns="p")
    cust = pd.DataFrame({"cust_id": [f"C{i}" for i in range(1, 8)], "cust_name": [f"客户{i}" for i in range(1, 8)],
                         "id_no": [make_id(i) for i in range(1, 8)], "org_id": ["N1"] * 4 + ["N2"] * 3,
                         "payroll_flag": pd.array([True, None, False, False, False, False, True], dtype="boolean")})
    return {"credit_reports": cr, "customers": cust}


@pytest.fixture(scope="module")
def report():
    return execute("credit.credit_report", bank(), as_of=AS_OF, mask=False)


@pytest.mark.golden("credit.credit_report")
def test_poaching_list_by_hand(report):
    lst = report.tables()["c8_list"].df
    assert lst["客户号"].tolist() == ["C1", "C7", "C2"] and lst["排名"].tolist() == [1, 2, 3]
    assert lst["得分"].tolist() == [100.0, 50.0, 15.0] and lst["等级"].tolist() == ["A", "B", "C"]
    assert lst["他行余额(元)"].tolist() == [320_000.0, 60_000.0, 50_000.0]
    assert lst["他行占比"].tolist() == pytest.approx([320 / 420, 1.0, 1.0])
    assert lst["多头机构数"].tolist() == [2, 1, 1]
    assert lst["转贷窗口余额(元)"].iloc[:2].tolist() == [300_000.0, 60_000.0] and pd.isna(lst["转贷窗口余额(元)"].iloc[2])
    assert lst["最早到期日"].tolist() == ["2027-05-30", "2026-12-31", ""]
    assert lst["原因"].iloc[0] == ("他行经营贷/消费贷余额 300,000 元(前 1%)；1 笔他行贷款 2027-05-30 起到期(转贷窗口)；"
                                 "近24月征信记录干净")
    assert lst["原因"].iloc[1] == "1 笔他行贷款 2026-12-31 起到期(转贷窗口)；本行有存款/代发；他行抵押/质押贷款(可置换)"
    assert lst["原因"].iloc[2] == "他行经营贷/消费贷余额 50,000 元(前 50%)"
    assert lst["未计算因素"].tolist()[1:] == ["记录干净", "记录干净、本行存款/代发"] and pd.isna(lst["未计算因素"].iloc[0])
    assert lst["建议动作"].iloc[0] == "客户经理面谈: 他行经营贷等余额 320,000 元, 提供置换方案"
    assert lst["截止日"].dt.strftime("%Y-%m-%d").tolist() == ["2026-12-07", "2026-12-14", "2026-12-28"]

    hold = report.tables()["c8_hold"]
    assert hold.risk_only and hold.role == "list"
    h = hold.df
    assert h["客户号"].tolist() == ["C4", "C3", "C5"] and set(h["等级"]) == {"不营销"}
    assert h["原因"].tolist() == ["当前逾期/呆账/不良", "多头: 4 家机构 > 3", "近3月硬查询 7 次 > 6"]
    assert h["他行余额(元)"].tolist() == [80_000.0, 40_000.0, 30_000.0]

    tags = report.tables()["customer_tags"].df
    got = sorted(zip(tags["客户号"], tags["标签代码"], tags["标签值"].fillna(-1)))
    assert got == [("C1", "C8_POACH", 100.0), ("C1", "C8_REFI_WINDOW", 300_000.0), ("C2", "C8_POACH", 15.0),
                   ("C3", "C8_HOLD", -1), ("C4", "C8_HOLD", -1), ("C5", "C8_HOLD", -1),
                   ("C7", "C8_POACH", 50.0), ("C7", "C8_REFI_WINDOW", 60_000.0)]


def test_structure_window_people_and_headline(report):
    k = report.tables()["c8_kinds"].df.set_index("业务种类")
    # 经营贷: P1 300k + P4 80k; 消费贷: P2 50k + P3 4×10k + P5 30k (他行), P1 100k (本行); 住房贷: P6 200k (本行)
    assert k.loc["经营贷", "他行笔数"] == 2 and k.loc["经营贷", "他行余额(万元)"] == pytest.approx(38.0)
    assert k.loc["消费贷", "他行笔数"] == 6 and k.loc["消费贷", "他行余额(万元)"] == pytest.approx(12.0)
    assert k.loc["消费贷", "本行余额(万元)"] == pytest.approx(10.0) and k.loc["住房贷", "本行余额(万元)"] == 20.0
    assert k.loc["信用卡", "他行余额(万元)"] == 2.0 and k.loc["汽车贷", "他行客户数"] == 1
    assert "合计" not in k.index and k["他行余额(万元)"].sum() == pytest.approx(58.0)  # = the headline's total
    assert k.index.tolist() == ["住房贷", "汽车贷", "经营贷", "消费贷", "信用卡"]
    assert "兴业银行" not in set(report.tables()["c8_window"].df["管理机构"])  # the older report of P1 is not used
    w = report.tables()["c8_window"].df
    assert w["客户号"].tolist() == ["C7", "C1"] and w["距到期(天)"].tolist() == [31, 181]
    ppl = report.tables()["c8_people"].df.set_index("客户号")
    assert ppl.loc["C6", "结论"] == "无他行未结清" and ppl.loc["C3", "结论"] == "排除(不营销)"
    assert ppl.loc[["C1", "C2", "C7"], "记录干净"].tolist() == ["是", "未知", "未知"]
    assert ppl.loc["C4", "当前逾期"] == "是" and ppl.loc["C1", "当前逾期"] == "否"
    assert ppl.loc["C1", "报告日期"] == pd.Timestamp("2026-10-15")
    h = report.headline
    vals = {f.label: (f.value, f.compare) for f in h.figures}
    assert vals["有征信报告的客户"][0] == 7
    assert vals["他行未结清余额"] == (pytest.approx(58.0), pytest.approx(30.0))
    assert vals["他行占比"][0] == pytest.approx(58 / 88)
    assert vals["6个月内到期(转贷窗口)"] == (2, 2) and vals["挖掘名单"] == (3, 1) and vals["排除(不营销)"][0] == 3
    assert h.actions == "c8_list" and "不得为营销目的查询征信" in h.lines[0]
    assert any("不得为营销目的查询征信" in n for n in report.notes)


def test_data_problems_listed(report):
    pr = report.problems.to_frame()
    bad = pr[pr["问题码"] == "REPAY_INVALID"]
    assert len(bad) == 1 and bad["问题说明"].iloc[0] == "长度 23 位, 应为 24 位"


def test_masked_by_default_and_without_customer_table():
    tables = bank()
    rep = execute("credit.credit_report", tables, as_of=AS_OF)
    lst = rep.tables()["c8_list"].df
    assert lst["证件号码(脱敏)"].iloc[0] == make_id(1)[:6] + "********" + make_id(1)[-4:]
    # without 客户 and without 客户号 in the report nobody can be listed under a 客户号: said, not guessed
    cr = tables["credit_reports"].assign(cust_id=[f"C{i}" for i in [1, 1, 1, 1, 2, 2, 3, 3, 3, 3, 4, 5, 6, 7]])
    rep2 = execute("credit.credit_report", {"credit_reports": cr}, as_of=AS_OF)
    l2 = rep2.tables()["c8_list"].df
    assert l2["客户号"].tolist() == ["C1", "C7", "C2"]
    # 代发 unknown for everybody now: P1 100 − 15, P7 50 − 15 (B: 35 < 40 -> C)
    assert l2["得分"].tolist() == [85.0, 35.0, 15.0]


def test_bad_parameters_fail_before_any_load(tmp_path, capsys):
    with pytest.raises(ParameterError, match="target_kinds"):
        execute("credit.credit_report", bank(), {"target_kinds": "房贷"}, as_of=AS_OF)
    with pytest.raises(ParameterError, match="streak_consecutive"):
        execute("credit.credit_report", bank(), {"streak_consecutive": 9}, as_of=AS_OF)
    junk = tmp_path / "坏文件.xlsx"  # not a workbook: reading it would fail; the parameter stops the run first
    junk.write_bytes(b"not a workbook")
    code = main(["run", "C8", "-i", str(junk), "--out", str(tmp_path / "o.xlsx"), "--param", "own_bank=("])
    err = capsys.readouterr().err
    assert code != 0 and "own_bank" in err and "不是有效的正则表达式" in err and "坏文件" not in err
    assert not (tmp_path / "o.xlsx").exists()


def test_known_zero_balances_are_zero_and_unknown_ones_blank(report):
    """他行业务结构 and 客户征信汇总: a side without any open account of the kind holds a known 0 (信用卡: 本行笔数 0
    → 本行余额 0, was blank; 住房贷: only P6's 本行 200,000 open → 他行余额 0, 他行占比 0; C6 has no other-bank
    account → 他行余额 0; C3 none here → 本行余额 0). An open account whose balance is blank leaves its side unknown:
    with P1's 本行 消费贷 balance blank, 消费贷 本行余额 is blank (1 account, balance unknown) and so is 他行占比 —
    not 12 / (12 + 0) = 100% — and C1's 本行余额 / 他行占比 are blank too."""
    k = report.tables()["c8_kinds"].df.set_index("业务种类")
    assert k.loc["信用卡", "本行笔数"] == 0 and k.loc["信用卡", "本行余额(万元)"] == 0.0
    assert k.loc["汽车贷", "本行余额(万元)"] == 0.0 and k.loc["经营贷", "本行余额(万元)"] == 0.0
    assert k.loc["住房贷", "他行笔数"] == 0 and k.loc["住房贷", "他行余额(万元)"] == 0.0 and k.loc["住房贷", "他行占比"] == 0.0
    assert k.loc["信用卡", "他行占比"] == 1.0 and k.loc["消费贷", "他行占比"] == pytest.approx(12 / 22)
    ppl = report.tables()["c8_people"].df.set_index("客户号")
    assert ppl.loc["C6", "他行余额(元)"] == 0.0 and ppl.loc["C6", "本行余额(元)"] == 200_000.0
    assert ppl.loc["C3", "本行余额(元)"] == 0.0 and ppl.loc["C3", "他行占比"] == 1.0

    b = bank()
    cr = b["credit_reports"]
    own_p1 = (cr["lender"] == "示例银行股份有限公司").to_numpy()
    b["credit_reports"] = cr.assign(balance=cr["balance"].mask(own_p1))
    rep = execute("credit.credit_report", b, as_of=AS_OF, mask=False)
    k = rep.tables()["c8_kinds"].df.set_index("业务种类")
    assert k.loc["消费贷", "本行笔数"] == 1 and pd.isna(k.loc["消费贷", "本行余额(万元)"])
    assert pd.isna(k.loc["消费贷", "他行占比"]) and k.loc["消费贷", "他行余额(万元)"] == pytest.approx(12.0)
    ppl = rep.tables()["c8_people"].df.set_index("客户号")
    assert pd.isna(ppl.loc["C1", "本行余额(元)"]) and pd.isna(ppl.loc["C1", "他行占比"])
    assert ppl.loc["C1", "他行余额(元)"] == 320_000.0


def test_headline_difference_blank_on_part_rows(report, tmp_path):
    """概览 as written: 差额 = 数值 − 对比值 means something against another value (他行 58 万元 vs 本行 30 万元 -> 28)
    but not against a part of the value: 转贷窗口 2 人 其中在挖掘名单 2, 挖掘名单 3 人 其中 A 级 1 leave 差额 blank
    (before: 0 and 2), the 对比值 still written. The rule is the shared writer's (Figure.compare_is_part: a 对比 label
    starting with 其中), so C5's 营销名单 其中 A 级 follows it too."""
    import openpyxl

    from bankxl.report import Figure
    from bankxl.report.xlsx import write_report

    ws = openpyxl.load_workbook(write_report(report, tmp_path / "c8.xlsx"))["概览"]
    head = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "关键指标")
    assert [ws.cell(head, c).value for c in range(1, 7)] == ["关键指标", "数值", "单位", "对比", "对比值", "差额"]
    rows = {ws.cell(r, 1).value: [ws.cell(r, c).value for c in range(2, 7)] for r in range(head + 1, head + 7)}
    assert rows["他行未结清余额"] == [pytest.approx(58.0), "万元", "本行未结清余额", pytest.approx(30.0), pytest.approx(28.0)]
    assert rows["6个月内到期(转贷窗口)"] == [2, "人", "其中在挖掘名单", 2, None]
    assert rows["挖掘名单"] == [3, "人", "其中 A 级", 1, None]
    assert Figure("x", 3, compare_label="其中 A 级", compare=1).compare_is_part
    assert not Figure("x", 3, compare_label="上月", compare=1).compare_is_part
