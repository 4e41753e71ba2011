"""Engine queries: one SQL definition per heavy aggregation (DuckDB dialect), its declared shape, the
sqlglot transpilation to another dialect with a check that nothing passed through untranslated, and the
one output contract every engine's result is normalised to.

A query file ``bankxl/engine/queries/<name>.sql`` starts with comment lines that declare its shape::

    -- input deposits: branch_id text, period text, balance money, ckey int
    -- param as_of: date
    -- output: level level, branch_id text, period text, amount money, count count, customers count
    -- order: level, branch_id, period

Column types (:data:`TYPES`): ``text`` (pandas ``string``), ``key`` (text with few distinct values that a
query groups on — org ids, periods: DuckDB gets a pandas input as a categorical, i.e. an ENUM of integer
codes, measured 2.5x less CPU for D2's GROUPING SETS than the strings; Spark and the output see text), ``money`` / ``float`` (float64; money in the
base unit, 元), ``count`` / ``level`` (int64, never NULL), ``int`` (nullable Int64), ``date``
(datetime64[ns], day precision), ``bool`` (nullable ``boolean``). Parameters (``$name`` in the query text) are
never pasted as text: DuckDB binds them as parameters of the statement (:meth:`Query.duckdb_sql`; it folds them
as constants, e.g. a regex compiled once), other dialects get them as literals through the sqlglot syntax tree
(:meth:`Query.render`). A query text is parsed once per process (:func:`_parsed`) and its DuckDB text made once
(:func:`_duckdb_text`): a run costs no sqlglot parse after the first of that query (issue 16).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd
import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, UnsupportedError

from ..errors import BankxlError

#: column types a query may declare, see the module docstring
TYPES = ("text", "key", "money", "float", "count", "level", "int", "date", "bool")
#: the dialect the queries are written in
SOURCE_DIALECT = "duckdb"

_HEADER = re.compile(r"^--\s*(input\s+\w+|param\s+\w+|output|order)\s*:(.*)$")


class EngineError(BankxlError):
    """A query that cannot run as declared: unknown query, undeclared or missing column or parameter, or SQL
    that sqlglot cannot carry into the target dialect (see :func:`check_translated`)."""


@dataclass(frozen=True)
class Query:
    """One engine query: ``name``, its DuckDB-dialect ``sql`` and the declared shape (``inputs``: table ->
    {column: type}; ``params``: name -> type; ``outputs``: column -> type; ``order``: output columns the
    result is sorted by, nulls last, so every engine returns the same row order)."""

    name: str
    sql: str
    inputs: dict
    params: dict
    outputs: dict
    order: tuple

    def _params(self, params: dict | None) -> dict:
        """``params`` as a dict, checked against the declared ones. Raises EngineError for a missing or
        undeclared parameter."""
        params = dict(params or {})
        extra = set(params) - set(self.params)
        missing = set(self.params) - set(params)
        if extra or missing:
            raise EngineError(f"查询 {self.name} 的参数不符: 缺少 {sorted(missing)}, 未声明 {sorted(extra)}。",
                              f"Query {self.name}: missing parameters {sorted(missing)}, undeclared {sorted(extra)}.")
        return params

    def tree(self, params: dict | None = None) -> exp.Expression:
        """The parsed query (a copy of the once-parsed tree, :func:`_parsed`) with every ``$param`` replaced by
        its literal value. Raises EngineError for a missing or undeclared parameter."""
        params = self._params(params)
        tree = _parsed(self.sql)
        if params:  # transform copies: the shared tree is never changed
            return exp.replace_placeholders(tree, **{k: _literal(v, self.params[k]) for k, v in params.items()})
        return tree.copy()

    def render(self, dialect: str, params: dict | None = None, names: dict | None = None) -> str:
        """The SQL text for ``dialect`` ("duckdb", "spark", …) with parameters bound as literals and input
        tables renamed (``names``: input -> table or view name in the engine). For a dialect other than the
        source one the text is checked by :func:`check_translated` (raises EngineError)."""
        tree = _rename_tables(self.tree(params), names, dialect)
        if dialect == SOURCE_DIALECT:
            return tree.sql(dialect=dialect, comments=False)
        return check_translated(tree, dialect, self.name)

    def duckdb_sql(self, params: dict | None = None) -> tuple[str, dict]:
        """(SQL text, parameter values) for DuckDB's ``execute(text, values)``: the query with each input
        table read from the view :data:`VIEW_PREFIX` + input name (``deposits`` -> ``_bankxl_in_deposits``) and
        its ``$params`` left for DuckDB to bind (``values``: name -> Python value of the declared type,
        :func:`_value`; only the parameters the text uses — DuckDB refuses others). The text is made once per
        query text and process (:func:`_duckdb_text`). Raises EngineError for a missing or undeclared
        parameter."""
        params = self._params(params)
        text, used = _duckdb_text(self.sql, tuple(self.inputs))
        unknown = sorted(used - set(params))
        if unknown:
            raise EngineError(f"查询 {self.name} 使用了未声明的参数 {unknown}。",
                              f"Query {self.name} uses undeclared parameters {unknown}.")
        return text, {k: _value(params[k], self.params[k]) for k in sorted(used)}


#: DuckDBEngine registers input ``t`` of a query as the view ``VIEW_PREFIX + t`` (:meth:`Query.duckdb_sql`)
VIEW_PREFIX = "_bankxl_in_"


@lru_cache(maxsize=128)
def _parsed(sql: str) -> exp.Expression:
    """The sqlglot tree of a query text (DuckDB dialect), parsed once per process. Shared between calls:
    never changed — :meth:`Query.tree` copies it."""
    return sqlglot.parse_one(sql, read=SOURCE_DIALECT)


@lru_cache(maxsize=128)
def _duckdb_text(sql: str, inputs: tuple) -> tuple[str, frozenset]:
    """(DuckDB text, names of the ``$params`` it uses) of a query text whose input tables ``inputs`` are read
    from :data:`VIEW_PREFIX` + name; made once per process per query text."""
    tree = _rename_tables(_parsed(sql).copy(), {t: VIEW_PREFIX + t for t in inputs}, SOURCE_DIALECT)
    return tree.sql(dialect=SOURCE_DIALECT, comments=False), frozenset(p.name for p in tree.find_all(exp.Placeholder))


def _rename_tables(tree: exp.Expression, names: dict | None, dialect: str) -> exp.Expression:
    """``tree`` (changed in place) with each table named in ``names`` (input -> engine name) replaced, aliased
    by its query name so column references keep working."""
    for t in tree.find_all(exp.Table):
        if names and t.name in names:
            t.replace(exp.to_table(names[t.name], dialect=dialect).as_(t.alias_or_name))
    return tree


def _value(value, kind: str):
    """A parameter value as the Python value of its declared type (None for a missing one): ``date`` ->
    ``datetime.date`` (the day of a timestamp), count/int/level -> int, money/float -> float, bool -> bool,
    text/key -> str."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if kind == "date":
        return pd.Timestamp(value).date()
    if kind in ("count", "int", "level"):
        return int(value)
    if kind in ("money", "float"):
        return float(value)
    if kind == "bool":
        return bool(value)
    return str(value)


def _literal(value, kind: str) -> exp.Expression:
    """A parameter value as a SQL literal of its declared type (:func:`_value`)."""
    v = _value(value, kind)
    if v is None:
        return exp.null()
    if kind == "date":
        return exp.cast(exp.Literal.string(v.strftime("%Y-%m-%d")), "DATE")
    return exp.convert(v)


def check_translated(tree: exp.Expression, dialect: str, name: str = "query") -> str:
    """``tree`` (parsed from the DuckDB dialect) written in ``dialect``, refusing what sqlglot did not
    translate (it passes such SQL through silently; found with Spark in issue 17):

    * a function sqlglot does not know (``exp.Anonymous``, e.g. ``LIST_AGG`` or a UDF) — copied as is;
    * ``GROUPING`` with more than one argument — Spark's ``grouping()`` takes one (use ``GROUPING_ID``);
    * ``GROUPING_ID`` whose arguments are not the GROUPING SETS columns in order of first appearance (Spark);
    * what sqlglot itself knows the target lacks (generated with ``unsupported_level=RAISE``);
    * a function the written text does not read back as (re-parsed with ``read=dialect``: no unknown
      function, and writing it again gives the same text).

    Returns the SQL text; raises :class:`EngineError` naming the functions."""
    bad = sorted({f.name.upper() for f in tree.find_all(exp.Anonymous)})
    bad += [f"GROUPING({len(g.expressions)} args)" for g in tree.find_all(exp.Grouping) if len(g.expressions) > 1]
    bad += _grouping_id_mismatches(tree)
    try:
        text = tree.sql(dialect=dialect, comments=False, unsupported_level=ErrorLevel.RAISE)
    except UnsupportedError as e:
        text, bad = "", [*bad, str(e).splitlines()[0]]
    if not bad:
        back = sqlglot.parse_one(text, read=dialect)
        bad = sorted({f"{f.name.upper()} (read back)" for f in back.find_all(exp.Anonymous)})
        if not bad and back.sql(dialect=dialect) != text:
            bad = ["the written SQL does not read back the same"]
    if bad:
        raise EngineError(f"查询 {name} 无法可靠地转换为 {dialect} SQL: {'; '.join(bad)} 未被翻译或不被 {dialect} 接受。",
                          f"Query {name} does not translate to {dialect}: {'; '.join(bad)} pass through sqlglot "
                          f"untranslated or are refused by {dialect}; rewrite them with what both dialects know.")
    return text


def _grouping_id_mismatches(tree: exp.Expression) -> list[str]:
    """GROUPING_ID calls whose arguments are not the GROUPING SETS columns in their order of first appearance:
    DuckDB accepts them, Spark refuses them (GROUPING_ID_COLUMN_MISMATCH)."""
    bad = []
    for select in tree.find_all(exp.Select):
        group = select.args.get("group")
        sets = [s for gs in (group.find_all(exp.GroupingSets) if group else []) for s in gs.expressions]
        if not sets:
            continue
        cols = []
        for s in sets:
            s = s.unnest() if isinstance(s, exp.Paren) else s
            for c in (s.expressions if isinstance(s, exp.Tuple) else [s]):
                if c.sql() not in cols:
                    cols.append(c.sql())
        for g in select.find_all(exp.GroupingId):
            args = [a.sql() for a in g.expressions]
            if args and args != cols:
                bad.append(f"GROUPING_ID({', '.join(args)}) vs GROUPING SETS order ({', '.join(cols)})")
    return bad


def _columns(spec: str, where: str) -> dict:
    cols = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        col, _, kind = part.partition(" ")
        kind = kind.strip()
        if kind not in TYPES:
            raise EngineError(f"{where}: 列 {col} 的类型 {kind!r} 未知。", f"{where}: column {col} has unknown type "
                              f"{kind!r} (one of {', '.join(TYPES)}).")
        cols[col] = kind
    return cols


def parse_query(name: str, sql: str) -> Query:
    """A :class:`Query` from the text of a query file (header lines as in the module docstring)."""
    inputs, params, outputs, order = {}, {}, {}, ()
    for line in sql.splitlines():
        m = _HEADER.match(line.strip())
        if not m:
            continue
        head, body = m.group(1).split(), m.group(2)
        if head[0] == "input":
            inputs[head[1]] = _columns(body, f"{name} input {head[1]}")
        elif head[0] == "param":
            params.update(_columns(f"{head[1]} {body.strip()}", f"{name} param"))
        elif head[0] == "output":
            outputs = _columns(body, f"{name} output")
        else:
            order = tuple(c.strip() for c in body.split(",") if c.strip())
    if not inputs or not outputs:
        raise EngineError(f"查询 {name} 未声明输入或输出列。", f"Query {name} declares no input or no output.")
    if set(order) - set(outputs):
        raise EngineError(f"查询 {name} 的排序列不在输出中。", f"Query {name}: order columns not in its output.")
    return Query(name, sql, inputs, params, outputs, order)


@lru_cache(maxsize=None)
def load(name: str) -> Query:
    """The query ``bankxl/engine/queries/<name>.sql``, its calls of shared rules expanded (:func:`expand_rules`).
    Raises EngineError for an unknown name."""
    f = resources.files(__package__).joinpath("queries", f"{name}.sql")
    if not re.fullmatch(r"\w+", name) or not f.is_file():
        raise EngineError(f"没有名为 {name} 的引擎查询。", f"No engine query named {name!r}.")
    return parse_query(name, expand_rules(name, f.read_text(encoding="utf-8")))


#: a rule file's header: ``-- rule <name>(<arg>, …)``
_RULE = re.compile(r"^--\s*rule\s+(\w+)\s*\(([^)]*)\)\s*$")


@lru_cache(maxsize=None)
def _rule(name: str) -> tuple[tuple[str, ...], dict, exp.Expression]:
    """(arguments, declared params, parsed expression) of the shared rule ``bankxl/engine/queries/<name>.rule.sql``:
    a header ``-- rule <name>(arg, …)``, ``-- param`` lines as a query's, then ONE boolean expression over the
    arguments (written as column names) and the params. Raises EngineError for a malformed file."""
    text = resources.files(__package__).joinpath("queries", f"{name}.rule.sql").read_text(encoding="utf-8")
    lines = [x.strip() for x in text.splitlines()]
    head = [m for m in map(_RULE.match, lines) if m]
    if len(head) != 1 or head[0].group(1).lower() != name:
        raise EngineError(f"规则文件 {name}.rule.sql 缺少 -- rule {name}(...) 行。",
                          f"Rule file {name}.rule.sql lacks its '-- rule {name}(...)' line.")
    args = tuple(a.strip() for a in head[0].group(2).split(",") if a.strip())
    params = {}
    for m in filter(None, map(_HEADER.match, lines)):
        part = m.group(1).split()
        if part[0] == "param":
            params.update(_columns(f"{part[1]} {m.group(2).strip()}", f"rule {name} param"))
    body = " ".join(x for x in lines if x and not x.startswith("--"))
    return args, params, sqlglot.parse_one(body, read=SOURCE_DIALECT)


def expand_rules(name: str, sql: str) -> str:
    """The query text ``sql`` with every call ``RULE(a, b, …)`` of a shared rule (a file
    ``bankxl/engine/queries/<rule>.rule.sql``, :func:`_rule`) replaced by the rule's expression, its arguments in
    place: a rule several queries apply (e.g. the 代发 rule, ``payroll_credit``) is written once. The header
    comment lines are kept; ``sql`` as is when it calls no rule. Raises EngineError when the query does not
    declare a parameter the rule uses, or calls it with another number of arguments."""
    rules = resources.files(__package__).joinpath("queries")
    names = {f.name[:-len(".rule.sql")] for f in rules.iterdir() if f.name.endswith(".rule.sql")}
    if not any(re.search(rf"\b{r}\s*\(", sql, re.IGNORECASE) for r in names):
        return sql
    tree = sqlglot.parse_one(sql, read=SOURCE_DIALECT)
    declared = {m.group(1).split()[1] for m in map(_HEADER.match, (x.strip() for x in sql.splitlines()))
                if m and m.group(1).startswith("param")}
    for call in list(tree.find_all(exp.Anonymous)):
        rule = call.name.lower()
        if rule not in names:
            continue
        args, params, body = _rule(rule)
        if len(call.expressions) != len(args) or set(params) - declared:
            raise EngineError(f"查询 {name} 调用规则 {rule} 时参数不符(需 {len(args)} 个参数, 声明 {sorted(params)})。",
                              f"Query {name}: rule {rule} takes {len(args)} arguments and needs the params "
                              f"{sorted(params)} declared.")
        given = dict(zip(args, call.expressions))
        expr = body.copy().transform(lambda node: given[node.name].copy()
                                     if isinstance(node, exp.Column) and not node.table and node.name in given
                                     else node)
        call.replace(exp.Paren(this=expr))
    header = [x for x in sql.splitlines() if x.strip().startswith("--")]
    return "\n".join(header) + "\n" + tree.sql(dialect=SOURCE_DIALECT, comments=False, pretty=True) + "\n"


def input_frame(query: Query, table: str, df: pd.DataFrame) -> pd.DataFrame:
    """The declared columns of input ``table`` (a column selection, no copy of the data). Raises EngineError
    naming the missing columns."""
    cols = list(query.inputs[table])
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise EngineError(f"查询 {query.name} 的输入表 {table} 缺少列 {', '.join(missing)}。",
                          f"Query {query.name}: input {table} lacks columns {', '.join(missing)}.")
    return df[cols]


def normalise(query: Query, df: pd.DataFrame) -> pd.DataFrame:
    """An engine's raw result as the one output contract: the declared columns in order, typed (text ->
    ``string`` (key too); money/float -> float64, Decimal included; count/level -> int64; int -> Int64; date ->
    datetime64[ns] from Python dates or timestamps; bool -> ``boolean``), sorted by the declared order
    (nulls last), index 0..n-1. Raises EngineError when a column is missing or a count/level is NULL."""
    missing = [c for c in query.outputs if c not in df.columns]
    if missing:
        raise EngineError(f"查询 {query.name} 的结果缺少列 {', '.join(missing)}。",
                          f"Query {query.name}: result lacks columns {', '.join(missing)}.")
    out = {}
    for col, kind in query.outputs.items():
        s = df[col]
        if kind in ("text", "key"):  # DuckDB's VARCHAR: pandas str (NaN for NULL) -> string (<NA>) in one step
            s = s.astype("string") if isinstance(s.dtype, pd.StringDtype) else \
                s.astype(object).where(s.notna(), None).astype("string")
        elif kind in ("money", "float"):
            s = s.astype("float64") if isinstance(s.dtype, np.dtype) and s.dtype.kind in "fiu" else \
                pd.to_numeric(s.astype(object).where(s.notna(), np.nan), errors="raise").astype("float64")
        elif kind in ("count", "level"):
            if s.isna().any():
                raise EngineError(f"查询 {query.name} 的计数列 {col} 有空值。", f"Query {query.name}: count {col} is NULL.")
            s = s.astype("int64")
        elif kind == "int":
            s = s.astype("Int64")
        elif kind == "date":  # DuckDB's DATE / TIMESTAMP: datetime64 of another unit; Spark: Python dates
            s = s.astype("datetime64[ns]") if isinstance(s.dtype, np.dtype) and s.dtype.kind == "M" else \
                pd.to_datetime(s.astype(object).where(s.notna(), None)).astype("datetime64[ns]")
        else:
            s = s.astype("boolean")
        out[col] = s.to_numpy() if kind in ("money", "float", "count", "level") else s.array
    res = pd.DataFrame(out)
    if query.order:
        res = res.sort_values(list(query.order), na_position="last", kind="stable")
    return res.reset_index(drop=True)
