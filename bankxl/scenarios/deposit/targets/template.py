"""D5 存款目标分解模板 (``存款目标分解模板.xlsx``): the scenario's template hook (``SPEC.template``).

Built with the shared template helpers of :mod:`bankxl.templates` (their rules: Excel 2010+/LibreOffice
functions only, cached values computed by the scenario's own functions, byte-stable rebuilds).
"""
from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ....templates import (
    column_widths,
    excel_round,
    formula_cell,
    header_row,
    heading,
    help_sheet,
    new_workbook,
    print_setup,
)

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
    from .formulas import factor_shares, reach_label, required_daily_balance

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
    wb, st = new_workbook(path, "存款目标分解模板")
    ws_help = wb.add_worksheet("使用说明")
    ws_par = wb.add_worksheet("参数")
    ws_dec = wb.add_worksheet("分解")
    ws_req = wb.add_worksheet("所需日均")
    first, last = TARGET_FIRST, TARGET_FIRST + TARGET_ROWS - 1
    r1, r2 = first + 1, last + 1  # Excel row numbers of the outlet block
    n_out = len(v["df"])

    # -- 使用说明 -------------------------------------------------------------------------------------
    help_sheet(ws_help, "存款目标分解模板 (bankxl D5 存款营销指标分解)", 110, [
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
    heading(ws_par, "参数", "黄色格可修改; 名称列是公式中使用的 Excel 名称。金额单位: 万元。", st)
    header_row(ws_par, 2, ("参数", "取值", "单位", "名称", "说明"), st)
    column_widths(ws_par, (28, 16, 8, 12, 64))
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
            formula_cell(ws_par, r, 1, cell[1], cell[2], cell[3])
        ws_par.write_string(r, 2, unit, st.text)
        ws_par.write_string(r, 3, nm, st.text)
        ws_par.write_string(r, 4, note, st.text)
        wb.define_name(nm, f"='参数'!$B${r + 1}")
    print_setup(ws_par, landscape=False)

    # -- 分解 -------------------------------------------------------------------------------------------
    heading(ws_dec, "存款目标分解(万元)",
             "黄色格填写机构与因子; 灰色格为公式。取整: 本表用 ROUND 取整到万元, 合计可能与 ΔT 有几万元差额"
             "(见下方取整差额); 精确的最大余数法结果见 bankxl 报告。", st)
    ws_dec.write_string(2, 0, "增量任务 ΔT(万元):", st.label)
    formula_cell(ws_dec, 2, 2, "=P_DeltaT", st.calc_money, v["delta"])
    heads = ["机构号", "机构名称", "上年日均(万元)", "上年日均增量(万元)", "市场潜力(万元)", "人数", "基期日均(万元)",
             "存量占比", "增量占比", "潜力占比", "人数占比", "综合占比", "增量任务ΔT_i(万元)", "目标日均(万元)",
             "一季度增量(万元)", "二季度增量(万元)", "三季度增量(万元)", "四季度增量(万元)"]
    header_row(ws_dec, first - 1, heads, st, height=32)
    widths = [10, 18, 14, 14, 14, 8, 14, 9, 9, 9, 9, 9, 14, 14, 12, 12, 12, 12]
    column_widths(ws_dec, widths)
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
        formula_cell(ws_dec, r, 6, f'=IF({blank},"",C{er})', st.in_money, v["base"][i] if ex else "")
        for src, (dst, k) in share_cols.items():
            rng = f"{src}${r1}:{src}${r2}"
            formula_cell(ws_dec, r, ord(dst) - 65,
                     f'=IF({blank},"",IF(SUMIF({rng},">0")=0,0,MAX({src}{er},0)/SUMIF({rng},">0")))',
                     st.calc_pct, float(v["shares"][k].iloc[i]) if ex else "")
        formula_cell(ws_dec, r, 11, f'=IF({blank},"",EW_Stock*H{er}+EW_Incr*I{er}+EW_Pot*J{er}+EW_Staff*K{er})',
                 st.calc_pct, float(v["shares"]["combined"].iloc[i]) if ex else "")
        formula_cell(ws_dec, r, 12, f'=IF({blank},"",ROUND(P_DeltaT*L{er},0))', st.calc_money,
                 v["delta_i"][i] if ex else "")
        formula_cell(ws_dec, r, 13, f'=IF({blank},"",G{er}+M{er})', st.calc_money, v["target_i"][i] if ex else "")
        for q in range(4):
            formula_cell(ws_dec, r, 14 + q, f'=IF({blank},"",ROUND(M{er}*P_Q{q + 1},0))', st.calc_money,
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
        formula_cell(ws_dec, tr, j, f"=SUM({col}{r1}:{col}{r2})", fmt, val)
    ws_dec.write_string(tr + 1, 0, "取整差额 = ΔT − 增量任务合计(万元)", st.note)
    formula_cell(ws_dec, tr + 1, 12, f"=P_DeltaT-M{tr + 1}", st.calc_money, v["delta"] - sum(v["delta_i"]))
    ws_dec.freeze_panes(first, 2)
    ws_dec.autofilter(first - 1, 0, last, len(heads) - 1)
    print_setup(ws_dec)

    # -- 所需日均 ---------------------------------------------------------------------------------------
    heading(ws_req, "所需日均余额(万元)",
             "R = (A*×N − S_d)/(N − d): 剩余每天平均需要达到的余额; d ≥ N 时为实际日均。黄色格填写 S_d 与当前余额;"
             " N、d 默认按参数计算, 可改写。", st)
    ws_req.write_string(2, 0, "不可达倍数:", st.label)
    formula_cell(ws_req, 2, 2, "=P_Factor", st.calc_money, p["factor"])
    rheads = ["机构号", "机构名称", "期长N(天)", "已过d(天)", "累计余额S_d(万元·日)", "目标日均A*(万元)", "所需日均R(万元)",
              "当前余额(万元)", "缺口(万元)", "可达性"]
    header_row(ws_req, first - 1, rheads, st, height=32)
    column_widths(ws_req, (10, 18, 10, 10, 18, 16, 16, 14, 14, 16))
    for i in range(TARGET_ROWS):
        r = first + i
        er = r + 1
        ex = i < n_out
        blank = f'$A{er}=""'
        o = v["df"].iloc[i] if ex else None
        formula_cell(ws_req, r, 0, f"=IF('分解'!A{er}=\"\",\"\",'分解'!A{er})", st.calc_text, o["org_id"] if ex else "")
        formula_cell(ws_req, r, 1, f"=IF({blank},\"\",'分解'!B{er}&\"\")", st.calc_text, o["name"] if ex else "")
        formula_cell(ws_req, r, 2, f'=IF({blank},"",P_End-P_Start+1)', st.in_int, v["N"] if ex else "")
        formula_cell(ws_req, r, 3, f'=IF({blank},"",MIN(MAX(P_AsOf-P_Start+1,0),C{er}))', st.in_int,
                 v["d"] if ex else "")
        if ex:
            ws_req.write_number(r, 4, v["S_d"][i], st.in_money)
            ws_req.write_number(r, 7, v["current"][i], st.in_money)
        else:
            ws_req.write_blank(r, 4, None, st.in_money)
            ws_req.write_blank(r, 7, None, st.in_money)
        formula_cell(ws_req, r, 5, f"=IF({blank},\"\",'分解'!N{er})", st.calc_money, v["target_i"][i] if ex else "")
        formula_cell(ws_req, r, 6, f'=IF({blank},"",IF(D{er}>=C{er},E{er}/C{er},(F{er}*C{er}-E{er})/(C{er}-D{er})))',
                 st.calc_money, v["R"][i] if ex else "")
        formula_cell(ws_req, r, 8, f'=IF(OR({blank},D{er}>=C{er}),"",G{er}-H{er})', st.calc_money,
                 v["gap"][i] if ex else "")
        formula_cell(ws_req, r, 9,
                 f'=IF({blank},"",IF(D{er}>=C{er},IF(G{er}>=F{er},"已达成","未达成(期已结束)"),'
                 f'IF(AND(H{er}<>"",G{er}<=H{er}),"当前余额已满足",'
                 f'IF(OR(H{er}<=0,G{er}>P_Factor*H{er}),"基本不可达","需提升"))))', st.calc_text,
                 v["reach"][i] if ex else "")
    ws_req.conditional_format(first, 9, last, 9, {"type": "text", "criteria": "containing", "value": "基本不可达",
                                                  "format": st.bad})
    ws_req.conditional_format(first, 9, last, 9, {"type": "text", "criteria": "containing", "value": "已满足",
                                                  "format": st.good})
    ws_req.freeze_panes(first, 2)
    print_setup(ws_req)
    ws_par.activate()
    wb.close()
    return path
