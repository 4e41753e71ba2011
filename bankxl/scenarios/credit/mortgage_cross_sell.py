"""C6 按揭客户交叉营销 Mortgage-holder cross-sell (SCENARIOS.md "C6"; issue 3).

Inputs (canonical tables, ``bankxl.tables``):

* ``customers`` 客户 (required) — cust_id; age from ``birth_date`` at the as-of date, else an ``age`` column
  (the UCI adapter's extra); optional grouping columns ``sex``, ``org_id`` and the extras ``job``,
  ``marital``; ``payroll_flag`` / ``mobile_banking`` count as holding 代发 / 手机银行 (a blank flag is
  unknown unless a product_holdings row says the customer holds it); an extra
  ``credit_default`` (UCI "default") marks a risk customer. Columns named ``outcome_*`` (UCI ``outcome_y``
  = took a term deposit in the campaign, ``outcome_duration``) are campaign **outcomes**: reported as
  outcomes, never used in the priority score.
* ``product_holdings`` 产品持有 (required) — cust_id · product · held (``boolean``: a blank cell is True by
  the column's blank rule, applied by the loader/conform; <NA> = a value the loader could not read,
  VALUE_INVALID on 数据问题: unknown) · balance.
* ``loans`` 贷款 (optional) — 个人住房贷款 loans running on the data date
  (:func:`bankxl.rules.holdings.running_loans`; a product matching the regex ``mortgage_pattern``, default
  住房|按揭|房贷) also make a mortgage holder; 个人消费贷款 loans count as holding 个人消费贷款; with loan
  details the consumer-loan gap needs ≥ ``min_paid_periods`` instalments paid and balance/amount <
  ``max_balance_ratio`` (SCENARIOS C6), loans in arrears (status D) mark a risk customer, and a mortgage
  disbursed ≤ ``renovation_months`` (24) months ago adds the 装修分期 hint.
* ``customer_monthly`` 客户月度存款 (optional) — the latest month's 存款月日均 is the deposit size; else the
  sum of the non-loan ``product_holdings.balance``.

Method: mortgage holders H; a product is *evaluated* when the data show it for anybody (else "数据未提供",
not a gap). Holding is True / False / unknown per customer and product (held anywhere beats not held beats
unknown; no record = not held: :func:`bankxl.rules.holdings.holding_matrix`, shared with C2 and C5).
Coverage of product X = share of H holding X among those whose holding is
known (and, for comparison, of the other customers). Gap = evaluated product known not held (risk customers
get no credit-product gaps); an unknown holding is neither held nor a gap. Priority score (0–100, 【假设】,
:mod:`bankxl.lists`): gaps ``gap_points`` (50) × Σ weight(gap products) / Σ weight(evaluated products whose
holding is known; unknown ones are named in 未计算因素)
(weights parameter) + deposit size percentile among holders × ``size_points`` (35) + age in ``prime_age``
``age_points`` (15); a factor the data do not hold (no deposit, no age) is not scored and is named in
未计算因素. Levels, actions and due dates (working days) from the ``levels`` / ``strategy`` parameters;
the action's ``{offer}`` is the ``offers`` text of the highest-weight gap product (``no_gap_offer`` without a
gap). 客户号 of one person (same 证件号, :func:`bankxl.rules.identity.persons`) count as one customer.

Output: the headline 概览 (``Report.headline``, :func:`_headline`: 按揭客户, the coverage of the two
highest-weight products against non-holders, holders with a gap, the list's top level; the coverage chart;
the top 10 of 营销名单), then the sheets 产品覆盖 (coverage by product, holders vs others, chart), 按年龄段 /
按职业 / 按婚姻状况 / 按性别 / 按机构 (coverage by group with charts, where the data have the column; the colour
scale only on groups of at least ``min_group_size`` holders), 缺口矩阵 (customers by number of gaps and by gap
combination), 营销名单 (priority list, SCENARIOS.md §6 名单表), 客户标签 (§6 tags
C6_MORTGAGE 按揭客户, C6_CROSS_SELL 按揭交叉营销 = 得分/等级, C6_PRODUCT_GAP 产品缺口 = 缺口产品数).
Errors: none beyond the runner's checks; a 产品持有 row whose 客户号 is not in ``customers`` is the runner's
row problem CUST_NOT_FOUND (:func:`bankxl.rules.identity.check_cust_id_coverage`: every row, its Excel row; the row
is kept and counted in the coverage, the list shows no name for it).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...errors import ParameterError
from ...lists import Rule, check_levels, levels_param, score_list, strategy_param
from ...report import Chart, Conditional, Figure, Headline, Note, Report, Sheet, Table
from ...report.layout import display_widths
from ...scenario import RunContext, Scenario, param
from ...tables import loan_status_code
from ...tags import tag_rows, tag_sheet, tag_table
from ...frames import customer_ages
from ...rules.deposits import latest_deposit
from ...rules.holdings import MORTGAGE, HoldingParams, holding_matrix, running_loans
from ...rules.identity import by_cust_id, persons

CONSUMER = "个人消费贷款"
CREDIT_PRODUCTS = ("个人消费贷款", "信用卡", "个人经营贷款")
OUTCOME_ZH = {"outcome_y": "本次营销认购定期(结果)"}

#: default 缺口产品推荐话术 (parameter ``offers``): product -> the offer of the list's 建议动作
_OFFERS = (
    ("个人消费贷款", "推荐个人消费贷(装修/家电/教育), 核对收入与负债后预授信"),
    ("信用卡", "推荐信用卡(装修分期/账单分期), 绑定房贷还款账户自动还款"),
    ("定期存款", "推荐定期存款/大额存单, 锁定月供以外的闲置资金"),
    ("理财", "推荐稳健型理财, 匹配月供周期的短期产品"),
    ("代发", "营销代发工资, 把月供资金来源留在本行"),
    ("手机银行", "开通手机银行, 月供提醒与线上还款"),
    ("保险", "推荐房贷相关保障(意外/家财险)"),
    ("借记卡", "开立借记卡作为还款账户"),
    ("结算账户", "开立结算账户作为还款账户"),
)


@dataclass(frozen=True)
class MortgageParams(HoldingParams):
    """Parameters of C6 (defaults SCENARIOS.md C6 【假设】) and of the holding rule it uses
    (:class:`bankxl.rules.holdings.HoldingParams`: 按揭贷款品种 ``mortgage_pattern``)."""

    products: tuple = param(("个人消费贷款", "信用卡", "定期存款", "理财", "代发", "手机银行", "保险"),
                            "交叉营销产品", help="评估覆盖率与缺口的产品; 数据中没有出现的产品不算缺口")
    weights: tuple = param((("个人消费贷款", 25), ("信用卡", 20), ("定期存款", 15), ("理财", 15), ("代发", 10),
                            ("手机银行", 10), ("保险", 5)), "缺口权重", "分",
                           help="各产品缺口的权重; 缺口得分 = 50 × 缺口权重之和 / 已评估产品权重之和")
    age_bands: tuple = param((25, 35, 45, 55, 65), "年龄分段", "岁", help="年龄段分界点", increasing=True)
    prime_age: tuple = param((25, 50), "重点年龄段", "岁", help="该年龄段(含两端)加 15 分: 家庭形成期, 装修/消费需求集中")
    min_paid_periods: int = param(24, "消费贷-已还期数下限", "期", help="有贷款明细时: 按揭已还期数 ≥ 该值才推荐消费贷")
    max_balance_ratio: float = param(0.7, "消费贷-余额/原额上限", help="有贷款明细时: 按揭余额/原额 < 该值才推荐消费贷")
    gap_points: float = param(50.0, "缺口满分", "分", help="缺口得分 = 该值 × 缺口权重之和 / 已评估产品权重之和")
    size_points: float = param(35.0, "存款规模满分", "分", help="存款规模得分 = 该值 × 存款在按揭客户中的分位(0–1)")
    age_points: float = param(15.0, "重点年龄段加分", "分", help="年龄在重点年龄段内加的分")
    renovation_months: int = param(24, "装修分期-放款月数上限", "月", min=0, max=600,
                                   help="有贷款明细时: 按揭放款(已还期数) ≤ 该月数的客户提示装修分期需求")
    offers: tuple = param(_OFFERS, "缺口产品推荐话术",
                          help="[[产品, 推荐话术], …]: 建议动作中 {offer} 先写缺口权重最高的产品的话术; "
                               "未列出的产品写「推荐<产品>」")
    no_gap_offer: str = param("维护: 产品已齐全, 关注提前还款与续存", "无缺口推荐话术",
                              help="没有缺口产品的按揭客户的 {offer}", pattern=r"(?s).*\S.*")
    levels: tuple = levels_param((("A", 80), ("B", 60), ("C", 0)))
    strategy: tuple = strategy_param((("A", "{offer}; 客户经理面谈", 5), ("B", "{offer}; 电话联系", 10),
                                      ("C", "{offer}; 短信/手机银行推送", 20)),
                                     help="每个等级的建议动作与截止日(数据日期后第 N 个工作日); {offer} = 按缺口推荐的产品")
    list_limit: int = param(1000, "名单上限", "户", help="营销名单最多列出的客户数(按得分排序)")
    min_group_size: int = param(30, "着色最小分组", "户", min=1, max=100_000,
                                help="分组表(按年龄段/职业/…)中按揭客户少于该数的分组不着色: 比例基于太少的客户, "
                                     "100% 或 0% 并无意义")

    def check(self) -> None:
        """等级门槛 from high to low, one 策略表 row per level, actions using only {offer} / {gap_txt}
        (缺口产品) / {n_gap} (缺口产品数) (:func:`bankxl.lists.check_levels`); 按揭贷款品种 a valid regular
        expression; 推荐话术 pairs of non-empty texts, one per product. Raises ParameterError."""
        check_levels(self.levels, self.strategy, ("offer", "gap_txt", "n_gap"))
        HoldingParams.check(self)
        if any(not isinstance(x, (tuple, list)) or len(x) != 2 or not all(isinstance(v, str) and v.strip() for v in x)
               for x in self.offers) or len({x[0] for x in self.offers}) != len(self.offers):
            raise ParameterError(
                f"参数「缺口产品推荐话术(offers)」应为 [[\"产品\", \"推荐话术\"], …], 产品不重复且都不为空, 给定 "
                f"{self.offers!r}。",
                f"Parameter offers must look like [[\"product\", \"offer text\"], ...] with distinct, non-empty "
                f"products and texts; got {self.offers!r}.")


# ============================================================================ building blocks
def age_band(age: pd.Series, bands) -> pd.Series:
    """年龄段 label per customer: ``age`` in whole years (float Series, NaN unknown — from
    :func:`bankxl.frames.customer_ages`), ``bands`` the increasing edges in years
    (:attr:`MortgageParams.age_bands`, default 25/35/45/55/65). Bands are half-open [a, b): '<25', '25–34',
    …, '≥65'; a missing age is '未知'. Returns a ``string`` Series on ``age``'s index."""
    edges = [int(b) for b in bands]
    labels = [f"<{edges[0]}"] + [f"{a}–{b - 1}" for a, b in itertools.pairwise(edges)] + [f"≥{edges[-1]}"]
    cut = pd.cut(age, [-np.inf, *edges, np.inf], right=False, labels=labels)
    return cut.astype("string").fillna("未知")


def coverage(m: pd.DataFrame, is_holder: pd.Series, products, group: pd.Series | None = None) -> pd.DataFrame:
    """Per group: customers, mortgage holders, penetration, and per product the share of holders holding it
    among the holders whose holding of it is known (``m`` True / False / <NA> unknown)."""
    g = group if group is not None else pd.Series("全部", index=m.index)
    df = pd.DataFrame({"g": g.reindex(m.index).fillna("未知").astype(str), "h": is_holder.reindex(m.index)})
    known = {}
    for i, p in enumerate(products):
        df[p] = m[p].fillna(False).to_numpy(dtype=bool) & df["h"]
        known[p] = f"_known{i}"
        df[known[p]] = m[p].notna().to_numpy(dtype=bool) & df["h"]
    agg = df.groupby("g", sort=True).agg(n=("h", "size"), holders=("h", "sum"),
                                         **{c: (c, "sum") for c in (*products, *known.values())})
    for p in products:
        agg[p] = agg[p] / agg[known[p]].where(agg[known[p]] > 0)
    agg = agg.drop(columns=list(known.values()))
    agg["penetration"] = agg["holders"] / agg["n"]
    return agg.reset_index()


# ============================================================================ run
def run(tables, params: MortgageParams, ctx: RunContext) -> Report:
    """C6: see the module docstring. Returns the report; never mutates the inputs."""
    p = params
    raw_customers = by_cust_id(tables["customers"]).reset_index(drop=True)  # one row per 客户号
    holdings = tables["product_holdings"]
    loans = tables.get("loans")
    monthly = tables.get("customer_monthly")
    notes: list[str] = []
    rep = Report(title="按揭客户交叉营销", method=_method(p), notes=notes)

    # 产品持有 rows whose 客户号 is not a customer's: the runner's CUST_NOT_FOUND, one per row (rows kept: they
    # count in the coverage; names blank in the list)
    # one person, one row (rules.identity): 客户号 of the same 证件号 are merged into the smallest one
    who = persons(tables["customers"])
    notes += who.notes()
    flags = raw_customers.assign(cust_id=who.of(raw_customers["cust_id"]))  # every 客户号's flags, per person
    customers = raw_customers[flags["cust_id"].eq(raw_customers["cust_id"]).to_numpy()]  # the person's own row
    holdings = holdings.assign(cust_id=who.of(holdings["cust_id"]))
    if loans is not None:
        loans = loans.assign(cust_id=who.of(loans["cust_id"]))

    m, evaluated = holding_matrix(holdings, flags, loans, ctx.as_of, p.mortgage_pattern)
    is_holder = (m[MORTGAGE].fillna(False).astype(bool) if MORTGAGE in m.columns
                 else pd.Series(False, index=m.index))
    if MORTGAGE in m.columns and m[MORTGAGE].isna().any():
        notes.append(f"{int(m[MORTGAGE].isna().sum())} 户客户「{MORTGAGE}」持有情况未知(持有值无法识别), 未计为按揭客户。")
    products = [x for x in p.products if x in evaluated and x != MORTGAGE]
    missing_products = [x for x in p.products if x not in evaluated]
    if missing_products:
        notes.append(f"数据中没有出现的产品(未提供, 不算缺口): {'、'.join(missing_products)}。")
    cust = customers.set_index("cust_id")
    outcome_cols = [c for c in cust.columns if str(c).startswith("outcome_") and c in OUTCOME_ZH]
    if outcome_cols:
        notes.append("营销结果列(如 UCI 的 y = 本次营销认购定期, 列名 outcome_y)仅作为结果列示, 不参与任何得分或排序。")
    n_hold = int(is_holder.sum())
    if n_hold == 0:
        rep.sheets.append(Sheet("产品覆盖", [Note(title="按揭客户交叉营销", lines=[
            f"数据中没有按揭客户(产品「{MORTGAGE}」持有 / 未结清住房贷款), 无法计算覆盖率。"])]))
        return rep

    age = customer_ages(customers, ctx.as_of)
    age.index = customers["cust_id"]
    risk = _risk(cust, loans)
    overview = _overview(m, is_holder, products, cust, outcome_cols, ctx)
    rep.sheets.append(overview)
    groups = [("年龄段", age_band(age, p.age_bands)), ]
    for col, zh in (("job", "职业"), ("marital", "婚姻状况"), ("sex", "性别"), ("org_id", "机构")):
        if col in cust.columns and cust[col].notna().any():
            groups.append((zh, cust[col].astype("string")))
        elif col in ("job", "marital"):
            notes.append(f"客户表没有「{zh}」列, 不做按{zh}的覆盖分析。")
    for zh, g in groups:
        rep.sheets.append(_group_sheet(zh, g, m, is_holder, products, cust, outcome_cols, ctx, p.min_group_size))
    gap_sheet = _gaps_sheet(m, is_holder, products, risk)
    rep.sheets.append(gap_sheet)
    sheet, tags, lst = _list_sheet(m, is_holder, products, cust, age, risk, loans, monthly, who, holdings, p, ctx,
                                   notes)
    rep.sheets += [sheet, tag_sheet(tags)]
    rep.headline = _headline(len(m), n_hold, overview.table("coverage").df, gap_sheet.table("gap_count").df,
                             lst.counts, products, p)
    return rep


def _headline(n_cust: int, n_hold: int, cov: pd.DataFrame, gap_count: pd.DataFrame, counts: dict, products,
              p: MortgageParams) -> Headline:
    """The report's first sheet (issue 10): 按揭客户 (户; note: penetration among all customers), the coverage
    (%) of the two highest-weight evaluated products among holders compared with non-holders (``cov`` =
    产品覆盖's table: 按揭客户覆盖率 / 非按揭客户覆盖率; blank when there are no non-holders), holders with at
    least one gap (``gap_count``: 缺口产品数 × 按揭客户数), the list's first level (``counts``: customers per
    level, the other levels in the note); the coverage chart and the top 10 of 营销名单."""
    weights = {k: float(v) for k, v in p.weights}
    top2 = sorted(products, key=lambda x: -weights.get(x, 0))[:2]
    c = cov.set_index("产品")
    with_gap = gap_count.loc[gap_count["缺口产品数"] > 0]
    n_gap = int(with_gap["按揭客户数"].sum())
    mean_gap = float((gap_count["缺口产品数"] * gap_count["按揭客户数"]).sum()) / max(n_hold, 1)
    first, *rest = list(counts) or ["A"]

    def num(v):
        return None if pd.isna(v) else float(v)

    figures = [Figure("按揭客户", n_hold, "户", format="int", note=f"占全部 {n_cust:,} 户客户的 {n_hold / n_cust:.1%}")]
    figures += [Figure(f"{x}覆盖率(按揭客户)", num(c.loc[x, "按揭客户覆盖率"]), "%", format="pct1",
                       compare_label="非按揭客户", compare=num(c.loc[x, "非按揭客户覆盖率"]),
                       note="分母为持有情况已知的客户") for x in top2]
    figures += [Figure("有产品缺口的按揭客户", n_gap, "户", format="int", note=f"平均每户缺 {mean_gap:.1f} 项"),
                Figure(f"营销名单 {first} 级", counts.get(first, 0), "户", format="int",
                       note=" / ".join(f"{k} 级 {counts[k]:,} 户" for k in rest) or None)]
    chart = Chart(table="coverage", categories="产品", series=["按揭客户覆盖率", "非按揭客户覆盖率"], kind="bar",
                  title="按揭客户 vs 非按揭客户 产品覆盖率", number_format="0%", height=240)
    return Headline(figures=figures, chart=chart, actions="cross_sell_list",
                    lines=["覆盖率 = 持有该产品的按揭客户 / 持有情况已知的按揭客户; 缺口 = 已评估而未持有的产品。"])


def _risk(cust: pd.DataFrame, loans) -> pd.Series:
    risk = pd.Series(False, index=cust.index)
    if "credit_default" in cust.columns:
        risk |= cust["credit_default"].astype("boolean").fillna(False).astype(bool)
    if loans is not None and len(loans):
        d = loans.loc[loan_status_code(loans["status"]).eq("D").fillna(False).astype(bool), "cust_id"]
        risk |= risk.index.isin(set(d.astype(str)))
    return risk


def _outcome_rate(cust, outcome, ids) -> float:
    v = cust[outcome].reindex(ids).astype("boolean")
    return float(v.mean()) if v.notna().any() else float("nan")


def _overview(m, is_holder, products, cust, outcome_cols, ctx) -> Sheet:
    h = is_holder
    n_h, n_o = int(h.sum()), int((~h).sum())
    rows = []
    for x in products:
        cov_h = float(m.loc[h, x].mean())
        cov_o = float(m.loc[~h, x].mean()) if n_o else float("nan")
        rows.append({"产品": x, "类型": "持有", "按揭客户持有数": int(m.loc[h, x].sum()), "按揭客户覆盖率": cov_h,
                     "非按揭客户覆盖率": cov_o, "差异(百分点)": (cov_h - cov_o) * 100,
                     "未持有客户数": int((h & ~m[x]).sum())})
    for oc in outcome_cols:
        ids_h, ids_o = m.index[h], m.index[~h]
        r_h, r_o = _outcome_rate(cust, oc, ids_h), _outcome_rate(cust, oc, ids_o)
        rows.append({"产品": OUTCOME_ZH[oc], "类型": "营销结果(不参与评分)",
                     "按揭客户持有数": int(cust[oc].reindex(ids_h).astype("boolean").fillna(False).sum()),
                     "按揭客户覆盖率": r_h, "非按揭客户覆盖率": r_o, "差异(百分点)": (r_h - r_o) * 100,
                     "未持有客户数": np.nan})
    df = pd.DataFrame(rows, columns=["产品", "类型", "按揭客户持有数", "按揭客户覆盖率", "非按揭客户覆盖率",
                                     "差异(百分点)", "未持有客户数"])
    blocks = [Note(title="按揭客户交叉营销 — 产品覆盖", lines=[
        f"客户 {len(m):,} 户, 其中按揭客户 {n_h:,} 户(渗透率 {n_h / len(m):.1%})。",
        "覆盖率 = 持有该产品的按揭客户 / 持有情况已知的按揭客户; 对比列为非按揭客户的同一比例。"])]
    unk = [f"{x} {int(m.loc[h, x].isna().sum()):,} 户" for x in products if m.loc[h, x].isna().any()]
    blocks.append(Table(df, name="coverage", title="按揭客户产品覆盖",
                        note="覆盖率的分母为持有情况已知的客户: 空白的代发标志/手机银行签约、无法识别的持有值为未知, "
                             "既不算持有也不算缺口" + (f"(按揭客户中未知: {'、'.join(unk)})" if unk else "") + "。",
                        formats={"按揭客户覆盖率": "pct1", "非按揭客户覆盖率": "pct1", "差异(百分点)": "0.0",
                                 "未持有客户数": "#,##0"},
                        conditional=[Conditional(["按揭客户覆盖率"], kind="data_bar")]))
    if len(df):
        blocks.append(Chart(table="coverage", categories="产品", series=["按揭客户覆盖率", "非按揭客户覆盖率"],
                            kind="bar", title="按揭客户 vs 非按揭客户 产品覆盖率", number_format="0%",
                            height=max(300, 40 * len(df) + 100)))
    return Sheet("产品覆盖", blocks)


_SHEET_NAMES = {"年龄段": "按年龄段", "职业": "按职业", "婚姻状况": "按婚姻状况", "性别": "按性别", "机构": "按机构"}


def _group_sheet(zh, g, m, is_holder, products, cust, outcome_cols, ctx, min_group: int = 1) -> Sheet:
    """按<zh>: per group of ``g`` the customers, holders, penetration and coverage per product (rates 0–1); the
    colour scale (green high) only on groups with at least ``min_group`` holders (parameter 着色最小分组),
    a note names the rule when some group is smaller."""
    c = coverage(m, is_holder, products, g)
    df = pd.DataFrame({zh: c["g"].astype(str), "客户数": c["n"].astype(int), "按揭客户数": c["holders"].astype(int),
                       "按揭渗透率": c["penetration"]})
    for x in products:
        df[f"{x}覆盖率"] = c[x].to_numpy()
    for oc in outcome_cols:
        gi = g.reindex(m.index).fillna("未知").astype(str)
        rate = {k: _outcome_rate(cust, oc, m.index[is_holder & (gi == k)]) for k in df[zh]}
        df[OUTCOME_ZH[oc] + "率"] = df[zh].map(rate)
    if zh == "年龄段":
        order = {lab: i for i, lab in enumerate(sorted(df[zh], key=_band_key))}
        df = df.sort_values(zh, key=lambda s: s.map(order)).reset_index(drop=True)
    else:
        df = df.sort_values("按揭客户数", ascending=False).reset_index(drop=True)
    rate_cols = [c for c in df.columns if c.endswith("率")]
    name = f"cov_{list(_SHEET_NAMES).index(zh)}"
    big = df["按揭客户数"] >= min_group
    small = "" if big.all() else (f"按揭客户少于 {min_group} 户的分组({int((~big).sum())} 个)不着色: 比例基于太少的客户, "
                                  "100% 或 0% 并无意义(参数「着色最小分组」)。")
    blocks = [Table(df, name=name, title=f"按{zh}: 按揭渗透率与按揭客户产品覆盖率",
                    formats={c: "pct1" for c in rate_cols}, note=small or None,
                    conditional=[Conditional([c], kind="color_scale", reverse=True, rows=big) for c in rate_cols])]
    if outcome_cols:
        blocks.append(Note(lines=["「(结果)」列是营销结果, 仅供复盘, 不参与评分。"]))
    series = ["按揭渗透率"] + [f"{x}覆盖率" for x in products]
    shown, width = chart_groups(len(df), len(series))
    first = "前" if zh == "年龄段" else "按揭客户数前"  # 年龄段 in age order, the others by 按揭客户数
    title = f"按{zh}: 按揭渗透率与产品覆盖率" + (f"({first} {shown} 个, 全部见上表)" if shown < len(df) else "")
    blocks.append(Chart(table=name, categories=zh, series=series, kind="column", title=title, number_format="0%",
                        height=420, width=width, rows=shown if shown < len(df) else None))
    return Sheet(_SHEET_NAMES[zh], blocks)


#: the group charts' width in px at most (A4 landscape prints it at ~75 %, about the width of the coverage
#: table above it), the px of one bar at the least, and the px of the axes/margins of a column chart
CHART_MAX_PX, BAR_MIN_PX, CHART_FRAME_PX = 1000, 6, 80


def chart_groups(n_groups: int, n_series: int) -> tuple[int, int]:
    """(groups charted, chart width in px) of a grouped column chart of ``n_groups`` categories × ``n_series``
    bars: every group while each bar keeps ``BAR_MIN_PX`` (a group is its bars plus a gap of 1.5 bars, the
    chart's default gap) within ``CHART_MAX_PX``, else the first groups that do (the table is sorted by
    按揭客户数: the largest); the width grows with the groups from 720 px up to ``CHART_MAX_PX``. Before, the
    width grew without bound (2,400 px for 15 outlets × 8 series: 按机构 printed at 30 %)."""
    group_px = BAR_MIN_PX * (max(1, n_series) + 1.5)
    fit = max(1, int((CHART_MAX_PX - CHART_FRAME_PX) // group_px))
    shown = max(1, min(n_groups, fit))
    return shown, int(min(CHART_MAX_PX, max(720, CHART_FRAME_PX + shown * group_px)))


def _band_key(lab: str):
    if lab.startswith("<"):
        return -1
    if lab.startswith("≥"):
        return 1000
    if lab == "未知":
        return 10_000
    return int(lab.split("–")[0])


def _gaps(m, products, risk) -> pd.DataFrame:
    """Gap matrix: True where an evaluated product is not held (credit products not for risk customers)."""
    gaps = ~m[products] if products else pd.DataFrame(index=m.index)  # <NA> where the holding is unknown
    for x in products:
        if x in CREDIT_PRODUCTS:
            gaps[x] = gaps[x] & ~risk.reindex(m.index).fillna(False).to_numpy()
    return gaps


def _join_flags(flags: pd.DataFrame, products) -> pd.Series:
    """Per row, the names of the True columns joined with 、 (vectorised)."""
    out = pd.Series("", index=flags.index, dtype=object)
    for x in products:
        has = flags[x].fillna(False).to_numpy(dtype=bool)
        out = out.mask(has & (out != ""), out + "、" + x).mask(has & (out == ""), x)
    return out.astype(str)


def _gaps_sheet(m, is_holder, products, risk) -> Sheet:
    """缺口矩阵: holders by number of gaps (gap_count: 缺口产品数 · 按揭客户数 · 占比) and the 20 commonest gap
    combinations (gap_combo: 缺口产品数 · 按揭客户数 · 占比 · 缺口组合, 占比 of all holders)."""
    gaps = _gaps(m, products, risk)[is_holder]
    n = gaps.sum(axis=1).astype(int)
    dist = n.value_counts().sort_index()
    d1 = pd.DataFrame({"缺口产品数": dist.index.astype(int), "按揭客户数": dist.to_numpy().astype(int),
                       "占比": dist.to_numpy() / max(1, len(n))})
    combo = _join_flags(gaps, products).replace("", "(无缺口)")
    top = combo.value_counts().head(20)
    first = ~combo.duplicated().to_numpy()  # a combination's 缺口产品数 (the same on each of its rows)
    n_of = pd.Series(n.to_numpy()[first], index=combo.to_numpy()[first])
    # the same three columns as 缺口产品数分布 above, the combination's text last in a column of its own: in
    # column A it set the first table's 缺口产品数 column to its width (40 units)
    d2 = pd.DataFrame({"缺口产品数": n_of.reindex(top.index).to_numpy().astype(int),
                       "按揭客户数": top.to_numpy().astype(int), "占比": top.to_numpy() / max(1, len(n)),
                       "缺口组合": top.index.astype(str)})
    # one line per combination up to the writer's widest column (50 units; 7 of the default products: 58), wrapped beyond
    combo_width = int(min(50, max(8, display_widths(d2["缺口组合"]).max() if len(d2) else 0)))
    return Sheet("缺口矩阵", [
        Note(title="按揭客户产品缺口", lines=[
            f"评估产品: {'、'.join(products) or '无'}; 风险客户(违约/逾期)不计信贷类缺口({'、'.join(CREDIT_PRODUCTS)})。",
            "持有情况未知的产品(空白标志、无法识别的持有值)不计缺口。"]),
        Table(d1, name="gap_count", title="缺口产品数分布", formats={"占比": "pct1"}),
        Chart(table="gap_count", categories="缺口产品数", series=["按揭客户数"], kind="column", title="缺口产品数分布"),
        Table(d2, name="gap_combo", title="最常见的缺口组合(前 20)", formats={"占比": "pct1"},
              widths={"缺口组合": combo_width}),
    ])


def mortgage_detail(mortgages: pd.DataFrame, as_of, min_paid: int, max_ratio: float) -> pd.DataFrame:
    """Per customer, from their running mortgage loans (rows of ``loans``: cust_id, start_date, amount,
    balance): ``min_paid`` / ``max_paid`` = fewest / most instalments paid (whole months from start_date to
    ``as_of``), ``consumer_ok`` = SOME loan has paid ≥ ``min_paid`` AND its own balance/amount < ``max_ratio``
    (SCENARIOS.md C6 consumer-loan condition, judged loan by loan so that the months of one loan are never
    paired with the balance ratio of another). Index cust_id (string)."""
    as_of = pd.Timestamp(as_of)
    start = mortgages["start_date"]
    paid = (as_of.year - start.dt.year) * 12 + (as_of.month - start.dt.month)
    ratio = mortgages["balance"] / mortgages["amount"]
    ok = ((paid >= min_paid) & (ratio < max_ratio)).fillna(False).astype(bool)
    md = pd.DataFrame({"cust_id": mortgages["cust_id"], "paid": paid.astype("float64"), "ok": ok})
    return md.groupby("cust_id").agg(min_paid=("paid", "min"), max_paid=("paid", "max"), consumer_ok=("ok", "any"))


def _deposit_size(ids, holdings, monthly, who, as_of) -> tuple[pd.Series, str]:
    """Deposit size (元) per holder and where it comes from: the latest month's 存款月日均 of each of the person's
    客户号 up to the data date, summed (:func:`bankxl.rules.deposits.latest_deposit`; ``monthly`` a frame or a
    DuckTable); else the non-loan 产品持有 balances; else NaN."""
    s = latest_deposit(monthly, as_of, who)
    if s is not None:
        return s.reindex(ids), "客户月度存款表最近一个月的存款月日均"
    h = holdings
    if h["balance"].notna().any():
        nonloan = ~h["product"].str.contains("贷款", na=False)
        s = h[nonloan].groupby("cust_id")["balance"].sum(min_count=1)
        return s.reindex(ids), "产品持有表中非贷款产品余额之和"
    return pd.Series(np.nan, index=ids), "无存款数据"


def _list_sheet(m, is_holder, products, cust, age, risk, loans, monthly, who, holdings, p, ctx, notes):
    """营销名单 (bankxl.lists) and the C6 tag table."""
    ids = m.index[is_holder]
    gaps = _gaps(m, products, risk).loc[ids]
    weights = {k: float(v) for k, v in p.weights}
    w_eval = sum(weights.get(x, 0) for x in products)
    hints = pd.Series("", index=ids)
    # consumer-loan eligibility with loan details (SCENARIOS C6)
    mort_detail = None
    if loans is not None and len(loans):
        lo = running_loans(loans, ctx.as_of, p.mortgage_pattern)
        lo = lo[lo["product"].eq(MORTGAGE)]
        if len(lo):
            mort_detail = mortgage_detail(lo, ctx.as_of, p.min_paid_periods, p.max_balance_ratio)
    if CONSUMER in gaps.columns:
        if mort_detail is not None:
            md = mort_detail.reindex(ids)
            has_detail = md["min_paid"].notna()
            gaps[CONSUMER] = gaps[CONSUMER] & (md["consumer_ok"].fillna(False).astype(bool) | ~has_detail).to_numpy()
            notes.append(f"消费贷缺口: 有按揭明细的客户要求至少一笔按揭已还 ≥{p.min_paid_periods} 期且该笔余额/原额 < "
                         f"{p.max_balance_ratio:.0%}(逐笔判断); 无明细的客户未核对。")
        else:
            notes.append("没有按揭贷款明细(放款日/余额/原额), 消费贷缺口未核对已还期数与余额比。")
    if mort_detail is not None:
        recent = mort_detail.reindex(ids)["min_paid"] <= p.renovation_months
        hints = hints.mask(recent.fillna(False).to_numpy(), f"按揭放款 ≤{p.renovation_months} 个月: 装修分期需求")
    w = pd.Series({x: float(weights.get(x, 0)) for x in products}, dtype="float64")
    gap_w = gaps.fillna(False).astype(float).mul(w).sum(axis=1) if products else pd.Series(0.0, index=ids)
    w_known = gaps.notna().astype(float).mul(w).sum(axis=1) if products else pd.Series(0.0, index=ids)
    unknown_products = [x for x in products if gaps[x].isna().any()]
    size, size_src = _deposit_size(ids, holdings, monthly, who, ctx.as_of)
    pct = size.clip(lower=0).rank(pct=True)
    a = age.reindex(ids)
    lo_age, hi_age = p.prime_age
    gap_txt = _join_flags(gaps, products)
    rk = risk.reindex(ids).fillna(False).astype(bool)
    ranked = sorted(products, key=lambda x: -weights.get(x, 0))
    first = pd.Series("", index=ids)   # highest-weight gap product
    second = pd.Series("", index=ids)  # the next one
    for x in reversed(ranked):
        has = gaps[x].fillna(False).to_numpy(dtype=bool)
        second = second.mask(has, first)
        first = first.mask(has, x)
    offer = first.map(dict(p.offers)).fillna("推荐" + first).where(first != "", p.no_gap_offer)
    offer = offer + np.where(second != "", "; 其次: " + second, "")
    offer = offer + np.where((hints != "") & ~(gaps["信用卡"].fillna(False).astype(bool) if "信用卡" in gaps.columns
                                               else pd.Series(False, index=ids)), "; 推荐装修分期", "")
    n_gap = gaps.sum(axis=1).astype(int)
    frame = pd.DataFrame({
        "cust_id": pd.Series(ids, dtype="string"), "age": a.to_numpy(), "size": size.to_numpy(),
        "n_gap": n_gap.to_numpy(), "gap_txt": gap_txt.to_numpy(), "risk_txt": np.where(rk.to_numpy(), "违约/逾期", ""),
        "gap_share": (gap_w / w_known.where(w_known > 0)).to_numpy() if w_eval > 0 else np.nan,
        "size_pct": pct.to_numpy(),
        "top_pct": np.ceil((1 - pct) * 100).clip(lower=1).to_numpy(),
        "prime": ((a >= lo_age) & (a <= hi_age)).astype("boolean").mask(a.isna()).to_numpy(),
        "risk": rk.to_numpy(), "hint": (hints != "").to_numpy(), "hint_txt": hints.to_numpy(), "offer": offer.to_numpy()})
    for col, zh in (("job", "职业"), ("marital", "婚姻状况")):
        if col in cust.columns and cust[col].notna().any():
            frame[col] = cust[col].reindex(ids).astype("string").to_numpy()
    for i, x in enumerate(unknown_products):  # 0-point rules that are unknown where x's holding is: 未计算因素
        frame[f"_unknown{i}"] = pd.array(np.where(gaps[x].isna().to_numpy(), None, False), dtype="boolean")
    rules = (
        Rule("gap", "缺 {n_gap} 项产品: {gap_txt}", weight=p.gap_points, value="gap_share", name="产品缺口"),
        Rule("size", f"存款 {{size:,.0f}} {ctx.base_unit}(按揭客户中前 {{top_pct:d}}%)", weight=p.size_points,
             value="size_pct", name="存款规模"),
        Rule("age", "{age:.0f} 岁, 家庭形成期", points=p.age_points, when="prime", name="重点年龄段"),
        Rule("risk", "有违约/逾期记录: 不推荐信贷类产品", when="risk", name="风险提示"),
        Rule("renovation", "{hint_txt}", when="hint", name="装修分期提示"),
        *(Rule(f"unknown_{i}", f"{x}持有未知", when=f"_unknown{i}", name=f"{x}缺口(持有未知)")
          for i, x in enumerate(unknown_products)),
    )
    show = {c: zh for c, zh in (("job", "职业"), ("marital", "婚姻状况")) if c in frame.columns}
    show.update({"age": "年龄", "size": ctx.base_label("存款"), "n_gap": "缺口产品数", "gap_txt": "缺口产品"})
    if rk.any():
        show["risk_txt"] = "风险提示"
    else:  # an empty column tells nothing: left out, and said
        notes.append("营销名单不列「风险提示」: 按揭客户中没有违约/逾期记录(或数据没有违约标志与贷款状态)。")
    lst = score_list(frame, rules, p.levels, p.strategy, ctx, sort_by=("size",), customers=cust.reset_index(), amount="size",
                     show=show)
    notes += [f"营销名单存款规模来源: {size_src}。", f"营销名单{lst.tie_break}"]
    tags = tag_table(
        tag_rows("C6", "C6_MORTGAGE", "按揭客户", frame["cust_id"], ctx, p),
        lst.tag_rows("C6", "C6_CROSS_SELL", "按揭交叉营销", ctx, p),
        tag_rows("C6", "C6_PRODUCT_GAP", "产品缺口", frame["cust_id"], ctx, p, value=frame["n_gap"],
                 when=frame["n_gap"] > 0))
    sheet = Sheet("营销名单", lst.blocks(
        "cross_sell_list", "按揭客户交叉营销名单", limit=p.list_limit, lines=[
            (f"得分(0–100)【假设】: 缺口 {p.gap_points:g} × 缺口权重/已评估权重 + 存款规模在按揭客户中的分位 × "
             f"{p.size_points:g} + 年龄 {lo_age}–{hi_age} 岁 {p.age_points:g}。"
             + ("营销结果列不参与评分。" if any(str(c).startswith("outcome_") for c in cust.columns) else ""))],
        formats={"年龄": "0"},
        conditional=[Conditional(["风险提示"], kind="text", value="违约", style="bad")]))
    return sheet, tags, lst


def _method(p: MortgageParams) -> list[str]:
    return [
        "来源: SCENARIOS.md C6 按揭客户交叉营销(产品缺口矩阵、消费贷条件为【假设】); issue 3。",
        f"按揭客户: 产品持有表中持有「个人住房贷款」, 或贷款表中未结清的住房贷款(品种为个人住房贷款或匹配正则「{p.mortgage_pattern}」)。",
        "覆盖率 = 持有该产品的按揭客户 / 持有情况已知的按揭客户(空白代发/手机银行标志、无法识别的持有值为未知, 不算缺口); "
        "数据中完全没有出现的产品记为「未提供」, 不算缺口。",
        (f"消费贷条件(有按揭明细时): 已还 ≥{p.min_paid_periods} 期且余额/原额 < {p.max_balance_ratio:.0%}; "
        "违约(credit_default)或逾期(状态 D)客户不推荐信贷类产品。"),
        "优先得分只用持有、存款规模与年龄; 营销结果(UCI y、通话时长 duration)只作为结果列示, 不参与得分(避免泄露答案)。",
    ]


SPEC = Scenario(
    id="credit.mortgage_cross_sell", code="C6", title="按揭客户交叉营销", group="信贷营销",
    inputs=("customers", "product_holdings"), optional_inputs=("loans", "customer_monthly"),
    params=MortgageParams, run=run,
    summary="按揭客户的消费贷/信用卡/定期等产品覆盖率与缺口, 按年龄段/职业/婚姻分析, 输出交叉营销优先名单",
    outlet_tables=("customers",), dataset_params={"UCI": {}},
)
