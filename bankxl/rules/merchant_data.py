"""Merchants × months matrices of the acquiring-merchant tables, shared by E1 商户四级预警, E2 商户五星级分层 and
C4 收单商户信贷营销 (SCENARIOS.md E1, E2, C4, §0.7; the warning level itself is :mod:`bankxl.rules.merchants`).

:func:`merchant_months` turns the conformed ``merchant_monthly`` 收单商户月度 (商户号, 月份, 笔数, 金额 元 with
refunds negative, 结算户日均 元, optional merchant columns) and the optional ``merchants`` 收单商户 into
:class:`MerchantMonths`: merchants are integer rows (sorted 商户号), months are columns (oldest first, ending
with the data date's month), NaN = unknown (缺月不补 0). A merchant's columns (商户名称, MCC, 网点, 客户经理,
入网日期, 商户状态, 法人证件号, 统一社会信用代码, 最近交易日) come from 收单商户 where it holds them, else from its
latest month row, so one monthly sheet carrying the merchant columns is enough. Row problems: a repeated
商户号 + 月份 (or 商户号 in 收单商户) is DUP_KEY (the last row kept, as the loader keeps); 笔数 0 with 金额 ≠ 0 is
MCH_COUNT_ZERO (counted as a month with transactions). Months after the data date are left out (counted).

:func:`known_volumes` applies what the merchant columns say about the months: months before 入网日期 are known
zero; with ``missing_as_zero`` a month without a row is zero too (an export holding only months with
transactions). :func:`closed_merchants` marks 注销 merchants. :func:`merchant_list` scores a merchant list with the identity of
:func:`merchant_identity` (客户号 = 商户号, the legal person's masked ID); :func:`transition_table` and
:func:`org_table` are the 上月 → 本月 and 网点 × state counts of E1 and E2. :class:`MerchantDataParams` holds the two data
parameters every merchant scenario shares (缺月按无交易, 注销状态): the scenarios derive their params from it.
Vectorised: no Python over merchants or months.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from ..engine import default_engine, load
from ..engine.regex import portable_regex
from ..lists import ScoredList, score_list
from ..scenario import param
from ..tables import MERCHANT_COLUMNS
from .transactions import check_regex, has_pattern

#: the merchant columns carried by both tables (ids)
ATTRS = tuple(c.id for c in MERCHANT_COLUMNS)
#: how many months the matrices hold at most
MAX_MONTHS = 60


@dataclass(frozen=True)
class MerchantDataParams:
    """What the merchant tables mean, shared by E1, E2 and C4 (one id, one meaning, one 参数 row each): a
    month without a row (unknown unless ``missing_as_zero``) and the 商户状态 of a closed merchant. A scenario
    derives its params from this class and calls :meth:`check` from its own ``check``."""

    missing_as_zero: bool = param(False, "缺月按无交易", None,
                                  "否(默认): 某月没有数据行为未知(缺月不补 0); 是: 导出只含有交易的商户月份时, 缺月按无交易")
    closed_status: str = param("注销|解约|清退|撤销|关闭|停用", "注销状态(正则)", None,
                               "商户状态匹配即为已注销: 不预警、不定星、不准入")

    def check(self) -> None:
        """注销状态 compiles. Raises :class:`ParameterError`."""
        check_regex(self, "closed_status")


@dataclass
class MerchantMonths:
    """``ids`` (商户号, string Index, sorted) · ``months`` (PeriodIndex, oldest first, ending with the data
    date's month) · ``amt`` (金额 元, n × m, NaN unknown) · ``cnt`` (笔数, NaN unknown) · ``settle`` (结算户日均
    元, NaN unknown) · ``row`` (bool: the data hold a row) · ``attrs`` (frame on ``ids``: :data:`ATTRS`) ·
    ``future`` (rows after the data date, not used)."""

    ids: pd.Index
    months: pd.PeriodIndex
    amt: np.ndarray
    cnt: np.ndarray
    settle: np.ndarray
    row: np.ndarray
    attrs: pd.DataFrame
    future: int = 0


def _dedupe(df: pd.DataFrame, key: list[str], table: str, ctx) -> pd.DataFrame:
    """``df`` without repeated ``key`` rows, each recorded as DUP_KEY (the last kept, as the loader does)."""
    dup = df.duplicated(key, keep="last")
    if dup.any():
        shown = df.loc[dup, key[0]].astype("string")
        if len(key) > 1:
            shown = shown + " " + df.loc[dup, key[1]].dt.strftime("%Y-%m")
        ctx.problem(table, df.loc[dup, "_row"], key[0], "DUP_KEY", shown, "主键重复",
                    "剔除该行, 保留同一主键的最后一条")
        df = df[~dup]
    return df


def _col(df: pd.DataFrame, name: str, dtype: str) -> pd.Series:
    return df[name] if name in df.columns else pd.Series(pd.NA, index=df.index, dtype=dtype)


#: the engine query that selects the rows of the table (bankxl/engine/queries/merchant_months.sql)
MONTHS_QUERY = "merchant_months"


@lru_cache(maxsize=1)
def _has_text() -> str:
    """A portable regex (:mod:`bankxl.engine.regex`): the text holds a character that is not whitespace (the
    characters ``str.strip`` removes, ``str.isspace``: numpy's ``strings.isspace`` over every code point at once,
    the same test in C — 5 ms instead of 30–80 ms for a Python loop over 1.1M code points, once per process)."""
    space = np.flatnonzero(np.strings.isspace(np.arange(0x110000, dtype=np.uint32).view("<U1")))
    return portable_regex("[^" + "".join(re.escape(chr(c)) for c in space) + "]")


def month_rows(mm: pd.DataFrame, end: pd.Period, ctx, engine=None) -> tuple[pd.DataFrame, int]:
    """(rows, future): the rows of conformed ``merchant_monthly`` the table holds — a 商户号 that is not blank
    after stripping whitespace, a 月份 not after ``end`` and, of rows repeating a 商户号 + 月份, the last (the
    others DUP_KEY in ``ctx.problem``, as the loader keeps the last) — in input order with ``mm``'s columns
    (a selection of ``mm``'s rows), and the number of rows dated after ``end`` (not used). Computed by the
    engine layer (:mod:`bankxl.engine`, query ``merchant_months``; ``engine`` None = the default, DuckDB)."""
    end_ym = end.year * 12 + end.month
    frame = pd.DataFrame({"_i": np.arange(len(mm), dtype="int64"), "mch_id": mm["mch_id"], "month": mm["month"]},
                         index=mm.index)
    out = (engine or default_engine()).run(load(MONTHS_QUERY), {"mm": frame}, {"end_ym": end_ym, "has_text": _has_text()})
    pos, state = out["_i"].to_numpy(), out["state"].to_numpy()  # only the rows left out (few), by position
    dup = mm.iloc[pos[state == "dup"]]
    if len(dup):
        ctx.problem("merchant_monthly", dup["_row"], "mch_id", "DUP_KEY",
                    dup["mch_id"].astype("string") + " " + dup["month"].dt.strftime("%Y-%m"), "主键重复",
                    "剔除该行, 保留同一主键的最后一条")
    held = np.ones(len(mm), dtype=bool)
    held[pos] = False
    return mm[held], int((state == "future").sum())


def merchant_months(mm: pd.DataFrame, mch: pd.DataFrame | None, ctx, *, max_months: int = MAX_MONTHS,
                    engine=None) -> MerchantMonths:
    """:class:`MerchantMonths` of conformed ``merchant_monthly`` (``mm``: mch_id, month, amount 元; optional
    txn_count, settle_avg and the merchant columns; ``_row`` = Excel row) and ``merchants`` (``mch``, optional).
    ``ctx``: the run's context (as_of, problem sink). At most ``max_months`` months, ending with the data date's
    month. Row problems DUP_KEY / MCH_COUNT_ZERO go to ``ctx.problem``. The rows are selected by the engine
    layer (:func:`month_rows`; ``engine`` None = the default), the matrices are shaped here."""
    end = ctx.as_of.to_period("M")
    x, future = month_rows(mm, end, ctx, engine)
    own = None
    if mch is not None and len(mch):
        own = _dedupe(mch[mch["mch_id"].fillna("").str.strip().ne("")], ["mch_id"], "merchants", ctx)
    # 商户号 of the rows and of 收单商户, distinct and sorted (factorised: no Python loop over the rows)
    names = x["mch_id"].to_numpy(dtype=object)
    if own is not None:
        names = np.concatenate([names, own["mch_id"].to_numpy(dtype=object)])
    uniq = pd.unique(names)
    ids = pd.Index(pd.array(uniq[np.argsort(uniq, kind="stable")], dtype="string"), dtype="string", name="mch_id")
    first = x["month"].min().to_period("M") if len(x) else end
    months = pd.period_range(max(min(first, end), end - (max_months - 1)), end, freq="M")
    x = x[(x["month"].dt.to_period("M") >= months[0]).to_numpy()]
    code = ids.get_indexer(x["mch_id"])
    col = (x["month"].dt.year * 12 + x["month"].dt.month - (months[0].year * 12 + months[0].month)).to_numpy(np.int64)
    n, m = len(ids), len(months)
    amt, cnt, settle = np.full((n, m), np.nan), np.full((n, m), np.nan), np.full((n, m), np.nan)
    row = np.zeros((n, m), dtype=bool)
    amt[code, col] = x["amount"].to_numpy(dtype="float64", na_value=np.nan)
    cnt[code, col] = _col(x, "txn_count", "Int64").astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
    settle[code, col] = _col(x, "settle_avg", "Float64").astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
    row[code, col] = True
    odd = (_col(x, "txn_count", "Int64") == 0).fillna(False) & (x["amount"] != 0).fillna(False)
    if odd.any():
        ctx.problem("merchant_monthly", x.loc[odd, "_row"], "txn_count", "MCH_COUNT_ZERO", x.loc[odd, "txn_count"],
                    "笔数为 0 但金额不为 0", "按当月有交易处理(金额照计)")
    attrs_in = [a for a in ATTRS if a in x.columns]
    mono = (x.assign(_c=code).sort_values(["_c", "month"], kind="stable").groupby("_c")[attrs_in].last()
            .reindex(range(n)))
    for a in ATTRS:
        if a not in mono.columns:
            spec = next(c for c in MERCHANT_COLUMNS if c.id == a)
            mono[a] = pd.Series(pd.NaT if spec.kind == "date" else pd.NA, index=mono.index,
                                dtype="datetime64[ns]" if spec.kind == "date" else "string")
    mono = mono[list(ATTRS)]
    if own is not None:
        have = own.assign(_c=ids.get_indexer(own["mch_id"])).set_index("_c")
        attrs = pd.DataFrame({a: (have[a].reindex(range(n)).where(lambda s: s.notna(), mono[a])
                                  if a in have.columns else mono[a]) for a in ATTRS})
    else:
        attrs = mono
    attrs.index = ids
    dtypes = {a: ("datetime64[ns]" if next(c for c in MERCHANT_COLUMNS if c.id == a).kind == "date" else "string")
              for a in ATTRS}
    return MerchantMonths(ids, months, amt, cnt, settle, row, attrs.astype(dtypes), future)


def whole_month_end(as_of: pd.Timestamp) -> pd.Period:
    """The last whole month at the data date: its own month when the data date is the month's last day, else
    the month before (月均 over whole months: E2's window, C4's 6 months)."""
    p = pd.Timestamp(as_of).to_period("M")
    return p if pd.Timestamp(as_of).is_month_end else p - 1


def month_ends(months: pd.PeriodIndex, as_of: pd.Timestamp) -> np.ndarray:
    """Each month's last day (datetime64), the data date's month ending on the data date."""
    ends = months.to_timestamp(how="end").normalize().to_numpy()
    return np.minimum(ends, pd.Timestamp(as_of).to_datetime64())


def known_volumes(mx: MerchantMonths, as_of: pd.Timestamp, missing_as_zero: bool = False
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(amt, cnt, before_open) with what the merchant columns say: a month ending before 入网日期 that has no
    row is known zero (the merchant did not exist; ``before_open`` n × m bool); with ``missing_as_zero`` every
    month without a row is zero. Other unknowns stay NaN (缺月不补 0, SCENARIOS.md §0.7)."""
    open_date = mx.attrs["open_date"].to_numpy(dtype="datetime64[ns]")
    before_open = month_ends(mx.months, as_of)[None, :] < open_date[:, None]  # NaT compares False
    fill = before_open & ~mx.row
    if missing_as_zero:
        fill |= ~mx.row
    amt, cnt = mx.amt.copy(), mx.cnt.copy()
    amt[fill], cnt[fill] = 0.0, 0.0
    return amt, cnt, before_open


def closed_merchants(attrs: pd.DataFrame, pattern: str) -> np.ndarray:
    """Bool (n): 商户状态 (``attrs["status"]``) matches the regex ``pattern`` (注销 / 解约 …); blank: not closed."""
    return has_pattern(attrs["status"].astype("string"), pattern).to_numpy(bool)


def merchant_identity(attrs: pd.DataFrame) -> pd.DataFrame:
    """The identity a merchant list shows, as a 客户 frame for :func:`bankxl.lists.score_list` (``customers=``):
    客户号 = 商户号, 证件号码 = 法人证件号 (masked by the list), 机构号 = 网点, 客户经理. ``attrs``: indexed by
    商户号 with legal_id, org_id, mgr_id."""
    return pd.DataFrame({"cust_id": attrs.index.astype("string"), "id_no": attrs["legal_id"].to_numpy(),
                         "org_id": attrs["org_id"].to_numpy(), "mgr_id": attrs["mgr_id"].to_numpy()})


def merchant_list(frame: pd.DataFrame, rules, levels, strategy, ctx, attrs: pd.DataFrame, **kw) -> ScoredList:
    """A merchant list (SCENARIOS.md §6, E1/E2/C4): :func:`bankxl.lists.score_list` with the identity of
    :func:`merchant_identity` (客户号 = 商户号; ``attrs`` indexed by 商户号) and the masked ID shown as
    法人证件号码 (the legal person's). ``frame`` / ``rules`` / ``levels`` / ``strategy`` / ``kw`` (sort_by, show,
    top, strategy_label …) as for score_list. Raises what score_list raises."""
    lst = score_list(frame, rules, levels, strategy, ctx, customers=merchant_identity(attrs), **kw)
    lst.df = lst.df.rename(columns={c: "法人" + c for c in lst.df.columns if str(c).startswith("证件号码")})
    return lst


def transition_table(prev: pd.Series, cur: pd.Series, states, corner: str, rows=None) -> pd.DataFrame:
    """Last month → this month counts (merchants): one column per state of ``cur`` in the order ``states``, one
    row per state of ``prev`` in the order ``rows`` (default ``states``; leave out a state last month cannot
    hold), the first column ``corner`` (the row labels), then 合计 per row. Integer counts; a merchant whose
    state is not among the rows / columns is not counted."""
    states = list(states)
    rows = states if rows is None else list(rows)
    m = pd.crosstab(prev, cur).reindex(index=rows, columns=states, fill_value=0)
    out = m.reset_index()
    out.columns = [corner, *states]
    out["合计"] = m.sum(axis=1).to_numpy()
    return out.astype({s: "int64" for s in states} | {"合计": "int64"})


def org_table(org: pd.Series, state: pd.Series, states) -> tuple[pd.DataFrame, pd.DataFrame]:
    """网点 × state counts: (table with 网点 (blank: (无网点)) and one integer column per state in the order
    ``states``, the crosstab itself on 网点 for further columns). Rows in 网点 order."""
    pv = pd.crosstab(org.astype("string").fillna("(无网点)"), state).reindex(columns=list(states), fill_value=0)
    out = pv.reset_index()
    out.columns = ["网点", *states]
    return out.astype({s: "int64" for s in states} | {"网点": "string"}), pv
