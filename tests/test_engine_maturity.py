"""D2 到期结构 through bankxl.engine (query ``maturity_structure``) equals the pandas computation it replaced.

The oracle below is D2's pandas code as it was before the engine (aggregate.structure_tables and _metrics at
commit f990be3): per level a groupby with ``nunique`` of the customer key, rows placed per org. It is the
independent second method here, not a product path. DuckDB (the default engine) and Spark (local, marked
``spark``) must both give its tables: exact for 笔数 and 去重客户数, to the cent for 金额.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bankxl import engine
from bankxl.runner import execute
from bankxl.sample import make_sample_bank
from bankxl.scenario import RunContext
from bankxl.scenarios.deposit.maturity.aggregate import structure_tables, total_label
from bankxl.scenarios.deposit.maturity.labels import P_LATER, P_OVERDUE, P_TODAY, month_periods
from bankxl.scenarios.deposit.maturity.params import MaturityParams
from bankxl.scenarios.deposit.maturity.prepare import customer_info, org_hierarchy, prepare
from engine_spark import spark  # noqa: F401  (session-scoped fixture: one Spark session for all tests)

AS_OF = "2026-11-30"


# ------------------------------------------------------------------ the pandas oracle (D2 before the engine)
def _metrics(d: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    if not keys:
        return pd.DataFrame({"amount": [float(d["balance"].sum())], "count": [len(d)],
                             "customers": [int(d["ckey"].nunique())]})
    g = d.groupby(keys, sort=True, observed=True, dropna=False)
    return pd.DataFrame({"amount": g["balance"].sum(), "count": g.size(), "customers": g["ckey"].nunique()})


def oracle_structure_tables(d, periods, has_branch, ctx, total):
    levels = [(total, "_all", "_all_name")]
    d = d.assign(_all=total, _all_name=total)
    if has_branch:
        levels.append(("分行", "branch_id", "branch"))
    levels.append(("支行/网点" if has_branch else "网点", "outlet_id", "outlet"))
    per = {key: (_metrics(d, [key, "period"]), _metrics(d, [key])) for _, key, _ in levels}
    order = [(total, "_all", total, total)]
    if has_branch:
        branches = d[["branch_id", "branch"]].drop_duplicates().sort_values("branch_id")
        placed = d[["branch_id", "outlet_id", "outlet"]].drop_duplicates()
        for bid, bname in branches.itertuples(index=False):
            order.append(("分行", "branch_id", bid, bname))
            outs = placed.loc[placed["branch_id"] == bid, ["outlet_id", "outlet"]].sort_values("outlet_id")
            for oid, oname in outs.itertuples(index=False):
                order.append(("支行/网点", "outlet_id_in_" + bid, oid, "　　" + str(oname)))
        per_out = (_metrics(d, ["branch_id", "outlet_id", "period"]), _metrics(d, ["branch_id", "outlet_id"]))
    else:
        outs = d[["outlet_id", "outlet"]].drop_duplicates().sort_values("outlet_id")
        for oid, oname in outs.itertuples(index=False):
            order.append(("网点", "outlet_id", oid, "　　" + str(oname)))
    result = {}
    for metric in ("amount", "count", "customers"):
        rows = []
        for level, key, kval, kname in order:
            if key.startswith("outlet_id_in_"):
                bid = key[len("outlet_id_in_"):]
                by_p, tot = per_out
                sel_p = by_p.xs((bid, kval), level=(0, 1)) if (bid, kval) in tot.index else None
                tv = tot.loc[(bid, kval), metric] if (bid, kval) in tot.index else 0
            else:
                by_p, tot = per[key]
                sel_p = by_p.xs(kval, level=0) if kval in tot.index else None
                tv = tot.loc[kval, metric] if kval in tot.index else 0
            vals = {p: (sel_p[metric].get(p, 0) if sel_p is not None else 0) for p in periods}
            rows.append({"层级": level, "机构号": "" if key == "_all" else kval, "机构名称": kname, **vals, "合计": tv})
        f = pd.DataFrame(rows, columns=["层级", "机构号", "机构名称", *periods, "合计"])
        num = [*periods, "合计"]
        f[num] = ctx.money(f[num].astype("float64")) if metric == "amount" else f[num].astype("int64")
        result[metric] = f
    return result


# ------------------------------------------------------------------ inputs: D2's prepared detail
def prepared(tables: dict):
    """D2's detail as run() hands it to structure_tables: (d, periods, has_branch, ctx, total label)."""
    params = MaturityParams()
    ctx = RunContext(as_of=pd.Timestamp(AS_OF))
    d, _ = prepare(tables["time_deposits"], params, ctx)
    orgs = tables.get("orgs")
    hier, has_branch, _ = org_hierarchy(d["org_id"], orgs, ctx, d["excel_row"])
    d = pd.concat([d, hier], axis=1)
    info, _ = customer_info(d, tables.get("customers"))
    d = d.assign(ckey=info["ckey"], cust=info["cust"])
    periods = [P_OVERDUE, P_TODAY, *month_periods(ctx.as_of, params.months_ahead), P_LATER]
    return d, periods, has_branch, ctx, total_label(d["outlet_id"], orgs)


def conformed(customers: int, orgs: bool = True) -> dict:
    """The sample bank's D2 tables as the runner conforms them (via execute's own conform step)."""
    from bankxl.conform import conform
    bank = make_sample_bank(customers=customers, seed=1, as_of=AS_OF)
    names = ("time_deposits", "orgs", "customers") if orgs else ("time_deposits",)
    return {k: conform(k, bank[k], required=k == "time_deposits") for k in names}


def assert_same(got: dict, want: dict):
    """Equal tables: labels and counts exact, amounts to the cent (display unit 万元: 1e-6)."""
    assert set(got) == set(want) == {"amount", "count", "customers"}
    for metric in ("count", "customers"):
        pd.testing.assert_frame_equal(got[metric], want[metric], check_exact=True)
    pd.testing.assert_frame_equal(got["amount"], want["amount"], check_exact=False, rtol=0, atol=1e-6)


@pytest.fixture(scope="module")
def cases():
    """Sample bank at 3,000 customers with the 3-level 机构 table, without it, and a 2-level org table."""
    with_orgs = conformed(3000)
    two_level = dict(with_orgs)
    o = with_orgs["orgs"]
    root = o.loc[o["parent_id"].isna(), "org_id"].iloc[0]
    outlets = o[o["parent_id"].notna() & (o["parent_id"] != root)].copy()
    outlets["parent_id"] = root
    two_level["orgs"] = pd.concat([o[o["org_id"] == root], outlets], ignore_index=True)
    return {"3 levels": with_orgs, "no orgs": conformed(3000, orgs=False), "2 levels": two_level}


@pytest.mark.parametrize("case", ["3 levels", "no orgs", "2 levels"])
def test_duckdb_structure_equals_the_pandas_oracle(cases, case):
    d, periods, has_branch, ctx, top = prepared(cases[case])
    assert has_branch == (case == "3 levels")
    want = oracle_structure_tables(d, periods, has_branch, ctx, top)
    got = structure_tables(d, periods, has_branch, ctx, top)
    assert_same(got, want)
    # the oracle is not trivially equal to itself: the sample has several periods, orgs and shared customers
    c = want["customers"]
    assert len(c) > 10 and c["合计"].iloc[0] < c.loc[c["层级"] != c["层级"].iloc[0], "合计"].sum() + 1
    assert c["合计"].iloc[0] < want["count"]["合计"].iloc[0]  # distinct customers < deposits


def test_distinct_customers_by_hand():
    """Hand frame: customer 1 holds deposits in outlets O1 and O2 of branch B1 (2026-12 and 2027-01), customer 2
    one in O3 of B2 (2026-12, balance unknown = NaN: counts as a deposit, sums as 0 as pandas did). 全行
    2026-12: O1 + O3 = 2 deposits of 2 customers; 全行 合计: 3 deposits, 2 customers; B1: 2 deposits but 1
    customer (not 1 + 1); amount 全行 = B1 = 100 + 250 = 350 元 (display scale 1 = 元)."""
    d = pd.DataFrame({
        "branch_id": ["B1", "B1", "B2"], "branch": ["北", "北", "南"], "outlet_id": ["O1", "O2", "O3"],
        "outlet": ["一", "二", "三"], "period": ["2026-12", "2027-01", "2026-12"],
        "balance": [100.0, 250.0, np.nan], "ckey": [1, 1, 2]}).astype(
        {"branch_id": "string", "branch": "string", "outlet_id": "string", "outlet": "string",
         "period": "string", "ckey": "Int64"})
    ctx = RunContext(as_of=pd.Timestamp(AS_OF), scale=1)
    st = structure_tables(d, ["2026-12", "2027-01"], True, ctx, "全行")
    c, n, a = st["customers"], st["count"], st["amount"]
    assert c["机构号"].tolist() == ["", "B1", "O1", "O2", "B2", "O3"]
    assert c["机构名称"].tolist() == ["全行", "北", "　　一", "　　二", "南", "　　三"]
    assert c["合计"].tolist() == [2, 1, 1, 1, 1, 1] and c["2026-12"].tolist() == [2, 1, 1, 0, 1, 1]
    assert n["合计"].tolist() == [3, 2, 1, 1, 1, 1] and n["2026-12"].tolist() == [2, 1, 1, 0, 1, 1]
    assert a["合计"].tolist() == [350.0, 350.0, 100.0, 250.0, 0.0, 0.0]
    assert a["2027-01"].tolist() == [250.0, 250.0, 0.0, 250.0, 0.0, 0.0]


def test_d2_report_structure_equals_the_oracle_end_to_end():
    """Through the runner: D2's three 到期结构 tables equal the oracle on the same prepared detail."""
    tables = conformed(2000)
    report = execute("deposit.maturity", tables, as_of=AS_OF)
    d, periods, has_branch, ctx, top = prepared(tables)
    want = oracle_structure_tables(d, periods, has_branch, ctx, top)
    got = {m: report.tables()[f"maturity_{m}"].df for m in ("amount", "count", "customers")}
    assert_same(got, want)


@pytest.mark.spark
def test_spark_structure_equals_the_pandas_oracle(spark, cases):  # noqa: F811
    """The same query, transpiled by sqlglot, on Spark local: D2's tables equal the oracle (3 levels and none)."""
    for case in ("3 levels", "no orgs"):
        d, periods, has_branch, ctx, top = prepared(cases[case])
        want = oracle_structure_tables(d, periods, has_branch, ctx, top)
        engine.set_default_engine(engine.SparkEngine(spark))
        try:
            got = structure_tables(d, periods, has_branch, ctx, top)
        finally:
            engine.set_default_engine(None)
        assert_same(got, want)


@pytest.mark.spark
def test_spark_and_duckdb_give_the_same_long_result(spark, cases):  # noqa: F811
    """engine.run itself: same rows, levels, keys and dtypes on both engines (money to the cent)."""
    d = prepared(cases["3 levels"])[0]
    a = engine.run("maturity_structure", {"deposits": d})
    b = engine.run("maturity_structure", {"deposits": d}, engine=engine.SparkEngine(spark))
    assert a.dtypes.to_dict() == b.dtypes.to_dict()
    pd.testing.assert_frame_equal(a.drop(columns="amount"), b.drop(columns="amount"), check_exact=True)
    assert np.allclose(a["amount"], b["amount"], rtol=0, atol=0.005)
    assert sorted(a["level"].unique()) == [0, 1, 2, 3, 6, 7]
    assert a.loc[a["level"] >= 2, "outlet"].isna().all() and a.loc[a["level"] <= 3, "branch"].notna().all()
