"""``bankxl run all`` with a table that failed to load (H2: 客户月度存款 given as CSV and as Parquet with one cell
differing, the hand-made rows of tests/test_table_copies.py): its error paragraph is printed once, not again in
each skipped scenario's line; skip reasons are Chinese + English."""
from __future__ import annotations

from dataclasses import make_dataclass

from bankxl.crossview import run_all
from bankxl.crossview.runall import SKIPPED
from bankxl.report import Report
from bankxl.scenario import Scenario
from test_table_copies import ROWS, _write


def test_run_all_prints_a_failed_tables_error_once(tmp_path):
    """run all on the differing copies with two scenarios needing 客户月度存款: the error paragraph is printed once
    (before: once more in each skipped scenario's line), each skip line says Chinese + English that the table could
    not be read, see above; the 运行情况 reason keeps the error in full."""
    off = dict(ROWS, **{"月末余额(元)": [110.0, 200.49, 5100.25, 0.0]})
    csv, pq = _write(tmp_path / "in", pq_rows=off)
    said: list[str] = []
    P = make_dataclass("P", [])
    specs = [Scenario(id=f"test.{c.lower()}", code=c, title=f"{c}场景", group="存款营销", inputs=("customer_monthly",),
                      params=P, run=lambda t, p, ctx: Report("x")) for c in ("XM", "XN")]
    res = run_all([csv, pq], tmp_path / "o", scenarios=specs, as_of="2026-11-30", progress=said.append)
    assert [r.status for r in res.runs] == [SKIPPED, SKIPPED]
    assert sum("同时由多个文件提供" in s for s in said) == 1
    assert [s for s in said if "跳过 skipped" in s] == [
        f"  - {c} {c}场景: 跳过 skipped — 输入表「客户月度存款」(customer_monthly) 未能读取(原因见上) input table "
        f"customer_monthly could not be read (see above)" for c in ("XM", "XN")]
    assert "第一处不同在列 月末余额(dep_eom)" in res.runs[0].reason
