"""C10 本行日均 per customer of the loan list: the mean of 存款月日均 (元) over the customer's 客户月度 rows of the last
N months up to the data date's month (blank or non-finite values left out, 缺月不补 0; no row: unknown), joined on the
trimmed 客户号. bankxl: ``limit_increase.compute.deposit_average(monthly, ids, months, as_of)`` (bincounts on
integer codes)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..refs import Call, CoreRef

SQL = """
WITH a AS (
    SELECT trim(cust_id) AS cust_id, SUM(dep_avg) / COUNT(*) AS dep
    FROM cm
    WHERE isfinite(dep_avg)
      AND year(month) * 12 + month(month) BETWEEN (SELECT idx - n + 1 FROM prm) AND (SELECT idx FROM prm)
    GROUP BY ALL)
SELECT ids.cust_id, a.dep FROM ids LEFT JOIN a USING (cust_id)
"""


def _inputs(call: Call) -> dict[str, pd.DataFrame]:
    monthly, ids, months, as_of = call.args[:4]
    x = pd.DataFrame({"cust_id": monthly["cust_id"].astype("string"),
                      "month": pd.to_datetime(monthly["month"]).astype("datetime64[ns]"),
                      "dep_avg": (pd.to_numeric(monthly["dep_avg"], errors="coerce").astype("float64")
                                  if "dep_avg" in monthly.columns else np.nan)})
    prm = pd.DataFrame({"idx": [as_of.year * 12 + as_of.month], "n": [int(months)]})
    return {"cm": x, "ids": pd.DataFrame({"cust_id": pd.array(ids.astype("string"), dtype="string")}), "prm": prm}


def _norm(f: pd.DataFrame) -> pd.DataFrame:
    f = f.reset_index(drop=True).copy()
    f["cust_id"] = f["cust_id"].astype(object)
    f["dep"] = f["dep"].astype("float64")
    return f


def _bankxl(call: Call) -> pd.DataFrame:
    s = call.result
    return _norm(pd.DataFrame({"cust_id": s.index.to_numpy(dtype=object), "dep": s.to_numpy()}))


REF = CoreRef(code="C10", target="bankxl.scenarios.credit.limit_increase.compute:deposit_average",
              what="本行日均: 客户近 N 月存款月日均均值 (缺月不补 0)", sql=SQL, inputs=_inputs, bankxl=_bankxl,
              duckdb=lambda res, call: _norm(res), keys=["cust_id"], money=["dep"])
