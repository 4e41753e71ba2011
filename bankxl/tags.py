"""The customer tag long table (SCENARIOS.md §6 标签长表), one shape for every scenario.

A scenario that tags customers builds its rows with :func:`tag_rows` (one call per tag), stacks them with
:func:`tag_table` and adds :func:`tag_sheet` to its report; a later cross-scenario view concatenates the
tables of several reports (same columns, same dtypes)::

    tags = tag_table(
        tag_rows("C6", "C6_CROSS_SELL", "按揭交叉营销", lst["客户号"], ctx, params,
                 value=lst["得分"], level=lst["等级"]),
        tag_rows("C6", "C6_PRODUCT_GAP", "产品缺口", ids, ctx, params, value=n_gaps, when=n_gaps > 0))
    report.sheets.append(tag_sheet(tags))

Columns (English ids, :data:`TAG_COLUMNS`; Chinese headers on the sheet, :data:`TAG_HEADERS`):
cust_id (string) · scenario (course code, string) · tag_code (string, ``<code>_<NAME>``) · tag_name (中文,
string) · value (float64; blank where the tag has no number) · level (string; blank where none) · as_of
(datetime64[ns], the data date) · rule_version (string: :func:`bankxl.scenario.params_hash` of the
scenario's params, the same hash the report's 说明 shows).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .report import Note, Sheet, Table

if TYPE_CHECKING:  # pragma: no cover
    from .scenario import RunContext

#: the §6 columns, in order
TAG_COLUMNS = ("cust_id", "scenario", "tag_code", "tag_name", "value", "level", "as_of", "rule_version")
#: Chinese headers of the 客户标签 sheet
TAG_HEADERS = {"cust_id": "客户号", "scenario": "场景", "tag_code": "标签代码", "tag_name": "标签名称",
               "value": "标签值", "level": "标签等级", "as_of": "数据日期", "rule_version": "规则版本"}
_DTYPES = {"cust_id": "string", "scenario": "string", "tag_code": "string", "tag_name": "string",
           "value": "float64", "level": "string", "as_of": "datetime64[ns]", "rule_version": "string"}


def empty_tags() -> pd.DataFrame:
    """A tag table without rows (the §6 columns and dtypes)."""
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in _DTYPES.items()})


def tag_rows(scenario: str, tag_code: str, tag_name: str, cust_id: Any, ctx: RunContext, params: Any, *,
             value: Any = None, level: Any = None, when: Any = None) -> pd.DataFrame:
    """One tag for the customers ``cust_id`` as §6 rows.

    ``cust_id``: Series / array of customer numbers (one row each; missing ones are dropped — a tag needs a
    customer). ``value`` / ``level``: scalar or a sequence aligned positionally with ``cust_id`` (None =
    blank, never 0). ``when``: optional bool sequence aligned with ``cust_id``; only rows where it is True
    are tagged (missing = not tagged). ``params``: the scenario's params dataclass; its
    :func:`~bankxl.scenario.params_hash` is the rule_version. Returns a frame with :data:`TAG_COLUMNS`.
    """
    from .scenario import params_hash

    ids = pd.Series(np.asarray(cust_id, dtype=object), dtype="string").str.strip()
    n = len(ids)

    def col(v: Any, dtype: str) -> pd.Series:
        if v is None:
            return pd.Series(pd.NA if dtype == "string" else np.nan, index=range(n), dtype=dtype)
        if np.ndim(v) == 0:
            return pd.Series([v] * n, dtype=dtype)
        arr = v.to_numpy() if isinstance(v, (pd.Series, pd.Index)) else np.asarray(v)
        if dtype == "float64":
            return pd.Series(pd.to_numeric(pd.Series(arr), errors="coerce"), dtype="float64")
        return pd.Series(arr, dtype=dtype)

    out = pd.DataFrame({
        "cust_id": ids, "scenario": col(scenario, "string"), "tag_code": col(tag_code, "string"),
        "tag_name": col(tag_name, "string"), "value": col(value, "float64"), "level": col(level, "string"),
        "as_of": pd.Series(ctx.as_of, index=range(n), dtype="datetime64[ns]"),
        "rule_version": col(params_hash(params), "string")})
    keep = ids.notna() & ids.ne("")
    if when is not None:
        keep &= pd.Series(np.asarray(when, dtype=object)).astype("boolean").fillna(False).to_numpy()
    return out[keep.to_numpy()].reset_index(drop=True)


def tag_table(*parts: pd.DataFrame) -> pd.DataFrame:
    """Stack :func:`tag_rows` frames (of one or several scenarios) into one tag table, sorted by cust_id,
    scenario, tag_code (stable); an empty table keeps the §6 columns and dtypes."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return empty_tags()
    t = pd.concat(parts, ignore_index=True).astype(_DTYPES)
    return t.sort_values(["cust_id", "scenario", "tag_code"], kind="stable").reset_index(drop=True)


#: 标签值 of a tag whose values are all whole numbers in this range are years (C9 流失年份): no separator
YEAR_RANGE = (1900, 2100)


def value_formats(tags: pd.DataFrame) -> pd.Series:
    """Number format of each row's 标签值 (``tags``: a tag table; Series on its index, None where the value is
    blank), one per tag (``tag_code``), from the tag's own values since one column holds amounts, scores,
    counts and years: all whole numbers -> ``int`` (#,##0: 31,500), or ``0`` when all lie in
    :data:`YEAR_RANGE` (2024, not 2,024); at most one decimal -> ``#,##0.0`` (scores, as 得分 in the lists);
    else ``money`` (#,##0.00: 8,966.16). Vectorised over the rows (per-tag counts by bincount)."""
    v = tags["value"].to_numpy(dtype="float64", na_value=np.nan)
    known = np.isfinite(v)
    codes, _ = pd.factorize(tags["tag_code"], use_na_sentinel=False)
    k = int(codes.max()) + 1 if len(codes) else 0

    def count(mask: np.ndarray) -> np.ndarray:  # rows per tag where mask (known values only)
        return np.bincount(codes, weights=(mask & known).astype(float), minlength=k)

    w = np.where(known, v, 0.0)
    n = count(known)
    whole = count(np.isclose(w, np.round(w), rtol=0, atol=1e-9)) == n
    tenths = count(np.isclose(w * 10, np.round(w * 10), rtol=0, atol=1e-6)) == n
    years = whole & (count((w >= YEAR_RANGE[0]) & (w <= YEAR_RANGE[1])) == n)
    per_tag = np.where(years, "0", np.where(whole, "int", np.where(tenths, "#,##0.0", "money"))).astype(object)
    return pd.Series(np.where(known, per_tag[codes] if k else None, None), index=tags.index, dtype=object)


def tag_sheet(tags: pd.DataFrame, name: str = "客户标签") -> Sheet:
    """The 客户标签 sheet: the tag table with Chinese headers (:data:`TAG_HEADERS`) as an Excel table named
    ``customer_tags`` (``role="tags"``), and a note on how to stack it with other scenarios' tags. 标签值 is
    written as numbers in the format of its tag (:func:`value_formats`)."""
    shown = tags.loc[:, list(TAG_COLUMNS)].rename(columns=TAG_HEADERS)
    return Sheet(name, [
        Note(title="客户标签(标签长表)", lines=[
            f"共 {len(tags):,} 条标签, {tags['cust_id'].nunique():,} 户客户。每行一个客户的一个标签; 各场景的标签表"
            "列相同, 可直接上下拼接(按客户号汇总即为客户视图)。规则版本 = 本报告参数的哈希, 与说明页一致。"]),
        Table(shown, name="customer_tags", title="客户标签", text_columns=("客户号", "标签代码", "规则版本"),
              formats={"数据日期": "date", "标签值": "General"}, role="tags",
              row_formats={"标签值": value_formats(tags)}),
    ])
