"""Shared rules: logic used by more than one scenario, each module with its own parameters (DESIGN.md layers).

* :mod:`bankxl.rules.transactions` — the flow classifier (网贷, 他行贷款, 信用卡还款, 本人互转, 冲正) and its
  :class:`~bankxl.rules.transactions.TransactionRuleParams`. A scenario that uses it derives its params
  dataclass from ``TransactionRuleParams`` (plain dataclass inheritance), so the rule's parameters appear on
  its 参数 sheet, in 说明 and in its rule-version hash, and it calls the rule with its own params. A scenario
  that needs only the exclusions (本人互转 to other banks: D4) derives from the smaller
  :class:`~bankxl.rules.transactions.SelfTransferParams` and calls ``classify_exclusions``.
* :mod:`bankxl.rules.identity` — customer identity: normalised IDs (15 → 18 digits, invalid never matched),
  one key order (证件号 → 客户号 → 姓名+手机号) to match customers across tables, conflicts listed.
* :mod:`bankxl.rules.holdings` — product holdings (C6, C2, C5): the customer × product matrix (True held /
  False not held / <NA> unknown) from 产品持有, the 客户 flags and running 贷款, and the running loans.

Rules import only the core (``bankxl.idcard``, ``bankxl.tables``, ``bankxl.errors``) and the frame helpers
(``bankxl.frames``; :mod:`~bankxl.rules.identity` none, as ``frames`` uses it); they never import a scenario.
"""
