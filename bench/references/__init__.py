"""Core-aggregation references, one module per scenario (``bench/references/<code>.py`` defining ``REF``, a
:class:`bench.refs.CoreRef`). :func:`references` finds them; a scenario without a module has no reference yet
(listed by ``python -m bench.run`` and in RESULTS.md)."""
from __future__ import annotations

import importlib
import pkgutil


def references() -> dict:
    """{scenario code: CoreRef} of every module in this package."""
    out = {}
    for m in pkgutil.iter_modules(__path__):
        ref = importlib.import_module(f"{__name__}.{m.name}").REF
        out[ref.code] = ref
    return out
