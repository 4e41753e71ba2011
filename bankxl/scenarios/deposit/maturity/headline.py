"""D2 概览 (``Report.headline``, issue 10 item 1): what a branch head reads first (SCENARIOS.md D2 计算 —
档位, 日历, 排班, 活动计划).

:func:`headline_figures` computes the key figures from the cleaned deposits and the two lists;
:func:`maturity_headline` adds the chart (到期分布 by month) and the top 10 of 提醒名单.
"""
from __future__ import annotations

import pandas as pd

from ....report import Chart, Figure, Headline
from ....scenario import RunContext
from .params import MaturityParams


def window_masks(d: pd.DataFrame, days: int) -> tuple[pd.Series, pd.Series]:
    """(this window, the next window) over ``d``: 1 ≤ dtm ≤ ``days`` (数据日期次日起 ``days`` 天, by the
    contractual 到期日) and ``days`` < dtm ≤ 2 × ``days`` (the same number of days after it). ``dtm`` in days."""
    dtm = d["dtm"]
    return (dtm >= 1) & (dtm <= days), (dtm > days) & (dtm <= 2 * days)


def headline_figures(d: pd.DataFrame, rem: pd.DataFrame, n_large: int, params: MaturityParams,
                     ctx: RunContext) -> list[Figure]:
    """The six key figures of D2's 概览.

    ``d``: the cleaned deposits of :func:`.prepare.prepare` (dtm days, balance 元, auto_renew boolean/<NA>);
    ``rem``: the 提醒名单 frame (one row per deposit, 等级); ``n_large``: customers on the 行长/理财经理 list.
    Figures (money in the display unit ``ctx.unit``): N天内到期金额 and 笔数 (N = ``headline_days``, dtm 1…N)
    each against 其后N天 (dtm N+1…2N: the data are a snapshot, so the maturities of the past N days — paid
    out or renewed — are not in them; the next window is the comparison they hold); 已到期未支取 (dtm < 0,
    amount, 笔数 in the note); 大额到期客户 (户, the list of 排班); 今日提醒 <top level> 级 (笔; the whole
    reminder list's size in its note, not as a comparison); N天内到期自动转存占比 = amount with 自动转存 是 ÷ amount whose 自动转存 is known (blank
    when no deposit of the window says, never 0)."""
    n = int(params.headline_days)
    now, nxt = window_masks(d, n)
    bal = d["balance"].astype("float64")
    money = lambda x: float(ctx.money(float(x)))  # noqa: E731
    later = f"其后{n}天"
    overdue = d["dtm"] < 0
    auto = d["auto_renew"].astype("boolean")
    known = now & auto.notna()
    if known.any() and bal[known].sum() > 0:
        share = float(bal[known & auto.fillna(False)].sum() / bal[known].sum())
        unknown = int((now & auto.isna()).sum())
        auto_note = f"{unknown:,} 笔未填自动转存, 不计入分母" if unknown else "按金额"
    else:
        share = None
        auto_note = f"{n}天内到期的存款都没有填「自动转存」" if now.any() else f"{n}天内没有到期存款"
    top = str(params.levels[0][0])
    n_top = int(rem["等级"].eq(top).sum()) if len(rem) else 0
    return [
        Figure(f"{n}天内到期金额", money(bal[now].sum()), ctx.unit, "money", later, money(bal[nxt].sum()),
               note=f"按合同到期日, {(ctx.as_of + pd.Timedelta(days=1)):%m-%d} 起"),
        Figure(f"{n}天内到期笔数", int(now.sum()), "笔", "int", later, int(nxt.sum()),
               note=f"{int(d.loc[now, 'ckey'].nunique()):,} 户(去重)"),
        Figure("已到期未支取", money(bal[overdue].sum()), ctx.unit, "money",
               note=f"{int(overdue.sum()):,} 笔: 到期日早于数据日期仍有余额"),
        Figure("大额到期客户", int(n_large), "户", "int",
               note=f"{params.calendar_days} 天内到期合计 ≥ {params.large_customer:,.0f} {ctx.base_unit}, 见「大额到期客户」"),
        # a part of the list, not a value to subtract from it: the list's size goes in the note (a 对比 column
        # would show 差额 = top level − whole list, which means nothing)
        Figure(f"今日提醒 {top} 级", n_top, "笔", "int",
               note=f"提醒名单共 {len(rem):,} 笔, 见「提醒名单」"),
        Figure(f"{n}天内到期自动转存占比", share, "%", "pct1", note=auto_note),
    ]


def maturity_headline(d: pd.DataFrame, rem: pd.DataFrame, n_large: int, params: MaturityParams, ctx: RunContext,
                      amount_col: str) -> Headline:
    """概览: :func:`headline_figures`, the chart 未来 12 个月到期金额 over 到期分布's ``by_month`` table
    (``amount_col`` = its amount header) and the top 10 of 提醒名单 (``reminders``) with who/what/by when, counted
    in 笔 (``Headline.unit``: a row per deposit, not per customer)."""
    n = int(params.headline_days)
    chart = Chart(table="by_month", categories="到期月份", series=[amount_col], kind="column",
                  title=f"未来 12 个月到期金额({ctx.unit})", y_title=ctx.unit, height=240)
    lines = [f"到期按合同到期日; 对比 = 其后 {n} 天(第 {n + 1}–{2 * n} 天)的到期, 看到期高峰是来还是走; "
             "已过去的到期(已支取或已转存)不在数据日期的明细中, 无法对比。",
             "优先行动 = 今日提醒名单按排名(得分, 再按余额), 一行一笔存款。"]
    return Headline(headline_figures(d, rem, n_large, params, ctx), chart=chart, actions="reminders", lines=lines,
                    unit="笔")  # 提醒名单: a row per deposit
