"""Fixture pieces shared by several test files (one copy each; the files keep their own fixtures, built from
these).

* :func:`sample_csv_files` — tables of the sample bank written as CSV files, as a user exports them (the engine
  CLI and Spark master tests' D2 inputs).
* :func:`sample_bank_files` — the sample bank as one CSV and one Parquet file per table (the benchmark's files,
  ``bench.common.ensure_data``), optionally with text-only Parquet files (the DuckDB input tests).
* :func:`spy_loads` — record what ``bankxl.engine.inputs.load_file`` returns during a test.
* :func:`bankxl_objects_left` — DuckDB tables and views of loaded inputs (``bx_…``) still in the default engine.
"""
from __future__ import annotations

import sys
from pathlib import Path

from conftest import _sample

ROOT = Path(__file__).resolve().parents[1]
#: DuckDB catalog query counting the ``bx_`` objects of loaded inputs; ``.format("tables", "table")`` or views
BX_LEFT = "SELECT COUNT(*) FROM duckdb_{}() WHERE {}_name LIKE 'bx_%'"


def sample_csv_files(folder: Path, customers: int, tables=("time_deposits", "orgs"), seed: int = 1) -> list[Path]:
    """``tables`` of the sample bank (``customers``, ``seed``, data date :data:`conftest.AS_OF`) written to
    ``folder/<table>.csv`` (UTF-8 with BOM, no index column); the paths in the order of ``tables``."""
    bank = _sample(customers, seed)
    paths = []
    for name in tables:
        p = folder / f"{name}.csv"
        bank[name].to_csv(p, index=False, encoding="utf-8-sig")
        paths.append(p)
    return paths


def sample_bank_files(root: Path, customers: int = 5000, *, text_parquet: bool = False) -> Path:
    """The sample bank at ``customers`` (seed 1, data date 2026-11-30) as ``<folder>/csv/<table>.csv`` and
    ``<folder>/parquet/<table>.parquet``, written under ``root`` by ``bench.common.ensure_data`` (typed Parquet
    written from the frames); returns the folder. ``text_parquet``: the Parquet files are rewritten from the
    CSVs with every column as text (DuckDB ``read_csv(all_varchar=true)``), as a tool converting exports makes
    them."""
    import duckdb

    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from bench.common import ensure_data

    d = ensure_data(root, customers, log=lambda *_: None)
    if text_parquet:
        con = duckdb.connect()
        for csv in sorted((d / "csv").glob("*.csv")):
            con.execute(f"COPY (SELECT * FROM read_csv('{csv}', all_varchar = true)) "
                        f"TO '{d / 'parquet' / (csv.stem + '.parquet')}' (FORMAT parquet)")
    return d


def spy_loads(m) -> list:
    """Patch ``bankxl.engine.inputs.load_file`` on the monkeypatch (context) ``m`` to record each result; the list
    of the results (None where the DuckDB path left a file to the pandas loader) as the test runs."""
    from bankxl.engine import inputs as duck_inputs

    loads, real = [], duck_inputs.load_file

    def spy(*a, **kw):
        loads.append(out := real(*a, **kw))
        return out

    m.setattr(duck_inputs, "load_file", spy)
    return loads


def bankxl_objects_left() -> list[int]:
    """[tables, views] named ``bx_…`` (the inputs bankxl loaded into DuckDB) in the default engine now."""
    from bankxl.engine import default_engine

    con = default_engine().con
    return [con.execute(BX_LEFT.format(k, k[:-1])).fetchall()[0][0] for k in ("tables", "views")]


def reports_through_duckdb(code: str, files: list, monkeypatch):
    """``bankxl run <code>`` on ``files`` twice: every table through the pandas loader (the scenario's
    ``RELATION_READY`` entry removed) and with ``--engine duckdb`` (its relation-ready tables read into DuckDB, and
    ``DuckTable.to_pandas`` failing the test: their rows never become a pandas frame). Returns (want, got, loads):
    the two :class:`bankxl.runner.RunResult` and what :func:`spy_loads` recorded in the DuckDB run."""
    import pytest

    from bankxl.engine import inputs as duck_inputs
    from bankxl.runner import run_scenario

    with monkeypatch.context() as m:
        m.delitem(duck_inputs.RELATION_READY, code)
        want = run_scenario(code, files, None)
    with monkeypatch.context() as m:
        loads = spy_loads(m)
        m.setattr(duck_inputs.DuckTable, "to_pandas", lambda self: pytest.fail("rows materialised in pandas"))
        got = run_scenario(code, files, None, engine="duckdb")
    return want, got, loads


def scenario_files(root: Path, fmt: str, code: str) -> list[Path]:
    """The files of ``root/fmt`` (:func:`sample_bank_files`) that scenario ``code`` reads (inputs and optional)."""
    from bankxl.scenario import get_scenario

    spec = get_scenario(code)
    return [root / fmt / f"{t}.{fmt}" for t in (*spec.inputs, *spec.optional_inputs)
            if (root / fmt / f"{t}.{fmt}").exists()]


def assert_same_reports(want, got) -> None:
    """Two :class:`bankxl.runner.RunResult` give the same report tables (``DataFrame.equals``, in order) and the
    same problems and counts."""
    wt, gt = want.report.tables(), got.report.tables()
    assert list(gt) == list(wt)
    for name in wt:
        assert gt[name].df.equals(wt[name].df), name
    assert got.problems.problems == want.problems.problems
    assert got.problems.counts == want.problems.counts


def plain(df):
    """``df`` without the loader's private columns (``_row``, ...): what a user's file holds."""
    return df.drop(columns=[c for c in df.columns if c.startswith("_")])
