"""The report model: a report is data (DESIGN.md "Report model and writing").

``Report`` -> ordered ``Sheet`` s -> blocks stacked top to bottom: :class:`Table` (a DataFrame written as an
Excel table with number formats and optional conditional formats), :class:`Chart` (a native Excel chart over a
table block of the same sheet), :class:`Note` (lines of text), :class:`PivotBlock` (a native PivotTable
over a table of another sheet, see ``bankxl.report.pivot``). ``Report.headline`` (:class:`Headline`: key
figures, one chart, the top actions of the main list) becomes the first sheet. The runner adds 说明 and
数据问题; the writer (``bankxl.report.xlsx``) turns it into a workbook and owns print layout
(``bankxl.report.layout``). Scenarios build reports; they never touch files.

Number formats by name (``Table.formats``): ``money`` #,##0.00 · ``money0`` #,##0 · ``int`` #,##0 ·
``pct`` 0.00% · ``pct1`` 0.0% · ``date`` yyyy-mm-dd · ``month`` yyyy-mm · ``text`` @ · ``ratio`` 0.00 ·
``ratio4`` 0.0000; any other string is used as an Excel format code.
Columns not named are formatted from their dtype (float -> money, int -> int, datetime -> date, str -> text).
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Sequence

import pandas as pd


#: the roles of a table with a row per customer (:attr:`Table.role`)
TABLE_ROLES = ("list", "detail", "tags")
#: how a sheet prints (:attr:`Sheet.print_role`): summaries print whole, details only their first page
PRINT_ROLES = ("summary", "detail")


@dataclass
class Conditional:
    """Conditional format on table columns.

    ``kind``: 'data_bar' | 'color_scale' (green-low to red-high unless ``reverse``) | 'cell'
    (``criteria`` like '>', '>=', '==', 'between'; ``value`` a number or string; ``style`` 'bad' | 'warn' | 'good')
    | 'text' (cell text contains ``value``; ``style``).
    ``rows``: the rows it applies to — a boolean per row of the table (a pandas Series is aligned on the
    table's index, so it holds for a table continued on more sheets; any other sequence by position); None =
    every row. A colour scale over some rows takes its low/high from those rows only (e.g. groups large
    enough for a rate to mean something; say in a note why the others are not coloured).
    """

    columns: Sequence[str]
    kind: str = "data_bar"
    criteria: str | None = None
    value: Any = None
    style: str = "bad"
    reverse: bool = False
    rows: Any = None

    def __eq__(self, other):
        """Field by field; ``rows`` (a Series or sequence) compared by value, not by truth of a Series."""
        if not isinstance(other, Conditional):
            return NotImplemented
        fields = ("columns", "kind", "criteria", "value", "style", "reverse")
        if any(getattr(self, f) != getattr(other, f) for f in fields):
            return False
        a, b = self.rows, other.rows
        if a is None or b is None:
            return a is b
        if isinstance(a, pd.Series) and isinstance(b, pd.Series):
            return a.equals(b)
        return list(a) == list(b)


@dataclass
class Table:
    """A DataFrame written as an Excel table (ListObject) with autofilter and a frozen header row.

    ``name``: the Excel table name (ASCII, unique in the workbook; derived when None).
    ``text_columns``: columns always written as text (IDs, accounts) besides string-typed ones.
    ``title``: a bold line above the table. ``note``: a grey line under the title.
    ``total_row``: add a 合计 row summing the numeric columns (Excel SUBTOTAL formulas).
    ``role``: what the rows are, for a table with a row per customer (客户号 column; :data:`TABLE_ROLES`):
    ``"list"`` a §6 customer list (set by ``bankxl.lists.ScoredList.table``), ``"tags"`` the §6 tag table
    (set by ``bankxl.tags.tag_sheet``), ``"detail"`` per-customer detail that is not a list (declared by the
    scenario); None for other tables. The contract finds lists by it, never by sheet name.
    ``empty_note``: why the table can be empty (e.g. "本期无到期存款"); an empty table is written as its
    caption, a line ``无: <empty_note>`` (a generic reason when None) and the bare header.
    ``input_columns``: columns the reader fills in (e.g. a task list's 跟进日期/结果): every data cell is
    written (blank ones too) unlocked and shaded, so they stay editable when the sheet is protected.
    ``validations``: column -> XlsxWriter ``data_validation`` options (``validate``, ``criteria``, ``source``,
    ``input_message``, ``error_message`` …) applied to the column's data rows.
    ``screen_columns``: columns for the screen, not for paper (e.g. a list's account particulars): written,
    grouped and collapsed (the + above the column letters shows them), left out of the printed width.
    ``row_formats``: column -> a Series aligned on the table's index of per-row number formats (a
    ``formats`` name or an Excel code; missing = the column's format), for a column whose rows hold numbers
    of different kinds (the §6 tag table's 标签值: amounts, scores, counts, years). Cell formats, no
    conditional formatting; blank cells stay blank.
    """

    df: pd.DataFrame
    name: str | None = None
    title: str | None = None
    note: str | None = None
    formats: dict[str, str] = field(default_factory=dict)
    text_columns: Sequence[str] = ()
    conditional: list[Conditional] = field(default_factory=list)
    total_row: bool = False
    widths: dict[str, float] = field(default_factory=dict)
    role: str | None = None
    empty_note: str | None = None
    input_columns: Sequence[str] = ()
    validations: dict[str, dict] = field(default_factory=dict)
    screen_columns: Sequence[str] = ()
    row_formats: dict[str, pd.Series] = field(default_factory=dict)

    def __eq__(self, other):
        """Field by field; ``df`` and the ``row_formats`` Series compared by value (``equals``), not by truth
        of a frame."""
        if not isinstance(other, Table):
            return NotImplemented
        for f in fields(self):
            a, b = getattr(self, f.name), getattr(other, f.name)
            if f.name == "df":
                same = a is b or (a is not None and b is not None and a.equals(b))
            elif f.name == "row_formats":
                same = a.keys() == b.keys() and all(a[k].equals(b[k]) for k in a)
            else:
                same = a == b
            if not same:
                return False
        return True

    def __post_init__(self):
        if self.role is not None and self.role not in TABLE_ROLES:
            raise ValueError(f"Table {self.name!r}: role {self.role!r} is not one of {TABLE_ROLES}")


@dataclass
class Chart:
    """A native Excel chart over a :class:`Table` block (``table`` = that block's name) of the same sheet.

    ``kind``: 'column' | 'bar' | 'line' | 'pie' | 'area' | 'scatter'; ``stacked`` / ``percent_stacked``
    for column/bar/area; ``categories``: the category column; ``series``: value columns;
    ``secondary``: series drawn as a line on a secondary axis (combined chart).
    ``y_min`` / ``y_max``: the value axis range; when both are None the axis includes zero (starts at 0 for
    non-negative data, ends at 0 for non-positive data) unless ``zero_based`` is False (then the
    application's automatic range; say so in the chart title or a note).
    The :class:`Headline` chart may name a table on any sheet.
    ``label_every``: show every n-th category label (e.g. 7 on a 60-day daily chart, whose labels overprint
    each other otherwise); over a datetime category column the axis is a date axis labelled every n days
    (mm-dd), which LibreOffice honours too; None = the application's choice.
    ``integer``: the values are counts (户, 人, 笔): the value axis ticks at whole numbers only (major unit
    1, 2 or 5 × 10^k, at most 8 intervals over the data, stacked series summed), formatted ``#,##0`` unless
    ``number_format``; False = the application's ticks (1 户 reads 0.2, 0.4 … 1.2).
    ``rows``: chart only the table's first n rows (e.g. the largest outlets of a table sorted by size, so a
    chart over many categories keeps a readable width; say so in the title); None = every row.
    """

    table: str
    categories: str
    series: Sequence[str]
    kind: str = "column"
    title: str = ""
    stacked: bool = False
    percent_stacked: bool = False
    y_title: str | None = None
    x_title: str | None = None
    secondary: Sequence[str] = ()
    width: int = 720
    height: int = 320
    number_format: str | None = None
    y_min: float | None = None
    y_max: float | None = None
    zero_based: bool = True
    label_every: int | None = None
    integer: bool = False
    rows: int | None = None


@dataclass
class Note:
    """Lines of text; ``pairs`` are written as two columns (名称 | 内容)."""

    lines: Sequence[str] = ()
    title: str | None = None
    pairs: Sequence[tuple[str, Any]] = ()


@dataclass
class PivotBlock:
    """A native PivotTable (``bankxl.report.pivot``) over a :class:`Table` block named ``source`` elsewhere
    in the workbook; the writer pre-writes its values and adds the pivot parts."""

    spec: Any
    source: str
    title: str | None = None
    note: str | None = None


Block = Table | Chart | Note | PivotBlock


@dataclass
class Figure:
    """One key figure of a :class:`Headline`.

    ``label``: 中文 name (e.g. 本月到期金额); ``value``: a number, None when the data do not hold it (written
    blank and said so, never 0); ``unit``: 万元 / 元 / 户 / 笔 / % …; ``format``: a named number format of
    the writer (``money``, ``int``, ``pct`` …) or an Excel format code; ``compare_label``: what it is compared
    with (较上月 / 目标 / 全行); ``compare``: that value in the same unit (None = unknown, blank); a
    ``compare_label`` starting with 其中 (其中在挖掘名单, 其中 A 级) makes ``compare`` a PART of ``value``
    (:attr:`compare_is_part`): the headline's 差额 stays blank (value − a part of it is no comparison);
    ``note``: a short remark (why a value is unknown, the source sheet).
    """

    label: str
    value: float | int | None
    unit: str = ""
    format: str = "money"
    compare_label: str | None = None
    compare: float | int | None = None
    note: str | None = None

    @property
    def compare_is_part(self) -> bool:
        """Whether ``compare`` is a part of ``value`` (its label starts with 其中), not a value to compare it with."""
        return (self.compare_label or "").lstrip().startswith("其中")


@dataclass
class Headline:
    """The report's first sheet (DESIGN.md "Report model and writing"): what a branch head reads in one
    minute, printed on one A4 landscape page.

    ``figures``: 3–6 :class:`Figure` s; ``chart``: one :class:`Chart` over a table of any sheet (or None);
    ``actions``: the name of the report's main list table (``Table.role == "list"`` usually); its first
    ``top`` rows by 排名 are shown with who (机构号/客户经理), what (建议动作) and by when (截止日);
    ``lines``: one or two sentences under the title; ``sheet``: the sheet name — when a scenario sheet
    already has it, the writer uses ``fallback`` (so 概览 of a scenario keeps its name). ``unit``: what one
    row of the actions list is, counted in its caption and note (优先行动 前 10 笔, 共 N 笔): e.g. 笔 for a list
    with a row per deposit (D2 提醒名单); None = 户 when the list has a 客户号 column (customers, merchants),
    else 项 (outlets, checks).
    Raises ValueError for fewer than 3 or more than 6 figures or a blank ``unit``.
    """

    figures: Sequence[Figure]
    chart: Chart | None = None
    actions: str | None = None
    top: int = 10
    lines: Sequence[str] = ()
    sheet: str = "概览"
    fallback: str = "报告概览"
    unit: str | None = None

    def __post_init__(self):
        if not 3 <= len(self.figures) <= 6:
            raise ValueError(f"Headline: {len(self.figures)} figures; a headline shows 3 to 6")
        if self.top < 1:
            raise ValueError(f"Headline: top={self.top}; at least one action row")
        if self.unit is not None and not str(self.unit).strip():
            raise ValueError("Headline: unit is blank; give 户/笔/项 … or None")


@dataclass
class Sheet:
    """A worksheet: Chinese name (<= 31 chars, no []:*?/\\), blocks stacked top to bottom.

    ``print_role``: ``"summary"`` prints whole (print area = the content, 1–3 pages, charts and section
    titles never split by a page break) or ``"detail"`` prints its first page only (a long list);
    None = by rule (``bankxl.report.layout.print_role``: detail when a table has more than
    ``DETAIL_ROWS`` rows or holds tags).
    ``protection``: None (not protected) or the options of XlsxWriter ``worksheet.protect`` (no password),
    e.g. ``{"sort": True, "autofilter": True}``; cells of :attr:`Table.input_columns` stay unlocked.
    """

    name: str
    blocks: list[Block] = field(default_factory=list)
    tab_color: str | None = None
    landscape: bool = True
    print_role: str | None = None
    protection: dict | None = None

    def __post_init__(self):
        if self.print_role is not None and self.print_role not in PRINT_ROLES:
            raise ValueError(f"Sheet {self.name!r}: print_role {self.print_role!r} is not one of {PRINT_ROLES}")

    def table(self, name: str) -> Table:
        for b in self.blocks:
            if isinstance(b, Table) and b.name == name:
                return b
        raise KeyError(name)


@dataclass
class Report:
    """A scenario's result. ``method``: lines explaining the method (source: SCENARIOS.md section);
    ``notes``: caveats for 说明 (e.g. "仅 F1 可计算"). The runner fills ``meta`` (as-of date, params,
    inputs, row counts, calendar notes, rule version) and ``problems`` before writing."""

    title: str
    sheets: list[Sheet] = field(default_factory=list)
    method: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    problems: Any = None  # ProblemLog
    scenario_id: str = ""
    code: str = ""
    headline: Headline | None = None

    def sheet(self, name: str) -> Sheet:
        for s in self.sheets:
            if s.name == name:
                return s
        raise KeyError(name)

    def tables(self) -> dict[str, Table]:
        """Every table block by name (unnamed ones are not listed)."""
        return {b.name: b for s in self.sheets for b in s.blocks if isinstance(b, Table) and b.name}

    @property
    def sheet_names(self) -> list[str]:
        return [s.name for s in self.sheets]
