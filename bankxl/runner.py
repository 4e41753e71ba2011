"""One runner for every front end: load -> validate -> run -> finish (说明, 数据问题) -> write.

The CLI (``bankxl run``/``demo``) and the Excel ribbon (``bankxl.xl.ribbon``) both call
:func:`run_scenario` (files/DataFrames in, report file out) or :func:`execute` (typed tables in,
:class:`~bankxl.report.Report` out).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import pandas as pd

from . import __version__
from .conform import conform
from .engine import usage as engine_usage
from .engine.inputs import RELATION_READY, file_read_errors
from .errors import BankxlError, DataValidationError, ProblemLog, strict_error
from .report import Note, Report, Sheet, Table
from .report.xlsx import write_report
from .rules.identity import check_cust_id_coverage
from .scenario import (RunContext, Scenario, check_as_of_range, get_scenario, make_params, params_hash, params_table,
                       parse_as_of, parse_currency)
from .tables import get_table

log = logging.getLogger(__name__)


@dataclass
class RunResult:
    """What a run produced: the report, where it was written (None when not written), the problems."""

    report: Report
    path: Path | None
    problems: ProblemLog
    inputs: dict[str, dict] = field(default_factory=dict)


def _date_counts(df: Any, column: str) -> pd.Series:
    """The distinct non-missing values of date column ``column`` of ``df`` with their row counts (a Series: count
    indexed by the value, a DatetimeIndex). A table read through DuckDB counts them there
    (:meth:`bankxl.engine.inputs.DuckTable.counts`: dates have few distinct values; the column never comes to
    pandas), a frame with ``value_counts``. The runner's date rules (data date, DATE_OUTLIER, date ranges) run on
    these, so they are written once for both."""
    if hasattr(df, "relation"):
        return df.counts(column)
    return pd.to_datetime(df[column]).value_counts()


def _naive(days: pd.DatetimeIndex) -> pd.DatetimeIndex:
    return days.tz_localize(None) if getattr(days, "tz", None) is not None else days


def data_dates(tables: Mapping[str, pd.DataFrame]) -> set[pd.Timestamp]:
    """The distinct 数据日期 values (``as_of`` columns) found in the inputs."""
    found: set[pd.Timestamp] = set()
    for df in tables.values():
        if "as_of" in df.columns:
            found.update(pd.Timestamp(d) for d in _date_counts(df, "as_of").index.normalize().unique())
    return found


#: columns holding the date a record began (a deposit's 起息日, a loan's 放款日, an account's 开户日期, a balance's
#: 日期, a month, a transaction's time): the data date is expected on or after them (:func:`as_of_warnings`)
RECORD_DATES = ("value_date", "start_date", "open_date", "date", "month", "txn_ts")
#: a data date this long after the latest record date is suspicious (:func:`as_of_warnings`)
AS_OF_LATE = pd.DateOffset(years=1)


def _record_date_ranges(tables: Mapping[str, pd.DataFrame]) -> list[tuple[str, pd.Timestamp, pd.Timestamp]]:
    """(「表」列, earliest, latest) of every :data:`RECORD_DATES` column with values in ``tables``."""
    out = []
    for t, df in tables.items():
        for c in RECORD_DATES:
            days = _naive(_date_counts(df, c).index) if c in df.columns else ()
            if len(days):
                where = f"「{get_table(t).zh}」{get_table(t).column(c).zh}"
                out.append((where, days.min().normalize(), days.max().normalize()))
    return out


def latest_record_dates(tables: Mapping[str, pd.DataFrame]) -> list[tuple[str, pd.Timestamp]]:
    """(「表」列, latest date) of the :data:`RECORD_DATES` columns in ``tables``, latest first."""
    return sorted(((w, hi) for w, _lo, hi in _record_date_ranges(tables)), key=lambda x: x[1], reverse=True)


def as_of_warnings(as_of: pd.Timestamp, tables: Mapping[str, pd.DataFrame]) -> list[str]:
    """Warnings (Chinese + English, one line each) when ``as_of`` lies before the earliest value of a
    :data:`RECORD_DATES` column (records counted before they began) or more than :data:`AS_OF_LATE` after the
    latest of all of them. A warning, never an error: the user may mean it."""
    ranges = _record_date_ranges(tables)
    out = [f"数据日期 {as_of:%Y-%m-%d} 早于{w}的最早日期 {lo:%Y-%m-%d}: 在数据日期时这些记录尚未发生, 请核对数据日期。"
           f" The as-of date is before the earliest {w} ({lo:%Y-%m-%d})."
           for w, lo, _hi in ranges if as_of < lo]
    if ranges:
        w, hi = max(((w, hi) for w, _lo, hi in ranges), key=lambda x: x[1])
        if as_of > hi + AS_OF_LATE:
            out.append(f"数据日期 {as_of:%Y-%m-%d} 晚于{w}的最晚日期 {hi:%Y-%m-%d} 一年以上, 请核对数据日期。"
                       f" The as-of date is over a year after the latest {w} ({hi:%Y-%m-%d}).")
    return out


#: defaults of the shared settings when neither the caller nor the 参数 table gives one
SETTING_DEFAULTS: dict[str, Any] = {"as_of": None, "scale": 10_000, "mask": True, "mask_accounts": True,
                                    "currency": None}


def merge_settings(explicit: Mapping[str, Any] | None, common: Mapping[str, Any] | None) -> dict[str, Any]:
    """The shared settings of a run — ``as_of``, ``scale``, ``mask``, ``mask_accounts``, ``currency`` — from the
    two places a user sets them.

    Precedence, per key: an explicit value (CLI ``--as-of`` / ``--scale`` / ``--no-mask`` / ``--currency``;
    ``None`` or a missing key = not given) > the 参数 table's 通用 row (``common``, as returned by
    :func:`bankxl.paramsheet.read_settings`: 数据日期 / 金额单位 / 脱敏 / 账号脱敏 / 币种) > the data / default:
    ``as_of`` stays None so :func:`resolve_as_of` takes it from the data (数据日期 column or ``spec.as_of_from``),
    ``currency`` None so :func:`resolve_currency` takes it from the data (else CNY), ``scale`` 10,000 (万元),
    ``mask`` and ``mask_accounts`` True. A blank string counts as not given. Returns a
    new dict with exactly the keys of :data:`SETTING_DEFAULTS`; other keys of ``common`` (e.g. the ribbon's
    insert_sheets) are ignored. Raises nothing.
    """
    out: dict[str, Any] = {}
    for key, default in SETTING_DEFAULTS.items():
        value = default
        for source in (common or {}, explicit or {}):
            v = source.get(key)
            if v is not None and not (isinstance(v, str) and not v.strip()):
                value = v
        out[key] = value
    return out


def resolve_as_of(spec: Scenario, tables: Mapping[str, pd.DataFrame], as_of: Any = None) -> pd.Timestamp:
    """The data date: explicit ``as_of`` (:func:`bankxl.scenario.parse_as_of`: ParameterError for a clock word,
    an impossible day or one outside 1900-01-01 … 2200-12-31); else the single 数据日期 (``as_of`` column) in
    the inputs; else the latest date of ``spec.as_of_from``. Raises DataValidationError saying how to give
    one, or naming a data date outside the supported range."""
    if as_of is not None and str(as_of).strip():
        return parse_as_of(as_of)
    day = _as_of_from_data(spec, tables)
    check_as_of_range(day, "数据中的数据日期", error=DataValidationError, column="as_of", column_zh="数据日期")
    return day


#: the data date taken from a ``spec.as_of_from`` column is set by the latest month that holds at least this
#: share of the column's median rows per month (months with any row): a lone row dated far ahead (a typo
#: 2099-01) does not move it; rows dated after that month are DATE_OUTLIER (:func:`as_of_outliers`)
AS_OF_MIN_SHARE = 0.02


@dataclass
class AsOfCut:
    """The data date a ``spec.as_of_from`` column gives (:func:`as_of_outliers`): ``day``; ``month`` the latest
    material month; ``beyond`` a boolean mask (index of the table) of the rows dated after that month."""

    table: str
    column: str
    day: pd.Timestamp
    month: pd.Period
    beyond: pd.Series


def as_of_outliers(spec: Scenario, tables: Mapping[str, pd.DataFrame]) -> AsOfCut | None:
    """The data date of ``spec.as_of_from`` = (table, column) and the rows left out to find it; None when the
    scenario has no such column or it holds no date.

    Rule (vectorised): count the column's rows per calendar month; a month is material when it holds at least
    :data:`AS_OF_MIN_SHARE` (2%) of the median count of the months with rows (and at least one row); the data
    date is the end of the latest material month for a month column (月份), else the latest date on or before
    that month's end. Rows dated after that month are returned in ``beyond`` (the runner records them as
    DATE_OUTLIER and leaves them out). With every month material nothing changes: the data date is the latest
    date, as before. Decided on the column's distinct dates and their counts (:func:`_date_counts`); the row mask
    ``beyond`` reads the column only when some row is dated after that month (else all False)."""
    if not spec.as_of_from:
        return None
    t, c = spec.as_of_from
    df = tables.get(t)
    if df is None or c not in df.columns:
        return None
    per_day = _date_counts(df, c)
    if not len(per_day):
        return None
    days = _naive(per_day.index)
    day_months = days.to_period("M")
    counts = per_day.groupby(day_months).sum()  # rows per month
    need = max(1.0, AS_OF_MIN_SHARE * float(counts.median()))
    last = counts.index[counts.to_numpy() >= need].max()
    if (day_months > last).any():
        dates = pd.to_datetime(df[c])
        if getattr(dates.dt, "tz", None) is not None:
            dates = dates.dt.tz_localize(None)
        months = dates.dt.to_period("M")
        beyond = months.notna() & (months > last)
    else:
        beyond = pd.Series(False, index=getattr(df, "index", pd.RangeIndex(len(df))))
    if get_table(t).column(c).kind == "month":
        day = last.to_timestamp() + pd.offsets.MonthEnd(0)
    else:
        day = pd.Timestamp(days[day_months <= last].max()).normalize()
    return AsOfCut(t, c, pd.Timestamp(day).normalize(), last, beyond)


def _as_of_from_data(spec: Scenario, tables: Mapping[str, pd.DataFrame]) -> pd.Timestamp:
    found = data_dates(tables)
    if len(found) == 1:
        return pd.Timestamp(next(iter(found)))
    if len(found) > 1:
        dates = ", ".join(sorted(pd.Timestamp(d).strftime("%Y-%m-%d") for d in found)[:5])
        raise DataValidationError(
            f"输入数据中有多个数据日期({dates}), 请用 --as-of 或参数表的「数据日期」指定一个。",
            "The inputs hold several as-of dates; give one with --as-of.", column="as_of", column_zh="数据日期")
    cut = as_of_outliers(spec, tables)
    if cut is not None:
        return cut.day
    # a loaded frame lists the columns its file had (attrs["columns_found"]); a typed frame has them all
    has_col = [n for n, df in tables.items() if "as_of" in df.columns
               and "as_of" in df.attrs.get("columns_found", ["as_of"])]
    empty = [n for n, df in tables.items() if len(df) == 0]
    no_rows = f"(输入表 {'、'.join(f'「{get_table(n).zh}」({n})' for n in empty)} 没有数据行)" if empty else ""
    no_rows_en = f" (input table(s) {', '.join(empty)} have no data rows)" if empty else ""
    latest = latest_record_dates(tables)
    seen = (f"(数据中最晚的日期: {'、'.join(f'{w} {d:%Y-%m-%d}' for w, d in latest[:3])}; 数据日期通常不早于它们)"
            if latest else "")
    seen_en = (f" (latest dates in the data: {', '.join(f'{d:%Y-%m-%d}' for _w, d in latest[:3])})" if latest else "")
    how = f"请用命令行参数 --as-of YYYY-MM-DD{seen}, 或在参数表(--params 文件 / Excel 中的「参数」工作表)的「数据日期」行填写。"
    how_en = f"Pass --as-of YYYY-MM-DD{seen_en}, or fill 数据日期 in the parameter table (--params file / 参数 sheet)."
    if has_col:
        raise DataValidationError(
            f"无法确定数据日期: 「数据日期」列存在但没有值{no_rows or '(该列全为空)'}。{how}",
            f"No as-of date: the 数据日期 (as_of) column is there but empty{no_rows_en}. {how_en}",
            column="as_of", column_zh="数据日期")
    raise DataValidationError(
        f"无法确定数据日期: 数据中没有「数据日期」列{no_rows}。{how}",
        f"No as-of date: the data has no 数据日期 (as_of) column{no_rows_en}. {how_en}")


def leave_out_date_outliers(spec: Scenario, tables: Mapping[str, pd.DataFrame], as_of: Any,
                            problems: ProblemLog) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """When the data date comes from ``spec.as_of_from`` (no explicit ``as_of``, no 数据日期 column value):
    the rows of that column dated after the data date's month (:func:`as_of_outliers`) are recorded on 数据问题
    as DATE_OUTLIER (Excel row, 原值) and left out. Returns (the tables, that table filtered; 说明 lines naming
    the rule). An explicit ``as_of`` leaves every row in: the user said which date the data are."""
    out = dict(tables)
    if (as_of is not None and str(as_of).strip()) or data_dates(tables):
        return out, []
    cut = as_of_outliers(spec, tables)
    if cut is None or not cut.beyond.any():
        return out, []
    df = tables[cut.table]
    col = get_table(cut.table).column(cut.column)
    bad = df.loc[cut.beyond.to_numpy()]
    dates = pd.to_datetime(bad[cut.column])
    shown = dates.dt.strftime("%Y-%m" if col.kind == "month" else "%Y-%m-%d")
    rows = bad["_row"] if "_row" in bad.columns else pd.Series(pd.NA, index=bad.index)
    n = len(bad)
    rule = (f"数据日期取「{get_table(cut.table).zh}」{col.zh}({cut.column})中最晚的、行数不少于各月行数中位数 "
            f"{AS_OF_MIN_SHARE:.0%} 的月份 {cut.month}")
    problems.record(cut.table, rows, cut.column, "DATE_OUTLIER", shown.reset_index(drop=True),
                    f"{col.zh}晚于数据日期所在月份 {cut.month}, 且该月份行数过少(不足各月中位数的 {AS_OF_MIN_SHARE:.0%})",
                    "该行未参与计算, 也不用于推断数据日期; 如日期无误请用 --as-of 指定数据日期")
    out[cut.table] = df.loc[~cut.beyond.to_numpy()]
    latest = shown.loc[dates.idxmax()]
    note = (f"{rule}: {cut.day:%Y-%m-%d}。晚于该月的 {n} 行(最晚 {latest})视为异常日期(DATE_OUTLIER), "
            "列在「数据问题」, 未参与计算; 如这些日期无误, 请用 --as-of 指定数据日期。"
            f" The as-of date is the end of the latest month holding at least {AS_OF_MIN_SHARE:.0%} of the median "
            f"monthly rows of {cut.table}.{cut.column} ({cut.day:%Y-%m-%d}); {n} row(s) dated later are left out.")
    return out, [note]


#: dated tables whose rows dated after the data date's month no scenario uses: (table, date column). 客户月度存款:
#: a 月份 after the data date is never "latest" nor in a window (:mod:`bankxl.rules.deposits`; D3/D4 windows alike)
UNUSED_AFTER_AS_OF = (("customer_monthly", "month"),)


def after_as_of_notes(spec: Scenario, tables: Mapping[str, Any], day: pd.Timestamp) -> list[str]:
    """One 说明 line per :data:`UNUSED_AFTER_AS_OF` table ``spec`` reads that holds rows dated after the data
    date ``day``'s month (left out by the scenarios, never counted): how many, per month. Counted on the column's
    distinct dates (:func:`_date_counts`: a DuckTable's in DuckDB). Rows the DATE_OUTLIER cut already left out
    (:func:`leave_out_date_outliers`) are no longer in ``tables``, so they are not counted twice."""
    lines = []
    for t, c in UNUSED_AFTER_AS_OF:
        df = tables.get(t)
        if df is None or (t not in spec.inputs and t not in spec.optional_inputs) or c not in df.columns:
            continue
        per_day = _date_counts(df, c)
        months = _naive(per_day.index).to_period("M")
        later = per_day[months > pd.Timestamp(day).to_period("M")]
        if not len(later):
            continue
        per_month = later.groupby(_naive(later.index).to_period("M")).sum().sort_index()
        n = int(per_month.sum())
        shown = "、".join(f"{m} {int(k):,} 行" for m, k in per_month.items())
        col = get_table(t).column(c)
        lines.append(f"「{get_table(t).zh}」{col.zh}晚于数据日期 {day:%Y-%m-%d} 所在月份的 {n:,} 行({shown})未参与计算。"
                     f" {n} row(s) of {t} with {c} after the as-of month ({', '.join(str(m) for m in per_month.index)})"
                     " are not used.")
    return lines


def execute(spec: Scenario | str, tables: Mapping[str, pd.DataFrame], params: Any = None, *,
            as_of: Any = None, ctx: RunContext | None = None, inputs: dict[str, dict] | None = None,
            **ctx_options) -> Report:
    """Run a scenario on typed canonical tables and return the finished report (说明 and 数据问题 added).

    ``tables``: canonical id -> typed DataFrame (as ``bankxl.io`` or ``bankxl.sample`` make them); a
    missing optional input may be absent. ``params``: the params dataclass, a mapping of overrides, or None.
    Each used table is conformed to its spec (:func:`bankxl.conform.conform`: dtypes, missing optional
    columns added blank, ``_row``) before ``spec.run``; inputs are never modified (tests check they stay equal).
    Raises DataValidationError for a missing required table, or a missing required column of a required table,
    and ParameterError for bad parameters.
    """
    spec = get_scenario(spec) if isinstance(spec, str) else spec
    for t in spec.inputs:
        if t not in tables:
            tz = get_table(t).zh
            raise DataValidationError(f"缺少输入表「{tz}」({t})。", f"Missing input table {t}.", table=t)
    params = make_params(spec.params, params)  # a mapping of overrides or an instance: checked either way
    own_ctx = ctx is None  # else prepare() made it and checked the whole load's 客户号 (before any outlet split)
    if ctx is None:
        ctx = RunContext(as_of=resolve_as_of(spec, tables, as_of), **ctx_options)
        tables, cut_notes = leave_out_date_outliers(spec, tables, as_of, ctx.problems)
        ctx.notes = [*ctx.notes, *cut_notes, *after_as_of_notes(spec, tables, ctx.as_of)]
    used = {k: v if hasattr(v, "relation") and k in RELATION_READY.get(spec.code, ()) else  # read in DuckDB, typed
            conform(k, v.to_pandas() if hasattr(v, "relation") else v, problems=ctx.problems,  # typed once, here:
                    required=k in spec.inputs)  # a scenario never re-casts them
            for k, v in tables.items() if k in spec.inputs or k in spec.optional_inputs}
    if own_ctx:
        check_cust_id_coverage(used, ctx.problems)
    # what the engine layer read and computed (issue 17 item 5); a Parquet input's damaged page: that file's error
    with engine_usage.recording() as engine_runs, file_read_errors(tables):
        engine_usage.record_reads(tables, used)  # inputs read through DuckDB: one 说明 line each
        report = spec.run(used, params, ctx)
    report.notes = [*report.notes, *missing_optional_notes(used), *engine_usage.notes(engine_runs)]
    big_input = engine_usage.headline_line(engine_runs)
    if big_input and report.headline is not None:
        report.headline.lines = [*report.headline.lines, big_input]
    report.scenario_id, report.code = spec.id, spec.code
    finish(report, spec, params, ctx, inputs or {k: {"rows": len(v)} for k, v in used.items()})
    return report


def missing_optional_notes(tables: Mapping[str, pd.DataFrame]) -> list[str]:
    """One 说明 line per conformed input that lacked optional columns of its spec (``attrs['columns_found']``,
    the columns its file or frame had; 数据日期 aside: 说明 states the date used), naming each column in
    中文 and id: their values are unknown (blank), so what depends on them is blank or not computed."""
    lines = []
    for name, df in tables.items():
        spec = get_table(name)
        found = set(df.attrs.get("columns_found", df.columns))
        missing = [c for c in spec.columns if not c.required and c.id != "as_of" and c.id not in found]
        unknown = [c for c in missing if c.blank_value is None]
        ruled = [c for c in missing if c.blank_value is not None]  # the spec's blank rule fills them
        if unknown:
            names = "、".join(f"「{c.zh}」({c.id})" for c in unknown)
            lines.append(f"输入表「{spec.zh}」没有可选列 {names}: 这些值未知(空白), 依赖它们的结果为空或未计算, 不按 0 处理。")
        if ruled:
            names = "、".join(f"「{c.zh}」({c.id}) 按「{_blank_text(c.blank_value)}」" for c in ruled)
            lines.append(f"输入表「{spec.zh}」没有可选列 {names}计(表的约定: 空白即此值)。")
    return lines


def _blank_text(value: Any) -> str:
    """A spec's blank value as users read it (True -> 是, False -> 否)."""
    return ("是" if value else "否") if isinstance(value, bool) else str(value)


def _is_parquet(source: Any) -> bool:
    """Whether an input's ``source`` (a path, or None / "<DataFrame …>") is a Parquet file."""
    return isinstance(source, (str, Path)) and str(source).lower().endswith(".parquet")


def finish(report: Report, spec: Scenario, params: Any, ctx: RunContext, inputs: dict[str, dict]) -> None:
    """Fill ``report.meta`` and append the 数据问题 and 说明 sheets (every report has both)."""
    years = sorted({ctx.as_of.year, ctx.as_of.year + 1})
    # China's working-day calendar only applies to data of a Chinese bank (CNY)
    cal_notes = (ctx.calendar.source_notes(years)
                 if ctx.currency == "CNY" and hasattr(ctx.calendar, "source_notes") else [])
    rule = params_hash(params)
    report.meta.update({"as_of": ctx.as_of, "params": params, "rule_version": rule, "inputs": inputs,
                        "currency": ctx.currency, "unit": ctx.unit})
    report.problems = ctx.problems
    probs = ctx.problems
    parquet = {t for t, info in inputs.items() if _is_parquet(info.get("source"))}
    rows_are = "CSV 为文件行号" + ("; Parquet 为数据行号(第 1 行 = 第一条记录)" if parquet else "")
    blocks: list = [Note(title="数据问题 Data problems",
                         lines=[probs.summary_text(),
                                f"行号为打开原文件时看到的 Excel 行号({rows_are}); 「处理」列说明该行如何处理。"])]
    if probs:
        blocks.append(Table(probs.summary(), name="problem_summary", title="问题汇总"))
        sheets = {t: info.get("sheet") or Path(str(info.get("source") or "")).name
                  for t, info in inputs.items()}
        shown = probs.to_frame(sheets, mask=ctx.mask, mask_accounts=ctx.mask_accounts)
        note = None
        if len(shown) < len(probs):
            note = f"明细仅列出每类前 {probs.cap} 条, 共 {len(probs)} 条。"
        blocks.append(Table(shown, name="problems", title="问题明细", note=note,
                            text_columns=("原值",), formats={"Excel 行号": "0"}))
    report.sheets.append(Sheet("数据问题", blocks, tab_color="#C00000"))

    input_rows = pd.DataFrame([
        {"输入表": f"{get_table(t).zh}({t})", "来源": info.get("source", "DataFrame"),
         "工作表": info.get("sheet") or "",
         "标题行(Excel 行号)": None if t in parquet else info.get("header_row"),  # a Parquet has no header row
         "行数": info.get("rows")} for t, info in inputs.items()])
    about = [
        ("场景", f"{spec.code} {spec.title} ({spec.id})"),
        ("数据日期 as-of", ctx.as_of.strftime("%Y-%m-%d")),
        ("金额单位", f"{ctx.unit}(原始数据币种 {ctx.currency}, 未做币种折算)"),
        ("个人信息脱敏", "是" if ctx.mask else "否"),
        ("账号脱敏(客户本人账号)", "是" if ctx.mask and ctx.mask_accounts else "否"),
        ("规则版本 rule version", rule),
        ("生成工具", f"bankxl {__version__}"),
    ]
    blocks = [Note(title=f"说明 — {report.title}", pairs=about)]
    if len(input_rows):
        blocks.append(Table(input_rows, name="inputs", title="输入数据", formats={"标题行(Excel 行号)": "0"}))
    ptab = params_table(params, grouped=True)  # 1,000,000 for people; the 参数 sheet keeps 1000000
    ptab["单位"] = ptab["单位"].replace("元", ctx.base_unit)  # thresholds are in the data's currency
    blocks.append(Table(ptab, name="params", title="参数(可在「参数」工作表或 --param 修改)",
                        text_columns=("取值",)))
    if report.method:
        blocks.append(Note(title="方法 Method", lines=report.method))
    notes = list(report.notes) + list(ctx.notes) + list(cal_notes)
    if getattr(report, "_large", False):
        notes.append("数据量大, 明细表以自动筛选代替 Excel 表格对象。")
    if notes:
        blocks.append(Note(title="注意 Notes", lines=notes))
    report.sheets.append(Sheet("说明", blocks, tab_color="#7F7F7F", landscape=False))


def check_output(out: str | Path, sources: Sequence[Any], *, folder: bool = False) -> Path:
    """Refuse an output that would overwrite an input file or any other existing file that is not a report bankxl
    wrote before (:func:`bankxl.report.xlsx.is_report`: only those are replaced; a user's workbook never is), or
    that is not an .xlsx (a folder with ``folder=True``). Raises :class:`BankxlError` with a Chinese + English
    sentence."""
    from .report.xlsx import is_report

    out = Path(out)
    if folder and out.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".csv"):
        raise BankxlError(f"按网点拆分时 --out 应为文件夹, 而不是文件「{out.name}」。",
                          f"With --by outlet, --out must be a folder, not {out.name}.")
    if not folder and out.suffix.lower() != ".xlsx":
        raise BankxlError(f"报告文件名应以 .xlsx 结尾: 「{out.name}」。",
                          f"The report file name must end in .xlsx: {out.name}.")
    if not folder and out.is_dir():
        raise BankxlError(f"「{out}」是一个已有的文件夹, 不能作为报告文件; 请给出 .xlsx 文件名。",
                          f"--out {out} is an existing folder, not a report file; give a .xlsx file name.")
    if folder and out.exists() and not out.is_dir():
        raise BankxlError(f"按网点拆分时 --out 应为文件夹, 但「{out}」是一个已有的文件。",
                          f"With --by outlet, --out must be a folder; {out} is an existing file.")
    for src in sources:
        if isinstance(src, (str, Path)):
            p = Path(src)
            same = out.exists() and p.exists() and out.resolve() == p.resolve()
            if same or (not folder and out.resolve() == p.resolve()):
                raise BankxlError(f"输出文件「{out.name}」就是输入文件, bankxl 从不覆盖用户的数据, 请换一个文件名。",
                                  f"--out {out} is an input file; bankxl never overwrites your data.")
    if not folder and out.exists() and not is_report(out):
        raise BankxlError(f"输出文件「{out.name}」已存在, 且不是 bankxl 写出的报告; bankxl 从不覆盖用户的文件, 请换一个文件名。",
                          f"--out {out} exists and is not a report bankxl wrote; bankxl never overwrites your files.")
    return out


@dataclass
class Prepared:
    """A run's inputs read once and its settings resolved (parameters checked, inputs loaded and conformed,
    as-of date, calendar, currency), ready to run on the whole data or on parts of it (``--by outlet``): every
    setting reaches every report. Made by :func:`prepare`."""

    spec: Scenario
    params: Any
    tables: dict[str, pd.DataFrame]
    inputs: dict[str, dict]
    problems: ProblemLog
    #: :class:`~bankxl.scenario.RunContext` fields: as_of, calendar, scale, mask, mask_accounts, strict, currency
    options: dict[str, Any]
    #: 说明 lines of the load (units read off headers, as-of override, as-of range warnings)
    notes: list[str] = field(default_factory=list)

    def run(self, tables: Mapping[str, pd.DataFrame] | None = None, *, problems: ProblemLog | None = None,
            notes: Sequence[str] = ()) -> Report:
        """The finished report of ``tables`` (default: all; a part keeps each input's source and counts its own
        rows), with ``problems`` (default: the whole load's) and extra 说明 ``notes``. Raises
        DataValidationError in strict mode when the run found any real row problem."""
        part = self.tables if tables is None else dict(tables)
        inputs = {k: {**info, "rows": len(part[k])} for k, info in self.inputs.items() if k in part}
        ctx = RunContext(**self.options, problems=self.problems if problems is None else problems,
                         notes=[*self.notes, *notes])
        report = execute(self.spec, part, self.params, ctx=ctx, inputs=inputs)
        n_real = ctx.problems.real_count()  # 合计/表尾 rows and similar notices (errors.INFO_CODES) do not count
        if ctx.strict and n_real:  # located at the first problem: file, sheet, column, Excel row
            files = {k: (Path(str(v["source"])).name if v.get("source") and not str(v["source"]).startswith("<")
                         else None, v.get("sheet")) for k, v in self.inputs.items()}
            raise strict_error(ctx.problems, files, mask=ctx.mask, mask_accounts=ctx.mask_accounts)
        return report


def prepare(scenario: str | Scenario, sources: Sequence[Any], *, params: Any = None, as_of: Any = None,
            strict: bool = False, holidays: Any = None, scale: int = 10_000, mask: bool = True,
            mask_accounts: bool = True, currency: str | None = None,
            progress: Callable[[str], None] | None = None, loaded: Mapping[str, Any] | None = None,
            load_problems: ProblemLog | None = None, engine: Any = None) -> Prepared:
    """Check the parameters, --as-of and currency (before any file is read), then load the inputs once and
    resolve the settings. Arguments as :func:`run_scenario`. Warnings (as-of far from the data) go to 说明 and
    to ``progress``. Raises ParameterError / DataValidationError.

    ``loaded``: tables already loaded from ``sources`` ({id: :class:`bankxl.io.LoadedTable`}, e.g. one load
    shared by every scenario of ``bankxl run all``) — then nothing is read: the scenario takes its inputs from
    it (a missing required table raises DataValidationError) and ``load_problems`` (that load's ProblemLog)
    gives it the row problems of its own tables only. ``engine``: the run's engine object (None = automatic):
    the tables the scenario reads as DuckDB relations (:data:`bankxl.engine.inputs.RELATION_READY`) are read
    through DuckDB without their rows in pandas (Parquet, a CSV with ``engine`` DuckDB or over the size
    threshold: :func:`bankxl.engine.inputs.load_file`)."""
    from . import io as bio
    from .calendar import BankCalendar

    spec = get_scenario(scenario) if isinstance(scenario, str) else scenario
    sources = input_sources(sources)
    params = make_params(spec.params, params)  # a typo in a parameter fails before a long load
    if as_of is not None:
        resolve_as_of(spec, {}, as_of)  # so does an impossible --as-of
    if currency is not None and str(currency).strip():
        currency = parse_currency(currency)  # and an unknown currency code
    if holidays is not None and not isinstance(holidays, pd.DataFrame):
        holidays = bio.read_holidays(holidays)
    problems = ProblemLog()
    say = progress or (lambda _msg: None)
    unread_notes: list[str] = []
    if loaded is None:
        say(f"读取输入 reading inputs: {_named(spec.inputs)}"
            + (f"; 可选 optional: {_named(spec.optional_inputs)}" if spec.optional_inputs else "") + " …")
        not_used: list[bio.NotUsed] = []  # files it does not need, or cannot open (an optional table's): run on
        loaded = bio.read_tables(sources, wanted=spec.inputs, optional=spec.optional_inputs,
                                 problems=problems, strict=strict, mask=mask, mask_accounts=mask_accounts,
                                 engine_tables=RELATION_READY.get(spec.code, ()), engine=engine, not_used=not_used)
        for n in not_used:
            say(n.line())
        unread_notes = [unread_optional_note(n.table, n.error) for n in not_used
                        if n.table is not None and n.table not in loaded]
    else:
        for t in spec.inputs:
            if t not in loaded:
                raise DataValidationError(f"缺少输入表「{get_table(t).zh}」({t})。", f"Missing input table {t}.",
                                          table=t)
        loaded = {k: v for k, v in loaded.items() if k in spec.inputs or k in spec.optional_inputs}
        problems = tables_problems(load_problems or ProblemLog(), loaded)
    loaded, empty_notes = _empty_tables(spec, loaded)
    tables = {k: v.df for k, v in loaded.items()}
    inputs = {k: {"source": v.source, "sheet": v.sheet, "header_row": v.header_row, "rows": v.n_rows}
              for k, v in loaded.items()}
    day = resolve_as_of(spec, tables, as_of)
    tables, cut_notes = leave_out_date_outliers(spec, tables, as_of, problems)
    numeric = {k for k, v in loaded.items() if "cust_id" in v.as_numbers}
    for w in cut_notes + check_cust_id_coverage(tables, problems, numeric):  # 客户号 finding no customer: 数据问题
        say(f"警告 warning: {w}")
    options = {"as_of": day, "calendar": BankCalendar(holidays), "scale": scale, "mask": mask,
               "mask_accounts": mask_accounts, "strict": strict,
               "currency": resolve_currency(spec, loaded, currency, _frame_currencies(sources))}
    notes = [n for v in loaded.values() for n in v.unit_notes] + unread_notes + empty_notes + cut_notes
    notes += after_as_of_notes(spec, tables, day)
    in_data = data_dates(tables)
    if as_of is not None and in_data and day not in in_data:
        shown = ", ".join(sorted(d.strftime("%Y-%m-%d") for d in in_data)[:3])
        notes.append(f"数据日期按指定值 {day:%Y-%m-%d} 计算, 与数据中的「数据日期」({shown})不同。")
    for w in as_of_warnings(day, tables):
        notes.append(w)
        say(f"警告 warning: {w}")
    return Prepared(spec, params, tables, inputs, problems, options, notes)


def _named(ids: Sequence[str]) -> str:
    """Tables as the console names them, 中文名 + id as ``bankxl list`` does: 客户月度存款 customer_monthly, …"""
    return ", ".join(f"{get_table(t).zh} {t}" for t in ids)


def read_line(spec: Scenario, inputs: Mapping[str, dict]) -> str:
    """The console line after a run's load (``bankxl run``): each table read with its file, sheet and rows
    (``inputs``: :attr:`Prepared.inputs`), then the optional tables not provided (none in the input, or left out:
    unreadable, header only), e.g. ``读取 read: customer_monthly ← 文件 a.csv (3600 行); 未提供 not provided (可选
    optional): 客户 customers, 交易流水 transactions``."""
    got = "; ".join(f"{k} ← 文件 {Path(str(v['source'])).name}" + (f" 工作表 {v['sheet']}" if v.get("sheet") else "")
                    + f" ({v['rows']} 行)" for k, v in inputs.items())
    absent = [t for t in spec.optional_inputs if t not in inputs]
    return f"读取 read: {got}" + (f"; 未提供 not provided (可选 optional): {_named(absent)}" if absent else "")


def unread_optional_note(table: str, err: DataValidationError) -> str:
    """The 说明 line of an optional input table left out because its file could not be read (``bankxl run`` and
    ``bankxl run all`` alike): 可选输入表「客户」(customers) 未能读取, 本报告未使用它: <the error in Chinese>."""
    return f"可选输入表「{get_table(table).zh}」({table}) 未能读取, 本报告未使用它: {err.message_zh}"


def _where(lt: Any) -> tuple[str, str]:
    """(中文, English) naming a loaded table's file and sheet, e.g. 文件「a.xlsx」工作表「客户」."""
    src = Path(str(lt.source)).name if lt.source else "DataFrame"
    zh = f"文件「{src}」" + (f"工作表「{lt.sheet}」" if lt.sheet else "")
    en = f"file {src}" + (f", sheet {lt.sheet}" if lt.sheet else "")
    return zh, en


def _empty_tables(spec: Scenario, loaded: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """One rule for input tables without data rows (a header-only sheet or file), applied before the data date
    is looked for: an empty REQUIRED table (``spec.inputs``) raises DataValidationError「表「X」没有数据行」naming
    the table, file and sheet; an empty OPTIONAL table is dropped — treated as not provided, its values unknown
    (never 0) — and named in the returned 说明 lines. ``loaded``: {table id: LoadedTable}; returns the tables
    kept and the notes."""
    empty = [t for t, lt in loaded.items() if len(lt.df) == 0]
    required = [t for t in empty if t in spec.inputs]
    if required:
        zh = "; ".join(f"表「{get_table(t).zh}」({t})没有数据行({_where(loaded[t])[0]}只有表头)" for t in required)
        en = "; ".join(f"table {t} has no data rows ({_where(loaded[t])[1]})" for t in required)
        raise DataValidationError(f"{zh}。{spec.code} {spec.title} 需要这些表的数据, 请检查导出的文件。",
                                  f"{en}. {spec.code} needs its data; check the export.", table=required[0])
    notes = [f"输入表「{get_table(t).zh}」({t})没有数据行({_where(loaded[t])[0]}只有表头), 按未提供处理: "
             "依赖它的值未知(空白), 不按 0 计。" for t in empty]
    return {t: lt for t, lt in loaded.items() if t not in empty}, notes


def tables_problems(problems: ProblemLog, tables: Any) -> ProblemLog:
    """A new ProblemLog holding the problems (detail and counts) of ``problems`` whose table is one of
    ``tables`` (ids; a mapping's keys)."""
    keep = set(tables)
    out = ProblemLog(cap=problems.cap)
    out.problems = [p for p in problems.problems if p.table in keep]
    out.counts.update({k: n for k, n in problems.counts.items() if k[0] in keep})
    return out


def input_sources(sources: Any, out: str | Path | None = None) -> list[Any]:
    """``sources`` of :func:`run_scenario` / :func:`prepare` as the list :func:`bankxl.io.read_tables` reads,
    accepting what ``bankxl run -i`` accepts: a folder stands for its data files (the CLI's own expansion,
    :func:`bankxl.cli.input_files`: .xlsx/.csv/.parquet …, sorted by name, not recursive, the ``out`` report
    left out); a single mapping {table name: DataFrame}, DataFrame or path is one source. Other items (files,
    DataFrames, mappings) pass unchanged — a missing file is reported by the load (DataValidationError)."""
    from .cli import input_files

    if isinstance(sources, (Mapping, pd.DataFrame, str, Path)):
        sources = [sources]
    skip = Path(out) if out is not None else None
    items: list[Any] = []
    for src in sources:
        if isinstance(src, (str, Path)) and Path(src).is_dir():
            items.extend(input_files([src], skip))
        else:
            items.append(src)
    return items


def run_scenario(scenario: str | Scenario, sources: Sequence[Any], out: str | Path | None = None, *,
                 params: Any = None, as_of: Any = None, strict: bool = False, holidays: Any = None,
                 scale: int = 10_000, mask: bool = True, mask_accounts: bool = True,
                 currency: str | None = None,
                 progress: Callable[[str], None] | None = None, engine: Any = None,
                 spark_master: str | None = None) -> RunResult:
    """Load the inputs from files/DataFrames, run the scenario and write the report to ``out``.

    ``sources``: paths (.xlsx/.xlsm/.csv/.parquet, or a folder of them as ``bankxl run -i``) or DataFrames /
    mappings as accepted by ``bankxl.io.read_tables``; a single mapping {table name: DataFrame} or path is one
    source (:func:`input_sources`).
    ``holidays``: a holiday table (DataFrame or file) overriding the calendar. ``strict``: row problems
    raise DataValidationError. ``engine``: the engine of this run's heavy aggregations (:mod:`bankxl.engine`) —
    None = the default (DuckDB), ``"duckdb"`` / ``"spark"``, or an engine object such as
    ``SparkEngine(session)`` of the caller's own Spark session; ``spark_master``: the master URL of a Spark
    session bankxl builds (``local[2]``, ``yarn``; implies Spark) — as ``bankxl run --engine/--spark-master``
    (:func:`bankxl.engine.choice.engine_for`). The engine is set for this run only (context-local: the next run
    uses the default again). Returns a :class:`RunResult`;
    ``out=None`` skips writing. The pipeline (:func:`prepare`, :meth:`Prepared.run`) is the one ``--by outlet``
    uses (:func:`bankxl.split.run_by_outlet`). Raises EngineError when the engine cannot be made (no pyspark or
    Java: checked after the parameters, before any input is read).
    """
    from .engine import using
    from .engine.choice import engine_for

    sources = input_sources(sources, out)
    if out is not None:
        check_output(out, sources)
    if engine is not None or spark_master:
        spec = get_scenario(scenario) if isinstance(scenario, str) else scenario
        make_params(spec.params, params)  # a typo in a parameter fails before a Spark session starts
        engine = engine_for(engine, spark_master)
    prep = prepare(scenario, sources, params=params, as_of=as_of, strict=strict, holidays=holidays, scale=scale,
                   mask=mask, mask_accounts=mask_accounts, currency=currency, progress=progress, engine=engine)
    say = progress or (lambda _msg: None)
    say(read_line(prep.spec, prep.inputs))
    say(f"运行 running {prep.spec.code} {prep.spec.title} (数据日期 {prep.options['as_of']:%Y-%m-%d}) …")
    try:
        with using(engine):
            report = prep.run()
    finally:  # inputs read into DuckDB (bankxl.engine.inputs.DuckTable) leave the engine's connection with the run
        for t in prep.tables.values():
            if hasattr(t, "relation"):
                t.close()
    if out is not None:
        say(f"写出报告 writing {Path(out).name} …")
    path = write_report(report, out) if out is not None else None
    return RunResult(report, path, prep.problems, prep.inputs)


def _currency_of(spec: Scenario) -> str:
    cur = {get_table(t).currency for t in spec.inputs}
    return cur.pop() if len(cur) == 1 else "CNY"


def _frame_currencies(sources: Sequence[Any]) -> dict[str, list[str]]:
    """{ISO code: [where]} from DataFrame sources that state their currency (``df.attrs['currency']``, as the
    :mod:`bankxl.datasets` adapters set it)."""
    frames = []
    for src in sources:
        if isinstance(src, pd.DataFrame):
            frames.append(("DataFrame", src))
        elif isinstance(src, Mapping):
            frames.extend((str(k), v) for k, v in src.items() if isinstance(v, pd.DataFrame))
    found: dict[str, list[str]] = {}
    for name, df in frames:
        if df.attrs.get("currency"):
            found.setdefault(parse_currency(df.attrs["currency"]), []).append(f"{name}(attrs)")
    return found


def resolve_currency(spec: Scenario, loaded: Mapping[str, Any], explicit: str | None = None,
                     extra: Mapping[str, list[str]] | None = None) -> str:
    """The one currency of a run's money: ``explicit`` (CLI ``--currency`` / 参数 币种, an ISO code) else the
    currency the data state — a money header's unit (``余额(EUR)``; 元/万元 = CNY) or signs in its cells
    (€, ¥), ``LoadedTable.currencies_seen`` — or ``extra`` ({code: [where]}) — else the one currency of a
    币种 (ccy) column, else the tables' spec (CNY).

    ``loaded``: {table id: :class:`bankxl.io.LoadedTable`}. Nothing is ever converted, so two different
    currencies (between columns, or between ``explicit`` and the data) raise DataValidationError naming
    each column (表 / 列) and its currency; so does a currency that no row of a 币种 column holds (the
    column may hold several: rows in the others are left out by the scenario)."""
    from .coerce import CURRENCY_SIGNS

    found: dict[str, list[str]] = {k: list(v) for k, v in (extra or {}).items()}
    for t, lt in loaded.items():
        spec_t = get_table(t)
        for col, signs in getattr(lt, "currencies_seen", {}).items():
            where = f"表「{spec_t.zh}」列「{spec_t.column(col).zh}」({col})"
            for code in {CURRENCY_SIGNS.get(s, s) for s in signs}:
                found.setdefault(code, []).append(where)
    rows: dict[str, list[str]] = {}  # a 币种 column: {code: ["表「…」列「币种」(ccy) N 行"]}
    for t, lt in loaded.items():
        df = getattr(lt, "df", None)
        if df is not None and "ccy" in df.columns:
            spec_t = get_table(t)
            for code, n in df["ccy"].value_counts(sort=False).items():
                rows.setdefault(str(code), []).append(f"表「{spec_t.zh}」列「{spec_t.column('ccy').zh}」(ccy) {n} 行")

    def conflict(given: str | None, data: dict[str, list[str]]) -> DataValidationError:
        parts = [f"{c}: {'、'.join(data[c][:3])}" for c in sorted(data)]
        given_zh = f"指定的币种为 {given}(--currency 或参数表「币种」); " if given else ""
        return DataValidationError(
            f"一次运行只能有一种币种, bankxl 不做汇率折算: {given_zh}数据中 {'; '.join(parts)}。"
            "请统一币种或分开运行。",
            f"One currency per run (nothing is converted): {'given ' + given + '; ' if given else ''}"
            f"data: {'; '.join(parts)}.")

    codes = set(found) | ({explicit} if explicit else set())
    if len(codes) > 1:
        raise conflict(explicit, found)
    # a 币种 column may mix currencies (rows in another one are left out by the scenario, with a note), but
    # the run's currency must be one of them: otherwise no row would be counted
    currency = explicit or (codes.pop() if codes else (next(iter(rows)) if len(rows) == 1 else _currency_of(spec)))
    if rows and currency not in rows:
        raise conflict(explicit, {**{k: v for k, v in found.items() if k != explicit}, **rows})
    return currency
