"""Sample ``npl_loans`` (不良贷款) for R1 不良客户偿还能力 (issue 11); its borrowers' deposit accounts: :mod:`.deposit_accounts`.

The NPL ledger holds the sample bank's problem loans — ``loans`` with status D (逾期) or B (未还清结清, written
off) — plus, for one borrower who has another loan, that loan too (downgraded with the first), so that a merge
of several loans appears. The deposit accounts are those of the NPL borrowers and their guarantors, planted
per borrower by :data:`PROFILES` (cycled over the borrowers in 客户号 order) so that every grade A–E, the
unknown grade and every exclusion (frozen, partly frozen, 社保/养老金, 联名, foreign currency, closed, guarantee
expired, guarantor not a depositor) appear in the default bank (13 NPL borrowers). Money in 元.
"""
from __future__ import annotations

import numpy as np
import pandas as pd


#: per profile: own balance (× owed), inflow part (× owed: 近12月入账 = part × owed × 4, i.e. ÷ 12 × 3), extra
#: account (kind, × owed), guarantor (kind, × owed), recent transaction, inflow blank (unknown), no account,
#: written off; the comment gives the grade R1's defaults give
PROFILES = (
    ("A_own", 1.30, 0.05, "usd", 0.10, None, 0.0, True, False, False, False),      # A (+ a USD account not counted)
    ("A_guar", 0.20, 0.00, None, 0.0, "in", 1.00, True, False, False, False),      # A through the guarantor
    ("B_inflow", 0.30, 0.40, "closed", 0.0, None, 0.0, True, False, False, False),  # B 0.70 (inflow × 3)
    ("C_frozen", 0.25, 0.00, "frozen", 2.00, None, 0.0, True, False, False, False),  # C (frozen not counted)
    ("C_pension", 0.15, 0.00, "pension", 3.00, None, 0.0, True, False, False, False),  # C (pension not counted)
    ("D_weak", 0.03, 0.00, None, 0.0, "outside", 0.0, True, False, False, False),  # D (guarantor not a depositor)
    ("E_written_off", 0.00, 0.00, None, 0.0, None, 0.0, False, True, False, True),  # E, written off
    ("E_no_account", 0.00, 0.00, None, 0.0, None, 0.0, False, False, True, False),  # E (no account here)
    ("B_multi", 0.60, 0.00, None, 0.0, None, 0.0, True, False, False, False),      # B, two loans merged
    ("C_guar_expired", 0.12, 0.00, None, 0.0, "expired", 2.00, True, False, False, False),  # C (guarantee ended)
    ("D_joint", 0.02, 0.00, "joint", 1.50, None, 0.0, True, False, False, False),  # D (联名 not counted)
    ("unknown", 0.30, 0.00, None, 0.0, None, 0.0, True, True, False, False),       # 未知 (inflow unknown)
    ("C_partly_frozen", 0.80, 0.00, "partly", 0.40, None, 0.0, True, False, False, False),  # C 0.40
)
_P = pd.DataFrame(PROFILES, columns=["name", "own", "inflow", "extra", "extra_x", "guar", "guar_x", "recent",
                                     "inflow_blank", "no_account", "written_off"])
#: a valid resident ID that is no sample customer (a guarantor who is not a depositor here)
OUTSIDE_GUARANTOR = "11010519491231002X"


def _classify(dpd: np.ndarray) -> np.ndarray:
    return np.select([dpd > 360, dpd > 270], ["损失", "可疑"], default="次级").astype(object)


def _make_npl_loans(rng, customers: pd.DataFrame, loans: pd.DataFrame, as_of: np.datetime64) -> tuple[dict, dict]:
    """(npl_loans data as a column dict for ``_finish``, the plan :func:`.deposit_accounts._make_deposit_accounts`
    plants the borrowers' and guarantors' accounts from: borrowers, profile rows, loan -> borrower, amounts owed,
    guarantors)."""
    bad = loans["status"].isin(["B", "D"]).to_numpy()
    borrowers = np.sort(loans.loc[bad, "cust_id"].unique().astype(str))
    others = loans[~bad & loans["cust_id"].isin(borrowers)]
    prof = np.arange(len(borrowers)) % len(PROFILES)
    multi_at = int(np.flatnonzero(_P["name"] == "B_multi")[0])
    if len(others) and len(borrowers) > multi_at:  # the first borrower with another loan gets the merge profile
        j = int(np.flatnonzero(np.isin(borrowers, others["cust_id"].astype(str)))[0])
        prof[[j, multi_at]] = prof[[multi_at, j]]
    p = _P.iloc[prof].reset_index(drop=True)
    extra_loan = others[others["cust_id"].astype(str) == borrowers[prof == multi_at][0]].head(1) \
        if (prof == multi_at).any() and len(others) else others.iloc[:0]
    npl = pd.concat([loans[bad], extra_loan]).reset_index(drop=True)
    m = len(npl)
    b_of = pd.Series(np.arange(len(borrowers)), index=borrowers)
    bi = b_of.reindex(npl["cust_id"].astype(str)).to_numpy()
    pi = p.iloc[bi].reset_index(drop=True) if m else p.iloc[:0]
    status = npl["status"].astype(str).to_numpy()
    finished = status == "B"
    od = npl["overdue_days"].fillna(0).to_numpy(dtype=np.int64)
    dpd = np.where(finished, rng.integers(365, 900, m), od + 91)
    cls = _classify(dpd)
    joint_loan = (pi["name"] == "D_joint").to_numpy()
    dpd = np.where(joint_loan, 300, dpd)  # planted: 次级 at 300 days is milder than allowed (NPL_CLASS_DPD)
    amount = npl["amount"].to_numpy(dtype=float)
    principal = np.where(finished, np.round(amount * rng.uniform(0.3, 0.8, m), -2),
                         npl["balance"].to_numpy(dtype=float))
    principal = np.where(principal > 0, principal, np.round(amount * 0.5, -2))
    rate = npl["rate"].fillna(0.04).to_numpy(dtype=float)
    interest = np.round(principal * rate * dpd / 360, 2)
    written_off = finished | pi["written_off"].to_numpy(dtype=bool)

    # guarantors: customers who borrow nothing here, drawn once
    pool = customers.loc[~customers["cust_id"].isin(loans["cust_id"]), ["cust_id", "id_no", "cust_name", "org_id"]]
    n_g = len(borrowers)
    gpick = pool.iloc[rng.choice(len(pool), size=min(n_g, len(pool)), replace=False)] if len(pool) and n_g else pool
    g_kind = p["guar"].to_numpy(dtype=object)
    has_g = np.isin(g_kind, ["in", "expired"]) & (np.arange(n_g) < len(gpick))
    g_id = np.full(n_g, None, dtype=object)
    g_id[has_g] = gpick["id_no"].to_numpy(dtype=object)[np.arange(n_g)[has_g]]
    g_id[g_kind == "outside"] = OUTSIDE_GUARANTOR
    g_end = np.full(n_g, np.datetime64("NaT"), dtype="datetime64[D]")
    g_end[g_kind == "in"] = as_of + 730
    g_end[g_kind == "expired"] = as_of - 92
    first_of = ~pd.Series(bi).duplicated().to_numpy()  # the guarantor guarantees the borrower's first loan
    gid_l = np.where(first_of, g_id[bi], None)
    gend_l = np.where(first_of, g_end[bi], np.datetime64("NaT")).astype("datetime64[D]")
    product = npl["product"].astype(str).to_numpy()
    guarantee = np.where(pd.notna(gid_l), "保证", np.where(product == "个人住房贷款", "抵押", "信用"))
    npl_data = {
        "loan_id": npl["loan_id"].to_numpy(), "cust_id": npl["cust_id"].to_numpy(),
        "cust_name": npl["cust_name"].to_numpy(), "id_no": npl["id_no"].to_numpy(),
        "org_id": npl["org_id"].to_numpy(), "mgr_id": npl["mgr_id"].to_numpy(), "classification": cls,
        "overdue_days": dpd, "principal": principal, "interest": interest, "guarantee": guarantee,
        "guarantor_id": gid_l, "guarantee_end": gend_l, "written_off": written_off, "amount": amount,
        "status": status, "start_date": npl["start_date"].to_numpy(), "maturity_date": npl["maturity_date"].to_numpy(),
        "as_of": np.full(m, as_of),
    }

    plan = {"borrowers": borrowers, "p": p, "bi": bi, "owed": (pd.Series(principal + interest).groupby(bi).sum()
                                                             .reindex(range(len(borrowers))).fillna(0).to_numpy()),
            "has_g": has_g, "g_id": g_id, "gpick": gpick}
    return npl_data, plan
