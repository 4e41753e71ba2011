"""C1 月均收支 per person: the flows of the window (as_of − 流水月数 months, as_of] over the covered months (a month
at either end counted when at least half of it is covered), 本人互转 / 冲正 and unreadable 借贷 left out, merged
客户号 counted under their person: 月均收入 / 月均支出 (Σ / covered months, 元), 支出收入比, months with income and the
trailing run of months with a 代发 credit (one month of grace). bankxl: ``online_whitelist.compute.monthly_flows``.
Inputs besides the tables: the rows the shared classifier left out (本人互转 / 冲正, recomputed by
``classify_exclusions`` with the same arguments, not timed) and the persons' merged 客户号 — bankxl's time
includes that classifier (an engine query on DuckDB itself), so its ratio is an upper bound."""
from __future__ import annotations

import pandas as pd

from bankxl.rules.identity import by_cust_id
from bankxl.rules.transactions import CREDIT_WORDS, DEBIT_WORDS, KIND_REV, KIND_SELF, classify_exclusions

from ..refs import Call, CoreRef

SQL_TEMPLATE = """
WITH prm AS (SELECT * FROM prm),
t AS (
    SELECT _pos, cust_id, CAST(txn_ts AS DATE) AS d,
           CASE WHEN upper(COALESCE(dc, '')) IN (SELECT w FROM credit) THEN 'C'
                WHEN upper(COALESCE(dc, '')) IN (SELECT w FROM debit) THEN 'D' END AS dir,
           COALESCE(abs(amount), 0) AS amt, cpty_name, memo
    FROM txn),
w AS (SELECT * FROM t WHERE d > (SELECT start FROM prm) AND d <= (SELECT as_of FROM prm)),
bounds AS (
    SELECT year(f) * 12 + month(f) - 1 + CASE WHEN day(f) <= 15 THEN 0 ELSE 1 END AS m0,
           (SELECT year(as_of) * 12 + month(as_of) - 1 - CASE WHEN day(as_of) >= 15 THEN 0 ELSE 1 END FROM prm) AS m1
    FROM (SELECT MIN(d) AS f FROM w)),
k AS (
    SELECT COALESCE(ps.person, trim(w.cust_id)) AS person, year(d) * 12 + month(d) - 1 - bounds.m0 AS m, dir, amt,
           cpty_name, memo
    FROM w CROSS JOIN bounds LEFT JOIN persons ps ON ps.cust_id = trim(w.cust_id)
    ANTI JOIN dropped ON dropped._pos = w._pos
    WHERE dir IS NOT NULL AND w.cust_id IS NOT NULL
      AND year(d) * 12 + month(d) - 1 BETWEEN bounds.m0 AND bounds.m1),
n AS (SELECT m1 - m0 + 1 AS nm FROM bounds),
pay AS (SELECT DISTINCT person, m FROM k
        WHERE dir = 'C' AND regexp_matches(COALESCE(cpty_name, '') || ' ' || COALESCE(memo, ''), {pattern})),
isl AS (SELECT person, m, m - row_number() OVER (PARTITION BY person ORDER BY m) AS island FROM pay),
runs AS (
    SELECT person, CASE WHEN MAX(m) >= (SELECT nm FROM n) - 2 THEN arg_max(len, m) ELSE 0 END AS pay_run
    FROM (SELECT person, m, COUNT(*) OVER (PARTITION BY person, island) AS len FROM isl) GROUP BY person),
g AS (
    SELECT person,
           SUM(CASE WHEN dir = 'C' THEN amt ELSE 0 END) / (SELECT nm FROM n) AS income,
           SUM(CASE WHEN dir = 'D' THEN amt ELSE 0 END) / (SELECT nm FROM n) AS spend,
           COUNT(DISTINCT m) FILTER (WHERE dir = 'C' AND amt > 0) AS income_months
    FROM k GROUP BY person)
SELECT g.person AS cust_id, income, spend, CASE WHEN income > 0 THEN spend / income END AS ratio,
       COALESCE(runs.pay_run, 0) AS pay_run, income_months
FROM g LEFT JOIN runs USING (person)
WHERE (SELECT nm FROM n) > 0
"""


def _sql(call: Call) -> str:
    """The query with the 代发 regex as a literal (a constant pattern is compiled once, not per row)."""
    pattern = call.args[3].payroll_memo
    return SQL_TEMPLATE.replace("{pattern}", "'" + pattern.replace("'", "''") + "'")


def _inputs(call: Call) -> dict[str, pd.DataFrame]:
    txn, customers, who, p, as_of = call.args[:5]
    pos = txn.assign(_row=pd.array(range(len(txn)), dtype="Int64"))
    names = by_cust_id(customers)["cust_name"] if "cust_name" in customers.columns else None
    det = classify_exclusions(pos, p, as_of, names, None, months=p.flow_months)
    dropped = det.loc[det["kind"].isin([KIND_SELF, KIND_REV]), "_row"].astype("int64")
    text = (lambda c: txn[c].astype("string") if c in txn.columns else pd.Series(pd.NA, index=txn.index,
                                                                                  dtype="string"))
    x = pd.DataFrame({"_pos": range(len(txn)), "cust_id": txn["cust_id"].astype("string"),
                      "txn_ts": pd.to_datetime(txn["txn_ts"], errors="coerce").astype("datetime64[ns]"),
                      "amount": pd.to_numeric(txn["amount"], errors="coerce").astype("float64"),
                      "dc": text("dc"), "cpty_name": text("cpty_name"), "memo": text("memo")})
    persons = pd.DataFrame({"cust_id": who.person.index.astype("string"),
                            "person": who.person.astype("string").to_numpy()})
    prm = pd.DataFrame({"as_of": [pd.Timestamp(as_of).normalize()],
                        "start": [pd.Timestamp(as_of) - pd.DateOffset(months=p.flow_months)],
                        })
    return {"txn": x, "dropped": pd.DataFrame({"_pos": dropped.to_numpy()}), "persons": persons,
            "prm": prm.astype({"as_of": "datetime64[ns]", "start": "datetime64[ns]"}),
            "credit": pd.DataFrame({"w": sorted(CREDIT_WORDS)}), "debit": pd.DataFrame({"w": sorted(DEBIT_WORDS)})}


def _norm(f: pd.DataFrame) -> pd.DataFrame:
    f = f.reset_index(drop=True).copy()
    f["cust_id"] = f["cust_id"].astype(object)
    for c in ("pay_run", "income_months"):
        f[c] = f[c].astype("int64")
    return f


def _bankxl(call: Call) -> pd.DataFrame:
    r = call.result
    cols = ["cust_id", "income", "spend", "ratio", "pay_run", "income_months"]
    if r is None:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in cols})
    return _norm(r["people"].reset_index())


REF = CoreRef(code="C1", target="bankxl.scenarios.credit.online_whitelist:monthly_flows",
              what="人 × 月 收支 (本人互转/冲正除外) → 月均收入/支出, 收入月数, 代发连续月数 (bankxl: incl. the exclusion "
                   "classifier)", sql=_sql, inputs=_inputs, bankxl=_bankxl, duckdb=lambda res, call: _norm(res),
              keys=["cust_id"], money=["income", "spend", "ratio"])
