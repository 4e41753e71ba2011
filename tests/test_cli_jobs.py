"""--jobs on the command line (fresh-user trial): ``bankxl run D2 --jobs 2`` was silently ignored — now refused
(exit 2, Chinese + English, nothing written); ``bankxl run all --jobs 8`` on a 2-core machine started 8 processes
without a word — now cut to the cores with a line saying so."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

import bankxl.crossview
from bankxl.cli import main


@pytest.fixture
def td_csv(tmp_path):
    p = tmp_path / "定期存款明细.csv"
    p.write_text("账号,客户号,机构号,余额,到期日,数据日期\nA1,C1,001,10000,2026-12-10,2026-11-30\n", encoding="utf-8")
    return p


def test_run_one_scenario_refuses_jobs(td_csv, tmp_path, capsys):
    out = tmp_path / "o.xlsx"
    assert main(["run", "D2", "-i", str(td_csv), "-o", str(out), "--jobs", "2"]) == 2
    err = capsys.readouterr().err
    assert "--jobs 只用于 bankxl run all" in err and "--jobs is an option of bankxl run all only" in err
    assert not out.exists()
    assert main(["run", "D2", "-i", str(td_csv), "-o", str(out)]) == 0 and out.exists()  # without it: runs


@pytest.fixture
def seen_jobs(monkeypatch):
    """bankxl.crossview.run_all replaced by a recorder of the ``jobs`` it is given; the machine has 2 cores."""
    seen = []

    def fake_run_all(files, out, **kw):
        seen.append(kw["jobs"])
        return SimpleNamespace(runs=[], paths=[], exit_code=0)

    monkeypatch.setattr(bankxl.crossview, "run_all", fake_run_all)
    monkeypatch.setattr("bankxl.engine.duck._cores", lambda: 2)
    return seen


@pytest.mark.parametrize(("given", "used", "said"), [(["--jobs", "8"], 2, True), (["-j", "2"], 2, False),
                                                     (["--jobs", "1"], 1, False), ([], None, False)])
def test_run_all_jobs_capped_at_the_cores(td_csv, tmp_path, capsys, seen_jobs, given, used, said):
    assert main(["run", "all", "-i", str(td_csv), "-o", str(tmp_path / "out"), *given]) == 0
    assert seen_jobs == [used]
    err = capsys.readouterr().err
    assert ("--jobs 8 多于本机可用的 2 个 CPU 核, 改为 2 个进程" in err) is said
