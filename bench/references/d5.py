"""D5 日均 (SCENARIOS.md §0.3): one org's sparse daily balances spread over every calendar day of a span — a missing
day takes the previous day's balance (also from before the span), days before the first balance count 0 (or, for
leading holidays, the first balance), days before the open date 0; a repeated day keeps its last row, blank
balances are no row. Compared per day (元). bankxl: ``targets.formulas.daily_balances(balances, start, end,
open_date, fill_leading)`` as D5's ``days_for`` calls it per org and span (~80 calls at 100k customers; the
heaviest is compared). D5's input (机构日余额) grows with orgs and days, not with customers."""
from __future__ import annotations


import numpy as np
import pandas as pd

from bankxl.scenarios.deposit.targets.formulas import daily_balances

from ..refs import Call, CoreRef

SQL = """
WITH b AS (
    SELECT date_trunc('day', "date") AS "date", balance FROM bal
    WHERE "date" IS NOT NULL AND balance IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY date_trunc('day', "date") ORDER BY _ord DESC) = 1),
days AS (SELECT d::TIMESTAMP AS "date" FROM generate_series((SELECT s FROM prm), (SELECT e FROM prm), INTERVAL 1 DAY) t(d))
SELECT days."date",
       CASE WHEN days."date" < COALESCE((SELECT open_date FROM prm), days."date") THEN 0
            ELSE COALESCE(b.balance, CASE WHEN (SELECT lead FROM prm) THEN (SELECT arg_min(balance, "date") FROM b) END, 0)
       END AS balance
FROM days ASOF LEFT JOIN b ON b."date" <= days."date"
"""


def _args(call: Call) -> dict:
    return call.bound(daily_balances)


def _inputs(call: Call) -> dict[str, pd.DataFrame]:
    a = _args(call)
    raw = a["balances"]
    if isinstance(raw, pd.DataFrame):
        dcol = "date" if "date" in raw.columns else raw.columns[0]
        bcol = "balance" if "balance" in raw.columns else raw.columns[-1]
        x = pd.DataFrame({"date": pd.to_datetime(raw[dcol]), "balance": raw[bcol].to_numpy("float64", na_value=np.nan)})
    else:
        x = pd.DataFrame({"date": pd.to_datetime(raw.index), "balance": pd.Series(raw).astype("float64").to_numpy()})
    x["date"] = x["date"].astype("datetime64[ns]")
    x["_ord"] = range(len(x))
    od = a["open_date"]
    prm = pd.DataFrame({"s": [pd.Timestamp(a["start"]).normalize()], "e": [pd.Timestamp(a["end"]).normalize()],
                        "open_date": [pd.NaT if od is None or pd.isna(od) else pd.Timestamp(od).normalize()],
                        "lead": [bool(a["fill_leading"])]})
    return {"bal": x, "prm": prm.astype({"s": "datetime64[ns]", "e": "datetime64[ns]", "open_date": "datetime64[ns]"})}


def _norm(f: pd.DataFrame) -> pd.DataFrame:
    f = f.reset_index(drop=True).copy()
    f["date"] = pd.to_datetime(f["date"]).astype("datetime64[ns]")
    f["balance"] = f["balance"].astype("float64")
    return f


REF = CoreRef(code="D5", target="bankxl.scenarios.deposit.targets.report:daily_balances",
              what="机构日余额 → 逐日余额 (缺日沿用前一日, 开业前 0; the heaviest of ~80 calls)", sql=SQL,
              inputs=_inputs, bankxl=lambda call: _norm(call.result.rename("balance").rename_axis("date").reset_index()),
              duckdb=lambda res, call: _norm(res), keys=["date"], money=["balance"])
