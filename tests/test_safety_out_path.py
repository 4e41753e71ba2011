"""The output folder of ``run all`` is the folder the user named, resolved: ``in/../o2/../o3`` names ``o3`` and no
stray ``o2`` is created on the way (breaker finding: ``mkdir(parents=True)`` on the unresolved path made ``o2``)."""
from __future__ import annotations

import os

from test_runall import AS_OF, XA, bank, run_all


def test_dotdot_in_the_output_folder_makes_no_stray_folder(tmp_path, monkeypatch):
    (tmp_path / "in").mkdir()
    monkeypatch.chdir(tmp_path)
    res = run_all([bank()], os.path.join("in", "..", "o2", "..", "o3"), scenarios=[XA], as_of=AS_OF)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "o3"]  # no o2
    written = [p for p in (tmp_path / "o3").iterdir() if p.suffix == ".xlsx"]
    assert written and all(p.parent == tmp_path / "o3" for p in written)
    assert res is not None
