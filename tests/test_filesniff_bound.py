"""filesniff._near_bound: the cheap upper bound check_extent tries before measuring a sheet exactly."""
from __future__ import annotations

import pytest
import xlsxwriter

from bankxl.errors import DataValidationError
from bankxl.filesniff import MAX_SHEET_CELLS, _near_bound, check_extent, sheet_extent


def _book(path, cells, blank=None):
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("S")
    for (r, c), v in cells.items():
        ws.write(r, c, v)
    if blank is not None:  # a formatted empty cell (self-closing tag): calamine ignores it
        ws.write_blank(*blank, None, wb.add_format({"bold": True}))
    wb.close()
    return path


@pytest.mark.parametrize("cells, blank, want", [
    ({(0, 0): 1, (9, 3): "x"}, None, 999_999 * 26),                 # A–Z, few rows
    ({(0, 0): 1, (5, 39): "x"}, (70_000, 300), 999_999 * 40),       # value in AN; the format-only cell ignored
    ({(0, 0): 1, (999_998, 0): 2}, None, 999_999 * 26),             # row 999,999: six digits
    ({(0, 0): 1, (999_999, 0): 2}, None, None),                     # row 1,000,000: measured exactly
    ({(0, 0): 1}, (1_048_575, 0), None),                           # even a format-only cell that far down
])
def test_near_bound_is_a_sound_upper_bound(tmp_path, cells, blank, want):
    """The bound by hand (999,999 rows × the rightmost value column, at least Z) and never below the exact
    grid of :func:`sheet_extent` (whose own test checks it against calamine)."""
    f = _book(tmp_path / "s.xlsx", cells, blank)
    bound = _near_bound(f, "S")
    assert bound == want
    assert bound is None or bound >= sheet_extent(f, "S").cells


def test_far_cell_still_refused_and_wide_short_sheet_passes(tmp_path):
    """A value at XFD1048576 is refused as before (bound None -> exact measure); 60 columns × 10 rows
    (bound 999,999 × 60 over the limit) is measured exactly and passes."""
    far = _book(tmp_path / "far.xlsx", {(0, 0): 1, (1_048_575, 16_383): "x"})
    assert _near_bound(far, "S") is None
    with pytest.raises(DataValidationError, match="已用区域过大"):
        check_extent(far, "S")
    wide = _book(tmp_path / "wide.xlsx", {(r, c): r * c for r in range(10) for c in range(60)})
    assert _near_bound(wide, "S") == 999_999 * 60 > MAX_SHEET_CELLS
    check_extent(wide, "S")  # exact grid 10 × 60: no error
    assert sheet_extent(wide, "S").cells == 600
