"""C1 线上贷款白名单优先级: hand-computed admission, curve, score, cross counts (issue 13)."""
from __future__ import annotations

from pathlib import Path
from unittest import mock

import pandas as pd
import pytest

from bankxl import io as bio
from bankxl.errors import ParameterError
from bankxl.runner import execute, run_scenario
from table_util import table

AS_OF = "2026-11-30"  # a Monday: +5 / +10 / +20 working days = 12-07 / 12-14 / 12-28
W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
P = {"band_min": 1}  # a tiny bank: every band with a customer is judged


def _id18(body17: str) -> str:
    """Check digit by the §0.6 formula, written out here (independent of bankxl.idcard)."""
    return body17 + "10X98765432"[sum(int(c) * w for c, w in zip(body17, W)) % 11]


ID1 = "360426199101010071"  # §8 test vector: born 1991-01-01 -> 35 on the data date
ID5 = _id18("11010119760101123")  # born 1976-01-01 -> 50
ID9 = _id18("11010119880101123")  # born 1988-01-01 -> 38
NEW = "34052419800101001X"  # §8 vector, a person outside the bank


_frame = table  # tests/table_util.py: rows -> the canonical table a loader would hand the scenario


def _months(day: int, first: int = 6) -> list[str]:
    return [f"2026-{m:02d}-{day:02d}" for m in range(first, 12)]


def _bank(with_credit: bool = True) -> dict:
    """Nine customers; orgs 001 (K1 K3 K5 K7 K9) and 002 (K2 K4 K6 K8). Ages on 2026-11-30: K1 35 (from the ID),
    K2 30, K3 40, K4 45, K5 50 (ID), K6 33, K7 60, K8 28, K9 38 (ID).
    Flows June–November (6 months) for K1, K2, K9 only:
      K1 代发 10,000 each month, spends 8,000 each month; plus 50,000 in from and out to her own name (本人互转:
      left out) -> income 10,000, spend 8,000, ratio 0.8, 代发连续 6.
      K2 transfers in 20,000 each month (not 代发), spends 4,000 -> ratio 0.2, 代发连续 0.
      K9 代发 6,000 in Aug–Nov only, spends 3,000 each month -> income 24,000/6 = 4,000, spend 3,000, ratio 0.75,
      代发连续 4.
    Admission: K7 age 60 > 55; K3 本行贷款 逾期中 (status D); K4 征信 NNN…111NN (3 in a row: 连三); K5 on the
    blacklist (active); K6 7 hard inquiries > 6; K1's older report (9 queries) is not the latest one (2 queries).
    K8 passes all it can be judged on (no report: 连三累六/查询 未计算) but has no flows -> 信息不足.
    """
    cust = _frame("customers", [
        {"cust_id": "K1", "cust_name": "赵一", "id_no": ID1, "org_id": "001", "payroll_flag": True,
         "phone": "13900000001"},
        {"cust_id": "K2", "cust_name": "钱二", "birth_date": "1996-05-01", "org_id": "002", "payroll_flag": False,
         "phone": "13812345678"},
        {"cust_id": "K3", "cust_name": "孙三", "birth_date": "1986-03-01", "org_id": "001"},
        {"cust_id": "K4", "cust_name": "李四", "birth_date": "1981-03-01", "org_id": "002"},
        {"cust_id": "K5", "cust_name": "周五", "id_no": ID5, "org_id": "001"},
        {"cust_id": "K6", "cust_name": "吴六", "birth_date": "1993-03-01", "org_id": "002"},
        {"cust_id": "K7", "cust_name": "郑七", "birth_date": "1966-06-01", "org_id": "001"},
        {"cust_id": "K8", "cust_name": "王八", "birth_date": "1998-01-01", "org_id": "002"},
        {"cust_id": "K9", "cust_name": "冯九", "id_no": ID9, "org_id": "001", "payroll_flag": True},
    ])
    t = []
    for d in _months(10):
        t += [{"cust_id": "K1", "txn_ts": d, "amount": 10_000, "dc": "C", "cpty_name": "市第一医院", "memo": "代发工资"},
              {"cust_id": "K2", "txn_ts": d, "amount": 20_000, "dc": "C", "cpty_name": "张三", "memo": "转账"}]
    for d in _months(20):
        t += [{"cust_id": "K1", "txn_ts": d, "amount": 8_000, "dc": "D", "cpty_name": "京东商城", "memo": "网购"},
              {"cust_id": "K2", "txn_ts": d, "amount": 4_000, "dc": "D", "cpty_name": "美团", "memo": "消费"},
              {"cust_id": "K9", "txn_ts": d, "amount": 3_000, "dc": "D", "cpty_name": "超市", "memo": "消费"}]
    for d in _months(10, first=8):
        t.append({"cust_id": "K9", "txn_ts": d, "amount": 6_000, "dc": "C", "cpty_name": "区教育局", "memo": "工资"})
    t += [{"cust_id": "K1", "txn_ts": "2026-09-05", "amount": 50_000, "dc": "C", "cpty_name": "赵一", "memo": "转账"},
          {"cust_id": "K1", "txn_ts": "2026-09-06", "amount": 50_000, "dc": "D", "cpty_name": "赵一", "memo": "转账"}]
    txn = _frame("transactions", [{**r, "txn_id": f"T{i}"} for i, r in enumerate(t)])
    loans = _frame("loans", [
        {"loan_id": "L1", "cust_id": "K3", "product": "个人消费贷款", "start_date": "2025-01-01", "status": "D",
         "overdue_days": 40, "balance": 5_000},
        {"loan_id": "L2", "cust_id": "K9", "product": "个人住房贷款", "start_date": "2020-01-01", "status": "C",
         "balance": 500_000}])
    monthly = _frame("customer_monthly", [
        {"cust_id": "K1", "month": "2026-11-01", "dep_avg": 60_000},
        {"cust_id": "K2", "month": "2026-11-01", "dep_avg": 10_000}])
    ext = _frame("external_lists", [
        {"list_source": "公积金", "cust_name": "赵 一", "id_no": ID1[:6] + ID1[8:17], "income_base": 9_000},  # 15 digits
        {"list_source": "机关事业单位", "cust_name": "王五", "id_no": NEW, "org_id": "003", "income_base": 12_000},
        {"list_source": "公积金", "cust_name": "冯久", "id_no": ID9},  # K9's ID under another name: 冲突
        {"list_source": "优质企业", "cust_name": "钱二", "phone": "138****5678"},  # no ID: 姓名+手机号
    ])
    bl = _frame("blacklist", [{"cust_name": "周五", "id_no": ID5, "source": "失信被执行人", "status": "有效"},
                              {"cust_name": "钱二", "phone": "13812345678", "source": "本行黑名单", "status": "已移出"}])
    tables = {"customers": cust, "transactions": txn, "loans": loans, "customer_monthly": monthly,
              "external_lists": ext, "blacklist": bl}
    if with_credit:
        n24 = "N" * 24
        tables["credit_reports"] = _frame("credit_reports", [
            {"id_no": ID1, "report_date": "2026-11-01", "repay_24m": n24, "account_status": "正常", "hard_queries_3m": 2},
            {"id_no": ID1, "report_date": "2025-01-01", "repay_24m": n24, "account_status": "正常", "hard_queries_3m": 9},
            {"id_no": _id18("11010119810301123"), "cust_id": "K4", "report_date": "2026-10-01",
             "repay_24m": "N" * 19 + "111NN", "hard_queries_3m": 1},
            {"id_no": _id18("11010119930301123"), "cust_id": "K6", "report_date": "2026-10-01", "repay_24m": n24,
             "hard_queries_3m": 7}])
    return tables


@pytest.fixture(scope="module")
def report():
    return execute("credit.online_whitelist", _bank(), P, as_of=AS_OF)


@pytest.mark.golden("credit.online_whitelist")
def test_admission_and_score_by_hand(report):
    """Scores (the five components by hand; percentiles among the 3 persons with flows: K9 4,000 -> 1/3, K1 10,000
    -> 2/3, K2 20,000 -> 1):
      K1 = 30×6/6 + 25×2/3 + 20 (0.8 in 0.7–1.0, 代发 6 ≥ 3) + 15×2/3 (代发 yes, 住房贷款 no, 日均 60,000 ≥ 5万 yes)
           + 10 (35–39 is a 需求段: medians 7,000 / 5,500 = 0.786) = 86.7 -> A, 额度 min(150,000, 200,000)
      K9 = 30×4/6 + 25×1/3 + 20 (0.75, 代发 4) + 15×2/2 (代发, 住房贷款; 日均 unknown: not counted) + 10 = 73.3
           -> B, 额度 60,000
      K2 = 0 + 25×1 + 0 (0.2) + 15×0/3 + 0 (30–34: ratio 0.2, 否) = 25.0 -> C, 额度 capped 200,000."""
    lst = report.tables()["whitelist"].df
    assert lst["客户号"].tolist() == ["K1", "K9", "K2"]
    assert lst["得分"].tolist() == [86.7, 73.3, 25.0]
    assert lst["等级"].tolist() == ["A", "B", "C"]
    assert lst["月均收入(元)"].tolist() == pytest.approx([10_000, 4_000, 20_000])
    assert lst["月均支出(元)"].tolist() == pytest.approx([8_000, 3_000, 4_000])
    assert lst["代发连续月数"].tolist() == [6, 4, 0]
    assert lst["参考额度(元)"].tolist() == [150_000, 60_000, 200_000]
    assert lst["截止日"].dt.strftime("%Y-%m-%d").tolist() == ["2026-12-07", "2026-12-14", "2026-12-28"]
    assert lst["原因"].iloc[0] == "代发连续 6 个月；支出/收入 80%, 收入稳定: 有用信需求；月均收入 10,000 元(分位 67%)"
    assert lst["建议动作"].iloc[0] == "客户经理电话邀约线上贷款, 参考额度 150,000 元"
    assert lst["外部名单"].tolist()[0] == "公积金" and pd.isna(lst["外部名单"].iloc[1])
    assert lst["准入未计算"].tolist() == ["", "近24月无连三累六、近3月硬查询", "近24月无连三累六、近3月硬查询"]

    rules = report.tables()["admission_rules"].df.set_index("准入规则")
    assert rules.loc["年龄"].tolist() == [8, 1, 0]  # 通过 / 未通过 / 未计算
    assert rules.loc["当前无逾期"].tolist() == [8, 1, 0]
    assert rules.loc["近24月无连三累六"].tolist() == [2, 1, 6]
    assert rules.loc["非黑名单"].tolist() == [8, 1, 0]  # K2's 已移出 entry does not count
    assert rules.loc["近3月硬查询"].tolist() == [2, 1, 6]  # K1's older report (9) is not used
    failed = report.tables()["admission_failed"].df.set_index("客户号")["未通过规则"].to_dict()
    assert failed == {"K3": "当前无逾期", "K4": "近24月无连三累六", "K5": "非黑名单", "K6": "近3月硬查询", "K7": "年龄"}
    gap = report.tables()["info_gap"].df
    assert gap["客户号"].tolist() == ["K8"] and gap["等级"].tolist() == ["信息不足"]


def test_age_curve_on_a_tiny_case(report):
    """35–39: K1 (10,000 / 8,000) and K9 (4,000 / 3,000): medians 7,000 / 5,500, ratio 0.7857 -> 需求段;
    30–34: K2 20,000 / 4,000 = 0.2 -> 否; other bands empty (blank)."""
    c = report.tables()["age_curve"].df.set_index("年龄段")
    assert c.loc["35–39", "客户数"] == 2 and c.loc["35–39", "收入中位数(元)"] == pytest.approx(7_000)
    assert c.loc["35–39", "支出中位数(元)"] == pytest.approx(5_500)
    assert c.loc["35–39", "支出收入比"] == pytest.approx(5_500 / 7_000) and c.loc["35–39", "需求段"] == "是"
    assert c.loc["30–34", "支出收入比"] == pytest.approx(0.2) and c.loc["30–34", "需求段"] == "否"
    assert c.loc["40–44", "客户数"] == 0 and c.loc["40–44", "需求段"] == "" and pd.isna(c.loc["40–44", "支出收入比"])


def test_cross_counts_per_branch(report):
    """List: K1 by the 15-digit ID (内外都有, 001), K2 by 姓名 + masked phone (内外都有, 002), 王五 not a customer
    (仅外部, 003), K9's ID under another name (冲突, 001). 仅内部: 001 K3 K5 K7, 002 K4 K6 K8."""
    c = report.tables()["cross_counts"].df.set_index("机构号")
    assert c.loc["001"].tolist() == [1, 3, 0, 1, 5]
    assert c.loc["002"].tolist() == [1, 3, 0, 0, 4]
    assert c.loc["003"].tolist() == [0, 0, 1, 0, 1]
    keys = report.tables()["cross_keys"].df.set_index("匹配依据")["名单行数"].to_dict()
    assert keys == {"证件号": 1, "客户号": 0, "姓名+手机号": 1}
    leads = report.tables()["new_leads"].df
    assert len(leads) == 1 and leads["名单来源"].iloc[0] == "机关事业单位"
    codes = [(p.table, p.code, p.excel_row) for p in report.problems.problems if p.code == "LIST_CONFLICT"]
    assert codes == [("external_lists", "LIST_CONFLICT", 4)]  # the third list row: Excel row 4
    org = report.tables()["levels_by_org"].df.set_index("机构号")
    assert org.loc["001"].tolist() == [1, 1, 0, 0, 3, 5]  # A K1, B K9; 未通过 K3 K5 K7
    assert org.loc["002"].tolist() == [0, 0, 1, 1, 2, 4]  # C K2, 信息不足 K8; 未通过 K4 K6


def test_without_credit_data_the_rules_are_not_computed():
    """No 征信明细: 连三累六 and 查询 未计算 for everybody (not passed, not failed): K4 and K6 are admitted now."""
    rep = execute("credit.online_whitelist", _bank(with_credit=False), P, as_of=AS_OF)
    rules = rep.tables()["admission_rules"].df.set_index("准入规则")
    assert rules.loc["近24月无连三累六"].tolist() == [0, 0, 9]
    assert rules.loc["近3月硬查询"].tolist() == [0, 0, 9]
    assert sorted(rep.tables()["admission_failed"].df["客户号"]) == ["K3", "K5", "K7"]
    assert sorted(rep.tables()["info_gap"].df["客户号"]) == ["K4", "K6", "K8"]  # admitted, but no flows
    assert any("没有征信明细" in n for n in rep.notes)


def test_no_flows_means_information_gap_not_a_low_score():
    b = _bank()
    del b["transactions"]
    rep = execute("credit.online_whitelist", b, P, as_of=AS_OF)
    assert len(rep.tables()["whitelist"].df) == 0
    assert sorted(rep.tables()["info_gap"].df["客户号"]) == ["K1", "K2", "K8", "K9"]
    assert "age_curve" not in rep.tables()
    figs = {f.label: f for f in rep.headline.figures}
    assert figs["白名单 A 级"].value is None and "未计算" in figs["白名单 A 级"].note  # unknown, not 0
    assert figs["信息不足"].value == 4
    assert {f.label: f.value for f in report_figures()}["白名单 A 级"] == 1


def report_figures():
    return execute("credit.online_whitelist", _bank(), P, as_of=AS_OF).headline.figures


def test_bad_parameter_fails_before_load():
    def refuse(*a, **k):
        raise AssertionError("input read")

    for bad, word in (({"w_age": "20"}, "w_stable"), ({"payroll_memo": "代发("}, "payroll_memo"),
                      ({"band_low": "70"}, "band_low"), ({"age_range": "55,22"}, "age_range")):
        with mock.patch.object(bio, "read_tables", refuse), pytest.raises(ParameterError) as e:
            run_scenario("C1", [Path("never.xlsx")], None, params=bad, as_of=AS_OF)
        assert word in str(e.value)


def test_sample_bank_runs_with_every_rule():
    from bankxl.sample import make_sample_bank

    b = make_sample_bank(customers=2000)
    rep = execute("credit.online_whitelist", b, as_of=AS_OF)
    rules = rep.tables()["admission_rules"].df.set_index("准入规则")
    assert (rules["未通过"] > 0).all(), rules  # the sample bank makes every rule fail somebody
    assert set(rep.tables()["whitelist"].df["等级"]) >= {"A", "B", "C"}
    assert rep.tables()["cross_counts"].df[["内外都有", "仅外部(新客)", "冲突"]].sum().gt(0).all()


def test_uci_admission_on_real_ages_and_defaults():
    """UCI Bank Marketing (demo dataset): the age rule and 当前无逾期 (UCI default = has credit in default) on the
    45,211 real clients, counted independently from the shipped CSV; no flows -> every admitted client is 信息不足."""
    import importlib.resources

    from bankxl.datasets import load_uci_bank_marketing
    from bankxl.scenario import RunContext, registry

    raw = pd.read_csv(importlib.resources.files("bankxl") / "data" / "bank-full.csv.gz", sep=";")
    ok_age = raw["age"].between(22, 55)
    default = raw["default"].eq("yes")
    d = load_uci_bank_marketing()
    rep = execute("credit.online_whitelist", {"customers": d["customers"]}, ctx=RunContext(as_of="2010-11-30",
                                                                                            currency="EUR"))
    rules = rep.tables()["admission_rules"].df.set_index("准入规则")
    assert rules.loc["年龄"].tolist() == [int(ok_age.sum()), int((~ok_age).sum()), 0]
    assert rules.loc["当前无逾期"].tolist() == [int((~default).sum()), int(default.sum()), 0]
    assert rules.loc["非黑名单"].tolist() == [0, 0, len(raw)]
    assert len(rep.tables()["info_gap"].df) == int((ok_age & ~default).sum())
    assert len(rep.tables()["whitelist"].df) == 0
    assert "UCI" in registry()["credit.online_whitelist"].dataset_params


def _streak_bank() -> dict:
    """Seven customers aged 30 (born 1996-03-01), no flows, no other table: only the 征信 rules decide.
    近24月还款状态 (oldest first, 24 months) per customer's accounts in one report of 2026-11-01:
      S1 two accounts, each overdue (1) in the same three scattered months (positions 3, 9, 15): each account 3
         months, no two in a row -> no 连三, no 累六 (6 = 3 + 3 was counted across accounts before: the same three
         calendar months twice) -> 通过.
      S2 one month at level 3 (61–90 days, i.e. 3 instalments in a row) in the middle -> 连三 -> 未通过 (C1's own
         copy saw a run of 1 month only and passed it); current month N, so 当前无逾期 passes.
      S3 a clean account and one with a blank string -> the blank account may hide 连三累六 -> 未计算 (was 通过).
      S4 a clean account and a 23-character string -> REPAY_INVALID (Excel row 6), unknown -> 未计算 (was 通过).
      S5 three 1s in a row (months 19–21) -> 连三 -> 未通过.
      S6 two overdue months then a '#' (status unknown) -> a third overdue month may hide there -> 未计算 (was 通过).
      S7 no report -> 未计算 (and 当前无逾期/近3月硬查询 未计算: no report, no loans)."""
    born = "1996-03-01"
    cust = _frame("customers", [{"cust_id": f"S{i}", "cust_name": f"客户{i}", "birth_date": born, "org_id": "001"}
                                for i in range(1, 8)])
    n24 = "N" * 24
    scattered = "".join("1" if i in (3, 9, 15) else "N" for i in range(24))
    rows = [("S1", scattered), ("S1", scattered), ("S2", "N" * 10 + "3" + "N" * 13), ("S3", n24), ("S3", None),
            ("S4", "N" * 23), ("S4", n24), ("S5", "N" * 18 + "111" + "NNN"), ("S6", "N" * 20 + "11#N")]
    cr = _frame("credit_reports", [{"id_no": None, "cust_id": c, "report_date": "2026-11-01", "repay_24m": s,
                                    "account_status": "正常", "hard_queries_3m": 1} for c, s in rows])
    bl = _frame("blacklist", [{"cust_name": "外人", "id_no": NEW, "status": "有效"}])  # nobody here: 非黑名单 通过
    return {"customers": cust, "credit_reports": cr, "blacklist": bl}


def test_streak_by_the_shared_repayment_rule():
    """连三累六 comes from bankxl.rules.credit_report (per account, three-valued, invalid strings on 数据问题),
    with C1's parameters 连三/累六 (streak_consecutive/streak_total) from RepaymentParams. Cases: _streak_bank."""
    rep = execute("credit.online_whitelist", _streak_bank(), P, as_of=AS_OF)
    rules = rep.tables()["admission_rules"].df.set_index("准入规则")
    assert rules.loc["近24月无连三累六"].tolist() == [1, 2, 4]  # 通过 S1; 未通过 S2 S5; 未计算 S3 S4 S6 S7
    failed = rep.tables()["admission_failed"].df.set_index("客户号")
    assert failed["未通过规则"].to_dict() == {"S2": "近24月无连三累六", "S5": "近24月无连三累六"}
    assert failed.loc["S2", "近24月最高逾期档"] == 3 and failed.loc["S2", "近24月最长连续逾期(月)"] == 1
    assert failed.loc["S5", "近24月最长连续逾期(月)"] == 3 and failed.loc["S5", "近24月单账户累计逾期(月)"] == 3
    gap = rep.tables()["info_gap"].df.set_index("客户号")["准入未计算"].to_dict()  # admitted, no flows
    assert gap["S1"] == "" and all(gap[c] == "近24月无连三累六" for c in ("S3", "S4", "S6"))
    assert gap["S7"] == "当前无逾期、近24月无连三累六、近3月硬查询"
    bad = [(p.code, p.excel_row) for p in rep.problems.problems if p.code == "REPAY_INVALID"]
    assert bad == [("REPAY_INVALID", 7)]  # S4's 23-character string: the 6th data row -> Excel row 7
    # a tighter 累六 (3 months) makes S1's accounts fail on their own; 连三 > 累六 is refused before any input
    rep3 = execute("credit.online_whitelist", _streak_bank(), {**P, "streak_total": 3}, as_of=AS_OF)
    assert "S1" in set(rep3.tables()["admission_failed"].df["客户号"])
    with pytest.raises(ParameterError, match="streak_consecutive"):
        execute("credit.online_whitelist", _streak_bank(), {**P, "streak_consecutive": 4, "streak_total": 3},
                as_of=AS_OF)


def test_blacklist_identity_conflict_counts_as_a_hit_and_says_so_on_data_problems():
    """A blacklist row with K5's ID under another name (周伍 vs 周五) is a 冲突: never merged, counted as a hit to be
    checked (非黑名单 未通过, 来源 身份冲突待核实) and listed once on 数据问题 (Excel row 2) — its 处理 says what
    happened to it (it is not on the 身份冲突 sheet, which lists the external list's conflicts)."""
    b = _bank()
    b["blacklist"] = _frame("blacklist", [{"cust_name": "周伍", "id_no": ID5, "source": "失信被执行人", "status": "有效"}])
    rep = execute("credit.online_whitelist", b, P, as_of=AS_OF)
    failed = rep.tables()["admission_failed"].df.set_index("客户号")
    assert failed.loc["K5", "未通过规则"] == "非黑名单" and failed.loc["K5", "黑名单来源"] == "身份冲突待核实"
    got = [(p.table, p.excel_row, p.action) for p in rep.problems.problems if p.code == "LIST_CONFLICT"]
    assert ("blacklist", 2, "按命中黑名单处理(不通过「非黑名单」), 未与本行客户合并, 待核实") in got
    assert ("external_lists", 4, "未与本行客户合并, 列入「身份冲突」待核实") in got and len(got) == 2


def test_whitelist_is_a_credit_report_list_only_when_a_report_was_used(report):
    """The admission read K1's/K4's/K6's reports: the whitelist is marked as derived from 征信明细 (a cross-scenario
    view leaves it out unless allowed); without 征信明细, or with one whose only report is stale, it is not."""
    assert report.tables()["whitelist"].credit_report is True
    rep = execute("credit.online_whitelist", _bank(with_credit=False), P, as_of=AS_OF)
    assert rep.tables()["whitelist"].credit_report is False
    b = _bank()
    b["credit_reports"] = b["credit_reports"].iloc[[1]]  # K1's 2025-01-01 report only: older than 180 days
    rep = execute("credit.online_whitelist", b, P, as_of=AS_OF)
    assert rep.tables()["admission_rules"].df.set_index("准入规则").loc["近3月硬查询", "未计算"] == 9
    assert rep.tables()["whitelist"].credit_report is False


@pytest.mark.parametrize("sid", ["credit.online_whitelist", "credit.limit_increase", "credit.credit_report"])
def test_every_list_passes_its_params_so_its_note_names_its_own_strategy(sid):
    """C1, C10 and C8 (review follow-up): every score_list call passes the scenario's params, so the note names the
    parameter its strategy came from (bankxl.lists.strategy_source) and a strategy of no parameter is refused."""
    import importlib

    from bankxl import lists
    from contract_checks import sample_bank

    mod = importlib.import_module("bankxl.scenarios." + sid)
    calls = []

    def spy(*a, **k):
        calls.append(k.get("params"))
        return lists.score_list(*a, **k)

    with mock.patch.object(mod, "score_list", spy):
        execute(sid, sample_bank(), as_of=AS_OF)
    assert calls and all(isinstance(c, mod.SPEC.params) for c in calls), calls


def test_age_curve_chart_leaves_out_bands_with_too_few_customers():
    """With 需求段最少客户数 2: 35–39 (K1, K9: 2 persons) is judged, 30–34 (K2 alone) is 样本不足 — kept in the table
    with its values (20,000 / 4,000 / 0.2) but blank in 作图数据, which the chart draws. With 3 every band is
    样本不足: no chart, and the note says why."""
    rep = execute("credit.online_whitelist", _bank(), {"band_min": 2}, as_of=AS_OF)
    c = rep.tables()["age_curve"].df.set_index("年龄段")
    assert c.loc["30–34", "需求段"] == "样本不足" and c.loc["30–34", "收入中位数(元)"] == pytest.approx(20_000)
    assert c.loc["30–34", "支出收入比"] == pytest.approx(0.2) and c.loc["35–39", "需求段"] == "是"
    plot = rep.tables()["age_curve_chart"].df.set_index("年龄段")
    assert plot.loc["30–34"].isna().all()
    assert plot.loc["35–39"].tolist() == pytest.approx([7_000, 5_500, 5_500 / 7_000])
    assert plot.index.tolist() == c.index.tolist()  # same bands: the axis keeps its order, gaps where blank
    sheet = next(s for s in rep.sheets if s.name == "年龄曲线")
    assert [b.table for b in sheet.blocks if type(b).__name__ == "Chart"] == ["age_curve_chart"]
    rep3 = execute("credit.online_whitelist", _bank(), {"band_min": 3}, as_of=AS_OF)
    sheet = next(s for s in rep3.sheets if s.name == "年龄曲线")
    assert not [b for b in sheet.blocks if type(b).__name__ == "Chart"] and "age_curve_chart" not in rep3.tables()
    assert any("未作图" in line for b in sheet.blocks if type(b).__name__ == "Note" for line in b.lines)


def test_join_names_per_row_by_hand():
    """_join (未通过/未计算/本行关系 texts): per row the names whose column holds, in column order, 、-joined; '' when
    none; no rows -> no texts."""
    import numpy as np
    from bankxl.scenarios.credit.online_whitelist import _join
    m = np.array([[True, False, True], [False, False, False], [True, True, True], [True, False, True]])
    names = np.array(["年龄", "逾期", "黑名单"], dtype=object)
    assert _join(m, names).tolist() == ["年龄、黑名单", "", "年龄、逾期、黑名单", "年龄、黑名单"]
    assert _join(m[:0], names).tolist() == []
    assert _join(m[:, :1], names[:1], sep="/").tolist() == ["年龄", "", "年龄", "年龄"]
