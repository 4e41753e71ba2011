"""bankxl.frames.join_values: the (distinct) values of a column per key joined into one text (issue 16 item 3),
checked by hand and against a plain-Python oracle (sorted/ordered sets per key, str.join)."""
import numpy as np
import pandas as pd
import pytest

from bankxl.frames import join_values


def test_join_values_by_hand():
    keys = pd.Series(["C2", "C1", "C1", "C2", "C1", None, "C3", "C2"], name="cust_id", dtype="string")
    vals = pd.Series(["理财", "定期", "大额存单", "理财", "定期", "基金", None, "保险"], dtype="string")
    got = join_values(keys, vals)
    # C1: {定期, 大额存单} sorted by code point (大 U+5927 < 定 U+5B9A); C2: {理财, 保险} -> 保 U+4FDD < 理 U+7406;
    # the None key and C3's only (missing) value are left out
    assert got.to_dict() == {"C1": "大额存单、定期", "C2": "保险、理财"}
    assert got.index.name == "cust_id" and got.dtype == "string"
    first = join_values(keys, vals, order="first", sep="/")
    assert first.to_dict() == {"C1": "定期/大额存单", "C2": "理财/保险"}
    rows = join_values(keys, vals, order="first", distinct=False)
    assert rows.to_dict() == {"C1": "定期、大额存单、定期", "C2": "理财、理财、保险"}
    cut = join_values(keys, vals, order="first", distinct=False, limit=2, more=" 等 {n} 笔")
    assert cut.to_dict() == {"C1": "定期、大额存单 等 3 笔", "C2": "理财、理财 等 3 笔"}
    assert join_values(keys, vals, limit=1).to_dict() == {"C1": "大额存单 等", "C2": "保险 等"}
    assert join_values(keys, vals, limit=2).to_dict() == {"C1": "大额存单、定期", "C2": "保险、理财"}


def test_join_values_several_keys_and_numbers():
    keys = pd.DataFrame({"day": ["d2", "d1", "d1", "d2"], "org": ["B", "A", "A", "B"]})
    got = join_values(keys, pd.Series([30, 5, 12, 30]), order="first")
    assert list(got.index) == [("d1", "A"), ("d2", "B")] and got.index.names == ["day", "org"]
    assert got.tolist() == ["5、12", "30"]
    assert join_values(keys, pd.Series([30, 5, 12, 30])).tolist() == ["12、5", "30"]  # as text: "1" < "5"


def test_join_values_empty_and_separator_in_values():
    none = join_values(pd.Series([], dtype="string"), pd.Series([], dtype="string"))
    assert len(none) == 0 and none.dtype == "string"
    keys = pd.Series(["a", "a", "b"])
    vals = pd.Series(["x\x1fy", "z", "w"])  # the first group separator inside a value: another one is used
    assert join_values(keys, vals).to_dict() == {"a": "x\x1fy、z", "b": "w"}
    with pytest.raises(ValueError):
        join_values(keys, vals, order="random")


@pytest.mark.parametrize("order", ["sorted", "first"])
@pytest.mark.parametrize("distinct", [True, False])
def test_join_values_equals_a_python_oracle(order, distinct):
    rng = np.random.default_rng(7)
    n = 3000
    keys = pd.Series(rng.integers(0, 400, n).astype(str), dtype="string").mask(rng.random(n) < 0.02)
    vals = pd.Series(rng.choice(["定期", "理财", "基金", "大额存单", "保险", "a", "B", "b"], n),
                     dtype="string").mask(rng.random(n) < 0.05)
    want = {}
    for k, v in zip(keys, vals):
        if pd.isna(k) or pd.isna(v):
            continue
        want.setdefault(k, []).append(v)
    for k, lst in want.items():
        if distinct:
            lst = list(dict.fromkeys(lst))
        want[k] = sorted(lst) if order == "sorted" else lst
    got = join_values(keys, vals, order=order, distinct=distinct, limit=3, more=" 等 {n} 个")
    assert list(got.index) == sorted(want)
    assert got.to_dict() == {k: "、".join(v[:3]) + (f" 等 {len(v)} 个" if len(v) > 3 else "") for k, v in want.items()}


def test_per_distinct_equals_the_function_on_every_row():
    """frames.per_distinct runs a vectorised function once per distinct value (missing included) and gives what
    the function gives on every row, on the original index and dtype."""
    from bankxl.frames import per_distinct
    from bankxl.scenarios.deposit.maturity.labels import term_labels
    dates = pd.Series(pd.to_datetime(["2026-12-31", None, "2027-01-01", "2026-12-31"]), index=[9, 7, 5, 3])
    month = lambda s: s.dt.strftime("%Y-%m").astype("string")  # noqa: E731
    got = per_distinct(dates, month)
    pd.testing.assert_series_equal(got, month(dates))
    assert got.tolist()[0] == "2026-12" and pd.isna(got.tolist()[1])
    terms = pd.Series([12, None, 3, 36, 12], dtype="Int64", index=list("abcde"))
    pd.testing.assert_series_equal(per_distinct(terms, term_labels), term_labels(terms))
    assert per_distinct(terms, term_labels).tolist() == ["1年", "未知", "3个月", "3年", "1年"]
    assert len(per_distinct(terms[:0], term_labels)) == 0
