"""bankxl — 银行数据应用场景: bank data-application scenarios for Excel (xlwings) and the command line.

Layers (DESIGN.md, kept with SCENARIOS.md beside the repository in ``../shared/``; CONTRIBUTING.md in the
repository): core (tables, io, report, idcard, calendar, masking, sample, datasets) -> scenarios (one pure module
per scenario) -> runner -> front ends (``bankxl.cli``, ``bankxl.xl``).

Python entry points (README.md「在 Python 中运行」), the ones the CLI and the Excel ribbon call:

* :func:`run_scenario` (:mod:`bankxl.runner`) — files / a folder / ``{table: DataFrame}`` in, one report
  (.xlsx) out; returns a :class:`~bankxl.runner.RunResult` (report, path, problems, inputs).
* :func:`execute` (:mod:`bankxl.runner`) — typed canonical tables in, the finished
  :class:`~bankxl.report.Report` out (nothing written).
* :func:`run_all` (:mod:`bankxl.crossview`) — every scenario that can run, plus 客户画像 and 营销任务清单.
* :func:`registry` / :func:`get_scenario` (:mod:`bankxl.scenario`) — the registered scenarios (what
  ``bankxl list`` shows) and one by id, code or title.
* :func:`make_sample_bank` (:mod:`bankxl.sample`) — the synthetic sample bank (``{table id: DataFrame}``).

They are imported on first use (PEP 562), so ``import bankxl`` and the CLI's start stay light.
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

#: public name -> the module that defines it
_EXPORTS = {"run_scenario": "bankxl.runner", "execute": "bankxl.runner", "run_all": "bankxl.crossview",
            "registry": "bankxl.scenario", "get_scenario": "bankxl.scenario", "make_sample_bank": "bankxl.sample"}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    """The entry points of :data:`_EXPORTS`, imported from their module on first access."""
    if name in _EXPORTS:
        value = getattr(import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'bankxl' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
