"""The writer's fast paths (issue 16 item 6) write the same cells as the plain ones: dates as the serial numbers
XlsxWriter's write_datetime makes, long tables (no per-cell overlap check) with the table and autofilter over
every row, missing values empty, input columns' blanks formatted. Read back with openpyxl. Speed itself is
measured in bench/bench_write.py, never asserted here."""
from __future__ import annotations

import datetime as dt
import re
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest
import xlsxwriter

from bankxl.report import Report, Sheet, Table
from bankxl.report import xlsx
from bankxl.report.xlsx import _excel_serials, write_report


def test_excel_serials_equal_xlsxwriters_own_conversion(tmp_path):
    stamps = ["1899-12-31", "1900-01-01 12:00", "1900-02-28 23:59:59", "1900-03-01", "1850-06-01 06:30",
              "2026-11-30 13:45:12.345678", "2026-11-30", "9999-12-31 23:59:59.999999"]
    s = pd.Series(pd.to_datetime(stamps + [None], format="ISO8601").as_unit("us"))
    got = _excel_serials(s)
    # the second method: the numbers XlsxWriter's write_datetime puts in the sheet XML
    wb = xlsxwriter.Workbook(str(tmp_path / "d.xlsx"))
    ws = wb.add_worksheet()
    for r, x in enumerate(stamps):
        ws.write_datetime(r, 0, pd.Timestamp(x).to_pydatetime())
    wb.close()
    xml = zipfile.ZipFile(tmp_path / "d.xlsx").read("xl/worksheets/sheet1.xml").decode()
    want = re.findall(r"<v>([^<]*)</v>", xml)
    assert [f"{v:.16G}" for v in got[:-1]] == want  # as XlsxWriter formats numbers: the same cell text
    assert np.isnan(got[-1])
    assert got[6] == 46356.0  # 2026-11-30: 46,355 days after 1900-01-01 (serial 1) + Excel's 1900-02-29


def _long_frame(n: int) -> pd.DataFrame:
    i = np.arange(n)
    return pd.DataFrame({
        "客户号": pd.array([f"{k:010d}" for k in i], dtype="string"),
        "备注": pd.array(["=1+1" if k % 7 == 0 else (None if k % 5 == 0 else f"说明{k}") for k in i], dtype="string"),
        "余额(元)": np.where(i % 4 == 0, np.nan, i * 100.25),
        "笔数": pd.array([None if k % 3 == 0 else k for k in i], dtype="Int64"),
        "到期日": pd.Series(pd.to_datetime("2026-12-01") + pd.to_timedelta(i % 400, unit="D")).where(i % 6 != 0),
        "是否": pd.array([None if k % 9 == 0 else bool(k % 2) for k in i], dtype="boolean"),
        "跟进": [None] * n,
    })


@pytest.mark.parametrize("n", [5, xlsx.LONG_TABLE_ROWS + 7])
def test_long_and_short_tables_read_back_equal(tmp_path, n):
    df = _long_frame(n)
    r = Report("测试", [Sheet("明细", [Table(df, name="detail", title="明细", text_columns=("客户号",),
                                             formats={"到期日": "date"}, input_columns=("跟进",))])])
    r.meta["as_of"] = pd.Timestamp("2026-11-30")
    p = write_report(r, tmp_path / "r.xlsx")
    ws = openpyxl.load_workbook(p)["明细"]
    (table,) = ws.tables.values()
    header = 2  # title on row 1, header on row 2 (1-based)
    assert table.ref == f"A{header}:G{header + n}" and table.autoFilter.ref == table.ref
    assert [c.value for c in ws[header]] == list(df.columns)
    rows = list(ws.iter_rows(min_row=header + 1, max_row=header + n))
    for k, row in enumerate(rows):
        cid, note, money, cnt, due, flag, todo = row
        assert cid.value == f"{k:010d}" and cid.data_type == "s"  # leading zeros kept: text
        if k % 7 == 0:
            assert note.value == "=1+1" and note.data_type == "s" and note.quotePrefix  # never a formula
        else:
            assert note.value == (None if k % 5 == 0 else f"说明{k}")
        assert money.value == (None if k % 4 == 0 else k * 100.25)
        assert cnt.value == (None if k % 3 == 0 else k)
        want_due = None if k % 6 == 0 else dt.datetime(2026, 12, 1) + dt.timedelta(days=k % 400)
        assert due.value == want_due
        if want_due is not None:
            assert due.number_format == "yyyy-mm-dd"
        assert flag.value == (None if k % 9 == 0 else ("是" if k % 2 else "否"))
        assert todo.value is None and todo.protection.locked is False  # the input column's formatted blank
        assert todo.fill.fgColor.rgb.endswith("FFF2CC")


def test_long_table_falls_back_to_the_plain_add_table_when_xlsxwriter_stores_ranges_elsewhere(tmp_path, monkeypatch):
    """A later XlsxWriter that keeps a table's ranges under other keys: the short table is taken back and the
    table added over every row the ordinary way (no duplicate table, full range)."""
    from xlsxwriter.worksheet import Worksheet
    real = Worksheet.add_table

    def renamed(self, *args, **kw):
        out = real(self, *args, **kw)
        t = self.tables[-1]
        t["ref_v2"] = t.pop("range")
        t.pop("a_range")
        return out

    def put_back(self, *a):  # restore the keys at save time so the file can be written by this XlsxWriter
        for t in self.tables:
            if "ref_v2" in t:
                t["range"] = t.pop("ref_v2")
                t["a_range"] = t["range"]
        return real_prepare(self, *a)

    real_prepare = Worksheet._prepare_tables
    monkeypatch.setattr(Worksheet, "add_table", renamed)
    monkeypatch.setattr(Worksheet, "_prepare_tables", put_back)
    n = xlsx.LONG_TABLE_ROWS + 3
    r = Report("测试", [Sheet("明细", [Table(_long_frame(n), name="detail", title="明细", text_columns=("客户号",))])])
    r.meta["as_of"] = pd.Timestamp("2026-11-30")
    ws = openpyxl.load_workbook(write_report(r, tmp_path / "r.xlsx"))["明细"]
    assert [t.ref for t in ws.tables.values()] == [f"A2:G{2 + n}"]
