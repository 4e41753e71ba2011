"""M1 员工工资可视化模板 (``员工工资可视化模板.xlsx``): the scenario's template hook (``SPEC.template``).

Built with the shared template helpers of :mod:`bankxl.templates` (their rules: Excel 2010+/LibreOffice
functions only, cached values computed by the scenario's own functions, byte-stable rebuilds).
"""
from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ....templates import (
    FONT,
    column_widths,
    excel_round,
    formula_cell,
    header_row,
    heading,
    help_sheet,
    new_workbook,
    print_setup,
)

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
    from ....tables import PAY_DEDUCTIONS, PAY_ITEMS
    from ....tax import cumulative_iit_long, round_half_up

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
    from ....tables import PAY_DEDUCTIONS, PAY_ITEMS

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

    from ....tables import PAY_DEDUCTIONS, PAY_ITEMS, get_table

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

    wb, st = new_workbook(path, "员工工资可视化模板")
    in_month = wb.add_format({"font_name": FONT, "font_size": 10, "valign": "vcenter", "bg_color": "#FFF2CC",
                              "border": 1, "border_color": "#BFBFBF", "num_format": "yyyy-mm"})
    ws_help = wb.add_worksheet("使用说明")
    ws_pay = wb.add_worksheet("员工工资")
    ws_sum = wb.add_worksheet("汇总")

    # -- 使用说明 -------------------------------------------------------------------------------------
    err_row = first + SALARY_EXAMPLE_ERROR[0] + 1
    help_sheet(ws_help, "员工工资可视化模板 (bankxl M1 员工工资可视化)", 112, [
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
    heading(ws_pay, "员工工资明细(元)", "黄色格填写; 灰色列为核对公式。表头请勿修改(bankxl 按表头识别列)。", st)
    ws_pay.write_string(2, 0, "核对容差(元)", st.label)
    ws_pay.write_blank(2, 1, None, st.label)
    ws_pay.write_number(2, 2, SALARY_TOL, st.in_money)
    wb.define_name("M1_Tol", "='员工工资'!$C$3")
    heads = [c.label if c.kind == "money" else c.zh for c in cols] + ["应发核对(元)", "实发核对(元)", "核对结果"]
    header_row(ws_pay, first - 1, heads, st, height=30)
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
        formula_cell(ws_pay, r, cg, f'=IF({blank},"",ROUND(SUM({items.format(r=er)})-{L["gross"]}{er},2))',
                 st.calc_money, v["check_gross"][i] if ex else "")
        formula_cell(ws_pay, r, cn,
                 f'=IF({blank},"",ROUND({L["gross"]}{er}-SUM({deds.format(r=er)})-{L["net"]}{er},2))',
                 st.calc_money, v["check_net"][i] if ex else "")
        formula_cell(ws_pay, r, cs, f'=IF({blank},"",IF(OR(ABS({LG}{er})>M1_Tol,ABS({LN}{er})>M1_Tol),"不符","一致"))',
                 st.calc_text, v["status"][i] if ex else "")
    ws_pay.conditional_format(first, cs, last, cs, {"type": "text", "criteria": "containing", "value": "不符",
                                                    "format": st.bad})
    ws_pay.conditional_format(first, cg, last, cn, {"type": "cell", "criteria": "not between", "minimum": -SALARY_TOL,
                                                    "maximum": SALARY_TOL, "format": st.bad})
    ws_pay.freeze_panes(first, 3)
    ws_pay.autofilter(first - 1, 0, last, cs)
    print_setup(ws_pay)

    # -- 汇总 -------------------------------------------------------------------------------------------
    heading(ws_sum, "按部门汇总(元)", "A 列填写部门(与「员工工资」表的部门一致); 其余为公式。人均月 = 合计 ÷ 发放人次。", st)
    sheads = ["部门", "发放人次", "固定工资(元)", "绩效及其他(元)", "应发合计(元)", "扣款合计(元)", "实发合计(元)",
              "人均月应发(元)", "人均月实发(元)", "固定占比", "绩效占比", "核对不符行数"]
    hrow = 3
    header_row(ws_sum, hrow, sheads, st, height=30)
    column_widths(ws_sum, (14, 9, 14, 14, 14, 14, 14, 13, 13, 9, 9, 11))

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
            formula_cell(ws_sum, r, j, f, fmt, val if ex else "")
    tr, ter = s_last + 1, s_last + 2
    t = v["total"]
    ws_sum.write_string(tr, 0, "合计", st.total_label)
    for j, key_ in zip(range(1, 7), ("n", "fixed", "perf", "gross", "ded", "net")):
        c = xl_col_to_name(j)
        formula_cell(ws_sum, tr, j, f"=SUM({c}{s_first + 1}:{c}{s_last + 1})", st.total_int if j == 1 else st.total_money,
                 t[key_])
    formula_cell(ws_sum, tr, 7, f'=IF(B{ter}=0,"",E{ter}/B{ter})', st.total_money, t["gross_avg"])
    formula_cell(ws_sum, tr, 8, f'=IF(B{ter}=0,"",G{ter}/B{ter})', st.total_money, t["net_avg"])
    formula_cell(ws_sum, tr, 9, f'=IF(C{ter}+D{ter}=0,"",C{ter}/(C{ter}+D{ter}))', st.total_pct, t["fixed_share"])
    formula_cell(ws_sum, tr, 10, f'=IF(C{ter}+D{ter}=0,"",D{ter}/(C{ter}+D{ter}))', st.total_pct, t["perf_share"])
    formula_cell(ws_sum, tr, 11, f"=SUM(L{s_first + 1}:L{s_last + 1})", st.total_int, t["bad"])
    ws_sum.write_string(tr + 2, 0, "未列入汇总的人次", st.label)
    formula_cell(ws_sum, tr + 2, 1, f"=COUNTA({rng('emp_id')})-B{ter}", st.calc_int, v["unlisted"])
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
    print_setup(ws_sum)
    ws_pay.activate()
    wb.close()
    return path
