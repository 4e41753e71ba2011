"""The flow classifier through bankxl.engine (query ``classify_flows``) equals the pandas code it replaced.

The oracle below is bankxl.rules.transactions' pandas classifier as it was before the engine (commit c11bc5a:
_window_flows, _exclusions, _reversal_pairs, _monthly_runs … classify_transactions / classify_exclusions,
copied unchanged): the independent second method, not a product path. DuckDB (the default engine) and Spark
(local, marked ``spark``) must give its rows exactly (DataFrame.equals: same rows, order, dtypes, cents) and
the same VALUE_INVALID problems, on the sample bank with default and changed parameters, and on a hand
frame with the edge cases (window bounds, a time of day, 借贷 words and bad values, ties, names, own loans).
The rule parameters are regexes that must mean the same in Python, RE2 (DuckDB) and Java (Spark):
bankxl.engine.regex refuses the rest by name.

One difference is deliberate: the oracle's cents of an unknown amount (NaN cast to int64 = the int64 minimum)
made any two unknown amounts of a customer a 冲正 pair; the engine never pairs an unknown amount (unknown is
not equal): test_unknown_amounts_are_never_a_reversal_pair.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pytest

from bankxl.conform import conform
from bankxl.engine import SparkEngine
from bankxl.engine.regex import portable_regex
from bankxl.errors import ParameterError, ProblemLog
from bankxl.rules.transactions import (
    DETAIL_COLS, KIND_CARD, KIND_ONLINE_LEND, KIND_ONLINE_REPAY, KIND_OTHER_LEND, KIND_OTHER_REPAY, KIND_OWN,
    KIND_REV, KIND_SELF, SelfTransferParams, TransactionRuleParams, classify_exclusions, classify_transactions,
    empty_detail, flow_direction, has_pattern, is_own_bank, matches_own_instalment, own_loans)
from bankxl.sample import make_sample_bank
from engine_spark import spark  # noqa: F401  (session-scoped fixture: one Spark session for all tests)

AS_OF = pd.Timestamp("2026-11-30")


# ------------------------------------------------------------------ the pandas oracle (before the engine)
def _monthly_runs(d: pd.DataFrame, p: TransactionRuleParams) -> pd.Series:
    """True for rows in a same-amount monthly run: d has cust_id, ckey, ts, amount (candidates only)."""
    if len(d) == 0:
        return pd.Series(False, index=d.index)
    s = d.sort_values(["cust_id", "ckey", "ts", "amount"])
    same = (s["cust_id"] == s["cust_id"].shift()) & (s["ckey"] == s["ckey"].shift())
    gap = (s["ts"] - s["ts"].shift()).dt.days
    prev = s["amount"].shift()
    link = same & gap.between(p.interval_min, p.interval_max) & ((s["amount"] - prev).abs() <= p.same_amount_tol * prev)
    link = link.fillna(False).astype(bool)
    run_id = (~link).cumsum()
    size = run_id.map(run_id.value_counts())
    return (size >= p.min_repeats).reindex(d.index)


def _reversal_pairs(d: pd.DataFrame, days: int) -> pd.Series:
    """True for rows that have a same-amount opposite-direction row of the same customer within ``days``
    (and the same counterparty when both rows name one). d: cust_id, ts, amount, dir ('D'/'C'), ckey."""
    out = pd.Series(False, index=d.index)
    if len(d) == 0:
        return out
    base = pd.DataFrame({"cust_id": d["cust_id"], "cents": np.round(d["amount"].to_numpy() * 100).astype("int64"),
                         "ts": d["ts"], "ckey": d["ckey"], "i": np.arange(len(d))})
    dd = base[d["dir"].to_numpy() == "D"]
    cc = base[d["dir"].to_numpy() == "C"]
    mm = dd.merge(cc, on=["cust_id", "cents"], suffixes=("_d", "_c"))
    if len(mm) == 0:
        return out
    near = (mm["ts_d"] - mm["ts_c"]).abs() <= pd.Timedelta(days=days)
    same_cp = (mm["ckey_d"] == "") | (mm["ckey_c"] == "") | (mm["ckey_d"] == mm["ckey_c"])
    hit = mm[near & same_cp]
    idx = np.unique(np.concatenate([hit["i_d"].to_numpy(), hit["i_c"].to_numpy()]))
    out.iloc[idx] = True
    return out


def _loan_type(text: pd.Series, p: TransactionRuleParams) -> pd.Series:
    t = pd.Series("其他贷款", index=text.index, dtype="string")
    t = t.mask(has_pattern(text, p.car_memo), "车贷")
    t = t.mask(has_pattern(text, p.business_memo), "经营贷")
    t = t.mask(has_pattern(text, p.mortgage_memo), "房贷")
    return t




def _window_flows(txn: pd.DataFrame | None, as_of: pd.Timestamp, months: int, problems: Any) -> pd.DataFrame | None:
    """The flows of the window (as_of − ``months`` months, as_of] as the classifier's working frame: cust_id,
    source, _row, ts (day), dir D/C, amount (float ≥ 0), cpty_name, cpty_bank, memo (``""`` = blank), ckey
    (counterparty account, else name) — the conformed string columns used as they are (fillna only). A 借贷
    value that is neither D nor C is VALUE_INVALID in ``problems`` and the row is left out. None when no
    flow lies in the window."""
    if txn is None or len(txn) == 0:
        return None
    ts = pd.to_datetime(txn["txn_ts"], errors="coerce").dt.normalize()
    start = as_of - pd.DateOffset(months=months)
    t = txn.loc[(ts > start) & (ts <= as_of)]
    if len(t) == 0:
        return None
    rows = t["_row"].astype("Int64") if "_row" in t.columns else pd.Series(pd.NA, index=t.index, dtype="Int64")
    dirn = flow_direction(t["dc"])
    bad = dirn.isna()
    if bad.any() and problems is not None:
        problems.record("transactions", rows[bad], "dc", "VALUE_INVALID", t.loc[bad, "dc"],
                        "借贷标志应为 D(支出)或 C(收入)", "该笔流水不参与识别")
    t, dirn, rows = t.loc[~bad], dirn[~bad], rows[~bad]
    d = pd.DataFrame({
        "cust_id": t["cust_id"].fillna(""), "source": pd.Series("交易流水", index=t.index, dtype="string"),
        "_row": rows, "ts": ts[t.index], "dir": dirn,
        "amount": pd.to_numeric(t["amount"], errors="coerce").astype("float64").abs(),
        "cpty_name": t["cpty_name"].fillna(""), "cpty_bank": t["cpty_bank"].fillna(""), "memo": t["memo"].fillna(""),
    })
    # cpty_acct is optional for a direct caller's frame (the runner's conformed table always has it)
    cacct = t["cpty_acct"].fillna("") if "cpty_acct" in t.columns else pd.Series("", index=t.index, dtype="string")
    d["ckey"] = cacct.where(cacct != "", d["cpty_name"])
    return d


def _exclusions(d: pd.DataFrame, p: SelfTransferParams, names) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(card, self_tr, reversal) bool Series on ``d.index`` (:func:`_window_flows`): rule 1 of the module
    docstring — 信用卡还款 by ``card_memo``, 本人互转 (counterparty = the customer's name from ``names``, or
    ``self_memo``), 冲正 (``reversal_memo`` or a same-amount opposite flow within ``reversal_days``)."""
    text = d["cpty_name"] + " " + d["memo"]
    card = has_pattern(text, p.card_memo)
    own_name = d["cust_id"].map(names if names is not None else {}).astype("string").fillna("")
    self_tr = ((own_name != "") & (d["cpty_name"] == own_name)) | has_pattern(d["memo"], p.self_memo)
    reversal = has_pattern(d["memo"], p.reversal_memo) | _reversal_pairs(d, p.reversal_days)
    return card, self_tr, reversal


def _detail(d: pd.DataFrame, kind: pd.Series, rules: pd.Series, institution: pd.Series, loan_type: pd.Series,
            confidence: pd.Series) -> pd.DataFrame:
    """The classified rows (``kind`` not missing) of ``d`` as :data:`DETAIL_COLS`, sorted by cust_id, date."""
    d = d.assign(kind=kind, rules=rules, institution=institution, loan_type=loan_type, confidence=confidence)
    return d.loc[kind.notna(), DETAIL_COLS].sort_values(["cust_id", "ts"], kind="stable").reset_index(drop=True)


def _institution(d: pd.DataFrame) -> pd.Series:
    """The institution of a flow that is not an internet lender: the counterparty bank, else the counterparty
    name, else ``(对手未知)``."""
    inst_name = d["cpty_bank"].where(d["cpty_bank"] != "", d["cpty_name"])
    return inst_name.where(inst_name != "", "(对手未知)")


def _exclusion_kind(kind: pd.Series, rules: pd.Series, d: pd.DataFrame, card, self_tr, reversal,
                    p: SelfTransferParams) -> tuple[pd.Series, pd.Series]:
    """``kind`` / ``rules`` with the exclusions applied last (they win over every other rule)."""
    is_d = d["dir"] == "D"
    kind = kind.mask(self_tr, KIND_SELF).mask(card & is_d, KIND_CARD).mask(reversal, KIND_REV)
    rules = rules.mask(self_tr, "本人互转(对手为本人或摘要)").mask(card & is_d, "信用卡还款关键词")
    rules = rules.mask(reversal, f"冲正(摘要或 {p.reversal_days} 天内同额反向)")
    return kind, rules


def oracle_exclusions(txn: pd.DataFrame | None, p: SelfTransferParams, as_of: pd.Timestamp,
                        names: Mapping[str, str] | pd.Series | None = None, problems: Any = None, *,
                        months: int) -> pd.DataFrame:
    """Rule 1 only (the exclusions) over the flows of the window (as_of − ``months`` months, as_of]: the rows
    ``oracle_transactions`` gives kind 信用卡还款 / 本人互转 / 冲正, identical to its rows of those kinds
    (the exclusions win over every other rule), with only the :class:`SelfTransferParams` they depend on.
    Same inputs (no ``loans``: the exclusions do not use them), output columns and problems as
    ``oracle_transactions``; ``loan_type`` and ``confidence`` are blank. For D4's 他行资金迹象
    (:func:`self_transfers_out`)."""
    d = _window_flows(txn, as_of, months, problems)
    if d is None:
        return empty_detail()
    card, self_tr, reversal = _exclusions(d, p, names)
    kind, rules = _exclusion_kind(pd.Series(pd.NA, index=d.index, dtype="string"),
                                  pd.Series("", index=d.index, dtype="string"), d, card, self_tr, reversal, p)
    blank = pd.Series(pd.NA, index=d.index, dtype="string")
    return _detail(d, kind, rules, _institution(d), blank, blank)


def oracle_transactions(txn: pd.DataFrame | None, p: TransactionRuleParams, as_of: pd.Timestamp,
                          names: Mapping[str, str] | pd.Series | None = None, loans: pd.DataFrame | None = None,
                          problems: Any = None, *, months: int) -> pd.DataFrame:
    """Classify the flows of the window (as_of − ``months`` months, as_of] (rules: module docstring).

    In: ``txn`` — ``transactions`` (cust_id, txn_ts, amount 元 or the data's currency, dc D/C (借/贷 …),
    cpty_name, cpty_acct, cpty_bank, memo; ``_row`` used when present); ``p`` — the caller's params (a
    :class:`TransactionRuleParams` or a subclass); ``names`` cust_id -> 客户名称 for the self-transfer rule;
    own ``loans``; ``problems`` — a :class:`bankxl.errors.ProblemLog` that receives VALUE_INVALID for a 借贷
    value that is neither D nor C (the row is ignored). Out: one row per flow in the window whose ``kind`` is
    one of 网贷还款/网贷放款/他行贷款还款/他行放款/本行贷款还款/信用卡还款/本人互转/冲正 — columns
    :data:`DETAIL_COLS` (``ts`` datetime, ``dir`` D/C, ``amount`` float ≥ 0, ``rules`` text, ``confidence``
    高/中/低 for other-bank repayments), sorted by cust_id then date. Other flows are dropped. Pure: the
    input is not modified.
    """
    d = _window_flows(txn, as_of, months, problems)
    if d is None:
        return empty_detail()
    text = d["cpty_name"] + " " + d["memo"]
    is_d, is_c = d["dir"] == "D", d["dir"] == "C"

    bank_known = d["cpty_bank"] != ""
    own_bank = is_own_bank(d["cpty_bank"], p)
    other_bank = bank_known & ~own_bank

    card, self_tr, reversal = _exclusions(d, p, names)
    excluded = card | self_tr | reversal

    lender = pd.Series(pd.NA, index=d.index, dtype="string")
    for name, pat in p.lenders:
        lender = lender.mask(lender.isna() & has_pattern(text, pat), name)
    lender_ok = lender.notna() & has_pattern(text, p.lender_repay_memo) & ~excluded

    own = own_loans(loans)
    inst = matches_own_instalment(d["cust_id"], d["amount"], own, "cust_id", p.own_loan_tol) & ~other_bank
    loan_kw = has_pattern(text, p.loan_memo)
    cand = is_d & ~excluded & ~lender_ok
    own_repay = cand & ((own_bank & loan_kw) | inst)
    memo_rule = cand & loan_kw & ~own_bank & ~inst
    pat_cand = cand & ~own_bank & ~inst & ~has_pattern(text, p.non_loan_memo) & (d["ckey"] != "") & (d["amount"] > 0)
    pattern = _monthly_runs(d.loc[pat_cand, ["cust_id", "ckey", "ts", "amount"]], p).reindex(d.index, fill_value=False)
    pattern = pattern.fillna(False).astype(bool) & pat_cand
    other_repay = memo_rule | pattern
    other_lend = is_c & ~excluded & ~lender_ok & other_bank & has_pattern(text, p.disburse_memo)

    kind = pd.Series(pd.NA, index=d.index, dtype="string")
    kind = kind.mask(other_lend, KIND_OTHER_LEND).mask(other_repay, KIND_OTHER_REPAY).mask(own_repay, KIND_OWN)
    kind = kind.mask(lender_ok & is_c, KIND_ONLINE_LEND).mask(lender_ok & is_d, KIND_ONLINE_REPAY)

    rules = pd.Series("", index=d.index, dtype="string")
    rules = rules.mask(lender_ok, "网贷字典: " + lender.fillna(""))
    rules = rules.mask(memo_rule & pattern, "摘要关键词 + 等额月供")
    rules = rules.mask(memo_rule & ~pattern, "摘要关键词")
    rules = rules.mask(pattern & ~memo_rule, "等额月供")
    rules = rules.mask(own_repay, np.where(own_bank & loan_kw, "对手行为本行", "与本行贷款月供相同"))
    rules = rules.mask(kind == KIND_OTHER_LEND, "他行来账 + 放款关键词")
    kind, rules = _exclusion_kind(kind, rules, d, card, self_tr, reversal, p)

    channel = has_pattern(text, p.channel_memo)
    conf = pd.Series(pd.NA, index=d.index, dtype="string")
    conf = conf.mask(other_repay & other_bank & memo_rule, "高").mask(other_repay & other_bank & ~memo_rule, "中")
    conf = conf.mask(other_repay & ~bank_known, np.where(memo_rule & pattern, "中", "低"))
    conf = conf.mask(other_repay & channel, "低")
    conf = conf.mask(lender_ok, "高")

    institution = lender.where(lender_ok, _institution(d))
    loan_type = pd.Series(pd.NA, index=d.index, dtype="string").mask(
        other_repay | other_lend, _loan_type(text, p)).mask(lender_ok, "网贷")
    return _detail(d, kind, rules, institution, loan_type, conf)


# ------------------------------------------------------------------ helpers
def oracle(txn, p, months, names=None, loans=None, full=True):
    """(detail, problems) of the pandas oracle."""
    log = ProblemLog()
    if full:
        return oracle_transactions(txn, p, AS_OF, names, loans, log, months=months), log
    return oracle_exclusions(txn, p, AS_OF, names, log, months=months), log


def engine_result(txn, p, months, names=None, loans=None, full=True, engine=None):
    """(detail, problems) of the product path (bankxl.rules.transactions through the engine layer)."""
    log = ProblemLog()
    if full:
        return classify_transactions(txn, p, AS_OF, names, loans, log, months=months, engine=engine), log
    return classify_exclusions(txn, p, AS_OF, names, log, months=months, engine=engine), log


def _problems(log: ProblemLog) -> list:
    return [(q.table, q.excel_row, q.code, q.value) for q in log.problems]


def assert_same(txn, p, months, names=None, loans=None, full=True, engine=None):
    """The engine's rows and problems equal the oracle's exactly; returns the detail."""
    want, want_log = oracle(txn, p, months, names, loans, full)
    got, got_log = engine_result(txn, p, months, names, loans, full, engine)
    assert list(got.columns) == DETAIL_COLS and (got.dtypes == want.dtypes).all()
    pd.testing.assert_frame_equal(got, want)
    assert got.equals(want)
    assert _problems(got_log) == _problems(want_log)
    return got


@pytest.fixture(scope="module")
def bank():
    """The sample bank (3,000 customers) as the runner hands it to a scenario: transactions and loans conformed,
    customers' names by 客户号."""
    b = make_sample_bank(customers=3000, seed=1, as_of="2026-11-30")
    txn = conform("transactions", b["transactions"], problems=ProblemLog(), required=True)
    loans = conform("loans", b["loans"], problems=ProblemLog(), required=False)
    names = b["customers"].drop_duplicates("cust_id").set_index("cust_id")["cust_name"]
    return txn, loans, names


#: parameter sets: the defaults and every rule moved (an empty regex switches its rule off)
CHANGED = dict(own_bank="", card_memo="信用卡", reversal_days=5, loan_memo="还款|月供", mortgage_memo="",
               same_amount_tol=0.05, interval_min=25, interval_max=35, min_repeats=2, own_loan_tol=0.05,
               channel_memo="支付宝", lenders=(("京东", "京东"), ("无", ""), ("蚂蚁", "借呗|花呗")),
               lender_repay_memo="还款")


# ------------------------------------------------------------------ DuckDB (the default engine) = the oracle
@pytest.mark.parametrize("months", [6, 12])
@pytest.mark.parametrize("changed", [False, True], ids=["defaults", "changed"])
def test_sample_bank_full_classifier_equals_the_oracle(bank, months, changed):
    txn, loans, names = bank
    p = TransactionRuleParams(**CHANGED) if changed else TransactionRuleParams()
    got = assert_same(txn, p, months, names, loans)
    # the sample bank plants every kind (bankxl.sample.transactions FLOW_PROFILES): the comparison is not vacuous
    kinds = set(got["kind"])
    assert {KIND_ONLINE_REPAY, KIND_OTHER_REPAY, KIND_OWN, KIND_CARD, KIND_SELF, KIND_REV} <= kinds
    assert got["confidence"].notna().sum() > 100 and (got["rules"].str.contains("等额月供")).sum() > 100


@pytest.mark.parametrize("months", [3, 12])
def test_sample_bank_exclusions_equal_the_oracle(bank, months):
    txn, _, names = bank
    got = assert_same(txn, SelfTransferParams(reversal_days=2), months, names, full=False)
    assert set(got["kind"]) == {KIND_CARD, KIND_SELF, KIND_REV}
    assert got["loan_type"].isna().all() and got["confidence"].isna().all()


def _s(values) -> pd.Series:
    return pd.Series(values, dtype="string")


def hand_flows() -> pd.DataFrame:
    """Flows of customers A–E built to hit each rule and edge (expected kinds in test_hand_flows_by_hand)."""
    rows = [  # cust, ts, amount, dc, cpty_name, cpty_acct, cpty_bank, memo
        ("A", "2026-05-30", 100.0, "D", "x", "", "工商银行", "贷款"),             # 0 on the window's start: out
        ("A", "2026-06-01 09:30", 100.0, "d", "x", "", "工商银行", "贷款"),       # 1 first day, time of day: 他行
        ("A", "2026-11-30 23:59", 50.0, "借", "张三", "", "建设银行", "转账"),     # 2 as_of with a time, 本人互转
        ("A", "2026-12-01", 50.0, "D", "x", "", "工商银行", "贷款"),             # 3 after as_of: out
        ("A", "2026-07-01", 10.0, "X", "x", "", "", "贷款"),                     # 4 bad 借贷 -> VALUE_INVALID
        ("A", "2026-07-02", 10.0, None, "x", "", "", "贷款"),                    # 5 blank 借贷 -> VALUE_INVALID
        ("B", "2026-07-05", 200.0, "D", "某公司", "", "农业银行", ""),             # 6 reversal pair within 3 days
        ("B", "2026-07-07", 200.004, "贷", "某公司", "", "农业银行", ""),          # 7   (cents round to 20000)
        ("B", "2026-08-05", 300.0, "D", "", "", "", "消费"),                      # 8 blank counterparty pairs too
        ("B", "2026-08-09", 300.0, "C", "乙", "", "", "消费"),                     # 9   but 4 days: no pair
        ("C", "2026-06-10", 1000.0, "D", "房东", "62001", "", "转账"),            # 10 等额月供 x3 (as_of - 6 months
        # = 2026-05-30 is the excluded start), blank bank: 低
        ("C", "2026-07-10", 1005.0, "D", "房东", "62001", "", "转账"),            # 11
        ("C", "2026-08-09", 1000.0, "D", "房东", "62001", "", "转账"),            # 12
        ("C", "2026-08-09", 1000.0, "D", "房东", "62001", "", "转账"),            # 13 same day: ends the run
        ("C", "2026-09-15", 800.0, "D", "某人", "", "示例银行", "贷款"),           # 14 对手行为本行: 本行贷款还款
        ("C", "2026-09-16", 1500.0, "D", "某人", "", "", "转账"),                 # 15 = own loan's 月供: 本行贷款还款
        ("D", "2026-07-01", 500.0, "D", "京东金条", "", "", "还款"),               # 16 网贷还款 京东
        ("D", "2026-07-02", 500.0, "C", "京东商城", "", "", "购物退款"),           # 17 no repay word: nothing
        ("D", "2026-07-03", 5000.0, "C", "某行", "", "浦发银行", "贷款发放"),      # 18 他行放款
        ("D", "2026-07-04", 900.0, "D", "信用卡中心", "", "招商银行", "还款"),     # 19 信用卡还款 wins over loan words
        ("E", "2026-07-01", 700.0, "D", "支付宝", "", "", "房贷 还款"),            # 20 他行 via a channel: 低, 房贷
        ("E", "2026-07-08", 700.0, "D", "x", "", "", "冲正"),                      # 21 冲正 by memo
        ("", "2026-07-09", 70.0, "D", "x", "", "工商银行", "贷款"),               # 22 blank customer: still classified
    ]
    cols = ["cust_id", "txn_ts", "amount", "dc", "cpty_name", "cpty_acct", "cpty_bank", "memo"]
    df = pd.DataFrame(rows, columns=cols)
    out = {c: _s(df[c]) for c in cols if c not in ("txn_ts", "amount")}
    out["txn_ts"] = pd.to_datetime(df["txn_ts"], format="mixed")
    out["amount"] = df["amount"].astype("float64")
    out["_row"] = pd.array(np.arange(len(df)) + 2, dtype="Int64")
    return conform("transactions", pd.DataFrame(out)[cols + ["_row"]], problems=ProblemLog(), required=True)


HAND_NAMES = pd.Series(["张三", None], index=["A", "B"])
HAND_LOANS = pd.DataFrame({"cust_id": _s(["C"]), "acct_no": _s(["L1"]), "monthly_payment": [1500.0],
                           "status": _s(["正常"])})


def test_hand_flows_by_hand():
    txn = hand_flows()
    got = assert_same(txn, TransactionRuleParams(), 6, HAND_NAMES, HAND_LOANS)
    kind = dict(zip(got["_row"].astype(int) - 2, got["kind"]))
    assert kind == {
        1: KIND_OTHER_REPAY, 2: KIND_SELF, 6: KIND_REV, 7: KIND_REV, 10: KIND_OTHER_REPAY, 11: KIND_OTHER_REPAY,
        12: KIND_OTHER_REPAY, 14: KIND_OWN, 15: KIND_OWN, 16: KIND_ONLINE_REPAY,
        18: KIND_OTHER_LEND, 19: KIND_CARD, 20: KIND_OTHER_REPAY, 21: KIND_REV, 22: KIND_OTHER_REPAY}
    conf = dict(zip(got["_row"].astype(int) - 2, got["confidence"]))
    assert conf[1] == "高" and conf[10] == "低" and conf[20] == "低" and conf[16] == "高"
    assert got.loc[got["_row"] == 22, "loan_type"].item() == "房贷"
    assert got["cust_id"].tolist()[:1] == [""] and got["ts"].max() == AS_OF  # sorted by customer; time dropped
    _, log = engine_result(txn, TransactionRuleParams(), 6)
    assert [(q.excel_row, q.code, str(q.value)) for q in log.problems] == [(6, "VALUE_INVALID", "X"),
                                                                           (7, "VALUE_INVALID", "<NA>")]


@pytest.mark.parametrize("full", [True, False])
def test_hand_flows_exclusions_and_changed_params_equal_the_oracle(full):
    p = TransactionRuleParams(**CHANGED) if full else SelfTransferParams(reversal_days=4, self_memo="")
    assert_same(hand_flows(), p, 12, HAND_NAMES, HAND_LOANS, full=full)


def test_unknown_amounts_are_never_a_reversal_pair():
    """B's 200 out / 200 in within 2 days (rows 6, 7) with both amounts unknown: not a 冲正 (nothing says the
    amounts are equal), and nothing else classifies them (memo blank, bank named: no loan word); the other rows
    keep their kinds. The pandas code before the engine called them 冲正."""
    txn = hand_flows()
    txn.loc[txn.index[[6, 7]], "amount"] = np.nan
    got, _ = engine_result(txn, TransactionRuleParams(), 6, HAND_NAMES, HAND_LOANS)
    kinds = dict(zip(got["_row"].astype(int) - 2, got["kind"]))
    assert 6 not in kinds and 7 not in kinds
    assert kinds[21] == KIND_REV and kinds[1] == KIND_OTHER_REPAY and len(kinds) == 15 - 2


def test_no_flows_in_the_window_and_no_table():
    txn = hand_flows()
    for t in (None, txn.iloc[:0], txn[txn["txn_ts"] > AS_OF]):
        got, _ = engine_result(t, TransactionRuleParams(), 6)
        assert got.equals(empty_detail())


def test_input_without_cpty_acct_or_row_numbers():
    """A direct caller's frame may lack cpty_acct and _row (the counterparty key is then the name)."""
    txn = hand_flows().drop(columns=["cpty_acct", "_row"])
    got = assert_same(txn, TransactionRuleParams(), 6, HAND_NAMES, HAND_LOANS)
    assert got["_row"].isna().all() and len(got) == 15


# ------------------------------------------------------------------ regexes that mean the same everywhere
PORTABLE = ["还款|还贷", "a.b", "还.{0,3}款", "[^0-9]x", "^abc", "(?:ab)+?c", "a{2,}", "x\\.y", "[a-z-]+", "(a|b)c*",
            "[+]1", "京东|金条|白条", "a|", "中.?国", "(?x) a b"]
TEXTS = ["a\nb", "axb", "a\rb", "还 12款", "还1234款", "借呗 还款", "abc", "zabc", "ababc", "aa", "x.y", "xzy", "-",
         "+1", "", "京东金条还款", "中国", "中\n国", "ab", "bc", "ab\n"]


def test_portable_regexes_match_the_same_texts_on_duckdb():
    import duckdb
    con = duckdb.connect()
    for pat in PORTABLE:
        q = portable_regex(pat)
        for t in TEXTS:
            assert con.execute("SELECT regexp_matches(?, ?)", [t, q]).fetchone()[0] == (
                __import__("re").search(pat, t) is not None), (pat, q, t)


@pytest.mark.parametrize("pattern, why", [
    (r"\d+", "\\d"), ("还款$", "$"), ("(?i)abc", "(?i)"), ("(?s)a.b", "(?s)"), ("(?<=借)呗", "前后查找"),
    (r"(a)\1", "反向引用"), ("a{1001}", "1000"), (r"\bloan", "\\b")])
def test_a_pattern_the_engines_read_differently_is_refused_naming_the_parameter(pattern, why):
    with pytest.raises(ParameterError) as e:
        TransactionRuleParams(loan_memo=pattern).check()
    assert "贷款摘要关键词(loan_memo)" in str(e.value) and pattern in str(e.value) and why in str(e.value)
    with pytest.raises(ParameterError, match="card_memo"):
        SelfTransferParams(card_memo=pattern).check()
    with pytest.raises(ParameterError, match="网贷机构字典"):
        TransactionRuleParams(lenders=(("x", pattern),)).check()


def test_refused_before_any_input_is_read(no_load):
    """bankxl run stops on such a parameter before reading a file (C3 and D4 carry the rule's params)."""
    from bankxl.runner import run_scenario
    for scenario, name in (("credit.other_bank_loans", "loan_memo"), ("deposit.core_customers", "self_memo")):
        with pytest.raises(ParameterError, match=name):
            run_scenario(scenario, ["不存在.xlsx"], params={name: "还款$"})


# ------------------------------------------------------------------ Spark (local): the same SQL, transpiled
@pytest.mark.spark
def test_spark_gives_the_oracle_rows(spark):  # noqa: F811
    eng = SparkEngine(spark)
    b = make_sample_bank(customers=300, seed=1, as_of="2026-11-30")
    txn = conform("transactions", b["transactions"], problems=ProblemLog(), required=True)
    loans = conform("loans", b["loans"], problems=ProblemLog(), required=False)
    names = b["customers"].drop_duplicates("cust_id").set_index("cust_id")["cust_name"]
    got = assert_same(txn, TransactionRuleParams(), 6, names, loans, engine=eng)
    assert len(got) > 100
    assert_same(txn, SelfTransferParams(), 12, names, full=False, engine=eng)
    assert_same(hand_flows(), TransactionRuleParams(**CHANGED), 12, HAND_NAMES, HAND_LOANS, engine=eng)


@pytest.mark.spark
def test_portable_regexes_match_the_same_texts_on_spark(spark):  # noqa: F811
    import re
    rows = [(p, portable_regex(p), t) for p in PORTABLE for t in TEXTS]
    df = spark.createDataFrame(rows, "pat string, q string, t string")
    got = [r[0] for r in df.selectExpr("t RLIKE q AS m").collect()]
    assert got == [re.search(p, t) is not None for p, _, t in rows]


class SparkTextEngine:
    """Renders each query for Spark (sqlglot transpile + bankxl.engine.query.check_translated, no Java needed)
    and runs it on DuckDB: what ``make test`` can check of the Spark path without a JVM."""

    name = "duckdb"

    def __init__(self):
        from bankxl.engine import DuckDBEngine
        self.duck, self.texts = DuckDBEngine(), []

    def run(self, query, tables, params=None):
        self.texts.append(query.render("spark", params, {t: t for t in query.inputs}))
        return self.duck.run(query, tables, params)


@pytest.mark.parametrize("full", [True, False])
def test_classifier_sql_translates_to_spark_without_java(full):
    """Every parameter set the classifier binds renders as Spark SQL that sqlglot translated (nothing passed
    through), with the lender dictionary, the portable regexes and the date window as literals."""
    eng = SparkTextEngine()
    p = TransactionRuleParams(**CHANGED) if full else SelfTransferParams()
    assert_same(hand_flows(), p, 12, HAND_NAMES, HAND_LOANS, full=full, engine=eng)
    (text,) = eng.texts
    assert " RLIKE " in text and "CAST('2025-11-30' AS DATE)" in text and "REGEXP_MATCHES" not in text.upper()
    assert ("'京东'" in text) == full
