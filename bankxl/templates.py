"""Workbook templates users fill in Excel (``workbooks/*.xlsx``), built with XlsxWriter.

One public function per template (``build_<name>_template(path) -> Path``), sharing the helpers below
(:class:`_Styles`, :func:`_write_lines`, :func:`_formula`, :func:`_new_workbook`). Rules every template follows:

* only worksheet functions that exist in Excel 2010+ and LibreOffice 7.4 (:data:`ALLOWED_FUNCTIONS`; no
  XLOOKUP/LET/FILTER/dynamic arrays) — ``tests/test_templates.py`` enforces the list;
* every formula is written with its cached value computed in Python by the library's own functions, so
  the file reads right before any recalculation (previewers, Protected View, openpyxl ``data_only``);
* input cells are light yellow, formula cells grey; the 使用说明 sheet says what to fill in;
* fixed document dates, so a rebuilt template is byte-stable.

Templates: :func:`build_targets_template` (D5 存款目标分解模板), :func:`build_salary_template` (M1 员工工资可视化模板),
:func:`build_maturity_template` (D2 存款到期视图模板). ``python -m bankxl.templates [DIR]`` rebuilds all three
(default ``workbooks/``).
"""
from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter

#: worksheet functions a template formula may use (present in Excel 2010+ and LibreOffice 7.4)
ALLOWED_FUNCTIONS = frozenset({
    "SUM", "SUMIF", "SUMPRODUCT", "IF", "IFERROR", "AND", "OR", "NOT", "MAX", "MIN", "ROUND", "ABS",
    "COUNTA", "COUNT", "COUNTIF", "AVERAGE", "DATE", "YEAR", "MONTH", "DAY", "EOMONTH", "INDEX", "MATCH",
    "VLOOKUP", "TEXT", "LEN", "SUMIFS", "COUNTIFS", "LOOKUP", "EDATE",
})

TEMPLATE_DATE = _dt.datetime(2026, 1, 1)  # document created date: byte-stable rebuilds
FONT = "等线"


# ============================================================================ shared helpers
class _Styles:
    """The formats every template uses, created once per workbook."""

    def __init__(self, wb: xlsxwriter.Workbook):
        base = {"font_name": FONT, "font_size": 10, "valign": "vcenter"}

        def f(**kw):
            return wb.add_format({**base, **kw})

        self.title = f(bold=True, font_size=14, font_color="#1F4E78")
        self.subtitle = f(bold=True, font_size=11, font_color="#1F4E78")
        self.text = f()
        self.note = f(italic=True, font_color="#595959")
        self.header = f(bold=True, bg_color="#1F4E78", font_color="#FFFFFF", border=1, text_wrap=True,
                        align="center")
        self.label = f(bold=True, bg_color="#F2F2F2", border=1)
        inp = {"bg_color": "#FFF2CC", "border": 1, "border_color": "#BFBFBF"}
        calc = {"bg_color": "#EDEDED", "border": 1, "border_color": "#BFBFBF"}
        self.in_text = f(**inp, num_format="@")
        self.in_money = f(**inp, num_format="#,##0.00")
        self.in_int = f(**inp, num_format="#,##0")
        self.in_ratio = f(**inp, num_format="0.00")
        self.in_pct = f(**inp, num_format="0%")
        self.in_date = f(**inp, num_format="yyyy-mm-dd")
        self.in_general = f(**inp)
        self.calc_money = f(**calc, num_format="#,##0.00")
        self.calc_int = f(**calc, num_format="#,##0")
        self.calc_pct = f(**calc, num_format="0.00%")
        self.calc_text = f(**calc)
        self.total_label = f(bold=True, top=1, bottom=6)
        self.total_money = f(bold=True, top=1, bottom=6, num_format="#,##0.00", bg_color="#EDEDED")
        self.total_int = f(bold=True, top=1, bottom=6, num_format="#,##0", bg_color="#EDEDED")
        self.total_pct = f(bold=True, top=1, bottom=6, num_format="0.00%", bg_color="#EDEDED")
        self.bad = wb.add_format({"font_color": "#9C0006", "bg_color": "#FFC7CE"})
        self.good = wb.add_format({"font_color": "#006100", "bg_color": "#C6EFCE"})
        self.warn = wb.add_format({"font_color": "#9C5700", "bg_color": "#FFEB9C"})


def _new_workbook(path: Path, title: str) -> tuple[xlsxwriter.Workbook, _Styles]:
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
    wb.set_properties({"title": title, "company": "bankxl", "created": TEMPLATE_DATE,
                       "comments": "bankxl 模板; 黄色单元格填写, 灰色单元格为公式"})
    return wb, _Styles(wb)


def _write_lines(ws, row: int, lines: Sequence[str], fmt) -> int:
    for line in lines:
        ws.write_string(row, 0, line, fmt)
        row += 1
    return row


def _help_sheet(ws, title: str, width: float, lines: Sequence[str], st: _Styles, landscape: bool = True) -> None:
    """The 使用说明 sheet: ``title`` in A1, ``lines`` from A3 down in a column ``width`` wide, print setup."""
    ws.set_column(0, 0, width)
    ws.write_string(0, 0, title, st.title)
    _write_lines(ws, 2, lines, st.text)
    _print_setup(ws, landscape=landscape)


def _heading(ws, title: str, note: str, st: _Styles) -> None:
    """The top of a data sheet: ``title`` in A1, a one-line ``note`` in A2."""
    ws.write_string(0, 0, title, st.title)
    ws.write_string(1, 0, note, st.note)


def _header_row(ws, row: int, heads: Sequence[str], st: _Styles, height: float | None = None) -> None:
    """Column headers from A on 0-based ``row`` (row height ``height`` when given)."""
    for j, h in enumerate(heads):
        ws.write_string(row, j, h, st.header)
    if height is not None:
        ws.set_row(row, height)


def _column_widths(ws, widths: Sequence[float]) -> None:
    """Widths of the columns from A on, one per column."""
    for j, w in enumerate(widths):
        ws.set_column(j, j, w)


def _formula(ws, row: int, col: int, formula: str, fmt, value: Any) -> None:
    """Write a formula with its Python-computed cached value ('' for a blank result)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        value = ""
    ws.write_formula(row, col, formula, fmt, value)


def _print_setup(ws, landscape: bool = True) -> None:
    if landscape:
        ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.set_footer("&C内部资料 注意保密&R第 &P 页 / 共 &N 页")


def excel_round(x: float, digits: int = 0) -> float:
    """Excel's ROUND: half away from zero on the decimal value shown (Python's round() is half-to-even and
    works on the binary value, so round(2.675, 2) == 2.67 where Excel gives 2.68)."""
    from decimal import ROUND_HALF_UP, Decimal

    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return float("nan")
    q = Decimal(1).scaleb(-digits)
    return float(Decimal(repr(float(x))).quantize(q, rounding=ROUND_HALF_UP)) + 0.0


def formula_functions(formula: str) -> set[str]:
    """Worksheet function names used in a formula (text in double quotes ignored)."""
    body = re.sub(r'"[^"]*"', '""', formula)
    return {m.upper() for m in re.findall(r"([A-Za-z_][A-Za-z0-9_.]*)\s*\(", body)}


# ============================================================================ D5 存款目标分解模板
#: example outlets of the D5 template (万元, 人): org_id, name, 上年日均, 上年日均增量, 市场潜力, 人数,
#: 期内日均至今 (the template's S_d = this × d), 当前余额
TARGET_EXAMPLE = (
    ("010001", "城东支行", 120000.0, 8000.0, 30000.0, 18, 130500.0, 134000.0),
    ("010002", "城西支行", 95000.0, 5000.0, 22000.0, 15, 101000.0, 104500.0),
    ("010003", "高新区支行", 150000.0, 15000.0, 60000.0, 22, 167000.0, 172000.0),
    ("010004", "开发区支行", 60000.0, -2000.0, 15000.0, 10, 59000.0, 50000.0),
    ("010005", "滨江支行", 45000.0, 3000.0, 12000.0, 8, 47800.0, 51000.0),
    ("010006", "新城网点(新开业)", 0.0, 0.0, 25000.0, 6, 1500.0, 12000.0),
)
TARGET_EXAMPLE_PARAMS = {
    "target": 520000.0, "start": _dt.date(2026, 1, 1), "end": _dt.date(2026, 12, 31),
    "as_of": _dt.date(2026, 11, 20), "weights": (0.4, 0.3, 0.2, 0.1), "quarters": (0.40, 0.25, 0.20, 0.15),
    "factor": 2.0,
}
TARGET_ROWS = 30          # outlet rows on 分解 / 所需日均
TARGET_FIRST = 5          # 0-based row of the first outlet (Excel row 6)


def targets_template_values(outlets: Sequence[tuple] = TARGET_EXAMPLE, p: dict | None = None) -> dict:
    """The D5 template's computed values for ``outlets`` (same layout as :data:`TARGET_EXAMPLE`), by the
    library's functions: factor shares (``factor_shares``), ΔT_i = ROUND(ΔT × 综合占比, 0) in 万元 (the
    template's live formula; the exact largest remainder split is in the bankxl report), targets, N, d and
    R (``required_daily_balance``) and 可达性 (``reach_label``, the report's rule). Returns a dict of
    lists/scalars (keys used by the template writer and the tests)."""
    from .scenarios.deposit.targets import factor_shares, reach_label, required_daily_balance

    p = {**TARGET_EXAMPLE_PARAMS, **(p or {})}
    cols = ["org_id", "name", "prior_avg", "prior_increment", "potential", "staff_count", "avg_to_date", "current"]
    df = pd.DataFrame(list(outlets), columns=cols)
    weights = dict(zip(("prior_avg", "prior_increment", "potential", "staff_count"), p["weights"]))
    shares, eff = factor_shares(df, weights)
    base = df["prior_avg"].astype(float)
    bank_base = float(base.sum())
    delta = p["target"] - bank_base
    d_i = [excel_round(delta * s) for s in shares["combined"]]
    target_i = [b + d for b, d in zip(base, d_i)]
    quarters = [[excel_round(d * q) for q in p["quarters"]] for d in d_i]
    start, end, as_of = (pd.Timestamp(p[k]) for k in ("start", "end", "as_of"))
    n = (end - start).days + 1
    d = min(max((as_of - start).days + 1, 0), n)
    s_d = [a * d for a in df["avg_to_date"]]
    r = [required_daily_balance(t, n, s, d) for t, s in zip(target_i, s_d)]
    cur = list(df["current"])
    gap = [ri - c if d < n else None for ri, c in zip(r, cur)]
    reach = [reach_label(ri, c, t, n, d, True, p["factor"]) for ri, c, t in zip(r, cur, target_i)]
    return {"df": df, "shares": shares, "eff": eff, "base": list(base), "bank_base": bank_base,
            "delta": delta, "delta_i": d_i, "target_i": target_i, "quarters": quarters, "N": n, "d": d,
            "S_d": s_d, "R": r, "current": cur, "gap": gap, "reach": reach, "params": p}


def build_targets_template(path: str | Path) -> Path:
    """Write ``存款目标分解模板.xlsx`` (D5) to ``path`` and return the path.

    Sheets: 使用说明; 参数 (目标日均, 全行基期日均 and ΔT as formulas, 考核期起/止, 数据日期, weights,
    quarterly progress, 不可达倍数; each value has an Excel name such as ``P_Target``); 分解 (30 outlet rows:
    factors as inputs; shares, 综合占比, ΔT_i = ROUND(ΔT × 综合占比, 0), 目标日均 and the quarterly split as
    live formulas; 合计 and 取整差额 rows); 所需日均 (per outlet N, d, S_d, A*, R = IF(d>=N, S_d/N,
    (A*·N − S_d)/(N − d)), 当前余额, 缺口, 可达性; 基本不可达 in red). Money in 万元. Formulas carry
    cached values from :func:`targets_template_values`. Raises OSError when ``path`` is not writable.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    v = targets_template_values()
    p = v["params"]
    wb, st = _new_workbook(path, "存款目标分解模板")
    ws_help = wb.add_worksheet("使用说明")
    ws_par = wb.add_worksheet("参数")
    ws_dec = wb.add_worksheet("分解")
    ws_req = wb.add_worksheet("所需日均")
    first, last = TARGET_FIRST, TARGET_FIRST + TARGET_ROWS - 1
    r1, r2 = first + 1, last + 1  # Excel row numbers of the outlet block
    n_out = len(v["df"])

    # -- 使用说明 -------------------------------------------------------------------------------------
    _help_sheet(ws_help, "存款目标分解模板 (bankxl D5 存款营销指标分解)", 110, [
        "用途: 把全行存款日均目标分解到各支行/网点, 并计算每个机构剩余期间每天平均需要达到的余额(所需日均)。",
        "",
        "第 1 步 「参数」: 填写全行目标日均(万元)、考核期起止、数据日期(今天的数据截至日), 需要时调整四个因子权重、季度进度和不可达倍数。",
        "第 2 步 「分解」: 每行一个机构(最多 30 行), 黄色格填写 机构号、机构名称、上年日均、上年日均增量、市场潜力、人数;",
        "        基期日均默认等于上年日均(公式), 可直接覆盖填写。灰色格是公式, 自动算出各因子占比、综合占比、增量任务和目标日均。",
        "第 3 步 「所需日均」: 机构号与目标日均自动取自「分解」; 黄色格填写 累计余额 S_d(考核期初至数据日期每日余额之和, 万元·日)",
        "        和当前余额。期长 N、已过天数 d 默认按参数计算(按月跟踪时可直接改写为当月天数和当月已过天数, 并把目标日均改为",
        "        bankxl 报告「月度分解」中的本月日均目标: 每月都达到本月日均目标, 全年日均恰好达到目标日均)。",
        "",
        "计算口径(与 bankxl 报告一致):",
        "· 增量任务 ΔT = 全行目标日均 − 全行基期日均(默认为各机构基期日均之和)。",
        "· 机构增量 ΔT_i = ΔT × Σ 权重 × 因子占比; 因子占比中负值按 0; 某个因子全部为 0 时, 其权重按比例分给其余因子(参数表「有效权重」)。",
        "· 目标日均 = 基期日均 + ΔT_i; 季度增量 = ΔT_i × 季度进度。",
        "· 所需日均 R = (A*×N − S_d)/(N − d); d ≥ N(期已结束)时显示实际日均 S_d/N。缺口 = R − 当前余额。",
        "· 可达性(与 bankxl 报告同一规则): R ≤ 当前余额 → 当前余额已满足; 当前余额为空或 ≤ 0, 或 R > 不可达倍数 × 当前余额",
        "  → 基本不可达(红色); 其余 → 需提升; d ≥ N(期已结束) → 实际日均 ≥ 目标日均为 已达成, 否则 未达成(期已结束)。",
        "",
        "取整说明: 本模板的公式用 ROUND 取整到万元, 各机构之和可能与 ΔT 相差几万元(见「分解」表下方的取整差额)。",
        "          精确的最大余数法取整(合计恰等于 ΔT)以及月度分解、偏离度预警、进度图, 请用 bankxl 的「存款营销指标分解」功能生成报告。",
        "",
        "表内数据为示例, 请替换为本行数据。黄色 = 填写, 灰色 = 公式(请勿删除)。",
        "函数只用 Excel 2010 及以上与 WPS、LibreOffice 通用的函数(SUM、SUMIF、IF、MAX、MIN、ROUND、AND、OR)。",
    ], st, landscape=False)

    # -- 参数 -------------------------------------------------------------------------------------------
    _heading(ws_par, "参数", "黄色格可修改; 名称列是公式中使用的 Excel 名称。金额单位: 万元。", st)
    _header_row(ws_par, 2, ("参数", "取值", "单位", "名称", "说明"), st)
    _column_widths(ws_par, (28, 16, 8, 12, 64))
    dec_g = f"'分解'!$G${r1}:$G${r2}"
    rows: list[tuple] = [
        ("目标日均", "P_Target", "万元", ("num", p["target"], st.in_money), "全行考核期目标日均"),
        ("全行基期日均", "P_Base", "万元", ("f", f"=SUM({dec_g})", st.calc_money, v["bank_base"]),
         "默认 = 各机构基期日均之和(公式); 可改填全行基期"),
        ("增量任务 ΔT", "P_DeltaT", "万元", ("f", "=P_Target-P_Base", st.calc_money, v["delta"]), "目标日均 − 基期日均"),
        ("考核期起", "P_Start", "日期", ("date", p["start"], st.in_date), ""),
        ("考核期止", "P_End", "日期", ("date", p["end"], st.in_date), ""),
        ("数据日期", "P_AsOf", "日期", ("date", p["as_of"], st.in_date), "今天的数据截至日(累计余额统计到这一天)"),
    ]
    wnames = (("存量(上年日均)", "W_Stock", "C"), ("上年日均增量", "W_Incr", "D"), ("市场潜力", "W_Pot", "E"),
              ("人数", "W_Staff", "F"))
    for (zh, nm, _c), w in zip(wnames, p["weights"]):
        rows.append((f"权重-{zh}", nm, "比例", ("num", w, st.in_ratio), "四个权重按比例使用"))
    for q, w in enumerate(p["quarters"], 1):
        rows.append((f"{('一', '二', '三', '四')[q - 1]}季度增量进度", f"P_Q{q}", "比例", ("num", w, st.in_pct),
                     "开门红前置, 四个季度合计应为 100%"))
    rows.append(("不可达倍数", "P_Factor", "倍", ("num", p["factor"], st.in_ratio), "所需日均 > 倍数 × 当前余额 → 基本不可达"))
    # effective weights: a factor with no positive value anywhere gives its weight to the others
    ew_terms = []
    for zh, nm, c in wnames:
        ew_terms.append(f"IF(SUMIF('分解'!${c}${r1}:${c}${r2},\">0\")>0,{nm},0)")
    den = "+".join(ew_terms)
    for (zh, nm, c), term in zip(wnames, ew_terms):
        k = {"W_Stock": "prior_avg", "W_Incr": "prior_increment", "W_Pot": "potential", "W_Staff": "staff_count"}[nm]
        rows.append((f"有效权重-{zh}", "E" + nm, "比例",
                     ("f", f"=IF(({den})=0,0,{term}/({den}))", st.calc_pct, v["eff"][k]),
                     "公式: 该因子全部为 0 时为 0, 其权重按比例分给其余因子"))
    for i, (zh, nm, unit, cell, note) in enumerate(rows):
        r = 3 + i
        ws_par.write_string(r, 0, zh, st.label)
        kind = cell[0]
        if kind == "num":
            ws_par.write_number(r, 1, cell[1], cell[2])
        elif kind == "date":
            ws_par.write_datetime(r, 1, _dt.datetime.combine(cell[1], _dt.time()), cell[2])
        else:
            _formula(ws_par, r, 1, cell[1], cell[2], cell[3])
        ws_par.write_string(r, 2, unit, st.text)
        ws_par.write_string(r, 3, nm, st.text)
        ws_par.write_string(r, 4, note, st.text)
        wb.define_name(nm, f"='参数'!$B${r + 1}")
    _print_setup(ws_par, landscape=False)

    # -- 分解 -------------------------------------------------------------------------------------------
    _heading(ws_dec, "存款目标分解(万元)",
             "黄色格填写机构与因子; 灰色格为公式。取整: 本表用 ROUND 取整到万元, 合计可能与 ΔT 有几万元差额"
             "(见下方取整差额); 精确的最大余数法结果见 bankxl 报告。", st)
    ws_dec.write_string(2, 0, "增量任务 ΔT(万元):", st.label)
    _formula(ws_dec, 2, 2, "=P_DeltaT", st.calc_money, v["delta"])
    heads = ["机构号", "机构名称", "上年日均(万元)", "上年日均增量(万元)", "市场潜力(万元)", "人数", "基期日均(万元)",
             "存量占比", "增量占比", "潜力占比", "人数占比", "综合占比", "增量任务ΔT_i(万元)", "目标日均(万元)",
             "一季度增量(万元)", "二季度增量(万元)", "三季度增量(万元)", "四季度增量(万元)"]
    _header_row(ws_dec, first - 1, heads, st, height=32)
    widths = [10, 18, 14, 14, 14, 8, 14, 9, 9, 9, 9, 9, 14, 14, 12, 12, 12, 12]
    _column_widths(ws_dec, widths)
    share_cols = {"C": ("H", "prior_avg"), "D": ("I", "prior_increment"), "E": ("J", "potential"),
                  "F": ("K", "staff_count")}
    for i in range(TARGET_ROWS):
        r = first + i
        er = r + 1
        ex = i < n_out
        if ex:
            o = v["df"].iloc[i]
            ws_dec.write_string(r, 0, o["org_id"], st.in_text)
            ws_dec.write_string(r, 1, o["name"], st.in_text)
            ws_dec.write_number(r, 2, o["prior_avg"], st.in_money)
            ws_dec.write_number(r, 3, o["prior_increment"], st.in_money)
            ws_dec.write_number(r, 4, o["potential"], st.in_money)
            ws_dec.write_number(r, 5, int(o["staff_count"]), st.in_int)
        else:
            for j, f in enumerate((st.in_text, st.in_text, st.in_money, st.in_money, st.in_money, st.in_int)):
                ws_dec.write_blank(r, j, None, f)
        blank = f'$A{er}=""'
        _formula(ws_dec, r, 6, f'=IF({blank},"",C{er})', st.in_money, v["base"][i] if ex else "")
        for src, (dst, k) in share_cols.items():
            rng = f"{src}${r1}:{src}${r2}"
            _formula(ws_dec, r, ord(dst) - 65,
                     f'=IF({blank},"",IF(SUMIF({rng},">0")=0,0,MAX({src}{er},0)/SUMIF({rng},">0")))',
                     st.calc_pct, float(v["shares"][k].iloc[i]) if ex else "")
        _formula(ws_dec, r, 11, f'=IF({blank},"",EW_Stock*H{er}+EW_Incr*I{er}+EW_Pot*J{er}+EW_Staff*K{er})',
                 st.calc_pct, float(v["shares"]["combined"].iloc[i]) if ex else "")
        _formula(ws_dec, r, 12, f'=IF({blank},"",ROUND(P_DeltaT*L{er},0))', st.calc_money,
                 v["delta_i"][i] if ex else "")
        _formula(ws_dec, r, 13, f'=IF({blank},"",G{er}+M{er})', st.calc_money, v["target_i"][i] if ex else "")
        for q in range(4):
            _formula(ws_dec, r, 14 + q, f'=IF({blank},"",ROUND(M{er}*P_Q{q + 1},0))', st.calc_money,
                     v["quarters"][i][q] if ex else "")
    tr = last + 1
    ws_dec.write_string(tr, 0, "合计", st.total_label)
    ws_dec.write_blank(tr, 1, None, st.total_label)
    totals = {2: sum(v["df"]["prior_avg"]), 3: sum(v["df"]["prior_increment"]), 4: sum(v["df"]["potential"]),
              5: int(sum(v["df"]["staff_count"])), 6: sum(v["base"]),
              7: 1.0 if v["shares"]["prior_avg"].sum() else 0.0,
              8: 1.0 if v["shares"]["prior_increment"].sum() else 0.0,
              9: 1.0 if v["shares"]["potential"].sum() else 0.0, 10: 1.0 if v["shares"]["staff_count"].sum() else 0.0,
              11: float(v["shares"]["combined"].sum()), 12: sum(v["delta_i"]), 13: sum(v["target_i"])}
    for q in range(4):
        totals[14 + q] = sum(row[q] for row in v["quarters"])
    for j, val in totals.items():
        col = chr(65 + j)
        fmt = st.total_pct if 7 <= j <= 11 else (st.total_int if j == 5 else st.total_money)
        _formula(ws_dec, tr, j, f"=SUM({col}{r1}:{col}{r2})", fmt, val)
    ws_dec.write_string(tr + 1, 0, "取整差额 = ΔT − 增量任务合计(万元)", st.note)
    _formula(ws_dec, tr + 1, 12, f"=P_DeltaT-M{tr + 1}", st.calc_money, v["delta"] - sum(v["delta_i"]))
    ws_dec.freeze_panes(first, 2)
    ws_dec.autofilter(first - 1, 0, last, len(heads) - 1)
    _print_setup(ws_dec)

    # -- 所需日均 ---------------------------------------------------------------------------------------
    _heading(ws_req, "所需日均余额(万元)",
             "R = (A*×N − S_d)/(N − d): 剩余每天平均需要达到的余额; d ≥ N 时为实际日均。黄色格填写 S_d 与当前余额;"
             " N、d 默认按参数计算, 可改写。", st)
    ws_req.write_string(2, 0, "不可达倍数:", st.label)
    _formula(ws_req, 2, 2, "=P_Factor", st.calc_money, p["factor"])
    rheads = ["机构号", "机构名称", "期长N(天)", "已过d(天)", "累计余额S_d(万元·日)", "目标日均A*(万元)", "所需日均R(万元)",
              "当前余额(万元)", "缺口(万元)", "可达性"]
    _header_row(ws_req, first - 1, rheads, st, height=32)
    _column_widths(ws_req, (10, 18, 10, 10, 18, 16, 16, 14, 14, 16))
    for i in range(TARGET_ROWS):
        r = first + i
        er = r + 1
        ex = i < n_out
        blank = f'$A{er}=""'
        o = v["df"].iloc[i] if ex else None
        _formula(ws_req, r, 0, f"=IF('分解'!A{er}=\"\",\"\",'分解'!A{er})", st.calc_text, o["org_id"] if ex else "")
        _formula(ws_req, r, 1, f"=IF({blank},\"\",'分解'!B{er}&\"\")", st.calc_text, o["name"] if ex else "")
        _formula(ws_req, r, 2, f'=IF({blank},"",P_End-P_Start+1)', st.in_int, v["N"] if ex else "")
        _formula(ws_req, r, 3, f'=IF({blank},"",MIN(MAX(P_AsOf-P_Start+1,0),C{er}))', st.in_int,
                 v["d"] if ex else "")
        if ex:
            ws_req.write_number(r, 4, v["S_d"][i], st.in_money)
            ws_req.write_number(r, 7, v["current"][i], st.in_money)
        else:
            ws_req.write_blank(r, 4, None, st.in_money)
            ws_req.write_blank(r, 7, None, st.in_money)
        _formula(ws_req, r, 5, f"=IF({blank},\"\",'分解'!N{er})", st.calc_money, v["target_i"][i] if ex else "")
        _formula(ws_req, r, 6, f'=IF({blank},"",IF(D{er}>=C{er},E{er}/C{er},(F{er}*C{er}-E{er})/(C{er}-D{er})))',
                 st.calc_money, v["R"][i] if ex else "")
        _formula(ws_req, r, 8, f'=IF(OR({blank},D{er}>=C{er}),"",G{er}-H{er})', st.calc_money,
                 v["gap"][i] if ex else "")
        _formula(ws_req, r, 9,
                 f'=IF({blank},"",IF(D{er}>=C{er},IF(G{er}>=F{er},"已达成","未达成(期已结束)"),'
                 f'IF(AND(H{er}<>"",G{er}<=H{er}),"当前余额已满足",'
                 f'IF(OR(H{er}<=0,G{er}>P_Factor*H{er}),"基本不可达","需提升"))))', st.calc_text,
                 v["reach"][i] if ex else "")
    ws_req.conditional_format(first, 9, last, 9, {"type": "text", "criteria": "containing", "value": "基本不可达",
                                                  "format": st.bad})
    ws_req.conditional_format(first, 9, last, 9, {"type": "text", "criteria": "containing", "value": "已满足",
                                                  "format": st.good})
    ws_req.freeze_panes(first, 2)
    _print_setup(ws_req)
    ws_par.activate()
    wb.close()
    return path


# ============================================================================ M1 员工工资可视化模板
#: example staff of the M1 template: emp_id, 姓名, 部门, 岗位, 职级, 基本, 岗位, 绩效(1月, 2月), 津补贴, 专项附加
SALARY_EXAMPLE_STAFF = (
    ("100001", "张三", "营业部", "柜员", "G3", 4200.0, 2600.0, (3100.0, 2850.5), 800.0, 1000.0),
    ("100002", "李四", "营业部", "大堂经理", "G4", 4500.0, 3000.0, (3600.0, 3320.0), 800.0, 2000.0),
    ("100003", "王五", "个人金融部", "客户经理", "G5", 5000.0, 3800.0, (6200.0, 5400.0), 900.0, 1500.0),
    ("100004", "赵六", "个人金融部", "客户经理", "G4", 4600.0, 3200.0, (4800.0, 4100.0), 900.0, 0.0),
    ("100005", "钱七", "公司金融部", "客户经理", "G6", 6000.0, 5200.0, (9800.0, 7600.0), 1000.0, 3000.0),
    ("100006", "孙八", "公司金融部", "产品经理", "G5", 5200.0, 4200.0, (5600.0, 4900.0), 1000.0, 1000.0),
)
SALARY_EXAMPLE_MONTHS = (_dt.date(2026, 1, 1), _dt.date(2026, 2, 1))
#: (example row index, column, delta): a deliberate error the 核对 columns show (绩效 raised after 应发 was totalled)
SALARY_EXAMPLE_ERROR = (8, "perf_pay", 100.0)
SALARY_ROWS = 300          # input rows on 员工工资
SALARY_FIRST = 4           # 0-based row of the first payroll row (Excel row 5)
SALARY_DEPTS = 10          # department rows on 汇总
SALARY_TOL = 0.01


def salary_template_rows() -> pd.DataFrame:
    """The M1 template's example payroll (canonical ``payroll`` columns, 元): 6 staff × 2 months; 五险一金 on
    应发 (养老 8%, 医疗 2%, 失业 0.5%, 公积金 10%), 工会会费 0.5% of 基本 as 其他扣款, 个税 by
    :func:`bankxl.tax.cumulative_iit_long`, 实发 = 应发 − Σ扣款; then :data:`SALARY_EXAMPLE_ERROR` applied."""
    from .tables import PAY_DEDUCTIONS, PAY_ITEMS
    from .tax import cumulative_iit_long, round_half_up

    rows = []
    for m_i, month in enumerate(SALARY_EXAMPLE_MONTHS):
        for emp, name, dept, pos, grade, basic, post, perf, allow, sa in SALARY_EXAMPLE_STAFF:
            rows.append({"month": pd.Timestamp(month), "emp_id": emp, "emp_name": name, "dept": dept,
                         "org_id": "010001", "position": pos, "grade": grade, "basic_pay": basic, "post_pay": post,
                         "perf_pay": perf[m_i], "allowance": allow, "overtime": 300.0 if pos == "柜员" else 0.0,
                         "other_pay": 1000.0 if m_i == 1 else 0.0, "special_additional": sa})
    df = pd.DataFrame(rows)
    df["gross"] = round_half_up(df[list(PAY_ITEMS)].sum(axis=1))
    for col, rate in (("pension", 0.08), ("medical", 0.02), ("unemployment", 0.005), ("housing_fund", 0.10)):
        df[col] = round_half_up(df["gross"] * rate)
    df["annuity"] = 0.0
    df["other_deduction"] = round_half_up(df["basic_pay"] * 0.005)
    special = df[["pension", "medical", "unemployment", "housing_fund"]].sum(axis=1)
    df["iit"] = cumulative_iit_long(df["emp_id"], df["month"], df["gross"], special, df["special_additional"],
                                    df["annuity"]).to_numpy()
    df["net"] = round_half_up(df["gross"] - df[list(PAY_DEDUCTIONS)].sum(axis=1))
    i, col, delta = SALARY_EXAMPLE_ERROR
    df.loc[i, col] = df.loc[i, col] + delta
    return df


def salary_template_values(df: pd.DataFrame | None = None, depts: Sequence[str] | None = None) -> dict:
    """Cached values of the M1 template for the payroll rows ``df`` (default :func:`salary_template_rows`):
    per row 应发核对 = ROUND(Σ应发项目 − 应发合计, 2), 实发核对 = ROUND(应发 − Σ扣款 − 实发, 2), 核对结果; per
    department (``depts``, default: in order of appearance) 发放人次, 固定 (基本+岗位+津补贴), 绩效及其他
    (绩效+加班+其他应发), 应发, 扣款, 实发, 人均月应发/实发, 固定/绩效占比, 不符行数; and the 合计 row."""
    from .tables import PAY_DEDUCTIONS, PAY_ITEMS

    df = salary_template_rows() if df is None else df
    z = df.fillna({c: 0.0 for c in (*PAY_ITEMS, "gross", *PAY_DEDUCTIONS, "net")})
    chk_g = [excel_round(x, 2) for x in (z[list(PAY_ITEMS)].sum(axis=1) - z["gross"])]
    chk_n = [excel_round(x, 2) for x in (z["gross"] - z[list(PAY_DEDUCTIONS)].sum(axis=1) - z["net"])]
    status = ["不符" if abs(a) > SALARY_TOL or abs(b) > SALARY_TOL else "一致" for a, b in zip(chk_g, chk_n)]
    z = z.assign(fixed=z[["basic_pay", "post_pay", "allowance"]].sum(axis=1),
                 perf=z[["perf_pay", "overtime", "other_pay"]].sum(axis=1),
                 ded=z[list(PAY_DEDUCTIONS)].sum(axis=1), bad=[s == "不符" for s in status])
    depts = list(dict.fromkeys(df["dept"])) if depts is None else list(depts)

    def agg(part: pd.DataFrame) -> dict:
        n = len(part)
        fixed, perf = float(part["fixed"].sum()), float(part["perf"].sum())
        gross, net = float(part["gross"].sum()), float(part["net"].sum())
        return {"n": n, "fixed": fixed, "perf": perf, "gross": gross, "ded": float(part["ded"].sum()), "net": net,
                "gross_avg": gross / n if n else None, "net_avg": net / n if n else None,
                "fixed_share": fixed / (fixed + perf) if fixed + perf else None,
                "perf_share": perf / (fixed + perf) if fixed + perf else None, "bad": int(part["bad"].sum())}

    per = {d: agg(z[z["dept"] == d]) for d in depts}
    listed = z[z["dept"].isin(depts)]
    total = agg(listed)
    return {"df": df, "check_gross": chk_g, "check_net": chk_n, "status": status, "depts": depts, "per_dept": per,
            "total": total, "unlisted": int(len(z) - len(listed))}


def build_salary_template(path: str | Path) -> Path:
    """Write ``员工工资可视化模板.xlsx`` (M1) to ``path`` and return the path.

    Sheets: 使用说明; 员工工资 (input: headers = the canonical payroll columns 中文(单位), so the sheet loads
    straight into bankxl; 12 example rows; live check columns 应发核对(元) = ROUND(基本+岗位+绩效+津补贴+加班+其他
    − 应发合计, 2), 实发核对(元) = ROUND(应发 − Σ扣款 − 实发, 2), 核对结果 (不符 in red, 容差 named ``M1_Tol``)
    on all :data:`SALARY_ROWS` rows); 汇总 (per department typed in column A: COUNTIF/SUMIF/SUMPRODUCT formulas for
    发放人次, 固定工资, 绩效及其他, 应发, 扣款, 实发, 人均月应发/实发, 固定/绩效占比, 不符行数; 合计 row;
    未列入汇总的人次; a native stacked column chart 固定 vs 绩效及其他). Money in 元. Formulas carry cached values
    from :func:`salary_template_values`. Raises OSError when ``path`` is not writable.
    """
    from xlsxwriter.utility import xl_col_to_name

    from .tables import PAY_DEDUCTIONS, PAY_ITEMS, get_table

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    v = salary_template_values()
    df = v["df"]
    spec = get_table("payroll")
    cols = [c for c in spec.columns]
    idx = {c.id: j for j, c in enumerate(cols)}
    L = {c.id: xl_col_to_name(j) for j, c in enumerate(cols)}
    n_cols = len(cols)
    cg, cn, cs = n_cols, n_cols + 1, n_cols + 2           # check columns
    LG, LN, LS = (xl_col_to_name(j) for j in (cg, cn, cs))
    first, last = SALARY_FIRST, SALARY_FIRST + SALARY_ROWS - 1
    r1, r2 = first + 1, last + 1

    wb, st = _new_workbook(path, "员工工资可视化模板")
    in_month = wb.add_format({"font_name": FONT, "font_size": 10, "valign": "vcenter", "bg_color": "#FFF2CC",
                              "border": 1, "border_color": "#BFBFBF", "num_format": "yyyy-mm"})
    ws_help = wb.add_worksheet("使用说明")
    ws_pay = wb.add_worksheet("员工工资")
    ws_sum = wb.add_worksheet("汇总")

    # -- 使用说明 -------------------------------------------------------------------------------------
    err_row = first + SALARY_EXAMPLE_ERROR[0] + 1
    _help_sheet(ws_help, "员工工资可视化模板 (bankxl M1 员工工资可视化)", 112, [
        "工资数据属敏感信息, 按权限使用; 不要把本文件发给无权查看的人员。",
        "",
        "第 1 步 「员工工资」: 每行一名员工一个月(最多 300 行), 黄色格按表头填写; 月份填当月任意一天(显示为 yyyy-mm), 金额单位 元。",
        "        表头与 bankxl 的「员工工资」表一致, 本工作表可以直接作为 bankxl 员工工资可视化的输入。",
        "        右侧灰色列是公式: 应发核对 = 基本工资+岗位工资+绩效工资+津补贴+加班工资+其他应发 − 应发合计;",
        "        实发核对 = 应发合计 − (养老+医疗+失业+公积金+企业年金+个税+其他扣款) − 实发合计; 任一差额超过容差(第 3 行) → 「不符」(红色)。",
        "第 2 步 「汇总」: A 列填写部门名称(与员工工资表的部门完全一致, 最多 10 个), 其余各列自动按部门汇总(SUMIF/COUNTIF);",
        "        表下方「未列入汇总的人次」不为 0 时, 说明有部门没有写进汇总表。图表随汇总自动更新。",
        "",
        "口径: 固定工资 = 基本工资 + 岗位工资 + 津补贴; 绩效及其他 = 绩效工资 + 加班工资 + 其他应发; 人均月 = 合计 ÷ 发放人次(员工×月)。",
        f"示例数据中第 {err_row} 行的绩效工资故意多填了 100 元(应发合计未更新), 用来演示「不符」; 请整体替换为本行数据。",
        "",
        "个税(累计预扣法)重算、部门中位数与四分位、扣款瀑布、月度趋势与年终奖月识别, 请用 bankxl 的「员工工资可视化」功能生成报告;",
        "报告默认只出部门统计, 不出个人排名, 姓名脱敏。",
        "",
        "黄色 = 填写, 灰色 = 公式(请勿删除)。函数只用 Excel 2010 及以上与 WPS、LibreOffice 通用的 SUM、SUMIF、COUNTIF、SUMPRODUCT、IF、ROUND、ABS、OR、COUNTA。",
    ], st, landscape=False)

    # -- 员工工资 ---------------------------------------------------------------------------------------
    _heading(ws_pay, "员工工资明细(元)", "黄色格填写; 灰色列为核对公式。表头请勿修改(bankxl 按表头识别列)。", st)
    ws_pay.write_string(2, 0, "核对容差(元)", st.label)
    ws_pay.write_blank(2, 1, None, st.label)
    ws_pay.write_number(2, 2, SALARY_TOL, st.in_money)
    wb.define_name("M1_Tol", "='员工工资'!$C$3")
    heads = [c.label if c.kind == "money" else c.zh for c in cols] + ["应发核对(元)", "实发核对(元)", "核对结果"]
    _header_row(ws_pay, first - 1, heads, st, height=30)
    for j, c in enumerate(cols):
        ws_pay.set_column(j, j, {"month": 9, "emp_id": 9, "emp_name": 8, "dept": 12, "org_id": 8, "position": 10,
                                 "grade": 6}.get(c.id, 11))
    ws_pay.set_column(cg, cn, 12)
    ws_pay.set_column(cs, cs, 9)
    fmt_of = {"month": in_month, "money": st.in_money}
    items = f"{L[PAY_ITEMS[0]]}{{r}}:{L[PAY_ITEMS[-1]]}{{r}}"
    deds = f"{L[PAY_DEDUCTIONS[0]]}{{r}}:{L[PAY_DEDUCTIONS[-1]]}{{r}}"
    assert [idx[c] for c in PAY_ITEMS] == list(range(idx[PAY_ITEMS[0]], idx[PAY_ITEMS[0]] + len(PAY_ITEMS)))
    assert [idx[c] for c in PAY_DEDUCTIONS] == list(range(idx[PAY_DEDUCTIONS[0]],
                                                          idx[PAY_DEDUCTIONS[0]] + len(PAY_DEDUCTIONS)))
    key = L["emp_id"]
    for i in range(SALARY_ROWS):
        r, er = first + i, first + i + 1
        ex = i < len(df)
        for j, c in enumerate(cols):
            fmt = fmt_of.get(c.kind, st.in_text)
            val = df.iloc[i][c.id] if ex and c.id in df.columns else None
            if val is None or (not isinstance(val, str) and pd.isna(val)):
                ws_pay.write_blank(r, j, None, fmt)
            elif c.kind == "month":
                ws_pay.write_datetime(r, j, pd.Timestamp(val).to_pydatetime(), fmt)
            elif c.kind == "money":
                ws_pay.write_number(r, j, float(val), fmt)
            else:
                ws_pay.write_string(r, j, str(val), fmt)
        blank = f'${key}{er}=""'
        _formula(ws_pay, r, cg, f'=IF({blank},"",ROUND(SUM({items.format(r=er)})-{L["gross"]}{er},2))',
                 st.calc_money, v["check_gross"][i] if ex else "")
        _formula(ws_pay, r, cn,
                 f'=IF({blank},"",ROUND({L["gross"]}{er}-SUM({deds.format(r=er)})-{L["net"]}{er},2))',
                 st.calc_money, v["check_net"][i] if ex else "")
        _formula(ws_pay, r, cs, f'=IF({blank},"",IF(OR(ABS({LG}{er})>M1_Tol,ABS({LN}{er})>M1_Tol),"不符","一致"))',
                 st.calc_text, v["status"][i] if ex else "")
    ws_pay.conditional_format(first, cs, last, cs, {"type": "text", "criteria": "containing", "value": "不符",
                                                    "format": st.bad})
    ws_pay.conditional_format(first, cg, last, cn, {"type": "cell", "criteria": "not between", "minimum": -SALARY_TOL,
                                                    "maximum": SALARY_TOL, "format": st.bad})
    ws_pay.freeze_panes(first, 3)
    ws_pay.autofilter(first - 1, 0, last, cs)
    _print_setup(ws_pay)

    # -- 汇总 -------------------------------------------------------------------------------------------
    _heading(ws_sum, "按部门汇总(元)", "A 列填写部门(与「员工工资」表的部门一致); 其余为公式。人均月 = 合计 ÷ 发放人次。", st)
    sheads = ["部门", "发放人次", "固定工资(元)", "绩效及其他(元)", "应发合计(元)", "扣款合计(元)", "实发合计(元)",
              "人均月应发(元)", "人均月实发(元)", "固定占比", "绩效占比", "核对不符行数"]
    hrow = 3
    _header_row(ws_sum, hrow, sheads, st, height=30)
    _column_widths(ws_sum, (14, 9, 14, 14, 14, 14, 14, 13, 13, 9, 9, 11))

    def rng(col_id: str) -> str:
        c = L.get(col_id, col_id)
        return f"'员工工资'!${c}${r1}:${c}${r2}"

    dcol = rng("dept")
    s_first = hrow + 1
    s_last = s_first + SALARY_DEPTS - 1
    ded_block = f"'员工工资'!${L[PAY_DEDUCTIONS[0]]}${r1}:${L[PAY_DEDUCTIONS[-1]]}${r2}"
    for k in range(SALARY_DEPTS):
        r, er = s_first + k, s_first + k + 1
        ex = k < len(v["depts"])
        a = v["per_dept"][v["depts"][k]] if ex else {}
        if ex:
            ws_sum.write_string(r, 0, v["depts"][k], st.in_text)
        else:
            ws_sum.write_blank(r, 0, None, st.in_text)
        nb = f'$A{er}=""'

        def sumif(cid: str, er: int = er) -> str:
            return f"SUMIF({dcol},$A{er},{rng(cid)})"

        cells = [
            (f'=IF({nb},"",COUNTIF({dcol},$A{er}))', st.calc_int, a.get("n")),
            (f'=IF({nb},"",{sumif("basic_pay")}+{sumif("post_pay")}+{sumif("allowance")})', st.calc_money,
             a.get("fixed")),
            (f'=IF({nb},"",{sumif("perf_pay")}+{sumif("overtime")}+{sumif("other_pay")})', st.calc_money,
             a.get("perf")),
            (f'=IF({nb},"",{sumif("gross")})', st.calc_money, a.get("gross")),
            (f'=IF({nb},"",SUMPRODUCT(({dcol}=$A{er})*{ded_block}))', st.calc_money, a.get("ded")),
            (f'=IF({nb},"",{sumif("net")})', st.calc_money, a.get("net")),
            (f'=IF({nb},"",IF(B{er}=0,"",E{er}/B{er}))', st.calc_money, a.get("gross_avg")),
            (f'=IF({nb},"",IF(B{er}=0,"",G{er}/B{er}))', st.calc_money, a.get("net_avg")),
            (f'=IF({nb},"",IF(C{er}+D{er}=0,"",C{er}/(C{er}+D{er})))', st.calc_pct, a.get("fixed_share")),
            (f'=IF({nb},"",IF(C{er}+D{er}=0,"",D{er}/(C{er}+D{er})))', st.calc_pct, a.get("perf_share")),
            (f'=IF({nb},"",SUMPRODUCT(({dcol}=$A{er})*({rng(LS)}="不符")))', st.calc_int, a.get("bad")),
        ]
        for j, (f, fmt, val) in enumerate(cells, start=1):
            _formula(ws_sum, r, j, f, fmt, val if ex else "")
    tr, ter = s_last + 1, s_last + 2
    t = v["total"]
    ws_sum.write_string(tr, 0, "合计", st.total_label)
    for j, key_ in zip(range(1, 7), ("n", "fixed", "perf", "gross", "ded", "net")):
        c = xl_col_to_name(j)
        _formula(ws_sum, tr, j, f"=SUM({c}{s_first + 1}:{c}{s_last + 1})", st.total_int if j == 1 else st.total_money,
                 t[key_])
    _formula(ws_sum, tr, 7, f'=IF(B{ter}=0,"",E{ter}/B{ter})', st.total_money, t["gross_avg"])
    _formula(ws_sum, tr, 8, f'=IF(B{ter}=0,"",G{ter}/B{ter})', st.total_money, t["net_avg"])
    _formula(ws_sum, tr, 9, f'=IF(C{ter}+D{ter}=0,"",C{ter}/(C{ter}+D{ter}))', st.total_pct, t["fixed_share"])
    _formula(ws_sum, tr, 10, f'=IF(C{ter}+D{ter}=0,"",D{ter}/(C{ter}+D{ter}))', st.total_pct, t["perf_share"])
    _formula(ws_sum, tr, 11, f"=SUM(L{s_first + 1}:L{s_last + 1})", st.total_int, t["bad"])
    ws_sum.write_string(tr + 2, 0, "未列入汇总的人次", st.label)
    _formula(ws_sum, tr + 2, 1, f"=COUNTA({rng('emp_id')})-B{ter}", st.calc_int, v["unlisted"])
    ws_sum.write_string(tr + 2, 2, "不为 0 时: 员工工资表中有部门没有写进上表 A 列", st.note)
    ws_sum.conditional_format(tr + 2, 1, tr + 2, 1, {"type": "cell", "criteria": "!=", "value": 0, "format": st.bad})
    ws_sum.conditional_format(s_first, 11, tr, 11, {"type": "cell", "criteria": ">", "value": 0, "format": st.bad})

    chart = wb.add_chart({"type": "column", "subtype": "stacked"})
    for j, color in ((2, "#1F4E78"), (3, "#ED7D31")):
        chart.add_series({"name": ["汇总", hrow, j], "categories": ["汇总", s_first, 0, s_last, 0],
                          "values": ["汇总", s_first, j, s_last, j], "fill": {"color": color}, "gap": 80})
    chart.set_title({"name": "各部门工资结构: 固定 vs 绩效及其他(元)", "name_font": {"size": 12, "bold": True}})
    chart.set_legend({"position": "bottom"})
    chart.set_y_axis({"num_format": "#,##0", "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
    chart.set_size({"width": 760, "height": 340})
    chart.show_blanks_as("gap")
    ws_sum.insert_chart(tr + 4, 0, chart, {"x_offset": 4, "y_offset": 4})
    ws_sum.freeze_panes(hrow + 1, 1)
    _print_setup(ws_sum)
    ws_pay.activate()
    wb.close()
    return path


# ============================================================================ D2 存款到期视图模板
MATURITY_AS_OF = _dt.date(2026, 6, 15)   # the example's 数据日期 (mid-month: the first month column is June)
MATURITY_ROWS = 2000       # input rows of the 定期存款明细 table (formula ranges cover them)
MATURITY_FIRST = 4         # 0-based row of the first deposit row (Excel row 5; header in Excel row 4)
MATURITY_ORGS = 20         # rows of the 机构 list (参数) and of 到期结构
MATURITY_MONTHS = 12       # month columns of 到期结构
MATURITY_TABLE = "定期存款"  # Excel table name (an alias of time_deposits, so bankxl's loader finds it)
MATURITY_ORG_TABLE = "机构"  # Excel table name of the org list (the orgs table's 中文名)
#: example orgs (机构号, 机构名称): the rows of 到期结构
MATURITY_ORG_LIST = (("010001", "城东支行"), ("010002", "城西支行"), ("010003", "高新区支行"),
                     ("010004", "开发区支行"), ("010005", "滨江支行"), ("010006", "新城支行"))
#: example deposits: 客户号, 客户名称, 机构号, 产品, 到期日 (None: 通知存款), 期限(月), 年利率, 余额(元), 自动转存.
#: Chosen to sit on the band edges (剩余天数 −26/−5/0/1/7/8/30/31/90/91/180/181, 余额 49,999.99/50,000/200,000/
#: 1,000,000), on both sides of the last month column and on 2028-02-29.
MATURITY_EXAMPLE = (
    ("1000001", "张伟", "010001", "整存整取", _dt.date(2026, 6, 10), 12, 0.0135, 80000.0, False),
    ("1000002", "王芳", "010001", "大额存单", _dt.date(2026, 6, 15), 36, 0.019, 500000.0, False),
    ("1000003", "李娜", "010001", "整存整取", _dt.date(2026, 6, 22), 6, 0.0125, 50000.0, True),
    ("1000004", "刘洋", "010001", "整存整取", _dt.date(2026, 7, 15), 12, 0.0135, 200000.0, False),
    ("1000001", "张伟", "010001", "整存整取", _dt.date(2026, 11, 30), 24, 0.0145, 35000.5, False),
    ("1000005", "陈静", "010002", "整存整取", _dt.date(2026, 6, 23), 3, 0.0105, 12000.0, False),
    ("1000006", "杨磊", "010002", "大额存单", _dt.date(2026, 7, 16), 12, 0.0155, 1000000.0, False),
    ("1000007", "赵敏", "010002", "整存整取", _dt.date(2026, 9, 13), 6, 0.0125, 150000.0, True),
    ("1000008", "黄勇", "010002", "整存整取", _dt.date(2026, 9, 14), 12, 0.0135, 68000.0, False),
    ("1000005", "陈静", "010002", "通知存款", None, None, 0.001, 300000.0, False),
    ("1000009", "周杰", "010003", "大额存单", _dt.date(2026, 12, 12), 36, 0.019, 800000.0, False),
    ("1000010", "吴倩", "010003", "大额存单", _dt.date(2026, 12, 13), 24, 0.017, 300000.0, False),
    ("1000011", "徐明", "010003", "整存整取", _dt.date(2027, 1, 31), 60, 0.018, 120000.0, True),
    ("1000012", "孙丽", "010003", "整存整取", _dt.date(2027, 5, 31), 12, 0.0135, 49999.99, False),
    ("1000013", "马超", "010003", "整存整取", _dt.date(2027, 6, 1), 24, 0.0145, 260000.0, False),
    ("1000014", "朱红", "010004", "整存整取", _dt.date(2026, 5, 20), 12, 0.0135, 45000.0, False),
    ("1000015", "胡斌", "010004", "整存整取", _dt.date(2026, 8, 8), 6, 0.0125, 90000.0, False),
    ("1000016", "郭燕", "010004", "大额存单", _dt.date(2026, 10, 20), 36, 0.019, 600000.0, False),
    ("1000017", "何平", "010004", "整存整取", _dt.date(2027, 2, 28), 12, 0.0135, 30000.0, True),
    ("1000018", "高峰", "010004", "整存整取", _dt.date(2028, 2, 29), 36, 0.0175, 180000.0, False),
    ("1000019", "林涛", "010005", "整存整取", _dt.date(2026, 6, 30), 3, 0.0105, 25000.0, False),
    ("1000020", "罗琳", "010005", "大额存单", _dt.date(2026, 7, 31), 12, 0.0155, 1500000.0, False),
    ("1000021", "梁晨", "010005", "整存整取", _dt.date(2026, 9, 30), 24, 0.0145, 75000.0, True),
    ("1000022", "宋雨", "010005", "整存整取", _dt.date(2026, 12, 31), 12, 0.0135, 110000.0, False),
    ("1000019", "林涛", "010005", "整存整取", _dt.date(2027, 3, 15), 6, 0.0125, 40000.0, False),
    ("1000023", "郑浩", "010006", "整存整取", _dt.date(2026, 6, 16), 12, 0.0135, 20000.0, False),
    ("1000024", "谢婷", "010006", "大额存单", _dt.date(2026, 8, 31), 24, 0.017, 400000.0, False),
    ("1000025", "韩冰", "010006", "整存整取", _dt.date(2026, 11, 11), 6, 0.0125, 66000.0, False),
    ("1000026", "唐宁", "010006", "整存整取", _dt.date(2027, 4, 30), 12, 0.0135, 95000.0, True),
    ("1000027", "冯雪", "010006", "整存整取", _dt.date(2029, 6, 15), 60, 0.018, 350000.0, False),
)
_EXCEL_EPOCH = _dt.datetime(1899, 12, 30)


def _serial(d) -> float:
    """Excel date serial of a date/Timestamp (1900 system)."""
    return float((pd.Timestamp(d).normalize() - pd.Timestamp(_EXCEL_EPOCH)).days)


def _num_text(x: float) -> str:
    """A number as Excel's/LibreOffice's ``&`` turns it into text (General format, integers without '.0')."""
    x = float(x)
    return str(int(x)) if x.is_integer() else f"{x:.15g}"


def maturity_template_rows() -> pd.DataFrame:
    """The D2 template's example deposits as a canonical ``time_deposits`` frame (元, rate as a fraction):
    起息日 = 到期日 − 期限 (pandas DateOffset), 证件号码 with a valid check digit, 币种 CNY, 状态 正常, 数据日期
    :data:`MATURITY_AS_OF`. One 通知存款 without 到期日 (not counted, as in bankxl's report)."""
    from .idcard import calc_check_digit

    rows = []
    for i, (cust, name, org, prod, mat, term, rate, bal, auto) in enumerate(MATURITY_EXAMPLE, start=1):
        body = f"330106{1960 + (i * 7) % 40:04d}{1 + i % 12:02d}{1 + (i * 3) % 28:02d}{100 + i:03d}"
        mat_ts = pd.Timestamp(mat) if mat is not None else pd.NaT
        value = (mat_ts - pd.DateOffset(months=term)) if mat is not None else pd.Timestamp(2025, 9, 1)
        rows.append({"acct_no": f"6217{org}{i:06d}", "cust_id": cust, "cust_name": name,
                     "id_no": body + calc_check_digit(body), "org_id": org, "mgr_id": f"{int(org[-1]):02d}{i % 3 + 1:02d}",
                     "product": prod, "value_date": value, "maturity_date": mat_ts, "term_m": term, "rate": rate,
                     "balance": bal, "auto_renew": auto, "ccy": "CNY", "status": "正常",
                     "as_of": pd.Timestamp(MATURITY_AS_OF)})
    df = pd.DataFrame(rows)
    df["term_m"] = df["term_m"].astype("Int64")
    return df


def maturity_template_values(df: pd.DataFrame | None = None, as_of=MATURITY_AS_OF,
                             orgs: Sequence[str] | None = None) -> dict:
    """The D2 template's computed values for the deposits ``df`` (canonical ``time_deposits`` columns, default
    :func:`maturity_template_rows`), mirroring its formulas and using the D2 scenario's own definitions
    (:mod:`bankxl.scenarios.deposit.maturity`: default ``amount_edges``/``dtm_edges``, ``dtm_band``,
    ``amount_band``, their labels, ``month_periods``).

    Per row (lists aligned with ``df``; None = blank): dtm (剩余天数 = 到期日 − 数据日期), dtm_band, amount_band,
    month (first day of the maturity month), value (到期本息 = ROUND(余额 × (1 + 利率 × 期限/12), 2)).
    Per org of ``orgs`` (default :data:`MATURITY_ORG_LIST` ids) the 到期结构 columns: 'overdue' (dtm < 0),
    'today' (dtm = 0), the months (dtm > 0 and maturity month = month k), 'later' (dtm > 0, month after the
    last one), 'total' — amounts in 元 (``amount``) and counts (``count``); ``all_amount`` = every row with a
    到期日; the 到期分布 blocks ``by_dtm`` (all rows with a 到期日) and ``by_band`` (0 ≤ dtm and month ≤ the
    last month), each {label: (amount 元, count)}."""
    from .scenarios.deposit.maturity import (
        MaturityParams,
        amount_band,
        amount_band_labels,
        dtm_band,
        dtm_band_labels,
        month_periods,
    )

    df = maturity_template_rows() if df is None else df
    p = MaturityParams()
    as_of = pd.Timestamp(as_of).normalize()
    months = [pd.Timestamp(m + "-01") for m in month_periods(as_of, MATURITY_MONTHS)]
    mat = pd.to_datetime(df["maturity_date"]).dt.normalize()
    bal = pd.to_numeric(df["balance"], errors="coerce").astype("float64")
    has = mat.notna()
    dtm = (mat - as_of).dt.days
    dband = dtm_band(dtm.where(has), p.dtm_edges).where(has)
    aband = amount_band(bal, p.amount_edges).where(bal.notna())
    month = mat.dt.to_period("M").dt.to_timestamp()
    term = pd.to_numeric(df["term_m"], errors="coerce").astype("float64")
    rate = pd.to_numeric(df["rate"], errors="coerce").astype("float64")
    value = [excel_round(b * (1 + r * t / 12), 2) if h and pd.notna(r) and pd.notna(t) else None
             for b, r, t, h in zip(bal, rate, term, has)]

    def nz(x):
        return None if x is None or (not isinstance(x, str) and pd.isna(x)) else x

    orgs = [o for o, _ in MATURITY_ORG_LIST] if orgs is None else list(orgs)
    org = df["org_id"].astype("string")
    cols = ["overdue", "today", *range(MATURITY_MONTHS), "later"]

    def cell(sel: pd.Series, key) -> pd.Series:
        if key == "overdue":
            m = sel & has & (dtm < 0)
        elif key == "today":
            m = sel & has & (dtm == 0)
        elif key == "later":
            m = sel & has & (dtm > 0) & (month > months[-1])
        else:
            m = sel & has & (dtm > 0) & (month == months[key])
        return m.fillna(False).astype(bool)

    amount, count = {}, {}
    for o in orgs:
        sel = (org == o).fillna(False)
        amount[o] = {k: float(sum(bal[cell(sel, k)])) for k in cols}
        count[o] = {k: int(cell(sel, k).sum()) for k in cols}
        amount[o]["total"] = float(sum(amount[o][k] for k in cols))
        count[o]["total"] = int(sum(count[o][k] for k in cols))
    by_dtm = {}
    for lab in dtm_band_labels(p.dtm_edges):
        m = (has & (dband == lab)).fillna(False).astype(bool)
        by_dtm[lab] = (float(sum(bal[m])), int(m.sum()))
    by_band = {}
    for lab in amount_band_labels(p.amount_edges):
        m = (has & (aband == lab) & (dtm >= 0) & (month <= months[-1])).fillna(False).astype(bool)
        by_band[lab] = (float(sum(bal[m])), int(m.sum()))
    all_amount = float(sum(bal[has & (dtm < 0)])) + float(sum(bal[has & (dtm >= 0)]))
    return {"df": df, "as_of": as_of, "months": months, "dtm": [nz(x) for x in dtm.where(has)],
            "dtm_band": [nz(x) for x in dband], "amount_band": [nz(x) for x in aband],
            "month": [nz(x) for x in month.where(has)], "value": value, "orgs": orgs, "amount": amount,
            "count": count, "all_amount": all_amount, "all_count": int(has.sum()), "by_dtm": by_dtm,
            "by_band": by_band, "dtm_edges": tuple(p.dtm_edges), "amount_edges": tuple(p.amount_edges),
            "dtm_labels": dtm_band_labels(p.dtm_edges), "amount_labels": amount_band_labels(p.amount_edges)}


def maturity_input_columns() -> list:
    """The 定期存款明细 columns of the maturity template, in order: every time_deposits column except term_d
    (期限天数): the template's formulas take 期限 in months only."""
    from .tables import get_table

    return [c for c in get_table("time_deposits").columns if c.id != "term_d"]


def build_maturity_template(path: str | Path) -> Path:
    """Write ``存款到期视图模板.xlsx`` (D2) to ``path`` and return the path.

    Sheets: 使用说明; 参数 (the bankxl 参数 table 场景 | 参数 | 名称 | 取值 | 单位 | 说明 — 通用 rows with 数据日期
    (Excel name ``P_AsOf``) and the D2 block, so the add-in and ``bankxl run --params`` read it; below it the
    formula helpers ``P_M1``/``P_M12`` (first/last month column), the 剩余期限档 and 金额段 edges (inputs;
    ``P_DtmLo``/``P_DtmBand``, ``P_AmtLo``/``P_AmtBand``; labels are formulas; the D2 ``dtm_edges`` and
    ``amount_edges`` 取值 cells join them) and the Excel table ``机构`` = the org list); 定期存款明细 (Excel
    table ``定期存款`` over :data:`MATURITY_ROWS` rows: the canonical time_deposits headers, 30 example rows,
    formula columns 剩余天数, 剩余期限档 (LOOKUP), 金额段 (LOOKUP), 到期月份 (DATE(YEAR, MONTH, 1) shown yyyy-mm),
    到期本息(元)); 到期结构 (per org of the 机构 list: 已到期未支取 | 当日到期 | 12 months | 12个月以后 | 合计 with
    SUMIFS (万元) and COUNTIFS, 合计 rows, a check of amounts outside the list, a chart of the monthly totals);
    到期分布 (by 剩余期限档 and by 金额段 with SUMIFS/COUNTIFS, 金额占比, two column charts). Cached values from
    :func:`maturity_template_values`. Raises OSError when ``path`` is not writable.
    """
    from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

    from .scenarios.deposit.maturity import P_LATER, P_OVERDUE, P_TODAY, SPEC
    from .tables import get_table
    from .xl.ribbon import default_param_rows

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    v = maturity_template_values()
    df = v["df"]
    n_ex = len(df)
    wb, st = _new_workbook(path, "存款到期视图模板")
    base = {"font_name": FONT, "font_size": 10, "valign": "vcenter"}
    inp = {"bg_color": "#FFF2CC", "border": 1, "border_color": "#BFBFBF"}
    calc = {"bg_color": "#EDEDED", "border": 1, "border_color": "#BFBFBF"}
    in_rate = wb.add_format({**base, **inp, "num_format": "0.00%"})
    calc_date = wb.add_format({**base, **calc, "num_format": "yyyy-mm-dd"})
    calc_month = wb.add_format({**base, **calc, "num_format": "yyyy-mm", "align": "center"})
    calc_wan = wb.add_format({**base, **calc, "num_format": "#,##0.00"})
    fixed_lo = wb.add_format({**base, **calc, "num_format": '"无下限"', "align": "right"})
    head_month = wb.add_format({**base, "bold": True, "bg_color": "#1F4E78", "font_color": "#FFFFFF", "border": 1,
                                "align": "center", "num_format": "yyyy-mm"})
    ws_help = wb.add_worksheet("使用说明")
    ws_par = wb.add_worksheet("参数")
    ws_td = wb.add_worksheet("定期存款明细")
    ws_st = wb.add_worksheet("到期结构")
    ws_ds = wb.add_worksheet("到期分布")

    # -- 参数 -------------------------------------------------------------------------------------------
    # first non-empty row = the 参数 table header (bankxl.paramsheet / the ribbon read it that way)
    prows = default_param_rows([SPEC])
    heads = list(prows.columns)  # 场景 | 参数 | 名称 | 取值 | 单位 | 说明
    _header_row(ws_par, 0, heads, st)
    _column_widths(ws_par, (16, 22, 18, 34, 8, 96))
    # layout of the helper blocks below the 参数 table (0-based rows)
    n_p = len(prows)
    r_help = n_p + 2                    # section title
    r_m1, r_m12, r_chk, r_over = r_help + 1, r_help + 2, r_help + 3, r_help + 4
    r_dtm_t = r_over + 2                # 剩余期限档 title; header on +1; rows from +2
    n_dtm = len(v["dtm_labels"])
    r_dtm = r_dtm_t + 2
    r_amt_t = r_dtm + n_dtm + 1
    n_amt = len(v["amount_labels"])
    r_amt = r_amt_t + 2
    r_org_t = r_amt + n_amt + 1
    r_org = r_org_t + 2                 # first org row (header on r_org - 1)
    dtm_lo = f"'参数'!$B${r_dtm + 1}:$B${r_dtm + n_dtm}"
    dtm_lab = f"'参数'!$D${r_dtm + 1}:$D${r_dtm + n_dtm}"
    amt_lo = f"'参数'!$B${r_amt + 1}:$B${r_amt + n_amt}"
    amt_lab = f"'参数'!$D${r_amt + 1}:$D${r_amt + n_amt}"
    dtm_join = '="["&' + '&", "&'.join(f"B{r_dtm + 1 + k}" for k in range(1, n_dtm)) + '&"]"'
    amt_join = '="["&' + '&", "&'.join(f"B{r_amt + 1 + k}" for k in range(1, n_amt)) + '&"]"'
    dtm_join_v = "[" + ", ".join(_num_text(x) for x in v["dtm_edges"]) + "]"
    amt_join_v = "[" + ", ".join(_num_text(x) for x in v["amount_edges"]) + "]"
    notes = {"as_of": "本模板所有公式的数据日期(名称 P_AsOf); 应与明细表「数据日期」列一致(见下方检查)。bankxl 报告也用这一天",
             "amount_edges": "公式: 由下方「金额段」表的黄色下限拼接, 请改下方黄色格。" ,
             "dtm_edges": "公式: 由下方「剩余期限档」表的黄色下限拼接, 请改下方黄色格。",
             "months_ahead": "本模板「到期结构」固定展示 12 个月; 本值只影响 bankxl 报告"}
    for i, row in enumerate(prows.itertuples(index=False)):
        scen, pid, name, val, unit, note = row
        r = 1 + i
        ws_par.write_string(r, 0, scen, st.text)
        ws_par.write_string(r, 1, pid, st.text)
        ws_par.write_string(r, 2, name, st.label)
        if pid == "as_of":
            ws_par.write_datetime(r, 3, _dt.datetime.combine(MATURITY_AS_OF, _dt.time()), st.in_date)
            wb.define_name("P_AsOf", f"='参数'!$D${r + 1}")
        elif pid == "dtm_edges" and scen == SPEC.id:
            _formula(ws_par, r, 3, dtm_join, st.calc_text, dtm_join_v)
        elif pid == "amount_edges" and scen == SPEC.id:
            _formula(ws_par, r, 3, amt_join, st.calc_text, amt_join_v)
        else:
            s = str(val).strip()
            if re.fullmatch(r"-?\d+", s):
                ws_par.write_number(r, 3, int(s), st.in_int)
            elif re.fullmatch(r"-?\d+\.\d*", s):
                x = float(s)
                ws_par.write_number(r, 3, x, st.in_money if abs(x) >= 1 else st.in_general)
            else:
                ws_par.write_string(r, 3, s, st.in_text)
        ws_par.write_string(r, 4, unit, st.text)
        ws_par.write_string(r, 5, notes.get(pid, note), st.text)

    td_rng = {}  # filled below; the helper formulas on 参数 use the 定期存款明细 ranges
    first, last = MATURITY_FIRST, MATURITY_FIRST + MATURITY_ROWS - 1
    r1, r2 = first + 1, last + 1
    spec = get_table("time_deposits")
    cols = maturity_input_columns()
    L = {c.id: xl_col_to_name(j) for j, c in enumerate(cols)}
    n_cols = len(cols)
    f_cols = ["dtm", "dtm_band", "amount_band", "month", "value"]
    for k, name in enumerate(f_cols):
        L[name] = xl_col_to_name(n_cols + k)
    for key, col in L.items():
        td_rng[key] = f"'定期存款明细'!${col}${r1}:${col}${r2}"

    ws_par.write_string(r_help, 0, "以下供本模板的公式使用(黄色格可改, 灰色格为公式)", st.subtitle)
    m1_v, m12_v = v["months"][0], v["months"][-1]
    asof_col = td_rng["as_of"]
    chk_v = "一致"
    over_first = r2 + 1
    helpers = [
        (r_m1, "首个到期月份", "P_M1", "=DATE(YEAR(P_AsOf+1),MONTH(P_AsOf+1),1)", calc_month, _serial(m1_v),
         "数据日期次日所在月(与 bankxl 报告相同); 「到期结构」的第 1 个月份列"),
        (r_m12, "第 12 个到期月份", "P_M12", "=EDATE(P_M1,11)", calc_month, _serial(m12_v),
         "之后到期的归入「12个月以后」"),
        (r_chk, "明细数据日期检查", None,
         (f'=IF(COUNT({asof_col})=0,"明细未填数据日期",IF(AND(MIN({asof_col})=P_AsOf,MAX({asof_col})=P_AsOf),'
          f'"一致","不一致: 请核对"))'), st.calc_text, chk_v,
         "明细表「数据日期」列与上面的数据日期是否一致(bankxl 运行时以明细的数据日期列或上面的取值为准)"),
        (r_over, "超出公式范围的明细行", None,
         f"=COUNTA('定期存款明细'!$A${over_first}:$A$1048576)", st.calc_int, 0,
         f"公式覆盖明细第 {r1}–{r2} 行({MATURITY_ROWS:,} 笔); 不为 0 时超出部分未统计, 请用 bankxl「存款到期视图」按钮"),
    ]
    for r, label, nm, f, fmt, val, note in helpers:
        ws_par.write_string(r, 0, label, st.label)
        ws_par.write_blank(r, 1, None, st.label)
        ws_par.write_blank(r, 2, None, st.label)
        _formula(ws_par, r, 3, f, fmt, val)
        ws_par.write_string(r, 4, nm or "", st.text)
        ws_par.write_string(r, 5, note, st.text)
        if nm:
            wb.define_name(nm, f"='参数'!$D${r + 1}")
    ws_par.conditional_format(r_chk, 3, r_chk, 3, {"type": "text", "criteria": "not containing", "value": "一致",
                                                   "format": st.bad})
    ws_par.conditional_format(r_chk, 3, r_chk, 3, {"type": "text", "criteria": "containing", "value": "不一致",
                                                   "format": st.bad})
    ws_par.conditional_format(r_over, 3, r_over, 3, {"type": "cell", "criteria": ">", "value": 0,
                                                     "format": st.bad})

    # 剩余期限档 / 金额段: lower bounds (inputs), upper bounds and labels (formulas)
    def band_block(r_title, r0, title, unit_lo, unit_hi, lows, labels, kind):
        ws_par.write_string(r_title, 0, title, st.subtitle)
        _header_row(ws_par, r0 - 1, ("档位", f"下限({unit_lo})", f"上限({unit_hi})", "档位名称"), st)
        n = len(labels)
        for k in range(n):
            r, er = r0 + k, r0 + k + 1
            ws_par.write_number(r, 0, k + 1, st.calc_int)
            lo = lows[k]
            if k == 0:
                ws_par.write_number(r, 1, lo, fixed_lo)
            elif kind == "dtm" and k == 1:
                ws_par.write_number(r, 1, lo, st.calc_int)       # 0: fixed (below 0 = 已到期未支取)
            else:
                ws_par.write_number(r, 1, lo, st.in_int if kind == "dtm" else st.in_money)
            nxt = f"B{er + 1}"
            if kind == "dtm":
                up_f, up_v = (f"={nxt}-1", lows[k + 1] - 1) if k < n - 1 else (None, None)
                if k == 0:
                    lab_f = None
                elif k < n - 1:
                    lab_f = f'=B{er}&"–"&C{er}&"天"'
                else:
                    lab_f = f'=">"&(B{er}-1)&"天"'
            else:
                up_f, up_v = (f"={nxt}", lows[k + 1]) if k < n - 1 else (None, None)
                if k == 0:
                    lab_f = f'="<"&{nxt}/10000&"万"'
                elif k < n - 1:
                    lab_f = f'=B{er}/10000&"–"&{nxt}/10000&"万"'
                else:
                    lab_f = f'="≥"&B{er}/10000&"万"'
            if up_f:
                _formula(ws_par, r, 2, up_f, st.calc_int if kind == "dtm" else st.calc_money, up_v)
            else:
                ws_par.write_string(r, 2, "无上限", st.calc_text)
            if lab_f:
                _formula(ws_par, r, 3, lab_f, st.calc_text, labels[k])
            else:
                ws_par.write_string(r, 3, labels[k], st.calc_text)

    band_block(r_dtm_t, r_dtm, "剩余期限档(剩余天数 = 到期日 − 数据日期; 区间左闭右开: 含下限, 不含下一档下限)", "天", "天, 含",
               [-99999.0, *[float(x) for x in v["dtm_edges"]]], v["dtm_labels"], "dtm")
    band_block(r_amt_t, r_amt, "金额段(单笔余额; 区间左闭右开: 5 万整归入 5–20万)", "元", "元, 不含",
               [-1e15, *[float(x) for x in v["amount_edges"]]], v["amount_labels"], "amt")
    wb.define_name("P_DtmLo", "=" + dtm_lo)
    wb.define_name("P_DtmBand", "=" + dtm_lab)
    wb.define_name("P_AmtLo", "=" + amt_lo)
    wb.define_name("P_AmtBand", "=" + amt_lab)
    # 机构 list: an Excel table named 机构 (bankxl reads it as the orgs table: names in the report)
    ws_par.write_string(r_org_t, 0, f"机构清单(「到期结构」的行, 最多 {MATURITY_ORGS} 个; 机构号与明细表的机构号一致)",
                        st.subtitle)
    org_first, org_last = r_org, r_org + MATURITY_ORGS - 1
    ws_par.add_table(org_first - 1, 0, org_last, 1, {
        "name": MATURITY_ORG_TABLE, "style": "Table Style Light 1", "autofilter": False,
        "columns": [{"header": "机构号", "header_format": st.header}, {"header": "机构名称", "header_format": st.header}]})
    for k in range(MATURITY_ORGS):
        if k < len(MATURITY_ORG_LIST):
            ws_par.write_string(org_first + k, 0, MATURITY_ORG_LIST[k][0], st.in_text)
            ws_par.write_string(org_first + k, 1, MATURITY_ORG_LIST[k][1], st.in_text)
        else:
            ws_par.write_blank(org_first + k, 0, None, st.in_text)
            ws_par.write_blank(org_first + k, 1, None, st.in_text)
    ws_par.freeze_panes(1, 0)
    _print_setup(ws_par)

    # -- 定期存款明细 -----------------------------------------------------------------------------------------
    _heading(ws_td, "定期存款明细(元)",
             f"黄色区域粘贴系统导出的定期存款明细(第 {r1} 行起, 最多 {MATURITY_ROWS:,} 行, 表头勿改); "
             "右侧灰色列为公式。日期列须为日期格式, 利率填小数或百分比格式(1.35% 即 0.0135)。", st)
    heads = [("期限(月)" if c.id == "term_m" else c.label) for c in cols]
    heads += ["剩余天数", "剩余期限档", "金额段", "到期月份", "到期本息(元)"]
    fmt_in = {"date": st.in_date, "money": st.in_money, "int": st.in_int, "rate": in_rate}
    col_fmt = [fmt_in.get(c.kind, st.in_text) for c in cols]
    f_fmt = [st.calc_int, st.calc_text, st.calc_text, calc_month, st.calc_money]
    ws_td.add_table(first - 1, 0, last, n_cols + len(f_cols) - 1, {
        "name": MATURITY_TABLE, "style": "Table Style Light 1",
        "columns": [{"header": h, "header_format": st.header} for h in heads]})
    ws_td.set_row(first - 1, 30)
    widths = {"acct_no": 17, "cust_id": 9, "cust_name": 8, "id_no": 19, "org_id": 8, "mgr_id": 8, "product": 9,
              "value_date": 11, "maturity_date": 11, "term_m": 7, "rate": 7, "balance": 13, "auto_renew": 7,
              "ccy": 6, "status": 6, "as_of": 11}
    for j, c in enumerate(cols):
        ws_td.set_column(j, j, widths.get(c.id, 10))
    for k, w in enumerate((8, 13, 9, 9, 13)):
        ws_td.set_column(n_cols + k, n_cols + k, w)
    A, I, J, K, Lb = L["acct_no"], L["maturity_date"], L["term_m"], L["rate"], L["balance"]
    Q = L["dtm"]
    for i in range(MATURITY_ROWS):
        r, er = first + i, first + i + 1
        ex = i < n_ex
        for j, c in enumerate(cols):
            val = df.iloc[i][c.id] if ex else None
            if val is None or (not isinstance(val, (str, bool)) and pd.isna(val)):
                ws_td.write_blank(r, j, None, col_fmt[j])
            elif c.kind == "date":
                ws_td.write_datetime(r, j, pd.Timestamp(val).to_pydatetime(), col_fmt[j])
            elif c.kind == "bool":
                ws_td.write_string(r, j, "是" if val else "否", col_fmt[j])
            elif c.kind in ("money", "rate", "number"):
                ws_td.write_number(r, j, float(val), col_fmt[j])
            elif c.kind == "int":
                ws_td.write_number(r, j, int(val), col_fmt[j])
            else:
                ws_td.write_string(r, j, str(val), col_fmt[j])
        vals = ((v["dtm"][i], v["dtm_band"][i], v["amount_band"][i],
                 _serial(v["month"][i]) if v["month"][i] is not None else None, v["value"][i]) if ex
                else (None,) * 5)
        forms = (
            f'=IF(OR(${A}{er}="",${I}{er}=""),"",${I}{er}-P_AsOf)',
            f'=IF({Q}{er}="","",LOOKUP({Q}{er},P_DtmLo,P_DtmBand))',
            f'=IF(OR(${A}{er}="",${Lb}{er}=""),"",LOOKUP(${Lb}{er},P_AmtLo,P_AmtBand))',
            f'=IF({Q}{er}="","",DATE(YEAR(${I}{er}),MONTH(${I}{er}),1))',
            f'=IF(OR({Q}{er}="",${J}{er}="",${K}{er}=""),"",ROUND(${Lb}{er}*(1+${K}{er}*${J}{er}/12),2))',
        )
        for k, (f, fmt, val) in enumerate(zip(forms, f_fmt, vals)):
            _formula(ws_td, r, n_cols + k, f, fmt, val)
    ws_td.freeze_panes(first, 1)
    _print_setup(ws_td)

    # -- 到期结构 ---------------------------------------------------------------------------------------------
    bal, org, dtm, mon = td_rng["balance"], td_rng["org_id"], td_rng["dtm"], td_rng["month"]
    n_m = MATURITY_MONTHS
    st_heads = ["机构号", "机构名称", P_OVERDUE, P_TODAY, *[None] * n_m, P_LATER, "合计"]
    c_later, c_total = 4 + n_m, 5 + n_m
    _heading(ws_st, "存款到期结构",
             "行 = 「参数」表的机构清单; 列 = 到期期间: 已到期未支取(到期日早于数据日期) | 当日到期 | 未来 12 个月"
             "(数据日期次日所在月起, 不含当日及以前) | 12个月以后 | 合计。全部为公式(SUMIFS/COUNTIFS)。", st)
    ws_st.write_string(2, 0, "数据日期", st.label)
    ws_st.write_blank(2, 1, None, st.label)
    _formula(ws_st, 2, 2, "=P_AsOf", calc_date, _serial(v["as_of"]))
    ws_st.set_column(0, 0, 9)
    ws_st.set_column(1, 1, 14)
    ws_st.set_column(2, 3, 11)
    ws_st.set_column(4, 3 + n_m, 9.5)
    ws_st.set_column(c_later, c_later, 11)
    ws_st.set_column(c_total, c_total, 12)
    orgs = v["orgs"]

    def crit(j: int, hr: int) -> str:
        """SUMIFS/COUNTIFS criteria (after the org pair) of period column ``j`` (header on 0-based row ``hr``)."""
        if j == 2:
            return f',{dtm},"<0"'
        if j == 3:
            return f",{dtm},0"
        if j == c_later:
            return f',{mon},">"&P_M12,{dtm},">0"'
        return f',{mon},{xl_rowcol_to_cell(hr, j, row_abs=True)},{dtm},">0"'

    def key_of(j: int):
        return {2: "overdue", 3: "today", c_later: "later"}.get(j, j - 4)

    def structure_block(r_title: int, title: str, metric: str) -> tuple[int, int, int]:
        hr = r_title + 1
        ws_st.write_string(r_title, 0, title, st.subtitle)
        for j, h in enumerate(st_heads):
            if h is None:
                k = j - 4
                _formula(ws_st, hr, j, "=P_M1" if k == 0 else f"=EDATE(P_M1,{k})", head_month,
                         _serial(v["months"][k]))
            else:
                ws_st.write_string(hr, j, h, st.header)
        o_first = hr + 1
        for k in range(MATURITY_ORGS):
            r, er = o_first + k, o_first + k + 1
            src = org_first + k + 1
            ex = k < len(orgs)
            o = orgs[k] if ex else None
            _formula(ws_st, r, 0, f"=IF('参数'!$A${src}=\"\",\"\",'参数'!$A${src})", st.calc_text, o if ex else "")
            _formula(ws_st, r, 1, f"=IF($A{er}=\"\",\"\",'参数'!$B${src}&\"\")", st.calc_text,
                     MATURITY_ORG_LIST[k][1] if ex else "")
            for j in range(2, c_later + 1):
                if metric == "amount":
                    f = f'=IF($A{er}="","",SUMIFS({bal},{org},$A{er}{crit(j, hr)})/10000)'
                    val = v["amount"][o][key_of(j)] / 10000 if ex else ""
                    fmt = calc_wan
                else:
                    f = f'=IF($A{er}="","",COUNTIFS({org},$A{er}{crit(j, hr)}))'
                    val = v["count"][o][key_of(j)] if ex else ""
                    fmt = st.calc_int
                _formula(ws_st, r, j, f, fmt, val)
            tot = (v["amount"][o]["total"] / 10000 if metric == "amount" else v["count"][o]["total"]) if ex else ""
            _formula(ws_st, r, c_total, f'=IF($A{er}="","",SUM(C{er}:{xl_col_to_name(c_later)}{er}))',
                     calc_wan if metric == "amount" else st.calc_int, tot)
        o_last = o_first + MATURITY_ORGS - 1
        tr = o_last + 1
        ws_st.write_string(tr, 0, "合计", st.total_label)
        ws_st.write_blank(tr, 1, None, st.total_label)
        for j in range(2, c_total + 1):
            c = xl_col_to_name(j)
            if j == c_total:
                val = sum(v[metric][o]["total"] for o in orgs)
            else:
                val = sum(v[metric][o][key_of(j)] for o in orgs)
            _formula(ws_st, tr, j, f"=SUM({c}{o_first + 1}:{c}{o_last + 1})",
                     st.total_money if metric == "amount" else st.total_int,
                     val / 10000 if metric == "amount" else val)
        return hr, o_first, tr

    hr_a, of_a, tr_a = structure_block(4, "到期金额(万元)", "amount")
    ct = xl_col_to_name(c_total)
    ca = tr_a + 1
    listed_amt = sum(v["amount"][o]["total"] for o in orgs)
    ws_st.merge_range(ca, 0, ca, c_total - 1, "明细中有到期日的存款合计(万元)", st.label)
    _formula(ws_st, ca, c_total, f'=(SUMIFS({bal},{dtm},"<0")+SUMIFS({bal},{dtm},">=0"))/10000', calc_wan,
             v["all_amount"] / 10000)
    ws_st.merge_range(ca + 1, 0, ca + 1, c_total - 1,
                      "其中未列入上表机构的金额(万元): 不为 0 时请在「参数」的机构清单补充机构号", st.label)
    _formula(ws_st, ca + 1, c_total, f"=ROUND({ct}{ca + 1}-{ct}{tr_a + 1},2)", calc_wan,
             excel_round(v["all_amount"] / 10000 - listed_amt / 10000, 2))
    ws_st.conditional_format(ca + 1, c_total, ca + 1, c_total, {"type": "cell", "criteria": "!=", "value": 0,
                                                                "format": st.bad})
    hr_c, of_c, tr_c = structure_block(ca + 3, "到期笔数", "count")
    for hr, of in ((hr_a, of_a), (hr_c, of_c)):
        ws_st.set_row(hr, 20)
        ws_st.conditional_format(of, c_total, of + MATURITY_ORGS - 1, c_total, {"type": "data_bar",
                                                                               "bar_color": "#9BC2E6"})
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"name": "到期金额(万元)", "categories": ["到期结构", hr_a, 4, hr_a, 3 + n_m],
                      "values": ["到期结构", tr_a, 4, tr_a, 3 + n_m], "fill": {"color": "#1F4E78"}, "gap": 60,
                      "data_labels": {"value": True, "num_format": "#,##0", "font": {"size": 8}}})
    chart.set_title({"name": "未来 12 个月到期金额(全部机构合计, 万元)", "name_font": {"size": 12, "bold": True}})
    chart.set_legend({"none": True})
    chart.set_x_axis({"num_format": "yyyy-mm", "date_axis": False})
    chart.set_y_axis({"num_format": "#,##0", "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
    chart.set_size({"width": 900, "height": 320})
    ws_st.insert_chart(tr_c + 2, 0, chart, {"x_offset": 4, "y_offset": 4})
    ws_st.set_h_pagebreaks([tr_c + 2])  # the chart on its own page
    ws_st.freeze_panes(hr_a + 1, 2)
    _print_setup(ws_st)

    # -- 到期分布 ---------------------------------------------------------------------------------------------
    _heading(ws_ds, "存款到期分布(万元)",
             "档位名称取自「参数」; 金额 = SUMIFS(余额)/10000, 笔数 = COUNTIFS。去重客户数、按存期与产品的分布见 bankxl 报告。", st)
    _column_widths(ws_ds, (16, 15, 9, 10))
    dband, aband = td_rng["dtm_band"], td_rng["amount_band"]

    def dist_block(r_title, title, labels, lab_rows, values, band_rng, extra, note) -> tuple[int, int]:
        ws_ds.write_string(r_title, 0, title, st.subtitle)
        ws_ds.write_string(r_title + 1, 0, note, st.note)
        hr = r_title + 2
        _header_row(ws_ds, hr, (title.split("(")[0].replace("按", ""), "到期金额(万元)", "笔数", "金额占比"), st)
        b_first = hr + 1
        b_last = b_first + len(labels) - 1
        tot_amt = sum(values[lab][0] for lab in labels)
        tr = b_last + 1
        for k, lab in enumerate(labels):
            r, er = b_first + k, b_first + k + 1
            _formula(ws_ds, r, 0, f"='参数'!$D${lab_rows + k + 1}", st.calc_text, lab)
            amt, cnt = values[lab]
            # "="&label: a label such as <5万 or >365天 would otherwise be read as a comparison criterion
            _formula(ws_ds, r, 1, f'=SUMIFS({bal},{band_rng},"="&$A{er}{extra})/10000', calc_wan, amt / 10000)
            _formula(ws_ds, r, 2, f'=COUNTIFS({band_rng},"="&$A{er}{extra})', st.calc_int, cnt)
            _formula(ws_ds, r, 3, f'=IF($B${tr + 1}=0,"",B{er}/$B${tr + 1})', st.calc_pct,
                     (amt / 10000) / (tot_amt / 10000) if tot_amt else "")
        ws_ds.write_string(tr, 0, "合计", st.total_label)
        _formula(ws_ds, tr, 1, f"=SUM(B{b_first + 1}:B{b_last + 1})", st.total_money, tot_amt / 10000)
        _formula(ws_ds, tr, 2, f"=SUM(C{b_first + 1}:C{b_last + 1})", st.total_int,
                 sum(values[lab][1] for lab in labels))
        _formula(ws_ds, tr, 3, f"=SUM(D{b_first + 1}:D{b_last + 1})", st.total_pct, 1.0 if tot_amt else 0)
        ch = wb.add_chart({"type": "column"})
        ch.add_series({"name": "到期金额(万元)", "categories": ["到期分布", b_first, 0, b_last, 0],
                       "values": ["到期分布", b_first, 1, b_last, 1], "fill": {"color": "#2E75B6"}, "gap": 60,
                       "data_labels": {"value": True, "num_format": "#,##0", "font": {"size": 8}}})
        ch.set_title({"name": title.split("(")[0] + "的到期金额(万元)", "name_font": {"size": 11, "bold": True}})
        ch.set_legend({"none": True})
        ch.set_y_axis({"num_format": "#,##0", "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
        ch.set_size({"width": 560, "height": 250})
        ws_ds.insert_chart(r_title, 5, ch, {"x_offset": 10, "y_offset": 0})
        return b_first, tr

    _b1, t1 = dist_block(3, "按剩余期限档", v["dtm_labels"], r_dtm, v["by_dtm"], dband, "",
                        "范围: 明细中有到期日的全部存款(含已到期未支取与 1 年以后)。")
    dist_block(max(t1 + 3, 3 + 14), "按金额段(单笔余额)", v["amount_labels"], r_amt, v["by_band"], aband,
               f',{dtm},">=0",{mon},"<="&P_M12',
               "范围: 未来 12 个月内到期(剩余天数≥0, 到期月份≤第 12 个月)。")
    _print_setup(ws_ds)

    # -- 使用说明 -----------------------------------------------------------------------------------------------
    _help_sheet(ws_help, "存款到期视图模板 (bankxl D2 存款到期视图)", 150, [
        "用途: 把定期存款明细粘贴进来, 公式自动算出各机构未来 12 个月的到期金额与笔数、按剩余期限和金额段的分布, 用于到期挽留与营销安排。",
        "客户信息属敏感数据, 按权限使用; 不要把填好数据的文件发给无权查看的人员。",
        "",
        "第 1 步 「参数」: 第 2 行「数据日期」填明细的数据截至日(名称 P_AsOf, 所有公式以它为准)。",
        "        下方「机构清单」(Excel 表「机构」)填写要统计的机构号和机构名称(最多 20 个), 它们就是「到期结构」的行。",
        "        「剩余期限档」「金额段」两张小表的黄色下限可改, 档位名称和上限自动生成; 参数表里的 dtm_edges / amount_edges 两行随之更新。",
        (f"第 2 步 「定期存款明细」: 从系统导出定期存款分户明细, 按表头顺序粘贴到第 {r1} 行起的黄色区域(覆盖示例数据, "
         f"最多 {MATURITY_ROWS:,} 行), 金额单位 元;"),
        "        表头与 bankxl 的「定期存款明细」表一致, 请勿改动。右侧灰色公式列:",
        "        · 剩余天数 = 到期日 − 数据日期(负数 = 已到期未支取);",
        "        · 剩余期限档 = LOOKUP(剩余天数, 参数表的下限, 档位名称) — 区间左闭右开, 如剩余 7 天 → 0–7天, 8 天 → 8–30天;",
        "        · 金额段 = LOOKUP(余额, 参数表的下限, 档位名称) — 左闭右开, 余额正好 5 万 → 5–20万;",
        "        · 到期月份 = DATE(YEAR(到期日), MONTH(到期日), 1), 显示为 yyyy-mm(用日期而非文字, 任何语言版本的 Excel/WPS 结果相同);",
        "        · 到期本息 = ROUND(余额 × (1 + 利率 × 期限(月)/12), 2), 单利、未扣税(零存整取的近似公式见 bankxl 报告)。",
        "        到期日为空的行(如通知存款)不计入到期统计。",
        "第 3 步 「到期结构」: 自动按机构 × 到期期间汇总 — 已到期未支取 | 当日到期 | 数据日期次日所在月起的 12 个月 | 12个月以后 | 合计;",
        "        金额 = SUMIFS(余额, 机构号, 本行机构, 到期月份, 本列月份, 剩余天数, \">0\") / 10000(万元), 笔数用 COUNTIFS。",
        "        表下方「未列入上表机构的金额」不为 0 时, 说明明细中有机构号没有写进机构清单。",
        "第 4 步 「到期分布」: 按剩余期限档(全部)和金额段(未来 12 个月内到期)的金额、笔数、占比和图表。",
        "",
        "口径与 bankxl 报告一致(剩余天数、期限档、金额段、到期月份的定义取自 bankxl D2 场景)。本模板不剔除销户/外币/零余额记录, 请只粘贴",
        "人民币、正常状态、余额大于 0 的定期存款; bankxl 报告会自动剔除并在「说明」中列出。",
        "",
        "完整报告: 在装有 bankxl 加载项的 Excel 中点击「银行数据应用」选项卡 → 「存款到期视图」按钮, 或在命令行运行",
        "        bankxl run deposit.maturity 存款到期视图模板.xlsx --params 存款到期视图模板.xlsx --out 报告.xlsx",
        "        报告含: 原生数据透视表(到期透视)、按分行/支行分层的到期结构与去重客户数、未来 60 天到期日历(遇节假日顺延)、",
        "        网点排班建议与大额客户名单、到期前 30/15/7/1 天提醒名单(含到期本息、建议产品、建议动作、原因)。",
        "        加载项与命令行都读取本工作簿的「参数」表(数据日期、金额段、剩余期限档等)和「机构」表(机构名称)。",
        "",
        "黄色 = 填写, 灰色 = 公式(请勿删除)。函数只用 Excel 2010 及以上与 WPS、LibreOffice 通用的 SUMIFS、COUNTIFS、LOOKUP、EDATE、DATE、",
        "YEAR、MONTH、ROUND、IF、OR、AND、SUM、COUNT、COUNTA、MIN、MAX。",
    ], st)
    ws_td.activate()
    wb.close()
    return path


def build_all(folder: str | Path) -> list[Path]:
    """Rebuild the three bundled templates in ``folder`` (default layout of ``workbooks/``)."""
    folder = Path(folder)
    return [build_targets_template(folder / "存款目标分解模板.xlsx"),
            build_salary_template(folder / "员工工资可视化模板.xlsx"),
            build_maturity_template(folder / "存款到期视图模板.xlsx")]


if __name__ == "__main__":  # pragma: no cover - regenerate the bundled workbooks
    import sys

    out_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "workbooks"
    for p in build_all(out_dir):
        print(p)
