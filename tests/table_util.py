"""Hand-made canonical tables for scenario tests (shared by tests/test_c2_*.py and tests/test_c5_*.py; the same
helper still stands as a private copy in the C1, C6, C9 and kit_identity tests).

:func:`table` builds the frame a loader would hand a scenario from a few rows written in Python: every column
of the table's spec (``bankxl.tables``) in its spec dtype — a column the rows do not name is all blank (unknown,
never 0) — and ``_row`` = the Excel row of each record under a one-line header (2, 3, …), so the row
problems a test expects on 数据问题 can be named by their Excel row.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from bankxl.tables import get_table


def table(table_id: str, rows: list[dict]) -> pd.DataFrame:
    """``rows`` (one dict per record, keys = column ids of ``table_id``) as that canonical table: columns in spec
    order and dtype, absent ones blank, plus ``_row`` (``Int64``, 2 … len(rows) + 1)."""
    empty = get_table(table_id).empty()
    df = pd.DataFrame(rows)
    out = pd.DataFrame({c: (df[c].astype(empty[c].dtype) if c in df.columns
                            else pd.Series(index=df.index, dtype=empty[c].dtype)) for c in empty.columns})
    out["_row"] = pd.array(np.arange(2, len(out) + 2), dtype="Int64")
    return out
