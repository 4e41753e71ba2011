"""Helpers shared by the dataset adapters: build a frame with exactly a canonical table's dtypes."""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..tables import get_table


def typed_frame(table_id: str, data: Mapping[str, object], extras: Mapping[str, object] | None = None,
                rows: object = None) -> pd.DataFrame:
    """A frame of canonical table ``table_id``: every spec column in spec order with the spec dtype
    (absent columns all-missing), then ``extras`` (adapter-specific columns, dtypes as given) and ``_row``
    (the source file line, Int64; missing when ``rows`` is None)."""
    empty = get_table(table_id).empty()
    n = None
    for v in list(data.values()) + list((extras or {}).values()):
        if hasattr(v, "__len__") and not isinstance(v, str):
            n = len(v)
            break
    n = n or 0
    cols: dict[str, pd.Series] = {}
    for c in empty.columns:
        if c == "_row":
            continue
        v = data.get(c)
        if v is None:
            cols[c] = pd.Series(index=range(n), dtype=empty[c].dtype)
        else:
            s = v.reset_index(drop=True) if isinstance(v, pd.Series) else pd.Series(np.asarray(v))
            if str(empty[c].dtype).startswith("datetime64"):
                s = pd.to_datetime(s).astype("datetime64[ns]")
            cols[c] = s.astype(empty[c].dtype)
    for k, v in (extras or {}).items():
        cols[k] = v.reset_index(drop=True) if isinstance(v, pd.Series) else pd.Series(v, index=range(n))
    cols["_row"] = (pd.Series(pd.array([pd.NA] * n, dtype="Int64")) if rows is None
                    else pd.Series(np.asarray(rows)).astype("Int64"))
    return pd.DataFrame(cols).reset_index(drop=True)
