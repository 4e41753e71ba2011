"""R1 处置能力 per borrower: each deposit account's money that counts (余额 clipped at 0, less frozen money; 销户,
other currencies and 社保/养老金 accounts excluded; a 联名 account at the joint share; 近12月入账 that counts, 0 for an
account without a transaction in the last 12 months) summed over the borrower's own accounts and his guarantors'
accounts in the guarantee period: 账户数, 可用存款, 近12月入账, 冻结 / 养老金 amounts, 保证人可用存款, whether a part is
unknown, and 近期有交易 (True / False / unknown). bankxl: ``npl_capacity.capacity.coverage(bor, npl, keys, dep,
customers, p, as_of, currency)``. Inputs besides the tables: which accounts are whose (``link_accounts``, the
identity matching, recomputed with the same arguments, not timed) and each account's currency code
(``coerce.currency_codes``) — bankxl's time includes that matching (about three quarters of ``coverage`` in a
profile at 100k customers), so its ratio is an upper bound."""
from __future__ import annotations


import pandas as pd

from bankxl.coerce import currency_codes
from bankxl.frames import CLOSED_STATUS, text_column
from bankxl.scenarios.risk.npl_capacity.capacity import coverage, link_accounts

from ..refs import Call, CoreRef


def _lit(s: str) -> str:
    return "'" + str(s).replace("'", "''") + "'"


def _args(call: Call) -> dict:
    return call.bound(coverage)


def _sql(call: Call) -> str:
    a = _args(call)
    p = a["p"]
    return f"""
WITH prm AS (SELECT * FROM prm),
d AS (
    SELECT *, GREATEST(balance, 0) AS bal,
           COALESCE(regexp_matches(status, {_lit(CLOSED_STATUS)}), false) AS closed,
           COALESCE(frozen, false) AS flag, CASE WHEN COALESCE(joint, false) THEN {float(p.joint_share)} ELSE 1.0 END AS share
    FROM dep),
e AS (SELECT *, ccy <> {_lit(str(a["currency"]).upper())} AND NOT closed AS is_foreign FROM d),
f AS (
    SELECT *, COALESCE(regexp_matches(nature, '社保|养老'), false) AND NOT closed AND NOT is_foreign AS pension,
           CASE WHEN frozen_amount IS NOT NULL THEN CASE WHEN bal IS NOT NULL THEN least(frozen_amount, bal) END
                WHEN flag THEN bal ELSE 0 END AS part,
           (flag AND frozen_amount IS NULL) OR (frozen_amount IS NOT NULL AND bal IS NOT NULL AND frozen_amount >= bal)
               AS fully
    FROM e),
acc AS (
    SELECT acct, last_txn_date, inflow_12m AS inflow_raw, NOT closed AND NOT is_foreign AND NOT pension AS counted,
           CASE WHEN closed OR is_foreign OR pension OR fully THEN 0 WHEN bal IS NULL THEN NULL
                ELSE GREATEST(bal - COALESCE(part, 0), 0) * share END AS available,
           CASE WHEN closed OR is_foreign OR pension OR fully THEN 0
                WHEN inflow_12m IS NULL AND last_txn_date < (SELECT stale FROM prm) THEN 0
                WHEN inflow_12m IS NULL THEN NULL ELSE GREATEST(inflow_12m, 0) * share END AS inflow,
           CASE WHEN closed OR is_foreign OR pension THEN 0 ELSE part END AS frozen_part,
           CASE WHEN pension THEN bal ELSE 0 END AS pension_amt
    FROM f),
o AS (
    SELECT own."key", COUNT(*) AS n_accounts, COALESCE(SUM(available), 0) AS dep_avail,
           COALESCE(SUM(inflow), 0) AS inflow_12m, COALESCE(SUM(frozen_part), 0) AS frozen_amt,
           COALESCE(SUM(pension_amt), 0) AS pension_amt,
           bool_or(available IS NULL OR inflow IS NULL) AS unk,
           bool_or(COALESCE(last_txn_date >= (SELECT since FROM prm), false)
                   OR ({int(p.activity_months) >= 12} AND COALESCE(inflow_raw > 0, false))) AS recent,
           bool_or(last_txn_date IS NULL) AS blank
    FROM own JOIN acc USING (acct) GROUP BY own."key"),
g AS (
    SELECT guar."key", COALESCE(SUM(available), 0) AS guar_avail, bool_or(available IS NULL) AS unk
    FROM guar JOIN acc USING (acct) WHERE in_period GROUP BY guar."key")
SELECT b."key", COALESCE(o.n_accounts, 0) AS n_accounts, COALESCE(o.dep_avail, 0) AS dep_avail,
       COALESCE(o.inflow_12m, 0) AS inflow_12m, COALESCE(o.frozen_amt, 0) AS frozen_amt,
       COALESCE(o.pension_amt, 0) AS pension_amt, COALESCE(g.guar_avail, 0) AS guar_avail,
       COALESCE(o.unk, false) OR COALESCE(g.unk, false) AS funds_unknown,
       CASE WHEN COALESCE(o.recent, false) THEN true WHEN COALESCE(o.blank, false) THEN NULL ELSE false END AS has_txn
FROM bor b LEFT JOIN o USING ("key") LEFT JOIN g USING ("key")
"""


def _inputs(call: Call) -> dict[str, pd.DataFrame]:
    a = _args(call)
    dep, as_of, p = a["dep"], pd.Timestamp(a["as_of"]), a["p"]
    own, guar = link_accounts(a["npl"], a["keys"], dep, a["customers"], as_of)
    if not p.count_guarantor:
        guar = guar.iloc[:0]
    ccy = pd.Series(currency_codes(text_column(dep, "ccy").replace("", pd.NA)), index=dep.index).fillna(a["currency"])
    x = pd.DataFrame({"acct": range(len(dep)), "balance": dep["balance"].astype("float64"),
                      "status": text_column(dep, "status"), "nature": text_column(dep, "nature"),
                      "ccy": ccy.astype("string"), "frozen": dep["frozen"].astype("boolean"),
                      "frozen_amount": dep["frozen_amount"].astype("float64"), "joint": dep["joint"].astype("boolean"),
                      "inflow_12m": dep["inflow_12m"].astype("float64"),
                      "last_txn_date": dep["last_txn_date"].astype("datetime64[ns]")})
    pos = pd.Series(range(len(dep)), index=dep.index)  # accounts as positions (link_accounts gives index labels)
    prm = pd.DataFrame({"stale": [as_of - pd.DateOffset(months=12)],
                        "since": [as_of - pd.DateOffset(months=int(p.activity_months))]}).astype("datetime64[ns]")
    return {"dep": x, "prm": prm,
            "own": pd.DataFrame({"key": own["key"].astype("string"), "acct": pos[own["acct"]].to_numpy()}),
            "guar": pd.DataFrame({"key": guar["key"].astype("string"), "acct": pos[guar["acct"]].to_numpy(),
                                  "in_period": guar["in_period"].astype(bool).to_numpy()}),
            "bor": pd.DataFrame({"key": a["bor"].index.astype("string")})}


_MONEY = ["dep_avail", "inflow_12m", "frozen_amt", "pension_amt", "guar_avail"]


def _norm(f: pd.DataFrame) -> pd.DataFrame:
    f = f.reset_index(drop=True).copy()
    f["key"] = f["key"].astype(object)
    f["n_accounts"] = f["n_accounts"].astype("int64")
    f["funds_unknown"] = f["funds_unknown"].astype(bool)
    f["has_txn"] = f["has_txn"].astype(object).where(f["has_txn"].notna(), None)
    for c in _MONEY:
        f[c] = f[c].astype("float64")
    return f


def _bankxl(call: Call) -> pd.DataFrame:
    out = call.result[0]
    f = out[["n_accounts", *_MONEY, "funds_unknown", "has_txn"]].copy()
    f.insert(0, "key", out.index.to_numpy(dtype=object))
    return _norm(f)


REF = CoreRef(code="R1", target="bankxl.scenarios.risk.npl_capacity:coverage",
              what="借款人 可用存款/近12月入账/冻结/养老金 + 保证人可用存款, 未知, 近期有交易 (bankxl: incl. the account "
                   "matching)", sql=_sql, inputs=_inputs, bankxl=_bankxl, duckdb=lambda res, call: _norm(res),
              keys=["key"], money=_MONEY)
