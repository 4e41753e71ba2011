"""Sample ``payment_orders`` (代扣指令): own and other-bank loan repayments, utilities and insurance."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import BANK_NAME, _OTHER_BANKS, _digits


def _make_orders(rng, cust: dict, loans: dict, loan_ci: np.ndarray, flows_truth: pd.DataFrame, as_of) -> dict:
    """Standing payment orders: own running loans, half of the planted other-bank loans, household bills,
    insurance premiums."""
    n = len(cust["cust_id"])
    acct = cust["_acct"]
    parts = []
    run = np.isin(loans["status"], ["C", "D"])
    if run.any():
        parts.append({"ci": loan_ci[run], "bank_to": np.full(run.sum(), BANK_NAME, dtype=object),
                      "acct_to": loans["loan_id"][run], "amount": loans["monthly_payment"][run],
                      "purpose": "贷款还款", "code": "LOAN", "start": loans["start_date"][run]})
    t = flows_truth[flows_truth["profile"].isin(["他行房贷", "他行经营贷"])]
    t = t.iloc[::2]
    if len(t):
        ci = pd.Index(cust["cust_id"]).get_indexer(t["cust_id"].astype(object))
        parts.append({"ci": ci, "bank_to": t["institution"].to_numpy(dtype=object),
                      "acct_to": "LN" + _digits(rng.integers(10**9, 10**10, len(t)), 10),
                      "amount": t["monthly_payment"].to_numpy(dtype=np.float64), "purpose": "贷款还款", "code": "LOAN",
                      "start": as_of - rng.integers(200, 2000, len(t))})
    banks = np.array((BANK_NAME,) + _OTHER_BANKS, dtype=object)
    for share, purpose, code, lo_a, hi_a in ((0.25, "家庭费用", "UTIL", 80, 800), (0.08, "保险", "INSUR", 200, 3000)):
        ci = np.nonzero(rng.random(n) < share)[0]
        k = len(ci)
        if not k:
            continue
        parts.append({"ci": ci, "bank_to": banks[rng.integers(0, len(banks), k)],
                      "acct_to": _digits(rng.integers(10**11, 10**12, k), 12),
                      "amount": np.round(rng.uniform(lo_a, hi_a, k), 2), "purpose": purpose, "code": code,
                      "start": np.maximum(cust["open_date"][ci], as_of - rng.integers(30, 3000, k))})
    if parts:
        ci = np.concatenate([p_["ci"] for p_ in parts]).astype(np.int64)
        full = lambda p_, k: np.broadcast_to(np.asarray(p_[k], dtype=object), (len(p_["ci"]),))
        cols = {k: np.concatenate([full(p_, k) for p_ in parts]) for k in ("bank_to", "acct_to", "purpose", "code")}
        amount = np.concatenate([np.asarray(p_["amount"], dtype=np.float64) for p_ in parts])
        start = np.concatenate([np.asarray(p_["start"], dtype="datetime64[D]") for p_ in parts])
    else:
        ci = np.zeros(0, np.int64)
        cols = {k: np.array([], dtype=object) for k in ("bank_to", "acct_to", "purpose", "code")}
        amount, start = np.zeros(0), np.zeros(0, dtype="datetime64[D]")
    order = np.argsort(ci, kind="stable")
    m = len(ci)
    return {"order_id": "DK" + _digits(np.arange(1, m + 1), 10) if m else np.array([], dtype=object),
            "cust_id": cust["cust_id"][ci[order]], "acct_no": acct[ci[order]] if m else np.array([], dtype=object),
            "bank_to": cols["bank_to"][order], "acct_to": cols["acct_to"][order], "amount": amount[order],
            "purpose": cols["purpose"][order], "purpose_code": cols["code"][order], "start_date": start[order],
            "ccy": np.full(m, "CNY", dtype=object)}
