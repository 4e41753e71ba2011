"""Issue 9 item 3 (customer identity, one rule): :func:`bankxl.rules.identity.persons` merges the 客户号 of
one person inside a bank's 客户 table (same valid 证件号 after 15 → 18 digits) and never merges on a corrupt
ID; C6 and C9 count such a person once. Every expected value is worked out by hand in the docstrings."""
from __future__ import annotations

import pandas as pd
import pytest

from bankxl.rules import identity
from bankxl.runner import execute
from bankxl.tables import get_table

ID15 = "340524800101001"      # old 15-digit ID ...
ID18 = "34052419800101001X"   # ... and its 18-digit form (idcard.to_18): one person
ID_B = "110101199003070134"   # another valid person
CORRUPT = "3.40524E+17"       # an 18-digit ID that went through a double: ID_CORRUPT, never a key


def _s(v):
    return pd.Series(v, dtype="string")


def _frame(table_id: str, rows: list[dict]) -> pd.DataFrame:
    empty = get_table(table_id).empty()
    df = pd.DataFrame(rows)
    return pd.DataFrame({c: (df[c].astype(empty[c].dtype) if c in df.columns
                             else pd.Series(index=df.index, dtype=empty[c].dtype)) for c in empty.columns})


def _customers():
    """k1 (15-digit) and k7 (18-digit form, same name) are one person; k2 and k3 share a corrupt ID text;
    k4 and k5 share ID_B but their names differ (conflict, not merged); k6 holds ID_B without a name (merged
    into k4, the smallest 客户号 of ID_B); k8's first row holds ID_B (赵六: merged into k4), its second row
    ID18 (two IDs under one 客户号: a conflict, the first ID kept)."""
    return pd.DataFrame({
        "cust_id": _s(["k7", "k1", "k2", "k3", "k5", "k4", "k6", "k8", "k8"]),
        "id_no": _s([ID18, ID15, CORRUPT, CORRUPT, ID_B, ID_B, ID_B, ID_B, ID18]),
        "cust_name": _s(["张三", "张三", "李四", "王五", "赵七", "赵六", None, "赵六", "赵六"]),
    })


def test_persons_by_hand():
    c = _customers()
    c0 = c.copy()
    who = identity.persons(c)
    assert who.person.to_dict() == {"k6": "k4", "k7": "k1", "k8": "k4"}
    assert sorted(zip(who.conflicts["cust_id"], who.conflicts["other"], who.conflicts["reason"])) == [
        ("k5", "k4", identity.CONFLICT_NAME), ("k8", "k8", identity.CONFLICT_ID)]
    assert who.of(_s(["k7", "k2", "k3", "k5", "zz", None])).tolist() == ["k1", "k2", "k3", "k5", "zz", pd.NA]
    pd.testing.assert_frame_equal(c, c0)
    # the representative is the smallest 客户号, whatever the row order
    shuffled = identity.persons(c.iloc[[2, 0, 5, 1, 4, 3, 6, 7, 8]])
    assert shuffled.person.to_dict() == who.person.to_dict()
    assert any("k7→k1" in n for n in who.notes()) and any("冲突 2 处" in n for n in who.notes())
    # nothing to merge: no id_no column, or no table
    assert len(identity.persons(c.drop(columns=["id_no"])).person) == 0
    assert len(identity.persons(None).person) == 0
    ids = _s(["k7"])
    assert identity.persons(None).of(ids) is ids


def test_c6_merges_one_person_and_not_a_corrupt_id():
    """k1 holds the mortgage, k7 (same person, 18-digit ID) the 信用卡: person k1 holds both, so 信用卡
    coverage among mortgage holders (k1, k2) is 1/2 — without the merge it was 0/2 and k7 a third customer.
    k2 (mortgage) and k3 (信用卡) share only a corrupt ID: two people, k2's 信用卡 stays a gap."""
    cust = _frame("customers", [{"cust_id": "k1", "id_no": ID15, "cust_name": "张三"},
                                {"cust_id": "k7", "id_no": ID18, "cust_name": "张三"},
                                {"cust_id": "k2", "id_no": CORRUPT, "cust_name": "李四"},
                                {"cust_id": "k3", "id_no": CORRUPT, "cust_name": "王五"}])
    hold = _frame("product_holdings", [{"cust_id": "k1", "product": "个人住房贷款", "held": True},
                                       {"cust_id": "k7", "product": "信用卡", "held": True},
                                       {"cust_id": "k2", "product": "个人住房贷款", "held": True},
                                       {"cust_id": "k3", "product": "信用卡", "held": True}])
    rep = execute("credit.mortgage_cross_sell", {"customers": cust, "product_holdings": hold}, as_of="2026-11-30")
    cov = rep.tables()["coverage"].df.set_index("产品")
    assert cov.loc["信用卡", "按揭客户覆盖率"] == pytest.approx(1 / 2)
    assert cov.loc["信用卡", "按揭客户持有数"] == 1 and cov.loc["信用卡", "未持有客户数"] == 1
    assert cov.loc["信用卡", "非按揭客户覆盖率"] == 1  # k3 alone; k7 is not another customer
    lst = rep.tables()["cross_sell_list"].df.set_index("客户号")
    assert sorted(lst.index) == ["k1", "k2"]
    assert lst.loc["k1", "缺口产品数"] == 0 and lst.loc["k2", "缺口产品数"] == 1
    assert any("k7→k1" in n for n in rep.notes)


def test_c9_merges_one_person_and_not_a_corrupt_id():
    """2020 base (a loan running on 1 Jan 2020): c1 (L1, ends 2020-06-30) and c2 (L2, ends 2020-03-31).
    c8 is c1 with the 18-digit ID: its L9 starts 2020-09-01, within 180 days of c1's finish -> 续贷/新贷保留.
    c3 shares only a corrupt ID with c2: its L3 is not c2's -> c2 churns. 户数流失率 1/2 (without the merge
    c1 churned too: 2/2); only c2 on the win-back list."""
    ts = pd.Timestamp
    cust = _frame("customers", [{"cust_id": "c1", "id_no": ID15, "cust_name": "张三"},
                                {"cust_id": "c8", "id_no": ID18, "cust_name": "张三"},
                                {"cust_id": "c2", "id_no": CORRUPT, "cust_name": "李四"},
                                {"cust_id": "c3", "id_no": CORRUPT, "cust_name": "王五"}])
    loans = _frame("loans", [
        {"loan_id": "L1", "cust_id": "c1", "start_date": ts("2018-03-01"), "end_date": ts("2020-06-30"), "status": "A",
         "amount": 100_000.0},
        {"loan_id": "L9", "cust_id": "c8", "start_date": ts("2020-09-01"), "status": "C", "amount": 150_000.0},
        {"loan_id": "L2", "cust_id": "c2", "start_date": ts("2018-01-01"), "end_date": ts("2020-03-31"), "status": "A",
         "amount": 80_000.0},
        {"loan_id": "L3", "cust_id": "c3", "start_date": ts("2020-05-01"), "status": "C", "amount": 50_000.0}])
    rep = execute("credit.loan_churn", {"loans": loans, "customers": cust}, {"years": "[2020]"}, as_of="2022-12-31")
    year = rep.tables()["churn_by_year"].df.set_index("年份")
    assert year.loc["2020", "年初有贷客户数"] == 2 and year.loc["2020", "流失客户数"] == 1
    assert year.loc["2020", "续贷/新贷保留"] == 1 and year.loc["2020", "户数流失率"] == pytest.approx(1 / 2)
    detail = rep.tables()["churn_detail"].df.set_index("客户号")["结果"].to_dict()
    assert detail == {"c1": "续贷/新贷保留", "c2": "流失"}
    assert rep.tables()["winback_list"].df["客户号"].tolist() == ["c2"]
    assert any("c8→c1" in n for n in rep.notes)
