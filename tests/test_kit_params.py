"""Issue 9 item 2: declarative parameters (choices, pattern, cross-field check) checked before any input is read."""
from __future__ import annotations

import dataclasses
import time

import pandas as pd
import pytest

from bankxl.cli import main
from bankxl.errors import ParameterError
from bankxl.paramsheet import params_frame, read_settings
from bankxl.scenario import make_params, param, params_hash, params_table, registry


@dataclasses.dataclass(frozen=True)
class K:
    rule: str = param("following", "到期日遇节假日", choices={"following": "顺延", "preceding": "提前",
                                                               "modified_following": "修正顺延"})
    code: str = param("", "机构号前缀", pattern=r"\d{2,6}", help="2–6 位数字")
    lower: float = param(1.0, "下限", "元")
    upper: float = param(5.0, "上限", "元")

    def check(self) -> None:
        if not self.lower < self.upper:
            raise ParameterError(f"参数「下限」({self.lower:g}) 应小于「上限」({self.upper:g})。",
                                 f"lower ({self.lower:g}) must be less than upper ({self.upper:g}).")


# ------------------------------------------------------------------------------------------ choices
@pytest.mark.parametrize("text", ["preceding", "PRECEDING", " Preceding ", "提前", " 提前 ", "提前 (preceding)",
                                  "提前(preceding)", "提前（preceding）", "(preceding)"])
def test_choice_by_id_label_or_shown_form_stores_the_id(text):
    p = make_params(K, {"rule": text})
    assert p.rule == "preceding"
    assert params_hash(p) == params_hash(make_params(K, {"到期日遇节假日": "preceding"}))
    assert params_hash(p) != params_hash(K())


def test_choice_id_ignores_case_spaces_and_separators():
    assert make_params(K, {"rule": "Modified Following"}).rule == "modified_following"
    assert make_params(K, {"rule": "modified-following"}).rule == "modified_following"
    assert make_params(K, {"rule": "修正顺延"}).rule == "modified_following"


@pytest.mark.parametrize("text", ["nearest", "", "顺延 (preceding)", "following,preceding", "1"])
def test_bad_choice_lists_both_forms(text):
    with pytest.raises(ParameterError) as e:
        make_params(K, {"rule": text})
    zh, en = e.value.message_zh, e.value.message_en
    assert "「到期日遇节假日(rule)」" in zh and f"「{text.strip()}」" in zh
    assert "可选: 顺延(following)、提前(preceding)、修正顺延(modified_following)" in zh
    assert "following (顺延), preceding (提前), modified_following (修正顺延)" in en and "rule" in en


def test_choice_shown_as_label_and_id_with_allowed_values():
    t = params_table(make_params(K, {"rule": "提前"})).set_index("参数")
    assert t.loc["rule", "取值"] == "提前 (preceding)"
    assert t.loc["rule", "说明"].endswith("可选: 顺延(following)、提前(preceding)、修正顺延(modified_following)")


def test_bool_shown_as_yes_no_and_read_back():
    """A switch shows 是/否 on the 参数 sheet and in 说明 (never True/False), and that text reads back."""
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class B:
        on: bool = param(True, "开关")

    t = params_table(make_params(B, {"on": "否"})).set_index("参数")
    assert t.loc["on", "取值"] == "否" and params_table(B()).set_index("参数").loc["on", "取值"] == "是"
    assert make_params(B, {"on": t.loc["on", "取值"]}).on is False


def test_instance_with_label_is_normalised_and_bad_instance_refused():
    assert make_params(K, K(rule="提前")).rule == "preceding"
    with pytest.raises(ParameterError, match="可选"):
        make_params(K, K(rule="nearest"))


def test_bad_choice_declarations_fail_at_definition():
    with pytest.raises(ValueError):
        param("x", "甲", choices={"a": "甲", "b": "乙"})          # default not an id
    with pytest.raises(ValueError):
        param("a", "甲", choices={"a": "乙", "b": "A"})           # 'A' would name two ids
    with pytest.raises(ValueError):
        param("abc", "甲", pattern=r"\d+")                        # default does not match


# ------------------------------------------------------------------------------------------ pattern, check()
def test_pattern():
    assert make_params(K, {"code": "0101"}).code == "0101"
    assert make_params(K, {"code": ""}).code == ""              # empty default: empty allowed
    with pytest.raises(ParameterError) as e:
        make_params(K, {"code": "01a"})
    assert "机构号前缀(code)" in e.value.message_zh and "01a" in e.value.message_zh and "2–6 位数字" in e.value.message_zh
    assert "pattern" in e.value.message_en


def test_cross_field_check_hook():
    assert make_params(K, {"lower": "2", "upper": "3"}).upper == 3.0
    with pytest.raises(ParameterError, match="应小于"):
        make_params(K, {"lower": "6"})
    with pytest.raises(ParameterError, match="应小于"):
        make_params(K, K(lower=9.0))
    assert make_params(K, {"lower": "6"}, check=False).lower == 6.0


def test_param_sheet_checks_cross_field_rules_after_all_rows(monkeypatch):
    """lower=6 alone breaks lower < upper; with upper=10 on a later row of the same 参数 table it is fine."""
    from bankxl import scenario as sc

    spec = sc.Scenario(id="kit.k", code="K1", title="测试", group="综合管理", inputs=(), params=K, run=None)
    ok = pd.DataFrame([{"场景": "kit.k", "参数": "lower", "取值": "6"}, {"场景": "kit.k", "参数": "upper", "取值": "10"},
                       {"场景": "kit.k", "参数": "rule", "取值": "提前 (preceding)"}])
    overrides, _ = read_settings(ok, spec)
    assert make_params(K, overrides) == K(rule="preceding", lower=6.0, upper=10.0)
    with pytest.raises(ParameterError, match="应小于"):
        read_settings(ok.iloc[[0]], spec)


# ------------------------------------------------------------------------------------------ before load, CLI


def test_cli_bad_roll_rule_exits_2_before_load_in_under_a_second(no_load, capsys):
    t0 = time.perf_counter()
    code = main(["run", "D2", "-i", str(no_load), "-o", str(no_load.parent / "o.xlsx"), "--param",
                 "roll_rule=nearest"])
    took = time.perf_counter() - t0
    err = capsys.readouterr().err
    assert code == 2, err
    assert "「到期日遇节假日(roll_rule)」" in err and "「nearest」" in err
    assert "顺延(following)、提前(preceding)" in err and "following (顺延), preceding (提前)" in err
    assert took < 1.0, took
    assert not (no_load.parent / "o.xlsx").exists()


@pytest.mark.parametrize("scenario,arg", [("C9", "region_by=地市"), ("D2", "notice_handling=7天")])
def test_cli_other_bad_choices_exit_2_before_load(no_load, capsys, scenario, arg):
    assert main(["run", scenario, "-i", str(no_load), "-o", str(no_load.parent / "o.xlsx"), "--param", arg]) == 2
    err = capsys.readouterr().err
    assert "可选" in err and "choose one of" in err and arg.split("=")[1] in err, err


# ------------------------------------------------------------------------------------------ 参数 sheet round trip
@pytest.mark.parametrize("sid", sorted(registry()))
def test_param_sheet_round_trip_every_scenario(sid):
    """参数 sheet with the defaults -> read back -> the same params (choices shown as 顺延 (following))."""
    spec = registry()[sid]
    frame = params_frame([spec])
    overrides, _ = read_settings(frame, spec)
    own = frame[frame["场景"] == sid]
    assert set(overrides) == {n for n, v in zip(own["参数"], own["取值"]) if str(v).strip()}
    assert make_params(spec.params, overrides) == spec.default_params()


def test_param_sheet_round_trip_through_an_xlsx_file(tmp_path):
    """The same through a real .xlsx (every scenario on one 参数 sheet, as the ribbon writes it)."""
    specs = list(registry().values())
    path = tmp_path / "参数.xlsx"
    params_frame(specs).to_excel(path, sheet_name="参数", index=False)
    for spec in specs:
        overrides, _ = read_settings(path, spec)
        assert make_params(spec.params, overrides) == spec.default_params(), spec.id


# ------------------------------------------------------------------------------------------ D2
def test_d2_modified_following_roll_rule_moves_month_end_back():
    """2026-10-31 is a Saturday: 顺延 -> Mon 11-02 (next month), 修正顺延 -> Fri 10-30, 提前 -> Fri 10-30."""
    from bankxl.calendar import BankCalendar
    from bankxl.scenarios.deposit.maturity import MaturityParams

    cal = BankCalendar()
    day = pd.Timestamp("2026-10-31")
    for text, want in (("顺延", "2026-11-02"), ("修正顺延", "2026-10-30"), ("preceding", "2026-10-30")):
        rule = make_params(MaturityParams, {"roll_rule": text}).roll_rule
        assert cal.roll(day, rule) == pd.Timestamp(want), text


def test_d2_notice_days_is_a_parameter_that_changes_hash_and_output():
    from bankxl.runner import execute
    from bankxl.tables import get_table

    empty = get_table("time_deposits").empty()
    td = pd.DataFrame({"acct_no": ["a1", "a2"], "cust_id": ["c1", "c2"], "org_id": ["0101", "0101"],
                       "product": ["七天通知存款", "整存整取"], "balance": [100_000.0, 50_000.0],
                       "value_date": pd.to_datetime(["2026-01-05", "2025-12-01"]),
                       "maturity_date": pd.to_datetime([None, "2026-12-01"]), "term_m": [None, 12],
                       "rate": [0.01, 0.015]})
    td = pd.DataFrame({c: td[c].astype(empty[c].dtype) if c in td else pd.Series(index=td.index, dtype=empty[c].dtype)
                       for c in empty.columns})
    runs = {k: execute("deposit.maturity", {"time_deposits": td}, {"通知存款处理": "按通知期计入", "notice_days": k},
                       as_of="2026-11-30") for k in ("7", "1")}
    cal = {k: r.tables()["maturity_calendar"].df.set_index("日期") for k, r in runs.items()}
    col = next(c for c in cal["7"].columns if c.startswith("合同到期金额"))
    assert cal["7"].loc[pd.Timestamp("2026-12-07"), col] == pytest.approx(10.0)   # 10 万元 on as-of + 7
    assert cal["1"].loc[pd.Timestamp("2026-12-01"), col] == pytest.approx(15.0)   # with the 整存整取 on 12-01
    assert runs["7"].meta["rule_version"] != runs["1"].meta["rule_version"]


# ------------------------------------------------------------------------------------------ C9
def test_c9_region_by_old_values_keep_working_and_org_changes_the_heat():
    from test_c9_loan_churn import _run, six_loans

    for text in ("地区", "region", "地区 (region)"):
        heat = _run(six_loans(), region_by=text).tables()["heat_count"].df
        assert sorted(heat["区域"]) == ["东区", "西区"], text
    for text in ("机构", "org", "ORG"):
        heat = _run(six_loans(), region_by=text).tables()["heat_count"].df
        assert sorted(heat["区域"]) == ["东区支行", "西区支行"], text
    with pytest.raises(ParameterError, match="地区\\(region\\)、机构\\(org\\)"):
        _run(six_loans(), region_by="地市")


@pytest.mark.parametrize("override,c5,c1", [
    ({}, (90, "A"), (35, "C")),                                   # test_c9's hand-computed values
    ({"holding_points": "25"}, (95, "A"), (35, "C")),              # 借记卡 held: +25 instead of +20
    ({"recent_days": "90,365,730"}, (80, "A"), (35, "C")),          # 91 days now in the second band (30)
    ({"recent_points": "50,30,20,10"}, (100, "A"), (35, "C")),
    ({"amount_weight": "40"}, (100, "A"), (40, "C")),               # pct 1.0 / 0.5 of 40
    ({"long_term_months": "12"}, (100, "A"), (35, "C")),            # c5's 17-month loan is now long term
    ({"levels": '[["A", 95], ["B", 30], ["C", 0]]'}, (90, "B"), (35, "B")),  # level_scores before bankxl.lists
])
def test_c9_winback_score_parameters_change_score_level_and_hash(override, c5, c1):
    from test_c9_loan_churn import _run, six_loans

    rep = _run(six_loans(), **override)
    wl = rep.tables()["winback_list"].df.set_index("客户号")
    assert (wl.loc["c5", "得分"], wl.loc["c5", "等级"]) == c5
    assert (wl.loc["c1", "得分"], wl.loc["c1", "等级"]) == c1
    assert (rep.meta["rule_version"] != _run(six_loans()).meta["rule_version"]) == bool(override)
    shown = params_table(rep.meta["params"]).set_index("参数")["取值"]      # 说明 shows the value used
    for k, v in override.items():
        cls = type(rep.meta["params"])
        assert getattr(make_params(cls, {k: shown[k]}), k) == getattr(make_params(cls, {k: v}), k), (k, shown[k])


def test_c9_score_note_follows_parameters_and_check_hook():
    from bankxl.scenarios.credit.loan_churn import LoanChurnParams, _score_text

    text = _score_text(make_params(LoanChurnParams, {"recent_days": "90,365", "recent_points": "50,30,5"}))
    assert "≤90 天 50 / ≤365 天 30 / 更早 5" in text
    with pytest.raises(ParameterError, match="多一个值"):
        make_params(LoanChurnParams, {"recent_days": "90,365"})
    with pytest.raises(ParameterError, match="从高到低"):
        make_params(LoanChurnParams, {"levels": '[["A", 50], ["B", 70], ["C", 0]]'})
    # the A/B thresholds are the list's 等级门槛 (levels) now; the short-lived level_scores (same issue,
    # never released) is refused by name before any input is read, naming levels as its successor
    with pytest.raises(ParameterError, match="参数「level_scores」已由「等级门槛\\(levels\\)」代替"):
        make_params(LoanChurnParams, {"level_scores": "80,40"})


# ------------------------------------------------------------------------------------------ D5, M1 cross-field rules
@pytest.mark.parametrize("scenario,arg,needle", [
    ("D5", "rounding_unit=0", "取整单位"),                      # was an internal error (largest_remainder)
    ("D5", "quarter_progress=0.5,0.5,0", "4 个值"),            # a missing quarter silently became 0
    ("D5", "quarter_progress=0,0,0,0", "季度增量进度"),
    ("M1", "housing_fund_range=0.05", "住房公积金比例范围"),    # was an internal error (unpack)
    ("M1", "housing_fund_range=0.12,0.05", "下限"),            # reversed: every row flagged
    ("M1", "base_limits=5000", "缴费基数上下限"),               # was an internal error (unpack)
    ("M1", "base_limits=30000,5000", "下限"),
    ("M1", "tax_brackets=[[36000,0.03,0],[144000,0.1,2520]]", "Infinity"),      # no open top bracket
    ("M1", "tax_brackets=[[144000,0.1,2520],[36000,0.03,0],[Infinity,0.45,181920]]", "递增"),
    ("M1", "tax_brackets=[[36000,3,0],[Infinity,0.1,2520]]", "预扣率"),          # 3 = 300 %
    ("M1", 'tax_brackets=[[36000,0.03,0],["Infinity",0.1,2520]]', "三个数"),     # text, not a number
    ("M1", "pension_rate=1.5", "不能大于 1"),
])
def test_d5_m1_inconsistent_parameters_exit_2_before_load(no_load, capsys, scenario, arg, needle):
    assert main(["run", scenario, "-i", str(no_load), "-o", str(no_load.parent / "o.xlsx"), "--param", arg]) == 2
    err = capsys.readouterr().err
    assert needle in err and "内部错误" not in err, err


def test_d5_m1_valid_edge_values_still_accepted():
    from bankxl.scenarios.deposit.targets import TargetParams
    from bankxl.scenarios.management.salary import SalaryParams

    assert make_params(TargetParams, {"quarter_progress": "1,0,0,0", "weight_stock": "0"}).quarter_progress == (1, 0, 0, 0)
    assert make_params(TargetParams, {"rounding_unit": "0.01"}).rounding_unit == 0.01
    p = make_params(SalaryParams, {"housing_fund_range": "0.12,0.12", "base_limits": "0,30000"})
    assert (p.housing_fund_range, p.base_limits) == ((0.12, 0.12), (0.0, 30000.0))


def test_m1_contribution_tolerances_are_parameters():
    """社保核对容差 (元) and 公积金比例容差 were module constants (1 元, 0.5 个百分点)."""
    from bankxl.scenarios.management.salary import SalaryParams, _contribution_hints

    em = pd.DataFrame({"_row": [2, 3], "month": pd.to_datetime(["2026-01-31"] * 2), "emp_id": ["e1", "e2"],
                       "emp_name": ["张三", "李四"], "pension": [800.0, 800.0],     # base 10,000
                       "medical": [201.5, 200.0], "unemployment": [50.0, 50.0],
                       "housing_fund": [1240.0, 1260.0]})                       # 12.4 % / 12.6 %
    from bankxl.scenario import RunContext

    ctx = RunContext(as_of="2026-01-31")
    hints = _contribution_hints(em, SalaryParams(), ctx).set_index("员工号")["提示"]
    assert list(hints.index) == ["e1", "e2"]                          # 医疗 off by 1.5 元; 公积金 12.6 %
    assert "医疗保险" in hints["e1"] and "公积金" not in hints["e1"] and "公积金比例 12.6%" in hints["e2"]
    loose = make_params(SalaryParams, {"contribution_tolerance": "2", "housing_fund_slack": "0.01"})
    assert _contribution_hints(em, loose, ctx).empty
    assert params_hash(loose) != params_hash(SalaryParams())
