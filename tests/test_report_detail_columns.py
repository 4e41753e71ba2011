"""Detail tables write each fact once (issue 16 item 6): D2's 到期明细 and 到期汇总 carry one money column, the
amount in the display unit with its unit in the header (the pivots' amount field), not the balance in 元 beside
it, and no 到期月份 beside 到期日 / 到期期间. Values from the hand-built deposits of test_d2_maturity (sums worked
out in test_d2_pivot: the 11 deposits hold 2,471,999.99 元)."""
from __future__ import annotations

import openpyxl
import pandas as pd
import pytest
from test_d2_maturity import AS_OF, CUSTOMERS, ORGS, make_td

from bankxl.report.xlsx import write_report
from bankxl.runner import execute
from bankxl.scenarios.deposit import maturity as m


def _run():
    return execute("deposit.maturity", {"time_deposits": make_td(), "orgs": ORGS, "customers": CUSTOMERS},
                   as_of=AS_OF)


def test_d2_detail_has_one_money_column_and_no_month_copy(tmp_path):
    r = _run()
    det = r.tables()[m.PIVOT_SOURCE_DETAIL].df
    assert "余额(元)" not in det and "到期月份" not in det
    money = [c for c in det.columns if pd.api.types.is_float_dtype(det[c]) and c != "利率"]
    assert money == ["金额(万元)"]
    assert det["金额(万元)"].sum() * 10_000 == pytest.approx(2_471_999.99, abs=0.005)  # to the cent
    wb = openpyxl.load_workbook(write_report(r, tmp_path / "d2.xlsx"))
    ws = wb["到期明细"]
    (table,) = ws.tables.values()
    header = [c.value for c in ws[table.ref.split(":")[0][1:]]]
    assert header == list(det.columns)
    col = header.index("金额(万元)") + 1
    cell = ws.cell(int(table.ref.split(":")[0][1:]) + 1, col)
    assert cell.number_format == "#,##0.00##"  # 万元 shown to the 元 (8.86, 8.8601)


def test_d2_pre_aggregated_source_has_one_money_column():
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(m.report, "EXCEL_MAX_ROWS", 11 + m.DETAIL_OVERHEAD_ROWS - 1)  # the 11 deposits do not fit
        r = _run()
    agg = r.tables()[m.PIVOT_SOURCE_AGG].df
    assert list(agg.columns) == ["分行", "支行/网点", "到期期间", "金额(万元)", "笔数"]
    assert agg["金额(万元)"].sum() * 10_000 == pytest.approx(2_471_999.99, abs=0.005)
    assert agg["笔数"].sum() == 11
