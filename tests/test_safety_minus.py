"""Breaker finding: a money cell written with the Unicode minus sign U+2212 (−, typeset / Word / some PDF-to-Excel
exports) was NUM_INVALID and blanked; full-width －, the accounting form (1,234.00) and ASCII - were read. One place
parses number text (bankxl.coerce._parse_number_text); these tests load real files through bankxl.io."""
from __future__ import annotations

import numpy as np
import pytest
import xlsxwriter

from bankxl import coerce as C
from bankxl.errors import ProblemLog
from bankxl.io import read_tables

HEAD = ["流水号", "客户号", "交易时间", "金额", "借贷", "余额"]
# 余额 (balance_after: money, may be negative) as written, and the value each must load as (元)
CELLS = [("−1,234.00", -1234.0), ("－56.50", -56.5), ("(1,234.00)", -1234.0), ("¥−12", -12.0),
         ("1,000.25", 1000.25), ("-7", -7.0), ("−", np.nan)]


def _rows():
    return [[f"T{i}", "C1", "2026-11-30", "10", "D", cell] for i, (cell, _v) in enumerate(CELLS)]


def _check(lt, log):
    got = lt.df["balance_after"].to_numpy()
    want = np.array([v for _c, v in CELLS])
    np.testing.assert_array_equal(got, want)  # NaN == NaN here: the lone − is blank like a lone -
    assert [p for p in log.problems if p.column == "余额(balance_after)"] == []


def test_unicode_minus_in_a_csv_money_cell(tmp_path):
    path = tmp_path / "交易流水.csv"
    path.write_text("\n".join(",".join(f'"{c}"' for c in r) for r in [HEAD, *_rows()]) + "\n", encoding="utf-8")
    log = ProblemLog()
    _check(read_tables([path], wanted=("transactions",), problems=log)["transactions"], log)


def test_unicode_minus_in_an_xlsx_money_cell(tmp_path):
    path = tmp_path / "交易流水.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("交易流水")
    for i, r in enumerate([HEAD, *_rows()]):
        for j, v in enumerate(r):
            ws.write_string(i, j, v)
    wb.close()
    log = ProblemLog()
    _check(read_tables([path], wanted=("transactions",), problems=log)["transactions"], log)


@pytest.mark.parametrize("text,value", [("−0.5", -0.5), ("1234−", -1234.0), ("−1.2万", -12000.0)])
def test_unicode_minus_forms(text, value):
    out = C.coerce_number(np.array([text], dtype=object), np.zeros(1, bool), percent=False)
    assert out.values[0] == value and out.problems == []


def test_two_signs_stay_invalid():
    out = C.coerce_number(np.array(["−−5", "-−5"], dtype=object), np.zeros(2, bool), percent=False)
    assert np.isnan(out.values).all()
    assert out.problems[0][1] == "NUM_INVALID" and out.problems[0][0].tolist() == [True, True]
