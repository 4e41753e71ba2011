"""Sample ``loans`` (贷款): the bank's own personal loans (等额本息 payments, statuses, balances)."""
from __future__ import annotations

import numpy as np

from ..tax import round_half_up
from ._common import _DAY, _add_months, _digits


_LOAN_KINDS = ("个人住房贷款", "个人消费贷款", "个人经营贷款", "个人汽车贷款")


_LOAN_KIND_P = (0.45, 0.35, 0.15, 0.05)


def _annuity_payment(principal, annual_rate, n):
    """Monthly payment of an annuity loan (等额本息): P·r / (1 − (1+r)^−n), r = annual_rate / 12."""
    r = np.asarray(annual_rate, dtype=np.float64) / 12.0
    n = np.asarray(n, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        pay = np.where(r > 0, principal * r / (1.0 - (1.0 + r) ** (-n)), principal / n)
    return pay


def _make_loans(rng, cust: dict, wealth: np.ndarray, as_of: np.datetime64) -> tuple[dict, np.ndarray]:
    """Own loans (≈14% of customers, some with 2–3): returns (table data, customer index per loan)."""
    n = len(cust["cust_id"])
    age = (as_of - cust["birth_date"]) / _DAY / 365.25
    p = np.where((age >= 25) & (age < 55), 0.18, 0.07)
    k = np.where(rng.random(n) < p, 1 + (rng.random(n) < 0.22) + (rng.random(n) < 0.05), 0)
    # months the relationship has lasted: a loan never starts before the customer's 开户日期
    rel_m = (as_of.astype("datetime64[M]") - cust["open_date"].astype("datetime64[M]")).astype(np.int64)
    k[rel_m < 2] = 0
    li = np.repeat(np.arange(n), k)
    m = len(li)
    kind = rng.choice(len(_LOAN_KINDS), size=m, p=_LOAN_KIND_P)
    w = wealth[li]
    z = rng.normal(0, 1, m)
    med = np.array([1_000_000.0, 100_000.0, 500_000.0, 150_000.0])[kind]
    sig = np.array([0.45, 0.6, 0.6, 0.35])[kind]
    amt = np.exp(np.log(med) + sig * z + 0.25 * np.clip(w, -2, 2))
    amt = np.where(kind == 0, np.round(amt, -4), np.round(amt, -3))
    terms = {0: ([240, 300, 360], [0.3, 0.3, 0.4]), 1: ([12, 24, 36, 60], [0.25, 0.3, 0.3, 0.15]),
             2: ([12, 24, 36, 60], [0.3, 0.3, 0.25, 0.15]), 3: ([24, 36, 60], [0.3, 0.4, 0.3])}
    term = np.zeros(m, dtype=np.int64)
    for kk, (opts, pr) in terms.items():
        s = kind == kk
        term[s] = rng.choice(opts, size=s.sum(), p=pr)
    u = rng.random(m)
    status = np.where(u < 0.80, "C", np.where(u < 0.83, "D", np.where(u < 0.985, "A", "B"))).astype(object)
    rel = rel_m[li]
    finished = np.isin(status, ["A", "B"]) & (rel > term + 1)
    status[np.isin(status, ["A", "B"]) & ~finished] = "C"
    # months since the start: running loans 1 .. min(term − 1, relationship), finished loans > term
    run_el = 1 + np.floor(rng.random(m) * np.maximum(np.minimum(term - 1, rel - 1), 1)).astype(np.int64)
    fin_el = term + 1 + np.floor(rng.random(m) * np.maximum(np.minimum(36, rel - term - 1), 1)).astype(np.int64)
    elapsed = np.where(finished, fin_el, run_el)
    start = _add_months(np.full(m, as_of.astype("datetime64[M]").astype("datetime64[D]")), -elapsed)
    start = start + rng.integers(0, 28, m)
    start = np.minimum(np.maximum(start, cust["open_date"][li]), as_of - 28)
    mat = _add_months(start, term)
    sy = start.astype("datetime64[Y]").astype(np.int64) + 1970
    base = np.select([sy <= 2021, sy <= 2023, sy == 2024], [0.049, 0.041, 0.035], 0.031)
    rate = np.round(base + np.array([0.0, 0.006, 0.004, 0.008])[kind] + rng.normal(0, 0.0015, m), 4)
    rate = np.maximum(rate, 0.025)
    mp = round_half_up(_annuity_payment(amt, rate, term))
    r = rate / 12
    paid = np.minimum(elapsed, term)
    g = (1 + r) ** paid
    bal = np.maximum(amt * g - mp * (g - 1) / r, 0.0)
    bal = np.where(finished, 0.0, round_half_up(bal))
    end = np.where(finished, np.minimum(mat, as_of - rng.integers(1, 300, m)), np.datetime64("NaT"))
    end = np.where(finished & (status == "B"), start + (mat - start) // 2, end).astype("datetime64[D]")
    overdue = np.where(status == "D", rng.integers(1, 181, m), 0)
    acct = cust["_acct"][li] if m else np.array([], dtype=object)
    data = {
        "loan_id": "LN" + _digits(np.arange(1, m + 1) * 13 + 5_000_000, 10) if m else np.array([], dtype=object),
        "cust_id": cust["cust_id"][li], "cust_name": cust["cust_name"][li], "id_no": cust["id_no"][li],
        "org_id": cust["org_id"][li], "mgr_id": cust["mgr_id"][li], "acct_no": acct,
        "product": np.array(_LOAN_KINDS, dtype=object)[kind], "start_date": start,
        "maturity_date": mat, "amount": amt, "balance": bal, "rate": rate, "term_m": term,
        "repay_method": np.full(m, "等额本息", dtype=object), "monthly_payment": mp, "repay_acct": acct,
        "status": status, "overdue_days": overdue, "end_date": end, "as_of": np.full(m, as_of),
    }
    return data, li
