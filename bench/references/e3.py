"""E3 per customer over the window months: average 登录次数 and 交易笔数 per month from the 签约 month on (unknown
when a needed month has no value — 缺月不补 0; unknown for 未签约) and the mean 存款月日均 (元) of the window months
the customer has. Inputs besides the tables: bankxl's customer list (closed customers left out) and its 未签约
flags — the compared aggregation is the window averages. bankxl: ``mobile_activity.activity(tables, p, ctx)``
(its time is the whole per-customer step: tiers, 月活 and points included)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..refs import Call, CoreRef

SQL = """
WITH d AS (
    SELECT * FROM mb
    QUALIFY cust_id IS NULL OR month IS NULL
         OR row_number() OVER (PARTITION BY cust_id, month ORDER BY _ord DESC) = 1),
x AS (SELECT d.*, year(month) * 12 + month(month) - (SELECT lo FROM w) AS pos FROM d JOIN ids ON d.c = ids.cust_id),
lastrow AS (SELECT c, year(signup_date) * 12 + month(signup_date) - (SELECT lo FROM w) AS spos FROM x
            QUALIFY row_number() OVER (PARTITION BY c ORDER BY month DESC NULLS FIRST, _ord DESC) = 1),
need AS (SELECT ids.cust_id, ids.unsigned, l.spos,
                CASE WHEN l.spos IS NULL THEN (SELECT k FROM w) ELSE greatest(0, (SELECT k FROM w) - greatest(l.spos, 0))
                END AS n_need
         FROM ids LEFT JOIN lastrow l ON l.c = ids.cust_id),
acts AS (SELECT need.cust_id, need.unsigned, need.n_need,
                COUNT(x.logins) AS n_l, SUM(x.logins) AS s_l, COUNT(x.txn_count) AS n_t, SUM(x.txn_count) AS s_t
         FROM need LEFT JOIN x ON x.c = need.cust_id AND x.pos >= 0 AND x.pos < (SELECT k FROM w)
                              AND (need.spos IS NULL OR x.pos >= need.spos)
         GROUP BY need.cust_id, need.unsigned, need.n_need),
dep AS (SELECT cm.c, SUM(dep_avg) / COUNT(dep_avg) AS dep FROM cm
        WHERE dep_avg IS NOT NULL
          AND year(month) * 12 + month(month) - (SELECT lo FROM w) BETWEEN 0 AND (SELECT k FROM w) - 1
        GROUP BY cm.c)
SELECT acts.cust_id,
       CASE WHEN NOT unsigned AND n_need > 0 AND n_l = n_need THEN s_l / n_need END AS avg_logins,
       CASE WHEN NOT unsigned AND n_need > 0 AND n_t = n_need THEN s_t / n_need END AS avg_txn,
       dep.dep
FROM acts LEFT JOIN dep ON dep.c = acts.cust_id
"""


def _num(df: pd.DataFrame, c: str) -> pd.Series:
    return (pd.to_numeric(df[c], errors="coerce").astype("float64") if c in df.columns
            else pd.Series(np.nan, index=df.index))


def _inputs(call: Call) -> dict[str, pd.DataFrame]:
    tables, act = call.args[0], call.result
    mb, cm = tables["mobile_banking_monthly"], tables["customer_monthly"]
    x = pd.DataFrame({"cust_id": mb["cust_id"].astype("string"), "c": mb["cust_id"].astype("string").str.strip(),
                      "month": mb["month"].astype("datetime64[ns]"), "logins": _num(mb, "logins"),
                      "txn_count": _num(mb, "txn_count"),
                      "signup_date": (mb["signup_date"] if "signup_date" in mb.columns
                                      else pd.Series(pd.NaT, index=mb.index)).astype("datetime64[ns]")})
    x["_ord"] = range(len(x))
    c = pd.DataFrame({"c": cm["cust_id"].astype("string").str.strip(), "month": cm["month"].astype("datetime64[ns]"),
                      "dep_avg": _num(cm, "dep_avg")})
    f = act.frame
    ids = pd.DataFrame({"cust_id": f.index.astype("string"), "unsigned": (f["group"] == 4).to_numpy()})
    first = act.months[0]
    return {"mb": x, "cm": c, "ids": ids,
            "w": pd.DataFrame({"lo": [first.year * 12 + first.month], "k": [len(act.months)]})}


def _norm(f: pd.DataFrame) -> pd.DataFrame:
    f = f.reset_index(drop=True).copy()
    f["cust_id"] = f["cust_id"].astype(object)
    for c in ("avg_logins", "avg_txn", "dep"):
        f[c] = f[c].astype("float64")
    return f


def _bankxl(call: Call) -> pd.DataFrame:
    f = call.result.frame
    return _norm(pd.DataFrame({"cust_id": f.index.to_numpy(dtype=object), "avg_logins": f["avg_logins"].to_numpy(),
                               "avg_txn": f["avg_txn"].to_numpy(), "dep": f["dep"].to_numpy()}))


REF = CoreRef(code="E3", target="bankxl.scenarios.ebank.mobile_activity:activity",
              what="客户 × 窗口月 登录/交易月均 (签约月起, 缺月不补 0) + 存款日均均值 (bankxl: whole activity step)",
              sql=SQL, inputs=_inputs, bankxl=_bankxl, duckdb=lambda res, call: _norm(res), keys=["cust_id"],
              money=["avg_logins", "avg_txn", "dep"])
