"""Transaction classifier: which flows are loan repayments elsewhere, card repayments, self-transfers or
reversals (SCENARIOS.md C3 flow rules; used by C3 他行贷款客户 and D4 核心客户 他行资金迹象).

Rules, over the flows of a window (as_of − ``months``, as_of] the caller chooses (every pattern below is a
parameter of :class:`TransactionRuleParams`; the dictionaries are common knowledge and need upkeep 【假设】):

1. exclusions first — 信用卡还款 (memo/counterparty matches ``card_memo``: own tag, not a loan);
   本人互转 (counterparty name = the customer's name, or memo matches ``self_memo``); 冲正 (memo matches
   ``reversal_memo``, or the same customer has the same amount in the opposite direction within
   ``reversal_days`` days with the same counterparty — both rows are dropped);
2. 网贷: the counterparty name or memo matches a lender of ``lenders`` AND a repayment word of
   ``lender_repay_memo`` (so a purchase at 京东商城 is not a 京东金条 repayment); D = 还款, C = 放款;
3. own loan here (never an other-bank loan): counterparty bank matches ``own_bank`` (with a loan word), or
   the amount is within ``own_loan_tol`` of the monthly payment of one of the customer's own loans while
   the counterparty bank is this bank or blank;
4. 他行贷款: (a) memo/counterparty matches ``loan_memo`` and the counterparty bank is not this bank; or
   (b) 等额月供: same customer and counterparty (account, else name), each amount within
   ``same_amount_tol`` of the previous one, intervals of ``interval_min``–``interval_max`` days,
   ``min_repeats`` or more in a row (fixed non-loan outgoings matching ``non_loan_memo`` left out). A blank
   counterparty bank, or a payment channel (``channel_memo``: 支付宝/财付通) hiding the real counterparty,
   gives 置信度 低; 他行放款 = a credit from another bank whose memo matches ``disburse_memo``. The loan type
   (房贷/经营贷/车贷/其他贷款) is inferred from ``mortgage_memo`` / ``business_memo`` / ``car_memo``.
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import sqlglot.expressions as sx

from ..engine import default_engine, load, parse_query, usage
from ..engine.regex import portable_regex
from ..errors import ParameterError
from ..frames import per_distinct
from ..scenario import param
from ..tables import loan_status_code

#: internet lenders: (机构, regex over counterparty name + memo); common knowledge, needs upkeep 【假设】
DEFAULT_LENDERS: tuple = (
    ("蚂蚁借呗/花呗", "借呗|花呗|蚂蚁消费金融|蚂蚁小贷|蚂蚁小微"),
    ("微众银行微粒贷", "微众|微粒贷"),
    ("京东金条/白条", "京东|金条|白条"),
    ("度小满", "度小满|有钱花"),
    ("美团借钱/月付", "美团|三快"),
    ("360借条(奇富)", "360借条|奇富|360数科"),
    ("招联消费金融", "招联"),
    ("马上消费金融(安逸花)", "马上消费|安逸花"),
    ("中银消费金融", "中银消费|新易贷"),
    ("捷信", "捷信"),
    ("平安普惠", "平安普惠"),
    ("分期乐(乐信)", "分期乐|乐信"),
    ("网商银行", "网商"),
    ("抖音放心借", "放心借"),
)
DEFAULT_LENDER_REPAY = ("还款|还贷|借款|贷款|放款|月供|分期|借呗|花呗|微粒贷|金条|白条|借条|消费金融|小额贷款|小贷|"
                        "放心借|安逸花|有钱花|借钱|月付|新易贷")

KIND_ONLINE_REPAY, KIND_ONLINE_LEND = "网贷还款", "网贷放款"
KIND_OTHER_REPAY, KIND_OTHER_LEND = "他行贷款还款", "他行放款"
KIND_OWN, KIND_CARD, KIND_SELF, KIND_REV = "本行贷款还款", "信用卡还款", "本人互转", "冲正"
#: 借贷 values (upper-cased) meaning money out of the customer's account (D) / into it (C), as exports write them
DEBIT_WORDS = frozenset({"D", "借", "借方", "支出", "出账", "付", "付款", "转出", "-"})
CREDIT_WORDS = frozenset({"C", "贷", "贷方", "收入", "入账", "收", "收款", "转入", "+"})


@dataclass(frozen=True)
class SelfTransferParams:
    """Parameters of the exclusion rules (信用卡还款, 本人互转, 冲正) and of ``own_bank``: all that decides the
    本人互转 to other banks (:func:`classify_exclusions`, :func:`self_transfers_out`). D4 ``CoreParams``
    derives from this class only (its 他行资金迹象 uses nothing else); the full classifier's
    :class:`TransactionRuleParams` extends it. Every text parameter is a regular expression."""

    own_bank: str = param("示例银行", "本行行名/行号", None,
                          "正则: 对手行名/收款行匹配即为本行(多个用 | 分隔)。Berka 行号已匿名: 留空, 由贷款表识别本行贷款")
    card_memo: str = param("信用卡|还卡|卡还款|贷记卡", "信用卡还款关键词", None, "信用卡还款单独标签, 不算贷款")
    self_memo: str = param("本人|同名|自己账户|自有账户", "本人互转关键词", None,
                           "摘要含这些词, 或对手户名 = 客户本人姓名 → 本人互转, 排除")
    reversal_memo: str = param("冲正|冲账|撤销|退回", "冲正关键词", None, "摘要含这些词 → 冲正, 排除")
    reversal_days: int = param(3, "冲正天数", "天", "同额反向且间隔 ≤ 该天数 → 冲正, 两笔都排除")

    def check(self) -> None:
        """Every text parameter of this class compiles as a regular expression. Raises :class:`ParameterError`
        (Chinese + English) naming the parameter and value."""
        for f in dataclasses.fields(SelfTransferParams):
            if isinstance(f.default, str):
                check_regex(self, f.name, portable=True)


@dataclass(frozen=True)
class TransactionRuleParams(SelfTransferParams):
    """Parameters of the full flow classifier (:func:`classify_transactions`): the exclusion rules'
    (:class:`SelfTransferParams`, inherited) and those of 网贷 / 他行贷款 / 等额月供 / 本行贷款 below. Every text
    parameter is a regular expression. Scenarios that use the full classifier derive their params from this
    class (C3 ``OtherBankLoanParams``) and call :meth:`check` from their own ``check``."""

    lenders: tuple = param(DEFAULT_LENDERS, "网贷机构字典", None,
                           "[[机构名, 正则], ...]: 对手户名或摘要匹配该正则即为该机构; 常识整理, 需定期更新【假设】")
    lender_repay_memo: str = param(DEFAULT_LENDER_REPAY, "网贷还款关键词", None,
                                   "网贷机构命中且对手户名/摘要含这些词才算借贷往来(京东商城购物不算京东金条还款)")
    loan_memo: str = param("贷款|还款|还贷|按揭|月供|个贷|借款", "贷款摘要关键词", None,
                           "摘要/对手户名含这些词且对手行≠本行 → 他行贷款还款")
    mortgage_memo: str = param("房贷|按揭|住房|公积金贷", "房贷关键词", None, "用于推断贷款类型: 房贷")
    business_memo: str = param("经营|商贷|流水贷", "经营贷关键词", None, "用于推断贷款类型: 经营贷")
    car_memo: str = param("车贷|汽车", "车贷关键词", None, "用于推断贷款类型: 车贷")
    non_loan_memo: str = param("房租|租金|水费|电费|燃气|物业|保险|保费|话费|学费|工资|代发|会费|党费|社保|医保",
                               "非贷款固定支出关键词", None, "等额月供规则不看这些固定支出")
    channel_memo: str = param("支付宝|财付通|微信支付|银联|网联", "支付通道关键词", None,
                              "对手为支付通道时真实对手被掩盖 → 置信度 低")
    disburse_memo: str = param("放款|贷款发放|贷款入账|借款入账|借款到账", "放款关键词", None,
                               "他行来账摘要含这些词 → 他行放款")
    same_amount_tol: float = param(0.01, "等额容差", None, "相邻两次金额差 ≤ 该比例 × 上次金额(默认 1%)")
    interval_min: int = param(28, "月供间隔下限", "天", "相邻两次还款间隔天数下限")
    interval_max: int = param(31, "月供间隔上限", "天", "相邻两次还款间隔天数上限")
    min_repeats: int = param(3, "等额月供最少次数", "次", "同对手等额按月 ≥ 该次数 → 等额月供")
    own_loan_tol: float = param(0.01, "本行月供匹配容差", None,
                                "金额与客户本行贷款月供之差 ≤ 该比例 → 本行贷款还款(不算他行)")

    def check(self) -> None:
        """Cross-field and form rules of the classifier: the exclusion rules' (:meth:`SelfTransferParams.check`),
        every other text parameter compiles as a regular expression, ``lenders`` is [[name, regex], ...],
        tolerances lie in [0, 1), ``interval_min`` ≤ ``interval_max``, ``min_repeats`` ≥ 2. Raises
        :class:`ParameterError` (Chinese + English) naming the parameter and value."""
        super().check()
        own = {f.name for f in dataclasses.fields(SelfTransferParams)}
        for f in dataclasses.fields(TransactionRuleParams):
            if isinstance(f.default, str) and f.name not in own:
                check_regex(self, f.name, portable=True)
        try:
            for _name, pat in self.lenders:
                re.compile(pat)
        except (ValueError, TypeError, re.error) as e:
            raise ParameterError("参数「网贷机构字典(lenders)」应为 [[机构名, 正则], ...], 且正则有效。",
                                 f"Parameter lenders: expected [[name, regex], ...] with valid regexes ({e}).") from e
        for lender, pat in self.lenders:
            portable_regex(pat, f"lenders[{lender}]", f"网贷机构字典 {lender}")
        if not (0 <= self.same_amount_tol < 1 and 0 <= self.own_loan_tol < 1):
            raise ParameterError("参数「等额容差」「本行月供匹配容差」应在 0 与 1 之间(不含 1)。",
                                 "Parameters same_amount_tol / own_loan_tol must be in [0, 1).")
        if self.interval_min > self.interval_max:
            raise ParameterError(f"参数「月供间隔下限(interval_min)」{self.interval_min} 天大于「月供间隔上限"
                                 f"(interval_max)」{self.interval_max} 天。",
                                 f"Parameter interval_min ({self.interval_min}) > interval_max ({self.interval_max}).")
        if self.min_repeats < 2:
            raise ParameterError(f"参数「等额月供最少次数(min_repeats)」应 ≥ 2(给定 {self.min_repeats})。",
                                 f"Parameter min_repeats must be >= 2, got {self.min_repeats}.")


def check_regex(params: Any, name: str, *, portable: bool = False) -> None:
    """Raise :class:`ParameterError` when the text parameter ``name`` of ``params`` is not a valid regular
    expression (message names its 中文 label, id and value); with ``portable`` also when the engines (DuckDB's
    RE2, Spark's Java regex) would read it differently from Python (:func:`bankxl.engine.regex.portable_regex`:
    e.g. ``\\d``, ``$``, look-around) — the rules the engine layer evaluates."""
    value = getattr(params, name)
    try:
        re.compile(value)
    except (re.error, TypeError) as e:
        f = {f.name: f for f in dataclasses.fields(params)}[name]
        raise ParameterError(f"参数「{f.metadata.get('zh', name)}({name})」的取值「{value}」不是有效的正则表达式: {e}。",
                             f"Parameter {name}: {value!r} is not a valid regular expression ({e}).") from e
    if portable:
        f = {f.name: f for f in dataclasses.fields(params)}[name]
        portable_regex(value, name, f.metadata.get("zh", name))


# ---------------------------------------------------------------------------------------------- helpers
def flow_direction(dc: pd.Series) -> pd.Series:
    """A flow's direction from its 借贷 column: string Series (same index) ``"D"`` (支出: money leaves the
    customer's account; :data:`DEBIT_WORDS`, e.g. D/借/借方/支出/转出/-), ``"C"`` (收入; :data:`CREDIT_WORDS`,
    e.g. C/贷/贷方/收入/转入/+) or ``<NA>`` for a blank or any other value (the caller decides: the classifier
    records it as VALUE_INVALID and leaves the flow out). Case-insensitive; ``dc`` as conformed (string)."""
    def direction(u: pd.Series) -> pd.Series:  # run once per distinct 借贷 value (frames.per_distinct)
        up = u.astype("string").fillna("").str.upper()
        out = pd.Series(pd.NA, index=u.index, dtype="string")
        return out.mask(up.isin(DEBIT_WORDS), "D").mask(up.isin(CREDIT_WORDS), "C")

    return per_distinct(dc, direction)


def dc_words() -> pd.DataFrame:
    """The 借贷 words as an engine query's ``dc_words`` input: word (upper case, :data:`DEBIT_WORDS` /
    :data:`CREDIT_WORDS`) -> dir ``D`` / ``C`` — what :func:`flow_direction` reads, for the SQL join."""
    return pd.DataFrame({"word": [*sorted(DEBIT_WORDS), *sorted(CREDIT_WORDS)],
                         "dir": ["D"] * len(DEBIT_WORDS) + ["C"] * len(CREDIT_WORDS)}, dtype="string")


def has_pattern(s: pd.Series, pattern: str) -> pd.Series:
    """Bool Series (same index): ``s`` (strings) contains a match of the regex ``pattern``; all False for an
    empty pattern (an empty parameter switches the rule off) and for missing values. The regex runs once per
    distinct value (:func:`bankxl.frames.per_distinct`): a column of a few kinds/words is not searched row by row."""
    if not pattern:
        return pd.Series(False, index=s.index)
    return per_distinct(s, lambda u: u.str.contains(pattern, regex=True).fillna(False).astype(bool)).rename(s.name)


def is_own_bank(banks: pd.Series, p: TransactionRuleParams) -> pd.Series:
    """Bool Series: the bank name/code (string Series, ``""`` = unknown) is this bank (``own_bank``); a blank
    bank or a blank ``own_bank`` is never this bank."""
    return (banks != "").fillna(False).astype(bool) & has_pattern(banks, p.own_bank)


def own_loans(loans: pd.DataFrame | None) -> pd.DataFrame:
    """The bank's own loans with a usable monthly payment: cust_id, acct_no (string, ``""`` unknown), mp (float,
    > 0, data currency), status (code A/B/C/D, :func:`bankxl.tables.loan_status_code`)."""
    cols = ["cust_id", "acct_no", "mp", "status"]
    if loans is None or len(loans) == 0 or "monthly_payment" not in loans.columns:
        return pd.DataFrame({c: pd.Series(dtype="string" if c != "mp" else "float64") for c in cols})
    f = pd.DataFrame({
        "cust_id": loans["cust_id"].fillna(""), "acct_no": loans["acct_no"].fillna(""),
        "mp": pd.to_numeric(loans["monthly_payment"], errors="coerce").astype("float64"),
        "status": loan_status_code(loans["status"]) if "status" in loans.columns
        else pd.Series(pd.NA, index=loans.index, dtype="string"),
    })
    return f[f["mp"].notna() & (f["mp"] > 0)].reset_index(drop=True)


def matches_own_instalment(keys: pd.Series, amount: pd.Series, own: pd.DataFrame, key: str, tol: float) -> pd.Series:
    """Bool Series on ``keys.index``: ``amount`` is within ``tol`` × the monthly payment of an own loan (``own``
    from :func:`own_loans`) with the same ``key`` (``"cust_id"`` or ``"acct_no"``); merge, no loop."""
    out = pd.Series(False, index=keys.index)
    if len(own) == 0 or len(keys) == 0:
        return out
    left = pd.DataFrame({"k": keys.astype("string"), "amt": amount.astype("float64"), "i": np.arange(len(keys))})
    left = left[left["k"].fillna("") != ""]
    right = own.loc[own[key] != "", [key, "mp"]].rename(columns={key: "k"})
    mm = left.merge(right, on="k", how="inner")
    hit = mm.loc[(mm["amt"] - mm["mp"]).abs() <= tol * mm["mp"], "i"].unique()
    out.iloc[hit] = True
    return out


# ---------------------------------------------------------------------------------------------- classify
DETAIL_COLS = ["cust_id", "source", "_row", "ts", "dir", "amount", "cpty_name", "cpty_bank", "memo", "kind",
               "institution", "loan_type", "rules", "confidence"]


def empty_detail() -> pd.DataFrame:
    """A classified-flow frame without rows: the :data:`DETAIL_COLS` with their dtypes."""
    return pd.DataFrame({c: pd.Series(dtype="float64" if c == "amount" else "datetime64[ns]" if c == "ts"
                                      else "Int64" if c == "_row" else "string") for c in DETAIL_COLS})


class InvalidFlows:
    """A ``problems`` recorder for :func:`classify_exclusions` (C1, C10): the classifier's VALUE_INVALID rows (借贷
    neither D nor C in the window) recorded on ``ctx`` (:class:`bankxl.runner.RunContext`) with the caller's 处理
    ``action`` (what the scenario does with the flow); ``n`` counts them. ``frame``: the pandas frame whose
    positions the classifier saw as ``_row`` (its own ``_row`` is recorded; nothing without one), None for a
    DuckTable (its ``_row`` is the row number)."""

    def __init__(self, ctx, frame: pd.DataFrame | None, action: str):
        self.ctx, self.frame, self.n, self.action = ctx, frame, 0, action

    def record(self, table, rows, column, code, values, reason, _action) -> None:
        self.n += len(rows)
        if self.frame is not None:
            if "_row" not in self.frame.columns:
                return
            rows = self.frame["_row"].iloc[np.asarray(rows, dtype=np.int64)]
        self.ctx.problem(table, rows, column, code, values, reason, self.action)


def classify_exclusions(txn: pd.DataFrame | None, p: SelfTransferParams, as_of: pd.Timestamp,
                        names: Mapping[str, str] | pd.Series | None = None, problems: Any = None, *,
                        months: int, engine: Any = None) -> pd.DataFrame:
    """Rule 1 only (the exclusions) over the flows of the window (as_of − ``months`` months, as_of]: the rows
    :func:`classify_transactions` gives kind 信用卡还款 / 本人互转 / 冲正, identical to its rows of those kinds
    (the exclusions win over every other rule), with only the :class:`SelfTransferParams` they depend on.
    Same inputs (no ``loans``: the exclusions do not use them), output columns and problems as
    :func:`classify_transactions`; ``loan_type`` and ``confidence`` are blank. For D4's 他行资金迹象
    (:func:`self_transfers_out`). Computed by the engine layer (:func:`engine_flows`, ``full=False``)."""
    return engine_flows(txn, p, as_of, months, names, None, problems, full=False, engine=engine)


def classify_transactions(txn: pd.DataFrame | None, p: TransactionRuleParams, as_of: pd.Timestamp,
                          names: Mapping[str, str] | pd.Series | None = None, loans: pd.DataFrame | None = None,
                          problems: Any = None, *, months: int, engine: Any = None) -> pd.DataFrame:
    """Classify the flows of the window (as_of − ``months`` months, as_of] (rules: module docstring).

    In: ``txn`` — ``transactions`` (cust_id, txn_ts, amount 元 or the data's currency, dc D/C (借/贷 …),
    cpty_name, cpty_acct, cpty_bank, memo; ``_row`` used when present); ``p`` — the caller's params (a
    :class:`TransactionRuleParams` or a subclass); ``names`` cust_id -> 客户名称 for the self-transfer rule;
    own ``loans``; ``problems`` — a :class:`bankxl.errors.ProblemLog` that receives VALUE_INVALID for a 借贷
    value that is neither D nor C (the row is ignored); ``engine`` — None = the default engine of
    :mod:`bankxl.engine` (DuckDB), or e.g. a ``SparkEngine``. Out: one row per flow in the window whose
    ``kind`` is one of 网贷还款/网贷放款/他行贷款还款/他行放款/本行贷款还款/信用卡还款/本人互转/冲正 — columns
    :data:`DETAIL_COLS` (``ts`` datetime, ``dir`` D/C, ``amount`` float ≥ 0, ``rules`` text, ``confidence``
    高/中/低 for other-bank repayments), sorted by cust_id, date, then input order. Other flows are dropped.
    Pure: the input is not modified. Computed by the engine layer (:func:`engine_flows`, query
    ``classify_flows``); the pandas code it replaced is the test oracle (tests/test_engine_transactions.py).
    """
    return engine_flows(txn, p, as_of, months, names, loans, problems, full=True, engine=engine)


#: the engine query of the classifier (bankxl/engine/queries/classify_flows.sql)
FLOW_QUERY = "classify_flows"
_LENDER_LINE = "CAST(NULL AS VARCHAR) AS lender"
#: the text parameters of the classifier bound into the engine query, made portable (bankxl.engine.regex)
_REGEX_PARAMS = ("own_bank", "card_memo", "self_memo", "reversal_memo", "lender_repay_memo", "loan_memo",
                 "mortgage_memo", "business_memo", "car_memo", "non_loan_memo", "channel_memo", "disburse_memo")


@lru_cache(maxsize=16)
def _flow_query(lenders: tuple):
    """The classifier's engine query with the lender dictionary's CASE in place of its lender line: the first
    lender (dictionary order) whose regex (made portable) matches 对手户名 + 摘要; lenders with an empty
    regex never match (as :func:`has_pattern`)."""
    base = load(FLOW_QUERY)
    whens = " ".join(
        f"WHEN REGEXP_MATCHES(f.text, {sx.Literal.string(portable_regex(pat, 'lenders', '网贷机构字典')).sql('duckdb')}) "
        f"THEN {sx.Literal.string(str(name)).sql('duckdb')}" for name, pat in lenders if pat)
    case = f"CASE WHEN $full THEN CASE {whens} END END AS lender" if whens else _LENDER_LINE
    assert base.sql.count(_LENDER_LINE) == 1
    return parse_query(FLOW_QUERY, base.sql.replace(_LENDER_LINE, case))


def _names_frame(names) -> pd.DataFrame:
    """cust_id -> 客户名称 (Mapping or Series) as a frame (cust_id, cust_name), one row per customer."""
    s = pd.Series(dict(names) if isinstance(names, Mapping) else names, dtype="object") if names is not None \
        else pd.Series(dtype="object")
    s = s[~s.index.duplicated(keep="first")]
    return pd.DataFrame({"cust_id": pd.array(s.index.astype(str), dtype="string"),
                         "cust_name": s.astype("string").to_numpy()})


def engine_flows(txn: pd.DataFrame | None, p: SelfTransferParams, as_of: pd.Timestamp, months: int,
                 names=None, loans: pd.DataFrame | None = None, problems: Any = None, *, full: bool,
                 engine: Any = None) -> pd.DataFrame:
    """The classified flows of the window (as_of − ``months`` months, as_of] computed by the engine layer
    (:mod:`bankxl.engine`, query ``classify_flows``: DuckDB by default, Spark unchanged): the rows of kind
    网贷/他行/本行/信用卡还款/本人互转/冲正 as :data:`DETAIL_COLS` sorted by cust_id, date, input order. ``full``:
    every rule (:class:`TransactionRuleParams`) or the exclusions only (:class:`SelfTransferParams`).
    A 借贷 value that is neither D nor C is VALUE_INVALID in ``problems`` (row left out). ``engine``: None =
    the default engine. Raises ParameterError for a regex the engines would read differently
    (:func:`bankxl.engine.regex.portable_regex`)."""
    if txn is None or len(txn) == 0:
        return empty_detail()
    n = len(txn)
    eng = engine or default_engine()
    if hasattr(txn, "relation"):  # read through DuckDB (bankxl.engine.inputs.DuckTable): the flows stay there
        if getattr(eng, "con", None) is txn.con:
            flows = txn.con.sql(f"SELECT _rid AS _i, _row, cust_id, txn_ts, amount, dc, cpty_name, cpty_acct, "
                                f"cpty_bank, memo FROM {txn.view}")
        else:  # another engine (Spark): the frame the pandas loader gives
            txn = txn.to_pandas()
    if not hasattr(txn, "relation"):
        flows = _flow_frame(txn)
    own = own_loans(loans) if full else own_loans(None)
    words = dc_words()
    labels = {f.name: f.metadata.get("zh", f.name) for f in dataclasses.fields(p)}
    rp = TransactionRuleParams() if not full else p  # the loan rules are off without full (values unused)
    params = {name: portable_regex(getattr(rp if not hasattr(p, name) else p, name), name, labels.get(name))
              for name in _REGEX_PARAMS}
    params.update(start=as_of - pd.DateOffset(months=months), as_of=as_of, full=full,
                  reversal_days=int(p.reversal_days), same_amount_tol=float(rp.same_amount_tol),
                  interval_min=int(rp.interval_min), interval_max=int(rp.interval_max),
                  min_repeats=int(rp.min_repeats), own_loan_tol=float(rp.own_loan_tol),
                  reversal_rule=f"冲正(摘要或 {p.reversal_days} 天内同额反向)")
    query = _flow_query(tuple(tuple(x) for x in rp.lenders))
    out = eng.run(query, {"txn": flows, "names": _names_frame(names),
                          "own": own.loc[own["cust_id"] != "", ["cust_id", "mp"]], "dc_words": words}, params)
    usage.record("交易流水识别(网贷/他行贷款/本行贷款/信用卡还款/本人互转/冲正)" if full
                 else "交易流水排除项识别(信用卡还款/本人互转/冲正)", eng, "交易流水", n, len(out))
    bad = out["dir"].isna().to_numpy()
    if bad.any() and problems is not None:
        b = out[bad].sort_values("_i")
        problems.record("transactions", b["_row"], "dc", "VALUE_INVALID", b["dc"],
                        "借贷标志应为 D(支出)或 C(收入)", "该笔流水不参与识别")
    det = out[~bad]
    if len(det) == 0:
        return empty_detail()
    det = det.assign(source=pd.Series("交易流水", index=det.index, dtype="string"))
    return det[DETAIL_COLS].reset_index(drop=True)


def _flow_frame(txn: pd.DataFrame) -> pd.DataFrame:
    """The classifier's ``txn`` input from a loaded pandas frame: _i (position), _row and the flow columns
    (cpty_acct blank when absent)."""
    n = len(txn)
    blank = pd.Series(pd.array([""] * n, dtype="string"), index=txn.index)
    return pd.DataFrame({
        "_i": np.arange(n, dtype="int64"),
        "_row": txn["_row"] if "_row" in txn.columns else pd.Series(pd.NA, index=txn.index, dtype="Int64"),
        **{c: txn[c] for c in ("cust_id", "txn_ts", "amount", "dc", "cpty_name")},
        "cpty_acct": txn["cpty_acct"] if "cpty_acct" in txn.columns else blank,
        "cpty_bank": txn["cpty_bank"], "memo": txn["memo"]}, index=txn.index)


def self_transfers_out(det: pd.DataFrame, p: SelfTransferParams) -> pd.Series:
    """Σ outgoing self-transfers to the customer's own accounts at OTHER banks, per cust_id (float Series in
    the data's currency): rows of ``det`` (:func:`classify_transactions`) of kind 本人互转, direction D, with a
    named counterparty bank that is not this bank (:func:`is_own_bank`). Money the customer keeps elsewhere."""
    s = det[(det["kind"] == KIND_SELF) & (det["dir"] == "D") & (det["cpty_bank"] != "")
            & ~is_own_bank(det["cpty_bank"], p)]
    return s.groupby("cust_id")["amount"].sum()
