"""C5 ETC 客户 (issue 13): a tiny bank and ETC list worked by hand — match classes and keys, persons with several
vehicles, cancelled and 单位 sign-ups left out, pyramid, coverage per branch, scores/levels/due dates, conflicts on
数据问题 — bad parameters stopped before load, and the sample bank's planted dirt."""
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


def _id18(body17: str) -> str:
    """Check digit by the §0.6 formula, written out here (independent of bankxl.idcard)."""
    return body17 + "10X98765432"[sum(int(c) * w for c, w in zip(body17, W)) % 11]


NEW_ID = _id18("11010119800101123")  # born 1980-01-01, digit 17 = 3: a man, 46 on the data date


def _bank():
    """K1 张三 (1980-01-01, man, 46), K2 李四 (1949-12-31, woman, 76), K3 王五 (no ID; 出生 1990-06-15, 男, 36),
    K4 赵六, K5 孙七; branches 001 (K1, K2) and 002 (K3, K4, K5).
    ETC list, by hand:
    e1 张三 (15-digit ID) 客车 300 元 + e2 张三 (18-digit ID in full-width) 货车 400 元 -> K1 by 证件号, one person,
       2 vehicles, a truck, 700 元
    e3 王五 137****2222 (no ID), 扣费 blank -> K3 by 姓名+手机号, toll unknown
    e4 赵大六 with K4's ID -> 冲突 (证件号相同, 姓名不同): LIST_CONFLICT on 数据问题, line 5
    e5 李四 (15-digit ID) 客车 100 元 -> K2 by 证件号
    e6 吴九 (a valid ID the bank does not hold) 货车 2,000 元, 签约机构 001 -> 仅外部(新客), truck lead
    e7 郑十 (wrong check digit), no branch -> 仅外部(新客), age/sex unknown
    e8 孙七 注销 -> left out, so K5 is 仅内部; e9 单位 and e10 (type blank, a company name) -> left out."""
    cust = table("customers", [
        {"cust_id": "K1", "cust_name": "张三", "id_no": "34052419800101001X", "phone": "13812345678", "org_id": "001"},
        {"cust_id": "K2", "cust_name": "李四", "id_no": "11010519491231002X", "phone": "13900001111", "org_id": "001"},
        {"cust_id": "K3", "cust_name": "王五", "phone": "13700002222", "org_id": "002",
         "birth_date": pd.Timestamp("1990-06-15"), "sex": "男"},
        {"cust_id": "K4", "cust_name": "赵六", "id_no": "360426199101010071", "phone": "13600003333", "org_id": "002"},
        {"cust_id": "K5", "cust_name": "孙七", "id_no": "110101199003070134", "phone": "13500004444", "org_id": "002"}])
    etc = table("etc_signups", [
        {"signup_id": "E1", "cust_name": "张 三", "id_no": "340524800101001", "plate": "京A00001", "vehicle_type": "客车",
         "status": "正常", "signup_kind": "个人", "monthly_toll": 300.0},
        {"signup_id": "E2", "cust_name": "张三", "id_no": "３４０５２４１９８００１０１００１Ｘ", "plate": "京A00002",
         "vehicle_type": "货车", "status": "正常", "signup_kind": "个人", "monthly_toll": 400.0},
        {"signup_id": "E3", "cust_name": "王五", "phone": "137****2222", "plate": "京A00003", "vehicle_type": "客车"},
        {"signup_id": "E4", "cust_name": "赵大六", "id_no": "360426199101010071", "plate": "京A00004",
         "vehicle_type": "客车", "monthly_toll": 50.0},
        {"signup_id": "E5", "cust_name": "李四", "id_no": "110105491231002", "plate": "京A00005", "vehicle_type": "客车",
         "monthly_toll": 100.0},
        {"signup_id": "E6", "cust_name": "吴九", "id_no": NEW_ID, "plate": "京A00006", "vehicle_type": "货车",
         "org_id": "001", "monthly_toll": 2000.0},
        {"signup_id": "E7", "cust_name": "郑十", "id_no": "360426199101010072", "phone": "13100006666",
         "plate": "京A00007", "vehicle_type": "客车", "monthly_toll": 200.0},
        {"signup_id": "E8", "cust_name": "孙七", "id_no": "110101199003070134", "plate": "京A00008", "status": "注销"},
        {"signup_id": "E9", "cust_name": "某某物流", "plate": "京A00009", "signup_kind": "单位", "vehicle_type": "货车"},
        {"signup_id": "E10", "cust_name": "滨江货运有限公司", "plate": "京A00010", "vehicle_type": "货车"}])
    loans = table("loans", [{"loan_id": "L1", "cust_id": "K2", "product": "个人住房贷款", "status": "C",
                              "start_date": pd.Timestamp("2020-01-01"), "amount": 500_000.0, "balance": 300_000.0}])
    hold = table("product_holdings", [{"cust_id": "K1", "product": "信用卡", "held": True},
                                       {"cust_id": "K1", "product": "手机银行", "held": True},
                                       {"cust_id": "K3", "product": "代发", "held": True}])
    monthly = table("customer_monthly", [{"cust_id": "K1", "month": pd.Timestamp("2026-11-01"), "dep_avg": 80_000.0},
                                          {"cust_id": "K2", "month": pd.Timestamp("2026-11-01"), "dep_avg": 10_000.0}])
    return {"etc_signups": etc, "customers": cust, "loans": loans, "product_holdings": hold,
            "customer_monthly": monthly}


@pytest.fixture(scope="module")
def report():
    return execute("C5", _bank(), as_of=AS_OF)


@pytest.mark.golden("credit.etc_customers")
def test_scores_levels_and_due_dates_by_hand(report):
    """K1: 无贷款 30 + 46 岁 20 + 通行费 300 + 400 = 700 ≥ 500 20 + 日均 80,000 ≥ 50,000 15 + 货车 15 = 100 -> A,
    12-07, action for a truck owner; K3: 无贷款 30 + 36 岁 20 = 50 (通行费 unknown, 日均 unknown: 未计算) -> B, 12-14;
    K2: has a loan, 76, 100 元, 10,000 元 -> 0 -> C, 12-28. Only 内外都有 persons are listed, each once."""
    lst = report.tables()["etc_list"].df
    assert lst["客户号"].tolist() == ["K1", "K3", "K2"]
    assert lst["得分"].tolist() == [100.0, 50.0, 0.0] and lst["等级"].tolist() == ["A", "B", "C"]
    assert lst["截止日"].dt.strftime("%Y-%m-%d").tolist() == ["2026-12-07", "2026-12-14", "2026-12-28"]
    assert lst["原因"].iloc[0] == "本行无贷款；46 岁；月通行费 700 元"
    assert lst["建议动作"].iloc[0] == "客户经理面谈: 个人经营贷(货车车主)"
    assert lst["车辆数"].tolist() == [2, 1, 1]
    assert lst["匹配依据"].tolist() == ["证件号", "姓名+手机号", "证件号"]
    assert lst["未计算因素"].tolist()[1] == "月通行费、本行日均" and pd.isna(lst["未计算因素"].iloc[0])
    tags = report.tables()["customer_tags"].df
    assert sorted(tags.loc[tags["标签代码"] == "C5_TRUCK", "客户号"]) == ["K1"]
    assert sorted(tags.loc[tags["标签代码"] == "C5_ETC", "客户号"]) == ["K1", "K2", "K3"]


def test_match_classes_per_branch_pyramid_and_coverage(report):
    """Persons per branch (a person once): 001 = K1 K2 内外都有 + e6 仅外部; 002 = K3 内外都有, K5 仅内部 (its
    sign-up is cancelled), e4 冲突 (K4's branch); 未知 = e7. Pyramid (list ID, else the matched customer's): 35–39
    男 2 (K3 by his customer record, e4 赵大六 1991), 45–49 男 2 (K1, e6), ≥70 女 1 (K2); e7 unknown. Coverage
    001: 贷款 K2 only 1/2, 信用卡 1/2, 手机银行 1/2, 代发 0/2; 002: K3 代发 1/1; 社保卡 not in any table: blank."""
    t = report.tables()
    cnt = t["match_counts"].df.set_index("机构号")
    assert cnt.index.tolist() == ["001", "002", "未知"]
    cols = ["内外都有", "仅内部", "仅外部(新客)", "冲突", "合计"]
    assert cnt.loc["001", cols].tolist() == [2, 0, 1, 0, 3]
    assert cnt.loc["002", cols].tolist() == [1, 1, 0, 1, 3]
    assert cnt.loc["未知", cols].tolist() == [0, 0, 1, 0, 1]
    keys = t["match_keys"].df.set_index("匹配依据")
    assert keys.loc["证件号", "签约行数"] == 3 and keys.loc["证件号", "人数"] == 2   # e1 e2 (K1) e5 (K2)
    assert keys.loc["姓名+手机号", "人数"] == 1 and keys.loc["客户号", "人数"] == 0
    pyr = t["pyramid"].df.set_index("年龄段")
    assert pyr.loc["35–39", ["男", "女"]].tolist() == [2, 0] and pyr.loc["45–49", ["男", "女"]].tolist() == [2, 0]
    assert pyr.loc["≥70", ["男", "女"]].tolist() == [0, 1] and pyr["合计"].sum() == 5
    cov = t["coverage"].df.set_index("机构号")
    assert cov.loc["001", ["ETC客户数", "贷款覆盖率", "信用卡覆盖率", "手机银行覆盖率", "代发覆盖率"]].tolist() == \
        [2, 0.5, 0.5, 0.5, 0.0]
    assert cov.loc["002", ["ETC客户数", "贷款覆盖率", "代发覆盖率"]].tolist() == [1, 0.0, 1.0]
    assert cov["社保卡覆盖率"].isna().all() and cov.loc["全部", "ETC客户数"] == 3
    leads = t["new_leads"].df
    assert len(leads) == 2 and leads["货车"].tolist() == ["是(经营贷线索)", "否"]  # e6 (2,000 元) before e7
    conf = t["conflicts"].df
    assert conf["签约号"].tolist() == ["E4"] and conf["客户号"].tolist() == ["K4"]
    codes = [(p.code, p.excel_row) for p in report.problems.problems if p.code == "LIST_CONFLICT"]
    assert codes == [("LIST_CONFLICT", 5)]
    assert any("已注销 1 行、单位签约 2 行不计" in n for n in report.notes)


def test_without_optional_tables_factors_are_not_computed_not_zero():
    """No 贷款/产品持有/月度存款: 贷款 coverage blank (未计算), 无贷款 and 本行日均 listed as not computed for every
    row, never scored 0: K1 = 46 岁 20 + 通行费 20 + 货车 15 = 55 -> B."""
    t = _bank()
    rep = execute("C5", {"etc_signups": t["etc_signups"], "customers": t["customers"]}, as_of=AS_OF)
    lst = rep.tables()["etc_list"].df.set_index("客户号")
    assert lst.loc["K1", "得分"] == 55.0 and lst.loc["K1", "等级"] == "B"
    assert "无贷款" in lst.loc["K1", "未计算因素"] and "本行日均" in lst.loc["K1", "未计算因素"]
    cov = rep.tables()["coverage"].df
    assert cov[["贷款覆盖率", "信用卡覆盖率", "社保卡覆盖率", "手机银行覆盖率", "代发覆盖率"]].isna().all().all()


def test_every_running_loan_is_a_loan_whatever_its_name():
    """贷款 coverage and 无贷款 read every 贷款 row running on the data date, whatever its 品种: K1's 按揭 and K3's
    车贷 (no 贷款 in the name; before, only a name the 按揭 regex turned into 个人住房贷款 counted, 车贷 never) are
    loans; K3's 结清 on 2026-12-10, after the data date 11-30, was still running then. Coverage 001: K1 K2 2/2,
    002: K3 1/1. Scores lose 无贷款 30: K1 100 -> 70 (A), K3 50 -> 20 (C)."""
    t = _bank()
    more = table("loans", [
        {"loan_id": "L2", "cust_id": "K1", "product": "按揭", "status": "C", "start_date": pd.Timestamp("2021-01-01")},
        {"loan_id": "L3", "cust_id": "K3", "product": "车贷", "status": "A", "start_date": pd.Timestamp("2024-01-01"),
         "end_date": pd.Timestamp("2026-12-10")}])
    t["loans"] = pd.concat([t["loans"], more], ignore_index=True)
    rep = execute("C5", t, as_of=AS_OF)
    cov = rep.tables()["coverage"].df.set_index("机构号")
    assert cov["贷款覆盖率"].tolist() == [1.0, 1.0, 1.0]  # 001, 002, 全部
    lst = rep.tables()["etc_list"].df.set_index("客户号")
    assert lst.loc[["K1", "K3", "K2"], "得分"].tolist() == [70.0, 20.0, 0.0]
    assert lst.loc["K1", "等级"] == "A" and lst.loc["K3", "等级"] == "C"


def test_bad_parameter_fails_before_load():
    def refuse(*a, **k):
        raise AssertionError("input read")

    for bad, word in (({"pyramid_low": "80"}, "pyramid_low"), ({"truck_pattern": "货("}, "truck_pattern"),
                      ({"strategy": '[["A","x {nope}",1],["B","b",1],["C","c",1]]'}, "strategy")):
        with mock.patch.object(bio, "read_tables", refuse), pytest.raises(ParameterError) as e:
            run_scenario("C5", [Path("never.xlsx")], None, params=bad, as_of=AS_OF)
        assert word in str(e.value)


def test_sample_list_carries_the_planted_dirt():
    """The sample ETC list holds what real lists hold: 15-digit, full-width and corrupt IDs, masked phones (some
    with only 4 digits shown), names with spaces, 货车, 注销, 单位 sign-ups and people outside the bank; and C5
    finds every class on it."""
    from bankxl.sample import make_sample_bank

    bank = make_sample_bank()
    e = bank["etc_signups"]
    ids = e["id_no"].dropna()
    assert ids.str.fullmatch(r"\d{15}").sum() > 0 and ids.str.contains("[０-９]").sum() > 0
    assert ids.str.contains("E+17", regex=False).sum() > 0
    assert e["phone"].str.fullmatch(r"\d{3}\*{4}\d{4}").sum() > 0 and e["phone"].str.startswith("*******").sum() > 0
    assert e["cust_name"].str.contains(r"\s").sum() > 0
    assert {"货车", "客车"} <= set(e["vehicle_type"]) and "注销" in set(e["status"]) and "单位" in set(e["signup_kind"])
    rep = execute("C5", {k: bank[k] for k in ("etc_signups", "customers", "product_holdings", "loans",
                                              "customer_monthly")}, as_of=AS_OF)
    cnt = rep.tables()["match_counts"].df[["内外都有", "仅内部", "仅外部(新客)", "冲突"]].sum()
    assert (cnt > 0).all()


@pytest.mark.golden("credit.etc_customers")
def test_headline_figures_by_hand(report):
    """The 概览 (issue 10) on the hand bank: 7 sign-up rows left after 注销/单位 are 6 persons (K1 with 2 vehicles,
    K3, e4, K2, e6, e7); 本行客户 K1 K2 K3 = 3 of the 5 persons of 客户 (差额 -2: K5 仅内部, K4 冲突), 50.0% of
    the sign-ups; 新客 e6 e7 = 2; trucks K1 (本行) + e6 (新客) = 2; 营销名单 3 户 of which A 1 (K1); 冲突 e4 = 1.
    The old 概览 sheet is gone (one overview): its per-branch table and chart are on 名单匹配, the headline chart
    draws that table and its actions are 营销名单 by 排名."""
    h = report.headline
    got = {f.label: (f.value, f.unit, f.compare_label, f.compare) for f in h.figures}
    assert got == {"个人 ETC 签约": (6, "人", None, None),
                   "其中本行客户(内外都有)": (3, "人", "全行客户", 5),
                   "新客线索(仅外部)": (2, "人", None, None),
                   "货车经营贷线索": (2, "人", None, None),
                   "营销名单": (3, "户", "其中 A 级", 1),
                   "身份冲突(待核实)": (1, "人", None, None)}
    notes = {f.label: f.note for f in h.figures}
    assert notes["个人 ETC 签约"].startswith("7 辆车") and notes["其中本行客户(内外都有)"].startswith("占签约人数 50.0%")
    assert notes["货车经营贷线索"] == "本行客户 1 + 新客 1"
    assert "概览" not in report.sheet_names
    assert any(b is report.tables()["match_counts"] for b in report.sheet("名单匹配").blocks)
    assert h.chart.table == "match_counts" and h.actions == "etc_list" and h.sheet == "概览"
    assert "本行客户 3 人、新客 2 人、冲突 1 人" in h.lines[0]


def test_coverage_by_branch_by_hand():
    """Matched persons a, b (branch 001), c (002), d (no branch -> 未知); e is not matched (not counted).
    信用卡: a yes, b no, c unknown, d yes -> 001 1/2, 002 blank (nothing known), 未知 1/1, 全部 2/3;
    手机银行 is 未计算 (no table tells it) -> blank everywhere; ETC客户数 2 / 1 / 1 / 4."""
    from bankxl.scenarios.credit.etc_customers.compute import COVERAGE, coverage_by_branch
    persons = pd.DataFrame({"cust_id": ["a", "b", "c", "d", "e"], "org_id": ["001", "001", "002", None, "001"],
                            "match_class": ["内外都有"] * 4 + ["仅外部(新客)"]}).astype("string")
    held = pd.DataFrame({p: pd.array([True, False, None, True, True], dtype="boolean") for p in COVERAGE},
                        index=pd.Index(["a", "b", "c", "d", "e"], name="cust_id"))
    t = coverage_by_branch(persons, held, ["手机银行"]).set_index("机构号")
    assert t.index.tolist() == ["001", "002", "未知", "全部"]
    assert t["ETC客户数"].tolist() == [2, 1, 1, 4]
    assert t["信用卡覆盖率"].iloc[[0, 2, 3]].tolist() == [0.5, 1.0, 2 / 3] and pd.isna(t.loc["002", "信用卡覆盖率"])
    assert t["手机银行覆盖率"].isna().all()
