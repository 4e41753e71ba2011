"""The shared list and tag mechanism (bankxl.lists, bankxl.tags; issue 9 items 4 and 5): scores, levels,
reasons, actions, working-day due dates and ranks of a 5-row frame computed by hand; the stated tie-break;
an unknown factor reported, not scored; the §6 tag table."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pytest
from conftest import nth_workday_after

from bankxl.errors import ParameterError
from bankxl.lists import Rule, check_levels, format_values, levels_param, score_list, strategy_param
from bankxl.scenario import RunContext, make_params, param, params_hash, params_table
from bankxl.tags import TAG_COLUMNS, TAG_HEADERS, tag_rows, tag_sheet, tag_table

AS_OF = "2026-09-30"  # the day before 国庆节 2026 (10-01..10-07 off, Saturday 10-10 a make-up working day)


@dataclass(frozen=True)
class KitParams:
    levels: tuple = levels_param((("A", 80), ("B", 60), ("C", 30)))
    strategy: tuple = strategy_param((("A", "客户经理面谈(余额 {bal:,.0f} 元)", 3), ("B", "电话联系", 5),
                                      ("C", "短信推送", 10)))


RULES = (
    Rule("big", "余额 {bal:,.0f} 元", points=40, when=lambda f: f["bal"] >= 100_000, name="余额规模"),
    Rule("payroll", "本行代发", points=30, when="payroll", name="代发"),
    Rule("gap", "产品缺口 {share:.0%}", weight=50, value="share", name="产品缺口"),
    Rule("risk", "有逾期记录", when="risk", name="风险"),  # 0 points: a reason, never a score
)


def frame() -> pd.DataFrame:
    return pd.DataFrame({
        "cust_id": ["c1", "c2", "c3", "c4", "c5"],
        "cust_name": ["张三", "李四", "王五", "赵六", "钱七"],
        "bal": [200_000.0, 50_000.0, 150_000.0, 120_000.0, 80_000.0],
        "payroll": pd.array([True, True, False, True, None], dtype="boolean"),
        "share": [0.5, 0.2, 0.4, None, 0.8],
        "risk": [True, True, False, False, False],
    })


def ctx() -> RunContext:
    return RunContext(as_of=AS_OF)


def test_scores_levels_reasons_actions_due_dates_by_hand():
    p = KitParams()
    f = frame()
    before = f.copy()
    lst = score_list(f, RULES, p.levels, p.strategy, ctx(), sort_by=("bal",), show={"bal": "余额(元)"})
    pd.testing.assert_frame_equal(f, before)  # input untouched
    df = lst.df.set_index("客户号")
    # c1 40 + 30 + 50×0.5 = 95 · c2 30 + 10 = 40 · c3 40 + 20 = 60 · c4 40 + 30 (gap unknown) = 70 · c5 40 (代发 unknown)
    assert df["得分"].to_dict() == {"c1": 95.0, "c4": 70.0, "c3": 60.0, "c5": 40.0, "c2": 40.0}
    assert df["等级"].to_dict() == {"c1": "A", "c4": "B", "c3": "B", "c5": "C", "c2": "C"}
    # ties 40/40: c5 (余额 80,000) before c2 (50,000) although c2 comes first in the input
    assert list(df.index) == ["c1", "c4", "c3", "c5", "c2"] and list(df["排名"]) == [1, 2, 3, 4, 5]
    # top 3 by points: c1's 0-point 逾期 reason is the fourth and is dropped; c2 keeps it as its third
    assert df.loc["c1", "原因"] == "余额 200,000 元；本行代发；产品缺口 50%"
    assert df.loc["c2", "原因"] == "本行代发；产品缺口 20%；有逾期记录"
    assert df.loc["c3", "原因"] == "余额 150,000 元；产品缺口 40%"
    assert df.loc["c1", "建议动作"] == "客户经理面谈(余额 200,000 元)" and df.loc["c3", "建议动作"] == "电话联系"
    # due = N-th working day after 2026-09-30: A 3 -> 10-10 (the make-up Saturday), B 5 -> 10-13, C 10 -> 10-20
    assert df["截止日"].to_dict() == {"c1": pd.Timestamp("2026-10-10"), "c4": pd.Timestamp("2026-10-13"),
                                    "c3": pd.Timestamp("2026-10-13"), "c5": pd.Timestamp("2026-10-20"),
                                    "c2": pd.Timestamp("2026-10-20")}
    for n, d in ((3, "2026-10-10"), (5, "2026-10-13"), (10, "2026-10-20")):
        assert nth_workday_after(AS_OF, n) == pd.Timestamp(d)
    assert df.loc["c1", "客户名称(脱敏)"] == "张*" and df.loc["c1", "余额(元)"] == 200_000
    assert lst.counts == {"A": 1, "B": 2, "C": 2} and lst.excluded == 0
    assert list(lst.df.columns) == ["排名", "客户号", "客户名称(脱敏)", "余额(元)", "得分", "等级", "原因", "建议动作",
                                    "截止日", "未计算因素"]
    assert "同分按余额(元)从高到低" in lst.tie_break and "客户号升序" in lst.tie_break and lst.tie_break in lst.note


def test_unknown_factor_is_not_scored_but_reported():
    p = KitParams()
    df = score_list(frame(), RULES, p.levels, p.strategy, ctx()).df.set_index("客户号")
    assert df.loc["c4", "未计算因素"] == "产品缺口" and df.loc["c5", "未计算因素"] == "代发"
    assert pd.isna(df.loc["c1", "未计算因素"])
    # a factor the dataset cannot supply at all: named by id or 中文 name, not computed for anybody
    lst = score_list(frame(), RULES, p.levels, p.strategy, ctx(), unknown=("代发",))
    got = lst.df.set_index("客户号")
    assert got.loc["c1", "得分"] == 65 and got.loc["c1", "原因"] == "余额 200,000 元；产品缺口 50%；有逾期记录"
    # c2 falls to 10 points (below C 30) and leaves the list; the counts are of the listed rows
    assert lst.excluded == 1 and lst.not_computed == {"代发": 4, "产品缺口": 1}
    assert any("代发 4 户" in n for n in lst.note)
    # nothing computable at all: blank score and level, listed last, no action
    none = frame().assign(payroll=pd.array([None] * 5, dtype="boolean"), share=None)
    one = score_list(none.iloc[[0]], RULES[1:3], p.levels, p.strategy, ctx()).df
    assert pd.isna(one.loc[0, "得分"]) and pd.isna(one.loc[0, "等级"]) and pd.isna(one.loc[0, "截止日"])
    assert one.loc[0, "未计算因素"] == "代发、产品缺口"


def test_tie_break_is_amount_then_customer_number_never_input_order():
    p = KitParams()
    f = pd.DataFrame({"cust_id": ["z9", "b2", "a1", "m5"], "bal": [100.0, 300.0, 100.0, None],
                      "payroll": pd.array([True] * 4, dtype="boolean"), "share": [0.0] * 4, "risk": [False] * 4})
    order = score_list(f, RULES, p.levels, p.strategy, ctx(), sort_by=("bal",)).df["客户号"].tolist()
    assert order == ["b2", "a1", "z9", "m5"]  # all 30 points: 300 > 100 = 100 (a1 < z9) > blank
    again = score_list(f.iloc[::-1], RULES, p.levels, p.strategy, ctx(), sort_by=("bal",)).df["客户号"].tolist()
    assert again == order


def test_amount_is_the_declared_money_column_only():
    """ListTable.amount (the 涉及金额 of the task list) is the money column the scenario declares with amount=,
    per listed row in rank order — never the first sort_by column by default (积分, a 0/1 flag …)."""
    p = KitParams()
    f = frame().assign(pts=[5.0, 9.0, 7.0, 1.0, 3.0])
    plain = score_list(f, RULES, p.levels, p.strategy, ctx(), sort_by=("pts",), show={"pts": "积分"})
    assert plain.amount is None and plain.table("t", "t").amount is None
    money = score_list(f, RULES, p.levels, p.strategy, ctx(), sort_by=("pts",), show={"bal": "余额(元)"},
                       amount="bal")
    by_hand = {"c1": 200_000.0, "c3": 150_000.0, "c4": 120_000.0, "c2": 50_000.0, "c5": 80_000.0}
    assert money.amount.tolist() == [by_hand[c] for c in money.df["客户号"]]
    t = money.table("t", "t", limit=2)
    assert t.amount_header == "余额(元)" and t.amount.tolist() == money.amount.tolist()[:2]
    with pytest.raises(ValueError, match="amount='pts'"):  # not money: its header names no currency
        score_list(f, RULES, p.levels, p.strategy, ctx(), show={"pts": "积分"}, amount="pts")
    with pytest.raises(ValueError, match="amount='bal'"):  # money not shown: the user could not see it
        score_list(f, RULES, p.levels, p.strategy, ctx(), amount="bal")


def test_below_lowest_level_not_listed_and_empty_frame():
    p = KitParams()
    levels = (("A", 80), ("B", 50))
    strategy = (("A", "面谈", 3), ("B", "电话", 5))
    lst = score_list(frame(), RULES, levels, strategy, ctx())
    assert lst.df["客户号"].tolist() == ["c1", "c4", "c3"] and lst.excluded == 2
    assert "低于 50 分的 2 户未列入名单" in lst.note[0]
    empty = score_list(frame().iloc[:0], RULES, p.levels, p.strategy, ctx()).df
    assert len(empty) == 0 and {"排名", "客户号", "得分", "等级", "原因", "建议动作", "截止日"} <= set(empty.columns)


def test_levels_and_strategy_checked_and_round_trip():
    with pytest.raises(ParameterError, match="从高到低"):
        check_levels((("A", 60), ("B", 80)), (("A", "x", 1), ("B", "y", 2)))
    with pytest.raises(ParameterError, match="策略表.*A、B"):
        check_levels((("A", 80), ("B", 60)), (("A", "x", 1),))
    with pytest.raises(ParameterError, match="截止日 = 数据日期后第 N 个工作日, N ≥ 0"):
        check_levels((("A", 80),), (("A", "x", -1),))
    with pytest.raises(ParameterError, match=r"\{offer\}"):  # a typo in a placeholder, or a lone brace
        check_levels((("A", 80),), (("A", "{ofer} 面谈", 1),), fields=("offer",))
    with pytest.raises(ParameterError, match="占位符"):
        check_levels((("A", 80),), (("A", "面谈 {", 1),), fields=("offer",))
    check_levels((("A", 80),), (("A", "{offer} 面谈 {{重要}}", 1),), fields=("offer",))
    # the 参数 sheet writes tuples as JSON and reads them back unchanged (English id or 中文 label)
    p = KitParams()
    tab = params_table(p).set_index("参数")
    back = make_params(KitParams, {"策略表": tab.loc["strategy", "取值"], "levels": tab.loc["levels", "取值"]})
    assert back == p and tab.loc["strategy", "名称"] == "策略表"


def test_format_values():
    s = pd.Series([-1234.5, 0.125, 1234567.0, None])
    assert format_values(s, ",.1f").tolist()[:3] == ["-1,234.5", "0.1", "1,234,567.0"]
    assert format_values(s, ".1%").tolist()[1] == "12.5%"
    assert format_values(s, ",.0f").tolist()[2] == "1,234,567" and pd.isna(format_values(s, ",.0f").iloc[3])
    # second method: Python's own format() on values with inner zero groups, negatives, big numbers
    vals = [0, 5, 999, 1000, 1_005_007, 1_234_567.891, -1234.5, -0.4, 12_345_678_901.0, 0.125, 1_000_000]
    for spec in (",.0f", ",.2f", ".1f", ".0%"):
        want = [format(x, spec) for x in vals]
        got = format_values(pd.Series(vals), spec).tolist()
        assert got == [{"-0": "0", "-0%": "0%"}.get(w, w) for w in want], spec  # no "-0"


def test_tag_rows_shape():
    p = KitParams()
    c = ctx()
    lst = score_list(frame(), RULES, p.levels, p.strategy, c)
    gap = tag_rows("K9", "K9_GAP", "缺口", frame()["cust_id"], c, p, value=frame()["share"],
                   when=frame()["share"] > 0.3)
    tags = tag_table(lst.tag_rows("K9", "K9_LIST", "名单", c, p), gap)
    assert tuple(tags.columns) == TAG_COLUMNS
    assert tags.dtypes.astype(str).to_dict() == {
        "cust_id": "string", "scenario": "string", "tag_code": "string", "tag_name": "string", "value": "float64",
        "level": "string", "as_of": "datetime64[ns]", "rule_version": "string"}
    assert len(tags) == 5 + 3  # gap: c1 0.5, c3 0.4, c5 0.8
    c1 = tags[tags["cust_id"] == "c1"].set_index("tag_code")
    assert c1.loc["K9_LIST", "value"] == 95 and c1.loc["K9_LIST", "level"] == "A"
    assert c1.loc["K9_GAP", "value"] == 0.5 and pd.isna(c1.loc["K9_GAP", "level"])
    assert set(tags["rule_version"]) == {params_hash(p)} and set(tags["as_of"]) == {pd.Timestamp(AS_OF)}
    assert tags["cust_id"].tolist() == sorted(tags["cust_id"])
    sheet = tag_sheet(tags)
    assert sheet.name == "客户标签"
    assert list(sheet.blocks[1].df.columns) == [TAG_HEADERS[c] for c in TAG_COLUMNS]
    assert tuple(tag_table().columns) == TAG_COLUMNS and len(tag_table()) == 0


def test_format_values_empty_and_beyond_int64():
    """An empty column formats to an empty column (it raised); values beyond int64 after scaling fall back to
    Python's format with the same result."""
    assert format_values(pd.Series([], dtype="float64"), ",.1f").tolist() == []
    big = pd.Series([1e20, -2.5e19, 1234.5])
    assert format_values(big, ",.0f").tolist() == [format(1e20, ",.0f"), format(-2.5e19, ",.0f"), "1,234"]
    assert format_values(pd.Series([1e18]), ",.2%").tolist() == [format(1e20, ",.2f") + "%"]


# ------------------------------------------------------------------ which parameter a list's note names
@dataclass(frozen=True)
class TwoListParams:
    levels: tuple = levels_param((("A", 80), ("B", 60), ("C", 30)))
    strategy: tuple = strategy_param((("A", "面谈", 3), ("B", "电话", 5), ("C", "短信", 10)))
    near_levels: tuple = levels_param((("临界", 0),))
    near_strategy: tuple = param((("临界", "观察", 10),), "临界名单策略表", "工作日", "test")
    near_days: int = param(7, "临界名单截止日", "工作日", "test")


def _source_line(lst) -> str:
    return next(x for x in lst.note if "建议动作与截止日" in x)


def test_note_names_the_parameter_the_strategy_came_from():
    """With params= the note names the field whose value the strategy is: 「策略表」 for ``strategy``,
    「临界名单策略表」 for ``near_strategy`` — also after the user changed it (a new object, equal to nothing
    else); a strategy built in code names its scalar parameters; a wrong or missing name is a ValueError."""
    p = KitParams()
    two = TwoListParams()
    f = frame()
    assert "参数「策略表」:" in _source_line(score_list(f, RULES, two.levels, two.strategy, ctx(), params=two))
    near = score_list(f, RULES, two.near_levels, two.near_strategy, ctx(), params=two)
    assert "取自参数「临界名单策略表」: 临界 10 个工作日" in _source_line(near)
    edited = make_params(TwoListParams, {"near_strategy": '[["临界", "上门", 2]]'})
    near = score_list(f, RULES, edited.near_levels, edited.near_strategy, ctx(), params=edited)
    assert "取自参数「临界名单策略表」: 临界 2 个工作日" in _source_line(near)
    built = (("临界", "观察", two.near_days),)
    named = score_list(f, RULES, two.near_levels, built, ctx(), params=two, strategy_label=("临界名单截止日",))
    assert "取自参数「临界名单截止日」:" in _source_line(named)
    with pytest.raises(ValueError, match="strategy_label"):  # built in code: its parameters must be named
        score_list(f, RULES, two.near_levels, built, ctx(), params=two)
    with pytest.raises(ValueError, match="not parameters"):
        score_list(f, RULES, two.near_levels, built, ctx(), params=two, strategy_label="临界策略")
    with pytest.raises(ValueError, match="contradicts"):
        score_list(f, RULES, two.near_levels, two.near_strategy, ctx(), params=two, strategy_label="策略表")
    # without params: the ``strategy`` convention, or the label given
    assert "参数「策略表」:" in _source_line(score_list(f, RULES, p.levels, p.strategy, ctx()))


def _strategy_names(sheet) -> list[str]:
    """The parameters a list sheet's notes name as its strategy («…取自参数「X」与「Y」: …»)."""
    import re

    out = []
    for b in sheet.blocks:
        for line in getattr(b, "lines", ()) or ():
            m = re.search(r"建议动作与截止日按等级取自参数((?:「[^」]+」与?)+)", str(line))
            if m:
                out.append(tuple(re.findall(r"「([^」]+)」", m.group(1))))
    return out


def test_every_list_of_every_scenario_names_its_own_strategy_parameter(sample_bank):
    """Each §6 list of every registered scenario, run on the sample bank: its sheet's note names the
    parameter(s) its actions and due dates come from; each is a parameter of the scenario; a strategy table named
    has only levels of the list (a list may add a level with its own parameters, C10's 待核实); two lists of one report never name the same parameter (C3 网贷客户名单 and
    多头风险名单 said 「策略表」, whose levels are A/B/C, before score_list named the field it was given)."""
    from dataclasses import fields

    from bankxl.lists import ListTable
    from bankxl.runner import execute
    from bankxl.scenario import registry

    checked = {}
    for spec in registry().values():
        rep = execute(spec, {t: sample_bank[t] for t in spec.sample_inputs if t in sample_bank}, as_of="2026-11-30")
        zh = {str(fd.metadata.get("zh")): fd for fd in fields(spec.params)}
        p = spec.params()
        named = []
        for sheet in rep.sheets:
            lists = [b for b in sheet.blocks if isinstance(b, ListTable)]
            if not lists:
                continue
            assert len(lists) == 1, f"{spec.code} {sheet.name}: one list per sheet"
            names = _strategy_names(sheet)
            assert names and len(set(names)) == 1, f"{spec.code} {sheet.name}: strategy named {names}"
            for label in names[0]:
                assert label in zh, f"{spec.code} {sheet.name}: 「{label}」 is not a parameter of {spec.code}"
                value = getattr(p, zh[label].name)
                if isinstance(value, tuple) and value and isinstance(value[0], tuple):
                    assert {str(x[0]) for x in value} <= set(lists[0].levels), (spec.code, sheet.name, label)
            named.append(names[0])
        assert len(set(named)) == len(named), f"{spec.code}: two lists name one strategy {named}"
        checked[spec.code] = named
    assert checked["C3"] == [("策略表",), ("网贷名单策略表",), ("多头名单策略表",)]
    assert checked["C8"] == [("策略表",), ("排除名单建议动作", "排除名单截止日")]
    assert checked["E1"] == [("策略表",), ("临界名单策略",)] and checked["E2"] == [("策略表",), ("保级名单策略",)]
    assert checked["E3"] == [("策略表",), ("推送名单策略",)]
    assert sorted(checked["D2"]) == [("大额名单策略表",), ("策略表",)]
