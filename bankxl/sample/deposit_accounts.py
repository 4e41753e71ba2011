"""Sample ``deposit_accounts`` (存款账户): the deposit accounts of the sample NPL borrowers and their guarantors
(R1 不良客户偿还能力, issue 11), planted per borrower by the profile :mod:`.npl_loans` gave it
(:data:`.npl_loans.PROFILES`): own accounts, a frozen / partly frozen / 社保养老金 / 联名 / USD / closed account,
guarantor accounts, a recent or a 2-year-old last transaction, a blank 近12月入账 (unknown). Money in 元."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import _digits, _settle_acct


def _make_deposit_accounts(rng, customers: pd.DataFrame, plan: dict, as_of: np.datetime64) -> dict:
    """The accounts of ``plan`` (:func:`.npl_loans._make_npl_loans`) as a column dict for ``_finish``."""
    borrowers, p, owed = plan["borrowers"], plan["p"], plan["owed"]
    has_g, g_id, gpick = plan["has_g"], plan["g_id"], plan["gpick"]
    n_g = len(borrowers)
    cust = customers.set_index("cust_id").reindex(borrowers)
    payroll = cust["payroll_flag"].fillna(False).to_numpy(dtype=bool)
    recent = as_of - rng.integers(0, 60, n_g)
    stale = as_of - rng.integers(500, 900, n_g)
    parts = []

    def accounts(sel, acct, cust_id, id_no, name, org, nature, balance, inflow, last, **kw):
        k = int(sel.sum())
        d = {"acct_no": acct, "cust_id": cust_id, "cust_name": name, "id_no": id_no, "org_id": org,
             "nature": nature, "balance": np.round(balance, 2), "inflow_12m": inflow, "last_txn_date": last}
        d = {c: (np.asarray(v)[sel] if np.ndim(v) else np.full(k, v, dtype=object)) for c, v in d.items()}
        d.update({c: np.full(k, v, dtype=object) if np.ndim(v) == 0 else np.asarray(v)[sel] for c, v in kw.items()})
        parts.append(pd.DataFrame(d))

    ids, names, orgs = cust["id_no"].to_numpy(), cust["cust_name"].to_numpy(), cust["org_id"].to_numpy()
    own_sel = ~p["no_account"].to_numpy(dtype=bool)
    inflow = np.where(p["inflow_blank"].to_numpy(dtype=bool), np.nan,
                      np.round(p["inflow"].to_numpy() * owed * 4, 2))
    recent_b = p["recent"].to_numpy(dtype=bool)
    accounts(own_sel, _settle_acct(borrowers), borrowers, ids, names, orgs, np.where(payroll, "工资", "一般"),
             p["own"].to_numpy() * owed, np.where(recent_b, inflow, np.nan), np.where(recent_b, recent, stale),
             product="活期")
    extra = p["extra"].to_numpy(dtype=object)
    serial = "62284" + _digits(np.arange(n_g) + 1 + np.asarray(borrowers, dtype="U").astype(np.int64) % 10**6 * 100,
                               11)
    bal_x = p["extra_x"].to_numpy() * owed
    for kind, nature, kw in (("frozen", "一般", {"frozen": True}), ("pension", "社保/养老金", {}),
                             ("joint", "一般", {"joint": True}), ("usd", "一般", {"ccy": "USD"}),
                             ("closed", "一般", {"status": "销户"}),
                             ("partly", "一般", {"frozen": True})):
        sel = extra == kind
        if not sel.any():
            continue
        bal = np.where(kind == "closed", 0.0, np.where(kind == "usd", 10_000.0, bal_x))
        if kind == "partly":  # the borrower's own account is partly frozen instead of a second account
            parts[0].loc[np.isin(parts[0]["cust_id"], borrowers[sel]), "frozen_amount"] = np.round(bal_x[sel], 2)
            parts[0].loc[np.isin(parts[0]["cust_id"], borrowers[sel]), "frozen"] = True
            continue
        accounts(sel, serial + str(len(parts)), borrowers, ids, names, orgs, nature, bal,
                 np.where(kind == "pension", np.round(owed * 0.1, 2), 0.0), recent, product="活期", **kw)
    g_sel = has_g
    if g_sel.any():
        g_cust = np.full(n_g, None, dtype=object)
        g_cust[g_sel] = gpick["cust_id"].to_numpy(dtype=object)[np.arange(n_g)[g_sel]]
        g_name = np.full(n_g, None, dtype=object)
        g_name[g_sel] = gpick["cust_name"].to_numpy(dtype=object)[np.arange(n_g)[g_sel]]
        g_org = np.full(n_g, None, dtype=object)
        g_org[g_sel] = gpick["org_id"].to_numpy(dtype=object)[np.arange(n_g)[g_sel]]
        g_acct = np.full(n_g, None, dtype=object)
        g_acct[g_sel] = _settle_acct(g_cust[g_sel].astype(str))
        accounts(g_sel, g_acct, g_cust, g_id, g_name, g_org, "一般", p["guar_x"].to_numpy() * owed, 0.0, recent,
                 product="活期")
    dep = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["acct_no"])
    n = len(dep)
    bal = dep["balance"].to_numpy(dtype=float) if n else np.array([])
    dep_data = {c: dep[c].to_numpy() for c in dep.columns}
    dep_data["avg_12m"] = np.round(bal * rng.uniform(0.8, 1.2, n), 2)
    dep_data["ccy"] = dep["ccy"].fillna("CNY").to_numpy() if "ccy" in dep else np.full(n, "CNY", dtype=object)
    dep_data["status"] = dep["status"].fillna("正常").to_numpy() if "status" in dep else np.full(n, "正常", dtype=object)
    for c in ("frozen", "joint"):  # blank = not frozen / not joint (the table's rule); planted ones 是
        dep_data[c] = dep[c].to_numpy(dtype=object) if c in dep else np.full(n, None, dtype=object)
    dep_data["frozen_amount"] = (dep["frozen_amount"].to_numpy(dtype=float, na_value=np.nan) if "frozen_amount" in dep
                                 else np.full(n, np.nan))
    dep_data["last_txn_date"] = np.asarray(dep["last_txn_date"].to_numpy(), dtype="datetime64[D]") if n \
        else np.array([], dtype="datetime64[D]")
    dep_data["as_of"] = np.full(n, as_of)
    return dep_data
