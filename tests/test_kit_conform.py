"""Issue 9 item 1: inputs conformed once (bankxl.conform) and one way to record a row problem (ctx.problem)."""
from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from bankxl.conform import DTYPES, conform, conforms
from bankxl.errors import DataValidationError, ProblemLog
from bankxl.io import read_tables
from bankxl.scenario import RunContext, get_scenario
from bankxl.tables import get_table

import contract_checks as cc


def _loaded_td(tmp_path) -> pd.DataFrame:
    p = tmp_path / "定期.csv"
    p.write_text("账号,客户号,机构号,产品,起息日,到期日,期限,利率,余额,自动转存,数据日期\n"
                 "00123,0000000001,010001,整存整取,2024/1/5,2025-01-05,12,1.5%,\"1,000.50\",是,2024-11-30\n"
                 "00124,0000000002,010001,大额存单,20240301,,24,1.8%,200000,否,2024-11-30\n", encoding="utf-8")
    return read_tables([p], ["time_deposits"])["time_deposits"].df


def test_missing_optional_column_added_blank_of_its_dtype_never_zero():
    df = pd.DataFrame({"acct_no": ["A1", "A2"], "cust_id": ["001", "002"], "org_id": ["01", "01"],
                       "maturity_date": pd.to_datetime(["2025-01-01", "2025-02-01"]), "balance": [1.0, 2.0]})
    out = conform("time_deposits", df)
    spec = get_table("time_deposits")
    for c in spec.columns:
        assert str(out[c.id].dtype) == DTYPES[c.kind], c.id
    for c in ("rate", "term_m", "auto_renew", "value_date", "product"):
        assert out[c].isna().all(), c  # blank, not 0 / False / ""
    assert str(out["_row"].dtype) == "Int64" and out["_row"].isna().all()
    assert out.attrs["columns_found"] == ["acct_no", "cust_id", "org_id", "maturity_date", "balance"]


def test_loader_output_is_a_no_op(tmp_path):
    loaded = _loaded_td(tmp_path)
    assert conforms("time_deposits", loaded)
    out = conform("time_deposits", loaded)
    pd.testing.assert_frame_equal(out, loaded)
    assert out["_row"].tolist() == [2, 3] and out["acct_no"].tolist() == ["00123", "00124"]
    assert out.loc[0, "balance"] == 1000.5 and out.loc[0, "rate"] == pytest.approx(0.015)


def test_sample_bank_is_a_no_op():
    bank = cc.sample_bank()
    for name, df in bank.items():
        out = conform(name, df)
        pd.testing.assert_frame_equal(out.drop(columns="_row"), df, check_exact=True)
        assert out["_row"].isna().all(), name
        assert conforms(name, out), name


def test_conforming_a_million_rows_that_already_conform_is_fast():
    n = 1_000_000
    spec = get_table("time_deposits")
    rng = np.random.default_rng(1)
    days = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 900, n), unit="D")
    data = {c.id: pd.Series(index=range(n), dtype=DTYPES[c.kind]) for c in spec.columns}
    data.update(acct_no=pd.array(np.arange(n).astype(str), dtype="string"), value_date=days,
                maturity_date=days + pd.Timedelta(days=365), balance=rng.random(n) * 1e5)
    df = pd.DataFrame(data)
    df["_row"] = pd.array(np.arange(2, n + 2), dtype="Int64")
    conform("time_deposits", df)  # warm-up (imports)
    t0 = time.perf_counter()
    out = conform("time_deposits", df)
    assert time.perf_counter() - t0 < 0.2
    assert out["balance"] is not None and np.shares_memory(out["balance"].to_numpy(), df["balance"].to_numpy())


def test_raw_frame_is_cast_by_the_loaders_rules():
    raw = pd.DataFrame({"acct_no": np.array(["00012", " 0013 ", 14], dtype=object),
                        "cust_id": [1001.0, 1002.0, np.nan], "org_id": ["01", "01", "02"],
                        "balance": ["1,234.5", None, "abc"],
                        "maturity_date": ["2024/1/5", "20240105", "2023-02-30"],
                        "term_m": [12.0, np.nan, 6.0], "auto_renew": ["是", "否", None],
                        "_row": [5, 6, 7], "备注": ["x", "y", "z"]})
    before = raw.copy(deep=True)
    log = ProblemLog()
    out = conform("time_deposits", raw, problems=log)
    pd.testing.assert_frame_equal(raw, before)  # input never mutated
    assert out["acct_no"].tolist() == ["00012", "0013", "14"]
    assert out["cust_id"].tolist()[:2] == ["1001", "1002"] and out["cust_id"].isna().iloc[2]
    assert out["balance"].iloc[0] == 1234.5 and out["balance"].iloc[1:].isna().all()
    assert out["maturity_date"].tolist()[:2] == [pd.Timestamp("2024-01-05")] * 2 and pd.isna(out["maturity_date"][2])
    assert out["term_m"].tolist()[0] == 12 and str(out["term_m"].dtype) == "Int64"
    assert out["auto_renew"].tolist()[:2] == [True, False]
    assert out["备注"].tolist() == ["x", "y", "z"]  # extra columns kept
    assert str(out["_row"].dtype) == "Int64"
    got = {(p.code, p.excel_row, p.column, p.value) for p in log.problems}
    assert got == {("NUM_INVALID", 7, "余额(balance)", "abc"), ("DATE_INVALID", 7, "到期日(maturity_date)", "2023-02-30")}


def test_missing_required_column_names_it():
    df = pd.DataFrame({"acct_no": ["A1"], "cust_id": ["1"], "maturity_date": [pd.Timestamp("2025-01-01")],
                       "balance": [1.0]})
    with pytest.raises(DataValidationError) as e:
        conform("time_deposits", df)
    assert "机构号" in str(e.value) and "org_id" in str(e.value) and e.value.table == "time_deposits"
    # derivable: 到期日 from 起息日 + 期限 is not missing
    ok = conform("time_deposits", df.drop(columns="maturity_date").assign(
        org_id="01", value_date=pd.Timestamp("2024-01-01"), term_m=12))
    assert ok["maturity_date"].isna().all()


def test_dates_with_times_and_months_normalised():
    df = pd.DataFrame({"cust_id": ["1", "2"], "month": pd.to_datetime(["2024-03-15 10:00", "2024-04-01 00:00"]),
                       "dep_avg": [1, 2]})
    out = conform("customer_monthly", df)
    assert out["month"].tolist() == [pd.Timestamp("2024-03-01"), pd.Timestamp("2024-04-01")]
    assert out["dep_avg"].dtype == "float64" and df["dep_avg"].dtype == "int64"


def test_ctx_problem_records_vectorised_with_labels_and_cap():
    ctx = RunContext(as_of="2024-11-30", problems=ProblemLog(cap=2))
    rows = pd.Series([4, pd.NA, 9], dtype="Int64")
    n = ctx.problem("time_deposits", rows, "maturity_date", "DATE_ORDER", ["2024-01-01", None, "x"],
                    "到期日早于起息日", "剔除该行")
    assert n == 3 and len(ctx.problems) == 3 and len(ctx.problems.problems) == 2  # counted beyond the cap
    p0, p1 = ctx.problems.problems
    assert (p0.excel_row, p0.column, p0.value, p0.action) == (4, "到期日(maturity_date)", "2024-01-01", "剔除该行")
    assert p1.excel_row is None
    ctx.problem("payroll", [3], "应发合计(gross)", "SUM_MISMATCH", [10.0], ["差 1 元"], "保留")
    assert ctx.problems.problems[-1].column == "应发合计(gross)" and ctx.problems.problems[-1].reason == "差 1 元"


def test_execute_conforms_inputs_so_c6_runs_without_dep_avg():
    """C6 through execute() with 客户月度存款 lacking the optional 存款月日均 (dep_avg) — a KeyError before."""
    cc.check_missing_optional_columns(get_scenario("credit.mortgage_cross_sell"), cc.sample_bank())
