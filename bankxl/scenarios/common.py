"""Small frame helpers shared by the scenario modules."""
from __future__ import annotations

import pandas as pd


def text_column(df: pd.DataFrame, col: str) -> pd.Series:
    """Column ``col`` of ``df`` as trimmed pandas strings, missing values as ``""``; a column of ``""`` (same
    index) when ``df`` has no such column."""
    if col not in df.columns:
        return pd.Series("", index=df.index, dtype="string")
    return df[col].astype("string").fillna("").str.strip()
