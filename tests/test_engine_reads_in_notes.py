"""Issue 17 item 5 for the INPUTS: a table read through DuckDB (:class:`bankxl.engine.inputs.DuckTable`: Parquet, a
CSV over the size threshold, ``--engine duckdb``) is named in 说明 — table, file, rows read, 由 DuckDB 读取并校验,
明细在 DuckDB 中汇总 — and on the headline when it is larger than one Excel sheet (the same records as the engine's
queries, :mod:`bankxl.engine.usage`), in ``bankxl run`` and ``bankxl run all``. A table the pandas loader read (a
small CSV) has no such line. Row counts are counted by DuckDB straight from the files, not by the loader."""
from __future__ import annotations

import duckdb
import pytest

from bankxl.engine import usage
from bankxl.runner import run_scenario

from _helpers import sample_bank_files, scenario_files

AS_OF = "2026-11-30"


@pytest.fixture(scope="module")
def bank_files(tmp_path_factory):
    """The 5k sample bank as one CSV and one Parquet file per table (bench.common.ensure_data)."""
    return sample_bank_files(tmp_path_factory.mktemp("bank5k_reads"))


def _rows(path) -> int:
    return duckdb.sql(f"SELECT COUNT(*) FROM read_parquet('{path}')").fetchall()[0][0]


def _notes(report) -> list[str]:
    sheet = report.sheet("说明")
    return [line for b in sheet.blocks if getattr(b, "title", "") == "注意 Notes" for line in b.lines]


def _read_lines(report) -> list[str]:
    return [x for x in _notes(report) if x.startswith("输入读取")]


def _want(bank_files) -> list[str]:
    pq = bank_files / "parquet"
    n_cm, n_tx = _rows(pq / "customer_monthly.parquet"), _rows(pq / "transactions.parquet")
    assert n_cm > 50_000 and 20_000 < n_tx < 50_000  # the headline threshold below lies between them
    return [f"输入读取: 「客户月度存款」(customer_monthly.parquet) {n_cm:,} 行由 DuckDB 读取并校验, 明细在 DuckDB 中汇总。",
            f"输入读取: 「交易流水」(transactions.parquet) {n_tx:,} 行由 DuckDB 读取并校验, 明细在 DuckDB 中汇总。"]


def test_d4_from_parquet_names_each_table_read_through_duckdb(bank_files, monkeypatch):
    """Before: only the engine's query (计算引擎 …交易流水…) was in 说明; 客户月度存款, read and aggregated in DuckDB too,
    was named nowhere, and no headline line for it however large."""
    monkeypatch.setattr(usage, "EXCEL_MAX_ROWS", 50_000)  # a 50,000-row "sheet": 客户月度存款 exceeds it, 交易流水 not
    res = run_scenario("D4", scenario_files(bank_files, "parquet", "D4"), None, as_of=AS_OF)
    want = _want(bank_files)
    assert _read_lines(res.report) == want
    n_cm = _rows(bank_files / "parquet" / "customer_monthly.parquet")
    assert res.report.headline.lines[-1] == (f"数据量超过 Excel 单表上限: 由 DuckDB(本机) 读入 「客户月度存款」{n_cm:,} 行, "
                                             "明细在引擎中汇总, 报表只含汇总与名单。")
    # the engine's own query line is still there, once
    assert sum(x.startswith("计算引擎: DuckDB(本机) 计算「交易流水排除项识别") for x in _notes(res.report)) == 1


def test_d4_from_a_small_csv_has_no_read_line(bank_files, monkeypatch):
    monkeypatch.setattr(usage, "EXCEL_MAX_ROWS", 50_000)
    res = run_scenario("D4", scenario_files(bank_files, "csv", "D4"), None, as_of=AS_OF)
    assert _read_lines(res.report) == []
    assert not any("超过 Excel 单表上限" in x for x in res.report.headline.lines)  # read by pandas, 交易流水 < 50,000


def test_run_all_reports_name_the_tables_read_through_duckdb(bank_files, tmp_path):
    from bankxl.crossview import run_all
    from bankxl.crossview.runall import RAN
    from bankxl.scenario import get_scenario

    res = run_all(sorted((bank_files / "parquet").iterdir()), tmp_path / "out", as_of=AS_OF, jobs=1,
                  scenarios=[get_scenario("D4"), get_scenario("D2")])
    runs = {r.spec.code: r for r in res.runs}
    assert runs["D4"].status == RAN and runs["D2"].status == RAN
    assert _read_lines(runs["D4"].report) == _want(bank_files)
    assert _read_lines(runs["D2"].report) == []  # D2 reads 定期存款明细 by the pandas loader


def test_a_table_taken_as_a_frame_is_said_and_kept_off_the_headline():
    """A DuckDB-read table a scenario takes as a pandas frame: 说明 says so; the headline's "明细在引擎中汇总" would be
    false for it, so it does not count there."""
    class Read:  # what record_reads reads of a DuckTable
        relation = None
        attrs = {"source": "/x/y/customer_monthly.parquet", "engine": "duckdb"}

        def __len__(self):
            return 2_000_000

    with usage.recording() as runs:
        usage.record_reads({"customer_monthly": Read(), "customers": object()},
                           {"customer_monthly": object(), "customers": object()})
    assert usage.notes(runs) == ["输入读取: 「客户月度存款」(customer_monthly.parquet) 2,000,000 行由 DuckDB 读取并校验, "
                                 "再转为内存表(pandas)计算。"]
    assert usage.headline_line(runs) is None
