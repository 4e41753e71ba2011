"""Page model of a written sheet: column and row sizes in points, print scale, page breaks, wrapped lines.

Pure functions over numbers (no workbook): the xlsx writer (``bankxl.report.xlsx``) asks them where pages
end and how tall a row with wrapped text must be, so the rules hold whatever library writes the file.

Rules (issue 10 items 2-3):

* **Sizes.** A column of width ``w`` (Excel character units of the workbook's default font, Calibri 11:
  7 px per unit + 5 px padding, as Excel and WPS measure) is ``column_pt(w)`` points wide. A row is
  ``DEFAULT_ROW_PT`` (15 pt) unless the writer sets its height. LibreOffice measures columns with the same
  metric only when a Calibri-compatible font (Carlito) is installed; without it (the CI image) it falls
  back to DejaVu Sans, 9.3 px per unit, and columns render ~1.33x wider. The print scale is therefore
  fitted to the width measured with ``FIT_CHAR_PX`` (9.4 px per unit): no application pushes the last
  columns of a summary to an extra page; in Excel a sheet whose scale is set by its width fills ~3/4 of
  the page width.
* **Wrapped text.** :func:`text_lines`: a CJK (East Asian wide/fullwidth) character is 2 units, anything
  else 1; a cell of width ``w`` holds ``w - 2`` units per line (1 unit of indent/padding, 1 of slack for a
  word that does not break); an explicit line break starts a new line; at most ``MAX_LINES`` lines.
  A row is ``lines x LINE_PT + ROW_PAD_PT`` points: 15 pt per line of 10-pt text holds 等线 in Excel/WPS
  (13.5 pt) and Noto Sans CJK in LibreOffice (14.5 pt), so a third line is never clipped.
* **Pages.** A4 (A3 for wide sheets), margins 0.4 in left/right and 0.6 in top/bottom. The print scale
  is chosen by the writer, not by "fit to page" (Excel ignores manual page breaks under fit-to):
  :func:`width_scale` fits the content width; :func:`paginate` then places a page break before any
  *keep* group (a chart, a table that fits a page, else a section title with its header and first rows)
  that would cross the page end.
  Summary sheets shrink (to ``MIN_SCALE`` at most) until they print on ``MAX_SUMMARY_PAGES`` pages.
* **Print roles.** :func:`print_role`: a sheet is a *detail* sheet when the scenario says so
  (``Sheet.print_role``) or a table on it has more than ``DETAIL_ROWS`` rows or holds tags; else a
  *summary*. Summaries print whole; a detail sheet's print area is its first page (the top of the list), so
  printing the workbook gives the summaries and one page per list.
"""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

DEFAULT_ROW_PT = 15.0  # XlsxWriter's default row (20 px)
LINE_PT = 15.0  # one line of wrapped 10-pt text
ROW_PAD_PT = 2.0  # top + bottom padding of a wrapped row
HEADER_PT = 30.0  # a table's header row
TITLE_PT = 18.0  # a block title (12-pt bold)
MAX_LINES = 8
CHAR_PX = 7.0  # Calibri 11 maximum digit width
FIT_CHAR_PX = 9.4  # the widest renderer's unit (LibreOffice with DejaVu Sans for Calibri), for the print scale
COL_PAD_PX = 5.0
DEFAULT_COL_WIDTH = 8.43
PX_PT = 0.75
#: paper sizes (portrait width, height) in points by Excel paper code
PAPER_PT = {9: (595.3, 841.9), 8: (841.9, 1190.6)}
MARGIN_LR_PT = 0.4 * 72
MARGIN_TB_PT = 0.6 * 72
FIT = 0.96  # share of the printable size the model fills (room for font differences between applications)
DETAIL_ROWS = 100
MAX_SUMMARY_PAGES = 3
MIN_SCALE = 50
KEEP_ROWS = 3  # a section title stays with its header and this many rows


def column_pt(width: float | None, char_px: float = CHAR_PX) -> float:
    """Points of a column ``width`` Excel character units wide (None = Excel's default 8.43) when a unit is
    ``char_px`` pixels (Excel: 7; ``FIT_CHAR_PX`` for the print scale)."""
    w = DEFAULT_COL_WIDTH if width is None else float(width)
    px = int(w * (char_px + COL_PAD_PX) + 0.5) if w < 1 else int(w * char_px + 0.5) + COL_PAD_PX
    return px * PX_PT


def printable(paper: int, landscape: bool) -> tuple[float, float]:
    """(width, height) in points inside the margins of ``paper`` (9 = A4, 8 = A3)."""
    w, h = PAPER_PT[paper]
    if landscape:
        w, h = h, w
    return w - 2 * MARGIN_LR_PT, h - 2 * MARGIN_TB_PT


def width_scale(content_pt: float, printable_w: float) -> int:
    """Print scale in % (10–100) at which ``content_pt`` points fit ``printable_w`` (with ``FIT`` slack)."""
    if content_pt <= 0:
        return 100
    return int(max(10, min(100, math.floor(100 * FIT * printable_w / content_pt + 1e-9))))


@lru_cache(maxsize=1)
def _wide_pattern() -> re.Pattern:
    """A character class of the East Asian wide/fullwidth code points (the BMP from unicodedata, the CJK
    extension planes and emoji blocks as ranges): what :func:`bankxl.report.xlsx.display_width` counts 2."""
    ranges, start = [], None
    for cp in range(0x10000):
        wide = unicodedata.east_asian_width(chr(cp)) in ("W", "F") and not 0xD800 <= cp <= 0xDFFF
        if wide and start is None:
            start = cp
        elif not wide and start is not None:
            ranges.append((start, cp - 1))
            start = None
    ranges += [(0x1F300, 0x1F64F), (0x1F900, 0x1F9FF), (0x20000, 0x3FFFD)]
    body = "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" if b > a else re.escape(chr(a)) for a, b in ranges)
    return re.compile(f"[{body}]")


def display_widths(values: pd.Series) -> pd.Series:
    """Display width of each value as text (CJK 2, others 1), vectorised; missing values are 0."""
    s = values.astype("string")
    return (s.str.len() + s.str.count(_wide_pattern().pattern)).fillna(0).astype("int64")


def text_lines(values: pd.Series | Sequence, width: float) -> np.ndarray:
    """Lines each value needs in a wrapped cell ``width`` units wide (rule in the module docstring):
    an int array, 1 for blank values, at most ``MAX_LINES``."""
    s = pd.Series(values, dtype="object").astype("string").reset_index(drop=True)
    if s.empty:
        return np.zeros(0, dtype="int64")
    per_line = max(float(width) - 2, 4.0)
    parts = s.str.split("\n").explode()
    seg = np.ceil(display_widths(parts).to_numpy() / per_line).clip(min=1)
    lines = pd.Series(seg, index=parts.index).groupby(level=0).sum()
    return lines.reindex(s.index, fill_value=1).clip(1, MAX_LINES).to_numpy(dtype="int64")


def row_height(lines: int | np.ndarray) -> float | np.ndarray:
    """Points of a row holding ``lines`` lines of wrapped 10-pt text (``DEFAULT_ROW_PT`` for one line)."""
    h = np.asarray(lines) * LINE_PT + ROW_PAD_PT
    return np.where(np.asarray(lines) <= 1, DEFAULT_ROW_PT, h)


def rows_for_height(heights: np.ndarray, first: int, points: float) -> int:
    """How many rows from ``first`` an object ``points`` tall covers (its anchor's last row is
    ``first + result - 1``); rows beyond ``heights`` are ``DEFAULT_ROW_PT``."""
    acc, r = 0.0, first
    while acc < points - 1e-9:
        acc += heights[r] if r < len(heights) else DEFAULT_ROW_PT
        r += 1
    return max(r - first, 1)


def paginate(heights: Sequence[float], keeps: Iterable[tuple[int, int]], page_h: float,
             repeat_h: float = 0.0, start: int = 0) -> list[int]:
    """Rows (0-based) that start a new page when rows ``start``.. of ``heights`` (points) print on pages
    ``page_h`` points tall; pages after the first lose ``repeat_h`` to repeated header rows.

    ``keeps``: [first, end) row ranges printed on one page when they fit one (charts, a section title with
    its header and first rows): a page ends before such a range rather than inside it. Ranges starting on the
    same row are alternatives, the longest that fits a page wins (a whole table, else its title, header and
    first rows); one taller than a page is split as usual."""
    h = np.asarray(heights, dtype="float64")
    keep_ends: dict[int, list[int]] = {}
    for a, b in keeps:
        if b > a:
            keep_ends.setdefault(a, []).append(b)
    breaks: list[int] = []
    top, used, cap = start, 0.0, page_h
    r = start
    while r < len(h):
        fits = [float(h[r:e].sum()) for e in keep_ends.get(r, ())]
        fits = [g for g in fits if g <= page_h - repeat_h]
        if fits and r > top:
            if used + max(fits) > cap:
                breaks.append(r)
                top, used, cap = r, repeat_h, page_h
        if used + h[r] > cap and r > top:
            breaks.append(r)
            top, used, cap = r, repeat_h, page_h
        used += h[r]
        r += 1
    return breaks


@dataclass
class PagePlan:
    """Where a sheet's pages end: ``scale`` (%), ``breaks`` (rows starting a page), ``pages``."""

    scale: int
    breaks: list[int]

    @property
    def pages(self) -> int:
        return len(self.breaks) + 1


def plan_pages(heights: Sequence[float], keeps: Sequence[tuple[int, int]], content_w: float, paper: int,
               landscape: bool, *, repeat_h: float = 0.0, max_pages: int | None = MAX_SUMMARY_PAGES) -> PagePlan:
    """The page plan of a sheet: the width scale, then (for ``max_pages``) smaller scales in steps of 5 %
    down to ``MIN_SCALE`` until the rows fit ``max_pages`` pages (the smallest page count found otherwise).
    At each scale the ``keeps`` are tried as given (alternatives from one row: the longest that fits a page,
    see :func:`paginate`), then with only the shortest keep of each row (a table's head, not the whole table)
    when keeping whole tables would need more than ``max_pages`` pages: a larger print before whole tables."""
    pw, ph = printable(paper, landscape)
    scale = width_scale(content_w, pw)
    heads: dict[int, int] = {}
    for a, b in keeps:
        heads[a] = min(heads.get(a, b), b)
    best = None
    for s in range(scale, min(scale, MIN_SCALE) - 1, -5):
        for ks in (keeps, list(heads.items())):
            plan = PagePlan(s, paginate(heights, ks, ph * FIT * 100 / s, repeat_h))
            if best is None or plan.pages < best.pages:
                best = plan
            if max_pages is None or plan.pages <= max_pages:
                return plan
    return best


def print_role(sheet) -> str:
    """``sheet.print_role`` if set, else ``"detail"`` when a table on it has more than ``DETAIL_ROWS`` rows or
    is a tag table (``Table.role == "tags"``), else ``"summary"``."""
    if getattr(sheet, "print_role", None):
        return sheet.print_role
    for b in sheet.blocks:
        df = getattr(b, "df", None)
        if df is not None and (len(df) > DETAIL_ROWS or getattr(b, "role", None) == "tags"):
            return "detail"
    return "summary"
