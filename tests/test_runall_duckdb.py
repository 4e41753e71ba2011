"""``bankxl run all`` reads 交易流水 through DuckDB as ``bankxl run`` does (issue 17 item 2): the scenarios of
:data:`bankxl.engine.inputs.RELATION_READY` get the DuckTable, the others its pandas frame (made once), the
reports are the pandas loader's, and the DuckDB objects are gone after the run."""
from __future__ import annotations

import pytest

from bankxl.crossview import run_all
from bankxl.crossview.runall import RAN
from bankxl.engine import inputs as duck_inputs
from bankxl.scenario import get_scenario

from _helpers import bankxl_objects_left as _left
from _helpers import sample_bank_files
from _helpers import spy_loads as _spy_loads
from tests.test_runall import _cells

AS_OF = "2026-11-30"
#: every scenario that reads 交易流水 (all relation-ready for it)
FLOW_CODES = ("D3", "D4", "C1", "C10", "C3", "C7")


@pytest.fixture(scope="module")
def parquet_bank(tmp_path_factory):
    """The 5k sample bank, one Parquet file per table (made from the CSVs with duckdb COPY, every column text)."""
    return sample_bank_files(tmp_path_factory.mktemp("bank5k_runall"), text_parquet=True)


def test_run_all_on_parquet_reads_the_flows_in_duckdb_with_the_same_reports(parquet_bank, tmp_path, monkeypatch):
    """Six scenarios reading 交易流水 on the Parquet folder: every cell of every report and cross view equals
    the run with every table through the pandas loader (load_file refused); 交易流水 was a DuckTable never made
    a pandas frame (every scenario reading it is relation-ready), and no DuckDB table or view is left."""
    specs = [get_scenario(c) for c in FLOW_CODES]
    files = sorted((parquet_bank / "parquet").iterdir())
    with monkeypatch.context() as m:  # the reference: the pandas loader for every table
        m.setattr(duck_inputs, "load_file", lambda *a, **kw: None)
        want = run_all(files, tmp_path / "pandas", scenarios=specs, as_of=AS_OF, jobs=1)
    before = _left()
    made = []
    real_to_pandas = duck_inputs.DuckTable.to_pandas

    def to_pandas(self):
        if getattr(self, "_frame", None) is None:
            made.append(self.attrs.get("table"))
        return real_to_pandas(self)

    with monkeypatch.context() as m:
        loads = _spy_loads(m)
        m.setattr(duck_inputs.DuckTable, "to_pandas", to_pandas)
        got = run_all(files, tmp_path / "duckdb", scenarios=specs, as_of=AS_OF, jobs=1)
    assert [r.status for r in got.runs] == [r.status for r in want.runs] == [RAN] * len(FLOW_CODES)
    # 交易流水 and 客户月度存款 (D4/D3), once each
    assert sorted((lt.table, type(lt.df).__name__) for lt in loads if lt is not None) == [
        ("customer_monthly", "DuckTable"), ("transactions", "DuckTable")]
    assert got.inputs["transactions"]["rows"] == want.inputs["transactions"]["rows"] > 0
    assert got.inputs["customer_monthly"]["rows"] == want.inputs["customer_monthly"]["rows"] > 0
    # every scenario reading them is relation-ready for both (C1/C10 since rules.deposits): no pandas frame made
    assert made == []
    assert _left() == before
    a, b = _cells(tmp_path / "pandas"), _cells(tmp_path / "duckdb")
    assert len(a) > 30 and a.keys() == b.keys()
    for key in a:
        # 说明 of the DuckDB run names each table read through DuckDB (issue 17 item 5): the one difference
        read = [r for r in b[key] if key[1] == "说明" and str(r[0]).startswith("输入读取")]
        if key[1] == "说明":
            assert len(read) == len(duck_inputs.RELATION_READY.get(key[0].split("_")[0], ())), key
        assert a[key] == [r for r in b[key] if not any(r is x for x in read)], key


def test_relation_ready_scenarios_never_materialise_the_flows(parquet_bank, tmp_path, monkeypatch):
    """Only scenarios of RELATION_READY (and one that does not read 交易流水): the rows never become a pandas
    frame, the DuckDB objects are dropped at the end, and --jobs 2 stays sequential, saying so."""
    codes = ("D3", "D4", "C3", "C7", "D2")
    assert all("transactions" in duck_inputs.RELATION_READY.get(c, ("transactions",)) for c in codes[:4])
    assert all("customer_monthly" in duck_inputs.RELATION_READY[c] for c in codes[:2])
    specs = [get_scenario(c) for c in codes]
    files = sorted((parquet_bank / "parquet").iterdir())
    before = _left()
    lines = []
    with monkeypatch.context() as m:
        loads = _spy_loads(m)
        m.setattr(duck_inputs.DuckTable, "to_pandas", lambda self: pytest.fail("rows materialised in pandas"))
        res = run_all(files, tmp_path / "out", scenarios=specs, as_of=AS_OF, jobs=2, progress=lines.append)
    assert [r.status for r in res.runs] == [RAN] * len(codes), [r.reason for r in res.runs]
    assert sorted((lt.table, type(lt.df).__name__) for lt in loads if lt is not None) == [
        ("customer_monthly", "DuckTable"), ("transactions", "DuckTable")]  # the cross views: coded, not to_pandas
    assert any("DuckDB 中读取, 各场景依次运行" in x and "transactions" in x and "customer_monthly" in x
               for x in lines), lines
    assert not any("个进程中运行" in x for x in lines)
    assert _left() == before
