"""D3 churn.states.monthly_matrix on a hand-built customer_monthly (issue 16: rewritten on integer codes; the
values below are by hand from the rules in its docstring, rows deliberately out of order)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from bankxl.scenarios.deposit.churn.states import monthly_matrix


def cm() -> pd.DataFrame:
    """C2 (listed first): 2026-09 dep 50, org ' 02 ' (stripped), 2026-11 dep -5 (clipped to 0), org blank;
    C1: 2026-11 dep 100, wm 7, org '01'; 2026-10 dep blank, org '03'; rows without a customer (blank, <NA>) or
    a month are left out — C9's only row has no month, so C9 is not a customer of the matrix."""
    return pd.DataFrame({
        "cust_id": pd.array(["C2", "C1", "", "C2", None, "C1", "C9"], dtype="string"),
        "month": pd.to_datetime(["2026-09-01", "2026-11-01", "2026-11-01", "2026-11-01", "2026-10-01",
                                 "2026-10-01", None]),
        "dep_avg": [50.0, 100.0, 1.0, -5.0, 2.0, np.nan, 3.0],
        "wm_bal": [np.nan, 7.0, np.nan, np.nan, np.nan, np.nan, np.nan],
        "org_id": pd.array([" 02 ", "01", "09", " ", "09", "03", "09"], dtype="string")})


def test_matrix_values_by_hand():
    mx = monthly_matrix(cm(), pd.Timestamp("2026-11-30"))
    assert mx.ids.tolist() == ["C1", "C2"] and mx.ids.dtype == "string" and mx.ids.name == "cust_id"
    assert [str(m) for m in mx.months] == ["2026-09", "2026-10", "2026-11"]
    np.testing.assert_array_equal(mx.dep, [[np.nan, np.nan, 100.0], [50.0, np.nan, 0.0]])
    np.testing.assert_array_equal(mx.wm, [[np.nan, np.nan, 7.0], [np.nan, np.nan, np.nan]])
    assert mx.wm_known and mx.clipped == 1
    # C1: its latest month (11) holds 01; C2: 11 is blank after stripping, so 09's ' 02 ' -> '02'
    assert mx.org.tolist() == ["01", "02"] and mx.org.dtype == "string"


def test_without_org_or_wealth_columns_and_months_up_to_the_data_date():
    """No 机构号 / 理财 columns: org all <NA>, wm unknown; the months run to the data date's month (12) even
    when the data end earlier."""
    mx = monthly_matrix(cm().drop(columns=["org_id", "wm_bal"]), pd.Timestamp("2026-12-15"))
    assert [str(m) for m in mx.months] == ["2026-09", "2026-10", "2026-11", "2026-12"]
    assert mx.org.isna().all() and len(mx.org) == 2 and not mx.wm_known and np.isnan(mx.wm).all()
    np.testing.assert_array_equal(mx.dep[:, 3], [np.nan, np.nan])


def test_no_usable_row_gives_an_empty_matrix():
    x = cm()
    x["cust_id"] = pd.array([""] * len(x), dtype="string")
    mx = monthly_matrix(x, pd.Timestamp("2026-11-30"))
    assert len(mx.ids) == 0 and mx.dep.shape == (0, 1) and len(mx.org) == 0 and mx.clipped == 0
