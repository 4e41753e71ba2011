import os
import shutil
import textwrap
from functools import lru_cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
AS_OF = "2026-11-30"


def need_soffice():
    """Skip (outside CI) or fail (in CI) when LibreOffice is absent."""
    if shutil.which("soffice") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (soffice) is required in CI: .ci/run installs libreoffice-calc")
        pytest.skip("LibreOffice (soffice) not installed; install libreoffice-calc to run this test")


def nth_workday_after(day: str, n: int):
    """The ``n``-th China working day after ``day`` (YYYY-MM-DD) as a Timestamp — a second method for due dates:
    walks chinese_calendar day by day (the library uses the bank calendar's vectorised offsets)."""
    import datetime as dt

    import chinese_calendar as cc
    import pandas as pd

    d, k = dt.date.fromisoformat(day), 0
    while k < n:
        d += dt.timedelta(days=1)
        k += cc.is_workday(d)
    return pd.Timestamp(d)


@lru_cache(maxsize=4)
def _sample(customers: int, seed: int):
    from bankxl.sample import make_sample_bank

    return make_sample_bank(customers=customers, seed=seed, as_of=AS_OF)


@pytest.fixture(scope="session")
def sample_bank():
    """The sample bank (300 customers) as typed canonical tables; treat as read-only."""
    return _sample(300, 7)


@pytest.fixture
def no_load(monkeypatch, tmp_path):
    """A CSV input that must never be read: parameters and the as-of date must fail first."""
    from bankxl import io as bio

    def refuse(*a, **k):
        raise AssertionError("inputs must not be read before parameters are checked")

    monkeypatch.setattr(bio, "read_tables", refuse)
    src = tmp_path / "x.csv"
    src.write_text("账号\n1\n", encoding="utf-8")
    return src


def export_frame(td, drop=None):
    """Time deposits as a bank export shows them: Chinese headers, dates as 2026/11/30 text, rates in %."""
    import pandas as pd

    from bankxl.tables import get_table

    cols = [c for c in get_table("time_deposits").columns if c.id in td.columns and c.id != drop]
    out = pd.DataFrame({c.label: td[c.id] for c in cols})
    for c in cols:
        if c.kind == "date":
            out[c.label] = td[c.id].dt.strftime("%Y/%m/%d")
        if c.kind == "rate":
            out[c.label] = (td[c.id] * 100).round(4)
    return out


#: a child-process script that loads argv[1] as 定期存款明细 under a 2 GB address-space limit and prints
#: "ROWS n" or "ERROR message": a reader regression that would exhaust memory fails the test, not pytest
LIMITED_LOAD = textwrap.dedent("""
    import resource, sys
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
    from bankxl.errors import DataValidationError
    from bankxl.io import read_tables
    try:
        t = read_tables([sys.argv[1]], ["time_deposits"])["time_deposits"]
        print("ROWS", t.n_rows)
    except DataValidationError as e:
        print("ERROR", e)
""")
