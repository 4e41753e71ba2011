"""Sample ``credit_lines`` (授信) for E3's granted-but-unused credit list (issue 14).

Who: ≈18% of the customers (more of those aged 25–55), one line each, two for ≈15% of them (一人多授信).
Products: 个人信用消费贷款额度 50% · 个人经营贷款额度 20% · 公积金信用贷额度 15% · 随借随还循环额度 15%. 授信额度
log-normal (median ≈ 80,000 元, 经营 ×2.5), rounded to 1,000 元, capped at 1,000,000 元. 授信日 5–720 days before
the data date (so some lines are younger than 30 days); 到期日 = 授信日 + 12/24/36 months (20/40/40%; some expire within
60 days, some already expired). 已用额度: 0 for ≈40% (never drawn), under 10% of the limit for ≈10%, 10–95%
for the rest; blank (unknown) for ≈1%. 最近支用日 between 授信日 and the data date when used > 0. 额度状态 正常
≈92%, 冻结 ≈4%, 失效 ≈4% (失效 also for every expired line). 机构号/客户经理/姓名/证件号 from 客户. Deterministic
for a seed (own random stream).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import _DAY, _digits

PRODUCTS = ("个人信用消费贷款额度", "个人经营贷款额度", "公积金信用贷额度", "随借随还循环额度")


def _make_credit_lines(rng, customers: pd.DataFrame, as_of: np.datetime64) -> dict:
    """The table's columns (dict of arrays, ``credit_lines`` column ids); see the module docstring."""
    n_c = len(customers)
    age = (as_of - customers["birth_date"].to_numpy(dtype="datetime64[D]")) / _DAY / 365.25
    who = np.flatnonzero(rng.random(n_c) < np.where((age >= 25) & (age <= 55), 0.24, 0.08))
    ci = np.repeat(who, np.where(rng.random(len(who)) < 0.15, 2, 1))
    n = len(ci)
    prod_i = rng.choice(len(PRODUCTS), n, p=[0.5, 0.2, 0.15, 0.15])
    limit = np.exp(np.log(80_000) + 0.7 * rng.normal(0, 1, n)) * np.where(prod_i == 1, 2.5, 1.0)
    limit = np.minimum(np.round(limit, -3), 1_000_000.0).clip(5_000)
    start = as_of - rng.integers(5, 720, n).astype("timedelta64[D]")
    term_m = rng.choice(np.array([12, 24, 36]), n, p=[0.2, 0.4, 0.4])
    end = (start.astype("datetime64[M]") + term_m).astype("datetime64[D]") + (
        start - start.astype("datetime64[M]").astype("datetime64[D]"))
    r = rng.random(n)
    share = np.where(r < 0.40, 0.0, np.where(r < 0.50, rng.uniform(0.01, 0.099, n), rng.uniform(0.10, 0.95, n)))
    used = np.round(limit * share, 2)
    used = np.where(rng.random(n) < 0.01, np.nan, used)
    span = np.maximum(((as_of - start) / _DAY).astype(np.int64), 1)
    last_draw = start + (rng.random(n) * span).astype(np.int64).astype("timedelta64[D]")
    last_draw = np.where(np.nan_to_num(used, nan=0.0) > 0, last_draw, np.datetime64("NaT"))
    s = rng.random(n)
    status = np.where(s < 0.04, "冻结", np.where(s < 0.08, "失效", "正常")).astype(object)
    status = np.where(end < as_of, "失效", status)
    col = {c: customers[c].to_numpy(dtype=object)[ci] for c in ("cust_id", "cust_name", "id_no", "org_id", "mgr_id")}
    return {
        "line_id": "SX" + _digits(np.arange(1, n + 1, dtype=np.int64) + 2026_000_000, 10),
        **col, "product": np.array(PRODUCTS, dtype=object)[prod_i], "limit": limit, "used": used,
        "start_date": start.astype("datetime64[ns]"), "end_date": end.astype("datetime64[ns]"),
        "last_draw": last_draw.astype("datetime64[ns]"), "status": status,
        "as_of": np.full(n, as_of).astype("datetime64[ns]"),
    }
