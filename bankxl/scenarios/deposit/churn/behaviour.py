"""D3 behaviour from 交易流水 (SCENARIOS.md D3 行为标签, 近 90 天; 沉睡 = 180 天无主动交易).

The flows are classified once by the shared rules (:func:`bankxl.rules.transactions.classify_transactions`
with D3's own parameters): reversals (冲正, both legs), card and loan repayments are not money leaving the
bank for good. The per-customer aggregates (沉睡 windows, 大额转他行, 转证券/基金/支付, 代发入账) are one
engine query, ``customer_flows`` (bankxl/engine/queries/customer_flows.sql: DuckDB by default, Spark
unchanged); only one row per customer comes back. A customer the flows do not cover is unknown (``<NA>``),
never "no".
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ....engine import default_engine, load, usage
from ....engine.regex import portable_regex
from ....rules.transactions import (
    KIND_CARD, KIND_ONLINE_REPAY, KIND_OTHER_REPAY, KIND_OWN, KIND_REV, classify_transactions, dc_words)

#: flow kinds that are not a transfer of the customer's money away (repayments, reversals)
NOT_OUTFLOW = (KIND_REV, KIND_CARD, KIND_OTHER_REPAY, KIND_ONLINE_REPAY, KIND_OWN)
#: the engine query of the per-customer aggregates
QUERY = "customer_flows"
#: its regex parameters (made portable: bankxl.engine.regex)
REGEX_PARAMS = ("passive_memo", "own_bank", "securities_memo", "fund_memo", "payment_memo", "payroll_memo")
#: the 行为标签 转出 categories (中文 name -> the query's count column; regex securities_memo / fund_memo /
#: payment_memo), in the order 转出去向 lists them
INVEST = {"证券": "n_securities", "基金": "n_fund", "第三方支付": "n_payment"}


@dataclass
class Flows:
    """The flows' per-customer aggregates (``per``: the ``customer_flows`` query's result indexed by cust_id, one
    row per customer with a usable flow up to ``as_of``), the first and last day the data hold (``start``,
    ``end``, NaT without flows), ``covered``: bool Series on the customers — the flows speak for the customer
    (it has flows, or the user said the table covers every customer). ``as_of`` / ``prev_as_of``: the two
    days whose 沉睡 the aggregates hold."""

    per: pd.DataFrame
    start: pd.Timestamp
    end: pd.Timestamp
    covered: pd.Series
    as_of: pd.Timestamp
    prev_as_of: pd.Timestamp

    def reaches(self, day: pd.Timestamp) -> bool:
        """The flows reach back to ``day`` (their first day is on or before it)."""
        return pd.notna(self.start) and self.start <= day

    def col(self, name: str, ids: pd.Index) -> pd.Series:
        """Column ``name`` of the aggregates on ``ids`` (0 for a customer without flows)."""
        return self.per[name].reindex(ids).fillna(0)


def load_flows(txn: pd.DataFrame | None, ids: pd.Index, p, as_of: pd.Timestamp, prev_as_of: pd.Timestamp, names,
               problems, engine=None) -> Flows | None:
    """The per-customer flow aggregates up to ``as_of`` (query ``customer_flows``); None without a 交易流水
    table. ``txn``: a pandas frame, or a :class:`bankxl.engine.inputs.DuckTable` (read through DuckDB: its rows
    stay there; only 交易时间 comes to pandas, for the classifier's window, which starts before the first flow
    up to ``as_of``). ``ids``: the customers judged. ``prev_as_of``: the second day whose 沉睡 is judged (上月末).
    ``names``: cust_id -> 客户名称 (the classifier's 本人互转 rule). Row problems (a 借贷 value that is neither D
    nor C) go to ``problems`` through the classifier. ``engine``: None = the default engine of
    :mod:`bankxl.engine`. Raises ParameterError for a regex the engines would read differently."""
    if txn is None:
        return None
    eng = engine or default_engine()
    if hasattr(txn, "relation") and getattr(eng, "con", None) is not txn.con:
        txn = txn.to_pandas()  # read through DuckDB, run on another engine (Spark): the pandas loader's frame
    ts = pd.to_datetime(txn["txn_ts"], errors="coerce").dt.normalize()  # a DuckTable gives this one column
    first = ts[(ts <= as_of).to_numpy(dtype=bool)].min()  # the classifier's window holds every flow up to as_of
    months = int((as_of - first).days // 28 + 2) if pd.notna(first) else 1
    det = classify_transactions(txn, p, as_of, names, problems=problems, months=months, engine=eng)
    kinds = pd.DataFrame({"_i": np.arange(len(det), dtype="int64"),
                          **{c: det[c] for c in ("cust_id", "ts", "dir", "amount", "cpty_name", "cpty_bank", "memo")},
                          "reversal": det["kind"].eq(KIND_REV).astype("boolean"),
                          "not_out": det["kind"].isin(NOT_OUTFLOW).astype("boolean")})
    labels = {f.name: f.metadata.get("zh", f.name) for f in dataclasses.fields(p)}
    params = {name: portable_regex(getattr(p, name), name, labels.get(name)) for name in REGEX_PARAMS}
    params.update(as_of=as_of, dormant_start=as_of - pd.Timedelta(days=p.dormant_days), prev_as_of=prev_as_of,
                  prev_dormant_start=prev_as_of - pd.Timedelta(days=p.dormant_days),
                  behaviour_start=as_of - pd.Timedelta(days=p.behaviour_days),
                  gap_start=as_of - pd.DateOffset(months=p.payroll_gap), big_transfer=float(p.big_transfer))
    src = txn.relation() if hasattr(txn, "relation") else txn  # a DuckTable's rows stay in DuckDB
    per = eng.run(load(QUERY), {"txn": src, "kinds": kinds, "dc_words": dc_words()}, params)
    usage.record("客户流水汇总(沉睡/大额转他行/转证券基金支付/代发入账)", eng, "交易流水", len(txn), len(per))
    per = per.set_index("cust_id")
    start, end = (per["first_day"].min(), per["last_day"].max()) if len(per) else (pd.NaT, pd.NaT)
    covered = pd.Series(True, index=ids) if p.txn_covers_all else pd.Series(ids.isin(per.index), index=ids)
    return Flows(per, start, end, covered, as_of, prev_as_of)


def _known(fl: Flows, day: pd.Timestamp) -> pd.Series:
    """Where a flag over flows since ``day`` is known: the customer is covered and the data reach ``day``."""
    return fl.covered & fl.reaches(day)


def dormant(fl: Flows | None, ids: pd.Index, as_of: pd.Timestamp, p) -> pd.Series:
    """沉睡: no active flow in (as_of − ``dormant_days``, as_of] — active = any flow except reversals (冲正) and
    passive ones (name/memo matching ``passive_memo``: 结息, 扣费 …). ``as_of``: ``fl.as_of`` or
    ``fl.prev_as_of`` (the days the aggregates hold; another day raises ValueError). boolean Series on
    ``ids``; <NA> where the flows do not cover the customer or do not reach back ``dormant_days`` days."""
    if fl is None:
        return pd.Series(pd.NA, index=ids, dtype="boolean")
    col = {fl.as_of: "active_now", fl.prev_as_of: "active_prev"}.get(as_of)
    if col is None:
        raise ValueError(f"dormant: the flows hold 沉睡 of {fl.as_of:%Y-%m-%d} and {fl.prev_as_of:%Y-%m-%d}, "
                         f"not {as_of:%Y-%m-%d}")
    start = as_of - pd.Timedelta(days=p.dormant_days)
    out = pd.Series(fl.col(col, ids).eq(0).to_numpy(), index=ids, dtype="boolean")
    return out.where(_known(fl, start + pd.Timedelta(days=1)), pd.NA)


def behaviour(fl: Flows | None, ids: pd.Index, as_of: pd.Timestamp, p, payroll_flag: pd.Series) -> pd.DataFrame:
    """The 近 ``behaviour_days`` 天 flags per customer (index ``ids``), <NA> where unknown:

    * big_out / big_out_amt / big_out_n — single outgoing flows ≥ ``big_transfer`` to a named bank that is not
      this bank (``own_bank``), repayments and reversals left out (:data:`NOT_OUTFLOW`); 本人互转 to the
      customer's own account elsewhere counts (the money leaves);
    * invest / invest_amt / invest_kinds — outgoing flows whose counterparty name or memo matches
      ``securities_memo`` (证券) / ``fund_memo`` (基金) / ``payment_memo`` (第三方支付), total ≥ ``invest_min``;
    * payroll_stop — a 代发 customer (``payroll_flag`` true, or a 代发 credit before the gap: the shared rule
      of :mod:`bankxl.rules.payroll` with ``payroll_memo``, in the query; reversals left out) without such a
      credit in the last ``payroll_gap`` months.

    ``fl``: :func:`load_flows` made for this ``as_of`` (its aggregates hold these windows).
    """
    out = pd.DataFrame(index=ids)
    if fl is None:
        for c in ("big_out", "invest", "payroll_stop"):
            out[c] = pd.Series(pd.NA, index=ids, dtype="boolean")
        for c in ("big_out_amt", "invest_amt"):
            out[c] = np.nan
        out["big_out_n"] = pd.Series(pd.NA, index=ids, dtype="Int64")
        out["invest_kinds"] = pd.Series(pd.NA, index=ids, dtype="string")
        return out
    if as_of != fl.as_of:
        raise ValueError(f"behaviour: the flows were aggregated for {fl.as_of:%Y-%m-%d}, not {as_of:%Y-%m-%d}")
    start = as_of - pd.Timedelta(days=p.behaviour_days)
    known = _known(fl, start + pd.Timedelta(days=1))

    n_big = fl.col("big_n", ids)
    out["big_out"] = pd.Series(n_big > 0, dtype="boolean").where(known, pd.NA)
    out["big_out_amt"] = fl.col("big_amt", ids).astype("float64").where(known)
    out["big_out_n"] = n_big.astype("Int64").where(known, pd.NA)

    amt = fl.col("invest_amt", ids).astype("float64")
    kinds = pd.Series("", index=ids, dtype="string")
    for k, col in INVEST.items():  # three categories, not per customer
        has = fl.col(col, ids).gt(0).to_numpy()
        kinds = kinds.mask(has, kinds.where(kinds.eq(""), kinds + "、") + k)
    out["invest"] = pd.Series((amt >= p.invest_min) & (amt > 0), dtype="boolean").where(known, pd.NA)
    out["invest_amt"] = amt.where(known)
    out["invest_kinds"] = kinds.replace("", pd.NA).where(known, pd.NA)

    gap_start = as_of - pd.DateOffset(months=p.payroll_gap)
    recent = fl.col("payroll_recent", ids).gt(0).to_numpy()
    before = fl.col("payroll_before", ids).gt(0).to_numpy()
    is_payroll = pd.Series(before, index=ids) | payroll_flag.reindex(ids).fillna(False).astype(bool)
    stop = pd.Series(is_payroll & ~recent, index=ids, dtype="boolean")
    out["payroll_stop"] = stop.where(_known(fl, gap_start + pd.Timedelta(days=1)), pd.NA)
    return out
