"""D2's vectorised helpers (issue 9: no per-row / per-group Python over deposits or customers) give what the
per-row rules they replaced give: checked against the scalar rule or values written by hand."""
from __future__ import annotations

import pandas as pd

from bankxl.scenarios.deposit.maturity import term_label
from bankxl.scenarios.deposit.maturity.labels import term_labels, weekday_labels
from bankxl.scenarios.deposit.maturity.staffing import first_ids, kinds_held


def test_term_labels_match_the_scalar_rule():
    terms = pd.Series([3, 12, 18, 24, 36, None, 600, 1, 13, 0], dtype="Int64")
    assert term_labels(terms).tolist() == [term_label(t) for t in terms]
    assert term_labels(terms).tolist()[:6] == ["3个月", "1年", "18个月", "2年", "3年", "未知"]


def test_weekday_labels_by_hand():
    # 2026-09-07 is a Monday, 2026-09-13 a Sunday
    assert list(weekday_labels(pd.date_range("2026-09-07", "2026-09-13"))) == \
        ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]


def test_first_ids_keeps_row_order_caps_at_limit_and_says_more():
    # group (d1, O1): 7 rows in this order -> the first 5 joined + 等; (d1, O2): 2 rows; (d2, O1): 1 row
    rows = pd.DataFrame({"day": ["d1"] * 7 + ["d1", "d2", "d1"], "org": ["O1"] * 7 + ["O2", "O1", "O2"],
                         "cust": ["C7", "C3", "C5", "C1", "C9", "C2", "C4", "K2", "Z1", "K1"]})
    got = first_ids(rows, ["day", "org"], "cust", limit=5)
    assert got.loc[("d1", "O1")] == "C7、C3、C5、C1、C9 等"
    assert got.loc[("d1", "O2")] == "K2、K1" and got.loc[("d2", "O1")] == "Z1"
    assert len(got) == 3
    exact = first_ids(rows.iloc[:5], ["day", "org"], "cust", limit=5)  # exactly 5: no 等
    assert exact.loc[("d1", "O1")] == "C7、C3、C5、C1、C9"
    assert len(first_ids(rows.iloc[:0], ["day", "org"], "cust")) == 0


def test_kinds_held_sorted_distinct_per_customer():
    rows = pd.DataFrame({"ckey": [0, 0, 0, 1, 2, 2],
                         "kind": ["整存整取", "大额存单", "整存整取", "零存整取", "大额存单", "大额存单"]})
    got = kinds_held(rows, pd.Index([2, 0, 1, 5]))
    assert got.tolist() == ["大额存单", "、".join(sorted({"整存整取", "大额存单"})), "零存整取", ""]
