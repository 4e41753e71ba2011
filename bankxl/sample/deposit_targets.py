"""Sample ``deposit_targets`` (存款目标): the bank's 各项存款日均 target and one row per 支行 to decompose (D5)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..tax import round_half_up
from ._common import ROOT_ID, _finish


def _make_targets(rng, orgs: pd.DataFrame, level0: np.ndarray, as_of: np.datetime64) -> pd.DataFrame:
    """Row ``ROOT_ID`` (全行 target = Σ prior-year outlet averages × 1.08 rounded to 万元) and one row per 支行
    (上年日均, 上年日均增量 — negative for two —, 市场潜力, 人数; target empty). ``level0``: the outlets' 1 January
    balance levels from :func:`.org_daily_balances._make_balances`; ``rng`` continues that generator's stream."""
    outlets = orgs[orgs["level"] == "支行"].reset_index(drop=True)
    k = len(outlets)
    year = int(as_of.astype("datetime64[Y]").astype(np.int64) + 1970)
    staff = outlets["staff_count"].to_numpy(dtype=float)
    # prior-year averages consistent with the January level
    g_prev = rng.normal(0.07, 0.05, k)
    prior_avg = round_half_up(level0 * (1 - 0.45 * g_prev))
    g24 = rng.normal(0.06, 0.06, k)
    if k >= 2:
        neg = rng.choice(k, size=2, replace=False)
        g24[neg] = -rng.uniform(0.02, 0.08, 2)
    prior_inc = round_half_up(prior_avg * (1 - 1 / (1 + g24)))
    potential = np.round(prior_avg * rng.uniform(0.05, 0.5, k), -4)
    total = float(round_half_up(prior_avg.sum()))
    p_start = np.datetime64(f"{year}-01-01", "D")
    p_end = np.datetime64(f"{year}-12-31", "D")
    nrow = k + 1
    targets = _finish(
        "deposit_targets",
        {
            "org_id": np.concatenate([[ROOT_ID], outlets["org_id"].to_numpy(dtype=object)]).astype(object),
            "metric": np.full(nrow, "各项存款日均", dtype=object),
            "period_start": np.full(nrow, p_start),
            "period_end": np.full(nrow, p_end),
            "target": np.concatenate([[round(total * 1.08, -4)], np.full(k, np.nan)]),
            "base": np.concatenate([[total], prior_avg]),
            "prior_avg": np.concatenate([[np.nan], prior_avg]),
            "prior_increment": np.concatenate([[np.nan], prior_inc]),
            "potential": np.concatenate([[np.nan], potential]),
            "staff_count": pd.array([pd.NA] + [int(x) for x in staff], dtype="Int64"),
        },
    )
    return targets
