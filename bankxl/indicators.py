"""Indicator rules shared by scenarios and worksheet formulas (pure numpy; no Excel, no files).

* D3 存款流失状态 (SCENARIOS.md D3): :func:`churn_state`.
* E1 商户四级预警 (SCENARIOS.md E1): :func:`merchant_drop`, :func:`merchant_level`.

The Excel formulas in ``bankxl.xl.udfs`` are thin wrappers over these; the D3/E1 scenarios use them too.
Thresholds are the SCENARIOS.md defaults (【假设】: no industry standard).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

CHURN_STATES = ("稳定", "轻度流失", "重度流失", "已流失")


def churn_state(base, current, min_base: float = 10_000.0, lost_below: float = 1_000.0) -> np.ndarray:
    """D3 存款流失状态 from a baseline and a current balance (元), vectorised.

    drop = 1 − current/base; 稳定 drop < 20% · 轻度流失 20–50% · 重度流失 50–90% · 已流失 drop ≥ 90% or
    current < ``lost_below`` (1,000 元). Bounds are inclusive upward (drop = 20% is 轻度). Only baselines
    ≥ ``min_base`` (1 万元, SCENARIOS.md D3【假设】) are assessed: others give ``不评估``; missing -> None.
    Negative balances are clipped to 0 (D3 边界). Returns an object array of labels.
    """
    b = np.clip(np.asarray(base, dtype="float64"), 0, None)
    c = np.clip(np.asarray(current, dtype="float64"), 0, None)
    b, c = np.broadcast_arrays(b, c)
    with np.errstate(divide="ignore", invalid="ignore"):
        drop = np.round(1 - c / b, 12)  # 1 - 80,000/100,000 must be exactly 20% (轻度), not 19.999…%
    out = np.full(b.shape, None, dtype=object)
    ok = ~np.isnan(b) & ~np.isnan(c)
    out[ok & (b < min_base)] = "不评估"
    judge = ok & (b >= min_base)
    idx = np.searchsorted([0.2, 0.5, 0.9], np.where(judge, drop, 0), side="right")
    labels = np.array(CHURN_STATES, dtype=object)[idx]
    labels = np.where(c < lost_below, "已流失", labels)
    out[judge] = labels[judge]
    return out


MERCHANT_LEVELS = ("正常", "一级", "二级", "三级", "四级")


def _month_days(last_month: pd.Timestamp | None, k: int) -> np.ndarray:
    """Days of the k consecutive months ending with ``last_month`` (30 each when unknown)."""
    if last_month is None:
        return np.full(k, 30.0)
    end = pd.Period(last_month, freq="M")
    return np.array([(end - (k - 1 - i)).days_in_month for i in range(k)], dtype="float64")


def merchant_drop(volumes, last_month: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """E1 下降率 per merchant: r = 1 − A_t / B, where A_t = this month's volume / its days and B = mean daily
    volume of the 3 months before (each month divided by its own days, so February and 31-day months
    compare fairly). ``volumes``: 2-D (merchants × months, oldest first, the last column is the current
    month, at least 4 columns); ``last_month``: any date in the current month (None: 30-day months).
    Returns (r of the current month, r of the month before — NaN unless ≥ 5 columns); B ≤ 0 -> NaN."""
    v = np.asarray(volumes, dtype="float64")
    if v.ndim == 1:
        v = v.reshape(1, -1)
    k = v.shape[1]
    if k < 4:
        raise ValueError("商户交易额至少需要 4 个月(前 3 个月 + 当月), 每月一列, 最早的在左")
    daily = v / _month_days(pd.Timestamp(last_month) if last_month is not None else None, k)

    def r_at(t: int) -> np.ndarray:
        b = daily[:, t - 3:t].mean(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.round(np.where(b > 0, 1 - daily[:, t] / np.where(b > 0, b, 1), np.nan), 12)

    prev = r_at(k - 2) if k >= 5 else np.full(v.shape[0], np.nan)
    return r_at(k - 1), prev


def merchant_level(volumes, last_month: Any = None) -> np.ndarray:
    """E1 商户四级预警 (SCENARIOS.md E1 table, defaults 【假设】): 四级(沉睡) = current month volume 0;
    三级 r ≥ 80%; 二级 50% ≤ r < 80% or r ≥ 30% two months running; 一级 30% ≤ r < 50%; 正常 r < 30%;
    baseline 0 -> 观察期 (new merchant). ``volumes``/``last_month`` as in :func:`merchant_drop`. Returns an
    object array of labels (None where the current month is blank)."""
    v = np.asarray(volumes, dtype="float64")
    if v.ndim == 1:
        v = v.reshape(1, -1)
    r, prev = merchant_drop(v, last_month)
    idx = np.searchsorted([0.3, 0.5, 0.8], np.nan_to_num(r, nan=0.0), side="right")
    idx = np.where((idx == 1) & (prev >= 0.3), 2, idx)  # 连续 2 月 r ≥ 30% -> 二级
    out = np.array(MERCHANT_LEVELS, dtype=object)[idx]
    out = np.where(np.isnan(r), "观察期", out)
    cur = v[:, -1]
    out = np.where(cur == 0, "四级", out)
    out = np.where(np.isnan(cur), None, out)
    return out.astype(object)
