"""D5 存款目标分解模板 (``存款目标分解模板.xlsx``): the scenario's template hook (``SPEC.template``).

Built with the shared template helpers of :mod:`bankxl.templates` (their rules: Excel 2010+/LibreOffice
functions only, cached values computed by the scenario's own functions, byte-stable rebuilds).
"""
from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
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


def lr_helper_values(weights: Sequence[float | None], total: float) -> dict:
    """Cached values of the template's largest-remainder helper columns (their formulas, in Python).

    ``weights``: one entry per template row, ``None`` for an empty row (机构号 blank); ``total``: the amount
    split (万元; ΔT for the annual split, ΔT_i for one outlet's quarters). Mirrors the formulas written by
    :func:`build_targets_template`: w = MAX(weight, 0) (all ≤ 0 -> 1 each; empty row -> −1), K =
    INT(ROUND(|total|, 9)) whole 万元, 零头 = ROUND(|total| − K, 9), 整数部分 = INT(ROUND(K·w/Σw, 9)), 余数 =
    ROUND(K·w/Σw − 整数部分, 9) (empty row −1), 权重名次 = 1 + #larger w + #equal w in earlier rows, 余数名次 =
    1 + #larger 余数 + #equal 余数 with a smaller 权重名次, part = sign·(整数部分 + [余数名次 ≤ K − Σ整数部分] +
    [权重名次 = 1]·零头). That is :func:`~bankxl.scenarios.deposit.targets.formulas.largest_remainder` with
    unit 1 (SCENARIOS.md D5) on quotas rounded to 9 decimals. Returns a dict of float ndarrays (w, prio,
    floor, rem, rank, part; NaN for empty rows in prio/rank/part) and the scalars wsum, k, rest, left, sign.
    """
    blank = np.array([x is None for x in weights])
    raw = np.array([0.0 if x is None or not math.isfinite(float(x)) else float(x) for x in weights])
    pos = np.where(blank, 0.0, np.maximum(raw, 0.0))
    w = np.where(blank, -1.0, pos if pos.sum() > 0 else 1.0)
    wsum = float(w[w > 0].sum())
    k = float(math.floor(excel_round(abs(total), 9)))
    rest = excel_round(abs(total) - k, 9)
    sign = -1.0 if total < 0 else 1.0
    quota = k * np.where(blank, 0.0, w) / (wsum if wsum > 0 else 1.0)
    rq = np.array([excel_round(q, 9) for q in quota])
    floor = np.where(blank, 0.0, np.floor(rq))
    rem = np.where(blank, -1.0, np.array([excel_round(q, 9) for q in quota - floor]))
    idx = np.arange(len(w))
    earlier = idx[None, :] < idx[:, None]
    prio = 1 + (w[None, :] > w[:, None]).sum(1) + ((w[None, :] == w[:, None]) & earlier).sum(1)
    rank = 1 + (rem[None, :] > rem[:, None]).sum(1) + ((rem[None, :] == rem[:, None])
                                                      & (prio[None, :] < prio[:, None])).sum(1)
    left = k - float(floor.sum())
    part = sign * (floor + (rank <= left) + (prio == 1) * rest)
    nan = np.where(blank, np.nan, 1.0)
    return {"w": w, "prio": prio * nan, "floor": floor, "rem": rem, "rank": rank * nan, "part": part * nan,
            "wsum": wsum, "k": k, "rest": rest, "left": left, "sign": sign}


def targets_template_values(outlets: Sequence[tuple] = TARGET_EXAMPLE, p: dict | None = None) -> dict:
    """The D5 template's computed values for ``outlets`` (same layout as :data:`TARGET_EXAMPLE`), by the
    library's functions — the bankxl report's own path: factor shares (``factor_shares``), ΔT_i =
    ``largest_remainder(综合占比, ΔT, 1)`` in 万元 (parts sum to ΔT exactly), targets, the quarterly split
    ``largest_remainder(季度进度, ΔT_i, 1)``, N, d and R (``required_daily_balance``) and 可达性
    (``reach_label``, the report's rule); plus the template's helper columns (:func:`lr_helper_values`).
    Returns a dict of lists/scalars (keys used by the template writer and the tests)."""
    from .formulas import factor_shares, largest_remainder, reach_label, required_daily_balance

    p = {**TARGET_EXAMPLE_PARAMS, **(p or {})}
    cols = ["org_id", "name", "prior_avg", "prior_increment", "potential", "staff_count", "avg_to_date", "current"]
    df = pd.DataFrame(list(outlets), columns=cols)
    weights = dict(zip(("prior_avg", "prior_increment", "potential", "staff_count"), p["weights"]))
    shares, eff = factor_shares(df, weights)
    base = df["prior_avg"].astype(float)
    bank_base = float(base.sum())
    delta = p["target"] - bank_base
    d_i = [float(x) for x in largest_remainder(shares["combined"].to_numpy(), delta, 1.0)]
    target_i = [b + d for b, d in zip(base, d_i)]
    q_w = [max(float(q), 0.0) for q in p["quarters"]]
    q_w = q_w if sum(q_w) > 0 else [1.0] * 4
    quarters = [[float(x) for x in largest_remainder(q_w, d, 1.0)] for d in d_i]
    helpers = lr_helper_values(list(shares["combined"]) + [None] * (TARGET_ROWS - len(df)), delta)
    q_helpers = [lr_helper_values(q_w, d) for d in d_i]
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
            "S_d": s_d, "R": r, "current": cur, "gap": gap, "reach": reach, "params": p,
            "helpers": helpers, "q_weights": q_w, "q_helpers": q_helpers}


#: hidden helper columns of 分解 (0-based): the largest-remainder split of ΔT over the outlets
H_W, H_PRIO, H_FLOOR, H_REM, H_RANK = 18, 19, 20, 21, 22          # S..W
#: ... and of each outlet's ΔT_i over the four quarters
Q_K, Q_FLOOR, Q_REM, Q_LEFT, Q_REST = 23, 24, 28, 32, 33          # X, Y..AB, AC..AF, AG, AH
_QN = ("一", "二", "三", "四")


def _col(j: int) -> str:
    from xlsxwriter.utility import xl_col_to_name

    return xl_col_to_name(j)


def _num(x) -> float | str:
    """A cached helper value: NaN (empty row) -> '' (the formula's blank)."""
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def _helper_block(wb, ws, st, v: dict, r1: int, r2: int) -> None:
    """The hidden helper columns' labels (Excel row 3), scalars (row 4, with the names H_WSum, H_Rest, H_K,
    H_Left, H_Sign) and headers (row 5) on 分解; the columns S..AH are hidden in an outline group."""
    h, qh = v["helpers"], v["q_helpers"]
    q0 = qh[0] if qh else lr_helper_values(v["q_weights"], 0.0)
    labels = {H_W: "权重合计", H_PRIO: "零头(万元)", H_FLOOR: "整数单位K", H_REM: "剩余单位", H_RANK: "符号",
              Q_K: "季度权重合计", Q_FLOOR: "季度权重 →", Q_REM: "季度权重名次 →"}
    for j, text in labels.items():
        ws.write_string(2, j, text, st.label)
    scalars = [(H_W, "H_WSum", f'=SUMIF({_col(H_W)}{r1}:{_col(H_W)}{r2},">0")', h["wsum"]),
               (H_PRIO, "H_Rest", "=ROUND(ABS(P_DeltaT)-H_K,9)", h["rest"]),
               (H_FLOOR, "H_K", "=INT(ROUND(ABS(P_DeltaT),9))", h["k"]),
               (H_REM, "H_Left", f"=H_K-SUM({_col(H_FLOOR)}{r1}:{_col(H_FLOOR)}{r2})", h["left"]),
               (H_RANK, "H_Sign", "=IF(P_DeltaT<0,-1,1)", h["sign"])]
    for j, name, f, val in scalars:
        formula_cell(ws, 3, j, f, st.calc_text, val)
        wb.define_name(name, f"='分解'!${_col(j)}$4")
    qw = [f"{_col(Q_FLOOR + q)}$4" for q in range(4)]
    formula_cell(ws, 3, Q_K, f"=SUM({qw[0]}:{qw[3]})", st.calc_text, float(sum(v["q_weights"])))
    pos = "+".join(f"MAX(P_Q{q + 1},0)" for q in range(4))
    for q in range(4):
        formula_cell(ws, 3, Q_FLOOR + q, f"=IF({pos}>0,MAX(P_Q{q + 1},0),1)", st.calc_text, v["q_weights"][q])
        terms = [f"({qw[k]}>={qw[q]})" for k in range(q)] + [f"({qw[k]}>{qw[q]})" for k in range(q + 1, 4)]
        formula_cell(ws, 3, Q_REM + q, "=1+" + "+".join(terms), st.calc_text, float(q0["prio"][q]))
    heads = {H_W: "分配权重", H_PRIO: "权重名次", H_FLOOR: "整数部分", H_REM: "余数", H_RANK: "余数名次",
             Q_K: "季度整数单位", Q_LEFT: "季度剩余单位", Q_REST: "季度零头"}
    heads.update({Q_FLOOR + q: f"{_QN[q]}季度整数部分" for q in range(4)})
    heads.update({Q_REM + q: f"{_QN[q]}季度余数" for q in range(4)})
    for j, text in heads.items():
        ws.write_string(r1 - 2, j, text, st.header)
    ws.set_column(H_W, Q_REST, 11, None, {"hidden": True, "level": 1})
    ws.set_column(Q_REST + 1, Q_REST + 1, None, None, {"collapsed": True})


def _helper_row(ws, st, r: int, i: int, v: dict, r1: int, r2: int) -> None:
    """One outlet row's helper formulas (S..AH; ``r`` 0-based, ``i`` the row's index in the outlet block),
    cached values from :func:`lr_helper_values`."""
    er = r + 1
    blank = f'$A{er}=""'
    h = v["helpers"]
    ex = i < len(v["df"])
    c = {j: _col(j) for j in range(H_W, Q_REST + 1)}
    w, pr, fl, rm = (c[H_W], c[H_PRIO], c[H_FLOOR], c[H_REM])
    cells = [
        (H_W, f'=IF({blank},-1,IF(SUMIF($L${r1}:$L${r2},">0")>0,MAX(L{er},0),1))', h["w"][i]),
        (H_PRIO, f'=IF({blank},"",1+SUMPRODUCT((${w}${r1}:${w}${r2}>{w}{er})*1)'
                 f'+SUMPRODUCT((${w}${r1 - 1}:{w}{er - 1}={w}{er})*1))', h["prio"][i]),
        (H_FLOOR, f"=IF({blank},0,INT(ROUND(H_K*{w}{er}/H_WSum,9)))", h["floor"][i]),
        (H_REM, f"=IF({blank},-1,ROUND(H_K*{w}{er}/H_WSum-{fl}{er},9))", h["rem"][i]),
        (H_RANK, f'=IF({blank},"",1+SUMPRODUCT((${rm}${r1}:${rm}${r2}>{rm}{er})'
                 f'+(${rm}${r1}:${rm}${r2}={rm}{er})*(${pr}${r1}:${pr}${r2}<{pr}{er})))', h["rank"][i]),
    ]
    qh = v["q_helpers"][i] if ex else None
    k = c[Q_K]
    cells.append((Q_K, f"=IF({blank},0,INT(ROUND(ABS(M{er}),9)))", qh["k"] if ex else 0.0))
    for q in range(4):
        fq = c[Q_FLOOR + q]
        cells.append((Q_FLOOR + q, f"=IF({blank},0,INT(ROUND(${k}{er}*{fq}$4/${k}$4,9)))",
                      qh["floor"][q] if ex else 0.0))
        cells.append((Q_REM + q, f"=IF({blank},-1,ROUND(${k}{er}*{fq}$4/${k}$4-{fq}{er},9))",
                      qh["rem"][q] if ex else -1.0))
    cells.append((Q_LEFT, f"=IF({blank},0,{k}{er}-SUM({c[Q_FLOOR]}{er}:{c[Q_FLOOR + 3]}{er}))",
                  qh["left"] if ex else 0.0))
    cells.append((Q_REST, f"=IF({blank},0,ROUND(ABS(M{er})-{k}{er},9))", qh["rest"] if ex else 0.0))
    for j, f, val in cells:
        formula_cell(ws, r, j, f, st.calc_text, _num(val))


def build_targets_template(path: str | Path) -> Path:
    """Write ``存款目标分解模板.xlsx`` (D5) to ``path`` and return the path.

    Sheets: 使用说明; 参数 (目标日均, 全行基期日均 and ΔT as formulas, 考核期起/止, 数据日期, weights,
    quarterly progress, 不可达倍数; each value has an Excel name such as ``P_Target``); 分解 (30 outlet rows:
    factors as inputs; shares, 综合占比, ΔT_i = ΔT split by 综合占比 into whole 万元 with the largest-remainder
    method (as the bankxl report, SCENARIOS.md D5: Σ ΔT_i = ΔT exactly), 目标日均 and the quarterly split of
    ΔT_i by 季度进度 (largest remainder, Σ = ΔT_i) as live formulas; 合计 and 核对 rows; the helper columns
    S..AH — see :func:`lr_helper_values` — hidden in an outline group); 所需日均 (per outlet N, d, S_d, A*, R = IF(d>=N, S_d/N,
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
        "用途: 把全行存款日均目标分解到各支行/网点, 并计算每个机构剩余期间",
        "      每天平均需要达到的余额(所需日均)。",
        "",
        "第 1 步 「参数」: 填写全行目标日均(万元)、考核期起止、数据日期(今天的数据截至日),",
        "        需要时调整四个因子权重、季度进度和不可达倍数。",
        "第 2 步 「分解」: 每行一个机构(最多 30 行), 黄色格填写 机构号、机构名称、上年日均、",
        "        上年日均增量、市场潜力、人数; 基期日均默认等于上年日均(公式), 可直接覆盖填写。",
        "        灰色格是公式, 自动算出各因子占比、综合占比、增量任务和目标日均。",
        "第 3 步 「所需日均」: 机构号与目标日均自动取自「分解」; 黄色格填写 累计余额 S_d",
        "        (考核期初至数据日期每日余额之和, 万元·日) 和当前余额。期长 N、已过天数 d",
        "        默认按参数计算; 按月跟踪时可改写为当月天数和当月已过天数, 并把目标日均改为",
        "        bankxl 报告「月度分解」中的本月日均目标(每月都达到本月日均目标,",
        "        全年日均恰好达到目标日均)。",
        "",
        "计算口径(与 bankxl 报告一致):",
        "· 增量任务 ΔT = 全行目标日均 − 全行基期日均(默认为各机构基期日均之和)。",
        "· 机构增量 ΔT_i = ΔT × Σ 权重 × 因子占比; 因子占比中负值按 0; 某个因子全部为 0 时,",
        "  其权重按比例分给其余因子(参数表「有效权重」)。",
        "· 目标日均 = 基期日均 + ΔT_i; 季度增量 = ΔT_i × 季度进度(取整见下方取整说明)。",
        "· 所需日均 R = (A*×N − S_d)/(N − d); d ≥ N(期已结束)时显示实际日均 S_d/N。",
        "  缺口 = R − 当前余额。",
        "· 可达性(与 bankxl 报告同一规则): R ≤ 当前余额 → 当前余额已满足;",
        "  当前余额为空或 ≤ 0, 或 R > 不可达倍数 × 当前余额 → 基本不可达(红色); 其余 → 需提升;",
        "  d ≥ N(期已结束) → 实际日均 ≥ 目标日均为 已达成, 否则 未达成(期已结束)。",
        "",
        "取整说明(与 bankxl 报告相同的最大余数法, 各机构增量任务之和恰等于 ΔT):",
        "· 机构增量任务取整到 1 万元: 先给每个机构 ΔT × 综合占比 的整数部分, 剩下的整万元",
        "  按小数部分(余数)从大到小, 每个机构各加 1 万元; 余数相同时先给综合占比大的机构,",
        "  再相同时先给表中靠上的机构。ΔT 不是整万元时, 不足 1 万元的零头给综合占比最大的机构。",
        "· 季度增量同样用最大余数法把 ΔT_i 按季度进度分到四个季度, 四个季度之和恰等于 ΔT_i;",
        "  季度进度合计不是 100% 时按比例折算。",
        "· 计算过程在「分解」表 S 列起的辅助列(已隐藏并分组, 点击列标上方的「+」展开):",
        "  分配权重、权重名次、整数部分、余数、余数名次, 以及季度的整数部分、余数、剩余单位;",
        "  第 4 行是全表用到的权重合计、整数单位数、剩余单位、零头和季度权重。辅助列是公式, 请勿修改。",
        "· 月度分解、偏离度预警、进度图, 请用 bankxl 的「存款营销指标分解」功能生成报告。",
        "",
        "表内数据为示例, 请替换为本行数据。黄色 = 填写, 灰色 = 公式(请勿删除)。",
        "函数只用 Excel 2010 及以上与 WPS、LibreOffice 通用的函数",
        "(SUM、SUMIF、SUMPRODUCT、IF、MAX、MIN、ROUND、INT、ABS、AND、OR)。",
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
                     "开门红前置, 四个季度合计应为 100%(不是 100% 时按比例折算)"))
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
             "黄色格填写机构与因子; 灰色格为公式。取整: 最大余数法取整到 1 万元, 增量任务合计恰等于 ΔT, 各季度之和恰等于"
             "机构增量(与 bankxl 报告相同); 计算过程在隐藏的辅助列(S 列起)。", st)
    ws_dec.merge_range(2, 0, 2, 1, "增量任务 ΔT(万元):", st.label)
    formula_cell(ws_dec, 2, 2, "=P_DeltaT", st.calc_money, v["delta"])
    heads = ["机构号", "机构名称", "上年日均(万元)", "上年日均增量(万元)", "市场潜力(万元)", "人数", "基期日均(万元)",
             "存量占比", "增量占比", "潜力占比", "人数占比", "综合占比", "增量任务ΔT_i(万元)", "目标日均(万元)",
             "一季度增量(万元)", "二季度增量(万元)", "三季度增量(万元)", "四季度增量(万元)"]
    header_row(ws_dec, first - 1, heads, st, height=32)
    widths = [10, 18, 14, 14, 14, 8, 14, 9, 9, 9, 9, 9, 14, 14, 12, 12, 12, 12]
    column_widths(ws_dec, widths)
    _helper_block(wb, ws_dec, st, v, r1, r2)
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
        formula_cell(ws_dec, r, 12, f'=IF({blank},"",H_Sign*(U{er}+(W{er}<=H_Left)+(T{er}=1)*H_Rest))',
                     st.calc_money, v["delta_i"][i] if ex else "")
        formula_cell(ws_dec, r, 13, f'=IF({blank},"",G{er}+M{er})', st.calc_money, v["target_i"][i] if ex else "")
        q_rems, q_prios = f"${_col(Q_REM)}{er}:${_col(Q_REM + 3)}{er}", f"${_col(Q_REM)}$4:${_col(Q_REM + 3)}$4"
        for q in range(4):
            fc, rc = _col(Q_FLOOR + q), _col(Q_REM + q)
            rank = f"1+SUMPRODUCT(({q_rems}>{rc}{er})+({q_rems}={rc}{er})*({q_prios}<{rc}$4))"
            formula_cell(ws_dec, r, 14 + q,
                         f'=IF({blank},"",IF(M{er}<0,-1,1)*({fc}{er}+(({rank})<=${_col(Q_LEFT)}{er})'
                         f'+({rc}$4=1)*${_col(Q_REST)}{er}))', st.calc_money, v["quarters"][i][q] if ex else "")
        _helper_row(ws_dec, st, r, i, v, r1, r2)
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
    ws_dec.write_string(tr + 1, 0, "核对: ΔT − 增量任务合计(万元), 应为 0", st.note)
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
