"""The bridge to live Excel: the ONLY bankxl module that calls xlwings' Excel API.

Small functions over an ``xw.Book`` — the bridge interface :mod:`bankxl.xl.ribbon` documents and tests
fake over real workbook files. Nothing here decides anything: which tables to read, where to save, what to
name sheets is all in :mod:`bankxl.xl.ribbon` (tested on Linux); this module only moves cells and calls
Excel. Needs Microsoft Excel (Windows or macOS) with xlwings; importing it elsewhere is harmless.
"""
from __future__ import annotations

import datetime as _dt
import os
import re

import xlwings as xw

from .ribbon import Block, BookInfo, Region

MARKER = "bankxl_scenario"  # sheet-level defined name on inserted result sheets: ="<scenario id>"
XL_EXCEL_LINKS = 1  # xlExcelLinks
CHUNK = 20_000  # rows per COM read/write chunk for big ranges


def caller_book() -> xw.Book:
    """The workbook the ribbon button was clicked in (RunPython caller)."""
    return xw.Book.caller()


def _local_path(book: xw.Book) -> str | None:
    full = book.fullname
    if not full or re.match(r"^https?://", full, re.IGNORECASE) or not os.path.isabs(full):
        return None
    return full


def book_info(book: xw.Book) -> BookInfo:
    """Names of sheets and Excel tables, the active sheet and the current region of the active cell."""
    sheets = [s.name for s in book.sheets]
    tables = [(t.name, s.name) for s in book.sheets for t in s.tables]
    active = book.sheets.active.name
    region = None
    try:
        sel = book.selection
        if sel is not None and sel.sheet.name == active:
            cr = sel.current_region
            if cr.count > 1:
                region = Region(active, cr.row, cr.column, cr.rows.count, cr.columns.count)
    except Exception:  # noqa: BLE001 - a chart or shape may be selected: no region
        region = None
    return BookInfo(book.name, _local_path(book), sheets, tables, active, region)


def _values(rng: xw.Range) -> list[list]:
    rng = rng.options(ndim=2, empty=None, dates=_dt.datetime, chunksize=CHUNK)
    v = rng.value
    return v if v is not None else []


def read_sheet(book: xw.Book, sheet: str) -> Block:
    """The used range of ``sheet`` from A1 (so row numbers stay the ones the user sees)."""
    sh = book.sheets[sheet]
    used = sh.used_range
    last = used.last_cell
    rng = sh.range((1, 1), (last.row, last.column))
    return Block(_values(rng), 1, 1)


def read_table(book: xw.Book, table: str, sheet: str) -> Block:
    """Header row and data body of an Excel table (the totals row is left out)."""
    tbl = book.sheets[sheet].tables[table]
    header = tbl.header_row_range
    body = tbl.data_body_range
    rows = _values(header)
    if body is not None:
        rows += _values(body)
    return Block(rows, header.row, header.column)


def read_region(book: xw.Book, sheet: str, first_row: int, first_col: int, n_rows: int, n_cols: int) -> Block:
    """The ``n_rows`` × ``n_cols`` cells from (``first_row``, ``first_col``) of ``sheet`` (1-based Excel
    coordinates) as a :class:`Block`; empty cells None, dates datetime. An unknown sheet raises
    xlwings' error."""
    sh = book.sheets[sheet]
    rng = sh.range((first_row, first_col), (first_row + n_rows - 1, first_col + n_cols - 1))
    return Block(_values(rng), first_row, first_col)


TEXT_FORMAT = "@"  # Excel's Text number format: a value assigned afterwards is kept as typed


def text_blocks(rows: list[list], first_row: int = 1, first_col: int = 1) -> list[tuple[int, int, int, int]]:
    """Rectangles ``(row0, col0, row1, col1)`` (1-based, inclusive) covering exactly the ``str`` cells of
    ``rows`` placed at (``first_row``, ``first_col``): runs of text cells down each column. Excel re-types a
    string assigned to a General cell as if typed ("001" -> 1, "2023-01" -> a date, "1-2" -> 2 Jan, "1E3"
    -> 1000); formatted "@" first, the cell keeps the text. Numbers, booleans, dates and None are left out."""
    out = []
    n_cols = max((len(r) for r in rows), default=0)
    for j in range(n_cols):
        start = None
        for i, r in enumerate(rows + [[]]):
            is_text = j < len(r) and isinstance(r[j], str)
            if is_text and start is None:
                start = i
            elif not is_text and start is not None:
                out.append((first_row + start, first_col + j, first_row + i - 1, first_col + j))
                start = None
    return out


def write_rows(sheet: xw.Sheet, rows: list[list], first_row: int = 1, first_col: int = 1) -> None:
    """Write ``rows`` (list of row lists) from (``first_row``, ``first_col``): the text cells are formatted
    "@" (:func:`text_blocks`) *before* the values are assigned, so Excel keeps every string as text; the
    other cells keep their format (numbers stay numbers)."""
    if not rows:
        return
    width = max(len(r) for r in rows)
    rows = [list(r) + [None] * (width - len(r)) for r in rows]
    for r0, c0, r1, c1 in text_blocks(rows, first_row, first_col):
        sheet.range((r0, c0), (r1, c1)).number_format = TEXT_FORMAT
    sheet.range((first_row, first_col)).options(ndim=2).value = rows


def add_sheet(book: xw.Book, name: str, rows: list[list]) -> None:
    """Add sheet ``name`` after the last sheet with ``rows`` from A1 (text kept as text, :func:`write_rows`;
    bold header, fitted columns); the previously active sheet stays active."""
    active = book.sheets.active
    sh = book.sheets.add(name=name, after=book.sheets[-1])
    if rows:
        write_rows(sh, rows)
        sh.range((1, 1), (1, len(rows[0]))).font.bold = True
        sh.autofit("c")
    active.activate()


def append_rows(book: xw.Book, sheet: str, rows: list[list], start_row: int) -> None:
    """Write ``rows`` (list of row lists) into ``sheet`` from column A of ``start_row`` down (text kept as
    text, :func:`write_rows`); no-op when empty."""
    if rows:
        write_rows(book.sheets[sheet], rows, start_row, 1)


def status(book: xw.Book, text: str | None) -> None:
    """Status bar text; None gives the status bar back to Excel."""
    book.app.status_bar = text if text else False


def alert(book: xw.Book | None, text: str, title: str, error: bool = False) -> None:
    """A modal message box with an OK button: critical icon when ``error``, else information. ``book`` None
    (the calling workbook could not be found): Excel's active app when xlwings reaches one, else Windows'
    own MessageBoxW (topmost), so the user still sees bankxl's message."""
    mode = "critical" if error else "info"
    if book is not None:
        book.app.alert(text, title=title, buttons="ok", mode=mode)
        return
    try:
        xw.apps.active.alert(text, title=title, buttons="ok", mode=mode)
        return
    except Exception:  # noqa: BLE001 - no Excel reachable through COM: fall back to the OS dialog
        pass
    import ctypes

    mb_ok, mb_iconerror, mb_iconinfo, mb_topmost = 0x0, 0x10, 0x40, 0x40000
    ctypes.windll.user32.MessageBoxW(None, text, title, mb_ok | mb_topmost | (mb_iconerror if error else mb_iconinfo))


def open_workbook(book: xw.Book, path: str) -> xw.Book:
    """Open the workbook at ``path`` (e.g. the written report) in the same Excel instance; returns it."""
    return book.app.books.open(path)


def copy_sheets(book: xw.Book, src_path: str, pairs: list[tuple[str, str]], after: str | None) -> list[str]:
    """Copy sheets of the workbook at ``src_path`` into ``book`` (``pairs`` = (source name, new name)),
    one after the other starting after sheet ``after``; the source is closed without saving."""
    app = book.app
    screen = app.screen_updating
    app.screen_updating = False
    src = app.books.open(src_path, update_links=False, read_only=True)
    created: list[str] = []
    try:
        anchor = book.sheets[after] if after else book.sheets[-1]
        for src_name, new_name in pairs:
            new = src.sheets[src_name].copy(after=anchor, name=new_name)
            created.append(new.name)
            anchor = new
    finally:
        src.close()
        app.screen_updating = screen
    return created


def delete_sheets(book: xw.Book, names: list[str]) -> None:
    """Delete the sheets ``names`` without Excel's confirmation prompt (alerts restored afterwards)."""
    app = book.app
    alerts = app.display_alerts
    app.display_alerts = False
    try:
        for n in names:
            book.sheets[n].delete()
    finally:
        app.display_alerts = alerts


def result_sheets(book: xw.Book) -> dict[str, str]:
    """{sheet name: scenario id} of the sheets bankxl inserted earlier (sheet-level name ``bankxl_scenario``)."""
    out = {}
    for sh in book.sheets:
        for n in sh.names:
            if n.name.split("!")[-1] == MARKER:
                m = re.match(r'^="(.*)"$', n.refers_to or "")
                if m:
                    out[sh.name] = m.group(1)
    return out


def mark_result_sheet(book: xw.Book, sheet: str, scenario_id: str) -> None:
    """Mark ``sheet`` as inserted by ``scenario_id``: a hidden sheet-level name ``bankxl_scenario`` =
    ``"<id>"`` (read back by :func:`result_sheets`)."""
    name = book.sheets[sheet].names.add(MARKER, f'="{scenario_id}"')
    try:
        name.api.Visible = False
    except Exception:  # noqa: BLE001 - not available on macOS
        pass


def link_sources(book: xw.Book) -> list[str]:
    """Full names of the workbooks ``book`` links to (Excel links only); [] when none."""
    links = book.api.LinkSources(XL_EXCEL_LINKS)
    return list(links) if links else []


def break_link(book: xw.Book, link: str) -> None:
    """Break the Excel link to ``link`` (formulas referring to it become values)."""
    book.api.BreakLink(Name=link, Type=XL_EXCEL_LINKS)


def activate(book: xw.Book, sheet: str) -> None:
    """Make ``sheet`` the active sheet."""
    book.sheets[sheet].activate()
