"""C9 贷款客户流失 per (year, customer): the loans outstanding on 1 January (放款 before, not finished before), their
count, Σ amount (unknown when none has one), first / last finish date, still running at the year's end, any 不良结清,
the largest loan's fields (amount, then the later 放款日, then input order) and the outcome (仍在贷 / 不良结清 /
续贷/新贷保留 — another loan of the customer started within [first end − grace, last end + window] or running past
the last end — / 流失(观察期未满) / 流失). bankxl: ``loan_churn.churn_by_customer_year(loans, years, as_of,
window_days, refinance_grace_days)`` (one groupby per year). The day counts reach DuckDB as integers made
intervals by ``to_days``: a pandas Timedelta of 180 days registered as a DuckDB INTERVAL became 6 months."""
from __future__ import annotations


import pandas as pd

from bankxl.scenarios.credit.loan_churn import BAD, CHURN, PENDING, RENEWED, STILL, churn_by_customer_year

from ..refs import Call, CoreRef

SQL = f"""
WITH prm AS (SELECT as_of, to_days(win_days) AS win, to_days(grace_days) AS grace FROM prm),
y AS (
    SELECT year, make_date(year, 1, 1)::TIMESTAMP AS s,
           least(make_date(year, 12, 31)::TIMESTAMP, (SELECT as_of FROM prm)) AS e FROM years),
act AS (
    SELECT y.year, y.e, l.* FROM y JOIN loans l ON l.start < y.s AND (l."end" IS NULL OR l."end" >= y.s)),
per AS (
    SELECT year, cust_id, any_value(e) AS year_end, COUNT(*) AS n_loans, SUM(amount) AS start_balance,
           bool_or("end" IS NULL OR "end" > e) AS still, MIN("end") AS first_end, MAX("end") AS last_end,
           bool_or(COALESCE(code = 'B', false)) AS bad,
           first(_ord ORDER BY amount DESC NULLS LAST, start DESC, _ord) AS top_ord
    FROM act GROUP BY year, cust_id),
oth AS (
    SELECT DISTINCT per.year, per.cust_id
    FROM per JOIN loans l ON l.cust_id = per.cust_id
    ANTI JOIN act ON act.year = per.year AND act._ord = l._ord
    WHERE COALESCE(l.start >= per.first_end - (SELECT grace FROM prm) AND l.start <= per.last_end + (SELECT win FROM prm),
                   false)
       OR COALESCE(l.start < per.first_end - (SELECT grace FROM prm)
                   AND (l."end" IS NULL OR l."end" > per.last_end), false))
SELECT per.year, per.cust_id, n_loans, start_balance, first_end, last_end,
       CASE WHEN still THEN '{STILL}' WHEN bad THEN '{BAD}' WHEN oth.cust_id IS NOT NULL THEN '{RENEWED}'
            WHEN COALESCE(last_end + (SELECT win FROM prm) > (SELECT as_of FROM prm), false) THEN '{PENDING}'
            ELSE '{CHURN}' END AS outcome,
       bad, t.loan_id, t.org_id, t.product, t.term_m, t.code, year_end
FROM per LEFT JOIN oth ON oth.year = per.year AND oth.cust_id = per.cust_id
     JOIN loans t ON t._ord = per.top_ord
"""


def _args(call: Call) -> dict:
    return call.bound(churn_by_customer_year)


def _inputs(call: Call) -> dict[str, pd.DataFrame]:
    a = _args(call)
    lo = a["loans"]
    x = pd.DataFrame({"cust_id": lo["cust_id"].astype("string"), "start": lo["start"].astype("datetime64[ns]"),
                      "end": lo["end"].astype("datetime64[ns]"), "code": lo["code"].astype("string"),
                      "amount": pd.to_numeric(lo["amount"], errors="coerce").astype("float64"),
                      "loan_id": lo["loan_id"].astype("string"), "org_id": lo["org_id"].astype("string"),
                      "product": lo["product"].astype("string"),
                      "term_m": pd.to_numeric(lo["term_m"], errors="coerce").astype("float64")})
    x["_ord"] = range(len(x))
    prm = pd.DataFrame({"as_of": [pd.Timestamp(a["as_of"])],
                        "win_days": [int(a["window_days"])], "grace_days": [int(a["refinance_grace_days"])]})
    return {"loans": x, "years": pd.DataFrame({"year": [int(v) for v in a["years"]]}),
            "prm": prm.astype({"as_of": "datetime64[ns]"})}


def _norm(f: pd.DataFrame) -> pd.DataFrame:
    f = f.reset_index(drop=True).copy()
    for c in ("cust_id", "outcome", "loan_id", "org_id", "product", "code"):
        f[c] = f[c].astype(object).where(f[c].notna(), None)
    for c in ("year", "n_loans"):
        f[c] = f[c].astype("int64")
    f["bad"] = f["bad"].astype(bool)
    for c in ("start_balance", "term_m"):
        f[c] = pd.to_numeric(f[c], errors="coerce").astype("float64")
    for c in ("first_end", "last_end", "year_end"):
        f[c] = pd.to_datetime(f[c]).astype("datetime64[ns]")
    return f


REF = CoreRef(code="C9", target="bankxl.scenarios.credit.loan_churn:churn_by_customer_year",
              what="年 × 客户 流失基数 (年初在贷笔数/余额, 最早/最晚结清, 最大一笔, 结果: 仍在贷/不良/续贷/流失)", sql=SQL,
              inputs=_inputs, bankxl=lambda call: _norm(call.result), duckdb=lambda res, call: _norm(res),
              keys=["year", "cust_id"], money=["start_balance"])
