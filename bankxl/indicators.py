"""Indicator rules shared by scenarios and worksheet formulas (pure numpy; no Excel, no files).

* D3 存款流失状态 (SCENARIOS.md D3): :func:`churn_state`.

The E1 商户四级预警 rule (``merchant_drop`` / ``merchant_level``, shared by the E1 scenario and the
BANKXL_MERCHANT_* formulas) lives in :mod:`bankxl.rules.merchants`.

The Excel formulas in ``bankxl.xl.udfs`` are thin wrappers over these.
Thresholds are the SCENARIOS.md defaults (【假设】: no industry standard).
"""
from __future__ import annotations

import numpy as np

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
