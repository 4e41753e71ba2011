"""D2 customer identity (issue 9 item 3, SCENARIOS.md §7 客户合并键): D2 counts and merges customers through the
shared rule :mod:`bankxl.rules.identity` — 标准化证件号 (15 -> 18 digits) before 客户号, a corrupt ID never
matches. Hand-made deposits; every expected value is worked out in the comments."""
from __future__ import annotations

import pandas as pd
import pytest

from bankxl.runner import execute

AS_OF = "2026-09-09"  # Wednesday; the 60-day window runs to 2026-11-08
ID15, ID18 = "110105491231002", "11010519491231002X"  # the same person: 1949-12-31, 18-digit form with check X
CORRUPT = "3.40524E+17"  # an 18-digit ID that went through a number: digits lost (ID_CORRUPT), never a key

# acct, cust, name, id_no, org, maturity, balance — all 整存整取 maturing on working days of 2026-10
ROWS = [
    ("X1", "C31", "张三丰", ID15, "O1", "2026-10-20", 300_000.0),
    ("X2", "C32", "张三丰", ID18, "O1", "2026-10-21", 300_000.0),
    ("X3", "C33", "李四", CORRUPT, "O2", "2026-10-22", 100_000.0),
    ("X4", "C34", "王五", CORRUPT, "O2", "2026-10-22", 100_000.0),
]


def tables(where: str) -> dict[str, pd.DataFrame]:
    td = pd.DataFrame([(a, c, o, "整存整取", pd.Timestamp(m) - pd.DateOffset(years=1), pd.Timestamp(m), 12, 0.015, b)
                       for a, c, _n, _i, o, m, b in ROWS],
                      columns=["acct_no", "cust_id", "org_id", "product", "value_date", "maturity_date", "term_m",
                               "rate", "balance"])
    people = pd.DataFrame([(c, n, i) for _a, c, n, i, *_ in ROWS], columns=["cust_id", "cust_name", "id_no"])
    if where == "deposits":  # the export carries name and ID itself
        return {"time_deposits": td.assign(cust_name=people["cust_name"], id_no=people["id_no"])}
    return {"time_deposits": td, "customers": people}  # from the 客户 table


@pytest.mark.parametrize("where", ["deposits", "customers"])
def test_one_person_two_cust_ids_is_one_customer_corrupt_id_is_not(where):
    """C31 (15-digit ID) and C32 (the same ID in 18 digits, same name) are one customer, shown as C31 (the
    smallest 客户号); C33 and C34 share a corrupt ID and stay two customers. With 大额客户门槛 150,000:
    C31+C32 = 300,000 + 300,000 = 600,000 ≥ 150,000 -> one row on the 行长/理财经理 list (2 笔); C33 and C34
    hold 100,000 each < 150,000 -> not listed (merged on the corrupt ID they would be 200,000 and listed).
    去重客户数 of 2026-10: {C31/C32, C33, C34} = 3, from 4 deposits."""
    r = execute("deposit.maturity", tables(where), {"large_customer": 150_000.0}, as_of=AS_OF)
    t = r.tables()
    cus, cnt = t["maturity_customers"].df, t["maturity_count"].df
    assert cnt["2026-10"].iloc[0] == 4 and cus["2026-10"].iloc[0] == 3 and cus["合计"].iloc[0] == 3
    assert cus.set_index("机构号").loc["O1", "2026-10"] == 1 and cus.set_index("机构号").loc["O2", "2026-10"] == 2
    vip = t["large_customers"].df
    assert vip["客户号"].tolist() == ["C31"]
    assert vip["到期笔数"].tolist() == [2] and vip["到期金额(元)"].tolist() == [600_000.0]
    tags = t["customer_tags"].df
    assert tags.loc[tags["标签代码"] == "D2_LARGE_MATURITY", "客户号"].tolist() == ["C31"]
    # 到期分布 by month: 3 customers in 2026-10 there too
    by_month = t["by_month"].df.set_index("到期月份")
    assert by_month.loc["2026-10", "去重客户数"] == 3
    # 说明 names the merge (C32 -> C31)
    notes = "\n".join(r.notes)
    assert "C32→C31" in notes


def test_deposits_without_cust_id_are_keyed_by_their_id():
    """Two deposits without 客户号 holding the same valid ID (15- and 18-digit forms) are one customer; a third
    without 客户号 and with a corrupt ID has no key and is not counted as a customer. 2026-10: C31, the two
    ID-only deposits (one) -> 2 customers from 4 deposits (counting 客户号 alone gave 1)."""
    rows = [ROWS[0], ("Y1", None, "孙七", "340524800101001", "O1", "2026-10-23", 10_000.0),
            ("Y2", None, "孙七", "34052419800101001X", "O1", "2026-10-26", 10_000.0),
            ("Y3", None, None, CORRUPT, "O1", "2026-10-27", 10_000.0)]
    td = pd.DataFrame([(a, c, o, "整存整取", pd.Timestamp(m) - pd.DateOffset(years=1), pd.Timestamp(m), 12, 0.015, b,
                        n, i) for a, c, n, i, o, m, b in rows],
                      columns=["acct_no", "cust_id", "org_id", "product", "value_date", "maturity_date", "term_m",
                               "rate", "balance", "cust_name", "id_no"])
    r = execute("deposit.maturity", {"time_deposits": td}, as_of=AS_OF)
    t = r.tables()
    assert t["maturity_count"].df["2026-10"].iloc[0] == 4
    assert t["maturity_customers"].df["2026-10"].iloc[0] == 2
