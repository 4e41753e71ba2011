"""D5 parameters lifted from code (issue 9 §2) and the column-wise 偏离度预警 / 进度 sheets: the 可达性 → 建议动作
table is the parameter ``reach_actions`` (shown on 参数, checked before any input is read), and the texts and
values of the vectorised sheets are the ones computed by hand on the D5 test bank (tests/test_d5_targets.py)."""
from __future__ import annotations

import json

import pytest
from test_d5_targets import AS_OF, _bank

from bankxl.errors import ParameterError
from bankxl.runner import execute
from bankxl.scenario import make_params
from bankxl.scenarios.deposit.targets import SPEC, TargetParams
from bankxl.scenarios.deposit.targets.params import REACH_STATES

DEFAULT = dict(TargetParams().reach_actions)


def _required(**params):
    rep = execute(SPEC, _bank(), params or None, as_of=AS_OF)
    return rep, rep.tables()["required"].df


def test_reach_actions_default_texts_and_a_changed_text():
    """B's 本月/考核期 rows are 需提升 (test_d5_targets: R above 62 百万 but below 2 × 62): the default action, then
    the text the user wrote; every other state keeps its default; the 参数 table shows the parameter."""
    rep, req = _required()
    assert DEFAULT["需提升"] == "按缺口安排营销, 每日余额须达到所需日均"
    b = req[req["机构号"] == "B"]
    assert set(b["可达性"]) == {"需提升"} and set(b["建议动作"]) == {DEFAULT["需提升"]}
    assert (req["建议动作"] == req["可达性"].map(DEFAULT)).all()
    shown = rep.tables()["params"].df.set_index("参数")
    assert shown.loc["reach_actions", "名称"] == "可达性建议动作"

    mine = tuple((s, "本周约见前五大客户" if s == "需提升" else DEFAULT[s]) for s in REACH_STATES)
    rep2, req2 = _required(reach_actions=mine)
    assert set(req2.loc[req2["机构号"] == "B", "建议动作"]) == {"本周约见前五大客户"}
    other = req2["可达性"] != "需提升"
    assert (req2.loc[other, "建议动作"] == req.loc[other, "建议动作"]).all()
    assert rep2.meta["rule_version"] != rep.meta["rule_version"]


def test_reach_actions_as_json_text_like_the_params_sheet():
    rows = [[s, DEFAULT[s]] for s in REACH_STATES]
    rows[0][1] = "继续保持"
    p = make_params(TargetParams, {"reach_actions": json.dumps(rows, ensure_ascii=False)})
    assert dict(p.reach_actions)[REACH_STATES[0]] == "继续保持"


@pytest.mark.parametrize("bad", [
    tuple((s, DEFAULT[s]) for s in REACH_STATES[:-1]),                          # a state missing
    tuple((s, "" if s == "已达成" else DEFAULT[s]) for s in REACH_STATES),      # an empty action
    tuple(("需提升" if s == "已达成" else s, DEFAULT[s]) for s in REACH_STATES),  # a state twice
])
def test_bad_reach_actions_stop_before_load(bad):
    with pytest.raises(ParameterError) as e:
        make_params(TargetParams, {"reach_actions": bad})
    assert "可达性建议动作(reach_actions)" in str(e.value) and "基本不可达" in str(e.value)


def test_deviation_and_progress_texts_by_hand():
    """A (test_d5_targets.test_deviation_mid_month): 预警, 月末余额上限 = 1.04 × (2,010 + 110 × 9)/28.96 百万 ->
    the action names it in 万元 with two decimals; B 正常. Progress: A's name 甲支行; time 324/365."""
    rep = execute(SPEC, _bank(), as_of=AS_OF)
    dv = rep.tables()["deviation"].df.set_index("机构号")
    cap = 1.04 * (2010 + 110 * 9) / 28.96 * 100          # 万元
    assert dv.loc["A", "月末余额上限(万元)"] == pytest.approx(cap)
    assert dv.loc["A", "建议动作"] == f"月末余额宜控制在 {cap:,.2f}万元 以内, 避免冲时点"
    assert dv.loc["A", "建议动作"] == "月末余额宜控制在 10,773.48万元 以内, 避免冲时点"
    assert dv.loc["B", "建议动作"] == "正常" and dv["本月天数"].dtype == "int64"
    pr = rep.tables()["progress"].df.set_index("机构号")
    assert pr.loc["A", "机构名称"] == "甲支行" and pr.loc["A", "时间进度"] == pytest.approx(324 / 365)
