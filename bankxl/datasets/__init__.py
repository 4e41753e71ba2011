"""Adapters for real public bank data -> bankxl's canonical tables (DESIGN.md layers: ``bankxl.datasets``).

* :func:`load_uci_bank_marketing` — UCI Bank Marketing (Portuguese retail bank, EUR; shipped in the package
  under CC BY 4.0, see ``bankxl/data/UCI_BANK_MARKETING_LICENSE.md``); mapping in :mod:`bankxl.datasets.uci`.
* :func:`load_berka` — Berka / PKDD'99 Financial (Czech bank 1993–1998, CZK; *not* shipped: no explicit
  licence; give its folder); mapping in :mod:`bankxl.datasets.berka`.
* :func:`load_german` — Statlog German Credit (1,000 applicants, DEM; *not* shipped; give its folder); mapping in
  :mod:`bankxl.datasets.german` (C10's admission rules on real distributions).
* :func:`demo_runs` — what ``bankxl demo`` runs on them: every registered scenario whose SPEC names the
  dataset in ``dataset_params`` (e.g. D4 and C6 on UCI, C3 and C9 on Berka, C10 on German), with those parameters.

Money stays in the data's own currency; reports are run with ``RunContext(currency=...)`` so every header
names EUR / CZK (never 元).
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from . import berka, german, uci
from .berka import load_berka
from .german import load_german
from .uci import load_uci_bank_marketing

__all__ = ["DATASETS", "demo_plan", "demo_runs", "load_berka", "load_german", "load_uci_bank_marketing"]

log = logging.getLogger(__name__)

#: the public datasets the adapters load, by the name a scenario's ``SPEC.dataset_params`` uses
DATASETS = ("UCI", "Berka", "German")


def demo_plan(dataset: str) -> list:
    """The registered scenarios ``bankxl demo`` runs on ``dataset`` (those whose ``SPEC.dataset_params``
    names it), in registry order."""
    from ..scenario import registry

    return [s for s in registry().values() if dataset in s.dataset_params]


def _run_one(dataset: str, spec, data: dict, meta: dict, out: Path, progress) -> list[dict]:
    from ..report.summary import report_rows, report_sizes
    from ..report.xlsx import report_file_name, write_report
    from ..runner import execute
    from ..scenario import RunContext

    missing = [t for t in spec.inputs if t not in data]
    if missing:
        progress(f"  - {spec.code} {spec.title}: {dataset} 数据缺少 {missing}, 跳过")
        return []
    tables = {t: data[t] for t in (*spec.inputs, *spec.optional_inputs) if t in data}
    inputs = {t: {"source": f"{data[t].attrs.get('source', '')} — {meta['name']}; {meta['citation']}",
                  "rows": len(data[t])} for t in tables}
    ctx = RunContext(as_of=meta["as_of"], currency=meta["currency"])
    ctx.notes.append(f"数据集: {meta['name']}; 币种 {meta['currency']}(未折算); 数据日期 {meta['as_of']:%Y-%m-%d}"
                     f"({meta['as_of_note']})。映射说明见 bankxl.datasets.{meta['module']}。")
    ctx.notes.extend(meta.get("notes", ()))  # what maps and what does not (a module's MAPPING_NOTES)
    params = dict(spec.dataset_params[dataset])  # thresholds in the data's currency, declared in SPEC
    try:
        report = execute(spec, tables, params, ctx=ctx, inputs=inputs)
    except Exception as e:  # a demo run must not stop the others; say what failed
        log.exception("demo run %s on %s failed", spec.id, dataset)
        progress(f"  ✗ {spec.code} {spec.title} ({dataset}): {type(e).__name__}: {e}")
        return []
    path = write_report(report, out / report_file_name(spec.code, spec.title, dataset))
    progress(f"  ✓ {spec.code} {spec.title} -> {path.name}  ({report_sizes(report)})")
    return report_rows(meta["label"], spec, report, path)


def _meta(label: str, module, as_of_note: str) -> dict:
    """What :func:`_run_one` says about a dataset, from its mapping module (:mod:`.uci`, :mod:`.berka`):
    label, name, citation, currency, as_of, module (short name) and ``as_of_note`` (how as_of was chosen)."""
    return {"label": label, "name": module.SOURCE_NAME, "citation": module.CITATION,
            "currency": module.CURRENCY, "as_of": module.AS_OF, "module": module.__name__.rsplit(".", 1)[-1],
            "as_of_note": as_of_note, "notes": tuple(getattr(module, "MAPPING_NOTES", ()))}


def _run_planned(dataset: str, data: dict, meta: dict, out: Path, progress: Callable[[str], None]) -> list[dict]:
    """Run every scenario of :func:`demo_plan` on ``dataset``; the rows of :func:`_run_one`, in plan order."""
    return [row for spec in demo_plan(dataset) for row in _run_one(dataset, spec, data, meta, out, progress)]


def demo_runs(out: Path, data_dir: Path | None, progress: Callable[[str], None] = print) -> list[dict]:
    """Run the real-data scenarios of :func:`demo_plan`, write ``UCI_<code>_<title>.xlsx`` /
    ``Berka_<code>_<title>.xlsx`` / ``German_<code>_<title>.xlsx`` into ``out`` and return one row per report sheet
    (数据集, 场景, 文件, 工作表, 行数). UCI always runs (shipped); Berka runs when ``data_dir`` (or its
    ``berka_pkdd99_financial`` subfolder) holds the Berka files, German Credit when it (or its
    ``uci_statlog_german_credit`` subfolder) holds german.data; else the progress says it is skipped."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rows: list[dict] = []
    progress("== 真实数据 UCI Bank Marketing (葡萄牙零售银行, EUR, 随包附带 CC BY 4.0) ==")
    data = load_uci_bank_marketing()
    progress(f"  输入: {len(data['customers']):,} 客户; 数据日期按 {uci.AS_OF:%Y-%m-%d}(末次营销月末)")
    meta = _meta("UCI Bank Marketing", uci, "数据不含年份; 按记录顺序为 2008-05 至 2010-11, 取末次营销月的月末")
    rows.extend(_run_planned("UCI", data, meta, out, progress))

    folder = berka.find_folder(data_dir)
    progress("== 真实数据 Berka PKDD'99 (捷克某银行, CZK) ==")
    if folder is None:
        where = "未指定 --data DIR" if data_dir is None else f"{data_dir} 中没有 {', '.join(berka.FILES)}"
        progress(f"  未找到 Berka 数据 ({where}), 跳过。Berka 没有明确许可, 不随包附带; "
                 "用 bankxl demo --data DIR 指向其所在文件夹。")
        return rows + _german_runs(out, data_dir, progress)
    data = load_berka(folder)
    progress(f"  输入: {folder} — {len(data['customers']):,} 客户, {len(data['loans']):,} 笔贷款, "
             f"{len(data['payment_orders']):,} 条代扣指令")
    meta = _meta("Berka PKDD'99", berka, "数据截至 1998 年 12 月")
    rows.extend(_run_planned("Berka", data, meta, out, progress))
    rows.extend(_german_runs(out, data_dir, progress))
    return rows


def _german_runs(out: Path, data_dir: Path | None, progress: Callable[[str], None]) -> list[dict]:
    """The scenarios planned on German Credit when ``data_dir`` (or its subfolder) holds german.data."""
    folder = german.find_folder(data_dir)
    progress("== 真实数据 Statlog German Credit (德国某银行贷款申请人, DEM) ==")
    if folder is None:
        progress(f"  未找到 {german.FILE}, 跳过; 用 bankxl demo --data DIR 指向其所在文件夹。")
        return []
    data = load_german(folder)
    progress(f"  输入: {folder} — {len(data['loans']):,} 笔贷款申请")
    meta = _meta("Statlog German Credit", german, "数据不含日期, 取 UCI Index 文件日期为名义数据日期")
    return _run_planned("German", data, meta, out, progress)
