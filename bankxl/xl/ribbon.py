"""Ribbon macros of the bankxl add-in: ``on_action(control_id)`` and everything it does apart from Excel.

The add-in's only VBA callback (``addin/src/BankXL.bas``) runs, through xlwings ``RunPython``::

    import bankxl.xl.ribbon as r; r.on_action('<button id>')

A button id is a scenario id (``deposit.maturity``; one button per registered scenario), a tool id
(:data:`TOOLS`: 生成示例数据, 参数表, 数据检查, 帮助) or :data:`RUN_ALL_ID` (全部运行, group 综合管理:
:func:`run_all_button`). A scenario click:

1. reads the 参数 sheet of the calling workbook (creates it with defaults on first use; appends the
   scenario's block when missing) -> parameter overrides + 通用 settings (数据日期, 金额单位, 脱敏,
   插入到当前工作簿, 替换旧结果);
2. finds the input tables (:func:`plan_inputs`): Excel tables (ListObjects) or sheets named by a
   canonical table's id / 中文名 / alias; else the current region around the active cell; else the other
   data sheets (the loader then matches headers);
3. copies exactly those cells, at their own addresses and under their own sheet / table names, into a
   snapshot workbook in a temporary folder (:func:`write_snapshot`) and runs the scenario on it through
   the same runner as the CLI (:func:`bankxl.runner.run_scenario`) — so sheet names and Excel row numbers
   in 数据问题 and in error messages are the ones the user sees, and her workbook is only ever read;
4. writes the report next to her file (``<title>_<数据日期>.xlsx``, `` (2)`` … on later clicks; the temp
   folder when the workbook is unsaved or not on a local disk) and opens it; or, with 插入到当前工作簿,
   writes it to a temporary file and copies its self-contained sheets (no native PivotTables) after the
   active sheet, with unique names, marks them as bankxl results (so 替换旧结果 can remove them next
   time), then breaks any external link left to the temporary file (LinkSources must end empty);
5. shows progress in the status bar and any error in a Chinese message box naming sheet, column and row.

All Excel access goes through a *bridge* (default :mod:`bankxl.xl.excel`, the only module calling xlwings'
live-Excel API); tests pass a bridge over real workbook files, so everything here runs on Linux.

Bridge functions (each takes the book object first, except ``caller_book``): ``caller_book()``,
``book_info(book) -> BookInfo``, ``read_sheet(book, sheet) -> Block``, ``read_table(book, table, sheet) ->
Block``, ``read_region(book, sheet, first_row, first_col, n_rows, n_cols) -> Block``,
``add_sheet(book, name, rows)``, ``append_rows(book, sheet, rows, start_row)``, ``status(book, text|None)``,
``alert(book, text, title, error)``, ``open_workbook(book, path)``,
``copy_sheets(book, src_path, pairs, after) -> list[str]``, ``delete_sheets(book, names)``,
``result_sheets(book) -> {sheet: scenario id}``, ``mark_result_sheet(book, sheet, scenario_id)``,
``link_sources(book) -> list[str]``, ``break_link(book, link)``, ``activate(book, sheet)``.
"""
from __future__ import annotations

import datetime as _dt
import importlib
import logging
import math
import re
import tempfile
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..coerce import header_key
from ..errors import BankxlError, DataValidationError, ProblemLog
from ..paramsheet import RIBBON_COMMON, default_param_rows
from ..report.model import Note, PivotBlock, Report, Sheet, Table
from ..report.xlsx import safe_filename, safe_sheet_name, unique_path, write_report
from ..scenario import Scenario, get_scenario, registry
from ..tables import get_table

log = logging.getLogger(__name__)

PARAM_SHEET = "参数"
OWN_SHEETS = frozenset({"参数", "说明", "数据问题", "节假日"})
TITLE = "bankxl 银行数据应用"
#: tool buttons (group 工具): control id -> (label, screentip)
TOOLS: dict[str, tuple[str, str]] = {
    "tools.sample": ("生成示例数据", "生成一套示例银行数据工作簿(定期存款、存款目标、员工工资), 可直接试用各场景"),
    "tools.params": ("参数表", "在当前工作簿创建或补全「参数」工作表: 每个场景一块参数, 带默认值与中文说明"),
    "tools.check": ("数据检查", "检查当前选中的表: 识别是哪张标准表, 列出证件号、日期、金额等数据问题及其 Excel 行号"),
    "tools.help": ("帮助", "使用说明: 数据怎么放、参数怎么改、公式有哪些"),
}
MAX_REPORT_FOLDER = "bankxl"
#: the 全部运行 button (group 综合管理): every scenario the workbook's tables allow, 客户画像, 营销任务清单
RUN_ALL_ID = "crossview.run_all"
RUN_ALL_LABEL = ("全部运行", "运行当前工作簿的数据能运行的全部场景, 生成各场景报告、客户画像和营销任务清单,"
                              " 保存在本文件旁的新文件夹中")


# ======================================================================================= data shapes
@dataclass
class Block:
    """Cell values of one rectangle: ``values[0][0]`` is the cell at (``first_row``, ``first_col``), 1-based
    Excel coordinates. Values as xlwings delivers them: str, float, int, bool, datetime, None."""

    values: list[list]
    first_row: int = 1
    first_col: int = 1


@dataclass
class Region:
    """The current region around the active cell (Excel coordinates, 1-based)."""

    sheet: str
    first_row: int
    first_col: int
    n_rows: int
    n_cols: int


@dataclass
class BookInfo:
    """What the ribbon needs to know about the calling workbook before reading any data.

    ``path``: full path when saved on a local/UNC disk, else None (unsaved ``Book1``, or a OneDrive URL).
    ``tables``: (ListObject name, sheet name) pairs; ``region``: current region of the active cell.
    """

    name: str
    path: str | None
    sheets: list[str]
    tables: list[tuple[str, str]] = field(default_factory=list)
    active_sheet: str | None = None
    region: Region | None = None


@dataclass
class Source:
    """One place an input is read from: ``kind`` 'table' | 'sheet' | 'region'."""

    kind: str
    sheet: str
    table: str | None = None
    region: Region | None = None
    table_id: str | None = None  # canonical table it was matched to by name (None: by header)


@dataclass
class ActionResult:
    """What a click did (returned for tests and scripting; RunPython ignores it)."""

    control_id: str
    ok: bool
    message: str = ""
    report_path: Path | None = None
    inserted: list[str] = field(default_factory=list)
    problems: ProblemLog | None = None


# ======================================================================================= entry point
def _default_bridge():
    return importlib.import_module("bankxl.xl.excel")


def on_action(control_id: str, *, bridge: Any = None, book: Any = None) -> ActionResult:
    """Handle one ribbon click (called from VBA via RunPython). Never raises: errors go to a message box.

    Finding the calling workbook (``bridge.caller_book()``, xlwings ``Book.caller()``) is inside the same
    guard: when it fails the user gets bankxl's Chinese message box (``bridge.alert(None, …)``), not a
    traceback. (The VBA dispatcher opens a new workbook first when no workbook is open, issue 15 item 4.)"""
    bridge = bridge or _default_bridge()
    try:
        if book is None:
            book = _caller_book(bridge)
        if control_id in TOOLS:
            return _TOOL_ACTIONS[control_id](bridge, book)
        if control_id == RUN_ALL_ID:
            return run_all_button(bridge, book)
        spec = get_scenario(control_id)
        return run_button(spec, bridge, book)
    except Exception as e:  # noqa: BLE001 - last resort: one Chinese message, never a Python traceback
        text = error_text(e, control_id)
        log.error("bankxl ribbon %s failed: %s", control_id, traceback.format_exc())
        if not isinstance(e, (BankxlError, KeyError)):
            text += f"\n\n详细信息已写入日志: {_write_log(control_id)}"
        try:
            bridge.alert(book, text, TITLE, True)
        except Exception:
            log.exception("alert failed")
        return ActionResult(control_id, False, text)
    finally:
        if book is not None:
            try:
                bridge.status(book, None)
            except Exception:
                log.debug("status reset failed", exc_info=True)


def _caller_book(bridge: Any) -> Any:
    """The workbook the click came from; a failure (no workbook, Excel busy in a cell edit or a dialog,
    Protected View) becomes a :class:`~bankxl.errors.BankxlError` saying what to do."""
    try:
        return bridge.caller_book()
    except Exception as e:  # noqa: BLE001 - xlwings/COM raise many kinds here
        raise BankxlError(
            "未能连接到当前 Excel 工作簿: 请先打开(或新建)一个工作簿, 结束单元格编辑、关闭对话框, 受保护视图中的文件"
            f"请先点「启用编辑」, 然后再点按钮。({type(e).__name__}: {e})",
            f"Could not reach the calling Excel workbook: open or create a workbook, finish editing the cell, "
            f"close any dialog, enable editing of a Protected View file, then click again. ({type(e).__name__}: {e})",
        ) from e


def error_text(e: BaseException, control_id: str = "") -> str:
    """The message box text of an error, Chinese first: what failed, then where (sheet, column, row)."""
    what = control_id
    if control_id == RUN_ALL_ID:
        return _error_body(e, f"「{RUN_ALL_LABEL[0]}」未能完成。")
    try:
        what = f"「{get_scenario(control_id).title}」" if control_id and control_id not in TOOLS else \
            f"「{TOOLS[control_id][0]}」" if control_id in TOOLS else control_id
    except KeyError:
        pass
    return _error_body(e, f"{what}未能完成。")


def _error_body(e: BaseException, head: str) -> str:
    if isinstance(e, DataValidationError):
        return f"{head}\n\n{e}"
    if isinstance(e, BankxlError):
        return f"{head}\n\n{e}"
    if isinstance(e, KeyError):
        msg = e.args[0] if e.args else str(e)
        return f"{head}\n\n{msg}"
    if isinstance(e, PermissionError):
        return f"{head}\n\n无法写入文件(可能已在 Excel 中打开或文件夹只读): {e.filename or e}\nCannot write the file."
    return f"{head}\n\n内部错误 internal error: {type(e).__name__}: {e}"


def _write_log(control_id: str) -> Path:
    folder = Path(tempfile.gettempdir()) / MAX_REPORT_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "bankxl.log"
    with path.open("a", encoding="utf-8") as f:
        f.write(f"--- {control_id}\n{traceback.format_exc()}\n")
    return path


# ======================================================================================= a scenario click
def run_button(spec: Scenario, bridge: Any, book: Any) -> ActionResult:
    """Run ``spec`` on the calling workbook (steps 1-5 of the module docstring)."""
    from ..runner import merge_settings, run_scenario

    info = bridge.book_info(book)
    bridge.status(book, f"bankxl: {spec.title} — 读取参数 …")
    overrides, common = ensure_param_sheet(bridge, book, info, [spec], spec)
    sources = plan_inputs(info, spec)
    bridge.status(book, f"bankxl: {spec.title} — 读取数据 ({describe_sources(sources)}) …")
    with tempfile.TemporaryDirectory(prefix="bankxl_") as tmp:
        snap = write_snapshot(bridge, book, sources, Path(tmp) / _snapshot_name(info))
        settings = merge_settings({}, common)  # the ribbon has no explicit values: 参数 sheet > data
        res = run_scenario(spec, [snap], None, params=overrides, **settings)
    report = res.report
    relabel_sources(report, snap, info)
    rows = ", ".join(f"{get_table(t).zh} {v['rows']:,} 行" for t, v in res.inputs.items())
    as_of = report.meta["as_of"]
    bridge.status(book, f"bankxl: {spec.title} — 已读取 {rows}; 数据日期 {as_of:%Y-%m-%d}; 正在生成报告 …")
    insert = _yes(common.get("insert_sheets"))
    if insert:
        with tempfile.TemporaryDirectory(prefix="bankxl_") as tmp:
            path = write_report(report, Path(tmp) / report_filename(report, spec))
            inserted = insert_report_sheets(bridge, book, info, report, path, spec.id,
                                            replace=_yes(common.get("replace_sheets")))
        msg = f"已插入 {len(inserted)} 张结果工作表: {'、'.join(inserted)}。"
        result = ActionResult(spec.id, True, msg, None, inserted, res.problems)
    else:
        path = save_report(report, spec, info)
        bridge.open_workbook(book, str(path))
        msg = f"报告已保存: {path}"
        result = ActionResult(spec.id, True, msg, path, [], res.problems)
    if res.problems:
        bridge.alert(book, f"{spec.title}: {msg}\n\n{res.problems.summary_text()}\n"
                           f"明细见报告的「数据问题」工作表(含 Excel 行号)。", TITLE, False)
    return result


def _yes(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return False
    return str(v).strip().lower() in ("是", "1", "true", "yes", "y", "√", "on")


def _snapshot_name(info: BookInfo) -> str:
    stem = Path(info.name).stem or "workbook"
    stem = re.sub(r'[\\/:*?"<>|]', "_", stem)
    return f"{stem}.xlsx"


def describe_sources(sources: Sequence[Source]) -> str:
    """Short 中文 description of where inputs are read, for the status bar: ``表 T_td、导出!A3:P200、工作表 客户``."""
    parts = []
    for s in sources:
        if s.kind == "table":
            parts.append(f"表 {s.table}")
        elif s.kind == "region":
            r = s.region
            parts.append(f"{s.sheet}!{_a1(r.first_row, r.first_col)}:{_a1(r.first_row + r.n_rows - 1, r.first_col + r.n_cols - 1)}")
        else:
            parts.append(f"工作表 {s.sheet}")
    return "、".join(parts)


def _a1(row: int, col: int) -> str:
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row}"


# ======================================================================================= finding inputs
def plan_inputs(info: BookInfo, spec: Scenario) -> list[Source]:
    """Where the inputs of ``spec`` are read from.

    1. every input (required or optional) for which an Excel table, else a sheet, is *named* by one of the
       table's names (id, 中文名, aliases; normalised, case-insensitive) — tables before sheets;
    2. when a required input is still missing: the current region around the active cell (on a sheet not
       already used and not one of bankxl's own sheets); without a usable region, every other data sheet.
    The loader (:func:`bankxl.io.read_tables`) then takes named sources by name and the rest by header.
    """
    wanted = list(spec.inputs) + [t for t in spec.optional_inputs if t not in spec.inputs]
    keys = {header_key(n): t for t in wanted for n in get_table(t).names}
    chosen: dict[str, Source] = {}
    used_sheets: set[str] = set()
    for tname, sheet in info.tables:
        t = keys.get(header_key(tname))
        if t and t not in chosen:
            chosen[t] = Source("table", sheet, table=tname, table_id=t)
            used_sheets.add(sheet)
    for sheet in info.sheets:
        t = keys.get(header_key(sheet))
        if t and t not in chosen and sheet not in used_sheets:
            chosen[t] = Source("sheet", sheet, table_id=t)
            used_sheets.add(sheet)
    sources = [chosen[t] for t in wanted if t in chosen]
    if all(t in chosen for t in spec.inputs):
        return sources
    r = info.region
    if r is not None and r.sheet not in used_sheets and r.sheet not in OWN_SHEETS and r.n_rows >= 2:
        # the region's own ListObject, if it lies inside one, keeps its table name
        sources.append(Source("region", r.sheet, region=r))
        return sources
    for sheet in info.sheets:
        if sheet not in used_sheets and sheet not in OWN_SHEETS:
            sources.append(Source("sheet", sheet))
    return sources


def read_source(bridge: Any, book: Any, src: Source) -> Block:
    """The cells of one :class:`Source` through the bridge: an Excel table (header + body), a region, or a
    whole sheet from A1. Bridge errors (unknown sheet/table) pass through."""
    if src.kind == "table":
        return bridge.read_table(book, src.table, src.sheet)
    if src.kind == "region":
        r = src.region
        return bridge.read_region(book, r.sheet, r.first_row, r.first_col, r.n_rows, r.n_cols)
    return bridge.read_sheet(book, src.sheet)


def write_snapshot(bridge: Any, book: Any, sources: Sequence[Source], path: Path) -> Path:
    """Copy the cells of ``sources`` into a new workbook at ``path``: same sheet names, same cell
    addresses, ListObjects re-created under their names; text stays text (never a formula), numbers stay
    numbers (so an 18-digit ID typed as a number is still detected as ID_CORRUPT), dates stay dates."""
    import xlsxwriter

    by_sheet: dict[str, list[tuple[Source, Block]]] = {}
    for src in sources:
        by_sheet.setdefault(src.sheet, []).append((src, read_source(bridge, book, src)))
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                         "strings_to_numbers": False, "nan_inf_to_errors": True})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    dt_fmt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    for sheet, items in by_sheet.items():
        ws = wb.add_worksheet(sheet)
        for src, blk in items:
            for i, row in enumerate(blk.values):
                for j, v in enumerate(row):
                    _write_cell(ws, blk.first_row - 1 + i, blk.first_col - 1 + j, v, date_fmt, dt_fmt)
            if src.kind == "table" and blk.values:
                header = ["" if h is None else str(h) for h in blk.values[0]]
                last = blk.first_row - 1 + max(len(blk.values) - 1, 1)
                ws.add_table(blk.first_row - 1, blk.first_col - 1, last, blk.first_col - 2 + len(header),
                             {"name": _table_name(src.table), "columns": [{"header": h} for h in header],
                              "autofilter": False})
    wb.close()
    return path


def _table_name(name: str) -> str:
    """XlsxWriter accepts the names Excel accepts except some non-ASCII starts; keep the name when valid."""
    return name if re.fullmatch(r"[^\W\d][\w.]*", name or "") else f"T_{re.sub(r'[^0-9A-Za-z_]', '_', name)}"


def _write_cell(ws, r: int, c: int, v: Any, date_fmt, dt_fmt) -> None:
    if v is None:
        return
    if isinstance(v, bool):
        ws.write_boolean(r, c, v)
    elif isinstance(v, (int, float)) and not isinstance(v, bool):
        if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
            return
        ws.write_number(r, c, v)
    elif isinstance(v, (_dt.datetime, pd.Timestamp)):
        t = pd.Timestamp(v)
        ws.write_datetime(r, c, t.to_pydatetime(), date_fmt if t == t.normalize() else dt_fmt)
    elif isinstance(v, _dt.date):
        ws.write_datetime(r, c, _dt.datetime(v.year, v.month, v.day), date_fmt)
    else:
        s = str(v)
        if s:
            ws.write_string(r, c, s[:32767])


def relabel_sources(report: Report, snapshot: Path, info: BookInfo) -> None:
    """The 说明 sheet's 输入数据 table names the user's workbook, not the temporary snapshot."""
    shown = info.path or info.name
    for sheet in report.sheets:
        for b in sheet.blocks:
            if isinstance(b, Table) and b.name == "inputs" and "来源" in b.df.columns:
                b.df = b.df.assign(来源=b.df["来源"].astype(str).replace({str(snapshot): shown}))
    for v in report.meta.get("inputs", {}).values():
        if v.get("source") == str(snapshot):
            v["source"] = shown


# ======================================================================================= the 参数 sheet
def _cell_value(v: Any) -> Any:
    """A 取值 string as the cell a user would type: numbers as numbers, the rest as text. A number whose text
    would change as a number stays text: leading zeros ("001", an org code), a "+" sign, "2023-01", "1-2"."""
    if not isinstance(v, str):
        return v
    s = v.strip()
    if re.fullmatch(r"-?0\d+(\.\d*)?", s):
        return v
    if re.fullmatch(r"-?\d+", s):
        return int(s)
    if re.fullmatch(r"-?\d+\.\d*(e-?\d+)?|-?\d+e-?\d+", s, flags=re.IGNORECASE):
        f = float(s)
        return int(f) if f.is_integer() and abs(f) < 1e15 else f
    return v


def param_rows_for_sheet(df: pd.DataFrame, header: bool) -> list[list]:
    """Rows of a 参数 frame as cells to write (header row first when ``header``); 取值 text that is a number
    is written as a number, as a user would type it."""
    rows = [list(df.columns)] if header else []
    for r in df.itertuples(index=False, name=None):
        rows.append([_cell_value(v) if i == 3 else v for i, v in enumerate(r)])
    return rows


def block_frame(block: Block) -> pd.DataFrame:
    """A 参数 sheet's cells -> DataFrame with its first non-empty row as header."""
    rows = [r for r in block.values if any(v is not None and str(v).strip() for v in r)]
    if not rows:
        from ..paramsheet import COLUMNS

        return pd.DataFrame(columns=COLUMNS)
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    width = len(header)
    body = [list(r[:width]) + [None] * (width - len(r)) for r in rows[1:]]
    return pd.DataFrame(body, columns=header, dtype=object)


def ensure_param_sheet(bridge: Any, book: Any, info: BookInfo, specs: Sequence[Scenario],
                       spec: Scenario | None = None) -> tuple[dict, dict]:
    """Create the 参数 sheet (通用 rows + a block per scenario in ``specs``) or append what it lacks
    (blocks of ``specs`` not present, ribbon 通用 rows); never changes a value the user typed.
    Returns :func:`read_param_settings` for ``spec`` (or ``({}, {})`` without a spec)."""
    if PARAM_SHEET not in info.sheets:
        df = default_param_rows(specs)
        bridge.add_sheet(book, PARAM_SHEET, param_rows_for_sheet(df, header=True))
        info.sheets.append(PARAM_SHEET)
    else:
        block = bridge.read_sheet(book, PARAM_SHEET)
        df = block_frame(block)
        # 通用 rows added since the sheet was made (e.g. 币种) are appended too, so the ribbon offers every setting
        from ..paramsheet import COMMON

        missing_common = [r for r in COMMON.to_dict("records") + RIBBON_COMMON
                          if "参数" not in df.columns or r["参数"] not in
                          set(df.loc[df.get("场景", pd.Series(dtype=object)).astype(str) == "通用", "参数"].astype(str))]
        have = set(df["场景"].astype(str).str.strip()) if "场景" in df.columns else set()
        new_specs = [s for s in specs if not ({s.id, s.code, s.title} & have)]
        add = []
        if missing_common:
            add.append(pd.DataFrame(missing_common))
        if new_specs:
            add.append(default_param_rows(new_specs, with_common=False))
        if add:
            extra = pd.concat(add, ignore_index=True)
            if "场景" in df.columns:
                extra = extra[[c for c in df.columns if c in extra.columns]]
            start = block.first_row + len(block.values)
            bridge.append_rows(book, PARAM_SHEET, param_rows_for_sheet(extra, header=False), start)
            df = pd.concat([df, extra], ignore_index=True)
    return read_param_settings(df, spec) if spec is not None else ({}, {})


def read_param_settings(df: pd.DataFrame, spec: Scenario) -> tuple[dict, dict]:
    """(parameter overrides, 通用 settings) of ``spec`` from the 参数 table (:func:`bankxl.paramsheet.read_settings`)."""
    from ..paramsheet import read_settings

    return read_settings(df, spec)


# ======================================================================================= report files
def report_folder(info: BookInfo) -> Path:
    """Next to the user's file; the temp folder (``%TEMP%/bankxl``) when unsaved or not on a local disk."""
    if info.path:
        p = Path(info.path)
        if p.is_absolute() and not re.match(r"^https?://", info.path, re.IGNORECASE) and p.parent.is_dir():
            return p.parent
    folder = Path(tempfile.gettempdir()) / MAX_REPORT_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def report_filename(report: Report, spec: Scenario) -> str:
    """``<scenario title>_<数据日期 yyyy-mm-dd>.xlsx`` (no date part when ``report.meta`` has no as_of), made
    safe for Windows by :func:`bankxl.report.xlsx.safe_filename` (C8 征信数据: 他行客户挖掘 -> 征信数据_他行客户挖掘)."""
    as_of = report.meta.get("as_of")
    stamp = f"_{pd.Timestamp(as_of):%Y-%m-%d}" if as_of is not None else ""
    return safe_filename(f"{spec.title}{stamp}", max_bytes=250) + ".xlsx"


def save_report(report: Report, spec: Scenario, info: BookInfo) -> Path:
    """Write the report next to the user's file under a free name (``name (2).xlsx`` …); fall back to the
    temp folder when that folder is not writable."""
    name = report_filename(report, spec)
    try:
        return write_report(report, unique_path(report_folder(info) / name))
    except OSError:
        if not info.path:
            raise
        folder = Path(tempfile.gettempdir()) / MAX_REPORT_FOLDER
        return write_report(report, unique_path(folder / name))


# ======================================================================================= 插入到当前工作簿
def self_contained_sheets(report: Report) -> list[str]:
    """Report sheets that can live in another workbook: no native PivotTable (its cache points at the
    report file)."""
    return [s.name for s in report.sheets if not any(isinstance(b, PivotBlock) for b in s.blocks)]


@dataclass
class InsertPlan:
    """What :func:`plan_insert` decided: sheets to delete first, (report sheet, new name) pairs to copy,
    the sheet to insert after (None = at the end) and report sheets skipped (native PivotTables)."""

    delete: list[str]
    pairs: list[tuple[str, str]]  # (sheet in the report, new name in the user's workbook)
    after: str | None
    skipped: list[str]


def plan_insert(report: Report, existing: Sequence[str], markers: dict[str, str], scenario_id: str,
                active: str | None, replace: bool) -> InsertPlan:
    """Names for the inserted sheets: ``<code> <sheet>`` (e.g. ``D2 到期结构``), made unique against the
    workbook (``(2)`` …, at most 31 characters, case-insensitive as Excel compares); with ``replace`` the
    sheets an earlier run of the same scenario inserted (``markers``) are deleted first and their names
    reused. Inserted after ``active`` (or after the last remaining sheet when ``active`` is deleted)."""
    delete = [s for s, sid in markers.items() if sid == scenario_id and s in existing] if replace else []
    taken = {s for s in existing if s not in delete}
    prefix = (report.code or "").strip()
    pairs = []
    for name in self_contained_sheets(report):
        pairs.append((name, safe_sheet_name(f"{prefix} {name}".strip(), taken)))
    remaining = [s for s in existing if s not in delete]
    after = active if active in remaining else (remaining[-1] if remaining else None)
    skipped = [s.name for s in report.sheets if s.name not in dict(pairs)]
    return InsertPlan(delete, pairs, after, skipped)


def insert_report_sheets(bridge: Any, book: Any, info: BookInfo, report: Report, path: Path,
                         scenario_id: str, replace: bool = False) -> list[str]:
    """Copy the self-contained report sheets into the user's workbook (see :func:`plan_insert`), mark them,
    then break every external link (LinkSources must be empty afterwards). Returns the new sheet names."""
    markers = bridge.result_sheets(book)
    existing = bridge.book_info(book).sheets
    plan = plan_insert(report, existing, markers, scenario_id, info.active_sheet, replace)
    if plan.delete:
        bridge.delete_sheets(book, plan.delete)
    created = bridge.copy_sheets(book, str(path), plan.pairs, plan.after)
    for name in created:
        bridge.mark_result_sheet(book, name, scenario_id)
    for link in bridge.link_sources(book):
        log.info("breaking external link %s", link)
        bridge.break_link(book, link)
    left = bridge.link_sources(book)
    if left:
        raise BankxlError(f"插入后仍有外部链接无法断开: {', '.join(left)}。请在「数据 → 编辑链接」中手动断开。\n"
                          f"External links remain after inserting: {left}")
    if created:
        bridge.activate(book, created[0])
    return created


# ======================================================================================= 全部运行
def run_all_sources(info: BookInfo) -> list[Source]:
    """Where ``run all`` reads from: every table or sheet *named* by a canonical table (as :func:`plan_inputs`),
    then every other data sheet (not bankxl's own), whose tables the loader finds by their headers."""
    wanted = tuple(dict.fromkeys(t for s in registry().values() for t in (*s.inputs, *s.optional_inputs)))
    every = Scenario(id="crossview.all", code="ALL", title=RUN_ALL_LABEL[0], group="综合管理", inputs=(),
                     optional_inputs=wanted, params=None, run=lambda *_a: None)
    sources = plan_inputs(info, every)
    used = {s.sheet for s in sources}
    return sources + [Source("sheet", sh) for sh in info.sheets if sh not in used and sh not in OWN_SHEETS]


def run_all_folder(info: BookInfo) -> Path:
    """A new folder beside the workbook (the temp folder when unsaved, as :func:`report_folder`):
    ``<workbook>_全部场景``, `` (2)`` … when it exists; a safe name (:func:`bankxl.report.xlsx.safe_filename`)."""
    base = report_folder(info)
    stem = safe_filename(f"{Path(info.name).stem or 'workbook'}_全部场景")
    path, n = base / stem, 2
    while path.exists():
        path, n = base / f"{stem} ({n})", n + 1
    return path


def run_all_button(bridge: Any, book: Any) -> ActionResult:
    """全部运行: :func:`bankxl.crossview.run_all` on the calling workbook's tables (:func:`run_all_sources`, copied
    into a snapshot as a scenario click does; her workbook is only read), 参数 sheet settings when it exists
    (通用 rows, each scenario's block), reports written into :func:`run_all_folder` only; then a message box
    listing what ran and what was skipped (and why), and 营销任务清单 opened. Nothing ran -> an error box."""
    from ..crossview import run_all
    from ..crossview.runall import RAN, TASKS_FILE
    from ..runner import merge_settings

    info = bridge.book_info(book)
    per, common = {}, {}
    if PARAM_SHEET in info.sheets:
        df = block_frame(bridge.read_sheet(book, PARAM_SHEET))
        for spec in registry().values():
            over, common = read_param_settings(df, spec)
            if over:
                per[spec.id] = over
    sources = run_all_sources(info)
    if not sources:
        raise BankxlError("工作簿中没有数据工作表。", "The workbook has no data sheet.")
    bridge.status(book, f"bankxl: 全部运行 — 读取数据 ({describe_sources(sources)}) …")
    out = run_all_folder(info)
    with tempfile.TemporaryDirectory(prefix="bankxl_") as tmp:
        snap = write_snapshot(bridge, book, sources, Path(tmp) / _snapshot_name(info))
        settings = merge_settings({}, common)
        res = run_all([snap], out, scenario_params=per, progress=lambda m: bridge.status(book, f"bankxl: {m.strip()}"),
                      **settings)
    ran = [r for r in res.runs if r.status == RAN]
    rest = [r for r in res.runs if r.status != RAN]
    lines = [f"已运行 {len(ran)} 个场景: " + ("、".join(f"{r.spec.code} {r.spec.title}" for r in ran) or "无")]
    if rest:
        lines.append(f"未运行 {len(rest)} 个:")
        lines += [f"  {r.spec.code} {r.spec.title}: {r.status} — {r.reason}" for r in rest]
    tasks = out / TASKS_FILE
    if not ran:
        msg = "\n".join(["没有场景运行成功(原因见下)。", *lines])
        bridge.alert(book, msg, TITLE, True)
        return ActionResult(RUN_ALL_ID, False, msg)
    lines.append(f"报告保存在: {out}")
    msg = "\n".join(lines)
    path = next((p for p in res.paths if p.name == TASKS_FILE), tasks)
    bridge.open_workbook(book, str(path))
    bridge.alert(book, msg, TITLE, False)
    return ActionResult(RUN_ALL_ID, True, msg, path)


# ======================================================================================= tools
def tool_sample(bridge: Any, book: Any) -> ActionResult:
    """生成示例数据: write the sample workbooks into ``<folder>/bankxl示例数据`` and open the first one."""
    from ..sample import make_sample_bank, write_sample_workbooks

    info = bridge.book_info(book)
    folder = report_folder(info) / "bankxl示例数据"
    bridge.status(book, "bankxl: 正在生成示例数据 …")
    paths = write_sample_workbooks(make_sample_bank(customers=2000), folder)
    if paths:
        bridge.open_workbook(book, str(paths[0]))
    msg = "示例数据已生成:\n" + "\n".join(str(p) for p in paths)
    bridge.alert(book, msg + "\n\n打开示例工作簿后, 点击「银行数据应用」选项卡上的场景按钮即可试用。", TITLE, False)
    return ActionResult("tools.sample", True, msg, paths[0] if paths else None)


def tool_params(bridge: Any, book: Any) -> ActionResult:
    """参数表: create or complete the 参数 sheet with every registered scenario's block."""
    info = bridge.book_info(book)
    ensure_param_sheet(bridge, book, info, list(registry().values()))
    bridge.activate(book, PARAM_SHEET)
    return ActionResult("tools.params", True, "参数表已就绪")


def identify_table(info: BookInfo, block: Block, sheet: str, table: str | None = None) -> str | None:
    """Which canonical table a selection is (id), or None: :func:`bankxl.io.identify_table` on the block's
    cells with its Excel-table and sheet names; the first match counts when found by name or when it has
    every required column (the most matched columns win)."""
    from .. import io as bio

    matches = bio.identify_table(block.values, names=(table, sheet))
    if matches and (matches[0].by == "name" or matches[0].complete):
        return matches[0].table_id
    return None


def tool_check(bridge: Any, book: Any) -> ActionResult:
    """数据检查: validate the selected table (current region, else the active sheet) with :mod:`bankxl.io`
    and list its problems in a 数据检查 report next to the file."""
    from .. import io as bio

    info = bridge.book_info(book)
    sheet = info.active_sheet or (info.sheets[0] if info.sheets else None)
    if sheet is None:
        raise BankxlError("工作簿中没有工作表。", "The workbook has no worksheet.")
    table = next((t for t, s in info.tables if s == sheet), None)
    if info.region is not None and info.region.sheet == sheet and info.region.n_rows >= 2:
        src = Source("region", sheet, region=info.region)
    elif table:
        src = Source("table", sheet, table=table)
    else:
        src = Source("sheet", sheet)
    block = read_source(bridge, book, src)
    tid = identify_table(info, block, sheet, table if src.kind == "table" else None)
    if tid is None:
        raise BankxlError(f"工作表「{sheet}」中的选中区域不像任何一张标准表: 表头前 {bio.HEADER_SCAN_ROWS} 行中"
                          f"找不到某张表的全部必填列。请选中表格中的一个单元格再试, 或把工作表命名为标准表名"
                          f"(如 定期存款明细)。",
                          f"The selection on sheet {sheet} fits no canonical table: no row among the first "
                          f"{bio.HEADER_SCAN_ROWS} holds all required columns of one. Select a cell inside the "
                          f"table, or name the sheet after the table (e.g. 定期存款明细).")
    spec = get_table(tid)
    problems = ProblemLog()
    bridge.status(book, f"bankxl: 数据检查 — {sheet} 识别为「{spec.zh}」, 检查中 …")
    with tempfile.TemporaryDirectory(prefix="bankxl_") as tmp:
        snap = write_snapshot(bridge, book, [src], Path(tmp) / _snapshot_name(info))
        loaded = bio.read_tables([snap], wanted=[tid], problems=problems)
    lt = loaded[tid]
    if not problems:
        msg = f"「{sheet}」识别为「{spec.zh}」({tid}), {lt.n_rows:,} 行, 表头在第 {lt.header_row} 行: 未发现数据问题。"
        bridge.alert(book, msg, TITLE, False)
        return ActionResult("tools.check", True, msg, None, [], problems)
    report = check_report(problems, sheet, spec.zh, tid, lt)
    safe = re.sub(r"[^\w]", "_", sheet)
    path = write_report(report, unique_path(report_folder(info) / f"数据检查_{safe}.xlsx"))
    bridge.open_workbook(book, str(path))
    msg = f"「{sheet}」识别为「{spec.zh}」({tid}), {lt.n_rows:,} 行。\n{problems.summary_text()}\n明细: {path}"
    bridge.alert(book, msg, TITLE, False)
    return ActionResult("tools.check", True, msg, path, [], problems)


def check_report(problems: ProblemLog, sheet: str, zh: str, tid: str, lt: Any) -> Report:
    """The 数据检查 workbook: problem summary and details with Excel row numbers."""
    blocks: list = [
        Note(title="数据检查 Data check", pairs=[("工作表", sheet), ("识别为", f"{zh}({tid})"),
                                                ("表头行(Excel 行号)", lt.header_row), ("数据行数", lt.n_rows),
                                                ("结论", problems.summary_text())]),
        Table(problems.summary(), name="problem_summary", title="问题汇总"),
        Table(problems.to_frame(), name="problems", title="问题明细", text_columns=("原值",),
              formats={"Excel 行号": "0"}),
    ]
    return Report(title="数据检查", sheets=[Sheet("数据问题", blocks, tab_color="#C00000")])


def help_text() -> str:
    """The 帮助 text: how to lay out data, run a scenario and change 参数, then every scenario with its
    inputs and the worksheet formula names."""
    lines = ["bankxl 银行数据应用 — 使用说明", "",
             "1. 把银行导出的数据放在工作表或 Excel 表中, 表头用标准列名(如 到期日、余额(元)); 工作表可命名为标准表名"
             "(如 定期存款明细), 或选中表格中的一个单元格。",
             "2. 点击场景按钮: 报告保存在当前文件旁边并自动打开; 原数据不会被修改。",
             "3. 参数: 首次运行会添加「参数」工作表, 修改「取值」列后再点按钮即可; 「插入到当前工作簿」设为 是 时,"
             "结果工作表插入当前工作簿。", "",
             "场景:"]
    for s in registry().values():
        lines.append(f"  {s.code} {s.title}: 输入 {'、'.join(get_table(t).zh for t in s.inputs)}")
    from . import udfs

    lines += ["", "工作表公式(类别 bankxl): " + ", ".join(udfs.udf_names())]
    return "\n".join(lines)


def tool_help(bridge: Any, book: Any) -> ActionResult:
    """帮助: show :func:`help_text` in a message box."""
    text = help_text()
    bridge.alert(book, text, TITLE, False)
    return ActionResult("tools.help", True, text)


_TOOL_ACTIONS: dict[str, Callable[[Any, Any], ActionResult]] = {
    "tools.sample": tool_sample,
    "tools.params": tool_params,
    "tools.check": tool_check,
    "tools.help": tool_help,
}


def buttons() -> list[dict]:
    """Ribbon buttons: one per registered scenario (label = title, group = group, screentip = summary),
    then the tool buttons in group 工具. Used by ``bankxl addin build``."""
    out = [{"id": s.id, "label": s.title, "group": s.group, "screentip": s.summary or s.title}
           for s in registry().values()]
    images = {"tools.sample": "TableInsert", "tools.params": "PropertySheet", "tools.check": "ReviewProtectWorkbook",
              "tools.help": "Help"}
    out.append({"id": RUN_ALL_ID, "label": RUN_ALL_LABEL[0], "group": "综合管理", "screentip": RUN_ALL_LABEL[1],
                "image": "MacroPlay"})
    out += [{"id": k, "label": v[0], "group": "工具", "screentip": v[1], "image": images[k]}
            for k, v in TOOLS.items()]
    return out


def callbacks() -> dict[str, Callable]:
    """control id -> the Python function a click ends in (for the every-callback-exists check)."""
    out: dict[str, Callable] = {s.id: run_button for s in registry().values()}
    out.update(_TOOL_ACTIONS)
    out[RUN_ALL_ID] = run_all_button
    return out


__all__ = [
    "TOOLS",
    "ActionResult",
    "Block",
    "BookInfo",
    "InsertPlan",
    "Region",
    "Source",
    "buttons",
    "callbacks",
    "ensure_param_sheet",
    "error_text",
    "identify_table",
    "insert_report_sheets",
    "on_action",
    "plan_inputs",
    "plan_insert",
    "report_folder",
    "run_all_button",
    "run_button",
    "save_report",
    "self_contained_sheets",
    "write_snapshot",
]
