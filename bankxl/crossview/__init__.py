"""Cross-scenario views (issue 18): ``bankxl run all``, the 客户画像 customer view and the 营销任务清单.

Layer (DESIGN.md): beside the runner, above the scenarios — it runs every registered scenario through the one
runner (:func:`bankxl.runner.prepare` with one shared load) and reads only what the kit puts on every report:
the §6 tag table (``Table.role == "tags"``) and the §6 lists (``role == "list"``; :class:`bankxl.lists.ListTable`
adds level order, amount and the ``risk_only`` flag). It never imports a scenario module; scenarios and the
shared rules never import it.

* :mod:`.runall` — :func:`run_all`: load each table once, run what can run, say what was skipped and why.
* :mod:`.profile` — :func:`build_profile`: the 客户画像 workbook (long and wide tags, per-branch counts, pairs).
* :mod:`.tasks` — :func:`build_tasks`: one row per customer on any list, one owning manager, combined priority.
* :mod:`.params` — :class:`CrossParams`, the parameters of the two views (checked before any load).
"""
from __future__ import annotations

from .params import CrossParams
from .runall import RunAllResult, ScenarioRun, run_all

__all__ = ["CrossParams", "RunAllResult", "ScenarioRun", "run_all"]
