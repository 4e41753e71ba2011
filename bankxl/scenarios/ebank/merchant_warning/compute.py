"""E1 computation: merchants × months matrices, levels of every month, 临界, churn (SCENARIOS.md E1, §0.5, §0.7).

Vectorised: merchants are integer codes (rows), months are columns; no Python over merchants or months.
The level rule itself is :mod:`bankxl.rules.merchants` (shared with the BANKXL_MERCHANT_LEVEL formula); this
module adds what only the scenario knows: 注销 status, 入网日期 (新商户观察期, months before 入网 are known
zero), missing months (unknown unless ``missing_as_zero``), seasonal merchants on 去年同期, days without a
transaction (最近交易日), the 临界 rules and the annual churn rate.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ....rules.merchants import MERCHANT_LEVELS, NEW_LEVEL, baseline, daily_average, month_days, warning_levels
from ....rules.transactions import has_pattern
from ....tables import MERCHANT_COLUMNS

NORMAL, L1, L2, L3, L4 = MERCHANT_LEVELS
NEW, NO_DATA, CLOSED, NOT_OPEN = NEW_LEVEL, "数据不足", "已注销", "未入网"
#: every state of a merchant at a month end, in the order of every table
STATES = (NORMAL, L1, L2, L3, L4, NEW, NO_DATA, CLOSED, NOT_OPEN)
#: the warned levels, most severe first (the levels of 预警名单)
WARNED = (L4, L3, L2, L1)
#: how many months of the data the matrices hold at most (trend: 12, 去年同期: 13 + streak)
MAX_MONTHS = 60
ATTRS = tuple(c.id for c in MERCHANT_COLUMNS)


@dataclass
class Matrices:
    """``ids`` (商户号, string Index, sorted) · ``months`` (PeriodIndex, oldest first, ending with the data
    date's month) · ``amt`` (元, n × m, NaN unknown) · ``cnt`` (笔, NaN unknown) · ``row`` (whether the data hold
    a row) · ``attrs`` (frame on ids: the merchant columns, 收单商户 first, else the latest month row's)."""

    ids: pd.Index
    months: pd.PeriodIndex
    amt: np.ndarray
    cnt: np.ndarray
    row: np.ndarray
    attrs: pd.DataFrame
    future: int = 0


def _dedupe(df: pd.DataFrame, key: list[str], table: str, ctx) -> pd.DataFrame:
    """Rows of ``df`` with a repeated ``key`` recorded as DUP_KEY (the last kept, as the loader does)."""
    dup = df.duplicated(key, keep="last")
    if dup.any():
        shown = df.loc[dup, key[0]].astype("string")
        if len(key) > 1:
            shown = shown + " " + df.loc[dup, key[1]].dt.strftime("%Y-%m")
        ctx.problem(table, df.loc[dup, "_row"], key[0], "DUP_KEY", shown, "主键重复",
                    "剔除该行, 保留同一主键的最后一条")
        df = df[~dup]
    return df


def matrices(mm: pd.DataFrame, mch: pd.DataFrame | None, ctx) -> Matrices:
    """Build :class:`Matrices` from conformed ``merchant_monthly`` (mch_id, month, txn_count, amount 元 and the
    optional merchant columns) and ``merchants`` (optional). Months after the data date are left out (counted
    in ``future``); repeated keys are DUP_KEY; 笔数 0 with an amount ≠ 0 is MCH_COUNT_ZERO (counted as a month
    with transactions)."""
    end = ctx.as_of.to_period("M")
    x = mm[mm["mch_id"].fillna("").str.strip().ne("") & mm["month"].notna()]
    future = int((x["month"].dt.to_period("M") > end).sum())
    x = _dedupe(x[x["month"].dt.to_period("M") <= end], ["mch_id", "month"], "merchant_monthly", ctx)
    m_ok = None
    if mch is not None and len(mch):
        m_ok = _dedupe(mch[mch["mch_id"].fillna("").str.strip().ne("")], ["mch_id"], "merchants", ctx)
    ids = pd.Index(sorted(set(x["mch_id"]) | (set(m_ok["mch_id"]) if m_ok is not None else set())),
                   dtype="string", name="mch_id")
    first = x["month"].min().to_period("M") if len(x) else end
    months = pd.period_range(max(min(first, end), end - (MAX_MONTHS - 1)), end, freq="M")
    x = x[x["month"].dt.to_period("M") >= months[0]]
    code = ids.get_indexer(x["mch_id"])
    col = (x["month"].dt.year * 12 + x["month"].dt.month - (months[0].year * 12 + months[0].month)).to_numpy(np.int64)
    n, m = len(ids), len(months)
    amt, cnt = np.full((n, m), np.nan), np.full((n, m), np.nan)
    row = np.zeros((n, m), dtype=bool)
    amt[code, col] = x["amount"].to_numpy(dtype="float64", na_value=np.nan)
    cnt[code, col] = x["txn_count"].astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
    row[code, col] = True
    odd = (x["txn_count"] == 0).fillna(False) & (x["amount"] != 0).fillna(False)
    if odd.any():
        ctx.problem("merchant_monthly", x.loc[odd, "_row"], "txn_count", "MCH_COUNT_ZERO", x.loc[odd, "txn_count"],
                    "笔数为 0 但金额不为 0", "按当月有交易处理(金额照计)")

    # attributes: 收单商户 where it has the value, else the merchant's latest month row holding one
    mono = x.assign(_c=code).sort_values(["_c", "month"], kind="stable").groupby("_c")[list(ATTRS)].last() \
        .reindex(range(n))
    if m_ok is not None:
        own = m_ok.assign(_c=ids.get_indexer(m_ok["mch_id"])).set_index("_c")[list(ATTRS)].reindex(range(n))
        attrs = pd.DataFrame({a: own[a].where(own[a].notna(), mono[a]) for a in ATTRS})
    else:
        attrs = mono
    attrs.index = ids
    return Matrices(ids, months, amt, cnt, row, attrs.astype(mono.dtypes.to_dict()), future)


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


def _month_ends(months: pd.PeriodIndex, as_of: pd.Timestamp) -> pd.DatetimeIndex:
    ends = months.to_timestamp(how="end").normalize()
    return pd.DatetimeIndex(np.minimum(ends.to_numpy(), as_of.to_datetime64()))


def compute(mx: Matrices, p, ctx) -> Result:
    """Levels, 临界 and churn of every merchant (SCENARIOS.md E1; ``p``: E1's params)."""
    n, m = mx.amt.shape
    as_of = ctx.as_of
    ends = _month_ends(mx.months, as_of)
    attrs = mx.attrs
    open_date = attrs["open_date"].to_numpy(dtype="datetime64[ns]")
    amt, cnt = mx.amt.copy(), mx.cnt.copy()
    before_open = ends.to_numpy()[None, :] < open_date[:, None]  # NaT compares False
    fill = before_open & ~mx.row  # a merchant that did not exist yet: known zero
    if p.missing_as_zero:
        fill |= ~mx.row
    amt[fill], cnt[fill] = 0.0, 0.0
    known = np.isfinite(amt)
    has_txn = known & ((cnt > 0) | (amt != 0))
    no_txn = known & ~has_txn

    days = month_days(mx.months, as_of)
    daily = daily_average(amt, days)
    name = attrs["mch_name"].astype("string").fillna("")
    mcc = attrs["mcc"].astype("string").fillna("").str.strip()
    seasonal = (mcc.isin([str(s) for s in p.seasonal_mcc]) | has_pattern(name, p.seasonal_name)).to_numpy(bool)
    prior = baseline(daily, p.base_months)
    yoy = baseline(daily, p.base_months, yoy=seasonal)
    fallback = seasonal[:, None] & np.isnan(yoy) & np.isfinite(prior)
    base = np.where(fallback, prior, yoy)
    rule, r = warning_levels(daily, base, no_txn, known, p)

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
    closed = has_pattern(attrs["status"].astype("string"), p.closed_status).to_numpy(bool)
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


def _churn(mx: Matrices, has_txn: np.ndarray, known: np.ndarray, open_date: np.ndarray, idle: np.ndarray,
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
