"""Sample ``external_lists`` (外部名单) for C1 线上贷款白名单 (issue 13): a 公积金 / 机关事业单位 / 优质企业 list as
it arrives from outside the bank — one row per person, with the dirt of a real external list.

Who: about 10% of the sample bank's customers aged 22–55 (more of the 代发 customers), plus people who are not
the bank's customers (≈30% of the persons: new-customer leads). 名单来源 公积金 60% / 机关事业单位 25% / 优质企业
15%; 单位 from a short list; 缴存基数 log-normal (median ≈ 8,000 元/月), blank for ≈5% (unknown, not 0); 分配机构 =
the customer's outlet (a random outlet for new people).

Dirt (SCENARIOS.md §0.6; issue 13): ≈8% of IDs in the old 15-digit form, ≈4% in full-width digits, ≈1.5% saved
as e-notation text (``3.40524E+17``: ID_CORRUPT, matched by name + phone only); phones masked ``138****5678``
(≈60%) or blank (≈5%); names with a space or a full-width space (≈5%); ≈1% conflicts (the bank's ID under another
given name). Deterministic for a seed (own random stream).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import _DAY, _digits, _names
from .etc_signups import _FULL, _ids

_SOURCES = np.array(["公积金", "机关事业单位", "优质企业"], dtype=object)
_EMPLOYERS = np.array(["市第一人民医院", "区教育局", "市税务局", "城东实验中学", "国网供电公司", "市自来水公司",
                       "华信科技有限公司", "区人民法院", "市疾控中心", "滨江制造有限公司"], dtype=object)


def _make_external_lists(rng, customers: pd.DataFrame, orgs: pd.DataFrame, as_of: np.datetime64) -> dict:
    """The list's columns (dict of arrays, ``external_lists`` column ids); see the module docstring."""
    n_c = len(customers)
    age = (as_of - customers["birth_date"].to_numpy(dtype="datetime64[D]")) / _DAY / 365.25
    pay = customers["payroll_flag"].fillna(False).to_numpy(dtype=bool)
    p = np.where((age >= 22) & (age <= 55), np.where(pay, 0.2, 0.06), 0.01)
    own = np.flatnonzero(rng.random(n_c) < p)
    n_new = int(round(len(own) * 0.43))
    outlets = orgs.loc[orgs["level"] == "支行", "org_id"].to_numpy(dtype=object)
    new_id, new_male = _ids(rng, n_new, as_of)
    k = len(own) + n_new
    ids = np.concatenate([customers["id_no"].to_numpy(dtype=object)[own], new_id])
    name = np.concatenate([customers["cust_name"].to_numpy(dtype=object)[own], _names(rng, new_male)])
    phone = np.concatenate([customers["phone"].to_numpy(dtype=object)[own],
                            _digits(rng.integers(13000000000, 18999999999, n_new), 11)])
    org = np.concatenate([customers["org_id"].to_numpy(dtype=object)[own],
                          outlets[rng.integers(0, len(outlets), n_new)] if len(outlets) else np.full(n_new, None)])
    u = rng.random(k)
    s = pd.Series(ids, dtype=object).astype(str)
    is18 = s.str.len().eq(18).to_numpy() & s.str.slice(6, 8).eq("19").to_numpy()
    ids = np.where(is18 & (u < 0.08), s.str.slice(0, 6) + s.str.slice(8, 17), ids)
    ids = np.where(is18 & (u >= 0.08) & (u < 0.12), s.str.translate(_FULL), ids)
    ids = np.where(is18 & (u >= 0.12) & (u < 0.135), s.str.slice(0, 6).str.replace(r"^(\d)(\d{5})$", r"\1.\2E+17",
                                                                                   regex=True), ids)
    in_bank = np.arange(k) < len(own)
    conflict = in_bank & (u >= 0.135) & (u < 0.145)
    nm = pd.Series(name, dtype=object).astype(str)
    name = np.where(conflict, nm.str.slice(0, 1) + "某" + nm.str.slice(1), name)
    v = rng.random(k)
    sep = np.where(v < 0.025, " ", "\u3000")
    nm = pd.Series(name, dtype=object).astype(str)
    name = np.where(v < 0.05, nm.str.slice(0, 1) + sep + nm.str.slice(1), name)
    ph = pd.Series(phone, dtype=object).astype(str)
    w = rng.random(k)
    phone = np.where(w < 0.60, ph.str.slice(0, 3) + "****" + ph.str.slice(7), np.where(w < 0.65, None, ph))
    base = np.round(np.exp(np.log(8000) + 0.45 * rng.normal(0, 1, k)), -1)
    base = np.where(rng.random(k) < 0.05, np.nan, base)
    return {
        "list_source": _SOURCES[rng.choice(3, k, p=[0.6, 0.25, 0.15])],
        "cust_name": name, "id_no": ids, "phone": phone,
        "employer": _EMPLOYERS[rng.integers(0, len(_EMPLOYERS), k)],
        "income_base": base, "org_id": org,
        "as_of": np.full(k, as_of, dtype="datetime64[D]"),
    }
