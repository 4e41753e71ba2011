"""C8 他行客户挖掘 per person: the accounts of each person's latest credit report (already classified) summed per
person — 他行 / 本行 open accounts and balances (0 without an account, unknown when every balance is), 他行占比, the
target kinds' balance, other-bank loans maturing in the window (count, balance, first date), lenders of open loans,
近3月硬查询 (largest), the three-valued 当前逾期 / 24 月干净 / 连三累六 / 抵押 flags and the 他行 kind with the largest
balance (ties: the smallest name). bankxl: ``credit_report.compute.person_summary(acc, p, as_of)`` (groupbys on
integer person codes) as C8 calls it."""
from __future__ import annotations

import pandas as pd

from ..refs import Call, CoreRef


def _lit(s: str) -> str:
    return "'" + str(s).replace("'", "''") + "'"


def _any3(col: str) -> str:
    """True when a row is True, else unknown when a row is unknown, else False (as compute._any3)."""
    return f"CASE WHEN bool_or({col}) THEN true WHEN COUNT(*) > COUNT({col}) THEN NULL ELSE false END"


def _sql(call: Call) -> str:
    p = call.args[1]
    kinds = ", ".join(_lit(k) for k in p.target_kinds) or "NULL"
    secured = f"COALESCE(regexp_matches(guarantee, {_lit(p.collateral)}), false)" if p.collateral else "false"
    return f"""
WITH a AS (
    SELECT *, other AND open AS oth, own AND open AS own_o,
           other AND open AND NOT card AND maturity_date > (SELECT as_of FROM prm)
               AND maturity_date <= (SELECT wend FROM prm) AS win,
           other AND open AND NOT card AS coll, {secured} AS secured
    FROM acc),
mk AS (
    SELECT person, first(kind ORDER BY b DESC, kind) AS main_kind
    FROM (SELECT person, kind, SUM(COALESCE(balance, 0)) AS b FROM a WHERE oth GROUP BY person, kind)
    GROUP BY person),
g AS (
    SELECT person AS cust_id, MAX(report_date) AS report_date,
           COUNT(*) FILTER (WHERE oth) AS n_other, SUM(balance) FILTER (WHERE oth) AS s_other,
           COUNT(*) FILTER (WHERE own_o) AS n_own, SUM(balance) FILTER (WHERE own_o) AS s_own,
           SUM(balance) FILTER (WHERE oth AND kind IN ({kinds})) AS target_bal,
           COUNT(*) FILTER (WHERE win) AS n_window, SUM(balance) FILTER (WHERE win) AS window_bal,
           MIN(maturity_date) FILTER (WHERE win) AS first_maturity,
           COUNT(DISTINCT lender) FILTER (WHERE open AND NOT card AND lender IS NOT NULL) AS n_lenders,
           MAX(queries) AS queries,
           {_any3("bad_now")} AS bad_now, {_any3("NOT clean")} AS dirty, {_any3("streak")} AS streak,
           CASE WHEN COUNT(*) FILTER (WHERE coll) = 0 THEN false WHEN bool_or(secured) FILTER (WHERE coll) THEN true
                WHEN COUNT(guarantee) FILTER (WHERE coll) > 0 THEN false END AS collateral
    FROM a GROUP BY person)
SELECT cust_id, report_date, n_other, CASE WHEN n_other = 0 THEN 0 ELSE s_other END AS other_bal,
       n_own, CASE WHEN n_own = 0 THEN 0 ELSE s_own END AS own_bal,
       other_bal / CASE WHEN other_bal + own_bal > 0 THEN other_bal + own_bal END AS share,
       target_bal, n_window, window_bal, first_maturity, n_lenders, queries, bad_now,
       CASE WHEN dirty OR bad_now THEN false WHEN dirty IS NULL OR bad_now IS NULL THEN NULL ELSE true END AS clean,
       streak, collateral, mk.main_kind
FROM g LEFT JOIN mk ON mk.person = g.cust_id
"""


def _inputs(call: Call) -> dict[str, pd.DataFrame]:
    acc, p, as_of = call.args[:3]
    cols = ["person", "lender", "own", "other", "card", "kind", "open", "balance", "maturity_date", "guarantee",
            "bad_now", "queries", "report_date", "clean", "streak"]
    x = acc[cols].reset_index(drop=True).copy()
    for c in ("maturity_date", "report_date"):
        x[c] = pd.to_datetime(x[c]).astype("datetime64[ns]")
    prm = pd.DataFrame({"as_of": [pd.Timestamp(as_of)], "wend": [as_of + pd.DateOffset(months=p.window_months)]})
    return {"acc": x, "prm": prm.astype("datetime64[ns]")}


_BOOL = ("bad_now", "clean", "streak", "collateral")
_INT = ("n_other", "n_own", "n_window", "n_lenders")


def _norm(f: pd.DataFrame) -> pd.DataFrame:
    f = f.reset_index(drop=True).copy()
    for c in ("cust_id", "main_kind", *_BOOL):
        f[c] = f[c].astype(object).where(f[c].notna(), None)
    for c in _INT:
        f[c] = f[c].astype("int64")
    for c in ("report_date", "first_maturity"):
        f[c] = pd.to_datetime(f[c]).astype("datetime64[ns]")
    for c in ("other_bal", "own_bal", "share", "target_bal", "window_bal", "queries"):
        f[c] = f[c].astype("float64")
    return f


REF = CoreRef(code="C8", target="bankxl.scenarios.credit.credit_report:person_summary",
              what="征信账户 → 每人 他行/本行 笔数与余额, 占比, 窗口内到期, 机构数, 查询, 逾期/干净/连三累六/抵押, 主要品种",
              sql=_sql, inputs=_inputs, bankxl=lambda call: _norm(call.result.reset_index()),
              duckdb=lambda res, call: _norm(res), keys=["cust_id"],
              money=["other_bal", "own_bal", "share", "target_bal", "window_bal"])
