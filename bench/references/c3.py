"""C3 他行贷款 per (客户, 机构): the other-bank repayments found in the flows and orders, aggregated per customer and
lender — repayments, months, estimated monthly payment (median of the monthly sums), first/last date, most frequent
loan type (ties: the smallest), best confidence, the distinct rules in order of first appearance, first source.
bankxl: ``other_bank_loans._per_institution(det, kinds)``; its first call is 他行还款 (KIND_OTHER_REPAY)."""
from __future__ import annotations

import pandas as pd

from bankxl.scenarios.credit.other_bank_loans import _CONF_RANK

from ..refs import Call, CoreRef

SQL = """
WITH x AS (
    SELECT *, COALESCE(strftime(ts, '%Y-%m'), 'order') AS month FROM det
    WHERE kind IN (SELECT kind FROM kinds) AND cust_id IS NOT NULL AND institution IS NOT NULL),
monthly AS (SELECT cust_id, institution, month, SUM(amount) AS s FROM x GROUP BY cust_id, institution, month),
med AS (SELECT cust_id, institution, MEDIAN(s) AS m_est FROM monthly GROUP BY cust_id, institution),
types AS (SELECT cust_id, institution, loan_type, COUNT(*) AS c FROM x WHERE loan_type IS NOT NULL
          GROUP BY cust_id, institution, loan_type),
mode AS (SELECT cust_id, institution, first(loan_type ORDER BY c DESC, loan_type) AS loan_type FROM types
         GROUP BY cust_id, institution),
rules1 AS (SELECT cust_id, institution, rules, MIN(_ord) AS o FROM x WHERE rules IS NOT NULL
           GROUP BY cust_id, institution, rules),
rules AS (SELECT cust_id, institution, string_agg(rules, '、' ORDER BY o) AS rules FROM rules1
          GROUP BY cust_id, institution),
g AS (SELECT cust_id, institution, COUNT(*) AS n, COUNT(DISTINCT month) AS months, MIN(ts) AS "first",
             MAX(ts) AS "last", MAX(crank) AS crank,
             arg_min(source, CASE WHEN source IS NOT NULL THEN _ord END) AS source
      FROM x GROUP BY cust_id, institution)
SELECT g.cust_id, g.institution, n, months, m_est, "first", "last", mode.loan_type, crank,
       COALESCE(rules.rules, '') AS rules, source
FROM g JOIN med USING (cust_id, institution) LEFT JOIN mode USING (cust_id, institution)
     LEFT JOIN rules USING (cust_id, institution)
"""

_TEXT = ("cust_id", "institution", "loan_type", "confidence", "rules", "source")


def _inputs(call: Call) -> dict[str, pd.DataFrame]:
    det, kinds = call.args[0], call.args[1]
    x = pd.DataFrame({c: det[c].astype("string") for c in ("cust_id", "institution", "kind", "loan_type", "source")})
    x["rules"] = det["rules"].astype("string")
    x["ts"], x["amount"] = det["ts"], det["amount"].astype("float64")
    x["crank"] = det["confidence"].map(_CONF_RANK).fillna(0).astype("float64")
    x["_ord"] = range(len(x))
    return {"det": x, "kinds": pd.DataFrame({"kind": pd.array(list(kinds), dtype="string")})}


def _norm(f: pd.DataFrame) -> pd.DataFrame:
    f = f.reset_index(drop=True).copy()
    for c in _TEXT:
        f[c] = f[c].astype(object).where(f[c].notna(), None)
    f["n"], f["months"] = f["n"].astype("int64"), f["months"].astype("int64")
    for c in ("first", "last"):
        f[c] = pd.to_datetime(f[c]).astype("datetime64[ns]")
    return f


def _duckdb(res: pd.DataFrame, call: Call) -> pd.DataFrame:
    inv = {v: k for k, v in _CONF_RANK.items()}
    res = res.assign(confidence=res["crank"].map(inv).astype("string")).drop(columns=["crank"])
    return _norm(res)


REF = CoreRef(code="C3", target="bankxl.scenarios.credit.other_bank_loans:_per_institution",
              what="他行还款 per 客户 × 机构 (median monthly sum, distinct months, mode loan type, rules joined)",
              sql=SQL, inputs=_inputs, bankxl=lambda call: _norm(call.result), duckdb=_duckdb,
              keys=["cust_id", "institution"], money=["m_est"])
