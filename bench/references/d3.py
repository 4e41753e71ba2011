"""D3 客户 × 月 日均 matrices: customer_monthly per customer and month (存款月日均 and 理财余额, negatives clipped
to 0), each customer's 机构号 = the last non-blank one by month. Compared per customer: months known, Σ of each
clipped matrix row (元), 机构号. bankxl: ``churn.states.monthly_matrix(cm, as_of)`` as ``churn.compute`` calls it
(after the DUP_KEY rows and months after the data date are left out, persons merged)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..refs import Call, CoreRef

SQL = """
SELECT cust_id,
       COUNT(dep_avg) AS n_dep, COALESCE(SUM(GREATEST(dep_avg, 0)), 0) AS dep,
       COUNT(wm_bal) AS n_wm, COALESCE(SUM(GREATEST(wm_bal, 0)), 0) AS wm,
       arg_max(NULLIF(trim(org_id), ''), CASE WHEN NULLIF(trim(org_id), '') IS NOT NULL THEN month END) AS org
FROM cm
WHERE cust_id IS NOT NULL AND cust_id <> '' AND month IS NOT NULL
GROUP BY cust_id
"""


def _inputs(call: Call) -> dict[str, pd.DataFrame]:
    cm = call.args[0]
    wm = cm["wm_bal"] if "wm_bal" in cm.columns else pd.Series(np.nan, index=cm.index)
    org = cm["org_id"] if "org_id" in cm.columns else pd.Series(pd.NA, index=cm.index, dtype="string")
    return {"cm": pd.DataFrame({"cust_id": cm["cust_id"].astype("string"), "month": cm["month"],
                                "dep_avg": pd.to_numeric(cm["dep_avg"], errors="coerce").astype("float64"),
                                "wm_bal": pd.to_numeric(wm, errors="coerce").astype("float64"),
                                "org_id": org.astype("string")})}


def _bankxl(call: Call) -> pd.DataFrame:
    mx = call.result
    return _norm(pd.DataFrame({
        "cust_id": mx.ids.to_numpy(dtype=object), "n_dep": (~np.isnan(mx.dep)).sum(axis=1),
        "dep": np.nansum(mx.dep, axis=1), "n_wm": (~np.isnan(mx.wm)).sum(axis=1), "wm": np.nansum(mx.wm, axis=1),
        "org": mx.org.to_numpy(dtype=object)}))


def _norm(f: pd.DataFrame) -> pd.DataFrame:
    f = f.reset_index(drop=True).copy()
    for c in ("cust_id", "org"):
        f[c] = f[c].astype(object).where(f[c].notna(), None)
    for c in ("n_dep", "n_wm"):
        f[c] = f[c].astype("int64")
    return f


REF = CoreRef(code="D3", target="bankxl.scenarios.deposit.churn:monthly_matrix",
              what="客户 × 月 存款/理财日均 matrices (clip 0) + last 机构号 per customer", sql=SQL, inputs=_inputs,
              bankxl=_bankxl, duckdb=lambda res, call: _norm(res), keys=["cust_id"], money=["dep", "wm"])
