"""C4 computation: 6-month stability, the E1 warning level, admission, reference limits and borrowers (chain
merchants by legal person / USCC) — SCENARIOS.md C4, §0.5, §0.7.

Vectorised over merchants (numpy on the merchants × months matrices of :mod:`bankxl.rules.merchant_data`;
groupby on integer borrower codes). Money in 元.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .... import idcard
from ....rules.identity import id_key
from ....rules.merchant_data import MerchantMonths, whole_month_end
from ....rules.merchants import MERCHANT_LEVELS, is_seasonal, month_levels

YES, NO, PENDING = "是", "否", "待核实"


def stability(amt: np.ndarray, months: pd.PeriodIndex, end: pd.Period, k: int) -> dict[str, np.ndarray]:
    """Over the ``k`` whole months ending with ``end`` (SCENARIOS.md C4 稳定性): ``active`` months with 金额 > 0,
    ``mu`` mean 元, ``cv`` = σ / μ (σ population standard deviation, Excel STDEV.P), ``min_ratio`` = lowest
    month / μ, ``slope_ratio`` = least-squares slope per month / μ; NaN where a month is unknown (no row, blank
    金额) or the data do not reach the months, and ratios NaN where μ ≤ 0 (§0.5). Arrays of n."""
    n = amt.shape[0]
    if not len(months) or end - (k - 1) < months[0] or end > months[-1]:
        nan = np.full(n, np.nan)
        return {"active": nan, "mu": nan, "cv": nan, "min_ratio": nan, "slope_ratio": nan, "known": np.zeros(n, bool)}
    j1 = (end - months[0]).n + 1
    v = amt[:, j1 - k:j1]
    known = np.isfinite(v).all(axis=1)
    vv = np.where(known[:, None], v, np.nan)
    mu = vv.mean(axis=1) if n else np.zeros(0)
    t = np.arange(k, dtype="float64") - (k - 1) / 2
    slope = (vv * t).sum(axis=1) / (t * t).sum()
    pos = mu > 0
    safe = np.where(pos, mu, 1.0)
    with np.errstate(invalid="ignore"):
        return {"active": np.where(known, (vv > 0).sum(axis=1), np.nan), "mu": mu,
                "cv": np.where(pos, vv.std(axis=1) / safe, np.nan),
                "min_ratio": np.where(pos, vv.min(axis=1) / safe, np.nan),
                "slope_ratio": np.where(pos, slope / safe, np.nan), "known": known}


def annual_volume(amt: np.ndarray, months: pd.PeriodIndex, end: pd.Period) -> np.ndarray:
    """年交易额 = Σ 金额 of the 12 whole months ending with ``end`` (元); NaN when one is unknown."""
    n = amt.shape[0]
    if not len(months) or end - 11 < months[0] or end > months[-1]:
        return np.full(n, np.nan)
    j1 = (end - months[0]).n + 1
    v = amt[:, j1 - 12:j1]
    return np.where(np.isfinite(v).all(axis=1), v.sum(axis=1), np.nan)


def warning_level(mx: MerchantMonths, amt: np.ndarray, cnt: np.ndarray, p, as_of: pd.Timestamp) -> np.ndarray:
    """E1's warning level of the data date's month (object array: 正常 … 四级, 观察期, None unknown): the shared
    rule :func:`bankxl.rules.merchants.month_levels` with the rule's parameters C4 inherits (the same as E1's:
    baseline = mean daily average of the ``base_months`` months before; seasonal merchants — MCC in
    ``seasonal_mcc`` or name matching ``seasonal_name`` — on the same month a year earlier, the months before
    when last year is not in the data). ``amt`` / ``cnt``: :func:`bankxl.rules.merchant_data.known_volumes`."""
    if not len(mx.months):
        return np.full(len(mx.ids), None, dtype=object)
    seasonal = is_seasonal(mx.attrs["mcc"], mx.attrs["mch_name"], p)
    return month_levels(amt, cnt, mx.months, as_of, seasonal, p).levels[:, -1]


def level_rank(level: np.ndarray) -> np.ndarray:
    """0 正常 … 4 四级; NaN for 观察期 / unknown."""
    rank = {name: float(i) for i, name in enumerate(MERCHANT_LEVELS)}
    return pd.Series(level, dtype=object).map(rank).astype("float64").to_numpy()


def overdue_legal(legal_key: pd.Series, loans: pd.DataFrame | None, overdue_status) -> tuple[pd.Series, dict]:
    """Per merchant whether its legal person has an overdue loan HERE (SCENARIOS.md C4 法人无本行逾期): True /
    False / <NA> (boolean Series on ``legal_key``'s index). Unknown (<NA>) when ``loans`` is absent, holds no
    valid 证件号, or the merchant's legal-person ID is missing or invalid. A loan is overdue when 逾期天数 > 0
    (not settled: 状态 ≠ A) or its 状态 is in ``overdue_status`` (D 逾期中, B 不良结清/核销). Info: counts."""
    out = pd.Series(pd.NA, index=legal_key.index, dtype="boolean")
    if loans is None:
        return out, {"loans": False}
    keys = id_key(loans["id_no"].astype("string"))
    status = loans["status"].astype("string").str.strip()
    late = (loans["overdue_days"].astype("Float64").fillna(0) > 0) & status.ne("A").fillna(True)
    bad = late | status.isin([str(s) for s in overdue_status]).fillna(False)
    info = {"loans": True, "no_key": int(keys.isna().sum()), "overdue": int((bad & keys.notna()).sum())}
    if keys.notna().any():
        hit = set(keys[bad & keys.notna()].tolist())
        known = legal_key.notna()
        out[known] = legal_key[known].isin(hit).to_numpy()
    return out, info


def borrower_keys(attrs: pd.DataFrame) -> tuple[pd.Series, pd.Series, np.ndarray]:
    """(key, kind, uscc_bad): the borrower a merchant belongs to (SCENARIOS.md C4 一人多商户按法人汇总) — the legal
    person's normalised 18-digit ID where valid (``法人:…``), else a valid 统一社会信用代码 (GB 32100,
    :func:`bankxl.idcard.uscc_is_valid`; ``信用代码:…``), else the merchant itself (``商户:…``); ``kind`` 法人证件 /
    信用代码 / 商户号; ``uscc_bad``: a non-blank USCC that fails the check."""
    legal = id_key(attrs["legal_id"].astype("string"))
    uscc = attrs["uscc"].astype("string").str.strip().str.upper()
    ok = idcard.uscc_is_valid(uscc.fillna("")).to_numpy(bool)
    bad = uscc.notna().to_numpy() & uscc.ne("").fillna(False).to_numpy() & ~ok
    ids = pd.Series(attrs.index.astype("string"), index=attrs.index)
    key = pd.Series(np.where(legal.notna(), "法人:" + legal.fillna(""),
                             np.where(ok, "信用代码:" + uscc.fillna(""), "商户:" + ids)), index=attrs.index,
                    dtype="string")
    kind = pd.Series(np.where(legal.notna(), "法人证件", np.where(ok, "信用代码", "商户号")), index=attrs.index,
                     dtype="string")
    return key, kind, bad


def tenure_ok(mx: MerchantMonths, months_needed: int, as_of: pd.Timestamp) -> pd.Series:
    """入网 ≥ ``months_needed`` months at the data date (boolean): by 入网日期; without it, True when the data
    hold a row at least that long ago, else <NA> (unknown)."""
    od = pd.DatetimeIndex(mx.attrs["open_date"])
    limit = pd.Timestamp(as_of) - pd.DateOffset(months=months_needed)
    by_date = pd.array(np.asarray(od <= limit), dtype="boolean")
    first = np.where(mx.row.any(axis=1), np.argmax(mx.row, axis=1), -1)
    first_day = mx.months.to_timestamp()[np.clip(first, 0, max(len(mx.months) - 1, 0))] if len(mx.months) else od
    early = (first >= 0) & np.asarray(first_day <= limit)
    out = pd.Series(by_date, index=mx.ids, dtype="boolean")
    no_date = np.asarray(od.isna())
    out[no_date] = pd.array(np.where(early[no_date], True, pd.NA), dtype="boolean")
    return out


__all__ = ["stability", "annual_volume", "warning_level", "level_rank", "overdue_legal", "borrower_keys",
           "tenure_ok", "whole_month_end", "YES", "NO", "PENDING"]
