"""客户月度存款 rows whose 月份 is after the data date's month are not used by any scenario (bankxl.rules.deposits);
the runner says so in 说明 — how many rows of which months — whether the data date comes from --as-of or from
another table. Before, they were left out without a word."""
from __future__ import annotations

import pandas as pd
import pytest

from bankxl.runner import execute, run_scenario

from _helpers import sample_bank_files, scenario_files

AS_OF = "2026-11-30"
LINE = ("「客户月度存款」月份晚于数据日期 2026-11-30 所在月份的 10 行(2026-12 7 行、2027-01 3 行)未参与计算。"
        " 10 row(s) of customer_monthly with month after the as-of month (2026-12, 2027-01) are not used.")


@pytest.fixture(scope="module")
def banks(tmp_path_factory):
    """(clean, later): the 5k sample bank as CSV, and the same with 10 more 客户月度存款 rows — 7 customers'
    2026-11 rows copied to 2026-12 and 3 to 2027-01-15, 存款月日均 × 10 (they would change results if used)."""
    root = sample_bank_files(tmp_path_factory.mktemp("bank5k_after"))
    clean = root / "csv"
    later = root / "later"
    later.mkdir()
    for f in clean.iterdir():
        if f.stem != "customer_monthly":
            (later / f.name).symlink_to(f)
    m = pd.read_csv(clean / "customer_monthly.csv", dtype=str, keep_default_na=False)
    nov = m[m["month"].str.startswith("2026-11")]
    assert not m["month"].str[:7].gt("2026-11").any()
    extra = pd.concat([nov.iloc[:7].assign(month="2026-12-01"), nov.iloc[7:10].assign(month="2027-01-15")])
    extra["dep_avg"] = (extra["dep_avg"].astype(float) * 10).round(2).astype(str)
    pd.concat([m, extra]).to_csv(later / "customer_monthly.csv", index=False, encoding="utf-8")
    return root, clean, later


def _notes(report) -> list[str]:
    """The lines of the 说明 sheet's 注意 Notes block (what the user reads)."""
    sheet = next(s for s in report.sheets if s.name == "说明")
    return [x for b in sheet.blocks if getattr(b, "title", None) == "注意 Notes" for x in b.lines]


def _same_tables(a, b):
    ta, tb = a.report.tables(), b.report.tables()
    assert list(ta) == list(tb)
    for k in ta:
        if k == "inputs":  # 输入数据: the file's path and its row count (60,010 vs 60,000) differ
            continue
        assert ta[k].df.equals(tb[k].df), k


@pytest.mark.parametrize("code,as_of,engine", [
    ("C6", AS_OF, None),      # data date from --as-of
    ("E3", None, None),       # from 手机银行月度 (as_of_from), not 客户月度存款
    ("D4", AS_OF, "duckdb"),  # 客户月度存款 read through DuckDB (a DuckTable: counted there)
])
def test_later_months_are_named_in_notes(banks, code, as_of, engine):
    root, clean, later = banks
    files = [f for f in scenario_files(root, "csv", code)]
    want = run_scenario(code, files, None, as_of=as_of, engine=engine)
    got = run_scenario(code, [later / f.name for f in files], None, as_of=as_of, engine=engine)
    assert got.report.meta["as_of"] == pd.Timestamp(AS_OF)  # E3: 手机银行月度's latest month
    assert LINE in _notes(got.report)
    assert not [n for n in _notes(want.report) if "晚于数据日期" in n]
    new = [n for n in _notes(got.report) if n not in _notes(want.report)]
    if engine:  # the DuckDB read's line names the file's rows (60,010 vs 60,000): it says DuckDB read the table
        assert [n for n in new if n.startswith("输入读取: 「客户月度存款」")]
        new = [n for n in new if not n.startswith("输入读取: ")]
    assert new == [LINE]
    _same_tables(want, got)  # the rows were indeed not used


def test_api_execute_names_them_too(banks):
    """bankxl.runner.execute on frames (no file): the same line."""
    from bankxl.io import read_tables

    root, _clean, later = banks
    loaded = read_tables([later / f.name for f in scenario_files(root, "csv", "C6")],
                         wanted=("customers", "product_holdings"), optional=("loans", "customer_monthly"))
    report = execute("C6", {k: v.df for k, v in loaded.items()}, as_of=AS_OF)
    assert LINE in _notes(report)
