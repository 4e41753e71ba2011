"""bankxl.rules.payroll: the 代发 credit rule C1 and C10 share, on hand-made flows."""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from bankxl.errors import ParameterError
from bankxl.rules.payroll import PAYROLL_MEMO, PayrollParams, payroll_credits, payroll_months
from bankxl.scenario import make_params


def _txn(rows, cpty=True):
    df = pd.DataFrame(rows, columns=["cust", "txn_ts", "amount", "dc", "cpty_name", "memo"])
    df = df.astype({"dc": "string", "cpty_name": "string", "memo": "string"})
    df["txn_ts"] = pd.to_datetime(df["txn_ts"], format="ISO8601")
    return df if cpty else df.drop(columns="cpty_name")


ROWS = [  # cust code, time, amount, 借贷, 对手户名, 摘要
    (0, "2026-09-10 09:00", 8_000.0, "C", "某公司", "代发工资"),   # 0 代发 (memo), Sep
    (0, "2026-10-10", 8_000.0, "c", "某公司工资户", None),          # 1 代发 (counterparty; lower-case c)
    (0, "2026-10-20", 2_000.0, "C", "某公司", "奖金"),             # 2 代发, Oct again: one month, 10,000
    (0, "2026-11-10", 8_000.0, "D", "某公司", "代发工资冲回"),      # 3 a debit: not 代发
    (1, "2026-11-05", None, "C", "单位", "工资"),                  # 4 代发 with a blank amount: month yes, 0 元
    (1, "2026-11-06", 500.0, "C", "张三", "转账"),                 # 5 no keyword
    (-1, "2026-11-07", 900.0, "C", "单位", "工资"),                # 6 no customer
    (1, "2026-08-31", 700.0, "C", "单位", "工资"),                 # 7 before the grid (Sep–Nov)
    (1, "2026-10-01", 300.0, "X", "单位", "工资"),                 # 8 unreadable 借贷: not 代发
]


def test_payroll_credits_by_hand():
    t = _txn(ROWS)
    assert payroll_credits(t, PAYROLL_MEMO).tolist() == [True, True, True, False, True, False, True, True, False]
    # without a 对手户名 column only the 摘要 is read: row 1 (keyword in the counterparty only) is no longer 代发
    assert payroll_credits(_txn(ROWS, cpty=False), PAYROLL_MEMO).tolist()[:3] == [True, False, True]


def test_payroll_months_grid_by_hand():
    """Grid Sep–Nov 2026 for 2 customers: cust 0 Sep 8,000, Oct 8,000 + 2,000; cust 1 Nov (blank amount: 0 元 but a
    代发 month). keep drops row 0: cust 0 has Oct only."""
    t = _txn(ROWS)
    months = pd.period_range("2026-09", "2026-11", freq="M")
    amount, present = payroll_months(t, t["cust"].to_numpy(), 2, months, PAYROLL_MEMO)
    np.testing.assert_allclose(amount, [[8_000, 10_000, 0], [0, 0, 0]])
    assert present.tolist() == [[True, True, False], [False, False, True]]
    keep = np.ones(len(t), dtype=bool)
    keep[0] = False
    amount, present = payroll_months(t, t["cust"].to_numpy(), 2, months, PAYROLL_MEMO, keep)
    assert present[0].tolist() == [False, True, False] and amount[0].tolist() == [0, 10_000, 0]
    empty = payroll_months(t.iloc[:0], np.zeros(0, dtype=int), 2, months, PAYROLL_MEMO)
    assert empty[0].shape == (2, 3) and not empty[1].any()


def test_c1_and_c10_carry_the_rule_parameter_with_their_own_defaults():
    """Both scenarios' params derive from PayrollParams (the field shows on their 参数 sheets, changes their rule
    hash and is checked by the rule); each keeps its default keywords (C1 劳务费, C10 绩效)."""
    from bankxl.scenarios.credit.limit_increase import LimitParams
    from bankxl.scenarios.credit.online_whitelist import WhitelistParams

    for cls, extra in ((WhitelistParams, "劳务费"), (LimitParams, "绩效")):
        assert issubclass(cls, PayrollParams)
        f = {x.name: x for x in dataclasses.fields(cls)}["payroll_memo"]
        assert f.default == PAYROLL_MEMO + "|" + extra and f.metadata["zh"] == "代发关键词"
        with pytest.raises(ParameterError, match="payroll_memo"):
            make_params(cls, {"payroll_memo": "代发("})


def test_d3_uses_the_rule_with_its_own_default_and_finds_payroll_stops_by_hand():
    """D3's params derive from PayrollParams (default 代发|工资|薪 kept; the rule's label, help and regex check), and
    behaviour.payroll_stop reads 代发 credits (借贷 C, 对手户名 + 摘要 match payroll_memo: the rule of payroll_credits,
    evaluated by the engine query customer_flows). As of 2026-11-30, gap 2 months (since 2026-09-30): X 代发
    credit 08-10 only → stop; Y 08-10 and 11-10 → no; Z only a debit 「工资」 → not a 代发 customer → no; W a 代发
    credit that is a 冲正 (摘要 冲正: the classifier's kind) → not counted → no; V no 代发 flow but 代发标志 → stop."""
    from bankxl.conform import conform
    from bankxl.errors import ProblemLog
    from bankxl.scenarios.deposit.churn import ChurnParams
    from bankxl.scenarios.deposit.churn.behaviour import behaviour, load_flows

    assert issubclass(ChurnParams, PayrollParams)
    f = {x.name: x for x in dataclasses.fields(ChurnParams)}["payroll_memo"]
    g = {x.name: x for x in dataclasses.fields(PayrollParams)}["payroll_memo"]
    assert f.default == "代发|工资|薪" and f.metadata == g.metadata
    with pytest.raises(ParameterError, match="payroll_memo"):
        make_params(ChurnParams, {"payroll_memo": "代发("})
    p = make_params(ChurnParams, {})
    rows = [("X", "2026-08-10", "C", "某公司", "工资"), ("Y", "2026-08-10", "C", "某公司", "代发"),
            ("Y", "2026-11-10", "C", "某公司", "代发"), ("Z", "2026-08-10", "D", "张三", "工资"),
            ("W", "2026-08-10", "C", "某公司", "代发工资冲正"), ("V", "2026-08-10", "C", "李四", "转账")]
    df = pd.DataFrame(rows, columns=["cust_id", "txn_ts", "dc", "cpty_name", "memo"]).assign(
        txn_ts=lambda x: pd.to_datetime(x["txn_ts"]), amount=5_000.0, cpty_bank="", cpty_acct="")
    txn = conform("transactions", df, problems=ProblemLog(), required=True)
    ids = pd.Index(["X", "Y", "Z", "W", "V"], dtype="string")
    as_of = pd.Timestamp("2026-11-30")
    fl = load_flows(txn, ids, p, as_of, pd.Timestamp("2026-10-31"), None, ProblemLog())
    flag = pd.Series([False, False, False, False, True], index=ids, dtype="boolean")
    out = behaviour(fl, ids, as_of, p, flag)
    assert out["payroll_stop"].tolist() == [True, False, False, False, True]
