"""D3 存款流失客户 — deposit churn (SCENARIOS.md "D3 存款流失客户 Deposit churn", §0.7, §6, §7).

Inputs: ``customer_monthly`` 客户月度存款 (required: cust_id, month, dep_avg 存款月日均 元; optional wm_bal
理财余额 元, org_id); optional ``customers`` 客户 (open_date 开户日期, cust_status 客户状态, payroll_flag 代发标志,
names/ID/phone for the list, org_id/mgr_id), ``transactions`` 交易流水 (behaviour tags, 沉睡),
``time_deposits`` 定期存款明细 (到期未续存). Money in the data's currency (元 for CNY).

One person with several 客户号 (the same valid 证件号, :func:`bankxl.rules.identity.persons`) is judged once,
under the smallest 客户号: the months, flows and deposits of the merged 客户号 add up (SCENARIOS.md D3 边界).

States (one per customer, first rule that applies; :mod:`.states`): windows by calendar month up to the
data date's month — current = mean 存款月日均 of the last ``current_months`` (3) months, base = mean of the
``base_months`` (6) months before them, or of the current months one year earlier (``baseline`` = 去年同期,
§7 seasonal base); a window needs at least half of its months (缺月不补 0); negative 日均 count as 0.
下降率 drop = 1 − cur/base. 已剔除 (客户状态 ``cust_status`` matches ``closed_status``: 销户/身故; counted per status in 说明) · 新客不评 (开户 < ``new_months``
months) · 数据不足 · 基数不足 (base < ``min_base`` 10,000) · 行内迁移 (drop ≥ 20% but 存款 + 理财 drop < 20%:
money moved into this bank's wealth products, not churn) · 已流失 (drop ≥ 90% or cur < ``lost_floor`` 1,000)
· 重度流失 (≥ 50%) · 轻度流失 (≥ 20%) · 沉睡 (no active flow in ``dormant_days`` 180 days; only where the
flows cover the customer and reach back that far) · 稳定. Edges (``drop_edges``) include equality. The same
is computed for the previous month-end: the 上月 → 本月 state-transition matrix.

Behaviour over the last ``behaviour_days`` (90) days (:mod:`.behaviour`, flows classified by the shared
:mod:`bankxl.rules.transactions` with D3's own parameters): 大额转他行 (a single outflow ≥ ``big_transfer``
50,000 to another bank), 转证券/基金/第三方支付 (counterparty/memo regex), 代发中断 (no 代发 credit for
``payroll_gap`` 2 months), 到期未续存 (shared :mod:`bankxl.rules.maturity`: a deposit matured in the
``maturity_window`` and neither rolled over nor followed by a new deposit within ``renew_days``). 手机银行
登录下降 needs a login table that bankxl does not have yet: never scored, named in 未计算因素.

流失名单 (§6 via :mod:`bankxl.lists`): levels = the states 重度流失 / 已流失 / 轻度流失 / 沉睡 (the editable
策略映射表 ``levels`` + ``strategy``: action and working days per state), 得分 = the state's points + the
behaviour points (``check()`` keeps every customer in the level of its state); rank 得分, 下降金额, 客户号.
Tags: D3_CHURN (listed customers: 得分/状态), D3_MIGRATION, D3_BIG_OUT, D3_INVEST_OUT, D3_PAYROLL_STOP,
D3_MATURED. Sheets: 概览 (``Report.headline``: 流失客户, 日均下降, 重度+已流失 and its share, 行内迁移 vs 上月末, the
worst outlet vs 全行; chart per outlet; top 10 of 流失名单) · 状态分布 (全行, 网点 × 状态) · 状态迁移 ·
流失名单 (detail) · 行为标签 · 客户状态明细 (detail) · 客户标签 (+ 数据问题, 说明).
Errors: ParameterError for bad parameters (before any input is read); row problems (DUP_KEY of a
customer-month, NEG_BALANCE of a negative 日均) go to 数据问题.
"""
from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ....errors import ParameterError
from ....frames import Coded, coded_columns, flag_text
from ....lists import Rule, check_level_names, check_levels, levels_param, score_list, strategy_param
from ....report import Chart, Conditional, Figure, Headline, Note, Report, Sheet, Table
from ....rules.identity import Persons, by_cust_id, persons
from ....rules.maturity import RenewalRuleParams, matured_not_renewed
from ....rules.payroll import PayrollParams, payroll_memo_param
from ....rules.transactions import TransactionRuleParams, check_regex, has_pattern
from ....scenario import RunContext, Scenario, param
from ....tables import get_table
from ....tags import tag_rows, tag_sheet, tag_table
from .behaviour import behaviour, dormant, load_flows
from .states import (CHURN, DORMANT, EXCLUDED, HEAVY, LIGHT, LISTED, LOST, MIGRATED, NEW, NO_DATA, SMALL, STABLE,
                     STATES, judge, monthly_matrix, windows)

#: states that were judged (the denominator of 流失率 and of the 重度+已流失 share)
JUDGED = (STABLE, LIGHT, HEAVY, LOST, DORMANT, MIGRATED)

BASELINES = {"prior": "前N个月", "yoy": "去年同期"}
#: the default 策略映射表 (SCENARIOS.md D3): state -> (action, working days)
_STRATEGY = ((HEAVY, "48 小时内理财经理联系, 了解资金去向, 申请挽留权益(下降 {drop_txt})", 2),
             (LOST, "列入挽回名单, 登记流失原因, 客户经理上门/电话挽回", 5),
             (LIGHT, "客户经理关怀回访, 提供到期续存方案", 10),
             (DORMANT, "手机银行唤醒: 推送/短信权益提醒", 15))
#: list-frame columns the 策略表 may use as {placeholders}
STRATEGY_FIELDS = ("drop_txt", "base", "cur", "loss")
#: behaviour rules: id -> (中文因素名, frame flag column)
BEHAVIOURS = {"big_out": ("大额转他行", "big_out"), "matured": ("到期未续存", "matured"),
              "payroll": ("代发中断", "payroll_stop"), "invest": ("转证券/基金/第三方支付", "invest"),
              "mobile": ("手机银行登录下降", "mobile_down")}
#: optional columns D3 reads: (table, column) -> what is not computed without them (说明 names each absent one)
USED_COLUMNS = {
    ("customer_monthly", "dep_avg"): "无法计算基线与当前日均, 客户均为数据不足",
    ("customer_monthly", "wm_bal"): "行内迁移无法判断",
    ("customer_monthly", "org_id"): "网点分布只用客户表的机构号",
    ("customers", "open_date"): "新客无法识别",
    ("customers", "payroll_flag"): "代发客户只按流水中的代发入账识别",
    ("customers", "org_id"): "网点分布与名单的机构号取客户月度存款的机构号",
    ("customers", "mgr_id"): "名单没有客户经理",
    ("customers", "cust_name"): "本人互转无法按户名识别, 名单没有客户名称",
    ("customers", "id_no"): "名单没有证件号码",
    ("customers", "phone"): "名单没有手机号",
    ("transactions", "cpty_name"): "对手户名规则(证券/基金/支付/代发关键词、本人互转)只看摘要",
    ("transactions", "cpty_bank"): "无法判断对手行, 大额转他行未识别",
    ("transactions", "memo"): "摘要规则(结息、代发、银证转账等)只看对手户名",
    ("transactions", "cpty_acct"): "等额月供规则按对手户名识别",
    ("time_deposits", "value_date"): "续存只认自动转存",
    ("time_deposits", "auto_renew"): "续存只认到期前后新做的定期",
    ("time_deposits", "ccy"): "全部按数据币种处理",
}
#: why no churn model is offered (说明, one printed line each: a longer line is cut at the print edge)
MODEL_NOTE = ("可选流失预测模型(逻辑回归, y = 未来 3 个月进入已流失)未采用: 在示例银行上留出 30% 检验",
              "(特征取 3 个月前的下降率、基线、存款+理财下降率与行为标签), 3 个随机种子的留出正例只有 6/2/8 户,",
              "AUC 规则状态 0.49/0.49/0.56、逻辑回归 0.64/0.61/0.81 —— 样本太少, 且示例银行的流失是按规则植入的",
              "(模型学到的是植入条件: 无定期、基线 ≥1.5 万), 不能说明它在真实数据上胜过规则;",
              "公开数据中没有客户逐月存款余额可作检验。按场景要求(模型须在留出数据上胜过规则状态)不提供模型。")


@dataclass(frozen=True)
class ChurnParams(TransactionRuleParams, RenewalRuleParams, PayrollParams):
    """Parameters of D3 (defaults: SCENARIOS.md D3; 【假设】 where the spec gives none): the flow classifier's
    (:class:`~bankxl.rules.transactions.TransactionRuleParams`: own bank, reversal, loan repayment rules),
    the renewal rule's (:class:`~bankxl.rules.maturity.RenewalRuleParams`), the 代发 rule's
    (:class:`~bankxl.rules.payroll.PayrollParams`, D3's default 代发关键词) and D3's own below."""

    base_months: int = param(6, "基线月数", "月", "基线 = 当前窗口之前 N 个月的存款月日均均值", min=1, max=24)
    current_months: int = param(3, "当前月数", "月", "当前 = 数据日期所在月及之前共 N 个月的存款月日均均值", min=1, max=12)
    baseline: str = param("prior", "基线口径", None, "前N个月(默认); 季节性强(春节/季末)时可用去年同期(需 15 个月数据)",
                          choices=BASELINES)
    min_base: float = param(10_000.0, "评估门槛", "元", "基线日均 ≥ 该值才评估(含等号)【假设】")
    drop_edges: tuple = param((0.2, 0.5, 0.9), "下降率分档", None,
                              "轻度/重度/已流失的下降率下限(含等号), 三个递增的比例", min=0, max=1, increasing=True)
    lost_floor: float = param(1_000.0, "已流失余额线", "元", "当前日均低于该值也视为已流失")
    new_months: int = param(6, "新客月数", "月", "开户不满 N 个月为新客, 不评估", max=60)
    closed_status: str = param("销户|注销|身故|死亡|已故", "剔除的客户状态", None, "正则: 客户状态匹配即剔除(销户/身故)")
    dormant_days: int = param(180, "沉睡天数", "天", "该天数内无主动交易为沉睡【S12】", min=30, max=730)
    passive_memo: str = param("结息|利息|扣费|年费|管理费|短信费", "非主动交易关键词", None,
                              "正则: 对手户名/摘要匹配的流水(结息、扣费)不算主动交易")
    txn_covers_all: bool = param(False, "流水覆盖全部客户", None,
                                 "是: 交易流水中没有的客户视为无交易; 否(默认): 视为未知, 不判沉睡与行为标签")
    behaviour_days: int = param(90, "行为观察天数", "天", "行为标签统计数据日期前该天数内的流水", min=1, max=366)
    big_transfer: float = param(50_000.0, "大额转出门槛", "元", "单笔转出 ≥ 该值且对手行不是本行 → 大额转他行")
    securities_memo: str = param("证券|银证|期货", "证券关键词", None, "正则: 转出对手户名/摘要匹配 → 转证券")
    fund_memo: str = param("基金|余额宝|理财通|零钱通", "基金关键词", None, "正则: 转出对手户名/摘要匹配 → 转基金")
    payment_memo: str = param("(?:支付宝|财付通|微信|云闪付|京东支付).{0,8}(?:充值|转入|转账)|(?:充值|转入).{0,8}(?:支付宝|财付通|微信)",
                              "第三方支付关键词", None, "正则: 转出对手户名/摘要匹配 → 转第三方支付(消费不算)")
    invest_min: float = param(10_000.0, "转证券/基金/支付累计门槛", "元", "观察期内此类转出合计 ≥ 该值才打标签")
    payroll_memo: str = payroll_memo_param("代发|工资|薪")  # the shared 代发 rule, D3's default
    payroll_gap: int = param(2, "代发中断月数", "月", "代发客户连续 N 个月无代发入账 → 代发中断", min=1, max=12)
    min_org_judged: int = param(30, "网点比较最少评估户数", "户",
                                "概览比较各网点「重度+已流失」占比时, 评估客户少于该数的网点不参与(户数少, 比率不稳定)【假设】",
                                min=1, max=100_000)
    # 流失名单 (bankxl.lists): state points + behaviour points; levels = the states 【假设】
    heavy_points: float = param(80.0, "重度流失得分", "分", "状态为重度流失的得分")
    lost_points: float = param(60.0, "已流失得分", "分", "状态为已流失的得分")
    light_points: float = param(40.0, "轻度流失得分", "分", "状态为轻度流失的得分")
    dormant_points: float = param(20.0, "沉睡得分", "分", "状态为沉睡的得分")
    big_out_points: float = param(6.0, "大额转他行得分", "分", "近期有大额转他行")
    matured_points: float = param(5.0, "到期未续存得分", "分", "近期有定期到期未续存")
    payroll_points: float = param(4.0, "代发中断得分", "分", "代发中断")
    invest_points: float = param(3.0, "转证券/基金/支付得分", "分", "近期有转证券/基金/第三方支付")
    mobile_points: float = param(1.0, "手机银行登录下降得分", "分", "登录次数下降 ≥50%(需手机银行登录数据; 目前没有, 列为未计算因素)")
    levels: tuple = levels_param(((HEAVY, 80), (LOST, 60), (LIGHT, 40), (DORMANT, 20)),
                                 help="名单等级即流失状态(名称固定, 门槛须与各状态得分一致); 行内迁移/稳定不列入")
    strategy: tuple = strategy_param(_STRATEGY, help="策略映射表: 每个状态的建议动作与截止日(数据日期后第 N 个工作日)【假设】; 可用 "
                                                     "{drop_txt} 下降率、{base} 基线日均、{cur} 当前日均、{loss} 下降金额")

    def check(self) -> None:
        """The classifier's and the renewal rule's checks, then D3's: every regex compiles; the 策略表 shape
        (:func:`bankxl.lists.check_levels`) with the states as level names in order; each state's points reach
        its level and, with every behaviour point added, stay below the next higher level (so the list's 等级
        is always the customer's state); three drop edges. Raises :class:`ParameterError`."""
        TransactionRuleParams.check(self)
        RenewalRuleParams.check(self)
        PayrollParams.check(self)
        check_regex(self, "closed_status")  # 客户状态: matched in pandas
        for name in ("passive_memo", "securities_memo", "fund_memo", "payment_memo", "payroll_memo"):
            check_regex(self, name, portable=True)  # matched by the engine query customer_flows
        if len(self.drop_edges) != 3:
            raise ParameterError(f"参数「下降率分档(drop_edges)」应为三个递增比例(轻度, 重度, 已流失), 给定 {self.drop_edges}。",
                                 f"Parameter drop_edges needs three increasing fractions, got {self.drop_edges}.")
        check_levels(self.levels, self.strategy, STRATEGY_FIELDS)
        check_level_names(self.levels, LISTED, "流失状态", "the states")
        extra = sum(self.behaviour_points().values())
        thresholds = [float(x[1]) for x in self.levels]
        for i, (state, pts) in enumerate(self.state_points().items()):
            above = thresholds[i - 1] if i else np.inf
            if not (thresholds[i] <= pts and pts + extra < above):
                raise ParameterError(
                    f"参数「{state}得分」{pts:g} 与「等级门槛」不一致: 应 ≥ {thresholds[i]:g}, 且加上全部行为得分 "
                    f"({extra:g}) 后仍低于上一等级门槛 {above:g}, 名单等级才等于流失状态。",
                    f"Points of {state} ({pts:g}) disagree with levels: they must reach {thresholds[i]:g} and stay "
                    f"below {above:g} with all behaviour points ({extra:g}) added.")

    def state_points(self) -> dict[str, float]:
        return {HEAVY: self.heavy_points, LOST: self.lost_points, LIGHT: self.light_points,
                DORMANT: self.dormant_points}

    def behaviour_points(self) -> dict[str, float]:
        return {"big_out": self.big_out_points, "matured": self.matured_points, "payroll": self.payroll_points,
                "invest": self.invest_points, "mobile": self.mobile_points}


# ---------------------------------------------------------------------------------------------- inputs
#: the columns of 客户月度存款 D3 reads (besides 客户号, which comes as integer codes; 机构号 as codes too)
MONTHLY_COLUMNS = ("month", "dep_avg", "wm_bal", "org_id", "_row")


def _monthly(t, as_of: pd.Timestamp, ctx: RunContext) -> tuple[Coded, int, dict[str, bool]]:
    """customer_monthly ``t`` (a conformed frame or a table read through DuckDB) up to the data date's month,
    one row per (cust_id, month): a repeated pair is DUP_KEY (the last row kept, as the loader does). Returns
    (the rows as :func:`bankxl.frames.coded_columns` gives them — 客户号 as sorted integer codes, -1 blank —,
    number of negative 日均 recorded, {column: any value in the whole table} of dep_avg/wm_bal/org_id)."""
    cc = coded_columns(t, "cust_id", MONTHLY_COLUMNS, categorical=("org_id",))
    has = {c: bool(cc.frame[c].notna().any()) for c in ("dep_avg", "wm_bal", "org_id")}
    m = cc.frame["month"]
    x = cc.select(m.notna().to_numpy() & (m <= as_of).to_numpy())
    dup = (pd.DataFrame({"c": x.codes, "m": x.frame["month"]}).duplicated(keep="last").to_numpy()
           & (x.codes >= 0))
    if dup.any():
        d = x.frame[dup]
        who = pd.Series(x.keys.take(x.codes[dup]), dtype="string", index=d.index)
        ctx.problem("customer_monthly", d["_row"], "cust_id", "DUP_KEY", who + " " + d["month"].dt.strftime("%Y-%m"),
                    "同一客户同一月份有多行", "剔除该行, 保留同一客户同一月份的最后一条")
        x = x.select(~dup)
    neg = (x.frame["dep_avg"] < 0).fillna(False).to_numpy(dtype=bool)
    if neg.any():
        ctx.problem("customer_monthly", x.frame.loc[neg, "_row"], "dep_avg", "NEG_BALANCE",
                    x.frame.loc[neg, "dep_avg"], "存款月日均为负(透支/冲正)", "客户分层时按 0 计(§0.7)")
    return x, int(neg.sum()), has


def _monthly_as_persons(x: Coded, who: Persons) -> Coded:
    """The rows of ``x`` (:func:`_monthly`) per person: each 客户号 replaced by the one standing for its person
    (:meth:`Persons.of`, run on the distinct 客户号), then one row per (person, month): 存款月日均/理财余额 summed
    (blank in every 客户号 stays blank, never 0), the first 机构号 given; rows without a 客户号 left out. Grouped on
    the integer codes (the rows' order within a group as given, so the sums are the text grouping's)."""
    pc, pu = pd.factorize(who.of(pd.Series(x.keys, dtype="string")), sort=True)
    code = np.where(x.codes >= 0, pc[np.maximum(x.codes, 0)], -1)
    fr = x.frame[code >= 0]
    key = [pd.Series(code[code >= 0], index=fr.index, name="c"), fr["month"]]
    g = fr.groupby(key, sort=False)
    agg = g[["dep_avg", "wm_bal"]].sum(min_count=1)
    agg["org_id"] = g["org_id"].first()
    frame = pd.DataFrame({"month": agg.index.get_level_values(1), **{c: agg[c].to_numpy() for c in ("dep_avg", "wm_bal")},
                          "org_id": agg["org_id"].array})
    return Coded(agg.index.get_level_values(0).to_numpy(dtype=np.int64), pd.Index(pu, dtype="string", name="cust_id"),
                 frame)


def _customer_facts(cust: pd.DataFrame | None, ids: pd.Index, p: ChurnParams, who: Persons):
    """(open_date, excluded, payroll_flag, org_id) on ``ids`` (persons) from the 客户 table (NaT / <NA> where
    unknown). A person's 客户号 merged by ``who``: the earliest 开户日期, excluded only when every 客户号 is 销户/身故,
    代发 when any is, the 机构号 of the 客户号 standing for the person."""
    c = by_cust_id(cust)
    key = who.of(pd.Series(c.index, index=c.index, dtype="string"))
    kc, persons_ = pd.factorize(key)  # integer person codes: the groupbys below run on them, not on text

    def per_person(s: pd.Series, how: str) -> pd.Series:
        ok = kc >= 0  # (a 客户号 always has a person; kept safe)
        got = s[ok].groupby(kc[ok]).agg(how)
        return pd.Series(got.to_numpy(), index=pd.Index(persons_, dtype="string")[got.index]).reindex(ids)

    open_date = (per_person(c["open_date"], "min") if "open_date" in c.columns
                 else pd.Series(pd.NaT, index=ids, dtype="datetime64[ns]"))
    if "cust_status" in c.columns:
        closed = has_pattern(c["cust_status"].astype("string").fillna(""), p.closed_status)
        excluded = per_person(closed, "all").fillna(False).astype(bool)
    else:
        excluded = pd.Series(False, index=ids)
    flag = per_person(c["payroll_flag"].astype("boolean"), "max").astype("boolean") \
        if "payroll_flag" in c.columns else pd.Series(pd.NA, index=ids, dtype="boolean")
    org = c["org_id"].reindex(ids).astype("string") if "org_id" in c.columns \
        else pd.Series(pd.NA, index=ids, dtype="string")
    return open_date, excluded, flag, org


def _status_counts(cust: pd.DataFrame | None, ids: pd.Index, excluded: pd.Series, who: Persons) -> dict | None:
    """What 说明 says about 客户状态: None when the 客户 table or its 客户状态 column is absent or all blank;
    else ``{"excluded": {客户状态: persons left out (已剔除)}, "blank": persons of ``ids`` whose 客户状态 is blank
    in every 客户号 (judged, their status unknown)}``."""
    if cust is None or "cust_status" not in cust.columns or not cust["cust_status"].notna().any():
        return None
    c = by_cust_id(cust)
    st = c["cust_status"].astype("string").str.strip().replace("", pd.NA)
    key = who.of(pd.Series(c.index, index=c.index, dtype="string"))
    first = st.groupby(key).first().reindex(ids)  # a person's status: its first non-blank one
    out = first[excluded.to_numpy()].value_counts().sort_index()
    return {"excluded": {str(k): int(v) for k, v in out.items()}, "blank": int(first.isna().sum())}


def _as_persons(df: pd.DataFrame | None, who: Persons) -> pd.DataFrame | None:
    """``df`` with each merged 客户号 replaced by the one standing for its person (a new frame; ``df`` as is
    when nothing was merged)."""
    if df is None or not len(who.person):
        return df
    if hasattr(df, "relation"):  # read through DuckDB (bankxl.engine.inputs.DuckTable): replaced there
        return _duck_as_persons(df, who)
    return df.assign(cust_id=who.of(df["cust_id"]))


def _duck_as_persons(t, who: Persons):
    """:func:`_as_persons` of a DuckTable ``t``: a DuckTable over a view of the same rows whose 客户号 is the one
    standing for its person (``who.person`` as a small table joined on 客户号; the others unchanged, as
    :meth:`Persons.of`); its DuckDB objects are dropped when it is closed or garbage-collected."""
    from ....engine.inputs import DuckTable
    tag = uuid.uuid4().hex[:12]
    m, view = f"bx_person_{tag}", f"{t.view}_person_{tag}"
    pm = pd.DataFrame({"cust_id": who.person.index.astype(str), "person": who.person.astype(str).to_numpy()})
    t.con.register(f"{m}_src", pm)
    try:
        t.con.execute(f"CREATE TABLE {m} AS SELECT * FROM {m}_src")
    finally:
        t.con.unregister(f"{m}_src")
    cols = ", ".join("COALESCE(p.person, r.cust_id) AS cust_id" if c == "cust_id" else f'r."{c}"'
                     for c in t.relation().columns)
    t.con.execute(f"CREATE VIEW {view} AS SELECT {cols} FROM {t.view} AS r LEFT JOIN {m} AS p ON p.cust_id = r.cust_id")
    return DuckTable(t.con, view, len(t), t.spec, dict(t.attrs), [m], [view])


# ---------------------------------------------------------------------------------------------- compute
def compute(tables: Mapping[str, pd.DataFrame], p: ChurnParams, ctx: RunContext) -> tuple[pd.DataFrame, dict]:
    """Every customer of 客户月度存款 with its states and flags (index cust_id): base, cur, drop, aum_drop,
    loss, state (本月), prev_state (上月), org_id, big_out, big_out_amt, big_out_n, invest, invest_amt,
    invest_kinds, payroll_stop, matured, matured_amt (boolean flags <NA> where unknown), mobile_down (<NA>).
    Info: windows, months in the data, clipped, flows (None or :class:`.behaviour.Flows`), maturity info."""
    as_of = ctx.as_of
    cust = tables.get("customers")
    who = persons(cust)
    cm, _, cm_has = _monthly(tables["customer_monthly"], as_of, ctx)
    if len(who.person):  # one person, several 客户号 (same 证件号): their months add up
        cm = _monthly_as_persons(cm, who)
    mx = monthly_matrix(cm, as_of)
    ids = mx.ids
    open_date, excluded, payroll_flag, org = _customer_facts(cust, ids, p, who)
    names = by_cust_id(cust)["cust_name"] if cust is not None and "cust_name" in cust.columns else None
    prev_as_of = as_of.to_period("M").start_time - pd.Timedelta(days=1)
    fl = load_flows(_as_persons(tables.get("transactions"), who), ids, p, as_of, prev_as_of, names, ctx.problems)
    now = judge(mx, as_of, p, open_date=open_date, excluded=excluded, dormant=dormant(fl, ids, as_of, p))
    prev = judge(mx, prev_as_of, p, open_date=open_date, excluded=excluded,
                 dormant=dormant(fl, ids, prev_as_of, p))
    f = now.copy()
    f["prev_state"] = prev["state"]
    f["prev_loss"] = prev["loss"]
    f["org_id"] = org.fillna(mx.org).astype("string")
    f = f.join(behaviour(fl, ids, as_of, p, payroll_flag))
    td = _as_persons(tables.get("time_deposits"), who)
    mat, minfo = matured_not_renewed(td, p, as_of, ctx.currency)
    nr = mat[~mat["renewed"]]
    if td is None:
        f["matured"] = pd.Series(pd.NA, index=ids, dtype="boolean")
        f["matured_amt"] = np.nan
    else:
        f["matured"] = pd.Series(ids.isin(nr["cust_id"]), index=ids, dtype="boolean")
        f["matured_amt"] = nr.groupby("cust_id")["balance"].sum().reindex(ids).fillna(0.0)
    f["mobile_down"] = pd.Series(pd.NA, index=ids, dtype="boolean")
    base_w, cur_w = windows(as_of, p.base_months, p.current_months, p.baseline)
    pbase_w, pcur_w = windows(prev_as_of, p.base_months, p.current_months, p.baseline)
    info = {"base_w": base_w, "cur_w": cur_w, "prev_w": (pbase_w, pcur_w), "prev_as_of": prev_as_of,
            "months": mx.months, "clipped": mx.clipped, "wm_known": mx.wm_known, "flows": fl,
            "maturity": minfo, "persons": who, "id_known": cust is not None and "id_no" in cust.columns
            and bool(cust["id_no"].notna().any()), "n_matured": len(mat), "n_not_renewed": len(nr), "td": td is not None,
            "open_known": bool(open_date.notna().any()), "status": _status_counts(cust, ids, excluded, who),
            "cm_has": cm_has}
    return f, info


# ---------------------------------------------------------------------------------------------- list
def _pct(x: pd.Series) -> pd.Series:
    return (x * 100).round(1).astype("string") + "%"


def churn_list(f: pd.DataFrame, customers, p: ChurnParams, ctx: RunContext):
    """流失名单 (:func:`bankxl.lists.score_list`) of the customers whose state is listed (:data:`LISTED`)."""
    x = f[f["state"].isin(LISTED)]
    ids = pd.Index(x.index, dtype="string")
    u = ctx.base_unit
    frame = pd.DataFrame({
        "cust_id": ids, **{f"s_{i}": x["state"].eq(s).to_numpy() for i, s in enumerate(LISTED)},
        **{k: x[col].to_numpy() for k, (_zh, col) in BEHAVIOURS.items()},
        "base": x["base"].round(2).to_numpy(), "cur": x["cur"].round(2).to_numpy(),
        "drop": x["drop"].round(4).to_numpy(), "drop_txt": _pct(x["drop"]).to_numpy(),
        "loss": x["loss"].round(2).to_numpy(), "prev": x["prev_state"].to_numpy(),
        "big_out_amt": x["big_out_amt"].to_numpy(), "big_out_n": x["big_out_n"].to_numpy(),
        "invest_amt": x["invest_amt"].to_numpy(), "invest_kinds": x["invest_kinds"].to_numpy(),
        "matured_amt": x["matured_amt"].to_numpy(), "org_id": x["org_id"].to_numpy()})
    drop_reason = f"存款日均下降 {{drop_txt}}(基线 {{base:,.0f}} → 当前 {{cur:,.0f}} {u})"
    sp, bp = p.state_points(), p.behaviour_points()
    rules = [Rule(f"state_{i}", drop_reason if s != DORMANT else f"{p.dormant_days} 天无主动交易",
                  points=sp[s], when=f"s_{i}", name=s) for i, s in enumerate(LISTED)]
    rules += [Rule("big_out", f"近{p.behaviour_days}天大额转他行 {{big_out_n:.0f}} 笔, 合计 {{big_out_amt:,.0f}} {u}",
                   points=bp["big_out"], when="big_out", name=BEHAVIOURS["big_out"][0]),
              Rule("matured", f"定期到期未续存 {{matured_amt:,.0f}} {u}", points=bp["matured"], when="matured",
                   name=BEHAVIOURS["matured"][0]),
              Rule("payroll", f"代发中断(近 {p.payroll_gap} 个月无代发入账)", points=bp["payroll"], when="payroll",
                   name=BEHAVIOURS["payroll"][0]),
              Rule("invest", f"转{{invest_kinds}} {{invest_amt:,.0f}} {u}", points=bp["invest"], when="invest",
                   name=BEHAVIOURS["invest"][0]),
              Rule("mobile", "手机银行登录下降", points=bp["mobile"], when="mobile", name=BEHAVIOURS["mobile"][0])]
    show = {"base": ctx.base_label("基线日均"), "cur": ctx.base_label("当前日均"), "drop": "下降率",
            "loss": ctx.base_label("下降金额"), "prev": "上月状态"}
    return score_list(frame.reset_index(drop=True), rules, p.levels, p.strategy, ctx, sort_by=("loss",), amount="loss",
                      customers=customers, show=show, top=5, unknown=("mobile",))


# ---------------------------------------------------------------------------------------------- report
def _state_summary(f: pd.DataFrame, ctx: RunContext) -> pd.DataFrame:
    """全行状态分布, one row per state (``STATES`` order): 客户数, 占比, 基线日均合计, 当前日均合计 (display unit),
    基线−当前 (the row's 基线 − 当前; negative when the state's deposits grew) and 下降客户的下降金额 (the sum of
    each customer's max(基线 − 当前, 0), the 下降金额 of 流失名单: customers whose deposits grew add 0). The two
    decline columns are blank (not 0) for 新客不评 / 基数不足 / 数据不足 / 已剔除, whose decline is not assessed;
    a judged state without customers shows 0 (SCENARIOS.md D3)."""
    g = f.groupby("state")
    cnt = g.size().reindex(list(STATES), fill_value=0)
    base = g["base"].sum().reindex(list(STATES), fill_value=0.0)
    cur = g["cur"].sum().reindex(list(STATES), fill_value=0.0)
    judged = pd.Series(np.isin(list(STATES), JUDGED), index=list(STATES))
    net = (base - cur).where(judged)
    loss = g["loss"].sum().reindex(list(STATES), fill_value=0.0).where(judged)
    n = int(cnt.sum())
    return pd.DataFrame({"状态": list(STATES), "客户数": cnt.astype("int64").to_numpy(),
                         "占比": (cnt / n).to_numpy() if n else np.zeros(len(STATES)),
                         ctx.money_label("基线日均合计"): ctx.money(base).round(2).to_numpy(),
                         ctx.money_label("当前日均合计"): ctx.money(cur).round(2).to_numpy(),
                         ctx.money_label("基线−当前"): ctx.money(net).round(2).to_numpy(),
                         ctx.money_label("下降客户的下降金额"): ctx.money(loss).round(2).to_numpy()})


def _by_org(f: pd.DataFrame, ctx: RunContext) -> pd.DataFrame:
    """网点 × 状态: customers per state, 合计, 流失户数 (轻度+重度+已流失), 流失率 = 流失户数 / 评估户数 (稳定 …
    行内迁移), 流失下降金额 (the bank's totals are the 概览 state table)."""
    org = f["org_id"].fillna("(无机构)")
    pv = pd.crosstab(org, f["state"]).reindex(columns=list(STATES), fill_value=0)
    judged = pv[list(JUDGED)].sum(axis=1)
    churn = pv[list(CHURN)].sum(axis=1)
    loss = f[f["state"].isin(CHURN)].groupby(org)["loss"].sum()
    out = pv.reset_index().rename(columns={"index": "机构号", "org_id": "机构号"})
    out.columns.name = None
    out.columns = ["机构号", *STATES]
    out["合计"] = pv.sum(axis=1).to_numpy()
    out["流失户数"] = churn.to_numpy()
    out["流失率"] = (churn / judged.where(judged > 0)).to_numpy()
    out[ctx.money_label("流失下降金额")] = ctx.money(loss.reindex(pv.index).fillna(0.0)).round(2).to_numpy()
    return out.astype({s: "int64" for s in STATES} | {"合计": "int64", "流失户数": "int64", "机构号": "string"})


def _transitions(f: pd.DataFrame) -> pd.DataFrame:
    m = pd.crosstab(f["prev_state"], f["state"]).reindex(index=list(STATES), columns=list(STATES), fill_value=0)
    out = m.reset_index()
    out.columns = ["上月状态 \\ 本月状态", *STATES]
    out["合计"] = m.sum(axis=1).to_numpy()
    return out.astype({s: "int64" for s in STATES} | {"合计": "int64"})


def _tag_counts(f: pd.DataFrame, ctx: RunContext) -> pd.DataFrame:
    """行为标签客户数: per behaviour 客户数 (flag true), 可判断客户数 (flag known), 涉及金额 (display unit);
    客户数 and 涉及金额 blank when no customer's flag is known (no flows / no login data: unknown, not 0)."""
    rows = []
    for zh, col, amt in (("大额转他行", "big_out", "big_out_amt"), ("到期未续存", "matured", "matured_amt"),
                         ("代发中断", "payroll_stop", None), ("转证券/基金/第三方支付", "invest", "invest_amt"),
                         ("手机银行登录下降", "mobile_down", None), ("行内迁移", None, None)):
        if col is None:
            hit, known = f["state"].eq(MIGRATED), pd.Series(True, index=f.index)
        else:
            hit, known = f[col].fillna(False).astype(bool), f[col].notna()
        total = f.loc[hit, amt].sum() if amt and known.any() else np.nan
        rows.append({"行为标签": zh, "客户数": int(hit.sum()) if known.any() else pd.NA, "可判断客户数": int(known.sum()),
                     ctx.money_label("涉及金额"): ctx.money(total) if amt else np.nan,
                     "说明": "无手机银行登录数据, 未计算" if col == "mobile_down" else ""})
    return pd.DataFrame(rows).astype({"客户数": "Int64", "可判断客户数": "int64"})


def _tags(f: pd.DataFrame, lst, ctx: RunContext, p: ChurnParams) -> pd.DataFrame:
    parts = [lst.tag_rows("D3", "D3_CHURN", "存款流失", ctx, p)]
    mig = f[f["state"].eq(MIGRATED)]
    parts.append(tag_rows("D3", "D3_MIGRATION", "行内迁移(存款转理财)", mig.index, ctx, p, value=mig["drop"]))
    for code, zh, col, amt in (("D3_BIG_OUT", "大额转他行", "big_out", "big_out_amt"),
                               ("D3_INVEST_OUT", "转证券/基金/第三方支付", "invest", "invest_amt"),
                               ("D3_PAYROLL_STOP", "代发中断", "payroll_stop", None),
                               ("D3_MATURED", "到期未续存", "matured", "matured_amt")):
        hit = f[f[col].fillna(False).astype(bool)]
        parts.append(tag_rows("D3", code, zh, hit.index, ctx, p, value=hit[amt] if amt else None,
                              level=hit["invest_kinds"] if col == "invest" else None))
    return tag_table(*parts)


def _detail(f: pd.DataFrame, ctx: RunContext) -> pd.DataFrame:
    base = ctx.base_label
    out = pd.DataFrame({"客户号": pd.Series(f.index, dtype="string"), "机构号": f["org_id"].to_numpy(),
                        "本月状态": f["state"].to_numpy(), "上月状态": f["prev_state"].to_numpy(),
                        base("基线日均"): f["base"].round(2).to_numpy(), base("当前日均"): f["cur"].round(2).to_numpy(),
                        "下降率": f["drop"].to_numpy(), "存款+理财下降率": f["aum_drop"].to_numpy()})
    for zh, col in (("大额转他行", "big_out"), ("到期未续存", "matured"), ("代发中断", "payroll_stop"),
                    ("转证券/基金/支付", "invest")):
        out[zh] = flag_text(f[col].fillna(False), f[col].notna()).to_numpy()
    return out.astype({"机构号": "string", "本月状态": "string", "上月状态": "string"})


def _months_text(w: pd.PeriodIndex) -> str:
    return f"{w[0]:%Y-%m} 至 {w[-1]:%Y-%m}" if len(w) > 1 else f"{w[0]:%Y-%m}"


def _headline(f: pd.DataFrame, by_org: pd.DataFrame, lst, info: dict, p: ChurnParams, ctx: RunContext) -> Headline:
    """概览 (issue 10 item 1), from ``f`` (:func:`compute`: state, prev_state, loss, prev_loss per customer, 元)
    and ``by_org`` (:func:`_by_org`). Figures, each against 上月末 (the same rules with the previous month end
    as data date; blank and said when nobody could be judged then): 流失客户 (轻度+重度+已流失, 户), their
    日均下降 (Σ base − cur, ``ctx.unit``), 其中 重度+已流失 (户) and their share of the judged customers (%),
    行内迁移 (户); and the outlet with the highest 重度+已流失 share among those with at least
    ``min_org_judged`` judged customers against 全行. Chart: churned and dormant customers per outlet
    (``d3_by_org``); actions: the top 10 of 流失名单 (``d3_churn_list``)."""
    now, before = f["state"], f["prev_state"]
    prev_known = bool(before.isin(JUDGED).any())
    why = None if prev_known else "上月末无可评估客户(数据月份不足), 无上月对比"
    severe = [HEAVY, LOST]

    def count(states, s):
        return int(states.isin(s).sum())

    def share(states):
        n = count(states, JUDGED)
        return count(states, severe) / n if n else None

    def loss(states, col):
        return float(ctx.money(f.loc[states.isin(CHURN), col].sum()))

    def prev(v):
        return v if prev_known else None

    judged_org = by_org[list(JUDGED)].sum(axis=1)
    org_share = (by_org[severe].sum(axis=1) / judged_org).where(judged_org >= p.min_org_judged)
    bank = share(now)
    if org_share.notna().any():
        i = org_share.idxmax()
        org = Figure(f"重度+已流失占比最高网点 {by_org.loc[i, '机构号']}", float(org_share[i]), "%", "pct1", "全行", bank,
                     f"该网点评估客户 {int(judged_org[i]):,} 户; 只比较评估客户 ≥ {p.min_org_judged:,} 户的网点")
    else:
        org = Figure("重度+已流失占比最高网点", None, "%", "pct1", "全行", bank,
                     f"没有评估客户 ≥ {p.min_org_judged:,} 户的网点, 不比较")
    figures = [
        Figure("流失客户(轻度+重度+已流失)", count(now, CHURN), "户", "int", "上月末", prev(count(before, CHURN)), why),
        Figure("流失客户日均下降", loss(now, "loss"), ctx.unit, "money", "上月末", prev(loss(before, "prev_loss")),
               why or "基线日均 − 当前日均, 流失客户合计"),
        Figure("其中 重度流失 + 已流失", count(now, severe), "户", "int", "上月末", prev(count(before, severe)), why),
        Figure("重度+已流失占评估客户", bank, "%", "pct1", "上月末", prev(share(before)),
               why or f"评估客户 {count(now, JUDGED):,} 户"),
        org,
        Figure("行内迁移(转本行理财, 不算流失)", count(now, [MIGRATED]), "户", "int", "上月末",
               prev(count(before, [MIGRATED])), why or ("无理财余额, 未判断" if not info["wm_known"] else None)),
    ]
    base_txt = ("去年同期 " if p.baseline == "yoy" else "") + _months_text(info["base_w"])
    days = {str(s): int(d) for s, _a, d in p.strategy}
    listed = " · ".join(f"{s} {lst.counts.get(s, 0):,}" for s in LISTED)
    due = " / ".join(str(days[s]) for s in LISTED)
    lines = [f"当前 {_months_text(info['cur_w'])} 与基线 {base_txt} 的存款月日均比较; 不评估: 新客 {count(now, [NEW]):,} · "
             f"基数不足 {count(now, [SMALL]):,} · 数据不足 {count(now, [NO_DATA]):,} · 已剔除(销户/身故) "
             f"{count(now, [EXCLUDED]):,} 户。上月末 = 以上月末为数据日期按同一规则重算。",
             f"流失名单 {len(lst.df):,} 户({listed}), 截止日依次为数据日期后第 {due} 个工作日; 行内迁移不处理。"]
    chart = Chart(table="d3_by_org", categories="机构号", series=[LIGHT, HEAVY, LOST, DORMANT], kind="column",
                  stacked=True, title="各网点流失与沉睡客户数", y_title="客户数", height=260)
    return Headline(figures, chart=chart, actions="d3_churn_list", lines=lines)


def run(tables: Mapping[str, pd.DataFrame], params: ChurnParams, ctx: RunContext) -> Report:
    """Run D3 (see the module docstring)."""
    p = params
    f, info = compute(tables, p, ctx)
    customers = tables.get("customers")
    lst = churn_list(f, customers, p, ctx)
    summary = _state_summary(f, ctx)
    by_org = _by_org(f, ctx)
    trans = _transitions(f)
    kept = f[f["state"].ne(EXCLUDED)]  # 销户/身故: no behaviour tags either
    tags = _tags(kept, lst, ctx, p)
    tag_counts = _tag_counts(kept, ctx)
    fl = info["flows"]

    zero = [s for s in (MIGRATED, NEW, SMALL, NO_DATA, EXCLUDED) if not by_org[s].any()]  # no outlet has one
    org_sheet = [Note(lines=["网点 × 状态(客户数); 流失率 = 轻度+重度+已流失 ÷ 评估客户(稳定、轻度、重度、已流失、沉睡、行内迁移); "
                             "第一张表为全行合计。",
                             "全行表: 基线−当前 = 该状态基线日均合计 − 当前日均合计(负数 = 日均上升); 下降客户的下降金额 = "
                             "各客户 max(基线 − 当前, 0) 之和(日均上升的客户计 0, 与流失名单的下降金额同口径), 故可大于"
                             "基线−当前; 新客不评、基数不足、数据不足、已剔除不评估下降, 两列留空。"]
                      + ([f"各网点均为 0 户的状态未列出: {'、'.join(zero)}。"] if zero else [])),
                 Table(summary, name="d3_states", title="全行状态分布", formats={"客户数": "int", "占比": "pct1"}),
                 Table(by_org.drop(columns=zero), name="d3_by_org", title="网点 × 状态分布", text_columns=("机构号",),
                       formats={s: "int" for s in STATES} | {"合计": "int", "流失户数": "int", "流失率": "pct1"},
                       conditional=[Conditional(["流失率"], "data_bar")])]
    prev_txt = f"{info['prev_as_of']:%Y-%m-%d}"
    stay = int(np.trace(trans[list(STATES)].to_numpy()))
    trans_lines = [f"行 = 上月末({prev_txt})状态, 列 = 本月({ctx.as_of:%Y-%m-%d})状态; 两期按同一规则、各自的窗口计算"
                   f"(上月: 基线 {_months_text(info['prev_w'][0])}, 当前 {_months_text(info['prev_w'][1])})。",
                   f"状态不变 {stay:,} 户, 变化 {len(f) - stay:,} 户。"]
    if fl is not None and not fl.reaches(info["prev_as_of"] - pd.Timedelta(days=p.dormant_days - 1)):
        trans_lines.append(f"交易流水自 {fl.start:%Y-%m-%d} 起, 不足以判断上月末的 {p.dormant_days} 天沉睡: 上月无「沉睡」, "
                           "这些客户上月按存款下降判断。")
    sheets = [
        Sheet("状态分布", org_sheet),
        Sheet("状态迁移", [Note(lines=trans_lines),
                          Table(trans, name="d3_transitions", title="上月 → 本月状态迁移矩阵(客户数)",
                                formats={s: "int" for s in STATES} | {"合计": "int"})]),
        Sheet("流失名单", print_role="detail", blocks=[
            Note(title="存款流失名单(重度流失 / 已流失 / 轻度流失 / 沉睡)", lines=[lst.summary(), *lst.note]),
            lst.table("d3_churn_list", "名单(按排名)", top_style="bad",
                      formats={"下降率": "pct1", ctx.base_label("基线日均"): "money0",
                               ctx.base_label("当前日均"): "money0", ctx.base_label("下降金额"): "money0"},
                      conditional=[Conditional([ctx.base_label("下降金额")], "data_bar")],
                      widths={"原因": 60, "建议动作": 48})]),
        Sheet("行为标签", [Note(lines=[f"近 {p.behaviour_days} 天的行为(到期未续存: 到期日在数据日期前 {p.maturity_window} 天内); "
                                     "已剔除(销户/身故)的客户不计。",
                                     "可判断客户数 = 数据能说明该行为的客户(交易流水覆盖的客户、有定期明细时的全部客户); "
                                     "数据不能说明的行为客户数留空(未知, 不是 0)。"]),
                          Table(tag_counts, name="d3_tag_counts", title="行为标签客户数",
                                formats={"客户数": "int", "可判断客户数": "int"}, widths={"说明": 30}),
                          Chart(table="d3_tag_counts", categories="行为标签", series=["客户数"], kind="bar",
                                title="行为标签客户数", height=300)]),
        Sheet("客户状态明细", print_role="detail", blocks=[Table(_detail(f, ctx), name="d3_detail", title="全部客户的状态与行为(审计用)", role="detail",
                                   text_columns=("客户号", "机构号"),
                                   formats={"下降率": "pct1", "存款+理财下降率": "pct1"})]),
        tag_sheet(tags),
    ]
    report = Report(title="存款流失客户", sheets=sheets, headline=_headline(f, by_org, lst, info, p, ctx))
    light, heavy, lost = p.drop_edges
    report.method = [
        "SCENARIOS.md D3 存款流失客户; §0.7 负余额 clip 0、缺月不补 0; §7 存款流失基线与「存款 vs AUM」。",
        f"当前 cur = 近 {p.current_months} 个月存款月日均均值; 基线 base = "
        + ("当前窗口各月的去年同期均值(季节性基线)" if p.baseline == "yoy" else f"当前窗口之前 {p.base_months} 个月均值")
        + "; 窗口内有数据的月份不足一半 → 数据不足; 下降率 = 1 − cur/base。",
        f"状态(依次判断, 含等号): 已剔除(客户状态匹配「{p.closed_status}」) → 新客不评(开户不满 {p.new_months} 个月)",
        f"→ 数据不足 → 基数不足(base < {p.min_base:,.0f}) → 行内迁移(存款降 ≥{light:.0%} 但存款+理财降 <{light:.0%})",
        f"→ 已流失(≥{lost:.0%} 或 cur < {p.lost_floor:,.0f}) → 重度流失(≥{heavy:.0%}) → 轻度流失(≥{light:.0%}) "
        f"→ 沉睡({p.dormant_days} 天无主动交易) → 稳定。",
        f"行为标签(近 {p.behaviour_days} 天, 交易流水按共用流水规则分类, 冲正/还款不算转出): 大额转他行(单笔 ≥ {p.big_transfer:,.0f}, "
        "对手行非本行);",
        f"转证券/基金/第三方支付(对手户名/摘要正则, 合计 ≥ {p.invest_min:,.0f}); 代发中断(连续 {p.payroll_gap} 个月无代发入账);",
        f"到期未续存(共用到期规则: 到期后 {p.renew_days} 天内未新做定期且未自动转存)。",
        "名单等级 = 流失状态, 建议动作与时限取自参数「策略表」(策略映射表);",
        "得分 = 状态得分 + 行为得分(参数检查保证等级不越级)。",
        *MODEL_NOTE,
    ]
    notes = [f"流失名单{lst.tie_break}"] + (info["persons"].notes() or [
        "同一证件号下没有多个客户号需要合并。" if info["id_known"] else "没有证件号码: 同一人多个客户号无法合并(按客户号评估)。"])
    if not info["wm_known"]:
        notes.append("数据没有理财余额: 行内迁移无法判断, 存款下降的客户按流失状态列出(可能含转入本行理财者)。")
    if info["clipped"]:
        notes.append(f"{info['clipped']:,} 个客户月的存款月日均为负, 按 0 计(见数据问题 NEG_BALANCE)。")
    if not info["open_known"]:
        notes.append("没有开户日期: 新客无法识别, 全部按存款变化评估。")
    st = info["status"]
    if st is None:
        notes.append("客户表没有客户状态(或全部为空): 销户/身故客户无法识别, 未剔除, 按存款变化评估。")
    else:
        gone = st["excluded"]
        notes.append(f"已剔除 {sum(gone.values()):,} 户: 客户状态匹配「{p.closed_status}」"
                     + (f"({'、'.join(f'{k} {v:,} 户' for k, v in gone.items())})" if gone else "")
                     + ", 不参与流失判断、不列入名单(同一人多个客户号时, 全部销户/身故才剔除)。"
                     + (f" 客户状态为空 {st['blank']:,} 户: 状态未知, 按存款变化评估。" if st["blank"] else ""))
    if fl is None:
        notes.append("未提供交易流水: 沉睡、大额转他行、转证券/基金/第三方支付、代发中断未计算(空白, 不按「否」)。")
    else:
        cov = int(fl.covered.sum())
        notes.append(f"交易流水 {fl.start:%Y-%m-%d} 至 {fl.end:%Y-%m-%d}, 覆盖 {cov:,} 户"
                     + ("(参数: 覆盖全部客户)" if p.txn_covers_all else "(流水中没有的客户: 沉睡与行为标签未知, 不按「否」)")
                     + "。")
    if not info["td"]:
        notes.append("未提供定期存款明细: 到期未续存未计算。")
    elif not info["maturity"]["value_date_known"]:
        notes.append("定期存款明细没有起息日: 续存只认自动转存。")
    notes.append("手机银行登录下降未计算: 没有手机银行登录数据(列为未计算因素, 不计分)。")
    for (t, col), what in USED_COLUMNS.items():
        df = tables.get(t)
        if t == "customer_monthly":  # read once, as codes (_monthly): never a text column of its rows here
            has = info["cm_has"][col]
        else:
            has = df is not None and col in df.columns and bool(df[col].notna().any())
        if df is not None and len(df) and not has:
            c = get_table(t).column(col)
            notes.append(f"{get_table(t).zh}没有「{c.zh}」({col}): {what}。")
    if p.baseline == "yoy" and not np.isfinite(f["base"]).any():
        notes.append("去年同期基线需要当前窗口一年前的月份, 数据中没有: 全部为数据不足。")
    report.notes = notes
    return report


SPEC = Scenario(
    id="deposit.churn", code="D3", title="存款流失客户", group="存款营销",
    inputs=("customer_monthly",), optional_inputs=("customers", "transactions", "time_deposits"),
    params=ChurnParams, run=run,
    summary="按基线/当前日均判断稳定/轻度/重度/已流失/沉睡, 识别行内迁移与流失行为, 输出状态迁移矩阵与挽留名单",
    as_of_from=("customer_monthly", "month"), outlet_tables=("customer_monthly",),
)
