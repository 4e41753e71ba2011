"""``bankxl`` command line: list, sample, run, feedback, demo, addin.

Exit codes: 0 ok · 1 internal error · 2 bad input (DataValidationError / ParameterError / missing file).
Errors are one paragraph in Chinese followed by English; ``--debug`` shows the traceback.
"""
from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from . import __version__
from .errors import BankxlError

log = logging.getLogger("bankxl")


def _progress(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def cmd_list(args) -> int:
    """``bankxl list``: one line per registered scenario (id, code, group, title, inputs) and its summary; each
    input table by its Chinese name and its id (``定期存款明细 time_deposits``: the name a user's sheet or file
    is matched on, the id the Python API and ``--param`` use)."""
    from .scenario import registry
    from .tables import get_table

    def named(ids) -> str:
        return ", ".join(f"{get_table(t).zh} {t}" for t in ids)

    for s in registry().values():
        opt = f" [可选: {named(s.optional_inputs)}]" if s.optional_inputs else ""
        print(f"{s.id:28s} {s.code:4s} {s.group}  {s.title} — 输入: {named(s.inputs)}{opt}")
        if s.summary:
            print(f"{'':34s}{s.summary}")
    return 0


def cmd_sample(args) -> int:
    """``bankxl sample``: write the synthetic sample bank (workbooks, or one CSV per table with ``--csv``)
    to ``--out`` and print the paths."""
    from .sample import make_sample_bank, write_sample_workbooks

    t0 = time.perf_counter()
    tables = make_sample_bank(customers=args.customers, seed=args.seed, as_of=args.as_of)
    out = Path(args.out)
    if args.csv:
        out.mkdir(parents=True, exist_ok=True)
        paths = []
        for name, df in tables.items():
            p = out / f"{name}.csv"
            df.to_csv(p, index=False, encoding="utf-8-sig")
            paths.append(p)
    else:
        paths = write_sample_workbooks(tables, out)
    for p in paths:
        print(p)
    _progress(f"示例数据已生成 sample bank written: {args.customers} 客户, seed {args.seed}, "
              f"{time.perf_counter() - t0:.1f}s")
    return 0


def _parse_kv(items) -> dict:
    out = {}
    for it in items or []:
        if "=" not in it:
            raise BankxlError(f"参数格式应为 键=值: {it}", f"--param expects key=value, got {it!r}")
        k, v = it.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def cmd_run(args) -> int:
    """``bankxl run``: load ``--input`` files, run the scenario, write ``--out`` (one file per outlet with
    ``--by outlet``). Settings: explicit option > ``--params`` 通用 rows > data
    (:func:`bankxl.runner.merge_settings`); ``--param`` overrides ``--params`` scenario rows. ``--engine`` /
    ``--spark-master``: the engine of this run only (:func:`bankxl.engine.choice.engine_for`). Raises
    BankxlError (exit 2) for a missing input file, bad parameter, data problem, an unknown engine or a Spark
    that cannot start (no pyspark, no Java)."""
    from .runner import merge_settings, run_scenario
    from .scenario import get_scenario

    if args.scenario.strip().lower() == "all":
        return cmd_run_all(args)
    if args.by == "manager" or args.do_not_disturb or args.contacts or args.feedback:
        raise BankxlError("--by manager、--do-not-disturb、--contacts 与 --feedback 只用于 bankxl run all(营销任务清单)。",
                          "--by manager, --do-not-disturb, --contacts and --feedback are options of bankxl run all only.")
    if args.jobs is not None:  # one scenario runs in one process: refused, not silently ignored
        raise BankxlError(f"--jobs 只用于 bankxl run all(并行运行多个场景); bankxl run {args.scenario} 只运行一个场景, "
                          "请去掉 --jobs。",
                          f"--jobs is an option of bankxl run all only; bankxl run {args.scenario} runs one scenario.")
    spec = get_scenario(args.scenario)
    params, common = {}, {}
    if args.params:
        from .paramsheet import read_settings

        params, common = read_settings(args.params, spec)
    params.update(_parse_kv(args.param))
    # explicit option > 参数 table (--params) > data / default
    settings = merge_settings({"as_of": args.as_of, "scale": args.scale, "currency": args.currency,
                               "mask": False if args.no_mask else None,
                               "mask_accounts": False if args.no_mask_accounts else None}, common)
    # a folder stands for its data files, as in `run all` (the --out file or folder is never read as input)
    args.input = input_files(args.input, Path(args.out) if args.out else None)
    t0 = time.perf_counter()
    _progress(f"{spec.code} {spec.title}: {len(args.input)} 个输入文件 input file(s)")
    if args.by:
        from .split import run_by_outlet

        from .engine import using
        from .engine.choice import engine_for
        from .scenario import make_params

        make_params(spec.params, params)  # a typo in a parameter fails before a Spark session starts
        skipped: list = []
        with using(engine_for(args.engine, args.spark_master)):  # this run only
            paths = run_by_outlet(spec, args.input, Path(args.out), params=params, strict=args.strict,
                                  holidays=args.holidays, progress=_progress, skipped=skipped, **settings)
        for p in paths:
            print(p)
        _progress(f"完成 done: {len(paths)} 个文件, {time.perf_counter() - t0:.1f}s")
        if skipped:  # some outlets' data could not give a report: said per file above, exit 1 (as run all)
            _progress(f"未写 {len(skipped)} 个网点文件(原因见上): " + ", ".join(name for _o, name, _e in skipped)
                      + f"; {len(skipped)} outlet file(s) not written, see the reasons above.")
            return 1
        return 0
    res = run_scenario(spec, args.input, args.out, params=params, strict=args.strict, holidays=args.holidays,
                       progress=_progress, engine=args.engine, spark_master=args.spark_master, **settings)
    for k, v in res.inputs.items():
        if not v["rows"]:
            _progress(f"警告 warning: 输入表 {k}(文件 {Path(str(v['source'])).name}"
                      + (f" 工作表 {v['sheet']}" if v.get("sheet") else "")
                      + ") 没有数据行, 只有表头; 报告中相关内容为空。 input table has 0 data rows.")
    _progress(res.problems.summary_text())
    print(res.path)  # the report's path once, on stdout (scripts read it); the tables read: runner.read_line
    _progress(f"完成 done ({time.perf_counter() - t0:.1f}s)")
    return 0


#: files ``run all`` takes from an --input folder
INPUT_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv", ".txt", ".tsv", ".parquet")


def input_files(items, out: Path | None = None) -> list[Path]:
    """``--input`` items as files: a file as given, a folder as its data files (:data:`INPUT_SUFFIXES`, sorted by
    name, not recursive; Excel lock files ``~$…`` left out; the ``out`` file, or inside an ``out`` folder — the
    input folder may be the output folder: reports beside the data — left out only when it is a report bankxl
    wrote before, :func:`bankxl.report.xlsx.is_report`: any other file there is the user's data, listed, so that
    :func:`bankxl.runner.check_output` refuses to write over it). Raises BankxlError for a path that does not
    exist or a folder without data files."""
    from .report.xlsx import is_report

    files: list[Path] = []
    skip = out.resolve() if out is not None else None

    def wanted(f: Path) -> bool:
        if f.name.startswith("~$") or f.suffix.lower() not in INPUT_SUFFIXES or not f.is_file():
            return False
        if skip is None:
            return True
        r = f.resolve()
        return not ((r == skip or skip in r.parents) and is_report(r))

    for item in items:
        p = Path(item)
        if not p.exists():
            raise BankxlError(f"找不到输入文件或文件夹: {item}", f"Input file or folder not found: {item}")
        if p.is_dir():
            found = sorted(f for f in p.iterdir() if wanted(f))
            if not found:
                raise BankxlError(f"文件夹「{p}」中没有 .xlsx/.csv/.parquet 数据文件。",
                                  f"Folder {p} holds no .xlsx/.csv/.parquet files.")
            files.extend(found)
        else:
            files.append(p)
    return files


def cmd_run_all(args) -> int:
    """``bankxl run all``: every registered scenario whose required tables are in ``--input`` (files or folders),
    one load of each table, one report each plus 客户画像.xlsx and 营销任务清单.xlsx in the folder ``--out``
    (:func:`bankxl.crossview.run_all`). ``--param k=v`` sets a cross-view parameter, ``--param D3.k=v`` one
    scenario's. ``--jobs N``: processes running the scenarios after the load (default None: as many as cores and
    memory allow, :func:`bankxl.crossview.runall.resolve_jobs`; more than the cores is cut to the cores, with a
    line saying so). Exit code: 0 when at least one ran and none had an
    internal error, 1 internal error, 2 none ran."""
    from .crossview import run_all
    from .crossview.runall import scenario_overrides
    from .runner import merge_settings

    if args.params:
        raise BankxlError("bankxl run all 暂不读取 --params 参数文件; 请用 --param 键=值 或 --param 场景代码.键=值。",
                          "bankxl run all does not read --params yet; use --param key=value or --param CODE.key=value.")
    cross, per = scenario_overrides(_parse_kv(args.param))
    settings = merge_settings({"as_of": args.as_of, "scale": args.scale, "currency": args.currency,
                               "mask": False if args.no_mask else None,
                               "mask_accounts": False if args.no_mask_accounts else None}, {})
    out = Path(args.out)
    files = input_files(args.input, out)
    t0 = time.perf_counter()
    _progress(f"全部场景 run all: {len(files)} 个输入文件 input file(s)")
    if args.jobs is not None and args.jobs > 1:
        from .engine.duck import _cores

        cores = _cores()
        if args.jobs > cores:  # more processes than cores: no faster, each one more copy of the loaded tables
            _progress(f"--jobs {args.jobs} 多于本机可用的 {cores} 个 CPU 核, 改为 {cores} 个进程 "
                      f"(more processes than cores only add memory; using {cores}).")
            args.jobs = cores
    res = run_all(files, out, params=cross, scenario_params=per, strict=args.strict, holidays=args.holidays,
                  by=args.by, do_not_disturb=args.do_not_disturb, contacts=args.contacts, feedback=args.feedback,
                  progress=_progress, engine=args.engine, spark_master=args.spark_master, jobs=args.jobs,
                  **settings)
    ran = sum(r.status == "已运行" for r in res.runs)
    _progress(f"运行 {ran} 个场景, 跳过/出错 {len(res.runs) - ran} 个 (ran {ran}, not run {len(res.runs) - ran})")
    for p in res.paths:
        print(p)
    _progress(f"完成 done: {out} ({time.perf_counter() - t0:.1f}s), exit {res.exit_code}")
    return res.exit_code


def cmd_feedback(args) -> int:
    """``bankxl feedback --lists DIR --out FILE``: read the returned 营销任务清单 under DIR and write the 营销反馈
    report (:func:`bankxl.crossview.feedback.run_feedback`). Exit 0, or 2 for bad input."""
    from .crossview.feedback import run_feedback

    t0 = time.perf_counter()
    path, report = run_feedback(args.lists, args.out, params=_parse_kv(args.param), as_of=args.as_of,
                                mask=not args.no_mask)
    fb = report.meta["feedback"]
    _progress(f"反馈 feedback: {len(fb['matched']):,} 个任务, 未匹配 {len(fb['unmatched']):,} 行; "
              + report.problems.summary_text())
    print(path)
    _progress(f"完成 done: {path} ({time.perf_counter() - t0:.1f}s)")
    return 0


def cmd_demo(args) -> int:
    """``bankxl demo``: run every scenario on the sample bank (and public data under ``--data``) into ``--out``."""
    from .demo import run_demo

    run_demo(Path(args.out), data_dir=Path(args.data) if args.data else None, customers=args.customers,
             progress=_progress)
    return 0


def cmd_addin(args) -> int:
    """``bankxl addin build|install|uninstall|bundle``: delegated to :mod:`bankxl.xl.addin_cli`."""
    from .xl import addin_cli

    return addin_cli.main(args)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every sub-command (list, sample, run, demo, addin)."""
    p = argparse.ArgumentParser(prog="bankxl", description="银行数据应用场景 bank data-application scenarios")
    p.add_argument("--version", action="version", version=f"bankxl {__version__}")
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = p.add_subparsers(dest="cmd", required=True)

    sub.add_parser("list", help="列出场景 list scenarios").set_defaults(func=cmd_list)

    s = sub.add_parser("sample", help="生成示例银行数据 write the synthetic sample bank")
    s.add_argument("--customers", type=int, default=2000)
    s.add_argument("--seed", type=int, default=20261130)
    s.add_argument("--as-of", default="2026-11-30")
    s.add_argument("--out", default="workbooks")
    s.add_argument("--csv", action="store_true", help="write one CSV per table instead of workbooks")
    s.set_defaults(func=cmd_sample)

    r = sub.add_parser("run", help="运行一个场景(或 all: 全部能运行的场景) run one scenario, or all")
    r.add_argument("scenario", help="场景 id / 代码 / 名称, e.g. deposit.maturity or D2; all = 全部场景 + 客户画像 + 营销任务清单")
    r.add_argument("--input", "-i", action="append", required=True,
                   help="输入文件 .xlsx/.csv/.parquet 或其所在文件夹(一个场景与 all 都可以; 每个文件或文件夹前写一次 -i) "
                        "an input file or a folder of them, for one scenario and for all (repeat -i per item)")
    r.add_argument("--out", "-o", required=True, help="report .xlsx (a folder with --by outlet and with all)")
    r.add_argument("--param", "-p", action="append", help="key=value (repeatable)")
    r.add_argument("--params", help="parameter file (.xlsx 参数 sheet or .csv 参数,取值)")
    r.add_argument("--as-of", help="数据日期 YYYY-MM-DD")
    r.add_argument("--holidays", help="节假日表 holiday table file (日期, 是否工作日, 节假日名称)")
    r.add_argument("--by", choices=["outlet", "manager"],
                   help="one file per outlet with only its own rows; with all: one task list per outlet / manager")
    r.add_argument("--do-not-disturb", help="run all: 免打扰名单 file (客户号)")
    r.add_argument("--contacts", help="run all: 接触记录 file (客户号, 联系日期)")
    r.add_argument("--feedback", help="run all: 退回的营销任务清单所在文件夹; 拒绝的客户 N 天内不再列入(refusal_days)")
    r.add_argument("--strict", action="store_true", help="数据问题视为错误 row problems are fatal")
    r.add_argument("--scale", type=int, choices=[1, 10000], default=None,
                   help="金额展示单位 1=元 10000=万元 (默认: 参数表「金额单位」, 否则万元; 外币 10000 显示为 千, 如 千EUR)")
    r.add_argument("--currency", help="金额币种 ISO 4217, 如 EUR (默认: 参数表「币种」, 否则表头/数据中的币种, 否则 CNY); "
                                      "不做汇率折算")
    r.add_argument("--engine", metavar="{duckdb,spark}", default=None,
                   help="重计算(汇总/流水识别)的计算引擎: duckdb 本机(默认) 或 spark; 只对本次运行有效 "
                        "engine of the heavy aggregations for this run (default duckdb)")
    r.add_argument("--spark-master", metavar="URL",
                   help="--engine spark 的 Spark master, 如 local[2]、yarn、spark://host:7077 (默认: local[*]); "
                        "需要 pip install 'bankxl[spark]' 与 Java 17")
    r.add_argument("--jobs", "-j", type=int, default=None, metavar="N",
                   help="run all: 读入后用 N 个进程并行运行并写出各场景(默认: CPU 核数, 内存不够时减少; 1 = 依次运行; "
                        "多于 CPU 核数时按核数; 总是依次运行: Windows/macOS 上、--engine spark、以及交易流水或客户月度存款"
                        "经 DuckDB 读取时(Parquet 文件、200 MB 以上的 CSV、--engine duckdb)) processes running the "
                        "scenarios after the one load (default: the cores, fewer when memory is short; at most the cores); "
                        "one after the other on Windows/macOS, with --engine spark, and when 交易流水 or 客户月度存款 is "
                        "read through DuckDB (a Parquet file, a CSV of 200 MB or more, --engine duckdb)")
    r.add_argument("--no-mask", action="store_true", help="不脱敏 (需授权)")
    r.add_argument("--no-mask-accounts", action="store_true",
                   help="客户本人账号不脱敏 (证件/手机/姓名仍脱敏; 默认: 参数表「账号脱敏」, 否则脱敏)")
    r.set_defaults(func=cmd_run)

    f = sub.add_parser("feedback", help="汇总退回的营销任务清单 read returned task lists back: conversion report")
    f.add_argument("--lists", required=True, help="folder of returned 营销任务清单 .xlsx (sub-folders too)")
    f.add_argument("--out", "-o", required=True, help="report .xlsx")
    f.add_argument("--param", "-p", action="append", help="key=value, e.g. min_contacted=30")
    f.add_argument("--as-of", help="报告日期 YYYY-MM-DD (默认: 名单中最新的数据日期)")
    f.add_argument("--no-mask", action="store_true", help="不脱敏 (需授权)")
    f.set_defaults(func=cmd_feedback)

    d = sub.add_parser("demo", help="在示例银行和公开数据上运行全部场景 run every scenario on bundled data")
    d.add_argument("--out", default="demo_output")
    d.add_argument("--data", help="folder with public datasets (e.g. ../shared/data)")
    d.add_argument("--customers", type=int, default=2000)
    d.set_defaults(func=cmd_demo)

    a = sub.add_parser("addin", help="Excel 加载项 build/install/uninstall/bundle")
    a.add_argument("action", choices=["build", "install", "uninstall", "bundle"])
    a.add_argument("--out", help="output path")
    a.add_argument("--check", action="store_true", help="verify the built add-in")
    a.add_argument("--file", help="install: the .xlam to install (default: the built add-in)")
    a.set_defaults(func=cmd_addin)
    return p


def _extra_inputs_message(inputs: list[str], extra: list[str]) -> str:
    """Chinese + English for words left over after ``bankxl run``'s arguments — several files after one ``-i``
    (``-i a.csv b.csv``): argparse takes one path per ``-i``. Names the extra words and shows the user's own files
    with ``-i`` repeated, or a folder."""
    shown = " ".join(f"-i {x}" for x in [*inputs[-1:], *extra])
    return (f"多余的参数{''.join(f'「{x}」' for x in extra)}: 一个 -i/--input 只接一个文件或文件夹; 有几个输入文件时"
            f"每个输入文件前写一次 -i(如 {shown}), 或把它们放进一个文件夹, 用 -i 给出该文件夹。\n"
            f"Unexpected argument(s) {' '.join(extra)}: -i/--input takes one file or folder; repeat -i for each "
            f"input file ({shown}) or give a folder.")


def main(argv=None) -> int:
    """Entry point: parse ``argv`` and run the sub-command. Returns the exit code (0 ok, 2 bad input:
    BankxlError / KeyError / FileNotFoundError, 1 internal error); errors print one paragraph to stderr,
    ``--debug`` re-raises with the traceback."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:
        if getattr(args, "cmd", None) != "run" or any(x.startswith("-") for x in extra):
            parser.error("unrecognized arguments: " + " ".join(extra))  # argparse's own error, exit 2
        print(f"错误 error: {_extra_inputs_message(args.input or [], extra)}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args)
    except BankxlError as e:
        if args.debug:
            raise
        print(f"错误 error: {e}", file=sys.stderr)
        return 2
    except (KeyError, FileNotFoundError) as e:
        if args.debug:
            raise
        msg = e.args[0] if e.args else str(e)
        print(f"错误 error: {msg}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C: reports are written atomically, so none is half-written
        if args.debug:
            raise
        print("已中断 interrupted (Ctrl-C): 已写完的报告保留, 未写完的没有写出。 Reports already finished are kept; "
              "unfinished ones were not written.", file=sys.stderr)
        return 130
    except Exception as e:  # noqa: BLE001 — last resort: one paragraph, not a traceback
        if args.debug:
            raise
        print(f"内部错误 internal error: {type(e).__name__}: {e}\n请用 --debug 重新运行并报告问题。 "
              f"Re-run with --debug and report it.", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
