"""D3 behaviour from 交易流水 (SCENARIOS.md D3 行为标签, 近 90 天; 沉睡 = 180 天无主动交易).

The flows are classified once by the shared rules (:func:`bankxl.rules.transactions.classify_transactions`
with D3's own parameters): reversals (冲正, both legs), card and loan repayments are not money leaving the
bank for good. Everything per customer is a groupby on the customer code; a customer the flows do not
cover is unknown (``<NA>``), never "no".
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ....rules.payroll import payroll_credits
from ....rules.transactions import (
    KIND_CARD, KIND_ONLINE_REPAY, KIND_OTHER_REPAY, KIND_OWN, KIND_REV, classify_transactions, flow_direction,
    has_pattern, is_own_bank)

#: flow kinds that are not a transfer of the customer's money away (repayments, reversals)
NOT_OUTFLOW = (KIND_REV, KIND_CARD, KIND_OTHER_REPAY, KIND_ONLINE_REPAY, KIND_OWN)
_KEY = ["cust_id", "ts", "dir", "amount", "cpty_name", "cpty_bank", "memo"]


@dataclass
class Flows:
    """Every usable flow (``df``: cust_id, ts, dir D/C, amount, cpty_name, cpty_bank, memo, text = name + memo,
    kind = the shared classifier's kind or <NA>), the first and last day the data hold (``start``, ``end``,
    NaT without flows), ``covered``: bool Series on the customers — the flows speak for the customer (it
    has flows, or the user said the table covers every customer)."""

    df: pd.DataFrame
    start: pd.Timestamp
    end: pd.Timestamp
    covered: pd.Series

    def reaches(self, day: pd.Timestamp) -> bool:
        """The flows reach back to ``day`` (their first day is on or before it)."""
        return pd.notna(self.start) and self.start <= day


def load_flows(txn: pd.DataFrame | None, ids: pd.Index, p, as_of: pd.Timestamp, names, problems) -> Flows | None:
    """The flows up to ``as_of`` with their kinds; None without a 交易流水 table. ``ids``: the customers
    judged. ``names``: cust_id -> 客户名称 (the classifier's 本人互转 rule). Row problems (a 借贷 value that is
    neither D nor C) go to ``problems`` through the classifier."""
    if txn is None:
        return None
    ts = pd.to_datetime(txn["txn_ts"], errors="coerce").dt.normalize()
    d = pd.DataFrame({
        "cust_id": txn["cust_id"].fillna(""), "ts": ts,
        "dir": flow_direction(txn["dc"]),
        "amount": pd.to_numeric(txn["amount"], errors="coerce").astype("float64").abs(),
        "cpty_name": txn["cpty_name"].fillna(""), "cpty_bank": txn["cpty_bank"].fillna(""),
        "memo": txn["memo"].fillna("")})
    d = d[d["ts"].notna() & (d["ts"] <= as_of) & d["dir"].notna() & d["cust_id"].ne("")]
    start, end = (d["ts"].min(), d["ts"].max()) if len(d) else (pd.NaT, pd.NaT)
    months = int((as_of - start).days // 28 + 2) if len(d) else 1
    det = classify_transactions(txn, p, as_of, names, problems=problems, months=months)
    kinds = det[_KEY + ["kind"]].drop_duplicates(_KEY)  # identical flows get identical kinds
    d = d.reset_index(drop=True)
    # only flows whose day and amount occur among the classified ones can match: the 7-column join (4 of them
    # text) runs on those, not on every flow; the others keep kind <NA>, as the left join gave them
    cand = (d["ts"].isin(kinds["ts"]) & d["amount"].isin(kinds["amount"])).to_numpy()
    hit = d.loc[cand, _KEY].reset_index().merge(kinds, on=_KEY, how="left")
    kind = pd.Series(pd.NA, index=d.index, dtype=kinds["kind"].dtype)
    kind.iloc[hit["index"].to_numpy()] = hit["kind"].to_numpy()
    d["kind"] = kind
    d["text"] = d["cpty_name"] + " " + d["memo"]
    covered = pd.Series(True, index=ids) if p.txn_covers_all else pd.Series(ids.isin(d["cust_id"]), index=ids)
    return Flows(d, start, end, covered)


def _per_customer(rows: pd.DataFrame, ids: pd.Index, col: str = "amount", how: str = "sum") -> pd.Series:
    return rows.groupby("cust_id")[col].agg(how).reindex(ids)


def _known(fl: Flows, day: pd.Timestamp) -> pd.Series:
    """Where a flag over flows since ``day`` is known: the customer is covered and the data reach ``day``."""
    return fl.covered & fl.reaches(day)


def dormant(fl: Flows | None, ids: pd.Index, as_of: pd.Timestamp, p) -> pd.Series:
    """沉睡: no active flow in (as_of − ``dormant_days``, as_of] — active = any flow except reversals (冲正) and
    passive ones (name/memo matching ``passive_memo``: 结息, 扣费 …). boolean Series on ``ids``; <NA> where
    the flows do not cover the customer or do not reach back ``dormant_days`` days."""
    if fl is None:
        return pd.Series(pd.NA, index=ids, dtype="boolean")
    start = as_of - pd.Timedelta(days=p.dormant_days)
    d = fl.df
    act = d[(d["ts"] > start) & (d["ts"] <= as_of) & d["kind"].ne(KIND_REV).fillna(True)
            & ~has_pattern(d["text"], p.passive_memo)]
    out = pd.Series(~ids.isin(act["cust_id"]), index=ids, dtype="boolean")
    return out.where(_known(fl, start + pd.Timedelta(days=1)), pd.NA)


def behaviour(fl: Flows | None, ids: pd.Index, as_of: pd.Timestamp, p, payroll_flag: pd.Series) -> pd.DataFrame:
    """The 近 ``behaviour_days`` 天 flags per customer (index ``ids``), <NA> where unknown:

    * big_out / big_out_amt / big_out_n — single outgoing flows ≥ ``big_transfer`` to a named bank that is not
      this bank (``own_bank``), repayments and reversals left out (:data:`NOT_OUTFLOW`); 本人互转 to the
      customer's own account elsewhere counts (the money leaves);
    * invest / invest_amt / invest_kinds — outgoing flows whose counterparty name or memo matches
      ``securities_memo`` (证券) / ``fund_memo`` (基金) / ``payment_memo`` (第三方支付), total ≥ ``invest_min``;
    * payroll_stop — a 代发 customer (``payroll_flag`` true, or a 代发 credit before the gap: the shared rule
      :func:`bankxl.rules.payroll.payroll_credits` with ``payroll_memo``, reversals left out) without such a
      credit in the last ``payroll_gap`` months.
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
    d = fl.df
    start = as_of - pd.Timedelta(days=p.behaviour_days)
    win = d[(d["ts"] > start) & (d["ts"] <= as_of)]
    known = _known(fl, start + pd.Timedelta(days=1))
    out_d = win[win["dir"].eq("D") & ~win["kind"].isin(NOT_OUTFLOW).fillna(False)]

    big = out_d[(out_d["amount"] >= p.big_transfer) & out_d["cpty_bank"].ne("")
                & ~is_own_bank(out_d["cpty_bank"], p)]
    n_big = _per_customer(big, ids, how="size").fillna(0)
    out["big_out"] = pd.Series(n_big > 0, dtype="boolean").where(known, pd.NA)
    out["big_out_amt"] = _per_customer(big, ids).fillna(0.0).where(known)
    out["big_out_n"] = n_big.astype("Int64").where(known, pd.NA)

    cats = {"证券": p.securities_memo, "基金": p.fund_memo, "第三方支付": p.payment_memo}
    hit = pd.DataFrame({k: has_pattern(out_d["text"], v) for k, v in cats.items()}, index=out_d.index)
    inv = out_d[hit.any(axis=1)]
    amt = _per_customer(inv, ids).fillna(0.0)
    kinds = pd.Series("", index=ids, dtype="string")
    for k in cats:  # three categories, not per customer
        has = ids.isin(out_d.loc[hit[k], "cust_id"])
        kinds = kinds.mask(has, kinds.where(kinds.eq(""), kinds + "、") + k)
    out["invest"] = pd.Series((amt >= p.invest_min) & (amt > 0), dtype="boolean").where(known, pd.NA)
    out["invest_amt"] = amt.where(known)
    out["invest_kinds"] = kinds.replace("", pd.NA).where(known, pd.NA)

    gap_start = as_of - pd.DateOffset(months=p.payroll_gap)
    flows = pd.DataFrame({"dc": d["dir"], "cpty_name": d["cpty_name"], "memo": d["memo"]})
    pay = d[payroll_credits(flows, p.payroll_memo) & d["kind"].ne(KIND_REV).fillna(True).to_numpy(dtype=bool)]
    recent = ids.isin(pay.loc[(pay["ts"] > gap_start) & (pay["ts"] <= as_of), "cust_id"])
    before = ids.isin(pay.loc[pay["ts"] <= gap_start, "cust_id"])
    is_payroll = pd.Series(before, index=ids) | payroll_flag.reindex(ids).fillna(False).astype(bool)
    stop = pd.Series(is_payroll & ~recent, index=ids, dtype="boolean")
    out["payroll_stop"] = stop.where(_known(fl, gap_start + pd.Timedelta(days=1)), pd.NA)
    return out
