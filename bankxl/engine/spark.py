"""SparkEngine: the engine queries on a Spark session (local or the bank's cluster)."""
from __future__ import annotations

import uuid

import pandas as pd

from .query import Query, input_frame, normalise

#: the Spark SQL type of each declared column type (inputs handed over as pandas frames)
SPARK_TYPES = {"text": "string", "key": "string", "money": "double", "float": "double", "count": "bigint", "level": "bigint",
               "int": "bigint", "date": "date", "bool": "boolean"}


def _python_rows(query: Query, table: str, df: pd.DataFrame) -> list[tuple]:
    """The declared columns of a pandas input as Python tuples (None for missing; dates as datetime.date)."""
    cols = {}
    for col, kind in query.inputs[table].items():
        s = df[col]
        if kind == "date":
            vals = [None if pd.isna(v) else v.date() for v in pd.to_datetime(s)]
        elif kind in ("count", "level", "int"):
            vals = [None if v is pd.NA else int(v) for v in s.astype("Int64").array]
        elif kind in ("money", "float"):
            vals = [None if pd.isna(v) else float(v) for v in s.astype("float64").to_numpy()]
        elif kind == "bool":
            vals = [None if v is pd.NA else bool(v) for v in s.astype("boolean").array]
        else:
            vals = [None if v is pd.NA or v is None else str(v) for v in s.astype("string").array]
        cols[col] = vals
    return list(zip(*cols.values())) if cols else []


class SparkEngine:
    """Runs engine queries on ``session`` (a ``pyspark.sql.SparkSession``: ``local[n]`` or the bank's cluster).

    Inputs per query input name: a Spark DataFrame, a table name (``"dw.time_deposits"``: read where it lies,
    Hive/Parquet tables of the cluster) or a pandas DataFrame (sent to Spark with the declared column types;
    for small data and tests). The DuckDB SQL is transpiled by sqlglot and refused when something passed
    through untranslated (:func:`bankxl.engine.query.check_translated`). Results come back through
    ``collect()`` (summaries, not detail) and are normalised to the same contract as DuckDB's (Python dates ->
    datetime64, Decimal -> float64).
    """

    name = "spark"

    def __init__(self, session):
        self.session = session

    @property
    def where(self) -> str | None:
        """The session's master (``local[1]``, ``yarn``, ``spark://host:7077``), named in 说明; None if not set."""
        return self.session.conf.get("spark.master", None)

    def run(self, query: Query, tables: dict, params: dict | None = None) -> pd.DataFrame:
        tag = uuid.uuid4().hex[:12]
        names, views = {}, []
        for t in query.inputs:
            src = tables[t]
            if isinstance(src, str):
                names[t] = src
                continue
            if isinstance(src, pd.DataFrame):
                schema = ", ".join(f"`{c}` {SPARK_TYPES[k]}" for c, k in query.inputs[t].items())
                src = self.session.createDataFrame(_python_rows(query, t, input_frame(query, t, src)), schema)
            view = f"{t}_{tag}"
            src.createOrReplaceTempView(view)
            names[t], views = view, [*views, view]
        try:
            sql = query.render("spark", params, names)
            result = self.session.sql(sql)
            columns, rows = result.columns, result.collect()
        finally:
            for v in views:
                self.session.catalog.dropTempView(v)
        raw = pd.DataFrame([tuple(r) for r in rows], columns=columns)
        return normalise(query, raw)

