"""bankxl.engine — heavy aggregations defined once as SQL, run on DuckDB by default and unchanged on Spark
(issue 17; the choice and the figures: docs/engine.md).

API::

    from bankxl import engine
    df = engine.run("maturity_structure", {"deposits": d}, params=None, engine=None)

* ``run(name, tables, params=None, engine=None) -> pandas.DataFrame``: the query
  ``bankxl/engine/queries/<name>.sql`` over ``tables`` (input name -> pandas DataFrame; on Spark also a Spark
  DataFrame or a table name), with ``params`` (name -> value; bound by DuckDB as statement parameters, on
  Spark as SQL literals — never pasted as text). ``engine``: None = the
  process's default :class:`DuckDBEngine` (:func:`default_engine`), or an engine object such as
  ``SparkEngine(spark_session)``. The result always has the query's declared output columns and types, in
  its declared row order (see :mod:`bankxl.engine.query`: money float64 in the base unit, counts int64, a
  ``level`` column from ``GROUPING_ID`` where a query has subtotals, dates datetime64[ns], text ``string``),
  whichever engine ran: a scenario asks for a table, it does not know the engine.
* A query file declares its shape in header comments (``-- input <table>: col type, …``, ``-- param <name>:
  type``, ``-- output: col type, …``, ``-- order: col, …``) and is written in DuckDB SQL; for Spark, sqlglot
  transpiles it and :func:`~bankxl.engine.query.check_translated` refuses what sqlglot passed through
  untranslated (an unknown function, multi-argument ``GROUPING``).
* :func:`load` gives the parsed :class:`Query`; :func:`set_default_engine` swaps the process's default;
  ``with using(engine):`` sets the engine of one run only (context-local: the next run in the same process,
  e.g. the Excel add-in's, uses the default again); :func:`bankxl.engine.choice.engine_for` makes an engine from
  the command line's ``--engine duckdb|spark`` / ``--spark-master URL``.

Queries: ``maturity_structure`` (D2 到期结构: amount, deposits and distinct customers per 分行/支行 level x
到期期间 via GROUPING SETS).
Errors: :class:`EngineError` (Chinese + English) for an unknown query, a missing input table or column, a
parameter not declared, or SQL that does not translate to the target dialect.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from contextvars import ContextVar

import pandas as pd

from .duck import DuckDBEngine
from .query import EngineError, Query, check_translated, load, normalise, parse_query
from .spark import SparkEngine

__all__ = ["run", "load", "default_engine", "set_default_engine", "using", "DuckDBEngine", "SparkEngine", "Query",
           "EngineError", "check_translated", "normalise", "parse_query"]

_default = None
_default_lock = threading.Lock()
#: the engine of the current run (:func:`using`); None = the process's default
_current: ContextVar = ContextVar("bankxl_engine", default=None)


def default_engine():
    """The engine of the current run when one is set (:func:`using`), else the process's default: a
    :class:`DuckDBEngine` made on first use (or the one set by :func:`set_default_engine`)."""
    global _default
    current = _current.get()
    if current is not None:
        return current
    with _default_lock:
        if _default is None:
            _default = DuckDBEngine()
        return _default


def set_default_engine(engine) -> None:
    """Use ``engine`` for every :func:`run` without an explicit engine (None: back to a fresh DuckDB one)."""
    global _default
    with _default_lock:
        _default = engine


@contextmanager
def using(engine):
    """``with using(engine):`` — every :func:`run` (and every rule calling :func:`default_engine`) without an
    explicit engine inside the block uses ``engine``; ``None`` changes nothing. Context-local
    (``contextvars``): it does not leak into the next run of the process nor into a concurrent one."""
    if engine is None:
        yield default_engine()
        return
    token = _current.set(engine)
    try:
        yield engine
    finally:
        _current.reset(token)


def run(name: str, tables: dict, params: dict | None = None, engine=None) -> pd.DataFrame:
    """The result of query ``name`` over ``tables`` (see the module docstring). Raises EngineError."""
    query = load(name)
    missing = [t for t in query.inputs if t not in tables]
    if missing:
        raise EngineError(f"查询 {name} 缺少输入表 {', '.join(missing)}。",
                          f"Query {name}: missing input tables {', '.join(missing)}.")
    return (engine or default_engine()).run(query, tables, params)
