"""Integer keys instead of text keys (issue 16 item 3): frames.stripped / frames.id_positions and the per-customer
aggregations that use them, checked against values worked out by hand."""
from __future__ import annotations

import numpy as np
import pandas as pd

from bankxl.frames import id_positions, stripped


def test_stripped_trims_like_str_strip_and_keeps_missing():
    v = pd.Series([" A", "B\u3000", None, "C", "A ", "\tD\n", ""], index=[5, 6, 7, 8, 9, 10, 11], dtype=object,
                  name="cust_id")
    got = stripped(v)
    assert got.dtype == "string" and got.name == "cust_id"
    assert got.index.tolist() == [5, 6, 7, 8, 9, 10, 11]
    assert got.tolist()[:2] == ["A", "B"] and got.isna().tolist() == [False, False, True, False, False, False, False]
    assert got.tolist()[3:] == ["C", "A", "D", ""]
    # nothing to trim: the values as they are (no space anywhere, missing kept)
    clean = pd.Series(["x1", pd.NA, "y2"], dtype="string")
    assert stripped(clean).tolist() == ["x1", pd.NA, "y2"]
    assert len(stripped(pd.Series([], dtype="string"))) == 0


def test_id_positions_are_the_trimmed_keys_positions():
    ids = pd.Index(["A", "B", "C"], dtype="string")
    v = pd.Series([" C", "A", None, "Z", "B\u3000", "a", "C"], dtype="string")
    pos = id_positions(v, ids)
    assert pos.dtype == np.int64
    assert pos.tolist() == [2, 0, -1, -1, 1, -1, 2]  # missing, unknown and other case: -1
    assert id_positions(pd.Series(["A", "C"], dtype=object), ids).tolist() == [0, 2]  # no space: direct lookup
    assert id_positions(pd.Series([], dtype="string"), ids).tolist() == []


def test_c10_deposit_average_by_hand():
    from bankxl.scenarios.credit.limit_increase.compute import deposit_average

    ids = pd.Index(["A", "B", "C"], dtype="string")
    monthly = pd.DataFrame({
        "cust_id": pd.array([" A ", "A", "A", "B\u3000", "B", "B", None, "D", "C"], dtype="string"),
        "month": pd.to_datetime(["2026-11-01", "2026-10-01", "2026-08-01", "2026-09-01", "2026-09-01", None,
                                 "2026-11-01", "2026-11-01", "2026-12-01"]),
        "dep_avg": [100.0, 200.0, 999.0, np.nan, 50.0, 70.0, 5.0, 7.0, 30.0]})
    got = deposit_average(monthly, ids, 3, pd.Timestamp("2026-11-30"))
    # window Sep–Nov 2026: A (100 + 200) / 2 (Aug outside); B 50 (blank value and no month left out);
    # C only December (after the data date's month): unknown; no customer / not listed: ignored
    assert got.index.equals(ids)
    assert got.iloc[:2].tolist() == [150.0, 50.0] and np.isnan(got.iloc[2])
    assert deposit_average(monthly, ids, 1, pd.Timestamp("2026-11-30")).iloc[0] == 100.0
    assert deposit_average(None, ids, 3, pd.Timestamp("2026-11-30")).isna().all()
