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
    C10 columns (own stream, :mod:`.loan_limits`): 授信额度 (消费贷 above the amount, ≈5% blank), 申报月收入 (per
    customer, ≈8% blank), 已还期数 (≈60% given), 近24月逾期, 五级分类 (关注/次级 for arrears), 重组标志 (≈3%).
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

``merchants`` / ``merchant_monthly`` (收单商户 / 收单商户月度; issue 12, :mod:`.merchants`, :mod:`.merchant_monthly`)
    One merchant per 8 customers (80–20,000), each planted with a trajectory (growing, seasonal school or
    scenic spot, declining to each E1 level, dormant, new, closed, a missing month) over 24 months of
    笔数/金额 (refunds negative)/结算户日均, so that every E1 level appears; own random stream.
``etc_signups`` (ETC签约; issue 13, :mod:`.etc_signups`)
    The ETC sign-up list as an external list arrives: ≈12% of customers (1–3 vehicles each), people outside
    the bank, a few 单位 sign-ups, 货车, 注销; 15-digit / full-width / corrupt IDs, masked phones, names with
    spaces, a few conflicts; own random stream.
``external_lists`` / ``credit_reports`` / ``blacklist`` (外部名单 / 征信明细 / 黑名单; issue 13 C1,
    :mod:`.external_lists`, :mod:`.credit_reports`, :mod:`.blacklist`)
    A 公积金/机关事业单位/优质企业 list (≈10% of customers aged 22–55, more 代发, plus non-customers; 15-digit /
    full-width / corrupt IDs, masked phones, names with spaces, conflicts); credit reports for ≈35% of customers
    (1–4 accounts, 近24月还款状态 with planted 连三 / 累六 / current overdue, 近3月硬查询次数, older and stale
    reports); a blacklist (≈1.5% of customers + as many outsiders, 已移出 rows); one own random stream.
    C8 (issue 14, :mod:`.credit_poaching`) adds rows to 征信明细 on its own stream: the bank's own running loans as
    示例银行 accounts, one more other-bank 经营/消费贷 for ≈25% (≈60% of them maturing within 6 months), a few
    汽车贷/循环贷/准贷记卡/结清 accounts, and dirty 还款状态 strings (lower case, spaces, wrong length, '?', '#').
``businesses`` (个体工商户; issue 13, :mod:`.businesses`)
    The market-regulation bureau's registration list: operators with a 个人经营贷款, the customers behind 个体
    acquiring merchants (same USCC and name), a few other customers and people outside the bank; 1–3
    registrations per operator, 注销/吊销; bad USCC check characters, full-width USCCs and IDs, 15-digit and
    corrupt IDs, masked phones, names with spaces, a few conflicts; own random stream.

``mobile_banking_monthly`` / ``credit_lines`` (手机银行月度 / 授信; issue 14, :mod:`.mobile_banking_monthly`,
:mod:`.credit_lines`)
    12 months of 手机银行 logins, 动账笔数/金额 and their parts (转账/缴费/理财申购/贷款支用) for the customers with
    手机银行签约, activity following deposits, with declining, rising, never-used, new, 已解约 and missing-month
    users; granted credit lines (≈18% of customers, some two) with limits, 已用 0 / under 10% / more, lines
    younger than 30 days, expiring within 60 days, expired, 冻结/失效; own random streams.

``student_loans`` (助学贷款; issue 14 C7, :mod:`.student_loans`)
    国家助学贷款 of ≈30% of the customers aged 18–31: one 借据 per academic year (本专科/研究生, yearly policy caps,
    ≈1% above the cap), students 在读 / in the 5-year grace period / repaying (结清, 逾期 with 逾期天数), a few 延期毕业
    with a stated 宽限期到期日, rows without 入学/毕业年份 or 学历 or 客户号; 共同借款人 (父亲/母亲) ≈45% existing
    customers, the others outside the bank; own random stream.

:func:`write_sample_workbooks` writes the tables as tidy input workbooks (the files users copy their
own data into).

Layout (DESIGN.md: ``bankxl.sample``, one generator per canonical table): :mod:`._common` holds the bank
skeleton shared by all (reference data — surnames, districts, holidays —, vectorised helpers, ``_finish``
to the spec dtypes); :mod:`.orgs`, :mod:`.customers`, :mod:`.time_deposits`, :mod:`.org_daily_balances`,
:mod:`.deposit_targets`, :mod:`.payroll` (with the staff it pays), :mod:`.loans`, :mod:`.transactions`,
:mod:`.payment_orders`, :mod:`.customer_monthly` and :mod:`.product_holdings` each make one table;
:func:`_generate` below draws them in a fixed order from per-table random streams and
:func:`write_sample_workbooks` writes the input workbooks.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..tables import get_table

from ._common import _DAY, BANK_NAME, _finish, _settle_acct
from .businesses import _make_businesses
from .blacklist import _make_blacklist
from .churn import _plant_churn
from .credit_poaching import _plant_credit_poaching
from .credit_reports import _make_credit_reports
from .credit_lines import _make_credit_lines
from .customer_monthly import _make_monthly
from .customers import _make_customers
from .deposit_accounts import _make_deposit_accounts
from .deposit_targets import _make_targets
from .etc_signups import _make_etc_signups
from .external_lists import _make_external_lists
from .market_share import _make_market_share, write_market_share_books
from .loans import _make_loans
from .loan_limits import _add_loan_limits
from .merchant_monthly import _make_merchant_monthly
from .merchants import _make_merchants, merchant_count
from .mobile_banking_monthly import _make_mobile_banking
from .npl_loans import _make_npl_loans
from .org_daily_balances import _make_balances
from .orgs import _make_orgs
from .payment_orders import _make_orders
from .payroll import CONTRIB_BASE, PLANTED_PAYROLL_ERRORS, SOCIAL_RATES, PlantedPayrollError, _make_payroll, _make_staff
from .product_holdings import _make_holdings
from .student_loans import _make_student_loans
from .time_deposits import _make_time_deposits
from .transactions import FLOW_PROFILES, _make_flows

__all__ = [
    "BANK_NAME",
    "CONTRIB_BASE",
    "FLOW_PROFILES",
    "PLANTED_PAYROLL_ERRORS",
    "SAMPLE_WORKBOOKS",
    "SOCIAL_RATES",
    "TABLES",
    "PlantedPayrollError",
    "make_sample_bank",
    "sample_truth",
    "write_sample_workbooks",
]

#: the canonical tables :func:`make_sample_bank` makes (a scenario's ``SPEC.sample_inputs`` must be among them)
TABLES = ("orgs", "customers", "time_deposits", "org_daily_balances", "deposit_targets", "payroll", "loans",
          "payment_orders", "transactions", "product_holdings", "customer_monthly", "npl_loans", "deposit_accounts",
          "merchants", "merchant_monthly", "etc_signups", "businesses", "external_lists", "credit_reports", "blacklist",
          "mobile_banking_monthly", "credit_lines", "student_loans", "market_share", "bank_aliases")  # the order make_sample_bank builds them


def _make_extended(rng, cust: dict, wealth: np.ndarray, td: dict, as_of: np.datetime64):
    """The issue-3 tables (loans, payment_orders, transactions, product_holdings, customer_monthly) + truth."""
    # spawn(6)'s first five children are spawn(5)'s: the D3 churn stream leaves the others unchanged
    r_loan, r_flow, r_ord, r_mon, r_hold, r_churn = (np.random.default_rng(s) for s in rng.spawn(6))
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
    _plant_churn(r_churn, cust, monthly, flows, truth, as_of)  # D3: churn states and behaviour
    hold = _make_holdings(r_hold, cust, wealth, td, loans, loan_ci, orders, dd_last, wm, as_of)
    out = {"loans": _finish("loans", loans), "payment_orders": _finish("payment_orders", orders),
           "transactions": _finish("transactions", flows), "product_holdings": _finish("product_holdings", hold),
           "customer_monthly": _finish("customer_monthly", monthly)}
    return out, truth


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
    balances, level0 = _make_balances(r_bal, orgs, as_of_d)
    targets = _make_targets(r_bal, orgs, level0, as_of_d)  # continues r_bal's stream
    payroll = _make_payroll(r_pay, staff, as_of_d)
    ext, truth = _make_extended(r_ext, cust, wealth, td, as_of_d)
    # R1: own stream (seeded apart), so the NPL tables leave every other table unchanged
    r_npl = np.random.default_rng([seed, 0x5231])
    npl, plan = _make_npl_loans(r_npl, _finish("customers", cust), ext["loans"], as_of_d)
    dep = _make_deposit_accounts(r_npl, _finish("customers", cust), plan, as_of_d)
    # E1/E2/C4 merchants: own stream too (every other table unchanged)
    r_mch = np.random.default_rng([seed, 0x4531])
    mch, mplan = _make_merchants(r_mch, _finish("customers", cust), orgs, as_of_d, merchant_count(customers))
    mm, mch["last_txn_date"] = _make_merchant_monthly(r_mch, mplan, as_of_d)
    # C5 ETC sign-ups: own stream (every other table unchanged)
    etc = _make_etc_signups(np.random.default_rng([seed, 0x4554]), _finish("customers", cust), orgs, as_of_d)
    tables = {
        "orgs": orgs,
        "customers": _finish("customers", cust),
        "time_deposits": _finish("time_deposits", td),
        "org_daily_balances": balances,
        "deposit_targets": targets,
        "payroll": payroll,
        **ext,
        "npl_loans": _finish("npl_loans", npl),
        "deposit_accounts": _finish("deposit_accounts", dep),
        "merchants": _finish("merchants", mch),
        "merchant_monthly": _finish("merchant_monthly", mm),
        "etc_signups": _finish("etc_signups", etc),
    }
    # C10 提额: the loans' 授信额度/申报月收入/已还期数/近24月逾期/五级分类/重组标志, own stream (every other column unchanged)
    tables["loans"] = _add_loan_limits(np.random.default_rng([seed, 0x4310]), tables["loans"], as_of_d)
    # C2 个体工商户: own stream (every other table unchanged)
    tables["businesses"] = _finish("businesses", _make_businesses(
        np.random.default_rng([seed, 0x4332]), tables["customers"], orgs, tables["merchants"], tables["loans"], as_of_d))
    # C1 外部名单 / 征信明细 / 黑名单: one own stream (every other table unchanged)
    r_c1 = np.random.default_rng([seed, 0x4331])
    tables["external_lists"] = _finish("external_lists", _make_external_lists(r_c1, tables["customers"], orgs,
                                                                          as_of_d))
    cr = _make_credit_reports(r_c1, tables["customers"], tables["loans"], as_of_d)
    # C8: the bank's own accounts, 转贷窗口 loans and dirty strings added on an own stream (C1's rows unchanged)
    cr = _plant_credit_poaching(np.random.default_rng([seed, 0x4338]), cr, tables["loans"], as_of_d)
    tables["credit_reports"] = _finish("credit_reports", cr)
    tables["blacklist"] = _finish("blacklist", _make_blacklist(r_c1, tables["customers"], as_of_d))
    # E3 手机银行月度 and 授信: own streams (every other table unchanged)
    tables["mobile_banking_monthly"] = _finish("mobile_banking_monthly", _make_mobile_banking(
        np.random.default_rng([seed, 0x4533]), tables["customers"], tables["customer_monthly"], as_of_d))
    tables["credit_lines"] = _finish("credit_lines", _make_credit_lines(
        np.random.default_rng([seed, 0x4543]), tables["customers"], as_of_d))
    # C7 助学贷款: own stream (every other table unchanged)
    tables["student_loans"] = _finish("student_loans", _make_student_loans(
        np.random.default_rng([seed, 0x4337]), tables["customers"], as_of_d))
    # D1 人行市场份额 and 机构别名: own stream (every other table unchanged); written in two layouts (see .market_share)
    ms, bank_aliases = _make_market_share(np.random.default_rng([seed, 0x4431]), as_of_d)
    tables["market_share"] = _finish("market_share", ms)
    tables["bank_aliases"] = _finish("bank_aliases", bank_aliases)
    return tables, truth


# ---------------------------------------------------------------------------------------------------
# Workbooks
# ---------------------------------------------------------------------------------------------------

#: Workbook file -> sheets (table ids) written by :func:`write_sample_workbooks`.
SAMPLE_WORKBOOKS: dict[str, tuple[str, ...]] = {
    "样例_定期存款.xlsx": ("time_deposits", "customers", "orgs"),
    "样例_存款目标.xlsx": ("deposit_targets", "org_daily_balances", "orgs"),
    "样例_员工工资.xlsx": ("payroll",),
    "样例_贷款与流水.xlsx": ("transactions", "payment_orders", "loans", "product_holdings", "customer_monthly",
                          "customers"),
    "样例_不良贷款与存款账户.xlsx": ("npl_loans", "deposit_accounts", "customers", "orgs"),
    "样例_收单商户.xlsx": ("merchant_monthly", "merchants", "orgs"),
    "样例_ETC签约.xlsx": ("etc_signups", "customers", "orgs"),
    "样例_外部名单与征信.xlsx": ("external_lists", "credit_reports", "blacklist"),
    "样例_个体工商户.xlsx": ("businesses", "customers", "orgs"),
    "样例_手机银行与授信.xlsx": ("mobile_banking_monthly", "credit_lines", "customer_monthly", "customers"),
    "样例_助学贷款.xlsx": ("student_loans", "customers"),
}


_EXCEL_MAX_ROWS = 1_048_576


_EXCEL_EPOCH = np.datetime64("1899-12-30", "D")


def _text_width(s: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in s)


def _write_sheet(wb, fmts: dict, table_id: str, df: pd.DataFrame) -> None:
    spec = get_table(table_id)
    cols = [c for c in spec.columns if c.id in df.columns]
    n = len(df)
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


def _check_sheet_rows(rows: dict[str, int]) -> None:
    """Raise ParameterError naming every table whose ``rows`` (table id -> data rows) exceed one Excel sheet."""
    over = {t: n for t, n in rows.items() if n + 1 > _EXCEL_MAX_ROWS}
    if over:
        zh = "、".join(f"{get_table(t).zh}({t}) {n:,} 行" for t, n in over.items())
        en = ", ".join(f"{t} {n:,} rows" for t, n in over.items())
        raise ParameterError(
            f"示例数据超过 Excel 工作表上限 {_EXCEL_MAX_ROWS - 1:,} 行: {zh}; 未写入任何文件。"
            f"请减少客户数 (--customers) 或改用 CSV (bankxl sample --csv)。",
            f"The sample bank exceeds Excel's limit of {_EXCEL_MAX_ROWS - 1:,} rows per sheet: {en}; nothing "
            f"was written. Use fewer --customers or write CSV files (bankxl sample --csv).")


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
    reader never sees half a workbook. Raises :class:`~bankxl.errors.ParameterError` (中文 + English, naming
    every table over the limit and suggesting ``--csv``) before any file or folder is written when a table
    exceeds Excel's 1,048,575 data rows. Returns the paths written.
    """
    import xlsxwriter

    books = {fname: [t for t in ids if t in tables] for fname, ids in SAMPLE_WORKBOOKS.items()}
    books = {f: ts for f, ts in books.items() if any(t not in _REFERENCE_SHEETS for t in ts)}  # 客户/机构 alone: none
    _check_sheet_rows({t: len(tables[t]) for ts in books.values() for t in ts})  # before any file is touched
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    created = _data_date(tables)
    written = []
    for fname, present in books.items():
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
    if "market_share" in tables:  # D1: the long and the wide layout of the PBOC report (万元, one sheet per month)
        written += write_market_share_books(tables["market_share"], tables.get("bank_aliases"), folder, created)
    return written
