"""E1 商户 × 月 matrices: merchant_monthly per merchant and month over the window (repeated 商户号+月份: the last row
kept), compared per merchant: months with a row, Σ and count of 金额 / 笔数 / 结算户日均 (元). bankxl:
``rules.merchant_data.merchant_months(mm, mch, ctx)`` as E1 calls it (its window: ``months`` of the result)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..refs import Call, CoreRef

SQL = """
WITH x AS (
    SELECT * FROM mm
    WHERE mch_id IS NOT NULL AND trim(mch_id) <> '' AND month IS NOT NULL AND month < (SELECT hi FROM bounds)
    QUALIFY row_number() OVER (PARTITION BY mch_id, month ORDER BY _ord DESC) = 1)
SELECT mch_id, COUNT(*) AS n_rows,
       COUNT(amount) AS n_amt, COALESCE(SUM(amount), 0) AS amt,
       COUNT(txn_count) AS n_cnt, COALESCE(SUM(txn_count), 0) AS cnt,
       COUNT(settle_avg) AS n_settle, COALESCE(SUM(settle_avg), 0) AS settle
FROM x WHERE month >= (SELECT lo FROM bounds)
GROUP BY mch_id
"""


def _col(df: pd.DataFrame, c: str) -> pd.Series:
    return (pd.to_numeric(df[c], errors="coerce").astype("float64") if c in df.columns
            else pd.Series(np.nan, index=df.index))


def _inputs(call: Call) -> dict[str, pd.DataFrame]:
    mm, months = call.args[0], call.result.months
    x = pd.DataFrame({"mch_id": mm["mch_id"].astype("string"), "month": mm["month"].astype("datetime64[ns]"),
                      "amount": _col(mm, "amount"), "txn_count": _col(mm, "txn_count"),
                      "settle_avg": _col(mm, "settle_avg")})
    x["_ord"] = range(len(x))
    bounds = pd.DataFrame({"lo": [months[0].start_time], "hi": [(months[-1] + 1).start_time]})
    return {"mm": x, "bounds": bounds.astype("datetime64[ns]")}


def _bankxl(call: Call) -> pd.DataFrame:
    mx = call.result
    has = mx.row.any(axis=1)
    out = pd.DataFrame({"mch_id": mx.ids.to_numpy(dtype=object), "n_rows": mx.row.sum(axis=1)})
    for name, a in (("amt", mx.amt), ("cnt", mx.cnt), ("settle", mx.settle)):
        out["n_" + name] = (~np.isnan(a)).sum(axis=1)
        out[name] = np.nansum(a, axis=1)
    return _norm(out[has])


def _norm(f: pd.DataFrame) -> pd.DataFrame:
    f = f.reset_index(drop=True).copy()
    f["mch_id"] = f["mch_id"].astype(object)
    for c in ("n_rows", "n_amt", "n_cnt", "n_settle"):
        f[c] = f[c].astype("int64")
    f["cnt"] = f["cnt"].astype("float64")
    return f


REF = CoreRef(code="E1", target="bankxl.scenarios.ebank.merchant_warning:merchant_months",
              what="商户 × 月 金额/笔数/结算日均 matrices (last row of a repeated key, window)", sql=SQL,
              inputs=_inputs, bankxl=_bankxl, duckdb=lambda res, call: _norm(res), keys=["mch_id"],
              money=["amt", "settle"])
