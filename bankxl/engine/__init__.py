"""bankxl.engine — heavy aggregations defined once as SQL, run on DuckDB by default and unchanged on Spark
(issue 17; the choice and the figures: docs/engine.md).

API::

    from bankxl import engine
    df = engine.run("maturity_structure", {"deposits": d}, params=None, engine=None)

* ``run(name, tables, params=None, engine=None) -> pandas.DataFrame``: the query
  ``bankxl/engine/queries/<name>.sql`` over ``tables`` (input name -> pandas DataFrame; on Spark also a Spark
  DataFrame or a table name), with ``params`` (name -> value, bound as SQL literals). ``engine``: None = the
  process's default :class:`DuckDBEngine` (:func:`default_engine`), or an engine object such as
  ``SparkEngine(spark_session)``. The result always has the query's declared output columns and types, in
  its declared row order (see :mod:`bankxl.engine.query`: money float64 in the base unit, counts int64, a
  ``level`` column from ``GROUPING_ID`` where a query has subtotals, dates datetime64[ns], text ``string``),
  whichever engine ran: a scenario asks for a table, it does not know the engine.
* A query file declares its shape in header comments (``-- input <table>: col type, …``, ``-- param <name>:
  type``, ``-- output: col type, …``, ``-- order: col, …``) and is written in DuckDB SQL; for Spark, sqlglot
  transpiles it and :func:`~bankxl.engine.query.check_translated` refuses what sqlglot passed through
  untranslated (an unknown function, multi-argument ``GROUPING``).
* :func:`load` gives the parsed :class:`Query`; :func:`set_default_engine` swaps the default (e.g. a Spark
  session for a whole run).

Queries: ``maturity_structure`` (D2 到期结构: amount, deposits and distinct customers per 分行/支行 level x
到期期间 via GROUPING SETS).
Errors: :class:`EngineError` (Chinese + English) for an unknown query, a missing input table or column, a
parameter not declared, or SQL that does not translate to the target dialect.
"""
from __future__ import annotations

import threading

import pandas as pd

from .duck import DuckDBEngine
from .query import EngineError, Query, check_translated, load, normalise, parse_query
from .spark import SparkEngine

__all__ = ["run", "load", "default_engine", "set_default_engine", "DuckDBEngine", "SparkEngine", "Query",
           "EngineError", "check_translated", "normalise", "parse_query"]

_default = None
_default_lock = threading.Lock()


def default_engine():
    """The process's default engine: a :class:`DuckDBEngine` made on first use (or the one set by
    :func:`set_default_engine`)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = DuckDBEngine()
        return _default


def set_default_engine(engine) -> None:
    """Use ``engine`` for every :func:`run` without an explicit engine (None: back to a fresh DuckDB one)."""
    global _default
    with _default_lock:
        _default = engine


def run(name: str, tables: dict, params: dict | None = None, engine=None) -> pd.DataFrame:
    """The result of query ``name`` over ``tables`` (see the module docstring). Raises EngineError."""
    query = load(name)
    missing = [t for t in query.inputs if t not in tables]
    if missing:
        raise EngineError(f"查询 {name} 缺少输入表 {', '.join(missing)}。",
                          f"Query {name}: missing input tables {', '.join(missing)}.")
    return (engine or default_engine()).run(query, tables, params)
