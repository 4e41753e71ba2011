"""``bankxl run all``: every registered scenario whose required tables are in the inputs, on ONE load of each table.

Order of work (DESIGN.md runner): every parameter (each scenario's and :class:`~.params.CrossParams`), --as-of and
--currency are checked before any file is read; then the union of all scenarios' tables is read once
(:func:`bankxl.io.read_tables`, every table optional; a table that cannot be read — required column missing,
two sources — is recorded, not raised); then each scenario runs through the one runner
(:func:`bankxl.runner.prepare` with ``loaded=``: its own tables, its own row problems, its own as-of date and
currency) and writes its report — one after the other, or with ``jobs`` > 1 in that many worker processes forked
after the load (:func:`resolve_jobs`: they share the loaded tables copy-on-write; the same files, cells and
summary order as one after the other). A scenario whose required table is absent or failed is skipped with the reason;
a scenario that raises a :class:`~bankxl.errors.BankxlError` (its data or parameters) is reported 出错 and the
others still run; any other exception is 内部错误 (a bug), reported, and the others still run. Last come the
客户画像 (:mod:`.profile`) and 营销任务清单 (:mod:`.tasks`) over the reports that ran.

Exit code (:attr:`RunAllResult.exit_code`): 0 when at least one scenario ran and none had an internal error,
1 when one had an internal error, 2 when none ran.
"""
from __future__ import annotations

import logging
import multiprocessing as mp
import os
import signal
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import pandas as pd

from ..conform import conform
from ..errors import BankxlError, DataValidationError, ParameterError, ProblemLog
from ..lists import ListTable
from ..report import Report, Table
from ..report.xlsx import holds_user_data, report_file_name, safe_filename, write_report
from ..rules.identity import check_cust_id_coverage, persons
from ..engine.inputs import RELATION_READY, DuckTable
from ..runner import finish, input_sources, prepare, tables_problems, unread_optional_note
from ..scenario import (RunContext, Scenario, get_scenario, make_params, parse_as_of, parse_currency,
                        registry)
from ..tables import get_table
from .params import CrossParams

log = logging.getLogger(__name__)

RAN, SKIPPED, FAILED, CRASHED = "已运行", "跳过", "出错", "内部错误"
PROFILE_FILE, TASKS_FILE = "客户画像.xlsx", "营销任务清单.xlsx"


@dataclass
class ScenarioRun:
    """One scenario's outcome: ``status`` (:data:`RAN` / :data:`SKIPPED` / :data:`FAILED` / :data:`CRASHED`),
    ``reason`` (中文, why it was skipped or failed; notes for a run), its report and file, seconds taken."""

    spec: Scenario
    status: str
    reason: str = ""
    report: Report | None = None
    path: Path | None = None
    seconds: float = 0.0


@dataclass
class RunAllResult:
    """What ``run all`` did: one :class:`ScenarioRun` per registered scenario, the files written (scenario
    reports, 客户画像, 营销任务清单 and its split files), the two cross views, and the loaded tables' sources."""

    runs: list[ScenarioRun]
    paths: list[Path] = field(default_factory=list)
    profile: Report | None = None
    tasks: Report | None = None
    inputs: dict[str, dict] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        """0: at least one ran, none crashed; 1: an internal error; 2: nothing ran."""
        if any(r.status == CRASHED for r in self.runs):
            return 1
        return 0 if any(r.status == RAN for r in self.runs) else 2

    def status_frame(self) -> pd.DataFrame:
        """运行情况: one row per scenario (代码, 场景, 状态, 原因/说明, 报告文件, 用时(秒))."""
        return pd.DataFrame({
            "代码": [r.spec.code for r in self.runs], "场景": [r.spec.title for r in self.runs],
            "场景 id": [r.spec.id for r in self.runs], "状态": [r.status for r in self.runs],
            "原因/说明": [r.reason for r in self.runs],
            "报告文件": [r.path.name if r.path else "" for r in self.runs],
            "用时(秒)": [round(r.seconds, 1) for r in self.runs]}).astype(
            {"代码": "string", "场景": "string", "场景 id": "string", "状态": "string", "原因/说明": "string",
             "报告文件": "string"})


def scenario_overrides(items: Mapping[str, Any] | None) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Split ``--param`` pairs of ``run all``: ``key=value`` is a :class:`CrossParams` parameter, ``D3.levels=…``
    (scenario code, id or title, a dot, then the parameter) one scenario's. Returns (cross, {scenario id: {k: v}}).
    Raises ParameterError for an unknown scenario prefix."""
    cross: dict[str, Any] = {}
    per: dict[str, dict[str, Any]] = {}
    for key, value in (items or {}).items():
        head, dot, rest = str(key).rpartition(".")
        if not dot:
            cross[key] = value
            continue
        try:
            spec = get_scenario(head)
        except KeyError:
            raise ParameterError(f"参数「{key}」: 没有场景「{head}」; 场景参数写成 场景代码.参数=值, 如 D3.base_months=6。",
                                 f"Parameter {key!r}: no scenario {head!r}; write CODE.param=value, "
                                 f"e.g. D3.base_months=6.") from None
        per.setdefault(spec.id, {})[rest] = value
    return cross, per


def _target(out_dir: Path, name: str, sources: Sequence[Any]) -> Path:
    """``out_dir/name`` (a safe file name), with `` (2)`` … when that is one of the input files or any other
    existing file that is not a report bankxl wrote before (:func:`~bankxl.report.xlsx.holds_user_data`): only an
    earlier report is replaced, never a user's file."""
    inputs = {Path(s).resolve() for s in sources if isinstance(s, (str, os.PathLike))}
    stem, suffix = os.path.splitext(safe_filename(name))
    path, n = out_dir / f"{stem}{suffix}", 2
    while holds_user_data(path, inputs):
        path, n = out_dir / f"{stem} ({n}){suffix}", n + 1
    return path


def _skip_reason(spec: Scenario, loaded: Mapping[str, Any], errors: Mapping[str, DataValidationError],
                 short: bool = False) -> str:
    """Why ``spec`` cannot run ("" when its required tables are all loaded): in Chinese with a failed table's
    error in full (:attr:`ScenarioRun.reason`, the 运行情况 row); ``short``: the progress line's, Chinese +
    English, a failed table's error referred to, not repeated (``run all`` prints it once, above)."""
    parts = []
    for t in spec.inputs:
        if t in loaded:
            continue
        zh = get_table(t).zh
        if t in errors:
            parts.append(f"输入表「{zh}」({t}) 未能读取(原因见上) input table {t} could not be read (see above)"
                         if short else f"输入表「{zh}」({t}) 未能读取: {errors[t].message_zh}")
        else:
            parts.append(f"输入中没有表「{zh}」({t})" + (f" no table {t} in the input" if short else ""))
    return "; ".join(parts)


def _run_one(spec: Scenario, *, sparams: Mapping[str, Any], loaded: Mapping[str, Any],
             errors: Mapping[str, DataValidationError], load_problems: ProblemLog, sources: Sequence[Any],
             out_dir: Path, engine: Any, settings: Mapping[str, Any]) -> tuple[ScenarioRun, str]:
    """Run ``spec`` on the shared load and write its report: (its :class:`ScenarioRun`, its progress line).
    A :class:`~bankxl.errors.BankxlError` gives :data:`FAILED`, any other exception :data:`CRASHED` (logged with
    its traceback); neither is raised. Its required tables must be in ``loaded`` (:func:`_skip_reason`)."""
    from ..engine import using

    t0 = time.perf_counter()
    notes = [unread_optional_note(t, errors[t]) for t in spec.optional_inputs if t in errors]
    try:
        prep = prepare(spec, sources, params=sparams[spec.id], loaded=loaded, load_problems=load_problems,
                       **settings)
        with using(engine):
            report = prep.run(notes=notes)
        path = write_report(report, _target(out_dir, report_file_name(spec.code, spec.title), sources))
    except BankxlError as e:
        return (ScenarioRun(spec, FAILED, str(e), seconds=time.perf_counter() - t0),
                f"  ✗ {spec.code} {spec.title}: 出错 error — {e}")
    except Exception as e:  # noqa: BLE001 — one scenario's bug must not stop the others; reported
        log.exception("scenario %s crashed", spec.id)
        return (ScenarioRun(spec, CRASHED, f"{type(e).__name__}: {e}", seconds=time.perf_counter() - t0),
                f"  ✗ {spec.code} {spec.title}: 内部错误 internal error — {type(e).__name__}: {e}")
    secs = time.perf_counter() - t0
    return (ScenarioRun(spec, RAN, "; ".join(notes), report, path, secs),
            f"  ✓ {spec.code} {spec.title} -> {path.name} ({secs:.1f}s)")


def fork_available() -> bool:
    """True where worker processes can be forked from the loaded process (Linux and other POSIX systems but
    macOS): they then share the loaded tables copy-on-write. Not on Windows (no fork: a spawned worker would
    re-import and re-load everything) nor macOS (Apple's system libraries are not fork-safe; Python's own
    default there is spawn since 3.8)."""
    return "fork" in mp.get_all_start_methods() and sys.platform != "darwin"


def _memory() -> tuple[int, int] | None:
    """(resident bytes of this process, bytes the system still has available: MemAvailable) from /proc on
    Linux; None elsewhere or when unreadable."""
    try:
        with open("/proc/self/statm") as f:
            rss = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        with open("/proc/meminfo") as f:
            avail = next(int(line.split()[1]) * 1024 for line in f if line.startswith("MemAvailable:"))
        return rss, avail
    except (OSError, ValueError, IndexError, StopIteration):
        return None


def resolve_jobs(jobs: int | None, engine: Any = None, tasks: int | None = None,
                 memory: tuple[int, int] | None = None) -> int:
    """How many processes run the scenarios of ``run all``: ``jobs``, or when None the cores this process may
    use (:func:`bankxl.engine.duck._cores`) capped by memory — ``memory`` = (bytes resident after the load,
    bytes available, :func:`_memory`): one worker per resident size still available, since a forked worker
    may come to copy most of the loaded tables (their text cells are Python objects: reading one writes its
    reference count) besides its own run; at most ``tasks``; 1 where :func:`fork_available` is False or the
    engine is not DuckDB (a Spark session lives in its JVM and is not forked). An explicit ``jobs`` is not
    capped by memory. Raises ParameterError for ``jobs`` < 1 or not an integer."""
    from ..engine.duck import DuckDBEngine, _cores

    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1):
        raise ParameterError(f"--jobs 应为不小于 1 的整数, 给定 {jobs}。", f"--jobs must be an integer >= 1, got {jobs!r}.")
    n = jobs
    if n is None:
        n = _cores()
        if memory is not None and memory[0] > 0:
            n = min(n, max(1, memory[1] // memory[0]))
    if tasks is not None:
        n = min(n, max(1, tasks))
    if n > 1 and (not fork_available() or not (engine is None or isinstance(engine, DuckDBEngine))):
        return 1
    return n


#: the columns of a ``role="detail"`` table the cross views read: who is on it (a risk scenario's detail holds
#: its customers, :func:`.tasks.list_rows`); 等级 kept with it should a detail ever carry levels
DETAIL_COLUMNS = ("客户号", "等级")


def for_cross_views(report: Report | None) -> Report | None:
    """``report`` with only what the cross views read (:mod:`.profile`, :mod:`.tasks`, :func:`_cross_context`):
    its per-customer tables (``Table.role`` set) — lists and tags whole, details with their
    :data:`DETAIL_COLUMNS` only — meta and notes; no charts, notes blocks, summary tables or problem log. What a
    worker process of ``run all`` sends back (pickled) once it has written the whole report (at 100k customers
    the details are most of a report's frames)."""
    if report is None:
        return None

    def keep(b: Table) -> Table:
        if b.role != "detail" or isinstance(b, ListTable):
            return b
        return replace(b, df=b.df.loc[:, [c for c in DETAIL_COLUMNS if c in b.df.columns]])

    sheets = [replace(sh, blocks=[keep(b) for b in sh.blocks if isinstance(b, Table) and b.role])
              for sh in report.sheets]
    return replace(report, sheets=[sh for sh in sheets if sh.blocks], problems=None)


#: what the worker processes of :func:`_run_forked` read: set before they are forked, shared copy-on-write
_FORKED: dict[str, Any] = {}


class _Terminated(BaseException):
    """Raised in a busy worker on SIGTERM (the pool ends the other workers when one died): unwinds the write
    so :func:`~bankxl.report.xlsx.write_report` removes its temporary file, then the worker exits."""


_BUSY: list[bool] = [False]


def _on_sigterm(signum: int, _frame: Any) -> None:
    if _BUSY[0]:
        raise _Terminated()
    os._exit(128 + signum)


def _busy(fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` in a worker, ending the process (no half-written temporary file left) on SIGTERM."""
    _BUSY[0] = True
    try:
        return fn(*args)
    except _Terminated:
        os._exit(128 + signal.SIGTERM)
    finally:
        _BUSY[0] = False


def _keep_inherited() -> None:
    """In a freshly forked worker: keep the DuckDB engines inherited from the parent referenced for the worker's
    life (never closed or collected here: a connection's destructor touches the parent's threads, which do not
    exist after fork — a segmentation fault; the worker ends with ``os._exit``, multiprocessing); SIGTERM ends
    a busy worker through :class:`_Terminated` (its temporary report file removed)."""
    from .. import engine as eng

    _FORKED["inherited"] = (eng._default, _FORKED.get("kw", {}).get("engine"))
    signal.signal(signal.SIGTERM, _on_sigterm)


def _worker_start() -> None:
    """In a freshly forked scenario worker: its own DuckDB engines (a connection's threads do not survive fork;
    the inherited ones are kept, :func:`_keep_inherited`)."""
    from .. import engine as eng
    from ..engine.duck import DuckDBEngine

    _keep_inherited()
    eng.set_default_engine(None)
    e = _FORKED["kw"]["engine"]
    if isinstance(e, DuckDBEngine):
        _FORKED["kw"]["engine"] = DuckDBEngine(e.memory_limit, e.temp_directory, e.threads)


def _worker_run(i: int) -> tuple[str, str, Report | None, Path | None, float, str]:
    """Scenario ``i`` of ``_FORKED["specs"]`` in a worker (:func:`_run_one`): what the parent needs back."""
    run, msg = _busy(lambda: _run_one(_FORKED["specs"][i], **_FORKED["kw"]))
    return run.status, run.reason, for_cross_views(run.report), run.path, run.seconds, msg


def _run_forked(specs: Sequence[Scenario], todo: Sequence[int], jobs: int, kw: dict[str, Any],
                say: Callable[[str], None]) -> dict[int, ScenarioRun]:
    """Run ``specs[i]`` for ``i`` in ``todo`` in ``jobs`` forked worker processes; {i: its ScenarioRun}, progress
    lines as each finishes. Largest inputs first (rows loaded; the longest runs start first so the last one
    ends soon after the others). A worker that dies (killed, out of memory) makes its scenarios 内部错误 and
    the rest still run; Ctrl-C cancels what has not started, waits for the running ones (each report is
    written atomically, so no half-written file is left) and is raised."""
    loaded = kw["loaded"]
    size = {i: sum(loaded[t].n_rows for t in (*specs[i].inputs, *specs[i].optional_inputs) if t in loaded)
            for i in todo}
    order = sorted(todo, key=lambda i: -size[i])
    _FORKED.update(specs=list(specs), kw=dict(kw))
    out: dict[int, ScenarioRun] = {}
    try:
        pool = ProcessPoolExecutor(jobs, mp_context=mp.get_context("fork"), initializer=_worker_start)
        try:
            futures = {pool.submit(_worker_run, i): i for i in order}
            for f in as_completed(futures):
                spec = specs[futures[f]]
                try:
                    status, reason, report, path, secs, msg = f.result()
                except Exception as e:  # noqa: BLE001 — a dead worker, an unpicklable result: reported
                    reason = f"{type(e).__name__}: {e}"
                    if isinstance(e, BrokenProcessPool):
                        reason = ("工作进程意外终止(例如内存不足被系统结束), 可用 --jobs 1 依次运行重试 "
                                  f"(a worker process ended abruptly, e.g. out of memory; retry with --jobs 1): {reason}")
                    status, report, path, secs = CRASHED, None, None, 0.0
                    msg = f"  ✗ {spec.code} {spec.title}: 内部错误 internal error — {reason}"
                out[futures[f]] = ScenarioRun(spec, status, reason, report, path, secs)
                say(msg)
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
    finally:
        _FORKED.clear()
    return out


def _worker_write(i: int) -> Path:
    """Write ``_FORKED["writes"][i]`` = (report, path) in a worker (:func:`_write_all`)."""
    return _busy(write_report, *_FORKED["writes"][i])


def _write_all(writes: Sequence[tuple[Report, Path]], jobs: int) -> list[Path]:
    """:func:`~bankxl.report.xlsx.write_report` of each (report, path), in ``jobs`` forked processes when
    ``jobs`` > 1 (the cross views: 客户画像 and 营销任务清单 are independent files); the paths in the order
    given. The first write that fails raises its error (as one after the other), the writes not started are
    cancelled; each file is written atomically."""
    if jobs <= 1 or len(writes) < 2:
        return [write_report(report, path) for report, path in writes]
    _FORKED.update(writes=list(writes))
    try:
        pool = ProcessPoolExecutor(min(jobs, len(writes)), mp_context=mp.get_context("fork"),
                                   initializer=_keep_inherited)
        try:
            futures = [pool.submit(_worker_write, i) for i in range(len(writes))]
            return [f.result() for f in futures]
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    finally:
        _FORKED.clear()


def run_all(sources: Sequence[Any], out_dir: str | Path, *, params: Mapping[str, Any] | None = None,
            scenario_params: Mapping[str, Mapping[str, Any]] | None = None, as_of: Any = None,
            strict: bool = False, holidays: Any = None, scale: int = 10_000, mask: bool = True,
            mask_accounts: bool = True, currency: str | None = None, by: str | None = None,
            do_not_disturb: Any = None, contacts: Any = None, feedback: Any = None,
            scenarios: Sequence[Scenario] | None = None,
            progress: Callable[[str], None] | None = None, engine: Any = None,
            spark_master: str | None = None, jobs: int | None = 1) -> RunAllResult:
    """Run every scenario that can run on ``sources`` and write its report, the 客户画像 and the 营销任务清单 into
    ``out_dir`` (created; nothing is written elsewhere, no input file is overwritten). ``sources``: as
    :func:`bankxl.runner.run_scenario` — files, a folder (its data files, :func:`bankxl.runner.input_sources`),
    DataFrames or {table name: DataFrame} mappings.

    ``params``: :class:`CrossParams` overrides; ``scenario_params``: {scenario id / code: overrides}; ``by``:
    None, ``"manager"`` or ``"outlet"`` — also one task file per 客户经理 / 机构 (:func:`.tasks.split_tasks`);
    ``do_not_disturb`` / ``contacts``: optional 免打扰名单 / 接触记录 (file or DataFrame, :mod:`.tasks`);
    ``feedback``: optional folder of returned task lists (:mod:`.feedback`): their 拒绝 customers are held for
    ``refusal_days`` (read before the inputs; its row problems go to the task list's 数据问题);
    ``scenarios``: default every registered one. ``engine`` / ``spark_master``: the engine of every scenario's
    heavy aggregations in this call only, made after the parameters are checked (as
    :func:`bankxl.runner.run_scenario`). ``jobs``: processes that run and write the scenarios after the one load
    (:func:`resolve_jobs`; 1 = one after the other in this process, None = as many as cores and memory allow);
    reports, 客户画像 and 营销任务清单 are the same whatever ``jobs`` (with ``jobs > 1`` a :class:`ScenarioRun`'s
    ``report`` holds only the per-customer tables and meta the two cross views read, :func:`for_cross_views`).
    Other settings as :func:`bankxl.runner.run_scenario`.
    Raises ParameterError (any bad parameter, before reading), BankxlError when ``out_dir`` is a file;
    a scenario's own error never stops the others (:class:`ScenarioRun`).
    """
    from .. import io as bio
    from ..engine.choice import engine_for
    from .tasks import read_constraint

    t_start = time.perf_counter()
    say = progress or (lambda _m: None)
    out_dir = Path(os.path.realpath(out_dir))  # "a/../b" names b: no stray folder a is made on the way
    if out_dir.exists() and not out_dir.is_dir():
        raise BankxlError(f"--out 应为文件夹, 但「{out_dir}」是一个已有的文件。",
                          f"--out must be a folder; {out_dir} is an existing file.")
    sources = input_sources(sources, out_dir)  # a folder stands for its data files, as in `bankxl run all -i`
    if by not in (None, "manager", "outlet"):
        raise ParameterError(f"--by 只能是 manager(按客户经理) 或 outlet(按机构), 给定 {by}。",
                             f"--by must be manager or outlet, got {by!r}.")
    specs = list(scenarios) if scenarios is not None else list(registry().values())
    # every parameter first: a typo stops in milliseconds, before a long load
    cross = make_params(CrossParams, params)
    given = {get_scenario(k).id if k not in {s.id for s in specs} else k: v
             for k, v in (scenario_params or {}).items()}
    sparams = {s.id: make_params(s.params, given.get(s.id)) for s in specs}
    engine = engine_for(engine, spark_master)  # None = the default (DuckDB); Spark errors before any read
    resolve_jobs(jobs, engine)  # a bad --jobs too
    if as_of is not None and str(as_of).strip():
        as_of = parse_as_of(as_of)
    if currency is not None and str(currency).strip():
        currency = parse_currency(currency)
    if holidays is not None and not isinstance(holidays, pd.DataFrame):
        holidays = bio.read_holidays(holidays)
    own_problems = ProblemLog()  # the constraint tables' row problems (shown on the task list's 数据问题)
    dnd = read_constraint("do_not_disturb", do_not_disturb, own_problems)
    contact = read_constraint("contacts", contacts, own_problems)
    refused, fb_note = None, ""
    if feedback is not None and str(feedback).strip():
        from .feedback import match_rows, read_lists, refusals

        ret = read_lists(feedback, exclude=[], problems=own_problems)
        refused = refusals(match_rows(ret, own_problems)[0])
        n_files = int((ret.files["状态"] == "已读取").sum())
        fb_note = (f"已读取退回名单 {n_files} 个文件(--feedback {feedback}): 拒绝 {len(refused):,} 位; "
                   f"拒绝后 {cross.refusal_days} 天内不再列入任务。")
        say(fb_note)

    wanted = list(dict.fromkeys(t for s in specs for t in (*s.inputs, *s.optional_inputs)))
    say(f"读取输入(每张表只读一次) reading inputs once: {', '.join(wanted)} …")
    load_problems = ProblemLog()
    errors: dict[str, DataValidationError] = {}
    # a table some scenario reads as a DuckDB relation is read through DuckDB as `bankxl run` reads it (Parquet,
    # a large CSV, --engine duckdb: bankxl.engine.inputs.load_file); the others get its pandas frame (cached)
    relation = tuple(dict.fromkeys(t for s in specs for t in RELATION_READY.get(s.code, ())))
    not_used: list[bio.NotUsed] = []  # files that name no table and gave none (a README.txt): one line each
    loaded = bio.read_tables(sources, wanted=(), optional=wanted, problems=load_problems, strict=strict,
                             mask=mask, mask_accounts=mask_accounts, errors=errors, engine_tables=relation,
                             engine=engine, not_used=not_used)
    for n in not_used:
        say(n.line())
    in_duckdb = [v.df for v in loaded.values() if isinstance(v.df, DuckTable)]
    try:
        return _run_loaded(specs, sparams, cross, loaded, errors, load_problems, in_duckdb, sources, out_dir,
                           engine, jobs, say, t_start, own_problems, dnd, contact, refused, fb_note,
                           as_of=as_of, strict=strict, holidays=holidays, scale=scale, mask=mask,
                           mask_accounts=mask_accounts, currency=currency, by=by)
    finally:  # the inputs read into DuckDB leave the engine's connection with the run (as run_scenario)
        for t in in_duckdb:
            t.close()


def _view_table(name: str, df: Any) -> pd.DataFrame:
    """Input ``name`` as the two cross views read it (:data:`.tasks.TASK_TABLES`), conformed. A table read through
    DuckDB (客户月度存款 of D4/D3) comes as what :func:`.tasks._balances` reads of it: 客户号, 客户经理 and the balance
    column (of 客户月度存款 only the latest month's rows, as ``_balances`` keeps), through
    :func:`bankxl.frames.coded_columns` (客户号/客户经理 as codes, their text once per distinct value) — never the
    whole table in pandas."""
    if not isinstance(df, DuckTable):
        return conform(name, df)
    from ..frames import coded_columns
    from .tasks import BALANCE_TABLES

    col = dict(BALANCE_TABLES)[name]
    if name == "customer_monthly":
        month = df["month"]
        df = df.loc[(month == month.max()).to_numpy()]
    extra = ["month"] if name == "customer_monthly" else []
    cc = coded_columns(df, "cust_id", [*extra, col, "mgr_id", "_row"], categorical=("mgr_id",))
    frame = pd.DataFrame({"cust_id": pd.array(cc.keys.array.take(cc.codes, allow_fill=True), dtype="string"),
                          **{c: cc.frame[c] for c in [*extra, col, "_row"]},
                          "mgr_id": cc.frame["mgr_id"].astype("string")})
    frame.attrs.update(df.attrs)
    return conform(name, frame)


def _run_loaded(specs: list[Scenario], sparams: dict[str, Any], cross: CrossParams, loaded: dict[str, Any],
                errors: dict[str, DataValidationError], load_problems: ProblemLog, in_duckdb: list[Any],
                sources: Sequence[Any], out_dir: Path, engine: Any, jobs: int | None, say: Callable[[str], None],
                t_start: float, own_problems: ProblemLog, dnd: Any, contact: Any, refused: Any, fb_note: str, *,
                as_of: Any, strict: bool, holidays: Any, scale: int, mask: bool, mask_accounts: bool,
                currency: str | None, by: str | None) -> RunAllResult:
    """The part of :func:`run_all` after the one load (arguments as there; ``in_duckdb``: the loaded tables that
    live in DuckDB, closed by the caller): each scenario, then the two cross views."""
    from .profile import build_profile
    from .tasks import TASK_TABLES, build_tasks, split_tasks

    inputs = {k: {"source": v.source, "sheet": v.sheet, "header_row": v.header_row, "rows": v.n_rows}
              for k, v in loaded.items()}
    say("已读取 loaded: " + ", ".join(f"{k} ({v.n_rows} 行)" for k, v in loaded.items())
        + ("; 未能读取 failed: " + ", ".join(errors) if errors else ""))
    for k, e in errors.items():  # each in full: the file and why (the scenarios that need it are skipped below)
        say(f"  未能读取 failed {k}: {e.message_zh} {e.message_en}".rstrip())
    # the 客户号 cross-table check on the shared load, once: its 警告 line, and its KEY_UNMATCHED problems on the two
    # cross views' 数据问题 (each scenario's prepare still checks its own tables for its own report)
    view_problems = tables_problems(load_problems, loaded)
    numeric = {k for k, v in loaded.items() if "cust_id" in v.as_numbers}
    for w in check_cust_id_coverage({k: v.df for k, v in loaded.items()}, view_problems, numeric):
        say(f"警告 warning: {w}")
    out_dir.mkdir(parents=True, exist_ok=True)

    kw = {"sparams": sparams, "loaded": loaded, "errors": errors, "load_problems": load_problems,
          "sources": sources, "out_dir": out_dir, "engine": engine,
          "settings": {"as_of": as_of, "strict": strict, "holidays": holidays, "scale": scale, "mask": mask,
                       "mask_accounts": mask_accounts, "currency": currency}}
    why = [_skip_reason(spec, loaded, errors) for spec in specs]
    todo = [i for i, w in enumerate(why) if not w]
    jobs = resolve_jobs(jobs, engine, len(todo), _memory() if jobs is None else None)
    if jobs > 1 and in_duckdb:  # a table that lives in this process's DuckDB cannot be used after fork
        say(f"  {'、'.join(t.attrs.get('table', '') for t in in_duckdb)} 在 DuckDB 中读取, 各场景依次运行(不分进程) "
            f"read through DuckDB: the scenarios run one after the other, not in {jobs} processes")
        jobs = 1
    done: dict[int, ScenarioRun] = {}
    for i, spec in enumerate(specs):  # in registry order: skipped ones, and each run when sequential
        if why[i]:
            done[i] = ScenarioRun(spec, SKIPPED, why[i])
            say(f"  - {spec.code} {spec.title}: 跳过 skipped — {_skip_reason(spec, loaded, errors, short=True)}")
        elif jobs == 1:
            done[i], msg = _run_one(spec, **kw)
            say(msg)
    if jobs > 1:
        say(f"  {len(todo)} 个场景在 {jobs} 个进程中运行 running {len(todo)} scenarios in {jobs} processes")
        done.update(_run_forked(specs, todo, jobs, kw, say))
    runs = [done[i] for i in range(len(specs))]
    paths = [r.path for r in runs if r.status == RAN]

    result = RunAllResult(runs, paths, inputs=inputs)
    ran = [r for r in runs if r.status == RAN]
    if ran:
        ctx, date_note = _cross_context(ran, as_of, holidays, scale, mask, mask_accounts)
        ctx.problems = own_problems
        typed = {t: _view_table(t, loaded[t].df) for t in TASK_TABLES if t in loaded}  # what the two views read
        ps = persons(typed.get("customers"))  # one identity merge for both views
        tables_inputs = {t: inputs[t] for t in loaded}
        status = result.status_frame()
        notes = [date_note] if date_note else []
        profile = build_profile(ran, typed.get("customers"), cross, ctx, status=status, ps=ps)
        profile.notes += notes
        _finish(profile, "客户画像", cross, ctx, tables_inputs, view_problems)
        result.profile = profile
        tasks = build_tasks(ran, typed, cross, ctx, do_not_disturb=dnd, contacts=contact, refused=refused, ps=ps)
        tasks.notes += notes + ([fb_note] if fb_note else [])
        _finish(tasks, "营销任务清单", cross, ctx, tables_inputs, view_problems)
        result.tasks = tasks
        writes = [(profile, _target(out_dir, PROFILE_FILE, sources)), (tasks, _target(out_dir, TASKS_FILE, sources))]
        parts = split_tasks(tasks, by, out_dir, sources) if by else []
        for part, report in parts:
            _finish(report, "营销任务清单", cross, ctx, tables_inputs, view_problems)
            writes.append((report, part))
        written = _write_all(writes, jobs)
        paths += written
        say(f"  ✓ 客户画像 -> {written[0].name}")
        say(f"  ✓ 营销任务清单 -> {written[1].name}")
        if by:
            say(f"  ✓ 按{'客户经理' if by == 'manager' else '机构'}拆分 {len(parts)} 个文件 -> "
                f"{parts[0][0].parent if parts else out_dir}")
    result.paths = paths
    result.seconds = time.perf_counter() - t_start
    return result


def _cross_context(ran: list[ScenarioRun], as_of: Any, holidays: Any, scale: int, mask: bool,
                   mask_accounts: bool) -> tuple[RunContext, str]:
    """The RunContext of the cross views: the given as-of date, else the one data date of the reports that
    ran (the latest when they differ, said in the returned note); their currency (the first report's)."""
    from ..calendar import BankCalendar

    dates = sorted({pd.Timestamp(r.report.meta["as_of"]) for r in ran})
    day = pd.Timestamp(as_of) if as_of is not None and str(as_of).strip() else dates[-1]
    note = ""
    if len(dates) > 1:
        note = ("各场景的数据日期不同(" + "、".join(f"{d:%Y-%m-%d}" for d in dates)
                + f"): 汇总视图按 {day:%Y-%m-%d} 计; 每条标签与任务明细保留其场景的数据日期。")
    currencies = list(dict.fromkeys(r.report.meta.get("currency", "CNY") for r in ran))
    if len(currencies) > 1:
        note += f" 各场景的币种不同({'、'.join(currencies)}), 涉及金额按各名单原币种列示, 未折算。"
    ctx = RunContext(as_of=day, calendar=BankCalendar(holidays), currency=currencies[0], scale=scale, mask=mask,
                     mask_accounts=mask_accounts)
    return ctx, note.strip()


def _finish(report: Report, title: str, params: CrossParams, ctx: RunContext, inputs: dict[str, dict],
            problems: ProblemLog) -> None:
    """说明 and 数据问题 as every report has them (:func:`bankxl.runner.finish`), under a pseudo scenario
    ``crossview`` (not registered: it is not a scenario of SCENARIOS.md). ``problems``: the load's row problems
    (the constraint tables' own problems are added by :mod:`.tasks` to ``ctx.problems``)."""
    spec = Scenario(id="crossview", code="ALL", title=title, group="综合管理", inputs=(), params=CrossParams,
                    run=lambda *_a: None)
    own = ctx.problems
    ctx.problems = tables_problems(problems, inputs)
    ctx.problems.extend(own.problems)
    try:
        finish(report, spec, params, ctx, inputs)
    finally:
        ctx.problems = own
