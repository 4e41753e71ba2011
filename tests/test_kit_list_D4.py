"""D4 核心客户名单 on the shared list/tag mechanism (issue 9 items 4–5): 得分 from the points parameters,
等级 = the SCENARIOS D4 grade, 原因 (top 3 rules), 建议动作 and 截止日 (working days) from the 策略表, rank with
the stated tie-break, 未计算因素 for factors the data cannot supply, the 客户标签 sheet, and parameters that
would break the grade table refused before any input is read. Values worked out by hand."""
from __future__ import annotations

import datetime as dt

import chinese_calendar as cc
import pandas as pd
import pytest

from bankxl.cli import main
from bankxl.errors import ParameterError
from bankxl.lists import LIST_COLUMNS
from bankxl.runner import execute
from bankxl.scenario import make_params, params_hash
from bankxl.scenarios.deposit.core_customers import CoreParams
from bankxl.tags import TAG_COLUMNS, TAG_HEADERS

from test_d4_core import AS_OF, _cm, _customers

T = pd.Timestamp
# net inflow 10,000 a month -> 120,000 in 12 months -> 5-year potential 600,000 ≥ 500,000 (F3)
SPEC = {
    "A": dict(td=300_000.0, net=10_000.0),  # F1 F2 F3 -> 核心A: 40 + 30 + 30 = 100
    "K2": dict(td=400_000.0),  # F1 F2 -> 核心B: 40 + 30 = 70
    "K1": dict(td=250_000.0, net=10_000.0),  # F1 F3 (relationship 1.5 years) -> 核心B: 40 + 30 = 70
    "D": dict(td=10_000.0, net=10_000.0),  # F3 only -> 潜力客户: 30
    "E": dict(td=500_000.0),  # F1 only (1.5 years) -> 规模客户: 10
    "G": dict(td=10_000.0),  # nothing -> 一般, not listed
}
OPEN = {"A": "2010-01-01", "K2": "2015-06-01", "K1": "2025-06-01", "D": "2010-01-01", "E": "2025-06-01",
        "G": "2010-01-01"}


def tables():
    return {"customer_monthly": _cm(SPEC), "customers": _customers(OPEN)}


def nth_workday_after(day, n: int) -> pd.Timestamp:
    """Second method: walk chinese_calendar day by day."""
    d, k = pd.Timestamp(day).date(), 0
    while k < n:
        d += dt.timedelta(days=1)
        k += cc.is_workday(d)
    return T(d)


@pytest.fixture(scope="module")
def report():
    return execute("deposit.core_customers", tables(), as_of=AS_OF)


def test_scores_levels_reasons_actions_due_dates_by_hand(report):
    core = report.tables()["d4_core"].df
    assert set(LIST_COLUMNS) <= set(core.columns)
    df = core.set_index("客户号")
    assert df["得分"].to_dict() == {"A": 100.0, "K2": 70.0, "K1": 70.0, "D": 30.0, "E": 10.0}
    assert df["等级"].to_dict() == {"A": "核心A", "K2": "核心B", "K1": "核心B", "D": "潜力客户", "E": "规模客户"}
    # 原因: rules by points (F1 with F2/F3 40, F2 30, F3 30; declaration order among equal points)
    assert df.loc["A", "原因"] == "近3月定期日均 300,000 元 ≥ 200,000；关系 16.9 年, 达标 12 个月；5 年潜力值 600,000 元"
    assert df.loc["K1", "原因"] == "近3月定期日均 250,000 元 ≥ 200,000；5 年潜力值 600,000 元"
    assert df.loc["E", "原因"] == "近3月定期日均 500,000 元 ≥ 200,000"
    assert df.loc["A", "建议动作"].startswith("客户经理/理财经理重点维护")
    assert df.loc["D", "建议动作"].startswith("挖掘潜力")
    # 截止日 = N-th working day after 2026-11-30 (Mon): 核心A 5 -> 12-07, 核心B 10 -> 12-14, 潜力 15 -> 12-21,
    # 规模 20 -> 12-28
    want = {"A": "2026-12-07", "K2": "2026-12-14", "K1": "2026-12-14", "D": "2026-12-21", "E": "2026-12-28"}
    assert df["截止日"].to_dict() == {k: T(v) for k, v in want.items()}
    assert {k: nth_workday_after(AS_OF, n) for k, n in (("A", 5), ("K1", 10), ("D", 15), ("E", 20))} == \
        {k: T(want[k]) for k in ("A", "K1", "D", "E")}
    # no 交易流水 here: 5年潜力值 is the net-inflow part only (a lower bound), so F3 is decided where it already
    # reaches 500,000 (A, K1, D) and not computed below it (K2, E) — it used to count as "not met" (他行 part as 0)
    assert df["未计算因素"].fillna("").to_dict() == {"A": "", "K2": "F3 潜力", "K1": "", "D": "", "E": "F3 潜力"}


def test_rank_tie_break_is_size_then_customer_number(report):
    """K2 and K1 tie at 70 (核心B): K2 (400,000) before K1 (250,000) although K1 < K2 as 客户号; the rule is
    stated in 说明 and on the list sheet."""
    core = report.tables()["d4_core"].df
    assert core["客户号"].tolist() == ["A", "K2", "K1", "D", "E"] and core["排名"].tolist() == [1, 2, 3, 4, 5]
    tie = [n for n in report.notes if "排名" in n]
    assert tie and "同分按规模: 近3月定期日均(元)、5年潜力值(元)从高到低" in tie[0] and "客户号升序" in tie[0]
    sheet = next(s for s in report.sheets if s.name == "核心客户名单")
    assert any(tie[0].replace("核心客户名单", "") in line for line in sheet.blocks[0].lines)


def test_tag_sheet_one_row_per_listed_customer(report):
    sheet = next(s for s in report.sheets if s.name == "客户标签")
    tags = sheet.blocks[1].df
    assert list(tags.columns) == [TAG_HEADERS[c] for c in TAG_COLUMNS]
    t = tags.set_index("客户号")
    assert sorted(t.index) == ["A", "D", "E", "K1", "K2"]  # G (一般) has no tag
    assert set(t["场景"]) == {"D4"} and set(t["标签代码"]) == {"D4_CORE"} and set(t["标签名称"]) == {"核心客户分级"}
    assert t.loc["A", "标签值"] == 100.0 and t.loc["A", "标签等级"] == "核心A"
    assert t.loc["E", "标签值"] == 10.0 and t.loc["E", "标签等级"] == "规模客户"
    assert set(t["规则版本"]) == {params_hash(CoreParams())} and set(t["数据日期"]) == {T(AS_OF)}
    names = report.sheet_names
    assert names[:5] == ["分级概览", "核心客户名单", "10户PDCA", "要素明细", "客户标签"]


def test_factor_the_data_cannot_supply_is_not_scored_but_listed():
    """No 开户日期, no 入账/出账, no 交易流水 (UCI shape): F2 and F3 cannot be computed -> not scored, named in
    未计算因素; F1 alone gives 10 -> 规模客户."""
    cm = pd.DataFrame({"cust_id": pd.array(["U1", "U2"], dtype="string"),
                       "month": pd.to_datetime(["2026-11-01"] * 2), "dep_avg": [300_000.0, 1_000.0],
                       "td_avg": [250_000.0, 0.0]})
    core = execute("deposit.core_customers", {"customer_monthly": cm}, as_of=AS_OF).tables()["d4_core"].df
    assert core["客户号"].tolist() == ["U1"]
    assert core.loc[0, "得分"] == 10.0 and core.loc[0, "等级"] == "规模客户"
    assert core.loc[0, "未计算因素"] == "F2 稳定、F3 潜力"
    assert core.loc[0, "原因"] == "近3月定期日均 250,000 元 ≥ 200,000"  # the one month the data hold


def test_strategy_and_points_are_parameters():
    """核心A due in 1 working day with the size in its action; points and thresholds × 2 keep every grade
    (A 200, K2 140) and change the rule version."""
    strat = ('[["核心A", "{size:,.0f} 元: 行长拜访", 1], ["核心B", "补齐短板", 10], ["稳定潜力客户", "提升规模", 10],'
             ' ["潜力客户", "挖掘潜力", 15], ["规模客户", "巩固规模", 20]]')
    df = execute("deposit.core_customers", tables(), {"strategy": strat}, as_of=AS_OF).tables()["d4_core"].df
    a = df.set_index("客户号").loc["A"]
    assert a["建议动作"] == "300,000 元: 行长拜访" and a["截止日"] == T("2026-12-01")
    double = {"f1_points": 20, "f1_core_points": 80, "f2_points": 60, "f3_points": 60,
              "levels": '[["核心A", 200], ["核心B", 140], ["稳定潜力客户", 120], ["潜力客户", 60], ["规模客户", 20]]'}
    df2 = execute("deposit.core_customers", tables(), double, as_of=AS_OF).tables()["d4_core"].df.set_index("客户号")
    assert df2["得分"].to_dict() == {"A": 200.0, "K2": 140.0, "K1": 140.0, "D": 60.0, "E": 20.0}
    assert df2["等级"].tolist() == ["核心A", "核心B", "核心B", "潜力客户", "规模客户"]
    assert params_hash(make_params(CoreParams, double)) != params_hash(CoreParams())


@pytest.mark.parametrize("override,needle", [
    # F2 + F3 = 50 + 30 = 80 ≥ 70 would make a 稳定潜力客户 核心B
    ({"f2_points": 50}, "稳定潜力客户"),
    # renamed levels: the names are the D4 grades
    ({"levels": '[["A", 100], ["B", 70], ["C", 60], ["D", 30], ["E", 10]]'}, "核心A、核心B"),
    ({"strategy": '[["核心A", "{foo}", 1], ["核心B", "x", 1], ["稳定潜力客户", "x", 1], ["潜力客户", "x", 1],'
                  ' ["规模客户", "x", 1]]'}, "占位符"),
])
def test_parameters_that_break_the_grade_table_are_refused(override, needle):
    with pytest.raises(ParameterError, match=needle):
        make_params(CoreParams, override)


def test_cli_inconsistent_points_exit_2_before_load(no_load, capsys):
    code = main(["run", "D4", "-i", str(no_load), "-o", str(no_load.parent / "o.xlsx"), "--param", "f2_points=50"])
    err = capsys.readouterr().err
    assert code == 2 and "稳定潜力客户" in err and "F2" in err, err
    assert not (no_load.parent / "o.xlsx").exists()


def test_size_basis_is_a_choice_by_id_or_label():
    """规模口径 accepts its id or 中文 label and stores the id (a label was refused before); a typo lists both."""
    assert make_params(CoreParams, {"size_basis": "存款日均"}).size_basis == "dep_avg"
    assert make_params(CoreParams, {"规模口径": "td_avg"}).size_basis == "td_avg"
    with pytest.raises(ParameterError, match=r"定期日均\(td_avg\)、存款日均\(dep_avg\)"):
        make_params(CoreParams, {"size_basis": "月日均"})


def test_without_transactions_other_bank_funds_are_unknown_and_said(sample_bank):
    """Found by a fresh user: without 交易流水 the 他行 part of 5年潜力值 was counted as 0 and nothing said so. Now
    他行资金迹象额 is blank, F3 below the threshold is a not-computed factor, and 说明 says why."""
    from bankxl.runner import execute

    tables = {k: v for k, v in sample_bank.items() if k != "transactions"}
    rep = execute("deposit.core_customers", tables, as_of="2026-11-30")
    notes = [line for s in rep.sheets if s.name == "说明" for b in s.blocks for line in (getattr(b, "lines", None) or [])]
    assert any("未提供交易流水" in n for n in notes)
    detail = next(b.df for s in rep.sheets for b in s.blocks if getattr(b, "name", "") == "d4_factors")
    # issue 10 item 5: a column blank for every customer is not shown (it was, empty); the sheet's note names it
    assert not any(c.startswith("他行资金迹象额") for c in detail.columns)
    assert "他行资金迹象额(元)" in rep.sheet("要素明细").blocks[0].lines[0]
