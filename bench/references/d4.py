"""D4 客户 × 月 matrix: a 日均 column (元) summed per customer and month over a window (a blank value adds 0; no
row: no value) — the matrices the 规模 / 稳定 factors and the PDCA figures are taken from. bankxl:
``core_customers._wide(cm, col, months, ids)`` (8 calls per run; the heaviest is compared)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..refs import Call, CoreRef

SQL = """
SELECT cust_id, month, COALESCE(SUM(v), 0) AS v
FROM cm
WHERE month IN (SELECT month FROM months)
GROUP BY cust_id, month
"""


def _inputs(call: Call) -> dict[str, pd.DataFrame]:
    cm, col, months = call.args[0], call.args[1], call.args[2]
    x = pd.DataFrame({"cust_id": cm["cust_id"].astype(object), "month": cm["month"].astype("datetime64[ns]"),
                      "v": cm[col].astype("float64")})
    return {"cm": x, "months": pd.DataFrame({"month": pd.DatetimeIndex(months).astype("datetime64[ns]")})}


def _long(w: pd.DataFrame) -> pd.DataFrame:
    """(cust_id, month, v) of the cells that hold a value."""
    a = w.to_numpy(dtype="float64")
    i, j = np.nonzero(~np.isnan(a))
    return pd.DataFrame({"cust_id": w.index.to_numpy(dtype=object)[i],
                         "month": pd.DatetimeIndex(w.columns).astype("datetime64[ns]")[j], "v": a[i, j]})


def _duckdb(res: pd.DataFrame, call: Call) -> pd.DataFrame:
    ids = set(call.args[3])
    res = res[res["cust_id"].isin(ids)]
    return pd.DataFrame({"cust_id": res["cust_id"].astype(object).to_numpy(),
                         "month": res["month"].astype("datetime64[ns]").to_numpy(), "v": res["v"].to_numpy()})


REF = CoreRef(code="D4", target="bankxl.scenarios.deposit.core_customers:_wide",
              what="客户 × 月 日均 matrix (Σ per customer and month over a window)", sql=SQL, inputs=_inputs,
              bankxl=lambda call: _long(call.result), duckdb=_duckdb, keys=["cust_id", "month"], money=["v"])
