"""C7 共同借款人存款: each customer's 存款月日均 (元) of their latest month up to the data date in 客户月度 (the later
row of a repeated 客户号 + 月份), per trimmed 客户号. bankxl: ``student_loans._deposits(cm, as_of)`` (a stable sort
on 客户号 + 月份 and the last row of each 客户号)."""
from __future__ import annotations

import pandas as pd

from ..refs import Call, CoreRef

SQL = """
SELECT cust_id, dep_avg FROM (SELECT trim(cust_id) AS cust_id, month, dep_avg, _ord FROM cm
                              WHERE month <= (SELECT as_of FROM prm))
QUALIFY row_number() OVER (PARTITION BY cust_id ORDER BY month DESC, _ord DESC) = 1
"""


def _inputs(call: Call) -> dict[str, pd.DataFrame]:
    cm, as_of = call.args[0], call.args[1]
    x = pd.DataFrame({"cust_id": cm["cust_id"].astype("string"), "month": cm["month"].astype("datetime64[ns]"),
                      "dep_avg": pd.to_numeric(cm["dep_avg"], errors="coerce").astype("float64")})
    x["_ord"] = range(len(x))
    return {"cm": x, "prm": pd.DataFrame({"as_of": [pd.Timestamp(as_of)]}).astype("datetime64[ns]")}


def _norm(f: pd.DataFrame) -> pd.DataFrame:
    f = f.reset_index(drop=True).copy()
    f["cust_id"] = f["cust_id"].astype(object).where(f["cust_id"].notna(), None)
    f["dep_avg"] = f["dep_avg"].astype("float64")
    return f


def _bankxl(call: Call) -> pd.DataFrame:
    s = call.result
    if s is None:
        return pd.DataFrame({"cust_id": pd.Series(dtype=object), "dep_avg": pd.Series(dtype="float64")})
    return _norm(pd.DataFrame({"cust_id": s.index.to_numpy(dtype=object), "dep_avg": s.to_numpy()}))


REF = CoreRef(code="C7", target="bankxl.scenarios.credit.student_loans:_deposits",
              what="客户最近月份存款月日均 (latest month ≤ data date, last row of a repeated month)", sql=SQL,
              inputs=_inputs, bankxl=_bankxl, duckdb=lambda res, call: _norm(res), keys=["cust_id"], money=["dep_avg"])
