"""D1 computations on the PBOC interbank deposit report (SCENARIOS.md D1, §0.5 变化率, §7 增量份额).

Every function is vectorised over months × banks (a report holds tens of banks and tens of months; nothing
grows with customers). Money in 元 (the loader has scaled 万元/亿元 headers), shares as fractions, changes of
share in bp (1 bp = 0.01 个百分点 = share × 10⁴).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ....calendar import chuxi

#: the text shown instead of an incremental share when the market shrank or hardly moved (SCENARIOS.md §7)
NOT_APPLICABLE = "不适用"


def canonical_names(ms: pd.DataFrame, aliases: pd.DataFrame | None) -> pd.Series:
    """机构名称 of each row of ``ms`` (market_share: bank_name, stat_date) after the alias table (bank_aliases:
    alias, bank_name, valid_from, valid_to): a row whose name is an alias valid on its 统计日期 (blank dates =
    always) takes the alias's 标准名称 (renames, mergers); other names stay as given (trimmed). One pass: an
    alias of an alias is not followed. Returns a string Series aligned with ``ms``."""
    name = ms["bank_name"].astype("string").str.strip()
    if aliases is None or not len(aliases):
        return name
    a = aliases.dropna(subset=["alias", "bank_name"])
    a = pd.DataFrame({"alias": a["alias"].astype("string").str.strip(), "to": a["bank_name"].astype("string").str.strip(),
                      "lo": a["valid_from"] if "valid_from" in a else pd.NaT,
                      "hi": a["valid_to"] if "valid_to" in a else pd.NaT})
    left = pd.DataFrame({"pos": np.arange(len(ms)), "alias": name.to_numpy(), "d": ms["stat_date"].to_numpy()})
    m = left.merge(a, on="alias", how="inner")
    ok = (m["lo"].isna() | (m["d"] >= m["lo"])) & (m["hi"].isna() | (m["d"] <= m["hi"]))
    m = m[ok.to_numpy()].drop_duplicates("pos", keep="first")
    out = name.to_numpy(dtype=object).copy()
    out[m["pos"].to_numpy()] = m["to"].to_numpy(dtype=object)
    return pd.Series(out, index=ms.index, dtype="string")


def resolve_bank(given: str, names: pd.Index, aliases: pd.DataFrame | None) -> str | None:
    """The report's 机构名称 for a user-given bank (its name or any alias of the alias table, trimmed); None when
    neither the report nor the alias table knows it."""
    g = str(given).strip()
    if g in set(names):
        return g
    if aliases is not None and len(aliases):
        hit = aliases[aliases["alias"].astype("string").str.strip().eq(g).fillna(False)]
        if len(hit):
            return str(hit["bank_name"].iloc[-1]).strip()
    return None


def balances(ms: pd.DataFrame, bank: pd.Series, item: str) -> pd.DataFrame:
    """Month × bank balances (元) of one 指标: the rows of ``item`` summed by (month, canonical bank) — a merger
    sums its parts; months without a report stay out (缺月不插值), a bank not reported in a month is NaN there
    (blank balances stay unknown: ``sum(min_count=1)``). Index: a monthly PeriodIndex from the first to the
    last reported month (gaps kept as all-NaN rows); columns: bank names."""
    sel = ms["item"].astype("string").str.strip().eq(item).fillna(False).to_numpy()
    if not sel.any():
        return pd.DataFrame(index=pd.PeriodIndex([], freq="M"))
    df = pd.DataFrame({"month": ms.loc[sel, "stat_date"].dt.to_period("M").to_numpy(), "bank": bank[sel].to_numpy(),
                       "bal": ms.loc[sel, "balance"].to_numpy(dtype="float64")})
    wide = df.groupby(["month", "bank"], sort=True)["bal"].sum(min_count=1).unstack("bank")
    full = pd.period_range(wide.index.min(), wide.index.max(), freq="M")
    return wide.reindex(full)


@dataclass
class Shares:
    """Share arithmetic of one 指标: ``own``/``market`` (元, by month), ``share`` (own/market), ``bal`` (month ×
    bank, 元)."""

    bal: pd.DataFrame
    own: pd.Series
    market: pd.Series
    share: pd.Series


def shares(bal: pd.DataFrame, own_bank: str) -> Shares:
    """Stock share by month = own / Σ banks of the report (the report's own total, never a rounded 100%);
    a month the own bank did not report, or whose market is not positive, has a blank share (§0.5)."""
    own = bal[own_bank] if own_bank in bal.columns else pd.Series(np.nan, index=bal.index)
    market = bal.sum(axis=1, min_count=1)
    share = own / market.where(market > 0)
    return Shares(bal, own, market, share)


def month_shift(s: pd.Series, months: int) -> pd.Series:
    """``s`` (monthly PeriodIndex) moved ``months`` back: the value of month t − months at t (NaN when absent)."""
    return s.reindex(s.index - months).set_axis(s.index)


def incremental_share(d_own, d_market, market, min_change: float):
    """增量份额 = Δown/Δmarket (SCENARIOS.md D1); ``NOT_APPLICABLE`` when Δmarket ≤ 0 (the market shrank) or
    |Δmarket| < ``min_change`` × market (it hardly moved: the ratio would be noise); blank when a term is
    unknown. Arrays in, an object array out (floats or the text)."""
    d_own, d_market, market = (np.asarray(x, dtype="float64") for x in (d_own, d_market, market))
    known = ~(np.isnan(d_own) | np.isnan(d_market) | np.isnan(market))
    na = known & ((d_market <= 0) | (np.abs(d_market) < min_change * market))
    with np.errstate(divide="ignore", invalid="ignore"):
        val = d_own / d_market
    out = np.where(known, val, np.nan).astype(object)
    out[na] = NOT_APPLICABLE
    out[~known] = None
    return out


def cagr(first: float, last: float, years: float) -> float:
    """(last/first)^(1/years) − 1 (§0.5); NaN when a value is unknown, not positive, or ``years`` ≤ 0."""
    if not (years > 0) or not (first > 0) or not (last > 0):
        return float("nan")
    return float((last / first) ** (1.0 / years) - 1.0)


def spring_windows(months: pd.PeriodIndex) -> pd.DataFrame:
    """The Spring Festival windows a monthly report allows (SCENARIOS.md D1 (c): only monthly data → compare
    the month of 除夕 with the months before and after): one row per year whose 除夕 month lies in ``months``
    — ``year``, ``chuxi`` (date, from :func:`bankxl.calendar.chuxi`), ``before`` (除夕 month − 1), ``month``,
    ``after`` (+1). E.g. 2024: 除夕 2024-02-09 → 2024-01, 2024-02, 2024-03."""
    if not len(months):
        return pd.DataFrame(columns=["year", "chuxi", "before", "month", "after"])
    years = range(int(months.min().year), int(months.max().year) + 1)
    rows = []
    for y in years:  # one row per calendar year (≤ the report's years), not per customer
        d = chuxi(y)
        m = pd.Period(d, freq="M")
        if m in months:
            rows.append((y, pd.Timestamp(d), m - 1, m, m + 1))
    return pd.DataFrame(rows, columns=["year", "chuxi", "before", "month", "after"])


def seasonal_factors(s: pd.Series) -> pd.Series:
    """季节因子 by calendar month 1–12 (SCENARIOS.md D1): mean over the years of the month's change Δ(m) = x(m) −
    x(m − 1), divided by the mean yearly change Δ(year) = x(Dec) − x(previous Dec), both over the complete years
    of ``s`` only (every month and the previous December reported). NaN when no year is complete or the mean
    yearly change is 0."""
    d = s - month_shift(s, 1)
    frame = pd.DataFrame({"year": s.index.year, "month": s.index.month, "d": d.to_numpy()})
    complete = frame.groupby("year")["d"].count().pipe(lambda c: c[c.eq(12)].index)
    f = frame[frame["year"].isin(complete)]
    if not len(f):
        return pd.Series(np.nan, index=pd.RangeIndex(1, 13))
    per_year = f.groupby("year")["d"].sum()
    mean_year = per_year.mean()
    by_month = f.groupby("month")["d"].mean().reindex(range(1, 13))
    return by_month / mean_year if mean_year != 0 else by_month * np.nan
