"""bankxl.tax: 累计预扣法 (SCENARIOS.md M1 and §8 test vectors)."""

import numpy as np
import pandas as pd
import pytest

from bankxl.tax import annual_bonus_iit, annual_tax, cumulative_iit, cumulative_iit_long, round_half_up


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
