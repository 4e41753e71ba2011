"""脱敏 -- masking personal data for reports and lists.

Rules (SCENARIOS 0.6 step 8, 0.9; common practice in Chinese banks, cf. JR/T 0171-2020 个人金融信息保护技术规范
which asks for display masking of identity numbers, phone numbers, names and account numbers):

* ID number: keep the first 6 (address code) and the last 4 characters -> ``340524********001X``.
* Mobile phone: keep the first 3 and the last 4 digits -> ``138****5678``.
* Name: keep the surname (first character, or the compound surname such as 欧阳 for names of 3+ characters)
  -> ``张*``, ``张**``, ``欧阳**``; the middle dot of minority/foreign names (``·``) is kept.
* Account / card number: keep the first 4 and the last 4 characters -> ``6222**********1234``. Whether the
  customer's own account numbers are masked is the shared setting 账号脱敏 (``RunContext.mask_accounts``,
  default 是); a counterparty's account (someone else's) is always masked when 脱敏 is on.
* Address: keep the first 6 characters (province/city/district) -> ``北京市海淀区********``.
* Counterparty name (对手户名): masked as a name unless it names an organisation (:data:`ORG_NAME_PATTERN`:
  银行, 公司, 超市 …) -> ``张*`` but ``北京三快在线科技有限公司`` as is. A payment platform followed by a name
  (:data:`PLATFORM_PREFIX`: ``支付宝-董国志``, ``微信转账-张三``) and a name marked ``(个人)`` are persons ->
  ``支付宝-董**``, ``张*(个人)``.
* Free text (摘要, 附言): identity, mobile and card numbers inside it masked by pattern, and the names the row
  knows (the customer's, the counterparty's, a name after 还款人/姓名 …) masked as names (:func:`mask_free_text`).

:data:`PERSONAL_FIELDS` says which canonical columns are personal and how each is masked;
:func:`mask_field` masks a column by its id — the one rule the reports and the 数据问题 sheet share.

Every function takes a ``pandas.Series`` (or a scalar) and returns a ``"string"`` Series with the same index
(a str for a scalar). Missing stays missing (``<NA>`` / ``None``). One ``*`` replaces one character, so the
length is preserved. Short values that would otherwise be shown in full are masked more (documented per
function). Never raises for bad values.
"""

from __future__ import annotations

import functools
import math
import numbers
import re
from typing import Any

import numpy as np
import pandas as pd

from bankxl.idcard import as_string, normalize_id

__all__ = ["COMPOUND_SURNAMES", "ORG_NAME_PATTERN", "PERSONAL_FIELDS", "PLATFORM_PREFIX", "counterparty_person",
           "mask_account", "mask_address", "mask_counterparty", "mask_field", "mask_free_text", "mask_id",
           "mask_name", "mask_phone"]

MASK_CHAR = "*"

#: Common two-character (复姓) surnames kept whole by :func:`mask_name` for names of 3+ characters.
COMPOUND_SURNAMES = frozenset(
    [
        "欧阳",
        "司马",
        "上官",
        "诸葛",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "宇文",
        "司徒",
        "夏侯",
        "轩辕",
        "令狐",
        "端木",
        "独孤",
        "南宫",
        "西门",
        "百里",
        "呼延",
        "澹台",
        "公冶",
        "太史",
        "申屠",
        "钟离",
        "闻人",
        "赫连",
        "濮阳",
        "单于",
        "万俟",
        "司空",
        "东郭",
        "拓跋",
        "淳于",
        "仲孙",
        "谷梁",
        "左丘",
        "宗政",
        "公羊",
        "第五",
        "梁丘",
        "闾丘",
        "乐正",
        "壤驷",
        "羊舌",
        "微生",
        "巫马",
        "漆雕",
        "颛孙",
        "子车",
        "亓官",
        "司寇",
        "鲜于",
        "段干",
        "呼衍",
        "太叔",
        "南门",
        "东门",
        "公良",
    ]
)


def _to_text(v: Any) -> Any:
    if v is None or v is pd.NA or v is pd.NaT:
        return pd.NA
    if isinstance(v, float) and math.isnan(v):
        return pd.NA
    if isinstance(v, numbers.Integral) and not isinstance(v, bool):
        return str(int(v))
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return str(v)




def _series_or_scalar(func):
    @functools.wraps(func)
    def wrapper(s, *args, **kwargs):
        if s is None or isinstance(s, (str, numbers.Number, np.generic)) or s is pd.NA:
            out = func(as_string(pd.Series([s], dtype=object), _to_text), *args, **kwargs).iloc[0]
            return None if out is pd.NA else str(out)
        if not isinstance(s, pd.Series):
            s = pd.Series(s, dtype=object)
        return func(as_string(s, _to_text), *args, **kwargs)

    return wrapper


def _stars(n: pd.Series) -> pd.Series:
    """Int Series of counts -> Series of '*' * n (computed once per distinct count)."""
    n = n.fillna(0).astype(np.int64).clip(lower=0)
    table = {k: MASK_CHAR * int(k) for k in pd.unique(n)}
    return n.map(table).astype("string")


#: the longest text :func:`_keep_ends` stars in one numpy pass (longer text, rare, takes the per-pattern slices)
_KEEP_WIDTH = 64


def plain_rows(t: pd.Series, ranges: tuple[tuple[int, int], ...], length: int | None = None) -> np.ndarray:
    """Bool array (positional): the rows of the ``string`` Series ``t`` that are present, 1 to 24 characters
    long (exactly ``length`` when given) and made only of code points in ``ranges`` (inclusive pairs) — text a
    normaliser (NFKC, separators and masks replaced) leaves as it is, so it can skip its regex passes there.
    numpy over an (n, width) code-point matrix; a trailing NUL (lost by numpy's fixed-width text) makes a row
    not plain."""
    lens = t.str.len().fillna(0).to_numpy(dtype=np.int64)
    ok = (lens > 0) & (lens <= 24) if length is None else lens == length
    if not ok.any():
        return ok
    width = int(lens[ok].max())
    u = t.to_numpy(dtype=object, na_value="")[ok].astype(f"U{width}").view(np.uint32).reshape(-1, width)
    inside = np.zeros(u.shape, dtype=bool)
    for lo, hi in ranges:
        inside |= (u >= lo) & (u <= hi)
    pos = np.arange(width)
    ok[ok] = (inside | (pos >= lens[ok][:, None])).all(axis=1) & ((u != 0).sum(axis=1) == lens[ok])
    return ok


def _keep_ends(t: pd.Series, head: pd.Series | int, tail: pd.Series | int, keep: str = "") -> pd.Series:
    """Keep ``head`` leading and ``tail`` trailing characters of each string, star the rest; characters in
    ``keep`` (separators) are never starred. ``string`` Series, same index; missing -> ``<NA>``. Text up to
    :data:`_KEEP_WIDTH` characters (``head + tail`` within its length) is starred in one numpy pass over its
    code-point matrix; the rest per distinct (head, tail) pair by slicing."""
    lens = t.str.len()
    head = pd.Series(head, index=t.index) if not isinstance(head, pd.Series) else head
    tail = pd.Series(tail, index=t.index) if not isinstance(tail, pd.Series) else tail
    out = pd.Series(pd.NA, index=t.index, dtype="string")
    ok = t.notna()
    if not ok.any():
        return out
    n_ = lens.fillna(0).to_numpy(dtype=np.int64)
    h_, k_ = head.to_numpy(dtype=np.int64), tail.to_numpy(dtype=np.int64)
    fast = ok.to_numpy(dtype=bool) & (n_ <= _KEEP_WIDTH) & (h_ >= 0) & (k_ >= 0) & (h_ + k_ <= n_)
    if fast.any():
        width = max(int(n_[fast].max()), 1)
        u = t.to_numpy(dtype=object, na_value="")[fast].astype(f"U{width}")
        m = u.view(np.uint32).reshape(-1, width)
        whole = (m != 0).sum(axis=1) == n_[fast]  # a NUL inside or at the end: left to the slices
        pos = np.arange(width)
        star = (pos >= h_[fast][:, None]) & (pos < (n_[fast] - k_[fast])[:, None])
        if keep:
            star &= ~np.isin(m, np.array([ord(c) for c in keep], dtype=np.uint32))
        m[star] = ord(MASK_CHAR)
        done = np.flatnonzero(fast)[whole]
        vals = out.to_numpy(dtype=object)
        vals[done] = u[whole].astype(object)
        out = pd.Series(vals, index=t.index, dtype="string")
        fast[np.flatnonzero(fast)[~whole]] = False
        ok = ok & ~fast
        if not ok.any():
            return out
    key = pd.DataFrame({"h": head[ok].astype(np.int64), "t": tail[ok].astype(np.int64)})
    for (h, k), idx in key.groupby(["h", "t"]).groups.items():
        sub = t[idx]
        mid = lens[idx] - h - k
        tail_part = sub.str.slice(-k) if k > 0 else pd.Series("", index=idx, dtype="string")
        out[idx] = sub.str.slice(0, h) + _stars(mid) + tail_part
    if keep:
        sep = ok & t.str.contains(f"[{re.escape(keep)}]", regex=True).fillna(False)
        if sep.any():
            out[sep] = [_restore(o, m, keep) for o, m in zip(t[sep], out[sep])]
    return out


def _restore(orig: str, masked: str, keep: str) -> str:
    """``masked`` with the characters of ``orig`` that are in ``keep`` put back (position by position)."""
    return "".join(o if o in keep else m for o, m in zip(orig, masked))


@_series_or_scalar
def mask_id(s: pd.Series) -> pd.Series:
    """Mask identity numbers: keep the first 6 and last 4 characters (SCENARIOS 0.6 step 8).

    ``34052419800101001X`` -> ``340524********001X``; ``340524800101001`` -> ``340524*****1001``.
    The value is normalised first (NFKC, spaces and quotes removed, ``x`` -> ``X``). Values of 10 characters
    or fewer (not an ID number) are masked completely. Returns a ``"string"`` Series; missing -> ``<NA>``.
    """
    t = normalize_id(s)  # fast path for IDs that are already canonical
    lens = t.str.len().fillna(0)
    long = lens > 10
    head = pd.Series(np.where(long, 6, 0), index=t.index)
    tail = pd.Series(np.where(long, 4, 0), index=t.index)
    return _keep_ends(t, head, tail)


def _phone_digits(s: pd.Series) -> pd.Series:
    """The digits :func:`mask_phone` keeps of each phone (NFKC, non-digits dropped, +86/0086/86 before a mobile
    number removed; the stripped text when no digit is left; ``<NA>`` when empty)."""
    t = s.str.normalize("NFKC").str.replace(r"[^0-9]", "", regex=True)
    t = t.str.replace(r"^(?:0086|86)(1[0-9]{10})$", r"\1", regex=True)
    t = t.mask(t.str.len() == 0, s.str.normalize("NFKC").str.strip()).mask(s.isna())
    return t.mask(t.str.len() == 0)


def _with(s: pd.Series, rows: np.ndarray, values: pd.Series) -> pd.Series:
    """``s`` (``string``) with its ``rows`` (bool, positional) replaced by ``values`` (in row order)."""
    vals = s.to_numpy(dtype=object, na_value=pd.NA).copy()
    vals[rows] = values.to_numpy(dtype=object, na_value=pd.NA)
    return pd.Series(vals, index=s.index, dtype="string")


@_series_or_scalar
def mask_phone(s: pd.Series) -> pd.Series:
    """Mask phone numbers: keep the first 3 and last 4 digits -> ``138****5678``.

    Separators (spaces, ``-``, brackets) are dropped and a leading ``+86`` / ``0086`` / ``86`` before an
    11-digit mobile number is removed, so ``+86 138-1234-5678`` -> ``138****5678``. Other numbers of 8+
    digits keep 3 + 4 (``0591-87654321`` -> ``059*****4321``); shorter ones are masked completely.
    Returns a ``"string"`` Series; missing -> ``<NA>``.
    """
    plain = plain_rows(s, ((0x30, 0x39),), length=11)  # 11 ASCII digits: already in the cleaned form
    t = s if plain.all() else _phone_digits(s) if not plain.any() else _with(s, ~plain, _phone_digits(s[~plain]))
    lens = t.str.len().fillna(0)
    long = lens >= 8
    head = pd.Series(np.where(long, 3, 0), index=t.index)
    tail = pd.Series(np.where(long, 4, 0), index=t.index)
    return _keep_ends(t, head, tail)


@_series_or_scalar
def mask_name(s: pd.Series) -> pd.Series:
    """Mask personal names: keep the surname, star the given name -> ``张*`` (2 characters), ``张**``,
    ``欧阳**`` (compound surnames from :data:`COMPOUND_SURNAMES`, for names of 3+ characters).

    Separators ``·`` / ``•`` / spaces inside the name are kept (``买买提·艾力`` -> ``买**·**``). A
    one-character value becomes ``*``. Surrounding whitespace is stripped. Returns a ``"string"`` Series;
    missing -> ``<NA>``.
    """
    t = s.str.strip()
    t = t.mask(t.str.len() == 0)
    lens = t.str.len().fillna(0)
    compound = t.str.slice(0, 2).isin(COMPOUND_SURNAMES).fillna(False) & (lens >= 3)
    keep = pd.Series(np.where(compound, 2, np.where(lens >= 2, 1, 0)), index=t.index)
    return _keep_ends(t, keep, 0, keep="·•・ ")


@_series_or_scalar
def mask_account(s: pd.Series) -> pd.Series:
    """Mask account and card numbers: keep the first 4 and last 4 characters ->
    ``6222021234567891234`` -> ``6222***********1234``.

    Spaces and dashes are removed first. Values of 8 characters or fewer keep only their last
    ``len // 2`` characters (at most 4) so they are never shown whole. Returns a ``"string"`` Series;
    missing -> ``<NA>``.
    """
    t = s.str.normalize("NFKC").str.replace(r"[\s\-'\"`]", "", regex=True)
    t = t.mask(t.str.len() == 0)
    lens = t.str.len().fillna(0).astype(np.int64)
    long = lens > 8
    head = pd.Series(np.where(long, 4, 0), index=t.index)
    tail = pd.Series(np.where(long, 4, np.minimum(lens // 2, 4)), index=t.index)
    return _keep_ends(t, head, tail)


@_series_or_scalar
def mask_address(s: pd.Series) -> pd.Series:
    """Mask addresses: keep the first 6 characters (province, city, district), star the rest ->
    ``北京市海淀区中关村大街27号`` -> ``北京市海淀区********``. Values of 12 characters or fewer keep only their
    first half. Surrounding whitespace is stripped. Returns a ``"string"`` Series; missing -> ``<NA>``."""
    t = s.str.strip()
    t = t.mask(t.str.len() == 0)
    lens = t.str.len().fillna(0).astype(np.int64)
    return _keep_ends(t, pd.Series(np.minimum(lens // 2, 6), index=t.index), 0)


#: a counterparty whose name matches this is an organisation (shown as is); any other is taken for a person
ORG_NAME_PATTERN = ("银行|信用社|合作社|公司|集团|有限|股份|企业|中心|商行|商城|商店|超市|市场|加油站|酒店|饭店|餐厅|"
                    "医院|诊所|药房|学校|大学|学院|幼儿园|政府|税务|财政|国库|社保|医保|公积金|委员会|事务所|协会|"
                    "基金|证券|保险|信托|金融|消费金融|小贷|支付|财付通|支付宝|微信|银联|网联|代收|专户|备付金|"
                    "借呗|花呗|微粒贷|白条|金条|中国移动|中国联通|中国电信|电力|水务|燃气|物业|店$|厂$|馆$|局$|院$|所$")


#: payment platforms whose counterparty names read 平台-收款人 (``支付宝-董国志``): what follows the platform and a
#: separator (- : / _) is a person unless it ends like an organisation (:func:`mask_counterparty`)
PLATFORM_PREFIX = (r"(?:支付宝|财付通|微信(?:支付|转账|红包|零钱)?|京东(?:支付|钱包)?|美团(?:支付)?|拼多多|抖音(?:支付)?|"
                   r"云闪付|银联(?:在线)?|翼支付|快钱|壹钱包|和包|苏宁(?:支付)?)")
_PLATFORM_SPLIT = rf"^(?P<pre>{PLATFORM_PREFIX}\s*[-－—–_:：/]\s*)(?P<core>.+)$"
_PERSON_MARK = r"^(?P<core>.+?)(?P<suf>\s*[(（]\s*个人\s*[)）])$"
_ORG_END = f"(?:{ORG_NAME_PATTERN})$"


def _split_counterparty(t: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """(prefix, name, suffix, is_person) of stripped counterparty names ``t``: ``支付宝-董国志`` -> (``支付宝-``,
    ``董国志``, ``""``, True); ``张三(个人)`` -> (``""``, ``张三``, ``(个人)``, True); ``财付通-微信支付`` ->
    (``财付通-``, ``微信支付``, ``""``, False). A name after a platform is a person unless it ends with an
    organisation word (so ``财付通-中国石化加油站张三`` is a person); a ``(个人)`` name always is; any other name
    unless :data:`ORG_NAME_PATTERN` matches anywhere in it."""
    mark = t.str.extract(_PERSON_MARK)
    core = mark["core"].fillna(t).astype("string")
    suf = mark["suf"].fillna("").astype("string")
    plat = core.str.extract(_PLATFORM_SPLIT)
    pre = plat["pre"].fillna("").astype("string")
    name = plat["core"].fillna(core).astype("string")
    person = (mark["core"].notna()
              | (plat["core"].notna() & ~name.str.contains(_ORG_END, regex=True).fillna(False).astype(bool))
              | ((pre == "") & ~t.str.contains(ORG_NAME_PATTERN, regex=True).fillna(False).astype(bool)))
    return pre, name, suf, person.fillna(False).astype(bool) & t.notna()


@_series_or_scalar
def mask_counterparty(s: pd.Series) -> pd.Series:
    """Mask counterparty names (对手户名): a person's name as :func:`mask_name` (``赵英婷`` -> ``赵**``); a name
    matching :data:`ORG_NAME_PATTERN` (an organisation: ``光大银行代收专户``, ``北京三快在线科技有限公司``) is
    kept whole. A payment platform and a name (:data:`PLATFORM_PREFIX`) keep the platform and mask the name
    unless it ends like an organisation: ``支付宝-董国志`` -> ``支付宝-董**``, ``财付通-微信支付`` as is; a name
    marked ``(个人)`` is a person: ``张三(个人)`` -> ``张*(个人)``. Returns a ``"string"`` Series; missing ->
    ``<NA>``."""
    t = s.str.strip()
    pre, name, suf, person = _split_counterparty(t)
    return t.where(~person, pre + mask_name(name) + suf)


@_series_or_scalar
def counterparty_person(s: pd.Series) -> pd.Series:
    """The person's name in counterparty names (对手户名), ``<NA>`` for an organisation: ``支付宝-董国志`` ->
    ``董国志``, ``张三(个人)`` -> ``张三``, ``赵英婷`` -> ``赵英婷``, ``某科技有限公司`` -> ``<NA>`` (the rule of
    :func:`mask_counterparty`) — the names :func:`mask_free_text` looks for in the row's 摘要."""
    t = s.str.strip()
    _pre, name, _suf, person = _split_counterparty(t)
    return name.where(person)


_DIGIT = "[0-9０-９]"
#: an identity number (15 or 18 characters, X last) or a card/account number of 16–19 digits, standing alone
_LONG_NUMBER = re.compile(rf"(?<!{_DIGIT})(?:{_DIGIT}{{17}}[XxＸｘ]|{_DIGIT}{{15,19}})(?!{_DIGIT})")
#: a card number written in groups of 4 (6222 0202 0011 2233 445)
_GROUPED_CARD = re.compile(rf"(?<!{_DIGIT}){_DIGIT}{{4}}(?:[ -]{_DIGIT}{{4}}){{3}}(?:[ -]{_DIGIT}{{1,3}})?(?!{_DIGIT})")
#: a mainland mobile number, with or without +86 / separators (+86 139-1234-5678)
_MOBILE = re.compile(rf"(?<!{_DIGIT})(?:\+?86[\s-]?)?[1１][3-9３-９]{_DIGIT}[\s-]?{_DIGIT}{{4}}[\s-]?{_DIGIT}{{4}}(?!{_DIGIT})")
#: a name written after a label (还款人上官婉儿, 姓名：张三)
_LABELLED_NAME = (r"(?:还款人|收款人|付款人|借款人|汇款人|转账人|持卡人|联系人|户名|姓名)[:：\s]*"
                  r"(?P<name>[\u4e00-\u9fff]{2,4}(?:[·•][\u4e00-\u9fff]{1,6})?)")
_DIGITLIKE = re.compile(r"[0-9０-９XxＸｘ]")


def _star_digits(text: str, head: int, tail: int) -> str:
    """``text`` with every digit (and ID check letter X) starred but the first ``head`` and last ``tail``;
    separators kept (one match of a pattern above: a few characters)."""
    pos = [m.start() for m in _DIGITLIKE.finditer(text)]
    hide = set(pos[head:len(pos) - tail])
    return "".join(MASK_CHAR if i in hide else c for i, c in enumerate(text))


def _long_number(m: re.Match) -> str:
    text = m.group(0)
    return _star_digits(text, 6 if len(text) in (15, 18) else 4, 4)  # an ID keeps 6 + 4 (mask_id), a card 4 + 4


def _mobile(m: re.Match) -> str:
    n = len(_DIGITLIKE.findall(m.group(0)))
    return _star_digits(m.group(0), n - 11 + 3, 4)  # 139****5678, a leading 86 kept


#: one name per row in front of the text: name \x1f masked name \x1e text (control characters that are
#: stripped from the names); the backreference finds the row's own name in its own text
_NAME_IN_ROW = re.compile("(?s)^([^\x1f]+)\x1f([^\x1e]*)\x1e(.*?)\\1")


def _mask_name_in_rows(t: pd.Series, name: pd.Series) -> pd.Series:
    """``t`` (unique index) with each occurrence of the same row's ``name`` (2+ characters) replaced by
    :func:`mask_name` of it. Vectorised: a few regex passes over the column (one occurrence per row per pass),
    no per-row loop."""
    name = name.astype("string").str.replace(r"[\x1e\x1f]", "", regex=True).str.strip()
    rep = mask_name(name)
    ok = (t.notna() & (name.str.len() >= 2) & ~name.str.contains(MASK_CHAR, regex=False) & (rep != name)
          ).fillna(False).astype(bool)
    if not ok.any():
        return t
    work = name[ok] + "\x1f" + rep[ok] + "\x1e" + t[ok]
    todo = work
    while len(todo):  # ends: every pass replaces one occurrence of a name that the mask cannot recreate
        new = todo.str.replace(_NAME_IN_ROW, "\\1\x1f\\2\x1e\\3\\2", regex=True)
        changed = (new != todo).fillna(False).astype(bool)
        work[changed[changed].index] = new[changed]
        todo = new[changed]
    out = t.copy()
    out[ok] = work.str.split("\x1e", n=1).str[1]
    return out


def _name_series(names, index: pd.Index) -> list[pd.Series]:
    """``names`` of :func:`mask_free_text` as Series with a RangeIndex aligned with ``index`` (a Series by
    label, or as is when its index is ``index``)."""
    if names is None:
        return []
    if isinstance(names, (str, pd.Series)):
        names = [names]
    out = []
    for n in names:
        if isinstance(n, pd.Series):
            v = n if n.index.equals(index) else n.reindex(index)
            out.append(pd.Series(v.to_numpy(), dtype="string"))
        else:
            out.append(pd.Series(n, index=range(len(index)), dtype="string"))
    return out


@_series_or_scalar
def mask_free_text(s: pd.Series, names=None) -> pd.Series:
    """Mask personal data inside free text (摘要, 附言, 用途): by pattern, identity numbers (15/18 characters,
    X last: keep 6 + 4 as :func:`mask_id`), card and account numbers (16–19 digits, also in groups of 4: keep
    4 + 4), mainland mobile numbers (1[3-9] + 9 digits, with +86 or separators: ``139****5678``); and names
    as :func:`mask_name`: each of ``names`` (a str for every row, or a Series aligned with ``s`` by index —
    e.g. the row's customer name and :func:`counterparty_person` of its counterparty) where it occurs in its
    row, and a name written after 还款人/收款人/付款人/借款人/姓名/户名 … (``还款人上官婉儿`` -> ``还款人上官**``).
    Dates (8 digits), amounts and shorter codes are kept; one-character names are not searched. Digits are
    starred one for one and separators kept, so the text keeps its length. Returns a ``"string"`` Series with
    the index of ``s``; missing -> ``<NA>``. Never raises for bad values."""
    found = _name_series(names, s.index)
    t = s.reset_index(drop=True).str.replace(_LONG_NUMBER, _long_number, regex=True)
    t = t.str.replace(_GROUPED_CARD, lambda m: _star_digits(m.group(0), 4, 4), regex=True)
    t = t.str.replace(_MOBILE, _mobile, regex=True)
    labelled = t.str.extractall(_LABELLED_NAME)["name"]
    for _k, g in labelled.groupby(level="match"):
        found.append(g.droplevel("match").reindex(t.index).astype("string"))
    for name in found:
        t = _mask_name_in_rows(t, name)
    return t.set_axis(s.index)


#: personal columns of the canonical tables (bankxl.tables) -> how they are masked; 客户号, 员工号 and the
#: other internal keys are not personal data for the bank's staff and stay unmasked (DESIGN.md)
PERSONAL_FIELDS: dict[str, str] = {
    "id_no": "id", "co_borrower_id": "id", "guarantor_id": "id",
    "phone": "phone",
    "cust_name": "name", "emp_name": "name",
    "address": "address",
    "cpty_name": "counterparty",
    "memo": "free_text",                               # 摘要/附言: numbers and labelled names inside the text
    "acct_no": "account", "repay_acct": "account",     # the customer's own accounts: 账号脱敏
    "cpty_acct": "other_account", "acct_to": "other_account",  # someone else's account: always with 脱敏
}
_MASKERS = {"id": mask_id, "phone": mask_phone, "name": mask_name, "address": mask_address,
            "counterparty": mask_counterparty, "free_text": mask_free_text, "account": mask_account,
            "other_account": mask_account}


def mask_field(values, field: str, mask: bool = True, mask_accounts: bool = True):
    """``values`` (Series or scalar) of canonical column ``field`` as shown in a report: masked by its kind
    in :data:`PERSONAL_FIELDS` when ``mask`` (the customer's own account numbers only when ``mask_accounts``
    too); otherwise, and for a column that is not personal, the values as ``"string"`` (a scalar as str).
    Missing stays missing. Never raises for bad values."""
    kind = PERSONAL_FIELDS.get(field)
    if not mask or kind is None or (kind == "account" and not mask_accounts):
        if isinstance(values, pd.Series):
            return as_string(values.astype(object), _to_text)
        out = _to_text(values)
        return None if out is pd.NA else out
    return _MASKERS[kind](values)
