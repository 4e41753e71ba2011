"""The merchants x months table of bankxl.rules.merchant_data (C4 / E1 / E2) through bankxl.engine (query
``merchant_months``: the rows the table holds — 商户号 not blank, 月份 not after the data date's month, the last
of repeated 商户号 + 月份, DUP_KEY for the others, rows after the data date counted) equals the pandas code it
replaced.

The oracle below is the row selection of merchant_months as it was before the engine (commit f001f6c; its
helper _dedupe is the module's, unchanged); the matrices are shaped by the same code after either selection. DuckDB (default) and Spark (local, marked ``spark``) must give the
same MerchantMonths (ids, months, the amount / count / 结算户日均 / row matrices exactly, attrs, future count)
and the same problems, on the sample bank and on a hand table with every edge.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bankxl.conform import conform
from bankxl.engine import SparkEngine
from bankxl.errors import ProblemLog
from bankxl.rules import merchant_data
from bankxl.rules.merchant_data import MAX_MONTHS, MerchantMonths, _dedupe, merchant_months
from bankxl.sample import make_sample_bank
from bankxl.scenario import RunContext
from engine_spark import spark  # noqa: F401  (session-scoped fixture: one Spark session for all tests)

AS_OF = pd.Timestamp("2026-11-30")


# ------------------------------------------------------------------ the pandas oracle (before the engine)
def oracle_month_rows(mm: pd.DataFrame, end: pd.Period, ctx) -> tuple[pd.DataFrame, int]:
    """The row selection of merchant_months as it was before the engine (commit f001f6c; the matrix shaping
    after it did not change and is shared): 商户号 not blank after strip, 月份 known and not after ``end``, the
    last of a repeated 商户号 + 月份 (DUP_KEY for the others); rows after ``end`` counted."""
    x = mm[mm["mch_id"].fillna("").str.strip().ne("") & mm["month"].notna()]
    period = x["month"].dt.to_period("M")
    future = int((period > end).sum())
    return _dedupe(x[(period <= end).to_numpy()], ["mch_id", "month"], "merchant_monthly", ctx), future


def oracle_merchant_months(mm: pd.DataFrame, mch: pd.DataFrame | None, ctx, *, max_months: int = MAX_MONTHS
                           ) -> MerchantMonths:
    """merchant_months with the oracle's row selection in place of the engine query."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(merchant_data, "month_rows", lambda mm, end, ctx, engine=None: oracle_month_rows(mm, end, ctx))
        return merchant_months(mm, mch, ctx, max_months=max_months)


# ------------------------------------------------------------------ helpers
def _ctx() -> RunContext:
    return RunContext(as_of=AS_OF)


def _problems(ctx) -> list:
    return [(q.table, q.excel_row, q.column, q.code, str(q.value)) for q in ctx.problems.problems]


def assert_same(mm, mch=None, engine=None, max_months=MAX_MONTHS) -> MerchantMonths:
    c1, c2 = _ctx(), _ctx()
    want = oracle_merchant_months(mm, mch, c1, max_months=max_months)
    got = merchant_months(mm, mch, c2, max_months=max_months, engine=engine)
    assert got.ids.equals(want.ids) and got.months.equals(want.months) and got.future == want.future
    for name in ("amt", "cnt", "settle", "row"):
        np.testing.assert_array_equal(getattr(got, name), getattr(want, name), err_msg=name)
    pd.testing.assert_frame_equal(got.attrs, want.attrs)
    assert _problems(c2) == _problems(c1)
    return got


@pytest.fixture(scope="module")
def sample():
    b = make_sample_bank(customers=3000, seed=1, as_of="2026-11-30")
    return (conform("merchant_monthly", b["merchant_monthly"], problems=ProblemLog(), required=True),
            conform("merchants", b["merchants"], problems=ProblemLog(), required=False))


def test_sample_bank_equals_the_oracle(sample):
    mm, mch = sample
    got = assert_same(mm, mch)
    assert len(got.ids) > 100 and got.row.sum() > 1000 and len(got.months) > 6
    assert_same(mm, None, max_months=6)


def _s(values) -> pd.Series:
    return pd.Series(values, dtype="string")


def hand_monthly() -> pd.DataFrame:
    """M1: two rows for 2026-10 (the later kept: 200), one after the data date (2026-12, counted as future);
    M2: 笔数 0 with 金额 50 (MCH_COUNT_ZERO), unknown amount in 2026-09; blank, whitespace-only (full-width space)
    and missing 商户号 and a missing 月份 are left out; M3: only a row in 2021 (outside a 60-month window
    ending 2026-11: no column, but the merchant is listed)."""
    rows = [  # mch_id, month, txn_count, amount, settle_avg, mch_name, open_date
        ("M1", "2026-10-01", 5, 100.0, 10.0, "甲店", "2024-01-15"),
        ("M1", "2026-11-01", 6, 120.0, None, None, None),
        ("M1", "2026-10-01", 7, 200.0, 20.0, "甲店新名", None),
        ("M1", "2026-12-01", 8, 999.0, None, "未来名", None),
        ("M2", "2026-11-01", 0, 50.0, None, "乙店", "2026-10-20"),
        ("M2", "2026-09-01", 3, None, None, None, None),
        ("", "2026-11-01", 1, 1.0, None, None, None),
        ("\u3000 ", "2026-11-01", 1, 1.0, None, None, None),
        (None, "2026-11-01", 1, 1.0, None, None, None),
        ("M2", None, 1, 1.0, None, None, None),
        ("M3", "2021-06-01", 2, 30.0, None, "丙店", None),
    ]
    df = pd.DataFrame(rows, columns=["mch_id", "month", "txn_count", "amount", "settle_avg", "mch_name", "open_date"])
    t = pd.DataFrame({"mch_id": _s(df["mch_id"]), "month": pd.to_datetime(df["month"]),
                      "txn_count": pd.array(df["txn_count"], dtype="Int64"), "amount": df["amount"].astype("float64"),
                      "settle_avg": df["settle_avg"].astype("float64"), "mch_name": _s(df["mch_name"]),
                      "open_date": pd.to_datetime(df["open_date"])})
    t["_row"] = pd.array(np.arange(len(t)) + 2, dtype="Int64")
    return t


def test_hand_table_by_hand():
    mm = hand_monthly()
    got = assert_same(mm)
    assert list(got.ids) == ["M1", "M2", "M3"] and got.future == 1
    assert got.months[0] == pd.Period("2021-12", "M") and got.months[-1] == pd.Period("2026-11", "M")  # 60 months
    j = {p: i for i, p in enumerate(got.months)}
    assert got.amt[0, j[pd.Period("2026-10", "M")]] == 200.0 and got.cnt[0, j[pd.Period("2026-10", "M")]] == 7
    assert np.isnan(got.amt[1, j[pd.Period("2026-09", "M")]]) and got.row[1, j[pd.Period("2026-09", "M")]]
    assert not got.row[2].any() and got.attrs.loc["M1", "mch_name"] == "甲店新名"
    ctx = _ctx()
    merchant_months(mm, None, ctx)
    assert [(q.excel_row, q.code) for q in ctx.problems.problems] == [(2, "DUP_KEY"), (6, "MCH_COUNT_ZERO")]


def test_with_merchants_table_and_conformed_columns():
    mm = conform("merchant_monthly", hand_monthly(), problems=ProblemLog(), required=True)
    mch = conform("merchants", pd.DataFrame({"mch_id": _s(["M2", "M4", "M4"]), "mch_name": _s(["乙店总", "丁店", "丁店2"])}),
                  problems=ProblemLog(), required=False)
    got = assert_same(mm, mch)
    assert list(got.ids) == ["M1", "M2", "M3", "M4"] and got.attrs.loc["M2", "mch_name"] == "乙店总"


def test_no_rows():
    mm = hand_monthly().iloc[:0]
    got = assert_same(mm)
    assert len(got.ids) == 0 and list(got.months) == [pd.Period("2026-11", "M")]


@pytest.mark.spark
def test_spark_gives_the_oracle_table(spark, sample):  # noqa: F811
    eng = SparkEngine(spark)
    mm, mch = sample
    assert_same(mm.iloc[:3000], mch, engine=eng)
    assert_same(hand_monthly(), engine=eng)


def test_merchant_sql_translates_to_spark_without_java():
    from test_engine_transactions import SparkTextEngine
    eng = SparkTextEngine()
    assert_same(hand_monthly(), engine=eng)
    (text,) = eng.texts
    assert " RLIKE " in text and "ROW_NUMBER() OVER" in text
