"""代发 (payroll) credits in 交易流水: one definition for C1 (收入稳定: 代发连续月数) and C10 (代发月均 income, ④ 关系).

A transaction is a **代发 credit** when its 借贷 is C (money in, :func:`bankxl.rules.transactions.flow_direction`)
and its 对手户名 or 摘要 (``cpty_name`` + ``memo``, either may be absent or blank) match the ``payroll_memo``
regular expression (:func:`bankxl.rules.transactions.has_pattern`). :func:`payroll_months` spreads them over a
(customer × calendar month) grid: the amounts (元) and whether the month holds one. Which rows count (the window,
exclusions such as 本人互转/冲正, blank amounts) is the using scenario's choice, passed as ``keep``. Vectorised
(numpy bincount on integer codes; no per-row or per-customer Python).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..scenario import param
from .transactions import check_regex, flow_direction, has_pattern

#: the default 代发关键词 of the rule (a scenario may declare its own default with :func:`payroll_memo_param`)
PAYROLL_MEMO = "代发|工资|薪|奖金"


def payroll_memo_param(default: str = PAYROLL_MEMO) -> Any:
    """The ``payroll_memo`` parameter (代发关键词, a regex) with ``default``: the rule's label and help everywhere."""
    return param(default, "代发关键词", None, "入账(借贷 C)的对手户名或摘要匹配该正则 → 代发入账", pattern=r"(?s).*\S.*")


@dataclass(frozen=True)
class PayrollParams:
    """Parameters of the 代发 rule. A scenario that uses the rule derives its params from this class (its field then
    shows on its 参数 sheet and changes its rule hash), may redeclare ``payroll_memo = payroll_memo_param(...)``
    with its own default, and calls :meth:`check` from its own."""

    payroll_memo: str = payroll_memo_param()

    def check(self) -> None:
        """``payroll_memo`` compiles as a regular expression. Raises :class:`bankxl.errors.ParameterError`."""
        check_regex(self, "payroll_memo")


def _text(txn: pd.DataFrame, col: str) -> pd.Series:
    if col not in txn.columns:
        return pd.Series("", index=txn.index, dtype="string")
    return txn[col].astype("string").fillna("")


def payroll_credits(txn: pd.DataFrame, pattern: str, direction: pd.Series | None = None) -> np.ndarray:
    """Bool array (positional, one per row of ``txn``): the row is a 代发 credit — 借贷 C and 对手户名 + 摘要 match
    ``pattern``. ``txn``: 交易流水 rows (dc; cpty_name and memo optional). A row with an unreadable 借贷 is not one.
    ``direction``: :func:`~bankxl.rules.transactions.flow_direction` of ``txn["dc"]`` when the caller has it."""
    if direction is None:
        direction = flow_direction(txn["dc"])
    credit = (direction == "C").fillna(False).to_numpy(dtype=bool)
    rows = txn[[c for c in ("cpty_name", "memo") if c in txn.columns]][credit]  # the text of the credits only
    out = credit.copy()
    out[credit] = has_pattern(_text(rows, "cpty_name") + " " + _text(rows, "memo"), pattern).to_numpy(dtype=bool)
    return out


def payroll_months(txn: pd.DataFrame, codes: np.ndarray, n: int, months: pd.PeriodIndex, pattern: str,
                   keep: np.ndarray | None = None, direction: pd.Series | None = None
                   ) -> tuple[np.ndarray, np.ndarray]:
    """The 代发 credits of ``txn`` per (customer, month).

    ``codes``: integer customer code per row of ``txn`` (0..n−1; −1 = none, left out); ``months``: the calendar
    months of the grid (consecutive, ``freq="M"``); a row whose 交易时间 falls outside them is left out;
    ``keep``: bool per row, the rows the scenario counts (default all); ``direction``: as for
    :func:`payroll_credits`. Returns (amount, present): two
    (n × len(months)) arrays — the 代发 amounts summed (元; a blank amount adds 0) and whether the month holds a
    代发 credit.
    """
    m = len(months)
    if not len(txn) or not m or not n:
        return np.zeros((n, m)), np.zeros((n, m), dtype=bool)
    ts = pd.to_datetime(txn["txn_ts"], errors="coerce")
    k = (ts.dt.year * 12 + ts.dt.month).to_numpy(dtype="float64") - (months[0].year * 12 + months[0].month)
    codes = np.asarray(codes)
    rows = payroll_credits(txn, pattern, direction) & (codes >= 0) & (k >= 0) & (k < m)  # NaN month: False
    if keep is not None:
        rows &= np.asarray(keep, dtype=bool)
    flat = codes[rows].astype(np.int64) * m + k[rows].astype(np.int64)
    amount = pd.to_numeric(txn["amount"], errors="coerce").astype("float64").fillna(0.0).to_numpy()[rows]
    total = np.bincount(flat, weights=amount, minlength=n * m).reshape(n, m)
    present = np.bincount(flat, minlength=n * m).reshape(n, m) > 0
    return total, present
