"""D5 report: :func:`run` and its sheets 指标分解, 月度分解, 所需日均, 偏离度预警, 进度, 月度透视 /
月度任务明细 (SCENARIOS.md D5)."""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ....report import Chart, Conditional, Figure, Headline, Note, PivotBlock, Report, Sheet, Table
from ....report.pivot import DataField, PivotSpec
from ....lists import format_values
from ....scenario import RunContext
from .compute import (_FACTOR_LABEL, _balance_series, _balances_of_metric, _choose_metric, _drop_reversed_periods,
                      _excel_row, _fmt_value, _month_days, _month_plan, _months, _period_of, _quarters,
                      _raise_bad_targets, _seasonal, _time_split, _tracking, _Unit)
from .formulas import daily_balances, deviation, factor_shares, largest_remainder
from .params import (DEFAULT_METRIC, FACTOR_ZH, FACTORS, QUARTER_ZH, UNREACHABLE, WARN, TargetParams)


def run(tables: Mapping[str, pd.DataFrame], params: TargetParams, ctx: RunContext) -> Report:
    """Decompose the bank's deposit target and track every org against it (module docstring for shapes)."""
    p = params
    unit = float(p.rounding_unit)
    notes: list[str] = []
    tg_all = tables["deposit_targets"]
    bal_all = tables["org_daily_balances"]
    orgs = tables.get("orgs")

    # -- metric selection ---------------------------------------------------------------------------
    metric = DEFAULT_METRIC
    tg = tg_all
    if tg_all["metric"].notna().any():
        metric = _choose_metric(tg_all["metric"], p.metric.strip()) or DEFAULT_METRIC
        m = tg_all["metric"]
        keep = (m == metric) | m.isna() | (m == "")
        others = sorted(set(m[~keep].dropna()))
        if others:
            notes.append(f"存款目标表含多个指标, 本报告只分解「{metric}」; 未处理: {', '.join(others)}。")
        tg = tg_all[keep]
    bal = _balances_of_metric(bal_all, metric, notes)

    # -- duplicates -----------------------------------------------------------------------------------
    tg = tg[tg["org_id"].notna()]
    dup = tg["org_id"].duplicated(keep="first")
    ctx.problem("deposit_targets", tg.loc[dup, "_row"], "org_id", "DUP_KEY", tg.loc[dup, "org_id"],
                "同一机构同一指标有多行", "保留第一行, 该行未使用")
    tg = tg[~dup]
    tg = _drop_reversed_periods(tg, ctx)

    names, parents, staff_from_orgs, open_dates = {}, {}, {}, {}
    if orgs is not None and len(orgs):
        oid = orgs["org_id"]
        names = dict(zip(oid, orgs["org_name"]))
        parents = dict(zip(oid, orgs["parent_id"]))
        staff_from_orgs = dict(zip(oid, orgs["staff_count"].astype("float64")))
        open_dates = dict(zip(oid, orgs["open_date"]))

    tgt = tg["target"]
    has_target = tgt.notna()
    n_target = int(has_target.sum())
    decompose = n_target == 1 and (~has_target).sum() >= 1
    bad_target = has_target & (tgt <= 0)
    tg_sheet = tg_all.attrs.get("sheet") if hasattr(tg_all, "attrs") else None
    if bad_target.any() and (decompose or bool(bad_target[has_target].all())):
        # the bank-level target of a decomposition (or every org target): nothing sensible can be computed
        _raise_bad_targets(tg, tg.index[bad_target], tg_sheet, decompose)
    method = _method_lines(p)

    if n_target == 0:
        return _empty_report(p, ctx, method, notes + [
            "存款目标表中没有任何「目标日均」(target), 无法分解或跟踪。请在全行(或各机构)行填写目标日均。"])

    def name_of(org: str) -> str:
        v = names.get(org)
        return "" if v is None or pd.isna(v) else str(v)

    def base_of(i) -> float:
        b = tg.at[i, "base"]
        if pd.isna(b):
            b = tg.at[i, "prior_avg"]
        return float(b) if not pd.isna(b) else np.nan

    factors_df = None
    shares = None
    eff: dict[str, float] = {}
    if decompose:
        ri = tg.index[has_target][0]
        root_id = str(tg.at[ri, "org_id"])
        start, end = _period_of(tg.at[ri, "period_start"], tg.at[ri, "period_end"], ctx.as_of)
        outs = tg[~has_target].copy()
        ids = outs["org_id"].astype(str)
        if parents:
            inner = {str(parents.get(o)) for o in ids if not pd.isna(parents.get(o))}
            skip = ids.isin(inner)
            if skip.any():
                notes.append(f"{int(skip.sum())} 个上级机构行({', '.join(ids[skip])})未参与分解, 只分解到最末级机构。")
                outs, ids = outs[~skip], ids[~skip]
        fac = pd.DataFrame({k: outs[k].astype("float64") for k in FACTORS}, index=outs.index)
        if staff_from_orgs:
            fill = ids.map(staff_from_orgs).astype("float64")  # an org not in 机构: NaN
            fac["staff_count"] = fac["staff_count"].fillna(fill)
        for k in FACTORS:
            na = fac[k].isna()
            ctx.problem("deposit_targets", outs.loc[na, "_row"], k, "REQUIRED_EMPTY", None,
                        f"分解因子「{_FACTOR_LABEL[k]}」为空", "按 0 计入占比")
            if k != "prior_increment":
                neg = fac[k] < 0
                ctx.problem("deposit_targets", outs.loc[neg, "_row"], k, "NEG_BALANCE", fac.loc[neg, k],
                            f"分解因子「{_FACTOR_LABEL[k]}」为负", "按 0 计入占比")
        shares, eff = factor_shares(fac, p.weights)
        bases = outs["base"].fillna(outs["prior_avg"]).astype("float64").fillna(0.0)  # base_of, column-wise
        rb = tg.at[ri, "base"]
        if pd.isna(rb):
            rb = tg.at[ri, "prior_avg"]
        bank_base = float(bases.sum()) if pd.isna(rb) else float(rb)
        bank_target = float(tg.at[ri, "target"])
        d_total = bank_target - bank_base
        parts = largest_remainder(shares["combined"].to_numpy(), d_total, unit) if len(outs) else np.zeros(0)
        if abs(bases.sum() - bank_base) > 0.5:
            notes.append(f"全行基期日均 {bank_base / ctx.scale:,.2f}{ctx.unit} ≠ 各机构基期之和 "
                         f"{bases.sum() / ctx.scale:,.2f}{ctx.unit}: 各机构目标合计 = 各机构基期之和 + ΔT, 与全行目标相差 "
                         f"{(bases.sum() - bank_base) / ctx.scale:,.2f}{ctx.unit}。")
        units = [_Unit(o, name_of(o), float(bases[i]), float(bases[i] + parts[j]), float(parts[j]), start, end,
                       open_dates.get(o), _excel_row(outs, i))
                 for j, (i, o) in enumerate(zip(outs.index, ids))]
        root = _Unit(root_id, name_of(root_id) or "全行", bank_base, bank_target, d_total, start, end, None,
                     _excel_row(tg, ri), is_root=True)
        factors_df = fac
    else:
        ctx.problem("deposit_targets", tg.loc[~has_target, "_row"], "target", "REQUIRED_EMPTY", None,
                    "文件含多个机构目标(跟踪模式), 此行无目标日均", "未参与跟踪")
        ctx.problem("deposit_targets", tg.loc[bad_target, "_row"], "target", "VALUE_INVALID",
                    tgt[bad_target].map(_fmt_value), "机构 " + tg.loc[bad_target, "org_id"]
                    + " 的目标日均 ≤ 0, 目标日均应为正数(元)", "该机构未参与跟踪, 请更正目标日均后重新运行")
        if bad_target.any():
            notes.append(f"{int(bad_target.sum())} 个机构的目标日均 ≤ 0 "
                         f"({', '.join(tg.loc[bad_target, 'org_id'].astype(str))}), 未参与跟踪, 见 数据问题。")
        rows = tg[has_target & ~bad_target]
        units = []
        for i in rows.index:
            o = str(rows.at[i, "org_id"])
            s, e = _period_of(rows.at[i, "period_start"], rows.at[i, "period_end"], ctx.as_of)
            b = base_of(i)
            t = float(rows.at[i, "target"])
            units.append(_Unit(o, name_of(o), b, t, t - b if not pd.isna(b) else np.nan, s, e, open_dates.get(o),
                               _excel_row(rows, i)))
            if pd.isna(b):
                ctx.problem("deposit_targets", [units[-1].row], "base", "REQUIRED_EMPTY", None,
                            "基期日均与上年日均均为空", "不计算增量任务与任务进度")
        root = None
        start, end = units[0].start, units[0].end
        notes.append("文件中各机构已有各自的目标日均: 未做分解, 只做时间分解与跟踪(所需日均、偏离度、进度)。")

    # -- daily balances --------------------------------------------------------------------------------
    series, data_start, data_end = _balance_series(bal)
    if data_end is not None and data_end < ctx.as_of:
        notes.append(f"机构日余额最新日期 {data_end:%Y-%m-%d} 早于数据日期 {ctx.as_of:%Y-%m-%d}, 其后各日按最后余额前向填充。")
    tracked = units + ([root] if root is not None else [])
    for u in units:
        if u.org_id not in series:
            where = f"(存款目标表第 {u.row} 行的机构)" if u.row is not None else ""
            ctx.problem("org_daily_balances", [None], "org_id", "REQUIRED_EMPTY", [u.org_id],
                        f"机构日余额中没有机构 {u.org_id}{' ' + u.name if u.name else ''} 的任何余额{where}",
                        "该机构余额按 0 计(日均、进度为 0); 请补导该机构的机构日余额")
    neg = {o: s_ for o, s_ in series.items() if (s_ < 0).any()}
    if neg:
        n_neg = sum(int((s_ < 0).sum()) for s_ in neg.values())
        notes.append(f"机构日余额中有 {n_neg} 个负余额(机构 {', '.join(neg)}), 已按原值计入日均与进度; "
                     "存款余额不应为负, 请核对(导入时记为 NEG_BALANCE)。")
    if root is not None and root.org_id not in series and units:
        notes.append("机构日余额中没有全行行, 全行余额 = 各分解机构余额之和。")

    def days_for(u: _Unit, s: pd.Timestamp, e: pd.Timestamp) -> pd.Series | None:
        """Daily balances of ``u`` over s..e; None when the data do not reach back to ``s``."""
        if e < s:
            return pd.Series(dtype="float64")
        if data_start is None:
            return None
        lead = False
        if data_start > s:
            gap = pd.date_range(s, data_start - pd.Timedelta(days=1))
            wd = np.asarray(ctx.calendar.is_workday(gap.values)) if ctx.calendar is not None else np.ones(len(gap), bool)
            if wd.any():
                return None
            lead = True
        if u.is_root and u.org_id not in series:
            out = pd.Series(0.0, index=pd.date_range(s, e))
            for v in units:
                one = days_for(v, s, e)
                if one is None:
                    return None
                out = out + one
            return out
        raw = series.get(u.org_id)
        if raw is None:
            return pd.Series(0.0, index=pd.date_range(s, e))
        first = raw.index.min()
        return daily_balances(raw, s, e, open_date=u.open_date, fill_leading=lead and first <= data_start)

    months = _months(start, end)
    q_keys, q_weights = _quarters(months, p.quarter_progress)
    season, season_src = _seasonal(series, units, root, start, end, months, ctx, days_for)
    q_split, m_split = _time_split(tracked, months, q_keys, q_weights, season, unit)

    rep = Report(title=f"存款营销指标分解 {start:%Y-%m-%d}~{end:%Y-%m-%d}", method=method, notes=notes)
    rep.sheets.append(_sheet_decomposition(units, root, factors_df, shares, eff, q_keys, q_split, decompose, p, ctx,
                                           metric, start, end))
    rep.sheets.append(_sheet_monthly(tracked, months, m_split, season, season_src, ctx, start, end))
    track = _tracking(tracked, months, m_split, ctx, p, days_for)
    rep.sheets.append(_sheet_required(track, ctx, p))
    rep.sheets.append(_sheet_deviation(track, ctx, p))
    rep.sheets.append(_sheet_progress(track, ctx))
    rep.sheet("进度").blocks.append(_behind_table(rep, track, ctx, p))
    rep.sheets.extend(_sheets_monthly_pivot(tracked, months, m_split, ctx))
    rep.headline = _headline(rep, track, ctx)
    return rep


def _behind_table(rep: Report, track: pd.DataFrame, ctx, p: TargetParams) -> Table:
    """落后机构 (the headline's action list): the outlets whose 任务进度 is behind 时间进度 (进度差 < 0, 考核期),
    most behind first (then 机构号), with 排名, the 考核期 所需日均 R, 缺口 and 可达性 of 所需日均 and a 建议动作
    that states how far behind and what each day must hold (money in ``ctx.unit``), then the 可达性 action
    of the ``reach_actions`` parameter."""
    ml = ctx.money_label
    pr = rep.tables()["progress"].df
    req = rep.tables()["required"].df
    req = req[req["口径"].eq("考核期")] if "口径" in req.columns and len(req) else req.iloc[0:0]
    root_ids = set(track.loc[track["root"].astype(bool), "org_id"]) if len(track) else set()
    x = pr[pd.to_numeric(pr["进度差"], errors="coerce").lt(0) & ~pr["机构号"].isin(root_ids)] if len(pr) else pr
    x = x.sort_values(["进度差", "机构号"], kind="stable").reset_index(drop=True)
    r = req.drop_duplicates("机构号").set_index("机构号").reindex(x["机构号"]) if len(req) else None
    cols = ["排名", "机构号", "机构名称", "时间进度", "任务进度", "进度差", ml("所需日均R"), ml("缺口"), "可达性", "建议动作"]
    if not len(x) or r is None:
        return Table(pd.DataFrame(columns=cols), name="behind", title="落后机构(任务进度低于时间进度, 最落后在前)",
                     empty_note="没有任务进度落后于时间进度的机构")
    action = r["可达性"].map(dict(p.reach_actions)).fillna("补齐日余额数据后重算").to_numpy()
    txt = ("落后 " + format_values(-x["进度差"].astype("float64") * 100, ".1f") + " 个百分点; 剩余每天需日均 "
           + format_values(pd.Series(r[ml("所需日均R")].to_numpy(), dtype="float64"), ",.0f") + f" {ctx.unit}, 缺口 "
           + format_values(pd.Series(r[ml("缺口")].to_numpy(), dtype="float64"), ",.0f") + f" {ctx.unit}: ")
    df = pd.DataFrame({"排名": np.arange(1, len(x) + 1, dtype="int64"), "机构号": x["机构号"].to_numpy(),
                       "机构名称": x["机构名称"].to_numpy(), "时间进度": x["时间进度"].to_numpy(dtype="float64"),
                       "任务进度": x["任务进度"].to_numpy(dtype="float64"), "进度差": x["进度差"].to_numpy(dtype="float64"),
                       ml("所需日均R"): r[ml("所需日均R")].to_numpy(dtype="float64"),
                       ml("缺口"): r[ml("缺口")].to_numpy(dtype="float64"), "可达性": r["可达性"].to_numpy(),
                       "建议动作": (txt.fillna("").to_numpy(dtype=object) + action)})
    return Table(df, name="behind", title="落后机构(任务进度低于时间进度, 最落后在前)", text_columns=("机构号",),
                 formats={"时间进度": "pct1", "任务进度": "pct1", "进度差": "pct1"}, widths={"建议动作": 60},
                 conditional=[Conditional(["可达性"], kind="text", value=UNREACHABLE, style="bad")])


def _headline(rep: Report, track: pd.DataFrame, ctx) -> Headline:
    """概览 (issue 10 item 1) from the 考核期 rows of ``track`` (:func:`~.compute._tracking`): 目标日均 vs 基期日均,
    期内日均(至今) vs 目标日均, 任务进度 vs 时间进度 of the bank (its 全行 row; in tracking mode without one the
    sum over the orgs when all share one period and their balances cover it, else blank and said), 落后机构数
    vs 机构数, 基本不可达 and 偏离度预警 机构数 (个); chart 时间进度 vs 任务进度 (``progress``); actions: the
    落后机构 table (most behind first). Money in ``ctx.unit``."""
    yt = track[track["span"].eq("考核期")] if len(track) else track
    orgs = yt[~yt["root"].astype(bool)] if len(yt) else yt
    root = yt[yt["root"].astype(bool)] if len(yt) else yt
    why = None
    if len(root):
        t, b, n, d = (float(root[k].iloc[0]) for k in ("target", "base", "N", "d"))
        s, cov = float(root["S"].iloc[0]), bool(root["covered"].iloc[0])
    elif len(orgs) and orgs["d"].nunique() == 1 and orgs["N"].nunique() == 1:
        t, b = float(orgs["target"].sum()), float(orgs["base"].sum(min_count=len(orgs)))
        n, d = float(orgs["N"].iloc[0]), float(orgs["d"].iloc[0])
        s, cov = float(orgs["S"].sum()), bool(orgs["covered"].all())
    else:
        t = b = n = d = s = np.nan
        cov, why = False, "各机构考核期不同, 不汇总全行"
    avg = s / d if cov and d > 0 else None
    task = (avg - b) / (t - b) if avg is not None and t != b and not np.isnan(b) else None
    time_p = d / n if n and not np.isnan(n) else None
    pr = rep.tables()["progress"].df
    ids = set(orgs["org_id"]) if len(orgs) else set()
    behind = int(pr["状态"].eq("落后")[pr["机构号"].isin(ids)].sum()) if len(pr) else 0
    unreach = int(orgs["reach"].eq(UNREACHABLE).sum()) if len(orgs) else 0
    dv = rep.tables()["deviation"].df
    warn = int((dv["预警"].eq(WARN) & dv["机构号"].isin(ids)).sum()) if len(dv) else 0

    def money(v):
        return None if v is None or np.isnan(v) else float(v) / ctx.scale
    figs = [Figure("全行目标日均", money(t), ctx.unit, "money", "基期日均", money(b), why),
            Figure("全行期内日均(至今)", money(avg if avg is not None else np.nan), ctx.unit, "money", "目标日均",
                   money(t), why or (None if cov else "日余额未覆盖考核期初, 未计算")),
            Figure("全行任务进度", task, "%", "pct1", "时间进度", time_p, why),
            Figure("落后机构数", behind, "个", "int", "机构数", len(ids), "任务进度低于时间进度, 见下表"),
            Figure("基本不可达机构数", unreach, "个", "int", note="考核期所需日均超过不可达倍数 × 当前余额"),
            Figure("偏离度预警机构数", warn, "个", "int", note="月末余额偏离当月日均超过上限, 见「偏离度预警」")]
    chart = Chart(table="progress", categories="机构名称", series=["时间进度", "任务进度"], kind="column",
                  title="时间进度 vs 任务进度", number_format="0%", height=240)
    return Headline(figs, chart=chart if len(pr) else None, actions="behind",
                    lines=["任务进度 = (期内日均至今 − 基期日均)/(目标日均 − 基期日均); 落后 = 任务进度低于时间进度。"])


def monthly_task_table(tracked, months, m_split, ctx: RunContext) -> pd.DataFrame:
    """月度任务明细 (name ``monthly_tasks``), the pivot source: one row per (outlet, month) with 机构号, 机构名称,
    季度 (Qn, or yyyy-Qn over two years), 月份 (yyyy-mm) and the month's increment task (display unit);
    months without a task (NaN: the outlet is not decomposed) are left out."""
    years = {m.year for m in months}
    rows = [{"机构号": u.org_id, "机构名称": u.name,
             "季度": f"Q{m.quarter}" if len(years) == 1 else f"{m.year}-Q{m.quarter}", "月份": f"{m:%Y-%m}",
             ctx.money_label("月度增量任务"): v / ctx.scale}
            for u in tracked if not u.is_root for m in months
            if not pd.isna(v := m_split[u.org_id].get(m, np.nan))]
    cols = ["机构号", "机构名称", "季度", "月份", ctx.money_label("月度增量任务")]
    return pd.DataFrame(rows, columns=cols)


def monthly_pivot_spec(ctx: RunContext) -> PivotSpec:
    """Native PivotTable over 月度任务明细: rows 机构名称, columns 季度 → 月份, value 求和 月度增量任务."""
    task = ctx.money_label("月度增量任务")
    return PivotSpec(name="月度任务透视", rows=("机构名称",), columns=("季度", "月份"),
                     values=(DataField(task, "sum", caption=f"增量任务({ctx.unit})", num_format="#,##0.00"),))


def _sheets_monthly_pivot(tracked, months, m_split, ctx: RunContext) -> list[Sheet]:
    """月度透视 (native PivotTable, :func:`monthly_pivot_spec`) + its source sheet 月度任务明细."""
    df = monthly_task_table(tracked, months, m_split, ctx)
    if not len(df):
        return []
    return [
        Sheet("月度透视", [
            Note(title="月度增量任务 — Excel 数据透视表",
                 lines=[("数据源: 「月度任务明细」表, 每行一个机构一个月; 打开文件时 Excel 自动刷新"
                         "(受保护的视图下需先点「启用编辑」), 可拖动 机构/季度/月份 调整行列。"),
                        f"数值 = 月度增量任务({ctx.unit}), 与「月度分解」一致。"]),
            PivotBlock(monthly_pivot_spec(ctx), "monthly_tasks", title=f"各机构月度增量任务({ctx.unit})"),
        ]),
        Sheet("月度任务明细", [Table(df, name="monthly_tasks", title="月度任务明细(透视表数据源)",
                                   text_columns=("机构号", "月份"))], print_role="detail"),
    ]




# ============================================================================ sheets
def _quarter_labels(q_keys) -> list[str]:
    years = {y for y, _ in q_keys}
    return [QUARTER_ZH[q - 1] if len(years) == 1 else f"{y}年{QUARTER_ZH[q - 1]}" for y, q in q_keys]


def _sheet_decomposition(units, root, fac, shares, eff, q_keys, q_split, decompose, p, ctx, metric, start, end) -> Sheet:
    ml = ctx.money_label
    qlab = _quarter_labels(q_keys)
    rows = []
    for j, u in enumerate(units):
        r = {"机构号": u.org_id, "机构名称": u.name}
        if decompose:
            idx = fac.index[j]
            r[ml("上年日均")] = fac.at[idx, "prior_avg"] / ctx.scale
            r[ml("上年日均增量")] = fac.at[idx, "prior_increment"] / ctx.scale
            r[ml("市场潜力")] = fac.at[idx, "potential"] / ctx.scale
            r["人数"] = fac.at[idx, "staff_count"]
            for k in FACTORS:
                r[f"{FACTOR_ZH[k]}占比"] = shares.at[idx, k]
            r["综合占比"] = shares.at[idx, "combined"]
        r[ml("基期日均")] = u.base / ctx.scale
        r[ml("增量任务ΔT_i")] = u.delta / ctx.scale
        r[ml("目标日均")] = u.target / ctx.scale
        for lab, v in zip(qlab, q_split[u.org_id]):
            r[ml(f"{lab}增量")] = v / ctx.scale
        rows.append(r)
    df = pd.DataFrame(rows)
    if not len(df):
        df = pd.DataFrame(columns=["机构号", "机构名称", ml("基期日均"), ml("增量任务ΔT_i"), ml("目标日均")])
    fmts = {c: "pct" for c in df.columns if str(c).endswith("占比")}
    fmts["人数"] = "int"
    blocks: list = []
    pairs = [("考核指标", metric), ("考核期", f"{start:%Y-%m-%d} ~ {end:%Y-%m-%d}"),
             ("模式", "分解: 全行目标按因子分解到各机构" if decompose else "跟踪: 各机构已有目标, 未分解")]
    if root is not None:
        pairs += [(ml("全行目标日均"), f"{root.target / ctx.scale:,.2f}"),
                  (ml("全行基期日均"), f"{root.base / ctx.scale:,.2f}"),
                  (ml("增量任务ΔT"), f"{root.delta / ctx.scale:,.2f}"),
                  ("有效权重", " / ".join(f"{FACTOR_ZH[k]} {eff.get(k, 0):.0%}" for k in FACTORS)),
                  ("取整", f"最大余数法取整到 {p.rounding_unit:,.0f} 元, 合计行 = 全行 ΔT")]
        rest = abs(root.delta) % p.rounding_unit
        if units and rest > 1e-6:
            j = max(range(len(units)), key=lambda k: (shares["combined"].iloc[k], -k))
            pairs.append(("零头", (f"ΔT 不是 {p.rounding_unit:,.0f} 元的整数倍: 零头 {rest:,.2f} 元计入占比最大的"
                                  f"「{units[j].name or units[j].org_id}」, 以保证合计 = ΔT")))
    blocks.append(Note(title="存款指标分解 Target decomposition", pairs=pairs))
    blocks.append(Table(df, name="decomposition", title="机构分解表", total_row=True, formats=fmts,
                        text_columns=("机构号",),
                        note="占比为因子份额(负值按 0); 目标日均 = 基期日均 + 增量任务; 季度增量按开门红进度分解"))
    if len(df):
        blocks.append(Chart(table="decomposition", categories="机构名称" if df["机构名称"].astype(str).str.len().gt(0).all()
                            else "机构号", series=[ml("增量任务ΔT_i")], kind="bar", title="各机构增量任务",
                            height=max(260, 24 * len(df) + 80), number_format="#,##0"))
    return Sheet("指标分解", blocks)


def _sheet_monthly(tracked, months, m_split, season, season_src, ctx, start, end) -> Sheet:
    years = {m.year for m in months}
    lab = {m: (f"{m.month}月" if len(years) == 1 else f"{m:%Y-%m}") for m in months}
    mdays = _month_days(months, start, end)
    n = sum(mdays)
    rows, trows = [], []
    for u in tracked:
        r = {"机构号": u.org_id, "机构名称": u.name}
        t = dict(r)
        plan = _month_plan(u, months, m_split)
        for m in months:
            r[ctx.money_label(f"{lab[m]}增量")] = m_split[u.org_id].get(m, np.nan) / ctx.scale
            t[ctx.money_label(f"{lab[m]}日均目标")] = plan[m] / ctx.scale
        t[ctx.money_label("按月目标折算全年日均")] = sum(plan[m] * k for m, k in zip(months, mdays)) / n / ctx.scale
        t[ctx.money_label("考核期目标日均")] = u.target / ctx.scale
        trows.append(t)
        if not u.is_root:
            rows.append(r)
    df = pd.DataFrame(rows) if rows else pd.DataFrame(columns=["机构号", "机构名称"])
    tdf = pd.DataFrame(trows) if trows else pd.DataFrame(columns=["机构号", "机构名称"])
    sf = pd.DataFrame({"月份": [f"{m:%Y-%m}" for m in months], "季度": [f"Q{m.quarter}" for m in months],
                       "季内占比": [season.get(m, np.nan) for m in months]})
    return Sheet("月度分解", [
        Note(title="月度增量任务 Monthly split",
             lines=[f"季度增量按季节因子分到月: {season_src}; 最大余数法取整, 各月之和 = 季度增量。",
                    ("月度增量 = 年累计日均(考核期初至该月末的日均)比基期增加的计划: 到 m 月末年累计日均应达 "
                     "基期日均 + 截至 m 月的累计增量, 12 月末即目标日均。"),
                    ("本月日均目标 a_m = 基期日均 + (C_m×D_m − C_(m−1)×D_(m−1))/当月天数 (C = 累计增量, D = 期初至月末天数): "
                     "每月都恰好达到本月日均目标, 全年日均就恰好等于目标日均(见「按月目标折算全年日均」列)。")]),
        Table(df, name="monthly", title="各机构月度增量任务", total_row=True, text_columns=("机构号",)),
        Table(tdf, name="monthly_avg_targets", title="各机构本月日均目标(每月当月日均应达到的余额)",
              text_columns=("机构号",)),
        Table(sf, name="seasonal", title="季节因子", formats={"季内占比": "pct"}),
    ])


def _sheet_required(track: pd.DataFrame, ctx, p: TargetParams) -> Sheet:
    ml = ctx.money_label
    if len(track):
        df = pd.DataFrame({
            "机构号": track["org_id"], "机构名称": track["name"], "口径": track["span"],
            "期起": track["start"], "期止": track["end"], "期长N(天)": track["N"].astype("int64"),
            "已过d(天)": track["d"].astype("int64"), f"累计余额S_d({ctx.unit}·日)": track["S"] / ctx.scale,
            ml("目标日均A*"): track["A"] / ctx.scale, ml("所需日均R"): track["R"] / ctx.scale,
            ml("当前余额"): track["current"] / ctx.scale, ml("缺口"): track["gap"] / ctx.scale,
            "可达性": track["reach"], "建议动作": track["reach"].map(dict(p.reach_actions)).fillna("补齐日余额数据后重算"),
        })
    else:
        df = pd.DataFrame(columns=["机构号", "机构名称", "口径", "可达性", "建议动作"])
    return Sheet("所需日均", [
        Note(title="所需日均余额 Required daily balance",
             lines=[("R = (A*·N − S_d)/(N − d): 剩余每天平均需达到的余额; 缺口 = R − 当前余额; "
                    "d = N 时 R 列为实际日均。"),
                    ("本月口径 A* = 本月日均目标 a_m(见「月度分解」: 使年累计日均达到序时进度的当月日均, 各月都达到则全年"
                     "恰好达到目标日均); 考核期口径 A* = 目标日均。"),
                    ("两种口径一致: 本月达到本月目标且以后各月也达到, 考核期就达到; 考核期「需提升」而本月「当前余额已满足」"
                     "表示按进度计划后续月份的日均目标更高, 余额还需继续增长。")]),
        Table(df, name="required", title="各机构所需日均", text_columns=("机构号",),
              conditional=[Conditional(["可达性"], kind="text", value=UNREACHABLE, style="bad"),
                           Conditional([ml("缺口")], kind="cell", criteria=">", value=0, style="warn")]),
    ])


def _sheet_deviation(track: pd.DataFrame, ctx, p: TargetParams) -> Sheet:
    """偏离度预警: one row per org with a 本月 span covered by the daily balances and d > 0 (``track`` from
    :func:`~.compute._tracking`), computed column-wise: mid-month the month-end balance is the current one and
    the month's average (S_d + 当前余额 × (N − d))/N; 月末余额上限 = (1 + 上限)·(S_d + 当前余额·(N − d − 1))/(N − 1 − 上限)."""
    ml = ctx.money_label
    cols = ["机构号", "机构名称", "本月天数", "已过天数", ml("本月至今日均"), ml("当前余额"), ml("预测月末余额"),
            ml("预测当月日均"), "偏离度", "预警", ml("月末余额上限"), "建议动作"]
    mt = track[track["span"] == "本月"] if len(track) else track
    mt = mt[mt["covered"].astype(bool) & (mt["d"] != 0)] if len(mt) else mt
    if len(mt):
        n, d = mt["N"].to_numpy(), mt["d"].to_numpy()
        s, cur = mt["S"].to_numpy(dtype="float64"), mt["current"].to_numpy(dtype="float64")
        lim = p.deviation_limit
        done = d >= n
        with np.errstate(divide="ignore", invalid="ignore"):
            avg_pred = np.where(done, s / n, (s + cur * (n - d)) / n)
            den = n - 1 - lim
            cap = np.where(done | ~(den > 0), np.nan, (1 + lim) * (s + cur * (n - d - 1)) / np.where(den > 0, den, 1.0))
        dev = deviation(cur, avg_pred)
        warn = ~np.isnan(dev) & (dev > lim)
        cap_text = format_values(pd.Series(cap / ctx.scale), ",.2f").fillna("").to_numpy(dtype=object)
        action = np.where(warn & ~np.isnan(cap), "月末余额宜控制在 " + cap_text + f"{ctx.unit} 以内, 避免冲时点",
                          np.where(warn, "月末偏离度超限, 说明原因", "正常"))
        df = pd.DataFrame(dict(zip(cols, [
            mt["org_id"].to_numpy(), mt["name"].to_numpy(), n, d, s / d / ctx.scale, cur / ctx.scale,
            cur / ctx.scale, avg_pred / ctx.scale, dev, np.where(warn, WARN, "正常"), cap / ctx.scale, action])))
    else:
        df = pd.DataFrame(columns=cols)
    df["本月天数"] = df["本月天数"].astype("int64")
    df["已过天数"] = df["已过天数"].astype("int64")
    return Sheet("偏离度预警", [
        Note(title="月末存款偏离度 Month-end deviation",
             lines=[f"偏离度 = (月末余额 − 当月日均)/当月日均, 超过 {p.deviation_limit:.0%} 预警(月末存款偏离度考核口径)。",
                    ("月中: 预测月末余额 = 当前余额(假设余额保持), 预测当月日均 = (S_d + 当前余额×剩余天数)/N;"
                    " 月末余额上限 = 使偏离度不超限的最高月末余额。")]),
        Table(df, name="deviation", title="月末偏离度", text_columns=("机构号",), formats={"偏离度": "pct"},
              conditional=[Conditional(["预警"], kind="text", value=WARN, style="bad")]),
    ])


def _sheet_progress(track: pd.DataFrame, ctx) -> Sheet:
    """进度: one row per org's 考核期 span (``track``), column-wise: 时间进度 d/N; 任务进度 = (日均至今 −
    基期)/(目标 − 基期) (blank when the balances do not cover the period start, d = 0 or 目标 = 基期); 进度差 ≥ 0 领先."""
    ml = ctx.money_label
    cols = ["机构号", "机构名称", "时间进度", ml("期内日均(至今)"), ml("基期日均"), ml("目标日均"), "任务进度", "进度差",
            "状态"]
    yt = track[track["span"] == "考核期"] if len(track) else track
    if len(yt):
        n, d = yt["N"].to_numpy(), yt["d"].to_numpy()
        s = yt["S"].to_numpy(dtype="float64")
        base, target = yt["base"].to_numpy(dtype="float64"), yt["target"].to_numpy(dtype="float64")
        with np.errstate(divide="ignore", invalid="ignore"):
            time_p = np.where(n != 0, d / np.where(n != 0, n, 1), np.nan)
            avg = np.where(yt["covered"].to_numpy(dtype=bool) & (d > 0), s / np.where(d > 0, d, 1), np.nan)
            denom = target - base
            task = np.where(~np.isnan(avg) & ~np.isnan(denom) & (denom != 0),
                            (avg - base) / np.where(denom != 0, denom, 1.0), np.nan)
        diff = np.where(~np.isnan(task), task - time_p, np.nan)
        state = np.where(np.isnan(diff), "—", np.where(diff >= 0, "领先", "落后"))
        name = yt["name"].where(yt["name"].astype(bool), yt["org_id"])  # a blank name shows the 机构号
        df = pd.DataFrame(dict(zip(cols, [yt["org_id"].to_numpy(), name.to_numpy(), time_p, avg / ctx.scale,
                                          base / ctx.scale, target / ctx.scale, task, diff, state])))
    else:
        df = pd.DataFrame(columns=cols)
    blocks = [Note(title="时间进度 vs 任务进度 Progress",
                   lines=["时间进度 = d/N; 任务进度 = (期内日均至今 − 基期日均)/(目标日均 − 基期日均); 进度差 < 0 为落后。"]),
              Table(df, name="progress", title="进度", text_columns=("机构号",),
                    formats={"时间进度": "pct1", "任务进度": "pct1", "进度差": "pct1"},
                    conditional=[Conditional(["状态"], kind="text", value="落后", style="warn")])]
    if len(df):
        blocks.append(Chart(table="progress", categories="机构名称", series=["时间进度", "任务进度"], kind="column",
                            title="时间进度 vs 任务进度", number_format="0%"))
    return Sheet("进度", blocks)


def _method_lines(p: TargetParams) -> list[str]:
    return [
        "方法依据: 场景 D5 指标分解; 日均与月末偏离度的通用口径(课程 §0.3、§0.4)。",
        "增量任务 ΔT = 全行目标日均 − 全行基期日均(默认上年日均; 全行行未填时取各机构基期之和); 允许负增量。",
        (f"机构分解 ΔT_i = ΔT × Σ_k w_k·s_(k,i); 权重 存量 {p.weight_stock} / 上年增量 {p.weight_increment} / "
        f"潜力 {p.weight_potential} / 人数 {p.weight_staff}【假设】; 因子份额中负值按 0; 某因子全部为 0 或空时其权重按比例"
        "分给其余因子; 全部因子不可用时平均分配。"),
        f"取整到 {p.rounding_unit:,.0f} 元, 最大余数法(先取整数部分, 余下单位给小数部分最大的机构), 合计恰等于 ΔT。",
        "机构目标日均 = 机构基期日均(默认其上年日均; 新网点无上年日均时为 0) + ΔT_i。",
        (f"季度增量进度 {' / '.join(f'{x:.0%}' for x in p.quarter_progress)}(开门红前置【假设】), 月度按上年同月全行日均的"
        "季内占比(日余额覆盖上年同期各月时), 否则季内平均; 进度指年累计日均(期初至季末/月末的日均)比基期的增量。"),
        ("本月日均目标 a_m = 基期 + (C_m·D_m − C_(m−1)·D_(m−1))/days_m (C_m 截至 m 月累计增量, D_m 期初至 m 月末天数): "
         "Σ a_m·days_m / N = 目标日均, 各月都达标则全年达标。"),
        "日均 = 期内每日余额之和 / 日历天数; 缺日与非营业日按前一日余额填充; 新网点开业前(首笔余额前)记 0(§0.3)。",
        "所需日均 R = (A*·N − S_d)/(N − d); 缺口 = R − 当前余额; R > 不可达倍数 × 当前余额 → 基本不可达; d = N 时输出实际日均。",
        "偏离度 = (月末余额 − 当月日均)/当月日均 > 上限 → 预警; 进度: 时间进度 d/N 对比任务进度 (日均至今 − 基期)/(目标 − 基期)。",
    ]


def _empty_report(p, ctx, method, notes) -> Report:
    lines = notes or ["无数据"]
    rep = Report(title="存款营销指标分解", method=method, notes=notes)
    for name in ("指标分解", "月度分解", "所需日均", "偏离度预警", "进度"):
        rep.sheets.append(Sheet(name, [Note(title=name, lines=lines)]))
    return rep
