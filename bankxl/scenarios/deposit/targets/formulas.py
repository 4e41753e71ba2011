"""D5 pure formulas (SCENARIOS.md D5, §0.3, §0.4): largest remainder, required daily balance, monthly
targets, deviation, daily balances / averages, factor shares and the 可达性 rule. The Excel UDFs and the
template builder call them."""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from .params import NOT_REACHED, RAISE, REACHED, SATISFIED, UNREACHABLE


def largest_remainder(values: Sequence[float], total: float, unit: float = 1.0) -> np.ndarray:
    """Split ``total`` in proportion to ``values`` into multiples of ``unit`` that sum to ``total``.

    Largest-remainder (Hamilton) method on |total|/unit whole units, computed with exact fractions:
    every part gets the floor of its quota, the units left over go to the largest fractional remainders
    (ties: larger weight, then earlier position). Negative ``values``/NaN count 0; all-zero values split
    equally. A negative ``total`` is split like its absolute value and negated. When ``total`` is not a
    multiple of ``unit``, the sub-unit rest goes to the part with the largest quota, so the sum is still
    ``total`` (exact for an integer ``unit`` when ``total`` is a whole multiple — the normal case).

    Returns a float ndarray of len(values). Raises ValueError for ``unit`` <= 0, or a non-zero total with
    no parts.
    """
    w = np.asarray(values, dtype="float64").ravel()
    if not unit or unit <= 0 or not math.isfinite(unit):
        raise ValueError(f"unit must be positive, got {unit!r}")
    if not math.isfinite(total):
        raise ValueError(f"total must be finite, got {total!r}")
    if len(w) == 0:
        if total != 0:
            raise ValueError("cannot split a non-zero total over no parts")
        return np.zeros(0)
    w = np.where(np.isfinite(w) & (w > 0), w, 0.0)
    if w.sum() <= 0:
        w = np.ones_like(w)
    sign = -1.0 if total < 0 else 1.0
    units_exact = Fraction(abs(total)) / Fraction(unit)
    k = math.floor(units_exact)
    fw = [Fraction(float(x)) for x in w]
    s = sum(fw)
    quotas = [k * x / s for x in fw]
    whole = [math.floor(q) for q in quotas]
    rest = k - sum(whole)
    order = sorted(range(len(w)), key=lambda i: (-(quotas[i] - whole[i]), -fw[i], i))
    for i in order[:rest]:
        whole[i] += 1
    parts = np.array([float(n) * unit for n in whole])
    if units_exact != k:
        j = max(range(len(w)), key=lambda i: (fw[i], -i))
        parts[j] += abs(total) - float(k) * unit
    return sign * parts


def required_daily_balance(target_avg, n_days, cum_balance, days_elapsed):
    """Average daily balance needed for the rest of the period: R = (A*·N − S_d)/(N − d).

    ``target_avg`` A* (money), ``n_days`` N (days in the period), ``cum_balance`` S_d (Σ of the daily
    balances of the first d days, money·days), ``days_elapsed`` d (clipped to 0..N). When d >= N the period
    is over and the actual average S_N/N is returned (no division by zero); N <= 0 or missing -> NaN.
    Scalars in -> float out; arrays/Series broadcast -> ndarray. SCENARIOS.md D5 (example: N=31, A*=1 亿,
    S_20=19.2 亿·日 -> 1.0727 亿).
    """
    scalar = all(np.ndim(x) == 0 for x in (target_avg, n_days, cum_balance, days_elapsed))
    a, n, s, d = (np.asarray(x, dtype="float64") for x in (target_avg, n_days, cum_balance, days_elapsed))
    a, n, s, d = np.broadcast_arrays(a, n, s, d)
    d = np.clip(d, 0, np.where(np.isnan(n), 0, n))
    done = d >= n
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(done, s / np.where(n > 0, n, np.nan), (a * n - s) / np.where(done, 1.0, n - d))
    r = np.where(n > 0, r, np.nan)
    return float(r) if scalar else r


def monthly_targets(base: float, increments: Sequence[float], month_days: Sequence[int]) -> np.ndarray:
    """Monthly daily-average targets a_m (本月目标日均) consistent with the annual daily-average target.

    ``base`` 基期日均 (money); ``increments`` the planned 月度增量任务 of each month of the period in order
    (money, Σ = ΔT_i): month m raises the 年累计日均 (average from the period start to the end of month m)
    by ``increments[m]``, so it should be base + C_m with C_m = Σ_{k<=m} increments[k]; ``month_days`` the
    days of each month inside the period (days_m, Σ = N; a partial first/last month counts its days in the
    period). With D_m = Σ_{k<=m} days_k:

        a_m = base + (C_m·D_m − C_{m−1}·D_{m−1}) / days_m

    so Σ_m a_m·days_m = base·N + C_last·N and the day-weighted mean of the a_m is base + ΔT_i, the annual
    target, exactly (up to float rounding). Example: base 100, increments (6, 6), 31 + 28 days ->
    a = (106, 100 + (12·59 − 6·31)/28) = (106, 118.642857...), (106·31 + 118.64·28)/59 = 112.
    Returns a float ndarray of len(increments); NaN increments give NaN from that month on.
    Raises ValueError when the lengths differ or a month has no days.
    """
    inc = np.asarray(increments, dtype="float64").ravel()
    days = np.asarray(month_days, dtype="float64").ravel()
    if len(inc) != len(days):
        raise ValueError(f"increments ({len(inc)}) and month_days ({len(days)}) differ in length")
    if len(days) and days.min() <= 0:
        raise ValueError("every month needs at least one day in the period")
    c = np.cumsum(inc)
    d = np.cumsum(days)
    cd = c * d
    prev = np.concatenate([[0.0], cd[:-1]])
    return float(base) + (cd - prev) / days


def deviation(month_end, month_avg):
    """月末存款偏离度 = (月末余额 − 当月日均)/当月日均 (SCENARIOS.md §0.4); 日均 <= 0 or missing -> NaN
    (§0.5: no inf). Scalars -> float, arrays -> ndarray. Example: 105 vs 100 -> 0.05."""
    scalar = np.ndim(month_end) == 0 and np.ndim(month_avg) == 0
    me, avg = np.broadcast_arrays(np.asarray(month_end, dtype="float64"), np.asarray(month_avg, dtype="float64"))
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(avg > 0, (me - avg) / np.where(avg > 0, avg, 1.0), np.nan)
    return float(out) if scalar else out


def _as_series(balances: Any) -> pd.Series:
    """Sparse daily balances -> float Series on a sorted, unique DatetimeIndex (last value per day kept)."""
    if isinstance(balances, pd.DataFrame):
        date_col = "date" if "date" in balances.columns else balances.columns[0]
        bal_col = "balance" if "balance" in balances.columns else balances.columns[-1]
        s = pd.Series(balances[bal_col].to_numpy(dtype="float64", na_value=np.nan),
                      index=pd.to_datetime(balances[date_col]))
    else:
        s = pd.Series(balances).astype("float64")
        s.index = pd.to_datetime(s.index)
    s = s[s.index.notna() & s.notna()]
    s.index = s.index.normalize()
    s = s[~s.index.duplicated(keep="last")] if s.index.has_duplicates else s
    return s.sort_index()


def daily_balances(balances: Any, start: Any, end: Any, open_date: Any = None,
                   fill_leading: bool = False) -> pd.Series:
    """Every calendar day from ``start`` to ``end`` with its balance (SCENARIOS.md §0.3).

    ``balances``: a Series indexed by date or a DataFrame with ``date`` and ``balance`` columns; missing
    days take the previous day's balance (forward fill, also from a balance before ``start``); days before
    the first balance count 0 (an outlet not yet open) unless ``fill_leading`` (then they take the first
    balance: leading holidays before the first exported day); days before ``open_date`` count 0.
    Returns a float Series on the daily DatetimeIndex (empty when end < start).
    """
    idx = pd.date_range(pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize(), freq="D")
    s = _as_series(balances)
    if len(idx) == 0:
        return pd.Series(dtype="float64", index=idx)
    full = s.reindex(s.index.union(idx)).ffill()
    if fill_leading:
        full = full.bfill()
    out = full.reindex(idx).fillna(0.0)
    if open_date is not None and not pd.isna(open_date):
        out[out.index < pd.Timestamp(open_date).normalize()] = 0.0
    return out


def daily_average(balances: Any, start: Any = None, end: Any = None) -> float:
    """日均 = Σ daily balances from ``start`` to ``end`` / calendar days (SCENARIOS.md §0.3, §7).

    ``balances``: Series indexed by date / DataFrame (date, balance) — forward-filled over missing days,
    days before the first balance count 0 — or a plain sequence of numbers taken as consecutive days
    (NaN = previous day's value). ``start``/``end`` default to the first/last date. Example (§8): 500, 1000,
    0, 0, 0 -> 300. Returns NaN for an empty period.
    """
    if not isinstance(balances, (pd.Series, pd.DataFrame)):
        arr = pd.Series(np.asarray(balances, dtype="float64")).ffill().fillna(0.0)
        return float(arr.mean()) if len(arr) else float("nan")
    s = _as_series(balances)
    if start is None:
        start = s.index.min()
    if end is None:
        end = s.index.max()
    if start is None or pd.isna(start) or pd.isna(end):
        return float("nan")
    days = daily_balances(s, start, end)
    return float(days.sum() / len(days)) if len(days) else float("nan")


def factor_shares(factors: pd.DataFrame, weights: Mapping[str, float]) -> tuple[pd.DataFrame, dict[str, float]]:
    """Factor shares s_{k,i} and the combined share Σ_k w_k·s_{k,i} (SCENARIOS.md D5).

    ``factors``: one row per org, columns = the keys of ``weights`` (missing column/NaN/negative -> 0).
    Returns (shares frame with one column per factor plus ``combined``, the effective weights): a factor
    that sums to 0 gets weight 0 and its weight is spread over the others in proportion to theirs; with
    no usable factor, ``combined`` is an equal split.
    """
    out = pd.DataFrame(index=factors.index)
    usable = {}
    for k, w in weights.items():
        v = pd.to_numeric(factors[k], errors="coerce") if k in factors.columns else pd.Series(0.0, index=factors.index)
        v = v.astype("float64").fillna(0.0).clip(lower=0.0)
        tot = v.sum()
        out[k] = v / tot if tot > 0 else 0.0
        usable[k] = float(w) if tot > 0 and w > 0 else 0.0
    wsum = sum(usable.values())
    eff = {k: (w / wsum if wsum > 0 else 0.0) for k, w in usable.items()}
    if wsum > 0:
        out["combined"] = sum(out[k] * eff[k] for k in eff)
    else:
        out["combined"] = 1.0 / len(out) if len(out) else 0.0
    return out, eff


def reach_label(r, current, a, n, d, covered=True, factor=2.0) -> str:
    """可达性 of one org for one span — the single rule used by the report and the D5 template.

    ``r`` R (所需日均; at d >= n the actual average), ``current`` 当前余额, ``a`` A*, ``n`` N, ``d`` d,
    ``covered`` whether the daily balances reach back to the span start, ``factor`` 不可达倍数. Labels:
    d >= n: 已达成 (r >= a) / 未达成(期已结束); else R <= 当前余额: 当前余额已满足; 当前余额 <= 0 (or missing) or
    R > factor × 当前余额: 基本不可达; otherwise 需提升. Not covered: 日余额未覆盖期初, 无法计算; r or a missing: —.
    """
    if not covered:
        return "日余额未覆盖期初, 无法计算"
    if d >= n:
        return REACHED if r >= a else NOT_REACHED
    if pd.isna(r) or pd.isna(a):
        return "—"
    if not pd.isna(current) and r <= current:
        return SATISFIED
    if pd.isna(current) or current <= 0 or r > factor * current:
        return UNREACHABLE
    return RAISE
