"""E1 computation: levels of every month, 临界, churn (SCENARIOS.md E1, §0.5, §0.7).

Vectorised: merchants are integer codes (rows), months are columns; no Python over merchants or months.
The merchants × months matrices are :mod:`bankxl.rules.merchant_data`'s (shared with E2 and C4; months before
入网 known zero, missing months unknown unless ``missing_as_zero``); the level rule, seasonal merchants on
去年同期 included, is :mod:`bankxl.rules.merchants` (shared with C4 and the BANKXL_MERCHANT_LEVEL formula).
This module adds what only the scenario knows: 注销 status, 入网日期 (新商户观察期), days without a transaction
(最近交易日), the 临界 rules and the annual churn rate.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ....rules.merchant_data import MerchantMonths, closed_merchants, known_volumes, month_ends
from ....rules.merchants import MERCHANT_LEVELS, NEW_LEVEL, is_seasonal, month_levels

NORMAL, L1, L2, L3, L4 = MERCHANT_LEVELS
NEW, NO_DATA, CLOSED, NOT_OPEN = NEW_LEVEL, "数据不足", "已注销", "未入网"
#: every state of a merchant at a month end, in the order of every table
STATES = (NORMAL, L1, L2, L3, L4, NEW, NO_DATA, CLOSED, NOT_OPEN)
#: the warned levels, most severe first (the levels of 预警名单)
WARNED = (L4, L3, L2, L1)


@dataclass
class Result:
    """Per merchant (index 商户号): everything the report shows. ``frame`` columns: state (current), prev
    (last month), level (the rule's level before 注销/观察期/数据不足), r, base, cur (元/day), basis (前N月 /
    去年同期), seasonal, yoy_fallback, streak_n, idle (days, NaN unknown), idle_exact, loss (元), near_edge,
    next_level, gap, slope, declining, active_start, new_in_year, lost, org_id, mch_name, mcc … (attrs).
    ``levels``: state per merchant and month (object n × m) for the trend; ``amount`` per month."""

    frame: pd.DataFrame
    months: pd.PeriodIndex
    states: np.ndarray
    amount: np.ndarray
    churn: dict
    info: dict


def compute(mx: MerchantMonths, p, ctx) -> Result:
    """Levels, 临界 and churn of every merchant (SCENARIOS.md E1; ``mx``:
    :func:`bankxl.rules.merchant_data.merchant_months`; ``p``: E1's params)."""
    n, m = mx.amt.shape
    as_of = ctx.as_of
    ends = pd.DatetimeIndex(month_ends(mx.months, as_of))
    attrs = mx.attrs
    open_date = attrs["open_date"].to_numpy(dtype="datetime64[ns]")
    amt, cnt, before_open = known_volumes(mx, as_of, p.missing_as_zero)
    seasonal = is_seasonal(attrs["mcc"], attrs["mch_name"], p)
    lv = month_levels(amt, cnt, mx.months, as_of, seasonal, p)
    known, has_txn, no_txn = lv.known, lv.has_txn, lv.no_txn
    days, daily, base, fallback, rule, r = lv.days, lv.daily, lv.base, lv.fallback, lv.levels, lv.r

    # what the scenario knows on top of the rule, month by month
    state = np.where(rule == None, NO_DATA, rule).astype(object)  # noqa: E711 - elementwise on an object array
    new = (ends.to_numpy()[None, :] < (pd.DatetimeIndex(open_date) + pd.DateOffset(months=p.new_months))
           .to_numpy()[:, None]) & ~before_open
    state = np.where(new, NEW, state)
    state = np.where(before_open & ~mx.row, NOT_OPEN, state)

    # days without a transaction at the data date: 最近交易日 when given, else from the months — a lower bound:
    # the trailing months known to have no transaction (a month with one, or an unknown month, ends the run)
    t = m - 1
    trail = np.where(no_txn.all(axis=1), m, np.argmin(no_txn[:, ::-1], axis=1))
    start = mx.months[0].to_timestamp() - pd.Timedelta(days=1)
    before = np.where(trail >= m, start.to_datetime64(), ends.to_numpy()[np.clip(t - trail, 0, t)])
    lb = np.where(trail > 0, (as_of.to_datetime64() - before) / np.timedelta64(1, "D"),
                  np.where(has_txn[:, t], 0.0, np.nan))
    last_txn = attrs["last_txn_date"].to_numpy(dtype="datetime64[ns]")
    exact = (as_of.to_datetime64() - last_txn) / np.timedelta64(1, "D")
    idle = np.where(np.isfinite(exact), exact, lb) if m else np.full(n, np.nan)
    idle_exact = np.isfinite(exact)
    closed = closed_merchants(attrs, p.closed_status)
    cur = state[:, t].copy() if m else np.full(n, NO_DATA, dtype=object)
    idle4 = (idle >= p.idle_days) & (np.isin(cur, [NORMAL, L1, L2, L3, L4]) | ((cur == NO_DATA) & idle_exact))
    cur = np.where(idle4, L4, cur)
    cur = np.where(closed, CLOSED, cur)
    prev = state[:, t - 1] if m >= 2 else np.full(n, NO_DATA, dtype=object)
    if m:
        state[:, t] = cur

    # streak length: months running (up to now) with r ≥ streak_drop
    hit = np.nan_to_num(r, nan=-np.inf) >= p.streak_drop
    run = np.zeros(n, dtype=np.int64)
    if m:
        stop = np.argmin(hit[:, ::-1], axis=1)
        run = np.where(hit[:, ::-1].all(axis=1), m, stop)

    # 临界: r within near_gap below the next edge (正常/一级/二级), or 正常 and falling over the last 3 months
    edges = np.array([float(e) for e in p.drop_edges])
    r_t = r[:, t] if m else np.full(n, np.nan)
    lvl_i = np.select([cur == NORMAL, cur == L1, cur == L2], [0, 1, 2], default=-1)
    nxt = np.where(lvl_i >= 0, edges[np.clip(lvl_i, 0, 2)], np.nan)
    gap = np.round(nxt - r_t, 12)
    near_edge = (lvl_i >= 0) & np.isfinite(gap) & (gap > 0) & (gap <= p.near_gap)
    next_level = np.where(lvl_i >= 0, np.array(MERCHANT_LEVELS, dtype=object)[np.clip(lvl_i + 1, 1, 4)], None)
    slope = np.full(n, np.nan)
    if m >= 3:
        w = daily[:, t - 2:t + 1]
        mean = w.mean(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            slope = np.where(mean > 0, (w[:, 2] - w[:, 0]) / 2 / np.where(mean > 0, mean, 1), np.nan)
    declining = (cur == NORMAL) & ~seasonal & np.isfinite(slope) & (slope <= -p.near_slope) & (slope < 0)

    churn, churn_flags = _churn(mx, has_txn, known, open_date, idle, closed, p, as_of)
    loss = np.where(np.isfinite(base[:, t]) & np.isfinite(daily[:, t]),
                    np.clip(base[:, t] - daily[:, t], 0, None) * days[t], np.nan) if m else np.full(n, np.nan)
    frame = pd.DataFrame({
        "state": pd.array(cur, dtype="string"), "prev": pd.array(prev, dtype="string"),
        "r": r_t, "base": base[:, t] if m else np.nan, "cur": daily[:, t] if m else np.nan,
        "amount": amt[:, t] if m else np.nan, "count": cnt[:, t] if m else np.nan, "loss": loss,
        "basis": np.where(seasonal & ~(fallback[:, t] if m else False), "去年同期", f"前{p.base_months}月"),
        "seasonal": seasonal, "yoy_fallback": fallback[:, t] if m else False, "streak_n": run,
        "idle": idle, "idle_exact": idle_exact, "closed": closed,
        "near_edge": near_edge, "next_level": pd.array(next_level, dtype="string"), "gap": gap, "slope": slope,
        "declining": declining, **churn_flags,
    }, index=mx.ids)
    frame = frame.join(attrs)
    info = {"future": mx.future, "ends": ends, "rows": int(mx.row.sum()),
            "unknown_months": int((~known & ~before_open).sum()), "fallback": int(frame["yoy_fallback"].sum())}
    return Result(frame, mx.months, state, amt, churn, info)


def _churn(mx: MerchantMonths, has_txn: np.ndarray, known: np.ndarray, open_date: np.ndarray, idle: np.ndarray,
           closed: np.ndarray, p, as_of: pd.Timestamp) -> tuple[dict, dict]:
    """年度商户流失率 (SCENARIOS.md E1【S15】) for the data date's year up to the data date: 年内流失 / (年初活跃
    + 新增). 年初活跃 = a transaction in the ceil(exit_days / 30) months before 1 January; 新增 = 入网 in the
    year (入网日期 unknown: the data hold those months without a transaction, and one in the year); merchants
    whose start the data do not show are left out (``unknown``); 流失 = 注销 or ≥ ``exit_days`` days
    without a transaction at the data date. Not computed (None) when the data do not reach those months."""
    n, m = has_txn.shape
    y0 = pd.Period(f"{as_of.year}-01", freq="M")
    k = int(np.ceil(p.exit_days / 30))
    pos = np.array([(y0 - i - mx.months[0]).n for i in range(k, 0, -1)]) if m else np.array([], dtype=int)
    empty = {"active_start": np.full(n, False), "new_in_year": np.full(n, False), "lost": np.full(n, False),
             "in_churn": np.full(n, False)}
    if not m or pos.min() < 0:
        return {"rate": None, "start": k, "y0": y0, "reason": f"数据未覆盖 {y0 - k} 至 {y0 - 1}"}, empty
    pre = has_txn[:, pos]
    active = pre.any(axis=1)
    in_year = np.asarray(mx.months >= y0)
    od = pd.DatetimeIndex(open_date)
    opened = np.asarray((od >= y0.to_timestamp()) & (od <= as_of), dtype=bool)
    no_date = np.asarray(od.isna(), dtype=bool)
    earlier = has_txn[:, :pos.max() + 1].any(axis=1)
    seen = known[:, pos].all(axis=1)  # without 入网日期 a merchant is new only when the data show it idle before
    new = np.where(no_date, seen & ~earlier & has_txn[:, in_year].any(axis=1), opened) & ~active
    pop = active | new
    lost = pop & (closed | (np.nan_to_num(idle, nan=-1) >= p.exit_days))
    flags = {"active_start": active, "new_in_year": new, "lost": lost, "in_churn": pop}
    n_pop = int(pop.sum())
    unknown = int((~pop & ~seen & ~np.asarray(od > as_of, dtype=bool)).sum())  # start not shown by the data
    return {"rate": (lost.sum() / n_pop) if n_pop else None, "start": k, "y0": y0, "active": int(active.sum()),
            "unknown": unknown,
            "new": int(new.sum()), "lost": int(lost.sum()), "population": n_pop,
            "reason": "" if n_pop else "年初无活跃商户且年内无新增"}, flags
