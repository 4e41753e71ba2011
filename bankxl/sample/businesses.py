"""Sample ``businesses`` (个体工商户) for C2 个体工商户 (issue 13): the market-regulation bureau's registration list
of individual businesses as a bank receives it — one row per registration, with the dirt of a real external list.

Who (persons = 经营者): every customer with a running 个人经营贷款; the legal person of each 个体 acquiring merchant
(统一社会信用代码 starting 92) that is a customer — that registration carries the merchant's name and USCC, so the
acquiring link shows —; ≈5% of the other customers aged 25–60; and people outside the bank (≈35% of the persons:
new-customer leads). Registrations per person: 1 (≈85%), 2 (≈11%), 3 (≈4%): one operator, several businesses.
字号 from a kind of trade (王记面馆, 城东便利店 …) with its 行业门类 and 经营范围; 成立日期 1–20 years before the data
date; 登记状态 存续 (≈86%) / 在业 (≈4%) / blank (≈1%, counted as 存续) / 注销 (≈7%) / 吊销 (≈2%); 网点 = the
customer's outlet (a random outlet for new people); 登记机关 and 经营场所 from the district names.

Dirt (SCENARIOS.md §0.6; issue 13): ≈3% of USCCs with a wrong check character, ≈3% in full-width characters,
≈2% blank; operator IDs ≈8% in the old 15-digit form, ≈4% full-width, ≈1% e-notation text (``3.40524E+17``:
ID_CORRUPT, matched by name + phone only); phones masked ``138****5678`` (≈60%) or blank (≈5%); names with a
space or a full-width space (≈5%); ≈1% of bank persons under another given name (a conflict). Deterministic
for a seed (own random stream).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..tables import LOAN_STATUS_RUNNING
from ._common import _DAY, _digits, _names
from .etc_signups import _ids

#: kinds of trade: (行业门类, 字号 suffixes, 经营范围)
_TRADES = (
    ("住宿和餐饮业", ("面馆", "小吃店", "饭店", "火锅店", "早餐店"), "餐饮服务"),
    ("批发和零售业", ("便利店", "超市", "烟酒店", "水果店", "服装店", "五金店"), "日用百货、食品销售"),
    ("居民服务、修理和其他服务业", ("理发店", "美容院", "汽车修理部", "家电维修部", "洗衣店"), "生活服务、维修服务"),
    ("交通运输、仓储和邮政业", ("货运部", "物流点", "快递代办点"), "普通货物道路运输"),
    ("农、林、牧、渔业", ("养殖场", "种植园", "家庭农场"), "农作物种植、畜禽养殖"),
)
_PLACES = np.array(["城东", "城西", "南门", "北街", "新华", "人民路", "中山", "解放路", "建设路", "滨江", "和平", "光明"],
                   dtype=object)
_USCC_ALPHABET = np.array(list("0123456789ABCDEFGHJKLMNPQRTUWXY"), dtype=object)
_USCC_W = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28], dtype=np.int64)
_FULL = str.maketrans("0123456789ABCDEFGHJKLMNPQRTUWXY", "０１２３４５６７８９ＡＢＣＤＥＦＧＨＪＫＬＭＮＰＱＲＴＵＷＸＹ")


def _uscc92(rng, n: int) -> np.ndarray:
    """Valid 统一社会信用代码 of 个体工商户: 92 + 6-digit region + 9 characters of the GB 32100 alphabet + the
    check character (31 − Σ v·w mod 31)."""
    body = np.empty((n, 17), dtype=np.int64)
    body[:, 0], body[:, 1] = 9, 2
    body[:, 2:8] = np.array([int(c) for c in "350102"])
    body[:, 8:] = rng.integers(0, 31, (n, 9))
    check = (31 - (body * _USCC_W).sum(axis=1) % 31) % 31
    chars = _USCC_ALPHABET[np.concatenate([body, check[:, None]], axis=1)] if n else np.empty((0, 18), dtype=object)
    return np.array(["".join(r) for r in chars], dtype=object)


def _make_businesses(rng, customers: pd.DataFrame, orgs: pd.DataFrame, merchants: pd.DataFrame,
                     loans: pd.DataFrame, as_of: np.datetime64) -> dict:
    """The registration list's columns (dict of arrays, ``businesses`` column ids); see the module docstring."""
    n_c = len(customers)
    cid = customers["cust_id"].to_numpy(dtype=object)
    ids = customers["id_no"].astype(object).to_numpy()
    age = (as_of - customers["birth_date"].to_numpy(dtype="datetime64[D]")) / _DAY / 365.25
    biz_loan = loans["product"].eq("个人经营贷款") & loans["status"].isin(LOAN_STATUS_RUNNING)
    has_loan = np.isin(cid, loans.loc[biz_loan.fillna(False).to_numpy(), "cust_id"].to_numpy(dtype=object))
    m92 = merchants[merchants["uscc"].str.startswith("92").fillna(False) & merchants["legal_id"].notna()]
    m92 = m92.drop_duplicates("legal_id")
    pos_of = pd.Series(np.arange(n_c), index=pd.Index(ids)).groupby(level=0).first()
    m_pos = pos_of.reindex(m92["legal_id"].to_numpy(dtype=object)).to_numpy()
    m92, m_pos = m92[~np.isnan(m_pos)], m_pos[~np.isnan(m_pos)].astype(np.int64)
    merchant_of = np.full(n_c, -1, dtype=np.int64)
    merchant_of[m_pos] = np.arange(len(m92))
    other = (rng.random(n_c) < 0.05) & (age >= 25) & (age <= 60)
    own = np.flatnonzero(has_loan | (merchant_of >= 0) | other)
    n_new = int(round(len(own) * 0.54))  # ≈35% of the persons are not the bank's
    outlets = orgs.loc[orgs["level"] == "支行", "org_id"].to_numpy(dtype=object)

    new_id, new_male = _ids(rng, n_new, as_of)
    k = len(own) + n_new
    persons = pd.DataFrame({
        "name": np.concatenate([customers["cust_name"].to_numpy(dtype=object)[own], _names(rng, new_male)]),
        "id": np.concatenate([ids[own], new_id]),
        "phone": np.concatenate([customers["phone"].to_numpy(dtype=object)[own],
                                 _digits(rng.integers(13000000000, 18999999999, n_new), 11)]),
        "org": np.concatenate([customers["org_id"].to_numpy(dtype=object)[own],
                               outlets[rng.integers(0, len(outlets), n_new)] if len(outlets)
                               else np.full(n_new, None, dtype=object)]),
        "mch": np.concatenate([merchant_of[own], np.full(n_new, -1, dtype=np.int64)]),
    })
    r = rng.random(k)
    n_biz = np.where(r < 0.04, 3, np.where(r < 0.15, 2, 1))
    src = np.repeat(np.arange(k), n_biz)
    first = np.r_[True, src[1:] != src[:-1]] if len(src) else np.zeros(0, dtype=bool)
    n = len(src)

    trade = rng.integers(0, len(_TRADES), n)
    suffix = np.array([t[1][i % len(t[1])] for t in _TRADES for i in range(6)], dtype=object).reshape(
        len(_TRADES), 6)[trade, rng.integers(0, 6, n)]
    industry = np.array([t[0] for t in _TRADES], dtype=object)[trade]
    scope = np.array([t[2] for t in _TRADES], dtype=object)[trade]
    place = _PLACES[rng.integers(0, len(_PLACES), n)]
    surname = pd.Series(persons["name"].to_numpy(dtype=object)[src], dtype="string").str.slice(0, 1).to_numpy(
        dtype=object)
    biz_name = np.where(rng.random(n) < 0.5, place + surname + "记" + suffix, place + suffix)
    uscc = _uscc92(rng, n)
    # the first registration of a merchant's legal person is that merchant (its name, its USCC)
    mch = persons["mch"].to_numpy()[src]
    link = first & (mch >= 0)
    biz_name = np.where(link, m92["mch_name"].to_numpy(dtype=object)[np.where(link, mch, 0)] if len(m92) else None,
                        biz_name)
    uscc = np.where(link, m92["uscc"].to_numpy(dtype=object)[np.where(link, mch, 0)] if len(m92) else None, uscc)
    mcc = m92["mcc"].to_numpy(dtype=object)[np.where(link, mch, 0)] if len(m92) else np.full(n, None, dtype=object)
    m_trade = np.select([mcc == "5812", mcc == "7230"], [0, 2], 1)  # 餐馆 / 美容美发 / the rest retail
    industry = np.where(link, np.array([t[0] for t in _TRADES], dtype=object)[m_trade], industry)
    scope = np.where(link, np.array([t[2] for t in _TRADES], dtype=object)[m_trade], scope)
    reg_date = as_of - rng.integers(365, 20 * 365, n).astype("timedelta64[D]")
    s = rng.random(n)
    status = np.select([s < 0.07, s < 0.09, s < 0.10, s < 0.14], ["注销", "吊销", None, "在业"], "存续").astype(object)
    status = np.where(link, "存续", status)  # an acquiring merchant's business is running

    # dirt: USCCs per registration, identities per person (one person's rows look alike)
    u = rng.random(n)
    bad = (u < 0.03) & ~link
    last = pd.Series(uscc, dtype="string").str.slice(17, 18)
    swap = np.where(last.eq("0").to_numpy(), "1", "0")
    uscc = np.where(bad, pd.Series(uscc, dtype="string").str.slice(0, 17).to_numpy(dtype=object) + swap, uscc)
    full = (u >= 0.03) & (u < 0.06) & ~link
    uscc = np.where(full, pd.Series(uscc).astype(str).str.translate(_FULL).to_numpy(dtype=object), uscc)
    uscc = np.where((u >= 0.06) & (u < 0.08) & ~link, None, uscc)

    v = rng.random(k)
    idt = persons["id"].astype(object).to_numpy()
    is18 = pd.Series(idt, dtype="string").str.slice(6, 8).eq("19").fillna(False).to_numpy()
    id15 = is18 & (v < 0.08)
    idt = np.where(id15, pd.Series(idt).astype(str).str.slice(0, 6) + pd.Series(idt).astype(str).str.slice(8, 17), idt)
    fullw = is18 & (v >= 0.08) & (v < 0.12)
    idt = np.where(fullw, pd.Series(idt).astype(str).str.translate(_FULL), idt)
    corrupt = is18 & (v >= 0.12) & (v < 0.13)
    idt = np.where(corrupt, pd.Series(idt).astype(str).str.slice(0, 6).str.replace(r"^(\d)(\d{5})$", r"\1.\2E+17",
                                                                                    regex=True), idt)
    in_bank = np.arange(k) < len(own)
    name = persons["name"].astype(object).to_numpy()
    conflict = in_bank & (v >= 0.13) & (v < 0.14)  # the bank's ID under another given name
    name = np.where(conflict, pd.Series(name).str.slice(0, 1) + "某" + pd.Series(name).str.slice(1), name)
    w = rng.random(k)
    sep = np.where(w < 0.025, " ", "\u3000")
    name = np.where(w < 0.05, pd.Series(name).str.slice(0, 1) + sep + pd.Series(name).str.slice(1), name)
    ph = persons["phone"].astype(str)
    x = rng.random(k)
    phone = np.where(x < 0.60, ph.str.slice(0, 3) + "****" + ph.str.slice(7), np.where(x < 0.65, None, ph))

    return {
        "biz_name": biz_name,
        "uscc": uscc,
        "cust_name": name[src],
        "id_no": idt[src],
        "phone": phone[src],
        "industry": industry,
        "scope": scope,
        "authority": place + "市场监督管理所",
        "address": place + np.char.add(rng.integers(1, 300, n).astype(str), "号").astype(object),
        "reg_date": reg_date,
        "status": status,
        "org_id": persons["org"].to_numpy(dtype=object)[src],
        "as_of": np.full(n, as_of, dtype="datetime64[D]"),
    }
