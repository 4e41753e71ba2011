"""The bench harness (bench/, issue 16) at a tiny size: stages measured, references really compared.

No timing assertions (speed lives in bench/): only that the cases run through every stage and that the core
aggregation's reference check compares values — a reference made to differ by one count or by one cent is
reported as a mismatch, half a cent is within the tolerance."""
from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.case import run_case  # noqa: E402
from bench.common import ensure_data  # noqa: E402
from bench.references import references  # noqa: E402
from bench.run import core_table, stage_table  # noqa: E402


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    return ensure_data(tmp_path_factory.mktemp("bench"), 300, log=lambda _m: None)


@pytest.fixture(scope="module")
def d2(data) -> dict:
    return run_case({"scenario": "D2", "folder": str(data / "csv"), "input": "csv"})


def test_case_measures_every_stage_and_reference(data, d2):
    rows = sum(len(pd.read_csv(data / "csv" / f"{t}.csv")) for t in ("time_deposits", "orgs", "customers"))
    assert d2["stages"]["load"]["rows"] == rows  # every row of the three CSVs loaded (sample data has no bad rows)
    assert d2["refs"]["load"]["rows"] == rows  # the pandas reference read the same files
    assert set(d2["stages"]) == {"load", "run", "write"}
    assert d2["stages"]["write"]["cells"] > rows  # the raw writer wrote at least the 到期明细 cells
    core = d2["refs"]["core"]
    assert core["status"] == "equal", core["diffs"]
    assert core["calls"] == 1 and core["bankxl_cpu"] > 0 and core["duckdb_cpu"] > 0
    md = stage_table([{**d2, "size": "300"}]) + core_table([{**d2, "size": "300"}])
    assert "| D2 | 300 | csv |" in md and "| equal |" in md


def _variant(sql_from: str, sql_to: str):
    ref = references()["D2"]
    assert sql_from in ref.sql
    return {"D2": dataclasses.replace(ref, sql=ref.sql.replace(sql_from, sql_to))}


@pytest.mark.parametrize("sql_to, status, column", [
    ("COUNT(*) + (COALESCE(period, '') = '2027-01')::INT AS count", "mismatch", "count"),  # one more deposit in a month
    ("SUM(balance) + 0.01 AS amount", "mismatch", "amount"),  # one cent more at every level
    ("SUM(balance) + 0.004 AS amount", "equal", None),  # within half a cent: equal to the cent
])
def test_reference_check_reports_a_mismatch(data, sql_to, status, column):
    sql_from = sql_to.split(" + ")[0] + " AS " + sql_to.rsplit(" AS ", 1)[1]
    r = run_case({"scenario": "D2", "folder": str(data / "csv"), "input": "csv", "write": False},
                 references=_variant(sql_from, sql_to))
    core = r["refs"]["core"]
    assert core["status"] == status, core
    if column:
        assert core["diffs"] and core["diffs"][0].startswith(column + ":"), core["diffs"]
        assert "mismatch" in core_table([{**r, "size": "300"}])


def test_second_scenario_and_parquet_input(data):
    m1 = run_case({"scenario": "M1", "folder": str(data / "csv"), "input": "csv"})
    assert m1["stages"]["load"]["rows"] == len(pd.read_csv(data / "csv" / "payroll.csv")) + \
        len(pd.read_csv(data / "csv" / "orgs.csv"))
    assert m1["refs"]["write"]["cells"] == m1["stages"]["write"]["cells"] > 0
    pq = run_case({"scenario": "M1", "folder": str(data / "parquet"), "input": "parquet", "write": False})
    # the loader reads Parquet (the same rows) or the case says it does not, never loads it by itself
    assert ("unsupported" in pq and pq["unsupported"].startswith("Parquet: not supported")) or \
        pq["stages"]["load"]["rows"] == m1["stages"]["load"]["rows"]
