"""Shared helpers for the workbook templates users fill in Excel (``workbooks/*.xlsx``), built with XlsxWriter.

A scenario with a template declares it in its SPEC (``template=`` a ``build(path) -> Path`` function,
``template_file=`` its file name) and builds it next to its own code (e.g.
:mod:`bankxl.scenarios.deposit.maturity.template`) with the helpers below (:class:`Styles`,
:func:`new_workbook`, :func:`help_sheet`, :func:`heading`, :func:`header_row`, :func:`column_widths`,
:func:`formula_cell`, :func:`print_setup`, :func:`excel_round`). This module imports no scenario. Rules every
template follows:

* only worksheet functions that exist in Excel 2010+ and LibreOffice 7.4 (:data:`ALLOWED_FUNCTIONS`; no
  XLOOKUP/LET/FILTER/dynamic arrays) — ``tests/test_templates.py`` enforces the list;
* every formula is written with its cached value computed in Python by the library's own functions, so
  the file reads right before any recalculation (previewers, Protected View, openpyxl ``data_only``);
* input cells are light yellow, formula cells grey; the 使用说明 sheet says what to fill in;
* fixed document dates, so a rebuilt template is byte-stable.

``python -m bankxl.templates [DIR]`` rebuilds every registered scenario's template (:func:`build_all`;
default ``workbooks/``).
"""
from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import xlsxwriter

#: worksheet functions a template formula may use (present in Excel 2010+ and LibreOffice 7.4)
ALLOWED_FUNCTIONS = frozenset({
    "SUM", "SUMIF", "SUMPRODUCT", "IF", "IFERROR", "AND", "OR", "NOT", "MAX", "MIN", "ROUND", "ABS",
    "COUNTA", "COUNT", "COUNTIF", "AVERAGE", "DATE", "YEAR", "MONTH", "DAY", "EOMONTH", "INDEX", "MATCH",
    "VLOOKUP", "TEXT", "LEN", "SUMIFS", "COUNTIFS", "LOOKUP", "EDATE", "INT",
})

TEMPLATE_DATE = _dt.datetime(2026, 1, 1)  # document created date: byte-stable rebuilds
FONT = "等线"


class Styles:
    """The formats every template uses, created once per workbook."""

    def __init__(self, wb: xlsxwriter.Workbook):
        base = {"font_name": FONT, "font_size": 10, "valign": "vcenter"}

        def f(**kw):
            return wb.add_format({**base, **kw})

        self.title = f(bold=True, font_size=14, font_color="#1F4E78")
        self.subtitle = f(bold=True, font_size=11, font_color="#1F4E78")
        self.text = f()
        self.note = f(italic=True, font_color="#595959")
        self.header = f(bold=True, bg_color="#1F4E78", font_color="#FFFFFF", border=1, text_wrap=True,
                        align="center")
        self.label = f(bold=True, bg_color="#F2F2F2", border=1)
        inp = {"bg_color": "#FFF2CC", "border": 1, "border_color": "#BFBFBF"}
        calc = {"bg_color": "#EDEDED", "border": 1, "border_color": "#BFBFBF"}
        self.in_text = f(**inp, num_format="@")
        self.in_money = f(**inp, num_format="#,##0.00")
        self.in_int = f(**inp, num_format="#,##0")
        self.in_ratio = f(**inp, num_format="0.00")
        self.in_pct = f(**inp, num_format="0%")
        self.in_date = f(**inp, num_format="yyyy-mm-dd")
        self.in_general = f(**inp)
        self.calc_money = f(**calc, num_format="#,##0.00")
        self.calc_int = f(**calc, num_format="#,##0")
        self.calc_pct = f(**calc, num_format="0.00%")
        self.calc_text = f(**calc)
        self.total_label = f(bold=True, top=1, bottom=6)
        self.total_money = f(bold=True, top=1, bottom=6, num_format="#,##0.00", bg_color="#EDEDED")
        self.total_int = f(bold=True, top=1, bottom=6, num_format="#,##0", bg_color="#EDEDED")
        self.total_pct = f(bold=True, top=1, bottom=6, num_format="0.00%", bg_color="#EDEDED")
        self.bad = wb.add_format({"font_color": "#9C0006", "bg_color": "#FFC7CE"})
        self.good = wb.add_format({"font_color": "#006100", "bg_color": "#C6EFCE"})
        self.warn = wb.add_format({"font_color": "#9C5700", "bg_color": "#FFEB9C"})


def new_workbook(path: Path, title: str) -> tuple[xlsxwriter.Workbook, Styles]:
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
    wb.set_properties({"title": title, "company": "bankxl", "created": TEMPLATE_DATE,
                       "comments": "bankxl 模板; 黄色单元格填写, 灰色单元格为公式"})
    return wb, Styles(wb)


def write_lines(ws, row: int, lines: Sequence[str], fmt) -> int:
    for line in lines:
        ws.write_string(row, 0, line, fmt)
        row += 1
    return row


def help_sheet(ws, title: str, width: float, lines: Sequence[str], st: Styles, landscape: bool = True) -> None:
    """The 使用说明 sheet: ``title`` in A1, ``lines`` from A3 down in a column ``width`` wide, print setup."""
    ws.set_column(0, 0, width)
    ws.write_string(0, 0, title, st.title)
    write_lines(ws, 2, lines, st.text)
    print_setup(ws, landscape=landscape)


def heading(ws, title: str, note: str, st: Styles) -> None:
    """The top of a data sheet: ``title`` in A1, a one-line ``note`` in A2."""
    ws.write_string(0, 0, title, st.title)
    ws.write_string(1, 0, note, st.note)


def header_row(ws, row: int, heads: Sequence[str], st: Styles, height: float | None = None) -> None:
    """Column headers from A on 0-based ``row`` (row height ``height`` when given)."""
    for j, h in enumerate(heads):
        ws.write_string(row, j, h, st.header)
    if height is not None:
        ws.set_row(row, height)


def column_widths(ws, widths: Sequence[float]) -> None:
    """Widths of the columns from A on, one per column."""
    for j, w in enumerate(widths):
        ws.set_column(j, j, w)


def formula_cell(ws, row: int, col: int, formula: str, fmt, value: Any) -> None:
    """Write a formula with its Python-computed cached value ('' for a blank result)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        value = ""
    ws.write_formula(row, col, formula, fmt, value)


def print_setup(ws, landscape: bool = True) -> None:
    if landscape:
        ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.set_footer("&C内部资料 注意保密&R第 &P 页 / 共 &N 页")


def excel_round(x: float, digits: int = 0) -> float:
    """Excel's ROUND: half away from zero on the decimal value shown (Python's round() is half-to-even and
    works on the binary value, so round(2.675, 2) == 2.67 where Excel gives 2.68)."""
    from decimal import ROUND_HALF_UP, Decimal

    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return float("nan")
    q = Decimal(1).scaleb(-digits)
    return float(Decimal(repr(float(x))).quantize(q, rounding=ROUND_HALF_UP)) + 0.0


def formula_functions(formula: str) -> set[str]:
    """Worksheet function names used in a formula (text in double quotes ignored)."""
    body = re.sub(r'"[^"]*"', '""', formula)
    return {m.upper() for m in re.findall(r"([A-Za-z_][A-Za-z0-9_.]*)\s*\(", body)}


def build_all(folder: str | Path) -> list[Path]:
    """Rebuild the template of every registered scenario that declares one (``SPEC.template``) in ``folder``
    (default layout of ``workbooks/``), in registry order; returns the paths written."""
    from .scenario import registry

    folder = Path(folder)
    return [s.template(folder / s.template_file) for s in registry().values() if s.template is not None]


if __name__ == "__main__":  # pragma: no cover - regenerate the bundled workbooks
    import sys

    out_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "workbooks"
    for p in build_all(out_dir):
        print(p)
