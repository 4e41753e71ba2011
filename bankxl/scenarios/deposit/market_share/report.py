"""D1 report: 概览 headline, 份额趋势, 同业排名, 增量份额, Δ热力图, 关键时点, 春节, 季节因子, 冲时点, 对公潜力, 关注事项.

Shapes (money in ``ctx.unit``, shares as fractions shown in %, changes of share in bp):
份额趋势 (``trend``): 月份 · 本行余额 · 市场余额 · 份额 · 较上月(bp) · 较年初(bp) · 增量份额(较年初);
同业排名 (``rank``): 排名 · 机构名称 · 余额 · 份额 · 较上月(bp) · 较年初(bp) · 追赶差额 (peer − own; 本行 0 …);
增量份额 (``incremental``): 起点 · 本行增量 · 市场增量 · 增量份额 (number or 不适用) · 存量份额;
Δ热力图 (``heat``): 年份 × 1月…12月 (bp); 关键时点 (``key_dates``); 春节 (``spring``); 季节因子 (``seasonal``);
冲时点 (``peaks``); 对公潜力 (``potential``); 关注事项 (``watch``: 排名 · 机构名称 · 建议动作 = finding: action).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ....errors import DataValidationError
from ....report import Chart, Conditional, Figure, Headline, Note, Report, Sheet, Table
from .compute import (NOT_APPLICABLE, balances, cagr, canonical_names, incremental_share, month_shift, resolve_bank,
                      seasonal_factors, shares, spring_windows)

BASES = {"year_start": "年初", "last_month": "上月", "last_year": "去年同期"}
KPI_RULE = ("依 SCENARIOS.md D1【S3】: 监管禁止以存款市场份额或排名设定考评指标(2018 年存款偏离度管理通知: 不得设定以存款市场"
            "排名为要求的考核指标)。本报告仅作市场分析, 不得据此生成员工或机构的考核指标。")


def _month_text(idx) -> pd.Series:
    return pd.Series([str(m) for m in idx], dtype="string")


def _prepare(tables, p, ctx):
    """(market_share rows of the report's last date in each month up to the as-of month, canonical names)."""
    ms = tables["market_share"]
    ms = ms[ms["stat_date"].notna()]
    ms = ms[ms["stat_date"].dt.to_period("M") <= ctx.as_of.to_period("M")]
    last = ms.groupby(ms["stat_date"].dt.to_period("M"))["stat_date"].transform("max")
    dropped = int((ms["stat_date"] < last).sum())
    ms = ms[ms["stat_date"].eq(last)]
    dup = ms.duplicated(["stat_date", "bank_name", "item"], keep="last")
    if dup.any():
        ctx.problem("market_share", ms.loc[dup, "_row"], "bank_name", "DUP_KEY", ms.loc[dup, "bank_name"],
                    "同一统计日期、机构、指标出现多行", "只用最后一行, 该行不计入")
        ms = ms[~dup]
    notes = [f"同月有多个统计日期(旬报/日报)时只用当月最后一期: 未用 {dropped} 行。"] if dropped else []
    return ms, canonical_names(ms, tables.get("bank_aliases")), notes


def build_report(tables, p, ctx) -> Report:
    """The D1 report (see the module docstring). Raises DataValidationError when ``p.own_bank`` is neither a
    机构名称 of the report nor an alias of the alias table."""
    aliases = tables.get("bank_aliases")
    ms, bank, notes = _prepare(tables, p, ctx)
    if not bank.notna().any():
        return _empty_report(p, ctx)
    own = resolve_bank(p.own_bank, pd.Index(bank.dropna().unique()), aliases)
    if own is None or own not in set(bank.dropna()):
        known = "、".join(sorted(bank.dropna().unique())[:20])
        raise DataValidationError(
            f"参数「本行名称」为「{p.own_bank}」, 但人行市场份额表中没有这家机构(别名表中也没有)。报表中的机构: {known}。",
            f"own_bank {p.own_bank!r} is neither a bank of the PBOC report nor an alias; banks: {known}.",
            table="market_share", column="bank_name", column_zh="机构名称")
    main = shares(balances(ms, bank, p.item), own)
    if not main.own.notna().any():
        raise DataValidationError(f"人行市场份额表中没有「{own}」的「{p.item}」余额。",
                                  f"The report holds no {p.item} balance of {own}.", table="market_share",
                                  column="item", column_zh="指标")
    peers = _peers(p, main.bal.columns, aliases, own, notes)
    t = main.own.last_valid_index()  # the latest month the own bank reported (≤ the as-of month)
    trend = _trend(main, ctx)
    rank = _rank(main, t, peers, own, ctx)
    inc = _incremental(main, t, p, ctx)
    heat = _heat(main)
    corp = shares(balances(ms, bank, p.corp_item), own) if p.corp_item != p.item else main
    pot, pot_notes = _potential(corp, p, ctx)
    keyd = _key_dates(main, p, ctx)
    spring = _spring(ms, bank, own, p, ctx)
    seas = _seasonal(main)
    peaks = _peaks(main)
    watch = _watch(main, t, rank, inc, peaks, pot, own, p, ctx)
    ml = ctx.money_label
    rep = Report("人行市场份额报表分析", method=[
        f"份额 = 本行{p.item}余额 / 报表全部机构余额之和(原值相加, 不用四舍五入后的份额); 份额变动以 bp 计(1 bp = 0.01 个百分点)。",
        f"增量份额 = 本行增量 / 市场增量(起点: {BASES[p.incr_base]}); 市场增量 ≤ 0 或小于市场余额的 "
        f"{p.min_market_change:.2%} 时标「{NOT_APPLICABLE}」(SCENARIOS.md §7), 不是数字。",
        "追赶差额 = 同业余额 − 本行余额 = (同业份额 − 本行份额) × 市场余额: 追平该同业需增加的存款。",
        f"对公 5 年潜力({p.corp_item}): g = 近 {p.years} 个年末市场余额的 CAGR(或手填), 5 年后市场 = 当前 × (1+g)^5, "
        f"目标份额 = max(当前, 近 {p.years} 个年末最高), 潜力 = 5 年后市场 × 目标份额 − 本行当前, 年均需增 = 潜力 / 5。",
        "关键时点: 季末→次月末(季初回落)、12 月→1 月、除夕所在月及前后月(仅月报, 除夕取自行历); 季节因子 = 各月平均变动 / 年平均变动;"
        " 冲时点依赖度 = 季末份额 − 次月末份额(bp), 连续为正提示依赖季末冲时点。",
        KPI_RULE],
        notes=notes + pot_notes + [
            f"本行: {own}; 最新月份 {t}; 缺月不插值, 未报的机构当月不计入市场。",
            "本报告不含客户名单(市场报表); 关注事项是分析提示, 不是考核任务。"])
    rep.sheets += [
        Sheet("份额趋势", [trend, Chart("trend", "月份", ["份额"], kind="line", title=f"本行{p.item}份额趋势(纵轴不从 0 起)",
                                        number_format="0.00%", zero_based=False, label_every=6)]),
        Sheet("同业排名", [rank, Chart("rank", "机构名称", [ml("余额")], kind="bar", title=f"{t} {p.item}余额")]),
        Sheet("增量份额", [inc]),
        Sheet("份额变动热力图", [heat]),
        Sheet("关键时点", [keyd, seas, Chart("seasonal", "月份", ["本行季节因子", "市场季节因子"], kind="column",
                                             title="季节因子: 本行 vs 市场")]),
        Sheet("春节前后", [spring, Chart("spring", "标签", ["本行变动率", "市场变动率"], kind="column",
                                         title="除夕所在月及次月的余额变动率: 本行 vs 市场", number_format="0.0%")]),
        Sheet("冲时点", [peaks]),
        Sheet("对公潜力", [pot]),
        Sheet("关注事项", [watch, Note([KPI_RULE])]),
    ]
    rep.headline = _headline(main, t, rank, own, watch, ctx, p)
    return rep


def _empty_report(p, ctx) -> Report:
    """The report of a market-share table without rows (up to the data date): every table empty, said why."""
    why = "人行市场份额表在数据日期之前没有任何行"
    ml = ctx.money_label
    trend = Table(pd.DataFrame(columns=["月份", ml("本行余额"), ml("市场余额"), "份额"]), name="trend", title="份额趋势(月末)",
                  empty_note=why)
    watch = Table(pd.DataFrame(columns=["排名", "机构名称", "建议动作"]), name="watch", title="关注事项(分析提示, 不作考核)",
                  empty_note=why)
    rep = Report("人行市场份额报表分析", method=[KPI_RULE], notes=[why + ", 未计算份额(不是 0)。"])
    rep.sheets += [Sheet("份额趋势", [trend]), Sheet("关注事项", [watch, Note([KPI_RULE])])]
    figs = [Figure(f"{p.item}份额", None, "%", "pct", note=why), Figure("份额较上月", None, "bp", "0.0"),
            Figure("同业排名", None, "名", "int")]
    rep.headline = Headline(figs, chart=None, actions="watch", unit="项", lines=[why + "。"])
    return rep


def _peers(p, banks, aliases, own, notes) -> list[str]:
    if not p.peers:
        return [b for b in banks if b != own]
    out, unknown = [], []
    for g in p.peers:  # a parameter list of a few names, not data
        r = resolve_bank(g, pd.Index(banks), aliases)
        (out if r is not None and r in set(banks) else unknown).append(r if r is not None else g)
    if unknown:
        notes.append(f"参数「同业机构」中的 {'、'.join(map(str, unknown))} 不在报表中, 未参与排名。")
    return [b for b in dict.fromkeys(out) if b != own]


def _bp(a, b):
    return (pd.Series(a, dtype="float64") - pd.Series(b, dtype="float64")) * 1e4


def _trend(s, ctx) -> Table:
    idx = s.share.index
    ys = pd.PeriodIndex([pd.Period(year=m.year - 1, month=12, freq="M") for m in idx], freq="M")
    sh_ys = s.share.reindex(ys).to_numpy()
    inc = incremental_share(s.own.to_numpy() - s.own.reindex(ys).to_numpy(),
                            s.market.to_numpy() - s.market.reindex(ys).to_numpy(), s.market.to_numpy(), 0.0)
    ml = ctx.money_label
    df = pd.DataFrame({"月份": _month_text(idx), ml("本行余额"): ctx.money(s.own.to_numpy()),
                       ml("市场余额"): ctx.money(s.market.to_numpy()), "份额": s.share.to_numpy(),
                       "较上月(bp)": _bp(s.share.to_numpy(), month_shift(s.share, 1).to_numpy()).to_numpy(),
                       "较年初(bp)": _bp(s.share.to_numpy(), sh_ys).to_numpy(),
                       "增量份额(较年初)": inc})
    df = df[s.market.notna().to_numpy()].reset_index(drop=True)
    return Table(df, name="trend", title="份额趋势(月末)", formats={"份额": "pct", "较上月(bp)": "0.0", "较年初(bp)": "0.0",
                                                                 "增量份额(较年初)": "pct"},
                 note=f"增量份额(较年初): 年初 = 上年 12 月末; 市场较年初减少时为「{NOT_APPLICABLE}」。",
                 empty_note="报表中没有本行所在市场的余额")


def _rank(s, t, peers, own, ctx) -> Table:
    banks = [own] + list(peers)
    bal = s.bal.reindex(columns=banks)
    cur, prev = bal.loc[t], bal.reindex([t - 1]).iloc[0]
    ys = pd.Period(year=t.year - 1, month=12, freq="M")
    start = bal.reindex([ys]).iloc[0]
    mk = s.market
    share = cur / mk[t]
    sh_prev = prev / mk.get(t - 1, np.nan)
    sh_ys = start / mk.get(ys, np.nan)
    rank = cur.rank(ascending=False, method="min")
    ml = ctx.money_label
    df = pd.DataFrame({"排名": rank.astype("Int64").to_numpy(), "机构名称": banks, ml("余额"): ctx.money(cur.to_numpy()),
                       "份额": share.to_numpy(), "较上月(bp)": _bp(share.to_numpy(), sh_prev.to_numpy()).to_numpy(),
                       "较年初(bp)": _bp(share.to_numpy(), sh_ys.to_numpy()).to_numpy(),
                       "上月排名": prev.rank(ascending=False, method="min").astype("Int64").to_numpy(),
                       ml("追赶差额"): ctx.money((cur - cur[own]).to_numpy()),
                       "是否本行": np.where(np.array(banks) == own, "本行", "")})
    df = df[cur.notna().to_numpy()].sort_values(["排名", "机构名称"], kind="stable").reset_index(drop=True)
    return Table(df, name="rank", title=f"同业排名({t}, {len(df)} 家)", formats={"份额": "pct", "较上月(bp)": "0.0",
                                                                               "较年初(bp)": "0.0"},
                 note="追赶差额 = 该机构余额 − 本行余额: 正数为追平它还需增加的存款, 负数为领先它的金额。",
                 conditional=[Conditional(["是否本行"], kind="text", value="本行", style="good")])


def _incremental(s, t, p, ctx) -> Table:
    ys = pd.Period(year=t.year - 1, month=12, freq="M")
    rows = []
    for key, base in (("year_start", ys), ("last_month", t - 1), ("last_year", t - 12)):  # three bases
        rows.append((BASES[key] + ("(参数所选)" if key == p.incr_base else ""), str(base),
                     s.own.get(t, np.nan) - s.own.get(base, np.nan), s.market.get(t, np.nan) - s.market.get(base, np.nan)))
    df = pd.DataFrame(rows, columns=["起点", "起点月份", "d_own", "d_mkt"])
    share = incremental_share(df["d_own"], df["d_mkt"], np.full(len(df), s.market.get(t, np.nan)), p.min_market_change)
    ml = ctx.money_label
    out = pd.DataFrame({"起点": df["起点"], "起点月份": df["起点月份"], ml("本行增量"): ctx.money(df["d_own"].to_numpy()),
                        ml("市场增量"): ctx.money(df["d_mkt"].to_numpy()), "增量份额": share,
                        "存量份额": s.share.get(t, np.nan)})
    return Table(out, name="incremental", title=f"增量份额({t})", formats={"增量份额": "pct", "存量份额": "pct"},
                 note=f"市场增量 ≤ 0 或小于市场余额 {p.min_market_change:.2%} 时为「{NOT_APPLICABLE}」; 增量份额高于存量份额 = "
                      "新增存款中拿到的比例高于存量, 份额在上升。")


def _heat(s) -> Table:
    d = _bp(s.share.to_numpy(), month_shift(s.share, 1).to_numpy())
    f = pd.DataFrame({"年份": s.share.index.year, "m": s.share.index.month, "d": d.to_numpy()})
    piv = f.pivot_table(index="年份", columns="m", values="d", aggfunc="first").reindex(columns=range(1, 13))
    piv.columns = [f"{m}月" for m in piv.columns]
    piv = piv.reset_index()
    cols = [f"{m}月" for m in range(1, 13)]
    return Table(piv, name="heat", title="份额较上月变动(bp): 年 × 月", formats=dict.fromkeys(cols, "0.0") | {"年份": "0"},
                 conditional=[Conditional(cols, kind="color_scale", reverse=True)],
                 note="每个月份一列单独着色(同一月份历年相比): 红 = 份额下降多, 绿 = 上升多; 空白 = 缺月或上月未报。")


def _key_dates(s, p, ctx) -> Table:
    idx = s.own.index
    ends = [m for m in idx if m.month in (3, 6, 9, 12) and (m + 1) in idx]
    names = {3: "一季末→4月末(季初回落)", 6: "二季末→7月末", 9: "三季末→10月末", 12: "年末12月→1月"}
    q = pd.PeriodIndex(ends, freq="M")
    nxt = q + 1
    d_own = s.own.reindex(nxt).to_numpy() - s.own.reindex(q).to_numpy()
    d_mkt = s.market.reindex(nxt).to_numpy() - s.market.reindex(q).to_numpy()
    ml = ctx.money_label
    with np.errstate(divide="ignore", invalid="ignore"):
        df = pd.DataFrame({"时点": [names[m.month] for m in q], "起": _month_text(q), "止": _month_text(nxt),
                           ml("本行变动"): ctx.money(d_own), ml("市场变动"): ctx.money(d_mkt),
                           "本行变动率": d_own / s.own.reindex(q).to_numpy(), "市场变动率": d_mkt / s.market.reindex(q).to_numpy(),
                           "份额变动(bp)": _bp(s.share.reindex(nxt).to_numpy(), s.share.reindex(q).to_numpy()).to_numpy()})
    return Table(df, name="key_dates", title=f"关键时点流动({p.item})", formats={"本行变动率": "pct", "市场变动率": "pct",
                                                                              "份额变动(bp)": "0.0"},
                 empty_note="报表中没有季末与次月末都报送的月份")


def _seasonal(s) -> Table:
    own, mkt = seasonal_factors(s.own), seasonal_factors(s.market)
    df = pd.DataFrame({"月份": [f"{m}月" for m in range(1, 13)], "本行季节因子": own.to_numpy(),
                       "市场季节因子": mkt.to_numpy(), "差(本行−市场)": (own - mkt).to_numpy()})
    return Table(df, name="seasonal", title="季节因子 = 该月平均变动 / 年平均变动(完整年份)",
                 formats={"本行季节因子": "ratio", "市场季节因子": "ratio", "差(本行−市场)": "ratio"},
                 note="因子为正 = 该月通常增加; 本行因子明显高于市场的月份 = 本行更依赖该月(如季末)。")


def _spring(ms, bank, own, p, ctx) -> Table:
    items = list(dict.fromkeys([p.item, "个人存款", "单位存款"]))
    w = spring_windows(shares(balances(ms, bank, p.item), own).own.index)
    rows = []
    for it in items:  # at most three 指标
        s = shares(balances(ms, bank, it), own)
        if not len(s.own) or not len(w):
            continue
        for part, a, b in (("除夕前月末→除夕所在月末", "before", "month"), ("除夕所在月末→次月末", "month", "after")):
            pa, pb = pd.PeriodIndex(w[a], freq="M"), pd.PeriodIndex(w[b], freq="M")
            o0, o1 = s.own.reindex(pa).to_numpy(), s.own.reindex(pb).to_numpy()
            m0, m1 = s.market.reindex(pa).to_numpy(), s.market.reindex(pb).to_numpy()
            with np.errstate(divide="ignore", invalid="ignore"):
                rows.append(pd.DataFrame({"年份": w["year"].to_numpy(), "除夕": w["chuxi"].to_numpy(), "指标": it,
                                          "区间": part, "起": _month_text(pa), "止": _month_text(pb),
                                          "本行变动": ctx.money(o1 - o0), "市场变动": ctx.money(m1 - m0),
                                          "本行变动率": (o1 - o0) / o0, "市场变动率": (m1 - m0) / m0}))
    ml = ctx.money_label
    cols = ["标签", "年份", "除夕", "指标", "区间", "起", "止", ml("本行变动"), ml("市场变动"), "本行变动率", "市场变动率"]
    if not rows:
        return Table(pd.DataFrame(columns=cols), name="spring", title="春节前后(月报)", empty_note="报表未覆盖任何除夕所在月")
    df = pd.concat(rows, ignore_index=True)
    df = df.assign(_o=df["区间"].str.startswith("除夕前")).sort_values(["指标", "年份", "_o"], ascending=[True, True, False],
                                                                   kind="stable").drop(columns="_o")
    df = df.rename(columns={"本行变动": ml("本行变动"), "市场变动": ml("市场变动")})
    df.insert(0, "标签", (df["年份"].astype(str) + " " + df["区间"].str.slice(0, 5)).to_numpy())
    main = df[df["指标"].eq(p.item)]
    df = pd.concat([main, df[~df["指标"].eq(p.item)]], ignore_index=True)[cols]
    return Table(df, name="spring", title="春节前后余额变动(月报: 除夕所在月及前后月)",
                 formats={"除夕": "date", "本行变动率": "pct", "市场变动率": "pct"},
                 note="除夕取自行历(农历腊月最后一天); 仅有月报时比较除夕所在月与前后月(SCENARIOS.md D1 (c))。"
                      " 图表为份额指标的两段变动率。")


def _peaks(s) -> Table:
    idx = s.share.index
    q = pd.PeriodIndex([m for m in idx if m.month in (3, 6, 9, 12) and (m + 1) in idx], freq="M")
    dep = _bp(s.share.reindex(q).to_numpy(), s.share.reindex(q + 1).to_numpy())
    with np.errstate(divide="ignore", invalid="ignore"):
        jump_own = s.own.reindex(q).to_numpy() / s.own.reindex(q - 1).to_numpy() - 1
        jump_mkt = s.market.reindex(q).to_numpy() / s.market.reindex(q - 1).to_numpy() - 1
    pos = dep.gt(0).to_numpy()
    run = np.zeros(len(pos), dtype=np.int64)
    grp = np.cumsum(~pos)  # consecutive positive quarters
    if len(pos):
        run = pd.Series(pos.astype(int)).groupby(grp).cumsum().to_numpy()
    df = pd.DataFrame({"季末": _month_text(q), "季末份额": s.share.reindex(q).to_numpy(),
                       "次月末份额": s.share.reindex(q + 1).to_numpy(), "冲时点依赖度(bp)": dep.to_numpy(),
                       "本行季末月增幅": jump_own, "市场季末月增幅": jump_mkt, "连续为正季度数": run})
    return Table(df, name="peaks", title="季末冲时点依赖度 = 季末份额 − 次月末份额",
                 formats={"季末份额": "pct", "次月末份额": "pct", "冲时点依赖度(bp)": "0.0", "本行季末月增幅": "pct",
                          "市场季末月增幅": "pct", "连续为正季度数": "int"},
                 conditional=[Conditional(["冲时点依赖度(bp)"], kind="cell", criteria=">", value=0, style="warn")],
                 note="本行季末月增幅明显高于市场、且季末份额连续高于次月末: 份额依赖季末冲时点(监管要求月末偏离度 ≤ 4%)。",
                 empty_note="报表中没有季末与次月末都报送的季度")


def _potential(s, p, ctx) -> tuple[Table, list[str]]:
    t = s.own.last_valid_index()
    notes = []
    decs = [m for m in s.market.index if m.month == 12 and not np.isnan(s.market[m]) and m <= t]
    window = decs[-(p.years + 1):]
    n = len(window) - 1
    if p.growth:
        g, how = float(p.growth) / 100, "手填"
    elif n >= 1:
        g, how = cagr(s.market[window[0]], s.market[window[-1]], n), f"{window[0]}–{window[-1]} 年末 CAGR({n} 年)"
        if n < p.years:
            notes.append(f"对公潜力: 报表只有 {n + 1} 个年末, CAGR 按 {n} 年计算(参数 {p.years} 年)。")
    else:
        g, how = float("nan"), "报表不足两个年末, 无法计算 CAGR"
    m_now = s.market.get(t, np.nan)
    own_now = s.own.get(t, np.nan)
    cur = s.share.get(t, np.nan)
    best_decs = window[-p.years:] if window else []
    best = float(np.nanmax(s.share.reindex(best_decs).to_numpy())) if best_decs and s.share.reindex(best_decs).notna().any() \
        else np.nan
    target = float(np.nanmax([cur, best])) if not (np.isnan(cur) and np.isnan(best)) else np.nan
    m5 = m_now * (1 + g) ** 5
    pot = m5 * target - own_now
    ml = ctx.money_label
    def money(v):
        return round(float(ctx.money(v)), 2)
    pairs = [("指标", p.corp_item), ("当前月份", str(t)), (ml("当前市场余额"), money(m_now)),
             (ml("本行当前余额"), money(own_now)), ("当前份额", cur), ("市场年增速 g", g), ("增速来源", how),
             (ml("5 年后市场余额"), money(m5)), (f"近 {p.years} 个年末最高份额", best), ("目标份额", target),
             (ml("潜力(5 年需增)"), money(pot)), (ml("年均需增"), money(pot / 5))]
    df = pd.DataFrame({"项目": [a for a, _ in pairs], "数值": [None if isinstance(v, float) and np.isnan(v) else v
                                                             for _, v in pairs]})
    fmt = {"当前份额", "市场年增速 g", f"近 {p.years} 个年末最高份额", "目标份额"}
    df["单位"] = ["%" if k in fmt else ("" if isinstance(v, str) else ctx.unit) for k, v in pairs]
    df["数值"] = [f"{v:.2%}" if k in fmt and v is not None and not isinstance(v, str) else v
                for k, v in zip(df["项目"], df["数值"])]
    return Table(df, name="potential", title=f"对公存款 5 年潜力({p.corp_item})",
                 note="目标份额 = max(当前份额, 近年年末最高份额); 潜力为负 = 按目标份额已无缺口。空白 = 数据不足, 未计算(不是 0)。"), notes


def _watch(s, t, rank, inc, peaks, pot, own, p, ctx) -> Table:
    """关注事项 (the headline's action table): one row per finding, in a fixed order — share down vs last month by
    ≥ ``drop_bp``, the gap to the next bank up, incremental share below stock share or 不适用, ``peak_quarters``
    consecutive positive 冲时点 quarters, the corporate potential per year."""
    ml = ctx.money_label
    rows = []
    d1 = (s.share.get(t, np.nan) - s.share.get(t - 1, np.nan)) * 1e4
    if not np.isnan(d1) and d1 <= -p.drop_bp:
        rows.append((own, f"份额较上月下降 {-d1:.1f} bp", "拆分单位/个人存款找出下降来源, 对照同业排名表看被谁拿走"))
    r = rank.df
    me = r[r["机构名称"].eq(own)]
    above = r[r[ml("追赶差额")] > 0].sort_values(ml("追赶差额"), kind="stable")
    if len(me) and len(above):
        a = above.iloc[0]
        rows.append((a["机构名称"], f"距上一名「{a['机构名称']}」差 {a[ml('追赶差额')]:,.0f} {ctx.unit}(本行排名 {int(me['排名'].iloc[0])})",
                     "按增量份额与季节因子评估追赶所需月数; 营销重点放在市场增量最大的月份"))
    sel = inc.df[inc.df["起点"].str.contains("参数所选")]
    if len(sel):
        v, stock = sel["增量份额"].iloc[0], sel["存量份额"].iloc[0]
        if isinstance(v, str):
            rows.append((own, f"增量份额{v}: 市场较{BASES[p.incr_base]}没有增长", "看存量份额与排名, 不用增量份额判断"))
        elif v is not None and not pd.isna(v) and v < stock:
            rows.append((own, f"增量份额 {v:.2%} 低于存量份额 {stock:.2%}(较{BASES[p.incr_base]})", "份额在下降: 复盘新增存款来源与同业定价"))
    pk = peaks.df
    if len(pk) and int(pk["连续为正季度数"].iloc[-1]) >= p.peak_quarters:
        rows.append((own, f"季末冲时点: 最近 {int(pk['连续为正季度数'].iloc[-1])} 个季度季末份额均高于次月末",
                     "核查季末存款来源, 避免季末冲时点(月末偏离度监管 4%)"))
    pv = pot.df.set_index("项目")["数值"]
    per_year = pv.get(ml("年均需增"))
    if per_year is not None and not pd.isna(per_year) and not isinstance(per_year, str):
        rows.append((own, f"{p.corp_item} 5 年潜力: 年均需增 {per_year:,.0f} {ctx.unit}", "纳入对公营销规划(分析口径, 非考核指标)"))
    df = pd.DataFrame(rows, columns=["机构名称", "事项", "动作"])
    df = pd.DataFrame({"排名": np.arange(1, len(df) + 1, dtype="int64"), "机构名称": df["机构名称"],
                       "建议动作": df["事项"] + ": " + df["动作"]})
    return Table(df, name="watch", title="关注事项(分析提示, 不作考核)", widths={"建议动作": 80},
                 empty_note="份额、排名、增量与冲时点均无需关注的变化")


def _headline(s, t, rank, own, watch, ctx, p) -> Headline:
    """概览: 份额 (vs 上月), Δbp vs 上月 and vs 年初, 排名 (vs 上月排名), 追赶差额 to the next bank up; chart = share
    trend; actions = 关注事项."""
    ml = ctx.money_label
    r = rank.df
    me = r[r["机构名称"].eq(own)].iloc[0]

    def num(v):
        return None if v is None or pd.isna(v) else float(v)
    ys = pd.Period(year=t.year - 1, month=12, freq="M")
    above = r[r[ml("追赶差额")] > 0].sort_values(ml("追赶差额"), kind="stable")
    gap = num(above[ml("追赶差额")].iloc[0]) if len(above) else None
    figs = [Figure(f"{t} {p.item}份额", num(s.share.get(t)), "%", "pct", "上月", num(s.share.get(t - 1))),
            Figure("份额较上月", num(me["较上月(bp)"]), "bp", "0.0", note=None if num(me["较上月(bp)"]) is not None else "上月未报"),
            Figure("份额较年初", num(me["较年初(bp)"]), "bp", "0.0", note=f"年初 = {ys} 末"),
            Figure("同业排名", int(me["排名"]), "名", "int", "上月排名", num(me["上月排名"]), f"共 {len(r)} 家"),
            Figure("追赶上一名差额", gap, ctx.unit, "money",
                   note=(f"上一名: {above['机构名称'].iloc[0]}" if len(above) else "本行已排第一"))]
    chart = Chart("trend", "月份", ["份额"], kind="line", title=f"本行{p.item}份额趋势(纵轴不从 0 起)", number_format="0.00%",
                  zero_based=False, label_every=6, height=240)
    return Headline(figs, chart=chart, actions="watch", unit="项",
                    lines=[f"本行: {own}; 数据截至 {t}。市场份额仅作分析, 不得作为员工考核指标(见「关注事项」与说明)。"])
