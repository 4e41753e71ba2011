"""Sample ``transactions`` (交易流水): six months of flows with the planted loan-like profiles (:data:`FLOW_PROFILES`)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..tax import round_half_up
from ._common import BANK_NAME, _DAY, _OTHER_BANKS, _digits, _months_back, _names
from .loans import _annuity_payment


#: internet lenders: (对手户名, 还款摘要, 放款摘要)
_LENDERS = (("重庆蚂蚁消费金融有限公司", "借呗还款", "借呗放款"), ("深圳前海微众银行", "微粒贷还款", "微粒贷放款"),
            ("京东金融-金条", "金条还款", "金条放款"), ("度小满金融", "有钱花还款", "有钱花放款"),
            ("招联消费金融有限公司", "招联还款", "招联放款"), ("马上消费金融股份有限公司", "安逸花还款", "安逸花放款"),
            ("360借条", "360借条还款", "360借条放款"), ("分期乐", "分期乐还款", "分期乐放款"))


_MERCHANTS = (("北京三快在线科技有限公司", "美团外卖"), ("京东商城", "网购"), ("财付通-微信支付", "消费"),
              ("支付宝-淘宝", "网购"), ("某连锁超市", "消费"), ("中国石化加油站", "加油"), ("滴滴出行", "交通"))


_EMPLOYERS = ("某科技有限公司", "某制造股份有限公司", "某市第一人民医院", "某区教育局", "某建设集团有限公司",
              "某物流有限公司", "某商贸有限公司")


#: flow profiles planted among the customers with transactions (share of them); :func:`sample_truth`
FLOW_PROFILES = (("他行房贷", 0.08), ("他行消费贷", 0.05), ("他行经营贷", 0.03), ("网贷", 0.08), ("多头", 0.03),
                 ("信用卡还款", 0.12), ("本人互转", 0.08), ("房租", 0.05), ("冲正", 0.03))


#: share of customers with 6 months of flows, and its cap (keeps 交易流水 under Excel's row limit)
FLOW_SHARE, FLOW_MAX_CUSTOMERS, FLOW_MONTHS = 0.15, 15_000, 6


def _stream(ci, dates, amount, dc, name, bank, memo, channel, acct=None) -> dict:
    k = len(ci)
    full = lambda v: np.full(k, v, dtype=object) if np.isscalar(v) or v is None else np.asarray(v, dtype=object)
    return {"ci": np.asarray(ci, dtype=np.int64), "ts": np.asarray(dates, dtype="datetime64[D]"),
            "amount": np.asarray(amount, dtype=np.float64), "dc": full(dc), "name": full(name), "bank": full(bank),
            "memo": full(memo), "channel": full(channel), "acct": full(acct)}


def _monthly_stream(ci, day, amount, dc, name, bank, memo, channel, months, lo, hi, acct=None) -> dict:
    """One row per (customer, month) on day ``day`` of each month in ``months`` within (lo, hi]."""
    ci = np.asarray(ci, dtype=np.int64)
    dates = months[None, :] + (np.asarray(day, dtype=np.int64)[:, None] - 1)
    keep = (dates > lo) & (dates <= hi)
    ii, jj = np.nonzero(keep)
    amt = np.asarray(amount, dtype=np.float64)
    amt = amt[ii, jj] if amt.ndim == 2 else np.broadcast_to(amt, (len(ci),))[ii]
    pick = lambda v: v if np.isscalar(v) or v is None else np.asarray(v, dtype=object)[ii]
    return _stream(ci[ii], dates[ii, jj], amt, dc, pick(name), pick(bank), pick(memo), channel, pick(acct))


def _make_flows(rng, cust: dict, loans: dict, loan_ci: np.ndarray, wealth: np.ndarray, as_of: np.datetime64):
    """(transactions data, planted truth frame) for a subset of customers over FLOW_MONTHS months."""
    n = len(cust["cust_id"])
    n_tx = min(int(np.ceil(n * FLOW_SHARE)), FLOW_MAX_CUSTOMERS)
    tx = np.sort(rng.choice(n, size=n_tx, replace=False)) if n_tx else np.zeros(0, np.int64)
    prof = np.full(n_tx, "普通", dtype=object)
    perm = rng.permutation(n_tx)
    pos = 0
    for name, share in FLOW_PROFILES:
        k = int(round(share * n_tx))
        if n_tx >= 2 * len(FLOW_PROFILES):
            k = max(k, 1)
        prof[perm[pos:pos + k]] = name
        pos += k
    months = _months_back(as_of, FLOW_MONTHS)
    lo = np.datetime64(pd.Timestamp(as_of) - pd.DateOffset(months=FLOW_MONTHS), "D")
    hi = as_of
    span = int((hi - lo) / _DAY)
    banks = np.array(_OTHER_BANKS, dtype=object)
    streams = []
    truth_inst = np.full(n_tx, None, dtype=object)
    truth_m = np.full(n_tx, np.nan)

    def sel(p):
        return np.nonzero(prof == p)[0]

    # other-bank loans: (profile, principal median, rate, term, memo choices, counterparty suffix)
    for p, med, rate, term, memos, suffix in (
        ("他行房贷", 1_200_000.0, 0.041, 360, ("房贷月供", "{b} 个贷还款", "按揭还款"), "个人贷款"),
        ("他行消费贷", 150_000.0, 0.06, 36, ("转账",), "代收专户"),
        ("他行经营贷", 500_000.0, 0.045, 60, ("经营贷还款",), "个人贷款"),
    ):
        s = sel(p)
        k = len(s)
        if not k:
            continue
        b = banks[rng.integers(0, len(banks), k)]
        princ = np.round(np.exp(np.log(med) + 0.35 * rng.normal(0, 1, k)), -3)
        pay = round_half_up(_annuity_payment(princ, rate, term))
        memo = np.array([memos[i].format(b=bb) for i, bb in zip(rng.integers(0, len(memos), k), b)], dtype=object)
        acct = "LN" + _digits(rng.integers(10**9, 10**10, k), 10)
        streams.append(_monthly_stream(tx[s], rng.integers(1, 29, k), pay, "D", b + suffix, b, memo, "网银",
                                       months, lo, hi, acct))
        truth_inst[s] = b
        truth_m[s] = pay
    # internet lenders: 网贷 1–2 lenders, 多头 3–4
    for p, lo_n, hi_n in (("网贷", 1, 2), ("多头", 3, 4)):
        s = sel(p)
        if not len(s):
            continue
        cnt = rng.integers(lo_n, hi_n + 1, len(s))
        lender_perm = np.argsort(rng.random((len(s), len(_LENDERS))), axis=1)  # distinct lenders per customer
        for j in range(hi_n):
            has = s[cnt > j]
            if not len(has):
                continue
            streams_l = lender_perm[cnt > j, j]
            names = np.array([x[0] for x in _LENDERS], dtype=object)[streams_l]
            rep = np.array([x[1] for x in _LENDERS], dtype=object)[streams_l]
            lend = np.array([x[2] for x in _LENDERS], dtype=object)[streams_l]
            amt = np.round(rng.uniform(300, 3000, (len(has), FLOW_MONTHS)), 2)
            streams.append(_monthly_stream(tx[has], rng.integers(1, 29, len(has)), amt, "D", names, "", rep,
                                           "快捷支付", months, lo, hi))
            d0 = lo + 1 + rng.integers(0, 20, len(has))
            streams.append(_stream(tx[has], d0, rng.integers(5, 51, len(has)) * 1000.0, "C", names, "", lend,
                                   "快捷支付"))
        truth_inst[s] = "网贷"
    # credit-card repayments (a third pay the same amount every month)
    s = sel("信用卡还款")
    if len(s):
        b = banks[rng.integers(0, len(banks), len(s))]
        amt = np.round(np.exp(np.log(3000) + 0.5 * rng.normal(0, 1, (len(s), FLOW_MONTHS))), 2)
        same = rng.random(len(s)) < 0.34
        amt[same] = amt[same, :1]
        streams.append(_monthly_stream(tx[s], rng.integers(1, 29, len(s)), amt, "D", b + "信用卡中心", b,
                                       "信用卡还款", "手机银行", months, lo, hi))
    # self transfers to the customer's own account elsewhere: same amount monthly, excluded by the name rule
    s = sel("本人互转")
    if len(s):
        b = banks[rng.integers(0, len(banks), len(s))]
        streams.append(_monthly_stream(tx[s], rng.integers(1, 29, len(s)), rng.integers(10, 101, len(s)) * 100.0,
                                       "D", cust["cust_name"][tx[s]], b, "转账", "手机银行", months, lo, hi))
    # rent: same amount monthly to a landlord at another bank (a fixed outgoing, not a loan)
    s = sel("房租")
    if len(s):
        b = banks[rng.integers(0, len(banks), len(s))]
        landlord = _names(rng, rng.random(len(s)) < 0.5)
        streams.append(_monthly_stream(tx[s], rng.integers(1, 6, len(s)), rng.integers(20, 81, len(s)) * 100.0,
                                       "D", landlord, b, "房租", "手机银行", months, lo, hi))
    # a reversal: an other-bank loan repayment booked and reversed the next day
    s = sel("冲正")
    if len(s):
        b = banks[rng.integers(0, len(banks), len(s))]
        d = lo + 10 + rng.integers(0, max(span - 20, 1), len(s))
        amt = np.round(rng.uniform(1000, 9000, len(s)), 2)
        streams.append(_stream(tx[s], d, amt, "D", b + "个人贷款", b, "个贷还款", "柜面"))
        streams.append(_stream(tx[s], d + 1, amt, "C", b + "个人贷款", b, "冲正", "柜面"))
    # repayments of the customer's own loans here (running loans)
    pos_of = np.full(n, -1, dtype=np.int64)
    pos_of[tx] = np.arange(n_tx)
    run = np.isin(loans["status"], ["C", "D"]) & (pos_of[loan_ci] >= 0)
    if run.any():
        day = (loans["start_date"][run] - loans["start_date"][run].astype("datetime64[M]").astype("datetime64[D]")
               ).astype(np.int64) + 1
        streams.append(_monthly_stream(loan_ci[run], np.minimum(day, 28), loans["monthly_payment"][run], "D",
                                       BANK_NAME + "个人贷款", BANK_NAME, "贷款还款", "批量代扣", months, lo, hi,
                                       loans["loan_id"][run]))
    own_loan = np.zeros(n_tx, dtype=bool)
    own_loan[pos_of[loan_ci[run]]] = True
    # salary for 代发 customers, phone bills, everyday spending, incoming transfers
    pay = cust["payroll_flag"][tx].astype(bool)
    s = np.nonzero(pay)[0]
    if len(s):
        sal = np.round(np.exp(np.log(9000) + 0.4 * rng.normal(0, 1, len(s)) + 0.3 * np.clip(wealth[tx[s]], -2, 2)), -2)
        amt = np.round(sal[:, None] * rng.uniform(0.9, 1.15, (len(s), FLOW_MONTHS)), 2)
        emp = np.array(_EMPLOYERS, dtype=object)[rng.integers(0, len(_EMPLOYERS), len(s))]
        streams.append(_monthly_stream(tx[s], np.full(len(s), 10), amt, "C", emp, BANK_NAME, "代发工资", "批量代发",
                                       months, lo, hi))
    s = np.nonzero(rng.random(n_tx) < 0.5)[0]
    if len(s):
        streams.append(_monthly_stream(tx[s], rng.integers(1, 29, len(s)), rng.choice([58.0, 88.0, 128.0, 198.0], len(s)),
                                       "D", "中国移动", "", "话费", "快捷支付", months, lo, hi))
    n_c = n_tx * FLOW_MONTHS * 4
    if n_c:
        ci = tx[rng.integers(0, n_tx, n_c)]
        mi = rng.integers(0, len(_MERCHANTS), n_c)
        streams.append(_stream(ci, lo + 1 + rng.integers(0, span, n_c),
                               np.round(np.exp(np.log(120) + 0.9 * rng.normal(0, 1, n_c)), 2), "D",
                               np.array([x[0] for x in _MERCHANTS], dtype=object)[mi], "",
                               np.array([x[1] for x in _MERCHANTS], dtype=object)[mi], "快捷支付"))
        n_in = n_tx * 2
        ci = tx[rng.integers(0, n_tx, n_in)]
        streams.append(_stream(ci, lo + 1 + rng.integers(0, span, n_in), rng.integers(2, 200, n_in) * 100.0, "C",
                               _names(rng, rng.random(n_in) < 0.5), banks[rng.integers(0, len(banks), n_in)], "转账",
                               "手机银行"))

    if streams:
        allc = {k: np.concatenate([s_[k] for s_ in streams]) for k in streams[0]}
    else:
        allc = _stream([], [], [], "D", None, None, None, None)
    order = np.lexsort((allc["ts"], allc["ci"]))
    allc = {k: v[order] for k, v in allc.items()}
    m = len(allc["ci"])
    ci = allc["ci"]
    data = {
        "txn_id": "TX" + _digits(np.arange(1, m + 1), 12) if m else np.array([], dtype=object),
        "cust_id": cust["cust_id"][ci], "acct_no": cust["_acct"][ci] if m else allc["name"],
        "txn_ts": allc["ts"], "amount": allc["amount"], "dc": allc["dc"], "balance_after": np.full(m, np.nan),
        "cpty_name": allc["name"],
        "cpty_acct": allc["acct"], "cpty_bank": np.where(allc["bank"] == "", None, allc["bank"]),
        "memo": allc["memo"], "channel": allc["channel"], "org_id": cust["org_id"][ci],
    }
    truth = pd.DataFrame({"cust_id": pd.array(cust["cust_id"][tx], dtype="string"),
                          "profile": pd.array(prof, dtype="string"),
                          "institution": pd.array(truth_inst, dtype="string"),
                          "monthly_payment": truth_m, "own_loan": own_loan})
    return data, truth, tx, prof
