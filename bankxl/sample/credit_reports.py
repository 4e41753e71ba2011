"""Sample ``credit_reports`` (征信明细) for C1 线上贷款白名单 (issue 13; the account rows C8 reads too): the credit
reports the bank holds under authorisation (贷款审批/贷后管理), one row per credit account.

Who: ≈35% of the sample bank's customers (more of those with a loan here), 1–4 accounts each; ≈10% of them have
a second, older report (the scenario takes the latest); ≈3% hold only a report older than 180 days. Accounts:
D1 非循环贷 (个人住房商业 11 / 个人消费 91 / 个人经营性 41) and R2 贷记卡, at other banks. 近24月还款状态 = 24
characters, oldest first: mostly N; planted ≈4% of persons with 3+ overdue months in a row (连三), ≈3% with 6
overdue months scattered (累六), ≈2% overdue now (last month 1–2, 账户状态 逾期, 当前逾期总额 > 0). 近3月硬查询次数
Poisson(1.2), ≈5% of persons 7–12 (over the default limit 6), blank for ≈3% (unknown). Own random stream.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

_LENDERS = np.array(["中国工商银行", "中国建设银行", "招商银行", "平安银行", "兴业银行", "招联消费金融", "浦发银行"],
                    dtype=object)
_TYPES = np.array(["11", "91", "41", "R2"], dtype=object)


def _make_credit_reports(rng, customers: pd.DataFrame, loans: pd.DataFrame, as_of: np.datetime64) -> dict:
    """The table's columns (dict of arrays, ``credit_reports`` column ids); see the module docstring."""
    n_c = len(customers)
    has_loan = customers["cust_id"].isin(loans["cust_id"]).to_numpy()
    who = np.flatnonzero(rng.random(n_c) < np.where(has_loan, 0.7, 0.3))
    k = len(who)
    second = rng.random(k) < 0.10
    stale = rng.random(k) < 0.03
    rep_person = np.concatenate([np.arange(k), np.flatnonzero(second)])
    rep_date = np.concatenate([
        as_of - np.where(stale, rng.integers(200, 500, k), rng.integers(1, 90, k)).astype("timedelta64[D]"),
        as_of - rng.integers(400, 800, int(second.sum())).astype("timedelta64[D]")])
    n_acc = rng.integers(1, 5, len(rep_person))
    row_rep = np.repeat(np.arange(len(rep_person)), n_acc)
    person = rep_person[row_rep]
    n = len(row_rep)
    # per-person planted history (the latest report shows it; an older report is clean)
    u = rng.random(k)
    streak3, spread6, now = u < 0.04, (u >= 0.04) & (u < 0.07), (u >= 0.07) & (u < 0.09)
    latest = row_rep < k
    first_acc = np.r_[True, row_rep[1:] != row_rep[:-1]]
    mat = np.full((n, 24), "N", dtype="<U1")
    target = latest & first_acc
    s3 = target & streak3[person]
    pos = rng.integers(0, 19, n)
    for j in range(3):  # three months in a row (over the 3 columns, not over rows)
        mat[s3, np.minimum(pos[s3] + j, 23)] = "1"
    s6 = np.flatnonzero(target & spread6[person])
    mat[s6[:, None], np.array([1, 4, 8, 12, 16, 20])[None, :]] = "1"  # six months apart: 累六, no 连三
    nw = target & now[person]
    mat[nw, 23] = np.where(rng.random(int(nw.sum())) < 0.5, "1", "2")
    repay = np.ascontiguousarray(mat).view("<U24").ravel().astype(object)
    repay = np.where(rng.random(n) < 0.03, None, repay)
    kind = _TYPES[rng.choice(4, n, p=[0.25, 0.3, 0.15, 0.3])]
    amount = np.round(np.where(kind == "11", np.exp(np.log(800_000) + 0.4 * rng.normal(0, 1, n)),
                               np.exp(np.log(50_000) + 0.6 * rng.normal(0, 1, n))), -2)
    balance = np.round(amount * rng.uniform(0.1, 0.9, n), 2)
    q = rng.poisson(1.2, k).astype("float64")
    q = np.where(rng.random(k) < 0.05, rng.integers(7, 13, k), q)
    q = np.where(rng.random(k) < 0.03, np.nan, q)
    cust = customers.iloc[who[person]]
    open_d = rep_date[row_rep] - rng.integers(200, 3000, n).astype("timedelta64[D]")
    return {
        "id_no": cust["id_no"].to_numpy(dtype=object), "cust_id": cust["cust_id"].to_numpy(dtype=object),
        "cust_name": cust["cust_name"].to_numpy(dtype=object), "report_date": rep_date[row_rep],
        "account_type": np.where(kind == "R2", "R2", "D1").astype(object),
        "lender": _LENDERS[rng.integers(0, len(_LENDERS), n)],
        "business_type": np.where(kind == "R2", None, kind).astype(object),
        "open_date": open_d, "maturity_date": open_d + (rng.integers(1, 30, n) * 365).astype("timedelta64[D]"),
        "amount": amount, "balance": balance,
        "account_status": np.where(nw, "逾期", "正常").astype(object),
        "overdue_amount": np.where(nw, np.round(balance * 0.03, 2), 0.0),
        "repay_24m": repay, "classification": np.where(nw, "关注", "正常").astype(object),
        "guarantee": np.where(kind == "11", "抵押", "信用").astype(object),
        "hard_queries_3m": q[person],
        "as_of": np.full(n, as_of, dtype="datetime64[D]"),
    }
