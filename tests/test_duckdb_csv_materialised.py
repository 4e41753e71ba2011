"""A CSV read through DuckDB (bankxl.engine.inputs.load_csv, issue 17 part I): at the end of the load the typed rows
are ONE DuckDB table — the raw text table, the value maps (value -> typed value) and the load's views are dropped —
so every later read (the runner's checks, ``coded_columns``, a ``.loc`` selection) scans that table instead of
joining the maps again. Values, problems and notes stay the pandas loader's (checked here on an input with bad
cells, a duplicate key, a 合计 and a footer row; the other equality tests are in test_io_duckdb / test_frames_coded).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from bankxl import frames
from bankxl import io as bio
from bankxl.engine import DuckDBEngine
from bankxl.engine import inputs as duck_inputs
from bankxl.errors import ProblemLog
from bankxl.tables import get_table
from test_io_duckdb import TXN_HEAD, TXN_ROWS

OBJECTS = ("SELECT 'table', table_name FROM duckdb_tables() UNION ALL "
           "SELECT 'view', view_name FROM duckdb_views() WHERE NOT internal ORDER BY 1, 2")


def test_a_csv_load_leaves_one_typed_table_and_no_value_maps(tmp_path):
    path = tmp_path / "交易流水.csv"
    path.write_bytes((TXN_HEAD + "\n".join(TXN_ROWS) + "\n").encode("utf-8"))
    spec = get_table("transactions")
    p1 = ProblemLog()
    want = bio._load_csv_typed(path, spec, [], problems=p1, strict=False, source=str(path), date1904=False,
                               mask=True, mask_accounts=True)
    con = DuckDBEngine(memory_limit="1GB").con
    p2 = ProblemLog()
    got = duck_inputs.load_csv(path, spec, [], con=con, problems=p2, source=str(path))
    t = got.df
    # what lives in DuckDB after the load: the typed rows as one table, nothing else (before: a view over a view
    # over the text table, with 10 value-map tables and the problem tables joined on every read)
    assert con.execute(OBJECTS).fetchall() == [("table", t.view)]
    assert t._tables == [t.view] and t._views == []
    # the same rows and problems as the pandas loader (T1 twice: the first dropped; 合计, blank and footer rows cut)
    pd.testing.assert_frame_equal(t.to_pandas(), want.df)
    assert p2.problems == p1.problems and p2.counts == p1.counts
    assert t.to_pandas()["txn_id"].tolist() == ["T2", "T3", "T4", "T5", "T1", "T7", "T8", "T9", "T10", "T11"]
    assert t.to_pandas()["amount"].tolist()[5] == 1234 * 10_000  # "1,234" 万元
    # reads scan the table: coded_columns gives the pandas codes, a selection is a view over the table
    a = frames.coded_columns(t, "cust_id", ["amount", "_row"])
    b = frames.coded_columns(want.df, "cust_id", ["amount", "_row"])
    # by hand: T4 blank and T8 NULL have no key; the kept T1 is 0006; " 0007 " stripped
    assert a.keys.tolist() == b.keys.tolist() == ["0002", "0003", "0005", "0006", "0007", "0009", "0010", "0011"]
    assert a.codes.tolist() == b.codes.tolist() == [0, 1, -1, 2, 3, 4, -1, 5, 6, 7]
    pd.testing.assert_frame_equal(a.frame, b.frame)
    sel = t.loc[np.arange(len(t)) % 2 == 0]
    assert sel["_row"].tolist() == want.df["_row"].iloc[::2].tolist()
    sel.close()  # closing a selection closes its table: nothing left
    assert con.execute(OBJECTS).fetchall() == []


def test_a_parquet_load_stays_a_view_over_the_file(tmp_path):
    """Parquet is read where it lies (no copy of the rows into DuckDB): the typed rows stay a view."""
    import duckdb

    pq = tmp_path / "交易流水.parquet"
    duckdb.connect().execute(f"""COPY (SELECT * FROM (VALUES ('T1', '0001', '2026-06-01', 12.5::DOUBLE, 'C'),
        ('T2', '0002', '2026-06-02', 3.0::DOUBLE, 'D')) AS t(流水号, 客户号, 交易时间, 金额, 借贷)) TO '{pq}' (FORMAT parquet)""")
    con = DuckDBEngine(memory_limit="1GB").con
    got = duck_inputs.load_parquet(pq, get_table("transactions"), [], con=con, problems=ProblemLog())
    assert got is not None, "the DuckDB path read the file"
    t = got.df
    assert ("view", t.view) in con.execute(OBJECTS).fetchall()
    assert t.to_pandas()["amount"].tolist() == [12.5, 3.0]
    t.close()
    assert con.execute(OBJECTS).fetchall() == []


def test_csv_amounts_duckdb_types_as_the_rule_does_are_not_mapped(tmp_path, monkeypatch):
    """A CSV's number column (text cells): DuckDB's TRY_CAST types the texts for which the loader's rule gives the
    very same float; only the texts the rule types otherwise go to DuckDB as a value map ("1,234.00": TRY_CAST has
    no value; "abc": NUM_INVALID, blank) — before, every distinct amount of the column was mapped. Values and
    problems equal the pandas loader's."""
    path = tmp_path / "客户月度存款.csv"
    rows = ["0001,2026-10-01,1000.5", "0001,2026-11-01,2000", "0002,2026-11-01,\"1,234.00\"",
            "0003,2026-11-01,abc", "0004,2026-11-01,300.25", "0005,2026-11-01,"]
    path.write_bytes(("客户号,月份,存款月日均\n" + "\n".join(rows) + "\n").encode("utf-8"))
    spec = get_table("customer_monthly")
    p1 = ProblemLog()
    want = bio._load_csv_typed(path, spec, [], problems=p1, strict=False, source=str(path), date1904=False,
                               mask=True, mask_accounts=True)
    maps = {}
    real = duck_inputs._Body._table

    def spy(self, what, df, types):
        maps[what] = df.copy()
        return real(self, what, df, types)

    monkeypatch.setattr(duck_inputs._Body, "_table", spy)
    p2 = ProblemLog()
    got = duck_inputs.load_csv(path, spec, [], con=DuckDBEngine(memory_limit="1GB").con, problems=p2,
                               source=str(path))
    pd.testing.assert_frame_equal(got.df.to_pandas(), want.df)
    assert p2.problems == p1.problems and p2.counts == p1.counts
    assert got.df.to_pandas()["dep_avg"].tolist()[:3] == [1000.5, 2000.0, 1234.0]
    dep = maps["m2"]  # 存款月日均 is the file's 3rd column
    assert dep["v"].tolist() == ["1,234.00", "abc"]
    assert dep["val"].iloc[0] == 1234.0 and np.isnan(dep["val"].iloc[1])
