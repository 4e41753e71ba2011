"""C5 ETC 客户 ETC sign-ups (SCENARIOS.md "C5"; issue 13).

Inputs (canonical tables, ``bankxl.tables``):

* ``etc_signups`` ETC签约 (required) — the sign-up list as the bank receives it: 签约号 · 客户号 (if any) · 姓名 ·
  证件号 (15 or 18 digits) · 手机 (often masked) · 车牌 · 车型 (客车/货车) · 绑定卡 · 签约日期 · 状态 (正常/注销) ·
  签约类型 (个人/单位) · 签约机构 · 月通行扣费 (元). One row per vehicle.
* ``customers`` 客户 (required) — cust_id, id_no, cust_name, phone, org_id, birth_date, sex, payroll_flag,
  mobile_banking.
* ``product_holdings`` 产品持有, ``loans`` 贷款, ``customer_monthly`` 客户月度存款 (optional): coverage and the
  score's 无贷款 / 本行日均 factors; a factor no table holds is 未计算 (blank, listed), never 0 or 否.

Method: sign-ups whose 状态 matches ``cancelled_pattern`` (注销 …) and 单位 sign-ups (签约类型, or a blank type and
a company name, ``corporate_pattern``) are left out (counted in 说明). The rest are matched to the bank's
customers by the kit's one identity rule (:func:`bankxl.rules.identity.match_list`: normalised 18-digit
证件号 first — 15-digit upgraded, ID_CORRUPT never —, then 客户号, then 姓名+手机 comparing masked digits only
where both show them); each row says which key matched; classes 内外都有 / 仅内部 / 仅外部(新客) / 冲突 per
branch; conflicts are listed (身份冲突, 数据问题 LIST_CONFLICT), never merged. A person with several vehicles
counts once. Age × sex pyramid (``pyramid_step``-year bands) from the normalised ID (SCENARIOS.md §0.6 rule 5),
else the matched customer's. Coverage per branch = share of the ETC customers (内外都有) holding 贷款 / 信用卡 /
社保卡 / 手机银行 / 代发 among those whose holding is known. Cross-sell priority (0–100, SCENARIOS.md C5
【假设】, :mod:`bankxl.lists`): 无贷款 ``no_loan_points`` 30 + 年龄 in ``prime_age`` 25–50 ``age_points`` 20 +
月通行费 ≥ ``toll_min`` 500 元 ``toll_points`` 20 + 本行日均 ≥ ``deposit_min`` 5 万 ``deposit_points`` 15 + 货车
``truck_points`` 15 (经营贷线索); levels, actions and 截止日 from ``levels`` / ``strategy``. 仅外部(新客) persons
form a masked new-customer lead list (货车 marked as 经营贷线索).

Sheets: 概览 (``Report.headline``, :func:`_headline`: key figures, the per-branch match chart, top 10 of
营销名单), 名单匹配 (classes, keys used, classes per branch — charted on 概览), 年龄性别 (pyramid + chart), 产品覆盖 (per branch +
chart), 营销名单 (§6 list), 新客线索, 身份冲突, 客户标签 (C5_ETC ETC客户 = 车辆数, C5_ETC_CROSS_SELL = 得分/等级,
C5_TRUCK 货车车主). Errors: ParameterError for bad parameters (before any input is read); the runner raises
DataValidationError for a missing table or required column. Row problems: the loader's ID_* codes on 证件号,
LIST_CONFLICT for each conflicting sign-up.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ....errors import ParameterError
from ....frames import masked, mask_label
from ....lists import Rule, check_levels, levels_param, score_list, strategy_param
from ....report import Chart, Figure, Headline, Note, Report, Sheet, Table
from ....rules.identity import (BY_CUST, BY_ID, BY_NAME_PHONE, CONFLICT, EXTERNAL_ONLY, IN_BOTH,
                                MATCH_CLASSES, bank_identity, match_list)
from ....rules.transactions import check_regex
from ....scenario import RunContext, Scenario, param
from ....tags import tag_rows, tag_sheet, tag_table
from .compute import (COVERAGE, age_sex, coverage_by_branch, deposit_avg, holdings_of, in_scope, person_frame,
                      pyramid)

#: list-frame columns the 策略表 actions may name as {placeholder}
FIELDS = ("offer", "gap_txt", "n_vehicles", "age", "toll", "dep")


@dataclass(frozen=True)
class EtcParams:
    """Parameters of C5 (defaults SCENARIOS.md C5 【假设】)."""

    cancelled_pattern: str = param("注销|解约|撤销|失效|销户", "已注销状态(正则)",
                                   help="状态匹配该正则的签约不计(已注销); 状态空白按正常计", pattern=r"(?s).*\S.*")
    corporate_pattern: str = param("单位|企业|公司|对公|有限|集团|厂$|合作社", "单位签约(正则)",
                                   help="签约类型匹配该正则的为单位 ETC(剔除); 签约类型空白时按姓名判断",
                                   pattern=r"(?s).*\S.*")
    truck_pattern: str = param("货|挂车|牵引|专项作业", "货车车型(正则)", help="车型匹配该正则的为货车(经营贷线索)",
                               pattern=r"(?s).*\S.*")
    pyramid_step: int = param(5, "年龄段宽度", "岁", min=1, max=20, help="年龄性别金字塔的分段宽度")
    pyramid_low: int = param(20, "金字塔最低分段", "岁", min=0, max=60, help="低于该年龄合为一段「<N」")
    pyramid_top: int = param(70, "金字塔最高分段", "岁", min=20, max=100, help="该年龄及以上合为一段「≥N」")
    no_loan_points: float = param(30.0, "无贷款加分", "分", max=100, help="本行无未结清贷款的 ETC 客户加分")
    prime_age: tuple = param((25, 50), "重点年龄段", "岁", increasing=True, help="年龄在该区间内(含两端)加分")
    age_points: float = param(20.0, "重点年龄段加分", "分", max=100)
    toll_min: float = param(500.0, "月通行费门槛", "元", help="名下车辆月通行扣费合计 ≥ 该值加分")
    toll_points: float = param(20.0, "月通行费加分", "分", max=100)
    deposit_min: float = param(50_000.0, "本行日均门槛", "元", help="最近一个月存款月日均 ≥ 该值加分")
    deposit_points: float = param(15.0, "本行日均加分", "分", max=100)
    truck_points: float = param(15.0, "货车加分", "分", max=100, help="名下有货车: 经营贷线索")
    levels: tuple = levels_param((("A", 65), ("B", 45), ("C", 0)))
    strategy: tuple = strategy_param((("A", "客户经理面谈: {offer}", 5), ("B", "电话联系: {offer}", 10),
                                      ("C", "短信/手机银行推送: {offer}", 20)),
                                     help="每个等级的建议动作与截止日(数据日期后第 N 个工作日); {offer} = 按缺口推荐的产品")
    list_limit: int = param(2000, "名单上限", "户", min=1, help="营销名单最多列出的客户数(按排名)")

    def check(self) -> None:
        """Regexes valid; 金字塔 low < top; levels high to low with one 策略表 row each, actions using only
        :data:`FIELDS` (:func:`bankxl.lists.check_levels`). Raises ParameterError (中文 + English)."""
        for f in ("cancelled_pattern", "corporate_pattern", "truck_pattern"):
            check_regex(self, f)
        if self.pyramid_low >= self.pyramid_top:
            raise ParameterError(
                f"参数「金字塔最低分段(pyramid_low)」{self.pyramid_low} 应小于「金字塔最高分段(pyramid_top)」"
                f"{self.pyramid_top}。",
                f"Parameter pyramid_low ({self.pyramid_low}) must be below pyramid_top ({self.pyramid_top}).")
        check_levels(self.levels, self.strategy, FIELDS)


#: offer text per coverage gap, most valuable first (the action's {offer})
_OFFERS = (("贷款", "车主消费贷"), ("信用卡", "ETC 信用卡(通行费优惠)"), ("手机银行", "手机银行(通行账单提醒)"),
           ("代发", "代发工资"), ("社保卡", "社保卡激活"))


def run(tables, p: EtcParams, ctx: RunContext) -> Report:
    """C5: see the module docstring. Returns the report; the inputs are not modified."""
    etc_all, customers = tables["etc_signups"], tables["customers"]
    notes: list[str] = []
    rep = Report(title="ETC 客户", method=_method(p), notes=notes)
    cancelled, corporate = in_scope(etc_all, p.cancelled_pattern, p.corporate_pattern)
    keep = ~(cancelled | corporate).to_numpy()
    etc = etc_all[keep]
    notes.append(f"ETC 签约 {len(etc_all):,} 行: 已注销 {int(cancelled.sum()):,} 行、单位签约 "
                 f"{int((corporate & ~cancelled).sum()):,} 行不计, 其余 {len(etc):,} 行(个人、正常)参与匹配。")
    bank = bank_identity(customers)  # the customers' identities normalised once for persons and the match
    who = bank.persons
    notes += who.notes()
    lm = match_list(etc, bank)
    people = person_frame(etc, lm, p.truck_pattern)
    lm.record_conflicts("etc_signups", etc, ctx)  # LIST_CONFLICT per conflicting sign-up, never merged

    matched = people[people["match_class"].eq(IN_BOTH).fillna(False).to_numpy()]
    ids = pd.Index(matched["cust_id"], name="cust_id")
    held, not_computed = holdings_of(ids, tables, who, ctx.as_of)
    age, sx = age_sex(people, etc, customers, ctx.as_of)
    pyr, unknown_age = pyramid(age, sx, p.pyramid_step, p.pyramid_low, p.pyramid_top)
    cov = coverage_by_branch(people, held, not_computed)
    dep = deposit_avg(ids, tables.get("customer_monthly"), who, ctx.as_of)
    if not_computed:
        notes.append(f"{'、'.join(not_computed)}: 提供的表中没有这些产品的持有信息, 覆盖率留空(未计算), 不按 0 计。")
    if dep is None:
        notes.append("没有客户月度存款(存款月日均), 「本行日均」因素未计算。")

    lst = _score(matched, held, age, dep, p, ctx, customers, not_computed)
    notes.append(f"营销名单{lst.tie_break}")
    counts = lm.counts()
    rep.headline = _headline(people, counts, lst, etc, lm)
    rep.sheets.append(_match_sheet(counts, lm, etc, people))
    rep.sheets.append(_pyramid_sheet(pyr, unknown_age, p))
    rep.sheets.append(_coverage_sheet(cov, not_computed))
    rep.sheets.append(Sheet("营销名单", lst.blocks(
        "etc_list", "ETC 客户交叉营销名单", limit=p.list_limit, lines=[_score_text(p)],
        formats={"年龄": "0", "车辆数": "0", "月通行费(元)": "#,##0"})))
    rep.sheets.append(_leads_sheet(people, etc, ctx))
    rep.sheets.append(_conflict_sheet(etc, lm, customers, ctx))
    tags = tag_table(
        tag_rows("C5", "C5_ETC", "ETC客户", matched["cust_id"], ctx, p, value=matched["n_vehicles"]),
        lst.tag_rows("C5", "C5_ETC_CROSS_SELL", "ETC交叉营销", ctx, p),
        tag_rows("C5", "C5_TRUCK", "货车车主(经营贷线索)", matched["cust_id"], ctx, p, when=matched["truck"]))
    rep.sheets.append(tag_sheet(tags))
    return rep


def _score(matched: pd.DataFrame, held: pd.DataFrame, age: pd.Series, dep, p: EtcParams, ctx, customers,
           not_computed) -> object:
    """The §6 cross-sell list of the matched ETC customers (bankxl.lists)."""
    ids = matched["cust_id"].to_numpy()
    h = held.reindex(ids).reset_index(drop=True)
    a = age.loc[matched.index].reset_index(drop=True)
    lo, hi = p.prime_age
    toll = matched["toll"].reset_index(drop=True)
    toll_unknown = matched["toll_unknown"].reset_index(drop=True) > 0
    # a partly known 扣费 sum decides only when it already reaches the threshold
    toll_hi = pd.array(np.where(toll >= p.toll_min, True, np.where(toll.isna() | toll_unknown, None, False)),
                       dtype="boolean")
    d = pd.Series(np.nan, index=range(len(ids))) if dep is None else pd.Series(dep.reindex(ids).to_numpy())
    gap = pd.DataFrame({k: h[k].eq(False).fillna(False).to_numpy() for k in COVERAGE}) if len(h.columns) else None
    offer = pd.Series("", index=range(len(ids)), dtype=object)
    gap_txt = pd.Series("", index=range(len(ids)), dtype=object)
    truck = matched["truck"].to_numpy(dtype=bool)
    for k, text in reversed(_OFFERS):
        g = gap[k].to_numpy() if gap is not None else np.zeros(len(ids), dtype=bool)
        offer = offer.mask(g, text)
    for k, _ in _OFFERS:
        g = gap[k].to_numpy() if gap is not None else np.zeros(len(ids), dtype=bool)
        gap_txt = gap_txt.mask(g & (gap_txt != ""), gap_txt + "、" + k).mask(g & (gap_txt == ""), k)
    offer = offer.mask(truck, "个人经营贷(货车车主)").mask(offer == "", "维护: 产品已齐全")
    frame = pd.DataFrame({
        "cust_id": pd.array(ids, dtype="string"),
        "no_loan": (~h["贷款"]).to_numpy() if len(h) else pd.array([], dtype="boolean"),
        "age": a.to_numpy(), "prime": pd.array(np.where(a.isna(), None, (a >= lo) & (a <= hi)), dtype="boolean"),
        "toll": toll.to_numpy(), "toll_hi": toll_hi, "dep": d.to_numpy(),
        "dep_hi": pd.array(np.where(d.isna(), None, d >= p.deposit_min), dtype="boolean"),
        "truck": truck, "n_vehicles": matched["n_vehicles"].to_numpy(), "multi": matched["n_vehicles"].to_numpy() > 1,
        "offer": offer.to_numpy(), "gap_txt": gap_txt.to_numpy(), "matched_on": matched["matched_on"].to_numpy()})
    rules = (
        Rule("no_loan", "本行无贷款", points=p.no_loan_points, when="no_loan", name="无贷款"),
        Rule("age", "{age:.0f} 岁", points=p.age_points, when="prime", name="重点年龄段"),
        Rule("toll", "月通行费 {toll:,.0f} 元", points=p.toll_points, when="toll_hi", name="月通行费"),
        Rule("deposit", "本行日均 {dep:,.0f} 元", points=p.deposit_points, when="dep_hi", name="本行日均"),
        Rule("truck", "货车车主: 经营贷线索", points=p.truck_points, when="truck", name="货车"),
        Rule("multi", "名下 {n_vehicles} 辆车", when="multi", name="多车"),
    )
    unknown = [r for r, missing in (("无贷款", "贷款" in not_computed), ("本行日均", dep is None)) if missing]
    return score_list(frame, rules, p.levels, p.strategy, ctx, sort_by=("toll", "dep"), unknown=unknown,
                      customers=customers, show={"n_vehicles": "车辆数", "age": "年龄", "toll": "月通行费(元)",
                                                 "dep": ctx.base_label("本行日均"), "gap_txt": "未持有产品",
                                                 "matched_on": "匹配依据"})


def _score_text(p: EtcParams) -> str:
    lo, hi = p.prime_age
    return (f"得分(0–100)【假设】: 无贷款 {p.no_loan_points:g} + 年龄 {lo}–{hi} 岁 {p.age_points:g} + 月通行费 ≥"
            f"{p.toll_min:,.0f} 元 {p.toll_points:g} + 本行日均 ≥{p.deposit_min:,.0f} 元 {p.deposit_points:g} + 货车 "
            f"{p.truck_points:g}(经营贷线索)。一人多车按人计一次(通行费为名下车辆之和)。")


def _headline(people: pd.DataFrame, counts: pd.DataFrame, lst, etc: pd.DataFrame, lm) -> Headline:
    """The 概览 (issue 10): six key figures — 个人 ETC 签约人数 (persons, rows of ``people``), 其中本行客户
    (内外都有) against 全行客户 (persons of the 客户 table, ``lm.customers``; 差额 = customers without a
    confirmed ETC), 新客线索 (仅外部), 货车经营贷线索 (truck owners among 本行客户 + 新客), 营销名单 against
    its top level, 冲突 — in 人/户; the per-branch match chart (名单匹配) and the top 10 of 营销名单."""
    total = counts.drop(columns="org_id").sum()
    n_people, n_both, n_new = len(people), int(total[IN_BOTH]), int(total[EXTERNAL_ONLY])
    n_bank = len(lm.customers)
    cls = people["match_class"].astype("string")
    truck = people["truck"].to_numpy(dtype=bool)
    t_both = int((truck & cls.eq(IN_BOTH).fillna(False).to_numpy()).sum())
    t_new = int((truck & cls.eq(EXTERNAL_ONLY).fillna(False).to_numpy()).sum())
    top = next(iter(lst.counts), None)
    share = f"占签约人数 {n_both / n_people:.1%}" if n_people else "无个人签约"
    figures = [
        Figure("个人 ETC 签约", n_people, "人", format="int", note=f"{len(etc):,} 辆车; 一人多车计一次"),
        Figure("其中本行客户(内外都有)", n_both, "人", format="int", compare_label="全行客户", compare=n_bank,
               note=f"{share}; 差额 = 本行客户未办(或待核实)"),
        Figure("新客线索(仅外部)", n_new, "人", format="int", note="非本行客户, 见「新客线索」"),
        Figure("货车经营贷线索", t_both + t_new, "人", format="int", note=f"本行客户 {t_both:,} + 新客 {t_new:,}"),
        Figure("营销名单", len(lst.df), "户", format="int", compare_label=f"其中 {top} 级" if top else None,
               compare=int(lst.counts[top]) if top else None, note="本行 ETC 客户交叉营销"),
        Figure("身份冲突(待核实)", int(total[CONFLICT]), "人", format="int", note="未合并, 见「身份冲突」"),
    ]
    chart = Chart(table="match_counts", categories="机构号", series=[IN_BOTH, EXTERNAL_ONLY, CONFLICT], kind="column",
                  stacked=True, title="各机构 ETC 个人客户: 本行客户 / 新客 / 冲突(人)", height=240, integer=True)
    return Headline(figures, chart=chart, actions="etc_list", lines=[
        f"个人 ETC 签约 {n_people:,} 人: 本行客户 {n_both:,} 人、新客 {n_new:,} 人、冲突 {int(total[CONFLICT]):,} 人; "
        f"营销名单{lst.summary()}"])


def _match_sheet(counts, lm, etc, people) -> Sheet:
    r = lm.rows
    by_key = r["matched_on"].value_counts()
    keys = pd.DataFrame({"匹配依据": [BY_ID, BY_CUST, BY_NAME_PHONE],
                         "签约行数": [int(by_key.get(k, 0)) for k in (BY_ID, BY_CUST, BY_NAME_PHONE)]})
    keys["人数"] = [int(people["matched_on"].eq(k).sum()) for k in keys["匹配依据"]]
    cls = pd.DataFrame({"匹配结果": list(MATCH_CLASSES)})
    cls["签约行数"] = [int(r["match_class"].eq(c).sum()) for c in MATCH_CLASSES]
    tot = counts.drop(columns="org_id").sum()
    cls["人数"] = [int(tot[c]) for c in MATCH_CLASSES]
    return Sheet("名单匹配", [
        Note(title="外部名单匹配(本行统一的客户身份规则)", lines=[
            "先按 18 位标准证件号匹配(15 位旧号升位后比较; 以数值保存而损坏的证件号 ID_CORRUPT 和校验错误的号码不参与匹配), "
            "再按客户号, 最后按 姓名+手机: 姓名去空格、全角转半角后相同, 手机只比较双方都显示的数字(至少 7 位且末 4 位都显示)。",
            "内外都有 = 名单与本行客户是同一人; 仅外部(新客) = 本行没有的人(新客线索); 仅内部 = 本行客户未在名单中; "
            "冲突 = 证件号相同但姓名不同、或姓名+手机对应本行多位客户: 不合并, 见「身份冲突」。",
            "人数: 一人多车只计一次; 内外都有、仅内部按本行客户的机构统计, 仅外部、冲突按签约机构(冲突按对应客户的机构)。"]),
        Table(cls, name="match_classes", title="匹配结果", formats={"签约行数": "#,##0", "人数": "#,##0"}),
        Table(keys, name="match_keys", title="匹配依据(内外都有)", formats={"签约行数": "#,##0", "人数": "#,##0"}),
        Table(counts.rename(columns={"org_id": "机构号"}), name="match_counts", title="各机构名单匹配结果(人)",
              text_columns=("机构号",), formats={c: "#,##0" for c in (*MATCH_CLASSES, "合计")}),
    ])  # its chart is the headline's (概览)


def _pyramid_sheet(pyr: pd.DataFrame, unknown_age: int, p: EtcParams) -> Sheet:
    df = pyr.assign(**{"男(图左侧)": -pyr["男"]})
    lines = [f"ETC 个人客户(一人计一次, 含新客)按 {p.pyramid_step} 岁分段; 年龄与性别取自 18 位标准证件号"
             "(第 17 位奇男偶女, 年龄按数据日期计), 名单无有效证件号时取匹配到的本行客户信息。",
             "「男(图左侧)」为画金字塔用的负值, 人数见「男」列。"]
    if unknown_age:
        lines.append(f"另有 {unknown_age:,} 人证件号无效/缺失且未匹配到本行客户, 年龄性别未知, 未计入。")
    return Sheet("年龄性别", [
        Note(title="ETC 客户年龄 × 性别金字塔", lines=lines),
        Table(df, name="pyramid", title="年龄性别分布(人)", formats={"男": "#,##0", "女": "#,##0", "合计": "#,##0",
                                                                   "男(图左侧)": "#,##0;#,##0"}),
        Chart(table="pyramid", categories="年龄段", series=["男(图左侧)", "女"], kind="bar", stacked=True,
              title="ETC 客户年龄性别金字塔(左男右女)", number_format="#,##0;#,##0", height=380,
              integer=True),
    ])


def _coverage_sheet(cov: pd.DataFrame, not_computed: list[str]) -> Sheet:
    rate_cols = [f"{p}覆盖率" for p in COVERAGE]
    shown = [f"{p}覆盖率" for p in COVERAGE if p not in not_computed]
    lines = ["覆盖率 = ETC 客户(内外都有, 一人计一次)中持有该产品的比例, 分母为持有情况已知的客户; 按客户所属机构。"]
    if not_computed:
        lines.append(f"未计算(数据中没有): {'、'.join(not_computed)} — 留空, 不是 0。")
    blocks = [Note(title="ETC 客户产品覆盖率", lines=lines),
              Table(cov, name="coverage", title="各机构 ETC 客户产品覆盖率", text_columns=("机构号",),
                    formats={"ETC客户数": "#,##0", **{c: "pct1" for c in rate_cols}})]
    if shown and len(cov):
        blocks.append(Chart(table="coverage", categories="机构号", series=shown, kind="column",
                            title="各机构 ETC 客户产品覆盖率", number_format="0%", height=360,
                            width=max(720, 30 * len(cov) * len(shown) // 2)))
    return Sheet("产品覆盖", blocks)


def _leads_sheet(people: pd.DataFrame, etc: pd.DataFrame, ctx: RunContext) -> Sheet:
    new = people[people["match_class"].eq(EXTERNAL_ONLY).fillna(False).to_numpy()]
    first = etc.loc[new["first"]]
    df = pd.DataFrame({
        mask_label("姓名", ctx): masked(first["cust_name"], "cust_name", ctx).to_numpy(),
        mask_label("证件号", ctx): masked(first["id_no"], "id_no", ctx).to_numpy(),
        mask_label("手机", ctx): masked(first["phone"], "phone", ctx).to_numpy(),
        "签约机构": first["org_id"].to_numpy(), "车辆数": new["n_vehicles"].to_numpy(),
        "货车": np.where(new["truck"].to_numpy(dtype=bool), "是(经营贷线索)", "否"),
        "月通行费(元)": new["toll"].to_numpy(), "签约日期(首行)": first["signup_date"].to_numpy()})
    df = df.sort_values(["月通行费(元)"], ascending=False, na_position="last", kind="stable").reset_index(drop=True)
    return Sheet("新客线索", [
        Note(title="新客线索: ETC 签约但不是本行客户(仅外部)", lines=[
            f"共 {len(df):,} 人(一人多车计一次), 其中货车车主 {int(new['truck'].sum()):,} 人可作经营贷线索; "
            "按月通行费从高到低。个人信息已脱敏, 联系前请核实授权。"]),
        Table(df, name="new_leads", title="新客线索", text_columns=("签约机构",),
              formats={"车辆数": "0", "月通行费(元)": "#,##0", "签约日期(首行)": "date"},
              empty_note="名单中的人都已是本行客户或无法匹配"),
    ])


def _conflict_sheet(etc: pd.DataFrame, lm, customers: pd.DataFrame, ctx: RunContext) -> Sheet:
    c = lm.conflicts
    rows = etc.loc[c["ext_index"]]
    df = pd.DataFrame({
        "签约号": rows["signup_id"].to_numpy(), "Excel 行号": rows["_row"].to_numpy() if "_row" in rows else pd.NA,
        mask_label("名单姓名", ctx): masked(rows["cust_name"], "cust_name", ctx).to_numpy(),
        mask_label("名单证件号", ctx): masked(rows["id_no"], "id_no", ctx).to_numpy(),
        "客户号": c["cust_id"].to_numpy(),
        mask_label("本行姓名", ctx): masked(c["cust_id"].map(
            customers.drop_duplicates("cust_id").set_index("cust_id")["cust_name"]), "cust_name", ctx).to_numpy(),
        "冲突原因": c["reason"].to_numpy()})
    return Sheet("身份冲突", [
        Note(title="身份冲突(未合并, 请核实)", lines=[
            "证件号相同但姓名不同, 或 姓名+手机 对应本行多位客户: 这些签约没有并入任何客户, 核实后更正名单或客户信息。"]),
        Table(df, name="conflicts", title="身份冲突", text_columns=("签约号", "客户号"), role="detail",
              formats={"Excel 行号": "0"}, empty_note="没有身份冲突"),
    ])


def _method(p: EtcParams) -> list[str]:
    return [
        "来源: SCENARIOS.md C5 ETC 客户(优先分为【假设】); 名单匹配: issue 13 / SCENARIOS.md C1 名单交叉, "
        "本行统一的客户身份规则 bankxl.rules.identity.match_list。",
        f"剔除: 状态匹配「{p.cancelled_pattern}」的已注销签约; 签约类型(空白时按姓名)匹配「{p.corporate_pattern}」的单位 ETC。",
        "一人多车: 按人计一次(车辆数、货车、通行费合计); 覆盖率与优先分只对内外都有(本行客户)计算。",
        "数据中没有的因素(无贷款、本行日均、月通行费)不计分、列入「未计算因素」, 不按 0 处理。",
        "真实公开数据(UCI、Berka)没有 ETC 签约信息, 本场景只在示例银行上演示。",
    ]


SPEC = Scenario(
    id="credit.etc_customers", code="C5", title="ETC客户", group="信贷营销",
    inputs=("etc_signups", "customers"), optional_inputs=("product_holdings", "loans", "customer_monthly"),
    params=EtcParams, run=run,
    summary="ETC 签约名单与本行客户匹配(内外都有/仅外部新客/冲突), 年龄性别金字塔、产品覆盖率、交叉营销与货车经营贷线索",
)
