"""Breaker finding: ``bankxl run D2 -i a.csv b.csv -o r.xlsx`` (several files after one -i) ended in argparse's
English-only 'unrecognized arguments: b.csv' (SystemExit 2, usage line). Now one Chinese + English paragraph naming
the extra word(s) and the two ways to give several inputs (repeat -i / a folder), exit 2, nothing read or written."""
from __future__ import annotations

import pytest

from bankxl.cli import main


def _run(args, capsys):
    rc = main(args)
    return rc, capsys.readouterr().err


@pytest.mark.parametrize("scenario", ["D2", "all"])
def test_several_files_after_one_i(tmp_path, capsys, scenario):
    a, b, c = (tmp_path / n for n in ("客户.csv", "交易流水.csv", "贷款.csv"))
    for f in (a, b, c):
        f.write_text("x\n", encoding="utf-8")
    out = tmp_path / ("r.xlsx" if scenario == "D2" else "out")
    rc, err = _run(["run", scenario, "-i", str(a), str(b), str(c), "-o", str(out)], capsys)
    assert rc == 2
    assert f"多余的参数「{b}」「{c}」" in err
    assert "每个输入文件前写一次 -i" in err and f"(如 -i {a} -i {b} -i {c})" in err and "文件夹" in err
    assert f"Unexpected argument(s) {b} {c}" in err and "repeat -i for each input file" in err
    assert "usage:" not in err and "unrecognized arguments" not in err
    assert not out.exists()


def test_other_argparse_errors_unchanged(capsys):
    """An unknown option is still argparse's own error (exit 2 via SystemExit, usage shown)."""
    with pytest.raises(SystemExit) as e:
        main(["run", "D2", "-i", "a.csv", "-o", "r.xlsx", "--bogus"])
    assert e.value.code == 2
    assert "unrecognized arguments: --bogus" in capsys.readouterr().err


def test_ctrl_c_is_one_line_and_exit_130(monkeypatch, capsys):
    """Ctrl-C during a run (KeyboardInterrupt out of the sub-command) ends with one Chinese + English line and exit
    130 (128 + SIGINT, what a shell reports), not a Python traceback (breaker finding: 20 lines, exit -2)."""
    from bankxl import cli

    def interrupted(args):
        raise KeyboardInterrupt

    parser = cli.build_parser()
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    parser.set_defaults(func=interrupted)
    for sub in parser._subparsers._group_actions[0].choices.values():
        sub.set_defaults(func=interrupted)
    assert cli.main(["list"]) == 130
    err = capsys.readouterr().err
    assert err.startswith("已中断 interrupted (Ctrl-C)") and "Traceback" not in err and err.count("\n") == 1
