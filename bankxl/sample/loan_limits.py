"""Sample ``loans`` columns for C10 存量个贷提额增信 (issue 14): 授信额度, 申报月收入, 已还期数, 近24月逾期, 五级分类,
重组标志 — added to the loans :mod:`.loans` made, from an own random stream (every other column and table unchanged).

* 授信额度: 个人消费贷款 = 贷款金额 × U(1.0, 1.5) rounded to 1,000 元 (a revolving limit above the drawn amount; ≈5%
  blank: C10 then uses 贷款金额); other products = 贷款金额.
* 申报月收入: one value per customer (all their loans), lognormal around 15,000 元 (higher for larger loans), rounded to
  100 元; ≈8% of customers blank (unknown).
* 已还期数: whole months since 放款日 (to 结清日 for settled loans) for ≈60% of loans, fewer for loans in arrears; blank
  for the others (C10 derives it).
* 近24月逾期: 是 for loans in arrears (状态 D) and ≈7% of others, 否 otherwise; ≈3% blank.
* 五级分类: 正常; 状态 D → 关注 (逾期 ≤ 90 天) / 次级 (> 90 天); ≈2% of running loans 关注; ≈2% blank.
* 重组标志: ≈3% 是 among running loans, 否 otherwise; ≈1% blank.
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def _add_loan_limits(rng: np.random.Generator, loans: pd.DataFrame, as_of: np.datetime64) -> pd.DataFrame:
    """``loans`` (the canonical frame) with the six columns above filled (a copy; dtypes of the spec)."""
    out = loans.copy()
    m = len(out)
    amt = out["amount"].to_numpy(dtype="float64")
    consumer = out["product"].astype("string").eq("个人消费贷款").fillna(False).to_numpy()
    lim = np.where(consumer, np.round(amt * rng.uniform(1.0, 1.5, m), -3), amt)
    lim = np.where(consumer & (rng.random(m) < 0.05), np.nan, lim)
    out["credit_limit"] = lim
    codes, uniq = pd.factorize(out["cust_id"])
    k = len(uniq)
    base = np.exp(np.log(15_000) + 0.55 * rng.normal(0, 1, k))
    top = pd.Series(amt).groupby(codes).max().reindex(range(k)).to_numpy() if m else np.zeros(0)
    inc = np.round(base * np.clip(top / 150_000, 0.6, 3.0) ** 0.35, -2)
    inc = np.where(rng.random(k) < 0.08, np.nan, inc)
    out["declared_income"] = inc[codes] if m else np.zeros(0)
    status = out["status"].astype("string").fillna("").to_numpy()
    start = pd.to_datetime(out["start_date"])
    end = pd.to_datetime(out["end_date"])
    until = end.where(end.notna() & (end < pd.Timestamp(as_of)), pd.Timestamp(as_of))
    months = ((until.dt.year - start.dt.year) * 12 + (until.dt.month - start.dt.month)
              - (until.dt.day < start.dt.day).astype(int)).clip(lower=0).to_numpy(dtype="float64")
    arrears = status == "D"
    paid = np.where(arrears, np.maximum(months - rng.integers(1, 4, m), 0), months)
    out["paid_terms"] = pd.array(np.where(rng.random(m) < 0.6, paid, np.nan), dtype="float64").astype("Int64")
    od = arrears | (rng.random(m) < 0.07)
    out["overdue_24m"] = pd.array(np.where(rng.random(m) < 0.03, None, od), dtype="boolean")
    running = np.isin(status, ["C", "D"])
    dpd = pd.to_numeric(out["overdue_days"], errors="coerce").fillna(0).to_numpy()
    cls = np.where(arrears, np.where(dpd > 90, "次级", "关注"),
                   np.where(running & (rng.random(m) < 0.02), "关注", "正常")).astype(object)
    out["classification"] = pd.array(np.where(rng.random(m) < 0.02, None, cls), dtype="string")
    restr = running & (rng.random(m) < 0.03)
    out["restructured"] = pd.array(np.where(rng.random(m) < 0.01, None, restr), dtype="boolean")
    return out
