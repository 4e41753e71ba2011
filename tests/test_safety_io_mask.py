"""Issue 8: a header error shows the first non-empty row of a sheet; when that row is data, its ID, phone and
card numbers are masked (bankxl.masking.mask_free_text) instead of printed to the console / message box."""
from __future__ import annotations

import pytest

from bankxl.errors import DataValidationError


def test_header_error_masks_the_first_row_it_shows(tmp_path):
    from bankxl.io import read_tables

    src = tmp_path / "t.csv"
    src.write_text("董国志,110101199003071237,13912345678,6222020200112233445\n", encoding="utf-8")
    with pytest.raises(DataValidationError) as e:
        read_tables([src], ["customers"])
    msg = str(e.value)
    assert "110101********1237" in msg and "139****5678" in msg and "6222***********3445" in msg
    assert "110101199003071237" not in msg and "13912345678" not in msg and "6222020200112233445" not in msg
