"""DuckDBEngine: the default engine of :mod:`bankxl.engine` (in-process, spills to disk beyond its memory
limit)."""
from __future__ import annotations

import os
import tempfile
import threading
from contextlib import contextmanager

import pandas as pd

from .query import VIEW_PREFIX, Query, input_frame, normalise


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _as_keys(query: Query, table: str, df: pd.DataFrame) -> pd.DataFrame:
    """The input's ``key`` columns as pandas categoricals (DuckDB scans them as ENUMs: it groups on the
    integer codes instead of hashing Python strings); other columns untouched, the frame not copied."""
    keys = [c for c, k in query.inputs[table].items() if k == "key" and not isinstance(df[c].dtype, pd.CategoricalDtype)]
    return df.astype(dict.fromkeys(keys, "category")) if keys else df


class DuckDBEngine:
    """Runs engine queries in one in-memory DuckDB connection.

    ``memory_limit``: DuckDB's limit (e.g. ``"4GB"``; default the environment variable
    ``BANKXL_DUCKDB_MEMORY`` or ``"4GB"``): beyond it DuckDB spills to ``temp_directory`` (default
    ``<tmp>/bankxl-duckdb``) instead of growing. ``threads``: default the cores this process may use.
    An input table is a pandas DataFrame (registered as a view over the frame: DuckDB scans it in place, no
    copy into DuckDB), a Parquet path (``str`` / ``os.PathLike``, a glob such as ``"txn/*.parquet"`` allowed:
    read by DuckDB where it lies, never loaded into pandas) or a DuckDB relation made on this engine's ``con``
    (e.g. ``engine.con.sql("SELECT … FROM read_parquet([...])")`` for derived columns); only the declared
    columns are selected. Results larger than memory go to Parquet with :meth:`write`. Thread-safe: one
    query at a time per engine.
    """

    name = "duckdb"

    def __init__(self, memory_limit: str | None = None, temp_directory: str | None = None,
                 threads: int | None = None):
        import duckdb

        self.memory_limit = memory_limit or os.environ.get("BANKXL_DUCKDB_MEMORY", "4GB")
        self.temp_directory = temp_directory or os.path.join(tempfile.gettempdir(), "bankxl-duckdb")
        self.threads = threads or _cores()
        self.con = duckdb.connect(":memory:", config={"memory_limit": self.memory_limit,
                                                      "temp_directory": self.temp_directory,
                                                      "threads": self.threads})
        self._lock = threading.Lock()

    def run(self, query: Query, tables: dict, params: dict | None = None) -> pd.DataFrame:
        """``query`` over ``tables`` (input name -> pandas DataFrame, Parquet path or relation holding at least
        the declared columns), normalised by :func:`bankxl.engine.query.normalise`."""
        with self._views(query, tables, params) as (sql, values):
            raw = self.con.execute(sql, values).df()
        return normalise(query, raw)

    def write(self, query: Query, tables: dict, params: dict | None, path) -> int:
        """``query`` over ``tables`` (as :meth:`run`) written by DuckDB to the Parquet file ``path`` instead of
        being returned: for results too large for memory (DuckDB's column types, not normalised; rows in no
        particular order). Returns the number of rows written."""
        with self._views(query, tables, params) as (sql, values):
            target = str(os.fspath(path)).replace("'", "''")
            return int(self.con.execute(f"COPY ({sql}) TO '{target}' (FORMAT parquet)", values).fetchall()[0][0])

    @contextmanager
    def _views(self, query: Query, tables: dict, params: dict | None):
        """(SQL text, parameter values) of the query (:meth:`Query.duckdb_sql`: made once per process, the
        parameters bound by DuckDB) over its inputs registered as the views it reads (:data:`VIEW_PREFIX` +
        input; unregistered after the run), holding the engine's lock (one query at a time: the names are
        this run's)."""
        sql, values = query.duckdb_sql(params)
        names = {t: VIEW_PREFIX + t for t in query.inputs}
        with self._lock:
            try:
                for t, view in names.items():
                    self.con.register(view, self._input(query, t, tables[t]))
                yield sql, values
            finally:
                for view in names.values():
                    self.con.unregister(view)

    def _input(self, query: Query, table: str, src):
        """The declared columns of one input: a pandas frame (:func:`input_frame`; its ``key`` columns as
        categoricals, :func:`_as_keys`), or a Parquet path or a relation of this connection (projected). Raises
        EngineError naming missing columns (:func:`input_frame`)."""
        import duckdb

        if isinstance(src, pd.DataFrame):
            return _as_keys(query, table, input_frame(query, table, src))
        if isinstance(src, (str, os.PathLike)):
            src = self.con.read_parquet(os.fspath(src))
        input_frame(query, table, pd.DataFrame(columns=src.columns))  # the same missing-column check
        return src.select(*(duckdb.ColumnExpression(c) for c in query.inputs[table]))

    def close(self) -> None:
        self.con.close()
