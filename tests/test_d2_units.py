"""D2's one money column carries its unit at every display scale (breaker s16 finding 5): 到期明细's amount
header and the 到期金额透视 data field read 金额(元) / 金额(EUR) at ``--scale 1``, like every other money header
(:meth:`bankxl.scenario.RunContext.money_label`), and 金额(万元) / 金额(千EUR) at the default scale."""
from __future__ import annotations

import pytest
from test_d2_maturity import AS_OF, CUSTOMERS, ORGS, make_td

from bankxl.report.model import PivotBlock
from bankxl.runner import execute
from bankxl.scenarios.deposit import maturity as m


@pytest.mark.parametrize(("currency", "scale", "header"), [
    ("CNY", 1, "金额(元)"), ("EUR", 1, "金额(EUR)"), ("CNY", 10_000, "金额(万元)"), ("EUR", 10_000, "金额(千EUR)")])
def test_detail_and_pivot_amount_name_the_unit(currency, scale, header):
    td = make_td()
    rep = execute(m.SPEC, {"time_deposits": td, "orgs": ORGS, "customers": CUSTOMERS}, as_of=AS_OF,
                  currency=currency, scale=scale)
    detail = rep.tables()["maturity_detail"].df
    money = [c for c in detail.columns if c.startswith("金额") and c != "金额段"]
    assert money == [header]
    # the column holds the input balances divided by the scale (EUR at 10,000 is shown in 千EUR: ÷ 1,000)
    divisor = {1: 1, 10_000: 10_000 if currency == "CNY" else 1_000}[scale]
    balance = dict(zip(td["_row"].astype(int), td["balance"]))  # the input balance by its Excel row
    assert len(detail) > 0
    for row, amount in zip(detail["Excel行号"].astype(int), detail[header]):
        assert amount == pytest.approx(balance[row] / divisor)
    pivots = [b.spec for s in rep.sheets for b in s.blocks if isinstance(b, PivotBlock)]
    amount = [f for p in pivots for f in p.values if f.agg == "sum" and f.field != "笔数"]
    assert [(f.field, f.caption) for f in amount] == [(header, f"到期{header}")]
