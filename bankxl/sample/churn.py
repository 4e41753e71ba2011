"""Planted deposit churn (D3 存款流失客户) in the sample bank's ``customer_monthly`` and ``transactions``.

Without it the sample's 活期 random walk holds almost no churn. :func:`_plant_churn` picks, from its own
random stream, customers without time deposits (so 定期日均 stays consistent with ``time_deposits``) who
opened their account more than a year before the data date, and changes their last four months:

* 轻度流失: 活期 × 0.9 / 0.7 / 0.65 / 0.6 (months −3 … 0); a few of them are 代发 customers whose salary
  credits of the last two months are removed (代发中断);
* 重度流失: × 0.9 / 0.4 / 0.3 / 0.25 (last month-end: 轻度), with one transfer of 60% of the base to a
  person at another bank in the last 90 days (大额转他行, ≥ 50,000) for those with flows;
* 已流失: × 1 / 0.1 / 0.02 / 0 (last month-end: 重度), with 银证转账 to a securities firm, a 基金申购 and a
  支付宝充值 for those with flows;
* 行内迁移: × 1 / 0.4 / 0.4 / 0.4 with the 60% moved into 理财余额 (存款 down, 存款 + 理财 not);
* 沉睡: customers with flows but none of the planted loan-like profiles: every flow replaced by two
  quarterly 结息 credits (passive, not a customer's own transaction).

客户状态 (:func:`_plant_status`): some 已流失 customers 销户, a few others 身故 or 冻结.

月末余额 follows 活期 (no time deposits) and 出账 is set so that 入账 − 出账 = the change of 月末余额.
Transactions keep their ids; added rows get new ids after the last one.
"""
from __future__ import annotations

import numpy as np

import pandas as pd

from ._common import BANK_NAME, _OTHER_BANKS, _digits, _names

#: profile -> factors of 活期 for months −3, −2, −1, 0 (0 = the data date's month)
CHURN_PROFILES = {"已流失": (1.0, 0.1, 0.02, 0.0), "重度流失": (0.9, 0.4, 0.3, 0.25),
                  "轻度流失": (0.9, 0.7, 0.65, 0.6), "行内迁移": (1.0, 0.4, 0.4, 0.4)}
#: share of customers per profile (at least 2 each when there are enough eligible customers); 沉睡: half of it
CHURN_SHARE = 0.01


def _plant_churn(rng, cust: dict, monthly: dict, flows: dict, truth, as_of: np.datetime64) -> dict:
    """Plant the profiles of the module docstring into ``monthly`` and ``flows`` (dicts of arrays, changed in
    place where possible; ``flows`` is rebuilt); returns ``{cust_id: profile}`` of the planted customers."""
    n = len(cust["cust_id"])
    if not n:
        return {}
    k = len(monthly["month"]) // n
    shape = (n, k)
    dd = monthly["dd_avg"].reshape(shape)
    td = monthly["td_avg"].reshape(shape)
    eom = monthly["dep_eom"].reshape(shape)
    wm = monthly["wm_bal"].reshape(shape)
    base = dd[:, -9:-3].mean(axis=1) if k >= 9 else dd.mean(axis=1)
    year_ago = as_of - 365
    in_tx = pd.Index(cust["cust_id"]).isin(flows["cust_id"])  # hashed (np.isin on objects is quadratic)
    ok = (td.sum(axis=1) == 0) & (cust["open_date"] <= year_ago) & (base >= 15_000)
    prof = np.full(n, "", dtype=object)
    ordinary = pd.Index(cust["cust_id"]).isin(truth.loc[truth["profile"] == "普通", "cust_id"].to_numpy(dtype=object))
    # 沉睡: ordinary flow customers, not 代发 (their salary is an active credit), any balance ≥ 20,000
    dorm_pool = np.nonzero(in_tx & ordinary & ~cust["payroll_flag"].astype(bool) & (base >= 20_000)
                           & (cust["open_date"] <= year_ago) & (td.sum(axis=1) == 0))[0]
    n_dorm = min(len(dorm_pool), max(2, int(round(n * CHURN_SHARE / 2))))
    prof[rng.permutation(dorm_pool)[:n_dorm]] = "沉睡"
    for name, factors in CHURN_PROFILES.items():
        pool = np.nonzero(ok & (prof == ""))[0]
        want = max(2, int(round(n * CHURN_SHARE)))
        # a quarter of each profile among customers with flows (their behaviour shows), the rest among the others
        flow_pool, other_pool = rng.permutation(pool[in_tx[pool]]), rng.permutation(pool[~in_tx[pool]])
        if name == "轻度流失":  # 代发 customers first: their interrupted salary is the 代发中断 tag
            flow_pool = flow_pool[np.argsort(~cust["payroll_flag"][flow_pool].astype(bool), kind="stable")]
        n_flow = min(len(flow_pool), max(1, want // 4))
        pick = np.concatenate([flow_pool[:n_flow], other_pool[:want - n_flow]])
        prof[pick] = name
        f = np.asarray(factors)
        rows = pick[:, None]
        cols = np.arange(k - 4, k)[None, :]
        moved = dd[rows, cols] * (1 - f)
        dd[rows, cols] = np.round(dd[rows, cols] * f, 2)
        eom[rows, cols] = np.round(eom[rows, cols] * f, 2)
        if name == "行内迁移":
            wm[rows, cols] = np.round(wm[rows, cols] + moved, 2)
    monthly["dd_avg"] = dd.ravel()
    monthly["dep_avg"] = np.round(td + dd, 2).ravel()
    monthly["dep_eom"] = eom.ravel()
    monthly["wm_bal"] = wm.ravel()
    # 入账 − 出账 = change of 月末余额 (the first month keeps its generated flows)
    inflow, outflow = monthly["inflow"].reshape(shape), monthly["outflow"].reshape(shape)
    delta = np.round(np.diff(eom, axis=1), 2)
    changed = (prof != "")[:, None] & (np.arange(1, k) >= k - 4)[None, :]
    inn = np.where(changed, np.round(np.maximum(inflow[:, 1:], delta + np.round(0.1 * inflow[:, 1:], 2)), 2),
                   inflow[:, 1:])
    inflow[:, 1:] = inn
    outflow[:, 1:] = np.where(changed, np.round(inn - delta, 2), outflow[:, 1:])
    monthly["inflow"], monthly["outflow"] = inflow.ravel(), outflow.ravel()
    _plant_flows(rng, cust, flows, prof, base, in_tx, as_of)
    _plant_status(rng, cust, prof, in_tx, ok)
    return {c: p for c, p in zip(cust["cust_id"], prof) if p}


def _plant_status(rng, cust: dict, prof: np.ndarray, in_tx: np.ndarray, ok: np.ndarray) -> None:
    """客户状态 (``cust["cust_status"]``, changed in place; absent = nothing to do): a third of the 已流失
    customers without flows (at least 1) closed their accounts (销户: 存款 already 0 this month), about 0.1% of
    the other eligible customers (at least 1) 身故 with their deposits still there, as many 冻结 (still judged).
    Drawn after every other draw of the churn stream, so the planted states and flows stay as they were."""
    status = cust.get("cust_status")
    if status is None or not len(status):
        return
    lost = rng.permutation(np.nonzero((prof == "已流失") & ~in_tx)[0])
    status[lost[:max(1, len(lost) // 3)]] = "销户"
    others = rng.permutation(np.nonzero(ok & (prof == ""))[0])
    k = max(1, int(round(len(status) * 0.001)))
    status[others[:k]] = "身故"
    status[others[k:2 * k]] = "冻结"


def _plant_flows(rng, cust: dict, flows: dict, prof: np.ndarray, base: np.ndarray, in_tx: np.ndarray,
                 as_of: np.datetime64) -> None:
    """Behaviour flows of the planted customers with flows (module docstring); ``flows`` rebuilt in place."""
    cid = np.asarray(flows["cust_id"], dtype=object)
    ts = np.asarray(flows["txn_ts"], dtype="datetime64[D]")
    pos = pd.Index(cust["cust_id"])
    ci = pos.get_indexer(cid)
    p_row = prof[ci] if len(ci) else np.zeros(0, dtype=object)
    memo = np.asarray(flows["memo"], dtype=object)
    keep = p_row != "沉睡"
    light = np.nonzero((prof == "轻度流失") & in_tx & cust["payroll_flag"].astype(bool))[0]
    keep &= ~(np.isin(ci, light) & (memo == "代发工资") & (ts > as_of - 61))
    new: list[dict] = []
    banks = np.array(_OTHER_BANKS, dtype=object)

    def add(idx, day, amount, dc, name, bank, text, channel):
        m = len(idx)
        new.append({"cust_id": cust["cust_id"][idx], "acct_no": None, "txn_ts": day, "amount": amount,
                    "dc": np.full(m, dc, dtype=object), "cpty_name": name, "cpty_bank": bank,
                    "memo": np.full(m, text, dtype=object), "channel": np.full(m, channel, dtype=object),
                    "org_id": cust["org_id"][idx]})

    s = np.nonzero((prof == "重度流失") & in_tx)[0]
    if len(s):
        add(s, as_of - rng.integers(5, 80, len(s)), np.maximum(np.round(0.6 * base[s], -3), 50_000.0), "D",
            _names(rng, rng.random(len(s)) < 0.5), banks[rng.integers(0, len(banks), len(s))], "转账", "手机银行")
    s = np.nonzero((prof == "已流失") & in_tx)[0]
    for name, bank, text, share in (("某证券股份有限公司", "", "银证转账", 0.4), ("某基金销售有限公司", "", "基金申购", 0.3),
                                    ("支付宝(中国)网络技术有限公司", "", "支付宝充值", 0.2)):
        if len(s):
            add(s, as_of - rng.integers(5, 80, len(s)), np.round(share * base[s], -2), "D",
                np.full(len(s), name, dtype=object), np.full(len(s), bank or None, dtype=object), text, "网银")
    s = np.nonzero(prof == "沉睡")[0]
    months = (as_of.astype("datetime64[M]") - np.arange(6)).astype("datetime64[D]") + 20  # the 21st
    for d in months[(months <= as_of) & ((months.astype("datetime64[M]").astype(np.int64) % 12 + 1) % 3 == 0)]:
        if len(s):  # quarterly 结息 on the 21st of March/June/September/December
            add(s, np.full(len(s), d), np.round(base[s] * 0.0005, 2), "C", np.full(len(s), BANK_NAME, dtype=object),
                np.full(len(s), BANK_NAME, dtype=object), "结息", "系统")
    m0 = len(cid)
    ids = np.asarray(flows["txn_id"], dtype=object)
    last = int(ids[-1][2:]) if m0 else 0
    out = {c: np.asarray(v, dtype=object if c not in ("txn_ts", "amount", "balance_after") else None)[keep]
           for c, v in flows.items()}
    if new:
        add_n = sum(len(x["cust_id"]) for x in new)
        extra = {c: np.concatenate([np.asarray(x[c], dtype=out[c].dtype) if x[c] is not None
                                    else np.full(len(x["cust_id"]), None, dtype=object) for x in new])
                 for c in new[0]}
        extra["txn_id"] = "TX" + _digits(np.arange(last + 1, last + 1 + add_n), 12)
        extra["acct_no"] = cust["_acct"][pos.get_indexer(extra["cust_id"])] if "_acct" in cust \
            else np.full(add_n, None, dtype=object)
        extra["balance_after"] = np.full(add_n, np.nan)
        extra["cpty_acct"] = np.full(add_n, None, dtype=object)
        out = {c: np.concatenate([out[c], np.asarray(extra[c], dtype=out[c].dtype)]) for c in out}
    cust_key = pos.get_indexer(out["cust_id"])
    order = np.lexsort((np.asarray(out["txn_ts"], dtype="datetime64[D]"), cust_key))
    flows.clear()
    flows.update({c: v[order] for c, v in out.items()})
