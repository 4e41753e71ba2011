"""Sample ``customers`` (客户): IDs, names, ages, phones, outlet and 客户经理, flags, addresses, and a latent wealth."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..idcard import check_digit
from ._common import _DAY, _add_months, _digits, _names


# birth places of customers who moved to the bank's cities (real codes; 340524 and 360426 as in SCENARIOS §8)
_ORIGIN_CODES = np.array(
    [
        340524,
        360426,
        320102,
        370102,
        430102,
        410105,
        500103,
        610113,
        350102,
        130102,
        210102,
        230102,
        450102,
        530102,
        340104,
        360102,
        420106,
        510107,
        110105,
        310104,
        440305,
        412726,
        321283,
        362330,
    ],
    dtype=np.int64,
)


_ROADS = (
    "人民路",
    "中山路",
    "解放路",
    "建设路",
    "和平路",
    "新华路",
    "长江路",
    "黄河路",
    "胜利路",
    "文化路",
    "光明路",
    "学府路",
    "青年路",
    "朝阳路",
    "幸福路",
    "友谊路",
    "公园路",
    "滨江大道",
    "科技路",
    "南京路",
)


# mobile prefixes (1[3-9]x) in use
_PHONE_PREFIXES = np.array(
    [
        130,
        131,
        132,
        133,
        134,
        135,
        136,
        137,
        138,
        139,
        150,
        151,
        152,
        153,
        155,
        156,
        157,
        158,
        159,
        166,
        170,
        173,
        175,
        176,
        177,
        178,
        180,
        181,
        182,
        183,
        184,
        185,
        186,
        187,
        188,
        189,
        191,
        193,
        195,
        198,
        199,
        147,
    ],
    dtype=np.int64,
)


def _make_customers(rng, n, as_of, orgs, outlet_district, staff):
    outlets = orgs[orgs["level"] == "支行"].reset_index(drop=True)
    n_out = len(outlets)
    w = outlets["staff_count"].to_numpy(dtype=float) * rng.lognormal(0, 0.25, n_out)
    o = rng.choice(n_out, size=n, p=w / w.sum())

    # 客户经理 of each outlet
    cm = staff[staff["position"] == "客户经理"]
    mgr_lists = [cm.loc[cm["org_id"] == oid, "emp_id"].to_numpy() for oid in outlets["org_id"]]
    mgr_flat = np.concatenate(mgr_lists) if mgr_lists else np.array([], dtype=object)
    counts = np.array([len(x) for x in mgr_lists], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]) if n_out else np.array([], dtype=np.int64)
    mgr = (
        mgr_flat[starts[o] + (rng.random(n) * counts[o]).astype(np.int64)]
        if n
        else np.array([], dtype=object)
    )

    cust_no = np.cumsum(rng.integers(1, 40, n, dtype=np.int64)) + 1000
    cust_id = _digits(cust_no, 10)

    # birth dates: ages 18–85 at as_of
    hi = _add_months(np.array([as_of]), -18 * 12)[0]
    lo = _add_months(np.array([as_of]), -86 * 12)[0] + 1
    span = int((hi - lo) / _DAY)
    birth = hi - np.round(rng.beta(2.0, 2.6, n) * span).astype(np.int64)
    male = rng.random(n) < 0.49
    by = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    bm = birth.astype("datetime64[M]").astype(np.int64) % 12 + 1
    bd = (birth - birth.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    local_code = np.array([c for c, _ in outlet_district], dtype=np.int64)[o] if n else np.zeros(0, np.int64)
    region = np.where(rng.random(n) < 0.7, local_code, _ORIGIN_CODES[rng.integers(0, len(_ORIGIN_CODES), n)])
    seq = rng.integers(0, 500, n, dtype=np.int64) * 2 + male
    body = region * 10**11 + (by * 10000 + bm * 100 + bd) * 1000 + seq
    body17 = _digits(body, 17)
    id_no = body17 + check_digit(pd.Series(body17, dtype=object)).to_numpy(dtype=object)

    phone = _digits(
        _PHONE_PREFIXES[rng.integers(0, len(_PHONE_PREFIXES), n)] * 10**8
        + rng.integers(0, 10**8, n, dtype=np.int64),
        11,
    )

    age_days = (as_of - birth) / _DAY
    adult = np.maximum(age_days - 18 * 365.25, 0)
    since_1995 = (as_of - np.datetime64("1995-01-01")) / _DAY
    days_ago = np.minimum(np.minimum(rng.exponential(7 * 365.25, n), adult), since_1995)
    open_date = as_of - np.floor(days_ago).astype(np.int64)

    age = age_days / 365.25
    payroll_flag = rng.random(n) < np.where((age >= 23) & (age < 58), 0.32, 0.06)
    mobile = rng.random(n) < np.clip(0.97 - 0.012 * np.maximum(age - 35, 0), 0.3, 0.97)

    regions = np.array([r for _, r in outlet_district], dtype=object)
    roads = np.array(_ROADS, dtype=object)
    addr = (
        (
            regions[o]
            + roads[rng.integers(0, len(roads), n)]
            + pd.Series(rng.integers(1, 400, n)).astype(str).to_numpy(dtype=object)
            + "号"
            + pd.Series(rng.integers(1, 30, n)).astype(str).to_numpy(dtype=object)
            + "栋"
            + pd.Series(rng.integers(1, 33, n) * 100 + rng.integers(1, 5, n))
            .astype(str)
            .to_numpy(dtype=object)
            + "室"
        )
        if n
        else np.array([], dtype=object)
    )

    data = {
        "cust_id": cust_id,
        "cust_name": _names(rng, male),
        "id_no": id_no,
        "id_type": np.full(n, "居民身份证", dtype=object),
        "phone": phone,
        "sex": np.where(male, "男", "女").astype(object),
        "birth_date": birth,
        "org_id": outlets["org_id"].to_numpy(dtype=object)[o] if n else np.array([], dtype=object),
        "mgr_id": mgr,
        "open_date": open_date,
        "payroll_flag": payroll_flag,
        "mobile_banking": mobile,
        "address": addr,
        # 客户状态: 正常 here; the D3 churn planting (sample/churn.py) closes/marks a few, in place
        "cust_status": np.full(n, "正常", dtype=object),
    }
    wealth = rng.normal(0.0, 0.9, n) + 0.012 * (age - 45)
    return data, wealth
