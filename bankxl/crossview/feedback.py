"""营销反馈: the columns a manager fills on his 营销任务清单, and reading the returned lists back (issue 18 items 4–5).

**Columns to fill** (:func:`feedback_frame`, :func:`feedback_validations`; appended right of every 营销任务 table,
the whole list and each ``--by`` file): 跟进日期 (a date from the list's 数据日期 to one year later), 跟进方式
(drop-down :data:`CHANNELS`), 结果 (drop-down :data:`RESULTS`), 金额(元) (a number ≥ 0: the amount won, or hoped
for with 有意向), 备注 (text, at most 500 characters) — Excel data validation, cells shaded and unlocked.

**Protection** (parameter ``protect_tasks``, default 否): Excel refuses to sort a range holding locked cells on a
protected sheet, whatever the ``sort`` flag says, so a protected list can be filtered but not re-sorted — and
managers re-sort their lists. Hence not protected by default; when asked (是) the sheet is protected without a
password with :data:`PROTECT_OPTIONS` (XlsxWriter ``protect()``: autofilter and sort allowed, columns/rows may be
resized), the feedback cells unlocked.

**Reading back** (:func:`read_lists`, :func:`match_rows`): every .xlsx under a folder (sub-folders too; Excel lock
files ``~$…`` and the report being written are left out) that has a 营销任务 sheet; its 营销任务 rows (header found
wherever the rows start; re-sorted and filtered sheets read the same: hidden rows are still rows) and its
任务明细 sheet. A row counts when its 客户号 holds exactly the lists its 来源名单 names in the same file's 任务明细
(客户号 + 名单键; 来源名单 names each list by its 名单 such as ``D2 提醒名单``, or — task lists written before it
showed Chinese — by its 名单键, both resolved through that 任务明细), its 数据日期 the round. A row whose 客户号 does not (edited 客户号), or a 客户号
on two rows of one file, is reported (问题码 FEEDBACK_KEY), never matched to a guessed customer. The same
customer and round in several files (the whole list and a manager's file): the filled-in row counts; two
different filled-in rows are FEEDBACK_CONFLICT (the task counts, its feedback is blank).

**Report** (:func:`build_feedback_report`, SCENARIOS.md §6 list mechanism / issue 18 item 4): per task
(customer × round) 已反馈 = 结果 given, 已联系 = 已成交/有意向/拒绝, 转化率 = 已成交 / 已联系 (blank when nobody
was reached: unknown, not 0), 成交金额 = sum of 金额 of 已成交 rows (blank when none has an amount); by scenario,
list and level (a task on several lists counts for each), by best level (the priority rule's calibration), by
机构号, by 客户经理 and by round (数据日期).
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..errors import DataValidationError, ProblemLog
from ..masking import mask_free_text
from ..report import Chart, Figure, Headline, Note, Report, Sheet, Table
from ..scenario import RunContext, param
from ..tables import AS_OF, CUST_ID, MGR_ID, Column, TableSpec

log = logging.getLogger(__name__)

RESULTS = ("已成交", "有意向", "拒绝", "联系不上", "不适用")
REACHED = ("已成交", "有意向", "拒绝")  # the customer was reached: the base of 转化率
CHANNELS = ("电话", "面谈", "上门", "微信", "短信", "其他")
FOLLOW_DATE, CHANNEL, RESULT, REMARK = "跟进日期", "跟进方式", "结果", "备注"
FOLLOW_DAYS = 366  # 跟进日期 accepted up to this many days after the list's 数据日期
REMARK_MAX = 500
TASK_SHEET, DETAIL_SHEET = "营销任务", "任务明细"
#: XlsxWriter ``worksheet.protect`` options of a protected task sheet (``protect_tasks=是``)
PROTECT_OPTIONS = {"autofilter": True, "sort": True, "format_columns": True, "format_rows": True,
                   "select_locked_cells": True, "select_unlocked_cells": True}


def amount_label(ctx: RunContext) -> str:
    """The 金额 header in the base unit, e.g. ``金额(元)``."""
    return ctx.base_label("金额")


def feedback_frame(n: int, ctx: RunContext) -> pd.DataFrame:
    """``n`` empty rows of the feedback columns (跟进日期 date, 跟进方式/结果/备注 text, 金额 in 元)."""
    return pd.DataFrame({FOLLOW_DATE: pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]"),
                         CHANNEL: pd.Series(pd.NA, index=range(n), dtype="string"),
                         RESULT: pd.Series(pd.NA, index=range(n), dtype="string"),
                         amount_label(ctx): pd.Series(np.nan, index=range(n), dtype="float64"),
                         REMARK: pd.Series(pd.NA, index=range(n), dtype="string")})


def feedback_validations(ctx: RunContext) -> dict[str, dict]:
    """Excel data validation of each feedback column (XlsxWriter ``data_validation`` options)."""
    first = pd.Timestamp(ctx.as_of).date()
    last = first + dt.timedelta(days=FOLLOW_DAYS)
    money = amount_label(ctx)
    return {
        FOLLOW_DATE: {"validate": "date", "criteria": "between", "minimum": first, "maximum": last,
                      "input_title": "跟进日期", "input_message": "联系客户的日期, 如 2026-12-05",
                      "error_title": "跟进日期", "error_message": f"请填写 {first} 至 {last} 之间的日期。"},
        CHANNEL: {"validate": "list", "source": list(CHANNELS), "input_title": "跟进方式",
                  "input_message": "从下拉列表中选择", "error_title": "跟进方式",
                  "error_message": "请从下拉列表中选择: " + "/".join(CHANNELS)},
        RESULT: {"validate": "list", "source": list(RESULTS), "input_title": "结果",
                 "input_message": "从下拉列表中选择; 拒绝的客户一段时间内不再列入任务",
                 "error_title": "结果", "error_message": "请从下拉列表中选择: " + "/".join(RESULTS)},
        money: {"validate": "decimal", "criteria": ">=", "value": 0, "input_title": money,
                "input_message": "已成交: 成交金额; 有意向: 预计金额(元)", "error_title": money,
                "error_message": "请填写不小于 0 的数字(元)。"},
        REMARK: {"validate": "length", "criteria": "<=", "value": REMARK_MAX, "error_title": "备注",
                 "error_message": f"备注最多 {REMARK_MAX} 字。"},
    }


FEEDBACK_HELP = ("右侧黄色五列由客户经理填写: 跟进日期、跟进方式(下拉)、结果(下拉: " + "/".join(RESULTS)
                 + ")、金额(元)、备注; 可以排序、筛选, 但请不要改动客户号、来源名单、数据日期和「任务明细」表 — "
                 "汇总反馈(bankxl feedback)靠它们核对每一行。")


def protection_note(protect: bool) -> str:
    """The 说明 line on sheet protection (why the list is not protected by default)."""
    if protect:
        return ("营销任务表已保护(无密码): 允许筛选(autofilter)、排序(sort)、调整行高列宽, 反馈五列未锁定可填写; 注意 Excel "
                "在受保护的工作表上不能对含锁定单元格的区域排序, 需排序时请先「审阅 → 撤销工作表保护」。")
    return ("营销任务表未保护: 客户经理需要重新排序和筛选自己的名单, 而 Excel 在受保护的工作表上不能对含锁定单元格的区域排序"
            "(即使允许排序); 反馈五列已设为未锁定并有数据验证, 需要时可自行保护工作表(勾选「使用自动筛选」「排序」)。")


# ============================================================================================== reading back
TASK_SPEC = TableSpec("task_feedback", TASK_SHEET, (
    CUST_ID,
    Column("lists", "来源名单", "text", True, meaning="名单名(或早期文件的名单键), 以、分隔"),
    replace(AS_OF, required=True),
    Column("org_id", "机构号", "code"),
    MGR_ID,
    Column("best", "最好等级", "text"),
    Column("follow_date", FOLLOW_DATE, "date", aliases=("联系日期",)),
    Column("channel", CHANNEL, "text", aliases=("联系方式",)),
    Column("result", RESULT, "text", aliases=("跟进结果", "营销结果")),
    Column("amount", "金额", "money", unit="元", aliases=("成交金额",), nonneg=True),
    Column("remark", REMARK, "text"),
), meaning="退回的营销任务清单")
DETAIL_SPEC = TableSpec("task_detail", DETAIL_SHEET, (
    CUST_ID,
    Column("list_key", "名单键", "text", True),
    Column("scenario", "场景", "text"),
    Column("list_title", "名单", "text"),
    Column("level", "等级", "text"),
    Column("rank", "档位", "int"),
    replace(AS_OF, required=False),
), meaning="营销任务清单的任务明细")


@dataclass
class Returned:
    """What :func:`read_lists` read: ``tasks`` (one row per 营销任务 row: file, sheet, row (Excel), cust_id, lists,
    as_of, org_id, mgr_id, best, follow_date, channel, result, amount, remark), ``detail`` (file, cust_id,
    list_key, scenario, list_title, level, rank, as_of), ``files`` (文件, 状态, 任务行数, 说明), ``errors``
    (why each 未能读取 file was not read: DataValidationError naming file, sheet and missing column(s), 中文 +
    English)."""

    tasks: pd.DataFrame
    detail: pd.DataFrame
    files: pd.DataFrame
    problems: ProblemLog = field(default_factory=ProblemLog)
    errors: list[DataValidationError] = field(default_factory=list)


def list_files(folder: str | Path, exclude: Sequence[str | Path] = ()) -> list[Path]:
    """The .xlsx files under ``folder`` (recursive, sorted; ``~$`` lock files and ``exclude`` left out).
    Raises DataValidationError when ``folder`` is not a folder."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataValidationError(f"找不到退回名单的文件夹: {folder}", f"Folder of returned lists not found: {folder}")
    skip = {Path(p).resolve() for p in exclude}
    return sorted(p for p in folder.rglob("*.xlsx")
                  if p.is_file() and not p.name.startswith("~$") and p.resolve() not in skip)


def read_lists(folder: str | Path, *, exclude: Sequence[str | Path] = (),
               problems: ProblemLog | None = None) -> Returned:
    """Read every returned task list under ``folder`` (module docstring). A file without a 营销任务 sheet is
    skipped and said (状态 跳过); a file that cannot be read, or whose 营销任务 lacks a required column (客户号,
    来源名单, 数据日期) or whose 任务明细 lacks 客户号/名单键, is 未能读取: skipped whole, its reason (file, sheet,
    missing column, 中文) in 说明, the error (中文 + English) in :attr:`Returned.errors` and a log warning; the
    other files are still read. Row problems (a bad date, a negative 金额) of the files read go to ``problems``
    under the file's name. Raises DataValidationError when ``folder`` does not exist."""
    from .. import io as bio

    problems = problems if problems is not None else ProblemLog()
    folder = Path(folder)
    tasks, details, files, errors = [], [], [], []
    for path in list_files(folder, exclude):
        name = str(path.relative_to(folder))
        sheet = None
        own = ProblemLog(cap=problems.cap)  # merged only when the whole file is read
        try:
            book = bio._Book(path)
            if TASK_SHEET not in book.sheets:
                files.append((name, "跳过", 0, f"没有「{TASK_SHEET}」工作表, 不是营销任务清单"))
                continue
            sheet = TASK_SHEET
            t = _load(book, TASK_SHEET, replace(TASK_SPEC, id=name), own, name)
            note, d = "", None
            if DETAIL_SHEET in book.sheets:
                sheet = DETAIL_SHEET
                d = _load(book, DETAIL_SHEET, replace(DETAIL_SPEC, id=name), own, name)
            else:
                note = f"没有「{DETAIL_SHEET}」工作表: 本文件各行无法核对客户号, 均未计入"
        except DataValidationError as e:
            err = _file_error(name, e.sheet or sheet, e)
            log.warning("%s\n%s", err.message_zh, err.message_en)
            errors.append(err)
            files.append((name, "未能读取", 0, err.message_zh))
            continue
        problems.extend(own.problems)
        for key, n in own.counts.items():  # rows beyond the cap are counted, not kept
            problems.counts[key] += n - min(n, own.cap)
        if d is not None:
            details.append(d.assign(file=name))
        tasks.append(t.assign(file=name, sheet=TASK_SHEET))
        files.append((name, "已读取", len(t), note))
    tcols = {"file": "string", "sheet": "string", "row": "Int64", "cust_id": "string", "lists": "string",
             "as_of": "datetime64[ns]", "org_id": "string", "mgr_id": "string", "best": "string",
             "follow_date": "datetime64[ns]", "channel": "string", "result": "string", "amount": "float64",
             "remark": "string"}
    dcols = {"file": "string", "cust_id": "string", "list_key": "string", "scenario": "string",
             "list_title": "string", "level": "string", "rank": "Int64", "as_of": "datetime64[ns]"}
    return Returned(_frame(tasks, tcols), _frame(details, dcols),
                    pd.DataFrame(files, columns=["文件", "状态", "任务行数", "说明"]).astype(
                        {"文件": "string", "状态": "string", "任务行数": "int64", "说明": "string"}), problems,
                    errors)


def _file_error(name: str, sheet: str | None, e: DataValidationError) -> DataValidationError:
    """``e`` (raised reading the returned list ``name``) as one error naming the file and the sheet (and the
    column, when ``e`` names one), 中文 + English; the column and row attributes of ``e`` are kept."""
    where_zh = f"文件「{name}」" + (f"工作表「{sheet}」" if sheet else "")
    where_en = f"File {name}" + (f", sheet {sheet}" if sheet else "")
    err = DataValidationError(f"{where_zh}: {e.message_zh} 该文件未读取。",
                              f"{where_en}: {e.message_en} The file was skipped.", table=e.table, sheet=sheet,
                              column=e.column, column_zh=e.column_zh, excel_row=e.excel_row)
    err.__cause__ = e
    return err


def _is_task_list(path: Path) -> bool:
    """True when ``path`` is a workbook with a 营销任务 sheet (False when it cannot be read)."""
    from .. import io as bio

    try:
        return TASK_SHEET in bio._Book(path).sheets
    except DataValidationError:
        return False


def _load(book: Any, sheet: str, spec: TableSpec, problems: ProblemLog, name: str) -> pd.DataFrame:
    from .. import io as bio

    raw, first = book.sheet(sheet)
    lt = bio.load_frame(raw, spec, sheet=sheet, first_excel_row=first, problems=problems, source=name,
                        date1904=book.date1904)
    df = lt.df.rename(columns={"_row": "row"})
    for c in spec.columns:
        if c.id not in df.columns:
            df[c.id] = pd.NA
    return df


def _frame(parts: list[pd.DataFrame], cols: dict[str, str]) -> pd.DataFrame:
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in cols.items()})
    df = pd.concat([p.reindex(columns=list(cols)) for p in parts], ignore_index=True)
    for c, t in cols.items():
        if t == "string":
            df[c] = df[c].astype("string").str.strip().replace("", pd.NA)
        elif t.startswith("datetime"):
            df[c] = pd.to_datetime(df[c], errors="coerce").astype("datetime64[ns]")
        elif t == "float64":
            df[c] = pd.to_numeric(df[c], errors="coerce").astype("float64")
        else:
            df[c] = pd.to_numeric(df[c], errors="coerce").astype(t)
    return df


def _shown(text: pd.Series, mask: bool) -> pd.Series:
    """Text a manager typed (``"string"`` Series) as a report shows it: ID, phone and card numbers and labelled
    names masked (:func:`bankxl.masking.mask_free_text`) when ``mask``, else as is."""
    return mask_free_text(text) if mask else text.astype("string")


KEY_REASON = ("客户号与本行「来源名单」在本文件「任务明细」中的名单对不上(可能改动了客户号), 未计入; 请改回原客户号")
DUP_REASON = "同一文件中该客户号出现在多行(可能改动了其中一行的客户号), 无法确定哪一行属于该客户, 均未计入"
NODETAIL_REASON = f"文件没有「{DETAIL_SHEET}」工作表, 无法核对客户号, 未计入"


def match_rows(ret: Returned, problems: ProblemLog, mask: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(matched, unmatched) task rows of ``ret`` (rule in the module docstring).

    matched: one row per (cust_id, as_of) — the returned task with its feedback, ``file`` it was taken
    from and ``conflict`` (True: different feedback in two files, feedback blanked); 结果 outside
    :data:`RESULTS` is blanked (VALUE_INVALID). unmatched: the rows not counted with ``reason``. Problems
    (FEEDBACK_KEY, FEEDBACK_CONFLICT, VALUE_INVALID) are recorded in ``problems`` under the file's name; with
    ``mask`` their 结果 原值 (text a manager typed) through :func:`bankxl.masking.mask_free_text`.
    Vectorised: one explode + merge over all rows."""
    t = ret.tasks.reset_index(drop=True).assign(rid=lambda d: np.arange(len(d)))
    d = ret.detail.dropna(subset=["cust_id", "list_key"]).drop_duplicates(["file", "cust_id", "list_key"])
    keys = t[["rid", "file", "cust_id", "lists"]].assign(token=t["lists"].str.split("、")).explode("token")
    keys["token"] = keys["token"].astype("string").str.strip().replace("", pd.NA)
    keys = keys.dropna(subset=["token"]).drop_duplicates(["rid", "token"])
    # 来源名单 names a list by its 名单 (中文, e.g. D2 提醒名单) or by its 名单键 (task lists
    # written before 来源名单 showed 中文): either resolves
    # to the 名单键 through the same file's 任务明细 rows of that 客户号
    lookup = pd.concat([d[["file", "cust_id", "list_key"]].assign(token=d["list_key"]),
                        d[["file", "cust_id", "list_key"]].assign(token=d["list_title"])], ignore_index=True)
    lookup = lookup.astype({"token": "string"}).dropna(subset=["token"]).drop_duplicates()
    hit = keys.merge(lookup, on=["file", "cust_id", "token"], how="left")
    all_hit = hit["list_key"].notna().groupby(hit["rid"]).all().reindex(t["rid"]).fillna(False).to_numpy(dtype=bool)
    found = hit.dropna(subset=["list_key"]).drop_duplicates(["rid", "list_key"])
    n_keys = found.groupby("rid").size().reindex(t["rid"]).fillna(0).to_numpy()
    n_det = d.groupby(["file", "cust_id"]).size().rename("n").reset_index()
    n_have = t[["file", "cust_id"]].merge(n_det, on=["file", "cust_id"], how="left")["n"].fillna(0).to_numpy()
    ok = all_hit & (n_keys > 0) & (n_keys == n_have)
    with_detail = t["file"].isin(set(ret.detail["file"].dropna())).to_numpy(dtype=bool)
    dup = (t.duplicated(["file", "cust_id"], keep=False) & t["cust_id"].notna()).to_numpy(dtype=bool)
    reason = np.where(~with_detail, NODETAIL_REASON, np.where(dup, DUP_REASON, KEY_REASON))
    bad = ~(ok & ~dup & with_detail)
    un = t[bad].assign(reason=reason[bad])
    for (file, why), g in un.groupby(["file", "reason"], sort=True):
        problems.record(str(file), g["row"], "客户号", "FEEDBACK_KEY", g["cust_id"].fillna("").to_numpy(dtype=object),
                        str(why), "未计入反馈统计", sheet=TASK_SHEET)
    m = t[~bad].copy()
    res = m["result"].str.replace(r"\s+", "", regex=True)
    odd = res.notna() & ~res.isin(RESULTS)
    for file, g in m[odd.to_numpy()].groupby("file", sort=True):
        problems.record(str(file), g["row"], "结果", "VALUE_INVALID", _shown(g["result"], mask).to_numpy(dtype=object),
                        "结果应为 " + "/".join(RESULTS), "按未反馈计", sheet=TASK_SHEET)
    m["result"] = res.where(~odd)
    fb_cols = ["follow_date", "channel", "result", "amount", "remark"]
    m["has_fb"] = m[fb_cols].notna().any(axis=1)
    # one row per customer and round: the filled-in one; two different filled-in ones conflict
    fb = m[m["has_fb"]]
    sig = pd.util.hash_pandas_object(fb[fb_cols].astype("string").fillna("\x00"), index=False)
    n_sig = sig.groupby([fb["cust_id"], fb["as_of"]]).nunique()
    clash = n_sig[n_sig > 1]
    m = m.sort_values(["cust_id", "as_of", "has_fb", "file", "row"], ascending=[True, True, False, True, True],
                      kind="stable")
    key = pd.MultiIndex.from_frame(m[["cust_id", "as_of"]])
    m["conflict"] = key.isin(clash.index) if len(clash) else False
    if len(clash):
        c = m[m["conflict"].to_numpy() & m["has_fb"].to_numpy()]
        for file, g in c.groupby("file", sort=True):
            problems.record(str(file), g["row"], "结果", "FEEDBACK_CONFLICT",
                            _shown(g["result"], mask).fillna("").to_numpy(dtype=object),
                            "同一客户同一轮次在几个文件中的反馈不同", "该客户本轮反馈按未知计(任务仍计入)", sheet=TASK_SHEET)
    m = m.drop_duplicates(["cust_id", "as_of"]).reset_index(drop=True)
    m.loc[m["conflict"].to_numpy(dtype=bool), fb_cols] = pd.NA
    return m.drop(columns=["rid", "has_fb"]), un.drop(columns=["rid"]).reset_index(drop=True)


def refusals(matched: pd.DataFrame) -> pd.DataFrame:
    """(cust_id, date, basis) of every matched 拒绝: date = 跟进日期, else the list's 数据日期 (basis says which)."""
    r = matched[matched["result"].eq("拒绝").fillna(False).to_numpy(dtype=bool)]
    date = r["follow_date"].fillna(r["as_of"])
    basis = np.where(r["follow_date"].notna(), "跟进日期", "名单数据日期")
    return pd.DataFrame({"cust_id": r["cust_id"].to_numpy(), "date": date.to_numpy(),
                         "basis": pd.array(basis, dtype="string")})


# ============================================================================================== the report
@dataclass(frozen=True)
class FeedbackParams:
    """Parameters of the 营销反馈 report (``bankxl feedback --param``)."""

    min_contacted: int = param(30, "校准最小样本", "户",
                               "比较两档转化率时, 每档至少要有这么多已联系客户, 否则只列数字、不下结论", min=1, max=100000)


COUNT_COLS = ("任务数", "已反馈", "已联系", *RESULTS)
UNASSIGNED = "(未填)"  # a blank group key (no 客户经理 / 机构号 on the task row)


def rates(df: pd.DataFrame, by: Sequence[str], money: str) -> pd.DataFrame:
    """Per group of ``by`` (columns of ``df``, one row per task or per task × list): 任务数, 已反馈, 已联系, one
    count per :data:`RESULTS`, 反馈率 (已反馈/任务数), 转化率 (已成交/已联系; blank when 已联系 = 0), ``money``
    (成交金额: sum of ``amount`` over 已成交 rows; blank when none has an amount). Groups on categorical keys."""
    r = df["result"]
    cnt = pd.DataFrame({"任务数": 1, "已反馈": r.notna(), "已联系": r.isin(REACHED)}, index=df.index)
    for k in RESULTS:
        cnt[k] = r.eq(k).fillna(False)
    cnt = cnt.astype("int64")
    cnt[money] = df["amount"].where(r.eq("已成交").fillna(False))
    keys = [df[b].astype("string").fillna(UNASSIGNED).astype("category") for b in by]
    g = cnt.groupby(keys, observed=True, sort=True)
    out = g[list(COUNT_COLS)].sum()
    out[money] = g[money].sum(min_count=1)
    out = out.reset_index()
    out.columns = [*by, *out.columns[len(by):]]
    out.insert(len(by) + 3, "反馈率", out["已反馈"] / out["任务数"])
    out.insert(len(by) + 4, "转化率", (out["已成交"] / out["已联系"].where(out["已联系"] > 0)).astype("float64"))
    for b in by:
        out[b] = out[b].astype("string")
    return out


def calibration_lines(best: pd.DataFrame, min_n: int) -> list[str]:
    """Sentences comparing 转化率 of consecutive best levels (档位 1 vs 2, 2 vs 3 …): higher / not higher, or not
    enough reached customers (< ``min_n``) to say."""
    lines = []
    b = best.sort_values("最好档位", kind="stable").reset_index(drop=True)
    rank, reached = b["最好档位"].astype("int64").tolist(), b["已联系"].astype("int64").tolist()
    rate = b["转化率"].astype("float64").tolist()  # one entry per level (a handful), not per customer

    def fmt(i):
        return "空(无人联系上)" if rate[i] != rate[i] else f"{rate[i]:.1%}"

    for i in range(len(b) - 1):
        head = (f"第 {rank[i]} 档 转化率 {fmt(i)}(已联系 {reached[i]} 户) 对 第 {rank[i + 1]} 档 "
                f"{fmt(i + 1)}(已联系 {reached[i + 1]} 户): ")
        if min(reached[i], reached[i + 1]) < min_n:
            lines.append(head + f"样本不足(每档至少 {min_n} 户已联系), 暂不下结论。")
        elif rate[i] > rate[i + 1]:
            lines.append(head + "高档位转化更好, 优先级规则得到支持。")
        else:
            lines.append(head + "高档位转化并不更好, 请复核该档的规则与阈值。")
    return lines or ["只有一个档位有任务, 无法比较。"]


def build_feedback_report(matched: pd.DataFrame, unmatched: pd.DataFrame, detail: pd.DataFrame,
                          files: pd.DataFrame, p: FeedbackParams, ctx: RunContext) -> Report:
    """The 营销反馈 report (module docstring) without 说明/数据问题 (the caller adds them).

    ``matched`` / ``unmatched``: :func:`match_rows`; ``detail``: :attr:`Returned.detail` (the lists of each
    task: a task counts for every list it is on, in the file it was taken from); ``files``: :attr:`Returned.files`.
    Money in 元 (``ctx.base_label``). With ``ctx.mask`` the text a manager typed (备注, 跟进方式, 最好等级 on
    反馈明细; 来源名单, 结果 on 未匹配) is masked (:func:`bankxl.masking.mask_free_text`)."""
    money = ctx.base_label("成交金额")
    m = matched.assign(机构号=matched["org_id"], 客户经理=matched["mgr_id"],
                       数据日期=matched["as_of"].dt.strftime("%Y-%m-%d"))
    lists = m[["file", "cust_id", "as_of", "result", "amount"]].merge(
        detail.drop(columns=["as_of"]).drop_duplicates(["file", "cust_id", "list_key"]), on=["file", "cust_id"])
    lists = lists.assign(场景=lists["scenario"], 名单=lists["list_title"], 等级=lists["level"],
                         档位=lists["rank"].astype("Int64"))
    best_rank = lists.groupby(["cust_id", "as_of"])["rank"].min().rename("best_rank").reset_index()
    m["最好档位"] = m[["cust_id", "as_of"]].merge(best_rank, on=["cust_id", "as_of"], how="left")[
        "best_rank"].astype("Int64").to_numpy()

    total = rates(m.assign(全部="全部"), ["全部"], money)
    by_scn = rates(lists.drop_duplicates(["cust_id", "as_of", "场景"]), ["场景"], money)
    by_list = rates(lists, ["名单", "档位", "等级"], money)
    by_list["档位"] = pd.to_numeric(by_list["档位"], errors="coerce").astype("Int64")
    by_list = by_list.sort_values(["名单", "档位"], kind="stable").reset_index(drop=True)
    by_best = rates(m, ["最好档位"], money)
    by_best["最好档位"] = pd.to_numeric(by_best["最好档位"], errors="coerce").astype("Int64")
    by_best = by_best.sort_values("最好档位", kind="stable").reset_index(drop=True)
    by_best.insert(1, "档位", ("第 " + by_best["最好档位"].astype("string") + " 档").fillna("未定档"))
    by_org = rates(m, ["机构号"], money)
    by_mgr = rates(m, ["客户经理"], money)
    by_round = rates(m, ["数据日期"], money)
    calib = calibration_lines(by_best.dropna(subset=["最好档位"]), p.min_contacted)

    tot = total.iloc[0] if len(total) else None

    def fig(label, col, unit, fmt):
        v = None if tot is None or pd.isna(tot[col]) else float(tot[col])
        return Figure(label, v, unit, fmt, note=None if v is not None else "无人联系上/未填金额, 未知")

    figures = [fig("任务数", "任务数", "户", "int"), fig("已反馈", "已反馈", "户", "int"),
               fig("反馈率", "反馈率", "%", "pct1"), fig("已联系", "已联系", "户", "int"),
               fig("转化率(已成交/已联系)", "转化率", "%", "pct1"), fig(money, money, "元", "money0")]
    fmt = {c: "int" for c in COUNT_COLS} | {"反馈率": "pct1", "转化率": "pct1", money: "money0"}
    detail_cols = m.assign(跟进日期=m["follow_date"], 跟进方式=m["channel"], 结果=m["result"],
                           金额=m["amount"], 备注=m["remark"], 来源名单=m["lists"], 最好等级=m["best"], 文件=m["file"],
                           反馈冲突=np.where(m["conflict"].to_numpy(dtype=bool), "是", None))
    shown = detail_cols[["cust_id", "数据日期", "机构号", "客户经理", "最好等级", "最好档位", "来源名单", "跟进日期",
                         "跟进方式", "结果", "金额", "备注", "文件", "反馈冲突"]].rename(
        columns={"cust_id": "客户号", "金额": ctx.base_label("金额")})
    for c in ("备注", "跟进方式", "最好等级"):  # typed by a manager: may hold an ID or phone number
        shown[c] = _shown(shown[c], ctx.mask)
    un = unmatched.assign(客户号=unmatched["cust_id"], 文件=unmatched["file"], Excel行号=unmatched["row"],
                          来源名单=_shown(unmatched["lists"], ctx.mask), 数据日期=unmatched["as_of"],
                          结果=_shown(unmatched["result"], ctx.mask),
                          原因=unmatched["reason"])[["文件", "Excel行号", "客户号", "来源名单", "数据日期", "结果", "原因"]]
    un = un.rename(columns={"Excel行号": "Excel 行号"})
    n_rounds = m["数据日期"].nunique()
    rep = Report("营销反馈", method=[
        "读取客户经理退回的营销任务清单(文件夹下全部 .xlsx, 含子文件夹), 按 客户号 + 名单键(任务明细) + 数据日期 核对每一行;"
        " 客户号与名单对不上、或同一文件中重复的行列入「未匹配」, 不猜测归属。",
        "已反馈 = 填了结果; 已联系 = 已成交/有意向/拒绝; 转化率 = 已成交 ÷ 已联系(无人联系上时为空, 不是 0); "
        f"{money} = 结果为已成交的行的金额之和(都未填金额时为空)。",
        "按场景、名单与等级统计时, 同一客户在几张名单上就计入每一张(各行相加会多于任务数); 按最好档位统计时每位客户只计一次, "
        "用来校准优先级规则: 第 1 档是否比第 2 档转化更好。",
        "同一客户同一轮次(数据日期)出现在多个文件(如整份清单与客户经理的拆分文件)时, 取填写了反馈的一行; 两个文件反馈不同时"
        "列入数据问题, 该客户本轮反馈按未知计。"],
        notes=[f"读取 {int((files['状态'] == '已读取').sum())} 个文件, {len(m):,} 个任务(客户 × 轮次), "
               f"{n_rounds} 个轮次; 未匹配 {len(un):,} 行。"])
    rep.headline = Headline(figures, chart=Chart("by_best_level", "档位", ["转化率"], kind="column",
                                                 title="各最好档位的转化率(已成交/已联系)", number_format="0%"),
                            lines=calib[:2], sheet="反馈概览")
    rep.sheets = [
        Sheet("优先级校准", [Note(title="优先级校准: 高档位是否转化更好", lines=calib),
                             Table(by_best, name="by_best_level", title="按最好档位(每位客户一次)", formats=fmt),
                             Table(by_list, name="by_list_level", title="按名单与等级(客户在几张名单上计入每张)",
                                   formats=fmt | {"档位": "int"}, empty_note="没有可核对的名单行")],
              print_role="summary"),
        Sheet("按场景", [Table(by_scn, name="by_scenario", title="按场景", formats=fmt, empty_note="没有反馈")],
              print_role="summary"),
        Sheet("按机构", [Table(by_org, name="by_org", title="按机构(任务的机构号)", formats=fmt,
                               text_columns=("机构号",), empty_note="没有反馈")], print_role="summary"),
        Sheet("按客户经理", [Table(by_mgr, name="by_manager", title="按客户经理(任务的归属经理)", formats=fmt,
                                   text_columns=("客户经理",), empty_note="没有反馈")], print_role="summary"),
        Sheet("按轮次", [Table(by_round, name="by_round", title="按轮次(名单数据日期)", formats=fmt,
                               empty_note="没有反馈")], print_role="summary"),
        Sheet("反馈明细", [Table(shown, name="feedback_rows", title="反馈明细(每位客户每轮一行)", role="detail",
                                 text_columns=("客户号", "机构号", "客户经理", "来源名单"),
                                 formats={"跟进日期": "date", ctx.base_label("金额"): "money0", "最好档位": "int"},
                                 widths={"来源名单": 40, "备注": 30}, empty_note="没有读到任务行")]),
        Sheet("未匹配", [Note(title="未匹配的行", lines=[
            "这些行的客户号与其来源名单/数据日期对不上, 或在同一文件中重复, 未计入统计; 请核对后改回原客户号再汇总。"]),
            Table(un, name="unmatched", title="未匹配的行", text_columns=("客户号", "来源名单", "文件"),
                  formats={"数据日期": "date", "Excel 行号": "0"}, widths={"原因": 60},
                  empty_note="全部行都已核对")]),
        Sheet("读取文件", [Table(files, name="files_read", title="读取的文件", formats={"任务行数": "int"},
                                 widths={"说明": 60})], print_role="summary"),
    ]
    rep.meta["feedback"] = {"matched": m, "unmatched": un, "total": total, "by_scenario": by_scn,
                            "by_list": by_list, "by_best": by_best, "by_org": by_org, "by_manager": by_mgr,
                            "by_round": by_round, "calibration": calib}
    return rep


def run_feedback(lists_dir: str | Path, out: str | Path, *, params: Any = None, as_of: Any = None,
                 mask: bool = True) -> tuple[Path, Report]:
    """``bankxl feedback``: read the returned lists under ``lists_dir`` and write the 营销反馈 report to ``out``
    (an .xlsx; written atomically; ``out`` is never read as a list). Parameters are checked before reading.
    A returned list that cannot be read (a required column deleted …) is skipped and said (读取文件 sheet, a
    log warning); the others are read. ``mask`` (default): the text a manager typed (备注, 跟进方式, 最好等级,
    and 来源名单 / 结果 of unmatched rows and on 数据问题) is shown through :func:`bankxl.masking.mask_free_text`.
    Raises ParameterError (bad parameter), DataValidationError (no folder; no task list found; no file could
    be read: then each file's reason — file, sheet, missing column, 中文 + English), BankxlError (``out`` is one
    of the returned lists, not an .xlsx, a folder, or any other existing file that is not a report bankxl wrote:
    :func:`bankxl.runner.check_output`; a user's workbook is never overwritten, an earlier report is replaced)."""
    from ..calendar import BankCalendar
    from ..errors import BankxlError
    from ..report.xlsx import write_report
    from ..scenario import Scenario, make_params, parse_as_of
    from ..runner import check_output, finish

    p = make_params(FeedbackParams, params)
    day = parse_as_of(as_of) if as_of is not None and str(as_of).strip() else None
    out = Path(out)
    problems = ProblemLog()
    if out.exists() and out.resolve() in {f.resolve() for f in list_files(lists_dir)} and _is_task_list(out):
        raise BankxlError(f"--out「{out}」是一份退回的名单, 不能覆盖; 请换一个文件名。",
                          f"--out {out} is one of the returned lists; it is never overwritten.")
    check_output(out, [])  # not .xlsx, a folder, or an existing file that is not an earlier bankxl report
    ret = read_lists(lists_dir, exclude=[out], problems=problems)
    if ret.errors and not (ret.files["状态"] == "已读取").any():
        raise DataValidationError(
            f"文件夹「{lists_dir}」中的营销任务清单都未能读取: " + " ".join(e.message_zh for e in ret.errors),
            f"No task list in folder {lists_dir} could be read: " + " ".join(e.message_en for e in ret.errors))
    if not (ret.files["状态"] == "已读取").any():
        raise DataValidationError(
            f"文件夹「{lists_dir}」中没有可读取的营销任务清单(含「{TASK_SHEET}」工作表的 .xlsx)。",
            f"Folder {lists_dir} holds no task list (.xlsx with a {TASK_SHEET} sheet).")
    matched, unmatched = match_rows(ret, problems, mask=mask)
    if day is None:
        dates = ret.tasks["as_of"].dropna()
        if not len(dates):
            raise DataValidationError("退回的名单中没有数据日期, 请用 --as-of 给出报告日期。",
                                      "The returned lists hold no 数据日期; give --as-of.")
        day = dates.max()
    ctx = RunContext(as_of=pd.Timestamp(day), calendar=BankCalendar(None), mask=mask)
    ctx.problems = problems
    report = build_feedback_report(matched, unmatched, ret.detail, ret.files, p, ctx)
    spec = Scenario(id="crossview.feedback", code="ALL", title="营销反馈", group="综合管理", inputs=(),
                    params=FeedbackParams, run=lambda *_a: None)
    finish(report, spec, p, ctx, {})
    return write_report(report, out), report
