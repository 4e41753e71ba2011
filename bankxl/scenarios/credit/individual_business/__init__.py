"""C2 个体工商户 Individual businesses (SCENARIOS.md "C2"; issue 13).

Inputs (canonical tables, ``bankxl.tables``):

* ``businesses`` 个体工商户 (required) — the market-regulation bureau's registration list as the bank receives it:
  字号名称 · 统一社会信用代码 · 经营者姓名 · 经营者证件号 (15 or 18 digits) · 手机 (often masked) · 客户号 (if
  pre-matched) · 行业 · 经营范围 · 登记机关 · 经营场所 · 成立日期 · 登记状态 (存续/在业/注销/吊销) · 网点. One row
  per registration.
* ``customers`` 客户 (required) — cust_id, id_no, cust_name, phone, org_id, payroll_flag, mobile_banking.
* ``product_holdings`` 产品持有, ``loans`` 贷款, ``merchants`` 收单商户, ``merchant_monthly`` 收单商户月度
  (optional): the products' holding; a product no table tells is 未计算 (blank, said), never 0 or 否.

Method: registrations whose 登记状态 matches ``cancelled_pattern`` (注销/吊销 …) are left out (counted per status
in 说明; a blank status counts as 存续); the 统一社会信用代码 is checked under GB 32100 (the check character;
:func:`bankxl.idcard.uscc_is_valid`, the same rule as python-stdnum ``cn.uscc`` for 个体工商户 codes) — a bad one is
USCC_INVALID on 数据问题, the registration kept; a valid USCC listed twice keeps its last row (DUP_KEY). The rest
are matched to the bank's persons by the kit's one identity rule (:func:`bankxl.rules.identity.match_list`:
normalised 18-digit 证件号 first — 15-digit upgraded, ID_CORRUPT never —, then 客户号, then 姓名+手机 comparing
masked digits only where both show them); conflicts are listed (身份冲突, LIST_CONFLICT), never merged. One
operator (经营者) with several businesses is one row, summed by the person key (经营户数; 主营行业 = that of the
earliest registration). Per operator and product of the 产品积分 table (``products``: 产品, 分值, 识别正则;
SCENARIOS.md C2 【假设】 经营贷 30 · 收单 20 · 代发 15 · 结算账户 10 · 信用卡 10 · 理财 10 · 手机银行 5 · 社保卡 0 ·
ETC 0): held / not held / unknown (:func:`.compute.holdings`); 持有产品数 n and 积分 = Σ 分值 of the held products
(blank when a computed product is unknown for the operator); 持有度结构 0/1/2/3/4/5+ (``holding_top``); 积分档
(``point_bands`` 20/50/80: 0–20 / 21–50 / 51–80 / >80); 渗透率 per 网点 × 主营行业 = holders / operators whose
holding is known (operators outside the bank hold nothing of the bank's); 共持矩阵 P(B|A); 画像 per 持有产品数.
Opportunities: 收单活跃 (every one of the last ``active_months`` months with 金额 > 0) without 经营贷 → C4 经营贷
线索; 经营贷 without 结算账户 → 资金回流. Marketing list (:mod:`bankxl.lists`, 本行客户 only): 收单活跃无贷
``c4_points`` 40 + 有贷无结算户 ``return_points`` 30 + 产品缺口 ``gap_points`` 30 × (Σ 分值 of products known not
held / Σ 分值 of the computed products); levels, actions ({offer}) and 截止日 from ``levels`` / ``strategy``.
仅外部(新客) operators form a masked new-customer lead list.

Sheets: 概览 (Report.headline), 名单匹配, 持有结构 (+ 积分档, per product, chart), 渗透率, 共持矩阵, 经营者画像,
营销名单, 新客线索, 经营户明细 (detail), 身份冲突 (detail), 客户标签 (C2_BIZ 个体工商户经营者 = 经营户数, C2_POINTS
产品积分 = 积分/积分档, C2_C4_LEAD 收单活跃无贷, C2_FUNDS_RETURN 有贷无结算户, C2_MARKETING = 得分/等级). Errors:
ParameterError for bad parameters (before any input is read); the runner raises DataValidationError for a missing
table or required column. Row problems: the loader's ID_* codes, USCC_INVALID, DUP_KEY, LIST_CONFLICT.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ....errors import ParameterError
from ....frames import masked, mask_label
from ....lists import Rule, check_levels, levels_param, score_list, strategy_param
from ....report import Chart, Conditional, Figure, Headline, Note, Report, Sheet, Table
from ....rules.identity import (BY_CUST, BY_ID, BY_NAME_PHONE, EXTERNAL_ONLY, IN_BOTH, MATCH_CLASSES,
                                bank_identity, match_list)
from ....rules.transactions import check_regex
from ....scenario import RunContext, Scenario, param
from ....tags import tag_rows, tag_sheet, tag_table
from .compute import (ACQUIRING, LOAN, SETTLEMENT, ages, band_labels, co_holding, count_label, holdings, in_scope,
                      operators, penetration, point_band)

#: the products of SCENARIOS.md C2 (T_hold enum): the names the 产品积分 table may use
PRODUCTS = ("经营贷", "收单", "代发", "结算账户", "信用卡", "理财", "手机银行", "社保卡", "ETC")
#: list-frame columns the 策略表 actions may name as {placeholder}
FIELDS = ("offer", "gap_txt", "n_biz", "n_held", "points", "biz_name", "industry")
_DEFAULT_PRODUCTS = (("经营贷", 30, "经营"), ("收单", 20, "收单|聚合码|聚合支付"), ("代发", 15, "代发"),
                     ("结算账户", 10, "结算"), ("信用卡", 10, "信用卡"), ("理财", 10, "理财"),
                     ("手机银行", 5, "手机银行"), ("社保卡", 0, "社保卡"), ("ETC", 0, "ETC"))


@dataclass(frozen=True)
class BusinessParams:
    """Parameters of C2 (defaults SCENARIOS.md C2 【假设】)."""

    cancelled_pattern: str = param("注销|吊销|撤销|迁出|清算|歇业", "已注销状态(正则)",
                                   help="登记状态(及收单商户状态)匹配该正则的不计; 登记状态空白按存续计",
                                   pattern=r"(?s).*\S.*")
    products: tuple = param(_DEFAULT_PRODUCTS, "产品积分", "分",
                            help="[[产品, 分值, 识别正则], …]: 产品为 " + "/".join(PRODUCTS) + " 之一(经营贷、收单、"
                                 "结算账户必须有); 产品持有表中名称匹配识别正则的记为该产品, 贷款表中数据日期未结清且品种"
                                 "匹配「经营贷」识别正则的贷款记为持有经营贷; 积分 = 持有产品的分值之和")
    point_bands: tuple = param((20, 50, 80), "积分分档", "分", increasing=True,
                               help="积分档的分界(含上界): 0–20 / 21–50 / 51–80 / >80")
    holding_top: int = param(5, "持有度最高档", "个", min=1, max=9, help="持有产品数 ≥ 该值合为一档(5+)")
    active_months: int = param(3, "收单活跃月数", "月", min=1, max=24,
                               help="最近 N 个月(含数据日期所在月)每月收单交易额 > 0 为收单活跃")
    min_group_size: int = param(10, "着色最小分组", "户", min=1, max=100_000,
                                help="渗透率表中经营者少于该数的 网点×行业 不着色: 比例基于太少的经营者, 并无意义")
    c4_points: float = param(40.0, "收单活跃无贷加分", "分", max=100, help="收单活跃且无经营贷: 经营贷线索(转 C4 准入)")
    return_points: float = param(30.0, "有贷无结算户加分", "分", max=100, help="有经营贷但无结算账户: 资金回流")
    gap_points: float = param(30.0, "产品缺口满分", "分", max=100,
                              help="缺口得分 = 该值 × 未持有产品分值之和 / 已计算产品分值之和")
    levels: tuple = levels_param((("A", 50), ("B", 30), ("C", 10)))
    strategy: tuple = strategy_param((("A", "客户经理上门走访: {offer}", 5), ("B", "电话联系: {offer}", 10),
                                      ("C", "短信/手机银行推送: {offer}", 20)),
                                     help="每个等级的建议动作与截止日(数据日期后第 N 个工作日); {offer} = 首要机会")
    list_limit: int = param(2000, "名单上限", "户", min=1, help="营销名单最多列出的客户数(按排名)")

    def check(self) -> None:
        """Regex valid; 产品积分 rows [产品 of :data:`PRODUCTS`, 分值 0–100, valid 识别正则], distinct, with 经营贷 /
        收单 / 结算账户; levels high to low with one 策略表 row each, actions using :data:`FIELDS`. Raises
        ParameterError (中文 + English)."""
        check_regex(self, "cancelled_pattern")
        rows = self.products

        def bad(why: str, en: str):
            raise ParameterError(
                f"参数「产品积分(products)」{why}; 应为 [[\"经营贷\", 30, \"经营\"], …](产品, 分值 0–100, 识别正则), "
                f"产品为 {'/'.join(PRODUCTS)} 之一且不重复, 给定 {rows!r}。",
                f"Parameter products: {en}; it must look like [[\"经营贷\", 30, \"经营\"], ...] (product, points "
                f"0-100, regex) with distinct products among {', '.join(PRODUCTS)}; got {rows!r}.")

        if not isinstance(rows, (tuple, list)) or not rows:
            bad("为空", "empty")
        for r in rows:
            if (not isinstance(r, (tuple, list)) or len(r) != 3 or r[0] not in PRODUCTS or isinstance(r[1], bool)
                    or not isinstance(r[1], (int, float)) or not 0 <= r[1] <= 100 or not isinstance(r[2], str)
                    or not r[2].strip()):
                bad(f"的一行 {r!r} 不合规", f"row {r!r} is malformed")
            try:
                re.compile(r[2])
            except re.error as e:
                bad(f"产品「{r[0]}」的识别正则「{r[2]}」无效({e})", f"regex {r[2]!r} of {r[0]} is invalid ({e})")
        names = [r[0] for r in rows]
        if len(set(names)) != len(names):
            bad("有重复的产品", "a product is listed twice")
        missing = [x for x in (LOAN, ACQUIRING, SETTLEMENT) if x not in names]
        if missing:
            bad(f"缺少机会判断所需的产品 {'、'.join(missing)}", f"missing {', '.join(missing)} (used by the opportunities)")
        check_levels(self.levels, self.strategy, FIELDS)


def run(tables, p: BusinessParams, ctx: RunContext) -> Report:
    """C2: see the module docstring. Returns the report; the inputs are not modified."""
    biz_all, customers = tables["businesses"], tables["customers"]
    notes: list[str] = []
    rep = Report(title="个体工商户", method=_method(p), notes=notes)
    cancelled, key, bad, dup = in_scope(biz_all, p.cancelled_pattern)
    _record(biz_all, bad, dup, key, ctx)
    biz = biz_all[~(cancelled | dup).to_numpy()].assign(_uscc=key[~(cancelled | dup)])
    notes += _scope_notes(biz_all, cancelled, bad, dup, biz)
    bank = bank_identity(customers)  # the customers' identities normalised once for persons and the match
    who = bank.persons
    notes += who.notes()
    lm = match_list(biz, bank)
    lm.record_conflicts("businesses", biz, ctx)  # LIST_CONFLICT per conflicting registration, never merged
    ops, code = operators(biz, lm, ctx.as_of)
    held, active, not_computed, hold_notes = holdings(ops, code, biz, tables, who, p.products,
                                                      p.cancelled_pattern, p.active_months, ctx.as_of)
    notes += hold_notes
    computed = [x[0] for x in p.products if x[0] not in not_computed]
    if not_computed:
        notes.append(f"{'、'.join(not_computed)}: 提供的表中没有这些产品的持有信息, 渗透率与持有情况留空(未计算), "
                     "不按 0 计, 也不计入持有产品数与积分。")
    points_of = {x[0]: float(x[1]) for x in p.products}
    h = held[computed]
    unknown_any = h.isna().any(axis=1).to_numpy() if computed else np.ones(len(ops), dtype=bool)
    n_held = pd.Series(np.where(unknown_any, np.nan, h.fillna(False).sum(axis=1)), dtype="Float64")
    pts = pd.Series(np.where(unknown_any, np.nan, (h.fillna(False).astype(float) * pd.Series(points_of)[computed])
                             .sum(axis=1)), dtype="float64")
    ops = ops.assign(n_held=n_held, points=pts, band=point_band(pts, p.point_bands),
                     level=count_label(n_held, p.holding_top), active=active.array)
    age, male = ages(ops, biz, customers, ctx.as_of)
    c4 = _both(active, held[LOAN], want=(True, False))
    back = _both(held[LOAN], held[SETTLEMENT], want=(True, False))
    ops = ops.assign(c4=c4.array, back=back.array, age=age.to_numpy(), male=male.array)

    lst = _score(ops, held, computed, points_of, p, ctx, customers, not_computed, active)
    notes.append(f"营销名单{lst.tie_break}")
    struct = _structure(ops, p)
    rep.headline = _headline(biz_all, cancelled, ops, struct, lst)
    rep.sheets.append(_match_sheet(lm, ops))
    rep.sheets.append(_structure_sheet(struct, ops, held, computed, p))
    rep.sheets.append(_penetration_sheet(penetration(ops, held, computed), computed, p))
    rep.sheets.append(_co_sheet(co_holding(held, computed), computed))
    rep.sheets.append(_portrait_sheet(ops, p))
    rep.sheets.append(Sheet("营销名单", lst.blocks(
        "biz_list", "个体工商户营销名单", limit=p.list_limit, lines=[_score_text(p)],
        formats={"经营户数": "0", "持有产品数": "0", "积分": "0"}), print_role="detail"))
    rep.sheets.append(_leads_sheet(ops, biz, ctx))
    rep.sheets.append(_detail_sheet(biz, lm, ops, code, ctx))
    rep.sheets.append(_conflict_sheet(biz, lm, customers, ctx))
    inb = ops[ops["match_class"].eq(IN_BOTH).fillna(False).to_numpy()]
    tags = tag_table(
        tag_rows("C2", "C2_BIZ", "个体工商户经营者", inb["cust_id"], ctx, p, value=inb["n_biz"]),
        tag_rows("C2", "C2_POINTS", "个体户产品积分", inb["cust_id"], ctx, p, value=inb["points"], level=inb["band"],
                 when=inb["points"].notna()),
        tag_rows("C2", "C2_C4_LEAD", "收单活跃无贷(C4经营贷线索)", inb["cust_id"], ctx, p, when=inb["c4"]),
        tag_rows("C2", "C2_FUNDS_RETURN", "有贷无结算户(资金回流)", inb["cust_id"], ctx, p, when=inb["back"]),
        lst.tag_rows("C2", "C2_MARKETING", "个体工商户营销", ctx, p))
    rep.sheets.append(tag_sheet(tags))
    return rep


def _both(a: pd.Series, b: pd.Series, want: tuple[bool, bool]) -> pd.Series:
    """a == want[0] and b == want[1], three-valued: True when both known and as wanted, False when either is
    known otherwise, <NA> else (``boolean``, positional)."""
    x = a.astype("boolean").reset_index(drop=True)
    y = b.astype("boolean").reset_index(drop=True)
    yes = x.eq(want[0]).fillna(False) & y.eq(want[1]).fillna(False)
    no = x.eq(not want[0]).fillna(False) | y.eq(not want[1]).fillna(False)
    return pd.Series(pd.array(np.where(yes, True, np.where(no, False, None)), dtype="boolean"))


def _record(biz: pd.DataFrame, bad: pd.Series, dup: pd.Series, key: pd.Series, ctx: RunContext) -> None:
    if "_row" not in biz.columns:
        return
    b = bad.to_numpy()
    if b.any():
        ctx.problem("businesses", biz.loc[b, "_row"], "uscc", "USCC_INVALID", biz.loc[b, "uscc"],
                    "统一社会信用代码格式或校验位错误(GB 32100)", "保留该户; 不用于与收单商户按代码关联")
    d = dup.to_numpy()
    if d.any():
        last = pd.Series(biz["_row"].to_numpy(), index=key.to_numpy()).groupby(level=0).last()
        kept = last.reindex(key[d].to_numpy()).to_numpy()
        ctx.problem("businesses", biz.loc[d, "_row"], "uscc", "DUP_KEY", biz.loc[d, "uscc"], "统一社会信用代码重复",
                    [f"剔除该行, 保留同一代码的最后一条(第 {int(r)} 行)" for r in kept])


def _scope_notes(biz_all, cancelled, bad, dup, biz) -> list[str]:
    st = biz_all.loc[cancelled.to_numpy(), "status"].astype("string").value_counts()
    by = "、".join(f"{k} {v:,}" for k, v in st.items())
    blank = int(biz_all["status"].isna().sum())
    out = [f"个体工商户登记 {len(biz_all):,} 行: 已注销/吊销等 {int(cancelled.sum()):,} 行不计({by or '无'})"
           + (f"; 重复的统一社会信用代码 {int(dup.sum()):,} 行只保留最后一条" if dup.any() else "")
           + f"; 其余 {len(biz):,} 户参与分析" + (f"(其中登记状态空白 {blank:,} 户按存续计)" if blank else "") + "。"]
    n_bad, n_blank = int(bad.sum()), int(biz_all["uscc"].isna().sum())
    if n_bad or n_blank:
        out.append(f"统一社会信用代码: 校验不通过 {n_bad:,} 行(见数据问题 USCC_INVALID, 仍计入分析, 不用于按代码关联收单商户)"
                   + (f"; 空白 {n_blank:,} 行" if n_blank else "") + "。")
    return out


# ============================================================================ list
def _score(ops, held, computed, points_of, p: BusinessParams, ctx, customers, not_computed, active):
    """The §6 marketing list of the operators who are the bank's customers (bankxl.lists)."""
    sel = ops["match_class"].eq(IN_BOTH).fillna(False).to_numpy()
    m = ops[sel].reset_index(drop=True)
    h = held[sel].reset_index(drop=True)
    total = sum(points_of[x] for x in computed)
    gap = h[computed].eq(False).fillna(False) if computed else pd.DataFrame(index=m.index)
    known = h[computed].notna() if computed else pd.DataFrame(index=m.index)
    gap_pts = (gap.astype(float) * pd.Series({x: points_of[x] for x in computed})).sum(axis=1)
    share = pd.Series(np.where(known.any(axis=1) & (total > 0), gap_pts / total if total else np.nan, np.nan))
    order = sorted(computed, key=lambda x: -points_of[x])  # gaps named by value, highest first
    gap_txt = pd.Series("", index=m.index, dtype=object)
    for x in order:
        g = gap[x].to_numpy()
        gap_txt = gap_txt.mask(g & (gap_txt != ""), gap_txt + "、" + x).mask(g & (gap_txt == ""), x)
    first_gap = gap_txt.str.split("、").str[0]
    offer = ("推荐" + first_gap).where(gap_txt != "", "维护: 产品已齐全")
    offer = offer.mask(m["back"].fillna(False).to_numpy(), "开立结算账户, 经营回款归集(资金回流)")
    offer = offer.mask(m["c4"].fillna(False).to_numpy(), "经营贷: 按收单流水授信(转 C4 准入)")
    frame = pd.DataFrame({
        "cust_id": pd.array(m["cust_id"], dtype="string"), "c4": pd.array(m["c4"], dtype="boolean"),
        "back": pd.array(m["back"], dtype="boolean"), "gap_share": share.to_numpy(), "gap_txt": gap_txt.to_numpy(),
        "offer": offer.to_numpy(), "n_biz": m["n_biz"].to_numpy(), "multi": m["n_biz"].to_numpy() > 1,
        "n_held": m["n_held"].to_numpy(), "points": m["points"].to_numpy(), "band": m["band"].to_numpy(),
        "biz_name": m["biz_name"].to_numpy(), "industry": m["industry"].to_numpy(),
        "matched_on": m["matched_on"].to_numpy()})
    rules = (
        Rule("c4", "收单活跃、无经营贷: 经营贷线索(C4)", points=p.c4_points, when="c4", name="收单活跃无贷"),
        Rule("back", "有经营贷、无结算账户: 资金回流", points=p.return_points, when="back", name="有贷无结算户"),
        Rule("gap", "未持有 {gap_txt}", weight=p.gap_points, value="gap_share", name="产品缺口"),
        Rule("multi", "经营 {n_biz} 户个体工商户", when="multi", name="一人多户"),
    )
    unknown = [r for r, missing in (("收单活跃无贷", active.isna().all() or LOAN in not_computed),
                                    ("有贷无结算户", LOAN in not_computed or SETTLEMENT in not_computed)) if missing]
    return score_list(frame, rules, p.levels, p.strategy, ctx, sort_by=("points", "n_biz"), unknown=unknown,
                      customers=customers,
                      show={"biz_name": "字号名称(主营)", "industry": "主营行业", "n_biz": "经营户数",
                            "n_held": "持有产品数", "points": "积分", "band": "积分档", "gap_txt": "未持有产品",
                            "matched_on": "匹配依据"})


def _score_text(p: BusinessParams) -> str:
    return (f"得分(0–100)【假设】: 收单活跃无贷 {p.c4_points:g} + 有贷无结算户 {p.return_points:g} + 产品缺口 "
            f"{p.gap_points:g} × 未持有产品分值 / 已计算产品分值。只列本行客户(内外都有); 一人多户按经营者合并。")


# ============================================================================ sheets
def _headline(biz_all, cancelled, ops, struct, lst) -> Headline:
    """概览: 存续个体工商户 (户, 经营者 in the note), 本行客户 (经营者, share), 户均持有产品数 (known operators),
    收单活跃无贷 and 有贷无结算户 (blank when not computable), 新客线索; chart of 持有度结构; top 10 of the list."""
    n_ops = len(ops)
    inb = ops["match_class"].eq(IN_BOTH).fillna(False)
    n_in = int(inb.sum())
    known = ops["n_held"].notna()
    avg = float(ops.loc[known, "n_held"].mean()) if known.any() else None

    def count(col):
        v = ops.loc[inb.to_numpy(), col]
        return None if v.isna().all() else int(v.fillna(False).sum())

    c4, back = count("c4"), count("back")
    figures = [
        Figure("存续个体工商户", int((~cancelled).sum()), "户", format="int",
               note=f"经营者 {n_ops:,} 人; 已注销/吊销 {int(cancelled.sum()):,} 户不计"),
        Figure("其中本行客户(经营者)", n_in, "人", format="int",
               note=f"占经营者 {n_in / n_ops:.1%}" if n_ops else None),
        Figure("户均持有产品数", avg, "个", format="0.00",
               note="持有情况全部已知的经营者; 不在本行的经营者计 0" if avg is not None else "无可计算的经营者"),
        Figure("收单活跃无贷(C4 线索)", c4, "人", format="int",
               note=None if c4 is not None else "没有收单/经营贷数据, 未计算"),
        Figure("有贷无结算户(资金回流)", back, "人", format="int",
               note=None if back is not None else "没有经营贷/结算账户数据, 未计算"),
        Figure("新客线索(仅外部)", int(ops["match_class"].eq(EXTERNAL_ONLY).fillna(False).sum()), "人", format="int",
               note="不是本行客户的经营者, 见「新客线索」"),
    ]
    chart = Chart(table="holding_structure", categories="持有产品数", series=["经营者数"], kind="column",
                  title="个体工商户经营者持有度结构(人)", height=260)
    return Headline(figures=figures, chart=chart, actions="biz_list",
                    lines=["持有产品数 = 经营者在本行持有的产品个数(一人多户合并); 不在本行的经营者为 0。"])


def _structure(ops: pd.DataFrame, p: BusinessParams) -> pd.DataFrame:
    labels = [str(i) for i in range(p.holding_top)] + [f"{p.holding_top}+", "未知"]
    cnt = ops["level"].value_counts().reindex(labels, fill_value=0).astype("int64")
    inb = ops[ops["match_class"].eq(IN_BOTH).fillna(False).to_numpy()]["level"].value_counts()
    df = pd.DataFrame({"持有产品数": labels, "经营者数": cnt.to_numpy(),
                       "其中本行客户": inb.reindex(labels, fill_value=0).astype("int64").to_numpy()})
    known = df["经营者数"].iloc[:-1].sum()
    df["占比"] = np.where(df["持有产品数"] != "未知", df["经营者数"] / known if known else np.nan, np.nan)
    return df


def _structure_sheet(struct, ops, held, computed, p: BusinessParams) -> Sheet:
    labels = band_labels(p.point_bands)
    bands = ops["band"].value_counts().reindex(labels, fill_value=0).astype("int64")
    bdf = pd.DataFrame({"积分档": labels + ["未知"], "经营者数": [*bands.to_numpy(), int(ops["band"].isna().sum())]})
    prod = pd.DataFrame({"产品": [x[0] for x in p.products], "分值": [float(x[1]) for x in p.products]})
    prod["持有人数"] = [int(held[x].fillna(False).sum()) if x in computed else pd.NA for x in prod["产品"]]
    prod["已知人数"] = [int(held[x].notna().sum()) if x in computed else pd.NA for x in prod["产品"]]
    prod["持有率"] = [prod["持有人数"][i] / prod["已知人数"][i] if x in computed and prod["已知人数"][i] else np.nan
                   for i, x in enumerate(prod["产品"])]
    prod = prod.astype({"持有人数": "Int64", "已知人数": "Int64", "持有率": "float64"})
    unknown = int(struct["经营者数"].iloc[-1])
    lines = ["持有产品数: 经营者(一人多户合并)在本行持有的产品个数(「产品积分」参数中的产品); 不在本行的经营者为 0。",
             f"积分 = 持有产品的分值之和(分值见下表, 【假设】); 分档: {' / '.join(labels)}。"]
    if unknown:
        lines.append(f"「未知」{unknown:,} 人: 身份冲突或部分产品的持有情况无法判断, 不计入占比(不按 0 处理)。")
    return Sheet("持有结构", [
        Note(title="持有度结构与产品积分", lines=lines),
        Table(struct, name="holding_structure", title="持有度结构(经营者数)",
              formats={"经营者数": "#,##0", "其中本行客户": "#,##0", "占比": "pct1"}),
        Chart(table="holding_structure", categories="持有产品数", series=["经营者数", "其中本行客户"], kind="column",
              title="持有产品数分布(人)", height=280),
        Table(bdf, name="point_bands", title="积分档(经营者数)", formats={"经营者数": "#,##0"}),
        Table(prod, name="product_holding", title="各产品持有率(经营者)", formats={"分值": "0", "持有人数": "#,##0",
                                                                          "已知人数": "#,##0", "持有率": "pct1"},
              note="持有率 = 持有人数 / 持有情况已知的经营者; 留空 = 未计算(数据中没有)"),
    ])


def _penetration_sheet(pen: pd.DataFrame, computed, p: BusinessParams) -> Sheet:
    rate_cols = ["本行客户占比", *[f"{x}渗透率" for x in computed]]
    big = pen["经营者数"] >= p.min_group_size
    small = int((~big).sum())
    lines = ["渗透率 = 持有该产品的经营者 / 持有情况已知的经营者(含不在本行的经营者), 按 网点(本行客户的机构, 否则名单的"
             "网点) × 主营行业; 最后一行为全部。"]
    if small:
        lines.append(f"经营者少于 {p.min_group_size} 人的 {small:,} 个分组不着色: 比例基于太少的经营者(参数「着色最小分组」)。")
    top = pen[pen["机构号"] != "全部"].groupby("机构号", sort=True)[["经营者数", "本行客户数"]].sum().reset_index()
    top["本行客户占比"] = top["本行客户数"] / top["经营者数"]
    return Sheet("渗透率", [
        Note(title="渗透率: 网点 × 行业", lines=lines),
        Table(pen, name="penetration", title="各网点各行业个体工商户渗透率", text_columns=("机构号",),
              formats={"经营者数": "#,##0", "本行客户数": "#,##0", **{c: "pct1" for c in rate_cols}},
              conditional=[Conditional([c], kind="color_scale", reverse=True, rows=big) for c in rate_cols]),
        Table(top, name="penetration_org", title="各网点: 经营者中的本行客户", text_columns=("机构号",),
              formats={"经营者数": "#,##0", "本行客户数": "#,##0", "本行客户占比": "pct1"}),
        Chart(table="penetration_org", categories="机构号", series=["本行客户占比"], kind="column",
              title="各网点个体工商户经营者中的本行客户占比", number_format="0%", height=300,
              width=max(720, 40 * len(top))),
    ])


def _co_sheet(co: pd.DataFrame, computed) -> Sheet:
    return Sheet("共持矩阵", [
        Note(title="产品共持矩阵 P(B|A)", lines=[
            "第 A 行第 B 列 = 持有 A 的经营者中同时持有 B 的比例(分母为持有 A 且 B 的持有情况已知的经营者); 对角线为 100%。",
            "读法: 某行中比例低的列 = 持有 A 的经营者还缺的产品, 可作交叉营销方向。"]),
        Table(co, name="co_holding", title="共持矩阵 P(B|A)", formats={"持有户数": "#,##0", **{c: "pct1" for c in computed}},
              conditional=[Conditional(list(computed), kind="color_scale", reverse=True)] if computed else [],
              empty_note="没有可计算的产品"),
    ])


def _portrait_sheet(ops: pd.DataFrame, p: BusinessParams) -> Sheet:
    """经营者画像 per 持有产品数: 经营者数, 户均经营户数, 平均经营年限, 平均年龄, 男性占比, 收单活跃占比 (known),
    平均积分, 主要行业 (the most frequent 主营行业; crosstab, no per-group Python)."""
    labels = [str(i) for i in range(p.holding_top)] + [f"{p.holding_top}+", "未知"]
    f = pd.DataFrame({"lv": pd.Categorical(ops["level"], categories=labels), "n_biz": ops["n_biz"].astype(float),
                      "years": ops["years"], "age": ops["age"].astype(float),
                      "male": ops["male"].astype("Float64"), "active": ops["active"].astype("Float64"),
                      "points": ops["points"]})
    g = f.groupby("lv", observed=False)
    out = pd.DataFrame({"持有产品数": labels, "经营者数": g.size().reindex(labels).to_numpy(dtype=np.int64),
                        "户均经营户数": g["n_biz"].mean().to_numpy(), "平均经营年限(年)": g["years"].mean().to_numpy(),
                        "平均年龄(岁)": g["age"].mean().to_numpy(),
                        "男性占比": g["male"].mean().astype("float64").to_numpy(),
                        "收单活跃占比": g["active"].mean().astype("float64").to_numpy(),
                        "平均积分": g["points"].mean().to_numpy()})
    ct = pd.crosstab(f["lv"], ops["industry"].astype(str).to_numpy()).reindex(labels, fill_value=0)
    top = (ct.idxmax(axis=1) if ct.shape[1] else pd.Series(pd.NA, index=ct.index)).where(ct.sum(axis=1) > 0)
    out["主要行业"] = top.reindex(labels).to_numpy()
    out = out[out["经营者数"] > 0].reset_index(drop=True)
    return Sheet("经营者画像", [
        Note(title="经营者画像(按持有产品数)", lines=[
            "年龄与性别取自经营者证件号(18 位标准化后, 第 17 位奇男偶女), 无效时取匹配到的本行客户信息。",
            "经营年限 = 数据日期 − 最早成立日期; 收单活跃占比的分母为活跃情况已知的经营者; 空白 = 无可计算的经营者。"]),
        Table(out, name="portrait", title="经营者画像", formats={
            "经营者数": "#,##0", "户均经营户数": "0.00", "平均经营年限(年)": "0.0", "平均年龄(岁)": "0.0",
            "男性占比": "pct1", "收单活跃占比": "pct1", "平均积分": "0.0"}),
        Chart(table="portrait", categories="持有产品数", series=["平均经营年限(年)", "平均积分"], kind="column",
              title="各持有度经营者的平均经营年限与平均积分", height=280),
    ])


def _match_sheet(lm, ops) -> Sheet:
    counts = lm.counts()
    r = lm.rows
    by_key = r["matched_on"].value_counts()
    keys = pd.DataFrame({"匹配依据": [BY_ID, BY_CUST, BY_NAME_PHONE],
                         "登记户数": [int(by_key.get(k, 0)) for k in (BY_ID, BY_CUST, BY_NAME_PHONE)]})
    keys["经营者数"] = [int(ops["matched_on"].eq(k).sum()) for k in keys["匹配依据"]]
    return Sheet("名单匹配", [
        Note(title="登记名单与本行客户匹配(本行统一的客户身份规则)", lines=[
            "先按经营者的 18 位标准证件号匹配(15 位旧号升位后比较; ID_CORRUPT 与校验错误的号码不参与), 再按客户号, 最后按 "
            "姓名+手机(姓名去空格、全角转半角; 手机只比较双方都显示的数字)。",
            "内外都有 = 经营者是本行客户; 仅外部(新客) = 不是本行客户; 仅内部 = 本行客户不在登记名单中(多为非个体户); "
            "冲突 = 证件号相同姓名不同等, 不合并, 见「身份冲突」。人数按经营者计(一人多户计一次)。"]),
        Table(counts.rename(columns={"org_id": "机构号"}), name="match_counts", title="各机构名单匹配结果(人)",
              text_columns=("机构号",), formats={c: "#,##0" for c in (*MATCH_CLASSES, "合计")}),
        Table(keys, name="match_keys", title="匹配依据(内外都有)", formats={"登记户数": "#,##0", "经营者数": "#,##0"}),
    ])


def _leads_sheet(ops: pd.DataFrame, biz: pd.DataFrame, ctx: RunContext) -> Sheet:
    new = ops[ops["match_class"].eq(EXTERNAL_ONLY).fillna(False).to_numpy()]
    main = biz.loc[new["main"]]
    df = pd.DataFrame({
        "字号名称(主营)": main["biz_name"].to_numpy(), "统一社会信用代码": main["uscc"].to_numpy(),
        mask_label("经营者", ctx): masked(main["cust_name"], "cust_name", ctx).to_numpy(),
        mask_label("证件号", ctx): masked(main["id_no"], "id_no", ctx).to_numpy(),
        mask_label("手机", ctx): masked(main["phone"], "phone", ctx).to_numpy(),
        "网点": new["org_id"].to_numpy(), "主营行业": new["industry"].to_numpy(), "经营户数": new["n_biz"].to_numpy(),
        "经营年限(年)": new["years"].to_numpy(), "收单商户": np.where(new["active"].isna(), "", "本行收单")})
    df["收单商户"] = np.where(new["active"].notna().to_numpy(), np.where(new["active"].fillna(False).to_numpy(),
                                                                     "本行收单(活跃)", "本行收单"), "")
    df = df.sort_values(["经营户数", "经营年限(年)"], ascending=False, na_position="last", kind="stable")
    return Sheet("新客线索", [
        Note(title="新客线索: 登记的个体工商户经营者不是本行客户(仅外部)", lines=[
            f"共 {len(df):,} 人(一人多户计一次), 按经营户数、经营年限从高到低。个人信息已脱敏; 登记信息为公开信息, "
            "联系前请核实。建议: 结算账户 + 收单/聚合码开户营销。"]),
        Table(df.reset_index(drop=True), name="new_leads", title="新客线索", text_columns=("网点", "统一社会信用代码"),
              formats={"经营户数": "0", "经营年限(年)": "0.0"}, empty_note="登记的经营者都已是本行客户或无法匹配"),
    ], print_role="detail")


def _detail_sheet(biz, lm, ops, code, ctx: RunContext) -> Sheet:
    r = lm.rows
    op = ops.iloc[code] if len(code) else ops.iloc[:0]
    df = pd.DataFrame({
        "Excel 行号": biz["_row"].to_numpy() if "_row" in biz else pd.NA,
        "字号名称": biz["biz_name"].to_numpy(), "统一社会信用代码": biz["uscc"].to_numpy(),
        "代码校验": np.where(biz["uscc"].isna(), "空白", np.where(biz["_uscc"].isna(), "错误", "正确")),
        "行业": biz["industry"].to_numpy(), "成立日期": biz["reg_date"].to_numpy(),
        "登记状态": biz["status"].fillna("(空白: 按存续)").to_numpy(),
        mask_label("经营者", ctx): masked(biz["cust_name"], "cust_name", ctx).to_numpy(),
        mask_label("经营者证件号", ctx): masked(biz["id_no"], "id_no", ctx).to_numpy(),
        "匹配结果": r["match_class"].to_numpy(), "匹配依据": r["matched_on"].to_numpy(),
        "客户号": r["cust_id"].to_numpy(), "机构号": op["org_id"].to_numpy(),
        "经营户数(经营者)": op["n_biz"].to_numpy(), "持有产品数": op["n_held"].to_numpy(),
        "积分": op["points"].to_numpy(), "积分档": op["band"].to_numpy()})
    return Sheet("经营户明细", [
        Note(title="经营户明细(存续的登记, 一行一户)", lines=[
            "持有产品数、积分按经营者计(一人多户的各户相同); 空白 = 无法判断(不按 0 处理)。"]),
        Table(df, name="biz_detail", title="经营户明细", role="detail",
              text_columns=("统一社会信用代码", "客户号", "机构号"),
              formats={"Excel 行号": "0", "成立日期": "date", "经营户数(经营者)": "0", "持有产品数": "0", "积分": "0"},
              empty_note="没有存续的个体工商户登记"),
    ], print_role="detail")


def _conflict_sheet(biz, lm, customers, ctx: RunContext) -> Sheet:
    c = lm.conflicts
    rows = biz.loc[c["ext_index"]]
    names = customers.drop_duplicates("cust_id").set_index("cust_id")["cust_name"] if "cust_name" in customers \
        else pd.Series(dtype="string")
    df = pd.DataFrame({
        "字号名称": rows["biz_name"].to_numpy(), "Excel 行号": rows["_row"].to_numpy() if "_row" in rows else pd.NA,
        mask_label("名单经营者", ctx): masked(rows["cust_name"], "cust_name", ctx).to_numpy(),
        mask_label("名单证件号", ctx): masked(rows["id_no"], "id_no", ctx).to_numpy(),
        "客户号": c["cust_id"].to_numpy(),
        mask_label("本行姓名", ctx): masked(c["cust_id"].map(names), "cust_name", ctx).to_numpy(),
        "冲突原因": c["reason"].to_numpy()})
    return Sheet("身份冲突", [
        Note(title="身份冲突(未合并, 请核实)", lines=[
            "证件号相同但姓名不同, 或 姓名+手机 对应本行多位客户: 这些登记没有并入任何客户, 核实后更正名单或客户信息。"]),
        Table(df, name="conflicts", title="身份冲突", text_columns=("客户号",), role="detail",
              formats={"Excel 行号": "0"}, empty_note="没有身份冲突"),
    ], print_role="detail")


def _method(p: BusinessParams) -> list[str]:
    prods = "、".join(f"{x[0]} {x[1]:g}" for x in p.products)
    return [
        "来源: SCENARIOS.md C2 个体工商户(产品分值与分档为【假设】); 名单匹配: 本行统一的客户身份规则 "
        "bankxl.rules.identity.match_list(证件号 → 客户号 → 姓名+手机)。",
        f"剔除: 登记状态匹配「{p.cancelled_pattern}」的注销/吊销户; 统一社会信用代码按 GB 32100 校验位检查。",
        f"一人多户: 按经营者(标准化证件号等身份键)合并; 产品积分: {prods}; 积分档 {' / '.join(band_labels(p.point_bands))}。",
        f"机会: 收单活跃(近 {p.active_months} 个月每月有交易)且无经营贷 → C4 经营贷线索; 有经营贷而无结算账户 → 资金回流。",
        "数据中没有的产品不计入持有产品数、积分与渗透率(未计算), 不按 0 处理。",
        "真实公开数据(UCI、Berka)没有个体工商户登记信息, 本场景只在示例银行上演示。",
    ]


SPEC = Scenario(
    id="credit.individual_business", code="C2", title="个体工商户", group="信贷营销",
    inputs=("businesses", "customers"),
    optional_inputs=("product_holdings", "loans", "merchants", "merchant_monthly"),
    params=BusinessParams, run=run,
    summary="个体工商户登记名单与本行客户匹配, 持有度结构、网点×行业渗透率、共持矩阵、积分分档、C4 经营贷线索与资金回流名单",
)
