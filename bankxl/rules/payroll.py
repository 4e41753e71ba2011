"""代发 (payroll) credits in 交易流水: one definition for D3 (代发中断), C1 (收入稳定: 代发连续月数) and C10 (代发月均
income, ④ 关系).

A transaction is a **代发 credit** when its 借贷 is C (money in: the 借贷 words of
:func:`bankxl.rules.transactions.dc_words`) and its 对手户名 + ' ' + 摘要 (``cpty_name`` / ``memo``, a blank one read
as '') match the ``payroll_memo`` regular expression; an empty ``payroll_memo`` switches the rule off. The rule is
written ONCE, in the engines' SQL: ``bankxl/engine/queries/payroll_credit.rule.sql``, which the queries that apply it
call as ``PAYROLL_CREDIT(dir, text)`` (:func:`bankxl.engine.query.expand_rules`): ``customer_flows`` (D3),
``monthly_flows`` (C1), ``payroll_months`` (C10) — on DuckDB or Spark. Which flows count (the window, exclusions such
as 本人互转/冲正, blank amounts) is each query's. This module holds the rule's parameter: ``payroll_memo`` must mean
the same on every engine (:func:`bankxl.engine.regex.portable_regex`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..scenario import param
from .transactions import check_regex

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
        """``payroll_memo`` compiles as a regular expression that the engines read as Python does
        (:func:`bankxl.engine.regex.portable_regex`: the rule runs in SQL). Raises
        :class:`bankxl.errors.ParameterError`."""
        check_regex(self, "payroll_memo", portable=True)
