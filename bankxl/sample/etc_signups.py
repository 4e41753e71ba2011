"""Sample ``etc_signups`` (ETC签约) for C5 ETC 客户 (issue 13): the ETC sign-up list as a bank receives it from
the ETC issuer — one row per vehicle, with the dirt of a real external list.

Who: about 12% of the sample bank's customers (more of those aged 25–55), 1 vehicle each (2 for ≈12%, 3 for
≈3%: one person, several rows), plus people who are not the bank's customers (≈30% of the persons: new-customer
leads) and a few 单位 (company) sign-ups whose 证件号 is a 统一社会信用代码 (not a personal ID). 车型 货车 ≈12%
(more for company sign-ups), else 客车; 状态 注销 ≈6%; 绑定卡 借记 70% / 信用 30%; 月通行扣费 log-normal (客车
median ≈ 300 元, 货车 ≈ 2,500 元), blank for ≈8% (unknown, not 0); 签约日期 in the 6 years before the data
date; 签约机构 = the customer's outlet (a random outlet for new people).

Dirt, as external lists arrive (SCENARIOS.md §0.6; issue 13): ≈8% of IDs in the old 15-digit form, ≈4% in
full-width digits, a few saved as e-notation text (``3.40524E+17``: ID_CORRUPT, matched by name + phone
only), ≈3% without an ID but with the bank's 客户号; phones masked ``138****5678`` (≈70%), only the last 4
shown (≈8%: too little to match) or blank (≈5%); names with a space or a full-width space (≈5%); a few
conflicts (the bank's ID under another name). Deterministic for a seed (own random stream).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import _DAY, _digits, _names, _valid_ids

_PLATE_PROV = np.array(list("京沪粤苏浙皖赣闽鲁豫鄂湘川渝"), dtype=object)
_PLATE_CHARS = np.array(list("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"), dtype=object)
_COMPANIES = np.array(["城东物流有限公司", "顺达运输有限公司", "光明建材厂", "滨江货运有限公司", "新华商贸有限公司",
                       "人民路汽车租赁有限公司", "中山冷链物流有限公司", "建设路工程有限公司"], dtype=object)
_FULL = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def _ids(rng, n: int, as_of: np.datetime64) -> tuple[np.ndarray, np.ndarray]:
    """Valid 18-digit IDs (ages 20–70) and sex (True = male) for people outside the bank."""
    age_days = rng.integers(20 * 365, 70 * 365, n)
    birth = as_of - age_days.astype("timedelta64[D]")
    return _valid_ids(rng, birth, 0.6, (110105, 310104, 440305, 340524, 360426, 510107))


def _plates(rng, n: int) -> np.ndarray:
    body = _PLATE_CHARS[rng.integers(0, len(_PLATE_CHARS), (n, 5))]
    return (_PLATE_PROV[rng.integers(0, len(_PLATE_PROV), n)] + _PLATE_CHARS[rng.integers(0, 24, n)]
            + np.array(["".join(r) for r in body], dtype=object)) if n else np.array([], dtype=object)


def _make_etc_signups(rng, customers: pd.DataFrame, orgs: pd.DataFrame, as_of: np.datetime64) -> dict:
    """The ETC list's columns (dict of arrays, ``etc_signups`` column ids); see the module docstring."""
    n_c = len(customers)
    age = (as_of - customers["birth_date"].to_numpy(dtype="datetime64[D]")) / _DAY / 365.25
    p = np.where((age >= 25) & (age <= 55), 0.17, 0.06)
    own = np.flatnonzero(rng.random(n_c) < p)
    n_new = int(round(len(own) * 0.43))  # ≈30% of the persons are not the bank's
    n_co = max(3, len(own) // 40) if n_c else 0
    outlets = orgs.loc[orgs["level"] == "支行", "org_id"].to_numpy(dtype=object)

    new_id, new_male = _ids(rng, n_new, as_of)
    persons = pd.DataFrame({
        "cust": np.concatenate([customers["cust_id"].to_numpy(dtype=object)[own], np.full(n_new + n_co, None)]),
        "name": np.concatenate([customers["cust_name"].to_numpy(dtype=object)[own], _names(rng, new_male),
                                _COMPANIES[rng.integers(0, len(_COMPANIES), n_co)]]),
        "id": np.concatenate([customers["id_no"].to_numpy(dtype=object)[own], new_id,
                              np.full(n_co, "91350100M000100Y43", dtype=object)]),  # GB 32100 example USCC
        "phone": np.concatenate([customers["phone"].to_numpy(dtype=object)[own],
                                 _digits(rng.integers(13000000000, 18999999999, n_new + n_co), 11)]),
        "org": np.concatenate([customers["org_id"].to_numpy(dtype=object)[own],
                               outlets[rng.integers(0, len(outlets), n_new + n_co)] if len(outlets)
                               else np.full(n_new + n_co, None)]),
        "kind": np.concatenate([np.full(len(own) + n_new, "个人", dtype=object), np.full(n_co, "单位", dtype=object)]),
    })
    k = len(persons)
    r = rng.random(k)
    n_veh = np.where(r < 0.03, 3, np.where(r < 0.15, 2, 1)) + np.where(persons["kind"] == "单位", 2, 0)
    rows = persons.loc[np.repeat(np.arange(k), n_veh)].reset_index(drop=True)
    n = len(rows)
    truck = rng.random(n) < np.where(rows["kind"] == "单位", 0.7, 0.12)

    # dirt, drawn per person (a person's rows look alike) then per row
    u = rng.random(k)
    idt = persons["id"].astype(object).to_numpy()
    is18 = (persons["kind"] == "个人").to_numpy() & pd.Series(idt, dtype="string").str.slice(6, 8).eq("19").to_numpy()
    id15 = is18 & (u < 0.08)
    idt = np.where(id15, pd.Series(idt).str.slice(0, 6) + pd.Series(idt).str.slice(8, 17), idt)
    full = is18 & (u >= 0.08) & (u < 0.12)
    idt = np.where(full, pd.Series(idt).astype(str).str.translate(_FULL), idt)
    corrupt = is18 & (u >= 0.12) & (u < 0.135)
    idt = np.where(corrupt, pd.Series(idt).astype(str).str.slice(0, 6).str.replace(r"^(\d)(\d{5})$", r"\1.\2E+17",
                                                                                    regex=True), idt)
    in_bank = persons["cust"].notna().to_numpy()
    no_id = in_bank & (u >= 0.135) & (u < 0.165)
    idt = np.where(no_id, None, idt)
    name = persons["name"].astype(object).to_numpy()
    conflict = in_bank & (u >= 0.165) & (u < 0.175)  # the bank's ID under another given name
    name = np.where(conflict, pd.Series(name).str.slice(0, 1) + "某" + pd.Series(name).str.slice(1), name)
    v = rng.random(k)
    spaced = (persons["kind"] == "个人").to_numpy() & (v < 0.05)
    sep = np.where(v < 0.025, " ", "\u3000")
    name = np.where(spaced, pd.Series(name).str.slice(0, 1) + sep + pd.Series(name).str.slice(1), name)
    ph = persons["phone"].astype(str)
    w = rng.random(k)
    phone = np.where(w < 0.70, ph.str.slice(0, 3) + "****" + ph.str.slice(7),
                     np.where(w < 0.78, "*******" + ph.str.slice(7), np.where(w < 0.83, None, ph)))
    cust_shown = np.where(no_id, persons["cust"].to_numpy(dtype=object), None)

    take = rows.index.to_numpy()
    src = np.repeat(np.arange(k), n_veh)
    toll = np.round(np.exp(np.where(truck, np.log(2500), np.log(300)) + 0.6 * rng.normal(0, 1, n)), 2)
    toll = np.where(rng.random(n) < 0.08, np.nan, toll)
    cancelled = rng.random(n) < 0.06
    return {
        "signup_id": np.char.add("ETC", _digits(np.arange(1, n + 1) * 7 + 100000, 10).astype(str)).astype(object),
        "cust_id": cust_shown[src],
        "cust_name": name[src],
        "id_no": idt[src],
        "phone": phone[src],
        "plate": _plates(rng, n),
        "vehicle_type": np.where(truck, "货车", "客车").astype(object),
        "card_type": np.where(rng.random(n) < 0.7, "借记", "信用").astype(object),
        "signup_date": as_of - rng.integers(30, 6 * 365, n).astype("timedelta64[D]"),
        "status": np.where(cancelled, "注销", "正常").astype(object),
        "signup_kind": rows["kind"].to_numpy(dtype=object)[take],
        "org_id": rows["org"].to_numpy(dtype=object),
        "monthly_toll": toll,
        "as_of": np.full(n, as_of, dtype="datetime64[D]"),
    }
