"""bankxl.rules.deposits — one definition of a customer's 存款月日均 (latest month / mean of N months) for
C1 C5 C6 C7 C8 C10: by hand on a small 客户月度存款 with a month after the data date, a repeated (客户号, 月份),
blank values, a blank 客户号 and two 客户号 of one person; every caller gives the rule's values."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bankxl.rules.deposits import latest_deposit, mean_deposit
from bankxl.rules.identity import persons

AS_OF = pd.Timestamp("2026-11-30")
ID_A = "360426199101010071"  # 客户号 A and F: one person (A, the smaller, stands for him)
ID_B = "34052419800101001X"  # 客户号 B and G: one person

ROWS = [  # 客户号, 月份, 存款月日均 (元)
    ("A", "2026-09-01", 100.0), ("A", "2026-10-01", 200.0), ("A", "2026-11-01", 300.0),
    ("A", "2026-12-01", 999.0),                        # after the data date's month: never "latest"
    ("B", "2026-10-01", 50.0), ("B", "2026-11-01", None),  # latest month blank: unknown, not October's 50
    ("C", "2026-10-01", 10.0), ("C", "2026-11-01", 20.0), ("C", "2026-11-01", 25.0),  # repeated: last row
    ("D", "2026-08-01", 70.0),                         # latest up to the data date is August
    ("E", "2026-12-01", 5.0),                          # only after the data date: no row
    (None, "2026-11-01", 1.0), ("  ", "2026-11-01", 2.0),  # no 客户号: nobody's
    ("F", "2026-10-01", 40.0),                         # A's other 客户号, latest October
    ("G", "2026-11-01", 1000.0),                       # B's other 客户号
    (" D ", None, 3.0),                                # no month: nobody's month
]


def _monthly() -> pd.DataFrame:
    return pd.DataFrame({"cust_id": pd.array([r[0] for r in ROWS], dtype="string"),
                         "month": pd.to_datetime([r[1] for r in ROWS]),
                         "dep_avg": pd.array([r[2] for r in ROWS], dtype="float64")})


def _who():
    cust = pd.DataFrame({"cust_id": pd.array(list("ABCDEFG"), dtype="string"),
                         "id_no": pd.array([ID_A, ID_B, None, None, None, ID_A, ID_B], dtype="string"),
                         "cust_name": pd.array(["甲", "乙", "丙", "丁", "戊", "甲", "乙"], dtype="string")})
    who = persons(cust)
    assert who.person.to_dict() == {"F": "A", "G": "B"}
    return who


def _as_dict(s: pd.Series) -> dict:
    return {k: (None if np.isnan(v) else v) for k, v in s.items()}


def test_latest_month_per_cust_id_by_hand():
    got = latest_deposit(_monthly(), AS_OF)
    assert got.dtype == np.float64 and got.index.name == "cust_id"
    assert _as_dict(got) == {"A": 300.0, "B": None, "C": 25.0, "D": 70.0, "F": 40.0, "G": 1000.0}  # E: no row


def test_latest_month_summed_per_person_by_hand():
    got = latest_deposit(_monthly(), AS_OF, _who())
    # A + F = 300 + 40 (each 客户号's own latest month); B's latest is blank: the person's sum is unknown
    assert _as_dict(got) == {"A": 340.0, "B": None, "C": 25.0, "D": 70.0}


def test_a_later_data_date_takes_the_later_month():
    got = latest_deposit(_monthly(), pd.Timestamp("2026-12-31"))
    assert _as_dict(got)["A"] == 999.0 and _as_dict(got)["E"] == 5.0


def test_mean_of_the_last_months_by_hand():
    got = mean_deposit(_monthly(), AS_OF, 3)  # Sep–Nov 2026
    # A (100+200+300)/3; B only October known (November blank, not 0); C (10 + 25)/2 (November once: its last
    # row); D: August outside; E: December outside; F 40; G 1000
    assert _as_dict(got) == {"A": 200.0, "B": 50.0, "C": 17.5, "F": 40.0, "G": 1000.0}
    one = mean_deposit(_monthly(), AS_OF, 1)  # November only
    assert _as_dict(one) == {"A": 300.0, "B": None, "C": 25.0, "G": 1000.0}


def test_no_table_no_rows_no_values_is_none():
    m = _monthly()
    for f in (lambda t: latest_deposit(t, AS_OF), lambda t: mean_deposit(t, AS_OF, 3)):
        assert f(None) is None
        assert f(m.iloc[:0]) is None
        assert f(m.assign(dep_avg=np.nan)) is None
    with pytest.raises(ValueError):
        mean_deposit(m, AS_OF, 0)


def test_every_caller_gives_the_one_rule():
    """C1 C5 C6 C7 C8 C10 on the same table: the values above (before, C1/C5/C6 took the person's latest month
    across his 客户号 — December's 999 for A — and summed blanks as 0; C8 took the table's latest month, December,
    for everybody and a blank as 否; C10 counted C's repeated November twice)."""
    from bankxl.scenarios.credit.credit_report import _relation
    from bankxl.scenarios.credit.etc_customers.compute import deposit_avg
    from bankxl.scenarios.credit.limit_increase.compute import deposit_average
    from bankxl.scenarios.credit.mortgage_cross_sell import _deposit_size
    from bankxl.scenarios.credit.online_whitelist import _deposit
    from bankxl.scenarios.credit.student_loans import _deposits

    m, who = _monthly(), _who()
    ids = pd.Index(["A", "B", "C", "D", "E"], dtype="string", name="cust_id")
    person = [340.0, None, 25.0, 70.0, None]
    assert _as_dict(_deposit(m, who, ids, AS_OF)) == dict(zip(ids, person))                       # C1
    assert _as_dict(deposit_avg(ids, m, who, AS_OF)) == dict(zip(ids, person))                    # C5
    size, src = _deposit_size(ids, pd.DataFrame(), m, who, AS_OF)                                  # C6
    assert _as_dict(size) == dict(zip(ids, person)) and src == "客户月度存款表最近一个月的存款月日均"
    assert _as_dict(_deposits(m, AS_OF).reindex(ids)) == {"A": 300.0, "B": None, "C": 25.0, "D": 70.0,
                                                          "E": None}                               # C7
    rel, _ = _relation(ids, None, m, AS_OF)                                                        # C8
    assert rel.tolist() == [True, pd.NA, True, True, False]  # E: no row up to the data date -> no deposit
    assert _as_dict(deposit_average(m, ids, 3, AS_OF)) == {"A": 200.0, "B": 50.0, "C": 17.5, "D": None,
                                                            "E": None}                             # C10


def test_c8_payroll_or_deposit_is_kleene():
    """C8 本行有存款/代发: 代发 True wins over an unknown deposit; no 代发 and an unknown deposit stays unknown."""
    from bankxl.scenarios.credit.credit_report import _relation

    cust = pd.DataFrame({"cust_id": pd.array(["B", "C", "E"], dtype="string"),
                         "payroll_flag": pd.array([True, False, False], dtype="boolean")})
    ids = pd.Index(["B", "C", "E"], dtype="string", name="cust_id")
    m = _monthly().assign(cust_id=lambda f: f["cust_id"].replace({"G": "X"}))
    m.loc[m["cust_id"].eq("C").fillna(False).to_numpy(dtype=bool), "dep_avg"] = np.nan  # C: latest blank too
    rel, src = _relation(ids, cust, m, AS_OF)
    assert rel.tolist() == [True, pd.NA, False]
    assert src == "客户表的代发标志 或 客户月度存款表最近一个月的存款月日均 > 0"
