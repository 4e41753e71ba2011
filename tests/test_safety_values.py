"""Issue 8, values and headers: aliases and unused columns, missing-column suggestions, two columns for one
field, terms in days, absurd numbers, time zones, currency signs and decimal commas (bankxl.io / coerce)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bankxl import coerce as C
from bankxl.errors import DataValidationError, ProblemLog
from bankxl.io import load_frame, read_tables
from bankxl.scenario import RunContext
from bankxl.scenarios.deposit import maturity as m
from bankxl.tables import TABLES, get_table

TD = get_table("time_deposits")
ROOT = Path(__file__).resolve().parents[1]


def raw(rows):
    w = max(len(r) for r in rows)
    return pd.DataFrame([list(r) + [None] * (w - len(r)) for r in rows], dtype=object)


def load(rows, spec=TD):
    log = ProblemLog()
    return load_frame(raw(rows), spec, sheet="S", problems=log), log


def probs(log, code=None):
    return [(p.code, p.excel_row, p.column) for p in log.problems if code is None or p.code == code]


HEAD = ["账号", "客户号", "机构号", "到期日", "余额"]
ROW = ["A1", "C1", "001", "2025-01-05", "100"]


# ------------------------------------------------------------------------------ 5. absurd values
@pytest.mark.parametrize("cell", ["1e308", "-3", "inf", "∞", "-inf", float("inf"), 1e308])
def test_absurd_rates_are_row_problems(cell):
    t, log = load([HEAD + ["利率"], ROW + ["2.1"], ["A2"] + ROW[1:] + [cell]])
    assert t.df.loc[0, "rate"] == pytest.approx(0.021)
    assert pd.isna(t.df.loc[1, "rate"])
    assert [(c, r) for c, r, col in probs(log) if col == "利率(rate)"] in ([("NUM_INVALID", 3)],
                                                                          [("VALUE_INVALID", 3)])


def test_rate_above_100_percent_is_a_row_problem():
    t, log = load([HEAD + ["利率(%)"], ROW + ["2.1"], ["A2"] + ROW[1:] + ["150"], ["A3"] + ROW[1:] + ["0"]])
    assert t.df["rate"].tolist()[0] == pytest.approx(0.021) and pd.isna(t.df.loc[1, "rate"])
    assert t.df.loc[2, "rate"] == 0.0
    assert probs(log) == [("VALUE_INVALID", 3, "利率(rate)")]


def test_nonfinite_numbers_never_loaded():
    # 1e308 万元 overflows to inf when scaled; a term of 1e308 years, too
    t, log = load([["账号", "客户号", "机构号", "到期日", "余额(万元)", "存期(年)"],
                   ["A1", "C1", "1", "2025-01-05", "1e308", "1e308"], ["A2", "C1", "1", "2025-01-05", "1", "1"]])
    assert pd.isna(t.df.loc[0, "balance"]) and pd.isna(t.df.loc[0, "term_m"])
    assert t.df.loc[1, "balance"] == 10_000.0 and t.df.loc[1, "term_m"] == 12
    assert set(probs(log)) == {("NUM_INVALID", 2, "余额(balance)"), ("NUM_INVALID", 2, "期限(term_m)")}


def test_coerce_number_leaves_no_infinity():
    arr = np.array(["1e308", "2", 1e308, "-1e308"], dtype=object)
    out = C.coerce_number(arr, np.zeros(4, bool), factor=1e4)
    assert np.isfinite(out.values[1]) and np.isnan(out.values[[0, 2, 3]]).all()
    assert sum(mask.sum() for mask, code, _ in out.problems if code == "NUM_INVALID") == 3


# ------------------------------------------------------------------------------ 6. time zones
@pytest.mark.parametrize("cell,expected", [
    ("2024-01-04T20:00:00Z", "2024-01-05"),          # 04:00 in Beijing
    ("2024-01-05T23:30:00+03:00", "2024-01-06"),     # 04:30 in Beijing
    ("2024-01-05 10:00:00+08:00", "2024-01-05"),
    ("2024-01-05T23:59:00+0800", "2024-01-05"),
    (pd.Timestamp("2024-01-04 20:00", tz="UTC"), "2024-01-05"),
    (pd.Timestamp("2024-01-05 23:00"), "2024-01-05"),  # naive: local time
])
def test_timestamps_with_zone_become_beijing_dates(cell, expected):
    t, log = load([HEAD, ["A1", "C1", "1", cell, "1"]])
    assert t.df.loc[0, "maturity_date"] == pd.Timestamp(expected)
    assert not probs(log)
    tz_notes = [n for n in t.unit_notes if "Asia/Shanghai" in n]
    aware = not isinstance(cell, pd.Timestamp) or cell.tzinfo is not None
    assert len(tz_notes) == (1 if aware else 0)


def test_tz_aware_dataframe_source_gets_beijing_date():
    df = pd.DataFrame({"账号": ["A1"], "客户号": ["C1"], "机构号": ["1"], "余额": [1.0],
                       "到期日": pd.to_datetime(["2024-01-04T20:00:00Z"])})
    t = read_tables([df], ["time_deposits"])["time_deposits"]
    assert t.df.loc[0, "maturity_date"] == pd.Timestamp("2024-01-05")
    assert any("Asia/Shanghai" in n and "到期日" in n for n in t.unit_notes)


# ------------------------------------------------------------------------------ 7. currency signs, decimal commas
@pytest.mark.parametrize("cell,expected", [
    ("-¥2,000.00", -2000.0), ("¥-2,000.00", -2000.0), ("￥2,000.00", 2000.0), ("RMB 1,000", 1000.0),
    ("CNY-5", -5.0), ("$3.5", 3.5), ("-$3.5", -3.5), ("£7", 7.0), ("12 USD", 12.0), ("1,000", 1000.0),
    ("€1.000,50", 1000.5), ("1.234.567,89 €", 1234567.89), ("-€1.000,50", -1000.5), ("EUR 2.000,00", 2000.0),
    ("1 000,50 Kč", 1000.5), ("CZK 1,000.25", 1000.25), ("(¥1,234.50)", -1234.5), ("1.2万元", 12000.0),
])
def test_money_with_currency_signs(cell, expected):
    out = C.coerce_number(np.array([cell], dtype=object), np.zeros(1, bool), percent=False)
    assert out.values[0] == pytest.approx(expected) and not out.problems


@pytest.mark.parametrize("cell", ["1,5", "1,50", "€1,50", "1.000.000", "1,000,00", "12,3456", "¥¥5", "--5",
                                  "1.000,5.0"])
def test_ambiguous_or_broken_separators_are_problems(cell):
    out = C.coerce_number(np.array([cell, "7"], dtype=object), np.zeros(2, bool), percent=False)
    assert np.isnan(out.values[0]) and out.values[1] == 7.0
    assert [(code, mask.tolist()) for mask, code, _ in out.problems] == [("NUM_INVALID", [True, False])]


def test_currency_signs_seen_per_column():
    t, log = load([HEAD + ["利率"], ["A1", "C1", "1", "2025-01-05", "€1.000,50", "2%"],
                   ["A2", "C1", "1", "2025-01-05", "2.000,00 €", "2%"], ["A3", "C1", "1", "2025-01-05", "¥5", "2%"],
                   ["A4", "C1", "1", "2025-01-05", "7", "2%"]])
    assert t.df["balance"].tolist() == [1000.5, 2000.0, 5.0, 7.0]
    assert t.currencies_seen == {"balance": {"€", "¥"}}
    assert C.CURRENCY_SIGNS["€"] == "EUR" and C.CURRENCY_SIGNS["Kč"] == "CZK" and C.CURRENCY_SIGNS["¥"] == "CNY"
