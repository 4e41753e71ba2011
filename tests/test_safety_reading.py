"""Issue 8, reading files: far-away cells, huge CSV fields, unterminated quotes, .xls files that are HTML or
text, encrypted workbooks, junk --params files, a CSV missing one required column."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from bankxl.errors import DataValidationError, ProblemLog
from bankxl.filesniff import MAX_SHEET_CELLS, col_letters, sheet_extent
from bankxl.io import read_tables

TD_HEAD = ["账号", "客户号", "机构号", "到期日", "余额"]
TD_ROW = ["A1", "C1", "O1", "2026-12-01", "100"]


def _xlsx(path, cells, table=False):
    """cells: {(row, col): value} (0-based) on sheet 定期存款明细; header + one row at A1."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("定期存款明细" if not table else "Sheet1")
    if table:
        ws.add_table(0, 0, 1, 4, {"name": "定期存款明细", "columns": [{"header": h} for h in TD_HEAD],
                                  "data": [TD_ROW]})
    else:
        ws.write_row(0, 0, TD_HEAD)
        ws.write_row(1, 0, TD_ROW)
    for (r, c), v in cells.items():
        ws.write(r, c, v)
    wb.close()
    return path


_LIMITED = textwrap.dedent("""
    import resource, sys
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
    from bankxl.errors import DataValidationError
    from bankxl.io import read_tables
    try:
        t = read_tables([sys.argv[1]], ["time_deposits"])["time_deposits"]
        print("ROWS", t.n_rows)
    except DataValidationError as e:
        print("ERROR", e)
""")


def _load_limited(path) -> str:
    """Load in a child process limited to 2 GB of address space: a reader that tries to allocate a huge
    grid aborts the child (exit 134), not pytest."""
    p = subprocess.run([sys.executable, "-c", _LIMITED, str(path)], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, (p.returncode, p.stderr[-500:])
    return p.stdout


@pytest.mark.parametrize("table", [False, True], ids=["sheet", "excel_table"])
def test_cell_at_xfd1048576_is_a_clear_error_not_an_abort(tmp_path, table):
    f = _xlsx(tmp_path / "far.xlsx", {(1048575, 16383): "x"}, table=table)
    assert f.stat().st_size < 10_000
    out = _load_limited(f)
    assert out.startswith("ERROR") and "XFD1048576" in out and "far.xlsx" in out and "Ctrl+End" in out, out


def test_far_cell_within_bound_still_loads(tmp_path):
    # a stray value at row 200,000 of column Z: grid 200,000 x 26 = 5.2 M cells, under the bound
    f = _xlsx(tmp_path / "ok.xlsx", {(199_999, 25): "备注"})
    out = _load_limited(f)
    assert out.strip() == "ROWS 1", out  # the stray row holds no table column: a blank row, dropped


@pytest.mark.parametrize("cells", [
    {(0, 0): 1}, {(4, 2): "a", (9, 0): 2}, {(3, 27): "x", (7, 1): 1}, {(2, 800): 1, (5, 3): "y"},
    {(0, 16383): "z"}, {(100, 5): "only"},
])
def test_sheet_extent_bounds_calamines_grid(tmp_path, cells):
    """Second method: calamine's own range (start, end) on small sheets lies inside the streamed bound,
    same rows, the column bound the rightmost value (or Z)."""
    f = tmp_path / "s.xlsx"
    wb = xlsxwriter.Workbook(str(f))
    ws = wb.add_worksheet("S")
    for (r, c), v in cells.items():
        ws.write(r, c, v)
    ws.write_blank(50_000, 300, None, wb.add_format({"bold": True}))  # a formatted empty cell: not used
    wb.close()
    sh = CalamineWorkbook.from_path(str(f)).get_sheet_by_name("S")
    ext = sheet_extent(f, "S")
    rows = [r for r, _ in cells]
    cols = [c for _, c in cells]
    assert (ext.first_row, ext.last_row) == (min(rows) + 1, max(rows) + 1) == (sh.start[0] + 1, sh.end[0] + 1)
    assert ext.last_col == max(max(cols) + 1, 26) >= sh.end[1] + 1
    assert col_letters(16384) == "XFD" and col_letters(27) == "AA"


def test_sheet_extent_counts_cells_without_reference(tmp_path):
    """Cells and rows without ``r`` (allowed by the format): calamine places them one after the other."""
    import zipfile

    src = _xlsx(tmp_path / "a.xlsx", {})
    body = (b'<sheetData><row r="1"><c t="inlineStr"><is><t>x</t></is></c></row>'
            + b"<row>" + b"<c><v>1</v></c>" * 16384 + b"</row>" * 1
            + b'<row r="1048576"><c r="A1048576"><v>1</v></c></row></sheetData>')
    dst = tmp_path / "rless.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for i in zin.infolist():
            d = zin.read(i.filename)
            if i.filename == "xl/worksheets/sheet1.xml":
                a, b = d.index(b"<sheetData>"), d.index(b"</sheetData>") + len(b"</sheetData>")
                d = d[:a] + body + d[b:]
            zout.writestr(i, d)
    ext = sheet_extent(dst, "定期存款明细")
    assert ext.first_row == 1 and ext.last_row >= 1048576 and ext.last_col == 16384
    assert ext.cells > MAX_SHEET_CELLS
    out = _load_limited(dst)
    assert out.startswith("ERROR"), out


# ------------------------------------------------------------------------------------------------ CSV
def _td_csv(path, lines, encoding="utf-8"):
    path.write_text("\n".join([",".join(TD_HEAD + ["备注"])] + lines) + "\n", encoding=encoding)
    return path


def test_csv_field_over_131072_characters_loads(tmp_path):
    note = "长" * 200_000
    f = _td_csv(tmp_path / "定期存款明细.csv", ["A1,C1,O1,2026-12-01,100," + note, "A2,C2,O1,2026-12-02,200,短"])
    t = read_tables([f], ["time_deposits"])["time_deposits"]
    assert t.df["acct_no"].tolist() == ["A1", "A2"] and t.df["balance"].tolist() == [100.0, 200.0]
    # the same with a quote somewhere (the C tokenizer refuses, the csv module reads it)
    f2 = _td_csv(tmp_path / "t2.csv", ['A1,C1,O1,2026-12-01,100,"' + note + '"', 'A2,C2,O1,2026-12-02,200,x"y'])
    from bankxl.io import read_raw_csv

    raw = read_raw_csv(f2)
    assert raw.shape == (3, 6) and len(raw.iloc[1, 5]) == 200_000 and raw.iloc[2, 5] == 'x"y'


def _rows40(bad_line: int, bad: str):
    lines = [f"A{i},C{i},O1,2026-12-01,{i}00,备注{i}" for i in range(1, 41)]
    lines[bad_line - 2] = bad  # file line 1 is the header
    return lines


@pytest.mark.parametrize("fast", [True, False], ids=["c_tokenizer", "csv_module"])
def test_csv_unterminated_quote_is_an_error_naming_the_line(tmp_path, monkeypatch, fast):
    import bankxl.io as bio

    if not fast:
        monkeypatch.setattr(bio, "_parse_csv_fast", lambda text, sep: None)
    f = _td_csv(tmp_path / "定期存款明细.csv", _rows40(4, 'A3,"C3,O1,2026-12-01,300,备注3'))
    with pytest.raises(DataValidationError) as ei:
        read_tables([f], ["time_deposits"])
    msg = str(ei.value)
    assert "定期存款明细.csv" in msg and "第 4 行" in msg and "客户号" in msg and "引号" in msg, msg
    assert "41" in msg  # lines in the file


def test_csv_two_stray_quotes_swallowing_rows_is_an_error(tmp_path):
    lines = _rows40(6, 'A5,C5,O1,2026-12-01,500,"备注5')
    lines[20] = 'A22,C22,O1,2026-12-01,2200,备注22"'  # closes the quote opened on line 6
    f = _td_csv(tmp_path / "定期存款明细.csv", lines)
    with pytest.raises(DataValidationError) as ei:
        read_tables([f], ["time_deposits"])
    assert "第 6 行" in str(ei.value) and "备注" in str(ei.value), str(ei.value)


def test_csv_multiline_quoted_address_still_loads(tmp_path):
    """A quoted field with a line break that is not a swallowed record (an address) is data: the record
    after it keeps its Excel row (record number), the file lines are one more."""
    lines = _rows40(3, 'A2,C2,O1,2026-12-01,200,"北京市朝阳区\n某某路1号"')
    f = _td_csv(tmp_path / "定期存款明细.csv", lines)
    t = read_tables([f], ["time_deposits"])["time_deposits"]
    assert t.n_rows == 40 and t.df["_row"].tolist()[:3] == [2, 3, 4]
