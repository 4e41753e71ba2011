"""Write a :class:`~bankxl.report.model.Report` to .xlsx with XlsxWriter (DESIGN.md "Report model and writing").

What every written workbook gets: real Excel tables (ListObjects) with autofilter and a frozen header,
thousands separators and units in headers, column widths that fit Chinese text (a CJK character counts
double), native charts, conditional formats, print setup (A4 landscape, fit to width, header row repeated,
footer 数据日期 · 内部资料 注意保密 · page x of y), text that begins with = + - @ written as text (never a
formula), IDs / accounts and numbers with more than 15 significant digits written as text, tz-aware
datetimes converted to Asia/Shanghai local time, and an atomic write (temp file in the target folder +
``os.replace``, the file gets the user's umask permissions): an existing file is replaced whole or not at all.

A table longer than a sheet holds (:func:`table_capacity`, Excel's 1,048,576 rows) continues on sheets
``名单(2)``, ``名单(3)`` … each with its own header (at most ``MAX_CONTINUATION_SHEETS`` of them; rows beyond are
not written), and the sheet and 说明 say so. :func:`safe_filename` turns text from data into one safe file name,
:func:`report_file_name` names a scenario's report file.

Very large reports (more than ``LARGE_CELLS`` cells) switch XlsxWriter to ``constant_memory``; Excel tables
are not available there, so sheets get a plain autofilter instead, and 说明 says so.
openpyxl is never used to write (a load-and-save drops charts and pivots).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import errno
import logging
import math
import os
import re
import secrets
import unicodedata
from dataclasses import replace
from itertools import repeat
from pathlib import Path
from collections.abc import Collection
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.utility import xl_range, xl_rowcol_to_cell

from ..errors import BankxlError
from . import layout
from .model import Chart, Conditional, Headline, Note, PivotBlock, Report, Sheet, Table

log = logging.getLogger(__name__)

LARGE_CELLS = 3_000_000
LONG_TABLE_ROWS = 1_000  # a longer table is added without XlsxWriter's per-cell overlap check (_add_table)
WRAP_WIDTH = 40  # text columns wider than this (in Excel character units) wrap
NOTE_WIDTH = 100  # column A of a sheet of notes only (no table): about an A4 landscape page at 100 %
INTEGER_TICKS = 8  # at most this many intervals on a count axis (Chart.integer)
FIGURE_NOTE_WIDTH = 50  # the headline's 说明 column is at least this wide when a note reaches it; longer wraps
WIDE_SHEET = 220  # total column width (character units) above which a sheet prints on A3
FREEZE_MAX_ROWS = 15  # never freeze more rows than this (the list's header row included)
SCREEN_ROWS = 30  # rows a screen shows: a table ending above this needs no deep frozen header
SCREEN_UNITS = 130  # column units a screen shows: wider lists freeze their identity columns
IDENTITY_COLUMNS = ("排名", "客户号", "客户名称", "姓名", "户名")  # frozen at the left of wide lists
CENTRED_COLUMNS = ("排名", "序号", "名次", "等级")  # short codes read apart from their neighbours
ACTION_COLUMNS = ("排名", "客户号", "客户名称", "客户名称(脱敏)", "姓名", "姓名(脱敏)", "商户名称", "机构号", "机构",
                  "机构名称", "客户经理", "等级", "建议动作", "截止日")
EMPTY_NOTE = "没有符合条件的记录"
#: Excel's limit on a cell's text, in UTF-16 code units: longer text is cut to it, its end replaced by CUT_MARK,
#: and the cut counted per sheet and column in 写出说明 on 说明 (Excel cannot hold more)
CELL_MAX = 32767
CUT_MARK = "…(已截断: 超过 Excel 单元格 32767 字符上限)"


def cut_cell_text(v: str) -> str | None:
    """``v`` cut to :data:`CELL_MAX` UTF-16 units (Excel's cell limit), its end replaced by :data:`CUT_MARK`;
    None when it fits. The one cut of every cell and pivot-cache item the writer makes."""
    if len(v) <= CELL_MAX // 2 or len(v.encode("utf-16-le")) // 2 <= CELL_MAX:
        return None
    keep = CELL_MAX - len(CUT_MARK)
    return v.encode("utf-16-le")[:2 * keep].decode("utf-16-le", errors="ignore") + CUT_MARK


#: how many Excel rows of cut cells a 说明 line lists per sheet and column
CUT_ROWS_SHOWN = 10
#: the 「列」 of a cut 说明 / 概览 text line (a Note's lines and pairs are written in columns A and B)
NOTE_COLUMN = "A(说明文字)"
#: text from data starting with one of these is written as text with Excel's quote prefix (the "'" of a typed
#: value), so editing the cell (F2 + Enter) keeps it text instead of turning it into a live formula
FORMULA_LEAD = ("=", "+", "-", "@")
_THOUSANDS = re.compile(r"-?\d{1,3}(,\d{3})+(\.\d+)?")
EXCEL_MAX_ROWS = 1_048_576
MAX_CONTINUATION_SHEETS = 9  # a table continues on at most this many more sheets (~10 million rows in all)
LOCAL_TZ = "Asia/Shanghai"  # tz-aware datetimes are shown in this zone, without tzinfo (naive = local)
NAMED_FORMATS = {
    "money": "#,##0.00", "money0": "#,##0", "int": "#,##0", "pct": "0.00%", "pct1": "0.0%",
    "date": "yyyy-mm-dd", "month": "yyyy-mm", "text": "@", "ratio": "0.00", "ratio4": "0.0000",
    "general": "General",
}
STYLE_COLORS = {"bad": ("#9C0006", "#FFC7CE"), "warn": ("#9C5700", "#FFEB9C"), "good": ("#006100", "#C6EFCE")}
FOOTER_NOTE = "内部资料 注意保密"
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_RESERVED_SHEETS = frozenset({"history"})  # Excel refuses a sheet called History (any case)
#: bidi controls and zero-width characters: dropped from file names, so ``名单_\u202eCOM1.xlsx`` cannot show
#: as another name or fake an extension
_INVISIBLE_FILE_CHARS = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\u061c\u180e\ufeff]")
#: a character safe_filename replaces, with the spaces and _ beside it: folded into one _
_SEPARATOR_RUN = re.compile(r'[ _]*[<>:"/\\|?*\x00-\x1f\x7f][ _]*')
_RESERVED_FILES = re.compile(r"(CON|PRN|AUX|NUL|CONIN\$|CONOUT\$|COM[0-9¹²³]|LPT[0-9¹²³])(\..*)?", re.I)


def display_width(text: Any) -> int:
    """Width of a value in Excel character units: East Asian wide/fullwidth characters count 2."""
    s = str(text)
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in s)


def safe_sheet_name(name: str, taken: set[str]) -> str:
    """A valid sheet name, unique in ``taken`` (case-insensitive, as Excel compares) and added to it:
    []:*?/\\ become _, at most 31 characters, no ' at either end, not Excel's reserved History;
    '(2)', '(3)' … appended on a clash."""
    base = _BAD_SHEET_CHARS.sub("_", str(name))[:31].strip("'") or "Sheet"
    used = {t.lower() for t in taken} | _RESERVED_SHEETS
    candidate, n = base, 2
    while candidate.lower() in used:
        suffix = f"({n})"
        candidate = base[: 31 - len(suffix)] + suffix
        n += 1
    taken.add(candidate)
    return candidate


def safe_filename(text: Any, max_bytes: int = 255) -> str:
    """``text`` (e.g. a 机构号 from data) as one file name valid on Windows, macOS and Linux.

    Bidi controls (U+202A–E, U+2066–9, U+200E/F) and zero-width characters are dropped;
    <>:"/\\|?* and control characters become _, runs of dots become one dot (no ``..``), a leading dot
    becomes _ (no hidden files), trailing dots and spaces go (Windows drops them), Windows device names
    (CON, NUL, COM1, LPT1 … with or without an extension, any case) get a leading _, and the result is cut
    to ``max_bytes`` UTF-8 bytes without splitting a character. Never empty ("_"). Spaces and _ around a
    replaced character fold into its _ (``征信数据: 他行客户挖掘`` -> ``征信数据_他行客户挖掘``, not ``征信数据_ 他行…``)."""
    s = re.sub(r"\.{2,}", ".", _SEPARATOR_RUN.sub("_", _INVISIBLE_FILE_CHARS.sub("", str(text))))
    s = s.encode("utf-8")[:max_bytes].decode("utf-8", "ignore").rstrip(". ")
    if s.startswith("."):
        s = "_" + s[1:]
    if _RESERVED_FILES.fullmatch(s):
        return safe_filename("_" + s, max_bytes)
    return s or "_"


def is_report(path: str | Path) -> bool:
    """True when ``path`` is a workbook bankxl wrote as a report (its document properties: company ``bankxl`` and
    the comment :data:`FOOTER_NOTE`, set by :class:`XlsxWriter`'s ``write``; templates carry another comment).
    Used to leave earlier reports out of an input folder that is also the output folder. Not a workbook, or
    unreadable: False."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            app = z.read("docProps/app.xml").decode("utf-8", "replace")
            core = z.read("docProps/core.xml").decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile):
        return False
    return "<Company>bankxl</Company>" in app and f">{FOOTER_NOTE}</dc:description>" in core



def holds_user_data(path: str | Path, inputs: Collection[Path] = ()) -> bool:
    """True when writing a report to ``path`` could destroy a user's file: ``path`` is one of ``inputs`` (resolved
    paths; also the same file under another name, ``os.path.samefile``) or an existing file that is not a report
    bankxl wrote before (:func:`is_report`). Only an earlier report may be replaced; the callers (run all,
    ``--by outlet``) then write `` (2)`` … instead."""
    p = Path(path)
    if p.resolve() in inputs:
        return True
    if not p.exists():
        return False
    return not is_report(p) or any(i.exists() and os.path.samefile(p, i) for i in inputs)


def report_file_name(code: str, title: str, prefix: str | None = None) -> str:
    """The one file name of a scenario's report, ``[<prefix>_]<code>_<title>.xlsx``, used by ``bankxl demo``
    (prefix 示例银行 / UCI / Berka / German) and ``bankxl run all`` (no prefix): :func:`safe_filename` of the
    stem, so it is valid on Windows (``C8`` 征信数据: 他行客户挖掘 -> ``C8_征信数据_他行客户挖掘.xlsx``); the stem is
    cut to 250 UTF-8 bytes so the name stays within 255."""
    stem = "_".join(str(p) for p in (prefix, code, title) if p not in (None, ""))
    return safe_filename(stem, max_bytes=250) + ".xlsx"


def table_capacity(header_row: int, total_row: bool) -> int:
    """Data rows a table can hold under its header on 0-based sheet row ``header_row`` (one row fewer with
    a 合计 row): ``EXCEL_MAX_ROWS - 1 - header_row - total_row``."""
    return EXCEL_MAX_ROWS - 1 - header_row - int(total_row)


def split_rows(n: int, first: int, rest: int) -> list[int]:
    """Rows per sheet of an ``n``-row table when its first sheet holds ``first`` rows and every
    continuation sheet ``rest``: ``[n]`` when it fits, e.g. ``split_rows(12, 5, 3) == [5, 3, 3, 1]``."""
    if n <= first:
        return [n]
    more, last = divmod(n - first, rest)
    return [first] + [rest] * more + ([last] if last else [])


def _local_naive(v: Any) -> Any:
    """A tz-aware datetime / Timestamp / datetime Series as naive Asia/Shanghai time; others unchanged."""
    if isinstance(v, pd.Series):
        return v.dt.tz_convert(LOCAL_TZ).dt.tz_localize(None) if getattr(v.dt, "tz", None) else v
    if isinstance(v, dt.datetime) and v.tzinfo is not None:
        return pd.Timestamp(v).tz_convert(LOCAL_TZ).tz_localize(None)
    return v


def unique_path(path: str | Path) -> Path:
    """``path`` if free, else ``name (2).xlsx``, ``name (3).xlsx`` ... — never overwrite a user's report."""
    p = Path(path)
    if not p.exists():
        return p
    n = 2
    while True:
        q = p.with_name(f"{p.stem} ({n}){p.suffix}")
        if not q.exists():
            return q
        n += 1


class _Formats:
    """Cache of XlsxWriter formats keyed by their properties."""

    def __init__(self, wb: xlsxwriter.Workbook):
        self.wb = wb
        self._cache: dict[tuple, Any] = {}
        self._props: dict[int, dict] = {}  # id(format) -> the properties it was made from

    def get(self, **props) -> Any:
        key = tuple(sorted(props.items()))
        if key not in self._cache:
            base = {"font_name": "等线", "font_size": 10, "valign": "vcenter"}
            base.update(props)
            self._cache[key] = self.wb.add_format(base)
            self._props[id(self._cache[key])] = dict(props)
        return self._cache[key]

    def quoted(self, fmt: Any) -> Any:
        """``fmt`` (made by :meth:`get`, or None) with Excel's quote prefix: the cell stays text when edited."""
        props = dict(self._props.get(id(fmt), {})) if fmt is not None else {}
        return self.get(**props, quote_prefix=True)

    def num(self, code: str | None):
        return self.get(num_format=code) if code else self.get()


def _column_kind(s: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(s):
        return "bool"
    if pd.api.types.is_datetime64_any_dtype(s):
        return "date"
    if pd.api.types.is_integer_dtype(s):
        return "int"
    if pd.api.types.is_float_dtype(s):
        return "float"
    if pd.api.types.is_numeric_dtype(s):
        return "float"
    return "object"


def _default_format(kind: str) -> str | None:
    return {"date": "date", "int": "int", "float": "money"}.get(kind)


def _is_missing(v: Any) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    return False


class _Located:
    """Where a table block landed: sheet, header row, first column, rows, columns."""

    def __init__(self, sheet: str, header_row: int, first_col: int, n_rows: int, columns: list[str]):
        self.sheet, self.header_row, self.first_col = sheet, header_row, first_col
        self.n_rows, self.columns = n_rows, columns

    def col(self, name: str) -> int:
        return self.first_col + self.columns.index(name)

    @property
    def ref(self) -> str:
        last_row = self.header_row + max(self.n_rows, 1)
        return (f"{xl_rowcol_to_cell(self.header_row, self.first_col)}:"
                f"{xl_rowcol_to_cell(last_row, self.first_col + len(self.columns) - 1)}")


class XlsxReportWriter:
    """Turns one Report into one .xlsx. Use :func:`write_report`."""

    def __init__(self, report: Report, path: Path):
        self.report = report
        self.path = path
        n_cells = sum(len(b.df) * max(len(b.df.columns), 1) for s in report.sheets for b in s.blocks
                      if isinstance(b, Table))
        self.large = n_cells > LARGE_CELLS
        self.located: dict[str, _Located] = {}
        self.pending_pivots: list[tuple[PivotBlock, str, int, int]] = []
        self._table_names: set[str] = set()
        self._taken: set[str] = set()  # sheet names in use
        self._split: set[str] = set()  # tables continued on more sheets
        self.notes: list[str] = []  # what the writer did, for 说明
        self._cut: dict[tuple[str, str], list[int]] = {}  # (sheet, column) -> Excel rows of cells cut at CELL_MAX
        self._details: list[str] = []  # sheets printed as detail (first page only)
        self._deferred: list[tuple] = []  # headline charts over tables written later: (ws, sheet, chart, row)
        self._rows: dict[int, float] = {}  # row heights (points) set on the sheet being written
        self._screen: set[int] = set()  # columns of the sheet being written shown on screen only (not printed)
        #: sheet name -> (print role, page plan, last printed row, last printed column), for tests and 说明
        self.layouts: dict[str, tuple] = {}
        if self.large:
            self.notes.append("数据量大, 明细表以自动筛选代替 Excel 表格对象。")

    # -- workbook ------------------------------------------------------------------------------------
    def write(self) -> None:
        opts = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
                "nan_inf_to_errors": True, "constant_memory": self.large, "use_zip64": True}
        wb = xlsxwriter.Workbook(str(self.path), opts)
        props = {"title": self.report.title, "subject": self.report.code, "company": "bankxl",
                 "comments": FOOTER_NOTE}
        # fixed creation date so reports are byte-stable apart from the data (DESIGN.md conventions); one call:
        # set_properties replaces the earlier set (a second call had dropped title/company/comments)
        as_of = self.report.meta.get("as_of")
        if as_of is not None:
            props["created"] = _local_naive(pd.Timestamp(as_of)).to_pydatetime()
        wb.set_properties(props)
        self.wb, self.fmt = wb, _Formats(wb)
        for sheet in self.report.sheets:
            sheet.name = safe_sheet_name(sheet.name, self._taken)
        headline = self.report.headline
        if headline is not None:
            self._write_headline(headline)
        for sheet in self.report.sheets:
            if sheet is self.report.sheets[-1] and sheet.name == "说明":
                self.notes.extend(self._cut_notes())
                if self._details:
                    self.notes.append(
                        f"明细表 {'、'.join(self._details)} 打印区域只含第一页(名单排名最前的部分), 打印整个工作簿得到"
                        "各汇总表和每个明细表的第一页; 需全部打印时: 页面布局 → 打印区域 → 取消打印区域。")
                if self.notes:
                    # the runner's 说明 comes last: it also records what the writer had to do
                    sheet = replace(sheet, blocks=[*sheet.blocks, Note(title="写出说明 Writing", lines=self.notes)])
            self._write_sheet(sheet)
        for ws, sheet_name, chart, row in self._deferred:
            self._write_chart(ws, sheet_name, chart, row, anywhere=True)
        wb.close()
        if self.pending_pivots:
            self._add_pivots()

    def _write_sheet(self, sheet: Sheet) -> None:
        """Write the blocks top to bottom (one blank row between), then columns, panes and print layout.

        Panes: the header row of the sheet's main table (its ``role="list"`` table, else its longest) is
        frozen when at most ``FREEZE_MAX_ROWS`` rows are frozen and the table reaches below a screen
        (``SCREEN_ROWS``) or sits in the first 5 rows; a customer list/detail table (``Table.role``) wider
        than ``SCREEN_UNITS`` also freezes its leading identity columns (``IDENTITY_COLUMNS``). Printed pages repeat the header row only on a sheet
        whose content is one table (no chart or pivot a repeated header could print over)."""
        ws = self.wb.add_worksheet(sheet.name)
        ws.hide_gridlines(2)
        if sheet.tab_color:
            ws.set_tab_color(sheet.tab_color)
        if sheet.protection is not None:
            ws.protect("", dict(sheet.protection))
        self._rows, self._screen = {}, set()
        row, widths, more = 0, {}, []
        spans: list[tuple] = []  # (block, first row, header row or None, next free row)
        for k, block in enumerate(sheet.blocks):
            start, header_row = row, None
            if isinstance(block, Note):
                row = self._write_note(ws, block, row, widths)
            elif isinstance(block, Table):
                caption = bool(block.title) + bool(block.note) + (len(block.df) == 0)
                if len(block.df) > table_capacity(row + caption, block.total_row):
                    block, more = self._continue_table(sheet, block, row, sheet.blocks[k + 1:])
                header_row, row = self._write_table(ws, sheet.name, block, row, widths)
            elif isinstance(block, Chart):
                row = self._write_chart(ws, sheet.name, block, row)
            elif isinstance(block, PivotBlock):
                row = self._write_pivot(ws, sheet.name, block, row, widths)
            spans.append((block, start, header_row, row))
            row += 1
            if more:
                break  # the blocks after a continued table follow it on its last sheet
        for col, w in widths.items():
            ws.set_column(col, col, min(max(w + 2, 8), 60), None,
                          {"level": 1, "hidden": True} if col in self._screen else None)
        if self._screen:  # the group of screen-only columns is collapsed: its + button on the next column
            ws.set_column(max(self._screen) + 1, max(self._screen) + 1, None, None, {"collapsed": True})
        tables = [(b, h) for b, _, h, _ in spans if isinstance(b, Table)]
        if tables:
            self._freeze(ws, tables, widths)
        one_table = len(tables) == 1 and not any(isinstance(b, (Chart, PivotBlock)) for b, *_ in spans)
        repeat = tables[0][1] if one_table else None
        if repeat is not None:
            ws.repeat_rows(repeat)  # printed pages repeat the header of the sheet's only table
        self._print_setup(ws, sheet, widths, spans, repeat, detail=bool(more) or None)
        for cont in more:
            self._write_sheet(cont)

    def _freeze(self, ws, tables: list[tuple[Table, int]], widths: dict) -> None:
        """Freeze the main table's header row (and a wide list's identity columns); rule in _write_sheet."""
        lists = [t for t in tables if t[0].role == "list"]
        block, header_row = lists[0] if lists else max(tables, key=lambda t: len(t[0].df))
        frozen = header_row + 1
        if frozen > FREEZE_MAX_ROWS or (header_row + len(block.df) + 1 <= SCREEN_ROWS and frozen > 5):
            return
        cols = [str(c) for c in block.df.columns]
        left = 0
        wide = sum(min(max(widths.get(j, 0) + 2, 8), 60) for j in range(len(cols))) > SCREEN_UNITS
        if wide and block.role in ("list", "detail"):
            for j, name in enumerate(cols[:4]):
                if name.startswith(IDENTITY_COLUMNS):
                    left = j + 1
        ws.freeze_panes(frozen, left)

    def _write_headline(self, h: Headline) -> None:
        """The first sheet (``Headline.sheet``, or ``Headline.fallback`` when a scenario sheet has that name):
        title and data date, the key figures (关键指标 | 数值 | 单位 | 对比 | 对比值 | 差额 | 说明; an unknown value
        or comparison is blank and 说明 says so; 差额 = 数值 − 对比值 when both are known, blank when 对比值 is a
        part of 数值: ``Figure.compare_is_part``, 其中…), the chart (over a
        table of any sheet, inserted once that table is written), and the first ``top`` rows by 排名 of the
        main list with the ``ACTION_COLUMNS`` it has (who, what, by when), counted in ``Headline.unit`` (default
        户 for a list with 客户号, else 项). Fitted to one A4 landscape page.
        Raises ValueError when ``actions`` or the chart's table is not a table of the report or the list has
        no 建议动作 column."""
        taken = {t.lower() for t in self._taken}
        name = safe_sheet_name(h.fallback if h.sheet.lower() in taken else h.sheet, self._taken)
        ws = self.wb.add_worksheet(name)
        ws.hide_gridlines(2)
        ws.set_tab_color("#1F4E78")
        ws.activate()
        self._rows, widths, spans = {}, {}, []
        self._screen = set()
        tables = self.report.tables()
        as_of = self.report.meta.get("as_of")
        ws.write_string(0, 0, f"{self.report.title} — 概览", self.fmt.get(bold=True, font_size=16, font_color="#1F4E78"))
        self._set_row(ws, 0, 24)
        lines = ([f"数据日期 {pd.Timestamp(as_of):%Y-%m-%d}"] if as_of is not None else []) + list(h.lines)
        line_write = self._guard_text(ws.write_string, name, NOTE_COLUMN, quote=False)  # over CELL_MAX: cut, said
        for k, line in enumerate(lines, 1):
            line_write(k, 0, str(line), self.fmt.get(font_color="#595959"))
        spans.append((None, 0, None, len(lines) + 1))
        row = len(lines) + 2
        spans.append((None, row, row, row + len(h.figures) + 1))
        row = self._write_figures(ws, h.figures, row, widths) + 1
        if h.chart is not None:
            src = tables.get(h.chart.table)
            if src is None:
                raise ValueError(f"Headline chart: no table {h.chart.table!r} in the report")
            if len(src.df):
                self._deferred.append((ws, name, h.chart, row))
                spans.append((h.chart, row, None, row + math.ceil(h.chart.height / 20) + 1))
                row += math.ceil(h.chart.height / 20) + 2
            else:
                ws.write_string(row, 0, f"{h.chart.title or '图表'}: 无数据({src.empty_note or EMPTY_NOTE})",
                                self.fmt.get(font_color="#595959"))
                row += 2
        if h.actions is not None:
            lst = tables.get(h.actions)
            if lst is None:
                raise ValueError(f"Headline actions: no table {h.actions!r} in the report")
            cols = [c for c in ACTION_COLUMNS if c in lst.df.columns]
            if "建议动作" not in cols:
                raise ValueError(f"Headline actions: table {h.actions!r} has no 建议动作 column")
            df = lst.df.sort_values("排名", kind="stable") if "排名" in cols else lst.df
            top = df.head(h.top)[cols].reset_index(drop=True)
            where = next(s.name for s in self.report.sheets if any(b is lst for b in s.blocks))
            unit = h.unit or ("户" if "客户号" in lst.df.columns else "项")  # customers, or outlets / checks
            block = Table(top, name="headline_actions", title=f"优先行动 前 {len(top)} {unit}(按排名)",
                          note=f"完整名单见「{where}」, 共 {len(df):,} {unit}。",
                          formats={k: v for k, v in lst.formats.items() if k in cols},
                          text_columns=[c for c in lst.text_columns if c in cols], widths={"建议动作": 40},
                          empty_note=lst.empty_note or "名单为空")
            start = row
            header_row, row = self._write_table(ws, name, block, row, widths)
            spans.append((block, start, header_row, row))
        for col, w in widths.items():
            ws.set_column(col, col, min(max(w + 2, 8), 60))
        self._print_setup(ws, Sheet(name), widths, spans, None, one_page=True)

    def _write_figures(self, ws, figures, row: int, widths: dict) -> int:
        """The key-figure block of the headline from 0-based ``row``; returns the next free row. A 说明 longer than
        ``FIGURE_NOTE_WIDTH`` wraps inside the table (its row as tall as its lines, ``layout.text_lines``)."""
        head = ["关键指标", "数值", "单位", "对比", "对比值", "差额", "说明"]
        header_fmt = self.fmt.get(bold=True, bg_color="#1F4E78", font_color="#FFFFFF", align="center", border=1)
        for j, text in enumerate(head):
            ws.write_string(row, j, text, header_fmt)
            widths[j] = max(widths.get(j, 0), display_width(text))
        self._set_row(ws, row, 20)
        for i, f in enumerate(figures, 1):
            r = row + i
            code = NAMED_FORMATS.get(f.format, f.format)
            num = self.fmt.get(num_format=code, bold=True, font_size=12, border=1)
            small = self.fmt.get(num_format=code, border=1)
            text = self.fmt.get(border=1, align="left", indent=1)
            value, comp = _figure_number(f.value), _figure_number(f.compare)
            remarks = [f.note] if f.note else []
            if value is None:
                remarks.append("数据未提供, 未计算(不是 0)")
            if f.compare_label and comp is None:
                remarks.append(f"{f.compare_label}数据未提供")
            remark = "; ".join(remarks)
            wrap = self.fmt.get(border=1, align="left", valign="vcenter", indent=1, text_wrap=True)
            diff, diff_fmt = _figure_difference(value, None if f.compare_is_part else comp, code)
            cells = [(f.label, self.fmt.get(bold=True, border=1, align="left", indent=1)), (value, num),
                     (f.unit, text), (f.compare_label or "", text), (comp, small),
                     (diff, self.fmt.get(num_format=diff_fmt, border=1)), (remark, wrap)]
            for j, (v, fmt) in enumerate(cells):
                if v is None or v == "":
                    ws.write_blank(r, j, None, fmt)
                elif isinstance(v, str):
                    ws.write_string(r, j, v, fmt)
                    widths[j] = max(widths.get(j, 0), min(display_width(v), FIGURE_NOTE_WIDTH))
                else:
                    ws.write_number(r, j, v, fmt)
                    pp = 8 if j == 5 and diff_fmt != code else 0  # 个百分点
                    widths[j] = max(widths.get(j, 0), len(f"{abs(v):,.2f}") + 3 + pp)
            # 说明 longer than its column (capped at FIGURE_NOTE_WIDTH) wraps, the row grows to its lines
            lines = int(layout.text_lines([remark], FIGURE_NOTE_WIDTH)[0])
            self._set_row(ws, r, max(20.0, float(layout.row_height(lines))))
        return row + len(figures) + 1

    def _continue_table(self, sheet: Sheet, block: Table, row: int, after: list) -> tuple[Table, list[Sheet]]:
        """Split a table too long for ``sheet`` (its caption starts on 0-based ``row``) into the part written
        here and continuation sheets ``名单(2)`` … each with the table's title, a note and its header.

        No 合计 row (a per-sheet sum is not the table's total). At most ``MAX_CONTINUATION_SHEETS`` sheets
        are added; rows beyond are not written and the notes say how many. ``after``: the blocks that
        followed the table, moved to its last sheet. Returns (the first part, the continuation sheets)."""
        df, n, title = block.df, len(block.df), bool(block.title)
        sizes = split_rows(n, max(table_capacity(row + title + 1, False), 0), table_capacity(title + 1, False))
        kept = sizes[:1 + MAX_CONTINUATION_SHEETS]
        names = [safe_sheet_name(sheet.name, self._taken) for _ in kept[1:]]
        written, what = sum(kept), block.title or sheet.name
        lost = (f" 仅写出前 {written:,} 行, 其余 {n - written:,} 行未写出(共 {n:,} 行), 请缩小数据范围。"
                if written < n else "")
        plan = (f"「{what}」共 {n:,} 行, 超过 Excel 单个工作表的行数上限({EXCEL_MAX_ROWS:,} 行), "
                f"「{sheet.name}」为第 1–{kept[0]:,} 行, 续表见 {'、'.join(names)}; 各表不含合计行。{lost}")
        self.notes.append(plan)
        self._split.add(block.name or "")
        first = replace(block, df=df.iloc[:kept[0]], total_row=False,
                        note=f"{block.note} {plan}" if block.note else plan)
        conts, start = [], kept[0]
        for i, (name, size) in enumerate(zip(names, kept[1:]), 2):
            part = replace(block, df=df.iloc[start:start + size], total_row=False,
                           name=f"{block.name}_{i}" if block.name else None,
                           note=f"「{what}」续表 {i}/{len(kept)}: 第 {start + 1:,}–{start + size:,} 行, 共 {n:,} 行。{lost}")
            conts.append(Sheet(name, [part], tab_color=sheet.tab_color, landscape=sheet.landscape))
            start += size
        conts[-1].blocks.extend(after)
        return first, conts

    def _print_setup(self, ws, sheet: Sheet, widths: dict, spans: list, repeat: int | None,
                     detail: bool | None = None, one_page: bool = False) -> layout.PagePlan:
        """Paper, scale, page breaks and print area (rules in ``bankxl.report.layout``).

        A4 landscape (A3 for a sheet wider than ``WIDE_SHEET`` units; 说明 portrait). A *summary* sheet
        (``layout.print_role``) prints whole: print area = its content, an explicit print scale fitting the
        width (shrunk to print on at most 3 pages, not below 50 %), and manual page breaks so a chart or a
        section title with its header and first rows never straddles a page end (Excel ignores manual
        breaks under "fit to page", hence the explicit scale). A *detail* sheet's print area is its first
        page, fitted to one page. ``one_page`` (the headline): fit to one page. Returns the page plan."""
        # screen-only columns (Table.screen_columns) are hidden: they neither print nor take printed width
        col_units = {c: min(max(w + 2, 8), 60) for c, w in widths.items() if c not in self._screen}
        if sheet.landscape:
            ws.set_landscape()
        # wide lists (> ~A4 landscape at a readable size) print on A3, still one page wide
        paper = 8 if sum(col_units.values()) > WIDE_SHEET else 9  # 8 = A3, 9 = A4
        ws.set_paper(paper)
        ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        as_of = self.report.meta.get("as_of")
        date_txt = pd.Timestamp(as_of).strftime("%Y-%m-%d") if as_of is not None else ""
        role = "detail" if detail else layout.print_role(sheet)
        right = _escape_hf(sheet.name) + (" (明细, 打印首页)" if role == "detail" and not one_page else "")
        ws.set_header(f"&L&\"等线,Bold\"{_escape_hf(self.report.title)}&R{right}")
        ws.set_footer(f"&L数据日期: {date_txt}&C{FOOTER_NOTE}&R第 &P 页 / 共 &N 页")
        self._wrap_note_lines(ws, spans, col_units)
        heights, keeps, last_row, last_col = self._page_model(spans, col_units)
        heights = heights[:last_row + 1]  # the printed rows
        content_w = sum(layout.column_pt(col_units.get(c), layout.FIT_CHAR_PX) for c in range(last_col + 1)
                        if c not in self._screen)
        repeat_h = heights[repeat] if repeat is not None and repeat < len(heights) else 0.0
        if one_page:
            plan = layout.PagePlan(layout.width_scale(content_w, layout.printable(paper, sheet.landscape)[0]), [])
            ws.fit_to_pages(1, 1)
        elif role == "detail":
            plan = layout.plan_pages(heights, keeps, content_w, paper, sheet.landscape, repeat_h=repeat_h,
                                     max_pages=None)
            last_row = (plan.breaks[0] - 1) if plan.breaks else last_row
            plan = layout.PagePlan(plan.scale, [])
            ws.fit_to_pages(1, 1)
            self._details.append(f"「{sheet.name}」")
        else:
            plan = layout.plan_pages(heights, keeps, content_w, paper, sheet.landscape, repeat_h=repeat_h)
            ws.set_print_scale(plan.scale)
            if plan.breaks:
                ws.set_h_pagebreaks(plan.breaks)
        ws.print_area(0, 0, max(last_row, 0), last_col)
        self.layouts[sheet.name] = (role, plan, last_row, last_col)
        return plan

    def _wrap_note_lines(self, ws, spans: list, col_units: dict) -> None:
        """Note lines wider than the sheet's printed columns (``col_units``: column -> width in units, updated)
        wrap inside them: merged across the columns, wrapped, the row as tall as its lines
        (:func:`layout.text_lines`). Written overflowing into empty cells, they ran past the print area's right
        edge and printed cut (a 数据问题 sheet of notes printed one column wide). A sheet without table columns
        gets a column A of :data:`NOTE_WIDTH` units. Not in ``constant_memory`` mode (rows already written)."""
        notes = [(b, start) for b, start, *_ in spans if isinstance(b, Note) and b.lines]
        if not notes or self.large:
            return
        if not col_units:
            ws.set_column(0, 0, NOTE_WIDTH)
            col_units[0] = NOTE_WIDTH
        last = max(col_units)
        width = sum(col_units.get(c, layout.DEFAULT_COL_WIDTH) for c in range(last + 1) if c not in self._screen)
        fmt = self.fmt.get(text_wrap=True, valign="top")
        for block, start in notes:
            lines = pd.Series([str(x) for x in block.lines])
            wide = (layout.display_widths(lines) > width - 2).to_numpy()
            n_lines = layout.text_lines(lines, width)
            first = start + bool(block.title)
            for i in np.flatnonzero(wide):
                r, text = first + int(i), cut_cell_text(lines[i]) or lines[i]
                if last > 0:
                    ws.merge_range(r, 0, r, last, text, fmt)
                else:
                    ws.write_string(r, 0, text, fmt)
                self._set_row(ws, r, float(layout.row_height(n_lines[i])))

    def _page_model(self, spans: list, col_units: dict) -> tuple[np.ndarray, list, int, int]:
        """(row heights in points, keep ranges, last used row, last used column) of the sheet just
        written: a chart's anchor rows are one keep, a table another (whole when it fits a page, else its
        caption + header + first ``KEEP_ROWS`` rows: a page never starts with a table's last few rows when
        the table fits one), a note's title + first two lines another."""
        last_row = max([end - 1 for *_, end in spans] + [0])
        last_col = max(list(col_units) + [0])
        heights = np.full(last_row + 2, layout.DEFAULT_ROW_PT)
        for r, h in self._rows.items():
            if r < len(heights):
                heights[r] = h
        keeps = []
        for block, start, header_row, end in spans:
            if isinstance(block, Chart):
                n = layout.rows_for_height(heights, start, (block.height + 8) * layout.PX_PT)
                keeps.append((start, start + n))
                last_row = max(last_row, start + n - 1)
                px, c = 4 + block.width, 0
                while px > 0:
                    px -= layout.column_pt(col_units.get(c)) / layout.PX_PT
                    c += 1
                last_col = max(last_col, c - 1)
            elif isinstance(block, Table) and header_row is not None:
                keeps += [(start, end), (start, min(end, header_row + 1 + layout.KEEP_ROWS))]
            elif isinstance(block, Note):
                keeps.append((start, min(end, start + bool(block.title) + 2)))
            elif isinstance(block, PivotBlock):
                keeps.append((start, min(end, start + 6)))
        if len(heights) < last_row + 2:
            heights = np.concatenate([heights, np.full(last_row + 2 - len(heights), layout.DEFAULT_ROW_PT)])
        return heights, keeps, last_row, last_col

    def _set_row(self, ws, r: int, height: float, fmt=None) -> None:
        """``ws.set_row`` that the page model sees."""
        self._rows[r] = float(height)
        ws.set_row(r, height, fmt)

    # -- blocks --------------------------------------------------------------------------------------
    def _write_note(self, ws, note: Note, row: int, widths: dict) -> int:
        row = self._write_caption(ws, note.title, None, row)
        line_write = self._guard_text(ws.write_string, ws.name, NOTE_COLUMN, quote=False)  # over CELL_MAX: cut, said
        value_write = self._guard_text(self._writer_for(ws), ws.name, "B(取值)", quote=False)
        for line in note.lines:
            line_write(row, 0, str(line), self.fmt.get(text_wrap=False))
            row += 1
        for k, v in note.pairs:
            ws.write_string(row, 0, str(k), self.fmt.get(bold=True, bg_color="#F2F2F2", border=1))
            value_write(row, 1, v, self.fmt.get(border=1, text_wrap=True))
            widths[0] = max(widths.get(0, 0), display_width(k))
            widths[1] = max(widths.get(1, 0), min(display_width(v), 80))
            row += 1
        return row

    def _table_name(self, block: Table) -> str:
        base = re.sub(r"[^A-Za-z0-9_]", "_", block.name or "") or "T"
        if not re.match(r"[A-Za-z_]", base):
            base = "T_" + base
        base = base[:200]
        name, n = base, 2
        while name.lower() in self._table_names or re.fullmatch(r"[A-Za-z]{1,3}\d+", name) or name.upper() in ("R", "C"):
            name = f"{base}_{n}"
            n += 1
        self._table_names.add(name.lower())
        return name

    def _write_caption(self, ws, title: str | None, note: str | None, row: int) -> int:
        """A block's bold title line and grey note line; returns the next free row."""
        if title:
            ws.write_string(row, 0, title, self.fmt.get(bold=True, font_size=12, font_color="#1F4E78"))
            self._set_row(ws, row, layout.TITLE_PT)
            row += 1
        if note:
            ws.write_string(row, 0, note, self.fmt.get(italic=True, font_color="#595959"))
            row += 1
        return row

    def _write_table(self, ws, sheet_name: str, block: Table, row: int, widths: dict) -> tuple[int, int]:
        df = block.df
        columns = _unique_headers([str(c) for c in df.columns])
        row = self._write_caption(ws, block.title, block.note, row)
        n = len(df)
        if n == 0:  # an empty table says 无 and why, above its bare header
            ws.write_string(row, 0, f"无: {block.empty_note or EMPTY_NOTE}", self.fmt.get(bold=True, font_color="#595959"))
            row += 1
        header_row = row
        if n > table_capacity(header_row, block.total_row):  # _write_sheet continues long tables
            raise ValueError(f"table {block.name} has {n} rows, more than an Excel sheet holds")
        header_fmt = self.fmt.get(bold=True, bg_color="#1F4E78", font_color="#FFFFFF", text_wrap=True,
                                  align="center", border=1)
        text_cols = set(block.text_columns)
        inputs = set(block.input_columns)
        col_specs, writers, wrapped, blanks, row_fmts = [], [], {}, {}, {}
        for j, (orig, header) in enumerate(zip(df.columns, columns)):
            s = df[orig]
            kind = _column_kind(s)
            if orig in text_cols:
                kind = "text"
            fmt_name = block.formats.get(orig, _default_format(kind))
            code = NAMED_FORMATS.get(fmt_name, fmt_name) if fmt_name else None
            # columns read apart: text is indented from a right-aligned number on its left; dates and
            # short codes (排名, 等级) are centred
            align = ({"align": "center"} if header in CENTRED_COLUMNS or kind in ("date", "bool") else
                     {"align": "left", "indent": 1} if kind in ("object", "text") else {})
            if code:
                align["num_format"] = code
            if orig in inputs:  # to be filled in: unlocked (editable on a protected sheet) and shaded
                align.update(locked=False, bg_color="#FFF2CC")
            cell_fmt = self.fmt.get(**align)
            writers.append((kind, cell_fmt))
            if orig in block.row_formats and n:  # per-row number formats (Table.row_formats), one object per code
                names = block.row_formats[orig].reindex(df.index).astype(object).to_numpy()
                per_row = np.full(n, cell_fmt, dtype=object)
                for name in pd.unique(names[pd.notna(names)]):
                    per_row[names == name] = self.fmt.get(**{**align, "num_format": NAMED_FORMATS.get(name, name)})
                row_fmts[j] = per_row
            spec = {"header": header, "header_format": header_fmt, "format": cell_fmt}
            if block.total_row:
                if j == 0:
                    spec["total_string"] = "合计"
                elif kind in ("int", "float") and fmt_name not in ("pct", "pct1", "ratio", "ratio4", "date"):
                    spec["total_function"] = "sum"
                    spec["total_value"] = float(pd.to_numeric(s, errors="coerce").sum())
            col_specs.append(spec)
            w = display_width(header)
            sample = s.iloc[:500]
            if kind in ("object", "text"):
                lens = [display_width(v) for v in sample if not _is_missing(v)]
                w = max([w] + lens)
            elif kind == "date":
                w = max(w, 10)
            elif kind in ("int", "float") and len(sample):
                vmax = pd.to_numeric(sample, errors="coerce").abs().max()
                if pd.notna(vmax):
                    w = max(w, len(f"{vmax:,.2f}") + 1)
            natural = w
            if orig in block.widths:
                w = block.widths[orig]
            elif kind in ("object", "text"):
                w = min(w, WRAP_WIDTH)
            if kind in ("object", "text") and natural > w:
                # long reasons/actions wrap inside a readable column instead of running across the page
                wrap = self.fmt.get(**align, text_wrap=True)
                writers[j] = (kind, wrap)
                spec["format"] = wrap
                wrapped[j] = w
            if orig in inputs:
                blanks[j] = writers[j][1]
            if orig in block.screen_columns:
                self._screen.add(j)
            widths[j] = max(widths.get(j, 0), min(w, 50))
        last_row = header_row + max(n, 1) + (1 if block.total_row else 0)
        if self.large:
            for j, spec in enumerate(col_specs):
                ws.write_string(header_row, j, spec["header"], header_fmt)
        else:
            opts = {"columns": col_specs, "name": self._table_name(block), "style": "Table Style Light 9",
                    "total_row": block.total_row, "autofilter": True}
            _add_table(ws, header_row, last_row, len(columns) - 1, opts)
        self._write_rows(ws, df, header_row + 1, writers, wrapped, blanks, where=(sheet_name, columns),
                         row_fmts=row_fmts)
        for name, opts in block.validations.items():
            if name in df.columns:
                c = list(df.columns).index(name)
                ws.data_validation(header_row + 1, c, header_row + max(n, 1), c, dict(opts))
        if self.large:
            ws.autofilter(header_row, 0, header_row + max(n, 1), len(columns) - 1)
        if block.name:
            self.located[block.name] = _Located(sheet_name, header_row, 0, n, columns)
        for cond in block.conditional:
            self._conditional(ws, df, cond, header_row, n)
        self._set_row(ws, header_row, layout.HEADER_PT)
        return header_row, last_row + 1

    def _write_rows(self, ws, df: pd.DataFrame, first_row: int, writers: list,
                    wrapped: dict[int, float] | None = None, blanks: dict | None = None,
                    where: tuple[str, list[str]] | None = None, row_fmts: dict | None = None) -> None:
        """Write the data rows with one typed writer per column, its format resolved once: numbers
        (write_number; integers beyond 15 significant digits as text, ±inf as text), dates (their Excel serial
        numbers computed vectorised by :func:`_excel_serials`, written with write_number and the column's date
        format: the cells write_datetime makes), text (write_string, so '=...' from data never becomes a
        formula), and a generic per-value path for mixed object columns. Missing values are found vectorised
        and left empty; only the present values are passed to the writer. Column by column (XlsxWriter sorts
        the cells of a row when it saves); row by row in ``constant_memory`` mode, which needs row order.
        ``blanks``: column position -> format written into the column's empty cells (input columns).
        ``where``: (sheet name, column headers) for the 说明 line on text cut at :data:`CELL_MAX`. A text column
        holding a value that starts with :data:`FORMULA_LEAD` or exceeds :data:`CELL_MAX` (a vectorised check)
        is written through :meth:`_guard_text` (quote prefix / cut). ``row_fmts``: column position -> an array
        of one cell format per row (:attr:`Table.row_formats`), used instead of the column's format."""
        n = len(df)
        cols = []  # (write, format, present positions (0-based), their values)
        for j, ((kind, fmt), name) in enumerate(zip(writers, df.columns)):
            s = df[name]
            if kind == "date":
                arr = _excel_serials(_local_naive(pd.to_datetime(s)))
                keep = np.flatnonzero(~np.isnan(arr))
                cols.append((ws.write_number, fmt, keep, arr[keep].tolist()))
            elif kind == "bool":
                keep = np.flatnonzero(s.notna().to_numpy())
                cols.append((ws.write_string, fmt, keep,
                             np.where(s.iloc[keep].to_numpy(dtype=bool), "是", "否").tolist()))
            elif kind == "int":
                keep = np.flatnonzero(s.notna().to_numpy())
                arr = s.iloc[keep].to_numpy(dtype="int64")
                # integers (counts, codes) beyond 15 significant digits lose precision in Excel: text
                big = bool(len(arr)) and bool((np.abs(arr) >= 10**15).any())
                cols.append((self._writer_for(ws) if big else ws.write_number, fmt, keep, arr.tolist()))
            elif kind == "float":
                # amounts stay numbers (sums keep working); ±inf is shown as text
                arr = pd.to_numeric(s, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
                keep = np.flatnonzero(~np.isnan(arr))
                arr = arr[keep]
                if np.isinf(arr).any():
                    cols.append((self._writer_for(ws), fmt, keep,
                                 [("∞" if v > 0 else "-∞") if math.isinf(v) else v for v in arr.tolist()]))
                else:
                    cols.append((ws.write_number, fmt, keep, arr.tolist()))
            else:
                keep = np.flatnonzero(s.notna().to_numpy())
                vals = s.iloc[keep].astype(object).tolist()
                # text columns (IDs) stay text; elsewhere a '1,234.50' string is written as the number
                text = s.astype("string")
                formatted = kind == "object" and text.str.strip().str.fullmatch(_THOUSANDS.pattern).fillna(False).any()
                plain = isinstance(s.dtype, pd.StringDtype) or all(isinstance(v, str) for v in vals)
                write = ws.write_string if not formatted and plain else self._writer_for(ws)
                if (text.str[:1].isin(FORMULA_LEAD) | (text.str.len() > CELL_MAX // 2)).any():
                    sheet, headers = where or ("", [str(c) for c in df.columns])
                    write = self._guard_text(write, sheet, headers[j])
                cols.append((write, fmt, keep, vals))
        for j, per_row in (row_fmts or {}).items():
            write, _fmt, keep, vals = cols[j]
            cols[j] = (write, per_row[keep].tolist(), keep, vals)
        lines = self._wrapped_lines(df, wrapped or {})
        if lines is not None:
            heights = layout.row_height(lines)
            for i in np.flatnonzero(lines > 1).tolist():
                self._set_row(ws, first_row + i, float(heights[i]))
        blanks = blanks or {}
        if self.large:  # constant_memory: cells in row order
            dense = []
            for write, fmt, keep, vals in cols:
                full, fmts = [None] * n, [fmt] * n
                for i, v in zip(keep.tolist(), vals):
                    full[i] = v
                if isinstance(fmt, list):  # one format per present value
                    for i, f in zip(keep.tolist(), fmt):
                        fmts[i] = f
                dense.append((write, fmts, full))
            for i in range(n):
                r = first_row + i
                for j, (write, fmts, full) in enumerate(dense):
                    v = full[i]
                    if v is not None:
                        write(r, j, v, fmts[i])
                    elif j in blanks:
                        ws.write_blank(r, j, None, blanks[j])
            return
        for j, (write, fmt, keep, vals) in enumerate(cols):
            for r, v, f in zip((keep + first_row).tolist(), vals, fmt if isinstance(fmt, list) else repeat(fmt)):
                write(r, j, v, f)
            if j in blanks and len(keep) < n:
                missing = np.setdiff1d(np.arange(n), keep, assume_unique=True) + first_row
                for r in missing.tolist():
                    ws.write_blank(r, j, None, blanks[j])

    @staticmethod
    def _wrapped_lines(df: pd.DataFrame, wrapped: dict[int, float]) -> np.ndarray | None:
        """Lines each row needs for its wrapped text columns (``layout.text_lines``, vectorised). Row heights
        are set explicitly because LibreOffice and WPS do not grow rows for wrapped text on load (Excel does)."""
        if not wrapped or len(df) == 0:
            return None
        return np.max([layout.text_lines(df.iloc[:, j], width) for j, width in wrapped.items()], axis=0)

    def _guard_text(self, write, sheet: str, column: str, quote: bool = True):
        """``write`` (r, c, v, fmt) for a text column: a string longer than :data:`CELL_MAX` UTF-16 units is cut
        (its end replaced by :data:`CUT_MARK`, its Excel row kept for 说明); one starting with :data:`FORMULA_LEAD`
        gets the quote-prefix variant of its format (``quote=False``: not — a note line the report wrote). Other
        values pass through unchanged."""
        def guarded(r: int, c: int, v: Any, fmt=None) -> Any:
            if isinstance(v, str):
                cut = cut_cell_text(v)
                if cut is not None:
                    v = cut
                    self._cut.setdefault((sheet, column), []).append(r + 1)
                if quote and v[:1] in FORMULA_LEAD:
                    fmt = self.fmt.quoted(fmt)
            return write(r, c, v, fmt)
        return guarded

    def _cut_notes(self) -> list[str]:
        """One 说明 line per sheet and column whose text was cut at :data:`CELL_MAX`, naming the Excel rows
        (the first :data:`CUT_ROWS_SHOWN`, then how many more)."""
        if self._cut:
            log.warning("text cut at Excel's %d-character cell limit: %s", CELL_MAX,
                        {k: len(v) for k, v in self._cut.items()})
        out = []
        for (sheet, column), rows in self._cut.items():
            n, shown = len(rows), "、".join(map(str, rows[:CUT_ROWS_SHOWN]))
            more, more_en = (f" 等 {n} 行", f" … ({n} rows)") if n > CUT_ROWS_SHOWN else ("", "")
            out.append(f"工作表「{sheet}」列「{column}」有 {n} 个单元格的文本超过 Excel 单元格上限 {CELL_MAX} 字符, 已截断"
                       f"(第 {shown} 行{more}; 单元格末尾标「…(已截断…)」), 完整内容请查看原始数据。"
                       f" {n} cell(s) of {sheet}!{column} (row {', '.join(map(str, rows[:CUT_ROWS_SHOWN]))}{more_en})"
                       f" exceeded Excel's {CELL_MAX}-character limit and were cut.")
        return out

    def _writer_for(self, ws):
        return lambda r, c, v, fmt: self._write_value(ws, r, c, v, fmt)

    def _write_value(self, ws, r: int, c: int, v: Any, fmt=None) -> None:
        """Write one value safely: strings via write_string (never a formula), big ints as text."""
        if _is_missing(v):
            return
        if isinstance(v, (bool, np.bool_)):
            ws.write_string(r, c, "是" if v else "否", fmt)
        elif isinstance(v, (int, np.integer)):
            if abs(int(v)) >= 10**15:
                ws.write_string(r, c, str(int(v)), fmt)
            else:
                ws.write_number(r, c, int(v), fmt)
        elif isinstance(v, (float, np.floating)):
            ws.write_number(r, c, float(v), fmt) if math.isfinite(v) else ws.write_string(r, c, str(v), fmt)
        elif isinstance(v, dt.datetime):  # pd.Timestamp too; tz-aware -> Shanghai local time
            ws.write_datetime(r, c, pd.Timestamp(_local_naive(v)).to_pydatetime(), self.fmt.num("yyyy-mm-dd"))
        elif isinstance(v, str) and _THOUSANDS.fullmatch(v.strip()):
            # a number formatted as text ('1,618,362.00'): numbers stay numbers, shown the same way
            txt = v.strip()
            code = "#,##0." + "0" * len(txt.split(".")[1]) if "." in txt else "#,##0"
            ws.write_number(r, c, float(txt.replace(",", "")), self.fmt.num(code))
        else:
            ws.write_string(r, c, str(v), fmt)

    def _conditional(self, ws, df: pd.DataFrame, cond: Conditional, header_row: int, n: int) -> None:
        """Add ``cond`` over its columns' data rows (only the runs of ``cond.rows`` when given: one
        multi-range format, so a colour scale's extremes come from those rows)."""
        if n == 0:
            return
        runs = [(0, n - 1)]
        if cond.rows is not None:
            mask = (cond.rows.reindex(df.index) if isinstance(cond.rows, pd.Series) else pd.Series(list(cond.rows)))
            keep = np.flatnonzero(mask.fillna(False).astype(bool).to_numpy()[:n])
            if not len(keep):
                return
            cut = np.flatnonzero(np.diff(keep) > 1)
            runs = list(zip(keep[np.r_[0, cut + 1]].tolist(), keep[np.r_[cut, len(keep) - 1]].tolist()))
        cols = list(df.columns)
        for name in cond.columns:
            if name not in cols:
                continue
            c = cols.index(name)
            rng = (header_row + 1 + runs[0][0], c, header_row + 1 + runs[0][1], c)
            multi = " ".join(xl_range(header_row + 1 + a, c, header_row + 1 + b, c) for a, b in runs)

            def add(opts, rng=rng, multi=multi):
                ws.conditional_format(*rng, {**opts, "multi_range": multi} if len(runs) > 1 else opts)

            if cond.kind == "data_bar":
                add({"type": "data_bar", "bar_color": "#5B9BD5", "bar_solid": True})
            elif cond.kind == "color_scale":
                lo, hi = ("#F8696B", "#63BE7B") if cond.reverse else ("#63BE7B", "#F8696B")
                add({"type": "3_color_scale", "min_color": lo, "mid_color": "#FFEB84", "max_color": hi})
            elif cond.kind == "cell":
                font, bg = STYLE_COLORS[cond.style]
                opts = {"type": "cell", "criteria": cond.criteria, "format": self.fmt.get(font_color=font, bg_color=bg)}
                if cond.criteria == "between":
                    opts["minimum"], opts["maximum"] = cond.value
                else:
                    opts["value"] = f'"{cond.value}"' if isinstance(cond.value, str) else cond.value
                add(opts)
            elif cond.kind == "text":
                font, bg = STYLE_COLORS[cond.style]
                add({"type": "text", "criteria": "containing", "value": str(cond.value),
                     "format": self.fmt.get(font_color=font, bg_color=bg)})

    def _write_chart(self, ws, sheet_name: str, chart: Chart, row: int, anywhere: bool = False) -> int:
        """Insert ``chart`` at ``row`` over its table (on this sheet; on any sheet when ``anywhere``).
        The value axis includes zero unless the chart sets ``y_min``/``y_max`` or ``zero_based=False``."""
        loc = self.located.get(chart.table)
        if loc is None or (loc.sheet != sheet_name and not anywhere) or loc.n_rows == 0:
            return row
        sheet_name = loc.sheet  # series refer to the table's own sheet
        kind = chart.kind
        subtype = "percent_stacked" if chart.percent_stacked else ("stacked" if chart.stacked else None)
        spec = {"type": kind}
        if subtype and kind in ("column", "bar", "area"):
            spec["subtype"] = subtype
        ch = self.wb.add_chart(spec)
        n = loc.n_rows if chart.rows is None else max(1, min(loc.n_rows, int(chart.rows)))
        first, last = loc.header_row + 1, loc.header_row + n
        cat_col = loc.col(chart.categories)
        palette = ["#1F4E78", "#ED7D31", "#A5A5A5", "#FFC000", "#5B9BD5", "#70AD47", "#264478", "#9E480E"]
        for k, name in enumerate(chart.series):
            if name not in loc.columns:
                continue
            c = loc.col(name)
            ser = {"name": [sheet_name, loc.header_row, c], "categories": [sheet_name, first, cat_col, last, cat_col],
                   "values": [sheet_name, first, c, last, c]}
            if kind == "pie":
                ser["data_labels"] = {"percentage": True, "category": True}
            elif kind == "line":
                ser["line"] = {"color": palette[k % len(palette)], "width": 2}
            else:
                ser["fill"] = {"color": palette[k % len(palette)]}
            if name in chart.secondary:
                continue
            ch.add_series(ser)
        if chart.secondary:
            line = self.wb.add_chart({"type": "line"})
            for name in chart.secondary:
                if name in loc.columns:
                    c = loc.col(name)
                    line.add_series({"name": [sheet_name, loc.header_row, c],
                                     "categories": [sheet_name, first, cat_col, last, cat_col],
                                     "values": [sheet_name, first, c, last, c], "y2_axis": True,
                                     "marker": {"type": "circle"}})
            line.set_y2_axis(self._axis_range(chart, chart.secondary))
            ch.combine(line)
        ch.set_title({"name": chart.title, "name_font": {"size": 12, "bold": True}})
        if kind != "pie":
            ch.set_legend({"position": "bottom"})
            y = {"num_font": {"size": 9}, "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}}
            if chart.y_title:
                y["name"] = chart.y_title
            if chart.number_format:
                y["num_format"] = chart.number_format
            y.update(self._axis_range(chart, [n for n in chart.series if n not in chart.secondary]))
            if chart.integer:
                y.update(self._integer_ticks(chart, [n for n in chart.series if n not in chart.secondary]))
            x = {"num_font": {"size": 9}}
            if chart.label_every:
                cats = self.report.tables()[chart.table].df.get(chart.categories)
                if cats is not None and pd.api.types.is_datetime64_any_dtype(cats):
                    # a date axis labelled every n days (LibreOffice ignores a category axis's label skip)
                    x.update(date_axis=True, major_unit=int(chart.label_every), major_unit_type="days",
                             base_unit="days", num_format="mm-dd")
                else:
                    x["interval_unit"] = int(chart.label_every)
            if chart.x_title:
                x["name"] = chart.x_title
            if kind == "bar":
                ch.set_x_axis(y)
                ch.set_y_axis({**x, "reverse": True})
            else:
                ch.set_y_axis(y)
                ch.set_x_axis(x)
        ch.set_size({"width": chart.width, "height": chart.height})
        ch.set_chartarea({"border": {"none": True}})
        ws.insert_chart(row, 0, ch, {"x_offset": 4, "y_offset": 4, "object_position": 1})
        return row + math.ceil(chart.height / 20) + 1

    def _axis_range(self, chart: Chart, series) -> dict:
        """``{"min": …, "max": …}`` of a value axis: the chart's ``y_min``/``y_max``; else 0 as the lower
        bound of non-negative data (upper bound of non-positive data) when ``zero_based``; else {}."""
        if chart.y_min is not None or chart.y_max is not None:
            return {k: v for k, v in (("min", chart.y_min), ("max", chart.y_max)) if v is not None}
        table = self.report.tables().get(chart.table)
        if not chart.zero_based or table is None or chart.kind in ("pie", "scatter") or chart.percent_stacked:
            return {}
        cols = [c for c in series if c in table.df.columns]
        vals = table.df[cols].apply(pd.to_numeric, errors="coerce").to_numpy(dtype="float64").ravel()
        vals = vals[np.isfinite(vals)]
        if vals.size == 0:
            return {}
        return {"min": 0} if vals.min() >= 0 else ({"max": 0} if vals.max() <= 0 else {})

    def _integer_ticks(self, chart: Chart, series) -> dict:
        """Major unit and number format of a count axis (:attr:`Chart.integer`): the smallest of 1, 2, 5 × 10^k
        that divides the axis span (0 or ``y_min`` to the largest value or ``y_max``; stacked series summed per
        category) into at most ``INTEGER_TICKS`` intervals, so every tick is a whole number."""
        table = self.report.tables().get(chart.table)
        cols = [c for c in series if table is not None and c in table.df.columns]
        vals = table.df[cols].apply(pd.to_numeric, errors="coerce") if cols else pd.DataFrame(dtype="float64")
        if chart.stacked and cols:
            hi, lo = vals.clip(lower=0).sum(axis=1).max(), vals.clip(upper=0).sum(axis=1).min()
        else:
            hi, lo = vals.max().max() if cols else 0.0, vals.min().min() if cols else 0.0
        hi = chart.y_max if chart.y_max is not None else (hi if pd.notna(hi) else 0.0)
        lo = chart.y_min if chart.y_min is not None else (lo if pd.notna(lo) else 0.0)
        span, unit, k = max(hi, 0.0) - min(lo, 0.0), 1, 0
        while unit * INTEGER_TICKS < span:
            k += 1
            unit = (1, 2, 5)[k % 3] * 10 ** (k // 3)
        return {"major_unit": unit, "num_format": chart.number_format or "#,##0"}

    def _write_pivot(self, ws, sheet_name: str, block: PivotBlock, row: int, widths: dict) -> int:
        from . import pivot

        source = self.report.tables().get(block.source)
        if source is None:
            raise KeyError(f"pivot source table {block.source} not in report")
        # a source continued on more sheets has no single range for a pivot cache: values only
        static = block.source in self._split or len(source.df) > table_capacity(0, source.total_row)
        note = block.note
        if static:
            note = " ".join(filter(None, [note, "数据源超过单个工作表的行数上限, 此处为静态汇总值(不是数据透视表)。"]))
        row = self._write_caption(ws, block.title, note, row)
        # field names in a pivot spec are the header texts written on the sheet (Excel matches by header)
        df = source.df.set_axis(_unique_headers([str(c) for c in source.df.columns]), axis=1)
        grid = pivot.pivot_grid(df, block.spec)
        for i, line in enumerate(grid):
            for j, v in enumerate(line):
                # numbers as shown (#,##0.00 / #,##0), not their repr, for formats and column widths
                shown = (f"{v:,.2f}" if isinstance(v, float | np.floating) else
                         f"{v:,}" if isinstance(v, int | np.integer) and not isinstance(v, bool) else v)
                fmt = (self.fmt.get(bold=True) if i == 0 else
                       self.fmt.num("#,##0.00" if isinstance(v, float | np.floating) else "#,##0"))
                self._write_value(ws, row + i, j, v, fmt)
                widths[j] = max(widths.get(j, 0), min(display_width(shown) if not _is_missing(v) else 0, 40))
        if not static:
            self.pending_pivots.append((block, sheet_name, row, 0))
        return row + len(grid)

    def _add_pivots(self) -> None:
        from . import pivot

        placements = []
        tables = self.report.tables()
        for block, sheet_name, r, c in self.pending_pivots:
            if block.source in self._split:  # continued after the pivot sheet was written: values only
                log.warning("pivot %s: source %s spans several sheets; values written, no PivotTable",
                            block.spec.name, block.source)
                continue
            loc = self.located[block.source]
            src = tables[block.source].df
            placements.append(pivot.PivotPlacement(
                spec=block.spec, source_sheet=loc.sheet, source_ref=loc.ref,
                source_df=src.set_axis(loc.columns, axis=1), target_sheet=sheet_name,
                target_cell=xl_rowcol_to_cell(r, c)))
        pivot.add_pivots(self.path, placements)


def _add_table(ws, header_row: int, last_row: int, last_col: int, opts: dict) -> None:
    """``ws.add_table(header_row, 0, last_row, last_col, opts)`` without XlsxWriter's per-cell overlap check
    for a long table.

    XlsxWriter checks every cell of a new table against earlier tables and merged ranges and records each
    cell in a dict (3.3: a Python loop over rows × columns, ~5 % of writing a 2.75M-cell detail table, and a
    dict entry per cell). The report writer lays blocks out top to bottom, one below the other, and merges
    no cells inside a table, so no table can overlap another: a table of more than ``LONG_TABLE_ROWS`` data
    rows and no 合计 row is added over its header and first data row and its stored ranges (table and
    autofilter) are then widened to ``last_row``. Should a later XlsxWriter store them under other keys, the
    short table is taken back and the table is added the ordinary way (same file either way;
    ``tests/test_report_writer_speed.py`` reads the ranges back)."""
    if opts.get("total_row") or last_row - header_row <= LONG_TABLE_ROWS:
        ws.add_table(header_row, 0, last_row, last_col, opts)
        return
    n_tables = len(ws.tables)
    ws.add_table(header_row, 0, header_row + 1, last_col, opts)
    table = ws.tables[-1] if len(ws.tables) == n_tables + 1 else {}
    if not {"range", "a_range"} <= table.keys():
        del ws.tables[n_tables:]
        for c in range(last_col + 1):
            for r in (header_row, header_row + 1):
                ws.table_cells.pop((r, c), None)
        ws.add_table(header_row, 0, last_row, last_col, opts)
        return
    ref = xl_range(header_row, 0, last_row, last_col)
    table["range"] = table["a_range"] = ref
    if table.get("autofilter"):
        table["autofilter"] = ref


_EXCEL_EPOCH = np.datetime64("1899-12-31", "us")
_DAY_US = 86_400 * 10**6


def _excel_serials(s: pd.Series) -> np.ndarray:
    """Naive datetimes (a datetime64 Series, NaT allowed) as Excel serial date numbers (float64, NaN for NaT),
    vectorised: the same numbers as XlsxWriter's ``write_datetime`` (its ``_datetime_to_excel_datetime``, 1900
    date system: days since 1899-12-31 + seconds and microseconds / 86,400, 1900-01-01 as 0 … and +1 after
    1900-02-28 for Excel's 1900 leap-year bug; nanoseconds are dropped as ``to_pydatetime`` drops them). In
    microseconds, so 9999-12-31 (a common "no end date") converts as well."""
    v = s.to_numpy(dtype="datetime64[us]")
    nat = np.isnat(v)
    us = (v - _EXCEL_EPOCH).astype("int64")
    days = us // _DAY_US
    rest = us - days * _DAY_US
    out = days + ((rest // 10**6).astype("float64") + (rest % 10**6).astype("float64") / 1e6) / 86_400
    out = out - (days == 1) + (out > 59)  # 1900-01-01 (any time) is day 0 in XlsxWriter; the leap-year bug
    out[nat] = np.nan
    return out


_PERCENT_FORMAT = re.compile(r"^0(?:\.(0+))?%$")


def _figure_difference(value: float | None, comp: float | None, code: str) -> tuple[float | None, str]:
    """The headline's 差额 cell: ``value - comp`` in the figure's number format — except for a percentage
    (format ``0%`` / ``0.0%`` / ``0.00%``), whose difference is in percentage points, not a percent of
    anything: written ×100 with the format ``+0.0"个百分点"`` (same decimals), so 62.5% against 70.0% reads
    −7.5个百分点, never "−7.5%" (which would read as a relative change). Unknown side -> None (blank)."""
    if value is None or comp is None:
        return None, code
    m = _PERCENT_FORMAT.match(code or "")
    if not m:
        return value - comp, code
    body = "0" + (f".{m.group(1)}" if m.group(1) else "")
    unit = '"个百分点"'
    return (value - comp) * 100, f"+{body}{unit};-{body}{unit};{body}{unit}"


def _figure_number(v: Any) -> float | None:
    """A figure's value as a float; None for a missing/non-finite value or a bool (never a number)."""
    if v is None or isinstance(v, (bool, np.bool_)) or _is_missing(v):
        return None
    x = float(v)
    return x if math.isfinite(x) else None


def _escape_hf(text: str) -> str:
    return str(text).replace("&", "&&")


def _unique_headers(cols: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for c in cols:
        c = c.strip() or "列"
        if c.lower() in seen:
            seen[c.lower()] += 1
            c = f"{c}_{seen[c.lower()]}"
        seen[c.lower()] = seen.get(c.lower(), 1)
        out.append(c)
    return out


def write_report(report: Report, path: str | Path) -> Path:
    """Write ``report`` to ``path`` atomically and return the path.

    The workbook is built in a temporary file in the same folder and moved over ``path`` with
    ``os.replace`` only when complete; on any error the temporary file is removed and an existing
    ``path`` is left untouched. A new file gets the user's umask; a replaced one keeps its permission bits.
    Raises :class:`ReportWriteError` (a BankxlError and an OSError) naming the folder when the folder cannot be
    made or written (no permission, a read-only or pseudo file system such as /sys or /proc, disk full, the file
    open in Excel on Windows).
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp, mode = _new_temp(path)
    except OSError as exc:
        raise _write_error(path, exc) from exc
    with contextlib.suppress(OSError):  # replacing a report: keep the mode its owner gave it (e.g. 0600)
        mode = os.stat(path).st_mode & 0o777
    try:
        XlsxReportWriter(report, tmp).write()
        os.chmod(tmp, mode)  # the pivot step rewrites the file through mkstemp (0600)
        os.replace(tmp, path)
    except BaseException as exc:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(exc, OSError) and not isinstance(exc, ReportWriteError):
            raise _write_error(path, exc) from exc
        raise
    log.info("wrote %s", path)
    return path


class ReportWriteError(BankxlError, OSError):
    """The report cannot be written into its folder: one Chinese + English sentence naming the folder, the file
    and the reason. Also an OSError, so a caller that falls back to another folder on OSError (the add-in's
    ``save_report``) still does."""


#: errno -> why the folder cannot take the report, in Chinese (anything else: 无法写入)
_WRITE_REASONS = {errno.EACCES: "该文件夹没有写入权限", errno.EPERM: "该文件夹没有写入权限",
                  errno.EROFS: "该文件夹是只读的", errno.ENOENT: "该文件夹不存在或不能在其中新建文件",
                  errno.ENOTDIR: "路径中有一部分是文件而不是文件夹", errno.EEXIST: "路径中有一部分是文件而不是文件夹",
                  errno.ENOSPC: "磁盘空间不足", errno.EDQUOT: "磁盘配额已满"}


def _write_error(path: Path, exc: OSError) -> ReportWriteError:
    """The :class:`ReportWriteError` for ``exc`` raised while writing ``path``."""
    reason = _WRITE_REASONS.get(exc.errno, "无法写入")
    detail = exc.strerror or str(exc)
    return ReportWriteError(
        f"无法在文件夹「{path.parent}」中写入报告「{path.name}」: {reason}({detail}); 请换一个可写的文件夹"
        f"(若同名报告正在 Excel 中打开, 请先关闭)。",
        f"Cannot write the report {path.name} into the folder {path.parent}: {detail}. Choose a folder you can "
        f"write to (or close the report if it is open in Excel).")


def _new_temp(path: Path) -> tuple[Path, int]:
    """A new empty temp file beside ``path`` and its permission bits. Created with mode 0666 so the OS
    applies the user's umask (tempfile.mkstemp would give 0600); the name is short whatever ``path`` is."""
    for _ in range(100):
        tmp = path.with_name(f".{path.stem[:20]}.{secrets.token_hex(4)}.xlsx.tmp")
        try:
            os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
        except FileExistsError:
            continue
        return tmp, os.stat(tmp).st_mode & 0o777
    raise FileExistsError(f"no free temporary file name in {path.parent}")
