"""M1 report: :func:`run` (checks, 个税 累计预扣法, analysis window) and its sheets 校验结果, 个税核对,
工资结构, 部门排名, 个人排名, 扣款构成, 月度趋势 (SCENARIOS.md §5 M1)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ....masking import mask_name
from ....lists import format_values
from ....report import Chart, Figure, Headline, Note, Report, Sheet, Table
from ....scenario import RunContext
from ....tables import PAY_DEDUCTIONS
from .checks import (MISMATCH_COLUMNS, _contribution_hints, _followable, _month_label, _names, employee_months,
                     group_quartiles, payroll_rows, sum_checks, tax_check)
from .params import FIXED_ITEMS, PERF_ITEMS, POOLED, SalaryParams, _zh


# -- the scenario ----------------------------------------------------------------------------------------

def run(tables, params: SalaryParams, ctx: RunContext) -> Report:
    """Build the M1 report: 校验结果, 工资结构, 部门排名, 扣款构成, 月度趋势 (+ 个人排名 when allowed).

    ``tables['payroll']``: canonical payroll frame (see module docstring); ``tables['orgs']`` optional.
    Row problems SUM_MISMATCH / TAX_MISMATCH go to ``ctx.problems`` with the Excel row from ``_row``.
    """
    raw = tables["payroll"]
    orgs = tables.get("orgs")
    tol = float(params.tolerance)
    report = Report(title="员工工资可视化")
    notes: list[str] = ["工资数据属敏感信息, 按权限使用; 报表默认不出个人排名, 姓名脱敏。"]

    pay, lost, blank_id_months = _followable(payroll_rows(raw, orgs), params, ctx, notes)

    # ---- checks: 应发 / 实发, one row per employee and month, 个税 累计预扣法 -------------------------------
    mism, n_unchecked, more = sum_checks(pay, raw, tol, ctx)
    notes += more
    em, more = employee_months(pay)
    notes += more
    tx = tax_check(raw, pay, em, lost, blank_id_months, params, ctx)
    notes += tx.notes
    mism += tx.mism
    tax_detail, late_start, skipped_lines, tax_checked, tax_lines = (tx.detail, tx.late_start, tx.skipped,
                                                                     tx.checked, tx.lines)
    notes.extend(t for t in tax_lines if t.startswith("缺少"))

    # ---- 缴费比例提示 (information) ---------------------------------------------------------------------
    hints = _contribution_hints(em, params, ctx)

    # ---- 校验结果 sheet -------------------------------------------------------------------------------
    mism_df = pd.concat(mism, ignore_index=True) if mism else pd.DataFrame(columns=MISMATCH_COLUMNS)
    if len(mism_df):
        mism_df = mism_df.sort_values(["Excel 行号", "问题码"], kind="mergesort").reset_index(drop=True)
    n_sum = int((mism_df["问题码"] == "SUM_MISMATCH").sum()) if len(mism_df) else 0
    n_tax = int((mism_df["问题码"] == "TAX_MISMATCH").sum()) if len(mism_df) else 0
    summary = [
        f"核对 {len(pay):,} 行, {pay['emp_id'].nunique():,} 名员工, {pay['month'].nunique()} 个月; 容差 {tol:g} 元。",
        f"应发/实发与明细不符: {n_sum} 行。",
        f"扣款项目为空、无法核对实发: {n_unchecked} 行(空白扣款视为未知, 不按 0 计; "
        f"空白应发项目视为当月未发放, 按 0 计)。",
        f"个税与累计预扣法不符: {n_tax} 个员工月。" if tax_checked
        else "个税未校验: " + "".join(tax_lines),
        *skipped_lines,
    ]
    blocks: list = [Note(title="工资核对结果 (按权限使用)", lines=summary),
                    Table(mism_df, name="pay_mismatch", title="核对不符明细",
                          note="Excel 行号为原工资表中的行; 统计图表仍按表内金额。个税重算过程见「个税核对」。",
                          text_columns=("员工号", "月份"), formats={"Excel 行号": "0"},
                          widths={"原因": 26, "建议动作": 30})]
    tax_blocks: list = [Note(title="个税核对 — 累计预扣法", lines=tax_lines)]
    if len(tax_detail):
        tax_blocks.append(Table(tax_detail, name="tax_recalc", title="个税重算明细(仅列不符的员工月)",
                                text_columns=("员工号", "月份", "起算月份"), formats={"Excel 行号": "0", "预扣率": "pct"}))
    if len(late_start):
        ls = late_start
        tax_blocks.append(Table(pd.DataFrame({
            "员工号": ls["emp_id"], "姓名": _names(ls["emp_name"], ctx.mask), "部门": ls["dept"],
            "年度": ls["year"].astype("int64"), "文件中首个月份": _month_label(ls["month"])}).reset_index(drop=True),
            name="tax_start", title="年中入职的员工(晚于文件当年首个月份出现)",
            note="累计个税从该员工当年首个月份起算(减除费用按任职月数); 若其实在本单位更早领薪, 请补全工资表。",
            text_columns=("员工号", "文件中首个月份"), formats={"年度": "0"}))
    if len(hints):
        blocks.append(Table(hints, name="contrib_hints", title="缴费比例提示(仅供核对, 不计入数据问题)",
                            note="由 养老保险 ÷ 个人比例 推算缴费基数; 各地取整与附加规则不同, 差额 > 1 元才提示。",
                            text_columns=("员工号", "月份"), formats={"Excel 行号": "0", "公积金比例": "pct"}))
    blocks.insert(2, _fix_first(mism_df))
    sheets = [Sheet("校验结果", blocks, tab_color="#C00000"), Sheet("个税核对", tax_blocks, tab_color="#C00000")]

    # ---- analysis window ---------------------------------------------------------------------------
    as_of_m = ctx.as_of.to_period("M").to_timestamp()
    start_m = as_of_m - pd.DateOffset(months=max(int(params.window_months), 1) - 1)
    upto = em[em["month"] <= as_of_m]
    win = upto[upto["month"] >= start_m].copy()
    later = int((em["month"] > as_of_m).sum())
    if later:
        notes.append(f"{later} 个员工月晚于数据日期 {ctx.as_of:%Y-%m-%d}, 未纳入统计。")
    if len(win):
        period = f"{win['month'].min():%Y-%m} 至 {win['month'].max():%Y-%m}"
    else:
        period = "无数据"

    # department of each employee = the one in his latest month of the window; pool small departments
    emp = (win.groupby("emp", sort=True)  # integer employee code, in 员工号 order
           .agg(emp_id=("emp_id", "first"), dept=("dept", "last"), emp_name=("emp_name", "last"),
                position=("position", "last"), months=("month", "nunique"), gross_sum=("gross", "sum"),
                net_sum=("net", "sum"))
           .reset_index(drop=True))
    emp["gross_avg"] = emp["gross_sum"] / emp["months"]
    emp["net_avg"] = emp["net_sum"] / emp["months"]
    dept_code = pd.factorize(emp["dept"])[0]
    small = pd.Series(np.bincount(dept_code, minlength=1)[dept_code] < params.min_group_size, index=emp.index)
    emp["group"] = emp["dept"].where(~small, POOLED)
    if small.any():
        notes.append(f"人数少于 {params.min_group_size} 人的部门({emp.loc[small, 'dept'].nunique()} 个)合并为"
                     f"「{POOLED}」展示, 防止反推个人工资。")
    win["group"] = win["emp_id"].map(emp.set_index("emp_id")["group"])

    sheets.append(_structure_sheet(win, params, ctx, period))
    sheets.append(_ranking_sheet(emp, params, ctx, period))
    if params.show_individual:
        sheets.append(_individual_sheet(emp, ctx, period))
    sheets.append(_deduction_sheet(win, params, ctx, period))
    trend_sheet, bonus_months = _trend_sheet(upto, params, ctx)
    sheets.append(trend_sheet)
    if bonus_months:
        notes.append(f"年终奖月(月应发总额 > {params.bonus_factor:g} × 各月中位数): {', '.join(bonus_months)}; "
                     "这些月份的个税若按全年一次性奖金单独计税, 累计预扣法重算会显示不符。")

    report.sheets = sheets
    report.notes = notes
    report.headline = _headline(report, len(mism_df), ctx)
    report.method = [
        "来源: SCENARIOS.md §5 M1 员工工资可视化; 个税: 累计预扣法(国家税务总局公告 2018 年第 61 号)【S25】, bankxl.tax。",
        ("应发合计 = Σ(基本工资, 岗位工资, 绩效工资, 津补贴, 加班工资, 其他应发); 实发合计 = 应发合计 − Σ(养老, 医疗, 失业, "
         f"住房公积金, 企业年金, 个税, 其他扣款); 空值按 0; 容差 {tol:g} 元。"),
        (f"个税: 累计应纳税所得额 = 累计应发 − {params.basic_deduction:,.0f} × 当年任职月数 − 累计专项扣除(养老+医疗+失业+公积金)"
         f" − 累计专项附加扣除 − 累计其他扣除(企业年金个人缴费, 以当月应发的 {params.annuity_cap_rate:.0%} 为限);"
         " 本月应预扣 = 累计应纳税所得额 × 预扣率 − 速算扣除数 − 累计已预扣(负数不退); 按员工、自然年计算, 同月多条合并。"
         " 文件某年首个月份晚于 1 月时, 该月已在册员工缺少此前收入, 当年个税不核对; 此后出现的员工按年中入职从首个月份起算。"),
        "固定工资 = 基本工资 + 岗位工资 + 津补贴; 绩效及其他 = 绩效工资 + 加班工资 + 其他应发。",
        ("部门排名: 每名员工统计期内的月均应发/实发(合计 ÷ 发放月数), 部门取中位数与 P25/P75(线性插值, 同 Excel "
         f"PERCENTILE.INC); 员工部门取其统计期内最后一个月; 人数 < {params.min_group_size} 的部门合并。"),
        f"统计期: 数据日期所在月及之前共 {params.window_months} 个月({period}); 月度趋势显示数据日期前的全部月份。",
        f"年终奖月: 月应发总额 > {params.bonus_factor:g} × 各月应发总额中位数。",
    ]
    return report


def _structure_sheet(win: pd.DataFrame, p: SalaryParams, ctx: RunContext, period: str) -> Sheet:
    """工资结构: per department fixed vs performance pay, totals and per person-month."""
    w = win.assign(fixed=win[list(FIXED_ITEMS)].fillna(0.0).sum(axis=1),
                   perf=win[list(PERF_ITEMS)].fillna(0.0).sum(axis=1))
    g = (w.groupby(w["group"].astype("category"), sort=True, observed=True)
         .agg(staff=("emp", "nunique"), pm=("emp", "size"), fixed=("fixed", "sum"), perf=("perf", "sum"),
              gross=("gross", "sum"))
         .reset_index())
    tot = pd.DataFrame([{"group": "全行合计", "staff": w["emp"].nunique(), "pm": len(w),
                         "fixed": w["fixed"].sum(), "perf": w["perf"].sum(), "gross": w["gross"].sum()}])
    g = g.sort_values("gross", ascending=False, kind="mergesort").reset_index(drop=True)
    df, total = _structure_frame(g, ctx), _structure_frame(tot if len(w) else tot.iloc[:0], ctx)
    chart_df_name = "pay_structure"
    blocks = [
        Note(title=f"工资结构 固定 vs 绩效 ({period})",
             lines=["固定 = 基本工资 + 岗位工资 + 津补贴; 绩效及其他 = 绩效工资 + 加班工资 + 其他应发。",
                    "人均月 = 金额 ÷ 发放人月, 便于不同规模部门比较; 占比按 固定 + 绩效及其他 计算。"]),
        Table(total, name="pay_structure_total", title="全行合计", formats=_STRUCT_FORMATS),
        Table(df, name=chart_df_name, title="各部门工资结构(按应发合计降序)", formats=_STRUCT_FORMATS),
        Chart(chart_df_name, "部门", ["人均月固定(元)", "人均月绩效及其他(元)"], kind="column", stacked=True,
              title="人均月工资结构(元)", y_title="元/人·月", number_format="#,##0", width=960, height=380),
        Chart(chart_df_name, "部门", ["固定占比", "绩效占比"], kind="column", percent_stacked=True,
              title="固定/绩效占比", number_format="0%", width=960, height=380),
    ]
    return Sheet("工资结构", blocks, tab_color="#1F4E78")


_STRUCT_FORMATS = {"固定占比": "pct1", "绩效占比": "pct1", "人均月固定(元)": "money0", "人均月绩效及其他(元)": "money0"}


def _structure_frame(g: pd.DataFrame, ctx: RunContext) -> pd.DataFrame:
    both = g["fixed"] + g["perf"]
    return pd.DataFrame({
        "部门": g["group"].astype("string"), "人数": g["staff"].astype("int64"),
        "发放人月": g["pm"].astype("int64"),
        ctx.money_label("固定工资"): ctx.money(g["fixed"]), ctx.money_label("绩效及其他"): ctx.money(g["perf"]),
        ctx.money_label("应发合计"): ctx.money(g["gross"]),
        "人均月固定(元)": (g["fixed"] / g["pm"]).round(2), "人均月绩效及其他(元)": (g["perf"] / g["pm"]).round(2),
        "固定占比": (g["fixed"] / both).where(both != 0), "绩效占比": (g["perf"] / both).where(both != 0)})


QUARTILES = ("min", "p25", "median", "p75", "max")


def _ranking_sheet(emp: pd.DataFrame, p: SalaryParams, ctx: RunContext, period: str) -> Sheet:
    """部门排名: medians and quartiles of each employee's monthly average gross/net per department."""
    qg, qn = group_quartiles(emp["group"], emp["gross_avg"]), group_quartiles(emp["group"], emp["net_avg"])
    small = (qg["n"] < p.min_group_size).to_numpy()
    r = pd.DataFrame({"group": qg.index.to_numpy(), "n": qg["n"].to_numpy(),
                      **{f"g_{k}": np.where(small, np.nan, qg[k].to_numpy()) for k in QUARTILES},
                      **{f"n_{k}": np.where(small, np.nan, qn[k].to_numpy()) for k in QUARTILES}})
    r = r.sort_values(["g_median", "group"], ascending=[False, True], kind="mergesort", na_position="last")
    r = r.reset_index(drop=True)
    rank = pd.DataFrame({
        "排名": pd.Series(np.arange(1, len(r) + 1), dtype="int64"), "部门": r["group"].astype("string"),
        "人数": r["n"].astype("int64"),
        "月均应发中位数(元)": r["g_median"].round(2), "月均实发中位数(元)": r["n_median"].round(2),
        "应发P25(元)": r["g_p25"].round(2), "应发P75(元)": r["g_p75"].round(2),
        "实发P25(元)": r["n_p25"].round(2), "实发P75(元)": r["n_p75"].round(2)})
    box = pd.DataFrame({
        "部门": r["group"].astype("string"), "人数": r["n"].astype("int64"),
        "最小值(元)": r["g_min"].round(2), "P25(元)": r["g_p25"].round(2), "中位数(元)": r["g_median"].round(2),
        "P75(元)": r["g_p75"].round(2), "最大值(元)": r["g_max"].round(2),
        "中位数−P25(元)": (r["g_median"] - r["g_p25"]).round(2), "P75−中位数(元)": (r["g_p75"] - r["g_median"]).round(2)})
    f0 = {c: "money0" for c in rank.columns if c.endswith("(元)")}
    fb = {c: "money0" for c in box.columns if c.endswith("(元)")}
    blocks = [
        Note(title=f"部门排名 — 月均应发/实发中位数 ({period})",
             lines=["按权限使用: 默认不出个人排名; 每名员工先算统计期内月均应发/实发, 再取部门中位数与四分位数。",
                    f"人数少于 {p.min_group_size} 人的部门已合并为「{POOLED}」。"]),
        Table(rank, name="dept_rank", title="部门中位数排名", formats=f0),
        Chart("dept_rank", "部门", ["月均应发中位数(元)", "月均实发中位数(元)"], kind="column",
              title="部门月均应发/实发中位数(元)", y_title="元/月", number_format="#,##0", width=960, height=380),
        Table(box, name="dept_box", title="部门分布(箱线图替代: 最小值/P25/中位数/P75/最大值, 月均应发)", formats=fb),
        Chart("dept_box", "部门", ["P25(元)", "中位数−P25(元)", "P75−中位数(元)"], kind="column", stacked=True,
              title="部门月均应发四分位(元): 底柱到 P25, 其上两段为 P25→中位数→P75", y_title="元/月",
              number_format="#,##0", width=960, height=380),
    ]
    return Sheet("部门排名", blocks, tab_color="#1F4E78")


def _individual_sheet(emp: pd.DataFrame, ctx: RunContext, period: str) -> Sheet:
    """个人排名 (only with show_individual): names always masked, 员工号 shown."""
    e = emp.sort_values(["gross_avg", "emp_id"], ascending=[False, True], kind="mergesort").reset_index(drop=True)
    df = pd.DataFrame({
        "排名": pd.Series(np.arange(1, len(e) + 1), dtype="int64"), "员工号": e["emp_id"],
        "姓名(脱敏)": mask_name(e["emp_name"]), "部门": e["dept"], "岗位": e["position"],
        "发放月数": e["months"].astype("int64"), "月均应发(元)": e["gross_avg"].round(2),
        "月均实发(元)": e["net_avg"].round(2)})
    return Sheet("个人排名", [Note(title=f"个人排名 ({period}) — 经授权使用, 不得外传",
                                   lines=["按统计期内月均应发降序; 姓名脱敏, 查询请用员工号。"]),
                              Table(df, name="emp_rank", text_columns=("员工号",))], tab_color="#7F7F7F")


def _deduction_sheet(win: pd.DataFrame, p: SalaryParams, ctx: RunContext, period: str) -> Sheet:
    """扣款构成: sum and share per deduction item, pie, and a waterfall table 应发 → 实发."""
    gross = float(win["gross"].sum()) if len(win) else 0.0
    net = float(win["net"].sum()) if len(win) else 0.0
    sums = {c: float(win[c].sum()) if len(win) else 0.0 for c in PAY_DEDUCTIONS}
    total = sum(sums.values())
    items = [c for c in PAY_DEDUCTIONS if sums[c] != 0]
    comp = pd.DataFrame({
        "扣款项目": pd.Series([_zh(c) for c in items], dtype="string"),
        ctx.money_label("金额"): ctx.money(pd.Series([sums[c] for c in items], dtype="float64")),
        "占扣款合计": pd.Series([sums[c] / total if total else np.nan for c in items], dtype="float64"),
        "占应发合计": pd.Series([sums[c] / gross if gross else np.nan for c in items], dtype="float64")})
    steps = [("应发合计", gross, "起点")]
    for c in items:
        steps.append((f"−{_zh(c)}", -sums[c], "扣款"))
    gap = net - (gross - total)
    if abs(gap) > p.tolerance * max(len(win), 1):
        steps.append(("核对差异", gap, "实发 ≠ 应发 − 扣款, 见 校验结果"))
    steps.append(("实发合计", net, "终点"))
    amounts = pd.Series([s[1] for s in steps], dtype="float64")
    running = amounts.copy()
    running.iloc[1:-1] = gross + amounts.iloc[1:-1].cumsum()
    running.iloc[-1] = net
    # bar = 余额部分 (what is left after the step, or the start/end amount) + 本项扣减 (the step itself)
    base = running.copy()
    step = pd.Series(0.0, index=amounts.index, dtype="float64")
    before = running.iloc[1:-1] - amounts.iloc[1:-1]
    base.iloc[1:-1] = np.minimum(running.iloc[1:-1].to_numpy(), before.to_numpy())
    step.iloc[1:-1] = amounts.iloc[1:-1].abs()
    wf = pd.DataFrame({
        "步骤": pd.Series([s[0] for s in steps], dtype="string"),
        ctx.money_label("金额"): ctx.money(amounts), ctx.money_label("累计"): ctx.money(running),
        ctx.money_label("余额部分"): ctx.money(base), ctx.money_label("本项扣减"): ctx.money(step),
        "说明": pd.Series([s[2] for s in steps], dtype="string")})
    money_fmt = "#,##0.00"
    blocks = [
        Note(title=f"扣款构成 ({period})",
             lines=[(f"扣款合计 {ctx.money(total):,.2f} {ctx.unit}, 占应发合计 "
                     f"{(total / gross if gross else 0):.1%}; 占比之和为 100%。")]),
        Table(comp, name="deduction_mix", title="各扣款项目金额与占比", total_row=True,
              formats={"占扣款合计": "pct1", "占应发合计": "pct1", ctx.money_label("金额"): money_fmt}),
        Chart("deduction_mix", "扣款项目", [ctx.money_label("金额")], kind="pie", title="扣款构成", width=480,
              height=300),
        Table(wf, name="pay_waterfall", title="应发 → 实发 瀑布表",
              note="金额为负表示扣减; 图中每条 = 余额部分(扣后剩余) + 本项扣减, 从应发逐项减到实发。",
              formats={c: money_fmt for c in wf.columns if c.endswith(f"({ctx.unit})")}),
        Chart("pay_waterfall", "步骤", [ctx.money_label("余额部分"), ctx.money_label("本项扣减")], kind="bar",
              stacked=True, title=f"应发 → 各项扣款 → 实发({ctx.unit})", number_format="#,##0"),
    ]
    return Sheet("扣款构成", blocks, tab_color="#1F4E78")


def _fix_first(mism: pd.DataFrame) -> Table:
    """待处理核对 (the headline's action list): the rows of 校验结果 (``mism``, :data:`MISMATCH_COLUMNS`) by
    |差额(元)| descending (then Excel 行号), with 排名 and a 建议动作 naming 员工号, 月份, 核对项目 and the
    difference (元) before the check's own action. Columns: 排名, 员工号, 姓名, 部门, 月份, 核对项目, 差额(元), 建议动作."""
    cols = ["排名", "员工号", "姓名", "部门", "月份", "核对项目", "差额(元)", "建议动作"]
    if not len(mism):
        return Table(pd.DataFrame(columns=cols), name="fix_first", title="待处理核对(按差额从大到小)",
                     empty_note="应发/实发与个税核对全部相符")
    order = mism.assign(_abs=pd.to_numeric(mism["差额(元)"], errors="coerce").abs()).sort_values(
        ["_abs", "Excel 行号"], ascending=[False, True], na_position="last", kind="mergesort").reset_index(drop=True)
    diff = format_values(pd.to_numeric(order["差额(元)"], errors="coerce").astype("float64"), ",.2f").fillna("未知")
    what = (order["员工号"].astype("string") + " " + order["月份"].astype("string") + " " + order["核对项目"].astype("string")
            + " 差 " + diff + " 元: " + order["建议动作"].astype("string").fillna(""))
    df = pd.DataFrame({"排名": np.arange(1, len(order) + 1, dtype="int64"), "员工号": order["员工号"].to_numpy(),
                       "姓名": order["姓名"].to_numpy(), "部门": order["部门"].to_numpy(), "月份": order["月份"].to_numpy(),
                       "核对项目": order["核对项目"].to_numpy(),
                       "差额(元)": pd.to_numeric(order["差额(元)"], errors="coerce").to_numpy(dtype="float64"),
                       "建议动作": what.to_numpy()})
    return Table(df, name="fix_first", title="待处理核对(按差额从大到小)", text_columns=("员工号", "月份"),
                 widths={"建议动作": 60})


def _headline(report: Report, n_checks: int, ctx: RunContext) -> Headline:
    """概览 (issue 10 item 1): the latest month of 月度趋势 (the data date's month or the last before it) —
    应发合计 and 实发合计 (``ctx.unit``), 发放人数 (人), 人均应发 (元) — each vs the month before (上月; blank and
    said when the data hold no such month), and the number of 校验结果 rows to fix (行); chart 应发/实发 by month;
    actions: the largest differences first (:func:`_fix_first`)."""
    t = report.tables()["monthly_trend"].df
    gross, net = ctx.money_label("应发合计"), ctx.money_label("实发合计")
    cur = t.iloc[-1] if len(t) else None
    prev = None
    if cur is not None:
        last = pd.Period(str(cur["月份"]), "M")
        hit = t[t["月份"].astype(str).eq(str(last - 1))]
        prev = hit.iloc[0] if len(hit) else None
    why = None if prev is not None else "数据中没有上月工资, 无上月对比"

    def v(row, col):
        return None if row is None or pd.isna(row[col]) else float(row[col])
    month = f"{cur['月份']} " if cur is not None else ""
    figs = [Figure(f"{month}应发合计", v(cur, gross), ctx.unit, "money", "上月", v(prev, gross), why),
            Figure(f"{month}实发合计", v(cur, net), ctx.unit, "money", "上月", v(prev, net), why),
            Figure(f"{month}发放人数", v(cur, "发放人数"), "人", "int", "上月", v(prev, "发放人数"), why),
            Figure(f"{month}人均应发", v(cur, "人均应发(元)"), "元", "money0", "上月", v(prev, "人均应发(元)"), why),
            Figure("核对不符", n_checks, "行", "int", note="应发/实发与明细不符及个税不符, 见「校验结果」")]
    chart = Chart("monthly_trend", "月份", [gross, net], kind="line", title=f"月度应发/实发({ctx.unit})", y_title=ctx.unit,
                  height=240)
    return Headline(figs, chart=chart if len(t) else None, actions="fix_first",
                    lines=["工资数据属敏感信息, 按权限使用; 姓名已脱敏。"])


def _trend_sheet(upto: pd.DataFrame, p: SalaryParams, ctx: RunContext) -> tuple[Sheet, list[str]]:
    """月度趋势: monthly gross, net and headcount; 年终奖月 marked."""
    g = (upto.groupby("month", sort=True)
         .agg(staff=("emp", "nunique"), gross=("gross", "sum"), net=("net", "sum")).reset_index())
    med = float(g["gross"].median()) if len(g) else np.nan
    bonus = (g["gross"] > p.bonus_factor * med) if len(g) else pd.Series(dtype=bool)
    df = pd.DataFrame({
        "月份": _month_label(g["month"]), "发放人数": g["staff"].astype("int64"),
        ctx.money_label("应发合计"): ctx.money(g["gross"]), ctx.money_label("实发合计"): ctx.money(g["net"]),
        "人均应发(元)": (g["gross"] / g["staff"]).round(2),
        "与中位月之比": (g["gross"] / med) if med else np.nan,
        "备注": pd.Series(np.where(bonus, "年终奖月(集中发放)", ""), dtype="string")})
    blocks = [
        Note(title="月度趋势", lines=[f"年终奖月: 月应发总额 > {p.bonus_factor:g} × 各月中位数, 备注列标出。"]),
        Table(df, name="monthly_trend", title="各月应发、实发与人数", text_columns=("月份",),
              formats={"与中位月之比": "ratio", "人均应发(元)": "money0"},
              conditional=[_bonus_cond()]),
        Chart("monthly_trend", "月份", [ctx.money_label("应发合计"), ctx.money_label("实发合计"), "发放人数"],
              kind="line", secondary=("发放人数",), title=f"月度应发/实发({ctx.unit})与人数",
              y_title=ctx.unit),
    ]
    months = df.loc[bonus.to_numpy(), "月份"].tolist() if len(g) else []
    return Sheet("月度趋势", blocks, tab_color="#1F4E78"), months


def _bonus_cond():
    from ....report import Conditional

    return Conditional(columns=("备注",), kind="text", value="年终奖", style="warn")
