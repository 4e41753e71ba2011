"""The sample bank's shared skeleton: bank constants, reference data (surnames and given-name characters, districts,
holidays, other banks) and the vectorised helpers every table generator uses (``_finish``: a frame with the
canonical spec's columns and dtypes)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..tables import get_table


BANK_NAME = "示例银行"


ROOT_ID = "000000"


# surnames with rough relative frequencies (per mille of the population)
_SURNAMES = (
    ("王", 72),
    ("李", 72),
    ("张", 68),
    ("刘", 54),
    ("陈", 45),
    ("杨", 31),
    ("黄", 23),
    ("赵", 21),
    ("吴", 20),
    ("周", 19),
    ("徐", 14),
    ("孙", 13),
    ("马", 12),
    ("朱", 12),
    ("胡", 11),
    ("郭", 11),
    ("何", 10),
    ("林", 10),
    ("高", 10),
    ("罗", 9),
    ("郑", 9),
    ("梁", 9),
    ("谢", 7),
    ("宋", 6),
    ("唐", 6),
    ("许", 6),
    ("韩", 6),
    ("冯", 6),
    ("邓", 6),
    ("曹", 5),
    ("彭", 5),
    ("曾", 5),
    ("肖", 5),
    ("田", 5),
    ("董", 5),
    ("袁", 4),
    ("潘", 4),
    ("于", 4),
    ("蒋", 4),
    ("蔡", 4),
    ("余", 4),
    ("杜", 4),
    ("叶", 4),
    ("程", 4),
    ("苏", 4),
    ("魏", 4),
    ("吕", 4),
    ("丁", 4),
    ("任", 3),
    ("沈", 3),
    ("姚", 3),
    ("卢", 3),
    ("姜", 3),
    ("崔", 3),
    ("钟", 3),
    ("谭", 3),
    ("陆", 3),
    ("汪", 3),
    ("范", 3),
    ("金", 3),
    ("石", 3),
    ("廖", 3),
    ("贾", 3),
    ("夏", 2),
    ("韦", 2),
    ("付", 2),
    ("方", 2),
    ("白", 2),
    ("邹", 2),
    ("孟", 2),
    ("熊", 2),
    ("秦", 2),
    ("邱", 2),
    ("江", 2),
    ("尹", 2),
    ("薛", 2),
    ("闫", 2),
    ("段", 2),
    ("雷", 2),
    ("侯", 2),
    ("龙", 2),
    ("史", 2),
    ("陶", 2),
    ("黎", 2),
    ("贺", 2),
    ("顾", 2),
    ("毛", 2),
    ("郝", 2),
    ("龚", 2),
    ("邵", 2),
    ("万", 2),
    ("钱", 2),
    ("严", 2),
    ("覃", 1),
    ("武", 1),
    ("戴", 1),
    ("莫", 1),
    ("孔", 1),
    ("向", 1),
    ("汤", 1),
    ("欧阳", 0.5),
    ("司马", 0.1),
    ("诸葛", 0.1),
    ("上官", 0.1),
    ("东方", 0.05),
    ("皇甫", 0.05),
    ("慕容", 0.03),
    ("令狐", 0.03),
    ("司徒", 0.05),
    ("夏侯", 0.03),
)


_MALE_CHARS = tuple(
    "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林洋峰建国文志海东亮成荣新博子轩睿泽晨一宏"
    "德江永刚毅晓天振家远豪彬瑞安正思元"
)


_FEMALE_CHARS = tuple(
    "芳娜敏静丽艳娟霞秀玲桂英燕萍红梅琳雪婷慧莉倩颖欣悦怡佳雨萱涵梓诗晶月洁琴兰娇凤云霞琪璐瑶馨蕾"
    "丹妍嘉淑秋若晓可"
)


# 除夕 (last day of the lunar year)
_CHUXI = {
    2020: "2020-01-24",
    2021: "2021-02-11",
    2022: "2022-01-31",
    2023: "2023-01-21",
    2024: "2024-02-09",
    2025: "2025-01-28",
    2026: "2026-02-16",
    2027: "2027-02-05",
    2028: "2028-01-25",
    2029: "2029-02-12",
    2030: "2030-02-02",
    2031: "2031-01-22",
    2032: "2032-02-10",
    2033: "2033-01-30",
    2034: "2034-02-18",
    2035: "2035-02-07",
    2036: "2036-01-27",
    2037: "2037-02-14",
    2038: "2038-02-03",
    2039: "2039-01-23",
}


_DAY = np.timedelta64(1, "D")


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    """Non-negative int64 array -> (n,) array of zero-padded decimal strings of ``width`` chars (object)."""
    v = np.asarray(values, dtype=np.int64)
    if len(v) == 0:
        return np.array([], dtype=object)
    pows = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    mat = ((v[:, None] // pows) % 10 + 48).astype(np.uint8)
    return mat.view(f"S{width}").ravel().astype(f"U{width}").astype(object)


def _add_months(d: np.ndarray, k) -> np.ndarray:
    """datetime64[D] + k months, clamping the day to the month's end (2024-02-29 + 12M = 2025-02-28)."""
    d = np.asarray(d, dtype="datetime64[D]")
    m0 = d.astype("datetime64[M]")
    day = (d - m0.astype("datetime64[D]")).astype(np.int64)  # 0-based
    m1 = m0 + np.asarray(k, dtype=np.int64)
    dim = ((m1 + 1).astype("datetime64[D]") - m1.astype("datetime64[D]")).astype(np.int64)
    return m1.astype("datetime64[D]") + np.minimum(day, dim - 1)


def _month_end(d: np.ndarray) -> np.ndarray:
    d = np.asarray(d, dtype="datetime64[D]")
    return (d.astype("datetime64[M]") + 1).astype("datetime64[D]") - 1


def _names(rng: np.random.Generator, male: np.ndarray) -> np.ndarray:
    """Chinese full names (object array): weighted surname + 1 or 2 given-name characters by sex."""
    n = len(male)
    sur = np.array([s for s, _ in _SURNAMES], dtype=object)
    w = np.array([f for _, f in _SURNAMES], dtype=np.float64)
    out = sur[rng.choice(len(sur), size=n, p=w / w.sum())]
    mc = np.array(_MALE_CHARS, dtype=object)
    fc = np.array(_FEMALE_CHARS, dtype=object)
    c1 = np.where(male, mc[rng.integers(0, len(mc), n)], fc[rng.integers(0, len(fc), n)])
    c2 = np.where(male, mc[rng.integers(0, len(mc), n)], fc[rng.integers(0, len(fc), n)])
    two = rng.random(n) < 0.72
    given = np.where(two, c1 + c2, c1)
    return out + given


def _finish(table_id: str, data: dict) -> pd.DataFrame:
    """Build a frame in the spec's column order with exactly the spec's dtypes (no ``_row``)."""
    empty = get_table(table_id).empty().drop(columns="_row")
    n = len(next(iter(data.values()))) if data else 0
    cols = {}
    for c in empty.columns:
        v = data.get(c)
        if v is None:
            cols[c] = empty[c].reindex(range(n))  # all missing, the spec dtype (float64: NaN)
        else:
            if isinstance(v, np.ndarray) and np.issubdtype(v.dtype, np.datetime64):
                v = v.astype("datetime64[ns]")
            cols[c] = pd.Series(v).astype(empty[c].dtype)
    df = pd.DataFrame(cols)
    return df.reset_index(drop=True)


def _chuxi(year: int) -> np.datetime64:
    if year in _CHUXI:
        return np.datetime64(_CHUXI[year], "D")
    from lunardate import LunarDate  # pragma: no cover - only beyond the table

    return np.datetime64(LunarDate(year, 1, 1).to_solar_date(), "D") - 1


_OTHER_BANKS = ("中国工商银行", "中国建设银行", "中国农业银行", "中国银行", "交通银行", "招商银行", "兴业银行",
                "浦发银行", "中信银行", "平安银行", "民生银行", "光大银行")


def _settle_acct(cust_id: np.ndarray) -> np.ndarray:
    """The customer's settlement card number (16 digits, 62178 + 11-digit customer number)."""
    if not len(cust_id):
        return np.array([], dtype=object)
    nums = np.asarray(cust_id, dtype="U").astype(np.int64)  # 10-digit customer numbers
    return "62178" + _digits(nums, 11)


def _months_back(as_of: np.datetime64, k: int) -> np.ndarray:
    """First days of the k calendar months ending with the as-of month, oldest first (datetime64[D])."""
    m = as_of.astype("datetime64[M]")
    return (m - np.arange(k - 1, -1, -1)).astype("datetime64[D]")


def _valid_ids(rng, birth: np.ndarray, male_share: float, regions) -> tuple[np.ndarray, np.ndarray]:
    """Valid 18-digit IDs for ``birth`` (datetime64[D]) and sex (True = male, share ``male_share``): region code
    drawn from ``regions`` (6-digit ints), order code even/odd by sex, check digit by GB 11643. Draws from ``rng``
    in this order: sex, region, order code (callers rely on it for byte-stable samples)."""
    n = len(birth)
    y = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    m = birth.astype("datetime64[M]").astype(np.int64) % 12 + 1
    d = (birth - birth.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    male = rng.random(n) < male_share
    region = rng.choice(np.array(regions, dtype=np.int64), n)
    body17 = _digits(region * 10**11 + (y * 10000 + m * 100 + d) * 1000 + rng.integers(0, 500, n) * 2 + male, 17)
    from ..idcard import check_digit

    return body17 + check_digit(pd.Series(body17, dtype=object)).to_numpy(dtype=object), male
