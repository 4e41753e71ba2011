"""C3 per-group text work is vectorised (issue 9 review): the helpers give what the per-group lambdas gave."""
import numpy as np
import pandas as pd

from bankxl.scenarios.credit.other_bank_loans import _join_distinct, _join_groups, _mode_smallest


def test_mode_ties_take_the_smallest_value_like_series_mode():
    x = pd.DataFrame({"c": ["1", "1", "1", "1", "2", "2", "3"],
                      "i": ["甲", "甲", "甲", "甲", "乙", "乙", "丙"],
                      "t": pd.array(["房贷", "车贷", "车贷", "房贷", "经营贷", None, None], dtype="string")})
    got = _mode_smallest(x, ["c", "i"], "t").reindex(pd.MultiIndex.from_tuples([("1", "甲"), ("2", "乙"), ("3", "丙")]))
    want = x.groupby(["c", "i"])["t"].agg(lambda s: s.mode().iloc[0] if s.notna().any() else pd.NA)
    assert got.iloc[0] == "房贷" == want.iloc[0]          # tie 2:2 -> smallest ("房" < "车" by code point)
    assert got.iloc[1] == "经营贷" and pd.isna(got.iloc[2])


def test_join_groups_keeps_row_order_and_gives_empty_for_groups_without_rows():
    codes = np.array([1, 0, 1, -1, 1, 0])
    texts = np.array(["a", "b", "c", "x", "d", "e"], dtype=object)
    assert list(_join_groups(codes, texts, 3)) == ["b、e", "a、c、d", ""]


def test_join_distinct_drops_missing_and_repeats_first_appearance_first():
    v = pd.Series(["r2", "r1", None, "r2", "r3"], dtype="string")
    assert list(_join_distinct(np.array([0, 0, 0, 0, 1]), v, 2)) == ["r2、r1", "r3"]
