"""Workbook templates users fill in Excel (``workbooks/*.xlsx``), built with XlsxWriter.

One public function per template (``build_<name>_template(path) -> Path``), sharing the helpers below
(:class:`_Styles`, :func:`_write_lines`, :func:`_formula`, :func:`_new_workbook`). Rules every template follows:

* only worksheet functions that exist in Excel 2010+ and LibreOffice 7.4 (:data:`ALLOWED_FUNCTIONS`; no
  XLOOKUP/LET/FILTER/dynamic arrays) — ``tests/test_templates.py`` enforces the list;
* every formula is written with its cached value computed in Python by the library's own functions, so
  the file reads right before any recalculation (previewers, Protected View, openpyxl ``data_only``);
* input cells are light yellow, formula cells grey; the 使用说明 sheet says what to fill in;
* fixed document dates, so a rebuilt template is byte-stable.

Templates: :func:`build_targets_template` (D5 存款目标分解模板), :func:`build_salary_template` (M1 员工工资可视化模板).
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
    "VLOOKUP", "TEXT", "LEN",
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
    R (``required_daily_balance``). Returns a dict of lists/scalars (keys used by the template writer and
    the tests)."""
    from .scenarios.deposit.targets import factor_shares, required_daily_balance

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
    reach = []
    for ri, c, t in zip(r, cur, target_i):
        if d >= n:
            reach.append("已达成" if ri >= t else "未达成")
        elif ri <= c:
            reach.append("当前余额已满足")
        elif c <= 0 or ri > p["factor"] * c:
            reach.append("基本不可达")
        else:
            reach.append("需提升")
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
    ws_help.set_column(0, 0, 110)
    ws_help.write_string(0, 0, "存款目标分解模板 (bankxl D5 存款营销指标分解)", st.title)
    _write_lines(ws_help, 2, [
        "用途: 把全行存款日均目标分解到各支行/网点, 并计算每个机构剩余期间每天平均需要达到的余额(所需日均)。",
        "",
        "第 1 步 「参数」: 填写全行目标日均(万元)、考核期起止、数据日期(今天的数据截至日), 需要时调整四个因子权重、季度进度和不可达倍数。",
        "第 2 步 「分解」: 每行一个机构(最多 30 行), 黄色格填写 机构号、机构名称、上年日均、上年日均增量、市场潜力、人数;",
        "        基期日均默认等于上年日均(公式), 可直接覆盖填写。灰色格是公式, 自动算出各因子占比、综合占比、增量任务和目标日均。",
        "第 3 步 「所需日均」: 机构号与目标日均自动取自「分解」; 黄色格填写 累计余额 S_d(考核期初至数据日期每日余额之和, 万元·日)",
        "        和当前余额。期长 N、已过天数 d 默认按参数计算(按月跟踪时可直接改写为当月天数和当月已过天数, 并把目标日均改为月度目标)。",
        "",
        "计算口径(与 bankxl 报告一致):",
        "· 增量任务 ΔT = 全行目标日均 − 全行基期日均(默认为各机构基期日均之和)。",
        "· 机构增量 ΔT_i = ΔT × Σ 权重 × 因子占比; 因子占比中负值按 0; 某个因子全部为 0 时, 其权重按比例分给其余因子(参数表「有效权重」)。",
        "· 目标日均 = 基期日均 + ΔT_i; 季度增量 = ΔT_i × 季度进度。",
        "· 所需日均 R = (A*×N − S_d)/(N − d); d ≥ N(期已结束)时显示实际日均 S_d/N。缺口 = R − 当前余额。",
        "· 可达性: R ≤ 当前余额 → 当前余额已满足; R > 不可达倍数 × 当前余额 → 基本不可达(红色); 其余 → 需提升。",
        "",
        "取整说明: 本模板的公式用 ROUND 取整到万元, 各机构之和可能与 ΔT 相差几万元(见「分解」表下方的取整差额)。",
        "          精确的最大余数法取整(合计恰等于 ΔT)以及月度分解、偏离度预警、进度图, 请用 bankxl 的「存款营销指标分解」功能生成报告。",
        "",
        "表内数据为示例, 请替换为本行数据。黄色 = 填写, 灰色 = 公式(请勿删除)。",
        "函数只用 Excel 2010 及以上与 WPS、LibreOffice 通用的函数(SUM、SUMIF、IF、MAX、MIN、ROUND、OR)。",
    ], st.text)
    _print_setup(ws_help, landscape=False)

    # -- 参数 -------------------------------------------------------------------------------------------
    ws_par.write_string(0, 0, "参数", st.title)
    ws_par.write_string(1, 0, "黄色格可修改; 名称列是公式中使用的 Excel 名称。金额单位: 万元。", st.note)
    for j, h in enumerate(("参数", "取值", "单位", "名称", "说明")):
        ws_par.write_string(2, j, h, st.header)
    ws_par.set_column(0, 0, 28)
    ws_par.set_column(1, 1, 16)
    ws_par.set_column(2, 2, 8)
    ws_par.set_column(3, 3, 12)
    ws_par.set_column(4, 4, 64)
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
    ws_dec.write_string(0, 0, "存款目标分解(万元)", st.title)
    ws_dec.write_string(1, 0, "黄色格填写机构与因子; 灰色格为公式。取整: 本表用 ROUND 取整到万元, 合计可能与 ΔT 有几万元差额"
                        "(见下方取整差额); 精确的最大余数法结果见 bankxl 报告。", st.note)
    ws_dec.write_string(2, 0, "增量任务 ΔT(万元):", st.label)
    _formula(ws_dec, 2, 2, "=P_DeltaT", st.calc_money, v["delta"])
    heads = ["机构号", "机构名称", "上年日均(万元)", "上年日均增量(万元)", "市场潜力(万元)", "人数", "基期日均(万元)",
             "存量占比", "增量占比", "潜力占比", "人数占比", "综合占比", "增量任务ΔT_i(万元)", "目标日均(万元)",
             "一季度增量(万元)", "二季度增量(万元)", "三季度增量(万元)", "四季度增量(万元)"]
    for j, h in enumerate(heads):
        ws_dec.write_string(first - 1, j, h, st.header)
    ws_dec.set_row(first - 1, 32)
    widths = [10, 18, 14, 14, 14, 8, 14, 9, 9, 9, 9, 9, 14, 14, 12, 12, 12, 12]
    for j, w in enumerate(widths):
        ws_dec.set_column(j, j, w)
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
    ws_req.write_string(0, 0, "所需日均余额(万元)", st.title)
    ws_req.write_string(1, 0, "R = (A*×N − S_d)/(N − d): 剩余每天平均需要达到的余额; d ≥ N 时为实际日均。黄色格填写 S_d 与当前余额;"
                        " N、d 默认按参数计算, 可改写。", st.note)
    ws_req.write_string(2, 0, "不可达倍数:", st.label)
    _formula(ws_req, 2, 2, "=P_Factor", st.calc_money, p["factor"])
    rheads = ["机构号", "机构名称", "期长N(天)", "已过d(天)", "累计余额S_d(万元·日)", "目标日均A*(万元)", "所需日均R(万元)",
              "当前余额(万元)", "缺口(万元)", "可达性"]
    for j, h in enumerate(rheads):
        ws_req.write_string(first - 1, j, h, st.header)
    ws_req.set_row(first - 1, 32)
    for j, w in enumerate((10, 18, 10, 10, 18, 16, 16, 14, 14, 16)):
        ws_req.set_column(j, j, w)
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
                 f'=IF({blank},"",IF(D{er}>=C{er},IF(G{er}>=F{er},"已达成","未达成"),IF(G{er}<=H{er},"当前余额已满足",'
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
    ws_help.set_column(0, 0, 112)
    ws_help.write_string(0, 0, "员工工资可视化模板 (bankxl M1 员工工资可视化)", st.title)
    err_row = first + SALARY_EXAMPLE_ERROR[0] + 1
    _write_lines(ws_help, 2, [
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
    ], st.text)
    _print_setup(ws_help, landscape=False)

    # -- 员工工资 ---------------------------------------------------------------------------------------
    ws_pay.write_string(0, 0, "员工工资明细(元)", st.title)
    ws_pay.write_string(1, 0, "黄色格填写; 灰色列为核对公式。表头请勿修改(bankxl 按表头识别列)。", st.note)
    ws_pay.write_string(2, 0, "核对容差(元)", st.label)
    ws_pay.write_blank(2, 1, None, st.label)
    ws_pay.write_number(2, 2, SALARY_TOL, st.in_money)
    wb.define_name("M1_Tol", "='员工工资'!$C$3")
    heads = [c.label if c.kind == "money" else c.zh for c in cols] + ["应发核对(元)", "实发核对(元)", "核对结果"]
    for j, h in enumerate(heads):
        ws_pay.write_string(first - 1, j, h, st.header)
    ws_pay.set_row(first - 1, 30)
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
    ws_sum.write_string(0, 0, "按部门汇总(元)", st.title)
    ws_sum.write_string(1, 0, "A 列填写部门(与「员工工资」表的部门一致); 其余为公式。人均月 = 合计 ÷ 发放人次。", st.note)
    sheads = ["部门", "发放人次", "固定工资(元)", "绩效及其他(元)", "应发合计(元)", "扣款合计(元)", "实发合计(元)",
              "人均月应发(元)", "人均月实发(元)", "固定占比", "绩效占比", "核对不符行数"]
    hrow = 3
    for j, h in enumerate(sheads):
        ws_sum.write_string(hrow, j, h, st.header)
    ws_sum.set_row(hrow, 30)
    for j, w in enumerate((14, 9, 14, 14, 14, 14, 14, 13, 13, 9, 9, 11)):
        ws_sum.set_column(j, j, w)

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


if __name__ == "__main__":  # pragma: no cover - regenerate the bundled workbook
    import sys

    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "workbooks" / "存款目标分解模板.xlsx"
    print(build_targets_template(out))
