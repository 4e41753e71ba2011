"""Customer identity: one rule for the product (list matching, the cross-scenario view, every scenario).

Identifiers, strongest first (the **key order**):

1. 证件号 — the identity number normalised to 18 digits (:func:`id_key`: cleaned, 15-digit numbers upgraded
   by :func:`bankxl.idcard.to_18`) where it is valid (:func:`bankxl.idcard.is_valid`). An invalid, corrupt
   (ID_CORRUPT: ``3.40524E+17``, a number that lost digits), or missing ID is no key and never matches —
   also not when two rows hold the same broken text.
2. 客户号 — ``cust_id``, trimmed.
3. 姓名+手机号 — for a list without 客户号: the names agree and the phones agree, comparing masked values
   only where both show a character (``138****5678`` agrees with ``13812345678``), with at least
   :data:`MIN_SHOWN_DIGITS` phone digits shown on both sides and the last 4 digits shown on both.

:func:`match` decides each pair of rows (left, right) by the **first key both rows hold**: two valid IDs
decide alone (equal → same customer, different → not, even with the same 客户号); else two 客户号; else name
+ phone. Pairs that share an ID but whose names disagree (both known), and pairs that share a 客户号 but
hold different valid IDs, are **conflicts**: listed, never merged. :func:`customer_key` gives each row of
one table its strongest key. :func:`persons` applies the same order inside one bank's 客户 table: 客户号 of
one person (the same valid ID, e.g. a 15-digit and an 18-digit 证件号) are one customer, so a scenario
keyed by 客户号 (holdings, loans) counts them once (:meth:`Persons.of`). :func:`match_list` matches an
external list (ETC sign-ups, 公积金/机关事业单位 lists) to the bank's persons by the same rule and gives each
row a result class — 内外都有 / 仅内部 / 仅外部(新客) / 冲突 (SCENARIOS.md C1 名单交叉) — with the key that
matched, the conflicts listed, and the counts per branch (:meth:`ListMatch.counts`). Everything is
vectorised (merges and numpy, no per-row Python).

Canonical columns read (each optional): ``id_no``, ``cust_id``, ``cust_name``, ``phone``.
"""
from __future__ import annotations

import weakref
from typing import NamedTuple

import numpy as np
import pandas as pd

from .. import idcard
from ..coerce import has_space
from ..masking import plain_rows

#: ``matched_on`` values of :func:`match`, in key order
BY_ID, BY_CUST, BY_NAME_PHONE = "证件号", "客户号", "姓名+手机号"
#: phone digits that must be shown on both sides of a name + phone match (3 + 4 of ``138****5678``)
MIN_SHOWN_DIGITS = 7
#: conflict reasons of :func:`match`
CONFLICT_NAME, CONFLICT_ID = "证件号相同, 姓名不同", "客户号相同, 证件号不同"
_MASK = "*"
_MASK_CHARS = r"[*＊×xX●•]"


def id_key(ids: pd.Series) -> pd.Series:
    """The 证件号 key: ``ids`` (any dtype) normalised to 18 digits where valid, else ``<NA>``. ``string``
    Series, same index. ``340524800101001`` and ``34052419800101001X`` give ``34052419800101001X``."""
    ids = ids.astype("string") if not isinstance(ids.dtype, pd.StringDtype) else ids
    return idcard.valid_18(ids)  # to_18 where is_valid, one parse


#: code-point ranges (inclusive) a name may consist of and be left unchanged by :func:`name_text`: CJK Unified
#: Ideographs (no NFKC decomposition), ASCII letters and the middle dot of transcribed names (阿依古丽·买买提)
_PLAIN_NAME = ((0x4E00, 0x9FFF), (0x41, 0x5A), (0x61, 0x7A), (0xB7, 0xB7))
_PLAIN_PHONE = ((0x30, 0x39),)  # ASCII digits


def _normalise_rest(t: pd.Series, plain: np.ndarray, passes) -> pd.Series:
    """``passes(t)`` applied to the rows of ``t`` that are not ``plain`` (plain rows kept as they are), then
    empty text as ``<NA>``; a ``string`` Series, same index."""
    if plain.all():
        return t.astype("string")
    rest = passes(t[~plain])
    out = t.astype("string")
    out[~plain] = rest.to_numpy(dtype=object, na_value=pd.NA)  # by position
    return out.mask(out.str.len() == 0)


def _phone_passes(t: pd.Series) -> pd.Series:
    t = t.str.normalize("NFKC").str.replace(_MASK_CHARS, _MASK, regex=True)
    return t.str.replace(r"[^0-9*]", "", regex=True).str.replace(r"^(?:0086|86)([0-9*]{11})$", r"\1", regex=True)


def _name_passes(t: pd.Series) -> pd.Series:
    return t.str.normalize("NFKC").str.replace(r"\s+", "", regex=True).str.replace(r"[*＊●•]", _MASK, regex=True)


def phone_text(phones: pd.Series) -> pd.Series:
    """Phones compared as digits and ``*``: NFKC, mask characters (＊ × x ●) as ``*``, separators dropped, a
    leading +86/0086/86 before an 11-character mobile number removed; ``<NA>`` when nothing is left.
    ``string`` Series, same index. 11 ASCII digits are already in that form and skip the regex passes."""
    t = phones.astype("string")
    return _normalise_rest(t, plain_rows(t, _PLAIN_PHONE, length=11), _phone_passes)


def name_text(names: pd.Series) -> pd.Series:
    """Names compared as NFKC text without whitespace, mask characters as ``*``; ``<NA>`` when empty.
    ``string`` Series, same index. Names of CJK ideographs / ASCII letters / ``·`` only (:data:`_PLAIN_NAME`)
    are already in that form and skip the regex passes."""
    t = names.astype("string")
    return _normalise_rest(t, plain_rows(t, _PLAIN_NAME), _name_passes)


def _compare(a: pd.Series, b: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Position-wise comparison of two aligned string Series (``*`` = hidden): (consistent, shown) where
    consistent = both present, same length, and equal wherever both show a character; shown = how many
    positions both show. numpy over a (n, width) code-point matrix."""
    a = a.reset_index(drop=True).astype("string")
    b = b.reset_index(drop=True).astype("string")
    la = a.str.len().fillna(0).to_numpy(dtype=np.int64)
    lb = b.str.len().fillna(0).to_numpy(dtype=np.int64)
    width = int(max(la.max(initial=0), lb.max(initial=0), 1))
    ua = a.fillna("").to_numpy(dtype=object).astype(f"U{width}").view(np.uint32).reshape(-1, width)
    ub = b.fillna("").to_numpy(dtype=object).astype(f"U{width}").view(np.uint32).reshape(-1, width)
    star = ord(_MASK)
    both = (ua != star) & (ub != star) & (ua != 0) & (ub != 0)
    consistent = (la == lb) & (la > 0) & ~(both & (ua != ub)).any(axis=1)
    return consistent, both.sum(axis=1)


def phones_agree(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Bool array (positional): the phones (:func:`phone_text` applied here) agree where both show digits and
    both show at least :data:`MIN_SHOWN_DIGITS` of the same positions."""
    ok, shown = _compare(phone_text(a), phone_text(b))
    return ok & (shown >= MIN_SHOWN_DIGITS)


def _names_agree(a: pd.Series, b: pd.Series) -> np.ndarray:
    ok, shown = _compare(a, b)
    return ok & (shown >= 1)


def _frame(df: pd.DataFrame, phones: bool = True) -> pd.DataFrame:
    """The identity columns of ``df`` by position: id (key), cust, name, phone, block (surname + last 4
    phone digits, for the name + phone join). ``phones=False`` (:func:`persons`, which does not read them):
    phone and block left blank."""
    n = len(df)
    col = (lambda c: df[c] if c in df.columns and (phones or c != "phone")
           else pd.Series(pd.NA, index=df.index, dtype="string"))
    cust = col("cust_id").astype("string").str.strip().replace("", pd.NA)  # any list: trimmed here
    f = pd.DataFrame({"pos": np.arange(n), "id": id_key(col("id_no")).to_numpy(),
                      "cust": cust.astype("string").to_numpy(), "name": name_text(col("cust_name")).to_numpy(),
                      "phone": phone_text(col("phone")).to_numpy()})
    f = f.astype({"id": "string", "cust": "string", "name": "string", "phone": "string"})
    last4 = f["phone"].str.slice(-4)
    head = f["name"].str.slice(0, 1)
    f["block"] = (head + "|" + last4).where(plain_rows(last4, _PLAIN_PHONE, length=4)  # 4 ASCII digits
                                             & head.ne(_MASK).fillna(False).to_numpy(dtype=bool))
    return f


class Matches(NamedTuple):
    """Result of :func:`match`. ``pairs``: left_index, right_index (labels of the inputs' indexes),
    matched_on (:data:`BY_ID` / :data:`BY_CUST` / :data:`BY_NAME_PHONE`). ``conflicts``: left_index,
    right_index, reason (:data:`CONFLICT_NAME` / :data:`CONFLICT_ID`) — listed, not matched."""

    pairs: pd.DataFrame
    conflicts: pd.DataFrame


def match(left: pd.DataFrame, right: pd.DataFrame) -> Matches:
    """Which rows of ``left`` and ``right`` are the same customer (rule: module docstring).

    ``left``/``right``: frames with any of id_no, cust_id, cust_name, phone (unmodified). Returns
    :class:`Matches`; a row may match several rows of the other side (duplicates are not merged here).
    Pairs are sorted by left position, key order, right position.
    """
    p, c = _match(_frame(left), _frame(right))
    keys = np.array([BY_ID, BY_CUST, BY_NAME_PHONE], dtype=object)
    pair_frame = pd.DataFrame({"left_index": left.index[p["pos_l"].to_numpy(dtype=np.int64)],
                               "right_index": right.index[p["pos_r"].to_numpy(dtype=np.int64)],
                               "matched_on": pd.array(keys[p["on"].to_numpy(dtype=np.int64)], dtype="string")})
    conflict_frame = pd.DataFrame({"left_index": left.index[c["pos_l"].to_numpy(dtype=np.int64)],
                                   "right_index": right.index[c["pos_r"].to_numpy(dtype=np.int64)],
                                   "reason": pd.array(c["reason"].to_numpy(dtype=object), dtype="string")})
    return Matches(pair_frame, conflict_frame)


def _match(lf: pd.DataFrame, rf: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`match` on two identity frames (:func:`_frame`), by position: (pairs pos_l, pos_r, on = 0/1/2 for
    :data:`BY_ID` / :data:`BY_CUST` / :data:`BY_NAME_PHONE`, sorted by pos_l, on, pos_r; conflicts pos_l,
    pos_r, reason, sorted by pos_l, pos_r)."""
    pairs, conflicts = [], []

    by_id = lf[lf["id"].notna()].merge(rf[rf["id"].notna()], on="id", suffixes=("_l", "_r"))
    clash = (by_id["name_l"].notna() & by_id["name_r"].notna()).to_numpy() \
        & ~_names_agree(by_id["name_l"], by_id["name_r"])
    pairs.append(by_id.loc[~clash, ["pos_l", "pos_r"]].assign(on=0))
    conflicts.append(by_id.loc[clash, ["pos_l", "pos_r"]].assign(reason=CONFLICT_NAME))

    by_cust = lf[lf["cust"].notna()].merge(rf[rf["cust"].notna()], on="cust", suffixes=("_l", "_r"))
    two_ids = by_cust["id_l"].notna() & by_cust["id_r"].notna()
    pairs.append(by_cust.loc[~two_ids, ["pos_l", "pos_r"]].assign(on=1))
    conflicts.append(by_cust.loc[two_ids & (by_cust["id_l"] != by_cust["id_r"]), ["pos_l", "pos_r"]]
                     .assign(reason=CONFLICT_ID))

    by_np = lf[lf["block"].notna()].merge(rf[rf["block"].notna()], on="block", suffixes=("_l", "_r"))
    undecided = ~(by_np["id_l"].notna() & by_np["id_r"].notna()) & ~(by_np["cust_l"].notna() & by_np["cust_r"].notna())
    by_np = by_np[undecided.to_numpy()]
    same = _names_agree(by_np["name_l"], by_np["name_r"]) & phones_agree(by_np["phone_l"], by_np["phone_r"])
    pairs.append(by_np.loc[same, ["pos_l", "pos_r"]].assign(on=2))

    p = pd.concat(pairs, ignore_index=True).sort_values(["pos_l", "on", "pos_r"], kind="stable")
    c = pd.concat(conflicts, ignore_index=True).sort_values(["pos_l", "pos_r"], kind="stable")
    return p, c


def customer_key(df: pd.DataFrame) -> pd.Series:
    """Each row's strongest identifier as one text key (``string`` Series, same index): ``证件号:<18 digits>``
    (valid IDs only), else ``客户号:<cust_id>``, else ``姓名手机号:<name>|<phone>`` (both present; the phone as
    :func:`phone_text`), else ``<NA>``. For grouping the rows of ONE table; to join two tables use
    :func:`match` (a key held on one side only is compared there by the next key both hold)."""
    return _key(_frame(df), df.index)


def _key(f: pd.DataFrame, index: pd.Index) -> pd.Series:
    """:func:`customer_key` of an identity frame (:func:`_frame`), on ``index``."""
    key = ("证件号:" + f["id"]).fillna("客户号:" + f["cust"]).fillna("姓名手机号:" + f["name"] + "|" + f["phone"])
    return pd.Series(key.to_numpy(), index=index, dtype="string")


def by_cust_id(customers: pd.DataFrame | None) -> pd.DataFrame:
    """The customer table keyed by 客户号: ``customers`` indexed by the trimmed ``cust_id`` (string), first
    row per customer kept, rows without 客户号 dropped; no rows for None (no columns either) or no cust_id.
    The within-bank join every scenario uses to look up a customer's name, flags or dates."""
    if customers is None:
        return pd.DataFrame(index=pd.Index([], dtype="string", name="cust_id"))
    if "cust_id" not in customers.columns:
        return customers.iloc[:0].set_axis(pd.Index([], dtype="string", name="cust_id"), axis=0)
    # conformed frames hold trimmed strings already; a hand-built frame (Python API) may not: trim once here,
    # and only when some 客户号 holds whitespace (one pass over the joined text, not a strip per row)
    k = customers["cust_id"].astype("string")
    if has_space(k.to_numpy(dtype=object, na_value="")):
        k = k.str.strip()
    k = k.fillna("")
    out = customers.set_axis(pd.Index(k, name="cust_id"), axis=0)
    return out[(k != "").to_numpy() & ~out.index.duplicated(keep="first")]


class Persons(NamedTuple):
    """Result of :func:`persons`.

    ``person``: ``string`` Series indexed by 客户号 (name ``cust_id``) -> the 客户号 that stands for the person;
    only 客户号 merged into another one appear. ``conflicts``: cust_id, other (another 客户号, or the same one
    for two IDs under one 客户号), reason (:data:`CONFLICT_NAME` / :data:`CONFLICT_ID`) — listed, not merged.
    """

    person: pd.Series
    conflicts: pd.DataFrame

    def of(self, ids: pd.Series) -> pd.Series:
        """``ids`` (客户号, any index) with every merged 客户号 replaced by the one standing for its person;
        others unchanged (``ids`` itself when nothing was merged). ``string`` Series, same index."""
        if not len(self.person):
            return ids
        ids = ids.astype("string")
        return ids.map(self.person).fillna(ids).astype("string")

    def notes(self) -> list[str]:
        """说明 lines (中文) on the merges and conflicts, with up to 5 examples each; [] when none."""
        out = []
        if len(self.person):
            ex = "、".join(f"{a}→{b}" for a, b in self.person.head(5).items())
            out.append(f"同一证件号(15 位升为 18 位后相同)的 {len(self.person):,} 个客户号已并入 "
                       f"{self.person.nunique():,} 位客户, 以最小的客户号代表并合并计算(如 {ex})。")
        if len(self.conflicts):
            c = self.conflicts.head(5)
            ex = "、".join(f"{a}/{b}({r})" for a, b, r in zip(c["cust_id"], c["other"], c["reason"]))
            out.append(f"客户身份冲突 {len(self.conflicts):,} 处未合并(如 {ex}), 请核对客户表。")
        return out


def persons(customers: pd.DataFrame | None) -> Persons:
    """Which 客户号 of one bank's 客户 table are the same person (key order of the module docstring).

    ``customers``: the conformed 客户 table (cust_id, id_no, optional cust_name). A 客户号 holds its first
    valid normalised ID (:func:`id_key`; invalid, corrupt and missing IDs are no key and never merge); a
    客户号 whose rows hold two different valid IDs keeps its first and is a :data:`CONFLICT_ID` conflict.
    客户号 holding the same ID are one person, represented by the smallest 客户号 of the group — except a
    客户号 whose name (both known, :func:`name_text`) disagrees with the representative's: not merged, a
    :data:`CONFLICT_NAME` conflict. Rows without 客户号 are left out (nothing keyed by 客户号 can reach them).
    Returns :class:`Persons`; vectorised (sort + groupby), ``customers`` untouched.
    """
    if customers is None or not len(customers) or "cust_id" not in customers.columns \
            or "id_no" not in customers.columns:
        return _no_persons()
    return _persons(_frame(customers, phones=False))


def _no_persons() -> Persons:
    return Persons(pd.Series([], index=pd.Index([], dtype="string", name="cust_id"), dtype="string"),
                   pd.DataFrame({c: pd.Series([], dtype="string") for c in ("cust_id", "other", "reason")}))


def _persons(g: pd.DataFrame) -> Persons:
    """:func:`persons` of the 客户 table's identity frame (:func:`_frame`: cust, id, name by position)."""
    has = (g["cust"].notna() & g["id"].notna()).to_numpy()
    f = g.loc[has, ["cust", "id", "name"]].reset_index(drop=True)
    if not len(f):
        return _no_persons()
    is_first = ~f["cust"].duplicated().to_numpy()
    first = f[is_first]  # the first valid ID per 客户号, with that row's name
    # a 客户号 holds two IDs when one of its rows is the first of its (客户号, ID) pair but not of its 客户号
    again = ~f.duplicated(["cust", "id"]).to_numpy() & ~is_first
    two = first[first["cust"].isin(f["cust"][again])]
    # only IDs held by several 客户号 can merge or clash (the others stand for themselves): sort just those
    first = first[first["id"].duplicated(keep=False).to_numpy()].sort_values(["id", "cust"], kind="stable")
    head = first.drop_duplicates("id").set_index("id")  # the smallest 客户号 per ID, with its own name
    rep = pd.DataFrame({"cust": first["id"].map(head["cust"]), "name": first["id"].map(head["name"])})
    other = (first["cust"] != rep["cust"]).to_numpy()
    both = (first["name"].notna() & rep["name"].notna()).to_numpy()
    clash = other & both & ~_names_agree(first["name"], rep["name"])
    merge = other & ~clash
    person = pd.Series(rep["cust"].to_numpy()[merge], index=pd.Index(first["cust"].to_numpy()[merge],
                                                                       dtype="string", name="cust_id"),
                       dtype="string").sort_index()
    conflicts = pd.concat([
        pd.DataFrame({"cust_id": two["cust"].to_numpy(), "other": two["cust"].to_numpy(), "reason": CONFLICT_ID}),
        pd.DataFrame({"cust_id": first["cust"].to_numpy()[clash], "other": rep["cust"].to_numpy()[clash],
                      "reason": CONFLICT_NAME})], ignore_index=True).astype("string")
    return Persons(person, conflicts.sort_values(["cust_id", "other"], kind="stable").reset_index(drop=True))


# ============================================================================ external lists
#: result classes of :func:`match_list` (SCENARIOS.md C1 名单交叉), in report order
IN_BOTH, INTERNAL_ONLY, EXTERNAL_ONLY, CONFLICT = "内外都有", "仅内部", "仅外部(新客)", "冲突"
MATCH_CLASSES = (IN_BOTH, INTERNAL_ONLY, EXTERNAL_ONLY, CONFLICT)
#: conflict reason of :func:`match_list`: the strongest key both hold points to several of the bank's persons
CONFLICT_MANY = "对应本行多位客户"
_KEY_RANK = {BY_ID: 0, BY_CUST: 1, BY_NAME_PHONE: 2}
_CONFLICT_RANK = {CONFLICT_NAME: 0, CONFLICT_ID: 1}


class ListMatch(NamedTuple):
    """Result of :func:`match_list`.

    ``rows``: one row per external row (same index as the list): ``cust_id`` (the bank's 客户号 standing for
    the matched person, <NA> unless 内外都有), ``matched_on`` (:data:`BY_ID` / :data:`BY_CUST` /
    :data:`BY_NAME_PHONE`, <NA> unless matched), ``match_class`` (:data:`MATCH_CLASSES` but 仅内部),
    ``reason`` (the conflict's reason, else <NA>), ``person`` (one key per person: ``客户号:<cust_id>`` when
    matched, else the row's :func:`customer_key`; <NA> when the row holds no identifier), ``org_id`` (the
    matched or conflicting customer's 机构号, else the list's own ``org_id``, else <NA>); all ``string``.
    ``customers``: one row per person of the bank's 客户 table (index ``cust_id``, the representative of
    :func:`persons`): ``match_class`` (内外都有 / 冲突 / 仅内部) and ``org_id``. ``conflicts``: ext_index
    (label of the list's index), cust_id (the bank's person), reason — listed, never merged.
    """

    rows: pd.DataFrame
    customers: pd.DataFrame
    conflicts: pd.DataFrame

    def person_key(self) -> pd.Series:
        """One key per person of the list (``string``, same index as :attr:`rows`): ``rows.person``, and for a
        row without any identifier a key of its own, ``行:<index label>`` (such a row is a person of its own)."""
        r = self.rows
        return r["person"].fillna("行:" + pd.Series(r.index.astype(str), index=r.index, dtype="string"))

    def record_conflicts(self, table: str, external: pd.DataFrame, ctx,
                         action: str = "未与本行客户合并, 列入「身份冲突」待核实") -> int:
        """Record one LIST_CONFLICT row problem (``ctx.problem``, 数据问题) per 冲突 row of ``external`` — the list
        given to :func:`match_list`, in the same row order — on canonical table ``table``: column 证件号 (its value
        when the list has the column), 问题说明 = the conflict's reason, 处理 = ``action``. Nothing is recorded
        without the list's ``_row`` (Excel rows). Returns the number of 冲突 rows."""
        bad = self.rows["match_class"].eq(CONFLICT).fillna(False).to_numpy()
        if bad.any() and "_row" in external.columns:
            rows = external[bad]
            ctx.problem(table, rows["_row"], "id_no", "LIST_CONFLICT", rows["id_no"] if "id_no" in rows else None,
                        self.rows.loc[bad, "reason"].astype(str).tolist(), action)
        return int(bad.sum())

    def counts(self) -> pd.DataFrame:
        """Persons per branch and class: columns org_id (<NA> as 未知), 内外都有, 仅内部, 仅外部(新客), 冲突,
        合计 (Int64 counts, sorted by org_id, 未知 last). Each person counts once: a matched customer once
        however many list rows (e.g. vehicles) point to it, an unmatched person once per :attr:`rows` person
        key (rows without any identifier count one each), in the branch of its first row."""
        r = self.rows
        ext = pd.DataFrame({"org": r["org_id"], "cls": r["match_class"], "key": self.person_key()}).drop_duplicates(
            ["cls", "key"])
        ext = ext[ext["cls"] != IN_BOTH]  # matched persons counted on the bank's side (one row per person)
        own = pd.DataFrame({"org": self.customers["org_id"].to_numpy(), "cls": self.customers["match_class"].to_numpy(),
                            "key": self.customers.index.to_numpy()})
        own = own[own["cls"] != CONFLICT]  # a conflict is counted on the list's side
        both = pd.concat([ext, own], ignore_index=True).astype({"org": "string", "cls": "string"})
        both["org"] = both["org"].fillna("未知")
        t = pd.crosstab(both["org"], both["cls"]).reindex(columns=list(MATCH_CLASSES), fill_value=0)
        order = sorted(t.index, key=lambda o: (o == "未知", o))
        t = t.reindex(order).astype("Int64")
        t["合计"] = t.sum(axis=1).astype("Int64")
        t.columns.name = None
        return t.rename_axis("org_id").reset_index()


class BankIdentity(NamedTuple):
    """The bank's 客户 table prepared once (:func:`bank_identity`) for :func:`persons` and any number of
    :func:`match_list` calls — each would otherwise normalise every customer's ID, name and phone again.

    ``persons``: :func:`persons` of the table. ``frame``: its identity columns by position (id key, trimmed
    客户号, name, phone, block). ``rep``: object array, per row of the table, the 客户号 standing for its person
    (<NA> without 客户号). ``org_of``: 机构号 (``string``) by 客户号 (:func:`by_cust_id`; <NA> without the column).
    """

    persons: Persons
    frame: pd.DataFrame
    rep: np.ndarray
    org_of: pd.Series


def bank_identity(customers: pd.DataFrame | None) -> BankIdentity:
    """Prepare the bank's 客户 table (cust_id, id_no, cust_name, phone, org_id; each optional; None = no table)
    for :func:`match_list`; ``bank_identity(c).persons`` equals ``persons(c)``. ``customers`` untouched."""
    cust = customers.reset_index(drop=True) if customers is not None else pd.DataFrame(
        {"cust_id": pd.Series([], dtype="string")})
    if "cust_id" not in cust.columns:
        cust = cust.assign(cust_id=pd.Series(pd.NA, index=cust.index, dtype="string"))
    f = _frame(cust)
    who = _persons(f)
    rep = who.of(f["cust"]).to_numpy(dtype=object)
    info = by_cust_id(cust)
    org_of = (info["org_id"].astype("string") if "org_id" in info.columns
              else pd.Series(pd.NA, index=info.index, dtype="string"))
    return BankIdentity(who, f, rep, org_of)


def match_list(external: pd.DataFrame, customers: pd.DataFrame | BankIdentity | None) -> ListMatch:
    """Match an external list (ETC sign-ups, 公积金/机关事业单位 lists …) to the bank's customers: the same rule
    as :func:`match` (key order of the module docstring), then one result class per row.

    ``external``: the list (any of id_no, cust_id, cust_name, phone, org_id; a row = one entry, several
    rows may be one person). ``customers``: the bank's 客户 table (cust_id, id_no, cust_name, phone,
    org_id), or that table prepared by :func:`bank_identity` (to match several lists against it);
    客户号 of one person are merged first (:func:`persons`). Per list row, the strongest key that
    decides anything (a matching pair or a conflict) wins: pairs on it that all point to one person ->
    **内外都有** (``matched_on`` says which key); pairs pointing to several persons -> **冲突**
    (:data:`CONFLICT_MANY`); only a conflict on it (same 证件号 but another name; same 客户号 but another
    证件号) -> **冲突**; nothing -> **仅外部(新客)**. The bank's persons that no row matched are **仅内部**
    (冲突 when only a conflict points to them). Conflicts are listed, never merged. Returns
    :class:`ListMatch`; vectorised (merges, groupby), the inputs untouched.
    """
    bank = customers if isinstance(customers, BankIdentity) else bank_identity(customers)
    rep, org_of = bank.rep, bank.org_of
    ext = external.reset_index(drop=True)
    ef = _frame(ext)

    mp, mc = _match(ef, bank.frame)  # positions; rank = key order (_KEY_RANK) and conflict order (_CONFLICT_RANK)
    p = pd.DataFrame({"ext": mp["pos_l"].to_numpy(dtype=np.int64), "cust": rep[mp["pos_r"].to_numpy(dtype=np.int64)],
                      "rank": mp["on"].to_numpy(dtype=np.int64)})
    p = p[p["cust"].notna()]  # a customer row without 客户号 cannot stand for anybody
    c = pd.DataFrame({"ext": mc["pos_l"].to_numpy(dtype=np.int64), "cust": rep[mc["pos_r"].to_numpy(dtype=np.int64)],
                      "rank": mc["reason"].map(_CONFLICT_RANK).to_numpy(dtype=np.int64),
                      "reason": mc["reason"].to_numpy(dtype=object)})
    c = c[c["cust"].notna()]
    best = pd.concat([p[["ext", "rank"]], c[["ext", "rank"]]]).groupby("ext")["rank"].min()
    p = p[p["rank"].to_numpy() == best.reindex(p["ext"]).to_numpy()]
    c_best = c[c["rank"].to_numpy() == best.reindex(c["ext"]).to_numpy()]
    n_persons = p.groupby("ext")["cust"].nunique()
    one = p.drop_duplicates("ext").set_index("ext")
    one = one[n_persons.reindex(one.index).to_numpy() == 1]
    many = p[p["ext"].isin(n_persons.index[n_persons > 1])].drop_duplicates(["ext", "cust"])
    conflicts = pd.concat([c_best[~c_best["ext"].isin(one.index)][["ext", "cust", "reason"]],
                           many[["ext", "cust"]].assign(reason=CONFLICT_MANY)], ignore_index=True)
    conflicts = conflicts.sort_values(["ext", "cust"], kind="stable").drop_duplicates(["ext", "cust"])

    n = len(ext)
    keys = np.array([BY_ID, BY_CUST, BY_NAME_PHONE], dtype=object)
    matched = pd.Series(pd.NA, index=range(n), dtype="string")
    on = pd.Series(pd.NA, index=range(n), dtype="string")
    matched[one.index] = one["cust"].to_numpy(dtype=object)
    on[one.index] = keys[one["rank"].to_numpy(dtype=np.int64)]
    first_conflict = conflicts.drop_duplicates("ext").set_index("ext")
    reason = pd.Series(pd.NA, index=range(n), dtype="string")
    reason[first_conflict.index] = first_conflict["reason"].to_numpy(dtype=object)
    cls = np.where(matched.notna(), IN_BOTH, np.where(reason.notna(), CONFLICT, EXTERNAL_ONLY))
    candidate = matched.fillna(pd.Series(first_conflict["cust"], dtype="string").reindex(range(n)))
    own_org = (ext["org_id"].astype("string").str.strip().replace("", pd.NA) if "org_id" in ext.columns
               else pd.Series(pd.NA, index=range(n), dtype="string"))
    org = pd.Series(candidate.map(org_of).to_numpy(), dtype="string").fillna(own_org)
    person = ("客户号:" + matched).fillna(_key(ef, ext.index))
    rows = pd.DataFrame({"cust_id": matched.to_numpy(), "matched_on": on.to_numpy(), "match_class": cls,
                         "reason": reason.to_numpy(), "person": person.to_numpy(), "org_id": org.to_numpy()},
                        index=external.index).astype("string")

    people = pd.Index(pd.Series(rep, dtype="string").dropna().unique(), name="cust_id")
    own_cls = np.where(people.isin(one["cust"]), IN_BOTH, np.where(people.isin(conflicts["cust"]), CONFLICT,
                                                                   INTERNAL_ONLY))
    own = pd.DataFrame({"match_class": own_cls, "org_id": org_of.reindex(people).to_numpy()},
                       index=people).astype("string")
    conflict_frame = pd.DataFrame({"ext_index": external.index[conflicts["ext"].to_numpy(dtype=np.int64)],
                                   "cust_id": pd.array(conflicts["cust"].to_numpy(dtype=object), dtype="string"),
                                   "reason": pd.array(conflicts["reason"].to_numpy(dtype=object), dtype="string")})
    return ListMatch(rows, own, conflict_frame)


# ============================================================================ 客户号 across the tables of a run
#: a table's 客户号 must be found in the 客户 table for at least this share of its distinct values
#: (:func:`check_cust_id_coverage`); the bank's own tables normally match (nearly) all of them
KEY_MATCH_MIN_SHARE = 0.5
#: ... checked only for a table holding at least this many distinct 客户号 (a few hand-typed rows prove nothing)
KEY_MATCH_MIN_KEYS = 20


def _source_name(df: pd.DataFrame, table: str) -> tuple[str, str]:
    """(中文, English) naming where ``df`` was read: 「交易流水」(文件「t.csv」工作表「S」) from the loader's
    ``attrs`` (source, sheet); a frame not read from a file is named by its table only."""
    from ..errors import table_label

    src, sheet = df.attrs.get("source") or "", df.attrs.get("sheet")
    name = src.replace("\\", "/").rsplit("/", 1)[-1] if src and not src.startswith("<") else ""
    zh = table_label(table) + (f"(文件「{name}」" + (f"工作表「{sheet}」" if sheet else "") + ")" if name else "")
    en = table + (f" (file {name}" + (f", sheet {sheet}" if sheet else "") + ")" if name else "")
    return zh, en


#: distinct 客户号 per frame, kept while the frame lives (id -> (weak reference, Index)): ``bankxl run all`` checks
#: the same loaded tables once per scenario, and the distinct values are the check's whole cost
_DISTINCT: dict[int, tuple[weakref.ref, pd.Index]] = {}


def _distinct_ids(df) -> pd.Index:
    """The distinct non-missing ``cust_id`` of ``df`` (a frame or a DuckDB-read table: :meth:`DuckTable.distinct`,
    the column never read whole), ``string`` Index in order of appearance; computed once per frame object (the
    inputs of a run are never modified)."""
    key = id(df)
    hit = _DISTINCT.get(key)
    if hit is not None and hit[0]() is df:
        return hit[1]
    ids = (pd.Index(df.distinct("cust_id")[1], dtype="string") if hasattr(df, "distinct")
           else pd.Index(df["cust_id"].dropna().unique(), dtype="string"))
    try:
        ref = weakref.ref(df, lambda _r, k=key: _DISTINCT.pop(k, None))
    except TypeError:  # an object without weak references: not kept
        return ids
    _DISTINCT[key] = (ref, ids)
    return ids


#: :func:`_coverage` of a DuckDB-read table per (table, 客户 table) object pair (id -> (weak refs, value)), as
#: :data:`_DISTINCT`
_COVERAGE: dict[int, tuple[weakref.ref, weakref.ref, tuple]] = {}


def _coverage(df, cust) -> tuple[int, int, pd.Series]:
    """(distinct, found, missing) of table ``df``'s 客户号 against the 客户 table ``cust``: how many distinct non-missing
    ``cust_id`` ``df`` holds, how many of them are a customer's, and the others (``string`` Series, positional
    index, in order of first appearance). A frame: :func:`_distinct_ids` of both and ``isin``. A DuckDB-read table
    (:class:`bankxl.engine.inputs.DuckTable`): :meth:`~bankxl.engine.inputs.DuckTable.distinct` in DuckDB with the
    客户 keys sent there (or read where they lie when ``cust`` is a DuckTable too) — only the unmatched distinct
    客户号 come back, never the column. The same three values either way: the rule below decides on them."""
    if not hasattr(df, "distinct"):
        ids = _distinct_ids(df)
        hit = ids.isin(_distinct_ids(cust))
        return len(ids), int(hit.sum()), pd.Series(ids[~hit], dtype="string")
    key = id(df)
    got = _COVERAGE.get(key)
    if got is not None and got[0]() is df and got[1]() is cust:
        return got[2]
    n, missing = df.distinct("cust_id", exclude=cust if hasattr(cust, "distinct") else _distinct_ids(cust))
    out = (n, n - len(missing), pd.Series(missing, dtype="string").reset_index(drop=True))
    try:
        _COVERAGE[key] = (weakref.ref(df, lambda _r, k=key: _COVERAGE.pop(k, None)), weakref.ref(cust), out)
    except TypeError:
        pass
    return out


def _rows_with_ids(df, ids: pd.Series, room: int) -> tuple[pd.Series, pd.Series, int]:
    """(rows, values, n): the rows of ``df`` whose ``cust_id`` is one of ``ids``, in row order — their Excel rows
    (``_row``, Int64; <NA> for a frame without it) and 客户号 (``string``) — and how many there are. A frame gives
    every such row (one ``isin`` over the column); a DuckDB-read table only the first ``room`` of them
    (:meth:`~bankxl.engine.inputs.DuckTable.rows_in`: counted and limited in DuckDB), the rest counted in ``n``:
    what :meth:`ProblemLog.record` keeps in detail when ``room`` is its room left under the cap. (A cell the
    loader blanked is NULL, never one of ``ids``, so no such row is in the log already.)"""
    if hasattr(df, "rows_in"):
        got, n = df.rows_in("cust_id", ids, room)
        return got["_row"], pd.Series(got["cust_id"].to_numpy(dtype=object), dtype="string"), n
    col = df["cust_id"]
    bad = col.isin(ids).fillna(False).to_numpy(dtype=bool)
    vals = pd.Series(col.to_numpy(dtype=object)[bad], dtype="string")
    rows = (pd.Series(df["_row"].to_numpy()[bad], dtype="Int64") if "_row" in df.columns
            else pd.Series(pd.NA, index=vals.index, dtype="Int64"))
    return rows, vals, len(vals)


#: how Excel writes a number that was a 客户号: ``1145.0`` (a trailing .0), ``1.145E+03`` (E-notation)
_DOT_ZERO, _E_NOTATION = r"[0-9]+\.0+", r"[0-9](?:\.[0-9]+)?[eE]\+?[0-9]+"


def _id_digits(ids: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """(digits, damaged) of 客户号 ``ids`` (``string``): ``digits`` the ID's digits as written for a digit-only ID, the
    integer for an ID Excel wrote as a number (``1145.0`` / ``1.145E+03`` -> ``1145``; an E-notation value only when
    exactly an integer below 2**53), else <NA> (``string``, same index); ``damaged`` (bool array) marks the latter —
    IDs that certainly were numbers and so lost any leading zeros."""
    plain = ids.str.fullmatch(r"[0-9]+").fillna(False).to_numpy(dtype=bool)
    dot0 = ids.str.fullmatch(_DOT_ZERO).fillna(False).to_numpy(dtype=bool)
    sci = ids.str.fullmatch(_E_NOTATION).fillna(False).to_numpy(dtype=bool)
    out = ids.where(plain).astype("string")
    if dot0.any():
        out[dot0] = ids[dot0].str.replace(r"\.0+$", "", regex=True).to_numpy(dtype=object)
    if sci.any():
        num = pd.to_numeric(ids[sci], errors="coerce").to_numpy(dtype=float)
        exact = np.isfinite(num) & (num == np.floor(num)) & (num < 2.0 ** 53) & (num >= 0)
        sci[np.flatnonzero(sci)[~exact]] = False
        out[sci] = num[exact].astype(np.int64).astype(str).astype(object)
    return out, dot0 | sci


#: the 客户 side of the leading-zero comparison per customers frame (id -> (weak reference, value)), as :data:`_DISTINCT`
_KNOWN_DIGITS: dict[int, tuple[weakref.ref, tuple]] = {}


def _known_digits(cust) -> tuple[pd.Series, pd.Series, np.ndarray, pd.Series]:
    """(known, digits, damaged, by_digits) of the 客户 table ``cust``: ``known`` its distinct 客户号 (``string``,
    positional index), ``digits`` / ``damaged`` :func:`_id_digits` of them, ``by_digits`` the digits without leading
    zeros -> the position of the first 客户号 that has them (``'12345'`` -> i). Computed once per frame object and
    only when some 客户号 of another table is missing (a clean run never pays for it)."""
    key = id(cust)
    hit = _KNOWN_DIGITS.get(key)
    if hit is not None and hit[0]() is cust:
        return hit[1]
    k_all = pd.Series(_distinct_ids(cust), dtype="string")
    k_digits, k_damaged = _id_digits(k_all)
    k_strip = k_digits.str.lstrip("0").to_numpy(dtype=object, na_value=None)
    first_k = ~pd.Series(k_strip).duplicated().to_numpy() & pd.notna(k_strip)
    by_digits = pd.Series(np.flatnonzero(first_k), index=k_strip[first_k])
    out = (k_all, k_digits, k_damaged, by_digits)
    try:
        _KNOWN_DIGITS[key] = (weakref.ref(cust, lambda _r, k=key: _KNOWN_DIGITS.pop(k, None)), out)
    except TypeError:
        pass
    return out


def _zero_match(missing: pd.Series, cust) -> tuple[pd.Series, np.ndarray, pd.Series]:
    """For unmatched 客户号 ``missing`` (``string``): (digits, damaged, at_k) — :func:`_id_digits` of them and, per
    ID, the position in :func:`_known_digits` ``known`` of the 客户号 with the same digits once leading zeros are
    taken off both sides (``'123'`` and ``'000123'``; Excel's ``123.0`` too), else <NA> (float Series, same index)."""
    t_digits, t_damaged = _id_digits(missing)
    return t_digits, t_damaged, t_digits.str.lstrip("0").map(_known_digits(cust)[3])


def _record_unmatched_rows(t: str, df, missing: pd.Series, cust, problems, k_zh: str, k_en: str) -> int:
    """One CUST_NOT_FOUND row problem per row of table ``t`` (frame or DuckDB-read table ``df``) whose 客户号 is one
    of ``missing`` (``string``: not in the 客户 table ``cust``), on 客户号(cust_id) with the row's Excel row
    (``_row``) and its 客户号 as 原值; 问题说明 names the 客户 table (``k_zh`` / ``k_en``: file and sheet) and, where
    the 客户号 equals a customer's once leading zeros are added or removed, that customer's 客户号 and that the zeros
    were probably lost (Excel turned the column into numbers). Capped and counted by :meth:`ProblemLog.record`.
    Rows are kept: 处理 says the joins with 客户 (names, masked identity, 机构) are blank for them. Vectorised: one
    isin over the column (a DuckDB-read table: the rows found, counted and capped in DuckDB, :func:`_rows_with_ids`),
    texts per distinct 客户号. Returns the number of rows recorded."""
    key = (t, "CUST_NOT_FOUND")
    rows, ids, n = _rows_with_ids(df, missing, max(problems.cap - problems.counts[key], 0))
    if not n:
        return 0
    _d, _dm, at_k = _zero_match(missing, cust)
    k_all = _known_digits(cust)[0]
    pos = at_k.to_numpy(dtype=float, na_value=np.nan)
    twin = pd.Series(pd.NA, index=missing.index, dtype="string")
    has = ~np.isnan(pos)
    twin[has] = k_all.to_numpy(dtype=object)[pos[has].astype(np.int64)]
    zh = f"客户号不在{k_zh}中: 名单、标签中该客户没有客户名称、证件号、机构等信息。"
    en = f"Customer ID not found in {k_en}: lists and tags show no name, ID or branch for this customer."
    text = pd.Series(f"{zh}\n{en}", index=missing.index, dtype="string")
    text[has] = (zh.removesuffix("。") + "; 补齐或去掉前导 0 后与客户表的客户号「" + twin[has]
                 + "」一致: 前导 0 可能已丢失(如 Excel 把客户号列转成了数字), 请把客户号列作为文本重新导出。\n" + en
                 + " It equals customer ID '" + twin[has] + "' once leading zeros are added or removed: the zeros were "
                 "probably lost (e.g. Excel turned the column into numbers); export the customer-ID column as text.")
    reason = ids.map(pd.Series(text.to_numpy(), index=missing.to_numpy())).to_numpy(dtype=object)
    problems.record(t, rows, "cust_id", "CUST_NOT_FOUND", ids.to_numpy(dtype=object), reason,
                    "行保留并参与计算; 按客户号关联客户表的信息(客户名称、证件号、机构等)为空")
    if n > len(ids):  # rows a DuckDB-read table counted but did not send (over the cap)
        problems.counts[key] += n - len(ids)
    return n


def _usual_width(digits: pd.Series) -> int:
    """The most common length of the digit IDs ``digits`` (0 when none)."""
    n = digits.str.len().dropna()
    return int(n.mode().iloc[0]) if len(n) else 0


def check_cust_id_coverage(tables, problems, numeric=()) -> list[str]:
    """The cross-table check of a run: the 客户号 of each of the bank's own tables (``cust_id`` a required column:
    定期存款, 贷款, 交易流水 … — not the external lists, where a 客户号 is optional and new customers are expected)
    must be found in the 客户 table (``customers.cust_id``) for at least :data:`KEY_MATCH_MIN_SHARE` of its
    distinct values, when it holds at least :data:`KEY_MATCH_MIN_KEYS` of them. Otherwise every join with the
    客户 table (names, lists, tags) silently drops most rows — typically because one side's 客户号 was saved as
    numbers (BIGINT Parquet, an Excel number column: ``00012345`` -> ``12345``).

    ``tables``: {table id: loaded or conformed frame} of one run (trimmed ``string`` 客户号; ``attrs`` source and
    sheet name the files). ``problems``: a :class:`~bankxl.errors.ProblemLog`; one KEY_UNMATCHED problem per table
    that fails, on its 客户号 column, Excel row blank (the whole table; one example row named in the text), 原值 an
    unmatched 客户号, 问题说明 naming both tables' files / sheets / columns, the share found, one example of each
    side (the padded pair when there is one, else one ID of each table labelled as examples, not a pair), and —
    when digit IDs equal after their leading zeros are taken off on both sides — which side lost its zeros, said
    as certain only for a side whose IDs Excel wrote as numbers (``1145.0``, ``1.145E+03``) or are digits without a
    leading 0, shorter than the other side's usual width, equal to the other side once zero-padded; when both
    sides hold leading zeros at different widths (``00`` + a 10-digit 客户号) it says the side is uncertain.
    ``numeric``: the table ids whose 客户号 cells were read as numbers (Excel number cells, a Parquet integer / float
    column: :attr:`bankxl.io.LoadedTable.as_numbers`); such a side, when its IDs match zero-padded, is the side
    that lost its zeros, and the text says how it was stored. Data are not changed.
    Returns the 问题说明 texts (Chinese + English), one per table flagged. Vectorised over distinct values."""
    cust = tables.get("customers")
    if cust is None or "cust_id" not in cust.columns:
        return []
    known = _distinct_ids(cust)
    if not len(known):
        return []
    from ..errors import table_label
    from ..tables import TABLES

    k_zh, k_en = _source_name(cust, "customers")
    out = []
    for t, df in tables.items():
        spec = TABLES.get(t)
        if t == "customers" or spec is None or "cust_id" not in df.columns \
                or not any(c.id == "cust_id" and c.required for c in spec.columns):
            continue
        n_ids, n_hit, missing = _coverage(df, cust)
        if not len(missing):
            continue
        _record_unmatched_rows(t, df, missing, cust, problems, k_zh, k_en)  # each row: CUST_NOT_FOUND
        if n_ids < KEY_MATCH_MIN_KEYS or n_hit >= KEY_MATCH_MIN_SHARE * n_ids:
            continue  # the whole-table warning: only for a table most of whose 客户号 are unknown
        k_all, k_digits, k_damaged, _by = _known_digits(cust)
        t_digits, t_damaged, at_k = _zero_match(missing, cust)
        padded = at_k.notna().to_numpy(dtype=bool)
        n_pad = int(padded.sum())
        lost = None  # the side that certainly stored its 客户号 as numbers (lost its leading zeros)
        if n_pad:
            pos = at_k[padded].to_numpy(dtype=np.int64)
            td = t_digits[padded].to_numpy(dtype=str)
            kd = k_digits.to_numpy(dtype=object)[pos].astype(str)
            # a side lost its zeros when its IDs are numbers as written by Excel, or digits without a leading 0
            # SHORTER than the other side's usual width that equal the other side once zero-padded to it
            t_short = t_damaged[padded] | ((np.char.str_len(td) < _usual_width(k_digits))
                                          & ~np.char.startswith(td, "0") & (np.char.str_len(td) < np.char.str_len(kd)))
            k_short = k_damaged[pos] | ((np.char.str_len(kd) < _usual_width(t_digits))
                                        & ~np.char.startswith(kd, "0") & (np.char.str_len(kd) < np.char.str_len(td)))
            t_short |= t in numeric  # the column's cells were numbers: certain
            k_short |= "customers" in numeric
            if t_short.sum() >= max(int(k_short.sum()), 1):
                lost, pick = t, t_short
            elif k_short.any():
                lost, pick = "customers", k_short
            else:
                pick = np.ones(n_pad, dtype=bool)
            i = int(np.flatnonzero(pick)[0])
            ex, ex_k = missing[padded].iloc[i], k_all.iloc[int(pos[i])]
        else:
            ex, ex_k = missing.iloc[0], k_all.iloc[0]
        rows = _rows_with_ids(df, pd.Series([ex], dtype="string"), 1)[0]  # the example's first row
        row = int(rows.iloc[0]) if len(rows) and pd.notna(rows.iloc[0]) else None
        at, at_en = (f"第 {row} 行的", f"row {row}: ") if row else ("", "")
        t_zh, t_en = _source_name(df, t)
        share = n_hit / n_ids
        zh = f"{t_zh}的客户号(cust_id)中只有 {share:.1%}({n_hit:,}/{n_ids:,} 个)能在{k_zh}的客户号(cust_id)中找到, " \
             "与客户表关联的结果(姓名、名单、标签、汇总)会漏掉其余客户。"
        en = (f"Only {share:.1%} ({n_hit:,} of {n_ids:,}) of the customer IDs (cust_id) of {t_en} are found in the "
              f"cust_id of {k_en}: joins with the customer table miss the rest.")
        if n_pad:
            zh += f"例: 本表{at}「{ex}」, 客户表「{ex_k}」。"
            en += f" E.g. {at_en}{ex!r}; customers: {ex_k!r}."
        else:  # no pair: one ID of each side, not a match
            zh += f"示例(两表各举一个, 并非对应): 本表{at}「{ex}」; 客户表如「{ex_k}」。"
            en += f" Examples (one of each table, not a pair): {at_en}{ex!r}; customers e.g. {ex_k!r}."
        if lost is not None:
            zh += (f"其中 {n_pad:,} 个补齐前导 0 后与客户表的客户号一致(「{ex}」=「{ex_k}」): {table_label(lost)}的客户号以数字存储, "
                   "前导 0 已丢失。")
            en += (f" {n_pad:,} of them equal a customer's ID once leading zeros are restored ({ex!r} = {ex_k!r}): the "
                   f"IDs of {lost} were stored as numbers and lost their leading zeros.")
            if lost in numeric:
                zh += f"({table_label(lost)}的客户号列读入时即为数字: Excel 数字单元格或 Parquet 数值列, 不是文本。)"
                en += f" (The cust_id column of {lost} was read as numbers: Excel number cells or a Parquet numeric column.)"
        elif n_pad:  # equal without leading zeros, but neither side looks like numbers (both hold leading zeros)
            zh += (f"其中 {n_pad:,} 个去掉前导 0 后与客户表的客户号一致(「{ex}」与「{ex_k}」), 但两表的客户号位数不同且都带前导 0, "
                   "不能确定哪一方被改动: 可能一方以数字存储丢失了前导 0, 或两个系统的客户号位数不同。")
            en += (f" {n_pad:,} of them equal a customer's ID without leading zeros ({ex!r} and {ex_k!r}), but both tables "
                   "hold leading zeros at different widths: which side changed is uncertain (numbers that lost zeros, or "
                   "two systems with different ID widths).")
        else:
            zh += "可能原因: 客户号以数字存储丢失了前导 0, 或两张表来自不同系统/不同范围。"
            en += " Likely cause: IDs stored as numbers lost their leading zeros, or the tables come from different systems."
        zh += "请把客户号列作为文本重新导出(Excel 中设为「文本」格式, Parquet 中用字符串列)后再运行。"
        en += " Export the customer-ID columns as text (Excel text format, a Parquet string column) and run again."
        problems.record(t, [None], "cust_id", "KEY_UNMATCHED", [ex], f"{zh}\n{en}",
                        "数据未改动, 行保留; 按客户号与客户表关联的结果(姓名、名单、标签等)不完整")
        out.append(f"{zh} {en}")
    return out
