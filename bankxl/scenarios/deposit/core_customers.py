"""D4 存款核心客户定位 — core deposit customers (SCENARIOS.md "D4 核心存款客户 Core customers").

Three-factor grading of every customer of ``customer_monthly`` (客户月度存款: cust_id, month, td_avg 定期日均,
dep_avg 存款日均, inflow/outflow 入账/出账, optional org_id/mgr_id; money in the data's currency):

* **F1 规模**: the size factor — the average over the last ``f1_months`` calendar months up to the data
  date of the monthly ``size_basis`` column (``td_avg`` 定期日均 by default; ``dep_avg`` 存款日均 when the data
  have no 定期日均, e.g. UCI) — is ≥ ``f1_threshold`` (200,000 元, threshold included). A month present in
  the data in which a customer has no row counts as 0; the average is over the months of the window that
  the data hold with a value of the basis (UCI holds one). Without any (neither 定期日均 nor 存款月日均 in
  the file, or blank throughout) F1 is not computable: 规模 and 达标月数 are blank, F1 不可算, and the run
  records one whole-table COLUMN_MISSING problem (the console warns) — never a size of 0.
* **F2 稳定**: relationship ≥ ``f2_years`` years (customers.open_date ≤ data date − 3 years) AND (in the last
  ``f2_window`` months ≥ ``f2_months_min`` months with the monthly size ≥ ``f1_threshold``, OR — proxy for
  到期续存率 ≥ 80% 【假设】 — ≥ ``f2_renew_share`` of the customer's termed time-deposit balance set to
  自动转存; only deposits that still hold money in the data's currency count:
  :func:`bankxl.frames.active_deposits`, as in D2). Not computable without 开户日期.
* **F3 潜力**: 5 年潜力值 = max(Σ(inflow − outflow) over the last ``f3_window`` months, 0) × ``f3_years`` +
  他行资金迹象额 (outgoing self-transfers to the customer's own accounts at other banks in the same window,
  found with the shared flow rules :mod:`bankxl.rules.transactions` — C3's exclusion rules (信用卡还款,
  本人互转, 冲正) — run with D4's own parameters, the few that decide them (:class:`CoreParams`): money
  the customer keeps elsewhere 【假设】); halved from age ``elder_age``
  (default 65); F3 = 潜力值 ≥ ``f3_threshold`` (500,000). Not computable without 入账/出账.

Grades (SCENARIOS.md: 三项全满足 = 核心A; F1 + 任一 = 核心B; 仅 F3 = 潜力客户): 核心A = F1 ∧ F2 ∧ F3; 核心B =
F1 and one of F2/F3; 潜力客户 = F3 alone (仅 F3: ¬F1 ∧ ¬F2, as the spec says); 稳定潜力客户 = F2 ∧ F3 ∧ ¬F1 —
a combination the spec does not grade: stable and with potential, lacking only size; kept apart from
潜力客户 so 仅 F3 stays literal, and ranked above it (closer to 核心) 【假设】; 规模客户 = F1 alone (not in
the spec's grades, listed so that F1-only data such as UCI give a list); 一般 = the rest (incl. F2 alone).
Thresholds include equality (阈值含等号). A factor no customer can compute (:func:`factor_reasons`) is
graded as not met — the report says which factors the grading used — and every count or sum made of it
(:func:`grades_known`: 分级汇总, 各机构分级, 概览) is blank, not 0; 说明 names the factor and the missing data.

On UCI Bank Marketing (``bankxl.datasets.load_uci_bank_marketing``) only F1 can be computed: the yearly
average balance (EUR) is the size factor, there is no relationship start and no flow; y and duration are
campaign outcomes and are never read. Use :data:`DATASET_PARAMS` ["UCI"] (threshold in EUR).

10 户服务计划 PDCA (on data with 客户经理): per manager the ``pdca_per_mgr`` best-graded customers
(核心A, 核心B, 稳定潜力客户, 潜力客户, 规模客户; then by size): Plan 目标日均 = the mean 存款日均 of the ``pdca_base_months``
months before the latest month × (1 + ``pdca_growth``); Check 实际日均 = the latest month's 存款日均, 完成率 =
实际 / 目标; 接触次数 is left blank for the manager (the data hold no contact log); Act 下月动作 by 完成率.

核心客户名单 (:mod:`bankxl.lists`): 得分 = points of the rules that hold — F1 ``f1_core_points`` with F2 or F3
(核心) else ``f1_points``; F2 ``f2_points`` with F1 or F3 (stability alone is 一般); F3 ``f3_points`` — and
``levels`` whose names are the grades; ``check()`` refuses points/thresholds under which any F1/F2/F3
combination would get another level than its grade, so the list's 等级 always equals 分级概览's. A factor the
data cannot supply (F2 without 开户日期, F3 without flows) is not scored and is named in 未计算因素. 建议动作
and 截止日 (working days) from the ``strategy`` 策略表; rank: 得分, 规模, 5年潜力值, then 客户号. Tag
D4_CORE 核心客户分级 (value 得分, level 等级) on the 客户标签 sheet.

Sheets: 分级概览 · 核心客户名单 · 10户PDCA · 要素明细 · 客户标签 (then 数据问题, 说明). Inputs are never modified.
Raises ParameterError for inconsistent parameters.
"""
from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import ClassVar

import numpy as np
import pandas as pd

from ...errors import ParameterError, ProblemLog
from ...lists import (Rule, ScoredList, check_level_names, check_levels, format_values, levels_param, score_list,
                     strategy_param)
from ...report import Chart, Conditional, Figure, Headline, Note, Report, Sheet, Table
from ...rules.identity import by_cust_id
from ...rules.transactions import SelfTransferParams, TransactionRuleParams, classify_exclusions, self_transfers_out
from ...scenario import RunContext, Scenario, param
from ...tables import get_table
from ...tags import tag_sheet, tag_table
from ...frames import (IDENTITY_FIELDS, Coded, active_deposits, coded_columns, customer_ages, customer_columns,
                      flag_text)

GRADES = ("核心A", "核心B", "稳定潜力客户", "潜力客户", "规模客户", "一般")
#: the graded customers that go on the lists (everything but 一般)
LISTED = GRADES[:-1]
BASIS_ZH = {"td_avg": "定期日均", "dep_avg": "存款日均"}
#: 建议动作 per grade (the default 策略表)
_ACTIONS = {
    "核心A": "客户经理/理财经理重点维护: 每月 ≥1 次接触, 到期前 30 天预约续存, 配置大额存单/理财, 权益优先",
    "核心B": "补齐短板: 稳定性不足 → 续存与自动转存; 潜力未显 → 了解他行资金, 引导归集",
    "稳定潜力客户": "提升规模: 老客户有资金潜力, 了解他行资金与到期安排, 引导归集到本行定期/大额存单, 目标核心A",
    "潜力客户": "挖掘潜力: 了解他行资金与大额流入, 推荐大额存单/定期, 目标进入核心",
    "规模客户": "巩固规模: 关注到期与资金流向, 推荐定期续存",
}
#: list-frame columns a 策略表 action may use as {placeholders}
STRATEGY_FIELDS = ("size", "potential", "months_ok")

#: parameters to use on the public datasets (thresholds in the data's currency)
DATASET_PARAMS: dict[str, dict] = {
    # UCI balance is an average yearly balance in EUR (median 448, 98th percentile ≈ 9,400): the size
    # factor is that balance; 10,000 EUR marks the top 1.8% (829 of 45,211 clients) 【假设】.
    "UCI": {"size_basis": "dep_avg", "f1_threshold": 10_000.0},
}


@dataclass(frozen=True)
class CoreParams(SelfTransferParams):
    """Parameters of D4 (defaults: SCENARIOS.md D4; 【假设】 where the spec says so): the flow rules' exclusion
    parameters (:class:`bankxl.rules.transactions.SelfTransferParams`, inherited: 本行行名/行号, 信用卡还款 /
    本人互转 / 冲正 keywords and 冲正天数 — all that decides the 本人互转 to other banks of F3's 他行资金迹象)
    and D4's own below. The full classifier's other parameters (网贷机构字典, 等额月供 …) do not change D4's
    result: they are not D4 parameters and are refused naming why (:data:`REMOVED`)."""

    #: the full classifier's parameters (id and 中文 label) that D4 carried until it took only the ones it uses
    REMOVED: ClassVar[dict[str, tuple[str, str]]] = {
        k: ("不影响 D4 的结果(只用于 C3 的网贷/他行贷款识别), 已不是 D4 的参数",
            "it does not change D4's result (used by C3's loan rules only) and is no longer a D4 parameter")
        for f in fields(TransactionRuleParams) if f.name not in {g.name for g in fields(SelfTransferParams)}
        for k in (f.name, f.metadata["zh"])}

    size_basis: str = param("td_avg", "规模口径", None, "定期日均为课程口径; 数据无定期日均时自动改用存款日均并在说明中注明",
                            choices=BASIS_ZH)
    f1_threshold: float = param(200_000.0, "F1 规模门槛", "数据币种", "近 N 月规模日均 ≥ 该值(含等号)")
    f1_months: int = param(3, "F1 月数", "月", "规模 = 数据日期所在月及之前 N 个月的月日均平均")
    f2_years: int = param(3, "F2 关系年限", "年", "开户日期 ≤ 数据日期 − N 年(含等号)")
    f2_window: int = param(12, "F2 观察月数", "月", "统计达标月数的窗口")
    f2_months_min: int = param(10, "F2 达标月数", "月", "窗口内月规模 ≥ F1 门槛的月数 ≥ 该值")
    f2_renew_share: float = param(0.8, "F2 续存率代理", None,
                                  "定期余额中自动转存占比 ≥ 该值也满足稳定(代替到期续存率 ≥80%)【假设】; 0 = 不用")
    f3_threshold: float = param(500_000.0, "F3 潜力门槛", "数据币种", "5 年潜力值 ≥ 该值(含等号)")
    f3_window: int = param(12, "F3 观察月数", "月", "净流入与他行资金迹象的统计窗口")
    f3_years: float = param(5.0, "F3 潜力年数", "年", "潜力值 = 年净流入(取正) × 该值 + 他行资金迹象额")
    elder_age: int = param(65, "高龄折半年龄", "岁", "年龄 ≥ 该值潜力值折半")
    elder_factor: float = param(0.5, "高龄折算系数", None, "年龄 ≥ 高龄年龄时潜力值 × 该值")
    pdca_per_mgr: int = param(10, "每位经理认领户数", "户", "10 户服务计划 PDCA")
    pdca_base_months: int = param(3, "PDCA 基期月数", "月", "目标日均 = 最近月之前 N 个月存款日均均值 × (1 + 增长)")
    pdca_growth: float = param(0.05, "PDCA 目标增长", None, "目标日均相对基期的增长比例【假设】")
    pdca_min_target: float = param(10_000.0, "PDCA 最低目标日均", "数据币种",
                                   "目标日均低于该值时不计完成率(空白并注明): 基期存款很少时比率无意义【假设】; 0 = 都计")
    # 核心客户名单 (bankxl.lists): points of the four rules, levels = the grades, 策略表 【假设】
    f1_core_points: float = param(40.0, "F1 规模得分(核心)", "分", "F1 与 F2/F3 任一同时满足(核心)时 F1 的得分")
    f1_points: float = param(10.0, "F1 规模得分(仅 F1)", "分", "只满足 F1(规模客户)时 F1 的得分")
    f2_points: float = param(30.0, "F2 稳定得分", "分", "满足 F2 且满足 F1 或 F3 时计分(只稳定的客户为一般, 不列名单)")
    f3_points: float = param(30.0, "F3 潜力得分", "分", "满足 F3 时的得分")
    levels: tuple = levels_param((("核心A", 100), ("核心B", 70), ("稳定潜力客户", 60), ("潜力客户", 30),
                                  ("规模客户", 10)),
                                 help="名单等级即 D4 分级(名称固定), 门槛须与各要素得分一起使等级与三要素分级一致")
    strategy: tuple = strategy_param(tuple((g, _ACTIONS[g], d) for g, d in zip(LISTED, (5, 10, 10, 15, 20))),
                                     help="每个等级的建议动作与截止日(数据日期后第 N 个工作日)【假设】; 可用 {size} 规模、{potential} "
                                          "5年潜力值、{months_ok} 达标月数")

    def check(self) -> None:
        """The flow rules' exclusion parameters (:meth:`SelfTransferParams.check`), then D4's: windows and counts ≥ 1,
        F2 达标月数 ≤ F2 观察月数, the 等级门槛/策略表 shape (:func:`bankxl.lists.check_levels`), level names =
        the listed grades, and points + thresholds that give every F1/F2/F3 combination its :func:`grade`
        (else the list's 等级 would differ from 分级概览). Raises :class:`ParameterError`."""
        super().check()
        if min(self.f1_months, self.f2_window, self.f3_window, self.pdca_per_mgr, self.pdca_base_months) < 1:
            raise ParameterError("参数「F1 月数」「F2 观察月数」「F3 观察月数」「每位经理认领户数」「PDCA 基期月数」应为正整数。",
                                 "f1_months, f2_window, f3_window, pdca_per_mgr and pdca_base_months must be >= 1.")
        if self.f2_months_min > self.f2_window:
            raise ParameterError(f"参数「F2 达标月数」({self.f2_months_min}) 不能大于「F2 观察月数」({self.f2_window})。",
                                 f"f2_months_min ({self.f2_months_min}) must not exceed f2_window ({self.f2_window}).")
        check_levels(self.levels, self.strategy, STRATEGY_FIELDS)
        check_level_names(self.levels, LISTED, "D4 分级", "the D4 grades")
        combos = pd.DataFrame(list(itertools.product((True, False), repeat=3)), columns=["f1", "f2", "f3"])
        cond = _conditions(combos["f1"], combos["f2"].astype("boolean"), combos["f3"].astype("boolean"))
        score = np.round(sum(np.where(cond[k], v, 0.0) for k, v in self.points().items()), 1)
        level = np.select([score >= float(t) for _, t in self.levels], LISTED, default=GRADES[-1])
        want = grade(combos["f1"], combos["f2"], combos["f3"]).to_numpy()
        bad = np.flatnonzero(level != want)
        if len(bad):
            i = bad[0]
            combo = "+".join(k.upper() for k in ("f1", "f2", "f3") if combos.loc[i, k]) or "无要素"
            raise ParameterError(
                f"参数「F1/F2/F3 得分」与「等级门槛」不一致: {combo} 得 {score[i]:g} 分, 归入「{level[i]}」, 按 D4 分级应为"
                f"「{want[i]}」(三项全满足 = 核心A; F1 + 任一 = 核心B; F2 + F3 = 稳定潜力客户; 仅 F3 = 潜力客户; "
                "仅 F1 = 规模客户; 其余 = 一般)。",
                f"Points f1_core_points/f1_points/f2_points/f3_points and levels disagree with the D4 grades: "
                f"{combo} scores {score[i]:g} and falls in {level[i]!r}, but its grade is {want[i]!r}.")

    def points(self) -> dict[str, float]:
        """Points of the 核心客户名单 rules by rule id (:func:`_conditions`)."""
        return {"f1_core": self.f1_core_points, "f1": self.f1_points, "f2": self.f2_points, "f3": self.f3_points}


def _months_back(as_of: pd.Timestamp, n: int) -> pd.DatetimeIndex:
    """The first days of the n calendar months ending with the as-of month (oldest first)."""
    end = as_of.to_period("M")
    return pd.period_range(end - (n - 1), end, freq="M").to_timestamp()


def _wide(cm: pd.DataFrame, col: str, months: pd.DatetimeIndex, ids: pd.Index) -> pd.DataFrame:
    """cust × month matrix of ``col`` for ``months`` (the sum of a customer's rows of the month; a blank value adds
    0; NaN where the customer has no row that month — callers read it as 0). ``cm["_c"]``: each row's position
    in ``ids`` (integer customer codes, computed once by :func:`factors`). Vectorised: one bincount."""
    code = cm["_c"].to_numpy(dtype=np.int64)
    mpos = months.get_indexer(cm["month"])
    ok = (mpos >= 0) & (code >= 0)
    flat = code[ok] * len(months) + mpos[ok]
    size = len(ids) * len(months)
    vals = cm[col].to_numpy(dtype="float64", na_value=np.nan)[ok]
    total = np.bincount(flat, weights=np.nan_to_num(vals, nan=0.0), minlength=size)
    has = np.bincount(flat, minlength=size) > 0
    return pd.DataFrame(np.where(has, total, np.nan).reshape(len(ids), len(months)), index=ids, columns=months)


#: the columns of 客户月度存款 D4 reads (besides 客户号, which comes as integer codes); 机构号/客户经理 as codes too
MONTHLY_COLUMNS = ("month", "dep_avg", "td_avg", "inflow", "outflow", "org_id", "mgr_id")


def monthly_codes(tables: Mapping[str, pd.DataFrame]) -> Coded:
    """客户月度存款 as D4 reads it (:func:`bankxl.frames.coded_columns`): 客户号 as sorted integer codes (-1 blank),
    :data:`MONTHLY_COLUMNS` in row order, 机构号/客户经理 as Categorical — from the pandas frame or, read through
    DuckDB, computed there (the 客户号 text per row never comes to pandas)."""
    return coded_columns(tables["customer_monthly"], "cust_id", MONTHLY_COLUMNS, categorical=("org_id", "mgr_id"))


def factors(tables: Mapping[str, pd.DataFrame], p: CoreParams, as_of: pd.Timestamp,
            currency: str = "CNY", problems: ProblemLog | None = None, coded: Coded | None = None
            ) -> tuple[pd.DataFrame, dict]:
    """Per-customer factor table and info.

    Out frame (index cust_id): size (NaN when F1 is not computable), months_ok (int64, or Int64 NA without a
    size month), rel_years, renew_share, net_flow, other_funds, age, potential, f1, f2, f3 (bool),
    f1_ok/f2_ok/f3_ok (computable), grade, latest_dep, base_dep (NaN without 存款日均 and size basis), org_id,
    mgr_id. Info: basis (column used), basis_fallback (bool), basis_missing (the basis holds no value at all),
    months_f1 (months of the F1 window with a size value), months_f2, f1_computable, f2_computable,
    f3_computable (any customer), has_open_date, pdca_known, latest_month, td_notes (time deposits left out
    of the 自动转存 share: closed, zero, not in ``currency``). ``tables``: conformed (:func:`bankxl.conform.conform`);
    客户月度存款 may be a table read through DuckDB. ``coded``: :func:`monthly_codes` of ``tables`` when the caller
    has it already (the run computes it once for this month and the previous one). ``problems``: the run's
    :class:`~bankxl.errors.ProblemLog`; receives the flow rules' row problems (VALUE_INVALID for a 借贷 value
    that is neither D nor C).
    """
    cc = monthly_codes(tables) if coded is None else coded
    month = cc.frame["month"]
    # a blank 客户号 (code -1) is not a customer; customers = those with a row up to the data date
    cc = cc.select((cc.codes >= 0) & month.notna().to_numpy() & (month <= as_of).to_numpy())
    cm = cc.frame
    ids = cc.keys  # integer customer codes, in 客户号 order (= factorize(sort=True) of the kept rows)
    cm["_c"] = cc.codes  # for the cust × month matrices and the per-customer sums below
    info: dict = {}

    basis = p.size_basis
    info["basis_fallback"] = False
    if basis == "td_avg" and not cm["td_avg"].notna().any() and cm["dep_avg"].notna().any():
        basis, info["basis_fallback"] = "dep_avg", True
    info["basis"] = basis
    present = set(cm["month"].unique())
    # the months whose size basis holds a value: a month without any (the column is not in the file, or blank
    # all month) is not held — F1 and 达标月数 over no such month are unknown (blank, 不可算), never 0
    has_basis = cm[basis].notna().to_numpy()
    sized = set(cm["month"][has_basis].unique())
    info["basis_missing"] = not has_basis.any()

    f = pd.DataFrame(index=ids)
    w1 = _months_back(as_of, p.f1_months)
    w1p = [m for m in w1 if m in sized]
    info["months_f1"] = len(w1p)
    info["f1_computable"] = bool(w1p)
    if w1p:
        f["size"] = _wide(cm, basis, pd.DatetimeIndex(w1p), ids).fillna(0.0).mean(axis=1)
    else:
        f["size"] = np.nan
    f["f1"] = (f["size"] >= p.f1_threshold).fillna(False).astype(bool)
    f["f1_ok"] = info["f1_computable"]

    w2 = _months_back(as_of, p.f2_window)
    w2p = [m for m in w2 if m in sized]
    info["months_f2"] = len(w2p)
    if w2p:
        f["months_ok"] = (_wide(cm, basis, pd.DatetimeIndex(w2p), ids).fillna(0.0) >= p.f1_threshold
                          ).sum(axis=1).astype("int64")
    else:  # no month with a size: the count is unknown
        f["months_ok"] = pd.Series(pd.NA, index=ids, dtype="Int64")

    cust = tables.get("customers")
    cinfo = pd.DataFrame(index=ids)
    if cust is not None and len(cust):
        c = by_cust_id(cust)
        cinfo["open_date"] = c["open_date"].reindex(ids)
        cinfo["age"] = customer_ages(c, as_of).reindex(ids)
        for col in ("org_id", "mgr_id"):
            cinfo[col] = c[col].reindex(ids).fillna("")
    else:
        cinfo["open_date"] = pd.Series(pd.NaT, index=ids, dtype="datetime64[ns]")
        cinfo["age"] = np.nan
        cinfo["org_id"] = cinfo["mgr_id"] = ""
    od = cinfo["open_date"]
    f["rel_years"] = ((as_of - od).dt.days / 365.25).round(1)
    rel_ok = od.notna()
    rel_met = (od <= as_of - pd.DateOffset(years=p.f2_years)) & rel_ok

    renew = pd.Series(np.nan, index=ids)
    td = tables.get("time_deposits")
    info["td_notes"] = []
    if p.f2_renew_share > 0 and td is not None and len(td) and td["auto_renew"].notna().any():
        td, info["td_notes"] = active_deposits(td, currency)
        # a 到期日 column with no value at all (not in the file) does not make every deposit termless
        termed = td["maturity_date"].notna() if td["maturity_date"].notna().any() else True
        bal = td["balance"].where(termed, 0.0).fillna(0.0)
        auto = bal.where(td["auto_renew"].fillna(False).astype(bool), 0.0)
        k = td["cust_id"].fillna("")
        tot = bal.groupby(k).sum()
        share = (auto.groupby(k).sum() / tot.where(tot > 0))
        renew = share.reindex(ids)
    f["renew_share"] = renew
    # 达标月数 unknown (no size basis): stable only by the 自动转存 share, else unknown (NA, Kleene logic)
    stable = (f["months_ok"] >= p.f2_months_min) | (
        (f["renew_share"] >= p.f2_renew_share).fillna(False) if p.f2_renew_share > 0 else False)
    f2 = rel_met & stable
    f["f2_ok"] = rel_ok & f2.notna()
    f["f2"] = f2.fillna(False).astype(bool)
    info["f2_computable"] = bool(f["f2_ok"].any())
    info["has_open_date"] = bool(rel_ok.any())

    # F3
    w3 = _months_back(as_of, p.f3_window)
    x = cm[cm["month"].isin(w3)]
    flow_ok = x["inflow"].notna() | x["outflow"].notna()
    xc = x["_c"].to_numpy(dtype=np.int64)  # grouped on the integer codes (pandas' compensated sum, as before)
    net = (x["inflow"].fillna(0) - x["outflow"].fillna(0)).groupby(xc).sum().reindex(range(len(ids)))
    has_flow = np.bincount(xc, weights=flow_ok.to_numpy(dtype="float64"), minlength=len(ids)) > 0
    f["net_flow"] = pd.Series(net.to_numpy(), index=ids).where(has_flow)
    f["other_funds"] = _other_bank_funds(tables, ids, as_of, p, problems)
    f["age"] = cinfo["age"]
    pot = f["net_flow"].fillna(0.0).clip(lower=0) * p.f3_years + f["other_funds"].fillna(0.0)
    pot = pot.where(~(f["age"] >= p.elder_age), pot * p.elder_factor)
    # with one part unknown (no 交易流水, or no 入账/出账) the sum is a lower bound: it decides F3 only when it
    # already reaches the threshold; below it F3 is not computed (未计算因素), never "not met"
    some = f["net_flow"].notna() | (f["other_funds"] > 0)
    both = f["net_flow"].notna() & f["other_funds"].notna()
    f3_ok = both | (some & (pot >= p.f3_threshold))
    f["potential"] = pot.where(some)
    f["f3_ok"] = f3_ok
    f["f3"] = (f["potential"] >= p.f3_threshold).fillna(False).astype(bool)
    info["f3_computable"] = bool(f3_ok.any())
    info["no_flows"] = tables.get("transactions") is None

    f["grade"] = grade(f["f1"], f["f2"], f["f3"])

    # PDCA figures: latest month's 存款日均 and the mean of the months before
    months = sorted(present)
    info["latest_month"] = months[-1] if months else None
    dep_col = "dep_avg" if cm["dep_avg"].notna().any() else basis
    info["pdca_known"] = bool(cm[dep_col].notna().any())  # neither 存款日均 nor the size basis: 目标/实际 unknown
    if months:
        last = months[-1]
        base_m = _months_back(last - pd.offsets.MonthBegin(1), p.pdca_base_months)
        base_p = [m for m in base_m if m in present]
        if info["pdca_known"]:
            f["latest_dep"] = _wide(cm, dep_col, pd.DatetimeIndex([last]), ids).fillna(0.0).iloc[:, 0]
            f["base_dep"] = (_wide(cm, dep_col, pd.DatetimeIndex(base_p), ids).fillna(0.0).mean(axis=1)
                             if base_p else np.nan)
        else:
            f["latest_dep"] = f["base_dep"] = np.nan
        lastrow = (cm[["_c", "month", "org_id", "mgr_id"]].sort_values("month")  # each customer's latest month
                   .drop_duplicates("_c", keep="last"))
        at = np.full(len(ids), -1, dtype=np.int64)
        at[lastrow["_c"].to_numpy(dtype=np.int64)] = np.arange(len(lastrow))
        for col in ("org_id", "mgr_id"):  # codes -> text on one row per customer
            f[col] = pd.Series(lastrow[col].astype("string").array.take(at, allow_fill=True), index=ids).fillna("")
    else:
        f["latest_dep"] = f["base_dep"] = np.nan
        f["org_id"] = f["mgr_id"] = ""
    f["org_id"] = f["org_id"].where(f["org_id"] != "", cinfo["org_id"]).astype("string")
    f["mgr_id"] = f["mgr_id"].where(f["mgr_id"] != "", cinfo["mgr_id"]).astype("string")
    return f, info


def grade(f1: pd.Series, f2: pd.Series, f3: pd.Series) -> pd.Series:
    """核心A = F1∧F2∧F3; 核心B = F1∧(F2∨F3) otherwise; 稳定潜力客户 = F2∧F3∧¬F1; 潜力客户 = 仅 F3
    (F3∧¬F1∧¬F2, SCENARIOS.md D4); 规模客户 = F1 alone; else 一般. In: three bool Series (NA = not met),
    same index. Out: ``string`` Series of :data:`GRADES`."""
    f1, f2, f3 = (s.fillna(False).astype(bool) for s in (f1, f2, f3))
    g = np.select([f1 & f2 & f3, f1 & (f2 | f3), ~f1 & f2 & f3, ~f1 & ~f2 & f3, f1], list(LISTED), GRADES[-1])
    return pd.Series(g, index=f1.index, dtype="string")


#: the three factors as the report names them
FACTORS = ("F1 规模", "F2 稳定", "F3 潜力")


def _label(column: str) -> str:
    """中文表头 of a 客户月度存款 column (tables spec), e.g. 定期日均 for ``td_avg``."""
    return next(c.zh for c in get_table("customer_monthly").columns if c.id == column)


def _basis_columns(p: CoreParams) -> tuple[str, ...]:
    """The size basis columns F1 could have used: ``size_basis``, and 存款日均 when the basis is 定期日均
    (the fallback of :func:`factors`)."""
    return ("td_avg", "dep_avg") if p.size_basis == "td_avg" else (p.size_basis,)


def factor_reasons(info: dict, p: CoreParams) -> dict[str, str]:
    """Why a factor cannot be computed for any customer, by factor name (:data:`FACTORS`; empty when all three
    can): F1 without a value of the size basis (the columns named, 中文 headers) or without a month of it in the
    window, F2 without 开户日期, F3 without 入账/出账 and 交易流水. ``info``: of :func:`factors`."""
    why = {}
    if not info["f1_computable"]:
        why["F1 规模"] = ("客户月度存款没有" + "、".join(f"「{_label(c)}」" for c in _basis_columns(p)) + "的值"
                        if info["basis_missing"] else f"近 {p.f1_months} 月窗口内没有规模数据")
    if not info["f2_computable"]:
        why["F2 稳定"] = "无开户日期" if not info["has_open_date"] else "无规模数据, 达标月数未知"
    if not info["f3_computable"]:
        why["F3 潜力"] = "无入账/出账或流水"
    return why


def grades_known(info: dict) -> dict[str, bool]:
    """Per grade (:data:`GRADES`), whether its count can be known: False when the grade needs a factor met that
    no customer can compute (``info`` of :func:`factors`) — 核心A: F1, F2 and F3; 核心B: F1 and F2 or F3;
    稳定潜力客户: F2 and F3; 潜力客户: F3; 规模客户: F1; 一般 (the rest) always. Such counts are shown blank."""
    f1, f2, f3 = info["f1_computable"], info["f2_computable"], info["f3_computable"]
    return {"核心A": f1 and f2 and f3, "核心B": f1 and (f2 or f3), "稳定潜力客户": f2 and f3, "潜力客户": f3,
            "规模客户": f1, "一般": True}


def _used(why: dict[str, str]) -> str:
    return "、".join(k for k in FACTORS if k not in why) or "无可算要素"


def partial_line(why: dict[str, str], unknown: list[str]) -> str:
    """分级概览's line when some factor cannot be computed (``why``: :func:`factor_reasons`, ``unknown``: the
    grades whose count is blank)."""
    return (f"仅部分要素可算: 分级只用 {_used(why)}; 不可算的要素({'、'.join(why)})按未满足处理"
            + (f"; 等级「{'/'.join(unknown)}」需要不可算的要素, 客户数与规模为空白(未计算, 不是 0)" if unknown else "")
            + "。")


def partial_note(why: dict[str, str], unknown: list[str]) -> str:
    """说明's note when some factor cannot be computed: which factors were used, which not and why."""
    used = [k.split()[0] for k in FACTORS if k not in why]
    head = f"本数据仅 {'、'.join(used)} 可计算" if used else "本数据 F1、F2、F3 都不可计算"
    return (head + "(" + "; ".join(f"{k} 不可算: {v}" for k, v in why.items()) + f"): 分级只用 {_used(why)}"
            + (", 只反映规模, 不能区分核心A/核心B" if used == ["F1"] else "")
            + (f"; 「{'/'.join(unknown)}」的客户数与规模无法得出, 概览与分级汇总中为空白(不是 0)" if unknown else "") + "。")


def _counts(s: pd.Series) -> np.ndarray:
    """A count column as shown: int64, or Int64 with blanks where unknown (positional array)."""
    return s.astype("int64" if s.notna().all() else "Int64").to_numpy()


def _conditions(f1: pd.Series, f2: pd.Series, f3: pd.Series) -> dict[str, pd.Series]:
    """The conditions of the four 核心客户名单 rules by rule id: ``f1_core`` F1 with F2 or F3 (核心), ``f1`` F1
    alone, ``f2`` F2 with F1 or F3, ``f3`` F3. In: ``f1`` bool (or boolean with NA where F1 cannot be computed:
    no size basis), ``f2``/``f3`` boolean Series with NA where the factor cannot be computed (that rule is then
    not scored and named in 未计算因素; for the F1 split and F2's companion an unknown F2/F3 counts as not met, as
    in :func:`grade`). Out: bool/boolean Series, same index."""
    f2m, f3m = f2.fillna(False).astype(bool), f3.fillna(False).astype(bool)
    return {"f1_core": f1 & (f2m | f3m), "f1": f1 & ~(f2m | f3m), "f2": f2 & (f1 | f3m), "f3": f3}


def _other_bank_funds(tables, ids: pd.Index, as_of: pd.Timestamp, p: CoreParams,
                      problems: ProblemLog | None = None) -> pd.Series:
    """Σ outgoing self-transfers to other banks per customer in the ``f3_window`` months up to ``as_of``, by the
    shared flow rules' exclusions with D4's own params (:func:`bankxl.rules.transactions.classify_exclusions`,
    :func:`~bankxl.rules.transactions.self_transfers_out`); float
    Series on ``ids``, 0 for a customer without such flows, NaN for everybody when there is no 交易流水
    (unknown, not 0). Row problems of the flow rules go to ``problems``."""
    txn = tables.get("transactions")
    if txn is None:
        return pd.Series(np.nan, index=ids)
    if len(txn) == 0:
        return pd.Series(0.0, index=ids)
    cust = tables.get("customers")
    names = by_cust_id(cust)["cust_name"] if cust is not None else None
    det = classify_exclusions(txn, p, as_of, names, problems, months=p.f3_window)
    return self_transfers_out(det, p).reindex(ids).fillna(0.0)


# ---------------------------------------------------------------------------------------------- lists
def _yes(s: pd.Series, ok: pd.Series | bool = True) -> np.ndarray:
    """F1/F2/F3 as shown: ✓ met, "" not met, 不可算 where the factor cannot be computed (positional array)."""
    return flag_text(s, ok, "✓", "", "不可算").to_numpy()


def _core_list(f: pd.DataFrame, customers: pd.DataFrame | None, p: CoreParams, ctx: RunContext, basis_zh: str,
               size_col: str) -> ScoredList:
    """核心客户名单 (:func:`bankxl.lists.score_list`) of the customers whose grade is listed (:data:`LISTED`).

    ``f``: the factor table of :func:`factors`. Rules: F1 规模 (``f1_core_points`` with F2/F3, else
    ``f1_points``), F2 稳定 (``f2_points``, with F1 or F3), F3 潜力 (``f3_points``); ``check()`` guarantees
    that the levels equal the grades. Rank: 得分, then 规模, then 5年潜力值 (descending), then 客户号.
    """
    x = f[f["grade"].isin(LISTED)]
    ids = pd.Index(x.index, dtype="string")
    f1 = x["f1"].astype(bool) if x["f1_ok"].all() else x["f1"].astype("boolean").mask(~x["f1_ok"].astype(bool))
    f2 = x["f2"].astype("boolean").mask(~x["f2_ok"].astype(bool))
    f3 = x["f3"].astype("boolean").mask(~x["f3_ok"].astype(bool))
    cond = _conditions(f1, f2, f3)
    share = format_values(x["renew_share"].astype("float64"), ".0%")
    frame = pd.DataFrame({
        "cust_id": ids, **{f"c_{k}": v.to_numpy() for k, v in cond.items()},
        "size": x["size"].astype("float64").round(2).to_numpy(), "months_ok": _counts(x["months_ok"]),
        "months_txt": (", 达标 " + x["months_ok"].astype("string") + " 个月").fillna("").to_numpy(),
        "rel_years": x["rel_years"].astype("float64").to_numpy(),
        "rel_txt": x["rel_years"].astype("string").str.replace(r"\.0$", "", regex=True).to_numpy(),  # 1 decimal
        "renew_txt": (", 自动转存占比 " + share).fillna("").to_numpy(),
        "potential": x["potential"].astype("float64").round(2).to_numpy(),
        "size_raw": x["size"].astype("float64").to_numpy(), "potential_raw": x["potential"].astype("float64").to_numpy(),
        "f1_txt": _yes(x["f1"], x["f1_ok"]), "f2_txt": _yes(x["f2"], x["f2_ok"]), "f3_txt": _yes(x["f3"], x["f3_ok"]),
        "org_id": x["org_id"].to_numpy(), "mgr_id": x["mgr_id"].to_numpy()}, index=ids)
    who = by_cust_id(customers)
    for col in (c for c in IDENTITY_FIELDS if c in who.columns):
        frame[col] = who[col].reindex(ids).to_numpy()
    u, pts = ctx.base_unit, p.points()
    f1_text = f"近{p.f1_months}月{basis_zh} {{size_raw:,.0f}} {u} ≥ {p.f1_threshold:,.0f}"  # unrounded: one rounding
    rules = (
        Rule("f1_core", f1_text, points=pts["f1_core"], when="c_f1_core", name="F1 规模"),
        Rule("f1", f1_text, points=pts["f1"], when="c_f1", name="F1 规模"),
        Rule("f2", "关系 {rel_txt} 年{months_txt}{renew_txt}", points=pts["f2"], when="c_f2", name="F2 稳定"),
        Rule("f3", f"5 年潜力值 {{potential_raw:,.0f}} {u}", points=pts["f3"], when="c_f3", name="F3 潜力"),
    )
    show = {"size": size_col, "months_ok": "达标月数", "rel_years": "关系年限(年)",
            "potential": ctx.base_label("5年潜力值"), "f1_txt": "F1规模", "f2_txt": "F2稳定", "f3_txt": "F3潜力"}
    return score_list(frame.reset_index(drop=True), rules, p.levels, p.strategy, ctx, sort_by=("size", "potential"), amount="size",
                      show=show)


def _hide_unknown(df: pd.DataFrame, columns, also=()) -> tuple[pd.DataFrame, list[str]]:
    """Drop those of ``columns`` that no row knows (every value blank or 不可算), and the columns ``also``;
    an empty ``df`` keeps its header. Returns (the frame, the dropped headers in order) — say them in a note."""
    if not len(df):
        return df, []
    gone = [c for c in columns if c in df.columns and (df[c].isna() | df[c].astype("string").eq("不可算")).all()]
    gone += [c for c in also if c in df.columns and c not in gone]
    return df.drop(columns=gone), gone


def _previous(tables, p: CoreParams, as_of: pd.Timestamp, currency: str, coded: Coded) -> pd.DataFrame | None:
    """The factor table (:func:`factors`) graded as of the end of the month before ``as_of``'s month, or None
    when ``customer_monthly`` holds no row of that month (no 上月 to compare with). ``coded``: the table's
    :func:`monthly_codes`."""
    start = as_of.to_period("M").to_timestamp() - pd.offsets.MonthBegin(1)
    if not coded.frame["month"].eq(start).any():
        return None
    prev, _ = factors(tables, p, start + pd.offsets.MonthEnd(0), currency, coded=coded)
    return prev


def _headline(f: pd.DataFrame, prev: pd.DataFrame | None, ctx: RunContext, basis_zh: str,
              why: dict[str, str] | None = None, known: dict[str, bool] | None = None) -> Headline:
    """概览 (issue 10 item 1): 核心客户 (核心A+核心B) 户数 and 规模, 其中核心A, 潜力客户 (稳定潜力+潜力) and the
    core share of all customers, each against 上月末 (the same rules with the previous month end as data date:
    :func:`_previous`; blank when the data hold no previous month); chart: customers per grade; top 10 of
    核心客户名单. Units: 户, the display money unit (``ctx.unit``), %. ``why`` (:func:`factor_reasons`) and
    ``known`` (:func:`grades_known`): a figure made of a factor no customer can compute is blank (None, both
    periods) and its note names the factor and why — 核心客户/规模/占比 need F1 and F2 or F3, 核心A all three,
    潜力客户 F3; with F2 or F3 not computable and F1 computable, a sixth figure counts the customers meeting F1."""
    why, known = why or {}, known or {}
    ok = [known.get("核心B", True), known.get("核心A", True), known.get("潜力客户", True)]
    ok += [ok[0], ok[0]]

    def figures(x: pd.DataFrame | None) -> list:
        if x is None:
            return [None] * 5
        core = x["grade"].isin(["核心A", "核心B"])
        vals = [int(core.sum()), int(x["grade"].eq("核心A").sum()),
                int(x["grade"].isin(["稳定潜力客户", "潜力客户"]).sum()),
                float(ctx.money(x.loc[core, "size"].astype("float64").sum())),
                float(core.mean()) if len(x) else None]
        return [v if k else None for v, k in zip(vals, ok)]
    now, before = figures(f), figures(prev)
    no_prev = None if prev is not None else "数据中没有上月的月度存款, 无上月对比"
    needs = [FACTORS, FACTORS, ("F3 潜力",), FACTORS, FACTORS]  # the factors each figure is made of
    notes = [no_prev if k else "; ".join(f"{x}不可算({why[x]})" for x in need if x in why)
             + (f"; {no_prev}" if no_prev else "") for k, need in zip(ok, needs)]
    spec = [("核心客户(核心A+核心B)", "户", "int"), ("其中 核心A", "户", "int"), ("潜力客户(稳定潜力+潜力)", "户", "int"),
            (f"核心客户规模({basis_zh})", ctx.unit, "money"), ("核心客户占全部客户", "%", "pct1")]
    figs = [Figure(label, v, unit, fmt, "上月末", b, note)
            for (label, unit, fmt), v, b, note in zip(spec, now, before, notes)]
    if why and "F1 规模" not in why:  # part of the grading unknown: the size factor alone still says something
        figs.append(Figure("规模达标客户(满足 F1)", int(f["f1"].sum()), "户", "int", "上月末",
                           None if prev is None else int(prev["f1"].sum()), no_prev))
    lines = ["核心客户 = 核心A(规模+稳定+潜力) + 核心B(规模 + 稳定或潜力); 上月末 = 以上月末为数据日期按同一规则重算"
             "(定期自动转存占比用本期定期明细)。"]
    if why:
        lines.append(f"分级只用 {_used(why)}({'、'.join(why)}不可算, 原因见各指标的说明): 依赖它们的指标为空白(未计算, 不是 0)。")
    chart = Chart(table="d4_grades", categories="等级", series=["客户数"], kind="column", title="各等级客户数",
                  y_title="客户数", height=260)
    return Headline(figs, chart=chart, actions="d4_core", lines=lines)


def run(tables: Mapping[str, pd.DataFrame], params: CoreParams, ctx: RunContext) -> Report:
    """Run D4 (see the module docstring). Sheets: 分级概览 · 核心客户名单 · 10户PDCA · 要素明细 · 客户标签."""
    p = params
    coded = monthly_codes(tables)  # once: this month's factors and the previous month's (headline)
    f, info = factors(tables, p, ctx.as_of, ctx.currency, ctx.problems, coded=coded)
    customers = tables.get("customers")
    basis_zh = BASIS_ZH[info["basis"]]
    base, disp = ctx.base_label, ctx.money_label
    size_col = base(f"规模: 近{p.f1_months}月{basis_zh}")

    # ---- overview
    n = len(f)
    known = grades_known(info)  # a grade made of a factor no customer can compute: its count is blank, not 0
    unknown = [g for g in GRADES if not known[g]]
    cnt = f["grade"].value_counts().reindex(list(GRADES), fill_value=0)
    amt = f.groupby("grade")["size"].sum().reindex(list(GRADES), fill_value=0.0)
    summary = pd.DataFrame({"等级": list(GRADES), "客户数": cnt.astype("int64").to_numpy(),
                            "占比": (cnt / n).to_numpy() if n else np.zeros(len(GRADES)),
                            disp(f"规模合计({basis_zh})"): ctx.money(amt.astype("float64")).to_numpy(),
                            "规模占比": (amt / amt.sum()).to_numpy() if amt.sum() > 0 else np.zeros(len(GRADES))})
    if unknown or not info["f1_computable"]:
        blank = summary["等级"].isin(unknown).to_numpy()
        summary["客户数"] = summary["客户数"].astype("Int64").mask(blank)
        summary["占比"] = summary["占比"].mask(blank)
        for col in (disp(f"规模合计({basis_zh})"), "规模占比"):  # no size at all: every 规模 is unknown
            summary[col] = summary[col].mask(blank | (not info["f1_computable"]))
    why = factor_reasons(info, p)
    if why:
        computable = [k for k in FACTORS if k not in why]
        lines = [f"数据日期 {ctx.as_of:%Y-%m-%d}; 客户 {n:,} 户; 可计算要素: {'、'.join(computable) or '无'}; "
                 "不可算要素: " + "、".join(f"{k}({v})" for k, v in why.items()) + "。"]
    else:
        lines = [f"数据日期 {ctx.as_of:%Y-%m-%d}; 客户 {n:,} 户; 可计算要素: " + "、".join(FACTORS) + "。"]
    lines.append(f"F1: 近 {p.f1_months} 月{basis_zh} ≥ {p.f1_threshold:,.0f} {ctx.base_unit}(含等号); 数据中该窗口有 "
                 f"{info['months_f1']} 个月" + ("(没有规模数据, F1 不可算)" if not info["f1_computable"] else "") + "。")
    if info["basis_fallback"]:
        lines.append("数据没有定期日均(td_avg): 规模改用存款日均(dep_avg)。")
    if why:
        lines.append(partial_line(why, unknown))
    org_blocks = []
    if (f["org_id"] != "").any():
        pv = pd.crosstab(f["org_id"].replace("", "(无机构)"), f["grade"]).reindex(columns=list(GRADES), fill_value=0)
        pv = pv.reset_index().rename(columns={"org_id": "机构号"})
        pv.columns.name = None
        pv["合计"] = pv[list(GRADES)].sum(axis=1)
        pv["核心占比"] = (pv["核心A"] + pv["核心B"]) / pv["合计"].where(pv["合计"] > 0)
        pv = pv.astype({g: "int64" for g in GRADES} | {"合计": "int64", "机构号": "string"})
        if unknown:  # counts that cannot be known are blank (the 合计 of all customers stays)
            pv = pv.astype({g: "Int64" for g in unknown})
            pv[unknown] = pd.NA
            if not known["核心B"]:
                pv["核心占比"] = np.nan
        org_blocks = [Table(pv, name="d4_by_org", title="各机构分级客户数", text_columns=("机构号",),
                            formats={g: "int" for g in GRADES} | {"合计": "int", "核心占比": "pct1"},
                            conditional=[Conditional(["核心占比"], "data_bar")])]
    overview = [Note(title="D4 存款核心客户定位", lines=lines),
                Table(summary, name="d4_grades", title="分级汇总",
                      formats={"客户数": "int", "占比": "pct1", "规模占比": "pct1"}),
                Chart(table="d4_grades", categories="等级", series=["客户数"], kind="column", title="各等级客户数",
                      y_title="客户数", height=300), *org_blocks]

    # ---- core list (核心A/核心B/稳定潜力客户/潜力客户/规模客户), bankxl.lists
    lst = _core_list(f, customers, p, ctx, basis_zh, size_col)
    list_lines = []
    lst.df, hidden = _hide_unknown(lst.df, [size_col, "关系年限(年)", base("5年潜力值"), "F1规模", "F2稳定", "F3潜力"],
                                   also=["达标月数"] if info["months_f2"] < p.f2_months_min else [])
    if hidden:
        list_lines.append(f"本数据不含的信息不显示: {'、'.join(hidden)}(全部客户都无法计算"
                          + ("" if "达标月数" not in hidden else "; 没有规模数据, 达标月数不可算" if not info["months_f2"]
                             else f"; 数据只有 {info['months_f2']} 个月, 不足 F2 达标月数 {p.f2_months_min}")
                          + "), 见「未计算因素」与说明。")
    if len(lst.df) > 1 and lst.df["建议动作"].nunique() == 1:
        only = lst.df["等级"].iloc[0]
        list_lines.append(f"全部 {len(lst.df):,} 户建议动作相同: 名单中的客户都是「{only}」, 参数「策略表」每个等级一个动作; "
                          "请按排名先后安排(原因列给出每户的规模)。")
    score_line = (f"得分【假设】: F1 规模 {p.f1_core_points:g} 分(与 F2/F3 任一同时满足, 即核心)或 {p.f1_points:g} 分(仅 F1); "
                  f"F2 稳定 {p.f2_points:g} 分(须同时满足 F1 或 F3); F3 潜力 {p.f3_points:g} 分。等级门槛与得分一起保证"
                  "名单等级 = 三要素分级(参数检查)。")
    tags = tag_table(lst.tag_rows("D4", "D4_CORE", "核心客户分级", ctx, p))

    # ---- PDCA
    pdca, pdca_note = _pdca(f, customers, p, ctx)

    # ---- factor detail
    det = pd.DataFrame({"客户号": pd.Series(f.index, dtype="string"),
                        "机构号": f["org_id"].astype("string").replace("", pd.NA).to_numpy(),
                        "客户经理": f["mgr_id"].astype("string").replace("", pd.NA).to_numpy(),
                        size_col: f["size"].astype("float64").round(2).to_numpy(),
                        "达标月数": _counts(f["months_ok"]),
                        "关系年限(年)": f["rel_years"].astype("float64").to_numpy(),
                        "自动转存占比": f["renew_share"].astype("float64").to_numpy(),
                        base(f"近{p.f3_window}月净流入"): f["net_flow"].astype("float64").round(2).to_numpy(),
                        base("他行资金迹象额"): f["other_funds"].astype("float64").round(2).to_numpy(),
                        "年龄": f["age"].astype("float64").to_numpy(),
                        base("5年潜力值"): f["potential"].astype("float64").round(2).to_numpy(),
                        "F1规模": _yes(f["f1"], f["f1_ok"]), "F2稳定": _yes(f["f2"], f["f2_ok"]),
                        "F3潜力": _yes(f["f3"], f["f3_ok"]), "等级": f["grade"].astype("string").to_numpy()})
    det["年龄"] = det["年龄"].round(0).astype("Int64")
    det, det_hidden = _hide_unknown(det, ["机构号", "客户经理", "关系年限(年)", "自动转存占比", base(f"近{p.f3_window}月净流入"),
                                          base("他行资金迹象额"), "年龄", base("5年潜力值"), "F2稳定", "F3潜力"])

    money_fmt = {size_col: "money0", base("5年潜力值"): "money0"}
    sheets = [
        Sheet("分级概览", overview),
        Sheet("核心客户名单", lst.blocks("d4_core", "核心A / 核心B / 稳定潜力客户 / 潜力客户 / 规模客户(仅 F1)",
                                       lines=[score_line, *list_lines],
                                       formats={"达标月数": "int", "关系年限(年)": "0.0", **money_fmt},
                                       conditional=[Conditional([size_col], "data_bar")],
                                       widths={"原因": 56, "建议动作": 52}), print_role="detail"),
        Sheet("10户PDCA", [Note(lines=pdca_note),
                           Table(pdca, name="d4_pdca", title=f"10 户服务计划(每位客户经理 ≤{p.pdca_per_mgr} 户)",
                                 text_columns=("客户经理", "客户号"),
                                 formats={"序号": "int", base("目标日均"): "money0", base("实际日均"): "money0",
                                          "完成率": "pct1", "接触次数": "int", base("下月目标日均"): "money0"},
                                 conditional=[Conditional(["完成率"], "cell", criteria="<", value=0.8, style="bad"),
                                              Conditional(["完成率"], "cell", criteria=">=", value=1.0, style="good")],
                                 widths={"下月动作": 56}, role="detail")], print_role="detail"),
        Sheet("要素明细", [*([Note(lines=[f"本数据不含的信息不显示: {'、'.join(det_hidden)}(全部客户都没有该值)。"])]
                            if det_hidden else []),
                           Table(det, name="d4_factors", title="三要素明细(全部客户)", role="detail",
                                 text_columns=("客户号", "机构号", "客户经理"),
                                 formats={"达标月数": "int", "关系年限(年)": "0.0", "自动转存占比": "pct1",
                                          "年龄": "int", base(f"近{p.f3_window}月净流入"): "money0",
                                          base("他行资金迹象额"): "money0", **money_fmt})], print_role="detail"),
        tag_sheet(tags),
    ]
    report = Report(title="存款核心客户定位", sheets=sheets,
                    headline=_headline(f, _previous(tables, p, ctx.as_of, ctx.currency, coded), ctx, basis_zh,
                                       why, known))
    report.method = [
        "SCENARIOS.md D4 核心存款客户: 三要素分级; 阈值含等号; 默认值见参数表。",
        f"F1 规模: 近 {p.f1_months} 个月{basis_zh}的月日均平均 ≥ {p.f1_threshold:,.0f}(课程示例: 定期日均 ≥20 万元)。",
        f"F2 稳定【假设】: 关系 ≥{p.f2_years} 年, 且近 {p.f2_window} 月 ≥{p.f2_months_min} 个月达到 F1 门槛, 或定期余额自动转存占比 "
        f"≥{p.f2_renew_share:.0%}(到期续存率的代理)。",
        f"F3 潜力【假设】: 5 年潜力值 = 近 {p.f3_window} 月净流入(入账 − 出账, 取正) × {p.f3_years:g} + 他行资金迹象额"
        f"(转入本人他行账户, 按共用流水规则: 本行行名、本人互转关键词等见参数表); 年龄 ≥{p.elder_age} 岁 × {p.elder_factor:g}; ≥ {p.f3_threshold:,.0f}。",
        "分级: 三项全满足 = 核心A; F1 + 任一 = 核心B; 仅 F3 = 潜力客户(按 SCENARIOS 字面: 不满足 F1、F2)。",
        "稳定潜力客户 = F2 + F3 但无 F1(SCENARIOS 未分级【假设】): 稳定且有潜力、只差规模, 单列并排在潜力客户之前; "
        "仅 F1 = 规模客户(名单参考); 其余(含仅 F2) = 一般。",
        f"10 户 PDCA: Plan 目标日均 = 基期 {p.pdca_base_months} 个月存款日均均值 × (1 + {p.pdca_growth:.0%}); "
        "Check 实际日均 = 最近月存款日均, 完成率 = 实际/目标; Act 下月动作按完成率。",
        score_line,
        "分层参考: 5 万/20 万/200 万分层维护【S28】; 私行门槛多为 600 万月日均【S27】。",
    ]
    notes = [f"金额币种: {ctx.currency}(未折算); 门槛按数据币种设置。", f"核心客户名单{lst.tie_break}"]
    if ctx.currency != "CNY" and p.f1_threshold == CoreParams().f1_threshold:
        notes.append(f"F1 门槛仍为人民币默认值 {p.f1_threshold:,.0f}, 却按 {ctx.currency} 计: 请按数据币种设置"
                     "「F1 规模门槛」(UCI 建议值见 bankxl.scenarios.deposit.core_customers.DATASET_PARAMS)。")
    ds = tables["customer_monthly"].attrs.get("dataset")
    if ds == "UCI":
        notes.append("UCI: 规模 = 客户年平均余额(balance, EUR), 放在数据日期所在月; 无开户日期与流水, 仅 F1 可算; "
                     "营销结果 y 与通话时长 duration 未作为任何输入。")
    if why:
        notes.append(partial_note(why, unknown))
    if info["basis_missing"]:
        cols = _basis_columns(p)
        label = "、".join(_label(c) for c in cols)
        ctx.problem("customer_monthly", [None], "、".join(f"{_label(c)}({c})" for c in cols), "COLUMN_MISSING", [None],
                    f"客户月度存款没有规模口径列 {label} 的任何值(列不在文件中或整列为空): F1 规模不可算, 规模、达标月数为空白,"
                    " 核心客户与规模客户无法判定。\nThe size basis column(s) " + ", ".join(cols) + " of customer_monthly hold "
                    "no value: F1 (size) cannot be computed; size and months at threshold are blank.",
                    "报告照常生成; 依赖规模的要素与等级为空白(不可算), 不按 0; 请导出含「定期日均」或「存款月日均」的客户月度存款")
    if info["no_flows"] and f["net_flow"].notna().any():  # without 入账/出账 too, F3 is not computable (said above)
        notes.append("未提供交易流水: 他行资金迹象额未计算(空白, 不按 0); 5 年潜力值只含净流入部分(下限), 已达 F3 门槛时"
                     "判定满足, 未达时 F3 列为未计算因素(不判为不满足)。")
    notes += [f"F2 自动转存占比(定期存款明细): {n}" for n in info["td_notes"]]
    report.notes = notes
    return report


def _pdca(f: pd.DataFrame, customers, p: CoreParams, ctx: RunContext) -> tuple[pd.DataFrame, list[str]]:
    base = ctx.base_label
    order = {g: i for i, g in enumerate(GRADES)}
    x = f[(f["mgr_id"] != "") & f["grade"].isin(LISTED)].copy()
    x["_o"] = x["grade"].map(order)
    x = x.sort_values(["mgr_id", "_o", "size"], ascending=[True, True, False], kind="stable")
    x = x.groupby("mgr_id", sort=True).head(p.pdca_per_mgr)
    ids = pd.Series(x.index, dtype="string")
    people = customer_columns(ids, customers, ctx).drop(columns=["客户号"])
    xv = x.reset_index(drop=True)
    target = xv["base_dep"].astype("float64") * (1 + p.pdca_growth)
    actual = xv["latest_dep"].astype("float64")
    # a target under the minimum (a tiny base) makes 完成率 explode (1,982 -> 369,958 = 18,663.8%): not computed
    low = (target > 0) & (target < p.pdca_min_target)
    rate = actual / target.where((target > 0) & ~low)
    act = np.select([low, rate.isna(), rate >= 1.0, rate >= 0.8],
                    [f"重定目标: 基期日均很少(目标 < {p.pdca_min_target:,.0f}), 完成率不计; 以实际日均为基线制定维护计划",
                     "建立基线: 首次接触建档(CRM 6 条线), 了解资金安排与到期",
                     "巩固: 每月 ≥1 次接触, 到期前 30 天预约续存, 推荐大额存单/理财",
                     "加强: 本月 2 次接触, 了解资金去向, 推荐大额存单/定期"],
                    "调整: 面谈了解原因(到期未续/资金转出), 制定挽留方案, 必要时行长陪访")
    out = pd.DataFrame({"客户经理": xv["mgr_id"].astype("string"),
                        "序号": (xv.groupby("mgr_id").cumcount() + 1).astype("int64"),
                        "客户号": ids})
    out = pd.concat([out, people], axis=1)
    out["等级"] = xv["grade"].astype("string")
    out[base("目标日均")] = target.round(2)
    out[base("实际日均")] = actual.round(2)
    out["完成率"] = rate.astype("float64")
    out["接触次数"] = pd.Series(pd.NA, index=out.index, dtype="Int64")
    out["下月动作"] = pd.Series(act, dtype="string")
    out[base("下月目标日均")] = (np.fmax(actual, target) * (1 + p.pdca_growth)).round(2)
    n_mgr = out["客户经理"].nunique()
    note = [f"{n_mgr} 位客户经理, 共 {len(out)} 户; 每位认领 ≤{p.pdca_per_mgr} 户(核心A → 核心B → 稳定潜力 → 潜力 → 规模, 同级按规模)。",
            "Plan: 目标日均; Do: 接触次数由客户经理按接触日志填写(数据中无接触记录); Check: 完成率 = 实际日均/目标日均; "
            "Act: 下月动作与下月目标。"]
    if low.any():
        note.append(f"目标日均低于「PDCA 最低目标日均」{p.pdca_min_target:,.0f} {ctx.base_unit} 的 {int(low.sum())} 户完成率不计"
                    "(空白, 不是 0): 基期存款很少时实际/目标可达数十倍, 比率没有意义; 下月动作为重定目标。")
    if len(f) and not (f["mgr_id"] != "").any():
        note.insert(0, "数据没有客户经理(mgr_id): 无法生成 10 户服务计划。")
    if len(out) and f["latest_dep"].isna().all():
        note.append("数据没有存款月日均(也没有规模口径列的值): 目标日均、实际日均、完成率与下月目标日均为空白(未计算, 不是 0); "
                    "请客户经理按实际余额制定目标。")
    return out, note


SPEC = Scenario(
    id="deposit.core_customers", code="D4", title="存款核心客户定位", group="存款营销",
    inputs=("customer_monthly",), optional_inputs=("customers", "time_deposits", "transactions"),
    params=CoreParams, run=run,
    summary="按规模/稳定/潜力三要素把客户分为核心A、核心B、潜力客户, 输出核心名单与每位经理 10 户 PDCA 服务计划",
    as_of_from=("customer_monthly", "month"), dataset_params=DATASET_PARAMS,
)
