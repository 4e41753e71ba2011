"""Small frame helpers shared by the scenarios and the shared rules (lists, rules); imports no scenario.

* :func:`text_column` — a column as trimmed strings; :func:`flag_text` — a flag as 是/否 (or ✓) text, blank
  or 不可算 where unknown; :func:`join_values` — the (distinct) values of a column per key joined into one text;
  :func:`per_distinct` — a vectorised function run once per distinct value and taken back per row;
  :func:`stripped` / :func:`id_positions` — text trimmed (per distinct value, only when needed) and the position
  of each trimmed key in an index of keys (integer codes to group on);
* :func:`customer_columns` / :func:`identity_columns` / :func:`masked` / :func:`mask_label` — the customer
  columns of every list: 客户号 unmasked beside 客户名称/证件号码/手机号, masked when ``ctx.mask``
  (``bankxl.masking``), plus 机构号/客户经理 on request;
* :func:`customer_ages` / :func:`age_from_birth` — age in whole years at the data date;
* :func:`active_deposits` / :func:`active_deposit_mask` — the time deposits that still hold money in the
  data's currency (closed accounts, zero/negative balances and other currencies left out, with notes);
* :func:`coded_columns` — a table's key (客户号) as sorted integer codes plus the columns a computation uses, from a
  pandas frame or from a table read through DuckDB (computed there: the key's text per row never in pandas).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import idcard
from .coerce import currency_codes, has_space
from .masking import mask_field, mask_id, mask_name, mask_phone
from .rules.identity import by_cust_id

if TYPE_CHECKING:  # pragma: no cover
    from .scenario import RunContext


def text_column(df: pd.DataFrame, col: str) -> pd.Series:
    """Column ``col`` of ``df`` as trimmed pandas strings, missing values as ``""``; a column of ``""`` (same
    index) when ``df`` has no such column."""
    if col not in df.columns:
        return pd.Series("", index=df.index, dtype="string")
    return stripped(df[col]).fillna("")  # trimmed per distinct value, only when some value needs it


def flag_text(flags: pd.Series, known: pd.Series | bool = True, yes: str = "是", no: str = "否",
              unknown: Any = pd.NA) -> pd.Series:
    """A flag column as the text a list shows: ``yes`` where set, ``no`` where not set or blank, ``unknown``
    where the factor is not known — ``known`` one bool for the whole column (the data do not hold it) or a
    bool Series on ``flags.index`` (per row). Returns a ``string`` Series on ``flags.index``."""
    ok = known.to_numpy(dtype=bool) if isinstance(known, pd.Series) else np.full(len(flags), bool(known))
    met = flags.fillna(False).to_numpy(dtype=bool)
    return pd.Series(np.where(ok, np.where(met, yes, no), unknown), index=flags.index, dtype="string")


def join_values(keys: pd.Series | pd.DataFrame, values: pd.Series, *, sep: str = "、", order: str = "sorted",
                distinct: bool = True, limit: int | None = None, more: str = " 等") -> pd.Series:
    """Per key, its values joined into one text: e.g. the 产品种类 of each customer as ``定期、理财``.

    ``keys``: a Series (one key) or a DataFrame (several key columns), positionally aligned with ``values``
    (any dtype, shown as text). Rows whose value or any key is missing are left out. ``order``: ``"sorted"``
    (values in code-point order, as Python's ``sorted``) or ``"first"`` (order of the rows as given: sort the
    rows first, e.g. by amount). ``distinct``: each value once per key (else every row's value). ``limit``:
    at most that many values per key, then ``more`` is appended (``{n}`` in it = the key's number of values
    before the cut: ``" 等 {n} 笔"``).
    Returns a ``string`` Series indexed by the keys that have a value (sorted; a MultiIndex for several key
    columns, named like them). Vectorised: the (key, value) pairs are factorised and sorted once, then all
    texts are built by one string join and one split, not per key. Raises ValueError for a bad ``order``.
    """
    if order not in ("sorted", "first"):
        raise ValueError(f"order must be 'sorted' or 'first', not {order!r}")
    kf = keys.to_frame() if isinstance(keys, pd.Series) else keys
    vals = pd.Series(values.to_numpy(), dtype="string") if not isinstance(values.dtype, pd.StringDtype) else \
        pd.Series(values.to_numpy(), dtype=values.dtype)
    ok = vals.notna().to_numpy() & kf.notna().all(axis=1).to_numpy()
    kx = kf[ok]
    if isinstance(keys, pd.Series):
        kc, kuniq = pd.factorize(kx.iloc[:, 0], sort=True)
        kidx = pd.Index(kuniq, name=keys.name)
    else:
        g = kx.groupby(list(kx.columns), sort=True, observed=True)
        kc, kidx = g.ngroup().to_numpy(), g.size().index
    vc, vuniq = pd.factorize(vals[ok], sort=order == "sorted")
    kc, vc = np.asarray(kc, dtype="int64"), np.asarray(vc, dtype="int64")
    if distinct:
        pair = kc * max(len(vuniq), 1) + vc
        if order == "sorted":
            pair = np.unique(pair)
            k, v = pair // max(len(vuniq), 1), pair % max(len(vuniq), 1)
        else:
            _, first = np.unique(pair, return_index=True)
            first = first[np.lexsort((first, kc[first]))]  # by key, then first appearance
            k, v = kc[first], vc[first]
    else:
        rows = np.lexsort((vc, kc)) if order == "sorted" else np.argsort(kc, kind="stable")
        k, v = kc[rows], vc[rows]
    if not len(k):
        empty = kidx[:0]
        return pd.Series([], index=empty, dtype="string")
    starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
    counts = np.diff(np.r_[starts, len(k)])
    heads = kidx[k[starts]]
    if limit is not None:
        pos = np.arange(len(k)) - np.repeat(starts, counts)
        cut = pos < limit
        k, v = k[cut], v[cut]
    text = np.asarray(vuniq, dtype=object)[v]
    last = np.r_[k[1:] != k[:-1], True]
    for mark in ("\x1f", "\x1e", "\x1d", "\x00"):  # a separator of groups that no value contains
        parts = np.empty(2 * len(k), dtype=object)
        parts[0::2] = text
        parts[1::2] = np.where(last, mark, sep)
        joined = "".join(parts.tolist())
        if joined.count(mark) == len(starts):
            break
    else:  # pragma: no cover - every control character above occurs in the values
        raise ValueError("values contain every group separator")
    out = pd.Series(joined.split(mark)[:-1], index=heads, dtype="string")
    if limit is not None and (counts > limit).any():
        over = counts > limit
        pre, _, post = more.partition("{n}")
        tail = pre + pd.Series(counts.astype(str), index=out.index, dtype="string") + post if "{n}" in more else more
        out = out.where(~over, out + tail)
    return out


def per_distinct(values: pd.Series, fn: Any) -> pd.Series:
    """``fn`` (a vectorised function Series -> Series of the same length, e.g. a date's ``yyyy-mm`` text or a
    label) run once on the distinct values of ``values`` (a missing value is one of them) and taken back per
    row: a Series on ``values``' index with ``fn``'s dtype. For columns that repeat (dates, terms, product
    names): a string operation over a million rows becomes one over their few thousand distinct values."""
    codes, uniq = pd.factorize(values, use_na_sentinel=False)
    res = fn(pd.Series(uniq, dtype=values.dtype))
    return pd.Series(res.to_numpy()[codes] if len(codes) else res.to_numpy()[:0], index=values.index,
                     dtype=res.dtype)


def stripped(values: pd.Series) -> pd.Series:
    """``values`` as ``string`` with surrounding whitespace trimmed (``str.strip``; missing stays ``<NA>``), same
    index and name. Cheap when nothing needs trimming (the usual export: one regex pass over the joined text,
    :func:`bankxl.coerce.has_space`); otherwise the trim runs once per distinct value (:func:`per_distinct`),
    not per row."""
    s = values.astype("string")
    arr = s.to_numpy(dtype=object, na_value="")
    if not has_space(arr):
        return s
    return per_distinct(s, lambda u: u.str.strip()).rename(s.name)


def id_positions(values: pd.Series, ids: pd.Index) -> np.ndarray:
    """Position (int64) in ``ids`` (distinct trimmed keys, e.g. 客户号) of each of ``values`` after trimming
    (:func:`stripped`); -1 where the value is missing or not in ``ids``: group on these codes (``np.bincount``)
    instead of on the text."""
    return ids.get_indexer(stripped(values)).astype(np.int64, copy=False)


# ============================================================================ customer / masking columns
#: identity fields of the customer lists: canonical column -> (Chinese header, masking function)
IDENTITY_FIELDS: dict[str, tuple[str, Any]] = {
    "cust_name": ("客户名称", mask_name),
    "id_no": ("证件号码", mask_id),
    "phone": ("手机号", mask_phone),
}
#: non-sensitive customer attributes a list may add after the identity columns
EXTRA_FIELDS: dict[str, str] = {"org_id": "机构号", "mgr_id": "客户经理"}


def mask_label(zh: str, ctx: RunContext) -> str:
    """Header of a maskable column: ``客户名称(脱敏)`` when ``ctx.mask``, else ``客户名称``."""
    return f"{zh}(脱敏)" if ctx.mask else zh


def masked(values: pd.Series, field: str, ctx: RunContext) -> pd.Series:
    """``values`` (any dtype) of canonical column ``field`` (cust_name / id_no / phone / address / acct_no /
    cpty_name …, :data:`bankxl.masking.PERSONAL_FIELDS`) as a ``string`` Series, masked per ``ctx.mask`` and,
    for the customer's own account numbers, ``ctx.mask_accounts`` (:func:`bankxl.masking.mask_field`); same
    index; missing stays ``<NA>``."""
    return mask_field(values.astype("string"), field, ctx.mask, ctx.mask_accounts)


def identity_columns(info: pd.DataFrame, ctx: RunContext, fields: Sequence[str] = tuple(IDENTITY_FIELDS),
                     keep_empty: bool = False) -> pd.DataFrame:
    """The identity columns of a list from a frame already aligned with the list's rows.

    ``info``: one row per list row with some of the columns ``fields`` (cust_name, id_no, phone). Returns a
    frame with a RangeIndex (positional, same length as ``info``) and one column per field, headed
    客户名称/证件号码/手机号 (+ ``(脱敏)`` and masked when ``ctx.mask``), dtype ``string``. A field missing from
    ``info`` or without any value is left out (data without names, e.g. Berka/UCI, get no empty columns)
    unless ``keep_empty`` (then it is a column of ``<NA>``).
    """
    out = pd.DataFrame(index=pd.RangeIndex(len(info)))
    for f in fields:
        zh = IDENTITY_FIELDS[f][0]
        if f in info.columns:
            v = pd.Series(info[f].to_numpy(), dtype="string")
        elif keep_empty:
            v = pd.Series(pd.NA, index=out.index, dtype="string")
        else:
            continue
        if keep_empty or v.notna().any():
            out[mask_label(zh, ctx)] = masked(v, f, ctx).to_numpy()
    return out


def customer_columns(ids: pd.Series | pd.Index | Sequence, customers: pd.DataFrame | None, ctx: RunContext, *,
                     fields: Sequence[str] = tuple(IDENTITY_FIELDS), extra: Sequence[str] = (),
                     keep_empty: bool = False) -> pd.DataFrame:
    """客户号 (unmasked, first) + the identity columns + the ``extra`` columns for the customers ``ids``.

    ``ids``: customer numbers in list order. ``customers``: the 客户 table (cust_id + cust_name/id_no/phone/
    org_id/mgr_id; None or empty = no details); looked up by 客户号 through
    :func:`bankxl.rules.identity.by_cust_id` (first row per customer).
    Returns a frame with a RangeIndex aligned positionally with ``ids``: 客户号 (string, as given), then
    客户名称/证件号码/手机号 (masked per ``ctx.mask``, see :func:`identity_columns`), then 机构号/客户经理 for
    ``extra`` in {"org_id", "mgr_id"}. Columns without any value are left out unless ``keep_empty``.
    """
    idv = pd.Series(list(ids) if not isinstance(ids, pd.Series) else ids.to_numpy(), dtype="string")
    key = idv.fillna("").str.strip()
    out = pd.DataFrame({"客户号": idv})
    c = by_cust_id(customers if customers is not None and len(customers) else None)

    def col(name: str) -> pd.Series:
        if name in c.columns:
            return pd.Series(key.map(c[name].astype("string")).to_numpy(), dtype="string")
        return pd.Series(pd.NA, index=out.index, dtype="string")

    info = pd.DataFrame({f: col(f) for f in fields if f in c.columns})
    ident = identity_columns(info if len(info.columns) else pd.DataFrame(index=out.index), ctx, fields, keep_empty)
    for h in ident.columns:
        out[h] = ident[h].to_numpy()
    for f in extra:
        v = col(f).str.strip().replace("", pd.NA)
        if keep_empty or v.notna().any():
            out[EXTRA_FIELDS[f]] = v
    return out


# ============================================================================ ages
def age_from_birth(birth: pd.Series, as_of: Any) -> pd.Series:
    """Age in whole years on ``as_of`` from birth dates: ``as_of.year − birth.year − (birthday not yet
    reached)`` — the rule of :func:`bankxl.idcard.age_at` (a 29 February birthday is reached on 1 March in
    non-leap years). ``birth``: datetime-like Series. Returns float64 (NaN where the date is missing or
    after ``as_of``), same index."""
    as_of = pd.Timestamp(as_of)
    b = pd.to_datetime(birth, errors="coerce")
    before = (b.dt.month > as_of.month) | ((b.dt.month == as_of.month) & (b.dt.day > as_of.day))
    age = (as_of.year - b.dt.year - before.astype("float64")).astype("float64")
    return age.where(b.notna() & (b <= as_of))


def customer_ages(customers: pd.DataFrame, as_of: Any) -> pd.Series:
    """Age in whole years at ``as_of`` per row of ``customers`` (same index, float64, NaN unknown).

    Sources in order: ``birth_date`` (:func:`age_from_birth`); the ID number ``id_no``
    (:func:`bankxl.idcard.age_at`, valid IDs only); an ``age`` column (a dataset's stated age, e.g. UCI).
    """
    out = pd.Series(np.nan, index=customers.index, dtype="float64")
    if "birth_date" in customers.columns:
        out = age_from_birth(customers["birth_date"], as_of)
    if "id_no" in customers.columns and out.isna().any() and customers["id_no"].notna().any():
        out = out.fillna(idcard.age_at(customers["id_no"].astype("string"), as_of).astype("float64"))
    if "age" in customers.columns:
        out = out.fillna(pd.to_numeric(customers["age"], errors="coerce").astype("float64"))
    return out


# ============================================================================ time deposits
#: 状态 values of a closed time deposit (regex)
CLOSED_STATUS = r"销户|结清|注销|关闭|已支取|撤销"
def active_deposit_mask(td: pd.DataFrame, currency: str) -> tuple[pd.Series, list[str]]:
    """Which rows of ``time_deposits`` still hold money in the data's currency, and notes on the others.

    ``td``: time deposits (balance; optional status, ccy). Left out, in this order: status matching
    :data:`CLOSED_STATUS` (销户/结清…); balance 0, negative or empty; currency (``ccy``, blank = the data's
    currency) other than ``currency`` (compared as ISO codes via :func:`bankxl.coerce.currency_codes`, so
    人民币/RMB/156/本币 are CNY) — never converted silently.
    Returns (bool Series on ``td.index``, notes in Chinese, one per kind of exclusion present).
    """
    notes: list[str] = []
    status = td["status"] if "status" in td.columns else pd.Series(pd.NA, index=td.index, dtype="string")
    closed = status.astype("string").str.contains(CLOSED_STATUS, regex=True).fillna(False).astype(bool)
    if closed.any():
        notes.append(f"状态为销户/结清等的 {int(closed.sum())} 笔已剔除(不再有到期资金)。")
    bal = pd.to_numeric(td["balance"], errors="coerce").astype("float64") if "balance" in td.columns \
        else pd.Series(np.nan, index=td.index)
    zero = ~(bal > 0)
    zero_only = zero & ~closed
    if zero_only.any():
        notes.append(f"余额为 0、为负或为空的 {int(zero_only.sum())} 笔未计入(负数余额见数据问题 NEG_BALANCE)。")
    ccy_raw = td["ccy"].astype("string") if "ccy" in td.columns else pd.Series(pd.NA, index=td.index, dtype="string")
    ccy = pd.Series(currency_codes(ccy_raw.str.strip().replace("", pd.NA)), index=td.index).fillna(currency)
    foreign = ccy.ne(currency.upper()) & ~closed & ~zero
    if foreign.any():
        by = pd.DataFrame({"ccy": ccy_raw[foreign], "b": bal[foreign]}).groupby("ccy", dropna=False)["b"].agg(
            ["size", "sum"])
        desc = "; ".join(f"{k}: {int(r['size'])} 笔, 余额 {r['sum']:,.2f}" for k, r in by.iterrows())
        notes.append(f"非 {currency} 币种的存款未计入(未做汇率折算, 不静默换算): {desc}。")
    return (~closed & ~zero & ~foreign).astype(bool), notes


def active_deposits(td: pd.DataFrame, currency: str) -> tuple[pd.DataFrame, list[str]]:
    """The rows of ``td`` kept by :func:`active_deposit_mask` (same columns and index; ``td`` untouched)
    and the notes."""
    keep, notes = active_deposit_mask(td, currency)
    return td[keep.to_numpy()], notes


# ============================================================================ coded columns
@dataclass(frozen=True)
class Coded:
    """A table's rows with its key as integer codes (made by :func:`coded_columns`).

    * ``codes``: int64 array, one per row in row (file) order: the position of the row's key in ``keys``;
      -1 where the key is missing (<NA>) or blank (``""``) — such a row belongs to no key.
    * ``keys``: the distinct keys present (not missing, not blank), sorted in code-point order (= Python's
      ``sorted`` = UTF-8 byte order), ``string`` Index named after the key column: ``codes`` and ``keys`` are
      exactly ``pandas.factorize(key, sort=True)`` of the same values with blank also -1.
    * ``frame``: the other columns asked for, in row order (index 0..n-1) with the loader's dtypes (money
      float64, dates datetime64[ns], text ``string``, ``_row`` Int64); a column asked for as categorical is a
      pandas ``Categorical`` whose categories are its distinct non-missing values sorted the same way
      (``string``), a missing value code -1 — the same values as the text column, held as small codes.
    """

    codes: np.ndarray
    keys: pd.Index
    frame: pd.DataFrame

    def __len__(self) -> int:
        return len(self.codes)

    def select(self, mask: Any) -> "Coded":
        """The rows where ``mask`` (bool, one per row) is true, with the codes renumbered to the keys those rows
        still hold (= :func:`coded_columns` of the kept rows: ``factorize(sort=True)`` of their keys); a
        categorical column keeps its categories."""
        mask = np.asarray(mask, dtype=bool)
        codes = self.codes[mask]
        present = np.bincount(codes[codes >= 0], minlength=len(self.keys)) > 0
        remap = np.where(present, np.cumsum(present) - 1, -1)
        new = np.where(codes >= 0, remap[np.maximum(codes, 0)], -1).astype(np.int64, copy=False)
        return Coded(new, self.keys[present], self.frame[mask].reset_index(drop=True))


def coded_columns(table: Any, key: str, columns: Sequence[str] = (), *, categorical: Sequence[str] = ()) -> Coded:
    """``table``'s key column ``key`` (e.g. ``cust_id`` 客户号) as integer codes + its sorted distinct keys, and
    the ``columns`` the caller uses, in row order (:class:`Coded`) — what a per-customer computation needs to
    group with ``np.bincount`` / matrices without the key's text per row.

    ``table``: a typed pandas frame (loaded / conformed) or a table read through DuckDB
    (:class:`bankxl.engine.inputs.DuckTable`, also a ``.loc`` selection of it): then the codes, the distinct keys
    and the categorical codes are computed in DuckDB (DISTINCT keys ranked in ``COLLATE C`` = byte order, joined
    back) and only integer codes, the distinct keys and the asked columns come to pandas — the key's text per
    row never does. Both give identical results. ``columns``: column ids of the table (``_row`` allowed);
    ``categorical``: those of ``columns`` to return as ``Categorical`` (low-cardinality text: 机构号, 客户经理).
    Raises KeyError for a column the table does not have."""
    if hasattr(table, "coded"):  # bankxl.engine.inputs.DuckTable: computed in DuckDB
        codes, keys, frame = table.coded(key, list(columns), list(categorical))
        return Coded(codes, pd.Index(keys, dtype="string", name=key), frame)
    codes, keys = _sorted_codes(table[key])
    out = {}
    for c in columns:
        s = table[c]
        if c in categorical:
            cc, cats = pd.factorize(s.astype("string"), sort=True)
            out[c] = pd.Categorical.from_codes(cc, categories=pd.Index(cats, dtype="string"))
        else:
            out[c] = s.array
    frame = pd.DataFrame(out, index=pd.RangeIndex(len(codes)))
    return Coded(codes, pd.Index(keys, dtype="string", name=key), frame)


def _sorted_codes(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """(codes int64, keys) of ``values``: ``factorize(sort=True)`` with a missing or blank (``""``) key -1."""
    codes, uniq = pd.factorize(values.astype("string"), sort=True)
    codes = codes.astype(np.int64, copy=False)
    keys = pd.Index(uniq, dtype="string")
    if len(keys) and keys[0] == "":  # "" sorts first
        codes = np.where(codes > 0, codes - 1, -1)
        keys = keys[1:]
    return codes, keys
