"""Parameters as users type them: on the command line, in a --params file, on the 参数 sheet."""
from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from bankxl.errors import ParameterError
from bankxl.paramsheet import read_settings
from bankxl.scenario import get_scenario, make_params, param, params_hash


@dataclasses.dataclass(frozen=True)
class P:
    days: tuple = param((30, 15, 7, 1), "提醒天数", "天")
    bands: tuple = param(((0, 5), (5, 20)), "分段", "万元")
    limit: float = param(0.04, "偏离度上限", "%")
    months: int = param(12, "月份数", "月", max=36)
    threshold: float = param(500_000.0, "大额门槛", "元")
    shift: float = param(0.0, "调整", "元", min=-1e6)
    rule: str = param("following", "顺延规则")
    flag: bool = param(False, "开关")


@pytest.mark.parametrize("text", ["30,15,7,1", "30、15、7、1", "(30, 15, 7, 1)", "[30,15,7,1]", "30；15；7；1",
                                  "30 15 7 1", "30，15，7，1"])
def test_flat_lists_in_the_forms_users_write(text):
    assert make_params(P, {"days": text}).days == (30, 15, 7, 1)


def test_single_value_list_and_nested_json():
    assert make_params(P, {"days": "30"}).days == (30,)
    assert make_params(P, {"bands": "[[0, 10], [10, 50]]"}).bands == ((0, 10), (10, 50))


def test_numbers_percent_chinese_labels_and_bools():
    p = make_params(P, {"偏离度上限": "5%", "months": "24", "大额门槛": "1,000,000", "flag": "是"})
    assert (p.limit, p.months, p.threshold, p.flag) == (0.05, 24, 1_000_000.0, True)
    assert make_params(P, {"shift": "-500"}).shift == -500.0


@pytest.mark.parametrize("key,value,needle", [
    ("months", "1.5", "整数"), ("months", "abc", "整数"), ("months", "37", "不能大于 36"),
    ("threshold", "-5", "不能小于 0"), ("days", "30,x", "列表, 例如 30,15,7,1"),
    ("bands", "0,5", "列表, 例如 [[0, 5], [5, 20]]"), ("nope", "1", "未知参数"),
])
def test_bad_values_give_one_clear_message(key, value, needle):
    with pytest.raises(ParameterError) as e:
        make_params(P, {key: value})
    msg = str(e.value)
    assert needle in msg and "(" not in msg.split("\n")[0][:1]   # a sentence, not a Python tuple
    assert "\n" in msg or key == "nope"                          # Chinese line, then English


def test_rule_version_changes_with_values():
    assert params_hash(P()) != params_hash(make_params(P, {"months": "6"}))
    assert params_hash(P()) == params_hash(P())


def test_params_sheet_common_rows_and_scenario_rows():
    spec = get_scenario("deposit.maturity")
    sheet = pd.DataFrame([
        {"场景": "通用", "参数": "", "名称": "数据日期", "取值": "2026-11-30"},
        {"场景": "", "参数": "", "名称": "金额单位", "取值": "元"},
        {"场景": "deposit.maturity", "参数": "months_ahead", "名称": "", "取值": "6"},
        {"场景": "management.salary", "参数": "tolerance", "名称": "", "取值": "1"},   # other scenario: ignored
    ])
    overrides, common = read_settings(sheet, spec)
    assert overrides == {"months_ahead": "6"}
    assert common == {"as_of": pd.Timestamp("2026-11-30"), "scale": 1}


def test_merge_settings_precedence_explicit_then_param_table_then_data():
    from bankxl.runner import merge_settings

    common = {"as_of": pd.Timestamp("2026-10-31"), "scale": 1, "mask": False, "insert_sheets": "是"}
    # nothing given: the 参数 table's values
    assert merge_settings({}, common) == {"as_of": pd.Timestamp("2026-10-31"), "scale": 1, "mask": False,
                                          "mask_accounts": True, "currency": None}
    # explicit values win, key by key; None / blank = not given
    assert merge_settings({"as_of": "2026-12-15", "scale": 10_000, "mask": None}, common) == {
        "as_of": "2026-12-15", "scale": 10_000, "mask": False, "mask_accounts": True, "currency": None}
    assert merge_settings({"as_of": "  ", "mask": True}, common)["as_of"] == pd.Timestamp("2026-10-31")
    assert merge_settings({"mask": True}, common)["mask"] is True
    # neither: as_of None (the runner takes the data's 数据日期), 万元, masked
    assert merge_settings(None, None) == {"as_of": None, "scale": 10_000, "mask": True, "mask_accounts": True, "currency": None}
    assert merge_settings({"scale": 1}, {}) == {"as_of": None, "scale": 1, "mask": True, "mask_accounts": True, "currency": None}


def test_param_table_settings_through_merge_settings():
    """read_settings -> merge_settings, as the CLI (--params) and the ribbon (参数 sheet) both do."""
    from bankxl.runner import merge_settings

    spec = get_scenario("deposit.maturity")
    sheet = pd.DataFrame([
        {"场景": "通用", "参数": "as_of", "名称": "数据日期", "取值": ""},      # blank: from the data
        {"场景": "通用", "参数": "scale", "名称": "金额单位", "取值": "元"},
        {"场景": "通用", "参数": "mask", "名称": "脱敏", "取值": "否"},
    ])
    _, common = read_settings(sheet, spec)
    assert merge_settings({}, common) == {"as_of": None, "scale": 1, "mask": False, "mask_accounts": True, "currency": None}
    assert merge_settings({"as_of": "2026-11-30", "scale": 10_000}, common) == {
        "as_of": "2026-11-30", "scale": 10_000, "mask": False, "mask_accounts": True, "currency": None}
