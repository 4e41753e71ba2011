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
  银行, 公司, 超市 …) -> ``张*`` but ``北京三快在线科技有限公司`` as is.

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
from typing import Any

import numpy as np
import pandas as pd

from bankxl.idcard import as_string, normalize_id

__all__ = ["COMPOUND_SURNAMES", "ORG_NAME_PATTERN", "PERSONAL_FIELDS", "mask_account", "mask_address",
           "mask_counterparty", "mask_field", "mask_id", "mask_name", "mask_phone"]

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


def _keep_ends(t: pd.Series, head: pd.Series | int, tail: pd.Series | int) -> pd.Series:
    """Keep ``head`` leading and ``tail`` trailing characters of each string, star the rest (vectorised
    per distinct (length, head, tail) combination)."""
    lens = t.str.len()
    head = pd.Series(head, index=t.index) if not isinstance(head, pd.Series) else head
    tail = pd.Series(tail, index=t.index) if not isinstance(tail, pd.Series) else tail
    out = pd.Series(pd.NA, index=t.index, dtype="string")
    ok = t.notna()
    if not ok.any():
        return out
    key = pd.DataFrame({"h": head[ok].astype(np.int64), "t": tail[ok].astype(np.int64)})
    for (h, k), idx in key.groupby(["h", "t"]).groups.items():
        sub = t[idx]
        mid = lens[idx] - h - k
        tail_part = sub.str.slice(-k) if k > 0 else pd.Series("", index=idx, dtype="string")
        out[idx] = sub.str.slice(0, h) + _stars(mid) + tail_part
    return out


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


@_series_or_scalar
def mask_phone(s: pd.Series) -> pd.Series:
    """Mask phone numbers: keep the first 3 and last 4 digits -> ``138****5678``.

    Separators (spaces, ``-``, brackets) are dropped and a leading ``+86`` / ``0086`` / ``86`` before an
    11-digit mobile number is removed, so ``+86 138-1234-5678`` -> ``138****5678``. Other numbers of 8+
    digits keep 3 + 4 (``0591-87654321`` -> ``059*****4321``); shorter ones are masked completely.
    Returns a ``"string"`` Series; missing -> ``<NA>``.
    """
    t = s.str.normalize("NFKC").str.replace(r"[^0-9]", "", regex=True)
    t = t.str.replace(r"^(?:0086|86)(1[0-9]{10})$", r"\1", regex=True)
    t = t.mask(t.str.len() == 0, s.str.normalize("NFKC").str.strip()).mask(s.isna())
    t = t.mask(t.str.len() == 0)
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
    out = _keep_ends(t, keep, 0)
    has_sep = t.str.contains(r"[·•・ ]", regex=True).fillna(False)
    if has_sep.any():

        def restore(orig: str, masked: str) -> str:
            return "".join(o if o in "·•・ " else m for o, m in zip(orig, masked))

        out[has_sep] = [restore(o, m) for o, m in zip(t[has_sep], out[has_sep])]
    return out


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


@_series_or_scalar
def mask_counterparty(s: pd.Series) -> pd.Series:
    """Mask counterparty names (对手户名): a person's name as :func:`mask_name` (``赵英婷`` -> ``赵**``); a name
    matching :data:`ORG_NAME_PATTERN` (an organisation: ``光大银行代收专户``, ``北京三快在线科技有限公司``) is
    kept whole. Returns a ``"string"`` Series; missing -> ``<NA>``."""
    t = s.str.strip()
    org = t.str.contains(ORG_NAME_PATTERN, regex=True).fillna(False).astype(bool)
    return t.where(org, mask_name(t))


#: personal columns of the canonical tables (bankxl.tables) -> how they are masked; 客户号, 员工号 and the
#: other internal keys are not personal data for the bank's staff and stay unmasked (DESIGN.md)
PERSONAL_FIELDS: dict[str, str] = {
    "id_no": "id", "co_borrower_id": "id",
    "phone": "phone",
    "cust_name": "name", "emp_name": "name",
    "address": "address",
    "cpty_name": "counterparty",
    "acct_no": "account", "repay_acct": "account",     # the customer's own accounts: 账号脱敏
    "cpty_acct": "other_account", "acct_to": "other_account",  # someone else's account: always with 脱敏
}
_MASKERS = {"id": mask_id, "phone": mask_phone, "name": mask_name, "address": mask_address,
            "counterparty": mask_counterparty, "account": mask_account, "other_account": mask_account}


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
