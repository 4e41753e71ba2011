"""Sample ``blacklist`` (黑名单) for C1 线上贷款白名单 (issue 13): the bank's blacklist merged with the court's
失信被执行人 list — one row per person: ≈1.5% of the customers plus as many people outside the bank; 来源 失信被执行人
60% / 本行黑名单 40%; ≈10% 已移出 (not counted); ≈10% of IDs in the 15-digit form. Own random stream.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import _names
from .etc_signups import _ids


def _make_blacklist(rng, customers: pd.DataFrame, as_of: np.datetime64) -> dict:
    """The list's columns (dict of arrays, ``blacklist`` column ids); see the module docstring."""
    own = np.flatnonzero(rng.random(len(customers)) < 0.015)
    n_new = len(own)
    new_id, male = _ids(rng, n_new, as_of)
    ids = np.concatenate([customers["id_no"].to_numpy(dtype=object)[own], new_id])
    name = np.concatenate([customers["cust_name"].to_numpy(dtype=object)[own], _names(rng, male)])
    k = len(ids)
    s = pd.Series(ids, dtype=object).astype(str)
    old = (rng.random(k) < 0.10) & s.str.slice(6, 8).eq("19").to_numpy()
    ids = np.where(old, s.str.slice(0, 6) + s.str.slice(8, 17), ids)
    return {
        "cust_name": name, "id_no": ids,
        "source": np.where(rng.random(k) < 0.6, "失信被执行人", "本行黑名单").astype(object),
        "list_date": as_of - rng.integers(30, 2000, k).astype("timedelta64[D]"),
        "status": np.where(rng.random(k) < 0.10, "已移出", "有效").astype(object),
        "as_of": np.full(k, as_of, dtype="datetime64[D]"),
    }
