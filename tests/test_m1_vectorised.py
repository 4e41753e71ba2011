"""M1 vectorised helpers (bankxl.scenarios.management.salary.checks): the grouped quartiles of 部门排名 equal the
per-department pandas/numpy results bit for bit, the message numbers read exactly as Python's ``format`` writes
them, and the messages of the scenario keep those texts for half-cent amounts."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_m1_salary import payroll, problems, row, run

from bankxl.scenarios.management.salary.checks import _num_text, group_quartiles


def test_group_quartiles_by_hand():
    """Excel PERCENTILE.INC on 1, 2, 3, 4: P25 = 1 + 0.75 × (2 − 1) = 1.75, median 2.5, P75 = 3 + 0.25 = 3.25;
    a one-person group has all five equal; a group whose only value is blank has n = 1 and no statistic."""
    keys = pd.Series(["乙", "甲", "甲", "甲", "甲", "丙"], dtype="string")
    vals = pd.Series([7.0, 4.0, 1.0, 3.0, 2.0, np.nan])
    q = group_quartiles(keys, vals)
    assert q.index.tolist() == sorted(["甲", "乙", "丙"])
    assert q.loc["甲"].tolist() == [4, 1.0, 1.75, 2.5, 3.25, 4.0]
    assert q.loc["乙"].tolist() == [1, 7.0, 7.0, 7.0, 7.0, 7.0]
    assert q.loc["丙", "n"] == 1 and q.loc["丙"].drop("n").isna().all()


def test_group_quartiles_equal_per_group_quantile_bit_for_bit():
    """A second method: Series.quantile / min / median / max per group (what 部门排名 computed in a Python loop
    before); many small groups make every interpolation weight 0, 0.25, 0.5, 0.75 occur, and money values
    divided by 1..12 months give the last-bit differences ``groupby().quantile`` would show."""
    rng = np.random.default_rng(11)
    n = 6000
    keys = pd.Series(rng.integers(0, 1500, n)).map(lambda k: f"部门{k:04d}").astype("string")
    vals = pd.Series(np.round(rng.lognormal(9, 0.6, n) * 100) / 100 / rng.integers(1, 13, n))
    vals[rng.random(n) < 0.02] = np.nan
    got = group_quartiles(keys, vals)
    want = pd.DataFrame({k: {"n": len(s), "min": s.min(), "p25": s.quantile(0.25), "median": s.median(),
                             "p75": s.quantile(0.75), "max": s.max()} for k, s in vals.groupby(keys, sort=True)}).T
    for c in ("min", "p25", "median", "p75", "max"):
        np.testing.assert_array_equal(got[c].to_numpy(), want[c].to_numpy(dtype="float64"), err_msg=c)
    assert got["n"].tolist() == want["n"].astype(int).tolist()
    # the pandas shortcut is not exact: the reason for the helper (this data has such groups)
    assert (vals.groupby(keys).quantile(0.75).to_numpy() != want["p75"].to_numpy(dtype="float64")).any()


@pytest.mark.parametrize(("value", "spec", "plus", "text"), [
    (27900.005, ",.2f", False, "27,900.01"),    # stored as 27900.00500000000102: above the half -> up
    (15174.005, ",.2f", False, "15,174.00"),    # stored as 15174.00499999999920: below the half -> down
    (0.015, ",.2f", False, "0.01"),             # stored as 0.01499999999999999944: below the half -> down
    (0.125, ",.2f", False, "0.12"),             # an exact tie: to even
    (2.675, ",.2f", False, "2.67"),
    (-24486.535, ",.2f", True, "-24,486.53"),
    (24486.535, ",.2f", True, "+24,486.53"),
    (-0.001, ",.2f", True, "-0.00"),            # Python keeps the sign of a value that rounds to 0
    (1234567.0, ",.2f", False, "1,234,567.00"),
    (0.0425, ".1%", False, "4.2%"),             # Python's % multiplies in floating point: 4.25 -> tie -> even
    (0.1205, ".1%", False, "12.0%"),            # × 100 = 12.04999999999999893 -> down
    (-0.05, ".1%", False, "-5.0%"),
])
def test_num_text_writes_what_python_format_writes(value, spec, plus, text):
    assert format(value, ("+" if plus else "") + spec) == text   # the expected text is Python's
    assert _num_text(pd.Series([value]), spec, plus=plus).tolist() == [text]


def test_num_text_equals_python_format_on_many_values():
    rng = np.random.default_rng(3)
    vals = np.concatenate([rng.integers(-10**9, 10**9, 20000) / 1000, rng.integers(0, 10**6, 20000) / 200,
                           rng.random(5000) * 1e7])
    assert _num_text(pd.Series(vals), plus=True).tolist() == [f"{v:+,.2f}" for v in vals]
    rates = rng.integers(0, 10**5, 20000) / 2e5
    assert _num_text(pd.Series(rates), ".1%").tolist() == [f"{v:.1%}" for v in rates]


def test_half_cent_amounts_in_the_sum_mismatch_message():
    """实发 entered with a half cent, 27,900.005 (stored 27,900.00500000000102 -> shown 27,900.01); expected
    30,000 − 1,400 − 678 = 27,922.00; 差 = −21.995 after rounding to 4 places (stored −21.99500000000000099 ->
    −22.00). The texts are Python's format of those numbers, as before the messages were vectorised."""
    df = payroll([row("2026-01-01", "A01", 30000.0, iit=678.0, net=27900.005)])
    sm = problems(run(df, as_of="2026-01-31"), "SUM_MISMATCH")
    assert sm["问题说明"].tolist() == [f"实发合计 {27900.005:,.2f} 元 ≠ 应发 − 各扣款之和 27,922.00 元(差 "
                                   f"{round(27900.005 - 27922.0, 4):+,.2f}); 员工 A01 2026-01"]
    assert sm["问题说明"].iloc[0] == "实发合计 27,900.01 元 ≠ 应发 − 各扣款之和 27,922.00 元(差 -22.00); 员工 A01 2026-01"
