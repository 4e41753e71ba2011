"""One-line summaries of a built :class:`~bankxl.report.model.Report` (progress lines and the demo's table)."""
from __future__ import annotations

from typing import Any

from .model import Report


def report_sizes(report: Report) -> str:
    """``到期结构 57 行, 到期透视 透视表, …, 数据问题 0 条`` — rows per result sheet as the user will see them."""
    parts = []
    for sheet in report.sheets:
        if sheet.name in ("数据问题", "说明"):
            continue
        if any(type(b).__name__ == "PivotBlock" for b in sheet.blocks):
            parts.append(f"{sheet.name} 透视表")
            continue
        parts.append(f"{sheet.name} {sum(len(b.df) for b in sheet.blocks if hasattr(b, 'df'))} 行")
    parts.append(f"数据问题 {len(report.problems) if report.problems is not None else 0} 条")
    return ", ".join(parts)


def report_rows(dataset: str, spec: Any, report: Report, path: Any) -> list[dict]:
    """One summary row per sheet of a written report: 数据集, 场景 (``spec.code`` + title), 文件, 工作表, 行数."""
    return [{"数据集": dataset, "场景": f"{spec.code} {spec.title}", "文件": str(path), "工作表": s.name,
             "行数": sum(len(b.df) for b in s.blocks if hasattr(b, "df"))} for s in report.sheets]
