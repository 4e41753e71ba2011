"""Sample ``mobile_banking_monthly`` (手机银行月度) for E3 手机银行活跃 vs 存款 (issue 14).

Who: the customers whose 手机银行签约 flag is set (customers without it have no rows: the 客户 table says 未签约).
12 months up to the data date's month, one row per customer and month from the month of 签约日 on.

Activity follows the customer's deposits (log of the last three months' 存款月日均 in ``customer_monthly``), so
the rank correlation with deposits is positive but loose, and each customer is drawn one trajectory:

* 稳定 (≈58%): logins ~ Poisson(λ), λ = exp(1.3 + 0.55·z + noise) per month (z: standardised log deposits);
* 下降 (≈15%): λ falls linearly to ≈0 over the last 6 months (declining users: 沉默 or 低活 at the end);
* 上升 (≈10%): λ rises from 0.1 λ to λ over the year;
* 从未使用 (≈8%): signed but never logs in (every month 0: 沉默);
* 新签约 (≈5%): 签约日 in the last 2 months (rows from that month only);
* 已解约 (≈2%): 签约状态 已解约 (rows with 0: the data say 未签约);
* 缺月 (≈1%): one month of the last three without a row (tier unknown, never read as 0);
* 无数据 (≈1%): signed but no rows at all (unknown).

Per month: 转账 ~ Poisson(0.30 λ), 缴费 ~ Poisson(0.12 λ), 理财申购 ~ Poisson(0.04 λ) (more for large
deposits), 贷款支用 ~ Poisson(0.02 λ); 动账笔数 = their sum; 动账金额 = transfers × log-normal (median ≈ 1,800
元) + payments × ≈150 元 + purchases × ≈50,000 元 + draws × ≈20,000 元; 最后登录日 = a day of the month when
logins > 0, else blank; 机构号 = the customer's outlet. Deterministic for a seed (own random stream).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import _DAY, _months_back

#: trajectory -> share of the signed customers (the rest are 稳定)
PROFILES = {"下降": 0.15, "上升": 0.10, "从未使用": 0.08, "新签约": 0.05, "已解约": 0.02, "缺月": 0.01, "无数据": 0.01}


def _make_mobile_banking(rng, customers: pd.DataFrame, monthly: pd.DataFrame, as_of: np.datetime64) -> dict:
    """The table's columns (dict of arrays, ``mobile_banking_monthly`` column ids); see the module docstring."""
    k = 12
    ms = _months_back(as_of, k)  # first day of each month, oldest first
    signed = customers["mobile_banking"].fillna(False).to_numpy(dtype=bool)
    ids = customers["cust_id"].to_numpy(dtype=object)[signed]
    n = len(ids)
    if n == 0:
        return {c: np.array([], dtype=object) for c in ("cust_id", "month")}
    # deposits of the last three months -> standardised log level z
    last3 = monthly[monthly["month"] >= pd.Timestamp(ms[-3])]
    dep = last3.groupby("cust_id", sort=False)["dep_avg"].mean().reindex(ids).to_numpy(dtype=np.float64)
    logd = np.log1p(np.nan_to_num(dep, nan=0.0))
    z = (logd - logd.mean()) / (logd.std() or 1.0)

    names = ["稳定", *PROFILES]
    probs = np.array([1 - sum(PROFILES.values()), *PROFILES.values()])
    prof = np.array(names, dtype=object)[rng.choice(len(names), n, p=probs)]
    lam0 = np.exp(1.3 + 0.55 * z + 0.55 * rng.normal(0, 1, n))
    t = np.arange(k, dtype=np.float64)
    shape = np.ones((n, k))
    down = prof == "下降"
    shape[down] = np.clip((k - 1 - t) / 6.0, 0.0, 1.0)[None, :]  # full until 6 months ago, then down to 0
    up = prof == "上升"
    shape[up] = (0.1 + 0.9 * t / (k - 1))[None, :]
    silent = np.isin(prof, ["从未使用", "已解约"])
    shape[silent] = 0.0
    lam = lam0[:, None] * shape

    # 签约日: before the 12 months, or in the last two months for 新签约
    open_d = customers["open_date"].to_numpy(dtype="datetime64[D]")[signed]
    early = ms[0] - rng.integers(1, 1500, n).astype("timedelta64[D]")
    early = np.where(np.isnat(open_d), early, np.maximum(early, open_d))
    new = prof == "新签约"
    late = ms[k - 2] + rng.integers(0, 45, n).astype("timedelta64[D]")
    signup = np.where(new, np.minimum(late, as_of), early).astype("datetime64[D]")

    month_of = np.broadcast_to(ms, (n, k))
    present = month_of >= signup.astype("datetime64[M]").astype("datetime64[D]")[:, None]
    present[prof == "无数据"] = False
    gap = prof == "缺月"
    present[np.flatnonzero(gap), k - 1 - rng.integers(0, 3, int(gap.sum()))] = False
    wealthy = 1.0 + 2.0 * (z > 1.0)

    logins = rng.poisson(lam)
    transfers = rng.poisson(0.30 * lam)
    payments = rng.poisson(0.12 * lam)
    wm = rng.poisson(0.04 * lam * wealthy[:, None])
    draws = rng.poisson(0.02 * lam)
    amount = np.round(transfers * np.exp(np.log(1800) + 0.8 * rng.normal(0, 1, (n, k))) + payments * 150.0
                      + wm * 50_000.0 + draws * 20_000.0, 2)
    month_end = np.minimum((ms.astype("datetime64[M]") + 1).astype("datetime64[D]") - 1, as_of)
    span = ((month_end - ms) / _DAY).astype(np.int64) + 1
    last = ms[None, :] + (rng.random((n, k)) * span[None, :]).astype(np.int64).astype("timedelta64[D]")
    last = np.where(logins > 0, last, np.datetime64("NaT"))

    r, c = np.nonzero(present)
    org = customers["org_id"].to_numpy(dtype=object)[signed]
    status = np.where(prof == "已解约", "已解约", "已签约").astype(object)
    return {
        "cust_id": ids[r], "month": ms[c].astype("datetime64[ns]"),
        "logins": logins[r, c], "txn_count": (transfers + payments + wm + draws)[r, c],
        "txn_amount": amount[r, c], "transfers": transfers[r, c], "payments": payments[r, c], "wm_buys": wm[r, c],
        "loan_draws": draws[r, c], "last_login": last[r, c].astype("datetime64[ns]"),
        "signup_date": signup[r].astype("datetime64[ns]"), "signup_status": status[r], "org_id": org[r],
    }
