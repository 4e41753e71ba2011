"""bankxl.frames.coded_columns: a table's 客户号 as sorted integer codes plus the columns a computation uses —
from a pandas frame and from a table read through DuckDB (computed there) identically: blank/NULL 客户号 -1,
non-ASCII and leading zeros in Python's str order, a DATE_OUTLIER-style ``.loc`` selection, categorical text."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bankxl import io as bio
from bankxl.engine import DuckDBEngine
from bankxl.engine import inputs as duck_inputs
from bankxl.errors import ProblemLog
from bankxl.frames import Coded, coded_columns
from bankxl.tables import get_table

HEAD = "客户号,月份,存款月日均,入账金额,机构号,客户经理\n"
ROWS = [
    "0012,2026-09,100,5,B02,张三",
    "012,2026-09,200,,B01,李四",
    "12,2026-10,300,7,B02,",
    ",2026-10,400,1,B01,张三",          # blank 客户号
    "NULL,2026-10,500,2,,张三",         # NULL text = blank
    "客户乙,2026-10,600,3,支行Ä,王五",
    "客户甲,2026-11,700,,B01,李四",
    "é01,2026-11,800,4,B02,张三",
    "Z9,2026-11,,5,B01,李四",
    "0012,2026-11,900,6,支行Ä,张三",
    "a1,2099-01,1000,7,B02,李四",       # a month past the data date (DATE_OUTLIER-style row)
]
#: the distinct 客户号 in Python's sorted order (code points: digits < upper < lower < é < 汉字), by hand
KEYS = ["0012", "012", "12", "Z9", "a1", "é01", "客户乙", "客户甲"]
CODES = [0, 1, 2, -1, -1, 6, 7, 5, 3, 0, 4]
COLS = ["month", "dep_avg", "inflow", "org_id", "mgr_id", "_row"]


def _tables(tmp_path: Path):
    """(pandas frame, DuckTable from CSV, DuckTable from Parquet, pandas frame of the Parquet) of the same
    客户月度存款 rows (a Parquet's 行号 is its data row: 1 less than the CSV's line)."""
    spec = get_table("customer_monthly")
    path = tmp_path / "客户月度存款.csv"
    path.write_text(HEAD + "\n".join(ROWS) + "\n", encoding="utf-8")
    a = bio._load_csv_typed(path, spec, [], problems=ProblemLog(), strict=False, source=str(path), date1904=False,
                            mask=True, mask_accounts=True)
    con = DuckDBEngine(memory_limit="1GB").con
    b = duck_inputs.load_csv(path, spec, [], con=con, problems=ProblemLog(), source=str(path))
    pq = tmp_path / "客户月度存款.parquet"
    con.execute(f"COPY (SELECT * FROM read_csv('{path}', all_varchar=true)) TO '{pq}' (FORMAT parquet)")
    c = duck_inputs.load_parquet(pq, spec, [], con=con, problems=ProblemLog(), source=str(pq))
    d = bio._load_parquet(pq, spec, [], problems=ProblemLog(), strict=False, source=str(pq), date1904=False,
                          mask=True, mask_accounts=True)
    assert isinstance(b.df, duck_inputs.DuckTable) and isinstance(c.df, duck_inputs.DuckTable)
    pd.testing.assert_frame_equal(d.df.drop(columns="_row"), a.df.drop(columns="_row"))
    return a.df, b.df, c.df, d.df


def _same(x: Coded, y: Coded) -> None:
    assert x.codes.dtype == y.codes.dtype == np.int64
    np.testing.assert_array_equal(x.codes, y.codes)
    pd.testing.assert_index_equal(x.keys, y.keys, exact=True)
    pd.testing.assert_frame_equal(x.frame, y.frame)


def test_codes_keys_and_columns_by_hand_equal_on_pandas_and_duckdb(tmp_path, monkeypatch):
    df, csv_t, pq_t, pq_df = _tables(tmp_path)
    monkeypatch.setattr(duck_inputs.DuckTable, "to_pandas", lambda self: pytest.fail("rows materialised in pandas"))
    monkeypatch.setattr(duck_inputs.DuckTable, "__getitem__", lambda self, c: pytest.fail(f"column {c} to pandas"))
    want = coded_columns(df, "cust_id", COLS, categorical=["org_id", "mgr_id"])
    assert want.keys.tolist() == KEYS and want.keys.name == "cust_id" and str(want.keys.dtype) == "string"
    assert want.codes.tolist() == CODES
    # the same as pandas.factorize(sort=True) of the key with blank/missing -1 (a second method)
    fc, fu = pd.factorize(df["cust_id"], sort=True)
    assert [fu[c] if c >= 0 else None for c in fc] == [KEYS[c] if c >= 0 else None for c in CODES]
    assert want.frame["dep_avg"].tolist()[:3] == [100.0, 200.0, 300.0] and np.isnan(want.frame["dep_avg"][8])
    assert want.frame["_row"].tolist() == list(range(2, 13))  # the Excel row numbers, in file order
    assert list(want.frame["org_id"].cat.categories) == ["B01", "B02", "支行Ä"]
    assert want.frame["org_id"].astype("string").tolist() == [r.split(",")[4] or pd.NA for r in ROWS]
    assert want.frame["mgr_id"].cat.codes.tolist()[:3] == [0, 1, -1]  # 张三 李四 王五 sorted: 张 < 李 < 王
    for c in ("month", "dep_avg", "inflow", "_row"):
        assert want.frame[c].dtype == df[c].dtype
        assert want.frame[c].equals(df[c].reset_index(drop=True))
    _same(coded_columns(csv_t, "cust_id", COLS, categorical=["org_id", "mgr_id"]), want)
    _same(coded_columns(pq_t, "cust_id", COLS, categorical=["org_id", "mgr_id"]),
          coded_columns(pq_df, "cust_id", COLS, categorical=["org_id", "mgr_id"]))
    _same(coded_columns(pq_t, "cust_id", COLS[:-1], categorical=["org_id"]),
          coded_columns(df, "cust_id", COLS[:-1], categorical=["org_id"]))
    _same(coded_columns(csv_t, "cust_id", ["dep_avg"]), coded_columns(df, "cust_id", ["dep_avg"]))
    left = ("SELECT COUNT(*) FROM duckdb_tables() WHERE table_name LIKE 'bx_keys%' OR table_name LIKE 'bx_cat%' "
            "OR table_name LIKE 'bx_coded%'")
    assert csv_t.con.execute(left).fetchall()[0][0] == 0  # the rank tables are dropped
    with pytest.raises(KeyError):
        coded_columns(csv_t, "cust_id", ["nope"])


def test_a_loc_selection_and_select(tmp_path):
    """The runner's DATE_OUTLIER cut (``t.loc[mask]``) gives the same codes on both; ``Coded.select`` equals
    coding the kept rows (factorize(sort=True) of their keys: a key no longer present is gone)."""
    df, csv_t, pq_t, pq_df = _tables(tmp_path)
    keep = (df["month"] < "2099-01-01").to_numpy()
    want = coded_columns(df.loc[keep], "cust_id", COLS, categorical=["org_id"])
    assert want.keys.tolist() == [k for k in KEYS if k != "a1"]
    assert want.codes.tolist() == [c if c < 4 else c - 1 for c in CODES[:-1]]
    _same(coded_columns(csv_t.loc[keep], "cust_id", COLS, categorical=["org_id"]), want)
    _same(coded_columns(pq_t.loc[keep], "cust_id", COLS, categorical=["org_id"]),
          coded_columns(pq_df.loc[keep], "cust_id", COLS, categorical=["org_id"]))
    sel = coded_columns(df, "cust_id", COLS, categorical=["org_id"]).select(keep)
    np.testing.assert_array_equal(sel.codes, want.codes)
    pd.testing.assert_index_equal(sel.keys, want.keys)
    pd.testing.assert_frame_equal(sel.frame, want.frame)


def test_blank_text_key_of_a_frame_and_unknown_column():
    """A frame given through the Python API may hold "" as 客户号: no customer, as NULL (-1)."""
    df = pd.DataFrame({"cust_id": pd.array(["b", "", None, "a", "b"], dtype="string"), "x": [1.0, 2, 3, 4, 5]},
                      index=[10, 11, 12, 13, 14])
    got = coded_columns(df, "cust_id", ["x"])
    assert got.codes.tolist() == [1, -1, -1, 0, 1] and got.keys.tolist() == ["a", "b"]
    assert got.frame.index.equals(pd.RangeIndex(5)) and got.frame["x"].tolist() == [1.0, 2, 3, 4, 5]
    with pytest.raises(KeyError):
        coded_columns(df, "cust_id", ["nope"])
