"""Sample ``merchants`` (收单商户) for E1 商户四级预警 (issue 12; E2/C4 use the same table): the sample bank's
acquiring merchants, each planted with a trajectory (:data:`PROFILES`) that :mod:`.merchant_monthly` turns into
24 months of 笔数/金额, so that every E1 level appears in the default bank.

A merchant: 商户号 ``89811`` + 10 digits; a name by kind (王记面馆, 城东实验小学, 青山风景区 …); MCC of its kind
(5812 餐馆, 5411 超市, 8211 学校, 7991 景区 …); 网点 and 客户经理 of a sample customer's outlet; 入网日期 (2015 to
3 years ago; new merchants in the last 2 months); 商户状态 正常 (注销 for the closed profile); 法人证件号 = a sample
customer's ID for about 60%; a valid 统一社会信用代码 (92… 个体工商户 / 91… 企业, GB 32100 check character);
最近交易日 consistent with the monthly volumes. Deterministic for a seed.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import _DAY, _add_months, _digits

#: trajectory profiles: name -> (share of merchants, at least this many); the level E1's defaults give at the
#: data date is in the comment (r = 1 − 当月日均 / 前 3 月日均)
PROFILES = {
    "stable": (0.42, 0),       # 正常 (noise ±8%)
    "growing": (0.08, 1),      # 正常, +2% a month
    "school": (0.04, 2),       # MCC 8211, school-year season: 正常 on 去年同期
    "school_down": (0.01, 1),  # a school 40% below last year's same month: 一级 on 去年同期
    "scenic": (0.04, 2),       # MCC 7991, peaks in summer and October: 二级 on 前 3 月, 正常 on 去年同期
    "near": (0.05, 2),         # r ≈ 26–28%: 正常 but 临界
    "level1": (0.05, 2),       # r = 40%: 一级
    "level2": (0.05, 2),       # r = 65%: 二级
    "streak": (0.03, 2),       # r = 35% last month and ≈ 34% now: 二级 (连续 2 月 ≥ 30%)
    "level3": (0.04, 2),       # r = 90%: 三级
    "refund": (0.01, 1),       # refunds exceed sales this month (net < 0): r > 100%, 三级
    "level4": (0.04, 2),       # no transaction this month: 四级
    "dormant": (0.03, 2),      # no transaction for 4 months (≥ 90 days): 四级, 拟清退
    "new": (0.04, 2),          # 入网 in the last 2 months: 观察期
    "closed": (0.03, 2),       # 注销, no transaction for 2 months: not warned
    "gap": (0.01, 1),          # the month before last is missing (no row): 数据不足 (缺月不补 0)
    "star5": (0.02, 2),        # E2: a large merchant (70 万元 a month, 结算户日均 ≈ 45% of it): ★5; 正常 in E1
}
#: kinds of shop: (MCC, name suffixes, average ticket 元)
_KINDS = (("5812", ("面馆", "饭店", "小馆", "火锅店", "酒家"), 85.0), ("5411", ("超市", "生活超市", "便民超市"), 60.0),
          ("5499", ("便利店", "烟酒店", "水果店"), 35.0), ("5691", ("服装店", "鞋服店"), 220.0),
          ("5912", ("大药房", "药店"), 70.0), ("7230", ("美发店", "美容院"), 120.0), ("5541", ("加油站",), 260.0),
          ("5311", ("百货", "商场"), 180.0))
_PLACES = ("城东", "城西", "南门", "北街", "新华", "人民路", "中山", "解放路", "建设路", "滨江", "和平", "光明")
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_W = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28], dtype=np.int64)


def _uscc(rng, n: int, kind: np.ndarray) -> np.ndarray:
    """Valid 统一社会信用代码 (digits only before the check character): 92 (个体工商户) or 91 (企业) + 6-digit
    region + 9 digits + the GB 32100 check character (31 − Σ c·w mod 31)."""
    body = np.empty((n, 17), dtype=np.int64)
    body[:, 0] = 9
    body[:, 1] = np.where(kind == "企业", 1, 2)
    body[:, 2:8] = np.array([int(c) for c in "350100"])
    body[:, 8:] = rng.integers(0, 10, (n, 9))
    check = (31 - (body * _USCC_W).sum(axis=1) % 31) % 31
    text = _digits(body @ (10 ** np.arange(16, -1, -1, dtype=np.int64)), 17)
    return text + np.array(list(_USCC_ALPHABET), dtype=object)[check]


def _plan(rng, n: int) -> np.ndarray:
    """The profile of each of ``n`` merchants (object array): each profile its share (at least its minimum),
    the rest stable, shuffled."""
    counts = {k: max(int(share * n), low) for k, (share, low) in PROFILES.items() if k != "stable"}
    rest = max(n - sum(counts.values()), 0)
    names = ["stable"] * rest + [k for k, c in counts.items() for _ in range(c)]
    return rng.permutation(np.array(names[:max(n, 0)], dtype=object)) if n else np.array([], dtype=object)


def merchant_count(customers: int) -> int:
    """How many merchants a sample bank of ``customers`` customers has: one per 8 customers, 80–20,000."""
    return int(min(max(80, customers // 8), 20_000))


def _make_merchants(rng, customers: pd.DataFrame, orgs: pd.DataFrame, as_of: np.datetime64,
                    n: int) -> tuple[dict, dict]:
    """(merchants as a column dict for ``_finish``, plan for :mod:`.merchant_monthly`: profile, level 元/month,
    ticket, open month index, kind)."""
    profile = _plan(rng, n)
    kind_i = rng.integers(0, len(_KINDS), n)
    mcc = np.array([k[0] for k in _KINDS], dtype=object)[kind_i]
    ticket = np.array([k[2] for k in _KINDS])[kind_i]
    suffixes = np.array([[k[1][i % len(k[1])] for i in range(5)] for k in _KINDS], dtype=object)  # kinds × 5
    suffix = suffixes[kind_i, rng.integers(0, 5, n)]
    surname = np.array(["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周"], dtype=object)[rng.integers(0, 10, n)]
    place = np.array(_PLACES, dtype=object)[rng.integers(0, len(_PLACES), n)]
    name = np.where(rng.random(n) < 0.5, surname + "记" + suffix, place + suffix)
    school = np.isin(profile, ["school", "school_down"])
    scenic = profile == "scenic"
    mcc = np.where(school, "8211", np.where(scenic, "7991", mcc))
    name = np.where(school, place + np.where(rng.random(n) < 0.5, "实验小学", "中学"), name)
    name = np.where(scenic, place + np.where(rng.random(n) < 0.5, "风景区", "游乐园"), name)
    ticket = np.where(school, 1_500.0, np.where(scenic, 150.0, ticket))
    # outlet and 客户经理 of a sample customer (consistent pairs); the bank's outlets when there are no customers
    if len(customers):
        pick = rng.integers(0, len(customers), n)
        org = customers["org_id"].astype(object).to_numpy()[pick]
        mgr = customers["mgr_id"].astype(object).to_numpy()[pick]
        legal = np.where(rng.random(n) < 0.6, customers["id_no"].astype(object).to_numpy()[
            rng.integers(0, len(customers), n)], None)
    else:
        outlets = orgs.loc[orgs["level"] == "支行", "org_id"].astype(object).to_numpy()
        org = outlets[rng.integers(0, len(outlets), n)] if len(outlets) else np.full(n, None, dtype=object)
        mgr = np.full(n, None, dtype=object)
        legal = np.full(n, None, dtype=object)
    # 入网: 2015 .. 3 years ago (in months back from the data date); new merchants 0–1 months back
    back = rng.integers(36, 140, n)
    back = np.where(profile == "new", rng.integers(0, 2, n), back)
    open_month = as_of.astype("datetime64[M]") - back
    day = rng.integers(0, 28, n)
    open_date = open_month.astype("datetime64[D]") + day
    open_date = np.minimum(open_date, as_of)
    level = np.round(np.exp(rng.normal(np.log(80_000), 0.9, n)), -2)  # 元 per 30-day month
    level = np.where(school, level * 3, level)
    level = np.where(profile == "star5", 700_000.0, level)
    status = np.where(profile == "closed", "注销", "正常").astype(object)
    company = np.where(rng.random(n) < 0.3, "企业", "个体")
    data = {"mch_id": "89811" + _digits(np.arange(1, n + 1) * 37 + 1_000, 10), "mch_name": name, "mcc": mcc,
            "org_id": org, "mgr_id": mgr, "open_date": open_date, "status": status, "legal_id": legal,
            "uscc": _uscc(rng, n, company)}
    plan = {"profile": profile, "level": level, "ticket": ticket, "back": back, "open_date": open_date,
            "mch_id": data["mch_id"]}
    return data, plan


def _last_txn(rng, plan: dict, months: np.ndarray, amount: np.ndarray, count: np.ndarray,
              as_of: np.datetime64) -> np.ndarray:
    """最近交易日 from the monthly volumes: a day of the last month with a transaction (up to the data date;
    within 3 days of it when that month is the current one); NaT for a merchant that never had one."""
    active = (count > 0) & np.isfinite(amount)
    n, m = active.shape
    last = np.where(active.any(axis=1), m - 1 - np.argmax(active[:, ::-1], axis=1), -1)
    start = months[np.clip(last, 0, m - 1)]
    end = np.minimum(_add_months(start, 1) - 1, as_of)
    span = (end - start).astype(np.int64)
    cur = last == m - 1
    offset = np.where(cur, span - rng.integers(0, 4, n).clip(0, None), rng.integers(0, 28, n) % (span + 1))
    day = start + np.clip(offset, 0, span) * _DAY
    return np.where(last >= 0, day, np.datetime64("NaT"))
