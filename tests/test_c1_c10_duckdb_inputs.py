"""C1 and C10 read 交易流水 where it lies (issue 17, :data:`bankxl.engine.inputs.RELATION_READY`): from CSV and Parquet
through DuckDB their reports equal the pandas loader's (every table, problems and counts) without the rows ever
becoming a pandas frame, and ``bankxl run all`` on the sample bank as Parquet never materialises 交易流水."""
from __future__ import annotations

import pandas as pd
import pytest

from bankxl.engine import inputs as duck_inputs

from _helpers import assert_same_reports, reports_through_duckdb, sample_bank_files, scenario_files, spy_loads

AS_OF = "2026-11-30"


@pytest.fixture(scope="module")
def bank_files(tmp_path_factory):
    """The 5k sample bank as one CSV and one Parquet file per table (bench.common.ensure_data)."""
    return sample_bank_files(tmp_path_factory.mktemp("bank5k_c1c10"))


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
@pytest.mark.parametrize("code", ["C1", "C10"])
def test_reports_from_duckdb_inputs_equal_the_pandas_ones(bank_files, fmt, code, monkeypatch):
    """Before: C1/C10 were not relation-ready (the DuckDB run made the pandas frame: to_pandas fails the test)."""
    assert {"transactions", "customer_monthly"} <= set(duck_inputs.RELATION_READY[code])
    files = scenario_files(bank_files, fmt, code)
    want, got, loads = reports_through_duckdb(code, files, monkeypatch)
    flows = [x for x in loads if x is not None and x.table == "transactions"]
    assert len(flows) == 1 and isinstance(flows[0].df, duck_inputs.DuckTable)
    monthly = [x for x in loads if x is not None and x.table == "customer_monthly"]
    assert len(monthly) == 1 and isinstance(monthly[0].df, duck_inputs.DuckTable)
    assert len(flows[0].df) == len(pd.read_csv(bank_files / "csv" / "transactions.csv", usecols=[0]))
    assert_same_reports(want, got)
    wt = want.report.tables()
    # not vacuous: the flows were used (C1: persons with flows on the whitelist; C10: 代发 income found)
    if code == "C1":
        assert wt["whitelist"].df["代发连续月数"].gt(0).sum() > 50
    else:
        assert wt["c10_detail"].df["代发月均(元)"].notna().sum() > 5


@pytest.mark.slow  # all 20 scenarios (~35 s); test_runall_duckdb covers C1/C10 + the flow readers in make test
def test_run_all_never_materialises_the_flows(bank_files, tmp_path, monkeypatch):
    """All 20 scenarios on the 5k sample as Parquet: 交易流水 is read once into DuckDB and never made a pandas frame
    (before: C1 and C10 got its frame, DuckTable.to_pandas, cached); every scenario reading it ran."""
    from bankxl.crossview import run_all
    from bankxl.crossview.runall import RAN

    real = duck_inputs.DuckTable.to_pandas

    def to_pandas(self):
        if self.attrs.get("table") == "transactions":
            pytest.fail("交易流水 materialised in pandas")
        return real(self)

    with monkeypatch.context() as m:
        loads = spy_loads(m)
        m.setattr(duck_inputs.DuckTable, "to_pandas", to_pandas)
        res = run_all(sorted((bank_files / "parquet").iterdir()), tmp_path / "out", as_of=AS_OF, jobs=1)
    assert [type(x.df).__name__ for x in loads if x is not None and x.table == "transactions"] == ["DuckTable"]
    ran = {r.spec.code for r in res.runs if r.status == RAN}
    assert {"D3", "D4", "C1", "C10", "C3", "C7"} <= ran, [(r.spec.code, r.reason) for r in res.runs]
