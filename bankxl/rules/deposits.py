"""A customer's 存款月日均 from 客户月度存款 (``customer_monthly``): ONE definition for C1 网贷白名单, C5 ETC 客户,
C6 按揭客户交叉营销, C7 助学贷款, C8 征信挖掘 and C10 提额.

* :func:`latest_deposit` — the latest month's 存款月日均 per 客户号 (optionally summed per person);
* :func:`mean_deposit` — the mean of 存款月日均 over the last N months per 客户号 (缺月不补 0).

The rule (the same in both):

* **A month after the data date is not "latest"** and is never in a window: a row counts when its 月份 is the
  data date's month or earlier (months compared as year × 12 + month, so a 月份 stamped on any day of its month
  counts as that month). A row without 月份 or without 客户号 (missing or blank) belongs to nobody.
* **Unknown stays blank, never 0**: a blank 存款月日均 in the latest month is a blank result (the month before is
  not used instead); a person's sum is blank when any of his 客户号's latest value is blank; a mean is over the
  months whose value is known (a missing or blank month is left out, not counted as 0) and blank when none is.
* **A repeated (客户号, 月份)** counts once: its last row in the table, as the loader keeps the last row of a
  duplicate key (DUP_KEY, ``customer_monthly``'s key is 客户号 + 月份). Loaded files never hold one; a frame handed
  to the Python API may.

Input: the typed ``customer_monthly`` table — a conformed pandas frame, or the table read through DuckDB
(:class:`bankxl.engine.inputs.DuckTable`): only 客户号 as integer codes, 月份 and 存款月日均 are read, through
:func:`bankxl.frames.coded_columns` (on a DuckTable computed in DuckDB: the 客户号 text per row never comes to
pandas; a frame's 客户号 are trimmed first, :func:`bankxl.frames.stripped`, a no-op on loaded data).
Vectorised: the latest row per 客户号 is one ``np.maximum.at`` on (month × rows + row) keyed by the 客户号 code;
sums and counts are ``np.bincount`` on the codes. Both functions return None when the table is absent, empty,
or holds no 存款月日均 at all (the factor is not computed: the caller says 未计算, never 0).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..frames import coded_columns, stripped

__all__ = ["latest_deposit", "mean_deposit"]


def _month_rows(monthly: Any, as_of: pd.Timestamp):
    """``(codes, keys, month index, 存款月日均, data date's month index)`` of ``monthly``, or None when it is
    absent, empty or holds no 存款月日均. Month index = year × 12 + month − 1 (-1 for a row without 月份)."""
    if monthly is None or not len(monthly):
        return None
    if isinstance(monthly, pd.DataFrame):  # a frame handed to the Python API may hold untrimmed 客户号
        monthly = monthly.assign(cust_id=stripped(monthly["cust_id"]))
    c = coded_columns(monthly, "cust_id", ["month", "dep_avg"])
    v = c.frame["dep_avg"].to_numpy(dtype="float64", na_value=np.nan)
    if np.isnan(v).all():
        return None
    mc, mu = pd.factorize(pd.to_datetime(c.frame["month"]))  # a dozen distinct months, not one per row
    mi = pd.DatetimeIndex(mu)
    k = np.append((mi.year * 12 + mi.month - 1).to_numpy(dtype=np.int64), -1)[mc]  # NaT (code -1) -> -1
    return c.codes, c.keys, k, v, as_of.year * 12 + as_of.month - 1


def latest_deposit(monthly: Any, as_of: pd.Timestamp, who: Any = None) -> pd.Series | None:
    """The latest month's 存款月日均 (元) per 客户号, or summed per person.

    ``monthly``: typed 客户月度存款 (pandas frame or DuckTable; columns cust_id, month, dep_avg); ``as_of``: the
    data date; ``who``: None (one result per 客户号) or a :class:`bankxl.rules.identity.Persons`
    (``who.of``: 客户号 -> the 客户号 standing for the person) to sum the person's 客户号.
    Per 客户号 the latest month up to the data date's month is taken (its last row if repeated) and its
    存款月日均; per person these are summed — blank when any of them is blank (module docstring).
    Returns a float64 Series indexed by the 客户号 / person keys that have a row up to the data date (``string``
    Index ``cust_id``, sorted; NaN = that latest value unknown) — a key absent from the index has no row; None
    when the table is absent, empty or holds no 存款月日均.
    """
    got = _month_rows(monthly, as_of)
    if got is None:
        return None
    codes, keys, k, v, idx = got
    r = np.flatnonzero((codes >= 0) & (k >= 0) & (k <= idx))
    n = max(len(codes), 1)
    best = np.full(len(keys), -1, dtype=np.int64)
    np.maximum.at(best, codes[r], k[r] * n + r)  # the latest month first, then the last row of that month
    have = best >= 0
    val = v[best[have] % n]
    ids = keys[have]
    if who is None:
        return pd.Series(val, index=pd.Index(ids, dtype="string", name="cust_id"), dtype="float64")
    pc, pk = pd.factorize(who.of(pd.Series(ids, dtype="string")), sort=True)  # person of each 客户号
    ok = pc >= 0
    unknown = np.isnan(val)
    total = np.bincount(pc[ok], weights=np.where(unknown, 0.0, val)[ok], minlength=len(pk))
    blank = np.bincount(pc[ok], weights=unknown[ok].astype(np.float64), minlength=len(pk)) > 0
    return pd.Series(np.where(blank, np.nan, total), index=pd.Index(pk, dtype="string", name="cust_id"),
                     dtype="float64")


def mean_deposit(monthly: Any, as_of: pd.Timestamp, months: int) -> pd.Series | None:
    """The mean of 存款月日均 (元) per 客户号 over the last ``months`` months up to the data date's month (that
    month and the ``months`` − 1 before it), over the months whose value is known (缺月不补 0; a repeated month
    counts once: its last row).

    ``monthly``: typed 客户月度存款 (pandas frame or DuckTable; cust_id, month, dep_avg); ``months`` ≥ 1.
    Returns a float64 Series indexed by the 客户号 with a row in the window (``string`` Index ``cust_id``,
    sorted; NaN = every such month blank); None when the table is absent, empty or holds no 存款月日均.
    Raises ValueError when ``months`` < 1.
    """
    if int(months) < 1:
        raise ValueError(f"months must be at least 1, not {months!r}")
    got = _month_rows(monthly, as_of)
    if got is None:
        return None
    codes, keys, k, v, idx = got
    w = int(months)
    r = np.flatnonzero((codes >= 0) & (k > idx - w) & (k <= idx))
    last = np.full(len(keys) * w, -1, dtype=np.int64)
    np.maximum.at(last, codes[r] * w + (k[r] - (idx - w + 1)), r)  # one row per (客户号, month): its last
    keep = np.zeros(len(codes), dtype=bool)
    keep[last[last >= 0]] = True
    rows = np.flatnonzero(keep)  # in row order: the sums add as the rows come
    c, x = codes[rows], v[rows]
    known = ~np.isnan(x)
    total = np.bincount(c[known], weights=x[known], minlength=len(keys))
    count = np.bincount(c[known], minlength=len(keys))
    present = np.bincount(c, minlength=len(keys)) > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return pd.Series(mean[present], index=pd.Index(keys[present], dtype="string", name="cust_id"), dtype="float64")
