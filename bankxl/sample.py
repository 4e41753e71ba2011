"""Synthetic sample bank (示例银行): canonical, typed tables for demos, tests and teaching.

:func:`make_sample_bank` builds a small Chinese bank — 全行 → 3–4 分行 → 4–6 支行 each — with customers,
time deposits, daily outlet balances, the year's deposit targets and a payroll. Everything is drawn from
one ``numpy.random.Generator`` seeded by ``seed`` (no global random state, no clock), so one seed gives
identical frames on every run and machine. Customers and deposits are generated vectorised: 1,000,000
customers (≈1.3 M deposits) take about 15–20 s and ~1.6 GB peak memory without the issue-3 tables; with
them (12 M 客户月度存款 rows, 5 M 产品持有 rows) about 22 s and ~6 GB. The organisation, the daily balances,
the targets and the payroll do not grow with ``customers``; 交易流水 is capped (``FLOW_MAX_CUSTOMERS``).

Tables (``dict`` keys, shapes for the default ``customers=2000``; columns and dtypes exactly as
``bankxl.tables.get_table(id).empty()`` without ``_row``; money in 元, rates as fractions):

``orgs`` (16–29 rows; 19 for the default seed)
    ``000000`` 示例银行 (level 全行); 分行 ``010000``, ``020000``… (level 分行, e.g. 北京分行); 支行
    ``010001``… (level 支行, e.g. 北京城东支行) whose ``parent_id`` is their 分行. ``staff_count`` is the
    organisation's own staff (not including the levels below); the payroll holds exactly that many
    employees per organisation (a few of them joined or left during the year).
``customers`` (``customers`` rows)
    客户号 ``0000000017``-style text (10 digits, leading zeros), names from a frequency-weighted surname list
    (incl. 欧阳, 司马, 诸葛 …), valid 18-digit resident IDs (≈1/11 end in X) whose region code is the
    outlet's district or a real code elsewhere in China (110105, 310104, 440305, 340524, 360426, 510107 …),
    ages 18–85 at ``as_of``, sex and birth date consistent with the ID, mobile numbers on real 1[3-9]x
    prefixes, an outlet (支行 only) and one of its 客户经理 (``mgr_id`` = a payroll ``emp_id``), 开户日期
    no later than the customer's first time deposit, 代发 and 手机银行 flags, an address.
``time_deposits`` (≈1.3 × ``customers`` rows; ≈20% of customers hold none, some hold many)
    整存整取 (≈76%), 大额存单 (≈13%, balance ≥ 200,000, terms 3–36 months), 零存整取 (≈7%, balance = monthly
    instalment × months paid), 通知存款 and 定活两便 (≈2% each; no agreed term: ``term_m`` NA and
    ``maturity_date`` NaT; the 到期日 spec is ``blank_ok``, so reading them back raises no problem). Terms 3/6/12/24/36/60 months, log-normal balances (median ≈ 50,000 元, tail to
    millions, many round amounts), rates by term and by the year of the value date (2026: 3M 0.90%,
    1Y 1.10%, 3Y 1.25%, 5Y 1.30%, 大额存单 +0.15 pp; older deposits carry the higher rates of their day).
    Maturities spread over the 13 months after ``as_of`` with bumps in the last days of each quarter and
    in the month before 除夕 (2027-02-05 for the default as-of); ≈3% matured in the last 180 days and not
    yet withdrawn (``auto_renew`` False). Month arithmetic clamps to month ends: one 整存整取 is dated
    2024-02-29 for 12 months and matured 2025-02-28 (not withdrawn). ``ccy`` CNY, ``status`` 正常,
    ``as_of`` = the as-of date.
``org_daily_balances`` (支行 × days from 1 January of the as-of year to ``as_of``; ≈5,000 rows by default)
    各项存款 balance per outlet and calendar day (元): a level of several 亿 per outlet, a yearly trend (40%
    of the year's growth in Q1: 开门红), a Spring-Festival rise, AR(1) noise, spikes on the last day of each
    month (+2–4.5%) and quarter (+5–8%) that fall back the next day. Only outlets: scenarios aggregate.
``deposit_targets`` (1 + number of 支行 rows)
    Row ``000000``: metric 各项存款日均, period 1 Jan – 31 Dec of the as-of year, ``target`` = Σ prior-year
    outlet averages × 1.08 rounded to 万元, ``base`` = that Σ; factor columns empty. One row per 支行:
    ``base`` = ``prior_avg`` (上年日均), ``prior_increment`` (上年日均增量, negative for at least two),
    ``potential`` (市场潜力), ``staff_count``; ``target`` empty (to be decomposed, D5).
``payroll`` (≈ total staff × months January..as-of month; ≈5,000 rows by default)
    One row per employee and month. 应发 items basic_pay/post_pay/perf_pay (January carries the previous
    year's performance settlement)/allowance (summer heat allowance June–September)/overtime/other_pay
    (holiday payments, occasional back pay, and one deliberate 扣回 of −500 元 for ``000051`` in May —
    valid data: a negative item); ``gross`` = Σ items. Contribution base = gross clipped to
    :data:`CONTRIB_BASE` (当地平均工资 60%–300%); pension 8%, medical 2%, unemployment 0.5%,
    housing_fund 12% of the base, annuity (企业年金个人) 2% of the base for members, iit by
    :func:`bankxl.tax.cumulative_iit` (累计预扣法: 5,000 元/month, 专项扣除 = the four social items,
    ``special_additional`` per employee, 其他扣除 = annuity, which is deductible up to 4% of the base),
    other_deduction (工会会费 0.5% of basic pay, occasional others). Every amount is rounded half-up to
    0.01 and ``net`` = gross − Σ deductions. A few employees join or leave during the year.

``loans`` (≈0.18 × ``customers`` rows; issue 3)
    The bank's own personal loans: ≈14% of customers (more of those aged 25–55), some with 2–3 loans;
    个人住房贷款 (≈45%, ~1 M 元, 240–360 months), 个人消费贷款, 个人经营贷款, 个人汽车贷款; rates by start year;
    ``monthly_payment`` = P·r/(1 − (1+r)^−n) (等额本息, r = rate/12) rounded to 0.01, ``balance`` = the
    annuity balance after the months paid; status C ≈80% / D ≈3% (``overdue_days`` 1–180) / A / B
    (finished: balance 0, ``end_date``); a loan never starts before the customer's 开户日期;
    ``acct_no`` = ``repay_acct`` = the customer's settlement card ``62178…``.
``payment_orders`` (代扣指令)
    One order per running own loan (``bank_to`` 示例银行, amount = monthly payment, 贷款还款/LOAN), half of
    the planted other-bank mortgages/business loans (``bank_to`` = the other bank), 家庭费用 (UTIL, ≈25% of
    customers) and 保险 (INSUR, ≈8%).
``transactions`` (交易流水: ``FLOW_SHARE`` 15% of customers, at most ``FLOW_MAX_CUSTOMERS``; 6 months)
    Salary credits (代发工资) for 代发 customers, spending at merchants (美团外卖, 京东商城 网购 … — not loans),
    phone bills, incoming transfers, repayments of the customer's running own loans (对手行 示例银行, amount =
    monthly payment: NOT other-bank loans), and the planted profiles of :data:`FLOW_PROFILES`: 他行房贷
    (memo 房贷月供 / "XX银行 个贷还款" / 按揭还款, same amount monthly), 他行消费贷 (memo 转账: only the same-amount
    monthly pattern reveals it), 他行经营贷, 网贷 (1–2 lenders: 借呗, 微粒贷, 金条 … repayments + a disbursement),
    多头 (3–4 lenders), 信用卡还款, 本人互转 (to the customer's own name at another bank, same amount monthly),
    房租 (same amount monthly: not a loan) and 冲正 (a loan repayment reversed the next day).
    :func:`sample_truth` returns who was planted with what (instalment, bank).
``product_holdings`` (客户 × 产品, long)
    结算账户 (balance = 活期 month-end) and 借记卡 for everyone; 手机银行 / 代发 as the customer flags; 信用卡
    (≈22–40%); 理财 (≈15%, more of the wealthy, with balance); 定期存款 (= Σ ``time_deposits`` balance);
    loan products (held = running); 社保卡, ETC, 基金; 保险 (customers with an insurance order).
``customer_monthly`` (``customers`` × 12 months up to the as-of month)
    ``td_avg`` = Σ time-deposit balance × days held in the month / days of the month (the as-of month up to
    as-of), consistent with ``time_deposits`` (deposits are held from their value date); ``dd_avg`` a random
    walk around a wealth-based level; ``dep_avg`` = td + dd; ``dep_eom`` = 定期 held at month end + 活期;
    ``wm_bal`` 理财 (as in ``product_holdings``); ``inflow`` − ``outflow`` = the change of ``dep_eom`` from the
    previous month-end.

Planted payroll anomalies (for the M1 checks; :data:`PLANTED_PAYROLL_ERRORS`, months of the as-of year,
planted only when the month is in the data):

* month 3, ``000007``: ``perf_pay`` is 100 元 more than the amount in ``gross`` (Σ items = gross + 100);
* month 7, ``000023``: ``allowance`` is 100 元 less than the amount in ``gross`` (Σ items = gross − 100);
* month 9, ``000042``: ``net`` is 200 元 short (net = gross − Σ deductions − 200);
* month 11, ``000015``: ``iit`` is 88 元 more than the cumulative method gives (net is reduced alike, so
  net = gross − Σ deductions still holds). It is the last month of the default as-of, so no later month
  depends on it.

Tax and net use the true gross, so every other row passes all checks, including a recomputation of the
tax with :func:`bankxl.tax.cumulative_iit_long` over the reported gross.

:func:`write_sample_workbooks` writes the tables as tidy input workbooks (the files users copy their
own data into).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .idcard import check_digit
from .tables import get_table
from .tax import cumulative_iit, round_half_up

__all__ = [
    "BANK_NAME",
    "CONTRIB_BASE",
    "FLOW_PROFILES",
    "PLANTED_PAYROLL_ERRORS",
    "SAMPLE_WORKBOOKS",
    "SOCIAL_RATES",
    "PlantedPayrollError",
    "make_sample_bank",
    "sample_truth",
    "write_sample_workbooks",
]

BANK_NAME = "示例银行"
ROOT_ID = "000000"

#: 缴费基数上下限 (元/月): 60% and 300% of an assumed local average wage of 12,000 元.
CONTRIB_BASE = (7_200.0, 36_000.0)
#: Employee contribution rates on the contribution base.
SOCIAL_RATES = {"pension": 0.08, "medical": 0.02, "unemployment": 0.005, "housing_fund": 0.12}
ANNUITY_RATE = 0.02


@dataclass(frozen=True)
class PlantedPayrollError:
    """A deliberate payroll anomaly: (month of the as-of year, emp_id), the check that must catch it."""

    month: int
    emp_id: str
    check: str  # 'gross' (gross != Σ items), 'net' (net != gross − Σ deductions), 'iit' (tax != 累计预扣法)
    delta: float
    note: str


PLANTED_PAYROLL_ERRORS: tuple[PlantedPayrollError, ...] = (
    PlantedPayrollError(
        3, "000007", "gross", 100.0, "绩效工资改动后应发合计未更新: Σ应发项目 = 应发合计 + 100"
    ),
    PlantedPayrollError(
        7, "000023", "gross", -100.0, "津补贴改动后应发合计未更新: Σ应发项目 = 应发合计 − 100"
    ),
    PlantedPayrollError(9, "000042", "net", -200.0, "实发合计少 200 元: 实发 = 应发 − Σ扣款 − 200"),
    PlantedPayrollError(11, "000015", "iit", 88.0, "个税比累计预扣法多 88 元(实发相应减少)"),
)

#: Workbook file -> sheets (table ids) written by :func:`write_sample_workbooks`.
SAMPLE_WORKBOOKS: dict[str, tuple[str, ...]] = {
    "样例_定期存款.xlsx": ("time_deposits", "customers", "orgs"),
    "样例_存款目标.xlsx": ("deposit_targets", "org_daily_balances", "orgs"),
    "样例_员工工资.xlsx": ("payroll",),
    "样例_贷款与流水.xlsx": ("transactions", "payment_orders", "loans", "product_holdings", "customer_monthly",
                          "customers"),
}

# ---------------------------------------------------------------------------------------------------
# Reference data
# ---------------------------------------------------------------------------------------------------

# city, province-level prefix for addresses, districts (real 6-digit codes)
_CITIES = (
    (
        "北京",
        "北京市",
        (("110105", "朝阳区"), ("110108", "海淀区"), ("110102", "西城区"), ("110106", "丰台区")),
    ),
    (
        "上海",
        "上海市",
        (("310104", "徐汇区"), ("310115", "浦东新区"), ("310105", "长宁区"), ("310110", "杨浦区")),
    ),
    (
        "深圳",
        "广东省深圳市",
        (("440305", "南山区"), ("440304", "福田区"), ("440306", "宝安区"), ("440303", "罗湖区")),
    ),
    (
        "成都",
        "四川省成都市",
        (("510107", "武侯区"), ("510104", "锦江区"), ("510108", "成华区"), ("510105", "青羊区")),
    ),
    (
        "杭州",
        "浙江省杭州市",
        (("330106", "西湖区"), ("330102", "上城区"), ("330110", "余杭区"), ("330105", "拱墅区")),
    ),
    (
        "武汉",
        "湖北省武汉市",
        (("420106", "武昌区"), ("420102", "江岸区"), ("420111", "洪山区"), ("420103", "江汉区")),
    ),
)
# birth places of customers who moved to the bank's cities (real codes; 340524 and 360426 as in SCENARIOS §8)
_ORIGIN_CODES = np.array(
    [
        340524,
        360426,
        320102,
        370102,
        430102,
        410105,
        500103,
        610113,
        350102,
        130102,
        210102,
        230102,
        450102,
        530102,
        340104,
        360102,
        420106,
        510107,
        110105,
        310104,
        440305,
        412726,
        321283,
        362330,
    ],
    dtype=np.int64,
)
_OUTLET_NAMES = (
    "城东",
    "城西",
    "城南",
    "城北",
    "高新",
    "开发区",
    "人民路",
    "中山路",
    "解放路",
    "新华路",
    "滨江",
    "科技园",
    "火车站",
    "新区",
    "文化路",
    "建设路",
)
_ROADS = (
    "人民路",
    "中山路",
    "解放路",
    "建设路",
    "和平路",
    "新华路",
    "长江路",
    "黄河路",
    "胜利路",
    "文化路",
    "光明路",
    "学府路",
    "青年路",
    "朝阳路",
    "幸福路",
    "友谊路",
    "公园路",
    "滨江大道",
    "科技路",
    "南京路",
)

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

# mobile prefixes (1[3-9]x) in use
_PHONE_PREFIXES = np.array(
    [
        130,
        131,
        132,
        133,
        134,
        135,
        136,
        137,
        138,
        139,
        150,
        151,
        152,
        153,
        155,
        156,
        157,
        158,
        159,
        166,
        170,
        173,
        175,
        176,
        177,
        178,
        180,
        181,
        182,
        183,
        184,
        185,
        186,
        187,
        188,
        189,
        191,
        193,
        195,
        198,
        199,
        147,
    ],
    dtype=np.int64,
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

_PRODUCTS = ("整存整取", "大额存单", "零存整取", "通知存款", "定活两便")
_PRODUCT_P = (0.76, 0.13, 0.07, 0.02, 0.02)
_TERMS = np.array([3, 6, 12, 24, 36, 60])
_TERM_P = {  # probabilities over _TERMS per termed product
    0: (0.12, 0.15, 0.33, 0.15, 0.20, 0.05),
    1: (0.05, 0.10, 0.25, 0.20, 0.40, 0.00),
    2: (0.00, 0.00, 0.60, 0.00, 0.30, 0.10),
}
_RATE_2026 = np.array([0.0090, 0.0100, 0.0110, 0.0120, 0.0125, 0.0130])  # 整存整取 by _TERMS
_LSZQ_RATE_2026 = {12: 0.0085, 36: 0.0100, 60: 0.0100}  # 零存整取
_NOTICE_RATE = 0.0045  # 7 天通知存款
_CD_PREMIUM = 0.0015  # 大额存单 over 整存整取
_YEAR_FACTOR = {2021: 2.3, 2022: 2.1, 2023: 1.85, 2024: 1.5, 2025: 1.12}  # rate level of older value years

_DAY = np.timedelta64(1, "D")


# ---------------------------------------------------------------------------------------------------
# Small vectorised helpers
# ---------------------------------------------------------------------------------------------------


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
            cols[c] = pd.Series(pd.array([pd.NA] * n, dtype=empty[c].dtype))
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


# ---------------------------------------------------------------------------------------------------
# Organisation and staff
# ---------------------------------------------------------------------------------------------------


def _make_orgs(rng: np.random.Generator) -> tuple[pd.DataFrame, dict]:
    n_branch = int(rng.integers(3, 5))
    city_idx = rng.choice(len(_CITIES), size=n_branch, replace=False)
    rows = [
        {
            "org_id": ROOT_ID,
            "org_name": BANK_NAME,
            "parent_id": None,
            "level": "全行",
            "region": _CITIES[city_idx[0]][1],
            "staff_count": int(rng.integers(80, 121)),
            "open_date": np.datetime64("1996-06-18"),
        }
    ]
    outlet_district = []  # (code, region) per outlet, in order
    for b, ci in enumerate(city_idx, start=1):
        city, prov, districts = _CITIES[ci]
        b_id = f"{b:02d}0000"
        b_open = np.datetime64("1998-01-01") + int(rng.integers(0, 365 * 12))
        rows.append(
            {
                "org_id": b_id,
                "org_name": f"{city}分行",
                "parent_id": ROOT_ID,
                "level": "分行",
                "region": prov,
                "staff_count": int(rng.integers(30, 61)),
                "open_date": b_open,
            }
        )
        k = int(rng.integers(4, 7))
        names = rng.choice(len(_OUTLET_NAMES), size=k, replace=False)
        for j, nm in enumerate(names, start=1):
            code, dist = districts[(j - 1) % len(districts)]
            staff = int(np.clip(np.round(rng.lognormal(np.log(14), 0.3)), 8, 25))
            o_open = b_open + int(rng.integers(0, 365 * 10))
            rows.append(
                {
                    "org_id": f"{b:02d}{j:04d}",
                    "org_name": f"{city}{_OUTLET_NAMES[nm]}支行",
                    "parent_id": b_id,
                    "level": "支行",
                    "region": f"{prov}{dist}",
                    "staff_count": staff,
                    "open_date": min(o_open, np.datetime64("2022-12-31")),
                }
            )
            outlet_district.append((int(code), f"{prov}{dist}"))
    df = pd.DataFrame(rows)
    df["open_date"] = df["open_date"].astype("datetime64[ns]")
    orgs = _finish("orgs", {c: df[c].to_numpy() for c in df.columns})
    return orgs, {"outlet_district": outlet_district}


_HQ_DEPTS = (
    "办公室",
    "人力资源部",
    "财务会计部",
    "风险管理部",
    "个人金融部",
    "公司金融部",
    "信息科技部",
    "运营管理部",
)
_BRANCH_DEPTS = ("综合办公室", "个人金融部", "公司金融部", "风险管理部", "运营管理部")
_BASIC_BY_GRADE = {
    "P1": 3000,
    "P2": 3400,
    "P3": 3900,
    "P4": 4500,
    "P5": 5200,
    "P6": 6000,
    "M1": 6500,
    "M2": 7500,
    "M3": 9000,
    "M4": 11000,
}
_POST = {
    "柜员": 2200,
    "大堂经理": 2600,
    "客户经理": 3000,
    "理财经理": 3200,
    "专业岗": 3000,
    "部门经理": 5000,
    "副行长": 6000,
    "行长": 8000,
}
_PERF = {
    "柜员": (2500, 0.20),
    "大堂经理": (2600, 0.20),
    "客户经理": (4500, 0.45),
    "理财经理": (4200, 0.40),
    "专业岗": (3500, 0.20),
    "部门经理": (7000, 0.25),
    "副行长": (9000, 0.25),
    "行长": (12000, 0.25),
}


def _make_staff(rng: np.random.Generator, orgs: pd.DataFrame, n_months: int) -> pd.DataFrame:
    """One row per employee: org, dept, position, grade, pay parameters, months employed (1-based)."""
    recs = []
    for org_id, name, level, staff in orgs[["org_id", "org_name", "level", "staff_count"]].itertuples(
        index=False
    ):
        staff = int(staff)
        if level == "全行":
            pos = ["行长", "副行长", "副行长"] + ["部门经理"] * len(_HQ_DEPTS)
            pos += ["专业岗"] * (staff - len(pos))
            depts = (
                ["行领导"] * 3
                + list(_HQ_DEPTS)
                + [_HQ_DEPTS[i % len(_HQ_DEPTS)] for i in range(staff - 3 - 8)]
            )
            grades = ["M4", "M3", "M3"] + ["M2"] * len(_HQ_DEPTS) + [None] * (staff - 3 - len(_HQ_DEPTS))
        elif level == "分行":
            pos = ["行长", "副行长"] + ["部门经理"] * len(_BRANCH_DEPTS)
            rest = staff - len(pos)
            n_cm = rest * 3 // 10
            pos += ["客户经理"] * n_cm + ["专业岗"] * (rest - n_cm)
            depts = [f"{name}行领导"] * 2 + [f"{name}{d}" for d in _BRANCH_DEPTS]
            depts += [f"{name}{_BRANCH_DEPTS[1 + i % 2]}" for i in range(n_cm)]
            depts += [f"{name}{_BRANCH_DEPTS[i % len(_BRANCH_DEPTS)]}" for i in range(rest - n_cm)]
            grades = ["M3", "M2"] + ["M1"] * len(_BRANCH_DEPTS) + [None] * rest
        else:
            n_cm = int(np.clip(staff // 3, 3, 6))
            pos = (
                ["行长"]
                + (["副行长"] if staff >= 12 else [])
                + ["大堂经理", "理财经理"]
                + ["客户经理"] * n_cm
            )
            pos += ["柜员"] * (staff - len(pos))
            depts = [name] * staff
            grades = ["M1"] + (["M1"] if staff >= 12 else []) + [None] * (staff - 1 - (staff >= 12))
        for p, d, g in zip(pos, depts, grades):
            recs.append((org_id, d, p, g))
    staff_df = pd.DataFrame(recs, columns=["org_id", "dept", "position", "grade"])
    n = len(staff_df)
    staff_df["emp_id"] = _digits(np.arange(1, n + 1), 6)
    pgrade = np.array(["P1", "P2", "P3", "P4", "P5", "P6"], dtype=object)
    drawn = pgrade[rng.choice(6, size=n, p=(0.12, 0.22, 0.26, 0.2, 0.13, 0.07))]
    staff_df["grade"] = np.where(staff_df["grade"].isna(), drawn, staff_df["grade"])
    male = rng.random(n) < 0.48
    staff_df["emp_name"] = _names(rng, male)
    staff_df["basic"] = staff_df["grade"].map(_BASIC_BY_GRADE).astype(float)
    plev = staff_df["grade"].str[1].astype(int).to_numpy()
    staff_df["post"] = np.round(staff_df["position"].map(_POST).to_numpy() * (1 + 0.08 * (plev - 1)), -1)
    staff_df["perf_base"] = staff_df["position"].map(lambda p: _PERF[p][0]).astype(float) * (
        1 + 0.06 * (plev - 1)
    )
    staff_df["perf_sigma"] = staff_df["position"].map(lambda p: _PERF[p][1]).astype(float)
    staff_df["allowance"] = (rng.integers(9, 16, n) * 100).astype(float) + np.where(
        staff_df["grade"].str.startswith("M"), 500.0, 0.0
    )
    staff_df["special_additional"] = rng.choice(
        [0.0, 1000.0, 1500.0, 2000.0, 3000.0, 4000.0, 5000.0],
        size=n,
        p=(0.30, 0.15, 0.07, 0.18, 0.15, 0.10, 0.05),
    )
    staff_df["annuity_member"] = rng.random(n) < 0.8
    # joiners / leavers among ordinary staff (never the first 60 head-office employees)
    start = np.ones(n, dtype=np.int64)
    end = np.full(n, n_months, dtype=np.int64)
    if n_months >= 3:
        ordinary = staff_df["position"].isin(["柜员", "专业岗"]).to_numpy() & (np.arange(n) >= 60)
        u = rng.random(n)
        join = ordinary & (u < 0.03)
        leave = ordinary & (u >= 0.03) & (u < 0.05)
        start[join] = rng.integers(2, n_months + 1, join.sum())
        end[leave] = rng.integers(1, n_months, leave.sum())
    staff_df["start_m"] = start
    staff_df["end_m"] = end
    return staff_df


# ---------------------------------------------------------------------------------------------------
# Payroll
# ---------------------------------------------------------------------------------------------------


def _make_payroll(rng: np.random.Generator, staff: pd.DataFrame, as_of: np.datetime64) -> pd.DataFrame:
    year = int(as_of.astype("datetime64[Y]").astype(np.int64) + 1970)
    n_months = int(as_of.astype("datetime64[M]").astype(np.int64) - (year - 1970) * 12 + 1)
    n = len(staff)
    months = np.arange(1, n_months + 1)
    shape = (n, n_months)
    employed = (months[None, :] >= staff["start_m"].to_numpy()[:, None]) & (
        months[None, :] <= staff["end_m"].to_numpy()[:, None]
    )

    basic = np.repeat(staff["basic"].to_numpy()[:, None], n_months, axis=1)
    post = np.repeat(staff["post"].to_numpy()[:, None], n_months, axis=1)
    mfac = np.where(months == 1, 2.5, np.where(np.isin(months, (3, 6, 9, 12)), 1.3, 1.0))
    perf = (
        staff["perf_base"].to_numpy()[:, None]
        * mfac[None, :]
        * rng.lognormal(0.0, 1.0, shape) ** staff["perf_sigma"].to_numpy()[:, None]
    )
    perf = round_half_up(perf)
    allowance = (
        staff["allowance"].to_numpy()[:, None] + np.where((months >= 6) & (months <= 9), 300.0, 0.0)[None, :]
    )
    counter = staff["position"].isin(["柜员", "大堂经理"]).to_numpy()[:, None]
    ot_p = np.where(counter, 0.35, 0.05)
    overtime = np.where(rng.random(shape) < ot_p, rng.integers(15, 90, shape) * 10.0, 0.0)
    sf_month = int(str(_chuxi(year).astype("datetime64[M]"))[5:7])
    other = np.where(months == sf_month, 1000.0, 0.0)[None, :] + np.where(months == 9, 800.0, 0.0)[None, :]
    other = other + np.where(rng.random(shape) < 0.01, rng.integers(2, 20, shape) * 100.0, 0.0)
    other = np.broadcast_to(other, shape).copy()
    # one 扣回 (negative item): valid data, an edge case for the visualisation
    if n > 50 and n_months >= 5:  # employee 000051 (head office, employed all year), May
        other[50, 4] = -500.0
    items = {
        "basic_pay": basic,
        "post_pay": post,
        "perf_pay": perf,
        "allowance": allowance,
        "overtime": overtime,
        "other_pay": other,
    }
    items = {k: np.broadcast_to(v, shape).astype(np.float64) for k, v in items.items()}
    gross = round_half_up(sum(items.values()))

    base = np.clip(gross, *CONTRIB_BASE)
    ded = {k: round_half_up(base * r) for k, r in SOCIAL_RATES.items()}
    ded["annuity"] = np.where(
        staff["annuity_member"].to_numpy()[:, None], round_half_up(base * ANNUITY_RATE), 0.0
    )
    union = round_half_up(basic * 0.005)
    ded["other_deduction"] = round_half_up(
        union + np.where(rng.random(shape) < 0.02, rng.integers(1, 6, shape) * 100.0, 0.0)
    )
    special = ded["pension"] + ded["medical"] + ded["unemployment"] + ded["housing_fund"]
    sa = np.repeat(staff["special_additional"].to_numpy()[:, None], n_months, axis=1)
    taxable = np.where(employed, gross - special - sa - ded["annuity"] - 5000.0, 0.0)
    ded["iit"] = cumulative_iit(taxable)
    total_ded = sum(
        ded[k]
        for k in ("pension", "medical", "unemployment", "housing_fund", "annuity", "iit", "other_deduction")
    )
    net = round_half_up(gross - total_ded)

    month_dates = (np.datetime64(f"{year}-01", "M") + (months - 1)).astype("datetime64[D]")
    ii, jj = np.nonzero(employed.T)  # month-major: all employees of January first
    emp_idx, mon_idx = jj, ii
    data = {
        "month": month_dates[mon_idx],
        "emp_id": staff["emp_id"].to_numpy()[emp_idx],
        "emp_name": staff["emp_name"].to_numpy()[emp_idx],
        "dept": staff["dept"].to_numpy()[emp_idx],
        "org_id": staff["org_id"].to_numpy()[emp_idx],
        "position": staff["position"].to_numpy()[emp_idx],
        "grade": staff["grade"].to_numpy()[emp_idx],
    }
    for k, v in items.items():
        data[k] = v[emp_idx, mon_idx].copy()
    data["gross"] = gross[emp_idx, mon_idx].copy()
    for k in ("pension", "medical", "unemployment", "housing_fund", "annuity", "iit", "other_deduction"):
        data[k] = ded[k][emp_idx, mon_idx].copy()
    data["special_additional"] = sa[emp_idx, mon_idx].copy()
    data["net"] = net[emp_idx, mon_idx].copy()

    # planted anomalies
    for e in PLANTED_PAYROLL_ERRORS:
        if e.month > n_months:
            continue
        hit = np.nonzero((data["emp_id"] == e.emp_id) & (mon_idx + 1 == e.month))[0]
        if len(hit) != 1:
            continue
        r = hit[0]
        if e.check == "gross":
            data["perf_pay" if e.delta > 0 else "allowance"][r] += e.delta
        elif e.check == "net":
            data["net"][r] = round(data["net"][r] + e.delta, 2)
        elif e.check == "iit":
            data["iit"][r] = round(data["iit"][r] + e.delta, 2)
            data["net"][r] = round(data["net"][r] - e.delta, 2)
    return _finish("payroll", data)


# ---------------------------------------------------------------------------------------------------
# Customers and time deposits
# ---------------------------------------------------------------------------------------------------


def _make_customers(rng, n, as_of, orgs, outlet_district, staff):
    outlets = orgs[orgs["level"] == "支行"].reset_index(drop=True)
    n_out = len(outlets)
    w = outlets["staff_count"].to_numpy(dtype=float) * rng.lognormal(0, 0.25, n_out)
    o = rng.choice(n_out, size=n, p=w / w.sum())

    # 客户经理 of each outlet
    cm = staff[staff["position"] == "客户经理"]
    mgr_lists = [cm.loc[cm["org_id"] == oid, "emp_id"].to_numpy() for oid in outlets["org_id"]]
    mgr_flat = np.concatenate(mgr_lists) if mgr_lists else np.array([], dtype=object)
    counts = np.array([len(x) for x in mgr_lists], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]) if n_out else np.array([], dtype=np.int64)
    mgr = (
        mgr_flat[starts[o] + (rng.random(n) * counts[o]).astype(np.int64)]
        if n
        else np.array([], dtype=object)
    )

    cust_no = np.cumsum(rng.integers(1, 40, n, dtype=np.int64)) + 1000
    cust_id = _digits(cust_no, 10)

    # birth dates: ages 18–85 at as_of
    hi = _add_months(np.array([as_of]), -18 * 12)[0]
    lo = _add_months(np.array([as_of]), -86 * 12)[0] + 1
    span = int((hi - lo) / _DAY)
    birth = hi - np.round(rng.beta(2.0, 2.6, n) * span).astype(np.int64)
    male = rng.random(n) < 0.49
    by = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    bm = birth.astype("datetime64[M]").astype(np.int64) % 12 + 1
    bd = (birth - birth.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    local_code = np.array([c for c, _ in outlet_district], dtype=np.int64)[o] if n else np.zeros(0, np.int64)
    region = np.where(rng.random(n) < 0.7, local_code, _ORIGIN_CODES[rng.integers(0, len(_ORIGIN_CODES), n)])
    seq = rng.integers(0, 500, n, dtype=np.int64) * 2 + male
    body = region * 10**11 + (by * 10000 + bm * 100 + bd) * 1000 + seq
    body17 = _digits(body, 17)
    id_no = body17 + check_digit(pd.Series(body17, dtype=object)).to_numpy(dtype=object)

    phone = _digits(
        _PHONE_PREFIXES[rng.integers(0, len(_PHONE_PREFIXES), n)] * 10**8
        + rng.integers(0, 10**8, n, dtype=np.int64),
        11,
    )

    age_days = (as_of - birth) / _DAY
    adult = np.maximum(age_days - 18 * 365.25, 0)
    since_1995 = (as_of - np.datetime64("1995-01-01")) / _DAY
    days_ago = np.minimum(np.minimum(rng.exponential(7 * 365.25, n), adult), since_1995)
    open_date = as_of - np.floor(days_ago).astype(np.int64)

    age = age_days / 365.25
    payroll_flag = rng.random(n) < np.where((age >= 23) & (age < 58), 0.32, 0.06)
    mobile = rng.random(n) < np.clip(0.97 - 0.012 * np.maximum(age - 35, 0), 0.3, 0.97)

    regions = np.array([r for _, r in outlet_district], dtype=object)
    roads = np.array(_ROADS, dtype=object)
    addr = (
        (
            regions[o]
            + roads[rng.integers(0, len(roads), n)]
            + pd.Series(rng.integers(1, 400, n)).astype(str).to_numpy(dtype=object)
            + "号"
            + pd.Series(rng.integers(1, 30, n)).astype(str).to_numpy(dtype=object)
            + "栋"
            + pd.Series(rng.integers(1, 33, n) * 100 + rng.integers(1, 5, n))
            .astype(str)
            .to_numpy(dtype=object)
            + "室"
        )
        if n
        else np.array([], dtype=object)
    )

    data = {
        "cust_id": cust_id,
        "cust_name": _names(rng, male),
        "id_no": id_no,
        "id_type": np.full(n, "居民身份证", dtype=object),
        "phone": phone,
        "sex": np.where(male, "男", "女").astype(object),
        "birth_date": birth,
        "org_id": outlets["org_id"].to_numpy(dtype=object)[o] if n else np.array([], dtype=object),
        "mgr_id": mgr,
        "open_date": open_date,
        "payroll_flag": payroll_flag,
        "mobile_banking": mobile,
        "address": addr,
    }
    wealth = rng.normal(0.0, 0.9, n) + 0.012 * (age - 45)
    return data, wealth


def _make_time_deposits(rng, cust: dict, wealth: np.ndarray, as_of: np.datetime64):
    n = len(cust["cust_id"])
    k = np.where(rng.random(n) < 0.2, 0, rng.geometric(0.615, n))
    ci = np.repeat(np.arange(n), k)
    m = len(ci)
    prod = rng.choice(len(_PRODUCTS), size=m, p=_PRODUCT_P)
    termed = prod <= 2

    # terms
    term = np.zeros(m, dtype=np.int64)
    for p, probs in _TERM_P.items():
        sel = prod == p
        term[sel] = _TERMS[rng.choice(len(_TERMS), size=sel.sum(), p=probs)]

    # maturities: mixture of uniform / quarter-end / pre-Spring-Festival / matured-not-withdrawn
    horizon = _add_months(np.array([as_of]), 13)[0]
    win_end = np.minimum(_add_months(np.full(m, as_of), term), horizon)
    win_days = np.maximum((win_end - as_of) / _DAY, 1).astype(np.int64)
    comp = rng.choice(4, size=m, p=(0.03, 0.75, 0.12, 0.10))
    mat = as_of + 1 + np.floor(rng.random(m) * win_days).astype(np.int64)  # uniform (default)
    # quarter ends after as_of within the horizon
    q0 = as_of.astype("datetime64[M]")
    qm = q0 + np.arange(0, 16)
    qm = qm[(qm.astype(np.int64) % 12) % 3 == 2]
    qe = _month_end(qm.astype("datetime64[D]"))
    qe = qe[(qe > as_of) & (qe <= horizon)]
    nq = np.searchsorted(qe, win_end, side="right")
    sel = (comp == 2) & (nq > 0)
    if len(qe):
        pick = qe[np.floor(rng.random(m) * np.maximum(nq, 1)).astype(np.int64)]
        cand = pick - rng.integers(0, 5, m)
        ok = sel & (cand > as_of)
        mat[ok] = cand[ok]
    # the month before the next 除夕 within the horizon
    yr = int(as_of.astype("datetime64[Y]").astype(np.int64) + 1970)
    eve = next((e for e in (_chuxi(yr), _chuxi(yr + 1)) if as_of < e - 1 <= horizon), None)
    if eve is not None:
        cand = eve - 30 + rng.integers(0, 30, m)
        ok = (comp == 3) & (cand > as_of) & (cand <= win_end)
        mat[ok] = cand[ok]
    matured = (comp == 0) & termed
    mat[matured] = as_of - rng.integers(1, 181, matured.sum())

    value = _add_months(mat, -term)
    # untermed products: value date only
    value[~termed] = as_of - rng.integers(1, 721, (~termed).sum())
    # nobody deposits before turning 18: such deposits start on the 18th birthday instead
    adult = _add_months(cust["birth_date"][ci], 18 * 12)
    value = np.minimum(np.maximum(value, adult), as_of)
    mat = _add_months(value, term)
    matured &= mat <= as_of

    # balances
    w = wealth[ci]
    amt = np.exp(np.log(50_000) + w + rng.normal(0, 0.6, m))
    amt = np.where(
        amt >= 10_000, np.where(rng.random(m) < 0.4, np.round(amt, -4), np.round(amt, -2)), np.round(amt, -2)
    )
    amt = np.maximum(amt, 100.0)
    cd = prod == 1
    amt[cd] = np.round(
        200_000 * np.exp(np.abs(rng.normal(0, 0.8, cd.sum())) + 0.3 * np.maximum(w[cd], 0)), -4
    )
    ls = prod == 2
    inst = rng.choice([500.0, 1000.0, 2000.0, 3000.0, 5000.0], size=ls.sum(), p=(0.2, 0.35, 0.25, 0.1, 0.1))
    paid = np.clip(
        ((as_of.astype("datetime64[M]") - value[ls].astype("datetime64[M]")).astype(np.int64)) + 1,
        1,
        term[ls],
    )
    amt[ls] = inst * paid
    nt = prod == 3
    amt[nt] = np.round(50_000 * np.exp(np.abs(rng.normal(0, 1.0, nt.sum()))), -4)
    dh = prod == 4
    amt[dh] = np.maximum(np.round(np.exp(np.log(20_000) + rng.normal(0, 0.8, dh.sum())), -2), 100.0)

    # rates: by term, product and the rate level of the value year
    vy = value.astype("datetime64[Y]").astype(np.int64) + 1970
    fac = np.ones(m)
    for y, f in _YEAR_FACTOR.items():
        fac[vy == y] = f
    fac[vy < min(_YEAR_FACTOR)] = _YEAR_FACTOR[min(_YEAR_FACTOR)]
    ti = np.searchsorted(_TERMS, term)
    ti = np.clip(ti, 0, len(_TERMS) - 1)
    rate = _RATE_2026[ti] * fac
    rate[cd] = (_RATE_2026[ti[cd]] + _CD_PREMIUM) * fac[cd]
    for t, r in _LSZQ_RATE_2026.items():
        s = ls & (term == t)
        rate[s] = r * fac[s]
    rate[nt] = _NOTICE_RATE
    rate[dh] = _RATE_2026[2] * 0.6
    rate = np.round(rate, 6)

    renew_p = np.array([0.55, 0.2, 0.0, 0.0, 0.0])[prod]
    auto_renew = (rng.random(m) < renew_p) & ~matured

    # the 29 February case: 2024-02-29 + 12 months = 2025-02-28, matured, not withdrawn
    zz = np.nonzero((prod == 0) & (adult <= np.datetime64("2024-02-29")))[0]
    if as_of <= np.datetime64("2025-02-28"):  # only once that deposit has matured
        zz = zz[:0]
    if len(zz):
        r = zz[0]
        value[r] = np.datetime64("2024-02-29")
        term[r] = 12
        mat[r] = _add_months(value[r : r + 1], 12)[0]
        rate[r] = round(_RATE_2026[2] * _YEAR_FACTOR[2024], 6)
        auto_renew[r] = False

    mat_out = mat.astype("datetime64[ns]")
    mat_out[~termed] = np.datetime64("NaT")
    term_out = pd.array(np.where(termed, term, 0), dtype="Int64")
    term_out[~termed] = pd.NA

    prod_code = (prod + 1).astype(np.int64)
    org = cust["org_id"][ci]
    acct_no = (
        (org.astype(object) + _digits(prod_code, 2) + _digits(np.arange(1, m + 1) * 7 + 1_000_000, 10))
        if m
        else np.array([], dtype=object)
    )

    data = {
        "acct_no": acct_no,
        "cust_id": cust["cust_id"][ci],
        "cust_name": cust["cust_name"][ci],
        "id_no": cust["id_no"][ci],
        "org_id": org,
        "mgr_id": cust["mgr_id"][ci],
        "product": np.array(_PRODUCTS, dtype=object)[prod],
        "value_date": value,
        "maturity_date": mat_out,
        "term_m": term_out,
        "rate": rate,
        "balance": amt.astype(np.float64),
        "auto_renew": auto_renew,
        "ccy": np.full(m, "CNY", dtype=object),
        "status": np.full(m, "正常", dtype=object),
        "as_of": np.full(m, as_of),
    }
    # a customer's relationship starts no later than the first deposit
    first = np.full(n, np.datetime64("2262-01-01", "D"))
    np.minimum.at(first, ci, value)
    cust["open_date"] = np.minimum(cust["open_date"], first)
    return data


# ---------------------------------------------------------------------------------------------------
# Daily balances and targets
# ---------------------------------------------------------------------------------------------------


def _make_balances_targets(rng, orgs: pd.DataFrame, as_of: np.datetime64):
    outlets = orgs[orgs["level"] == "支行"].reset_index(drop=True)
    k = len(outlets)
    year = int(as_of.astype("datetime64[Y]").astype(np.int64) + 1970)
    start = np.datetime64(f"{year}-01-01", "D")
    days = np.arange(start, as_of + 1, dtype="datetime64[D]")
    t = len(days)
    staff = outlets["staff_count"].to_numpy(dtype=float)
    level0 = staff * 6e7 * rng.lognormal(0, 0.3, k)  # 1 January level, 元
    g = rng.normal(0.08, 0.05, k)  # growth over the year
    # share of the year's growth reached by each day: Q1 40%, Q2 25%, Q3 20%, Q4 15%
    doy = (days - start) / _DAY
    ylen = 366 if (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)) else 365
    qstart = np.array([0, 90, 181, 273, ylen], dtype=float)
    qshare = np.array([0, 0.40, 0.65, 0.85, 1.0])
    frac = np.interp(doy, qstart, qshare)
    trend = level0[:, None] * (1 + g[:, None] * frac[None, :])
    # Spring Festival: personal deposits rise in the 3 weeks before 除夕, ebb over the 2 weeks after
    eve = _chuxi(year)
    rel = (days - eve) / _DAY
    sf = np.where(
        (rel >= -21) & (rel <= 0),
        0.03 * (rel + 21) / 21,
        np.where((rel > 0) & (rel <= 14), 0.03 * (14 - rel) / 14, 0.0),
    )
    sf_amp = rng.uniform(0.5, 1.5, k)
    # AR(1) noise
    e = np.zeros((k, t))
    shocks = rng.normal(0, 0.004, (k, t))
    for j in range(1, t):
        e[:, j] = 0.9 * e[:, j - 1] + shocks[:, j]
    # period-end spikes
    me = days == _month_end(days)
    qe = me & np.isin(days.astype("datetime64[M]").astype(np.int64) % 12, (2, 5, 8, 11))
    spike = np.where(
        qe[None, :],
        rng.uniform(0.05, 0.08, (k, t)),
        np.where(me[None, :], rng.uniform(0.02, 0.045, (k, t)), 0.0),
    )
    pre = np.roll(me, -1) & ~me
    pre[-1] = False
    spike = spike + np.where(pre[None, :], rng.uniform(0.003, 0.01, (k, t)), 0.0)
    bal = trend * (1 + sf_amp[:, None] * sf[None, :] + e + spike)
    bal = round_half_up(np.maximum(bal, 1.0))
    balances = _finish(
        "org_daily_balances",
        {
            "date": np.tile(days, k),
            "org_id": np.repeat(outlets["org_id"].to_numpy(dtype=object), t),
            "balance": bal.ravel(),
            "metric": np.full(k * t, "各项存款", dtype=object),
        },
    )

    # targets: prior-year averages consistent with the January level
    g_prev = rng.normal(0.07, 0.05, k)
    prior_avg = round_half_up(level0 * (1 - 0.45 * g_prev))
    g24 = rng.normal(0.06, 0.06, k)
    if k >= 2:
        neg = rng.choice(k, size=2, replace=False)
        g24[neg] = -rng.uniform(0.02, 0.08, 2)
    prior_inc = round_half_up(prior_avg * (1 - 1 / (1 + g24)))
    potential = np.round(prior_avg * rng.uniform(0.05, 0.5, k), -4)
    total = float(round_half_up(prior_avg.sum()))
    p_start = np.datetime64(f"{year}-01-01", "D")
    p_end = np.datetime64(f"{year}-12-31", "D")
    nrow = k + 1
    targets = _finish(
        "deposit_targets",
        {
            "org_id": np.concatenate([[ROOT_ID], outlets["org_id"].to_numpy(dtype=object)]).astype(object),
            "metric": np.full(nrow, "各项存款日均", dtype=object),
            "period_start": np.full(nrow, p_start),
            "period_end": np.full(nrow, p_end),
            "target": np.concatenate([[round(total * 1.08, -4)], np.full(k, np.nan)]),
            "base": np.concatenate([[total], prior_avg]),
            "prior_avg": np.concatenate([[np.nan], prior_avg]),
            "prior_increment": np.concatenate([[np.nan], prior_inc]),
            "potential": np.concatenate([[np.nan], potential]),
            "staff_count": pd.array([pd.NA] + [int(x) for x in staff], dtype="Int64"),
        },
    )
    return balances, targets


# ---------------------------------------------------------------------------------------------------
# Loans, payment orders, transactions, product holdings, customer monthly (issue 3)
# ---------------------------------------------------------------------------------------------------

_OTHER_BANKS = ("中国工商银行", "中国建设银行", "中国农业银行", "中国银行", "交通银行", "招商银行", "兴业银行",
                "浦发银行", "中信银行", "平安银行", "民生银行", "光大银行")
#: internet lenders: (对手户名, 还款摘要, 放款摘要)
_LENDERS = (("重庆蚂蚁消费金融有限公司", "借呗还款", "借呗放款"), ("深圳前海微众银行", "微粒贷还款", "微粒贷放款"),
            ("京东金融-金条", "金条还款", "金条放款"), ("度小满金融", "有钱花还款", "有钱花放款"),
            ("招联消费金融有限公司", "招联还款", "招联放款"), ("马上消费金融股份有限公司", "安逸花还款", "安逸花放款"),
            ("360借条", "360借条还款", "360借条放款"), ("分期乐", "分期乐还款", "分期乐放款"))
_MERCHANTS = (("北京三快在线科技有限公司", "美团外卖"), ("京东商城", "网购"), ("财付通-微信支付", "消费"),
              ("支付宝-淘宝", "网购"), ("某连锁超市", "消费"), ("中国石化加油站", "加油"), ("滴滴出行", "交通"))
_EMPLOYERS = ("某科技有限公司", "某制造股份有限公司", "某市第一人民医院", "某区教育局", "某建设集团有限公司",
              "某物流有限公司", "某商贸有限公司")
_LOAN_KINDS = ("个人住房贷款", "个人消费贷款", "个人经营贷款", "个人汽车贷款")
_LOAN_KIND_P = (0.45, 0.35, 0.15, 0.05)

#: flow profiles planted among the customers with transactions (share of them); :func:`sample_truth`
FLOW_PROFILES = (("他行房贷", 0.08), ("他行消费贷", 0.05), ("他行经营贷", 0.03), ("网贷", 0.08), ("多头", 0.03),
                 ("信用卡还款", 0.12), ("本人互转", 0.08), ("房租", 0.05), ("冲正", 0.03))
#: share of customers with 6 months of flows, and its cap (keeps 交易流水 under Excel's row limit)
FLOW_SHARE, FLOW_MAX_CUSTOMERS, FLOW_MONTHS = 0.15, 15_000, 6


def _annuity_payment(principal, annual_rate, n):
    """Monthly payment of an annuity loan (等额本息): P·r / (1 − (1+r)^−n), r = annual_rate / 12."""
    r = np.asarray(annual_rate, dtype=np.float64) / 12.0
    n = np.asarray(n, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        pay = np.where(r > 0, principal * r / (1.0 - (1.0 + r) ** (-n)), principal / n)
    return pay


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


def _make_loans(rng, cust: dict, wealth: np.ndarray, as_of: np.datetime64) -> tuple[dict, np.ndarray]:
    """Own loans (≈14% of customers, some with 2–3): returns (table data, customer index per loan)."""
    n = len(cust["cust_id"])
    age = (as_of - cust["birth_date"]) / _DAY / 365.25
    p = np.where((age >= 25) & (age < 55), 0.18, 0.07)
    k = np.where(rng.random(n) < p, 1 + (rng.random(n) < 0.22) + (rng.random(n) < 0.05), 0)
    # months the relationship has lasted: a loan never starts before the customer's 开户日期
    rel_m = (as_of.astype("datetime64[M]") - cust["open_date"].astype("datetime64[M]")).astype(np.int64)
    k[rel_m < 2] = 0
    li = np.repeat(np.arange(n), k)
    m = len(li)
    kind = rng.choice(len(_LOAN_KINDS), size=m, p=_LOAN_KIND_P)
    w = wealth[li]
    z = rng.normal(0, 1, m)
    med = np.array([1_000_000.0, 100_000.0, 500_000.0, 150_000.0])[kind]
    sig = np.array([0.45, 0.6, 0.6, 0.35])[kind]
    amt = np.exp(np.log(med) + sig * z + 0.25 * np.clip(w, -2, 2))
    amt = np.where(kind == 0, np.round(amt, -4), np.round(amt, -3))
    terms = {0: ([240, 300, 360], [0.3, 0.3, 0.4]), 1: ([12, 24, 36, 60], [0.25, 0.3, 0.3, 0.15]),
             2: ([12, 24, 36, 60], [0.3, 0.3, 0.25, 0.15]), 3: ([24, 36, 60], [0.3, 0.4, 0.3])}
    term = np.zeros(m, dtype=np.int64)
    for kk, (opts, pr) in terms.items():
        s = kind == kk
        term[s] = rng.choice(opts, size=s.sum(), p=pr)
    u = rng.random(m)
    status = np.where(u < 0.80, "C", np.where(u < 0.83, "D", np.where(u < 0.985, "A", "B"))).astype(object)
    rel = rel_m[li]
    finished = np.isin(status, ["A", "B"]) & (rel > term + 1)
    status[np.isin(status, ["A", "B"]) & ~finished] = "C"
    # months since the start: running loans 1 .. min(term − 1, relationship), finished loans > term
    run_el = 1 + np.floor(rng.random(m) * np.maximum(np.minimum(term - 1, rel - 1), 1)).astype(np.int64)
    fin_el = term + 1 + np.floor(rng.random(m) * np.maximum(np.minimum(36, rel - term - 1), 1)).astype(np.int64)
    elapsed = np.where(finished, fin_el, run_el)
    start = _add_months(np.full(m, as_of.astype("datetime64[M]").astype("datetime64[D]")), -elapsed)
    start = start + rng.integers(0, 28, m)
    start = np.minimum(np.maximum(start, cust["open_date"][li]), as_of - 28)
    mat = _add_months(start, term)
    sy = start.astype("datetime64[Y]").astype(np.int64) + 1970
    base = np.select([sy <= 2021, sy <= 2023, sy == 2024], [0.049, 0.041, 0.035], 0.031)
    rate = np.round(base + np.array([0.0, 0.006, 0.004, 0.008])[kind] + rng.normal(0, 0.0015, m), 4)
    rate = np.maximum(rate, 0.025)
    mp = round_half_up(_annuity_payment(amt, rate, term))
    r = rate / 12
    paid = np.minimum(elapsed, term)
    g = (1 + r) ** paid
    bal = np.maximum(amt * g - mp * (g - 1) / r, 0.0)
    bal = np.where(finished, 0.0, round_half_up(bal))
    end = np.where(finished, np.minimum(mat, as_of - rng.integers(1, 300, m)), np.datetime64("NaT"))
    end = np.where(finished & (status == "B"), start + (mat - start) // 2, end).astype("datetime64[D]")
    overdue = np.where(status == "D", rng.integers(1, 181, m), 0)
    acct = cust["_acct"][li] if m else np.array([], dtype=object)
    data = {
        "loan_id": "LN" + _digits(np.arange(1, m + 1) * 13 + 5_000_000, 10) if m else np.array([], dtype=object),
        "cust_id": cust["cust_id"][li], "cust_name": cust["cust_name"][li], "id_no": cust["id_no"][li],
        "org_id": cust["org_id"][li], "mgr_id": cust["mgr_id"][li], "acct_no": acct,
        "product": np.array(_LOAN_KINDS, dtype=object)[kind], "start_date": start,
        "maturity_date": mat, "amount": amt, "balance": bal, "rate": rate, "term_m": term,
        "repay_method": np.full(m, "等额本息", dtype=object), "monthly_payment": mp, "repay_acct": acct,
        "status": status, "overdue_days": overdue, "end_date": end, "as_of": np.full(m, as_of),
    }
    return data, li


def _stream(ci, dates, amount, dc, name, bank, memo, channel, acct=None) -> dict:
    k = len(ci)
    full = lambda v: np.full(k, v, dtype=object) if np.isscalar(v) or v is None else np.asarray(v, dtype=object)
    return {"ci": np.asarray(ci, dtype=np.int64), "ts": np.asarray(dates, dtype="datetime64[D]"),
            "amount": np.asarray(amount, dtype=np.float64), "dc": full(dc), "name": full(name), "bank": full(bank),
            "memo": full(memo), "channel": full(channel), "acct": full(acct)}


def _monthly_stream(ci, day, amount, dc, name, bank, memo, channel, months, lo, hi, acct=None) -> dict:
    """One row per (customer, month) on day ``day`` of each month in ``months`` within (lo, hi]."""
    ci = np.asarray(ci, dtype=np.int64)
    dates = months[None, :] + (np.asarray(day, dtype=np.int64)[:, None] - 1)
    keep = (dates > lo) & (dates <= hi)
    ii, jj = np.nonzero(keep)
    amt = np.asarray(amount, dtype=np.float64)
    amt = amt[ii, jj] if amt.ndim == 2 else np.broadcast_to(amt, (len(ci),))[ii]
    pick = lambda v: v if np.isscalar(v) or v is None else np.asarray(v, dtype=object)[ii]
    return _stream(ci[ii], dates[ii, jj], amt, dc, pick(name), pick(bank), pick(memo), channel, pick(acct))


def _make_flows(rng, cust: dict, loans: dict, loan_ci: np.ndarray, wealth: np.ndarray, as_of: np.datetime64):
    """(transactions data, planted truth frame) for a subset of customers over FLOW_MONTHS months."""
    n = len(cust["cust_id"])
    n_tx = min(int(np.ceil(n * FLOW_SHARE)), FLOW_MAX_CUSTOMERS)
    tx = np.sort(rng.choice(n, size=n_tx, replace=False)) if n_tx else np.zeros(0, np.int64)
    prof = np.full(n_tx, "普通", dtype=object)
    perm = rng.permutation(n_tx)
    pos = 0
    for name, share in FLOW_PROFILES:
        k = int(round(share * n_tx))
        if n_tx >= 2 * len(FLOW_PROFILES):
            k = max(k, 1)
        prof[perm[pos:pos + k]] = name
        pos += k
    months = _months_back(as_of, FLOW_MONTHS)
    lo = np.datetime64(pd.Timestamp(as_of) - pd.DateOffset(months=FLOW_MONTHS), "D")
    hi = as_of
    span = int((hi - lo) / _DAY)
    banks = np.array(_OTHER_BANKS, dtype=object)
    streams = []
    truth_inst = np.full(n_tx, None, dtype=object)
    truth_m = np.full(n_tx, np.nan)

    def sel(p):
        return np.nonzero(prof == p)[0]

    # other-bank loans: (profile, principal median, rate, term, memo choices, counterparty suffix)
    for p, med, rate, term, memos, suffix in (
        ("他行房贷", 1_200_000.0, 0.041, 360, ("房贷月供", "{b} 个贷还款", "按揭还款"), "个人贷款"),
        ("他行消费贷", 150_000.0, 0.06, 36, ("转账",), "代收专户"),
        ("他行经营贷", 500_000.0, 0.045, 60, ("经营贷还款",), "个人贷款"),
    ):
        s = sel(p)
        k = len(s)
        if not k:
            continue
        b = banks[rng.integers(0, len(banks), k)]
        princ = np.round(np.exp(np.log(med) + 0.35 * rng.normal(0, 1, k)), -3)
        pay = round_half_up(_annuity_payment(princ, rate, term))
        memo = np.array([memos[i].format(b=bb) for i, bb in zip(rng.integers(0, len(memos), k), b)], dtype=object)
        acct = "LN" + _digits(rng.integers(10**9, 10**10, k), 10)
        streams.append(_monthly_stream(tx[s], rng.integers(1, 29, k), pay, "D", b + suffix, b, memo, "网银",
                                       months, lo, hi, acct))
        truth_inst[s] = b
        truth_m[s] = pay
    # internet lenders: 网贷 1–2 lenders, 多头 3–4
    for p, lo_n, hi_n in (("网贷", 1, 2), ("多头", 3, 4)):
        s = sel(p)
        if not len(s):
            continue
        cnt = rng.integers(lo_n, hi_n + 1, len(s))
        lender_perm = np.argsort(rng.random((len(s), len(_LENDERS))), axis=1)  # distinct lenders per customer
        for j in range(hi_n):
            has = s[cnt > j]
            if not len(has):
                continue
            streams_l = lender_perm[cnt > j, j]
            names = np.array([x[0] for x in _LENDERS], dtype=object)[streams_l]
            rep = np.array([x[1] for x in _LENDERS], dtype=object)[streams_l]
            lend = np.array([x[2] for x in _LENDERS], dtype=object)[streams_l]
            amt = np.round(rng.uniform(300, 3000, (len(has), FLOW_MONTHS)), 2)
            streams.append(_monthly_stream(tx[has], rng.integers(1, 29, len(has)), amt, "D", names, "", rep,
                                           "快捷支付", months, lo, hi))
            d0 = lo + 1 + rng.integers(0, 20, len(has))
            streams.append(_stream(tx[has], d0, rng.integers(5, 51, len(has)) * 1000.0, "C", names, "", lend,
                                   "快捷支付"))
        truth_inst[s] = "网贷"
    # credit-card repayments (a third pay the same amount every month)
    s = sel("信用卡还款")
    if len(s):
        b = banks[rng.integers(0, len(banks), len(s))]
        amt = np.round(np.exp(np.log(3000) + 0.5 * rng.normal(0, 1, (len(s), FLOW_MONTHS))), 2)
        same = rng.random(len(s)) < 0.34
        amt[same] = amt[same, :1]
        streams.append(_monthly_stream(tx[s], rng.integers(1, 29, len(s)), amt, "D", b + "信用卡中心", b,
                                       "信用卡还款", "手机银行", months, lo, hi))
    # self transfers to the customer's own account elsewhere: same amount monthly, excluded by the name rule
    s = sel("本人互转")
    if len(s):
        b = banks[rng.integers(0, len(banks), len(s))]
        streams.append(_monthly_stream(tx[s], rng.integers(1, 29, len(s)), rng.integers(10, 101, len(s)) * 100.0,
                                       "D", cust["cust_name"][tx[s]], b, "转账", "手机银行", months, lo, hi))
    # rent: same amount monthly to a landlord at another bank (a fixed outgoing, not a loan)
    s = sel("房租")
    if len(s):
        b = banks[rng.integers(0, len(banks), len(s))]
        landlord = _names(rng, rng.random(len(s)) < 0.5)
        streams.append(_monthly_stream(tx[s], rng.integers(1, 6, len(s)), rng.integers(20, 81, len(s)) * 100.0,
                                       "D", landlord, b, "房租", "手机银行", months, lo, hi))
    # a reversal: an other-bank loan repayment booked and reversed the next day
    s = sel("冲正")
    if len(s):
        b = banks[rng.integers(0, len(banks), len(s))]
        d = lo + 10 + rng.integers(0, max(span - 20, 1), len(s))
        amt = np.round(rng.uniform(1000, 9000, len(s)), 2)
        streams.append(_stream(tx[s], d, amt, "D", b + "个人贷款", b, "个贷还款", "柜面"))
        streams.append(_stream(tx[s], d + 1, amt, "C", b + "个人贷款", b, "冲正", "柜面"))
    # repayments of the customer's own loans here (running loans)
    pos_of = np.full(n, -1, dtype=np.int64)
    pos_of[tx] = np.arange(n_tx)
    run = np.isin(loans["status"], ["C", "D"]) & (pos_of[loan_ci] >= 0)
    if run.any():
        day = (loans["start_date"][run] - loans["start_date"][run].astype("datetime64[M]").astype("datetime64[D]")
               ).astype(np.int64) + 1
        streams.append(_monthly_stream(loan_ci[run], np.minimum(day, 28), loans["monthly_payment"][run], "D",
                                       BANK_NAME + "个人贷款", BANK_NAME, "贷款还款", "批量代扣", months, lo, hi,
                                       loans["loan_id"][run]))
    own_loan = np.zeros(n_tx, dtype=bool)
    own_loan[pos_of[loan_ci[run]]] = True
    # salary for 代发 customers, phone bills, everyday spending, incoming transfers
    pay = cust["payroll_flag"][tx].astype(bool)
    s = np.nonzero(pay)[0]
    if len(s):
        sal = np.round(np.exp(np.log(9000) + 0.4 * rng.normal(0, 1, len(s)) + 0.3 * np.clip(wealth[tx[s]], -2, 2)), -2)
        amt = np.round(sal[:, None] * rng.uniform(0.9, 1.15, (len(s), FLOW_MONTHS)), 2)
        emp = np.array(_EMPLOYERS, dtype=object)[rng.integers(0, len(_EMPLOYERS), len(s))]
        streams.append(_monthly_stream(tx[s], np.full(len(s), 10), amt, "C", emp, BANK_NAME, "代发工资", "批量代发",
                                       months, lo, hi))
    s = np.nonzero(rng.random(n_tx) < 0.5)[0]
    if len(s):
        streams.append(_monthly_stream(tx[s], rng.integers(1, 29, len(s)), rng.choice([58.0, 88.0, 128.0, 198.0], len(s)),
                                       "D", "中国移动", "", "话费", "快捷支付", months, lo, hi))
    n_c = n_tx * FLOW_MONTHS * 4
    if n_c:
        ci = tx[rng.integers(0, n_tx, n_c)]
        mi = rng.integers(0, len(_MERCHANTS), n_c)
        streams.append(_stream(ci, lo + 1 + rng.integers(0, span, n_c),
                               np.round(np.exp(np.log(120) + 0.9 * rng.normal(0, 1, n_c)), 2), "D",
                               np.array([x[0] for x in _MERCHANTS], dtype=object)[mi], "",
                               np.array([x[1] for x in _MERCHANTS], dtype=object)[mi], "快捷支付"))
        n_in = n_tx * 2
        ci = tx[rng.integers(0, n_tx, n_in)]
        streams.append(_stream(ci, lo + 1 + rng.integers(0, span, n_in), rng.integers(2, 200, n_in) * 100.0, "C",
                               _names(rng, rng.random(n_in) < 0.5), banks[rng.integers(0, len(banks), n_in)], "转账",
                               "手机银行"))

    if streams:
        allc = {k: np.concatenate([s_[k] for s_ in streams]) for k in streams[0]}
    else:
        allc = _stream([], [], [], "D", None, None, None, None)
    order = np.lexsort((allc["ts"], allc["ci"]))
    allc = {k: v[order] for k, v in allc.items()}
    m = len(allc["ci"])
    ci = allc["ci"]
    data = {
        "txn_id": "TX" + _digits(np.arange(1, m + 1), 12) if m else np.array([], dtype=object),
        "cust_id": cust["cust_id"][ci], "acct_no": cust["_acct"][ci] if m else allc["name"],
        "txn_ts": allc["ts"], "amount": allc["amount"], "dc": allc["dc"], "balance_after": np.full(m, np.nan),
        "cpty_name": allc["name"],
        "cpty_acct": allc["acct"], "cpty_bank": np.where(allc["bank"] == "", None, allc["bank"]),
        "memo": allc["memo"], "channel": allc["channel"], "org_id": cust["org_id"][ci],
    }
    truth = pd.DataFrame({"cust_id": pd.array(cust["cust_id"][tx], dtype="string"),
                          "profile": pd.array(prof, dtype="string"),
                          "institution": pd.array(truth_inst, dtype="string"),
                          "monthly_payment": truth_m, "own_loan": own_loan})
    return data, truth, tx, prof


def _make_orders(rng, cust: dict, loans: dict, loan_ci: np.ndarray, flows_truth: pd.DataFrame, as_of) -> dict:
    """Standing payment orders: own running loans, half of the planted other-bank loans, household bills,
    insurance premiums."""
    n = len(cust["cust_id"])
    acct = cust["_acct"]
    parts = []
    run = np.isin(loans["status"], ["C", "D"])
    if run.any():
        parts.append({"ci": loan_ci[run], "bank_to": np.full(run.sum(), BANK_NAME, dtype=object),
                      "acct_to": loans["loan_id"][run], "amount": loans["monthly_payment"][run],
                      "purpose": "贷款还款", "code": "LOAN", "start": loans["start_date"][run]})
    t = flows_truth[flows_truth["profile"].isin(["他行房贷", "他行经营贷"])]
    t = t.iloc[::2]
    if len(t):
        ci = pd.Index(cust["cust_id"]).get_indexer(t["cust_id"].astype(object))
        parts.append({"ci": ci, "bank_to": t["institution"].to_numpy(dtype=object),
                      "acct_to": "LN" + _digits(rng.integers(10**9, 10**10, len(t)), 10),
                      "amount": t["monthly_payment"].to_numpy(dtype=np.float64), "purpose": "贷款还款", "code": "LOAN",
                      "start": as_of - rng.integers(200, 2000, len(t))})
    banks = np.array((BANK_NAME,) + _OTHER_BANKS, dtype=object)
    for share, purpose, code, lo_a, hi_a in ((0.25, "家庭费用", "UTIL", 80, 800), (0.08, "保险", "INSUR", 200, 3000)):
        ci = np.nonzero(rng.random(n) < share)[0]
        k = len(ci)
        if not k:
            continue
        parts.append({"ci": ci, "bank_to": banks[rng.integers(0, len(banks), k)],
                      "acct_to": _digits(rng.integers(10**11, 10**12, k), 12),
                      "amount": np.round(rng.uniform(lo_a, hi_a, k), 2), "purpose": purpose, "code": code,
                      "start": np.maximum(cust["open_date"][ci], as_of - rng.integers(30, 3000, k))})
    if parts:
        ci = np.concatenate([p_["ci"] for p_ in parts]).astype(np.int64)
        full = lambda p_, k: np.broadcast_to(np.asarray(p_[k], dtype=object), (len(p_["ci"]),))
        cols = {k: np.concatenate([full(p_, k) for p_ in parts]) for k in ("bank_to", "acct_to", "purpose", "code")}
        amount = np.concatenate([np.asarray(p_["amount"], dtype=np.float64) for p_ in parts])
        start = np.concatenate([np.asarray(p_["start"], dtype="datetime64[D]") for p_ in parts])
    else:
        ci = np.zeros(0, np.int64)
        cols = {k: np.array([], dtype=object) for k in ("bank_to", "acct_to", "purpose", "code")}
        amount, start = np.zeros(0), np.zeros(0, dtype="datetime64[D]")
    order = np.argsort(ci, kind="stable")
    m = len(ci)
    return {"order_id": "DK" + _digits(np.arange(1, m + 1), 10) if m else np.array([], dtype=object),
            "cust_id": cust["cust_id"][ci[order]], "acct_no": acct[ci[order]] if m else np.array([], dtype=object),
            "bank_to": cols["bank_to"][order], "acct_to": cols["acct_to"][order], "amount": amount[order],
            "purpose": cols["purpose"][order], "purpose_code": cols["code"][order], "start_date": start[order],
            "ccy": np.full(m, "CNY", dtype=object)}


def _make_monthly(rng, cust: dict, wealth: np.ndarray, td: dict, wm: np.ndarray, as_of: np.datetime64) -> dict:
    """12 months of 客户月度存款 up to the as-of month, consistent with ``time_deposits``: 定期日均 = Σ balance ×
    days held in the month / days of the month (the as-of month: days up to as-of); 月末余额 = 定期 held at
    month end + 活期; 入账 − 出账 = change of 月末余额 (the month before the first included)."""
    n = len(cust["cust_id"])
    k = 13
    ms = _months_back(as_of, k)
    me = np.minimum((ms.astype("datetime64[M]") + 1).astype("datetime64[D]"), as_of + 1)
    days = ((me - ms) / _DAY).astype(np.float64)
    tci = pd.Index(cust["cust_id"]).get_indexer(pd.Index(td["cust_id"], dtype=object)) if len(td["cust_id"]) \
        else np.zeros(0, np.int64)
    val = np.asarray(td["value_date"], dtype="datetime64[D]")
    bal = np.asarray(td["balance"], dtype=np.float64)
    td_avg = np.zeros((n, k))
    td_eom = np.zeros((n, k))
    for j in range(k):
        held = ((me[j] - np.maximum(ms[j], val)) / _DAY).clip(0).astype(np.float64)
        td_avg[:, j] = np.bincount(tci, bal * held, minlength=n) / days[j]
        td_eom[:, j] = np.bincount(tci, bal * (val < me[j]), minlength=n)
    base = np.exp(np.log(15_000) + np.clip(wealth, -3, 3) + 0.5 * rng.normal(0, 1, n))
    walk = np.exp(np.cumsum(rng.normal(0.0, 0.08, (n, k)), axis=1))
    dd_avg = np.round(base[:, None] * walk, 2)
    dd_eom = np.round(dd_avg * np.exp(rng.normal(0, 0.1, (n, k))), 2)
    wm_bal = np.round(wm[:, None] * np.exp(np.cumsum(rng.normal(0, 0.03, (n, k)), axis=1)), 2)
    eom = np.round(td_eom + dd_eom, 2)
    delta = np.round(np.diff(eom, axis=1), 2)  # (n, 12)
    inc = np.exp(np.log(6000) + 0.5 * rng.normal(0, 1, n) + 0.3 * np.clip(wealth, -2, 2))
    inc = np.where(cust["payroll_flag"].astype(bool), inc * 1.5, inc)
    inflow = np.round(inc[:, None] * rng.uniform(0.8, 1.3, (n, k - 1)), 2)
    inflow = np.round(np.maximum(inflow, delta + np.round(0.1 * inflow, 2)), 2)
    outflow = np.round(inflow - delta, 2)
    sl = slice(1, k)
    rows = n * (k - 1)
    return {
        "cust_id": np.repeat(cust["cust_id"], k - 1),
        "month": np.tile(ms[sl], n),
        "dep_avg": np.round(td_avg[:, sl] + dd_avg[:, sl], 2).ravel(),
        "dep_eom": eom[:, sl].ravel(),
        "td_avg": np.round(td_avg[:, sl], 2).ravel(),
        "dd_avg": dd_avg[:, sl].ravel(),
        "wm_bal": wm_bal[:, sl].ravel(),
        "inflow": inflow.ravel(),
        "outflow": outflow.ravel(),
        "org_id": np.repeat(cust["org_id"], k - 1) if rows else np.array([], dtype=object),
        "mgr_id": np.repeat(cust["mgr_id"], k - 1) if rows else np.array([], dtype=object),
    }, dd_eom[:, -1]


def _make_holdings(rng, cust: dict, wealth: np.ndarray, td: dict, loans: dict, loan_ci: np.ndarray,
                   orders: dict, dd_last: np.ndarray, wm: np.ndarray, as_of: np.datetime64) -> dict:
    """客户 × 产品 (long): every customer holds 结算账户 and 借记卡; flags and balances as the other tables say."""
    n = len(cust["cust_id"])
    open_d = cust["open_date"]
    later = lambda ci: open_d[ci] + np.floor(rng.random(len(ci)) * ((as_of - open_d[ci]) / _DAY)).astype(np.int64)
    parts = []

    def add(product, ci, held=True, balance=np.nan, opened=None):
        ci = np.asarray(ci, dtype=np.int64)
        k = len(ci)
        parts.append({"ci": ci, "product": np.full(k, product, dtype=object),
                      "held": np.broadcast_to(np.asarray(held, dtype=bool), (k,)),
                      "balance": np.broadcast_to(np.asarray(balance, dtype=np.float64), (k,)),
                      "open": open_d[ci] if opened is None else np.asarray(opened, dtype="datetime64[D]")})

    everyone = np.arange(n)
    add("结算账户", everyone, True, dd_last)
    add("借记卡", everyone)
    add("手机银行", np.nonzero(cust["mobile_banking"].astype(bool))[0], opened=later(np.nonzero(cust["mobile_banking"].astype(bool))[0]))
    pr = np.nonzero(cust["payroll_flag"].astype(bool))[0]
    add("代发", pr, opened=later(pr))
    card = np.nonzero(rng.random(n) < np.where(cust["payroll_flag"].astype(bool), 0.4, 0.22))[0]
    add("信用卡", card, opened=later(card))
    w = np.nonzero(wm > 0)[0]
    add("理财", w, True, wm[w], opened=later(w))
    if len(td["cust_id"]):
        tci = pd.Index(cust["cust_id"]).get_indexer(pd.Index(td["cust_id"], dtype=object))
        tot = np.bincount(tci, np.asarray(td["balance"], dtype=np.float64), minlength=n)
        first = np.full(n, np.datetime64("2262-01-01", "D"))
        np.minimum.at(first, tci, np.asarray(td["value_date"], dtype="datetime64[D]"))
        has = np.nonzero(tot > 0)[0]
        add("定期存款", has, True, tot[has], opened=first[has])
    if len(loan_ci):
        key = pd.DataFrame({"ci": loan_ci, "p": loans["product"], "run": np.isin(loans["status"], ["C", "D"]),
                            "bal": loans["balance"], "start": loans["start_date"]})
        g = key.groupby(["ci", "p"], sort=True).agg(run=("run", "any"), bal=("bal", "sum"), start=("start", "min"))
        g = g.reset_index()
        for prod in ("个人住房贷款", "个人消费贷款", "个人经营贷款"):
            x = g[g["p"] == prod]
            add(prod, x["ci"].to_numpy(), x["run"].to_numpy(), x["bal"].to_numpy(), x["start"].to_numpy(dtype="datetime64[D]"))
    for prod, share in (("社保卡", 0.35), ("ETC", 0.08), ("基金", 0.05)):
        ci = np.nonzero(rng.random(n) < share)[0]
        bal = np.round(np.exp(np.log(30_000) + rng.normal(0, 0.8, len(ci))), -2) if prod == "基金" else np.nan
        add(prod, ci, True, bal, later(ci))
    ins = np.unique(pd.Index(cust["cust_id"]).get_indexer(
        pd.Index(orders["cust_id"][orders["purpose"] == "保险"], dtype=object))) if len(orders["cust_id"]) else []
    add("保险", ins, opened=later(np.asarray(ins, dtype=np.int64)))
    rank = {p: i for i, p in enumerate(["结算账户", "借记卡", "手机银行", "代发", "信用卡", "理财", "定期存款",
                                        "个人住房贷款", "个人消费贷款", "个人经营贷款", "社保卡", "ETC", "基金", "保险"])}
    ci = np.concatenate([p_["ci"] for p_ in parts])
    prod = np.concatenate([p_["product"] for p_ in parts])
    order = np.lexsort((np.array([rank[p] for p in prod], dtype=np.int64) if len(prod) else np.zeros(0, np.int64), ci))
    ci = ci[order]
    return {"cust_id": cust["cust_id"][ci], "product": prod[order],
            "held": np.concatenate([p_["held"] for p_ in parts])[order],
            "balance": np.round(np.concatenate([p_["balance"] for p_ in parts])[order], 2),
            "open_date": np.minimum(np.concatenate([p_["open"] for p_ in parts])[order], as_of),
            "org_id": cust["org_id"][ci]}


def _make_extended(rng, cust: dict, wealth: np.ndarray, td: dict, as_of: np.datetime64):
    """The issue-3 tables (loans, payment_orders, transactions, product_holdings, customer_monthly) + truth."""
    r_loan, r_flow, r_ord, r_mon, r_hold = (np.random.default_rng(s) for s in rng.spawn(5))
    n = len(cust["cust_id"])
    cust = {**cust, "_acct": _settle_acct(cust["cust_id"])}  # settlement card per customer (not a column)
    loans, loan_ci = _make_loans(r_loan, cust, wealth, as_of)
    flows, truth, _, _ = _make_flows(r_flow, cust, loans, loan_ci, wealth, as_of)
    orders = _make_orders(r_ord, cust, loans, loan_ci, truth, as_of)
    # 理财: about 15% of customers, more of the wealthy
    wm = np.where(r_hold.random(n) < 1 / (1 + np.exp(-(wealth - 1.2) * 2)),
                  np.round(np.exp(np.log(150_000) + 0.7 * r_hold.normal(0, 1, n) + 0.3 * np.clip(wealth, -2, 2)), -3),
                  0.0)
    monthly, dd_last = _make_monthly(r_mon, cust, wealth, td, wm, as_of)
    hold = _make_holdings(r_hold, cust, wealth, td, loans, loan_ci, orders, dd_last, wm, as_of)
    out = {"loans": _finish("loans", loans), "payment_orders": _finish("payment_orders", orders),
           "transactions": _finish("transactions", flows), "product_holdings": _finish("product_holdings", hold),
           "customer_monthly": _finish("customer_monthly", monthly)}
    return out, truth


# ---------------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------------


def make_sample_bank(
    customers: int = 2000, seed: int = 20261130, as_of: str = "2026-11-30"
) -> dict[str, pd.DataFrame]:
    """Generate the sample bank as canonical, typed tables (see the module docstring for their content).

    ``customers``: number of customers (≥ 0; ~1.3 deposits each). ``seed``: seeds one
    ``numpy.random.Generator``; the same (customers, seed, as_of) gives identical frames. ``as_of``: the data
    date (``YYYY-MM-DD``); balances run from 1 January of its year to it, the payroll covers January to its
    month, maturities spread over the 13 months after it.

    Returns ``{"orgs", "customers", "time_deposits", "org_daily_balances", "deposit_targets", "payroll",
    "loans", "payment_orders", "transactions", "product_holdings", "customer_monthly"}``:
    each frame has exactly the columns and dtypes of ``get_table(id).empty()`` without ``_row``.
    Money in 元 (float64), rates as fractions (0.011 = 1.10%), dates datetime64[ns] at day precision.
    """
    return _generate(customers, seed, as_of)[0]


def sample_truth(customers: int = 2000, seed: int = 20261130, as_of: str = "2026-11-30") -> pd.DataFrame:
    """What was planted in the sample bank's 交易流水 (for tests and teaching): one row per customer with
    flows — ``cust_id``, ``profile`` (普通 or one of :data:`FLOW_PROFILES`: 他行房贷/他行消费贷/他行经营贷 =
    other-bank loan repaid monthly, the same amount; 网贷 = 1–2 internet lenders; 多头 = 3–4; 信用卡还款 /
    本人互转 / 房租 / 冲正 = look-alikes that are not loans), ``institution`` (the other bank, or 网贷),
    ``monthly_payment`` (the planted instalment, 元), ``own_loan`` (also repays a running loan of this bank).
    Same arguments as :func:`make_sample_bank`; deterministic."""
    return _generate(customers, seed, as_of)[1]


def _generate(customers: int, seed: int, as_of: str) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    if customers < 0:
        raise ValueError("customers must be >= 0")
    as_of_d = np.datetime64(pd.Timestamp(as_of).date(), "D")
    rng = np.random.default_rng(seed)
    # independent streams per table, so changing one generator does not reshuffle the others
    # (spawn(7)'s first six children are spawn(6)'s: the issue-3 tables leave the others unchanged)
    r_org, r_staff, r_pay, r_cust, r_td, r_bal, r_ext = (np.random.default_rng(s) for s in rng.spawn(7))

    orgs, info = _make_orgs(r_org)
    n_months = int(as_of_d.astype("datetime64[M]").astype(np.int64) % 12 + 1)
    staff = _make_staff(r_staff, orgs, n_months)
    cust, wealth = _make_customers(r_cust, int(customers), as_of_d, orgs, info["outlet_district"], staff)
    td = _make_time_deposits(r_td, cust, wealth, as_of_d)
    balances, targets = _make_balances_targets(r_bal, orgs, as_of_d)
    payroll = _make_payroll(r_pay, staff, as_of_d)
    ext, truth = _make_extended(r_ext, cust, wealth, td, as_of_d)
    tables = {
        "orgs": orgs,
        "customers": _finish("customers", cust),
        "time_deposits": _finish("time_deposits", td),
        "org_daily_balances": balances,
        "deposit_targets": targets,
        "payroll": payroll,
        **ext,
    }
    return tables, truth


# ---------------------------------------------------------------------------------------------------
# Workbooks
# ---------------------------------------------------------------------------------------------------

_EXCEL_MAX_ROWS = 1_048_576
_EXCEL_EPOCH = np.datetime64("1899-12-30", "D")


def _text_width(s: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in s)


def _write_sheet(wb, fmts: dict, table_id: str, df: pd.DataFrame) -> None:
    spec = get_table(table_id)
    cols = [c for c in spec.columns if c.id in df.columns]
    n = len(df)
    if n + 1 > _EXCEL_MAX_ROWS:
        raise ValueError(
            f"{spec.zh}({table_id}) 有 {n:,} 行, 超过 Excel 工作表上限 {_EXCEL_MAX_ROWS - 1:,} 行; "
            f"请减少客户数或改用 CSV (bankxl sample --csv)"
        )
    ws = wb.add_worksheet(spec.zh)
    widths = []
    for j, c in enumerate(cols):
        s = df[c.id]
        kind = c.kind
        head_w = _text_width(c.label) + 4  # room for the filter button
        if kind in ("date", "month"):
            fmt = fmts["month" if kind == "month" else "date"]
            v = s.to_numpy(dtype="datetime64[D]")
            ok = ~np.isnat(v)
            serial = np.zeros(n, dtype=np.float64)
            serial[ok] = ((v[ok] - _EXCEL_EPOCH) / _DAY).astype(np.float64)
            for i in np.nonzero(ok)[0]:
                ws.write_number(i + 1, j, serial[i], fmt)
            w = 12 if kind == "date" else 10
        elif kind in ("money", "number", "rate", "int"):
            fmt = fmts[{"money": "money", "number": "money", "rate": "rate", "int": "int"}[kind]]
            v = s.to_numpy(dtype=np.float64, na_value=np.nan)
            ok = ~np.isnan(v)
            for i in np.nonzero(ok)[0]:
                ws.write_number(i + 1, j, float(v[i]), fmt)
            w = 10
            if kind in ("money", "number") and ok.any():
                w = len(f"{np.nanmax(np.abs(v)):,.2f}") + 2
        elif kind == "bool":
            fmt = fmts["text"]
            v = s.astype(object).to_numpy()
            for i in range(n):
                if v[i] is not pd.NA and v[i] is not None:
                    ws.write_string(i + 1, j, "是" if v[i] else "否", fmt)
            w = 6
        else:  # id_card, code, text, category: always text, never a number or a formula
            fmt = fmts["text"]
            v = s.astype(object).to_numpy()
            w = 6
            for i in range(n):
                x = v[i]
                if x is None or x is pd.NA:
                    continue
                ws.write_string(i + 1, j, str(x), fmt)
            sample = [str(x) for x in v[:2000] if x is not None and x is not pd.NA]
            if sample:
                w = max(_text_width(x) for x in sample) + 2
        widths.append((fmt, min(max(w, head_w), 60)))
    for j, (fmt, w) in enumerate(widths):
        ws.set_column(j, j, w, fmt)
    ws.add_table(
        0,
        0,
        max(n, 1),
        max(len(cols) - 1, 0),
        {
            "name": spec.zh,
            "style": "Table Style Medium 2",
            "columns": [{"header": c.label, "header_format": fmts["head"]} for c in cols],
        },
    )
    ws.freeze_panes(1, 0)
    ws.set_row(0, 20)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _data_date(tables: dict[str, pd.DataFrame]):
    """The data date of the tables (time_deposits.as_of, else the last daily-balance date), or None."""
    import datetime as _dt

    for t, col in (("time_deposits", "as_of"), ("org_daily_balances", "date")):
        df = tables.get(t)
        if df is not None and col in df and df[col].notna().any():
            d = pd.Timestamp(df[col].max())
            return _dt.datetime(d.year, d.month, d.day)
    return None


#: tables repeated in several workbooks for look-ups; a workbook holding only these is not written
_REFERENCE_SHEETS = ("customers", "orgs")


def write_sample_workbooks(tables: dict[str, pd.DataFrame], folder: Path) -> list[Path]:
    """Write the sample tables as tidy input workbooks under ``folder`` (created if missing).

    Files (see :data:`SAMPLE_WORKBOOKS`): ``样例_定期存款.xlsx`` (sheets 定期存款明细, 客户, 机构),
    ``样例_存款目标.xlsx`` (存款目标, 机构日余额, 机构), ``样例_员工工资.xlsx`` (员工工资),
    ``样例_贷款与流水.xlsx`` (交易流水, 代扣指令, 贷款, 产品持有, 客户月度存款, 客户); a workbook is skipped when
    none of its tables other than 客户/机构 is given, a sheet when its table is missing. Each sheet holds one Excel
    table named like the sheet, headers = the spec's 中文表头 (money with its unit, e.g. ``余额(元)``),
    code and ID columns as text (leading zeros and all 18 digits kept), dates as real Excel dates
    (yyyy-mm-dd; 月份 as yyyy-mm), rates as percentages, 是/否 for flags, a frozen header and fitted widths.
    Each file is written to a temporary file in ``folder`` and moved into place (``os.replace``), so a
    reader never sees half a workbook. Raises ``ValueError`` when a table exceeds Excel's 1,048,575 data
    rows (write CSV instead). Returns the paths written.
    """
    import xlsxwriter

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    created = _data_date(tables)
    written = []
    for fname, ids in SAMPLE_WORKBOOKS.items():
        present = [t for t in ids if t in tables]
        if not any(t not in _REFERENCE_SHEETS for t in present):  # 客户/机构 alone do not make a workbook
            continue
        for t in present:  # fail before writing anything
            if len(tables[t]) + 1 > _EXCEL_MAX_ROWS:
                raise ValueError(
                    f"{get_table(t).zh}({t}) 有 {len(tables[t]):,} 行, 超过 Excel 工作表上限 "
                    f"{_EXCEL_MAX_ROWS - 1:,} 行; 请减少客户数或改用 CSV (bankxl sample --csv)"
                )
        target = folder / fname
        fd, tmp = tempfile.mkstemp(prefix=".~" + target.stem, suffix=".xlsx", dir=folder)
        os.close(fd)
        try:
            wb = xlsxwriter.Workbook(
                tmp, {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}
            )
            props = {
                "title": fname.removesuffix(".xlsx"),
                "author": "bankxl",
                "comments": "bankxl 示例银行 (合成数据 synthetic data)",
            }
            if created is not None:  # byte-stable files: the data date, not the clock
                props["created"] = created
            wb.set_properties(props)
            base = {"font_name": "等线", "font_size": 10.5}
            fmts = {
                "head": wb.add_format({**base, "bold": True, "text_wrap": False, "valign": "vcenter"}),
                "text": wb.add_format({**base, "num_format": "@"}),
                "date": wb.add_format({**base, "num_format": "yyyy-mm-dd"}),
                "month": wb.add_format({**base, "num_format": "yyyy-mm"}),
                "money": wb.add_format({**base, "num_format": "#,##0.00"}),
                "rate": wb.add_format({**base, "num_format": "0.00%"}),
                "int": wb.add_format({**base, "num_format": "0"}),
            }
            for t in present:
                _write_sheet(wb, fmts, t, tables[t])
            wb.close()
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp creates 0600; give the file the usual mode
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
        written.append(target)
    return written
