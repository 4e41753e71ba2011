"""Sample ``customer_monthly`` (客户月度存款): monthly averages and month-end deposits per customer."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import _DAY, _months_back


def _make_monthly(rng, cust: dict, wealth: np.ndarray, td: dict, wm: np.ndarray, as_of: np.datetime64) -> dict:
    """12 months of 客户月度存款 up to the as-of month, consistent with ``time_deposits``: 定期日均 = Σ balance ×
    days held in the month / days of the month (the as-of month: days up to as-of); 月末余额 = 定期 held at
    month end + 活期; 入账 − 出账 = change of 月末余额 (the month before the first included)."""
    n = len(cust["cust_id"])
    k = 13
    ms = _months_back(as_of, k)
    me = np.minimum((ms.astype("datetime64[M]") + 1).astype("datetime64[D]"), as_of + 1)
    days = ((me - ms) / _DAY).astype(np.float64)
    tci = pd.Index(cust["cust_id"]).get_indexer(pd.Index(td["cust_id"], dtype=object)) if len(td["cust_id"]) \
        else np.zeros(0, np.int64)
    val = np.asarray(td["value_date"], dtype="datetime64[D]")
    bal = np.asarray(td["balance"], dtype=np.float64)
    td_avg = np.zeros((n, k))
    td_eom = np.zeros((n, k))
    for j in range(k):
        held = ((me[j] - np.maximum(ms[j], val)) / _DAY).clip(0).astype(np.float64)
        td_avg[:, j] = np.bincount(tci, bal * held, minlength=n) / days[j]
        td_eom[:, j] = np.bincount(tci, bal * (val < me[j]), minlength=n)
    base = np.exp(np.log(15_000) + np.clip(wealth, -3, 3) + 0.5 * rng.normal(0, 1, n))
    walk = np.exp(np.cumsum(rng.normal(0.0, 0.08, (n, k)), axis=1))
    dd_avg = np.round(base[:, None] * walk, 2)
    dd_eom = np.round(dd_avg * np.exp(rng.normal(0, 0.1, (n, k))), 2)
    wm_bal = np.round(wm[:, None] * np.exp(np.cumsum(rng.normal(0, 0.03, (n, k)), axis=1)), 2)
    eom = np.round(td_eom + dd_eom, 2)
    delta = np.round(np.diff(eom, axis=1), 2)  # (n, 12)
    inc = np.exp(np.log(6000) + 0.5 * rng.normal(0, 1, n) + 0.3 * np.clip(wealth, -2, 2))
    inc = np.where(cust["payroll_flag"].astype(bool), inc * 1.5, inc)
    inflow = np.round(inc[:, None] * rng.uniform(0.8, 1.3, (n, k - 1)), 2)
    inflow = np.round(np.maximum(inflow, delta + np.round(0.1 * inflow, 2)), 2)
    outflow = np.round(inflow - delta, 2)
    sl = slice(1, k)
    rows = n * (k - 1)
    return {
        "cust_id": np.repeat(cust["cust_id"], k - 1),
        "month": np.tile(ms[sl], n),
        "dep_avg": np.round(td_avg[:, sl] + dd_avg[:, sl], 2).ravel(),
        "dep_eom": eom[:, sl].ravel(),
        "td_avg": np.round(td_avg[:, sl], 2).ravel(),
        "dd_avg": dd_avg[:, sl].ravel(),
        "wm_bal": wm_bal[:, sl].ravel(),
        "inflow": inflow.ravel(),
        "outflow": outflow.ravel(),
        "org_id": np.repeat(cust["org_id"], k - 1) if rows else np.array([], dtype=object),
        "mgr_id": np.repeat(cust["mgr_id"], k - 1) if rows else np.array([], dtype=object),
    }, dd_eom[:, -1]
