"""Tests for bankxl.calendar (official data via chinese_calendar, rule-based fallback, user table)."""

from __future__ import annotations

import datetime as dt

import chinese_calendar as cc
import numpy as np
import pandas as pd
import pytest
from lunardate import LunarDate

from bankxl.calendar import BankCalendar, chuxi, parse_holiday_table, qingming, statutory_holidays


@pytest.fixture(scope="module")
def cal():
    return BankCalendar()


def _covered(year: int) -> bool:
    try:
        cc.is_workday(dt.date(year, 6, 1))
        return True
    except NotImplementedError:
        return False


def test_chuxi_2027_is_29th_of_12th_month():
    assert chuxi(2027) == dt.date(2027, 2, 5)
    lunar = LunarDate.from_solar_date(2027, 2, 5)
    assert (lunar.month, lunar.day) == (12, 29)
    assert chuxi(2024) == dt.date(2024, 2, 9)


def test_2027_fallback(cal):
    assert not _covered(2027), "chinese_calendar now covers 2027: update these fallback tests"
    assert cal.year_source(2027) == "rule"
    assert cal.is_workday("2027-02-05") is False  # 除夕 (Friday)
    assert cal.is_workday("2027-02-06") is False  # 春节 初一
    assert cal.holiday_name("2027-02-06") == "春节"
    assert cal.is_workday("2027-02-08") is False  # 初三 (Monday)
    assert cal.is_workday("2027-02-09") is True
    assert cal.is_workday("2027-03-06") is False  # a Saturday
    assert dt.date(2027, 3, 6).weekday() == 5
    assert cal.is_workday("2027-03-08") is True
    for d in [
        "2027-01-01",
        "2027-04-05",
        "2027-05-01",
        "2027-05-02",
        "2027-06-09",
        "2027-09-15",
        "2027-10-01",
        "2027-10-02",
        "2027-10-03",
    ]:
        assert cal.is_workday(d) is False, d
    assert qingming(2027) == dt.date(2027, 4, 5)


def test_official_2026(cal):
    assert _covered(2026)
    assert cal.year_source(2026) == "chinese_calendar"
    assert cal.is_workday("2026-10-01") is False
    # 2026-02-14 is a Saturday; whatever chinese_calendar says, we agree
    assert dt.date(2026, 2, 14).weekday() == 5
    assert cal.is_workday("2026-02-14") is cc.is_workday(dt.date(2026, 2, 14))
    if cc.is_workday(dt.date(2026, 2, 14)):
        assert cal.holiday_name("2026-02-14") == "春节调休上班"


@pytest.mark.parametrize("year", [2004, 2015, 2020, 2025, 2026])
def test_whole_year_matches_chinese_calendar(cal, year):
    days = pd.date_range(f"{year}-01-01", f"{year}-12-31")
    expected = [cc.is_workday(d.date()) for d in days]
    assert cal.is_workday(days.to_numpy()).tolist() == expected


def test_fallback_rule_agrees_with_official_where_known():
    # every statutory day of the rule is a day off in the official schedule (2008-2026)
    for year in range(2008, 2027):
        for d in statutory_holidays(year):
            assert not cc.is_workday(d), (year, d)
        assert cc.is_holiday(qingming(year))


def test_user_table_wins():
    table = pd.DataFrame(
        {"日期": ["2027-02-07", "2026-10-01"], "是否工作日": ["是", "否"], "节假日名称": [None, "国庆节"]}
    )
    cal = BankCalendar(table)
    assert dt.date(2027, 2, 7).weekday() == 6
    assert cal.is_workday("2027-02-07") is True  # Sunday make-up day (and 初二 in the fallback)
    assert cal.holiday_name("2027-02-07") == "调休上班"
    assert cal.is_workday("2027-02-06") is False
    assert BankCalendar().is_workday("2027-02-07") is False
    notes = cal.source_notes([2027])
    assert "覆盖其中 1 天" in notes[0]
    # English headers, various spellings of the flag, yyyymmdd integers and Excel serial numbers
    t2 = parse_holiday_table(
        pd.DataFrame({"date": [20270207, "2027/2/5", 46426], "is_workday": [1, "Y", "休"]})
    )
    by_date = dict(zip(t2["date"].dt.strftime("%Y-%m-%d"), t2["is_workday"]))
    assert by_date == {"2027-02-05": True, "2027-02-07": True, "2027-02-08": False}


def test_user_table_errors():
    with pytest.raises(ValueError, match="是否工作日"):
        BankCalendar(pd.DataFrame({"日期": ["2027-02-07"]}))
    with pytest.raises(ValueError, match="第 2 行"):
        BankCalendar(pd.DataFrame({"日期": ["2027-02-30"], "是否工作日": ["是"]}))
    with pytest.raises(ValueError, match="无法识别"):
        BankCalendar(pd.DataFrame({"日期": ["2027-02-07"], "是否工作日": ["maybe"]}))


def test_roll_and_next_workday(cal):
    assert cal.next_workday("2026-10-01") == pd.Timestamp(cc.find_workday(0, dt.date(2026, 10, 1)))
    assert cal.next_workday("2027-02-05") == pd.Timestamp("2027-02-09")
    assert cal.next_workday("2027-02-09") == pd.Timestamp("2027-02-09")
    assert cal.roll("2027-02-06", "preceding") == pd.Timestamp("2027-02-04")
    s = pd.Series(pd.to_datetime(["2027-02-05", None, "2027-03-06"]), index=[7, 8, 9])
    out = cal.roll(s)
    assert out.index.tolist() == [7, 8, 9]
    assert out.iloc[0] == pd.Timestamp("2027-02-09") and pd.isna(out.iloc[1])
    assert out.iloc[2] == pd.Timestamp("2027-03-08")
    # modified following: 2027-07-31 is a Saturday, next workday is in August -> roll back
    assert cal.roll("2027-07-31", "modified_following") == pd.Timestamp("2027-07-30")
    with pytest.raises(ValueError):
        cal.roll("2027-01-01", "nearest")
    # across a year boundary (official -> fallback)
    assert cal.next_workday("2026-12-31") == pd.Timestamp(
        "2026-12-31" if cc.is_workday(dt.date(2026, 12, 31)) else "2027-01-04"
    )


def test_is_workday_shapes(cal):
    s = pd.Series(pd.to_datetime(["2026-10-01", None, "2026-10-09"]), index=["a", "b", "c"])
    out = cal.is_workday(s)
    assert str(out.dtype) == "boolean" and out.index.tolist() == ["a", "b", "c"]
    assert out.iloc[0] == False and out.iloc[1] is pd.NA
    arr = cal.is_workday(["2026-10-01", "2026-10-09"])
    assert isinstance(arr, np.ndarray) and arr.dtype == bool


def test_workdays_between(cal):
    start, end = dt.date(2026, 9, 28), dt.date(2026, 10, 12)
    expected = sum(cc.is_workday(start + dt.timedelta(i)) for i in range((end - start).days))
    assert cal.workdays_between(start, end) == expected
    assert cal.workdays_between(end, start) == -expected
    assert cal.workdays_between(start, start) == 0
    s = pd.Series(pd.to_datetime(["2027-02-01", None]))
    out = cal.workdays_between(s, "2027-02-15")
    assert out.iloc[0] == 8 and out.iloc[1] is pd.NA  # 2/1-2/4 and 2/9-2/12 (除夕..初三 = 2/5-2/8 off)
    assert str(out.dtype) == "Int64"


def test_source_notes(cal):
    notes = cal.source_notes([2027, 2026, 2026])
    assert len(notes) == 2
    assert notes[0].startswith("2026 年") and "chinese-calendar" in notes[0]
    assert notes[1].startswith("2027 年: 官方节假日安排尚未发布")
    assert "春节" in notes[1] and "清明" in notes[1] and "调休" in notes[1]


def test_vectorised_large(cal):
    days = pd.date_range("2020-01-01", "2030-12-31").to_numpy()
    big = np.tile(days, 50)
    out = cal.is_workday(big)
    assert out.shape == big.shape
    assert out[: len(days)].tolist() == out[len(days) : 2 * len(days)].tolist()
