"""Issue 8, maturity arithmetic: a blank 到期日 with an implausible 期限 (huge, zero, negative) is a row problem
TERM_INVALID, never an OutOfBoundsDatetime; 起息日 + 期限 is month arithmetic (vectorised) with the day clipped to the
month's end; a result beyond the dates bankxl can hold is DATE_INVALID; 距到期天数 never overflows."""
from __future__ import annotations

import pandas as pd
import pytest

from bankxl.calendar import add_months
from bankxl.conform import conform
from bankxl.runner import execute
from bankxl.scenario import RunContext
from bankxl.scenarios.deposit import maturity as m

AS_OF = "2026-09-09"


def _td(rows) -> pd.DataFrame:
    """rows: (acct, product, value_date, maturity_date, term_m, balance); Excel rows 2.."""
    td = pd.DataFrame(rows, columns=["acct_no", "product", "value_date", "maturity_date", "term_m", "balance"])
    td["cust_id"] = "C" + td["acct_no"]
    td["org_id"] = "O1"
    for c in ("acct_no", "cust_id", "org_id", "product"):
        td[c] = td[c].astype("string")
    for c in ("value_date", "maturity_date"):
        td[c] = pd.to_datetime(td[c]).astype("datetime64[ns]")
    td["term_m"] = td["term_m"].astype("Int64")
    td["rate"] = 0.015
    td["_row"] = pd.array(range(2, 2 + len(td)), dtype="Int64")
    return conform("time_deposits", td)  # as the runner hands it to the scenario


def _prepare(rows, as_of=AS_OF):
    ctx = RunContext(as_of=as_of)
    d, notes = m.prepare(_td(rows), m.MaturityParams(), ctx)
    return d, ctx.problems.to_frame()


def test_blank_maturity_with_huge_zero_or_negative_term_is_term_invalid_not_a_crash():
    d, probs = _prepare([
        ("A1", "整存整取", "2024-01-31", None, 2850, 10_000.0),    # ~237 years: used to raise OutOfBoundsDatetime
        ("A2", "整存整取", "2024-01-31", None, 99_999, 10_000.0),
        ("A3", "整存整取", "2024-01-31", None, 0, 10_000.0),
        ("A4", "整存整取", "2024-01-31", None, -12, 10_000.0),
        ("A5", "整存整取", "2024-01-31", None, 601, 10_000.0),
        ("A6", "整存整取", "2024-01-31", None, 600, 10_000.0),     # 50 years: plausible, computed
        ("A7", "整存整取", "2024-01-31", None, 1, 10_000.0),       # 31 Jan + 1 month -> 29 Feb (leap year)
    ])
    bad = probs[probs["问题码"] == "TERM_INVALID"]
    assert bad["Excel 行号"].tolist() == [2, 3, 4, 5, 6]
    assert bad["原值"].astype(str).tolist() == ["2850", "99999", "0", "-12", "601"]
    assert bad["字段"].str.contains("term_m").all() and bad["处理"].str.contains("到期日").all()
    # those rows have no maturity left: excluded (REQUIRED_EMPTY, 剔除), the plausible ones are kept
    assert d["acct_no"].tolist() == ["A6", "A7"]
    assert d["maturity"].tolist() == [pd.Timestamp("2074-01-31"), pd.Timestamp("2024-02-29")]
    assert d["dtm"].tolist() == [(pd.Timestamp("2074-01-31") - pd.Timestamp(AS_OF)).days,
                                 (pd.Timestamp("2024-02-29") - pd.Timestamp(AS_OF)).days]
    excluded = probs[(probs["问题码"] == "REQUIRED_EMPTY") & probs["处理"].str.contains("剔除")]
    assert excluded["Excel 行号"].tolist() == [2, 3, 4, 5, 6]


def test_implausible_term_with_a_given_maturity_keeps_the_row_and_derives_the_term():
    d, probs = _prepare([("B1", "整存整取", "2025-03-10", "2027-03-10", 5000, 20_000.0)])
    assert probs["问题码"].tolist() == ["TERM_INVALID"]
    assert d["acct_no"].tolist() == ["B1"] and d["maturity"].iloc[0] == pd.Timestamp("2027-03-10")
    assert int(d["term"].iloc[0]) == 24 and bool(d["term_derived"].iloc[0])


def test_notice_and_flexible_deposits_with_term_zero_are_not_flagged():
    _, probs = _prepare([("N1", "七天通知存款", "2026-08-01", None, 0, 70_000.0),
                         ("F1", "定活两便", "2026-08-01", None, 0, 5_000.0)])
    assert "TERM_INVALID" not in set(probs["问题码"])


def test_derived_maturity_beyond_supported_dates_is_date_invalid():
    """起息日 2250 + 600 months = 2300: beyond what pandas holds; a row problem, not a crash."""
    d, probs = _prepare([("C1", "整存整取", "2250-06-30", None, 600, 10_000.0),
                         ("C2", "整存整取", "2026-02-28", None, 12, 10_000.0)])
    p = probs[probs["问题码"] == "DATE_INVALID"]
    assert p["Excel 行号"].tolist() == [2] and p["处理"].str.contains("剔除").all()
    assert d["acct_no"].tolist() == ["C2"] and d["maturity"].iloc[0] == pd.Timestamp("2027-02-28")


def test_days_to_maturity_do_not_overflow_far_from_as_of():
    """2261-12-31 − 1900-01-01 is 361 years: more than a nanosecond timedelta holds (292 years)."""
    d, _ = _prepare([("D1", "整存整取", "2250-01-01", "2261-12-31", 12, 10_000.0)], as_of="1900-01-01")
    assert d["dtm"].tolist() == [(pd.Timestamp("2261-12-31").date() - pd.Timestamp("1900-01-01").date()).days]


def test_whole_report_runs_with_huge_term():
    td = _td([("E1", "整存整取", "2024-01-31", None, 2900, 10_000.0),
              ("E2", "整存整取", "2026-03-09", "2026-09-20", 6, 10_000.0)])
    rep = execute("deposit.maturity", {"time_deposits": td}, as_of=AS_OF)
    assert "TERM_INVALID" in set(rep.problems.to_frame()["问题码"])


def test_add_months_matches_dateoffset_and_blanks_what_cannot_be_held():
    dates = pd.Series(pd.to_datetime(["2024-02-29", "2024-01-31", "2023-12-15", None, "2250-01-01", "2024-03-31"]))
    months = pd.Series([12, 1, -13, 5, 600, pd.NA], dtype="Int64")
    got = add_months(dates, months)
    by_offset = [pd.Timestamp("2024-02-29") + pd.DateOffset(months=12),
                 pd.Timestamp("2024-01-31") + pd.DateOffset(months=1),
                 pd.Timestamp("2023-12-15") + pd.DateOffset(months=-13)]
    assert got.iloc[:3].tolist() == by_offset == [pd.Timestamp("2025-02-28"), pd.Timestamp("2024-02-29"),
                                                  pd.Timestamp("2022-11-15")]
    assert got.iloc[3:].isna().all() and str(got.dtype) == "datetime64[ns]"
    assert got.index.equals(dates.index)


@pytest.mark.parametrize("term", [2900, 10**9, -10**9])
def test_add_months_huge_terms(term):
    got = add_months(pd.Series(pd.to_datetime(["2024-01-31"])), pd.Series([term], dtype="Int64"))
    assert got.isna().all()
