"""C6 产品缺口矩阵 (shared with C2 and C5): customer × product holding from 产品持有 (持有 True / False / unknown),
客户.代发标志 / 手机银行签约 (a flag blank for everybody is no evidence) and the loans running on the data date
(mortgages named by the 按揭贷款品种 regex); per customer and product the strongest evidence wins (held > not held
> unknown), no record of a product the data show = not held. Compared per customer: the products held and the
products unknown (each joined in name order) and the number of products evaluated. bankxl:
``rules.holdings.holding_matrix(holdings, customers, loans, as_of, mortgage_pattern)`` (one ``np.maximum.at`` on
integer positions), wrapped where the scenario looks it up."""
from __future__ import annotations


import numpy as np
import pandas as pd

from bankxl.rules.holdings import MORTGAGE, holding_matrix
from bankxl.tables import LOAN_STATUS_ALIASES

from ..refs import Call, CoreRef

SQL_TEMPLATE = """
WITH lo AS (
    SELECT cust_id, COALESCE(product, '其他贷款') AS product, COALESCE(al.code, trim(status)) AS code, start_date,
           end_date
    FROM loans LEFT JOIN aliases al ON al.word = trim(loans.status)),
runs AS (
    SELECT cust_id, CASE WHEN product = '{mortgage}' OR {mortgage_match} THEN '{mortgage}' ELSE product END AS product
    FROM lo
    WHERE NOT COALESCE(start_date > (SELECT as_of FROM prm), false)
      AND (COALESCE(code IN ('C', 'D'), false) OR (code IS NULL AND end_date IS NULL)
           OR COALESCE(end_date > (SELECT as_of FROM prm), false))),
ev AS (
    SELECT cust_id, product, CASE WHEN held IS NULL THEN 0.5 WHEN held THEN 2.0 ELSE 1.0 END AS v FROM holdings
    UNION ALL
    SELECT cust_id, '代发', CASE WHEN payroll_flag IS NULL THEN 0.5 WHEN payroll_flag THEN 2.0 ELSE 1.0 END FROM customers
    WHERE (SELECT COUNT(payroll_flag) FROM customers) > 0
    UNION ALL
    SELECT cust_id, '手机银行', CASE WHEN mobile_banking IS NULL THEN 0.5 WHEN mobile_banking THEN 2.0 ELSE 1.0 END
    FROM customers WHERE (SELECT COUNT(mobile_banking) FROM customers) > 0
    UNION ALL
    SELECT cust_id, product, 2.0 FROM runs),
best AS (SELECT cust_id, product, MAX(v) AS v FROM ev WHERE cust_id IS NOT NULL AND product IS NOT NULL GROUP BY ALL),
ids AS (SELECT cust_id FROM customers WHERE cust_id IS NOT NULL UNION SELECT cust_id FROM best)
SELECT ids.cust_id,
       COALESCE(string_agg(product, '|' ORDER BY product) FILTER (WHERE v = 2.0), '') AS held,
       COALESCE(string_agg(product, '|' ORDER BY product) FILTER (WHERE v = 0.5), '') AS unknown,
       (SELECT COUNT(DISTINCT product) FROM best) AS n_products
FROM ids LEFT JOIN best USING (cust_id)
GROUP BY ids.cust_id
"""


def _args(call: Call) -> dict:
    return call.bound(holding_matrix)


def _sql(call: Call) -> str:
    """The query with the mortgage regex as a literal (an empty pattern matches nothing, as ``has_pattern``)."""
    pat = _args(call)["mortgage_pattern"]
    match = f"regexp_matches(product, '{pat.replace(chr(39), chr(39) * 2)}')" if pat else "false"
    return SQL_TEMPLATE.replace("{mortgage_match}", match).replace("{mortgage}", MORTGAGE)


def _inputs(call: Call) -> dict[str, pd.DataFrame]:
    a = _args(call)
    h, c, lo = a["holdings"], a["customers"], a["loans"]
    s = lambda f, col: f[col].astype("string") if col in f.columns else pd.Series(pd.NA, index=f.index,  # noqa: E731
                                                                                  dtype="string")
    d = lambda f, col: (f[col] if col in f.columns else pd.Series(pd.NaT, index=f.index)).astype(  # noqa: E731
        "datetime64[ns]")
    if lo is None:
        lo = pd.DataFrame({"cust_id": pd.Series(dtype="string")})
    return {"holdings": pd.DataFrame({"cust_id": h["cust_id"].astype("string"), "product": s(h, "product"),
                                      "held": h["held"].astype("boolean")}),
            "customers": pd.DataFrame({"cust_id": c["cust_id"].astype("string"),
                                       "payroll_flag": c["payroll_flag"].astype("boolean"),
                                       "mobile_banking": c["mobile_banking"].astype("boolean")}),
            "loans": pd.DataFrame({"cust_id": lo["cust_id"].astype("string"), "product": s(lo, "product"),
                                   "status": s(lo, "status"), "start_date": d(lo, "start_date"),
                                   "end_date": d(lo, "end_date")}),
            "aliases": pd.DataFrame({"word": list(LOAN_STATUS_ALIASES), "code": list(LOAN_STATUS_ALIASES.values())}),
            "prm": pd.DataFrame({"as_of": [pd.Timestamp(a["as_of"]).normalize()]}).astype("datetime64[ns]")}


def _joined(flags: np.ndarray, names: list[str]) -> np.ndarray:
    """Per row of a bool matrix (customers × products), the names of its True columns joined by '|'."""
    out = np.full(flags.shape[0], "", dtype=object)
    for j, name in enumerate(names):  # per product (a handful), not per customer
        out = out + np.where(flags[:, j], name + "|", "")
    return np.array([v[:-1] for v in out], dtype=object) if len(out) else out


def _bankxl(call: Call) -> pd.DataFrame:
    m = call.result[0]
    names = [str(c) for c in m.columns]
    held = m.eq(True).fillna(False).to_numpy(dtype=bool)
    unknown = m.isna().to_numpy(dtype=bool)
    return _norm(pd.DataFrame({"cust_id": m.index.to_numpy(dtype=object), "held": _joined(held, names),
                               "unknown": _joined(unknown, names), "n_products": len(names)}))


def _norm(f: pd.DataFrame) -> pd.DataFrame:
    f = f.reset_index(drop=True).copy()
    for c in ("cust_id", "held", "unknown"):
        f[c] = f[c].astype(object)
    f["n_products"] = f["n_products"].astype("int64")
    return f


REF = CoreRef(code="C6", target="bankxl.scenarios.credit.mortgage_cross_sell:holding_matrix",
              what="客户 × 产品 持有矩阵 (产品持有 + 代发/手机银行标志 + 在贷贷款; held > not held > unknown)",
              sql=_sql, inputs=_inputs, bankxl=_bankxl, duckdb=lambda res, call: _norm(res), keys=["cust_id"])
