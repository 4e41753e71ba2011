"""Sample ``merchant_monthly`` (收单商户月度): 24 months of 笔数 / 金额 (元, refunds negative) / 结算户日均 per
sample merchant (:mod:`.merchants`), from its 入网 month to the data date's month (counted up to the data date).

Amount = the merchant's level (元 per 30-day month) / 30 × the month's days × a factor: noise ±8% for ordinary
months, +2% a month for growing merchants, the school year (low in January–February and July–August) for
schools, summer and October peaks for scenic spots, and in the last months the planted trajectory of its
profile (:data:`.merchants.PROFILES`: r = 40% / 65% / 90%, two months ≥ 30%, refunds over sales, no
transaction this month or for 4 months, 注销, a missing month). The last five months of a planted profile are
noise-free, so E1's levels are exact. 笔数 = |金额| / the kind's average ticket (at least 1 when there was
any transaction, 0 when none). 结算户日均 = level × a deposit ratio (5–50%); blank for about 10% of merchants
(no settlement account data). Deterministic for a seed.
"""
from __future__ import annotations

import numpy as np

from ._common import _months_back
from .merchants import _last_txn

#: season factors by calendar month (1–12)
_SCHOOL = np.array([0.5, 0.3, 1.2, 1.0, 1.0, 0.9, 0.2, 0.3, 1.5, 1.0, 1.0, 0.9])
_SCENIC = np.array([0.4, 0.5, 0.6, 0.9, 1.3, 0.9, 1.6, 1.6, 1.0, 1.8, 0.5, 0.4])
MONTHS = 24


def _make_merchant_monthly(rng, plan: dict, as_of: np.datetime64) -> tuple[dict, np.ndarray]:
    """(merchant_monthly as a column dict for ``_finish``, 最近交易日 per merchant) for the merchants of ``plan``."""
    prof, level, ticket, back = plan["profile"], plan["level"], plan["ticket"], plan["back"]
    n, m = len(prof), MONTHS
    months = _months_back(as_of, m)
    nxt = (months.astype("datetime64[M]") + 1).astype("datetime64[D]")
    days = (np.minimum(nxt, as_of + 1) - months).astype(np.int64).astype(float)
    cal = (months.astype("datetime64[M]").astype(np.int64) % 12)  # 0 = January
    j = np.arange(m)

    planted = ~np.isin(prof, ["stable", "growing", "school", "school_down", "scenic"])
    noise = np.clip(1 + 0.08 * rng.normal(0, 1, (n, m)), 0.6, 1.4)
    noise[np.isin(prof, ["school", "school_down", "scenic"])] = 1.0
    noise[planted, m - 5:] = 1.0
    f = noise
    f = np.where((prof == "growing")[:, None], f * 1.02 ** (j - (m - 1)), f)
    f = np.where(np.isin(prof, ["school", "school_down"])[:, None], f * _SCHOOL[cal], f)
    f = np.where((prof == "scenic")[:, None], f * _SCENIC[cal], f)
    last, prev = m - 1, m - 2

    def at(name: str, col: int | slice, value) -> None:
        rows = prof == name
        if isinstance(value, np.ndarray):
            f[rows, col] = value[rows]
        else:
            f[rows, col] = value

    at("school_down", last, f[:, last] * 0.6)
    at("near", last, rng.uniform(0.72, 0.74, n))
    at("level1", last, 0.6)
    at("level2", last, 0.35)
    at("level3", last, 0.10)
    at("streak", prev, 0.65)
    at("streak", last, 0.58)
    at("refund", last, -0.05)
    at("level4", last, 0.0)
    at("dormant", slice(m - 4, m), 0.0)
    at("closed", slice(m - 2, m), 0.0)

    amount = np.round(level[:, None] / 30 * f * days, 2)
    first = (m - 1) - back  # column of the 入网 month
    open_day = ((plan["open_date"] - months[np.clip(first, 0, m - 1)]).astype(np.int64)).astype(float)
    partial = (j[None, :] == first[:, None])
    amount = np.where(partial, np.round(amount * (1 - open_day[:, None] / days[None, :]), 2), amount)
    present = j[None, :] >= first[:, None]
    present[prof == "gap", m - 3] = False
    count = np.where(amount == 0, 0, np.maximum(1, np.round(np.abs(amount) / ticket[:, None]))).astype(np.int64)
    count = np.where((prof == "refund")[:, None] & (j == last)[None, :], np.maximum(count, 3), count)
    ratio = np.exp(rng.normal(np.log(0.15), 0.6, n)).clip(0.05, 0.5)
    ratio = np.where(prof == "star5", 0.45, ratio)  # E2's ★5: 结算户日均 ≈ 31.5 万元 ≥ 20 万
    settle = np.round(level[:, None] * ratio[:, None] * np.clip(f, 0, None) * rng.uniform(0.9, 1.1, (n, m)), -2)
    settle[rng.random(n) < 0.1] = np.nan

    amount_known = np.where(present, amount, np.nan)
    last_txn = _last_txn(rng, plan, months, amount_known, np.where(present, count, 0), as_of)
    r, c = np.nonzero(present)
    data = {"mch_id": plan["mch_id"][r], "month": months[c], "txn_count": count[r, c], "amount": amount[r, c],
            "settle_avg": settle[r, c]}
    return data, last_txn
