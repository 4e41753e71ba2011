"""D2 提醒名单 on the shared list/tag mechanism (issue 9 items 4–5) and the D2 bugs a fresh user found:
(a) 期限档 of a 到期日 derived from 存期(天), (b) the total row of a report holding part of the bank,
(c) amount-band labels in the data's currency, (d) the 高峰日 threshold (rounded, > 0), (e) the
per-reminder-day actions as a parameter table. Values worked out by hand."""
from __future__ import annotations

import functools

import pandas as pd
import pytest

from bankxl.errors import ParameterError
from bankxl.runner import execute as _execute
from bankxl.scenario import make_params, params_hash
from bankxl.scenarios.deposit.maturity import MaturityParams
from bankxl.tags import TAG_COLUMNS, TAG_HEADERS

from test_d2_maturity import AS_OF, CUSTOMERS, ORGS, ROWS, make_td

execute = functools.partial(_execute, mask_accounts=False)
T = pd.Timestamp


@pytest.fixture(scope="module")
def report():
    return execute("deposit.maturity", {"time_deposits": make_td(), "orgs": ORGS, "customers": CUSTOMERS},
                   as_of=AS_OF)


# --- (e) + lists: levels, actions, due dates, reasons ---------------------------------------------------
def test_levels_actions_due_dates_by_hand(report):
    """A03 (C2, 600,000 大额存单, node 15): 大额客户 60 + 大额存单续存 10 = 70 points -> A; action = node-15 action + A's; due = 2nd
    working day after 2026-09-09 = 09-11 (Fri). A01 (C1, 100,000 整存整取, node 30): nothing -> 0 -> D; due =
    5th working day = 09-16. A05 (node 1, maturity 09-10): D's 5 days capped at the last working day before its
    实际可支取日 09-10 -> 09-09 itself (never before the data date)."""
    rem = report.tables()["reminders"].df.set_index("账号")
    assert rem.loc["A03", "得分"] == 70 and rem.loc["A03", "等级"] == "A" and rem.loc["A03", "建议产品"] == "大额存单/理财组合"
    assert rem.loc["A03", "建议动作"] == "推介续存方案; 理财经理面访"
    assert rem.loc["A03", "截止日"] == T("2026-09-11")
    assert rem.loc["A03", "原因"] == "客户本节点到期合计 600,000 元 ≥ 500,000 元；大额存单到期续存；到期前15天节点(距到期15天)"
    assert rem.loc["A01", "得分"] == 0 and rem.loc["A01", "等级"] == "D"
    assert rem.loc["A01", "建议动作"] == "了解资金用途; 电话/短信提醒" and rem.loc["A01", "截止日"] == T("2026-09-16")
    assert rem.loc["A05", "截止日"] == T("2026-09-09")
    assert rem.loc["A04", "截止日"] == T("2026-09-15")  # 09-16 - 1 day; 5 working days would be 09-16
    assert list(rem.columns[:3]) == ["排名", "提醒节点", "客户号"]
    assert {"排名", "客户号", "得分", "等级", "原因", "建议动作", "截止日"} <= set(rem.reset_index().columns)
    assert "未计算因素" not in rem.columns


def test_cd_upgrade_and_renewal_levels_and_rank_within_node():
    """Node 30 (maturity 2026-10-09): B1 300,000 整存整取 -> 转大额存单 30 -> B; B2 250,000 大额存单 -> 续存 10 -> C;
    B3 80,000 (K3) and B4 80,000 (K0): 0 -> D, tied on score and balance: 客户号 K0 before K3 (not input order)."""
    rows = [("B1", "K1", "O11", "整存整取", "2025-10-09", "2026-10-09", 12, 0.015, 300_000.0),
            ("B2", "K2", "O11", "大额存单", "2025-10-09", "2026-10-09", 12, 0.02, 250_000.0),
            ("B3", "K3", "O11", "整存整取", "2025-10-09", "2026-10-09", 12, 0.015, 80_000.0),
            ("B4", "K0", "O11", "整存整取", "2025-10-09", "2026-10-09", 12, 0.015, 80_000.0)]
    rem = execute("deposit.maturity", {"time_deposits": make_td(rows)}, as_of=AS_OF).tables()["reminders"].df
    assert rem["账号"].tolist() == ["B1", "B2", "B4", "B3"] and rem["排名"].tolist() == [1, 2, 3, 4]
    assert rem["等级"].tolist() == ["B", "C", "D", "D"] and rem["得分"].tolist() == [30, 10, 0, 0]
    assert rem["建议产品"].tolist() == ["大额存单", "大额存单续存", "整存整取续存/理财", "整存整取续存/理财"]
    assert rem["建议动作"].tolist()[:2] == ["了解资金用途; 邀约转大额存单", "了解资金用途; 电话邀约续存"]
    # B: 3 working days after 09-09 -> 09-14; C: 5 -> 09-16
    assert rem["截止日"].tolist()[:2] == [T("2026-09-14"), T("2026-09-16")]


def test_strategy_and_node_actions_are_parameters():
    p = make_params(MaturityParams, {"node_actions": "[[30, \"电话了解用途\"], [15, \"推介\"], [7, \"预约\"], [1, \"确认\"]]",
                                     "strategy": "[[\"A\", \"{node_action}/面访\", 1], [\"B\", \"{node_action}/转存单\", 1],"
                                                 " [\"C\", \"{node_action}/续存\", 1], [\"D\", \"{node_action}/短信\", 0]]"})
    rem = execute("deposit.maturity", {"time_deposits": make_td()}, p, as_of=AS_OF).tables()["reminders"].df
    got = rem.set_index("账号")
    assert got.loc["A01", "建议动作"] == "电话了解用途/短信" and got.loc["A03", "建议动作"] == "推介/面访"
    assert got.loc["A01", "截止日"] == T("2026-09-09")  # 0 working days: the data date (a working day) itself
    assert params_hash(p) != params_hash(MaturityParams())
    with pytest.raises(ParameterError, match="占位符"):
        make_params(MaturityParams, {"strategy": "[[\"A\", \"{nod_action}\", 1], [\"B\", \"x\", 1], [\"C\", \"x\", 1],"
                                                 " [\"D\", \"x\", 1]]"})
    with pytest.raises(ParameterError, match="建议产品"):
        make_params(MaturityParams, {"level_products": "[[\"A\", \"x\"]]"})
    with pytest.raises(ParameterError, match="提醒节点动作"):
        make_params(MaturityParams, {"node_actions": "[[0, \"x\"]]"})


def test_tags_sheet(report):
    assert report.sheet_names[-3:] == ["客户标签", "数据问题", "说明"]
    tags = report.tables()["customer_tags"].df
    assert list(tags.columns) == [TAG_HEADERS[c] for c in TAG_COLUMNS]
    t = tags.set_index(["客户号", "标签代码"])
    # C2: reminder A (70 points); 大额到期客户 within 60 days: A03 600,000 (09-24)
    assert t.loc[("C2", "D2_REMINDER"), "标签值"] == 70 and t.loc[("C2", "D2_REMINDER"), "标签等级"] == "A"
    assert t.loc[("C2", "D2_LARGE_MATURITY"), "标签值"] == 600_000
    # C5: A07 30,000 matured 2026-08-01 and not withdrawn; C6: A08 1,000,000 (maturity derived 2025-02-28)
    assert t.loc[("C5", "D2_OVERDUE"), "标签值"] == 30_000 and t.loc[("C6", "D2_OVERDUE"), "标签值"] == 1_000_000
    assert set(tags["规则版本"]) == {report.meta["rule_version"]}
    assert set(tags["数据日期"]) == {T(AS_OF)}
    assert len(t.loc[(slice(None), "D2_REMINDER"), :]) == 4  # C1 C2 C3 C4, one tag per customer


# --- (a) term band from 存期(天) ----------------------------------------------------------------------------
def test_term_band_from_days_term():
    """D1: 2026-07-01 + 90 天 = 2026-09-29 -> 3个月 (90 / 30.4 ≈ 3), like D2 with its 到期日 and 期限 3 个月."""
    rows = [("D1", "K1", "O11", "整存整取", "2026-07-01", None, None, 0.015, 10_000.0),
            ("D2", "K2", "O11", "整存整取", "2026-07-01", "2026-10-01", 3, 0.015, 20_000.0)]
    td = make_td(rows)
    td["term_d"] = pd.array([90, None], dtype="Int64")
    r = execute("deposit.maturity", {"time_deposits": td}, as_of=AS_OF)
    det = r.tables()["maturity_detail"].df.set_index("账号")
    assert det.loc["D1", "到期日"] == T("2026-09-29")
    assert det.loc["D1", "期限档"] == "3个月" and det.loc["D2", "期限档"] == "3个月"
    by_term = r.tables()["by_term"].df.set_index("存期")
    assert by_term.loc["3个月", "笔数"] == 2 and "未知" not in by_term.index


# --- (b) total row of a part of the bank ------------------------------------------------------------------
def test_total_row_is_hejì_when_the_data_hold_part_of_the_bank(report):
    one = make_td([r for r in ROWS if r[2] == "O11"])
    for tables in ({"time_deposits": one, "orgs": ORGS}, {"time_deposits": one}):
        amt = execute("deposit.maturity", tables, as_of=AS_OF).tables()["maturity_amount"].df
        assert amt["层级"].iloc[0] == "合计" and amt["机构名称"].iloc[0] == "合计", list(tables)
        assert "全行" not in set(amt["层级"])
    assert report.tables()["maturity_amount"].df["层级"].iloc[0] == "全行"  # all outlets of 机构表


# --- (c) labels in the data's currency --------------------------------------------------------------------
def test_band_labels_follow_the_currency():
    r = execute("deposit.maturity", {"time_deposits": make_td()}, as_of=AS_OF, currency="EUR")
    band = r.tables()["by_band"].df
    assert band["金额段"].tolist() == ["<50,000 EUR", "50,000–200,000 EUR", "200,000–500,000 EUR",
                                     "500,000–1,000,000 EUR", "≥1,000,000 EUR"]
    assert not any("万" in str(c) for c in r.tables()["staffing"].df.columns)
    assert "大额客户数(≥500,000 EUR)" in r.tables()["staffing"].df.columns
    assert not r.tables()["reminders"].df["原因"].str.contains("万").any()


# --- (d) 高峰日 threshold -------------------------------------------------------------------------------
def test_peak_threshold_rounded_and_positive():
    # 13 days after Wed 2026-09-09: 10 working days (Sunday 09-20 is a make-up working day); 10 万 on 09-14,
    # 20 万 on 09-15 -> P90 = 8 × 0 … linear: 0.9 × 9 = 8.1 -> 10 + 0.1 × 10 = 11 (numpy: 10.999…96)
    rows = [("P1", "K1", "O11", "整存整取", "2025-09-14", "2026-09-14", 12, 0.015, 100_000.0),
            ("P2", "K2", "O11", "整存整取", "2025-09-15", "2026-09-15", 12, 0.015, 200_000.0)]
    cal = execute("deposit.maturity", {"time_deposits": make_td(rows)}, {"calendar_days": 13},
                  as_of=AS_OF).tables()["maturity_calendar"].df
    assert cal["P90阈值(万元)"].iloc[0] == 11.0
    assert cal.loc[cal["高峰日"] == "高峰日", "日期"].tolist() == [T("2026-09-15")]
    # few maturities: P90 over 60 days is 0 -> no day is a 高峰日 (was: every day with a maturity)
    cal = execute("deposit.maturity", {"time_deposits": make_td(rows[:1])}, as_of=AS_OF).tables()["maturity_calendar"].df
    assert cal["P90阈值(万元)"].iloc[0] == 0 and cal["高峰日"].eq("").all()


def test_without_rate_column_values_are_blank_not_an_error():
    """利率 is optional: without the column the report builds and 到期本息 is blank (缺利率或期限), never 0."""
    td = make_td().drop(columns="rate")
    rem = execute("deposit.maturity", {"time_deposits": td}, as_of=AS_OF).tables()["reminders"].df
    assert rem["到期本息(元)"].isna().all() and set(rem["本息说明"]) == {"缺利率或期限"}
