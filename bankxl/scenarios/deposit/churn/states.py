"""D3 churn states from 客户月度存款 (SCENARIOS.md D3 计算 + §0.7 + §7 存款流失基线 / 存款 vs AUM).

:func:`monthly_matrix` turns ``customer_monthly`` into customer × month matrices (存款月日均, 理财余额);
:func:`judge` gives every customer its state for one data date. Vectorised: customers are integer codes,
months are columns; no per-customer Python.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ....frames import Coded, coded_columns

#: the states, in the order of every table (churn states first, then who is not judged)
STABLE, LIGHT, HEAVY, LOST, DORMANT = "稳定", "轻度流失", "重度流失", "已流失", "沉睡"
MIGRATED, NEW, SMALL, NO_DATA, EXCLUDED = "行内迁移", "新客不评", "基数不足", "数据不足", "已剔除"
STATES = (STABLE, LIGHT, HEAVY, LOST, DORMANT, MIGRATED, NEW, SMALL, NO_DATA, EXCLUDED)
#: states on the churn list (the levels of 流失名单, in priority order)
LISTED = (HEAVY, LOST, LIGHT, DORMANT)
#: states counted as churn (流失) in rates
CHURN = (LIGHT, HEAVY, LOST)


@dataclass
class Matrices:
    """Customer × month data: ``ids`` (cust_id, string Index, sorted), ``months`` (PeriodIndex, every month
    from the first to the last in the data), ``dep`` (float array n × m, 存款月日均 clipped at 0, NaN = no row
    or blank), ``wm`` (理财余额, NaN unknown), ``wm_known`` (the data hold 理财余额 at all), ``org`` (string
    Series on ids: the latest month's 机构号 in the data), ``clipped`` (customer-months clipped at 0)."""

    ids: pd.Index
    months: pd.PeriodIndex
    dep: np.ndarray
    wm: np.ndarray
    wm_known: bool
    org: pd.Series
    clipped: int = 0


def monthly_matrix(cm: pd.DataFrame | Coded, as_of: pd.Timestamp) -> Matrices:
    """``cm``: customer_monthly (cust_id, month, dep_avg 元, optional wm_bal 元, org_id), conformed, one row
    per (cust_id, month) (duplicates dropped by the caller), months after the data date left out by the
    caller — a frame, or its :func:`bankxl.frames.coded_columns` (客户号 as sorted integer codes; 机构号 as a
    Categorical), as ``churn.compute`` hands it. Negative 存款月日均 are clipped to 0 (§0.7: 客户分层时 clip 0).
    Rows without a 客户号 (blank or missing) or without a month are left out.

    Vectorised on integer codes (issue 16): 客户号 as codes (the kept ones sorted into ``ids``), months as column
    numbers, 机构号 as codes stripped per distinct value; each customer's 机构号 is the one of his latest month
    holding one, read from a customer × month matrix of 机构号 codes (one row per customer and month, as for
    ``dep``)."""
    if not isinstance(cm, Coded):
        cm = coded_columns(cm, "cust_id", [c for c in ("month", "dep_avg", "wm_bal", "org_id") if c in cm.columns],
                           categorical=[c for c in ("org_id",) if c in cm.columns])
    end = as_of.to_period("M")
    x = cm.select((cm.codes >= 0) & ~np.isnat(cm.frame["month"].to_numpy(dtype="datetime64[ns]")))
    code, ids, fr = x.codes, x.keys, x.frame  # keys: the 客户号 with a usable row, 客户号 order
    ym = fr["month"].to_numpy(dtype="datetime64[ns]").astype("datetime64[M]").astype(np.int64)  # months since 1970-01
    first = pd.Period(np.int64(ym.min()).astype("datetime64[M]"), freq="M") if len(code) else end
    months = pd.period_range(min(first, end), end, freq="M")
    col = ym - (months[0].year * 12 + months[0].month - (1970 * 12 + 1))
    dep = np.full((len(ids), len(months)), np.nan)
    wm = np.full((len(ids), len(months)), np.nan)
    v = pd.to_numeric(fr["dep_avg"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    clipped = int((v < 0).sum())
    dep[code, col] = np.where(v < 0, 0.0, v)
    w = pd.to_numeric(fr["wm_bal"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan) \
        if "wm_bal" in fr.columns else np.full(len(code), np.nan)
    wm[code, col] = np.where(w < 0, 0.0, w)
    org = pd.Series(pd.NA, index=ids, dtype="string")
    if "org_id" in fr.columns and len(code):
        oc = fr["org_id"].cat.codes.to_numpy(dtype=np.int64)  # few distinct 机构号: -1 = missing
        ou = pd.Series(fr["org_id"].cat.categories, dtype="string").str.strip().replace("", pd.NA)  # per distinct value
        oc = np.where(oc >= 0, oc, len(ou))
        oc = np.where(np.append(ou.notna().to_numpy(), False)[oc], oc, -1)  # -1: no 机构号 in that row
        om = np.full((len(ids), len(months)), -1, dtype=np.int64)
        om[code, col] = oc
        has = om >= 0
        latest = len(months) - 1 - np.argmax(has[:, ::-1], axis=1)  # per customer: his latest month with one
        got = has.any(axis=1)
        org.iloc[np.flatnonzero(got)] = ou.to_numpy()[om[np.flatnonzero(got), latest[got]]]
    return Matrices(ids, months, dep, wm, bool(np.isfinite(w).any()), org.astype("string"), clipped)


def window_mean(a: np.ndarray, months: pd.PeriodIndex, window: pd.PeriodIndex) -> np.ndarray:
    """Mean over the ``window`` months of each row of ``a`` (NaN = no value), where at least half of the
    window's months (rounded up) hold a value; NaN otherwise (缺月不补 0, §0.7). Months outside the data
    count as without value."""
    pos = np.array([(w - months[0]).n for w in window], dtype=np.int64)
    inside = (pos >= 0) & (pos < len(months))
    if not inside.any():
        return np.full(a.shape[0], np.nan)
    sub = a[:, pos[inside]]
    n = np.isfinite(sub).sum(axis=1)
    need = -(-len(window) // 2)
    with np.errstate(invalid="ignore"):
        mean = np.nansum(sub, axis=1) / np.where(n > 0, n, 1)
    return np.where(n >= need, mean, np.nan)


def windows(as_of: pd.Timestamp, base_months: int, current_months: int, baseline: str):
    """(base window, current window) as PeriodIndex: current = the ``current_months`` months ending with the
    data date's month; base = the ``base_months`` months before them (``prior``), or the current window's
    months one year earlier (``yoy``, seasonal base)."""
    end = as_of.to_period("M")
    cur = pd.period_range(end - (current_months - 1), end, freq="M")
    if baseline == "yoy":
        base = cur - 12
    else:
        base = pd.period_range(cur[0] - base_months, cur[0] - 1, freq="M")
    return base, cur


def judge(mx: Matrices, as_of: pd.Timestamp, p, *, open_date: pd.Series, excluded: pd.Series,
          dormant: pd.Series) -> pd.DataFrame:
    """States of every customer of ``mx`` at ``as_of`` (SCENARIOS.md D3), first rule that applies:

    已剔除 (``excluded``: 销户/身故 per the customer table) · 新客不评 (开户日期 after as_of − ``new_months``
    months) · 数据不足 (a window with fewer than half of its months) · 基数不足 (base < ``min_base``) ·
    行内迁移 (存款 drop ≥ the light edge but 存款 + 理财 drop below it) · 已流失 (drop ≥ the lost edge or
    current < ``lost_floor``) · 重度流失 (≥ heavy edge) · 轻度流失 (≥ light edge) · 沉睡 (``dormant``: no
    active transaction in ``dormant_days`` days) · 稳定.

    ``open_date`` / ``excluded`` / ``dormant``: Series on ``mx.ids`` (NaT / False / <NA> where unknown).
    Out (index cust_id): base, cur (元), drop (fraction, NaN where not computed), aum_base, aum_cur,
    aum_drop, migration_known (bool), new (bool), state (string), loss (base − cur, 元, ≥ 0).
    """
    base_w, cur_w = windows(as_of, p.base_months, p.current_months, p.baseline)
    base = window_mean(mx.dep, mx.months, base_w)
    cur = window_mean(mx.dep, mx.months, cur_w)
    with np.errstate(divide="ignore", invalid="ignore"):  # rounded: 1 − 8,000/10,000 is 0.19999999999999996
        drop = np.round(np.where(base > 0, 1 - cur / base, np.nan), 9)
    aum = mx.dep + mx.wm  # NaN where 理财 unknown
    aum_base, aum_cur = window_mean(aum, mx.months, base_w), window_mean(aum, mx.months, cur_w)
    with np.errstate(divide="ignore", invalid="ignore"):
        aum_drop = np.round(np.where(aum_base > 0, 1 - aum_cur / aum_base, np.nan), 9)
    light, heavy, lost = (float(x) for x in p.drop_edges)
    is_new = (open_date > as_of - pd.DateOffset(months=p.new_months)).fillna(False).to_numpy(dtype=bool)
    excl = excluded.fillna(False).to_numpy(dtype=bool)
    dorm = dormant.fillna(False).to_numpy(dtype=bool)
    no_data = np.isnan(base) | np.isnan(cur)
    small = ~no_data & (base < p.min_base)
    migrated = ~no_data & (drop >= light) & np.isfinite(aum_drop) & (aum_drop < light)
    lost_ = ~no_data & ((drop >= lost) | (cur < p.lost_floor))
    state = np.select(
        [excl, is_new, no_data, small, migrated, lost_, drop >= heavy, drop >= light, dorm],
        [EXCLUDED, NEW, NO_DATA, SMALL, MIGRATED, LOST, HEAVY, LIGHT, DORMANT], default=STABLE)
    judged = ~(excl | is_new | no_data | small)
    return pd.DataFrame({
        "base": base, "cur": cur, "drop": np.where(judged | small, drop, np.nan),
        "aum_base": aum_base, "aum_cur": aum_cur, "aum_drop": aum_drop,
        "migration_known": np.isfinite(aum_drop), "new": is_new,
        "state": pd.array(state, dtype="string"),
        "loss": np.where(judged, np.clip(base - cur, 0, None), np.nan),
    }, index=mx.ids)
