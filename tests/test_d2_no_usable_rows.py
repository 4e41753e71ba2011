"""D2 on a 定期存款明细 with rows but none usable (breaker s16 finding 9, cases/p14: every balance and maturity
blank gave a report whose 概览 showed 30天内到期金额 0 万元). Unknown is not zero: the run stops as it does for a
required table without data rows (exit 2, Chinese + English, naming the table, the columns and how many rows).
Rows left out for a known reason (closed, zero balance) still give a report: there 0 is a fact."""
from __future__ import annotations

import pandas as pd
import pytest
from conftest import export_frame
from test_d2_maturity import AS_OF, CUSTOMERS, ORGS, make_td

from bankxl.cli import main
from bankxl.errors import DataValidationError
from bankxl.runner import execute
from bankxl.scenarios.deposit import maturity as m


def _td() -> pd.DataFrame:
    """The hand-built deposits without the 通知存款 row (it gets a maturity from the notice period)."""
    td = make_td()
    return td[td["product"].ne("通知存款")].reset_index(drop=True)


def _run(td):
    return execute(m.SPEC, {"time_deposits": td, "orgs": ORGS, "customers": CUSTOMERS}, as_of=AS_OF)


def test_no_usable_row_stops_the_run():
    td = _td()
    n = len(td)
    td["balance"] = float("nan")
    td["maturity_date"] = pd.NaT
    td["value_date"] = pd.NaT
    with pytest.raises(DataValidationError) as info:
        _run(td)
    msg = str(info.value)
    assert info.value.table == "time_deposits"
    assert f"「定期存款明细」(time_deposits)有 {n} 行, 但没有一行可用" in msg
    assert f"余额为空 {n} 行" in msg and f"到期日为空且无法推算 {n} 行" in msg
    assert f"time_deposits has {n} rows but none is usable" in msg


def test_only_maturities_missing_also_stops():
    td = _td()
    td["maturity_date"] = pd.NaT
    td["term_m"] = pd.array([pd.NA] * len(td), dtype="Int64")
    with pytest.raises(DataValidationError, match=f"到期日为空且无法推算 {len(td)} 行"):
        _run(td)


def test_rows_left_out_for_a_known_reason_still_report():
    """All balances 0: known, not unknown — the report is written and its amount is 0."""
    td = make_td()
    td["balance"] = 0.0
    rep = _run(td)
    assert len(rep.tables()["maturity_detail"].df) == 0


def test_cli_exit_2_names_the_table(sample_bank, tmp_path, capsys):
    td = sample_bank["time_deposits"].head(30).copy()
    td["balance"] = float("nan")
    td["maturity_date"] = pd.NaT
    src = tmp_path / "td.xlsx"
    export_frame(td).to_excel(src, index=False, sheet_name="定期存款明细")
    out = tmp_path / "r.xlsx"
    assert main(["run", "D2", "-i", str(src), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "有 30 行, 但没有一行可用" in err and "none is usable" in err
    assert not out.exists()
