"""Scored, explained customer lists (SCENARIOS.md §6 名单表): one mechanism for every scenario.

A scenario declares *why* a customer is on its list — rules, level thresholds, a strategy table — and
:func:`score_list` computes the rest, vectorised::

    from bankxl.lists import Rule, levels_param, score_list, strategy_param

    @dataclass(frozen=True)
    class MyParams:
        levels: tuple = levels_param((("A", 80), ("B", 60), ("C", 0)))
        strategy: tuple = strategy_param((("A", "{offer}; 客户经理面谈", 5), ("B", "{offer}; 电话联系", 10),
                                          ("C", "{offer}; 短信推送", 20)))

    rules = (
        Rule("gap", "缺 {n_gap} 项产品: {gap_text}", weight=50, value="gap_share", name="产品缺口"),
        Rule("size", "存款 {size:,.0f} 元", weight=35, value="size_pct", name="存款规模"),
        Rule("age", "{age:.0f} 岁, 家庭形成期", points=15, when="prime", name="重点年龄段"),
        Rule("risk", "有逾期记录", when="risk", name="风险提示"),          # 0 points: a reason, no score
    )
    lst = score_list(frame, rules, p.levels, p.strategy, ctx, sort_by=("size",), customers=cust,
                     show={"age": "年龄", "size": ctx.base_label("存款")})
    sheet = Sheet("营销名单", lst.blocks("cross_sell_list", "营销名单", limit=p.list_limit))
    tags = lst.tag_rows("C6", "C6_CROSS_SELL", "按揭交叉营销", ctx, p)          # bankxl.tags

``frame``: one row per customer (column ``cust_id``) holding every column the rules and templates use.
What the shared code computes (columns of :attr:`ScoredList.df`, in this order): 排名 · 客户号 · 客户名称/
证件号码/手机号 (masked per ``ctx.mask``, :func:`bankxl.frames.customer_columns`) · 机构号 · 客户经理 ·
the ``show`` columns · 得分 · 等级 · 原因 · 建议动作 · 截止日 · 未计算因素 (only when some factor could not be
computed). Rules:

* **得分** = Σ points of the rules that hold, rounded to ``decimals``. A rule whose input is unknown for a row
  (its condition or value is NA, or the scenario names it in ``unknown=``) scores nothing and is listed in
  未计算因素 — never scored 0 silently. A row where no rule could be computed has a blank 得分 and 等级.
* **等级**: the first level whose threshold ≤ 得分 (levels from high to low). Rows below the lowest
  threshold are not on the list (the note says how many).
* **原因**: the texts of the rules that hold, highest points first (declaration order among equal points;
  0-point rules are reasons without score), the first ``top`` (3) joined with ``；``.
* **建议动作 / 截止日**: from the strategy row of the level — the action template (``{column}`` placeholders
  allowed) and N working days: 截止日 = N-th working day after the data date (``ctx.calendar``).
* **排名**: 得分 descending, then each ``sort_by`` column descending (the amount the list is about; blanks
  last), then 客户号 ascending — never input order. :attr:`ScoredList.note` states it for the sheet / 说明.

Templates use ``str.format`` syntax with frame columns: ``{col}`` (as text) or ``{col:,.0f}`` /
``{col:.1f}`` / ``{col:.0%}`` (numbers: optional thousands separator, decimals, percent), filled vectorised
(:func:`fill_template`).

Convention: a scenario names its parameters ``levels`` and ``strategy`` (:func:`levels_param`,
:func:`strategy_param`, tuple-of-tuples so they round-trip through the 参数 sheet) and passes them here;
:func:`check_levels` validates them (ParameterError, Chinese + English). A second list has its own pair
(``near_levels`` / ``near_strategy`` …); pass ``params=p`` and the list's note names the parameter its
strategy came from (:func:`strategy_source`), never 「策略表」 by mistake.
"""
from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .errors import ParameterError
from .report import Conditional, Note, Table
from .scenario import param
from .frames import customer_columns

if TYPE_CHECKING:  # pragma: no cover
    from .scenario import RunContext

#: the §6 list columns every list sheet has (identity columns appear when the data hold them)
LIST_COLUMNS = ("排名", "客户号", "得分", "等级", "原因", "建议动作", "截止日")
UNKNOWN_COLUMN = "未计算因素"
REASON_SEP = "；"


@dataclass(frozen=True)
class Rule:
    """One scoring rule of a list.

    ``id``: stable English id (e.g. ``"gap"``); ``reason``: 中文原因 template (``{column}`` placeholders);
    ``points``: points when the condition holds — or ``weight`` × ``value`` (a column name or a callable
    frame -> numeric Series, e.g. a share 0–1) for graded rules; ``when``: the condition, a bool column name
    or a callable frame -> bool Series (NA = unknown); default for a graded rule: value > 0. ``name``: the
    中文 factor name used in 未计算因素 (default ``id``). A rule needs ``when`` or ``value``.
    """

    id: str
    reason: str
    points: float = 0.0
    when: str | Callable[[pd.DataFrame], Any] | None = None
    weight: float | None = None
    value: str | Callable[[pd.DataFrame], Any] | None = None
    name: str = ""

    def __post_init__(self):
        if self.when is None and self.value is None:
            raise ValueError(f"Rule {self.id!r}: give a condition (when=) or a graded value (value=, weight=)")
        if (self.weight is None) != (self.value is None):
            raise ValueError(f"Rule {self.id!r}: weight= and value= go together")

    @property
    def label(self) -> str:
        return self.name or self.id


def levels_param(default: tuple = (("A", 80), ("B", 60), ("C", 0)), help: str = "") -> Any:
    """The ``levels`` parameter of a list: ((等级, 最低得分), …) from high to low (a params-dataclass field)."""
    return param(default, "等级门槛", "分", help=help or "各等级及其最低得分, 从高到低; 低于最后一档的客户不列入名单")


def strategy_param(default: tuple, help: str = "") -> Any:
    """The ``strategy`` parameter of a list: ((等级, 建议动作, N), …), one row per level — 截止日 (the list's
    due-date column) = the N-th working day after the data date; the action may use ``{列}`` placeholders of
    the list frame (a params-dataclass field). Users see one term for the due date, 截止日, everywhere."""
    return param(default, "策略表", "工作日",
                 help=help or "每个等级的建议动作与截止日(数据日期后第 N 个工作日, 节假日不计)")


def check_levels(levels: Sequence, strategy: Sequence, fields: Iterable[str] | None = None, *,
                 ids: tuple[str, str] = ("levels", "strategy"), labels: tuple[str, str] = ("等级门槛", "策略表")) -> None:
    """Raise :class:`ParameterError` unless ``levels`` is ((name, threshold), …) with distinct names and
    strictly decreasing finite thresholds, and ``strategy`` is ((level, action, days ≥ 0 integer), …) with
    exactly one row per level whose action's ``{…}`` placeholders are among ``fields`` (when given). Call it
    from the params' ``check()`` hook so a bad value stops before any input is read. ``ids`` / ``labels``:
    the two parameters' ids and 中文 names the messages give (a scenario with a second list names its own)."""
    def bad(zh: str, en: str):
        raise ParameterError(zh, en)

    lv_id, st_id = ids
    lv_zh, st_zh = f"{labels[0]}({lv_id})", f"{labels[1]}({st_id})"

    lv = [tuple(x) if isinstance(x, (tuple, list)) else (x,) for x in levels]
    if not lv or any(len(x) != 2 or not isinstance(x[0], str) or isinstance(x[1], bool)
                     or not isinstance(x[1], (int, float)) or not np.isfinite(x[1]) for x in lv):
        bad(f"参数「{lv_zh}」应为 [[\"A\", 80], [\"B\", 60], …] 形式(等级名, 最低得分), 给定 {levels!r}。",
            f"Parameter {lv_id} must look like [[\"A\", 80], [\"B\", 60], ...] (name, minimum score); got {levels!r}.")
    names = [x[0] for x in lv]
    if len(set(names)) != len(names) or any(b[1] >= a[1] for a, b in zip(lv, lv[1:])):
        bad(f"参数「{lv_zh}」的等级名应互不相同, 最低得分应从高到低严格递减, 给定 {levels!r}。",
            f"Parameter {lv_id}: names must be distinct and thresholds strictly decreasing; got {levels!r}.")
    st = [tuple(x) if isinstance(x, (tuple, list)) else (x,) for x in strategy]
    if any(len(x) != 3 or not isinstance(x[1], str) or isinstance(x[2], bool) or not isinstance(x[2], (int, float))
           or x[2] < 0 or x[2] != int(x[2]) for x in st):
        bad(f"参数「{st_zh}」应为 [[\"A\", \"建议动作\", 5], …] 形式(等级, 建议动作, 截止日 = 数据日期后第 N 个工作日, N ≥ 0), "
            f"给定 {strategy!r}。",
            f"Parameter {st_id} must look like [[\"A\", \"action\", 5], ...] (level, action, working days >= 0); "
            f"got {strategy!r}.")
    levels_st = [x[0] for x in st]
    if sorted(levels_st, key=str) != sorted(names, key=str):
        bad(f"参数「{st_zh}」应为每个等级({'、'.join(names)})各写一行, 给定的等级为 "
            f"{'、'.join(map(str, levels_st)) or '(无)'}。",
            f"Parameter {st_id} needs exactly one row per level ({', '.join(names)}); got "
            f"{', '.join(map(str, levels_st)) or 'none'}.")
    if fields is not None:
        allowed = set(fields)
        for lvl, action, _days in st:
            try:
                used = {name for _lit, name, _spec, _conv in _FORMATTER.parse(action) if name is not None}
            except ValueError:
                used = {"{"}
            if used - allowed:
                ok = "、".join("{" + x + "}" for x in sorted(allowed)) or "(无)"
                bad(f"参数「{st_zh}」等级「{lvl}」的建议动作「{action}」含无法识别的 {{…}} 占位符; "
                    f"可用: {ok}(花括号本身请写成 {{{{ }}}})。",
                    f"Parameter {st_id}, level {lvl}: action {action!r} has an unknown {{...}} placeholder; "
                    f"allowed: {', '.join(sorted(allowed)) or 'none'}.")


# ============================================================================ templates
_SPEC = re.compile(r"(?P<comma>,)?(?:\.(?P<dec>\d+))?(?P<kind>[fd%])?")
_FORMATTER = string.Formatter()



def check_level_names(levels: Sequence, names: Sequence[str], what_zh: str, what_en: str, tune_zh: str = "门槛") -> None:
    """Raise :class:`ParameterError` unless the level names of ``levels`` are exactly ``names`` in order — for a
    list whose levels ARE fixed states of the scenario (D3 流失状态, D4 分级, E1 预警等级): the names are fixed, the
    thresholds (``tune_zh``: 门槛 / 分数) adjustable. ``what_zh`` / ``what_en`` name the states in the message."""
    given = tuple(str(x[0]) for x in levels)
    if given != tuple(names):
        raise ParameterError(f"参数「等级门槛(levels)」的等级应依次为 {'、'.join(names)}({what_zh}, 名称固定, {tune_zh}可调), "
                             f"给定 {'、'.join(given)}。",
                             f"Parameter levels must name {what_en} in order ({', '.join(names)}); "
                             f"got {', '.join(given)}.")

def format_values(values: pd.Series, spec: str = "") -> pd.Series:
    """``values`` as text (``string`` Series, same index, missing -> <NA>), vectorised. ``spec``: '' (as
    text) or a number format ``[,][.N][f|d|%]`` — thousands separator, N decimals (default 0), percent
    (× 100 and a % sign); rounding half to even. Raises ValueError for another spec."""
    if not spec:
        return values.astype("string")
    m = _SPEC.fullmatch(spec)
    if not m:
        raise ValueError(f"unsupported format spec {spec!r} (use [,][.N][f|d|%])")
    if not len(values):
        return pd.Series([], index=values.index, dtype="string")
    v = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    if m["kind"] == "%":
        v = v * 100
    dec = int(m["dec"] or 0)
    ok = np.isfinite(v)
    big = ok & (np.abs(np.where(ok, v, 0)) * 10 ** dec >= 2.0 ** 62)  # beyond int64: Python's format, rare
    scaled = np.where(ok & ~big, np.round(np.abs(v) * 10 ** dec), 0).astype(np.int64)
    whole = scaled // 10 ** dec
    txt = _digits(whole, bool(m["comma"]))
    if dec:
        txt = np.char.add(np.char.add(txt, "."), np.char.zfill((scaled % 10 ** dec).astype(str), dec))
    txt = np.char.add(np.where((v < 0) & (scaled > 0), "-", ""), txt)
    if m["kind"] == "%":
        txt = np.char.add(txt, "%")
    out = pd.Series(txt, index=values.index, dtype="object")
    if big.any():
        py = f"{',' if m['comma'] else ''}.{dec}f"
        out[big] = [format(x, py) + ("%" if m["kind"] == "%" else "") for x in v[big]]
    return out.astype("string").where(ok, pd.NA)


def _digits(whole: np.ndarray, comma: bool) -> np.ndarray:
    """Non-negative int64 array -> decimal text, with a ``,`` every three digits when ``comma`` (one numpy
    string operation per group of three digits, not per value)."""
    if not comma:
        return whole.astype(str)

    def group(x: np.ndarray, pad: np.ndarray) -> np.ndarray:
        g = (x % 1000).astype(str)
        return np.where(pad, np.char.zfill(g, 3), g)

    txt = group(whole, whole >= 1000)
    rest = whole // 1000
    while (rest > 0).any():
        txt = np.where(rest > 0, np.char.add(np.char.add(group(rest, rest >= 1000), ","), txt), txt)
        rest = rest // 1000
    return txt


def fill_template(template: str, frame: pd.DataFrame) -> pd.Series:
    """``template`` (``str.format`` syntax, placeholders = columns of ``frame``, see :func:`format_values`)
    filled for every row: a ``string`` Series on ``frame.index``; a missing value is filled as ''. Raises
    KeyError naming the template for a placeholder that is not a column."""
    out = pd.Series("", index=frame.index, dtype="string")
    for literal, name, spec, _conv in _FORMATTER.parse(template):
        if literal:
            out = out + literal
        if name is not None:
            if name not in frame.columns:
                raise KeyError(f"template {template!r}: no column {name!r}")
            out = out + format_values(frame[name], spec or "").fillna("")
    return out


# ============================================================================ scoring
def _column(spec: str | Callable, frame: pd.DataFrame) -> pd.Series:
    v = frame[spec] if isinstance(spec, str) else spec(frame)
    if isinstance(v, pd.Series):
        return v.reindex(frame.index) if not v.index.equals(frame.index) else v
    return pd.Series(np.broadcast_to(np.asarray(v), (len(frame),)), index=frame.index)


def _evaluate(rule: Rule, frame: pd.DataFrame, off: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """-> (points where the rule holds else 0, holds, unknown) as arrays over the rows of ``frame``."""
    n = len(frame)
    if off:
        return np.zeros(n), np.zeros(n, dtype=bool), np.ones(n, dtype=bool)
    cond = _column(rule.when, frame).astype("boolean") if rule.when is not None else None
    if rule.value is not None:
        v = pd.to_numeric(_column(rule.value, frame), errors="coerce").astype("float64")
        pts = (float(rule.weight) * v).to_numpy()
        if cond is None:
            unknown = v.isna().to_numpy()
            holds = (v > 0).to_numpy() & ~unknown
        else:
            unknown = (cond.isna() | (cond.fillna(False) & v.isna())).to_numpy(dtype=bool)
            holds = cond.fillna(False).to_numpy(dtype=bool) & ~unknown
    else:
        pts = np.full(n, float(rule.points))
        unknown = cond.isna().to_numpy(dtype=bool)
        holds = cond.fillna(False).to_numpy(dtype=bool)
    return np.where(holds, pts, 0.0), holds, unknown


def _join_top(texts: np.ndarray, keys: np.ndarray, holds: np.ndarray, top: int, sep: str = REASON_SEP) -> pd.Series:
    """Per row, the texts of the holding columns with the highest keys (ties: column order), the first ``top``
    joined with ``sep``; a ``string`` Series on a RangeIndex."""
    n = len(texts)
    out = np.full(n, "", dtype=object)
    if n and texts.shape[1]:
        order = np.argsort(-np.where(holds, keys, -np.inf), axis=1, kind="stable")
        rows = np.arange(n)
        for j in range(min(top, texts.shape[1])):
            k = order[:, j]
            h, t = holds[rows, k], texts[rows, k]
            out = np.where(h, np.where(out == "", t, out + sep + t), out)
    return pd.Series(out, dtype="string")


@dataclass
class ListTable(Table):
    """The Table of a §6 list (:meth:`ScoredList.table`), with what a cross-scenario view needs to combine lists
    (``bankxl.crossview``): ``levels`` — the level names from best to worst (the ``levels`` parameter);
    ``amount`` — the money the list is about per row, as the scenario declared it (``score_list(amount=…)``: a
    shown money column in the data's currency — 元 — unscaled; index = the rows of ``df``), None when the list
    declares none (a list ranked by 积分, a 0/1 flag or a monthly flow is not about an amount of money);
    ``amount_header`` — the header of that shown column (e.g. ``余额(元)``); ``risk_only`` — a risk list (e.g. 多头
    风险名单): its customers are risk cases and must never be marketed; ``hold_levels`` — levels of a mixed list
    whose customers must not be marketed either (e.g. C3 网贷客户名单's 多头风险 and 不营销 tiers);
    ``credit_report`` — the list derives from 征信明细 (credit reports: authorised use only, SCENARIOS.md §0.9, e.g.
    C8's lists): a cross-scenario view leaves its rows out unless its parameter allows them, and then shows
    no credit-report detail (reasons, actions, amounts)."""

    levels: tuple[str, ...] = ()
    amount: pd.Series | None = field(default=None, compare=False)  # data beside df: not compared
    amount_header: str | None = None
    risk_only: bool = False
    hold_levels: tuple[str, ...] = ()
    credit_report: bool = False


@dataclass
class ScoredList:
    """The result of :func:`score_list`. ``df``: every listed customer in rank order (columns in the
    module docstring); ``note``: lines stating score, levels, reasons, strategy and the tie-break (put them
    on the list sheet / in 说明); ``counts``: customers per level; ``not_computed``: factor name -> rows
    where it could not be computed; ``excluded``: rows below the lowest level; ``tie_break``: the rank rule
    as one sentence (also in ``note``) for the report's 说明."""

    df: pd.DataFrame
    note: list[str]
    counts: dict[str, int]
    not_computed: dict[str, int] = field(default_factory=dict)
    excluded: int = 0
    tie_break: str = ""
    #: the declared money column per listed row (``score_list(amount=…)``, 元 unscaled; index = ``df``'s), or None
    amount: pd.Series | None = None
    #: the header the declared money column is shown under (``show[amount]``, e.g. ``余额(元)``), or None
    amount_header: str | None = None

    def summary(self, limit: int | None = None) -> str:
        """One line: 共 N 户: A a / B b / C c (+ 列出前 limit 户 when capped)."""
        levels = " / ".join(f"{k} {v:,}" for k, v in self.counts.items())
        capped = limit is not None and len(self.df) > limit
        return f"共 {len(self.df):,} 户: {levels}" + (f"; 按排名列出前 {limit:,} 户。" if capped else "。")

    def table(self, name: str, title: str, *, limit: int | None = None, formats: Mapping[str, str] | None = None,
              text_columns: Sequence[str] = (), widths: Mapping[str, float] | None = None,
              conditional: Sequence[Conditional] = (), top_style: str | None = "good",
              risk_only: bool = False, hold_levels: Sequence[str] = (), credit_report: bool = False) -> ListTable:
        """The list as a report Table (first ``limit`` rows) marked ``role="list"`` (the contract finds §6
        lists by it): 客户号/机构号 as text, 得分 0.0, 截止日 date, wide 原因/建议动作, the top level
        highlighted in ``top_style`` ('good'; 'bad' for a risk list; None: not highlighted); ``formats`` etc.
        add to these. ``risk_only``: a risk list whose customers are never marketed; ``hold_levels``: the levels
        (of the ``levels`` parameter) whose customers are never marketed; ``credit_report``: the list derives from
        征信明细 (authorised use only) (:class:`ListTable`). Raises ValueError for a hold level that is not one of
        the list's levels."""
        unknown = [lv for lv in hold_levels if lv not in self.counts]
        if unknown:
            raise ValueError(f"hold_levels {unknown} not among the list's levels {list(self.counts)}")
        top = next(iter(self.counts), None)
        cond = [Conditional(["等级"], kind="text", value=top, style=top_style)] if top and top_style else []
        df = self.df if limit is None else self.df.head(limit)
        amount = None if self.amount is None else self.amount.reindex(df.index)
        return ListTable(df, name=name, title=title,
                         text_columns=("客户号", "机构号", "客户经理", *text_columns),
                         formats={"排名": "int", "得分": "0.0", "截止日": "date", **(formats or {})},
                         widths={"原因": 50, "建议动作": 40, **(widths or {})}, conditional=[*cond, *conditional],
                         role="list", levels=tuple(self.counts), amount=amount,
                         amount_header=self.amount_header if amount is not None else None, risk_only=risk_only,
                         hold_levels=tuple(hold_levels), credit_report=credit_report)

    def blocks(self, name: str, title: str, *, limit: int | None = None, lines: Sequence[str] = (),
               **table_kw) -> list:
        """[Note (``lines`` + the summary + :attr:`note`), Table] — the usual content of a list sheet."""
        return [Note(title=title, lines=[*lines, self.summary(limit), *self.note]),
                self.table(name, title, limit=limit, **table_kw)]

    def tag_rows(self, scenario: str, tag_code: str, tag_name: str, ctx: RunContext, params: Any) -> pd.DataFrame:
        """One §6 tag per listed customer: value = 得分, level = 等级 (:func:`bankxl.tags.tag_rows`)."""
        from .tags import tag_rows

        return tag_rows(scenario, tag_code, tag_name, self.df["客户号"], ctx, params,
                        value=self.df["得分"], level=self.df["等级"])


def param_labels(params: Any) -> dict[str, str]:
    """Field name -> 中文名 (as on the 参数 sheet) of every parameter of the params dataclass ``params``."""
    return {f.name: str(f.metadata.get("zh", f.name)) for f in fields(params)}


def strategy_source(strategy: Sequence, params: Any = None, label: str | Sequence[str] | None = None) -> str:
    """How a list's note names the parameter its strategy came from: 「中文名」 (several joined with 与).

    With ``params`` (the scenario's params dataclass instance) the parameter is the field whose value *is*
    ``strategy`` (the object the scenario passed, ``p.online_strategy``; else the one field equal to it), so the
    name cannot drift from the parameter: 网贷名单策略表 for C3's ``online_strategy``. ``label``: the 中文名(s) for
    a strategy built in code from scalar parameters (not a field); with ``params`` each must be one of its
    parameters and, when the strategy is a field, that field's name. Without either: 「策略表」 (the
    ``strategy`` parameter of :func:`strategy_param`). Raises ValueError for a ``label`` that is not a parameter
    of ``params`` or contradicts the field found, and for a strategy of no field of ``params`` without
    ``label`` or one held by several fields."""
    names = [label] if isinstance(label, str) else list(label or ())
    if params is None:
        return "与".join(f"「{x}」" for x in names or ["策略表"])
    zh = param_labels(params)
    hits = [k for k in zh if getattr(params, k) is strategy]
    if not hits:
        hits = [k for k in zh if _same(getattr(params, k), strategy)]
    unknown = [x for x in names if x not in zh.values()]
    if unknown:
        raise ValueError(f"strategy_label {unknown} are not parameters of {type(params).__name__}")
    if names:
        if hits and not set(names) & {zh[k] for k in hits}:
            raise ValueError(f"strategy_label {names} contradicts the strategy's parameter "
                             f"{[zh[k] for k in hits]} of {type(params).__name__}")
        return "与".join(f"「{x}」" for x in names)
    if len(hits) != 1:
        raise ValueError(f"the strategy is {'held by several' if hits else 'no'} parameter(s) of "
                         f"{type(params).__name__} {hits or ''}: name its parameter(s) with strategy_label=")
    return f"「{zh[hits[0]]}」"


def _same(a: Any, b: Any) -> bool:
    """Equal as nested tuples/lists (a strategy table), False for anything that does not compare plainly."""
    try:
        return bool(a == b) and isinstance(a, (tuple, list))
    except Exception:  # e.g. a DataFrame-valued field: not a strategy
        return False


def score_list(frame: pd.DataFrame, rules: Sequence[Rule], levels: Sequence, strategy: Sequence,
               ctx: RunContext, *, sort_by: Sequence[str] = (), unknown: Sequence[str] = (),
               customers: pd.DataFrame | None = None, show: Mapping[str, str] | None = None,
               top: int = 3, decimals: int = 1, params: Any = None,
               strategy_label: str | Sequence[str] | None = None, amount: str | None = None) -> ScoredList:
    """Score, level, explain, assign actions and due dates, and rank the customers of ``frame``.

    ``frame``: one row per customer with ``cust_id`` and the columns the rules, templates, ``sort_by`` and
    ``show`` name (not modified). ``rules``: :class:`Rule` s. ``levels`` / ``strategy``: the scenario's
    ``levels`` / ``strategy`` parameters (:func:`check_levels`). ``ctx``: as-of date, calendar, masking.
    ``sort_by``: frame columns (descending, blanks last) breaking ties of 得分 before 客户号 ascending.
    ``unknown``: rule ids or names the dataset cannot supply at all (not computed for every row).
    ``customers``: the table the identity columns (客户名称/证件号码/手机号, 机构号/客户经理) come from
    (default ``frame``). ``show``: frame column -> header of extra columns shown after the identity.
    ``top``: reasons kept; ``decimals``: rounding of 得分. ``params``: the scenario's params dataclass — the
    note names the parameter the strategy came from by the 中文名 of the field whose value ``strategy`` is
    (:func:`strategy_source`), so a second list names its own (网贷名单策略表, 临界名单策略 …), never 「策略表」.
    ``strategy_label``: the 中文名(s) of the parameter(s) a strategy built in code comes from (e.g. C8's
    排除名单建议动作 and 排除名单截止日); each must be a parameter of ``params`` when given. Without ``params``
    the note says 「策略表」 (the ``strategy`` convention). ``amount``: the ``show`` column holding the money
    the list is about, in the data's currency unscaled (元: deposit balance, loan principal, unused credit …),
    whose header names that unit (``ctx.base_label``); it becomes :attr:`ScoredList.amount` (the 涉及金额 of
    the cross-scenario task list). None (default): the list is not about an amount of money — never declare a
    score, 积分, a 0/1 flag or a count. Returns a :class:`ScoredList`. Raises ParameterError for bad
    levels/strategy, KeyError for a template placeholder that is not a column, ValueError when ``params`` is
    given and the strategy's parameter cannot be named (see :func:`strategy_source`), or when ``amount`` is not
    a ``show`` column whose header says ``({ctx.base_unit})``.
    """
    check_levels(levels, strategy, frame.columns)
    if amount is not None and not str((show or {}).get(amount, "")).endswith(f"({ctx.base_unit})"):
        raise ValueError(f"amount={amount!r} must be a shown money column whose header ends with "
                         f"({ctx.base_unit}); show = {dict(show or {})!r}")
    source = strategy_source(strategy, params, strategy_label)
    show = dict(show or {})
    f = frame.reset_index(drop=True)
    n, off = len(f), set(unknown)
    pts = np.zeros((n, len(rules)))
    holds = np.zeros((n, len(rules)), dtype=bool)
    unk = np.zeros((n, len(rules)), dtype=bool)
    texts = np.full((n, len(rules)), "", dtype=object)
    for j, r in enumerate(rules):
        pts[:, j], holds[:, j], unk[:, j] = _evaluate(r, f, r.id in off or r.label in off)
        if holds[:, j].any():
            texts[holds[:, j], j] = fill_template(r.reason, f[holds[:, j]]).to_numpy(dtype=object)
    computed = ~unk.all(axis=1) if len(rules) else np.zeros(n, dtype=bool)
    score = pd.Series(np.where(computed, pts.sum(axis=1), np.nan)).round(decimals)
    names = [str(x[0]) for x in levels]
    thresholds = [float(x[1]) for x in levels]
    level = pd.Series(np.select([score.to_numpy() >= t for t in thresholds], names, default=""), dtype="string")
    level = level.mask(level.eq(""), pd.NA)
    listed = (level.notna() | score.isna()).to_numpy()
    excluded = int((~listed).sum())

    reasons = _join_top(texts, pts, holds, top)
    labels = np.tile(np.array([r.label for r in rules], dtype=object), (n, 1))
    missing = _join_top(labels, np.zeros((n, len(rules))), unk, len(rules), sep="、")
    plan = {str(x[0]): (str(x[1]), int(x[2])) for x in strategy}
    action = pd.Series(pd.NA, index=range(n), dtype="string")
    days = np.zeros(n, dtype=np.int64)
    for name in names:
        rows = level.eq(name).fillna(False).to_numpy()
        if rows.any():
            action[rows] = fill_template(plan[name][0], f[rows]).to_numpy()
            days[rows] = plan[name][1]
    due = pd.Series(ctx.calendar.add_workdays(ctx.as_of, days), dtype="datetime64[ns]").where(level.notna())

    keys = pd.DataFrame({"_score": score, **{f"_k{i}": pd.to_numeric(f[c], errors="coerce")
                                             for i, c in enumerate(sort_by)},
                         "_id": f["cust_id"].astype("string").str.strip()})[listed]
    order = keys.sort_values(list(keys.columns), ascending=[False] * (1 + len(sort_by)) + [True],
                             na_position="last", kind="stable").index.to_numpy()
    src = f.loc[order].reset_index(drop=True)
    out = customer_columns(src["cust_id"], customers if customers is not None else f, ctx,
                           extra=("org_id", "mgr_id"))
    out.insert(0, "排名", np.arange(1, len(order) + 1, dtype="int64"))
    for col, header in show.items():
        out[header] = src[col].to_numpy()
    out["得分"] = score[order].to_numpy(dtype="float64")
    out["等级"] = level[order].to_numpy()
    out["原因"] = reasons[order].to_numpy()
    out["建议动作"] = action[order].to_numpy()
    out["截止日"] = due[order].to_numpy()
    out = out.astype({"等级": "string", "原因": "string", "建议动作": "string"})
    not_computed = {r.label: int(unk[order, j].sum()) for j, r in enumerate(rules) if unk[order, j].any()}
    if not_computed:
        out[UNKNOWN_COLUMN] = missing[order].astype("string").replace("", pd.NA).to_numpy()
    counts = {k: int(out["等级"].eq(k).sum()) for k in names}

    tie = "、".join(show.get(c, c) for c in sort_by)
    tie_break = ("排名: 按得分从高到低" + (f"; 同分按{tie}从高到低(空值在后)" if tie else "")
                 + ", 再按客户号升序(与输入顺序无关)。")
    note = [
        f"得分 = 命中规则的得分之和(保留 {decimals} 位小数); 等级: "
        + " / ".join(f"{a} ≥{b:g}" for a, b in zip(names, thresholds))
        + (f"; 低于 {thresholds[-1]:g} 分的 {excluded:,} 户未列入名单" if excluded else "") + "。",
        f"原因: 命中的规则按得分从高到低取前 {top} 条, 以「{REASON_SEP}」分隔。",
        f"建议动作与截止日按等级取自参数{source}: "
        + " / ".join(f"{k} {plan[k][1]} 个工作日" for k in names)
        + "; 截止日 = 数据日期后第 N 个工作日(银行日历, 节假日不计)。",
        tie_break,
    ]
    if not_computed:
        note.append("数据中没有、无法计算的因素不计分(不按 0 分处理), 见「未计算因素」列: "
                    + "、".join(f"{k} {v:,} 户" for k, v in not_computed.items()) + "。")
    if customers is not None and "cust_id" in customers.columns and len(out):
        from .rules.identity import by_cust_id

        ids = out["客户号"].str.strip()
        stray = int((ids.notna() & ~ids.isin(by_cust_id(customers).index)).sum())
        if stray:  # never a nameless row without saying why (the rows: 数据问题 CUST_NOT_FOUND)
            note.append(f"其中 {stray:,} 户的客户号不在客户表中: 客户名称、证件号等留空, 见「数据问题」"
                        "(客户号不在客户表中, 可能是前导 0 丢失)。")
    money = (pd.Series(pd.to_numeric(f.loc[order, amount], errors="coerce").astype("float64").to_numpy(),
                       index=out.index) if amount is not None else None)
    return ScoredList(out, note, counts, not_computed, excluded, tie_break, money,
                      show[amount] if amount is not None else None)
