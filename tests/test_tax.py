"""bankxl.tax: 累计预扣法 (SCENARIOS.md M1 and §8 test vectors)."""

import numpy as np
import pandas as pd
import pytest

from bankxl.tax import (
    DETAIL_COLUMNS,
    annual_bonus_iit,
    annual_tax,
    cumulative_iit,
    cumulative_iit_long,
    round_half_up,
)


def test_vector_from_scenarios():
    # income 30,000, 三险一金 1,400, 专项附加 1,000 -> taxable 22,600 per month
    tax = cumulative_iit([30_000 - 5_000 - 1_400 - 1_000] * 12)
    assert tax[0] == 678.00
    assert tax[1] == 1_322.00
    # hand-computed: Mar cum 67,800 -> 6,780 - 2,520 = 4,260 total -> 4,260 - 2,000 = 2,260
    assert tax[2] == 2_260.00
    # the year's total equals the annual tax on 271,200: 271,200 * 20% - 16,920 = 37,320
    assert tax.sum() == pytest.approx(37_320.00)


def test_pre_basic_amounts_and_2d():
    a = np.array([[30_000 - 1_400 - 1_000] * 3, [4_000] * 3])
    tax = cumulative_iit(a, basic_deduction=5_000)
    assert tax.shape == (2, 3)
    assert tax[0].tolist() == [678.0, 1_322.0, 2_260.0]
    assert tax[1].tolist() == [0.0, 0.0, 0.0]


def test_bracket_boundaries_inclusive():
    assert annual_tax([36_000.0])[0] == 1_080.00
    assert annual_tax([36_000.01])[0] == 1_080.00  # 3,600.001 - 2,520, continuous at the boundary
    assert annual_tax([144_000.0])[0] == 11_880.00
    assert annual_tax([960_000.0])[0] == pytest.approx(960_000 * 0.35 - 85_920)
    assert annual_tax([1_000_000.0])[0] == pytest.approx(1_000_000 * 0.45 - 181_920)
    assert annual_tax([-5.0, 0.0])[0] == 0.0


def test_no_refund_within_the_year():
    # a big January, then a loss-making month: nothing is refunded, later months catch up only above
    tax = cumulative_iit([50_000.0, -40_000.0, 10_000.0])
    assert tax[0] == pytest.approx(50_000 * 0.10 - 2_520)
    assert tax[1] == 0.0
    # cum 20,000 -> 600 due < 2,480 already withheld -> 0
    assert tax[2] == 0.0
    assert (tax >= 0).all()


def test_long_form_matches_2d_and_handles_joiners():
    months = pd.to_datetime([f"2026-{m:02d}-01" for m in range(1, 5)])
    df = pd.DataFrame(
        {
            "emp": ["A"] * 4 + ["B"] * 2,
            "month": list(months) + list(months[2:]),
            "gross": [30_000.0] * 6,
        }
    )
    tax = cumulative_iit_long(df["emp"], df["month"], df["gross"], 1_400.0, 1_000.0)
    assert tax.index.equals(df.index)
    assert tax.iloc[:4].tolist() == [678.0, 1_322.0, 2_260.0, 2_260.0]
    # B joined in March: his first month has one 5,000 deduction, not three
    assert tax.iloc[4:].tolist() == [678.0, 1_322.0]


def test_long_form_two_payments_in_a_month_and_new_year():
    df = pd.DataFrame(
        {
            "emp": ["A", "A", "A", "A"],
            "month": pd.to_datetime(["2025-12-01", "2026-01-01", "2026-01-20", "2026-02-01"]),
            "income": [30_000.0, 20_000.0, 10_000.0, 30_000.0],
        }
    )
    # deductions are taken once a month: on the main payment only
    tax = cumulative_iit_long(
        df["emp"],
        df["month"],
        df["income"],
        special_deduction=pd.Series([1_400.0, 1_400.0, 0.0, 1_400.0]),
        special_additional=pd.Series([1_000.0, 1_000.0, 0.0, 1_000.0]),
    )
    # 2025-12 is its own tax year; January 2026 adds both payments: 30,000 - 5,000 - 1,400 - 1,000
    assert tax.iloc[0] == 678.0
    assert tax.iloc[1] == 678.0 and tax.iloc[2] == 0.0
    assert tax.iloc[3] == 1_322.0


def test_empty_long_form():
    e = pd.Series([], dtype="string")
    out = cumulative_iit_long(e, pd.Series([], dtype="datetime64[ns]"), pd.Series([], dtype=float))
    assert len(out) == 0


def test_round_half_up_and_bonus():
    assert round_half_up(1.005) == 1.01
    assert round_half_up(2.675) == 2.68
    assert round_half_up(-1.005) == -1.01
    # 全年一次性奖金 36,000 -> 3,000/month bracket 3% -> 1,080; 36,001 -> 10% - 210
    assert annual_bonus_iit([36_000.0, 36_001.0, 0.0]).tolist() == [1_080.0, round(3_600.1 - 210, 2), 0.0]


def test_long_form_detail_columns_by_hand():
    """detail=True: the cumulative columns of the §8 vector, worked by hand."""
    df = pd.DataFrame({"emp": ["A", "A"], "month": pd.to_datetime(["2026-01-01", "2026-02-01"]),
                       "gross": [30_000.0, 30_000.0]}, index=[10, 11])
    d = cumulative_iit_long(df["emp"], df["month"], df["gross"], 1_400.0, 1_000.0, detail=True)
    assert list(d.columns) == list(DETAIL_COLUMNS) and d.index.tolist() == [10, 11]
    feb = d.loc[11]
    assert feb["year"] == 2026 and feb["first_month"] == 1 and feb["months_employed"] == 2
    assert feb["cum_income"] == 60_000.0 and feb["cum_basic"] == 10_000.0
    assert feb["cum_special"] == 2_800.0 and feb["cum_special_additional"] == 2_000.0 and feb["cum_other"] == 0.0
    assert feb["cum_deduction"] == 14_800.0 and feb["cum_taxable"] == 45_200.0
    assert feb["rate"] == 0.10 and feb["quick_deduction"] == 2_520.0
    assert feb["cum_tax_due"] == 2_000.0          # 45,200 × 10% − 2,520
    assert feb["withheld_before"] == 678.0        # January: 22,600 × 3%
    assert feb["tax"] == 1_322.0
    assert d.loc[10, ["cum_tax_due", "withheld_before", "tax"]].tolist() == [678.0, 0.0, 678.0]


def test_long_form_brackets_argument_and_no_refund_detail():
    df = pd.DataFrame({"emp": ["A"] * 3, "month": pd.to_datetime(["2026-01-01", "2026-02-01", "2026-03-01"]),
                       "income": [55_000.0, -35_000.0, 15_000.0]})
    # a flat 3% table: cum taxable 50,000 / 10,000 / 20,000 -> due 1,500 / 300 / 600; nothing refunded
    flat = ((float("inf"), 0.03, 0.0),)
    d = cumulative_iit_long(df["emp"], df["month"], df["income"], brackets=flat, detail=True)
    assert d["cum_taxable"].tolist() == [50_000.0, 10_000.0, 20_000.0]
    assert d["cum_tax_due"].tolist() == [1_500.0, 300.0, 600.0]
    assert d["withheld_before"].tolist() == [0.0, 1_500.0, 1_500.0]
    assert d["tax"].tolist() == [1_500.0, 0.0, 0.0]
    assert (d["rate"] == 0.03).all()
    # the Series form with the same table agrees; the statutory table gives 50,000 × 10% − 2,520 = 2,480
    s = cumulative_iit_long(df["emp"], df["month"], df["income"], brackets=flat)
    assert s.tolist() == [1_500.0, 0.0, 0.0]
    assert cumulative_iit_long(df["emp"], df["month"], df["income"]).tolist() == [2_480.0, 0.0, 0.0]


def test_long_form_detail_duplicates_and_nan_parts():
    """Two payments in a month share the month's cumulative values, tax on the first; a missing deduction
    counts as 0 on its own (it does not blank the month's income)."""
    df = pd.DataFrame({"emp": ["A", "A"], "month": pd.to_datetime(["2026-01-05", "2026-01-25"]),
                       "income": [30_000.0, 10_000.0], "sp": [1_400.0, np.nan]})
    d = cumulative_iit_long(df["emp"], df["month"], df["income"], df["sp"], detail=True)
    assert d["cum_taxable"].tolist() == [33_600.0, 33_600.0]  # 40,000 − 5,000 − 1,400
    assert d["tax"].tolist() == [1_008.0, 0.0]                 # 33,600 × 3%
    empty = cumulative_iit_long(pd.Series([], dtype="string"), pd.Series([], dtype="datetime64[ns]"),
                                pd.Series([], dtype=float), detail=True)
    assert list(empty.columns) == list(DETAIL_COLUMNS) and len(empty) == 0
