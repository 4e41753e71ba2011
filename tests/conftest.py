import os
import shutil
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


@lru_cache(maxsize=4)
def _sample(customers: int, seed: int):
    from bankxl.sample import make_sample_bank

    return make_sample_bank(customers=customers, seed=seed, as_of=AS_OF)


@pytest.fixture(scope="session")
def sample_bank():
    """The sample bank (300 customers) as typed canonical tables; treat as read-only."""
    return _sample(300, 7)
