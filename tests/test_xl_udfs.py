"""Worksheet formulas (bankxl.xl.udfs) called as Excel calls them: 2-D blocks in (a column, empty cells NaN),
a block of the same shape out. Expected values are SCENARIOS.md §8 vectors or computed by hand here."""
from __future__ import annotations

import calendar
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from bankxl.xl import udfs as U


def col(*values) -> np.ndarray:
    """A column as xlwings' np.array converter (ndim=2) delivers it: object array, blanks NaN."""
    return np.array([[np.nan if v is None else v] for v in values], dtype=object)


def flat(block) -> list:
    return [r[0] for r in block]


IDS = col("34052419800101001X", "11010519491231002X", "360426199101010071", "360426199101010072",
          "340524800101001", "110105491231002", None, "12345", 3.40524198001010e17)


def test_id_valid_vectors():
    assert flat(U.BANKXL_ID_VALID(IDS)) == [True, True, True, False, True, True, "", False, False]


def test_id18_upgrades_15_digit_and_flags_errors():
    out = flat(U.BANKXL_ID18(IDS))
    assert out[:3] == ["34052419800101001X", "11010519491231002X", "360426199101010071"]
    assert out[4:6] == ["34052419800101001X", "11010519491231002X"]  # §8 upgrade vectors
    assert out[3] == "#VALUE! 证件号校验位错误"
    assert out[6] == "" and out[7] == "#VALUE! 证件号格式错误"
    assert out[8].startswith("#VALUE! ")  # an 18-digit ID stored as a number is not guessed


def test_birth_sex_age_region():
    birth = flat(U.BANKXL_BIRTH(IDS))
    assert birth[0] == dt.datetime(1980, 1, 1) and birth[1] == dt.datetime(1949, 12, 31)
    assert birth[4] == dt.datetime(1980, 1, 1)
    sex = flat(U.BANKXL_SEX(IDS))
    # digit 17 of 34052419800101001X is 1 (odd: 男); of 11010519491231002X is 2 (even: 女)
    assert sex[:3] == ["男", "女", "男"] and sex[3].startswith("#VALUE!")
    age = flat(U.BANKXL_AGE(IDS, np.array([[dt.datetime(2026, 11, 30)]], dtype=object)))
    assert age[:3] == [46, 76, 35]
    # the day before the birthday: one year less; as_of per row
    a2 = flat(U.BANKXL_AGE(col("11010519491231002X", "11010519491231002X"),
                           col(dt.datetime(2026, 12, 30), "2026-12-31")))
    assert a2 == [76, 77]
    region = flat(U.BANKXL_REGION(IDS))
    assert region[1] == "北京市朝阳区" and region[6] == ""
    assert U.BANKXL_AGE(IDS, np.array([[np.nan]], dtype=object))[0][0].startswith("#VALUE! 缺少数据日期")


def test_id_problem_codes_match_data_problem_sheet():
    out = flat(U.BANKXL_ID_PROBLEM(IDS))
    assert out[0] == "" and out[3] == "ID_CHECKSUM 证件号校验位错误" and out[7] == "ID_FORMAT 证件号格式错误"
    assert flat(U.BANKXL_ID_PROBLEM(col("34052419800230001X")))[0].startswith("ID_DATE")


def test_uscc_and_masking():
    assert flat(U.BANKXL_USCC_VALID(col("91350100M000100Y43", "91350100M000100Y44", None))) == [True, False, ""]
    assert flat(U.BANKXL_MASK(col("34052419800101001X", None))) == ["340524********001X", ""]
    assert U.BANKXL_MASK(col("13812345678"), "手机") == [["138****5678"]]
    assert U.BANKXL_MASK(col("张三丰"), "name") == [["张**"]]
    assert U.BANKXL_MASK(col("6222021234567891234"), "账号") == [["6222***********1234"]]
    assert U.BANKXL_MASK(col("x"), "护照")[0][0].startswith("#VALUE! 未知的脱敏类型")


def test_shape_is_kept_row_in_row_out():
    row = np.array([["34052419800101001X", "360426199101010072", np.nan]], dtype=object)
    assert U.BANKXL_ID_VALID(row) == [[True, False, ""]]


def test_maturity_days_and_buckets_match_d2():
    from bankxl.scenarios.deposit import maturity

    as_of = dt.datetime(2026, 11, 30)
    dates = col(dt.datetime(2026, 11, 29), "2026-11-30", dt.datetime(2026, 12, 7), dt.datetime(2026, 12, 8),
                "2027/2/28", 46387.0, None, "不是日期")
    days = flat(U.BANKXL_DAYS_TO_MATURITY(dates, as_of))
    # 46387 = Excel serial of 2026-12-31
    assert days[:6] == [-1, 0, 7, 8, 90, 31] and days[6] == "" and days[7] == "#VALUE! 日期无法识别"
    buckets = flat(U.BANKXL_MATURITY_BUCKET(dates, as_of))
    assert buckets[:6] == ["已到期未支取", "0–7天", "0–7天", "8–30天", "31–90天", "31–90天"]
    assert buckets[:6] == maturity.dtm_band(pd.Series([-1, 0, 7, 8, 90, 31], dtype="float64"),
                                            maturity.MaturityParams().dtm_edges).tolist()
    assert U.BANKXL_DAYS_TO_MATURITY(dates, None)[0][0].startswith("#VALUE!")


def test_daily_average_required_balance_deviation():
    assert U.BANKXL_DAILY_AVG(col(500, 1000, 0, 0, 0)) == [[300.0]]  # §8
    # a blank day takes the previous day's balance: (500 + 1000 + 1000 + 0) / 4
    assert U.BANKXL_DAILY_AVG(col(500, 1000, None, 0)) == [[625.0]]
    # with dates: 3 Jan is missing -> 2 Jan's balance; 1..4 Jan = (100 + 200 + 200 + 400)/4
    d = col(dt.datetime(2026, 1, 1), dt.datetime(2026, 1, 2), dt.datetime(2026, 1, 4))
    assert U.BANKXL_DAILY_AVG(col(100, 200, 400), d) == [[225.0]]
    r = U.BANKXL_REQUIRED_DAILY(col(1e8), col(31), col(19.2e8), col(20))[0][0]
    assert r == pytest.approx((1e8 * 31 - 19.2e8) / 11) and round(r / 1e8, 4) == 1.0727  # §8
    # columns, and d = N gives the actual average (no division by zero)
    out = flat(U.BANKXL_REQUIRED_DAILY(col(100, 100), col(30, 30), col(2900, 3000), col(29, 30)))
    assert out == [pytest.approx(100 * 30 - 2900), pytest.approx(100.0)]
    assert U.BANKXL_DEVIATION(col(105), col(100)) == [[pytest.approx(0.05)]]  # §8
    assert flat(U.BANKXL_DEVIATION(col(105, 5), col(100, 0))) == [pytest.approx(0.05), ""]
    assert U.BANKXL_DAILY_AVG(col(1, "abc"))[0][0] == "#VALUE! 余额第 2 行不是数字"


def test_churn_states_d3_boundaries():
    base = col(100_000, 100_000, 100_000, 100_000, 100_000, 100_000, 100_000, 9_999, None)
    cur = col(80_001, 80_000, 50_000, 10_000, 10_001, 999, -5, 100, 5)
    assert flat(U.BANKXL_CHURN(base, cur)) == [
        "稳定", "轻度流失", "重度流失", "已流失", "重度流失", "已流失", "已流失", "不评估", ""]


def _month_days(last: str, k: int) -> list[int]:
    p = pd.Period(last, "M")
    return [calendar.monthrange((p - i).year, (p - i).month)[1] for i in reversed(range(k))]


def test_merchant_level_e1_vector_and_table():
    # §8: baseline 10,000/day over the 3 months before, 150,000 in a 30-day month -> 5,000/day, r = 50% -> 二级
    days = _month_days("2026-11", 4)  # Aug 31, Sep 30, Oct 31, Nov 30
    vols = np.array([[10_000 * days[0], 10_000 * days[1], 10_000 * days[2], 150_000]], dtype=object)
    assert U.BANKXL_MERCHANT_LEVEL(vols, dt.datetime(2026, 11, 15)) == [["二级"]]
    assert U.BANKXL_MERCHANT_DROP(vols, "2026-11-30") == [[pytest.approx(0.5)]]
    m = np.array([
        [300, 300, 300, 211],   # r = 29.7% -> 正常
        [300, 300, 300, 210],   # r = 30% -> 一级
        [300, 300, 300, 61],    # r = 79.7% -> 二级
        [300, 300, 300, 60],    # r = 80% -> 三级
        [300, 300, 300, 0],     # no volume this month -> 四级
        [0, 0, 0, 50],          # no baseline -> 观察期
        [300, 300, 300, 300, 200],  # r = 33% now and r = 0 before -> 一级
        [300, 300, 300, 200, 150],  # r = 33% last month, 43.75% now (base 266.67): two months >= 30% -> 二级
    ], dtype=object)
    four = np.array([r[-4:] for r in m[:6]], dtype=object)
    assert flat(U.BANKXL_MERCHANT_LEVEL(four)) == ["正常", "一级", "二级", "三级", "四级", "观察期"]
    five = np.array([list(r) for r in m[6:]], dtype=object)
    assert flat(U.BANKXL_MERCHANT_LEVEL(five)) == ["一级", "二级"]
    assert U.BANKXL_MERCHANT_LEVEL(np.array([[1, 2, 3]], dtype=object))[0][0].startswith("#VALUE! 商户交易额至少需要")


def test_income_tax_cumulative_withholding():
    # §8: 30,000 income, 1,400 三险一金, 1,000 专项附加 -> Jan 22,600 x 3% = 678; Feb 45,200 x 10% - 2,520 - 678
    out = flat(U.BANKXL_IIT(col("E1", "E1", "E2", None), col("2026-01-31", dt.datetime(2026, 2, 28), "2026-01-31", None),
                            col(30_000, 30_000, 8_000, None), np.array([[1_400]], dtype=object),
                            np.array([[1_000]], dtype=object)))
    assert out[0] == 678.0 and out[1] == 1322.0
    assert out[2] == pytest.approx(round((8_000 - 5_000 - 1_400 - 1_000) * 0.03, 2))  # 18.00
    assert out[3] == ""
    assert U.BANKXL_IIT(col("E1"), col("x"), col(1), 0, 0, 0)[0][0] == "#VALUE! 月份第 1 行无法识别"


def test_run_returns_scenario_main_table(tmp_path):
    from bankxl.runner import run_scenario
    from bankxl.sample import make_sample_bank
    from bankxl.tables import get_table

    td = make_sample_bank(customers=30, seed=3)["time_deposits"].drop(columns=["_row"], errors="ignore")
    spec = get_table("time_deposits")
    header = [spec.column(c).zh for c in td.columns]
    body = [[None if pd.isna(v) else (v.to_pydatetime() if isinstance(v, pd.Timestamp) else v) for v in r]
            for r in td.itertuples(index=False)]
    block = np.array([header] + body, dtype=object)
    out = U.BANKXL_RUN("D2", block)
    # the same table computed the CLI way
    ref = run_scenario("deposit.maturity", [td.rename(columns=dict(zip(td.columns, header)))], None).report
    first = next(b for b in ref.sheets[0].blocks if hasattr(b, "df"))
    assert out[0] == [str(c) for c in first.df.columns]
    assert len(out) == len(first.df) + 1
    assert out[1][0] == first.df.iloc[0, 0]
    other = U.BANKXL_RUN("deposit.maturity", block, "说明")
    assert other[0][0] in ("输入表", "名称") or isinstance(other[0][0], str)
    assert U.BANKXL_RUN("Z9", block)[0][0] == "#VALUE! 未知场景「Z9」"
    assert U.BANKXL_RUN("D2", block, "没有这张表")[0][0].startswith("#VALUE! 报告中没有工作表")
    assert U.BANKXL_RUN("deposit.targets", block)[0][0].startswith("#VALUE! 场景「存款营销指标分解」需要 2 张输入表")
    bad = np.array([["甲", "乙"], [1, 2]], dtype=object)
    assert U.BANKXL_RUN("D2", bad)[0][0].startswith("#VALUE! ")


def test_errors_never_leak_tracebacks():
    weird = [np.array([[object()]], dtype=object), np.zeros((2, 2, 2)), "text"]
    for name in U.udf_names():
        f = getattr(U, name)
        for w in weird:
            try:
                out = f(*([w] * f.__code__.co_argcount)) if hasattr(f, "__code__") else f(w)
            except TypeError:
                out = f(w, w)
            text = repr(out)
            assert "Traceback" not in text
            for r in out:
                for v in r:
                    assert not isinstance(v, BaseException)


def test_vectorised_100k_rows():
    ids = np.array([["34052419800101001X"], ["360426199101010072"]] * 50_000, dtype=object)
    out = U.BANKXL_ID_VALID(ids)
    assert len(out) == 100_000 and out[0] == [True] and out[1] == [False] and out[-1] == [False]


def test_xlwings_metadata_category_and_docs():
    from bankxl.xl.addin_cli import load_udf_module

    mod = load_udf_module()
    for name in U.udf_names():
        info = getattr(mod, name).__xlfunc__
        assert info["category"] == "bankxl"
        assert info["ret"]["doc"] and "Python function" not in info["ret"]["doc"]
        for a in info["args"]:
            assert not a["doc"].startswith("Positional argument"), (name, a["name"])
        # the columns arrive as 2-D numpy arrays
        np_args = [a for a in info["args"] if a["options"].get("convert") is np.array]
        assert all(a["options"].get("ndim") == 2 for a in np_args)
