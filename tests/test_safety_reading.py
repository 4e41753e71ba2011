"""Issue 8, reading files: far-away cells, huge CSV fields, unterminated quotes, .xls files that are HTML or
text, encrypted workbooks, junk --params files, a CSV missing one required column."""
from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import LIMITED_LOAD
import xlsxwriter
from python_calamine import CalamineWorkbook

from bankxl.errors import DataValidationError
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




def _load_limited(path) -> str:
    """Load in a child process limited to 2 GB of address space: a reader that tries to allocate a huge
    grid aborts the child (exit 134), not pytest."""
    p = subprocess.run([sys.executable, "-c", LIMITED_LOAD, str(path)], capture_output=True, text=True, timeout=120)
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
    assert ext.first_row == 1 and ext.last_row >= 1048576 and ext.last_col >= 16384  # an upper bound: calamine does not stop at XFD
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


# ------------------------------------------------------------------------- .xls that is HTML / text / encrypted
from bankxl.filesniff import html_tables, sniff  # noqa: E402

_HTML_XLS = """<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head><body>
<table><tr><td>导出系统</td></tr></table>
<table border=1>
<tr><td colspan="5">定期存款明细 &amp; 余额</td><td>备注</td></tr>
<tr><th>账号</th><th>客户号</th><th>机构号</th><th>到期日</th><th>余额</th><th>备注</th></tr>
<tr><td style="mso-number-format:'\\@'">0012</td><td>C1</td><td rowspan="2">O1</td><td>2026-12-01</td>
    <td>1,234.50</td><td>第一行<br>第二行</td></tr>
<tr><td>0013</td><td>C2</td><td>2026-12-02</td><td>200</td><td>=1+1</td></tr>
</table></body></html>"""


def test_html_tables_spans_breaks_entities():
    tables = html_tables("<table><tr><td colspan=2>a &amp; b</td><td rowspan=2>r</td></tr>"
                         "<tr><td>x<br/>y</td><td><table><tr><td>inner</td></tr></table>z</td></tr></table>")
    assert tables[0] == [["a & b", None, "r"], ["x\ny", "z", "r"]]
    assert tables[1] == [["inner"]]


def test_xls_that_is_an_html_page_loads_and_says_so(tmp_path):
    f = tmp_path / "export.xls"
    f.write_bytes(_HTML_XLS.encode("gbk"))
    assert sniff(f) == "html"
    t = read_tables([f], ["time_deposits"])["time_deposits"]
    assert t.df["acct_no"].tolist() == ["0012", "0013"]  # text stays text: leading zeros kept
    assert t.df["org_id"].tolist() == ["O1", "O1"]  # rowspan repeats the cell for the rows it covers
    assert t.df["balance"].tolist() == [1234.5, 200.0]
    assert t.df["_row"].tolist() == [3, 4]  # rows of the data table as a browser/Excel shows them
    assert any("网页" in n and "HTML" in n and "export.xls" in n for n in t.unit_notes), t.unit_notes


def test_xls_that_is_tab_separated_gbk_text_loads_and_says_so(tmp_path):
    f = tmp_path / "导出.xls"
    f.write_bytes(("\t".join(TD_HEAD) + "\r\n" + "\t".join(["A1", "C1", "O1", "2026-12-01", "100"]) + "\r\n"
                   + "\t".join(["A2", "客户二", "O1", "2026-12-03", "250.5"]) + "\r\n").encode("gbk"))
    assert sniff(f) == "text"
    t = read_tables([f], ["time_deposits"])["time_deposits"]
    assert t.df["cust_id"].tolist() == ["C1", "客户二"] and t.df["balance"].tolist() == [100.0, 250.5]
    assert any("文本" in n and "导出.xls" in n for n in t.unit_notes), t.unit_notes


def test_password_protected_xlsx_says_so(tmp_path):
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = _xlsx(tmp_path / "plain.xlsx", {})
    enc = tmp_path / "加密.xlsx"
    with open(plain, "rb") as fi, open(enc, "wb") as fo:
        OOXMLFile(fi).encrypt("secret", fo)
    assert sniff(enc) == "encrypted"
    with pytest.raises(DataValidationError) as ei:
        read_tables([enc], ["time_deposits"])
    msg = str(ei.value)
    assert "密码" in msg and "加密.xlsx" in msg and "password" in msg and "HTML" not in msg, msg
    from bankxl.io import read_raw_sheet

    with pytest.raises(DataValidationError, match="密码"):
        read_raw_sheet(enc)


def test_sniff_kinds(tmp_path):
    cases = {"a.xlsx": b"PK\x03\x04rest", "b.xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600,
             "c.xls": b"\xef\xbb\xbf  <!DOCTYPE html><html>", "d.xls": b"a\tb\n1\t2\n", "e.xls": b"",
             "f.xls": b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">'}
    got = {}
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        got[name] = sniff(tmp_path / name)
    assert got == {"a.xlsx": "zip", "b.xls": "ole2", "c.xls": "html", "d.xls": "text", "e.xls": "empty",
                   "f.xls": "xml2003"}


@pytest.mark.parametrize("content,words", [
    (b"<html><body><p>\xe6\x97\xa0\xe6\x95\xb0\xe6\x8d\xae</p></body></html>", ("网页", "没有表格")),
    (b'<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
     b'<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet/></Workbook>',
     ("Excel 2003 XML", "另存为 .xlsx")),
])
def test_xls_page_without_table_or_xml2003_is_named(tmp_path, content, words):
    f = tmp_path / "x.xls"
    f.write_bytes(content)
    with pytest.raises(DataValidationError) as ei:
        read_tables([f], ["time_deposits"])
    assert all(w in str(ei.value) for w in words) and "x.xls" in str(ei.value), str(ei.value)


# ------------------------------------------------------------------------------------------ --params files
from bankxl.cli import main as cli_main  # noqa: E402
from bankxl.errors import BankxlError  # noqa: E402
from bankxl.paramsheet import read_settings  # noqa: E402
from bankxl.scenario import get_scenario  # noqa: E402


@pytest.mark.parametrize("name,content", [("p.xlsx", b""), ("junk.xlsx", b"PK\x03\x04 not really a zip"),
                                          ("junk2.xlsx", b"hello"), ("p.csv", b"")])
def test_params_file_junk_or_empty_is_a_clean_error(tmp_path, capsys, name, content):
    src = _td_csv(tmp_path / "定期存款明细.csv", ["A1,C1,O1,2026-12-01,100,x"])
    bad = tmp_path / name
    bad.write_bytes(content)
    rc = cli_main(["run", "D2", "-i", str(src), "-o", str(tmp_path / "o.xlsx"), "--params", str(bad),
                   "--as-of", "2026-11-30"])
    err = capsys.readouterr().err
    assert rc == 2 and name in err and "Traceback" not in err and "ZipError" not in err, err
    assert "内部错误" not in err and "EOCD" not in err, err
    assert not (tmp_path / "o.xlsx").exists()


def _params_xlsx(path, rows):
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("参数")
    ws.write_row(1, 0, ["场景", "参数", "名称", "取值"])  # a blank first row: the header is Excel row 2
    for i, r in enumerate(rows):
        ws.write_row(2 + i, 0, r)
    wb.close()
    return path


def test_params_file_bad_value_names_file_sheet_and_row(tmp_path):
    spec = get_scenario("D2")
    f = _params_xlsx(tmp_path / "我的参数.xlsx", [["通用", "scale", "金额单位", "元"],
                                                ["deposit.maturity", "months_ahead", "", "12"],
                                                ["deposit.maturity", "calendar_days", "", "六十"]])
    with pytest.raises(BankxlError) as ei:
        read_settings(f, spec)
    msg = str(ei.value)
    assert "我的参数.xlsx" in msg and "参数" in msg and "第 5 行" in msg and "六十" in msg, msg
    # the same table as CSV: record 4 (header on line 1)
    c = tmp_path / "p.csv"
    c.write_text("场景,参数,名称,取值\n通用,scale,金额单位,元\ndeposit.maturity,months_ahead,,12\n"
                 "deposit.maturity,calendar_days,,-3\n", encoding="utf-8")
    with pytest.raises(BankxlError) as ei:
        read_settings(c, spec)
    assert "p.csv" in str(ei.value) and "第 4 行" in str(ei.value), str(ei.value)
    # a good file still reads: values as given, the 通用 scale turned into its factor
    ok = _params_xlsx(tmp_path / "ok.xlsx", [["通用", "scale", "金额单位", "元"],
                                             ["deposit.maturity", "months_ahead", "", "6"]])
    assert read_settings(ok, spec) == ({"months_ahead": "6"}, {"scale": 1})


def test_generic_csv_missing_one_required_column_names_it(tmp_path):
    """export.csv has every 定期存款明细 required column but 余额: the error says 余额 is missing, names the
    file and lists its headers (not 'table not found')."""
    f = tmp_path / "export.csv"
    f.write_text("账号,客户号,机构号,到期日,产品\nA1,C1,O1,2026-12-01,三年定期\n", encoding="utf-8")
    cust = tmp_path / "客户.csv"
    cust.write_text("客户号,客户名称\nC1,张三\n", encoding="utf-8")
    with pytest.raises(DataValidationError) as ei:
        read_tables([f, cust], ["time_deposits", "customers"])
    msg = str(ei.value)
    assert "余额(balance)" in msg and "export.csv" in msg and "产品" in msg and "未找到" not in msg, msg
    # two files that both miss a column: no guess, the table is not found (and both are named)
    g = tmp_path / "export2.csv"
    g.write_text("账号,客户号,机构号,余额\nA1,C1,O1,5\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match="未找到"):
        read_tables([f, g, cust], ["time_deposits", "customers"])
