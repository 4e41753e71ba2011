"""Sample ``product_holdings`` (产品持有): one row per customer and product held."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import _DAY


def _make_holdings(rng, cust: dict, wealth: np.ndarray, td: dict, loans: dict, loan_ci: np.ndarray,
                   orders: dict, dd_last: np.ndarray, wm: np.ndarray, as_of: np.datetime64) -> dict:
    """客户 × 产品 (long): every customer holds 结算账户 and 借记卡; flags and balances as the other tables say."""
    n = len(cust["cust_id"])
    open_d = cust["open_date"]
    later = lambda ci: open_d[ci] + np.floor(rng.random(len(ci)) * ((as_of - open_d[ci]) / _DAY)).astype(np.int64)
    parts = []

    def add(product, ci, held=True, balance=np.nan, opened=None):
        ci = np.asarray(ci, dtype=np.int64)
        k = len(ci)
        parts.append({"ci": ci, "product": np.full(k, product, dtype=object),
                      "held": np.broadcast_to(np.asarray(held, dtype=bool), (k,)),
                      "balance": np.broadcast_to(np.asarray(balance, dtype=np.float64), (k,)),
                      "open": open_d[ci] if opened is None else np.asarray(opened, dtype="datetime64[D]")})

    everyone = np.arange(n)
    add("结算账户", everyone, True, dd_last)
    add("借记卡", everyone)
    add("手机银行", np.nonzero(cust["mobile_banking"].astype(bool))[0], opened=later(np.nonzero(cust["mobile_banking"].astype(bool))[0]))
    pr = np.nonzero(cust["payroll_flag"].astype(bool))[0]
    add("代发", pr, opened=later(pr))
    card = np.nonzero(rng.random(n) < np.where(cust["payroll_flag"].astype(bool), 0.4, 0.22))[0]
    add("信用卡", card, opened=later(card))
    w = np.nonzero(wm > 0)[0]
    add("理财", w, True, wm[w], opened=later(w))
    if len(td["cust_id"]):
        tci = pd.Index(cust["cust_id"]).get_indexer(pd.Index(td["cust_id"], dtype=object))
        tot = np.bincount(tci, np.asarray(td["balance"], dtype=np.float64), minlength=n)
        first = np.full(n, np.datetime64("2262-01-01", "D"))
        np.minimum.at(first, tci, np.asarray(td["value_date"], dtype="datetime64[D]"))
        has = np.nonzero(tot > 0)[0]
        add("定期存款", has, True, tot[has], opened=first[has])
    if len(loan_ci):
        key = pd.DataFrame({"ci": loan_ci, "p": loans["product"], "run": np.isin(loans["status"], ["C", "D"]),
                            "bal": loans["balance"], "start": loans["start_date"]})
        g = key.groupby(["ci", "p"], sort=True).agg(run=("run", "any"), bal=("bal", "sum"), start=("start", "min"))
        g = g.reset_index()
        for prod in ("个人住房贷款", "个人消费贷款", "个人经营贷款"):
            x = g[g["p"] == prod]
            add(prod, x["ci"].to_numpy(), x["run"].to_numpy(), x["bal"].to_numpy(), x["start"].to_numpy(dtype="datetime64[D]"))
    for prod, share in (("社保卡", 0.35), ("ETC", 0.08), ("基金", 0.05)):
        ci = np.nonzero(rng.random(n) < share)[0]
        bal = np.round(np.exp(np.log(30_000) + rng.normal(0, 0.8, len(ci))), -2) if prod == "基金" else np.nan
        add(prod, ci, True, bal, later(ci))
    ins = np.unique(pd.Index(cust["cust_id"]).get_indexer(
        pd.Index(orders["cust_id"][orders["purpose"] == "保险"], dtype=object))) if len(orders["cust_id"]) else []
    add("保险", ins, opened=later(np.asarray(ins, dtype=np.int64)))
    rank = {p: i for i, p in enumerate(["结算账户", "借记卡", "手机银行", "代发", "信用卡", "理财", "定期存款",
                                        "个人住房贷款", "个人消费贷款", "个人经营贷款", "社保卡", "ETC", "基金", "保险"])}
    ci = np.concatenate([p_["ci"] for p_ in parts])
    prod = np.concatenate([p_["product"] for p_ in parts])
    order = np.lexsort((np.array([rank[p] for p in prod], dtype=np.int64) if len(prod) else np.zeros(0, np.int64), ci))
    ci = ci[order]
    return {"cust_id": cust["cust_id"][ci], "product": prod[order],
            "held": np.concatenate([p_["held"] for p_ in parts])[order],
            "balance": np.round(np.concatenate([p_["balance"] for p_ in parts])[order], 2),
            "open_date": np.minimum(np.concatenate([p_["open"] for p_ in parts])[order], as_of),
            "org_id": cust["org_id"][ci]}
