"""E3 computations (SCENARIOS.md E3, §0.7 缺月不补 0, §7 月活口径): activity tiers, monthly active flags, deposits,
Spearman correlation, the points and structure methods, and the granted-but-unused credit lines.

Everything is vectorised over customers × months (numpy matrices indexed by integer customer codes); nothing
loops over customers or groups in Python.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ....rules.merchant_data import whole_month_end

#: activity tiers, most active first (SCENARIOS.md E3 分层)
TIERS = ("高活", "中活", "低活", "沉默")
#: every group a customer can be in: the tiers, the data say 未签约, or the activity is unknown
GROUPS = (*TIERS, "未签约", "未知")
#: basis id -> (mobile_banking_monthly column, 中文)
BASIS = {"logins": ("logins", "登录次数"), "txn": ("txn_count", "动账笔数")}
#: points-method items: column -> 中文 (weights are parameters)
POINT_ITEMS = {"logins": "登录", "transfers": "转账", "payments": "缴费", "wm_buys": "理财申购", "loan_draws": "贷款支用"}


def window(as_of: pd.Timestamp, k: int) -> pd.PeriodIndex:
    """The last ``k`` whole months at the data date (its own month when the data date is the month's last day)."""
    end = whole_month_end(as_of)
    return pd.period_range(end - (k - 1), end, freq="M")


def dedupe(df: pd.DataFrame, key: list[str], table: str, ctx) -> pd.DataFrame:
    """``df`` without repeated ``key`` rows (the last kept, as the loader keeps), each recorded as DUP_KEY."""
    full = df[key].notna().all(axis=1)
    dup = df.duplicated(key, keep="last") & full
    if dup.any():
        shown = df.loc[dup, key[0]].astype("string") + " " + df.loc[dup, key[1]].dt.strftime("%Y-%m")
        ctx.problem(table, df.loc[dup, "_row"], key[0], "DUP_KEY", shown, "主键重复", "剔除该行, 保留同一主键的最后一条")
    return df[~dup.to_numpy()]


def found(df: pd.DataFrame, col: str) -> bool:
    """Whether the input held column ``col`` (the loader's ``columns_found``) with at least one value."""
    have = df.attrs.get("columns_found", list(df.columns))
    return col in have and col in df.columns and bool(df[col].notna().any())


@dataclass
class Matrix:
    """Customers × months values: ``v`` float (NaN = no row or a blank cell), ``row`` bool (a row exists)."""

    v: np.ndarray
    row: np.ndarray


def month_matrix(df: pd.DataFrame, col: str, codes: np.ndarray, mpos: np.ndarray, shape: tuple[int, int]) -> Matrix:
    """Scatter ``df[col]`` into an (n customers, k months) matrix at (``codes``, ``mpos``) (rows outside: -1)."""
    v = np.full(shape, np.nan)
    row = np.zeros(shape, dtype=bool)
    ok = (codes >= 0) & (mpos >= 0)
    if col in df.columns:
        v[codes[ok], mpos[ok]] = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)[ok]
    row[codes[ok], mpos[ok]] = True
    return Matrix(v, row)


def average(m: Matrix, need: np.ndarray) -> np.ndarray:
    """Per customer, the mean over the ``need`` months (signed by then); NaN when a needed month has no row or
    no value (缺月不补 0) or no month is needed."""
    known = ~np.isnan(m.v) | ~need
    n_need = need.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        avg = np.where(need, np.nan_to_num(m.v), 0.0).sum(axis=1) / n_need
    return np.where(known.all(axis=1) & (n_need > 0), avg, np.nan)


def tier_of(avg: np.ndarray, high: float, mid: float) -> np.ndarray:
    """Tier index 0..3 (高活/中活/低活/沉默) from a monthly average; -1 where unknown. 沉默 = 0 in every month,
    低活 = above 0 and below ``mid``, 中活 = ``mid`` ≤ x < ``high``, 高活 ≥ ``high`` (edges with 等号)."""
    t = np.select([avg >= high, avg >= mid, avg > 0, avg == 0], [0, 1, 2, 3], default=-1)
    return np.where(np.isnan(avg), -1, t)


def spearman(x: pd.Series, y: pd.Series) -> tuple[float | None, int]:
    """Spearman's rank correlation of two aligned Series over the pairs where both are known: Pearson's r of
    their average ranks (ties share the mean rank — the textbook definition, what scipy.stats.spearmanr
    computes; scipy is not a dependency). Returns (ρ, n); ρ None for n < 3 or a constant variable."""
    ok = x.notna() & y.notna()
    n = int(ok.sum())
    if n < 3:
        return None, n
    rx, ry = x[ok].rank(method="average"), y[ok].rank(method="average")
    if rx.std() == 0 or ry.std() == 0:
        return None, n
    return float(np.corrcoef(rx.to_numpy(dtype="float64"), ry.to_numpy(dtype="float64"))[0, 1]), n


def band_of(points: np.ndarray, edges: tuple) -> np.ndarray:
    """Band index 0..len(edges) of a monthly points average (edge values belong to the upper band); -1 unknown."""
    e = np.asarray([float(x) for x in edges])
    b = np.searchsorted(e, np.nan_to_num(points, nan=0.0), side="right")
    return np.where(np.isnan(points), -1, b)


def band_labels(edges: tuple) -> list[str]:
    """'<10', '10–30', …, '≥100' for the band edges."""
    e = [f"{float(x):g}" for x in edges]
    return [f"<{e[0]}", *[f"{a}–{b}" for a, b in zip(e, e[1:])], f"≥{e[-1]}"]


def medians_by(groups: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    """Median of ``values`` (NaN ignored) per group code 0..n_groups-1 (other codes ignored); NaN for an empty one."""
    s = pd.Series(values)
    g = pd.Series(groups)
    ok = s.notna() & g.between(0, n_groups - 1)
    return s[ok].groupby(g[ok]).median().reindex(range(n_groups)).to_numpy(dtype="float64")
