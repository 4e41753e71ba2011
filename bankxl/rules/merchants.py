"""Merchant warning rule (SCENARIOS.md E1 商户四级预警; C4 uses its level): one implementation for the E1
scenario and the ``BANKXL_MERCHANT_LEVEL`` / ``BANKXL_MERCHANT_DROP`` worksheet formulas.

Shapes: every function works on a merchants × months matrix (oldest month first), vectorised (no Python
over merchants or months):

* :func:`daily_average` — each month's volume (元, refunds negative) divided by its days (calendar days of
  the month; the data date's month counts only the days up to the data date), so February and 31-day
  months compare fairly;
* :func:`baseline` — B per month: the mean daily average of the ``base_months`` (3) months before it, or
  for seasonal merchants (``yoy`` rows: schools, scenic spots) the daily average of the same month one year
  earlier (SCENARIOS.md E1 / §7 商户预警基线); NaN where a month it needs is unknown;
* :func:`drop_rates` — r = 1 − A/B (A = the month's daily average); NaN where B ≤ 0 or unknown
  (SCENARIOS.md §0.5: no division by ≤ 0);
* :func:`warning_levels` — the level of every month (defaults of SCENARIOS.md E1【假设】, parameters of
  :class:`MerchantLevelParams`): 正常 r < 30% · 一级 30% ≤ r < 50% · 二级 50% ≤ r < 80%, or r ≥ 30% for
  ``streak_months`` (2) months running · 三级 r ≥ 80% · 四级 no transaction in the month · 观察期 B ≤ 0
  (a merchant without a baseline: new). Edges include equality (r = 50% is 二级). ``None`` where the month
  or its baseline is unknown;
* :func:`is_seasonal` / :func:`seasonal_baseline` / :func:`month_levels` — the whole rule on a scenario's
  matrices (E1 and C4 call it, so both give a merchant the same level): seasonal merchants by MCC
  (``seasonal_mcc``) or name (``seasonal_name``) on 去年同期, falling back to the ``base_months`` months
  before when last year is not in the data.

:func:`merchant_drop` and :func:`merchant_level` are the worksheet-formula form (a volume block whose last
column is the current month, default parameters). What only a scenario knows — 注销 status, 入网日期 (a
merchant opened in the last months is in 观察期), missing months — is applied by E1 on top of these levels.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..scenario import param
from .transactions import check_regex, has_pattern

#: the warning levels from mildest to most severe (SCENARIOS.md E1)
MERCHANT_LEVELS = ("正常", "一级", "二级", "三级", "四级")
#: a merchant without a baseline (B ≤ 0): 新商户观察期, not warned
NEW_LEVEL = "观察期"


@dataclass(frozen=True)
class MerchantLevelParams:
    """The level rule of E1 (SCENARIOS.md E1 table and baseline, 【假设】: no industry standard). A scenario that
    uses the rule (E1, C4) derives its params from this class and calls :meth:`check` from its own ``check``:
    one parameter id means one thing in every scenario, and its 参数 rows and rule hash carry it once."""

    drop_edges: tuple = param((0.3, 0.5, 0.8), "下降率分档", None,
                              "一级/二级/三级的下降率下限(含等号); 下降率 = 1 − 当月日均/基线日均", min=0, max=1,
                              increasing=True)
    streak_months: int = param(2, "连续下降月数", "月", "连续该月数下降率 ≥「连续下降门槛」也为二级(若尚未更高)",
                               min=2, max=12)
    streak_drop: float = param(0.3, "连续下降门槛", None, "连续下降判断用的下降率(含等号)", min=0, max=1)
    base_months: int = param(3, "基线月数", "月", "预警基线 = 前 N 个月日均(各月按天数折算)的均值", min=1, max=12)
    seasonal_mcc: tuple = param(("8211", "8220", "8241", "8244", "8249", "8299", "7991", "7996", "7998"),
                                "季节性商户MCC", None, "这些 MCC 的商户按去年同期比较(学校 82xx、景区/游乐园 799x)")
    seasonal_name: str = param("学校|小学|中学|幼儿园|景区|风景区|游乐园|度假区", "季节性商户名称(正则)", None,
                               "商户名称匹配也按去年同期比较; 留空 = 只看 MCC")

    def check(self) -> None:
        """Three drop edges; 季节性商户名称 compiles. Raises :class:`ParameterError`."""
        if len(self.drop_edges) != 3:
            raise ParameterError(
                f"参数「下降率分档(drop_edges)」应为三个递增比例(一级, 二级, 三级), 给定 {self.drop_edges}。",
                f"Parameter drop_edges needs three increasing fractions (一级, 二级, 三级), got {self.drop_edges}.")
        check_regex(self, "seasonal_name")

    def rule_text(self) -> str:
        """The level conditions in one line (说明 / 概览 of the scenarios using the rule)."""
        e1, e2, e3 = (float(x) for x in self.drop_edges)
        return (f"正常 r < {e1:.0%} · 一级 {e1:.0%}–{e2:.0%} · 二级 {e2:.0%}–{e3:.0%} 或连续 {self.streak_months} 个月 "
                f"r ≥ {self.streak_drop:.0%} · 三级 ≥ {e3:.0%} · 四级 当月无交易(含等号)")


DEFAULT = MerchantLevelParams()


def month_days(months: pd.PeriodIndex, as_of: Any = None) -> np.ndarray:
    """Days counted in each month (float array): the month's calendar days; the month of ``as_of`` only up to
    ``as_of`` (its day of month), months after it 0."""
    days = np.asarray(months.days_in_month, dtype="float64")
    if as_of is not None:
        d = pd.Timestamp(as_of)
        cur = pd.Period(d, freq="M")
        days = np.where(months == cur, float(d.day), np.where(months > cur, 0.0, days))
    return days


def daily_average(volumes: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Volume (元) per day: ``volumes`` (n × m) / ``days`` (m,); NaN stays NaN (unknown), 0 days give NaN."""
    v = np.asarray(volumes, dtype="float64")
    d = np.asarray(days, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(d > 0, v / np.where(d > 0, d, 1.0), np.nan)


def baseline(daily: np.ndarray, base_months: int = 3, yoy: Any = None) -> np.ndarray:
    """B per merchant and month (n × m, 元/day): the mean of the ``base_months`` daily averages before the
    month (NaN when one of them is unknown or the data start later); rows where ``yoy`` (bool, n) is True: the
    daily average of the same month a year earlier (NaN when unknown)."""
    a = np.asarray(daily, dtype="float64")
    n, m = a.shape
    out = np.full((n, m), np.nan)
    if m > base_months:
        windows = np.lib.stride_tricks.sliding_window_view(a, base_months, axis=1)[:, :m - base_months]
        out[:, base_months:] = windows.mean(axis=2)
    if yoy is not None:
        y = np.asarray(yoy, dtype=bool)
        same = np.full((n, m), np.nan)
        if m > 12:
            same[:, 12:] = a[:, :m - 12]
        out = np.where(y[:, None], same, out)
    return out


def drop_rates(daily: np.ndarray, base: np.ndarray) -> np.ndarray:
    """r = 1 − A/B (fraction; n × m); NaN where B ≤ 0 or either is unknown. Rounded to 12 decimals so that
    1 − 5,000/10,000 is exactly 50% (the 二级 edge), not 49.99…%."""
    a, b = np.asarray(daily, dtype="float64"), np.asarray(base, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.round(np.where(b > 0, 1 - a / np.where(b > 0, b, 1.0), np.nan), 12)


def warning_levels(daily: np.ndarray, base: np.ndarray, no_txn: np.ndarray, known: np.ndarray,
                   p: MerchantLevelParams = DEFAULT) -> tuple[np.ndarray, np.ndarray]:
    """Level per merchant and month (object n × m; SCENARIOS.md E1) and r (:func:`drop_rates`), first rule
    that applies:

    ``None`` where the month is unknown (``known`` False) · 四级 where ``no_txn`` (no transaction in the
    month) · ``None`` where the baseline is unknown (NaN: a month it needs is missing — unknown is not zero) ·
    观察期 where B ≤ 0 (no baseline: a new merchant) · 三级 r ≥ edge 3 · 二级 r ≥ edge 2, or r ≥
    ``streak_drop`` in this month and each of the ``streak_months`` − 1 months before · 一级 r ≥ edge 1 · 正常.
    ``daily`` / ``base``: 元 per day (:func:`daily_average`, :func:`baseline`); ``no_txn`` / ``known``: bool
    n × m.
    """
    b = np.asarray(base, dtype="float64")
    r = drop_rates(daily, b)
    e1, e2, e3 = (float(x) for x in p.drop_edges)
    idx = np.searchsorted([e1, e2, e3], np.nan_to_num(r, nan=-np.inf), side="right")
    k = int(p.streak_months)
    hit = np.nan_to_num(r, nan=-np.inf) >= float(p.streak_drop)
    streak = np.zeros_like(hit)
    if r.shape[1] >= k:
        streak[:, k - 1:] = np.lib.stride_tricks.sliding_window_view(hit, k, axis=1).all(axis=2)
    idx = np.where(streak & (idx < 2), 2, idx)
    out = np.array(MERCHANT_LEVELS, dtype=object)[idx]
    out = np.where(b <= 0, NEW_LEVEL, np.where(np.isnan(b), None, out))
    out = np.where(np.asarray(no_txn, dtype=bool), MERCHANT_LEVELS[4], out)
    return np.where(np.asarray(known, dtype=bool), out, None).astype(object), r


def is_seasonal(mcc: pd.Series, name: pd.Series, p: MerchantLevelParams = DEFAULT) -> np.ndarray:
    """Seasonal merchants (bool, n; SCENARIOS.md E1 季节商户: schools, scenic spots): MCC (trimmed) among
    ``p.seasonal_mcc``, or 商户名称 matching the regex ``p.seasonal_name`` (blank: MCC only). ``mcc`` / ``name``:
    string Series, one per merchant; a missing value is not seasonal."""
    code = mcc.astype("string").str.strip()
    by_mcc = code.isin([str(x) for x in p.seasonal_mcc]).fillna(False)
    return (by_mcc | has_pattern(name.astype("string"), p.seasonal_name)).to_numpy(bool)


def seasonal_baseline(daily: np.ndarray, seasonal: np.ndarray, base_months: int) -> tuple[np.ndarray, np.ndarray]:
    """(B, fallback), n × m: :func:`baseline` — seasonal rows on the same month a year earlier, falling back to
    the ``base_months`` months before where last year is unknown (``fallback`` True there, said by the scenario)."""
    prior = baseline(daily, base_months)
    yoy = baseline(daily, base_months, yoy=seasonal)
    fallback = np.asarray(seasonal, dtype=bool)[:, None] & np.isnan(yoy) & np.isfinite(prior)
    return np.where(fallback, prior, yoy), fallback


@dataclass
class MonthLevels:
    """:func:`month_levels` per merchant and month (n × m unless said): ``days`` (m,) counted days, ``daily``
    日均 元/day, ``base`` B 元/day, ``fallback`` (seasonal on the months before), ``r`` 下降率, ``levels``
    (object: 正常 … 四级, 观察期, None unknown), ``known`` (金额 known), ``has_txn``, ``no_txn``."""

    days: np.ndarray
    daily: np.ndarray
    base: np.ndarray
    fallback: np.ndarray
    r: np.ndarray
    levels: np.ndarray
    known: np.ndarray
    has_txn: np.ndarray
    no_txn: np.ndarray


def month_levels(amt: np.ndarray, cnt: np.ndarray, months: pd.PeriodIndex, as_of: Any, seasonal: np.ndarray,
                 p: MerchantLevelParams = DEFAULT) -> MonthLevels:
    """The E1 rule on a scenario's matrices (E1 and C4 both call it): ``amt`` 金额 元 and ``cnt`` 笔数 (n × m,
    oldest month first, NaN unknown), ``months`` their months, ``as_of`` the data date (its month counts the
    days up to it), ``seasonal`` (:func:`is_seasonal`). A month has a transaction when 笔数 > 0 or 金额 ≠ 0
    (笔数 unknown: by 金额 alone, as the formula); 金额 unknown: the month is unknown (level None)."""
    a = np.asarray(amt, dtype="float64")
    c = np.asarray(cnt, dtype="float64")
    known = np.isfinite(a)
    has_txn = known & ((c > 0) | (a != 0))
    no_txn = known & ~has_txn
    days = month_days(months, as_of)
    daily = daily_average(a, days)
    base, fallback = seasonal_baseline(daily, seasonal, int(p.base_months))
    levels, r = warning_levels(daily, base, no_txn, known, p)
    return MonthLevels(days, daily, base, fallback, r, levels, known, has_txn, no_txn)


# ---------------------------------------------------------------------------------------- formula form
def _formula_days(last_month: Any, k: int) -> np.ndarray:
    """Days of the k consecutive months ending with ``last_month``'s month (30 each when None)."""
    if last_month is None:
        return np.full(k, 30.0)
    end = pd.Period(pd.Timestamp(last_month), freq="M")
    return month_days(pd.period_range(end - (k - 1), end, freq="M"))


def _formula_matrix(volumes) -> np.ndarray:
    v = np.asarray(volumes, dtype="float64")
    v = v.reshape(1, -1) if v.ndim == 1 else v
    if v.shape[1] < 4:
        raise ValueError("商户交易额至少需要 4 个月(前 3 个月 + 当月), 每月一列, 最早的在左")
    return v


def merchant_drop(volumes, last_month: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """E1 下降率 of the last column (the current month) and of the column before (NaN unless ≥ 5 columns).
    ``volumes``: 2-D (merchants × months, oldest first, ≥ 4 columns, 元); ``last_month``: any date of the
    current month (None: 30-day months); whole months (the formula has no data date). B ≤ 0 -> NaN.
    Raises ValueError for fewer than 4 columns."""
    v = _formula_matrix(volumes)
    daily = daily_average(v, _formula_days(last_month, v.shape[1]))
    r = drop_rates(daily, baseline(daily))
    return r[:, -1], r[:, -2]


def merchant_level(volumes, last_month: Any = None, p: MerchantLevelParams = DEFAULT) -> np.ndarray:
    """E1 level of the current month (the last column) per merchant, by :func:`warning_levels` with the
    default conditions (四级 = current volume 0, 观察期 = baseline 0); None where the current month, or a
    baseline month it needs, is blank (unknown, not 0).
    ``volumes`` / ``last_month`` as in :func:`merchant_drop`."""
    v = _formula_matrix(volumes)
    daily = daily_average(v, _formula_days(last_month, v.shape[1]))
    return warning_levels(daily, baseline(daily, p.base_months), v == 0, ~np.isnan(v), p)[0][:, -1]
