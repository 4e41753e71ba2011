"""Ribbon logic (bankxl.xl.ribbon) on real workbook files, through a fake Excel bridge.

``FileBridge`` delivers what the xlwings bridge (bankxl.xl.excel) delivers — sheet names, Excel tables,
the active sheet, the current region around the selected cell, cell values (str/float/bool/datetime/None)
at their Excel addresses — read with openpyxl from a real .xlsx. It keeps every change (参数 sheet, inserted
sheets) in memory and never saves, so the input file's bytes must stay identical; and it simulates Excel's
external link to the temporary report file after a cross-workbook sheet copy.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import warnings
from pathlib import Path

import openpyxl
import pandas as pd

warnings.filterwarnings("ignore", message=".*extension is not supported.*", category=UserWarning)
import pytest
from openpyxl.worksheet.table import Table as XLTable

from bankxl.errors import DataValidationError
from bankxl.report.model import Note, PivotBlock, Report, Sheet
from bankxl.sample import make_sample_bank
from bankxl.scenario import get_scenario, registry
from bankxl.tables import get_table
from bankxl.xl import ribbon
from bankxl.xl.ribbon import Block, BookInfo, Region

AS_OF = dt.datetime(2026, 11, 30)


# ============================================================================ fake bridge
class FileBridge:
    def __init__(self, path: Path | None, active: str | None = None, selection: str | None = None,
                 wb: openpyxl.Workbook | None = None, name: str | None = None):
        self.path = path
        self.wb = wb if wb is not None else openpyxl.load_workbook(path)
        self.name = name or (path.name if path else "Book1")
        self.active = active or self.wb.sheetnames[0]
        self.selection = selection
        self.alerts: list[tuple[str, bool]] = []
        self.statuses: list[str | None] = []
        self.opened: list[str] = []
        self.markers: dict[str, str] = {}
        self.links: list[str] = []
        self.broken: list[str] = []

    # --- reading
    def caller_book(self):
        return self

    def book_info(self, book):
        tables = [(t, ws.title) for ws in self.wb.worksheets for t in ws.tables]
        region = None
        if self.selection:
            ws = self.wb[self.active]
            cell = ws[self.selection]
            r0, c0, r1, c1 = current_region(ws, cell.row, cell.column)
            if (r1 - r0 + 1) * (c1 - c0 + 1) > 1:
                region = Region(self.active, r0, c0, r1 - r0 + 1, c1 - c0 + 1)
        return BookInfo(self.name, str(self.path) if self.path else None, list(self.wb.sheetnames), tables,
                        self.active, region)

    def _rect(self, ws, r0, c0, r1, c1) -> list[list]:
        return [[ws.cell(r, c).value for c in range(c0, c1 + 1)] for r in range(r0, r1 + 1)]

    def read_sheet(self, book, sheet):
        ws = self.wb[sheet]
        return Block(self._rect(ws, 1, 1, ws.max_row, ws.max_column), 1, 1)

    def read_table(self, book, table, sheet):
        ws = self.wb[sheet]
        from openpyxl.utils.cell import range_boundaries

        c0, r0, c1, r1 = range_boundaries(ws.tables[table].ref)
        return Block(self._rect(ws, r0, c0, r1, c1), r0, c0)

    def read_region(self, book, sheet, first_row, first_col, n_rows, n_cols):
        ws = self.wb[sheet]
        return Block(self._rect(ws, first_row, first_col, first_row + n_rows - 1, first_col + n_cols - 1),
                     first_row, first_col)

    # --- writing (in memory only)
    def add_sheet(self, book, name, rows):
        ws = self.wb.create_sheet(name)
        for r in rows:
            ws.append(r)

    def append_rows(self, book, sheet, rows, start_row):
        ws = self.wb[sheet]
        for i, r in enumerate(rows):
            for j, v in enumerate(r):
                ws.cell(start_row + i, j + 1, v)

    def status(self, book, text):
        self.statuses.append(text)

    def alert(self, book, text, title, error=False):
        self.alerts.append((text, error))

    def open_workbook(self, book, path):
        assert Path(path).is_file()
        self.opened.append(path)

    def copy_sheets(self, book, src_path, pairs, after):
        src = openpyxl.load_workbook(src_path)
        pos = self.wb.sheetnames.index(after) + 1 if after else len(self.wb.sheetnames)
        created = []
        for src_name, new_name in pairs:
            assert new_name not in self.wb.sheetnames and len(new_name) <= 31
            ws = self.wb.create_sheet(new_name, pos)
            pos += 1
            for row in src[src_name].iter_rows(values_only=True):
                ws.append(list(row))
            created.append(new_name)
        self.links.append(src_path)  # Excel leaves a link to the source file behind cross-sheet references
        return created

    def delete_sheets(self, book, names):
        for n in names:
            del self.wb[n]
            self.markers.pop(n, None)

    def result_sheets(self, book):
        return dict(self.markers)

    def mark_result_sheet(self, book, sheet, scenario_id):
        self.markers[sheet] = scenario_id

    def link_sources(self, book):
        return list(self.links)

    def break_link(self, book, link):
        self.links.remove(link)
        self.broken.append(link)

    def activate(self, book, sheet):
        self.active = sheet


def current_region(ws, row: int, col: int) -> tuple[int, int, int, int]:
    """Excel's CurrentRegion: grow the rectangle while a neighbouring row/column has a non-empty cell."""
    def filled(r, c):  # ws._cells: reading ws.cell() would create the cell and grow the sheet
        cell = ws._cells.get((r, c))
        return cell is not None and cell.value not in (None, "")

    r0 = r1 = row
    c0 = c1 = col
    grown = True
    while grown:
        grown = False
        if any(filled(r0 - 1, c) for c in range(c0 - 1, c1 + 2)):
            r0 -= 1
            grown = True
        if any(filled(r1 + 1, c) for c in range(c0 - 1, c1 + 2)):
            r1 += 1
            grown = True
        if any(filled(r, c0 - 1) for r in range(r0 - 1, r1 + 2)):
            c0 -= 1
            grown = True
        if any(filled(r, c1 + 1) for r in range(r0 - 1, r1 + 2)):
            c1 += 1
            grown = True
    return r0, c0, r1, c1


# ============================================================================ input workbooks
@pytest.fixture(scope="module")
def deposits() -> pd.DataFrame:
    return make_sample_bank(customers=40, seed=7, as_of="2026-11-30")["time_deposits"]


def zh_header(col_id: str) -> str:
    c = get_table("time_deposits").column(col_id)
    return f"{c.zh}(元)" if col_id == "balance" else c.zh


def _cellv(v):
    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and pd.isna(v)):
        return None
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if isinstance(v, bool):
        return "是" if v else "否"
    return v


def write_export(path: Path, df: pd.DataFrame, *, sheet="导出", title=True, drop=(), bad_id_row=None,
                 table_name=None) -> Path:
    """An export as a bank's data platform gives it: title row, blank row, header in row 3, an unrelated
    block to the right is NOT adjacent; plus an unrelated 备注 sheet."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    cols = [c for c in df.columns if c not in drop]
    top = 1
    if title:
        ws.cell(1, 1, "定期存款明细表 数据日期 2026-11-30")
        top = 3
    for j, c in enumerate(cols, start=1):
        ws.cell(top, j, zh_header(c))
    for i, row in enumerate(df[cols].itertuples(index=False), start=top + 1):
        for j, v in enumerate(row, start=1):
            ws.cell(i, j, _cellv(v))
    if bad_id_row is not None:
        j = cols.index("id_no") + 1
        ws.cell(top + 1 + bad_id_row, j, "340524198001010010")  # check digit wrong (valid is ...001X)
    if table_name:
        ref = f"A{top}:{openpyxl.utils.get_column_letter(len(cols))}{top + len(df)}"
        ws.add_table(XLTable(displayName=table_name, ref=ref))
    other = wb.create_sheet("备注")
    other["A1"] = "本文件由数据平台导出"
    wb.save(path)
    return path


def sheet_values(wb, name) -> list[tuple]:
    return list(wb[name].iter_rows(values_only=True))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ============================================================================ finding inputs
def test_plan_inputs_by_sheet_table_and_region():
    spec = get_scenario("deposit.maturity")
    info = BookInfo("a.xlsx", None, ["说明", "定期存款明细", "Customers"], [], "说明")
    src = ribbon.plan_inputs(info, spec)
    assert [(s.kind, s.sheet, s.table_id) for s in src] == [("sheet", "定期存款明细", "time_deposits"),
                                                          ("sheet", "Customers", "customers")]
    # an Excel table named by an alias wins over sheets; its sheet is not used twice
    info = BookInfo("a.xlsx", None, ["Sheet1", "机构"], [("time_deposits", "Sheet1")], "Sheet1")
    src = ribbon.plan_inputs(info, spec)
    assert [(s.kind, s.sheet, s.table) for s in src] == [("table", "Sheet1", "time_deposits"),
                                                       ("sheet", "机构", None)]
    # nothing named: the current region of the active sheet (bankxl's own sheets never)
    info = BookInfo("a.xlsx", None, ["导出", "备注", "参数"], [], "导出", Region("导出", 3, 1, 50, 16))
    src = ribbon.plan_inputs(info, spec)
    assert [(s.kind, s.sheet) for s in src] == [("region", "导出")]
    # no region: every other data sheet (the loader matches headers)
    info = BookInfo("a.xlsx", None, ["导出", "备注", "参数"], [], "参数", None)
    assert [(s.kind, s.sheet) for s in ribbon.plan_inputs(info, spec)] == [("sheet", "导出"), ("sheet", "备注")]


def test_current_region_fake_matches_excel_rule(tmp_path, deposits):
    p = write_export(tmp_path / "x.xlsx", deposits.head(5))
    fb = FileBridge(p, "导出", "C6")
    r = fb.book_info(fb).region
    # title row 1 is separated by blank row 2: the region is header row 3 + 5 data rows, one column per spec column
    assert (r.first_row, r.first_col, r.n_rows, r.n_cols) == (3, 1, 6, len(deposits.columns))


# ============================================================================ a D2 click end to end
def test_d2_click_writes_report_next_to_file_and_never_touches_input(tmp_path, deposits):
    p = write_export(tmp_path / "网点存款.xlsx", deposits, bad_id_row=2)
    before_bytes = digest(p)
    fb = FileBridge(p, "导出", "B7")
    before = sheet_values(fb.wb, "导出")
    res = ribbon.on_action("deposit.maturity", bridge=fb)
    assert res.ok, res.message
    assert res.report_path == tmp_path / "存款到期视图_2026-11-30.xlsx"
    assert fb.opened == [str(res.report_path)]
    # input untouched: file bytes and the sheet's values in the (in-memory) workbook
    assert digest(p) == before_bytes
    assert sheet_values(fb.wb, "导出") == before
    assert fb.wb.sheetnames == ["导出", "备注", "参数"]
    # the 参数 sheet: header, 通用 rows, ribbon rows, the D2 block with defaults
    prm = pd.DataFrame(sheet_values(fb.wb, "参数")[1:], columns=sheet_values(fb.wb, "参数")[0])
    assert list(prm.columns) == ["场景", "参数", "名称", "取值", "单位", "说明"]
    assert {"as_of", "scale", "mask", "insert_sheets", "replace_sheets"} <= set(prm.loc[prm["场景"] == "通用", "参数"])
    d2 = prm[prm["场景"] == "deposit.maturity"].set_index("参数")
    assert d2.loc["customers_per_staff_day", "取值"] == 20  # a number cell, not text
    assert d2.loc["large_customer", "取值"] == 500000
    # the report: sheets, the data problem at the row the user sees, the user's file named as source
    wb = openpyxl.load_workbook(res.report_path)
    assert {"到期结构", "数据问题", "说明"} <= set(wb.sheetnames)
    probs = pd.DataFrame(sheet_values(wb, "数据问题"))
    hit = probs[probs.apply(lambda r: {"ID_CHECKSUM", "导出"} <= {str(x) for x in r.values}, axis=1)]
    assert len(hit) == 1  # the detail row (the summary row has no sheet)
    row = [x for x in hit.iloc[0].tolist()]
    assert "导出" in row and 6 in row  # header row 3, data row index 2 -> Excel row 6
    notes = [v for r in sheet_values(wb, "说明") for v in r if isinstance(v, str)]
    assert str(p) in notes and not any("bankxl_" in v for v in notes)
    # a data problem is announced in a message box (not an error)
    assert len(fb.alerts) == 1 and not fb.alerts[0][1] and "1 个数据问题" in fb.alerts[0][0]
    assert fb.statuses[-1] is None and any("读取数据" in (s or "") for s in fb.statuses)

    # second click: a new file with (2), nothing overwritten; an edited parameter is used
    prm_ws = fb.wb["参数"]
    for r in range(2, prm_ws.max_row + 1):
        if prm_ws.cell(r, 1).value == "deposit.maturity" and prm_ws.cell(r, 2).value == "customers_per_staff_day":
            prm_ws.cell(r, 4, 10)
    res2 = ribbon.on_action("deposit.maturity", bridge=fb)
    assert res2.report_path == tmp_path / "存款到期视图_2026-11-30 (2).xlsx"
    assert res.report_path.is_file()
    wb2 = openpyxl.load_workbook(res2.report_path)
    params = [r for r in sheet_values(wb2, "说明") if r and "customers_per_staff_day" in r]
    assert params and "10" in [str(x) for x in params[0]]
    assert len([s for s in fb.wb.sheetnames if s == "参数"]) == 1


def test_d2_by_excel_table_name_without_title(tmp_path, deposits):
    p = write_export(tmp_path / "t.xlsx", deposits.head(10), sheet="Sheet1", title=False, table_name="定期存款明细")
    fb = FileBridge(p, "备注", None)  # the table is found by its name, whatever is active
    res = ribbon.on_action("deposit.maturity", bridge=fb)
    assert res.ok, res.message
    wb = openpyxl.load_workbook(res.report_path)
    inputs = [r for r in sheet_values(wb, "说明") if r and r[0] and str(r[0]).startswith("定期存款明细")]
    assert inputs and inputs[0][2] == "Sheet1" and inputs[0][4] == 10


def test_missing_column_error_names_sheet_and_column(tmp_path, deposits):
    # without 起息日 too: 到期日 alone is derived from 起息日 + 期限 (test_safety_followups)
    p = write_export(tmp_path / "m.xlsx", deposits.head(5), drop=("maturity_date", "value_date"))
    fb = FileBridge(p, "导出", "A4")
    res = ribbon.on_action("deposit.maturity", bridge=fb)
    assert not res.ok and res.report_path is None
    text, is_error = fb.alerts[-1]
    assert is_error
    assert "存款到期视图" in text and "导出" in text and "到期日" in text and "maturity_date" in text
    assert "Traceback" not in text
    assert not list(tmp_path.glob("存款到期视图*.xlsx"))


def test_unsaved_workbook_reports_to_temp_folder(tmp_path, deposits, monkeypatch):
    monkeypatch.setattr(ribbon.tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    src = write_export(tmp_path / "src.xlsx", deposits.head(8))
    fb = FileBridge(None, "导出", "A5", wb=openpyxl.load_workbook(src), name="工作簿1")
    res = ribbon.on_action("deposit.maturity", bridge=fb)
    assert res.ok, res.message
    assert res.report_path.parent == tmp_path / "tmp" / "bankxl"


def test_as_of_from_param_sheet_when_data_has_none(tmp_path, deposits):
    p = write_export(tmp_path / "n.xlsx", deposits.head(8), drop=("as_of",))
    fb = FileBridge(p, "导出", "A5")
    res = ribbon.on_action("deposit.maturity", bridge=fb)
    assert not res.ok and "数据日期" in fb.alerts[-1][0] and "参数" in fb.alerts[-1][0]
    ws = fb.wb["参数"]  # created on the failed click; the user fills 数据日期 and clicks again
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, 2).value == "as_of":
            ws.cell(r, 4, dt.datetime(2026, 10, 31))
    res = ribbon.on_action("deposit.maturity", bridge=fb)
    assert res.ok and res.report_path.name == "存款到期视图_2026-10-31.xlsx"


# ============================================================================ 插入到当前工作簿
def _set_common(fb: FileBridge, key: str, value: str) -> None:
    ws = fb.wb["参数"]
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, 1).value == "通用" and ws.cell(r, 2).value == key:
            ws.cell(r, 4, value)
            return
    raise AssertionError(key)


def test_insert_sheets_into_current_workbook(tmp_path, deposits):
    p = write_export(tmp_path / "i.xlsx", deposits.head(20))
    fb = FileBridge(p, "导出", "A5")
    ribbon.on_action("tools.params", bridge=fb)
    fb.active = "导出"
    _set_common(fb, "insert_sheets", "是")
    res = ribbon.on_action("deposit.maturity", bridge=fb)
    assert res.ok, res.message
    assert res.report_path is None and fb.opened == []
    spec_sheets = ["到期结构", "到期日历", "数据问题", "说明"]
    for s in spec_sheets:
        assert f"D2 {s}" in res.inserted
    assert "D2 到期透视" not in fb.wb.sheetnames  # native pivots stay in report files
    # inserted right after the active sheet, in report order; links to the temp file broken
    names = fb.wb.sheetnames
    assert names[names.index("导出") + 1] == res.inserted[0]
    assert fb.links == [] and len(fb.broken) == 1 and not Path(fb.broken[0]).exists()
    assert all(fb.markers[s] == "deposit.maturity" for s in res.inserted)
    assert fb.active == res.inserted[0]
    # again without replace: unique names with (2)
    fb.active = "导出"
    res2 = ribbon.on_action("deposit.maturity", bridge=fb)
    assert "D2 到期结构(2)" in res2.inserted and "D2 到期结构" in fb.wb.sheetnames
    # with replace: bankxl's earlier D2 sheets go, the base names come back
    _set_common(fb, "replace_sheets", "是")
    fb.active = "导出"
    res3 = ribbon.on_action("deposit.maturity", bridge=fb)
    assert "D2 到期结构" in res3.inserted
    assert not [s for s in fb.wb.sheetnames if s.endswith("(2)")]
    assert sorted(s for s in fb.wb.sheetnames if s.startswith("D2 ")) == sorted(res3.inserted)
    assert fb.wb.sheetnames[:2] == ["导出", res3.inserted[0]] and "备注" in fb.wb.sheetnames


def _report(code="D2", names=("到期结构", "到期透视", "说明")) -> Report:
    sheets = []
    for n in names:
        blocks = [PivotBlock(spec=None, source="x")] if "透视" in n else [Note(lines=["x"])]
        sheets.append(Sheet(n, blocks))
    return Report(title="t", sheets=sheets, code=code)


def test_plan_insert_names_dedupe_and_replace():
    rep = _report(names=("到期结构", "到期透视", "一个非常非常非常非常非常非常长的工作表名称用来测试截断截断", "说明"))
    plan = ribbon.plan_insert(rep, ["导出", "d2 到期结构", "D2 说明", "备注"], {}, "deposit.maturity", "导出", False)
    new = [n for _, n in plan.pairs]
    assert new[0] == "D2 到期结构(2)"  # Excel compares sheet names case-insensitively
    assert new[2] == "D2 说明(2)"
    assert len(new[1]) == 31 and new[1].startswith("D2 一个")
    assert plan.skipped == ["到期透视"] and plan.delete == [] and plan.after == "导出"
    # replace: only sheets this scenario inserted are deleted; the user's own "D2 说明" without a marker stays
    markers = {"d2 到期结构": "deposit.maturity", "其他": "deposit.targets"}
    plan = ribbon.plan_insert(rep, ["d2 到期结构", "D2 说明", "其他"], markers, "deposit.maturity", "d2 到期结构", True)
    assert plan.delete == ["d2 到期结构"]
    assert [n for _, n in plan.pairs][0] == "D2 到期结构"
    assert plan.after == "其他"  # the active sheet was deleted: after the last remaining sheet


def test_insert_fails_loudly_when_a_link_cannot_be_broken(tmp_path):
    class Stubborn(FileBridge):
        def break_link(self, book, link):
            pass

    wb = openpyxl.Workbook()
    wb.active.title = "数据"
    fb = Stubborn(None, "数据", None, wb=wb)
    rep = _report(names=("到期结构",))
    from bankxl.report.xlsx import write_report

    path = write_report(rep, tmp_path / "r.xlsx")
    with pytest.raises(Exception, match="外部链接"):
        ribbon.insert_report_sheets(fb, fb, fb.book_info(fb), rep, path, "deposit.maturity")


# ============================================================================ tools, errors, buttons
def test_tool_params_creates_every_block_and_keeps_user_values(tmp_path, deposits):
    p = write_export(tmp_path / "p.xlsx", deposits.head(3))
    fb = FileBridge(p, "导出", None)
    ribbon.on_action("tools.params", bridge=fb)
    rows = sheet_values(fb.wb, "参数")
    scen = {r[0] for r in rows[1:]}
    assert set(registry()) | {"通用"} == scen
    assert fb.active == "参数"
    fb.wb["参数"].cell(2, 4, "2026-11-30")
    n = len(rows)
    ribbon.on_action("tools.params", bridge=fb)  # nothing missing: nothing appended, nothing overwritten
    assert len(sheet_values(fb.wb, "参数")) == n and fb.wb["参数"].cell(2, 4).value == "2026-11-30"


def test_tool_check_lists_problems_with_excel_rows(tmp_path, deposits):
    p = write_export(tmp_path / "c.xlsx", deposits.head(6), bad_id_row=1)
    fb = FileBridge(p, "导出", "D5")
    res = ribbon.on_action("tools.check", bridge=fb)
    assert res.ok and res.report_path is not None
    wb = openpyxl.load_workbook(res.report_path)
    flat = [v for r in sheet_values(wb, "数据问题") for v in r]
    assert "ID_CHECKSUM" in flat and 5 in flat and "导出" in flat
    assert "定期存款明细" in fb.alerts[-1][0] and "1 个数据问题" in fb.alerts[-1][0]
    assert digest(p) == digest(p)  # unchanged file read twice
    # a clean table: a message, no file
    p2 = write_export(tmp_path / "c2.xlsx", deposits.head(6))
    fb2 = FileBridge(p2, "导出", "D5")
    res2 = ribbon.on_action("tools.check", bridge=fb2)
    assert res2.report_path is None and "未发现数据问题" in fb2.alerts[-1][0]


def test_tool_check_unknown_table_says_what_to_do(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "杂项"
    wb.active.append(["甲", "乙"])
    wb.active.append([1, 2])
    fb = FileBridge(None, "杂项", "A1", wb=wb)
    res = ribbon.on_action("tools.check", bridge=fb)
    assert not res.ok and "杂项" in res.message and "必填列" in res.message


def test_tool_help_lists_scenarios_and_formulas():
    fb = FileBridge(None, None, None, wb=openpyxl.Workbook())
    res = ribbon.on_action("tools.help", bridge=fb)
    for s in registry().values():
        assert s.title in res.message
    assert "BANKXL_ID_VALID" in res.message and "BANKXL_RUN" in res.message


def test_unknown_control_and_internal_error_become_chinese_messages(tmp_path, monkeypatch):
    fb = FileBridge(None, None, None, wb=openpyxl.Workbook())
    res = ribbon.on_action("no.such.scenario", bridge=fb)
    assert not res.ok and "未知场景" in fb.alerts[-1][0] and fb.alerts[-1][1]
    monkeypatch.setattr(ribbon.tempfile, "tempdir", str(tmp_path))

    def boom(*a, **k):
        raise ZeroDivisionError("x")

    monkeypatch.setattr(ribbon, "run_button", boom)
    res = ribbon.on_action("deposit.maturity", bridge=fb)
    assert "内部错误" in res.message and "ZeroDivisionError" in res.message and "bankxl.log" in res.message
    assert "Traceback" in (tmp_path / "bankxl" / "bankxl.log").read_text(encoding="utf-8")


def test_error_text_for_validation_error():
    e = DataValidationError("缺少必填列", "missing", sheet="导出", column="balance", column_zh="余额", excel_row=3)
    t = ribbon.error_text(e, "deposit.maturity")
    assert t.startswith("「存款到期视图」未能完成。") and "工作表「导出」" in t and "余额(balance)" in t and "第 3 行" in t


@pytest.mark.parametrize("sid", list(registry()))
def test_one_button_per_scenario(sid):
    spec = get_scenario(sid)
    b = [x for x in ribbon.buttons() if x["id"] == sid]
    assert len(b) == 1
    assert b[0]["label"] == spec.title and b[0]["group"] == spec.group and b[0]["screentip"]
    assert ribbon.callbacks()[sid] is ribbon.run_button


def test_tool_buttons_and_callbacks():
    tools = [b for b in ribbon.buttons() if b["group"] == "工具"]
    assert [b["label"] for b in tools] == ["生成示例数据", "参数表", "数据检查", "帮助"]
    for b in tools:
        assert callable(ribbon.callbacks()[b["id"]])


def test_snapshot_keeps_types_and_addresses(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    ws["C5"] = "=SUM(1,2)"  # text from data that looks like a formula
    ws["D5"] = 340524198001010010  # an 18-digit ID typed as a number
    ws["E5"] = dt.datetime(2026, 1, 2)
    ws["F5"] = True
    fb = FileBridge(None, "S", None, wb=wb)
    fb.wb["S"]["C5"].data_type = "s"
    out = ribbon.write_snapshot(fb, fb, [ribbon.Source("sheet", "S")], tmp_path / "snap.xlsx")
    back = openpyxl.load_workbook(out)["S"]
    assert back["C5"].value == "=SUM(1,2)" and back["C5"].data_type == "s"
    assert isinstance(back["D5"].value, (int, float)) and back["E5"].value == dt.datetime(2026, 1, 2)
    assert back["F5"].value is True and back["A1"].value is None


def test_excel_bridge_module_has_every_bridge_function():
    from bankxl.xl import excel

    needed = ["caller_book", "book_info", "read_sheet", "read_table", "read_region", "add_sheet", "append_rows",
              "status", "alert", "open_workbook", "copy_sheets", "delete_sheets", "result_sheets",
              "mark_result_sheet", "link_sources", "break_link", "activate"]
    for n in needed:
        assert callable(getattr(excel, n)), n
        assert hasattr(FileBridge, n), n
    # xlwings' live-Excel API is confined to bankxl.xl.excel
    root = Path(ribbon.__file__).resolve().parents[1]
    users = [p.relative_to(root).as_posix() for p in root.rglob("*.py")
             if "import xlwings" in p.read_text(encoding="utf-8") and p.name not in ("udfs.py", "addin_cli.py")
             and "build" not in p.parts]
    assert users == ["xl/excel.py"]


# ============================================================================ identify_table (bankxl.io)
def test_io_identify_table_scores_and_missing_columns():
    """Hand-made blocks: a title row, then a header with all 5 required 定期存款明细 columns (+ 币种 and a unit
    in 余额(万元)); a 机构日余额-like header lacking 日期; a name beats the headers."""
    from bankxl import io as bio

    rows = [["定期存款到期清单", None, None, None, None, None],
            ["账号", "客户号", "机构号", "到期日", "余额(万元)", "币种"],
            ["6222001", "C1", "101", "2026-12-01", 1.5, "CNY"]]
    got = bio.identify_table(rows)
    first = got[0]
    assert (first.table_id, first.by, first.header_row, first.missing) == ("time_deposits", "header", 1, ())
    assert set(first.matched) == {"acct_no", "cust_id", "org_id", "maturity_date", "balance", "ccy"}
    by_id = {m.table_id: m for m in got}
    # 机构日余额 needs 日期, 机构号, 余额: two found, 日期 missing; listed after every complete match
    assert by_id["org_daily_balances"].missing == ("date",)
    assert set(by_id["org_daily_balances"].matched) == {"org_id", "balance"}
    complete = [m.complete for m in got]
    assert complete == sorted(complete, reverse=True)
    # the same cells as a DataFrame / array give the same answer
    assert bio.identify_table(pd.DataFrame(rows, dtype=object)) == got
    # a canonical name goes first whatever the header; unknown cells -> []
    named = bio.identify_table(rows, names=(None, "员工工资"))
    assert (named[0].table_id, named[0].by) == ("payroll", "name")
    assert named[0].missing == ("month", "emp_id", "gross", "net")
    assert bio.identify_table([["甲", "乙"], [1, 2]]) == [] and bio.identify_table([]) == []


def test_ribbon_identify_table_uses_io():
    info = BookInfo(name="x.xlsx", path=None, sheets=["导出"])
    hdr = ["账号", "客户号", "机构号", "到期日", "余额"]
    assert ribbon.identify_table(info, Block([hdr, ["1", "C", "101", AS_OF, 1.0]]), "导出") == "time_deposits"
    # without 余额 the block is still a complete 客户 (only 客户号 required) — 4 columns of 定期存款明细 match
    # but one required is missing, so the complete table wins
    assert ribbon.identify_table(info, Block([hdr[:4], ["1", "C", "101", AS_OF]]), "导出") == "customers"
    # no table complete and no canonical name: not identified
    assert ribbon.identify_table(info, Block([["账号", "到期日", "余额"], ["1", AS_OF, 1.0]]), "导出") is None
    # the Excel table's name decides
    assert ribbon.identify_table(info, Block([hdr[:4]]), "导出", "T_pay") == "payroll"


def test_param_sheet_settings_reach_the_run(tmp_path, deposits):
    """The ribbon merges the 参数 sheet's 通用 rows with runner.merge_settings: 金额单位 元 and 脱敏 否 are used,
    数据日期 left blank comes from the data (2026-11-30)."""
    p = write_export(tmp_path / "s.xlsx", deposits.head(8))
    fb = FileBridge(p, "导出", "A5")
    assert ribbon.on_action("deposit.maturity", bridge=fb).ok  # creates the 参数 sheet with defaults
    _set_common(fb, "scale", "元")
    _set_common(fb, "mask", "否")
    res = ribbon.on_action("deposit.maturity", bridge=fb)
    assert res.ok, res.message
    about = {r[0]: r[1] for r in sheet_values(openpyxl.load_workbook(res.report_path), "说明") if r and r[0]}
    assert about["数据日期 as-of"] == "2026-11-30"
    assert str(about["金额单位"]).startswith("元(") and about["个人信息脱敏"] == "否"


# ============================================================================ issue 15 item 4: no calling workbook
def test_caller_book_failure_is_a_chinese_message_box_not_a_traceback():
    """xw.Book.caller() fails (no workbook, Excel busy): on_action returns, the user sees bankxl's message."""

    class NoBook(FileBridge):
        def caller_book(self):
            raise AttributeError("'NoneType' object has no attribute 'Name'")  # what COM gives without a workbook

        def status(self, book, text):
            assert book is not None, "status() called without a workbook"
            super().status(book, text)

    fb = NoBook(None, None, None, wb=openpyxl.Workbook())
    res = ribbon.on_action("tools.sample", bridge=fb)
    assert not res.ok
    text, error = fb.alerts[-1]
    assert error and text.startswith("「生成示例数据」未能完成。")
    assert "未能连接到当前 Excel 工作簿" in text and "Could not reach the calling Excel workbook" in text
    assert "Traceback" not in text and fb.statuses == []


# ============================================================================ issue 15 item 7: numbers typed as numbers
def test_phone_and_id_typed_as_numbers_reach_the_loader_as_excel_holds_them(tmp_path):
    """A phone and an 18-digit ID stored as numbers (as xlwings reads them: floats) go through the snapshot
    unchanged: the phone becomes its digits (masked 138****5678), the ID is ID_CORRUPT at its Excel row."""
    from bankxl import io as bio
    from bankxl import masking
    from bankxl.errors import ProblemLog

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户"
    ws.append(["客户号", "客户名称", "证件号码", "手机号"])
    ws.append(["C001", "张三", 340524198001010010.0, 13812345678.0])
    ws.append(["C002", "李四", "11010519491231002X", "13912345678"])
    fb = FileBridge(None, "客户", None, wb=wb)
    snap = ribbon.write_snapshot(fb, fb, [ribbon.Source("sheet", "客户")], tmp_path / "snap.xlsx")
    problems = ProblemLog()
    lt = bio.read_tables([snap], wanted=["customers"], problems=problems, mask=False)["customers"]
    df = lt.df
    assert df["phone"].tolist() == ["13812345678", "13912345678"]
    assert masking.mask_phone(df["phone"]).tolist() == ["138****5678", "139****5678"]
    corrupt = problems.to_frame()
    corrupt = corrupt[corrupt["问题码"] == "ID_CORRUPT"]
    assert len(corrupt) == 1 and int(corrupt["Excel 行号"].iloc[0]) == 2


def test_report_file_name_is_windows_safe_for_every_scenario():
    """The ribbon saves ``<title>_<数据日期>.xlsx``; C8's title has a colon (征信数据: 他行客户挖掘), which Windows
    refuses in a file name."""
    from bankxl.report import Report
    from bankxl.scenario import get_scenario, registry
    from bankxl.xl.ribbon import report_filename

    rep = Report("x")
    rep.meta["as_of"] = pd.Timestamp("2026-11-30")
    assert report_filename(rep, get_scenario("C8")) == "征信数据_他行客户挖掘_2026-11-30.xlsx"
    for spec in registry().values():
        name = report_filename(rep, spec)
        assert not set(name) & set('\\/:*?"<>|'), name
        assert name.endswith("_2026-11-30.xlsx"), name

