"""Sample ``time_deposits`` (定期存款明细): products, terms, rates, balances and maturities around the as-of date."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import _DAY, _add_months, _chuxi, _digits, _month_end


_PRODUCTS = ("整存整取", "大额存单", "零存整取", "通知存款", "定活两便")


_PRODUCT_P = (0.76, 0.13, 0.07, 0.02, 0.02)


_TERMS = np.array([3, 6, 12, 24, 36, 60])


_TERM_P = {  # probabilities over _TERMS per termed product
    0: (0.12, 0.15, 0.33, 0.15, 0.20, 0.05),
    1: (0.05, 0.10, 0.25, 0.20, 0.40, 0.00),
    2: (0.00, 0.00, 0.60, 0.00, 0.30, 0.10),
}


_RATE_2026 = np.array([0.0090, 0.0100, 0.0110, 0.0120, 0.0125, 0.0130])  # 整存整取 by _TERMS


_LSZQ_RATE_2026 = {12: 0.0085, 36: 0.0100, 60: 0.0100}  # 零存整取


_NOTICE_RATE = 0.0045  # 7 天通知存款


_CD_PREMIUM = 0.0015  # 大额存单 over 整存整取


_YEAR_FACTOR = {2021: 2.3, 2022: 2.1, 2023: 1.85, 2024: 1.5, 2025: 1.12}  # rate level of older value years


def _make_time_deposits(rng, cust: dict, wealth: np.ndarray, as_of: np.datetime64):
    n = len(cust["cust_id"])
    k = np.where(rng.random(n) < 0.2, 0, rng.geometric(0.615, n))
    ci = np.repeat(np.arange(n), k)
    m = len(ci)
    prod = rng.choice(len(_PRODUCTS), size=m, p=_PRODUCT_P)
    termed = prod <= 2

    # terms
    term = np.zeros(m, dtype=np.int64)
    for p, probs in _TERM_P.items():
        sel = prod == p
        term[sel] = _TERMS[rng.choice(len(_TERMS), size=sel.sum(), p=probs)]

    # maturities: mixture of uniform / quarter-end / pre-Spring-Festival / matured-not-withdrawn
    horizon = _add_months(np.array([as_of]), 13)[0]
    win_end = np.minimum(_add_months(np.full(m, as_of), term), horizon)
    win_days = np.maximum((win_end - as_of) / _DAY, 1).astype(np.int64)
    comp = rng.choice(4, size=m, p=(0.03, 0.75, 0.12, 0.10))
    mat = as_of + 1 + np.floor(rng.random(m) * win_days).astype(np.int64)  # uniform (default)
    # quarter ends after as_of within the horizon
    q0 = as_of.astype("datetime64[M]")
    qm = q0 + np.arange(0, 16)
    qm = qm[(qm.astype(np.int64) % 12) % 3 == 2]
    qe = _month_end(qm.astype("datetime64[D]"))
    qe = qe[(qe > as_of) & (qe <= horizon)]
    nq = np.searchsorted(qe, win_end, side="right")
    sel = (comp == 2) & (nq > 0)
    if len(qe):
        pick = qe[np.floor(rng.random(m) * np.maximum(nq, 1)).astype(np.int64)]
        cand = pick - rng.integers(0, 5, m)
        ok = sel & (cand > as_of)
        mat[ok] = cand[ok]
    # the month before the next 除夕 within the horizon
    yr = int(as_of.astype("datetime64[Y]").astype(np.int64) + 1970)
    eve = next((e for e in (_chuxi(yr), _chuxi(yr + 1)) if as_of < e - 1 <= horizon), None)
    if eve is not None:
        cand = eve - 30 + rng.integers(0, 30, m)
        ok = (comp == 3) & (cand > as_of) & (cand <= win_end)
        mat[ok] = cand[ok]
    matured = (comp == 0) & termed
    mat[matured] = as_of - rng.integers(1, 181, matured.sum())

    value = _add_months(mat, -term)
    # untermed products: value date only
    value[~termed] = as_of - rng.integers(1, 721, (~termed).sum())
    # nobody deposits before turning 18: such deposits start on the 18th birthday instead
    adult = _add_months(cust["birth_date"][ci], 18 * 12)
    value = np.minimum(np.maximum(value, adult), as_of)
    mat = _add_months(value, term)
    matured &= mat <= as_of

    # balances
    w = wealth[ci]
    amt = np.exp(np.log(50_000) + w + rng.normal(0, 0.6, m))
    amt = np.where(
        amt >= 10_000, np.where(rng.random(m) < 0.4, np.round(amt, -4), np.round(amt, -2)), np.round(amt, -2)
    )
    amt = np.maximum(amt, 100.0)
    cd = prod == 1
    amt[cd] = np.round(
        200_000 * np.exp(np.abs(rng.normal(0, 0.8, cd.sum())) + 0.3 * np.maximum(w[cd], 0)), -4
    )
    ls = prod == 2
    inst = rng.choice([500.0, 1000.0, 2000.0, 3000.0, 5000.0], size=ls.sum(), p=(0.2, 0.35, 0.25, 0.1, 0.1))
    paid = np.clip(
        ((as_of.astype("datetime64[M]") - value[ls].astype("datetime64[M]")).astype(np.int64)) + 1,
        1,
        term[ls],
    )
    amt[ls] = inst * paid
    nt = prod == 3
    amt[nt] = np.round(50_000 * np.exp(np.abs(rng.normal(0, 1.0, nt.sum()))), -4)
    dh = prod == 4
    amt[dh] = np.maximum(np.round(np.exp(np.log(20_000) + rng.normal(0, 0.8, dh.sum())), -2), 100.0)

    # rates: by term, product and the rate level of the value year
    vy = value.astype("datetime64[Y]").astype(np.int64) + 1970
    fac = np.ones(m)
    for y, f in _YEAR_FACTOR.items():
        fac[vy == y] = f
    fac[vy < min(_YEAR_FACTOR)] = _YEAR_FACTOR[min(_YEAR_FACTOR)]
    ti = np.searchsorted(_TERMS, term)
    ti = np.clip(ti, 0, len(_TERMS) - 1)
    rate = _RATE_2026[ti] * fac
    rate[cd] = (_RATE_2026[ti[cd]] + _CD_PREMIUM) * fac[cd]
    for t, r in _LSZQ_RATE_2026.items():
        s = ls & (term == t)
        rate[s] = r * fac[s]
    rate[nt] = _NOTICE_RATE
    rate[dh] = _RATE_2026[2] * 0.6
    rate = np.round(rate, 6)

    renew_p = np.array([0.55, 0.2, 0.0, 0.0, 0.0])[prod]
    auto_renew = (rng.random(m) < renew_p) & ~matured

    # the 29 February case: 2024-02-29 + 12 months = 2025-02-28, matured, not withdrawn
    zz = np.nonzero((prod == 0) & (adult <= np.datetime64("2024-02-29")))[0]
    if as_of <= np.datetime64("2025-02-28"):  # only once that deposit has matured
        zz = zz[:0]
    if len(zz):
        r = zz[0]
        value[r] = np.datetime64("2024-02-29")
        term[r] = 12
        mat[r] = _add_months(value[r : r + 1], 12)[0]
        rate[r] = round(_RATE_2026[2] * _YEAR_FACTOR[2024], 6)
        auto_renew[r] = False

    mat_out = mat.astype("datetime64[ns]")
    mat_out[~termed] = np.datetime64("NaT")
    term_out = pd.array(np.where(termed, term, 0), dtype="Int64")
    term_out[~termed] = pd.NA

    prod_code = (prod + 1).astype(np.int64)
    org = cust["org_id"][ci]
    acct_no = (
        (org.astype(object) + _digits(prod_code, 2) + _digits(np.arange(1, m + 1) * 7 + 1_000_000, 10))
        if m
        else np.array([], dtype=object)
    )

    data = {
        "acct_no": acct_no,
        "cust_id": cust["cust_id"][ci],
        "cust_name": cust["cust_name"][ci],
        "id_no": cust["id_no"][ci],
        "org_id": org,
        "mgr_id": cust["mgr_id"][ci],
        "product": np.array(_PRODUCTS, dtype=object)[prod],
        "value_date": value,
        "maturity_date": mat_out,
        "term_m": term_out,
        "rate": rate,
        "balance": amt.astype(np.float64),
        "auto_renew": auto_renew,
        "ccy": np.full(m, "CNY", dtype=object),
        "status": np.full(m, "正常", dtype=object),
        "as_of": np.full(m, as_of),
    }
    # a customer's relationship starts no later than the first deposit
    first = np.full(n, np.datetime64("2262-01-01", "D"))
    np.minimum.at(first, ci, value)
    cust["open_date"] = np.minimum(cust["open_date"], first)
    return data
