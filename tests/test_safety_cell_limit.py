"""Breaker finding: text over Excel's 32,767-character cell limit was cut silently in places the table writer's
guard did not reach — a 说明/概览 note line (XlsxWriter truncates write_string without a word) and the pivot cache
(which kept the whole 40,000-character item while its source cell was cut: cache and sheet disagreed) — and the
说明 line for cut table cells gave counts but no rows. Now every cut cell ends in CUT_MARK, 说明 names sheet,
column and Excel rows, and a pivot item is cut exactly as its source cell."""
from __future__ import annotations

import html
import re
import zipfile

import numpy as np
import openpyxl
import pandas as pd

from bankxl.report import Note, Report, Sheet, Table
from bankxl.report.xlsx import CELL_MAX, CUT_MARK, write_report
from bankxl.runner import run_scenario
from bankxl.sample import make_sample_bank


def _notes_text(wb):
    return " ".join(str(c) for row in wb["说明"].iter_rows(values_only=True) for c in row if c)


def test_cut_table_cells_name_their_rows(tmp_path):
    """备注 of rows 2 and 4 (Excel rows: header on row 1) are 40,000 characters: both cut, 说明 names rows 2 and 4."""
    df = pd.DataFrame({"客户号": ["1", "2", "3"], "备注": ["长" * 40_000, "短", "y" * 40_000]})
    rep = Report(title="测试", sheets=[Sheet("名单", [Table(df, name="t")]), Sheet("说明", [Note(title="说明", lines=["x"])])])
    wb = openpyxl.load_workbook(write_report(rep, tmp_path / "a.xlsx"))
    assert [len(wb["名单"][c].value) for c in ("B2", "B3", "B4")] == [CELL_MAX, 1, CELL_MAX]
    text = _notes_text(wb)
    assert "工作表「名单」列「备注」有 2 个单元格的文本超过 Excel 单元格上限 32767 字符, 已截断(第 2、4 行;" in text
    assert "2 cell(s) of 名单!备注 (row 2, 4) exceeded" in text


def test_rows_listed_are_capped(tmp_path):
    df = pd.DataFrame({"备注": ["z" * 33_000] * 12})
    rep = Report(title="测试", sheets=[Sheet("名单", [Table(df, name="t")]), Sheet("说明", [Note(title="说明", lines=["x"])])])
    text = _notes_text(openpyxl.load_workbook(write_report(rep, tmp_path / "b.xlsx"), read_only=True))
    assert "有 12 个单元格" in text and "(第 2、3、4、5、6、7、8、9、10、11 行 等 12 行;" in text


def test_a_note_line_over_the_limit_is_cut_visibly_and_said(tmp_path):
    """A Note line of 40,000 characters on sheet 附注 (row 2: the note's title is on row 1): before, XlsxWriter
    truncated it to 32,767 characters without a mark and 说明 said nothing."""
    line = "注" * 40_000
    rep = Report(title="测试", sheets=[Sheet("附注", [Note(title="附注", lines=[line])]),
                                     Sheet("说明", [Note(title="说明", lines=["x"])])])
    wb = openpyxl.load_workbook(write_report(rep, tmp_path / "c.xlsx"))
    cell = wb["附注"]["A2"].value
    assert len(cell) == CELL_MAX and cell.endswith(CUT_MARK) and cell.startswith("注" * 100)
    assert "工作表「附注」列「A(说明文字)」有 1 个单元格的文本超过 Excel 单元格上限 32767 字符, 已截断(第 2 行;" \
        in _notes_text(wb)


def test_pivot_cache_item_is_cut_like_its_cell(tmp_path):
    """D2 on a deposit (maturing next month) whose 产品 is 40,000 characters: the 到期明细 cell and the pivot cache's
    shared item are the same 32,767-character cut text, and 说明 names that cell's row."""
    td = make_sample_bank(customers=60, seed=1, as_of="2026-11-30")["time_deposits"]
    td = td.drop(columns=[c for c in td.columns if c.startswith("_")]).reset_index(drop=True)
    i = int(np.flatnonzero((td["maturity_date"] >= "2026-12-01") & (td["maturity_date"] < "2026-12-31")
                           & (td["status"] == "正常"))[0])
    td["product"] = td["product"].astype(object)
    td.loc[i, "product"] = "长" * 40_000
    src = tmp_path / "定期存款明细.csv"
    td.to_csv(src, index=False)
    res = run_scenario("D2", [src], tmp_path / "d2.xlsx", as_of="2026-11-30")
    wb = openpyxl.load_workbook(res.path)
    cut = [(c.row, c.value) for row in wb["到期明细"].iter_rows() for c in row
           if isinstance(c.value, str) and c.value.startswith("长" * 100)]
    assert len(cut) == 1 and len(cut[0][1]) == CELL_MAX and cut[0][1].endswith(CUT_MARK)
    assert f"工作表「到期明细」列「产品」有 1 个单元格的文本超过 Excel 单元格上限 32767 字符, 已截断(第 {cut[0][0]} 行;" \
        in _notes_text(wb)
    with zipfile.ZipFile(res.path) as z:
        caches = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/pivotCache/pivotCacheDefinition")]
    items = [html.unescape(v) for x in caches for v in re.findall(r'<s v="([^"]*)"', x) if v.startswith("长" * 100)]
    assert items and all(v == cut[0][1] for v in items)  # before: 40,000 characters in the cache
