"""What the engine layer did during one scenario run, for the report (issue 17 item 5): which engine ran which
query, how many input rows it read, how many rows came back (details aggregated in the engine).

The runner opens :func:`recording` around a scenario's ``run``; code that hands data to an engine calls
:func:`record` after each query (a no-op outside a recording, e.g. in a direct library call). :func:`notes`
turns the records into 说明 lines and :func:`headline_line` into the headline sentence shown when an input is
larger than one Excel sheet. The runner also records, with :func:`record_reads`, each input TABLE it hands the
scenario as read through DuckDB (:class:`bankxl.engine.inputs.DuckTable`: Parquet, a CSV over the size threshold,
``--engine duckdb``): the same records, so the same 说明 and headline rules. Context-local (``contextvars``):
concurrent runs in threads do not mix.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

#: rows of one Excel worksheet (header included)
EXCEL_MAX_ROWS = 1_048_576
#: engine name (``engine.name``) -> how 说明 names it
ENGINE_LABELS = {"duckdb": "DuckDB(本机)", "spark": "Spark"}

_RUNS: ContextVar[list | None] = ContextVar("bankxl_engine_runs", default=None)


@dataclass(frozen=True)
class EngineRun:
    """One query run: ``what`` (中文: what was computed), ``engine`` (``engine.name``: duckdb / spark), ``table``
    (中文 name of the input read in detail), ``rows_in`` (its rows handed to the engine; None = not known here,
    e.g. a cluster table), ``rows_out`` (rows that came back), ``where`` (where it ran when the engine says,
    ``engine.where``: a Spark session's master such as ``local[1]`` or ``yarn``; None for DuckDB in this process),
    ``file``: set for an input table READ through the engine (:func:`record_reads`; ``what`` is then :data:`READ`
    — its detail stays in the engine — or :data:`READ_TO_PANDAS`; ``rows_in`` its rows, ``rows_out`` 0): the
    file's name."""

    what: str
    engine: str
    table: str
    rows_in: int | None
    rows_out: int
    where: str | None = None
    file: str | None = None


#: ``EngineRun.what`` of an input read through the engine whose detail the scenario aggregates there
READ = "读取并校验"
#: ... and of one the scenario then took as a pandas frame (its detail computed in memory)
READ_TO_PANDAS = "读取并校验, 转为内存表"


@contextmanager
def recording():
    """``with recording() as runs:`` — every :func:`record` inside the block is appended to ``runs`` (a list of
    :class:`EngineRun`)."""
    runs: list[EngineRun] = []
    token = _RUNS.set(runs)
    try:
        yield runs
    finally:
        _RUNS.reset(token)


def record(what: str, engine, table: str, rows_in: int | None, rows_out: int, file: str | None = None) -> None:
    """Note one query run (or, with ``file``, one input read: :func:`record_reads`) in the current
    :func:`recording` (nothing outside one). ``engine``: the engine object (its ``name``) or a name."""
    runs = _RUNS.get()
    if runs is not None:
        where = getattr(engine, "where", None)
        runs.append(EngineRun(what, str(getattr(engine, "name", engine)), table,
                              None if rows_in is None else int(rows_in), int(rows_out),
                              None if where is None else str(where), file))


def record_reads(read: Mapping[str, Any], used: Mapping[str, Any]) -> None:
    """Note, in the current :func:`recording`, each input table of ``used`` (table id -> what the scenario gets:
    a DuckDB relation or a pandas frame) that ``read`` (table id -> the loaded table) holds as read through
    DuckDB (an object with ``relation``, :class:`bankxl.engine.inputs.DuckTable`): its 中文 name, its file's name
    (``attrs['source']``), its rows (``len``) and whether the scenario reads it where it lies (:data:`READ`) or
    as a frame (:data:`READ_TO_PANDAS`). Nothing for tables read by the pandas loader."""
    from ..tables import get_table

    for name, got in used.items():
        t = read.get(name)
        if t is None or not hasattr(t, "relation"):
            continue
        src = t.attrs.get("source")
        record(READ if hasattr(got, "relation") else READ_TO_PANDAS, t.attrs.get("engine", "duckdb"),
               get_table(name).zh, len(t), 0, file=Path(str(src)).name if src else None)


def _label(engine: str, where: str | None = None) -> str:
    """How 说明 names an engine: :data:`ENGINE_LABELS`, with where it ran (``Spark(master local[1])``)."""
    label = ENGINE_LABELS.get(engine, engine)
    return f"{label}(master {where})" if where else label


def notes(runs) -> list[str]:
    """说明 lines: one per (what, engine and where, table) in order of first run — the engine, the input rows read (the
    most read by one run), how many times it ran (e.g. this month and last month), that the detail was
    aggregated in the engine and the rows that came back (all runs). An input read through the engine
    (``file`` set, :func:`record_reads`): 「输入读取: 「客户月度存款」(customer_monthly.parquet) 60,000 行由 DuckDB
    读取并校验, 明细在 DuckDB 中汇总。」 (or 「…, 再转为内存表(pandas)计算。」). Empty when no engine ran."""
    groups: dict = {}
    for r in runs:
        groups.setdefault((r.what, r.engine, r.where, r.table, r.file), []).append(r)
    out = []
    for (what, engine, where, table, file), rs in groups.items():
        if what in (READ, READ_TO_PANDAS):
            name = ENGINE_LABELS.get(engine, engine).split("(")[0]  # DuckDB (in this process: no "where")
            tail = f"明细在 {name} 中汇总" if what == READ else "再转为内存表(pandas)计算"
            out.append(f"输入读取: 「{table}」({file or '数据表'}) {rs[0].rows_in:,} 行由 {name} 读取并校验, {tail}。")
            continue
        rows_in = None if any(r.rows_in is None for r in rs) else max(r.rows_in for r in rs)
        read = f"读入「{table}」{rows_in:,} 行" if rows_in is not None else f"读取「{table}」(行数由引擎端统计)"
        times = f" {len(rs)} 次" if len(rs) > 1 else ""
        out.append(f"计算引擎: {_label(engine, where)} 计算「{what}」{times}, {read}; 明细在引擎中汇总/识别, 只返回结果 "
                   f"{sum(r.rows_out for r in rs):,} 行到报表。")
    return out


def headline_line(runs, limit: int | None = None) -> str | None:
    """The headline sentence when an engine read an input larger than one Excel sheet (``rows_in`` ≥ ``limit``,
    default :data:`EXCEL_MAX_ROWS`): engine(s), rows read, details aggregated; None otherwise. An input read
    through the engine counts (:data:`READ`) unless the scenario took it as a frame (:data:`READ_TO_PANDAS`: its
    detail was not aggregated in the engine)."""
    limit = EXCEL_MAX_ROWS if limit is None else limit
    big = [r for r in runs if r.rows_in is not None and r.rows_in >= limit and r.what != READ_TO_PANDAS]
    if not big:
        return None
    engines = "、".join(dict.fromkeys(_label(r.engine, r.where) for r in big))
    tables = "、".join(dict.fromkeys(f"「{r.table}」{r.rows_in:,} 行" for r in big))
    return f"数据量超过 Excel 单表上限: 由 {engines} 读入 {tables}, 明细在引擎中汇总, 报表只含汇总与名单。"
