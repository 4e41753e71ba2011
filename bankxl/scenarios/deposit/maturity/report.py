"""D2 report: the 到期明细 pivot source and native PivotTables, and :func:`run` (the sheets listed in the
package docstring)."""
from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from ....report import Chart, Conditional, Note, PivotBlock, Report, Sheet, Table
from ....report.pivot import DataField, PivotSpec
from ....frames import masked
from ....scenario import RunContext
from ....tags import tag_sheet
from .aggregate import (bucket_table, bucket_total, calendar_table, peak_threshold_column, structure_tables,
                        total_label)
from .labels import (P_LATER, P_OVERDUE, P_SORT, P_TODAY, PRODUCT_KINDS, TOTAL, amount_band_labels, dtm_band_labels,
                     month_periods, term_label)
from .params import ROLL_RULES, ROLL_TEXT, MaturityParams
from .prepare import customer_info, org_hierarchy, prepare
from .headline import maturity_headline
from .reminders import customer_tags, reminder_blocks, reminder_list
from .staffing import staffing_blocks, staffing_tables

DETAIL_PIVOT_ROWS = ("分行", "支行/网点")
DETAIL_PIVOT_COLUMNS = ("到期期间",)
#: Excel's rows per sheet. When 到期明细 (title + header + deposits + total row) would not fit, the native pivots
#: are built over rows pre-aggregated by their row/column fields (:func:`aggregate_for_pivot`) and 说明 says
#: so. A module constant so that tests can lower it (``maturity.report.EXCEL_MAX_ROWS``).
EXCEL_MAX_ROWS = 1_048_576
DETAIL_OVERHEAD_ROWS = 3  # title, header and total row of the 到期明细 table
COUNT_COL = "笔数"
PIVOT_SOURCE_DETAIL, PIVOT_SOURCE_AGG = "maturity_detail", "maturity_pivot_source"


def _level_marks(total: str) -> list[Conditional]:
    """Highlight the top (全行/合计) and 分行 rows of the 到期结构 blocks (level column)."""
    return [Conditional(["层级", "机构名称"], "text", value=total, style="warn"),
            Conditional(["层级"], "text", value="分行", style="good")]



def detail_table(d: pd.DataFrame, ctx: RunContext) -> pd.DataFrame:
    """到期明细 (name ``maturity_detail``): the pivot source, one row per deposit. One money column (the
    pivots' amount field, :func:`detail_money_column`: unscaled, shown to the 元); 到期月份 is not a column of its
    own (到期日 has it, Excel's filter groups dates by month, and 到期期间 is the pivots' month column)."""
    amount_col = detail_money_column(ctx)
    return pd.DataFrame({
        "分行": d["branch"], "支行/网点": d["outlet"], "机构号": d["outlet_id"],
        "到期期间": d["period"].map(P_SORT).fillna(d["period"]).astype("string"),
        "剩余期限档": d["dtm_band"], "产品": d["product"], "产品类别": d["kind"], "期限档": d["term_band"],
        "金额段": d["amount_band"], amount_col: ctx.money(d["balance"]),
        "客户号": d["cust_id"], "账号": masked(d["acct_no"], "acct_no", ctx), "客户经理": d["mgr_id"],
        "起息日": d["value_date"], "到期日": d["maturity"], "实际可支取日": d["actual"],
        "距到期天数": d["dtm"].astype("int64"), "利率": d["rate"],
        "自动转存": d["auto_renew"].map({True: "是", False: "否"}).astype("string"),
        "Excel行号": d["excel_row"],
    }).sort_values(["分行", "机构号", "到期日", "账号"], ignore_index=True)


def detail_money_column(ctx: RunContext) -> str:
    """Header of the one money column of 到期明细 and 到期汇总: the amount in the display unit (``金额(万元)``,
    ``金额(元)`` at scale 1, ``金额(EUR)`` / ``金额(千EUR)`` for EUR), the pivots' amount field. The balance is not
    written a second time."""
    return ctx.money_label("金额")


def detail_fits(n_rows: int) -> bool:
    """True when a 到期明细 table of ``n_rows`` deposits fits on one sheet (:data:`EXCEL_MAX_ROWS`)."""
    return n_rows + DETAIL_OVERHEAD_ROWS <= EXCEL_MAX_ROWS


def aggregate_for_pivot(detail: pd.DataFrame, ctx: RunContext) -> pd.DataFrame:
    """到期汇总 (name ``maturity_pivot_source``): 到期明细 grouped by the pivots' row and column fields
    (分行, 支行/网点, 到期期间; blanks kept as their own group) with the sum of the amount (display unit,
    :func:`detail_money_column`) and 笔数 = number of deposits. Sorted by the keys. A pivot over it gives the same sums as over
    the detail; counts become 求和项:笔数."""
    keys = [*DETAIL_PIVOT_ROWS, *DETAIL_PIVOT_COLUMNS]
    money = [detail_money_column(ctx)]
    g = detail.groupby(keys, dropna=False, sort=True)
    out = g[money].sum()
    out[COUNT_COL] = g.size().astype("int64")
    return out.reset_index()


def pivot_source_rows(d: pd.DataFrame, ctx: RunContext) -> pd.DataFrame:
    """到期汇总 straight from the prepared deposits ``d`` (branch, outlet, period, balance): the frame
    ``aggregate_for_pivot(detail_table(d, ctx), ctx)`` gives, without building the 到期明细 it would not write.
    Grouped on the raw 到期期间 (the sort labels of :data:`P_SORT` are put on the aggregated rows), then sorted by
    the keys as :func:`aggregate_for_pivot` sorts them."""
    keys = [*DETAIL_PIVOT_ROWS, *DETAIL_PIVOT_COLUMNS]
    src = pd.DataFrame({"分行": d["branch"], "支行/网点": d["outlet"], "到期期间": d["period"],
                        detail_money_column(ctx): ctx.money(d["balance"])})
    out = aggregate_for_pivot(src, ctx)
    out["到期期间"] = out["到期期间"].map(P_SORT).fillna(out["到期期间"]).astype("string")
    return out.sort_values(keys, ignore_index=True)


def pivot_specs(ctx: RunContext | None = None, pre_aggregated: bool = False) -> tuple[PivotSpec, PivotSpec]:
    """The native PivotTables over 到期明细: (金额 by 分行/支行 × 到期期间, 笔数 by the same).

    With ``pre_aggregated`` the source is :func:`aggregate_for_pivot`'s frame and 到期笔数 is the sum of its
    笔数 column instead of a count of 账号.
    Distinct customers cannot be a classic PivotTable value (Excel needs the data model for 非重复计数); they
    are on the static 到期结构 sheet."""
    amount_field = detail_money_column(ctx) if ctx is not None else "金额(万元)"
    captions = {"到期期间": "到期期间"}
    amt = PivotSpec(name="到期金额透视", rows=DETAIL_PIVOT_ROWS, columns=DETAIL_PIVOT_COLUMNS,
                    values=(DataField(amount_field, "sum", caption=f"到期{amount_field}", num_format="#,##0.00"),),
                    field_captions=captions)
    count = (DataField(COUNT_COL, "sum", caption="到期笔数", num_format="#,##0") if pre_aggregated else
             DataField("账号", "count", caption="到期笔数", num_format="#,##0"))
    cnt = PivotSpec(name="到期笔数透视", rows=DETAIL_PIVOT_ROWS, columns=DETAIL_PIVOT_COLUMNS, values=(count,),
                    field_captions=captions)
    return amt, cnt


#: the native PivotTable of 到期明细 at the default display scale (万元): rows 分行 → 支行/网点, columns 到期期间
#: (0 已到期未支取 / 1 当日到期 / yyyy-mm … / 9 12个月以后), value 求和 金额(万元). See :func:`pivot_specs`.
PIVOT_SPEC, PIVOT_SPEC_COUNT = pivot_specs(None)


# ------------------------------------------------------------------------------------------ run
def run(tables: Mapping[str, pd.DataFrame], params: MaturityParams, ctx: RunContext) -> Report:
    """Build the D2 report (sheets listed in the module docstring). Tables: ``time_deposits`` (required),
    ``orgs`` and ``customers`` (optional)."""
    td = tables["time_deposits"]
    orgs = tables.get("orgs")
    customers = tables.get("customers")
    d, notes = prepare(td, params, ctx)
    hier, has_branch, hnotes = org_hierarchy(d["org_id"], orgs, ctx, d["excel_row"])
    notes += hnotes
    d = pd.concat([d, hier], axis=1)
    info, id_notes = customer_info(d, customers)
    d = d.assign(ckey=info["ckey"], cust=info["cust"])  # one customer per identity (rules.identity)
    notes += id_notes
    periods_m = month_periods(ctx.as_of, params.months_ahead)
    periods = [P_OVERDUE, P_TODAY, *periods_m, P_LATER]
    unit = ctx.money_label

    # 1 到期结构
    top = total_label(d["outlet_id"], orgs)
    st = structure_tables(d, periods, has_branch, ctx, top)
    hdr = (f"数据日期 {ctx.as_of:%Y-%m-%d}; 列 = 到期期间: 已到期未支取(到期日早于数据日期仍有余额) | 当日到期 | "
           f"{periods_m[0]} 至 {periods_m[-1]} 各月(合同到期日所在月) | 12个月以后 | 合计。")
    hier_line = (f"行 = {top} → 分行 → 支行/网点(按机构表上级机构号)。" if has_branch else
                 (f"行 = {top} → 网点(机构表两级)。" if orgs is not None and len(orgs) else
                  f"未提供机构表: 行 = {top} + 机构号, 不分层级。"))
    if top == TOTAL:
        hier_line += " 数据只含部分机构(如按网点拆分的报告), 首行为这些机构的合计, 不是全行。"
    s1 = Sheet("到期结构", [
        Note(title=f"D2 存款到期结构 — {ctx.as_of:%Y-%m-%d}",
             lines=[hdr, hier_line, f"去重客户数在每一层级单独去重({top}/分行不等于下级之和); 一客户当月多笔只计 1 户。"]),
        Table(st["amount"], name="maturity_amount", title=f"到期金额({ctx.unit})", formats={p: "money" for p in periods},
              text_columns=("机构号",), conditional=_level_marks(top)),
        Table(st["count"], name="maturity_count", title="到期笔数", text_columns=("机构号",), conditional=_level_marks(top),
              formats={p: "int" for p in [*periods, "合计"]}),
        Table(st["customers"], name="maturity_customers", title="到期去重客户数", text_columns=("机构号",),
              conditional=_level_marks(top),
              formats={p: "int" for p in [*periods, "合计"]}),
    ], print_role="summary")  # prints whole at any number of outlets (by rule, > 100 rows printed page 1 only)

    # 到期明细 + native pivots (over pre-aggregated rows when the detail does not fit on one sheet)
    pre_agg = not detail_fits(len(d))  # then 到期明细 is not written: not built either (1.3M × 22 at 1M customers)
    detail = None if pre_agg else detail_table(d, ctx)
    amt_spec, cnt_spec = pivot_specs(ctx, pre_aggregated=pre_agg)
    pivot_source = pivot_source_rows(d, ctx) if pre_agg else detail
    source_name = PIVOT_SOURCE_AGG if pre_agg else PIVOT_SOURCE_DETAIL
    source_sheet = "到期汇总" if pre_agg else "到期明细"
    if pre_agg:
        notes.append(
            f"到期明细共 {len(d):,} 笔, 超过 Excel 单表上限 {EXCEL_MAX_ROWS:,} 行, 未写入工作簿; 「到期透视」的数据透视表"
            f"改以按 分行 × 支行/网点 × 到期期间 预汇总的 {len(pivot_source):,} 行(「{source_sheet}」工作表)为数据源: "
            f"金额为各组余额之和, 到期笔数 = 求和项:{COUNT_COL}(非计数), 合计与明细一致; 产品、期限档、金额段等字段不在汇总中, "
            "无法拖入透视表(按这些维度的分布见「到期分布」)。")
    if len(d):
        src_line = (f"数据源: 「{source_sheet}」工作表(明细超过 Excel 行数上限, 已按分行/支行/到期期间预汇总, "
                    f"笔数为「{COUNT_COL}」列求和, 见「说明」)。" if pre_agg else
                    f"数据源: 「{source_sheet}」工作表, 每行一笔定期存款; 可把 产品类别、期限档、金额段、"
                    "剩余期限档 等字段拖入行/列/筛选。")
        pblocks = [
            Note(title=f"D2 到期透视(Excel 数据透视表)— 数据日期 {ctx.as_of:%Y-%m-%d}",
                 lines=[src_line,
                        "打开文件时 Excel 自动刷新透视表(受保护的视图下需先点「启用编辑」); 金额单位: " + ctx.unit + "。",
                        "到期期间前的数字仅用于排序: 0 已到期未支取, 1 当日到期, 9 12个月以后; 其余为到期年月。",
                        "去重客户数需 Excel 数据模型, 普通透视表无法计算, 见「到期结构」。"]),
            PivotBlock(amt_spec, source_name, title=f"到期金额({ctx.unit}): 分行 → 支行/网点 × 到期期间"),
            PivotBlock(cnt_spec, source_name, title="到期笔数: 分行 → 支行/网点 × 到期期间"),
        ]
    else:
        pblocks = [Note(lines=["没有计入的到期存款, 未生成数据透视表。"])]
    s_pivot = Sheet("到期透视", pblocks)

    # 2 到期分布
    w12 = d[(d["dtm"] >= 0) & (d["period"] != P_LATER)]
    month_order = [P_TODAY, *periods_m]
    by_month = bucket_table(w12, "period", month_order, "到期月份", ctx)
    by_dtm = bucket_table(d, "dtm_band", dtm_band_labels(params.dtm_edges), "剩余期限档", ctx)
    terms = sorted(w12["term"].dropna().astype(int).unique().tolist())
    term_order = [term_label(t) for t in terms]
    bands_present = set(w12["term_band"].dropna().unique())
    term_order = list(dict.fromkeys(term_order + [t for t in ("通知存款", "定活两便", "未知") if t in bands_present]))
    by_term = bucket_table(w12, "term_band", term_order, "存期", ctx)
    by_band = bucket_table(w12, "amount_band", amount_band_labels(params.amount_edges, ctx.currency), "金额段", ctx)
    kinds_present = set(w12["kind"].dropna().unique())
    kinds = [k for k in PRODUCT_KINDS if k in kinds_present]
    by_prod = bucket_table(w12, "kind", kinds, "产品", ctx)
    amt_col = unit("到期金额")

    def dist_block(f, name, title, scope, rng):
        return Table(f, name=name, title=title, note=f"{scope} {bucket_total(rng, ctx)}",
                     formats={"金额占比": "pct1", "笔数": "int", "去重客户数": "int"})

    win_note = f"范围: 未来 12 个月内到期(含当日到期, 至 {periods_m[-1]} 月末)。"
    s2 = Sheet("到期分布", [
        dist_block(by_month, "by_month", "按到期月份", win_note, w12),
        Chart("by_month", "到期月份", [amt_col], kind="column", title="未来 12 个月到期金额与客户数",
              secondary=["去重客户数"], y_title=ctx.unit),
        dist_block(by_dtm, "by_dtm", "按剩余期限(距到期天数)", "范围: 全部计入的定期存款(含已到期未支取与 1 年以后)。", d),
        Chart("by_dtm", "剩余期限档", [amt_col], kind="column", title="按剩余期限的到期金额", y_title=ctx.unit),
        dist_block(by_term, "by_term", "按存期(原始期限)", win_note, w12),
        Chart("by_term", "存期", [amt_col], kind="column", title="未来 12 个月到期金额 — 按存期", y_title=ctx.unit),
        dist_block(by_band, "by_band", "按金额段(单笔余额, 区间左闭右开)", win_note, w12),
        Chart("by_band", "金额段", [amt_col], kind="column", title="未来 12 个月到期金额 — 按金额段",
              secondary=["去重客户数"], y_title=ctx.unit),
        dist_block(by_prod, "by_product", "按产品", win_note, w12),
        Chart("by_product", "产品", [amt_col], kind="column", title="未来 12 个月到期金额 — 按产品", y_title=ctx.unit),
    ])
    # 3 到期日历
    cal = calendar_table(d, params, ctx)
    thr_col = peak_threshold_column(params, ctx)
    thr_zero = len(cal) and not cal[thr_col].iloc[0] > 0
    s3 = Sheet("到期日历", [
        Note(title=f"未来 {params.calendar_days} 天到期日历({(ctx.as_of + pd.Timedelta(days=1)):%Y-%m-%d} 起)",
             lines=["合同到期 = 按合同到期日; 实际可支取 = 到期日遇非工作日"
                    + ROLL_TEXT[params.roll_rule]
                    + " 后落在当日的到期(柜面实际压力)。",
                    (f"高峰日 = 工作日且实际可支取金额 > 本窗口全部工作日实际可支取金额的 P{params.peak_percentile * 100:g}"
                    f"(当前阈值 {thr_col} 列, 阈值须大于 0)。")
                    + (" 本窗口到期的工作日太少, 阈值为 0, 不标记高峰日。" if thr_zero else "")]),
        Table(cal, name="maturity_calendar", title="每日到期",
              formats={"日期": "date", "实际可支取日": "date", thr_col: "money"},
              conditional=[Conditional(["高峰日"], "text", value="高峰", style="bad"),
                           Conditional(["是否工作日"], "text", value="否", style="warn")]),
        Chart("maturity_calendar", "日期", [unit("实际可支取金额")], kind="column",
              title="每日实际可支取金额与客户数", secondary=["实际可支取客户数"], y_title=ctx.unit, width=900,
              label_every=7),  # 60 daily labels overprint each other: one a week
    ])

    # 4 排班 + 大额到期客户 (the list on its own sheet: under a schedule of more than a page it never printed)
    staff, large = staffing_tables(d, info, params, ctx, orgs)
    vip = large.df
    thr = f"{params.large_customer:,.0f} {ctx.base_unit}"
    s4 = Sheet("排班", staffing_blocks(staff, params, ctx))
    s_large = Sheet("大额到期客户", [
        Note(title="大额到期客户(行长/理财经理名单)",
             lines=[f"未来 {params.calendar_days} 天内(按实际可支取日, 工作日)到期合计 ≥ {thr} 的客户, 每户一行; 得分 = "
                    f"大额客户得分 {params.large_points:g}; 建议动作与截止日按参数「大额名单策略表」, 截止日不晚于最早实际可支取日的"
                    "前一个工作日(不早于数据日期); 主要网点/机构号/客户经理取其金额最大的一笔。"
                    + (" 姓名/证件/手机已脱敏, 客户号不脱敏。" if ctx.mask else ""),
                    large.summary(), *large.note]),
        large.table("large_customers", "大额到期客户(行长/理财经理名单)", formats={"最早实际可支取日": "date"}),
    ])
    large_tbl = s_large.blocks[-1]
    large_tbl.empty_note = f"未来 {params.calendar_days} 天内没有到期合计 ≥ {thr} 的客户"

    # 5 提醒名单
    rem, lst, rem_order = reminder_list(d, info, params, ctx)
    s5 = Sheet("提醒名单", reminder_blocks(rem, lst, rem_order, params, ctx))

    if pre_agg:
        s_detail = Sheet(source_sheet, [
            Table(pivot_source, name=source_name,
                  title="到期汇总(透视表数据源: 明细超过 Excel 行数上限, 按分行 × 支行/网点 × 到期期间预汇总)",
                  formats={COUNT_COL: "int"}),
        ])
    else:
        s_detail = Sheet(source_sheet, [
            Table(detail, name=source_name, title="到期明细(透视表数据源)",
                  text_columns=("客户号", "账号", "机构号", "客户经理"),
                  formats={"利率": "pct", "Excel行号": "0", "起息日": "date", "到期日": "date", "实际可支取日": "date",
                           detail_money_column(ctx): "#,##0.00##"},  # 万元 to the 元: 8.86, 8.8601
                  role="detail"),
        ])

    report = Report(title="存款到期视图", sheets=[s1, s_pivot, s2, s3, s4, s_large, s5, s_detail,
                                                  tag_sheet(customer_tags(d, rem, vip, params, ctx))])
    report.headline = maturity_headline(d, rem, len(vip), params, ctx, unit("到期金额"))
    report.method = [
        "方法依据: 课程场景 D2「存款到期视图」。",
        f"距到期天数 dtm = 到期日 − 数据日期 {ctx.as_of:%Y-%m-%d}; 剩余期限档: {', '.join(dtm_band_labels(params.dtm_edges))}。",
        f"到期月份: 合同到期日所在月, 展示 {periods_m[0]} 至 {periods_m[-1]}(从数据日期次日所在月起 {params.months_ahead} 个月)。",
        f"金额段按单笔余额, 区间左闭右开 [下限, 上限): {', '.join(amount_band_labels(params.amount_edges, ctx.currency))}"
        "(正好等于分界的余额归入上一档)。",
        f"实际可支取日: 到期日遇非工作日{ROLL_TEXT[params.roll_rule]}(参数「到期日遇节假日」= {ROLL_RULES[params.roll_rule]})【假设: 各行规则不同】; "
        "工作日按「注意」中的日历来源。",
        f"高峰日: 实际可支取金额 > 未来 {params.calendar_days} 天内全部工作日金额的 P{params.peak_percentile * 100:g}(线性插值), 且阈值 > 0。",
        f"排班: 所需人天 = ceil(当日网点到期客户数 / {params.customers_per_staff_day})【假设】。",
        f"提醒: 到期前 {'/'.join(str(int(k)) for k in params.reminder_days)} 天; 名单按数据日期当天使用, 其后的非工作日的提醒并入当天。",
        "到期本息 = 本金 × (1 + 利率 × 存期/12) 单利; 零存整取 ≈ 余额 × (1 + 利率 × (n+1)/24)(余额 = 月存额 × n); 未扣税(储蓄存款利息个税 2008-10-09 起暂免)。",
        "到期日为空: 有起息日与期限时按 起息日 + 期限(月) 推算(按月, 2 月 29 日起息 1 年 → 次年 2 月 28 日; 期限 ≤ 0 或超过 " + f"{params.max_term_m} 个月(参数「最长期限」)记 TERM_INVALID, 不据此推算); 到期日早于起息日: 剔除并记 DATE_ORDER。",
        "通知存款: " + ("无到期日, 不计入(参数「通知存款处理」= 不计入)。" if params.notice_handling == "exclude"
                    else f"按数据日期后 {params.notice_days} 天到期计入(参数「通知存款处理」= 按通知期计入)。"),
        f"提醒名单{rem_order}",
        ("同一客户: 按 标准化证件号(15 位转 18 位; 无效或损坏的证件号不参与匹配)→ 客户号 → 姓名+手机号 的顺序认定"
         "; 证件号相同的几个客户号计为 1 户(去重客户数、大额客户、提醒合计), 显示其中最小的"
         "客户号; 姓名不一致的不合并, 列为冲突。"),
        "客户标签: D2_REMINDER 到期提醒(标签值 = 客户在提醒名单中的最高得分, 等级同行); D2_LARGE_MATURITY 大额到期"
        f"(未来 {params.calendar_days} 天内到期合计, {ctx.base_unit}); D2_OVERDUE 已到期未支取(余额合计, {ctx.base_unit})。",
    ]
    report.notes = notes + [
        ("续存率(到期后 7 天内同客户新做定期/大额存单/理财金额 ÷ 到期金额)未计算: 输入只有数据日期的定期存款快照, "
        "没有到期后的交易或新开户数据。提供下一期明细或交易流水后可作为活动基线计算。"),
        "已到期未支取 = 到期日早于数据日期、数据日期仍有余额(未自动转存或未支取)。",
    ]
    return report
