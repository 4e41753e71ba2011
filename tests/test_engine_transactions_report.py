"""Issue 17 item 5: a report computed through the engine layer says in 说明 which engine ran, how many input rows
it read and that the detail was aggregated there (rows returned); on the headline too when the input is larger
than one Excel sheet. Expected figures come from the inputs and from the pandas oracle of
tests/test_engine_transactions.py (the classifier before the engine), not from the product path.
"""
from __future__ import annotations

import pandas as pd
import pytest

from bankxl.conform import conform
from bankxl.engine import usage
from bankxl.errors import ProblemLog
from bankxl.runner import execute
from bankxl.sample import make_sample_bank
from bankxl.scenarios.credit.other_bank_loans import OtherBankLoanParams
from bankxl.scenarios.deposit.core_customers import CoreParams
from test_engine_transactions import oracle_exclusions, oracle_transactions

AS_OF = pd.Timestamp("2026-11-30")


@pytest.fixture(scope="module")
def bank():
    return make_sample_bank(customers=400, seed=1, as_of="2026-11-30")


def _notes(report) -> list[str]:
    sheet = report.sheet("说明")
    return [line for b in sheet.blocks if getattr(b, "title", "") == "注意 Notes" for line in b.lines]


def _engine_lines(report) -> list[str]:
    return [x for x in _notes(report) if x.startswith("计算引擎")]


def _names(bank):
    return bank["customers"].drop_duplicates("cust_id").set_index("cust_id")["cust_name"]


def test_c3_says_engine_rows_read_and_rows_returned(bank):
    tables = {k: bank[k] for k in ("customers", "loans", "transactions", "payment_orders")}
    rep = execute("credit.other_bank_loans", tables, as_of=AS_OF)
    txn = conform("transactions", bank["transactions"], problems=ProblemLog(), required=True)
    p = OtherBankLoanParams()
    want = oracle_transactions(txn, p, AS_OF, _names(bank),
                               conform("loans", bank["loans"], problems=ProblemLog(), required=False),
                               ProblemLog(), months=p.window_months)
    assert len(want) > 50
    assert _engine_lines(rep) == [
        f"计算引擎: DuckDB(本机) 计算「交易流水识别(网贷/他行贷款/本行贷款/信用卡还款/本人互转/冲正)」, 读入「交易流水」"
        f"{len(bank['transactions']):,} 行; 明细在引擎中汇总/识别, 只返回结果 {len(want):,} 行到报表。"]
    assert not any("超过 Excel 单表上限" in x for x in rep.headline.lines)  # 400 customers fit a sheet


def test_d4_says_exclusions_and_headline_when_input_exceeds_a_sheet(bank, monkeypatch):
    tables = {k: bank[k] for k in ("customer_monthly", "customers", "transactions", "time_deposits")
              if k in bank}
    monkeypatch.setattr(usage, "EXCEL_MAX_ROWS", 100)  # a 100-row "sheet": the sample's flows exceed it
    rep = execute("deposit.core_customers", tables, as_of=AS_OF)
    txn = conform("transactions", bank["transactions"], problems=ProblemLog(), required=True)
    p = CoreParams()
    # D4 grades this month and, for the change column, the end of last month: the exclusions run twice
    want = sum(len(oracle_exclusions(txn, p, day, _names(bank), ProblemLog(), months=p.f3_window))
               for day in (AS_OF, pd.Timestamp("2026-10-31")))
    n = len(bank["transactions"])
    assert _engine_lines(rep) == [
        f"计算引擎: DuckDB(本机) 计算「交易流水排除项识别(信用卡还款/本人互转/冲正)」 2 次, 读入「交易流水」{n:,} 行; "
        f"明细在引擎中汇总/识别, 只返回结果 {want:,} 行到报表。"]
    assert rep.headline.lines[-1] == (f"数据量超过 Excel 单表上限: 由 DuckDB(本机) 读入 「交易流水」{n:,} 行, "
                                      "明细在引擎中汇总, 报表只含汇总与名单。")


def test_record_outside_a_run_is_ignored_and_unknown_rows_are_said():
    usage.record("x", "duckdb", "交易流水", 5, 1)  # a direct library call: nothing to report into
    with usage.recording() as runs:
        usage.record("交易流水识别", "spark", "交易流水", None, 3)
    assert usage.notes(runs) == ["计算引擎: Spark 计算「交易流水识别」, 读取「交易流水」(行数由引擎端统计); "
                                 "明细在引擎中汇总/识别, 只返回结果 3 行到报表。"]
    assert usage.headline_line(runs, limit=1) is None
