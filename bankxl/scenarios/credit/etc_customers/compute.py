"""C5 ETC 客户: the computations (sign-ups in scope, persons, pyramid, coverage), vectorised.

Every function takes conformed canonical tables (``bankxl.tables``) and returns frames; nothing here reads
files or builds report blocks.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ....frames import customer_ages
from ....idcard import age_at, sex
from ....rules.deposits import latest_deposit
from ....rules.identity import IN_BOTH, ListMatch, by_cust_id, id_key
from ....rules.transactions import has_pattern
from ....tables import get_table
from ....rules.holdings import holding_matrix

#: the holding-matrix product of every running loan of the 贷款 table (its 品种 is not read)
LOAN = "贷款"
#: coverage products (SCENARIOS.md C5): column of the coverage table -> products of the holding matrix
COVERAGE = {LOAN: None, "信用卡": ("信用卡",), "社保卡": ("社保卡",), "手机银行": ("手机银行",), "代发": ("代发",)}


def in_scope(etc: pd.DataFrame, cancelled_pattern: str, corporate_pattern: str) -> tuple[pd.Series, pd.Series]:
    """(cancelled, corporate) bool Series on ``etc``'s index: 状态 matching ``cancelled_pattern`` (blank =
    active); 签约类型 matching ``corporate_pattern``, or — 签约类型 blank — the 姓名 matching it (单位 names:
    公司/有限/厂 …)."""
    cancelled = has_pattern(etc["status"].fillna(""), cancelled_pattern).astype(bool)
    kind = etc["signup_kind"]
    by_kind = has_pattern(kind.fillna(""), corporate_pattern).astype(bool)
    by_name = kind.isna() & has_pattern(etc["cust_name"].fillna(""), corporate_pattern).astype(bool)
    return cancelled, by_kind | by_name


def person_frame(etc: pd.DataFrame, lm: ListMatch, truck_pattern: str) -> pd.DataFrame:
    """One row per person of the list (rows of one person — several vehicles — counted once).

    ``etc``: the sign-ups in scope; ``lm``: :func:`bankxl.rules.identity.match_list` of them. Columns:
    person (key), cust_id (<NA> unless 内外都有), match_class, matched_on, org_id, n_vehicles (rows), truck
    (any 车型 matching ``truck_pattern``), toll (Σ 月通行扣费 of the person's vehicles, 元; NaN when none is
    known), toll_unknown (vehicles whose 扣费 is blank), first (index label of the person's first row). Persons
    are grouped on integer codes of the person key (a row without any identifier is a person of its own)."""
    r = lm.rows
    key = lm.person_key()
    code, _ = pd.factorize(key, sort=False)
    truck = has_pattern(etc["vehicle_type"].fillna(""), truck_pattern).astype(bool).to_numpy()
    toll = etc["monthly_toll"].to_numpy(dtype="float64")
    f = pd.DataFrame({"code": code, "truck": truck, "toll": toll, "unk": np.isnan(toll),
                      "pos": np.arange(len(etc))})
    g = f.groupby("code", sort=True)
    agg = pd.DataFrame({"n_vehicles": g.size(), "truck": g["truck"].any(), "toll": g["toll"].sum(min_count=1),
                        "toll_unknown": g["unk"].sum(), "pos": g["pos"].min()})
    first = agg["pos"].to_numpy()
    out = pd.DataFrame({"person": key.to_numpy()[first], "cust_id": r["cust_id"].to_numpy()[first],
                        "match_class": r["match_class"].to_numpy()[first],
                        "matched_on": r["matched_on"].to_numpy()[first], "org_id": r["org_id"].to_numpy()[first],
                        "n_vehicles": agg["n_vehicles"].to_numpy(dtype="int64"), "truck": agg["truck"].to_numpy(),
                        "toll": agg["toll"].to_numpy(), "toll_unknown": agg["toll_unknown"].to_numpy(dtype="int64"),
                        "first": etc.index.to_numpy()[first]})
    return out.astype({"person": "string", "cust_id": "string", "match_class": "string", "matched_on": "string",
                       "org_id": "string"})


def age_sex(persons: pd.DataFrame, etc: pd.DataFrame, customers: pd.DataFrame, as_of) -> tuple[pd.Series, pd.Series]:
    """(age float64 years, sex 男/女 string) per person (same index): from the list's own 证件号 normalised to
    18 digits (SCENARIOS.md §0.6 rule 5: 性别 = 第 17 位奇男偶女; 年龄 = 数据日期年 − 出生年 − 生日未到), else the
    matched customer's 证件号 / 出生日期 / 性别; NaN / <NA> when neither holds a valid one."""
    ids = id_key(etc.loc[persons["first"], "id_no"]).reset_index(drop=True)
    age = pd.Series(age_at(ids, as_of).astype("float64").to_numpy(), index=persons.index)
    sx = pd.Series(sex(ids).to_numpy(), index=persons.index, dtype="string")
    c = by_cust_id(customers)
    if len(c) and persons["cust_id"].notna().any():
        k = persons["cust_id"]
        c_age = customer_ages(c, as_of)
        c_id = id_key(c["id_no"]) if "id_no" in c.columns else pd.Series(pd.NA, index=c.index, dtype="string")
        c_sex = sex(c_id).fillna(c["sex"].astype("string").where(c["sex"].isin(["男", "女"])) if "sex" in c.columns
                                 else pd.NA)
        age = age.fillna(pd.Series(k.map(c_age).to_numpy(dtype="float64"), index=persons.index))
        sx = sx.fillna(pd.Series(k.map(c_sex).to_numpy(), index=persons.index, dtype="string"))
    return age, sx


def pyramid(age: pd.Series, sx: pd.Series, step: int, low: int, top: int) -> tuple[pd.DataFrame, int]:
    """Age × sex pyramid: one row per band of ``step`` years — '<low', 'low–low+step−1', …, '≥top' — with 男, 女
    (persons), 合计; bands in increasing age. Returns (table, persons whose age or sex is unknown, not counted)."""
    edges = list(range(low, top + 1, step))
    labels = [f"<{low}"] + [f"{a}–{a + step - 1}" for a in edges[:-1]] + [f"≥{edges[-1]}"]
    ok = age.notna() & sx.notna()
    band = pd.cut(age[ok], [-np.inf, *edges, np.inf], right=False, labels=labels)
    t = pd.crosstab(band, pd.Categorical(sx[ok], categories=["男", "女"]), dropna=False)
    t = t.reindex(index=labels, columns=["男", "女"], fill_value=0).astype("int64")
    out = pd.DataFrame({"年龄段": labels, "男": t["男"].to_numpy(), "女": t["女"].to_numpy()})
    out["合计"] = out["男"] + out["女"]
    return out, int((~ok).sum())


def holdings_of(ids: pd.Index, tables, who, as_of) -> tuple[pd.DataFrame, list[str]]:
    """Per matched person (index ``ids``, the representative 客户号) and coverage product (:data:`COVERAGE`):
    True held / False not held / <NA> unknown, and the products the data cannot tell at all (未计算).

    Sources (:func:`bankxl.rules.holdings.holding_matrix`): 产品持有 (持有 as typed),
    客户.代发标志 / 手机银行签约, the 贷款 table's loans running on ``as_of``
    (:func:`bankxl.rules.holdings.running_loans`). 贷款 = a running loan of the 贷款 table, whatever its 品种
    (车贷, 按揭 …: no product-name rule decides it), or a 产品持有 product whose name holds 贷款 held; known not
    held when every loan product the data show is known not held (the 贷款 table given: no running loan). A
    product no table shows is blank for everybody (not 0, not 否)."""
    customers = tables["customers"]
    holdings = tables.get("product_holdings")
    if holdings is None:
        holdings = get_table("product_holdings").empty()
    loans = tables.get("loans")
    flags = by_cust_id(customers).reset_index(drop=True)
    flags = flags.assign(cust_id=who.of(flags["cust_id"]))
    holdings = holdings.assign(cust_id=who.of(holdings["cust_id"]))
    if loans is not None:  # every running row of 贷款 is a loan: one product 贷款, named by no regex
        loans = loans.assign(cust_id=who.of(loans["cust_id"]), product=LOAN)
    m, evaluated = holding_matrix(holdings, flags, loans, as_of, mortgage_pattern="")  # a person's 客户号
    # together (held beats not)
    m = m.reindex(ids)
    out = pd.DataFrame(index=ids)
    not_computed = []
    for name, products in COVERAGE.items():
        cols = [c for c in m.columns if LOAN in c] if products is None else [c for c in products if c in evaluated]
        if not cols:
            out[name] = pd.array([pd.NA] * len(ids), dtype="boolean")
            not_computed.append(name)
            continue
        sub = m[cols].astype("boolean")
        held = sub.fillna(False).any(axis=1)
        known_not = sub.eq(False).fillna(False).all(axis=1)
        out[name] = pd.array(np.where(held, True, np.where(known_not, False, None)), dtype="boolean")
    return out, not_computed


def coverage_by_branch(persons: pd.DataFrame, held: pd.DataFrame, not_computed: list[str]) -> pd.DataFrame:
    """Per branch (机构号 of the matched customer) and 全部: ETC 客户数 (matched persons) and, per coverage
    product, the share holding it among those whose holding is known (blank where no table tells it). Counted by
    one groupby per product; the rows are built per branch (a bank's branches, not its customers)."""
    m = persons[persons["match_class"].eq(IN_BOTH).fillna(False).to_numpy()]
    org = m["org_id"].fillna("未知").to_numpy(dtype=object)
    h = held.reindex(m["cust_id"]).reset_index(drop=True)
    # one groupby per coverage product over the persons (holders, known) — the loop below is over branches only
    n_of = pd.Series(1, index=range(len(org))).groupby(org).sum()
    held_of, known_of = {}, {}
    for p in COVERAGE:
        v = h[p] if len(h) else pd.Series([], dtype="boolean")
        held_of[p] = v.fillna(False).astype("int64").groupby(org).sum()
        known_of[p] = v.notna().astype("int64").groupby(org).sum()
    rows = []
    for label in [*sorted(set(org), key=lambda o: (o == "未知", o)), "全部"]:
        every = label == "全部"
        row = {"机构号": label, "ETC客户数": int(len(org) if every else n_of[label])}
        for p in COVERAGE:
            known = int(known_of[p].sum() if every else known_of[p][label])
            yes = int(held_of[p].sum() if every else held_of[p][label])
            row[f"{p}覆盖率"] = (float(yes) / known) if known and p not in not_computed else np.nan
        rows.append(row)
    return pd.DataFrame(rows, columns=["机构号", "ETC客户数", *[f"{p}覆盖率" for p in COVERAGE]])


def deposit_avg(ids: pd.Index, monthly, who, as_of: pd.Timestamp) -> pd.Series | None:
    """本行日均 (元) per matched person: the latest month's 存款月日均 of each of the person's 客户号 up to the data
    date, summed (:func:`bankxl.rules.deposits.latest_deposit`; ``monthly`` a frame or a DuckTable); None when
    the table is absent or holds no 存款月日均 (the factor is 未计算)."""
    s = latest_deposit(monthly, as_of, who)
    return None if s is None else s.reindex(ids)
