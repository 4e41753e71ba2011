"""E2 computation: window averages, stars of this and last month, deposit impact, 临界 gaps, calibration,
staff points (SCENARIOS.md E2 商户五星级分层, §0.7).

Shapes: merchants are rows of :class:`bankxl.rules.merchant_data.MerchantMonths`; every function is
vectorised over merchants (numpy on n × m matrices, groupby on integer codes). Money in 元.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ....rules.merchant_data import MerchantMonths

#: star labels: index = number of stars (0 = 无星: not every month with a transaction)
STAR_LABELS = ("无星", "★1", "★2", "★3", "★4", "★5")
NEW, NO_DATA, CLOSED = "新商户", "数据不足", "已注销"
#: every state, in table order
STATES = (*STAR_LABELS[::-1], NEW, NO_DATA, CLOSED)


@dataclass
class Window:
    """Averages of one window of ``months`` months per merchant (arrays of n): ``amount`` 月均交易额 元,
    ``count`` 月均笔数 (NaN unknown), ``deposit`` 结算户日均 元 (days-weighted over the window; NaN when a month
    has none), ``active`` every month with a transaction, ``known`` every month's 金额 known, ``new`` 入网 after
    the window's first day, ``start`` / ``end`` the window's first / last month (Period)."""

    amount: np.ndarray
    count: np.ndarray
    deposit: np.ndarray
    active: np.ndarray
    known: np.ndarray
    new: np.ndarray
    start: pd.Period
    end: pd.Period


def window(mx: MerchantMonths, amt: np.ndarray, cnt: np.ndarray, end: pd.Period, k: int,
           active_count: int) -> Window | None:
    """:class:`Window` of the ``k`` months ending with ``end``; None when the data do not reach them."""
    n = len(mx.ids)
    if not len(mx.months) or end - (k - 1) < mx.months[0] or end > mx.months[-1]:
        return None
    j1 = (end - mx.months[0]).n + 1
    j0 = j1 - k
    a, c, s = amt[:, j0:j1], cnt[:, j0:j1], mx.settle[:, j0:j1]
    days = np.asarray(mx.months[j0:j1].days_in_month, dtype="float64")
    known = np.isfinite(a).all(axis=1)
    amount = np.where(known, a.sum(axis=1) / k, np.nan)
    count = np.where(np.isfinite(c).all(axis=1), c.sum(axis=1) / k, np.nan)
    deposit = np.where(np.isfinite(s).all(axis=1), (s * days).sum(axis=1) / days.sum(), np.nan)
    # a month with 笔数 0 but 金额 ≠ 0 (MCH_COUNT_ZERO) counts as a month with transactions, as in E1
    by_count = np.isfinite(c) & ~((c == 0) & np.isfinite(a) & (a != 0))
    month_active = np.where(by_count, c >= active_count, np.isfinite(a) & (a != 0))
    start = end - (k - 1)
    open_date = mx.attrs["open_date"].to_numpy(dtype="datetime64[ns]")
    new = open_date > start.to_timestamp().to_datetime64()  # NaT compares False
    return Window(amount, count, deposit, month_active.all(axis=1) if n else np.zeros(0, bool), known, new,
                  start, end)


def stars(w: Window, p) -> tuple[np.ndarray, np.ndarray]:
    """(stars 0–5 as float, NaN where the window is unknown or the merchant new; which stars were decided on
    transactions alone) — SCENARIOS.md E2 (同时满足, 逐级): ★1 every month ≥ ``active_count`` 笔; ★2 月均交易额 ≥
    amount_edges[0] and 月均笔数 ≥ ``count_min``; ★3–★5 月均交易额 ≥ amount_edges[1–3] and 结算户日均 ≥
    deposit_edges[0–2]; a star needs every star below it. An unknown 月均笔数 / 结算户日均 does not block a star
    (starred on the other conditions, flagged: unknown is not zero)."""
    a_e = [float(x) for x in p.amount_edges]
    d_e = [float(x) for x in p.deposit_edges]
    count_ok = np.where(np.isfinite(w.count), w.count >= p.count_min, True)
    dep_known = np.isfinite(w.deposit)
    s = [w.active, w.amount >= a_e[0]]
    s[1] = s[0] & s[1] & count_ok
    for i in range(3):
        s.append(s[-1] & (w.amount >= a_e[i + 1]) & np.where(dep_known, w.deposit >= d_e[i], True))
    n_star = np.sum(np.vstack(s), axis=0).astype("float64")
    n_star = np.where(w.known & ~w.new, n_star, np.nan)
    return n_star, ~dep_known


def state(n_star: np.ndarray, w: Window | None, closed: np.ndarray | None = None) -> np.ndarray:
    """Star label or 新商户 / 数据不足 / 已注销 (object array)."""
    n = len(n_star)
    if w is None:
        out = np.full(n, NO_DATA, dtype=object)
    else:
        lab = np.array(STAR_LABELS, dtype=object)[np.nan_to_num(n_star, nan=0).astype(int)]
        out = np.where(w.new, NEW, np.where(np.isfinite(n_star), lab, NO_DATA))
    if closed is not None:
        out = np.where(closed, CLOSED, out)
    return out.astype(object)


def gaps(w: Window, n_star: np.ndarray, p) -> dict[str, np.ndarray]:
    """Distances (fractions of the threshold) to the next star and above the own star's thresholds.

    Up (star 1–4 → star + 1): ``up_amount`` / ``up_count`` (only to ★2) / ``up_deposit`` (★3+, NaN unknown) =
    (threshold − value) / threshold where the value is below it, else 0; ``up_max`` the largest.
    Keep (star 2–5): ``keep_amount`` = (月均交易额 − own amount edge) / edge, ``keep_count`` (ratio above
    ``count_min``, NaN unknown), ``keep_deposit`` (★3+, NaN unknown); ``keep_min`` the smallest known."""
    a_e = np.array([np.nan, np.nan, *[float(x) for x in p.amount_edges], np.nan])  # index = star
    d_e = np.array([np.nan, np.nan, np.nan, *[float(x) for x in p.deposit_edges], np.nan])
    s = np.nan_to_num(n_star, nan=-1).astype(int)
    nxt = np.clip(s + 1, 0, 6)
    own = np.clip(s, 0, 6)

    def short(value, edge):
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(np.isfinite(edge) & np.isfinite(value), np.clip((edge - value) / edge, 0, None), np.nan)

    def above(value, edge):
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(np.isfinite(edge) & np.isfinite(value), (value - edge) / edge, np.nan)

    up_amount = short(w.amount, a_e[nxt])
    up_count = np.where(nxt == 2, short(w.count, np.full(len(s), float(p.count_min))), np.nan)
    up_deposit = short(w.deposit, d_e[nxt])
    can_up = (s >= 1) & (s <= 4)
    up_max = np.where(can_up, np.fmax(np.fmax(up_amount, np.nan_to_num(up_count, nan=0)),
                                      np.nan_to_num(up_deposit, nan=0)), np.nan)
    keep_amount = np.where(s >= 2, above(w.amount, a_e[own]), np.nan)
    keep_count = np.where(s >= 2, above(w.count, np.full(len(s), float(p.count_min))), np.nan)
    keep_deposit = np.where(s >= 3, above(w.deposit, d_e[own]), np.nan)
    keep_min = np.fmin(np.fmin(keep_amount, keep_count), keep_deposit)
    return {"up_amount": up_amount, "up_count": up_count, "up_deposit": up_deposit, "up_max": up_max,
            "keep_amount": keep_amount, "keep_count": keep_count, "keep_deposit": keep_deposit,
            "keep_min": keep_min}


def deposit_impact(f: pd.DataFrame, min_group: int = 1) -> pd.DataFrame:
    """低成本存款 by star (SCENARIOS.md E2): per star 0–5 (rows 无星, ★1 … ★5) — 商户数, 有存款数据 (merchants with
    a known 结算户日均), 结算户日均合计 元 and its share, 月均交易额合计 元 of those merchants, 沉淀率 = Σ 结算户日均 /
    Σ 月均交易额 (NaN when the sum is ≤ 0), 结算户日均中位数, 升一星预期日均增量 = median(star + 1) − median(star)
    (NaN for ★5, an unknown median, or when the star or the next one has fewer than ``min_group`` merchants with
    a known 结算户日均: a difference of medians of a few merchants says nothing about an upgrade). ``f``: per
    merchant ``star`` (float, NaN not starred), ``amount``, ``deposit`` (元)."""
    starred = f[f["star"].notna()]
    s = starred["star"].astype(int)
    dep = starred["deposit"]
    has = dep.notna()
    idx = range(6)
    cnt = s.value_counts().reindex(idx, fill_value=0)
    n_dep = s[has].value_counts().reindex(idx, fill_value=0)
    dsum = dep[has].groupby(s[has]).sum().reindex(idx, fill_value=0.0)
    asum = starred.loc[has, "amount"].groupby(s[has]).sum().reindex(idx, fill_value=0.0)
    med = dep[has].groupby(s[has]).median().reindex(idx)
    total = float(dsum.sum())
    big = n_dep >= min_group
    gain = (med.shift(-1) - med).where(big & big.shift(-1, fill_value=False))
    return pd.DataFrame({
        "star": list(idx), "星级": list(STAR_LABELS), "商户数": cnt.to_numpy(dtype="int64"),
        "有存款数据": n_dep.to_numpy(dtype="int64"), "deposit_sum": dsum.to_numpy(),
        "share": (dsum / total).to_numpy() if total > 0 else np.full(6, np.nan),
        "amount_sum": asum.to_numpy(),
        "rate": np.where(asum.to_numpy() > 0, dsum.to_numpy() / np.where(asum.to_numpy() > 0, asum.to_numpy(), 1),
                         np.nan),
        "median": med.to_numpy(), "gain": gain.to_numpy()})


def calibrate(amount: np.ndarray, count: np.ndarray, deposit: np.ndarray, shares) -> dict | None:
    """Thresholds from quantiles (SCENARIOS.md E2: 首次可用分位数 5/15/30/30/20% 校准后固化): with shares s1…s5
    of ★1…★5, the ★k edge is the (s1 + … + s(k−1)) quantile — 月均交易额 edges of ★2–★5, 月均笔数 of ★2, 结算户日均
    of ★3–★5 (merchants with deposit data) — rounded to 100 元 / whole 笔. ``amount`` etc.: the starrable
    merchants' window values. None when fewer than 20 merchants (or 20 with deposit data) or the edges are
    not strictly increasing (too many equal values)."""
    a, c, d = (np.asarray(x, dtype="float64") for x in (amount, count, deposit))
    a, d, c = a[np.isfinite(a)], d[np.isfinite(d)], c[np.isfinite(c)]
    if len(a) < 20 or len(d) < 20:
        return None
    cum = np.cumsum([float(x) for x in shares])[:4] / float(sum(shares))
    amount_edges = tuple(float(np.round(np.quantile(a, q), -2)) for q in cum)
    deposit_edges = tuple(float(np.round(np.quantile(d, q), -2)) for q in cum[1:])
    count_min = int(np.round(np.quantile(c, cum[0]))) if len(c) else None
    ok = (all(x < y for x, y in zip(amount_edges, amount_edges[1:])) and amount_edges[0] > 0
          and all(x < y for x, y in zip(deposit_edges, deposit_edges[1:])) and deposit_edges[0] > 0)
    if not ok:
        return None
    out = {"amount_edges": amount_edges, "deposit_edges": deposit_edges}
    if count_min is not None:
        out["count_min"] = max(count_min, 1)
    return out


def staff_points(f: pd.DataFrame, up: float, down: float) -> pd.DataFrame:
    """员工积分 (SCENARIOS.md E2【假设】): per 网点 × 客户经理, over merchants whose star is known in both months
    (a closed merchant counts as 0 stars now): 升星商户, 升星级数, 降星商户, 降星级数, 积分 = Σ 升星级数 × ``up`` −
    Σ 降星级数 × ``down``; sorted by 积分 descending, then 网点, 客户经理. ``f``: star, prev_star (float, NaN
    unknown), closed, org_id, mgr_id."""
    now = np.where(f["closed"].to_numpy(bool), 0.0, f["star"].to_numpy(dtype="float64"))
    prev = f["prev_star"].to_numpy(dtype="float64")
    both = np.isfinite(now) & np.isfinite(prev)
    delta = np.where(both, now - prev, 0.0)
    org = f["org_id"].astype("string").fillna("(无网点)")
    mgr = f["mgr_id"].astype("string").fillna("(未分配)")
    keys = pd.DataFrame({"网点": org.to_numpy(), "客户经理": mgr.to_numpy()}).astype("category")
    g = pd.DataFrame({"up_n": delta > 0, "up": np.clip(delta, 0, None), "down_n": delta < 0,
                      "down": np.clip(-delta, 0, None), "n": both})
    t = g.groupby([keys["网点"], keys["客户经理"]], observed=True).sum()
    t = t[t["n"] > 0] if len(t) else t
    out = pd.DataFrame({
        "网点": t.index.get_level_values(0).astype("string"), "客户经理": t.index.get_level_values(1).astype("string"),
        "考核商户": t["n"].to_numpy(dtype="int64"), "升星商户": t["up_n"].to_numpy(dtype="int64"),
        "升星级数": t["up"].to_numpy(dtype="int64"), "降星商户": t["down_n"].to_numpy(dtype="int64"),
        "降星级数": t["down"].to_numpy(dtype="int64")})
    out["积分"] = (out["升星级数"] * float(up) - out["降星级数"] * float(down)).astype("float64")
    return out.sort_values(["积分", "网点", "客户经理"], ascending=[False, True, True], kind="stable").reset_index(drop=True)
