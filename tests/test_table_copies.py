"""One table given twice — 客户月度存款 as CSV AND as Parquet in one input folder (H2): the copies are compared as
TYPED tables (bankxl.copies.first_difference), so a CSV date text and a Parquet timestamp of the same day are the
same; equal copies are used once with a 说明 line, differing ones give an error naming both files, the column
and each file's row (``run all`` prints the table's error once: tests/test_runall_failed_once.py). The tables below are written by hand: 4 rows,
客户号 with leading zeros (text in both files), 月份 as text in the CSV and as a TIMESTAMP in the Parquet.
"""
from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from bankxl import io as bio
from bankxl.copies import first_difference
from bankxl.engine import DuckDBEngine
from bankxl.engine.inputs import DuckTable
from bankxl.errors import DataValidationError
from bankxl.tables import get_table

ROWS = {"客户号": ["0000000001", "0000000001", "0000000002", "0000000003"],
        "月份": ["2025-12-01", "2026-01-01", "2025-12-01", "2025-12-01"],
        "存款月日均(元)": [100.10, 120.0, 5000.0, 0.5],
        "月末余额(元)": [110.0, 200.5, 5100.25, 0.0],
        "机构号": ["020001", "020001", "020002", "020002"]}


def _write(folder, csv_rows=ROWS, pq_rows=ROWS):
    """客户月度存款.csv (all text, as exported) and 客户月度存款.parquet (月份 TIMESTAMP, money DOUBLE, codes VARCHAR)."""
    folder.mkdir(exist_ok=True)
    csv = folder / "客户月度存款.csv"
    pd.DataFrame(csv_rows).to_csv(csv, index=False)
    pq = folder / "客户月度存款.parquet"
    frame = pd.DataFrame(pq_rows).astype({"客户号": object, "机构号": object})
    if "月份" in frame:
        frame["月份"] = pd.to_datetime(frame["月份"])
    con = duckdb.connect()
    con.register("f", frame)
    con.execute(f"COPY (SELECT * FROM f) TO '{pq}' (FORMAT parquet)")
    if "月份" in frame:
        assert con.execute(f"SELECT typeof(月份) FROM '{pq}' LIMIT 1").fetchall()[0][0].startswith("TIMESTAMP")
    con.close()
    return csv, pq


def _objects(con):
    return sorted(r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() UNION ALL "
                                            "SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall())


@pytest.mark.parametrize("engine", [None, "duckdb"])
def test_equal_csv_and_parquet_are_used_once(tmp_path, engine):
    """Same rows as CSV and Parquet -> the table is read once from the CSV (read first), its values those of the CSV
    alone, and 说明 says which file was used and that the Parquet held the same rows (before: DataValidationError
    「同时由多个文件提供」 — the raw cells 2025-12-01 and 2025-12-01 00:00:00 differed). Through DuckDB (engine duckdb:
    both copies DuckTables, compared in DuckDB) the Parquet copy's objects are dropped after the comparison."""
    csv, pq = _write(tmp_path / "in")
    kw = {}
    if engine:
        eng = DuckDBEngine(memory_limit="1GB")
        kw = {"engine_tables": ["customer_monthly"], "engine": eng}
        alone = bio.read_tables([csv], ["customer_monthly"], **kw)["customer_monthly"]
        objects_alone = _objects(eng.con)
        alone.df.close()
    t = bio.read_tables([csv, pq], ["customer_monthly"], **kw)["customer_monthly"]
    assert t.source == str(csv) and t.n_rows == 4
    note = [n for n in t.unit_notes if "处提供" in n]
    assert note == ["表「客户月度存款」在 2 处提供, 按读取规则转换后内容相同(行数 4, 各列的值相同), 使用 文件 客户月度存款.csv"
                    "(其余: 文件 客户月度存款.parquet 的数据行与之相同, 未重复使用)"]
    df = t.df
    if engine:
        assert isinstance(df, DuckTable)
        assert len(_objects(eng.con)) == len(objects_alone)  # the Parquet copy's view is gone
        df = df.to_pandas()
    assert df["cust_id"].tolist() == ["0000000001", "0000000001", "0000000002", "0000000003"]
    assert df["month"].dt.strftime("%Y-%m-%d").tolist() == ["2025-12-01", "2026-01-01", "2025-12-01", "2025-12-01"]
    assert df["dep_eom"].tolist() == [110.0, 200.5, 5100.25, 0.0]
    assert df["_row"].tolist() == [2, 3, 4, 5]  # the CSV's Excel rows


@pytest.mark.parametrize("engine", [None, "duckdb"])
def test_copies_differing_in_one_cell_name_both_files_the_column_and_rows(tmp_path, engine):
    """The Parquet's 月末余额 of record 2 is 200.49 instead of 200.50 (one cent): the error names both files, the
    column 月末余额(dep_eom), the CSV's Excel row 3 and the Parquet's data row 2 with both values, in Chinese and
    English. A difference below the cent (200.501) is no difference: money is compared to the cent."""
    kw = {"engine_tables": ["customer_monthly"], "engine": DuckDBEngine(memory_limit="1GB")} if engine else {}
    off = dict(ROWS, **{"月末余额(元)": [110.0, 200.49, 5100.25, 0.0]})
    csv, pq = _write(tmp_path / "in", pq_rows=off)
    with pytest.raises(DataValidationError) as ei:
        bio.read_tables([csv, pq], ["customer_monthly"], **kw)
    e = ei.value
    assert ("文件 客户月度存款.csv; 文件 客户月度存款.parquet; 内容不同(按读取规则转换后比较, 日期按日期、金额到分、编号按文本), "
            "第一处不同在列 月末余额(dep_eom): 文件 客户月度存款.csv 第 3 行 为 200.50, 文件 客户月度存款.parquet "
            "第 2 行（数据行） 为 200.49。") in e.message_zh
    assert ("the first difference is in column dep_eom: 客户月度存款.csv row 3 holds 200.50, 客户月度存款.parquet "
            "data row 2 holds 200.49.") in e.message_en
    assert e.column == "dep_eom"
    near = dict(ROWS, **{"月末余额(元)": [110.0, 200.501, 5100.25, 0.0]})
    csv, pq = _write(tmp_path / "near", pq_rows=near)
    assert bio.read_tables([csv, pq], ["customer_monthly"], **kw)["customer_monthly"].n_rows == 4


def test_row_counts_first_and_a_date_difference(tmp_path):
    """A copy with one row fewer: the row counts are the difference (4 vs 3). A copy without 月份: it cannot be read
    as the table, said with both files (Chinese + English). One 月份 a month off (record 3:
    2026-01 vs 2025-12) with every amount equal: the column is 月份(month), the values shown as months."""
    csv, pq = _write(tmp_path / "a", pq_rows={k: v[:3] for k, v in ROWS.items()})
    with pytest.raises(DataValidationError, match="行数不同.*文件 客户月度存款.csv 4 行, 文件 客户月度存款.parquet 3 行"):
        bio.read_tables([csv, pq], ["customer_monthly"])
    no_month = {k: v for k, v in ROWS.items() if k != "月份"}  # a copy that is not this table: said, not compared
    csv, pq = _write(tmp_path / "c", pq_rows=no_month)
    with pytest.raises(DataValidationError, match="文件 客户月度存款.parquet 不能按本表读取: .*缺少必填列: 月份") as ei:
        bio.read_tables([csv, pq], ["customer_monthly"])
    assert "客户月度存款.parquet cannot be read as this table: Table customer_monthly lacks" in ei.value.message_en
    moved = dict(ROWS, 月份=["2025-12-01", "2026-01-01", "2026-01-01", "2025-12-01"])
    csv, pq = _write(tmp_path / "b", pq_rows=moved)
    with pytest.raises(DataValidationError, match="列 月份\\(month\\): 文件 客户月度存款.csv 第 4 行 为 2025-12, "
                                                  "文件 客户月度存款.parquet 第 3 行（数据行） 为 2026-01"):
        bio.read_tables([csv, pq], ["customer_monthly"])


def test_first_difference_in_duckdb_and_in_pandas_agree(tmp_path):
    """first_difference on two DuckTables (one DuckDB query), on a DuckTable and a frame, and on their pandas frames
    give the same Difference; the DuckTable compared with a frame keeps no pandas copy of its rows."""
    off = dict(ROWS, 机构号=["020001", "020001", "020009", "020002"])
    csv, pq = _write(tmp_path, pq_rows=off)
    spec = get_table("customer_monthly")
    eng = DuckDBEngine(memory_limit="1GB")
    from bankxl.engine import inputs as ei
    from bankxl.errors import ProblemLog
    a = ei.load_csv(csv, spec, [], con=eng.con, problems=ProblemLog())
    b = ei.load_parquet(pq, spec, [], con=eng.con, problems=ProblemLog())
    assert isinstance(a.df, DuckTable) and isinstance(b.df, DuckTable)
    d_duck = first_difference(a.df, b.df, spec)
    d_mixed = first_difference(a.df, b.df.to_pandas(), spec)  # a DuckTable beside a frame: compared in pandas
    assert getattr(a.df, "_frame", None) is None  # ... without keeping the DuckTable's rows as a frame
    d_pandas = first_difference(a.df.to_pandas(), b.df.to_pandas(), spec)
    assert d_duck == d_pandas == d_mixed
    assert (d_duck.column, d_duck.row_a, d_duck.row_b, d_duck.value_a, d_duck.value_b) == (
        "org_id", 4, 3, "020002", "020009")


def test_duckdb_copies_that_kept_different_records_are_matched_by_rank(tmp_path):
    """Two DuckTables with as many rows but different records kept (the CSV without its record 1, the Parquet without
    its record 2: a .loc selection keeps the record index _rid) cannot be joined on _rid; they are matched by kept-row
    rank: the first pair is the CSV's record 2 (Excel row 3, 2026-01) and the Parquet's record 1 (data row 1, 2025-12)
    -> 月份 differs there, as the pandas comparison of the same rows says."""
    csv, pq = _write(tmp_path)
    spec = get_table("customer_monthly")
    eng = DuckDBEngine(memory_limit="1GB")
    from bankxl.engine import inputs as ei
    from bankxl.errors import ProblemLog
    a = ei.load_csv(csv, spec, [], con=eng.con, problems=ProblemLog()).df.loc[[False, True, True, True]]
    b = ei.load_parquet(pq, spec, [], con=eng.con, problems=ProblemLog()).df.loc[[True, False, True, True]]
    d = first_difference(a, b, spec)
    assert d == first_difference(a.to_pandas(), b.to_pandas(), spec)
    assert (d.column, d.row_a, d.row_b, d.rows_a, d.rows_b) == ("month", 3, 1, 3, 3)
    assert (pd.Timestamp(d.value_a), pd.Timestamp(d.value_b)) == (pd.Timestamp("2026-01-01"), pd.Timestamp("2025-12-01"))
