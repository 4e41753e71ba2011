"""The scenario contract as named checks (issue 9 item 7; DESIGN.md "Scenario contract").

Modelled on scikit-learn's ``sklearn/utils/estimator_checks.py``: every rule a scenario must keep is one small
function ``check_<rule>(spec, bank)`` with a docstring, :func:`yield_checks` yields the checks that apply to a
scenario, and ``tests/test_contract.py`` parametrises them over :func:`bankxl.scenario.registry` with ids like
``test_contract[D2-check_bad_param_fails_before_load]``. A check raises ``AssertionError`` naming the scenario
and what is wrong; it never skips: a scenario that lacks what it needs (sample data, a golden case) fails.
There is no list of known gaps: a failing check is fixed in the scenario, not recorded here.

``spec``: a :class:`bankxl.scenario.Scenario`; ``bank``: the sample bank (canonical table id -> typed frame,
as :func:`bankxl.sample.make_sample_bank` makes it; read-only, :func:`sample_bank` caches one per session).

Golden values: a scenario's tiny hand-computed case is a test of its own test file marked
``@pytest.mark.golden("<scenario id>")`` (no shared file to edit); :func:`golden_cases` finds the marked tests
under :data:`TEST_DIRS` and :func:`check_golden_values` runs them, failing for a scenario that has none.
"""
from __future__ import annotations

import dataclasses
import importlib
import inspect
import json
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd

from bankxl import io as bio
from bankxl import runner
from bankxl.errors import DataValidationError, ParameterError
from bankxl.lists import LIST_COLUMNS, UNKNOWN_COLUMN
from bankxl.paramsheet import COLUMNS as PARAM_COLUMNS
from bankxl.paramsheet import read_settings
from bankxl.report import Chart, Note, PivotBlock, Report, Table
from bankxl.report.model import TABLE_ROLES
from bankxl.report.xlsx import write_report
from bankxl.runner import execute, run_scenario
from bankxl.scenario import GROUPS, PERIOD_MAX, Scenario, make_params, params_hash, params_table
from bankxl.tables import get_table
from bankxl.tags import TAG_COLUMNS, TAG_HEADERS

AS_OF = "2026-11-30"
#: size and seed of the contract's sample bank (small: the contract runs every scenario ~300 times)
SAMPLE_CUSTOMERS, SAMPLE_SEED = 200, 7
#: a bad parameter must stop within this many seconds (no input is read)
PARAM_SECONDS = 1.0
TAG_SHEET = "客户标签"


@lru_cache(maxsize=1)
def sample_bank() -> dict[str, pd.DataFrame]:
    """The contract's sample bank (:data:`SAMPLE_CUSTOMERS` customers, seed :data:`SAMPLE_SEED`), built
    once."""
    from bankxl.sample import make_sample_bank

    return make_sample_bank(customers=SAMPLE_CUSTOMERS, seed=SAMPLE_SEED, as_of=AS_OF)


# ============================================================================ golden cases
#: where golden cases are looked for: test modules ``test_*.py`` of these folders (importable by module name)
TEST_DIRS: list[Path] = [Path(__file__).resolve().parent]
GOLDEN_MARK = "golden"


@dataclasses.dataclass(frozen=True)
class GoldenCase:
    """A test marked ``@pytest.mark.golden("<scenario id>")``: ``module`` (test module name) and ``test``
    (function name); :meth:`run` calls it, its arguments taken from the module's own argument-less fixtures
    (e.g. a module-scoped ``report`` fixture)."""

    scenario: str
    module: str
    test: str

    def run(self) -> None:
        mod = importlib.import_module(self.module)
        fn = getattr(mod, self.test)
        kwargs = {}
        for name in inspect.signature(fn).parameters:
            fixture = getattr(mod, name, None)
            make = getattr(fixture, "__wrapped__", None)
            assert make is not None and not inspect.signature(make).parameters, (
                f"golden case {self}: argument {name!r} is not an argument-less fixture of {self.module}")
            kwargs[name] = make()
        fn(**kwargs)

    def __str__(self) -> str:
        return f"{self.module}.{self.test}"


def golden_cases() -> dict[str, list[GoldenCase]]:
    """Scenario id -> its golden cases: the tests marked ``@pytest.mark.golden(id)`` in the test modules of
    :data:`TEST_DIRS` (only modules whose text holds the mark are imported; found once per set of folders)."""
    return _golden_cases(tuple(TEST_DIRS))


@lru_cache(maxsize=4)
def _golden_cases(dirs: tuple[Path, ...]) -> dict[str, list[GoldenCase]]:
    found: dict[str, list[GoldenCase]] = {}
    for folder in dirs:
        for path in sorted(folder.glob("test_*.py")):
            if f"mark.{GOLDEN_MARK}(" not in path.read_text(encoding="utf-8"):
                continue
            mod = importlib.import_module(path.stem)
            for name, fn in vars(mod).items():
                if getattr(fn, "__module__", None) != mod.__name__:
                    continue  # imported from elsewhere: registered where it is defined
                for m in getattr(fn, "pytestmark", ()):
                    if m.name == GOLDEN_MARK and callable(fn):
                        assert len(m.args) == 1 and isinstance(m.args[0], str), \
                            f"{path.name}::{name}: write @pytest.mark.golden(\"<scenario id>\")"
                        found.setdefault(m.args[0], []).append(GoldenCase(m.args[0], path.stem, name))
    return found


# ============================================================================ helpers
def sample_tables(spec: Scenario, bank: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The sample tables of ``spec`` (its ``sample_inputs``); fails when the sample bank lacks one or when a
    required input is not among them — a scenario without sample data fails the contract."""
    missing = [t for t in spec.sample_inputs if t not in bank]
    assert not missing, (f"{spec.id}: the sample bank has no {missing}; add a generator to bankxl.sample "
                         "(one module per canonical table)")
    absent = [t for t in spec.inputs if t not in spec.sample_inputs]
    assert not absent, f"{spec.id}: required inputs {absent} are not among its sample_tables"
    return {t: bank[t] for t in spec.sample_inputs}


def _execute(spec: Scenario, tables, **kw) -> Report:
    return execute(spec, tables, as_of=AS_OF, **kw)


_REPORTS: dict = {}


def sample_report(spec: Scenario, bank: dict[str, pd.DataFrame]) -> Report:
    """The report of ``spec`` on the sample bank, computed once per (spec, bank) for the checks that only
    read it (checks never modify a report)."""
    key = (spec, id(bank))
    if key not in _REPORTS:
        _REPORTS[key] = _execute(spec, sample_tables(spec, bank))
    return _REPORTS[key]


def assert_report_well_formed(report: Report, spec: Scenario) -> None:
    """The report's shape: 数据问题 and 说明 last, distinct valid sheet names, tables without internal
    (``_``) or duplicated columns, meta filled by the runner for this scenario and as-of date."""
    names = report.sheet_names
    assert names[-2:] == ["数据问题", "说明"], f"{spec.id}: sheets {names}"
    assert len(set(names)) == len(names), f"{spec.id}: duplicate sheet names {names}"
    bad = [n for n in names if not n or len(n) > 31 or re.search(r"[\[\]:*?/\\]", n)]
    assert not bad, f"{spec.id}: invalid sheet names {bad}"
    for s in report.sheets:
        for b in s.blocks:
            if isinstance(b, Table):
                cols = [str(c) for c in b.df.columns]
                assert not [c for c in cols if c.startswith("_")], f"{spec.id} {s.name}/{b.name}: {cols}"
                assert not b.df.columns.duplicated().any(), f"{spec.id} {s.name}/{b.name}: duplicated {cols}"
    assert report.scenario_id == spec.id and report.code == spec.code
    assert report.meta["as_of"] == pd.Timestamp(AS_OF)
    assert report.meta["rule_version"] == params_hash(report.meta["params"])


def list_tables(report: Report) -> list[tuple[str, Table]]:
    """The customer lists of a report (SCENARIOS.md §6 名单表) as (sheet name, Table): the tables marked
    ``role="list"`` (:meth:`bankxl.lists.ScoredList.table` marks them), whatever their sheet is called."""
    return [(s.name, b) for s in report.sheets for b in s.blocks if isinstance(b, Table) and b.role == "list"]


def undeclared_customer_tables(report: Report) -> list[tuple[str, Table]]:
    """Tables with a 客户号 column (a row per customer) whose ``role`` says neither what they are: not a §6
    list, not the tag table, not declared per-customer detail (:data:`bankxl.report.model.TABLE_ROLES`)."""
    return [(s.name, b) for s in report.sheets for b in s.blocks if isinstance(b, Table)
            and "客户号" in b.df.columns and b.role not in TABLE_ROLES]


def _tag_like(report: Report) -> list[tuple[str, Table]]:
    """Tables holding tag rows (marked ``role="tags"``, or an English ``tag_code`` or a 标签代码 column),
    wherever they are."""
    return [(s.name, b) for s in report.sheets for b in s.blocks if isinstance(b, Table)
            and (b.role == "tags" or {"tag_code", TAG_HEADERS["tag_code"]} & {str(c) for c in b.df.columns})]


def _blocks_equal(a, b, where: str) -> None:
    assert type(a) is type(b), f"{where}: {type(a).__name__} vs {type(b).__name__}"
    if isinstance(a, Table):
        pd.testing.assert_frame_equal(a.df, b.df, obj=where)
        assert dataclasses.replace(a, df=None) == dataclasses.replace(b, df=None), where
    elif isinstance(a, (Note, Chart)):
        assert a == b, where
    elif isinstance(a, PivotBlock):
        assert (a.source, a.title, a.note, repr(a.spec)) == (b.source, b.title, b.note, repr(b.spec)), where


def _bad_values(f: dataclasses.Field, params) -> list[str]:
    """Values (as users type them after ``--param name=``) that the declaration of ``f`` forbids: a choice
    not offered, a number below ``min`` (0 for a non-negative scalar: :func:`bankxl.scenario.param`'s rule) or
    above ``max`` / :data:`~bankxl.scenario.PERIOD_MAX`, a declared-increasing tuple reversed, and for the
    lists convention (``levels`` + ``strategy``) levels from low to high."""
    m, d = f.metadata, f.default
    out: list[str] = []
    if m.get("choices"):
        out.append("no_such_choice")
    scalar = isinstance(d, (int, float)) and not isinstance(d, bool)
    flat = isinstance(d, tuple) and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in d)
    lo, hi = m.get("min"), m.get("max")
    if scalar:
        lo = 0 if lo is None and d >= 0 else lo
        hi = PERIOD_MAX.get(m.get("unit")) if hi is None else hi
        out += [str(v) for v in (lo - 1 if lo is not None else None, hi + 1 if hi is not None else None)
                if v is not None]
    elif flat:
        def text(t):
            return ",".join(str(x) for x in t)
        if lo is not None:
            out.append(text((lo - 1, *d[1:])))
        if hi is not None:
            out.append(text((*d[:-1], hi + 1)))
        if m.get("increasing") and len(d) >= 2:
            out.append(text(tuple(reversed(d))))
    if f.name == "levels" and hasattr(params, "strategy") and len(d) >= 2:
        out.append(json.dumps([list(x) for x in reversed(d)], ensure_ascii=False))
    return out


def _refuse(*_a, **_k):
    raise AssertionError("an input was read before the parameters were checked")


# ============================================================================ checks
def check_spec_well_declared(spec: Scenario, bank) -> None:
    """SPEC: known canonical tables (inputs and optional inputs disjoint), a known group, a one-line summary,
    a frozen params dataclass whose every field has a 中文 label."""
    for t in (*spec.inputs, *spec.optional_inputs):
        get_table(t)
    assert not set(spec.inputs) & set(spec.optional_inputs), spec.id
    assert spec.group in GROUPS and spec.code and spec.title, spec.id
    assert spec.summary, f"{spec.id} has no one-line summary"
    assert dataclasses.is_dataclass(spec.params) and spec.params.__dataclass_params__.frozen, \
        f"{spec.id}: params must be a frozen dataclass"
    unlabelled = [f.name for f in dataclasses.fields(spec.params) if not f.metadata.get("zh")]
    assert not unlabelled, f"{spec.id}: parameters without 中文 label {unlabelled}"


def check_params_roundtrip_param_sheet(spec: Scenario, bank) -> None:
    """Defaults, and each other value of every choice, written as the 参数 sheet shows them (``params_table``:
    ``顺延 (following)``) and read back with ``read_settings``, give equal params and the same rule hash."""
    variants = [spec.default_params()]
    for f in dataclasses.fields(spec.params):
        variants += [dataclasses.replace(variants[0], **{f.name: cid})
                     for cid in f.metadata.get("choices") or () if cid != f.default]
    for p in variants:
        frame = params_table(p)
        frame.insert(0, "场景", spec.id)
        overrides, common = read_settings(frame[PARAM_COLUMNS], spec)
        back = make_params(spec.params, overrides)
        assert back == p, f"{spec.id}: 参数 sheet round trip changed {p} into {back}"
        assert params_hash(back) == params_hash(p) and common == {}, spec.id


def check_bad_param_fails_before_load(spec: Scenario, bank) -> None:
    """For every parameter with choices / min / max / increasing (and levels for a list): a bad value makes
    ``runner.run_scenario`` raise ParameterError naming the parameter (a choice: also the value given and
    every allowed value) within :data:`PARAM_SECONDS`, with the loader patched to fail if any input were read."""
    params, tried, failures = spec.default_params(), 0, []
    for f in dataclasses.fields(spec.params):
        for value in _bad_values(f, params):
            tried += 1
            t0 = time.perf_counter()
            try:
                with mock.patch.object(bio, "read_tables", _refuse):
                    run_scenario(spec, [Path("never_read.xlsx")], None, params={f.name: value}, as_of=AS_OF)
            except ParameterError as e:
                msg, took = str(e), time.perf_counter() - t0
                if f.name not in msg and f.metadata["zh"] not in msg:
                    failures.append(f"{f.name}={value}: message names neither {f.name} nor 中文 label: {msg}")
                for label in (f.metadata.get("choices") or {}).values():
                    if label not in msg or value not in msg:
                        failures.append(f"{f.name}={value}: value or allowed value {label} not named: {msg}")
                if took > PARAM_SECONDS:
                    failures.append(f"{f.name}={value}: took {took:.2f} s")
            except Exception as e:  # noqa: BLE001 - collected: the check lists every parameter that fails
                failures.append(f"{f.name}={value}: {type(e).__name__}: {e}")
            else:
                failures.append(f"{f.name}={value}: accepted")
    assert tried, f"{spec.id}: no parameter declares choices/min/max/increasing — give its thresholds ranges"
    assert not failures, f"{spec.id}: bad parameters not stopped before load:\n" + "\n".join(failures)


def check_sample_report_non_empty(spec: Scenario, bank) -> None:
    """On the sample bank: a well-formed report, every sheet with at least one block, a non-empty table
    besides 数据问题/说明, the main list (the first §6 list, when the report has one) not empty, and a chart whose
    value axis does not start at 0 says so in its title (不从 0 起)."""
    report = sample_report(spec, bank)
    assert_report_well_formed(report, spec)
    empty = [s.name for s in report.sheets if not s.blocks]
    assert not empty, f"{spec.id}: sheets without blocks {empty}"
    results = [b for s in report.sheets[:-2] for b in s.blocks if isinstance(b, Table) and len(b.df)]
    assert results, f"{spec.id}: no result table with rows on the sample bank"
    lists = list_tables(report)
    if lists:
        sheet, table = lists[0]
        assert len(table.df), f"{spec.id}: the main list {sheet}/{table.name} is empty on the sample bank"
    # a value axis that does not start at zero says so where the reader looks (issue 10 item 5)
    charts = [b for s in report.sheets for b in s.blocks if isinstance(b, Chart)]
    charts += [report.headline.chart] if report.headline is not None and report.headline.chart is not None else []
    unsaid = [c.title for c in charts if (not c.zero_based or (c.y_min or 0) > 0) and "不从 0 起" not in (c.title or "")]
    assert not unsaid, f"{spec.id}: charts whose value axis does not start at 0 without saying so: {unsaid}"


def check_inputs_not_mutated(spec: Scenario, bank) -> None:
    """The input frames (values, dtypes, index, attrs) are the same after a run."""
    tables = {k: v.copy(deep=True) for k, v in sample_tables(spec, bank).items()}
    before = {k: v.copy(deep=True) for k, v in tables.items()}
    _execute(spec, tables)
    assert tables.keys() == before.keys()
    for k in tables:
        pd.testing.assert_frame_equal(tables[k], before[k], obj=f"{spec.id} input {k}")
        assert tables[k].attrs == before[k].attrs, f"{spec.id}: attrs of input {k} changed"


def _said_lines(report: Report) -> set[str]:
    """What a report says about what it could not use: the lines of the 说明 sheet's notes (方法, 注意) and
    the values of every 未计算因素 column (:data:`bankxl.lists.UNKNOWN_COLUMN`)."""
    out: set[str] = set()
    for s in report.sheets:
        for b in s.blocks:
            if isinstance(b, Note) and s.name == "说明":
                out.update(str(x) for x in b.lines)
            elif isinstance(b, Table) and UNKNOWN_COLUMN in b.df.columns:
                out.update(str(x) for x in b.df[UNKNOWN_COLUMN].dropna().unique())
    return out


def _results_equal(a: Report, b: Report) -> bool:
    """Same result sheets (every sheet but 数据问题 and 说明: names, blocks, table frames, notes)."""
    if a.sheet_names != b.sheet_names:
        return False
    try:
        for s1, s2 in zip(a.sheets[:-2], b.sheets[:-2]):
            assert len(s1.blocks) == len(s2.blocks)
            for b1, b2 in zip(s1.blocks, s2.blocks):
                _blocks_equal(b1, b2, s1.name)
    except AssertionError:
        return False
    return True


def _optional_columns(tables: dict[str, pd.DataFrame]) -> dict[str, list]:
    """Input table id -> the optional columns of its spec (``bankxl.tables.Column``) that the sample table has."""
    return {t: [c for c in get_table(t).columns if not c.required and c.id in df.columns] for t, df in tables.items()}


def _assert_dropped_columns_said(spec: Scenario, bank, drops: list[dict[str, list]], unsaid_ok=()) -> None:
    """Run ``spec`` on its sample tables once per entry of ``drops`` (input table id -> the columns dropped from
    it): a well-formed report, never an error — not even a DataValidationError; when the result differs from the
    full data's, the new 说明 lines / 未计算因素 entries name every dropped column (中文名 or id) but those whose
    id is in ``unsaid_ok``. Every failure is collected and listed as ``table.column`` (columns dropped together
    joined by ``+``)."""
    tables, failures = sample_tables(spec, bank), []
    full = sample_report(spec, bank)
    said = _said_lines(full)
    for drop in drops:
        label = "+".join(f"{t}.{c.id}" for t, cols in drop.items() for c in cols)
        cut = {k: (v.drop(columns=[c.id for c in drop[k]]) if k in drop else v) for k, v in tables.items()}
        try:
            report = _execute(spec, cut)
            assert_report_well_formed(report, spec)
        except Exception as e:  # noqa: BLE001 - collected: the check lists every column that fails
            failures.append(f"{label}: {type(e).__name__}: {e}")
            continue
        if _results_equal(report, full):
            continue
        new = _said_lines(report) - said
        for t, cols in drop.items():
            for col in cols:
                if col.id not in unsaid_ok and not [line for line in new if col.zh in line or col.id in line]:
                    failures.append(f"{t}.{col.id} ({col.zh}): the result changes but no new 说明 line or 未计算因素 "
                                    f"entry names the column (dropped: {label}; new lines: {sorted(new)[:3]})")
    assert not failures, f"{spec.id}: missing optional columns break the run or go unsaid:\n" + "\n".join(failures)


def check_missing_optional_columns(spec: Scenario, bank) -> None:
    """Each optional column of each input dropped in turn: the scenario still gives a well-formed report —
    never an error, not even a DataValidationError — and when the result differs from the full data's, a
    new line of 说明 (方法 / 注意) or a 未计算因素 entry names the column (its 中文名 or id), so the user is told
    what was not computed and why. A column whose absence changes nothing (the scenario does not use it)
    needs no note. One run per column (~950 runs over the registry): marked slow (:data:`SLOW_CHECKS`), run by
    ``.ci/run``'s slow step after ``make test``; ``make test`` runs :func:`check_missing_optional_columns_by_table`."""
    cols = _optional_columns(sample_tables(spec, bank))
    _assert_dropped_columns_said(spec, bank, [{t: [c]} for t, cs in cols.items() for c in cs])


def check_missing_optional_columns_by_table(spec: Scenario, bank) -> None:
    """The optional columns dropped together: all of one input's at once (per input), then all of every
    input's at once — a well-formed report, never an error, and when the result differs from the full data's,
    new 说明 lines / 未计算因素 entries name every dropped column. The representative subset of
    :func:`check_missing_optional_columns` that ``make test`` runs (one run per input, not per column): it
    fails on what that check was written for — a scenario that raises (KeyError, DataValidationError) or
    whose result changes unsaid when an optional column is absent — except a failure that only a single
    column's absence provokes while its table's other optional columns are present. 数据日期 (``as_of``) need not
    be named among the others (the runner's note leaves it aside: 说明 states the date used); dropped alone, in
    the per-column check, it must be named if it changes the result."""
    cols = {t: cs for t, cs in _optional_columns(sample_tables(spec, bank)).items() if cs}
    drops = [{t: cs} for t, cs in cols.items()] + ([cols] if len(cols) > 1 else [])
    _assert_dropped_columns_said(spec, bank, drops, unsaid_ok=("as_of",))


def check_missing_optional_inputs(spec: Scenario, bank) -> None:
    """Each optional input absent in turn, and all of them absent: a well-formed report."""
    tables = sample_tables(spec, bank)
    optional = [t for t in spec.optional_inputs if t in tables]
    for drop in [[t] for t in optional] + [optional]:
        report = _execute(spec, {k: v for k, v in tables.items() if k not in drop})
        assert_report_well_formed(report, spec)


def check_list_sheets_have_section6_columns(spec: Scenario, bank) -> None:
    """Every customer list (:func:`list_tables`) has the §6 columns (:data:`bankxl.lists.LIST_COLUMNS`) in
    that order: 排名 1…n, 客户号 filled, 得分 not increasing down the ranks (blanks last), 截止日 on or after
    the data date where a 等级 is given, and 证件号码/手机号/客户名称 only masked (``(脱敏)``)."""
    report = sample_report(spec, bank)
    for sheet, t in list_tables(report):
        df, where = t.df, f"{spec.id} {sheet}/{t.name}"
        missing = [c for c in LIST_COLUMNS if c not in df.columns]
        assert not missing, f"{where}: lacks the §6 list columns {missing}; has {list(df.columns)}"
        pos = [list(df.columns).index(c) for c in LIST_COLUMNS]
        assert pos == sorted(pos), f"{where}: §6 columns out of order {list(df.columns)}"
        assert df["排名"].tolist() == list(range(1, len(df) + 1)), f"{where}: 排名 is not 1…n"
        assert df["客户号"].astype("string").str.strip().replace("", pd.NA).notna().all(), f"{where}: blank 客户号"
        score = pd.to_numeric(df["得分"], errors="coerce").to_numpy(dtype=float)
        known = score[~np.isnan(score)]
        assert (np.diff(known) <= 1e-9).all() and not np.isnan(score[:len(known)]).any(), \
            f"{where}: 得分 not in rank order"
        due = pd.to_datetime(df["截止日"])[df["等级"].notna().to_numpy()]
        assert (due >= pd.Timestamp(AS_OF)).all(), f"{where}: 截止日 before the data date"
        plain = [c for c in df.columns if re.match(r"(证件号|手机|客户名称|姓名)", str(c)) and "(脱敏)" not in str(c)]
        assert not plain, f"{where}: identity columns not masked {plain}"


def check_customer_tables_declared(spec: Scenario, bank) -> None:
    """Every table with 客户号 per row says what it is (``Table.role``): a §6 list (``ScoredList.table``), the
    tag table (``tag_sheet``) or ``role="detail"`` declared by the scenario — so a ranked customer list
    built by hand, outside :mod:`bankxl.lists`, cannot escape the §6 list check by its sheet name."""
    report = sample_report(spec, bank)
    bad = [f"{sheet}/{t.name} (role={t.role!r})" for sheet, t in undeclared_customer_tables(report)]
    assert not bad, (f"{spec.id}: tables with 客户号 per row that are neither a §6 list (build it with "
                     "bankxl.lists.score_list -> ScoredList.table, role='list') nor the tag table nor declared "
                     f"per-customer detail (Table(..., role='detail')): {bad}")


def check_tag_rows_have_section6_columns(spec: Scenario, bank) -> None:
    """Tags sit on one 客户标签 sheet with the §6 columns under their Chinese headers (客户号 场景 标签代码 …
    规则版本), rows of this scenario (场景 = its code, 标签代码 ``<code>_…``, 数据日期 = the data date, 规则版本
    = the report's rule version); a report with a customer list has that sheet and tags every listed
    customer."""
    report = sample_report(spec, bank)
    stray = [f"{s}/{t.name}" for s, t in _tag_like(report) if s != TAG_SHEET]
    assert not stray, f"{spec.id}: tag rows outside the {TAG_SHEET} sheet: {stray}"
    lists = list_tables(report)
    if TAG_SHEET not in report.sheet_names:
        assert not lists, f"{spec.id}: lists {[s for s, _ in lists]} but no {TAG_SHEET} sheet (§6 标签长表)"
        return
    tables = [b for b in report.sheet(TAG_SHEET).blocks if isinstance(b, Table)]
    assert len(tables) == 1, f"{spec.id}: {TAG_SHEET} holds {len(tables)} tables"
    tags = tables[0].df
    want = [TAG_HEADERS[c] for c in TAG_COLUMNS]
    assert list(tags.columns) == want, f"{spec.id}: {TAG_SHEET} columns {list(tags.columns)}, want {want}"
    assert tags["客户号"].astype("string").str.strip().replace("", pd.NA).notna().all(), spec.id
    assert (tags["场景"] == spec.code).all(), f"{spec.id}: 场景 {set(tags['场景'])}"
    assert tags["标签代码"].astype("string").str.startswith(f"{spec.code}_").all(), spec.id
    assert (pd.to_datetime(tags["数据日期"]) == pd.Timestamp(AS_OF)).all(), spec.id
    assert (tags["规则版本"] == report.meta["rule_version"]).all(), f"{spec.id}: 规则版本 is not the rule hash"
    tagged = set(tags["客户号"].astype(str))
    for sheet, t in lists:
        untagged = set(t.df["客户号"].astype(str)) - tagged
        assert not untagged, \
            f"{spec.id}: {len(untagged)} customers of {sheet} carry no tag, e.g. {sorted(untagged)[:3]}"


def check_deterministic(spec: Scenario, bank) -> None:
    """Two runs on the same inputs give identical reports: sheets, blocks, table frames, notes, rule version,
    data problems."""
    tables = sample_tables(spec, bank)
    r1, r2 = _execute(spec, tables), _execute(spec, tables)
    assert r1.sheet_names == r2.sheet_names, spec.id
    for s1, s2 in zip(r1.sheets, r2.sheets):
        assert len(s1.blocks) == len(s2.blocks), f"{spec.id} {s1.name}"
        for i, (b1, b2) in enumerate(zip(s1.blocks, s2.blocks)):
            _blocks_equal(b1, b2, f"{spec.id} {s1.name} block {i}")
    assert (r1.method, r1.notes, r1.meta["rule_version"]) == (r2.method, r2.notes, r2.meta["rule_version"])
    pd.testing.assert_frame_equal(r1.problems.to_frame(), r2.problems.to_frame())


def check_written_report_well_formed(spec: Scenario, bank) -> None:
    """``write_report`` on the sample report: openpyxl opens it, its sheets are the report's, 说明 and 数据问题
    are there, and no cell holds a formula except the totals row of an Excel table (合计 SUBTOTAL)."""
    import openpyxl
    from openpyxl.utils.cell import range_boundaries

    report = sample_report(spec, bank)
    with tempfile.TemporaryDirectory() as tmp:
        wb = openpyxl.load_workbook(write_report(report, Path(tmp) / "r.xlsx"))
    head = report.headline  # the writer puts the headline first (Headline.fallback if a sheet has its name)
    first = [] if head is None else [head.fallback if head.sheet in report.sheet_names else head.sheet]
    assert wb.sheetnames == first + report.sheet_names, spec.id
    assert {"说明", "数据问题"} <= set(wb.sheetnames), spec.id
    formulas = []
    for ws in wb.worksheets:
        totals = {range_boundaries(t.ref)[3] for t in ws.tables.values() if t.totalsRowCount}
        formulas += [f"{ws.title}!{c.coordinate}" for row in ws.iter_rows() for c in row
                     if c.data_type == "f" and c.row not in totals]
    assert not formulas, f"{spec.id}: formula cells {formulas[:5]}"


def check_golden_values(spec: Scenario, bank) -> None:
    """The scenario's tiny golden inputs (tests of its own test file marked ``@pytest.mark.golden("<id>")``,
    :func:`golden_cases`) pass and run this scenario; a scenario without one fails."""
    cases = golden_cases().get(spec.id)
    assert cases, (f"{spec.id}: no golden case — write a tiny input with hand-computed values in its test file "
                   f"and mark that test @pytest.mark.golden(\"{spec.id}\")")
    finish = runner.finish
    for case in cases:
        ran: list[str] = []

        def spy(report, spec_, *a, **k):
            ran.append(spec_.id)
            return finish(report, spec_, *a, **k)

        with mock.patch.object(runner, "finish", spy):
            case.run()
        assert spec.id in ran, f"{spec.id}: its golden case {case} never runs the scenario"


def check_empty_input(spec: Scenario, bank) -> None:
    """Every required input empty (the spec's columns, no rows): a well-formed report, no exception."""
    tables = {t: get_table(t).empty().drop(columns="_row") for t in spec.inputs}
    assert_report_well_formed(_execute(spec, tables), spec)


def check_one_row(spec: Scenario, bank) -> None:
    """The first row of every sample table: a well-formed report."""
    one = {k: v.head(1) for k, v in sample_tables(spec, bank).items()}
    assert_report_well_formed(_execute(spec, one), spec)


def check_rejects_missing_required_column(spec: Scenario, bank) -> None:
    """Each required column of each required input missing from a loaded DataFrame (with the columns it may
    be derived from, ``Column.derivable_from``): DataValidationError naming the column in Chinese and
    English."""
    tables = sample_tables(spec, bank)
    for t in spec.inputs:
        for col in get_table(t).required:
            drop = {col.id, *(c for alt in getattr(col, "derivable_from", ()) for c in alt)}
            broken = {k: (v.drop(columns=[c for c in v.columns if c in drop]) if k == t else v)
                      for k, v in tables.items()}
            try:
                run_scenario(spec, [broken], None, as_of=AS_OF)
            except DataValidationError as e:
                assert col.zh in str(e) and col.id in str(e), f"{spec.id} {t}.{col.id}: {e}"
            else:
                raise AssertionError(f"{spec.id}: {t} without {col.id} was accepted")


def check_missing_required_table(spec: Scenario, bank) -> None:
    """No inputs at all: DataValidationError naming the first required table in Chinese."""
    try:
        _execute(spec, {})
    except DataValidationError as e:
        assert get_table(spec.inputs[0]).zh in str(e), f"{spec.id}: {e}"
    else:
        raise AssertionError(f"{spec.id}: ran without its required tables")


def yield_checks(spec: Scenario) -> Iterator[Callable[[Scenario, dict], None]]:
    """The checks that apply to ``spec`` (all of them, except the optional-input check for a scenario
    without optional inputs), in a fixed order."""
    yield check_spec_well_declared
    yield check_params_roundtrip_param_sheet
    yield check_bad_param_fails_before_load
    yield check_sample_report_non_empty
    yield check_inputs_not_mutated
    yield check_missing_optional_columns_by_table
    yield check_missing_optional_columns
    if spec.optional_inputs:
        yield check_missing_optional_inputs
    yield check_customer_tables_declared
    yield check_list_sheets_have_section6_columns
    yield check_tag_rows_have_section6_columns
    yield check_deterministic
    yield check_written_report_well_formed
    yield check_golden_values
    yield check_empty_input
    yield check_one_row
    yield check_rejects_missing_required_column
    yield check_missing_required_table


ALL_CHECKS = tuple(v for k, v in sorted(globals().items()) if k.startswith("check_") and callable(v))
#: checks whose value is breadth (hundreds of runs): tests/test_contract.py marks them ``slow``, so ``make test``
#: leaves them out and ``.ci/run`` runs them in its slow step after ``make test``
SLOW_CHECKS = frozenset({check_missing_optional_columns})
