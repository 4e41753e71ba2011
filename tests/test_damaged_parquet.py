"""A damaged Parquet file (PAR1 header and footer intact, data pages scrambled: the breaker's S2 finding) is the
file's error, never an internal one: DuckDB cannot decompress a page (``Snappy decompression failure``) while the
table is loaded, which used to escape as ``InvalidInputException`` (内部错误, exit 1; ``run all`` ran nothing).
Now the loaders raise the error of a file that is not a readable Parquet file, with DuckDB's reason: a required
table stops its run naming the file, an optional one is left out with a 说明 line, ``run all`` skips only the
scenarios that need it."""
from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import openpyxl
import pytest

from _helpers import bankxl_objects_left, sample_bank_files
from bankxl import io as bio
from bankxl.crossview import run_all
from bankxl.crossview.runall import RAN, SKIPPED
from bankxl.errors import DataValidationError, ProblemLog
from bankxl.runner import run_scenario
from bankxl.tables import get_table

ZH = ("文件 customer_monthly.parquet 不是有效的 Parquet 文件(或已损坏), 无法读取"
      "(DuckDB: Snappy decompression failure)。")
EN = ("File customer_monthly.parquet is not a valid Parquet file (or is damaged); cannot read it "
      "(DuckDB: Snappy decompression failure).")


def _damage(src: Path, dst: Path) -> Path:
    """``src`` copied to ``dst`` with every 7th byte of 1000 .. size/2 scrambled (header/footer kept)."""
    b = bytearray(src.read_bytes())
    for i in range(1000, len(b) // 2, 7):
        b[i] = (b[i] * 31 + 7) % 256
    dst.write_bytes(bytes(b))
    return dst


@pytest.fixture(scope="module")
def bank(tmp_path_factory) -> Path:
    """The sample bank's Parquet files (1,000 customers) with customer_monthly.parquet damaged."""
    root = tmp_path_factory.mktemp("damaged")
    d = sample_bank_files(root, 1000)
    folder = root / "in"
    shutil.copytree(d / "parquet", folder)
    _damage(d / "parquet" / "customer_monthly.parquet", folder / "customer_monthly.parquet")
    return folder


def test_the_damage_is_in_the_data_pages(bank):
    """The file passes the listing's check (PAR1 + footer) and DuckDB reads its schema; reading its rows fails with
    the reason the message quotes (found independently of bankxl, with a fresh DuckDB connection)."""
    p = bank / "customer_monthly.parquet"
    bio._check_parquet(p)  # no error: only the pages are damaged
    con = duckdb.connect()
    assert len(con.execute(f"DESCRIBE SELECT * FROM read_parquet('{p}')").fetchall()) > 5
    with pytest.raises(duckdb.Error, match='Failed to read file ".*customer_monthly.parquet": Snappy decompression '
                                           'failure'):
        con.execute(f"SELECT * FROM read_parquet('{p}')").fetchall()


def test_required_table_damaged_stops_the_run_naming_the_file(bank, tmp_path):
    """D4 (客户月度存款 required, read through DuckDB): DataValidationError naming the file with DuckDB's reason;
    nothing left in DuckDB (before: InvalidInputException from the loader's distinct values)."""
    with pytest.raises(DataValidationError) as ei:
        run_scenario("D4", [bank / "customer_monthly.parquet"], tmp_path / "d4.xlsx")
    assert (ei.value.message_zh, ei.value.message_en) == (ZH, EN)
    assert not (tmp_path / "d4.xlsx").exists()
    assert bankxl_objects_left() == [0, 0]


def test_pandas_loader_gives_the_same_error(bank):
    """The pandas Parquet path (a table not read through DuckDB) raises the same error."""
    with pytest.raises(DataValidationError) as ei:
        bio.read_tables([bank / "customer_monthly.parquet"], wanted=["customer_monthly"], problems=ProblemLog())
    assert (ei.value.message_zh, ei.value.message_en) == (ZH, EN)


def test_optional_table_damaged_is_left_out_with_a_note(bank, tmp_path):
    """C6 (客户月度存款 optional): runs without it — the report is the one of a run given no 客户月度存款 at all
    (table by table), and 说明 says the table was left out and why."""
    files = [bank / f"{t}.parquet" for t in ("customers", "product_holdings", "loans")]
    said: list[str] = []
    got = run_scenario("C6", [*files, bank / "customer_monthly.parquet"], tmp_path / "c6.xlsx", as_of="2026-11-30",
                       progress=said.append)
    want = run_scenario("C6", files, None, as_of="2026-11-30")
    note = f"可选输入表「{get_table('customer_monthly').zh}」(customer_monthly) 未能读取, 本报告未使用它: {ZH}"
    assert f"  未能读取 failed customer_monthly: {ZH} {EN} (可选输入表, 本报告未使用它 optional input, left out)" in said
    cells = [str(v) for row in openpyxl.load_workbook(tmp_path / "c6.xlsx")["说明"].iter_rows(values_only=True)
             for v in row if v is not None]
    assert note in cells
    wt, gt = want.report.tables(), got.report.tables()
    assert list(gt) == list(wt)
    for name in wt:
        assert gt[name].df.equals(wt[name].df), name
    assert "customer_monthly" not in got.inputs
    assert bankxl_objects_left() == [0, 0]


def test_run_all_skips_only_the_scenarios_needing_it(bank, tmp_path):
    """run all: D3, D4 and E3 (客户月度存款 required) skipped with the file's error, every other scenario runs
    (before: none ran, exit 1)."""
    res = run_all([bank], tmp_path / "out", as_of="2026-11-30")
    status = {r.spec.code: r.status for r in res.runs}
    assert {c for c, s in status.items() if s == SKIPPED} == {"D3", "D4", "E3"}
    assert {c for c, s in status.items() if s != SKIPPED} == set(status) - {"D3", "D4", "E3"}
    assert all(s == RAN for c, s in status.items() if c not in ("D3", "D4", "E3")), status
    assert status["M1"] == RAN
    assert all(ZH in r.reason for r in res.runs if r.status == SKIPPED)


def test_a_page_read_only_after_the_load_is_the_files_error(tmp_path):
    """A Parquet input read through DuckDB is a lazy view over the file: the scenario's queries read it again. A read
    error there (here: the file damaged after a good load) is the file's error naming it, with the table
    (bankxl.engine.inputs.file_read_errors in runner.execute), not an internal one (before: InvalidInputException
    out of the scenario)."""
    from bankxl.engine.inputs import DuckTable, file_read_errors
    from bankxl.runner import execute

    good = sample_bank_files(tmp_path, 1000) / "parquet" / "customer_monthly.parquet"
    p = shutil.copy(good, tmp_path / "customer_monthly.parquet")
    loaded = bio.read_tables([p], wanted=["customer_monthly"], problems=ProblemLog(),
                             engine_tables=["customer_monthly"])
    t = loaded["customer_monthly"].df
    assert isinstance(t, DuckTable)
    try:
        _damage(good, p)  # same footer: DuckDB's view still opens it, its pages no longer decompress
        with pytest.raises(DataValidationError) as ei:
            execute("D4", {"customer_monthly": t}, as_of="2026-11-30")
        with pytest.raises(DataValidationError) as er:  # an engine query consuming the relation (runner.execute's)
            with file_read_errors({"customer_monthly": t}):
                t.relation().fetchall()
    finally:
        t.close()
    assert (ei.value.message_zh, ei.value.message_en, ei.value.table) == (ZH, EN, "customer_monthly")
    assert (er.value.message_zh, er.value.table) == (ZH, "customer_monthly")
