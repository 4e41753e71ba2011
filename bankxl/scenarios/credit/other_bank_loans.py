"""C3 交易流水 → 网贷客户、他行贷款客户 (SCENARIOS.md "C3 交易流水 → 网贷客户、他行贷款客户").

Finds customers who repay loans at OTHER institutions — internet lenders (借呗, 微粒贷, 京东金条 …) and other
banks — from what flows through their accounts here, estimates their monthly payment and principal, and
ranks the other-bank borrowers for a replacement offer (他行贷款置换) using what this bank already holds for
them (own loans and their status, 代发, deposits, cards and products).

Inputs (``inputs=("customers",)``; the two evidence tables are optional and at least one should be given —
without either the report says so on its first sheet instead of failing, so one workbook holding only one
of them works):

* ``customers`` (客户: cust_id, cust_name, id_no, phone, org_id, mgr_id, payroll_flag) — names for the
  self-transfer rule, masked identity columns and the 客户经理 of the lists;
* ``transactions`` (交易流水, optional; the Chinese flow path): cust_id, txn_ts, amount (元, positive),
  dc (D 支出 / C 收入; 借/贷 accepted), cpty_name, cpty_acct, cpty_bank, memo, ``_row``;
* ``payment_orders`` (代扣指令, optional; the standing-order path, e.g. Berka ``order.csv``): cust_id,
  acct_no, bank_to, amount, purpose / purpose_code (UVER = 贷款还款);
* ``loans`` (贷款, optional): the bank's own loans (cust_id, acct_no, monthly_payment, status A/B/C/D,
  overdue_days) — to recognise repayments of the customer's OWN loan and for the replacement ranking;
* ``product_holdings`` (产品持有, optional) and ``time_deposits`` (定期存款明细, optional): cards, 代发,
  products and deposits for the ranking.

Flow path: the shared classifier :mod:`bankxl.rules.transactions` (exclusions first — 信用卡还款, 本人互转,
冲正 —, then 网贷 by the lender dictionary, repayments of the customer's own loan here, and 他行贷款 by loan
words or 等额月供, with 置信度) over the ``window_months`` months up to the data date. Its parameters are
part of C3's (``OtherBankLoanParams`` derives from ``TransactionRuleParams``): every pattern is a parameter,
the dictionaries are common knowledge and need regular upkeep 【假设】.

Order path: an order whose purpose/purpose code matches ``order_loan_purpose`` (贷款还款, Berka UVER) is a
monthly loan payment to ``bank_to``. It is the repayment of the customer's OWN loan when ``bank_to``
matches ``own_bank`` or when the paying account (else the customer) has a loan here whose monthly payment
equals the order amount within ``own_loan_tol`` (Berka's bank codes are anonymised, so the own bank is
recognised from the data: every one of Berka's 682 loan accounts has a UVER order for its instalment ±1
CZK; the remaining 35 UVER orders go to loans elsewhere).

Estimates: 估算月供 m = the median over months of the month's repayments to one institution (order path:
the order amount); 估算本金 P = m·(1 − (1 + r)^−n)/r with r = ``annual_rate``/12 (default 4%) and n the
remaining instalments by the inferred loan type (:func:`term_for`): 房贷 ``term_months`` 120, 经营贷
``term_business`` 60, 车贷 ``term_car`` 60, 消费/其他 ``term_other`` 36 — the remaining principal of an
annuity loan with n payments left 【假设】; the lists show n (估算期数) beside P.

Outputs: three customer lists on the shared :mod:`bankxl.lists` mechanism (SCENARIOS.md §6 名单表: 排名,
客户号, masked identity, 机构号, 客户经理, 得分, 等级, 原因, 建议动作 and 截止日 from each list's 等级门槛 /
策略表 parameters, rank with a stated tie-break) — 网贷客户名单 (≥1 repayment in the window,
:func:`online_list`: 多头 → 风险提示, own loan in arrears → 不营销, else marketing tiers), 多头风险名单
(≥ ``multi_lender_min`` distinct lenders/banks: a risk hint, never marketing, :func:`multi_list`) and the
他行贷款置换名单 (:func:`replacement_list`) — plus 他行贷款客户 with monthly payment and principal and an
institution list (``institution_limit`` rows). Replacement score: 得分 (0–100) = 规模 ``w_size``·min(P/``principal_full``, 1) + 代发
``w_payroll`` + 存款 ``w_deposit``·min(存款/``deposit_full``, 1) + 本行贷款记录良好 ``w_own_loan`` + 产品
``w_product`` per product (信用卡/手机银行/理财); 等级 by ``levels`` (A 60 / B 40 / C 0), 建议动作 and 截止日
(working days) by ``strategy`` ({offer}: the bank's product for the inferred loan type, ``offers``);
rank by 得分, 估算本金, 客户号; a factor the data do not hold is not scored
and is named under 未计算因素. Customers with an own loan in arrears or finished unpaid (status D/B, overdue
days > 0) and 多头 customers are left off the marketing list. Tags (§6 标签长表, 客户标签 sheet):
C3_OTHER_BANK_LOAN, C3_REPLACEMENT, C3_ONLINE_LOAN, C3_MULTI_LENDER, C3_CARD_REPAY (:func:`_tags`). Money:
order amounts and flows in the data's currency (Berka CZK); customer-level amounts in the base unit
(``ctx.base_label``), totals in the display unit (``ctx.money_label``).

Row problems: VALUE_INVALID for a 借贷 value that is neither D nor C (row ignored).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from ...errors import ParameterError
from ...lists import REASON_SEP, Rule, ScoredList, check_levels, fill_template, levels_param, score_list, strategy_param
from ...masking import counterparty_person, mask_free_text
from ...report import Chart, Conditional, Figure, Headline, Note, Report, Sheet, Table
from ...rules import transactions as flow_rules
from ...rules.identity import by_cust_id
from ...rules.transactions import (
    DETAIL_COLS,
    KIND_CARD,
    KIND_ONLINE_LEND,
    KIND_ONLINE_REPAY,
    KIND_OTHER_LEND,
    KIND_OTHER_REPAY,
    KIND_OWN,
    KIND_REV,
    KIND_SELF,
    TransactionRuleParams,
    check_regex,
    empty_detail,
    has_pattern,
    is_own_bank,
    matches_own_instalment,
    own_loans,
)
from ...scenario import RunContext, Scenario, param
from ...tables import loan_status_code
from ...tags import tag_rows, tag_sheet, tag_table
from ...frames import active_deposits, flag_text, join_values, masked, per_distinct

_CONF_RANK = {"高": 3, "中": 2, "低": 1}
#: the {…} placeholders a 策略表 action may use (columns of the replacement list frame)
_ACTION_FIELDS = ("offer", "inst", "ltype")
#: ... of the 网贷客户名单 and 多头风险名单 frames
_ONLINE_FIELDS = ("lenders", "n_lenders", "n", "window")
_MULTI_FIELDS = ("lenders", "n_lenders")
#: the loan types of 置换推荐产品 (``offers``): the types the flow rules infer, 其他 = every other type
OFFER_TYPES = ("房贷", "经营贷", "车贷", "其他")


@dataclass(frozen=True)
class OtherBankLoanParams(TransactionRuleParams):
    """Parameters of C3 (defaults: SCENARIOS.md C3; 【假设】 where the spec says so): the flow classifier's
    (:class:`bankxl.rules.transactions.TransactionRuleParams`, inherited) and C3's own below."""

    order_loan_purpose: str = param("贷款还款|UVER|还贷|月供", "代扣贷款用途", None,
                                    "代扣指令的用途/用途代码匹配 → 每月贷款还款(Berka k_symbol UVER)")
    window_months: int = param(6, "观察窗口", "月", "只看数据日期前该月数内的流水(网贷客户 = 窗口内 ≥1 次还款)")
    multi_lender_min: int = param(3, "多头机构数", "家", "网贷/他行机构 ≥ 该数 → 多头: 风险提示, 不营销")
    annual_rate: float = param(0.04, "估算年利率", None, "本金估算 P = m·(1 − (1+r)^−n)/r, r = 年利率/12【假设】")
    term_months: int = param(120, "估算剩余期数: 房贷", "月",
                             "本金估算的剩余期数 n, 推断为房贷时【假设】(剩余期限未知, 取 10 年)")
    term_business: int = param(60, "估算剩余期数: 经营贷", "月", "推断为经营贷时的 n【假设】")
    term_car: int = param(60, "估算剩余期数: 车贷", "月", "推断为车贷时的 n【假设】")
    term_other: int = param(36, "估算剩余期数: 消费及其他", "月", "其他贷款(消费贷、类型不明)的 n【假设】")
    principal_full: float = param(1_000_000.0, "规模满分本金", "数据币种", "估算本金 ≥ 该值得规模满分")
    deposit_full: float = param(50_000.0, "存款满分金额", "数据币种", "本行存款 ≥ 该值得存款满分")
    w_size: float = param(40.0, "权重: 规模", "分", "置换得分: 估算本金")
    w_payroll: float = param(20.0, "权重: 代发", "分", "置换得分: 本行代发")
    w_deposit: float = param(15.0, "权重: 存款", "分", "置换得分: 本行存款")
    w_own_loan: float = param(10.0, "权重: 本行贷款记录", "分", "置换得分: 本行贷款正常还款/正常结清")
    w_product: float = param(5.0, "权重: 每项产品", "分", "置换得分: 信用卡/手机银行/理财 各得该分")
    offers: tuple = param((("房贷", "本行个人住房贷款(按现行转按揭/存量房贷政策)"), ("经营贷", "本行个人经营贷款"),
                           ("车贷", "本行汽车消费贷款"), ("其他", "本行个人消费贷款")), "置换推荐产品", None,
                          "[[贷款类型, 本行产品], ...]: 策略表 {offer} = 推荐 + 按推断的贷款类型(房贷/经营贷/车贷)取的本行产品, "
                          "其余类型取「其他」一行")
    deposit_products: str = param("定期|存款|结算账户|活期", "存款类产品", None,
                                  "正则: 未提供定期存款明细时, 产品持有表中产品名匹配的余额计为本行存款")
    institution_limit: int = param(50, "机构清单行数", "个", "机构清单(及其图表)按客户数列出的机构个数", min=1, max=1000)
    levels: tuple = levels_param((("A", 60), ("B", 40), ("C", 0)))
    #: removed ids (and their 中文 labels) -> the parameter that replaced them (refused naming it)
    RENAMED: ClassVar[dict[str, str]] = {"level_a": "levels", "A 级分数线": "levels", "level_b": "levels",
                                         "B 级分数线": "levels", "due_days": "strategy", "跟进期限": "strategy"}
    strategy: tuple = strategy_param(tuple((lvl, "联系客户, 比较利率与期限, 测算节省利息; {offer}", 10) for lvl in "ABC"),
                                     help="每个等级的建议动作与截止日(数据日期后第 N 个工作日); "
                                          "{offer} = 按推断的贷款类型推荐的本行产品, {inst} = 他行机构, {ltype} = 贷款类型")
    # 网贷客户名单: the level says what to do — 多头 (risk), own loan in arrears (no marketing), else marketing
    online_multi_points: float = param(100.0, "网贷名单得分: 多头", "分", "网贷客户同时是多头客户时的得分(使其进入第一档)")
    online_bad_points: float = param(50.0, "网贷名单得分: 本行贷款逾期/不良", "分",
                                     "本行贷款逾期中或已结清(未还清)时的得分(使其进入第二档)")
    online_payroll_points: float = param(20.0, "网贷名单得分: 代发", "分", "本行代发客户的得分(营销档内优先)")
    online_levels: tuple = param((("多头风险", 100), ("不营销", 50), ("A", 20), ("B", 0)), "网贷名单等级门槛", "分",
                                 "各等级及其最低得分, 从高到低: 第一档 = 多头客户, 第二档 = 本行贷款逾期/不良客户, 其后为营销档; "
                                 "门槛须与网贷名单得分一起使每位客户落在其档(参数检查)")
    online_strategy: tuple = param((("多头风险", "风险提示: 纳入贷前/贷后关注, 不做营销", 10),
                                    ("不营销", "本行贷款逾期/不良: 不营销, 关注还款能力", 10),
                                    ("A", "推荐本行线上消费贷(利率对比), 引导以本行产品替代网贷", 10),
                                    ("B", "推荐本行线上消费贷(利率对比), 引导以本行产品替代网贷", 20)),
                                   "网贷名单策略表", "工作日",
                                   "网贷客户名单每个等级的建议动作与截止日(数据日期后第 N 个工作日); 可用 {lenders} 网贷机构、{n_lenders} "
                                   "机构数、{n} 还款笔数、{window} 观察月数")
    # 多头风险名单
    multi_points: float = param(10.0, "多头名单得分: 每家机构", "分", "多头风险名单得分 = 该分 × 机构数")
    multi_levels: tuple = param((("风险", 0),), "多头名单等级门槛", "分", "各等级及其最低得分, 从高到低")
    multi_strategy: tuple = param((("风险", "风险提示: 共债风险, 贷前审查与贷后监测参考, 不做营销", 10),),
                                  "多头名单策略表", "工作日",
                                  "多头风险名单每个等级的建议动作与截止日(数据日期后第 N 个工作日); 可用 {lenders} 机构、{n_lenders} 机构数")

    def check(self) -> None:
        """The classifier's rules (:meth:`TransactionRuleParams.check`), then C3's: ``order_loan_purpose`` and
        ``deposit_products`` are valid regexes, ``window_months`` and the assumed terms are ≥ 1, ``offers`` is
        one [贷款类型, 产品] row per type of :data:`OFFER_TYPES`, each list's 等级门槛 from high to low with one
        策略表 row per level using only its placeholders (:func:`bankxl.lists.check_levels`), and the 网贷名单
        points and thresholds put every customer in its tier (:meth:`check_online_tiers`). Raises
        :class:`ParameterError`."""
        super().check()
        check_regex(self, "order_loan_purpose")
        check_regex(self, "deposit_products")
        rows = [tuple(x) if isinstance(x, (tuple, list)) else (x,) for x in self.offers]
        types = [x[0] for x in rows]
        if (any(len(x) != 2 or not all(isinstance(v, str) and v.strip() for v in x) for x in rows)
                or sorted(types) != sorted(OFFER_TYPES)):
            raise ParameterError(f"参数「置换推荐产品(offers)」应为 {'、'.join(OFFER_TYPES)} 各一行 [贷款类型, 本行产品], "
                                 f"给定 {self.offers!r}。",
                                 f"Parameter offers needs one [loan type, product] row for each of "
                                 f"{', '.join(OFFER_TYPES)}; got {self.offers!r}.")
        if self.window_months < 1 or min(self.term_months, self.term_business, self.term_car, self.term_other) < 1:
            raise ParameterError("参数「观察窗口」「估算剩余期数」应 ≥ 1 个月。",
                                 "Parameters window_months / term_* must be >= 1 month.")
        check_levels(self.levels, self.strategy, _ACTION_FIELDS)
        check_levels(self.online_levels, self.online_strategy, _ONLINE_FIELDS, ids=("online_levels", "online_strategy"),
                     labels=("网贷名单等级门槛", "网贷名单策略表"))
        check_levels(self.multi_levels, self.multi_strategy, _MULTI_FIELDS, ids=("multi_levels", "multi_strategy"),
                     labels=("多头名单等级门槛", "多头名单策略表"))
        self.check_online_tiers()

    def check_online_tiers(self) -> None:
        """网贷客户名单: with at least three levels, every 多头 customer scores ≥ the first threshold (多头
        alone: ``online_multi_points``), every other customer whose own loan is in arrears scores in
        [second, first) (``online_bad_points`` … + ``online_payroll_points``), every other customer in
        [last, second) (0 … ``online_payroll_points``) — whatever is unknown (scored 0). Raises
        :class:`ParameterError` naming the case that would fall into another tier."""
        t = [float(x[1]) for x in self.online_levels]
        m, b, pay = self.online_multi_points, self.online_bad_points, self.online_payroll_points
        cases = [("多头客户", "multi-lenders", m, m + b + pay, t[0], None),
                 ("本行贷款逾期/不良客户", "own loan in arrears", b, b + pay, t[1], t[0]),
                 ("其他网贷客户", "other borrowers", 0.0, pay, t[-1], t[1])] if len(t) >= 3 else []
        bad = [c for c in cases if c[2] < c[4] or (c[5] is not None and c[3] >= c[5])]
        if len(t) >= 3 and not bad:
            return
        if bad:
            zh, en, lo, hi, floor, top = bad[0]
            want = f"≥ {floor:g}" + (f" 且 < {top:g}" if top is not None else "")
            what_zh, what_en = f"{zh}得 {lo:g}–{hi:g} 分, 应 {want}", f"{en} score {lo:g}-{hi:g}"
        else:
            what_zh, what_en = f"只有 {len(t)} 档", f"{len(t)} levels"
        raise ParameterError(
            f"参数「网贷名单等级门槛(online_levels)」与「网贷名单得分」不一致: {what_zh}。应至少三档: 第一档 = 多头客户, "
            "第二档 = 本行贷款逾期/不良客户, 其后为营销档, 每位客户都须落在其档(数据中没有的因素不计分)。",
            f"Parameters online_levels and online_*_points disagree: {what_en}; need >= 3 levels: 1st multi-lenders, "
            "2nd own loan in arrears, then marketing tiers, every customer inside its tier.")


#: parameters to use on the public datasets: Berka's bank codes are anonymised, the bank's own name or code is
#: unknown (own loans are recognised from the loans table: every loan account has an order for its instalment)
DATASET_PARAMS: dict[str, dict] = {"Berka": {"own_bank": ""}}


def annuity_principal(m, annual_rate: float, n: int):
    """Principal of an annuity loan from its monthly payment: P = m·(1 − (1+r)^−n)/r, r = annual_rate/12.

    ``m`` scalar or array (any currency); r = 0 gives m·n. Example: m = 5,000, 4%, 120 -> 493,850.87 (= Σ_{k=1..120} 5,000/(1+r)^k)."""
    r = annual_rate / 12.0
    m = np.asarray(m, dtype="float64")
    if r == 0:
        return m * n
    return m * (1.0 - (1.0 + r) ** (-n)) / r


def term_for(loan_type: pd.Series, p: OtherBankLoanParams) -> pd.Series:
    """Remaining instalments n assumed for the principal estimate, per inferred loan type (Series of 房贷 /
    经营贷 / 车贷 / 其他贷款 / 网贷 / NA): 房贷 ``term_months``, 经营贷 ``term_business``, 车贷 ``term_car``,
    anything else ``term_other`` 【假设】. Returns int64 months, same index."""
    t = loan_type.astype("string")
    n = pd.Series(int(p.term_other), index=t.index, dtype="int64")
    for kind, months in (("房贷", p.term_months), ("经营贷", p.term_business), ("车贷", p.term_car)):
        n = n.mask(t.eq(kind).fillna(False).astype(bool), int(months))
    return n


# ---------------------------------------------------------------------------------------------- classify
def classify_transactions(txn: pd.DataFrame | None, p: OtherBankLoanParams, as_of: pd.Timestamp,
                          names=None, loans: pd.DataFrame | None = None, problems=None) -> pd.DataFrame:
    """C3's flow classification: :func:`bankxl.rules.transactions.classify_transactions` with C3's params over
    C3's window (``window_months`` months up to ``as_of``). Same inputs and output (:data:`DETAIL_COLS`)."""
    return flow_rules.classify_transactions(txn, p, as_of, names, loans, problems, months=p.window_months)


def classify_orders(orders: pd.DataFrame, p: OtherBankLoanParams, loans: pd.DataFrame | None = None) -> pd.DataFrame:
    """Classify standing payment orders whose purpose is a loan payment (``order_loan_purpose``).

    Own loan (本行贷款还款) when ``bank_to`` matches ``own_bank`` or the paying account — else the
    customer — has an own loan whose monthly payment equals the amount within ``own_loan_tol``; every
    other such order is 他行贷款还款 (置信度 高: the purpose says loan payment). Out: :data:`DETAIL_COLS`
    (``ts`` NaT: orders carry no date; ``cpty_bank`` = bank_to; ``memo`` = purpose / code)."""
    empty = empty_detail()
    if orders is None or len(orders) == 0:
        return empty
    purpose = orders["purpose"].fillna("") + " " + orders["purpose_code"].fillna("")
    o = orders.loc[has_pattern(purpose, p.order_loan_purpose)]
    if len(o) == 0:
        return empty
    amount = o["amount"]
    bank = o["bank_to"].fillna("")
    own = own_loans(loans)
    by_acct = matches_own_instalment(o["acct_no"].fillna(""), amount, own, "acct_no", p.own_loan_tol)
    by_cust = matches_own_instalment(o["cust_id"].fillna(""), amount, own, "cust_id", p.own_loan_tol)
    own_bank = is_own_bank(bank, p)
    is_own = own_bank | by_acct | by_cust
    memo = (o["purpose"].fillna("") + "(" + o["purpose_code"].fillna("") + ")").str.replace("()", "", regex=False)
    d = pd.DataFrame({
        "cust_id": o["cust_id"].fillna(""), "source": pd.Series("代扣指令", index=o.index, dtype="string"),
        "_row": o["_row"].astype("Int64") if "_row" in o.columns else pd.Series(pd.NA, index=o.index, dtype="Int64"),
        "ts": pd.Series(pd.NaT, index=o.index, dtype="datetime64[ns]"),
        "dir": pd.Series("D", index=o.index, dtype="string"), "amount": amount,
        "cpty_name": (o["acct_to"].fillna("") if "acct_to" in o.columns  # optional for a direct caller's frame
                      else pd.Series("", index=o.index, dtype="string")),
        "cpty_bank": bank, "memo": memo,
        "kind": pd.Series(np.where(is_own, KIND_OWN, KIND_OTHER_REPAY), index=o.index, dtype="string"),
        "institution": bank.where(bank != "", "(收款行未知)"),
        "loan_type": pd.Series(np.where(is_own, pd.NA, "其他贷款"), index=o.index, dtype="string"),
        "rules": pd.Series(np.where(own_bank, "收款行为本行", np.where(by_acct, "扣款账户有本行贷款且金额 = 月供",
                           np.where(by_cust, "客户有本行贷款且金额 = 月供", "代扣用途为贷款还款, 非本行贷款月供"))),
                           index=o.index, dtype="string"),
        "confidence": pd.Series(np.where(is_own, pd.NA, "高"), index=o.index, dtype="string"),
    })
    return d[DETAIL_COLS].sort_values(["cust_id"], kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------------------------------------- aggregate
def _join_groups(codes: np.ndarray, texts: np.ndarray, n_groups: int, sep: str = "、") -> np.ndarray:
    """Per group ``0 .. n_groups-1``, the texts of its rows joined with ``sep`` in row order (``""`` for a group
    without rows). ``codes``: int (n,) group of each row (< 0: none, e.g. ``ngroup`` of a dropped key);
    ``texts``: str (n,). Returns an object array (n_groups,). One vectorised step per position within a group
    (the longest group's length), not per group."""
    codes = np.asarray(codes, dtype="int64")
    texts = np.asarray(texts, dtype=object)
    ok = codes >= 0
    codes, texts = codes[ok], texts[ok]
    out = np.full(n_groups, "", dtype=object)
    if len(codes) == 0:
        return out
    pos = pd.Series(codes).groupby(codes, sort=False).cumcount().to_numpy()
    order = np.argsort(pos, kind="stable")
    bounds = np.searchsorted(pos[order], np.arange(pos.max() + 2))
    for j in range(len(bounds) - 1):
        rows = order[bounds[j]:bounds[j + 1]]
        c, t = codes[rows], texts[rows]
        out[c] = t if j == 0 else out[c] + sep + t
    return out


def _group_codes(g) -> np.ndarray:
    """``g.ngroup()`` as int64, rows of dropped (missing) keys as -1."""
    return g.ngroup().fillna(-1).to_numpy(dtype="int64")


def _join_distinct(codes: np.ndarray, values: pd.Series, n_groups: int, sep: str = "、") -> np.ndarray:
    """Per group (``codes`` as in :func:`_join_groups`, one per row of ``values``), its distinct non-missing
    ``values`` in order of first appearance joined with ``sep``; object array (n_groups,)."""
    d = pd.DataFrame({"c": np.asarray(codes, dtype="int64"), "t": values.to_numpy(dtype=object)})
    d = d[values.notna().to_numpy()].drop_duplicates()
    return _join_groups(d["c"].to_numpy(), d["t"].astype(str).to_numpy(), n_groups, sep)


def _mode_smallest(x: pd.DataFrame, keys: list[str], col: str) -> pd.Series:
    """Per group of ``keys``, the most frequent non-missing ``col`` — ties: the smallest value (what
    ``Series.mode().iloc[0]`` picks); groups with no value are absent (reindex gives NA)."""
    v = x.loc[x[col].notna(), [*keys, col]]
    cnt = v.groupby([*keys, col], sort=False, observed=True).size().rename("_n").reset_index()
    top = cnt.sort_values(["_n", col], ascending=[False, True], kind="stable").drop_duplicates(keys)
    return top.set_index(keys)[col]


def _per_institution(det: pd.DataFrame, kinds: tuple[str, ...]) -> pd.DataFrame:
    """Per (cust_id, institution): repayments, months, estimated monthly payment (median monthly sum; orders:
    sum of the orders), first/last date, loan type, best confidence, rules.

    ``det``: classified detail (cust_id, institution, kind, ts, amount, loan_type, confidence, rules, source);
    rows of ``kinds`` with both keys known count. Out: cust_id, institution, n, months, m_est (元), first,
    last, loan_type (most frequent, ties the smallest), confidence (best), rules (distinct, in order of first
    appearance, joined by 、), source (the first known) — by 客户号, then m_est descending, pairs in order of
    first appearance. Vectorised on integer codes (issue 16): the (客户号, 机构) pair is factorised once, every
    aggregate groups on its code; months are year × 12 + month integers (a row without a date — an order — is
    one month of its own)."""
    x = det[(det["kind"].isin(kinds) & det["cust_id"].notna() & det["institution"].notna()).to_numpy()]
    cols = ["cust_id", "institution", "n", "months", "m_est", "first", "last", "loan_type", "confidence", "rules", "source"]
    if len(x) == 0:  # (also when every such row lacks a key: no pair)
        return pd.DataFrame({c: pd.Series(dtype="float64" if c in ("n", "months", "m_est") else
                                          "datetime64[ns]" if c in ("first", "last") else "string") for c in cols})
    cc, cu = pd.factorize(x["cust_id"].to_numpy(dtype=object))
    ic, iu = pd.factorize(x["institution"].to_numpy(dtype=object))
    g, pairs = pd.factorize(cc.astype("int64") * max(len(iu), 1) + ic)  # pair code, in order of first appearance
    n_g = len(pairs)
    ts = x["ts"].to_numpy()  # datetime64 in the column's unit (kept in first / last)
    nat = np.isnat(ts)
    ym = ts.astype("datetime64[M]").astype("int64")
    ym = np.where(nat, 0, ym - (ym[~nat].min() if (~nat).any() else 0) + 1)  # 1.. months, 0 = an order (no date)
    span = int(ym.max()) + 1
    gm, gm_pairs = pd.factorize(g.astype("int64") * span + ym)  # (pair, month) code
    monthly = pd.Series(x["amount"].to_numpy(dtype="float64", na_value=np.nan)).groupby(gm, sort=True).sum()
    m_est = monthly.groupby(gm_pairs // span, sort=True).median().to_numpy()
    conf, conf_u = pd.factorize(x["confidence"].to_numpy(dtype=object))  # 高/中/低: ranked per distinct value
    crank = np.array([float(_CONF_RANK.get(v, 0)) for v in conf_u] + [0.0])[conf]  # -1 (blank) -> 0
    by = pd.DataFrame({"ts": ts, "crank": crank, "source": x["source"].array}).groupby(g, sort=True)
    loan_type = _mode_smallest(pd.DataFrame({"g": g, "loan_type": x["loan_type"].array}), ["g"], "loan_type")
    rules = join_values(pd.Series(g), x["rules"], order="first").reindex(range(n_g)).fillna("")
    out = pd.DataFrame({
        "cust_id": pd.array(cu[pairs // max(len(iu), 1)], dtype=x["cust_id"].dtype),
        "institution": pd.array(iu[pairs % max(len(iu), 1)], dtype=x["institution"].dtype),
        "n": np.bincount(g, minlength=n_g).astype("int64"),
        "months": np.bincount(gm_pairs // span, minlength=n_g).astype("int64"),
        "m_est": m_est, "first": by["ts"].min().to_numpy(), "last": by["ts"].max().to_numpy(),
        "loan_type": loan_type.reindex(range(n_g)).array,
        "crank": by["crank"].max().to_numpy(),
        "rules": pd.Series(rules.to_numpy(dtype=object)),
        "source": by["source"].first().array,
    })
    inv = {v: k for k, v in _CONF_RANK.items()}
    out["confidence"] = out["crank"].map(inv).astype("string")
    return out[cols].sort_values(["cust_id", "m_est"], ascending=[True, False], kind="stable").reset_index(drop=True)


def _flag(values) -> np.ndarray:
    """Mapped booleans (missing -> False) as a plain bool array."""
    return pd.array(pd.Series(values, dtype="object").to_numpy(), dtype="boolean").fillna(False).to_numpy(dtype=bool)


#: the relationship factors of the replacement score, in Chinese (说明 and 原因 name the unknown ones)
FACTOR_ZH = {"payroll": "代发", "deposit": "本行存款", "card": "信用卡", "mobile": "手机银行", "wealth": "理财",
             "loan": "本行贷款记录"}


def _relations(cust_ids: pd.Index, tables: Mapping[str, pd.DataFrame], currency: str = "CNY",
               deposit_products: str = OtherBankLoanParams().deposit_products) -> pd.DataFrame:
    """What the bank holds for each customer: payroll, deposits, card/mobile/wealth, own-loan status.

    deposit = Σ balance of the customer's time deposits that still hold money in ``currency``
    (:func:`bankxl.frames.active_deposits`: closed, zero and foreign-currency rows left out), else
    (no time_deposits table) Σ balance of held products in product_holdings whose name matches the regex
    ``deposit_products`` (parameter 存款类产品).

    A factor the data do not hold at all (no 代发 flag or product, no deposit balance, no 信用卡/手机银行/理财
    product, no 贷款 table) is False / 0 here, so it adds nothing to the score, and is listed by its Chinese
    name in ``rel.attrs["unknown"]`` (:data:`FACTOR_ZH` order): the lists show it blank, never 否 / 0."""
    rel = pd.DataFrame(index=pd.Index(cust_ids, dtype="string", name="cust_id"))
    rel["payroll"] = False
    rel["deposit"] = 0.0
    for c in ("card", "mobile", "wealth"):
        rel[c] = False
    rel["loan_state"] = "无"
    rel["loan_bad"] = False
    rel["loan_good"] = False
    cust = tables.get("customers")
    h = tables.get("product_holdings")
    td = tables.get("time_deposits")
    loans = tables.get("loans")
    products = h["product"].fillna("") if h is not None else pd.Series(dtype="string")
    balance = h["balance"] if h is not None else pd.Series(np.nan, index=products.index)

    def flag_known(col: str) -> bool:
        return cust is not None and bool(cust[col].notna().any())

    known = {
        "payroll": flag_known("payroll_flag") or bool(products.str.contains("代发", regex=False).any()),
        "deposit": td is not None or bool(balance[has_pattern(products, deposit_products)].notna().any()),
        "card": bool(products.str.contains("信用卡", regex=False).any()),
        "mobile": flag_known("mobile_banking") or bool(products.str.contains("手机银行", regex=False).any()),
        "wealth": bool(products.str.contains("理财", regex=False).any()),
        "loan": loans is not None,
    }
    rel.attrs["unknown"] = [FACTOR_ZH[k] for k, ok in known.items() if not ok]
    if loans is None:
        rel["loan_state"] = pd.Series(pd.NA, index=rel.index, dtype="string")
    if cust is not None and len(cust):
        pf = by_cust_id(cust)["payroll_flag"]
        rel["payroll"] = _flag(rel.index.map(pf.fillna(False).astype(bool)))
    if cust is not None and len(cust):
        mb = by_cust_id(cust)["mobile_banking"]
        rel["mobile"] = _flag(rel.index.map(mb.fillna(False).astype(bool)))
    if h is not None and len(h):
        held = h["held"].fillna(True).astype(bool)
        hh = pd.DataFrame({"k": h["cust_id"].fillna(""), "p": products, "b": h["balance"]})
        hh = hh[held.to_numpy()]
        for flag, pat in (("card", "信用卡"), ("mobile", "手机银行"), ("wealth", "理财"), ("payroll", "代发")):
            ks = hh.loc[hh["p"].str.contains(pat, regex=False), "k"].unique()
            rel[flag] = rel[flag] | rel.index.isin(ks)
        if "time_deposits" not in tables:
            dep = hh[has_pattern(hh["p"], deposit_products)].groupby("k")["b"].sum(min_count=1)
            rel["deposit"] = rel.index.map(dep).astype("float64")
    if td is not None and len(td):
        act, _ = active_deposits(td, currency)
        dep = act["balance"].groupby(act["cust_id"].fillna("")).sum()
        rel["deposit"] = rel.index.map(dep).astype("float64")
    rel["deposit"] = rel["deposit"].fillna(0.0)
    if loans is not None and len(loans):
        st = loan_status_code(loans["status"])
        od = loans["overdue_days"].fillna(0)
        lf = pd.DataFrame({"k": loans["cust_id"].fillna(""), "st": st,
                           "bad": (st.isin(["B", "D"]).fillna(False) | (od > 0)).astype(bool)})
        bad = lf.groupby("k")["bad"].any()
        good = lf.assign(g=lf["st"].isin(["A", "C"]).fillna(False)).groupby("k")["g"].any()
        order = {"D": 0, "B": 1, "C": 2, "A": 3}
        state = lf.assign(o=lf["st"].map(order).fillna(9)).sort_values("o").drop_duplicates("k").set_index("k")["st"]
        names = {"A": "已结清(正常)", "B": "已结清(未还清)", "C": "正常还款中", "D": "逾期中"}
        rel["loan_bad"] = _flag(rel.index.map(bad))
        rel["loan_good"] = _flag(rel.index.map(good)) & ~rel["loan_bad"]
        rel["loan_state"] = pd.Series(rel.index.map(state.map(names).fillna(state)), index=rel.index,
                                      dtype="string").fillna("无")
    return rel


# ---------------------------------------------------------------------------------------------- run
def run(tables: Mapping[str, pd.DataFrame], params: OtherBankLoanParams, ctx: RunContext) -> Report:
    """Run C3: classify flows/orders, aggregate per customer and institution, rank replacements.

    Sheets: 概览 · 他行贷款置换名单 · 网贷客户名单 · 多头风险名单 · 机构清单 · 识别明细 · 客户标签 (then 数据问题, 说明).
    """
    p = params
    customers = tables.get("customers")
    txn, orders, loans = tables.get("transactions"), tables.get("payment_orders"), tables.get("loans")
    names = by_cust_id(customers)["cust_name"] if customers is not None else None
    parts = []
    paths = []
    if txn is not None:
        paths.append(f"交易流水 {len(txn):,} 笔")
        parts.append(classify_transactions(txn, p, ctx.as_of, names, loans, ctx.problems))
    if orders is not None:
        paths.append(f"代扣指令 {len(orders):,} 条")
        parts.append(classify_orders(orders, p, loans))
    det = pd.concat(parts, ignore_index=True) if parts else classify_orders(None, p)
    det = det.astype({"amount": "float64", "_row": "Int64"})

    base, disp = ctx.base_label, ctx.money_label
    # --- other-bank loans per (customer, institution) and per customer
    ob = _per_institution(det, (KIND_OTHER_REPAY,))
    ob["term"] = term_for(ob["loan_type"], p)
    ob["P"] = annuity_principal(ob["m_est"].to_numpy(dtype="float64"), p.annual_rate, ob["term"].to_numpy())
    on = _per_institution(det, (KIND_ONLINE_REPAY,))
    lend = det[det["kind"].isin([KIND_ONLINE_LEND, KIND_OTHER_LEND])]

    # distinct lenders (online lenders with any flow + other banks repaid)
    lenders_all = pd.concat([det.loc[det["kind"].isin([KIND_ONLINE_REPAY, KIND_ONLINE_LEND]), ["cust_id", "institution"]],
                             ob[["cust_id", "institution"]]], ignore_index=True).drop_duplicates()
    n_lenders = lenders_all.groupby("cust_id").size()
    shown = _shown_institutions(det, p, ctx)
    gl = lenders_all.groupby("cust_id")
    lender_names = pd.Series(_join_groups(_group_codes(gl), lenders_all["institution"].map(shown).astype(str).to_numpy(),
                                          gl.ngroups), index=gl.size().index, name="institution")
    multi = n_lenders[n_lenders >= p.multi_lender_min]

    all_ids = pd.Index(sorted(set(ob["cust_id"].unique()) | set(on["cust_id"].unique())
                              | set(lenders_all["cust_id"].unique())), dtype="string")
    rel = _relations(all_ids, tables, ctx.currency, p.deposit_products)
    unknown = list(rel.attrs.get("unknown", []))
    td = tables.get("time_deposits")
    td_notes = active_deposits(td, ctx.currency)[1] if td is not None and len(td) else []

    # --- replacement list
    gc = ob.groupby("cust_id", sort=False)
    codes, n_c = _group_codes(gc), gc.ngroups
    per_c = gc.agg(m=("m_est", "sum"), P=("P", "sum"), n=("n", "sum"), months=("months", "max"))
    per_c["terms"] = _join_groups(codes, ob["term"].to_numpy(dtype="int64").astype(str), n_c)
    per_c["inst"] = _join_groups(codes, ob["institution"].map(shown).astype(str).to_numpy(), n_c)
    first = ob[codes >= 0].drop_duplicates("cust_id")
    per_c["ltype"], per_c["conf"] = first["loan_type"].to_numpy(), first["confidence"].to_numpy()
    per_c["term_main"] = first["term"].to_numpy()  # ob is sorted by m_est descending within a customer
    tok = ob["rules"].astype(str).str.split("、").explode()   # each rule text once, first appearance first
    per_c["rules"] = _join_distinct(codes[ob.index.get_indexer(tok.index)], tok, n_c)
    per_c["last"] = gc["last"].max()
    r = rel.reindex(per_c.index)
    is_multi = per_c.index.isin(multi.index)
    bad = r["loan_bad"].fillna(False).to_numpy(dtype=bool)
    n_bad, n_multi_ob = int((bad & ~is_multi).sum()), int(is_multi.sum())
    keep = ~bad & ~is_multi
    lst = replacement_list(per_c[keep], r[keep], customers, unknown, p, ctx)
    repl = lst.df

    online = online_list(on, lend, n_lenders, lender_names, rel, customers, unknown, p, ctx)
    multi_lst = multi_list(multi, lender_names, det, rel, customers, p, ctx)
    inst_tab = _institution_table(det, ob, p, ctx)
    inst_tab["机构"] = inst_tab["机构"].map(shown).astype("string")
    detail = _detail_table(det.assign(institution=det["institution"].map(shown)), names, p, ctx)
    tags = _tags(ob, online, multi_lst, det, lst, p, ctx)

    # --- overview
    n_card = det.loc[det["kind"] == KIND_CARD, "cust_id"].nunique()
    counts = pd.DataFrame([
        ("他行贷款客户", len(per_c), "识别到他行贷款还款(摘要关键词/等额月供/代扣用途)"),
        ("其中 进入置换名单", len(repl), "剔除多头与本行贷款逾期/不良的客户"),
        ("其中 本行贷款逾期/不良剔除", n_bad, "本行贷款状态 B/D 或逾期天数 > 0: 不营销"),
        ("其中 多头剔除", n_multi_ob, "同时也是多头客户: 见多头风险名单"),
        ("网贷客户", int(on["cust_id"].nunique()), f"近 {p.window_months} 个月 ≥1 次网贷还款"),
        ("多头客户", len(multi), f"网贷/他行机构 ≥ {p.multi_lender_min} 家: 风险提示, 不营销"),
        ("信用卡还款客户", int(n_card), "单独标签, 不算贷款"),
        ("本行贷款还款客户", int(det.loc[det["kind"] == KIND_OWN, "cust_id"].nunique()), "本行自己的贷款: 不算他行贷款"),
    ], columns=["指标", "客户数", "说明"])
    counts["客户数"] = counts["客户数"].astype("int64")
    kind_rows = det.groupby("kind").agg(n=("amount", "size"), amt=("amount", "sum"), c=("cust_id", "nunique"))
    kinds = [KIND_OTHER_REPAY, KIND_OTHER_LEND, KIND_ONLINE_REPAY, KIND_ONLINE_LEND, KIND_OWN, KIND_CARD, KIND_SELF,
             KIND_REV]
    kind_rows = kind_rows.reindex(kinds).fillna(0)
    by_kind = pd.DataFrame({"识别类型": kinds, "笔数": kind_rows["n"].astype("int64").to_numpy(),
                            disp("金额"): ctx.money(kind_rows["amt"].astype("float64")).to_numpy(),
                            "客户数": kind_rows["c"].astype("int64").to_numpy()})
    lines = [f"数据日期 {ctx.as_of:%Y-%m-%d}; 依据: {'; '.join(paths) if paths else '无'}。"]
    if not paths:
        lines.append("未提供「交易流水」或「代扣指令」: 无法识别他行贷款。请在同一工作簿中放入交易流水(或代扣指令)表后重试。")
    if txn is not None:
        lines.append(f"交易流水只看 {ctx.as_of - pd.DateOffset(months=p.window_months):%Y-%m-%d}(不含)至数据日期的 "
                     f"{p.window_months} 个月。")
    if loans is None:
        lines.append("未提供「贷款」表: 本行贷款还款只能靠对手行名识别, 置换名单不含本行贷款状态。")
    if unknown:
        lines.append(f"数据中没有「{'、'.join(unknown)}」: 这些因素无法计算, 置换名单得分中不计分, 名单中留空(不是 否/0), 见「未计算因素」列。")
    if not p.own_bank:
        lines.append("本行行名/行号: 未知(参数留空, 如 Berka 行号已匿名); 本行贷款只按贷款表的月供识别。")
    lines.append("多头客户只做风险提示, 不进入营销名单。估算本金为假设利率与期数下的年金现值, 仅供排序参考。")
    by_type = _type_table(per_c, p, ctx)
    # the old 概览 folded into 识别汇总 after the lists: the headline is the one overview (issue 10); the
    # chart of every 识别类型's customers is gone — one bar (本行贷款还款: 682 of Berka's 717) dwarfed the rest
    overview = [Note(title="识别汇总", lines=lines),
                Table(counts, name="c3_counts", title="客户数", formats={"客户数": "int"}),
                Table(by_type, name="c3_types", title="他行贷款(按推断的贷款类型)",
                      formats={"客户数": "int"}, empty_note=_no_other_bank(paths)),
                Table(by_kind, name="c3_kinds", title="识别结果(笔数与金额)", formats={"笔数": "int", "客户数": "int"})]
    no_flows = ("未提供交易流水(只有代扣指令): 网贷还款与放款只能从流水识别" if txn is None else None)

    sheets = [
        Sheet("他行贷款置换名单", lst.blocks(
            "c3_replacement", "他行贷款置换名单", lines=[
                f"得分(0–100) = 规模 {p.w_size:g}×min(估算本金/{p.principal_full:,.0f}, 1) + 代发 {p.w_payroll:g} + "
                f"存款 {p.w_deposit:g}×min(存款/{p.deposit_full:,.0f}, 1) + 本行贷款记录良好 {p.w_own_loan:g} + "
                f"产品 {p.w_product:g}/项(信用卡/手机银行/理财)。原因先写他行贷款(机构、类型、月供), 再写得分最高的规则。",
                "剔除: 多头客户(风险提示)与本行贷款逾期/不良客户。客户号不脱敏, 便于查询。",
                f"金额单位: {ctx.base_unit}。估算期数: 一户有多笔他行贷款时为月供最大的一笔的期数, 各笔期数见原因。"],
            formats={"月供笔数": "int", base("估算月供"): "money0", "估算期数(月)": "int", base("估算本金"): "money0",
                     base("本行存款"): "money0"},
            conditional=[Conditional(["得分"], "data_bar")], widths={"建议动作": 46})),
        Sheet("网贷客户名单", online.blocks(
            "c3_online", f"网贷客户名单(近 {p.window_months} 个月有网贷还款)", lines=[
                f"得分 = 多头 {p.online_multi_points:g} + 本行贷款逾期/不良 {p.online_bad_points:g} + 代发 "
                f"{p.online_payroll_points:g}; 等级门槛使多头客户在第一档(风险提示, 不营销)、本行贷款逾期/不良客户在第二档"
                "(不营销), 其余为营销档。原因先写网贷还款(机构、笔数), 再写命中的规则。"],
            formats={"还款笔数": "int", "机构数": "int", base("月均还款"): "money0",
                     base("最近放款金额"): "money0", "最近还款日": "date", "最近放款日": "date"},
            conditional=[Conditional(["多头"], "text", value="是", style="bad")],
            widths={"原因": 50, "建议动作": 44}, top_style="bad",
            hold_levels=[str(x[0]) for x in p.online_levels[:2]])),  # check_online_tiers: 多头 / 逾期不良 tiers
        Sheet("多头风险名单", multi_lst.blocks(
            "c3_multi", "多头风险名单", lines=[
                f"同时在 ≥{p.multi_lender_min} 家网贷机构/他行有借贷往来的客户: 共债风险提示, 供贷前/贷后审查参考, 不做营销。"
                f"得分 = {p.multi_points:g} × 机构数。"],
            formats={"机构数": "int", base("近期还款合计"): "money0"}, widths={"机构": 50, "建议动作": 40},
            top_style="bad", risk_only=True)),
        Sheet("识别汇总", overview),
        Sheet("机构清单", [Table(inst_tab, name="c3_institutions", title=f"网贷机构与他行(按客户数, 前 {p.institution_limit})",
                                  formats={"客户数": "int", "还款笔数": "int", disp("还款金额"): "money",
                                           disp("估算月供合计"): "money"})]
              + ([Chart(table="c3_institutions", categories="机构", series=["客户数"], kind="bar",
                        title="各机构客户数", height=420)] if len(inst_tab) else [])),
        Sheet("识别明细", print_role="detail", blocks=[Table(detail, name="c3_detail", title="识别明细(含排除项)", role="detail",
                                  text_columns=("客户号", "对手户名/账号"),
                                  formats={"Excel 行号": "0", base("金额"): "money", "交易日期": "date"})]),
        tag_sheet(tags),
    ]
    for name, why in (("c3_online", no_flows or f"近 {p.window_months} 个月没有识别到网贷还款"),
                      ("c3_multi", f"没有客户同时在 ≥{p.multi_lender_min} 家网贷机构/他行有借贷往来"
                       + (f"({no_flows})" if no_flows else "")),
                      ("c3_replacement", _no_other_bank(paths) if not len(per_c) else
                       "他行贷款客户都是多头客户或本行贷款逾期/不良客户(不营销)")):
        next(b for sh in sheets for b in sh.blocks if isinstance(b, Table) and b.name == name).empty_note = why
    report = Report(title="交易流水 → 网贷客户、他行贷款客户", sheets=sheets)
    report.headline = _headline(per_c, lst, online, multi, lines, p, ctx)
    report.method = [
        "SCENARIOS.md C3 交易流水 → 网贷客户、他行贷款客户; 规则字典与阈值见参数表, 均可修改。",
        "排除在先: 信用卡还款(单独标签)、本人互转(对手户名 = 客户姓名或摘要)、冲正(摘要或 "
        f"{p.reversal_days} 天内同额反向, 两笔都排除)。",
        "网贷: 对手户名/摘要命中网贷机构字典且含还款类关键词; 支出 = 还款, 收入 = 放款。",
        "本行贷款还款不算他行: 对手行为本行, 或金额与客户本行贷款月供相差 ≤"
        f"{p.own_loan_tol:.0%} 且对手行为本行或空白; 代扣指令: 扣款账户(或客户)有本行贷款且金额 = 月供(±{p.own_loan_tol:.0%})。",
        "Berka 的行号已匿名: 本行由数据判断 —— 682 个贷款账户每个都有一条金额等于其月供的 UVER 代扣(±1 CZK), "
        "其余 UVER 代扣才是他行贷款。",
        f"他行贷款: 摘要/对手户名含贷款关键词且对手行≠本行; 或等额月供(同对手, 金额差 ≤{p.same_amount_tol:.0%}, "
        f"间隔 {p.interval_min}–{p.interval_max} 天, ≥{p.min_repeats} 次)。对手行空白或经支付通道 → 置信度 低。",
        f"估算月供 = 各月还款合计的中位数(代扣: 指令金额); 估算本金 P = m·(1 − (1+r)^−n)/r, r = {p.annual_rate:.2%}/12; "
        f"剩余期数 n 按推断的贷款类型【假设】: 房贷 {p.term_months}、经营贷 {p.term_business}、车贷 {p.term_car}、"
        f"消费及其他 {p.term_other} 个月(名单「估算期数(月)」列; 一户多笔按机构顺序列出)。",
        f"多头: 网贷机构与他行合计 ≥{p.multi_lender_min} 家 → 风险提示, 不营销。",
    ]
    report.notes = [f"金额币种: {ctx.currency}(未折算)。客户级金额为 {ctx.base_unit}, 汇总为 {ctx.unit}。",
                    "网贷机构字典为常识整理, 需定期更新【假设】。", f"他行贷款置换名单{lst.tie_break}",
                    f"网贷客户名单{online.tie_break}", f"多头风险名单{multi_lst.tie_break}"]
    report.notes += [f"「本行存款」(定期存款明细): {n}" for n in td_notes]
    if unknown:
        report.notes.append(f"无法计算的因素(数据中没有): {'、'.join(unknown)} — 置换名单得分不计这些分, 名单中留空"
                            "(见「未计算因素」列)。")
    if not p.own_bank:
        report.notes.append("本行行名/行号: 未知(参数「本行行名/行号」留空)。")
    return report


def _no_other_bank(paths: list[str]) -> str:
    """Why no other-bank loan was found (the 无 line of an empty table)."""
    return ("未提供交易流水或代扣指令, 无法识别他行贷款" if not paths else
            f"{'、'.join(paths)}中没有识别到他行贷款还款")


def _type_table(per_c: pd.DataFrame, p: OtherBankLoanParams, ctx: RunContext) -> pd.DataFrame:
    """他行贷款 by inferred loan type (the type of each customer's largest loan): 贷款类型, 客户数, 估算月供合计 and
    估算本金合计 (display unit, ``ctx.money_label``), largest principal first. ``per_c``: one row per other-bank
    borrower (ltype, m, P in the data's currency)."""
    disp = ctx.money_label
    g = per_c.assign(t=per_c["ltype"].astype("string").fillna("其他贷款")).groupby("t", sort=True)
    out = pd.DataFrame({"贷款类型(推断)": pd.Series(g.size().index, dtype="string"),
                        "客户数": g.size().to_numpy().astype("int64"),
                        disp("估算月供合计"): ctx.money(g["m"].sum().to_numpy(dtype="float64")),
                        disp("估算本金合计"): ctx.money(g["P"].sum().to_numpy(dtype="float64"))})
    return out.sort_values([disp("估算本金合计"), "贷款类型(推断)"], ascending=[False, True]).reset_index(drop=True)


def _headline(per_c, lst: ScoredList, online: ScoredList, multi: pd.Series, lines: list[str],
              p: OtherBankLoanParams, ctx: RunContext) -> Headline:
    """The report's first sheet (issue 10): 他行贷款客户 (户; note: how many are on the 置换名单),
    估算他行贷款本金 (Σ P, display unit), the 置换名单's first level (户; other levels in the note), 网贷客户 and
    多头客户 (户); no comparison (the flows cover one window: last month is not in them); the chart of
    他行贷款 by inferred type (``c3_types``) and the top 10 of 他行贷款置换名单. ``lines``: the data paths and
    what is missing (were on C3's own 概览)."""
    first, *rest = list(lst.counts) or ["A"]
    figures = [
        Figure("他行贷款客户", len(per_c), "户", format="int", note=f"其中进入置换名单 {len(lst.df):,} 户"),
        Figure("估算他行贷款本金", float(ctx.money(per_c["P"].sum())) if len(per_c) else None, ctx.unit,
               note="年金现值估算(假设利率与期数), 仅供排序参考" if len(per_c) else "未识别到他行贷款"),
        Figure(f"置换名单 {first} 级", lst.counts.get(first, 0), "户", format="int",
               note=" / ".join(f"{k} 级 {lst.counts[k]:,} 户" for k in rest) or None),
        Figure("网贷客户", len(online.df), "户", format="int", note=f"近 {p.window_months} 个月 ≥1 次网贷还款"),
        Figure("多头客户", len(multi), "户", format="int", note=f"≥{p.multi_lender_min} 家机构: 风险提示, 不营销"),
    ]
    chart = Chart(table="c3_types", categories="贷款类型(推断)", series=[ctx.money_label("估算本金合计")], kind="bar",
                  title="他行贷款估算本金(按推断的贷款类型)", height=200)
    basis = lines[0].split("; ", 1)[-1]  # 依据: … (the 数据日期 is on the headline already)
    return Headline(figures=figures, chart=chart, actions="c3_replacement", lines=[basis, *lines[1:-1]])


def replacement_list(cand: pd.DataFrame, rel: pd.DataFrame, customers: pd.DataFrame | None, unknown: list[str],
                     p: OtherBankLoanParams, ctx: RunContext) -> ScoredList:
    """他行贷款置换名单 on :func:`bankxl.lists.score_list`.

    ``cand``: one row per candidate (index cust_id; columns inst, ltype, n, m, months, terms (every loan's n,
    text), term_main (n of the loan with the largest monthly payment, a number), P, conf — the per-customer
    other-bank loan aggregates, money in the data's currency); ``rel``: :func:`_relations` on the
    same index; ``unknown``: Chinese names (:data:`FACTOR_ZH`) of the factors the data do not hold — not
    scored, listed under 未计算因素, shown blank. Rules (weights/points are parameters): 规模 ``w_size`` ×
    min(P/``principal_full``, 1), 代发 ``w_payroll``, 本行存款 ``w_deposit`` × min(存款/``deposit_full``, 1),
    信用卡/手机银行/理财 ``w_product`` each, 本行贷款记录良好 ``w_own_loan``; levels and 策略表 from ``levels`` /
    ``strategy``; rank: 得分, then 估算本金, then 客户号. 原因 = the other-bank loan (机构, 类型, 月供 — why the
    customer is on the list) followed by the top 3 scored reasons. Returns the ScoredList (``df`` as shown)."""
    base, u = ctx.base_label, ctx.base_unit
    offers = {str(t): str(prod) for t, prod in p.offers}
    ltype = cand["ltype"].astype("string")
    months = cand["months"].fillna(0).astype("int64")
    P = cand["P"].astype("float64")
    dep = rel["deposit"].astype("float64")
    f = pd.DataFrame({
        "cust_id": cand.index.astype("string"), "inst": cand["inst"].astype("string"), "ltype": ltype,
        "n": cand["n"].astype("int64"), "m": cand["m"].astype("float64"), "terms": cand["terms"].astype("string"),
        "term_main": cand["term_main"].astype("Int64"),
        "P": P, "估算本金": P, "conf": cand["conf"].astype("string"),
        "months_txt": np.where(months > 1, ", 连续 " + months.astype(str) + " 个月", ""),
        "offer": "推荐" + ltype.map(offers).fillna(offers["其他"]).astype("string"),
        "size_share": np.minimum(P / p.principal_full, 1.0), "dep_share": np.minimum(dep / p.deposit_full, 1.0).clip(lower=0),
        "deposit": dep, "loan_state": rel["loan_state"].astype("string"),
        **{c: rel[c].fillna(False).astype(bool) for c in ("payroll", "card", "mobile", "wealth", "loan_good")},
        "m_shown": cand["m"].astype("float64").round(2), "P_shown": P.round(2),
        "payroll_shown": flag_text(rel["payroll"], "代发" not in unknown),
        "dep_shown": dep * (np.nan if "本行存款" in unknown else 1.0),
        "card_shown": flag_text(rel["card"], "信用卡" not in unknown),
    }).reset_index(drop=True)
    rules = (
        Rule("size", f"按 {{terms}} 期估算本金约 {{P:,.0f}} {u}", weight=p.w_size, value="size_share", name="规模"),
        Rule("payroll", "本行代发", points=p.w_payroll, when="payroll", name=FACTOR_ZH["payroll"]),
        Rule("deposit", f"本行存款 {{deposit:,.0f}} {u}", weight=p.w_deposit, value="dep_share",
             name=FACTOR_ZH["deposit"]),
        Rule("card", "持本行信用卡", points=p.w_product, when="card", name=FACTOR_ZH["card"]),
        Rule("mobile", "开通本行手机银行", points=p.w_product, when="mobile", name=FACTOR_ZH["mobile"]),
        Rule("wealth", "持有本行理财", points=p.w_product, when="wealth", name=FACTOR_ZH["wealth"]),
        Rule("loan", "本行贷款{loan_state}", points=p.w_own_loan, when="loan_good", name=FACTOR_ZH["loan"]),
    )
    # one unit per row (issue 10): every amount of the list in the base unit (元 / the data's currency)
    show = {"inst": "他行机构", "ltype": "贷款类型(推断)", "n": "月供笔数", "m_shown": base("估算月供"),
            "term_main": "估算期数(月)", "P_shown": base("估算本金"), "conf": "置信度", "loan_state": "本行贷款",
            "payroll_shown": "代发", "dep_shown": base("本行存款"), "card_shown": "信用卡"}
    lst = score_list(f, rules, p.levels, p.strategy, ctx, sort_by=("估算本金",), unknown=unknown, amount="P_shown",
                     customers=customers, show=show, params=p)
    return _with_lead(lst, f, f"他行({{inst}}){{ltype}}月供约 {{m:,.0f}} {u}{{months_txt}}")


def _with_lead(lst: ScoredList, f: pd.DataFrame, template: str) -> ScoredList:
    """``lst`` with ``template`` (filled from its list frame ``f``, one row per cust_id: why the customer is on
    the list) before the scored reasons in 原因, joined with ``；``; modified in place and returned."""
    if not len(f):
        return lst
    lead = fill_template(template, f)
    lead = lst.df["客户号"].map(lead.set_axis(f["cust_id"].to_numpy())).astype("string")
    reasons = lst.df["原因"].fillna("")
    lst.df["原因"] = lead.where(reasons.eq(""), lead + REASON_SEP + reasons)
    return lst


def online_list(on: pd.DataFrame, lend: pd.DataFrame, n_lenders: pd.Series, lender_names: pd.Series,
                rel: pd.DataFrame, customers: pd.DataFrame | None, unknown: list[str], p: OtherBankLoanParams,
                ctx: RunContext) -> ScoredList:
    """网贷客户名单 (every customer with ≥ 1 网贷 repayment in the window) on :func:`bankxl.lists.score_list`.

    ``on``: :func:`_per_institution` of the 网贷还款 rows; ``lend``: the 放款 rows of the classified detail;
    ``n_lenders`` / ``lender_names``: distinct lenders per cust_id (count / shown names); ``rel``:
    :func:`_relations`; ``unknown``: factors the data do not hold (:data:`FACTOR_ZH` names). Rules (points
    are parameters): 多头 (≥ ``multi_lender_min`` lenders) ``online_multi_points``, own loan in arrears or
    finished unpaid ``online_bad_points`` (not computed without a 贷款 table), 代发 ``online_payroll_points``;
    the ``online_levels`` tiers (:meth:`OtherBankLoanParams.check_online_tiers`): 多头 → first (风险提示),
    逾期/不良 → second (不营销), the rest → the marketing tiers; 建议动作 / 截止日 from ``online_strategy``.
    Rank: 得分, then 月均还款, then 客户号. 原因 starts with the repayments (近 N 个月向 … 还款 n 笔). Shown:
    网贷机构, 机构数, 还款笔数, 月均还款 (data currency), 最近还款日, 最近放款日/金额, 多头 (是/否)."""
    base = ctx.base_label
    g = on.groupby("cust_id", sort=True).agg(n=("n", "sum"), m=("m_est", "sum"), last=("last", "max"))
    ids = pd.Series(g.index, dtype="string")
    lo = lend[lend["kind"] == KIND_ONLINE_LEND].sort_values("ts").groupby("cust_id").last()
    nl = ids.map(n_lenders).fillna(0).astype("int64")
    multi = (nl >= p.multi_lender_min).to_numpy()

    def rel_col(col: str, dtype: str) -> pd.Series:
        return (ids.map(rel[col]) if len(rel) else pd.Series(pd.NA, index=ids.index)).astype(dtype)

    f = pd.DataFrame({
        "cust_id": ids, "lenders": ids.map(lender_names).astype("string"), "n_lenders": nl,
        "n": g["n"].astype("int64").to_numpy(), "m": g["m"].astype("float64").round(2).to_numpy(),
        "last": g["last"].to_numpy(),
        "lend_ts": (ids.map(lo["ts"]) if len(lo) else pd.Series(pd.NaT, index=ids.index)).astype("datetime64[ns]"),
        "lend_amt": (ids.map(lo["amount"]) if len(lo) else pd.Series(np.nan, index=ids.index)).astype("float64"),
        "multi": multi, "multi_txt": pd.Series(np.where(multi, "是", "否"), dtype="string"),
        "bad": rel_col("loan_bad", "boolean"), "payroll": rel_col("payroll", "boolean"),
        "loan_state": rel_col("loan_state", "string"), "window": p.window_months,
    })
    rules = (
        Rule("multi", "多头({n_lenders} 家)", points=p.online_multi_points, when="multi", name="多头"),
        Rule("loan", "本行贷款{loan_state}", points=p.online_bad_points, when="bad", name=FACTOR_ZH["loan"]),
        Rule("payroll", "本行代发", points=p.online_payroll_points, when="payroll", name=FACTOR_ZH["payroll"]),
    )
    show = {"lenders": "网贷机构", "n_lenders": "机构数", "n": "还款笔数", "m": base("月均还款"), "last": "最近还款日",
            "lend_ts": "最近放款日", "lend_amt": base("最近放款金额"), "multi_txt": "多头"}
    lst = score_list(f, rules, p.online_levels, p.online_strategy, ctx, sort_by=("m",),
                     unknown=[x for x in unknown if x in (FACTOR_ZH["loan"], FACTOR_ZH["payroll"])],
                     customers=customers, show=show, params=p)
    return _with_lead(lst, f, "近 {window} 个月向 {lenders} 还款 {n} 笔")


def multi_list(multi: pd.Series, lender_names: pd.Series, det: pd.DataFrame, rel: pd.DataFrame,
               customers: pd.DataFrame | None, p: OtherBankLoanParams, ctx: RunContext) -> ScoredList:
    """多头风险名单 (customers with ≥ ``multi_lender_min`` distinct lenders/banks: a risk hint, never marketing) on
    :func:`bankxl.lists.score_list`. ``multi``: 机构数 per cust_id; ``det``: the classified detail (近期还款合计 =
    Σ 网贷/他行 repayments in the window, data currency); ``rel``: :func:`_relations` (本行贷款: 无 = no loan
    here, blank = no 贷款 table). 得分 = ``multi_points`` × 机构数; levels / 建议动作 / 截止日 from ``multi_levels`` /
    ``multi_strategy``; rank: 得分, then 近期还款合计, then 客户号."""
    ids = pd.Series(multi.index, dtype="string")
    repaid = det[det["kind"].isin([KIND_ONLINE_REPAY, KIND_OTHER_REPAY])].groupby("cust_id")["amount"].sum()
    f = pd.DataFrame({
        "cust_id": ids, "n_lenders": ids.map(multi).astype("int64"), "lenders": ids.map(lender_names).astype("string"),
        "repaid": ids.map(repaid).astype("float64").fillna(0.0),
        "loan_state": (ids.map(rel["loan_state"]) if len(rel) else pd.Series(pd.NA, index=ids.index)).astype("string"),
    })
    rules = (Rule("lenders", "同时向 {n_lenders} 家机构还款/借款", weight=p.multi_points, value="n_lenders",
                  name="多头机构数"),)
    show = {"n_lenders": "机构数", "lenders": "机构", "repaid": ctx.base_label("近期还款合计"), "loan_state": "本行贷款"}
    return score_list(f, rules, p.multi_levels, p.multi_strategy, ctx, sort_by=("repaid",), customers=customers,
                      show=show, params=p)


def _institution_table(det, ob, p, ctx) -> pd.DataFrame:
    disp = ctx.money_label
    x = det[det["kind"].isin([KIND_ONLINE_REPAY, KIND_OTHER_REPAY])]
    cols = ["机构", "类型", "客户数", "还款笔数", disp("还款金额"), disp("估算月供合计")]
    if len(x) == 0:
        return pd.DataFrame({c: pd.Series(dtype="string" if c in ("机构", "类型") else "float64") for c in cols}
                            ).astype({"客户数": "int64", "还款笔数": "int64"})
    g = x.groupby(["institution", "kind"]).agg(c=("cust_id", "nunique"), n=("amount", "size"), a=("amount", "sum"))
    g = g.reset_index()
    m = ob.groupby("institution")["m_est"].sum()
    out = pd.DataFrame({
        "机构": g["institution"].astype("string"),
        "类型": g["kind"].map({KIND_ONLINE_REPAY: "网贷机构", KIND_OTHER_REPAY: "他行"}).astype("string"),
        "客户数": g["c"].astype("int64"), "还款笔数": g["n"].astype("int64"),
        disp("还款金额"): ctx.money(g["a"].astype("float64")),
        disp("估算月供合计"): ctx.money(np.where(g["kind"] == KIND_OTHER_REPAY,
                                                g["institution"].map(m).fillna(0.0), np.nan)),
    })
    out = out.sort_values(["客户数", "还款笔数", "机构"], ascending=[False, False, True], kind="stable")
    return out.head(p.institution_limit).reset_index(drop=True)  # the chart covers the table: keep it readable


def _shown_institutions(det: pd.DataFrame, p: OtherBankLoanParams, ctx: RunContext) -> dict[str, str]:
    """institution -> as the lists show it: lender names of ``p.lenders``, banks (对手行/收款行) and the
    (…未知) placeholders as they are; a name taken from the counterparty (对手户名: maybe a person) masked when
    ``ctx.mask`` (:func:`bankxl.masking.mask_counterparty` keeps organisations' names). Applied after every
    count, so two people with the same masked name still count as two institutions."""
    names = pd.Series(det["institution"].dropna().unique(), dtype="string")
    keep = {n for n, _ in p.lenders} | set(det["cpty_bank"].dropna().unique()) | {"(对手未知)", "(收款行未知)"}
    return dict(zip(names, names.where(names.isin(keep), masked(names, "cpty_name", ctx))))


def _detail_table(det, names, p, ctx) -> pd.DataFrame:
    """识别明细: one row per classified flow/order; the counterparty (对手户名, or an order's 对方账号) masked
    per ``ctx.mask`` — it is someone else's name or account; 摘要/用途 with ID, phone and card numbers and the
    row's names masked (:func:`bankxl.masking.mask_free_text`): the customer's (``names``: cust_id -> 客户名称)
    and the counterparty's when it is a person (:func:`bankxl.masking.counterparty_person`; a lender of
    ``p.lenders`` such as 分期乐 is not)."""
    base = ctx.base_label
    order = det["source"].eq("代扣指令").fillna(False).to_numpy()
    # counterparties repeat (platforms, lenders, payees): each rule runs once per distinct name (per_distinct)
    cpty = per_distinct(det["cpty_name"], lambda v: masked(v, "cpty_name", ctx)).where(
        ~order, per_distinct(det["cpty_name"], lambda v: masked(v, "acct_to", ctx)))
    memo = det["memo"].astype("string")
    if ctx.mask:
        name = det["cpty_name"].astype("string")
        lenders = "|".join(f"(?:{pat})" for _n, pat in p.lenders)
        lender = per_distinct(name, lambda v: has_pattern(v, lenders).astype(bool))
        person = per_distinct(name, counterparty_person).where(~order & ~lender.to_numpy(dtype=bool))
        memo = mask_free_text(memo, names=[person] + ([det["cust_id"].map(names)] if names is not None else []))
    return pd.DataFrame({
        "客户号": det["cust_id"].astype("string"), "来源": det["source"].astype("string"),
        "Excel 行号": det["_row"].astype("Int64"), "交易日期": det["ts"].astype("datetime64[ns]"),
        "借贷": det["dir"].astype("string"), base("金额"): det["amount"].astype("float64"),
        "对手户名/账号": cpty, "对手行": det["cpty_bank"].astype("string"),
        "摘要/用途": memo, "识别类型": det["kind"].astype("string"),
        "机构": det["institution"].astype("string"), "贷款类型(推断)": det["loan_type"].astype("string"),
        "识别规则": det["rules"].astype("string"), "置信度": det["confidence"].astype("string"),
    })


def _tags(ob, online: ScoredList, multi: ScoredList, det, lst: ScoredList, p, ctx) -> pd.DataFrame:
    """C3's customer tags (§6, :mod:`bankxl.tags`): C3_OTHER_BANK_LOAN 他行贷款 (value = Σ 估算月供, data
    currency; no level — the marketing level is C3_REPLACEMENT's, and 多头 or 逾期 borrowers are not marketed),
    C3_REPLACEMENT 他行贷款置换 (得分 / 等级 of the list), C3_ONLINE_LOAN 网贷客户 (every customer of the 网贷客户名单:
    还款笔数, 关注), C3_MULTI_LENDER 多头 (every customer of the 多头风险名单: 机构数, 风险), C3_CARD_REPAY 信用卡还款
    (Σ amount, 信息)."""
    obc = ob.groupby("cust_id")["m_est"].sum()
    cc = det[det["kind"] == KIND_CARD].groupby("cust_id")["amount"].sum()
    return tag_table(
        tag_rows("C3", "C3_OTHER_BANK_LOAN", "他行贷款", obc.index, ctx, p, value=obc),
        lst.tag_rows("C3", "C3_REPLACEMENT", "他行贷款置换", ctx, p),
        tag_rows("C3", "C3_ONLINE_LOAN", "网贷客户", online.df["客户号"], ctx, p, value=online.df["还款笔数"],
                 level="关注"),
        tag_rows("C3", "C3_MULTI_LENDER", "多头", multi.df["客户号"], ctx, p, value=multi.df["机构数"], level="风险"),
        tag_rows("C3", "C3_CARD_REPAY", "信用卡还款(他行/本行)", cc.index, ctx, p, value=cc, level="信息"))


SPEC = Scenario(
    id="credit.other_bank_loans", code="C3", title="他行贷款客户", group="信贷营销",
    inputs=("customers",),
    optional_inputs=("transactions", "payment_orders", "loans", "product_holdings", "time_deposits"),
    params=OtherBankLoanParams, run=run,
    summary="从交易流水/代扣指令识别网贷客户、他行贷款客户与多头, 估算月供与本金, 生成他行贷款置换名单",
    as_of_from=("transactions", "txn_ts"), dataset_params=DATASET_PARAMS,
)
