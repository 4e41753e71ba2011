"""Sample ``org_daily_balances`` (机构日余额): one row per 支行 and calendar day."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..tax import round_half_up
from ._common import _DAY, _chuxi, _finish, _month_end


def _make_balances(rng, orgs: pd.DataFrame, as_of: np.datetime64) -> tuple[pd.DataFrame, np.ndarray]:
    """``org_daily_balances``: 各项存款 per 支行 and calendar day from 1 January of the as-of year to ``as_of``
    (元; trend, Spring Festival, AR(1) noise, month/quarter-end spikes). Also returns each outlet's
    1 January level (元, float64, one per 支行 in ``orgs`` order), which :mod:`.deposit_targets` continues from."""
    outlets = orgs[orgs["level"] == "支行"].reset_index(drop=True)
    k = len(outlets)
    year = int(as_of.astype("datetime64[Y]").astype(np.int64) + 1970)
    start = np.datetime64(f"{year}-01-01", "D")
    days = np.arange(start, as_of + 1, dtype="datetime64[D]")
    t = len(days)
    staff = outlets["staff_count"].to_numpy(dtype=float)
    level0 = staff * 6e7 * rng.lognormal(0, 0.3, k)  # 1 January level, 元
    g = rng.normal(0.08, 0.05, k)  # growth over the year
    # share of the year's growth reached by each day: Q1 40%, Q2 25%, Q3 20%, Q4 15%
    doy = (days - start) / _DAY
    ylen = 366 if (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)) else 365
    qstart = np.array([0, 90, 181, 273, ylen], dtype=float)
    qshare = np.array([0, 0.40, 0.65, 0.85, 1.0])
    frac = np.interp(doy, qstart, qshare)
    trend = level0[:, None] * (1 + g[:, None] * frac[None, :])
    # Spring Festival: personal deposits rise in the 3 weeks before 除夕, ebb over the 2 weeks after
    eve = _chuxi(year)
    rel = (days - eve) / _DAY
    sf = np.where(
        (rel >= -21) & (rel <= 0),
        0.03 * (rel + 21) / 21,
        np.where((rel > 0) & (rel <= 14), 0.03 * (14 - rel) / 14, 0.0),
    )
    sf_amp = rng.uniform(0.5, 1.5, k)
    # AR(1) noise
    e = np.zeros((k, t))
    shocks = rng.normal(0, 0.004, (k, t))
    for j in range(1, t):
        e[:, j] = 0.9 * e[:, j - 1] + shocks[:, j]
    # period-end spikes
    me = days == _month_end(days)
    qe = me & np.isin(days.astype("datetime64[M]").astype(np.int64) % 12, (2, 5, 8, 11))
    spike = np.where(
        qe[None, :],
        rng.uniform(0.05, 0.08, (k, t)),
        np.where(me[None, :], rng.uniform(0.02, 0.045, (k, t)), 0.0),
    )
    pre = np.roll(me, -1) & ~me
    pre[-1] = False
    spike = spike + np.where(pre[None, :], rng.uniform(0.003, 0.01, (k, t)), 0.0)
    bal = trend * (1 + sf_amp[:, None] * sf[None, :] + e + spike)
    bal = round_half_up(np.maximum(bal, 1.0))
    balances = _finish(
        "org_daily_balances",
        {
            "date": np.tile(days, k),
            "org_id": np.repeat(outlets["org_id"].to_numpy(dtype=object), t),
            "balance": bal.ravel(),
            "metric": np.full(k * t, "各项存款", dtype=object),
        },
    )
    return balances, level0
