"""The xlsx writer: values, formats, tables, charts, conditional formats, print setup, injection safety,
big numbers as text, atomic replace. Read back with openpyxl (never used to write)."""
from __future__ import annotations

import zipfile

import openpyxl
import pandas as pd
import pytest

from bankxl.report import Chart, Conditional, Note, Report, Sheet, Table
from bankxl.report.xlsx import display_width, safe_sheet_name, unique_path, write_report


def _report(df: pd.DataFrame, **table_kw) -> Report:
    t = Table(df, name="lst", title="名单", **table_kw)
    r = Report("测试报告", [Sheet("名单", [Note(lines=["说明一行"]), t,
                                       Chart("lst", categories="客户号", series=["余额(万元)"], title="余额")])])
    r.meta["as_of"] = pd.Timestamp("2026-11-30")
    return r


@pytest.fixture
def df():
    return pd.DataFrame({
        "客户号": ["000123", "=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)"],
        "证件号码(脱敏)": ["340524********001X"] * 5,
        "余额(万元)": [1234.5, 0.0, None, 7.25, 1e6],
        "到期日": pd.to_datetime(["2026-12-01", None, "2027-02-05", "2027-01-01", "2026-12-31"]),
        "笔数": pd.array([1, 2, None, 4, 5], dtype="Int64"),
        "大数": pd.array([1234567890123456789, 1, 2, 3, 4], dtype="Int64"),
        "大额(元)": [1e16, 1.0, 2.0, 3.0, 4.0],
        "是否大额": [True, False, True, False, True],
    })


def test_values_formats_table_chart_and_print_setup(df, tmp_path):
    p = write_report(_report(df, conditional=[Conditional(["余额(万元)"], "data_bar")]), tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(p)
    ws = wb["名单"]
    # Note line, a blank row between blocks, title, header at row 4 (1-based)
    assert ws["A1"].value == "说明一行" and ws["A3"].value == "名单"
    assert [c.value for c in ws[4]] == list(df.columns)
    assert ws["A5"].value == "000123" and ws["A5"].data_type == "s"  # leading zeros kept as text
    # formula injection: written as text, never as formulas
    for row, text in zip(range(6, 10), ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)"]):
        cell = ws.cell(row=row, column=1)
        assert cell.value == text and cell.data_type == "s", (cell.coordinate, cell.value, cell.data_type)
    assert ws["C5"].value == 1234.5 and ws["C5"].number_format == "#,##0.00"
    assert ws["C7"].value is None                                    # missing stays blank, never "nan"
    assert ws["D5"].number_format == "yyyy-mm-dd" and ws["D5"].value.date().isoformat() == "2026-12-01"
    assert ws["E5"].value == 1 and ws["E5"].number_format == "#,##0"
    assert ws["F5"].value == "1234567890123456789" and ws["F5"].data_type == "s"  # > 15 digits: text
    assert ws["G5"].value == 1e16 and ws["G5"].data_type == "n"                  # amounts stay numbers
    assert ws["H5"].value == "是" and ws["H6"].value == "否"
    assert list(ws.tables) == ["lst"] and ws.tables["lst"].ref == "A4:H9"
    assert ws.freeze_panes == "A5"
    assert len(ws._charts) == 1
    # a summary sheet (issue 10): an explicit print scale and a print area, not "fit to page" (Excel ignores
    # manual page breaks under fit-to); the scale and breaks are checked in tests/test_report_layout.py
    assert ws.page_setup.orientation == "landscape" and not ws.sheet_properties.pageSetUpPr.fitToPage
    assert 10 <= ws.page_setup.scale <= 100 and ws.print_area
    assert "内部资料 注意保密" in ws.oddFooter.center.text and "2026-11-30" in ws.oddFooter.left.text
    assert ws.conditional_formatting
    # Chinese text widths: a CJK character counts double
    assert display_width("余额(万元)") == 10 and ws.column_dimensions["B"].width >= 18


def test_no_formula_cells_from_data(df, tmp_path):
    p = write_report(_report(df), tmp_path / "r.xlsx")
    with zipfile.ZipFile(p) as z:
        sheet_xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml


def test_total_row_values(df, tmp_path):
    p = write_report(_report(df.iloc[:, :3], total_row=True), tmp_path / "r.xlsx")
    ws = openpyxl.load_workbook(p)["名单"]
    # 合计 row under the data with a SUBTOTAL formula whose cached value is the real sum
    assert ws["A10"].value == "合计"
    with zipfile.ZipFile(p) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert "SUBTOTAL(109" in xml and "<v>1001241.75</v>" in xml


def test_atomic_replace_keeps_old_file_on_failure(df, tmp_path, monkeypatch):
    target = tmp_path / "r.xlsx"
    write_report(_report(df), target)
    before = target.read_bytes()
    from bankxl.report import xlsx

    def half_written(self):
        self.path.write_bytes(b"PK half a file")
        raise OSError("disk full")

    monkeypatch.setattr(xlsx.XlsxReportWriter, "write", half_written)
    with pytest.raises(OSError):
        write_report(_report(df), target)
    assert target.read_bytes() == before                        # old report intact
    assert [p.name for p in tmp_path.iterdir()] == ["r.xlsx"]  # no temp file left behind


def test_sheet_names_and_unique_paths(tmp_path):
    taken: set[str] = set()
    assert safe_sheet_name("到期/结构[1]", taken) == "到期_结构_1_"
    assert safe_sheet_name("到期_结构_1_", taken) == "到期_结构_1_(2)"
    assert len(safe_sheet_name("长" * 40, taken)) == 31
    p = tmp_path / "报告.xlsx"
    assert unique_path(p) == p
    p.write_bytes(b"x")
    assert unique_path(p).name == "报告 (2).xlsx"
    (tmp_path / "报告 (2).xlsx").write_bytes(b"x")
    assert unique_path(p).name == "报告 (3).xlsx"


def test_byte_stable_apart_from_nothing(df, tmp_path):
    a = write_report(_report(df), tmp_path / "a.xlsx").read_bytes()
    b = write_report(_report(df), tmp_path / "b.xlsx").read_bytes()
    assert a == b


def test_large_reports_stream_rows_with_autofilter(df, tmp_path, monkeypatch):
    """Above LARGE_CELLS the writer uses XlsxWriter's constant_memory mode (rows streamed in order): no
    ListObjects there, an autofilter instead; values and formats are the same."""
    from bankxl.report import xlsx

    monkeypatch.setattr(xlsx, "LARGE_CELLS", 10)
    p = write_report(_report(df), tmp_path / "big.xlsx")
    ws = openpyxl.load_workbook(p)["名单"]
    assert not ws.tables and ws.auto_filter.ref == "A4:H9"
    assert [c.value for c in ws[4]] == list(df.columns)
    assert ws["A5"].value == "000123" and ws["C5"].value == 1234.5 and ws["C5"].number_format == "#,##0.00"
    assert ws.cell(row=6, column=1).value == '=HYPERLINK("http://x")' and ws.cell(row=6, column=1).data_type == "s"
    assert len(ws._charts) == 1


def test_wide_sheets_print_on_a3_narrow_on_a4(tmp_path):
    narrow = pd.DataFrame({"客户号": ["1"], "余额(元)": [1.0]})
    wide = pd.DataFrame({f"很长的列名称第{i}列": ["一二三四五六七八九十"] for i in range(20)})
    r = Report("宽窄", [Sheet("窄", [Table(narrow, name="n")]), Sheet("宽", [Table(wide, name="w")])])
    r.meta["as_of"] = pd.Timestamp("2026-11-30")
    wb = openpyxl.load_workbook(write_report(r, tmp_path / "w.xlsx"))
    assert wb["窄"].page_setup.paperSize == 9 and wb["宽"].page_setup.paperSize == 8
