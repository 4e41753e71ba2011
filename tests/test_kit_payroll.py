"""bankxl.rules.payroll: the 代发 credit rule D3, C1 and C10 share (written once in the engines' SQL), on
hand-made flows."""
from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from bankxl import engine
from bankxl.errors import ParameterError
from bankxl.rules.payroll import PAYROLL_MEMO, PayrollParams
from bankxl.rules.transactions import dc_words
from bankxl.scenario import make_params


ROWS = [  # 客户号, time, amount, 借贷, 对手户名, 摘要
    ("A", "2026-09-10 09:00", 8_000.0, "C", "某公司", "代发工资"),   # 0 代发 (memo), Sep
    ("A", "2026-10-10", 8_000.0, "c", "某公司工资户", None),          # 1 代发 (counterparty; lower-case c)
    ("A", "2026-10-20", 2_000.0, "贷", "某公司", "奖金"),            # 2 代发 (贷 = C), Oct again: one month
    ("A", "2026-11-10", 8_000.0, "D", "某公司", "代发工资冲回"),      # 3 a debit: not 代发
    ("B", "2026-11-05", None, "C", "单位", "工资"),                  # 4 代发 with a blank amount: C10 leaves it out
    ("B", "2026-11-06", 500.0, "C", "张三", "转账"),                 # 5 no keyword
    (None, "2026-11-07", 900.0, "C", "单位", "工资"),                # 6 no customer
    ("B", "2026-08-31", 700.0, "C", "单位", "工资"),                 # 7 before the window (Aug 31, 2026 excluded)
    ("B", "2026-10-01", 300.0, "X", "单位", "工资"),                 # 8 unreadable 借贷: not 代发
    ("C", "2026-11-30", 100.0, "C", None, "薪资"),                   # 9 代发 on the data date (no 对手户名)
    ("C", "2026-12-01", 100.0, "C", "单位", "工资"),                 # 10 after the data date
]


def _txn(rows=ROWS) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["cust_id", "txn_ts", "amount", "dc", "cpty_name", "memo"])
    df = df.astype({"cust_id": "string", "dc": "string", "cpty_name": "string", "memo": "string"})
    df["txn_ts"] = pd.to_datetime(df["txn_ts"], format="ISO8601")
    return df


def _c10(memo: str = PAYROLL_MEMO, start: str = "2026-08-31") -> pd.DataFrame:
    prm = {"start": pd.Timestamp(start), "as_of": pd.Timestamp("2026-11-30"), "payroll_memo": memo}
    return engine.run("payroll_months", {"txn": _txn(), "dc_words": dc_words()}, prm)


def test_c10_payroll_months_by_hand():
    """The 代发 rule in C10's query, window (08-31, 11-30]: A — Sep (row 0) and Oct (rows 1, 2): 2 months,
    8,000 + 8,000 + 2,000 = 18,000 (row 3 a debit); B — row 4 has a blank amount, 5 no keyword, 7 before the
    window, 8 借贷 X: no row; C — row 9 on the data date (代发 by its 摘要 alone), row 10 after it: 1 month, 100."""
    got = _c10()
    assert got["cust_id"].tolist() == ["A", "C"]
    assert got["pay_months"].tolist() == [2, 1] and got["pay_total"].tolist() == [18_000.0, 100.0]
    # another keyword list: only 奖金 (row 2) and 工资户 in 对手户名 (row 1) match 奖金|工资户; an empty one: no 代发
    got = _c10("奖金|工资户")
    assert got["cust_id"].tolist() == ["A"] and got["pay_total"].tolist() == [10_000.0]
    assert len(_c10("")) == 0


def test_the_rule_is_written_once_and_every_query_applies_it():
    """payroll_credit.rule.sql holds the rule; customer_flows (D3), monthly_flows (C1) and payroll_months (C10)
    call PAYROLL_CREDIT(dir, text) and none spells the regex match on $payroll_memo itself (before: D3's SQL and
    the pandas payroll_credits were two definitions). The expanded queries hold the rule's expression."""
    from importlib import resources

    from bankxl.engine.query import _rule

    files = resources.files("bankxl.engine").joinpath("queries")
    rule = " ".join(x for x in files.joinpath("payroll_credit.rule.sql").read_text(encoding="utf-8").splitlines()
                    if x and not x.startswith("--"))
    assert "REGEXP_MATCHES(text, $payroll_memo)" in rule
    body = _rule("payroll_credit")[2].sql(dialect="duckdb")
    for name in ("customer_flows", "monthly_flows", "payroll_months"):
        text = files.joinpath(f"{name}.sql").read_text(encoding="utf-8")
        assert "PAYROLL_CREDIT(dir, text)" in text and "$payroll_memo)" not in text, name
        assert body in " ".join(engine.load(name).sql.split()), name
    assert not hasattr(__import__("bankxl.rules.payroll", fromlist=["x"]), "payroll_credits")


def test_the_rule_needs_its_parameter_declared():
    """A query calling the rule without declaring payroll_memo is refused (EngineError), not run with a hole."""
    from bankxl.engine import EngineError
    from bankxl.engine.query import expand_rules

    text = "-- input t: dir text, text text\n-- output: n count\nSELECT COUNT(*) AS n FROM t WHERE PAYROLL_CREDIT(dir, text)"
    with pytest.raises(EngineError, match="payroll_credit"):
        expand_rules("x", text)
    out = expand_rules("x", text.replace("-- output", "-- param payroll_memo: text\n-- output"))
    assert "REGEXP_MATCHES(text, $payroll_memo)" in out and "PAYROLL_CREDIT" not in out.split("-- output")[1]


def test_the_keywords_must_mean_the_same_on_every_engine():
    """The rule runs in SQL for D3, C1 and C10: a pattern RE2/Java read differently from Python (``$``, ``\\d``)
    is refused naming the parameter (before: accepted for C1 and C10, matched by pandas)."""
    from bankxl.scenarios.credit.limit_increase import LimitParams
    from bankxl.scenarios.credit.online_whitelist import WhitelistParams

    for cls in (WhitelistParams, LimitParams, PayrollParams):
        for value in ("工资$", "代发\\d"):
            with pytest.raises(ParameterError, match="payroll_memo"):
                make_params(cls, {"payroll_memo": value})


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
    behaviour.payroll_stop reads 代发 credits (借贷 C, 对手户名 + 摘要 match payroll_memo: the rule of payroll_credit.rule.sql,
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
