"""The bank calendar: China's working days (工作日) for maturities, 日均 and scheduling.

Sources, in order of precedence (SCENARIOS 0.8; DESIGN "Calendar"):

1. A user-editable holiday table (sheet 节假日 or ``--holidays FILE``) with columns ``date`` / 日期,
   ``is_workday`` / 是否工作日 and optional ``holiday_name`` / 节假日名称. It overrides everything for the dates
   it lists (e.g. a 调休 make-up Sunday, or next year's schedule once the State Council publishes it).
2. ``chinese_calendar`` (package chinesecalendar): the official schedules published each year by the
   General Office of the State Council (国务院办公厅关于 XXXX 年部分节假日安排的通知), including 调休.
   Coverage is detected at run time (it raises ``NotImplementedError`` for years it has no data for).
3. Beyond that: weekends off plus the statutory holidays of 《全国年节及纪念日放假办法》 as in force for that
   year (2025 revision from 2025: 元旦 1/1; 春节 除夕 + 正月初一至初三; 清明 (solar term); 劳动节 5/1-5/2;
   端午 (lunar 5/5); 中秋 (lunar 8/15); 国庆 10/1-10/3). 除夕 is the last day of the 12th lunar month (the day
   before 正月初一, from ``lunardate``), which is 腊月廿九 in some years (2027-02-05). Make-up working days
   (调休) and moved days (补休) cannot be known in advance and are not included; :meth:`BankCalendar.source_notes`
   says so.

Dates are handled at day precision. Lookups are vectorised per year (each year's table is built once and
cached), so arrays of a million dates are fine.
"""

from __future__ import annotations

import datetime as _dt
import functools
import logging
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["BankCalendar", "chuxi", "parse_holiday_table", "qingming", "statutory_holidays"]

log = logging.getLogger(__name__)

SOURCE_USER = "user"
SOURCE_OFFICIAL = "chinese_calendar"
SOURCE_RULE = "rule"

_CC_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}
WEEKEND_NAME = "周末"
MAKEUP_SUFFIX = "调休上班"


# ------------------------------------------------------------------------------------ holiday rules
def chuxi(year: int) -> _dt.date:
    """除夕 (New Year's Eve) of the lunar year starting in Gregorian ``year``: the day before 正月初一, i.e. the
    last day of the 12th lunar month (29th or 30th). ``chuxi(2027) == date(2027, 2, 5)`` (腊月廿九).

    Source: ``lunardate`` tables (years 1900-2099). Raises ``ValueError`` outside that range.
    """
    from lunardate import LunarDate

    return LunarDate(year, 1, 1).to_solar_date() - _dt.timedelta(days=1)


def _lunar(year: int, month: int, day: int) -> _dt.date:
    from lunardate import LunarDate

    return LunarDate(year, month, day).to_solar_date()


def qingming(year: int) -> _dt.date:
    """Date of the 清明 solar term (sun at ecliptic longitude 15 deg, Beijing time) in ``year``.

    Uses ``chinese_calendar.get_solar_terms`` (寿星公式 with its table of corrections, 1900-2100); outside
    that range the plain 寿星公式 ``[Y*0.2422 + C] - [Y/4]`` with the 21st-century constant C = 4.81
    (accurate to about a day).
    """
    try:
        from chinese_calendar import get_solar_terms

        for d, name in get_solar_terms(_dt.date(year, 4, 1), _dt.date(year, 4, 30)):
            if name == "清明":
                return d
    except (NotImplementedError, ImportError, ValueError):
        pass
    y = year % 100
    return _dt.date(year, 4, int(y * 0.2422 + 4.81) - int(y / 4))


def statutory_holidays(year: int) -> dict[_dt.date, str]:
    """Statutory days off (法定节假日) of ``year`` under 《全国年节及纪念日放假办法》 as in force that year,
    without the State Council's yearly 调休 arrangement.

    * from 2025: 元旦 1; 春节 4 (除夕, 初一-初三); 清明 1; 劳动节 2 (5/1-5/2); 端午 1; 中秋 1; 国庆 3.
    * 2014-2024: 春节 初一-初三; 劳动节 5/1 only; otherwise as above.
    * 2008-2013: 春节 除夕-初二; 劳动节 5/1; otherwise as above.
    * before 2008 (1999 revision): 元旦 1; 春节 初一-初三; 劳动节 5/1-5/3; 国庆 10/1-10/3 (no 清明/端午/中秋).

    Returns {date: 中文节日名}. Lunar holidays are left out (with a log warning) where ``lunardate`` has no
    data (outside 1900-2099).
    """
    out: dict[_dt.date, str] = {_dt.date(year, 1, 1): "元旦"}
    if year >= 2025:
        spring = range(-1, 3)  # 除夕 .. 初三 (days relative to 初一)
        labour = (1, 2)
    elif year >= 2014:
        spring = range(3)
        labour = (1,)
    elif year >= 2008:
        spring = range(-1, 2)
        labour = (1,)
    else:
        spring = range(3)
        labour = (1, 2, 3)
    for d in labour:
        out[_dt.date(year, 5, d)] = "劳动节"
    for d in (1, 2, 3):
        out[_dt.date(year, 10, d)] = "国庆节"
    try:
        new_year = _lunar(year, 1, 1)
        for k in spring:
            out[new_year + _dt.timedelta(days=k)] = "春节"
        if year >= 2008:
            out[_lunar(year, 5, 5)] = "端午节"
            mid = _lunar(year, 8, 15)
            out.setdefault(mid, "中秋节")  # 中秋 can coincide with 国庆 (then 国庆节 is kept)
    except ValueError:
        log.warning("lunardate has no data for %s: lunar holidays not included", year)
    if year >= 2008:
        out[qingming(year)] = "清明节"
    return out


# --------------------------------------------------------------------------------------- year tables
@dataclass(frozen=True)
class _Year:
    year: int
    start: np.datetime64  # datetime64[D] of 1 January
    workday: np.ndarray  # bool, one per day of the year
    name: np.ndarray  # object: holiday name / 周末 / ...调休上班 / None
    source: str  # SOURCE_OFFICIAL or SOURCE_RULE
    n_user: int = 0  # days overridden by the user table


def _year_days(year: int) -> pd.DatetimeIndex:
    return pd.date_range(f"{year}-01-01", f"{year}-12-31", freq="D")


@functools.cache
def _official_covers(year: int) -> bool:
    """True when chinese_calendar has the official schedule for ``year`` (detected, not hard-coded)."""
    try:
        import chinese_calendar as cc

        cc.is_workday(_dt.date(year, 1, 1))
        cc.is_workday(_dt.date(year, 12, 31))
        return True
    except (NotImplementedError, ImportError):
        return False


@functools.cache
def _builtin_year(year: int) -> _Year:
    days = _year_days(year)
    weekend = days.day_of_week.to_numpy() >= 5
    names = np.full(len(days), None, dtype=object)
    if _official_covers(year):
        import chinese_calendar as cc

        workday = np.zeros(len(days), dtype=bool)
        for i, ts in enumerate(days):
            d = ts.date()
            workday[i] = cc.is_workday(d)
            _on_holiday, hname = cc.get_holiday_detail(d)
            zh = _CC_NAMES.get(hname, hname) if hname else None
            if workday[i]:
                names[i] = zh + MAKEUP_SUFFIX if (zh and weekend[i]) else None
            else:
                names[i] = zh or (WEEKEND_NAME if weekend[i] else None)
        return _Year(year, np.datetime64(f"{year:04d}-01-01", "D"), workday, names, SOURCE_OFFICIAL)
    workday = ~weekend
    names[weekend] = WEEKEND_NAME
    start = np.datetime64(f"{year:04d}-01-01", "D")
    for d, hname in statutory_holidays(year).items():
        i = (np.datetime64(d, "D") - start).astype(int)
        workday[i] = False
        names[i] = hname
    return _Year(year, start, workday, names, SOURCE_RULE)


# ------------------------------------------------------------------------------------ user table
_HEADER_ALIASES = {
    "date": "date",
    "日期": "date",
    "is_workday": "is_workday",
    "是否工作日": "is_workday",
    "工作日": "is_workday",
    "holiday_name": "holiday_name",
    "节假日名称": "holiday_name",
    "节日": "holiday_name",
    "名称": "holiday_name",
    "备注": "holiday_name",
}
_TRUE = {"1", "TRUE", "T", "Y", "YES", "是", "工作日", "上班", "班", "营业", "对", "√"}
_FALSE = {
    "0",
    "FALSE",
    "F",
    "N",
    "NO",
    "否",
    "休息",
    "休息日",
    "休",
    "假",
    "节假日",
    "非工作日",
    "不营业",
    "×",
}


def _parse_bool(v: Any) -> bool | None:
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer, float, np.floating)):
        return bool(v) if v in (0, 1) else None
    t = unicodedata.normalize("NFKC", str(v)).strip().upper()
    if t in _TRUE:
        return True
    if t in _FALSE:
        return False
    return None


def _parse_dates(col: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Dates of the holiday table with the loader's date coercion (:func:`bankxl.coerce.coerce_date`: real
    dates, Excel serials, ``20270207``, ``2027/2/7``, ``2027年2月7日`` ...). Returns (dates, reason per cell
    (None when fine))."""
    from .coerce import blank_mask, coerce_date

    arr = col.to_numpy(dtype=object)
    out = coerce_date(arr, blank_mask(arr))
    why = pd.Series(None, index=col.index, dtype=object)
    for mask, _code, reason in out.problems:
        why[mask] = reason if isinstance(reason, str) else reason[mask]
    return pd.Series(out.values, index=col.index, dtype="datetime64[ns]").dt.normalize(), why


class HolidayTableError(ValueError):
    """A malformed holiday table. ``str()`` is the Chinese message; ``message_en`` the English one;
    ``column`` / ``column_zh`` the column, ``excel_row`` the first bad row (None for a missing column)."""

    def __init__(self, message_zh: str, message_en: str, *, column: str | None = None,
                 column_zh: str | None = None, excel_row: int | None = None):
        super().__init__(message_zh)
        self.message_en, self.column, self.column_zh, self.excel_row = message_en, column, column_zh, excel_row


def _reject(bad: pd.Series, values: pd.Series, first_row: int, column: str, column_zh: str, hint_zh: str,
            show, what_en: str) -> None:
    """Raise :class:`HolidayTableError` naming the first (up to 10) bad rows of one column."""
    if not bad.any():
        return
    idx = bad[bad].index[:10]
    rows = ", ".join(f"第 {i + first_row} 行 ({show(i)})" for i in idx)
    rows_en = ", ".join(f"row {i + first_row} ({values[i]!r})" for i in idx)
    raise HolidayTableError(f"节假日表 {column_zh} 无法识别{hint_zh}: {rows}",
                            f"Holiday table, column {column_zh} ({column}): {what_en} in {rows_en}",
                            column=column, column_zh=column_zh, excel_row=int(idx[0]) + first_row)


def parse_holiday_table(df: pd.DataFrame, first_row: int = 2) -> pd.DataFrame:
    """Validate a user holiday table and return it in canonical form.

    Input columns (headers trimmed, full-width folded): ``date``/日期 (read like dates in data files, by
    :func:`bankxl.coerce.coerce_date`: a date, "2027/2/7", "2027年2月7日", "20270207" or an Excel serial
    number), ``is_workday``/是否工作日 (bool, 1/0, 是/否, Y/N, 工作日/休息, 班/休) and optional
    ``holiday_name``/节假日名称. Rows with an empty date are skipped; a later row for the same date wins.

    Returns a DataFrame [date (datetime64[ns]), is_workday (bool), holiday_name (object)] sorted by date.
    ``first_row``: the Excel row of ``df``'s first data row (2 = header in row 1), used in messages.
    Raises :class:`HolidayTableError` (a ``ValueError``; Chinese message naming the Excel row, English
    ``message_en``, ``column`` / ``excel_row``) when a required column is missing or a date / 是否工作日
    value cannot be read.
    """
    cols = {}
    for c in df.columns:
        key = unicodedata.normalize("NFKC", str(c)).strip()
        target = _HEADER_ALIASES.get(key, _HEADER_ALIASES.get(key.lower()))
        if target and target not in cols.values():
            cols[c] = target
    t = df.rename(columns=cols)
    missing = [zh for col, zh in (("date", "日期"), ("is_workday", "是否工作日")) if col not in t.columns]
    if missing:
        ids = {"日期": "date", "是否工作日": "is_workday"}
        raise HolidayTableError(
            f"节假日表缺少必需列: {'、'.join(missing)} (列名可用 日期/date, 是否工作日/is_workday)",
            f"The holiday table lacks column(s) {', '.join(ids[m] for m in missing)} "
            f"({'/'.join(missing)}); headers found: {', '.join(map(str, df.columns))}",
            column=ids[missing[0]], column_zh=missing[0])
    t = t.reset_index(drop=True)
    raw_dates = t["date"]
    from .coerce import blank_mask

    keep = pd.Series(~blank_mask(raw_dates.to_numpy(dtype=object)), index=t.index)
    dates, why = _parse_dates(raw_dates)
    _reject(keep & dates.isna(), raw_dates, first_row, "date", "日期", "",
            lambda i: f"{raw_dates[i]!r}: {why[i] or '无法识别'}", "unreadable date(s)")
    flags = t["is_workday"].map(_parse_bool)
    _reject(keep & flags.isna(), t["is_workday"], first_row, "is_workday", "是否工作日", " (应为 是/否 或 1/0)",
            lambda i: repr(t["is_workday"][i]), "not yes/no (是/否, 1/0)")
    names = t["holiday_name"] if "holiday_name" in t.columns else pd.Series(None, index=t.index, dtype=object)
    names = names.astype(object).where(names.notna(), None)
    out = pd.DataFrame({"date": dates, "is_workday": flags, "holiday_name": names})[keep]
    out["is_workday"] = out["is_workday"].astype(bool)
    out = out.drop_duplicates("date", keep="last").sort_values("date", ignore_index=True)
    return out


# ------------------------------------------------------------------------------------ date input
def _is_scalar_date(x: Any) -> bool:
    return x is None or isinstance(x, (str, _dt.date, np.datetime64, pd.Timestamp)) or x is pd.NaT


def _to_days(dates: Any) -> tuple[np.ndarray, str, Any]:
    """-> (datetime64[D] array, kind 'scalar'|'series'|'array', index)."""
    if _is_scalar_date(dates):
        ts = pd.Timestamp(dates) if dates is not None else pd.NaT
        return (
            np.array(
                [ts.to_datetime64() if ts is not pd.NaT else np.datetime64("NaT")], dtype="datetime64[D]"
            ),
            "scalar",
            None,
        )
    if isinstance(dates, pd.Series):
        return pd.to_datetime(dates).to_numpy(dtype="datetime64[D]"), "series", dates.index
    return pd.to_datetime(np.asarray(dates).ravel()).to_numpy(dtype="datetime64[D]"), "array", None


def _year_of(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[Y]").astype(np.int64) + 1970


# ------------------------------------------------------------------------------------ the calendar
class BankCalendar:
    """China's bank working days with a user override table.

    ``BankCalendar(holidays=None)``: ``holidays`` is an optional DataFrame in the form accepted by
    :func:`parse_holiday_table` (date/日期, is_workday/是否工作日, holiday_name/节假日名称); its rows override
    the official schedule and the rule-based fallback for the dates they list. Raises ``ValueError`` for an
    unreadable table.

    Vectorised methods accept a scalar (str / date / Timestamp / datetime64), a list / ndarray or a Series
    of dates; they return a scalar, an ndarray or a Series with the same index respectively. Missing dates
    (NaT) give False / NaT / <NA> as documented per method.
    """

    def __init__(self, holidays: pd.DataFrame | None = None):
        self.holidays = parse_holiday_table(holidays) if holidays is not None else None
        self._user: dict[int, list[tuple[int, bool, str | None]]] = {}
        if self.holidays is not None:
            for d, w, n in self.holidays.itertuples(index=False):
                start = pd.Timestamp(d.year, 1, 1)
                self._user.setdefault(d.year, []).append(((d - start).days, bool(w), n))
        self._cache: dict[int, _Year] = {}

    # -- per-year tables ----------------------------------------------------------------------
    def _year(self, year: int) -> _Year:
        y = self._cache.get(year)
        if y is None:
            base = _builtin_year(int(year))
            overrides = self._user.get(int(year), [])
            if overrides:
                wd = base.workday.copy()
                nm = base.name.copy()
                for i, w, n in overrides:
                    weekend = (
                        int((base.start + np.timedelta64(i, "D")).astype("datetime64[D]").view("int64") + 3)
                        % 7
                        >= 5
                    )  # 1970-01-01 was a Thursday (Mon=0)
                    wd[i] = w
                    if n:
                        nm[i] = n
                    elif w:
                        nm[i] = MAKEUP_SUFFIX if weekend else None
                    else:
                        nm[i] = nm[i] or "节假日"
                y = _Year(base.year, base.start, wd, nm, base.source, len(overrides))
            else:
                y = base
            self._cache[year] = y
        return y

    def _lookup(self, days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """datetime64[D] array -> (workday bool, name object, valid bool) arrays."""
        n = len(days)
        wd = np.zeros(n, dtype=bool)
        names = np.full(n, None, dtype=object)
        valid = ~np.isnat(days)
        if valid.any():
            years = _year_of(days)
            for yr in np.unique(years[valid]):
                m = valid & (years == yr)
                y = self._year(int(yr))
                idx = (days[m] - y.start).astype(np.int64)
                wd[m] = y.workday[idx]
                names[m] = y.name[idx]
        return wd, names, valid

    def _span(self, lo: np.datetime64, hi: np.datetime64) -> tuple[np.ndarray, np.ndarray]:
        days = np.arange(lo, hi + np.timedelta64(1, "D"), dtype="datetime64[D]")
        return days, self._lookup(days)[0]

    @staticmethod
    def _wrap(values: np.ndarray, kind: str, index: Any, dtype: Any = None):
        if kind == "scalar":
            v = values[0]
            if isinstance(v, np.datetime64):
                return pd.NaT if np.isnat(v) else pd.Timestamp(v)
            if isinstance(v, np.bool_):
                return bool(v)
            if isinstance(v, np.integer):
                return int(v)
            return v
        if kind == "series":
            return pd.Series(values, index=index, dtype=dtype)
        return values

    # -- public API ----------------------------------------------------------------------------
    def is_workday(self, dates: Any):
        """True where the date is a bank working day (工作日).

        Scalar -> bool (NaT -> False); list/ndarray -> bool ndarray (NaT -> False); Series -> ``boolean``
        Series with the same index (NaT -> <NA>).
        """
        days, kind, index = _to_days(dates)
        wd, _names, valid = self._lookup(days)
        if kind == "series":
            out = pd.Series(wd, index=index, dtype="boolean")
            out[~valid] = pd.NA
            return out
        return self._wrap(wd, kind, index)

    def holiday_name(self, dates: Any):
        """Name of the day (春节, 国庆节, 周末, 春节调休上班, or the user table's 节假日名称); None/<NA> for an
        ordinary working day or a missing date. Scalar -> str|None, array -> object ndarray, Series ->
        ``string`` Series."""
        days, kind, index = _to_days(dates)
        _wd, names, _valid = self._lookup(days)
        if kind == "series":
            return pd.Series(names, index=index, dtype="string")
        return self._wrap(names, kind, index)

    def roll(self, dates: Any, rule: str = "following"):
        """Move each date to a working day.

        ``rule``: ``'following'`` (顺延, the default for maturities falling on a non-working day: the first
        working day on or after the date), ``'preceding'`` (提前: the last working day on or before it) or
        ``'modified_following'`` (following unless that leaves the month, then preceding).
        Working days are unchanged; NaT stays NaT. Returns a Timestamp / datetime64[ns] ndarray / Series.
        Raises ``ValueError`` for an unknown rule.
        """
        if rule not in ("following", "preceding", "modified_following"):
            raise ValueError(
                f"未知的顺延规则 rule={rule!r}: 应为 following(顺延) / preceding(提前) / modified_following"
            )
        days, kind, index = _to_days(dates)
        out = np.full(len(days), np.datetime64("NaT"), dtype="datetime64[D]")
        valid = ~np.isnat(days)
        if valid.any():
            lo, hi = days[valid].min(), days[valid].max()
            margin = np.timedelta64(40, "D")  # longest run of non-working days is far shorter
            span, wd = self._span(lo - margin, hi + margin)
            pos = np.arange(len(span))
            nxt = np.minimum.accumulate(np.where(wd, pos, len(span))[::-1])[::-1]
            prv = np.maximum.accumulate(np.where(wd, pos, -1))
            i = (days[valid] - span[0]).astype(np.int64)
            if rule == "preceding":
                res = span[prv[i]]
            else:
                res = span[nxt[i]]
                if rule == "modified_following":
                    other_month = res.astype("datetime64[M]") != days[valid].astype("datetime64[M]")
                    res = np.where(other_month, span[prv[i]], res)
            out[valid] = res
        out = out.astype("datetime64[ns]")
        return self._wrap(out, kind, index, dtype="datetime64[ns]")

    def next_workday(self, d: Any):
        """The date itself if it is a working day, else the next working day (到期日遇节假日顺延).
        Same as ``roll(d, 'following')``; scalar -> Timestamp, arrays as :meth:`roll`."""
        return self.roll(d, "following")

    def previous_workday(self, d: Any):
        """The date itself if it is a working day, else the previous working day (``roll(d, 'preceding')``)."""
        return self.roll(d, "preceding")

    def workdays_between(self, start: Any, end: Any):
        """Number of working days ``d`` with ``start <= d < end`` (half-open, like ``numpy.busday_count``);
        negative when ``end < start``. ``start`` and ``end`` broadcast (scalar with array, or equal lengths).
        Returns int (None if a date is missing) / int64 ndarray (an ``Int64`` pandas array if any date is
        missing) / ``Int64`` Series with the index of the first Series argument (missing -> <NA>).
        """
        s_days, s_kind, s_index = _to_days(start)
        e_days, e_kind, e_index = _to_days(end)
        s_b, e_b = np.broadcast_arrays(s_days, e_days)
        valid = ~(np.isnat(s_b) | np.isnat(e_b))
        counts = np.zeros(len(s_b), dtype=np.int64)
        if valid.any():
            lo = min(s_b[valid].min(), e_b[valid].min())
            hi = max(s_b[valid].max(), e_b[valid].max())
            _span_days, wd = self._span(lo, hi)
            cum = np.concatenate([[0], np.cumsum(wd)])
            i = (s_b[valid] - lo).astype(np.int64)
            j = (e_b[valid] - lo).astype(np.int64)
            counts[valid] = cum[j] - cum[i]
        if s_kind == "scalar" and e_kind == "scalar":
            return int(counts[0]) if valid[0] else None
        index = s_index if s_kind == "series" else e_index
        arr = pd.array(counts, dtype="Int64")
        arr[~valid] = pd.NA
        if index is not None:
            return pd.Series(arr, index=index)
        return counts if valid.all() else arr

    def add_workdays(self, start: Any, n: Any):
        """The ``n``-th working day after ``start`` (``n`` ≥ 1; ``n`` = 0 is ``start`` rolled to the next
        working day, :meth:`next_workday`): e.g. a list's 截止日 = 数据日期 + N 个工作日. ``start`` and ``n``
        (int or int array/Series) broadcast. Returns a Timestamp / datetime64[ns] ndarray / Series (index of
        the first Series argument); NaT where ``start`` is missing. Raises ``ValueError`` for a negative ``n``.
        """
        s_days, s_kind, s_index = _to_days(start)
        n_arr = np.asarray(n.to_numpy() if isinstance(n, pd.Series) else n, dtype=np.int64).ravel()
        if (n_arr < 0).any():
            raise ValueError(f"add_workdays: n must be >= 0, got {int(n_arr.min())}")
        s_b, n_b = np.broadcast_arrays(s_days, n_arr)
        out = np.full(len(s_b), np.datetime64("NaT"), dtype="datetime64[D]")
        valid = ~np.isnat(s_b)
        if valid.any():
            lo = s_b[valid].min()
            hi = s_b[valid].max() + np.timedelta64(int(n_b[valid].max()) * 2 + 40, "D")  # ≥ 5 of 7 days work
            span, wd = self._span(lo, hi)
            cum = np.cumsum(wd)  # working days in span[0..i]
            i = (s_b[valid] - lo).astype(np.int64)
            before = cum[i] - wd[i]  # working days strictly before start
            target = np.where(n_b[valid] == 0, before + 1, cum[i] + n_b[valid])
            out[valid] = span[np.searchsorted(cum, target, side="left")]
        out = out.astype("datetime64[ns]")
        kind = s_kind if isinstance(n, (int, np.integer)) or s_kind != "scalar" else \
            ("series" if isinstance(n, pd.Series) else "array")
        index = s_index if s_kind == "series" else (n.index if isinstance(n, pd.Series) else None)
        return self._wrap(out, kind, index, dtype="datetime64[ns]")

    def year_source(self, year: int) -> str:
        """Which built-in source decides ``year``: ``'chinese_calendar'`` (official schedule) or ``'rule'``
        (weekends + statutory holidays). The user table may still override single dates."""
        return _builtin_year(int(year)).source

    def source_notes(self, years: Iterable[int]) -> list[str]:
        """One line per year (sorted, distinct) in Chinese for the report's 说明 sheet, saying which source
        applied, e.g. ``'2027 年: 官方节假日安排尚未发布, 按周末 + 法定节日(含农历春节、清明、端午、中秋)推算;
        调休上班日未知, 未计入'``."""
        notes = []
        for year in sorted({int(y) for y in years}):
            y = self._year(year)
            if y.source == SOURCE_OFFICIAL:
                text = f"{year} 年: 按国务院办公厅公布的节假日安排(chinese-calendar 数据, 含调休上班日)"
            elif (
                year >= 2004
            ):  # chinese_calendar's data start in 2004: a later year without data is unpublished
                text = (
                    f"{year} 年: 官方节假日安排尚未发布, 按周末 + 法定节日(含农历春节、清明、端午、中秋)推算; "
                    "调休上班日未知, 未计入"
                )
            else:
                text = (
                    f"{year} 年: chinese-calendar 无该年数据, 按周末 + 当年《全国年节及纪念日放假办法》"
                    "法定节日推算; 调休上班日未知, 未计入"
                )
            if y.n_user:
                text += f"; 节假日表(用户维护)覆盖其中 {y.n_user} 天"
            notes.append(text)
        return notes


#: the dates bankxl holds (the loader's range, :mod:`bankxl.coerce`; inside pandas' nanosecond range with room
#: for rolling to a working day)
DATE_MIN, DATE_MAX = np.datetime64("1678-01-01", "D"), np.datetime64("2261-12-31", "D")


def add_months(dates: pd.Series, months: pd.Series) -> pd.Series:
    """``dates`` + ``months`` calendar months, vectorised, as ``pd.DateOffset(months=k)`` does: the day is
    clipped to the target month's end (2024-02-29 + 12 → 2025-02-28; 01-31 + 1 → 02-28/29).

    ``dates``: datetime Series; ``months``: integer Series (Int64/float/int) on the same index, negative allowed.
    Returns a ``datetime64[ns]`` Series on ``dates.index``: NaT where either input is missing or the result lies
    outside :data:`DATE_MIN` … :data:`DATE_MAX` (never an overflow error; the caller reports such rows).
    """
    d = pd.to_datetime(dates).to_numpy(dtype="datetime64[D]")
    k = pd.to_numeric(months, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    # months beyond ±(DATE_MAX − DATE_MIN) cannot give a date we hold: keep the int64 arithmetic far from overflow
    span = 12 * (2261 - 1678 + 1)
    ok = ~np.isnat(d) & np.isfinite(k) & (np.abs(np.nan_to_num(k)) <= span)
    m0 = d.astype("datetime64[M]")
    day = (d - m0.astype("datetime64[D]")).astype(np.int64)  # 0-based day of month
    m1 = m0 + np.where(ok, k, 0).astype(np.int64)
    dim = ((m1 + 1).astype("datetime64[D]") - m1.astype("datetime64[D]")).astype(np.int64)
    res = m1.astype("datetime64[D]") + np.minimum(day, dim - 1)
    ok &= (res >= DATE_MIN) & (res <= DATE_MAX)
    out = np.where(ok, res, np.datetime64("NaT", "D")).astype("datetime64[ns]")
    return pd.Series(out, index=dates.index)
