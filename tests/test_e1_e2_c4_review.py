"""The three merchant reports read by a branch analyst (issue 12 review, issue 10 items 3–7), on the hand-made
banks of tests/test_e1_merchant_warning.py, test_e2_merchant_stars.py and test_c4_merchant_credit.py."""
from __future__ import annotations

import re

import pandas as pd
import pytest
from test_c4_merchant_credit import AS_OF
from test_c4_merchant_credit import bank as c4_bank
from test_e1_merchant_warning import bank as e1_bank
from test_e2_merchant_stars import bank as e2_bank

from bankxl.report import Note
from bankxl.runner import execute
from bankxl.scenario import get_scenario, params_table

#: words only developers read: the method file, module paths, source tags like 【S15】
DEVELOPER = re.compile(r"SCENARIOS|bankxl\.|【S\d+】|§")


def _user_texts(rep, code: str) -> list[str]:
    """Every text a user reads: 说明's method and notes, the notes on the sheets, the headline, the headers and
    text cells of every table, the 参数 rows (名称, 单位, 说明)."""
    out = [*rep.method, *rep.notes]
    if rep.headline is not None:
        out += [*rep.headline.lines, *(f.label for f in rep.headline.figures), *(f.note or "" for f in rep.headline.figures)]
    for sheet in rep.sheets:
        for b in sheet.blocks:
            if isinstance(b, Note):
                out += [*b.lines, b.title or "", *(f"{k} {v}" for k, v in b.pairs)]
    for t in rep.tables().values():
        out += [str(c) for c in t.df.columns]
        text = t.df.select_dtypes(include=["object", "string"])
        out += [str(v) for v in pd.unique(text.to_numpy().ravel()) if isinstance(v, str)]
    table = params_table(get_scenario(code).default_params())
    out += table[["名称", "单位", "说明"]].astype(str).to_numpy().ravel().tolist()
    return out


@pytest.mark.parametrize("code,bank", [("E1", e1_bank), ("E2", e2_bank), ("C4", c4_bank)])
def test_no_developer_words_on_user_sheets(code, bank):
    """Issue 10 item 7: no 'SCENARIOS.md', '§0.7', 'bankxl.rules.merchants' or 【S15】 on what users read (the
    three reports and their 参数 rows held them all before)."""
    rep = execute(code, bank(), as_of=AS_OF)
    bad = sorted({t for t in _user_texts(rep, code) if DEVELOPER.search(t)})
    assert not bad, bad


def test_transition_rows_hold_only_states_last_month_can_have():
    """E1 and E2 judge last month without the 商户状态 (the 注销 date is unknown), so last month is never
    已注销: the matrices had an all-zero 已注销 row; E1's 未入网 column (nobody can be 未入网 at the data date
    unless opened later) is left out when empty. The counts are those of the golden tests."""
    e1 = execute("E1", e1_bank(), as_of=AS_OF).tables()["e1_transitions"].df
    first = e1.columns[0]
    assert "已注销" not in set(e1[first]) and "未入网" in set(e1[first]) and "未入网" not in e1.columns
    assert "已注销" in e1.columns and int(e1["合计"].sum()) == 14  # every merchant counted once
    e2 = execute("E2", e2_bank(), as_of=AS_OF).tables()["e2_migration"].df
    assert "已注销" not in set(e2[e2.columns[0]]) and "已注销" in e2.columns


def test_c4_tasks_count_the_list_levels_the_parameters_name():
    """经理任务 counts one column per list level of the parameter 等级门槛 (fixed A/B/C columns counted 0 for
    levels named otherwise): levels 优先 ≥ 60 / 一般 ≥ 30 / 储备 ≥ 0 give the golden list's A, A, A, B as
    优先 3, 一般 1 for manager E1."""
    levels = '[["优先", 60], ["一般", 30], ["储备", 0]]'
    strategy = '[["优先", "上门营销", 5], ["一般", "电话营销", 10], ["储备", "储备", 20]]'
    rep = execute("C4", c4_bank(), {"levels": levels, "strategy": strategy}, as_of=AS_OF)
    tasks = rep.tables()["c4_tasks"].df
    assert tasks[["客户经理", "可营销户数", "优先", "一般", "储备"]].values.tolist() == [["E1", 4, 3, 1, 0]]


@pytest.mark.parametrize("code,bank,sheet,own,other", [("E1", e1_bank, "临界名单", "临界名单策略", "预警名单"),
                                                       ("E2", e2_bank, "保级名单", "保级名单策略", "升星名单")])
def test_each_list_note_names_its_own_strategy_parameter(code, bank, sheet, own, other):
    """The second list's note (E1 临界名单, E2 保级名单) says its actions come from its own strategy parameter
    (near_strategy / keep_strategy), the main list's from 「策略表」; both named 「策略表」 before: the wrong
    parameter to edit."""
    rep = execute(code, bank(), as_of=AS_OF)
    notes = {s.name: " ".join(" ".join(b.lines) for b in s.blocks if isinstance(b, Note)) for s in rep.sheets}
    assert f"取自参数「{own}」" in notes[sheet] and "取自参数「策略表」" not in notes[sheet]
    assert "取自参数「策略表」" in notes[other]
