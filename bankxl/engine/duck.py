"""DuckDBEngine: the default engine of :mod:`bankxl.engine` (in-process, spills to disk beyond its memory
limit)."""
from __future__ import annotations

import os
import tempfile
import threading
import uuid

import pandas as pd

from .query import SOURCE_DIALECT, Query, input_frame, normalise


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class DuckDBEngine:
    """Runs engine queries in one in-memory DuckDB connection.

    ``memory_limit``: DuckDB's limit (e.g. ``"4GB"``; default the environment variable
    ``BANKXL_DUCKDB_MEMORY`` or ``"4GB"``): beyond it DuckDB spills to ``temp_directory`` (default
    ``<tmp>/bankxl-duckdb``) instead of growing. ``threads``: default the cores this process may use.
    Pandas inputs are registered as views over the frames (DuckDB scans them in place, no copy into DuckDB);
    only their declared columns are selected. Thread-safe: one query at a time per engine.
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
        """``query`` over ``tables`` (input name -> pandas DataFrame holding at least the declared columns),
        normalised by :func:`bankxl.engine.query.normalise`."""
        tag = uuid.uuid4().hex[:12]
        names = {t: f"{t}_{tag}" for t in query.inputs}
        sql = query.render(SOURCE_DIALECT, params, names)
        with self._lock:
            try:
                for t, view in names.items():
                    self.con.register(view, input_frame(query, t, tables[t]))
                raw = self.con.execute(sql).df()
            finally:
                for view in names.values():
                    self.con.unregister(view)
        return normalise(query, raw)

    def close(self) -> None:
        self.con.close()
