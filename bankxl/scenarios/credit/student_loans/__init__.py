"""C7 助学贷款客户 (SCENARIOS.md "C7"; C3 网贷 classification; §0.6 identity; §6 lists and tags).

Inputs: ``student_loans`` 助学贷款 (required: 借据号; 学生证件号/客户号, 学历, 学制, 入学/毕业年份, 宽限期到期日, 放款日,
到期日, 贷款金额/余额 元, 还款状态, 逾期天数, 结清日, 共同借款人证件号/姓名/手机/关系 optional); optional ``customers`` 客户
(identity, ages, 机构号/客户经理), ``loans`` 贷款 (other loan products of the same person), ``transactions`` 交易流水
(网贷 customers, C3 rule), ``customer_monthly`` 客户月度存款 (co-borrowers' 存款月日均).

Method (parameters in brackets; policy numbers 【自有知识, 需核对最新文件】, the rest 【假设】):

* Policy parameters: yearly caps by degree with the year they apply from (``caps``: 2014 起 本专科 8,000/研究生
  12,000, 2021 起 12,000/16,000, 2023 起 16,000/20,000 元/年), term = remaining study years + ``term_extra_years`` (15,
  2020 起), at most ``max_term_years`` (22, 2020 起), grace ``grace_years`` (5, 2020 起). A 借据 above its cap or whose
  到期日 lies beyond the policy term is a row problem POLICY_LIMIT (kept) and listed on 政策核对.
* State per 借据 at the data date (:func:`compute.loan_states`): graduation = 毕业年份 (else 入学年份 + 学制) on
  ``grad_month_day`` (06-30); grace end = the stated 宽限期到期日, else graduation + ``grace_years``; 结清 (status / 余额 0 /
  结清日) > 逾期 (status / 逾期天数 > 0) > 在读 (≤ graduation) / 宽限期 (≤ grace end) / 还款期; 未知 when the dates are
  missing — never guessed. A student (one person by the identity rule: 证件号, else 客户号, else 姓名+手机) takes the
  most advanced state of his loans (逾期 > 还款期 > 宽限期 > 在读 > 未知 > 结清).
* Cohort (``cohort_by``: 入学年份 or 毕业年份) × state: students and balances; 逾期率 = 逾期 ÷ students who have left
  school (宽限期 + 还款期 + 逾期); cohorts under ``min_cohort`` students are not coloured.
* Other loan products of the same person (``loans``, running, product not matching ``student_product``), by
  product; students without a 客户号 are not evaluated (unknown, not 无).
* Ages (5-year bands, ``age_step``) of the students vs the 网贷 customers of C3 (a 网贷 repayment in the last
  ``online_months`` months by the shared classifier :func:`bankxl.rules.transactions.classify_transactions` with this
  scenario's parameters); without 交易流水 the 网贷 side is 未计算.
* 宽限期到期提醒 (§6 list): students in 宽限期 whose grace ends within ``remind_months`` months (today and the
  last day included); 得分 =
  ``remind_points`` + ``urgent_points`` when it ends within ``urgent_days`` days; 截止日 from ``strategy``, never after
  the last working day before the grace end.
* 共同借款人存款线索 (§6 list): co-borrowers matched to the bank's customers (identity rule); a co-borrower of an
  overdue student is left out (collection first). 得分 = ``low_deposit_points`` (存款月日均 < ``deposit_threshold``;
  unknown without 客户月度存款) + ``graduated_points`` (a child in 宽限期/还款期) + ``school_points`` (a child 在读). Co-borrowers
  outside the bank are 新客线索 (masked).

Outputs: 概览 (headline) · 届别状态 · 交叉持有与年龄 · 宽限期提醒 · 共同借款人线索 · 政策核对 · 学生明细 · 客户标签
(C7_STUDENT, C7_GRACE_REMIND, C7_COBORROWER_LEAD). Errors: ParameterError before any input is read;
DataValidationError for a missing required table/column (runner). Row problems: POLICY_LIMIT, DUP_KEY.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .... import idcard
from ....errors import ParameterError
from ....frames import customer_ages, mask_label, masked
from ....lists import Rule, check_levels, levels_param, score_list, strategy_param
from ....report import Chart, Conditional, Figure, Headline, Note, Report, Sheet, Table
from ....rules.deposits import latest_deposit
from ....rules.holdings import running_loans
from ....rules.identity import EXTERNAL_ONLY, IN_BOTH, BankIdentity, Persons, bank_identity, by_cust_id, match_list
from ....rules.transactions import KIND_ONLINE_REPAY, TransactionRuleParams, check_regex, classify_transactions
from ....scenario import RunContext, Scenario, param
from ....tags import tag_rows, tag_sheet, tag_table
from .compute import OUT_OF_SCHOOL, age_bands, cohort_tables, loan_states, over_cap, person_frame

REMIND_FIELDS = ("grace_txt", "days_left", "school", "balance")
LEAD_FIELDS = ("dep", "child_state", "n_children", "school")


@dataclass(frozen=True)
class StudentLoanParams(TransactionRuleParams):
    """Parameters of C7 (policy numbers 【自有知识】, the rest 【假设】); the 网贷 classifier's are inherited."""

    caps: tuple = param(((2014, 8_000.0, 12_000.0), (2021, 12_000.0, 16_000.0), (2023, 16_000.0, 20_000.0)),
                        "年度额度上限", "元/年",
                        "(起始年份, 本专科, 研究生): 按放款日所在年份取适用的上限。2014 年起 8,000/12,000; 2021 年起 "
                        "12,000/16,000(2021 年秋季学期调整); 2023 年起 16,000/20,000(2023 年秋季学期调整)【自有知识, "
                        "需核对最新文件】")
    term_extra_years: int = param(15, "期限: 学制剩余年限加", "年",
                                  "贷款期限 = 学制剩余年限 + 该年数(2020 年起 15 年, 此前 13 年)【自有知识, 需核对最新文件】",
                                  min=0, max=30)
    max_term_years: int = param(22, "最长期限", "年", "贷款期限最长年数(2020 年起 22 年, 此前 20 年)【自有知识, 需核对最新文件】",
                                min=1, max=40)
    grace_years: int = param(5, "还本宽限期", "年", "毕业后只还利息不还本金的年数(2020 年起 5 年, 此前 3 年)【自有知识, 需核对最新文件】;"
                             " 台账有宽限期到期日的以台账为准", min=0, max=10)
    grad_month_day: str = param("06-30", "毕业日(月-日)", None, "毕业年份的这一天视为毕业日(当天仍为在读)【假设】",
                                pattern=r"^\d{2}-\d{2}$")
    degree_pg: str = param("研究生|硕士|博士", "研究生学历(正则)", None, "学历匹配即按研究生额度核对, 其余非空学历按本专科")
    cohort_by: str = param("enroll", "届别口径", None, "按入学年份或毕业年份(届别)分组",
                           choices={"enroll": "入学年份", "grad": "毕业年份"})
    min_cohort: int = param(20, "着色最少人数", "人", "届别人数不少于该值才给逾期率着色(人数太少时比率不稳定)", min=1, max=100_000)
    student_product: str = param("助学", "助学贷款品种(正则)", None, "贷款表中品种匹配的是助学贷款本身, 不算其他贷款产品")
    online_months: int = param(6, "网贷识别月数", "月", "近 N 个月有网贷还款即为网贷客户(C3)", min=1, max=24)
    age_step: int = param(5, "年龄分段", "岁", "年龄分布的分段宽度(从 18 岁起)", min=1, max=20)
    remind_months: int = param(3, "宽限期到期提醒月数", "月", "宽限期在数据日期后该月数内(含当天)结束的学生列入提醒名单",
                               min=1, max=24)
    urgent_days: int = param(30, "紧急提醒天数", "天", "宽限期在该天数内结束的加分并优先联系", min=0, max=366)
    remind_points: float = param(50.0, "提醒基础得分", "分", "列入提醒名单的学生得分", max=1000)
    urgent_points: float = param(30.0, "紧急提醒得分", "分", "宽限期在「紧急提醒天数」内结束的加分", max=1000)
    levels: tuple = levels_param((("A", 80), ("B", 0)), help="宽限期提醒名单: 默认 A ≥ 80 即 30 天内结束")
    strategy: tuple = strategy_param(
        (("A", "电话提醒学生及共同借款人: 宽限期 {grace_txt} 结束, 之后按月还本; 核对还款账户余额", 3),
         ("B", "短信/手机银行提醒: 宽限期 {grace_txt} 结束后开始还本; 推荐本行代发与手机银行自动还款", 10)),
        help="宽限期提醒名单每个等级的动作与截止日; 可用 {grace_txt} 宽限期到期日、{days_left} 剩余天数、{school} 学校、{balance} 余额")
    deposit_threshold: float = param(50_000.0, "存款提升门槛", "元", "共同借款人存款月日均低于该值为存款提升对象", max=1e9)
    low_deposit_points: float = param(40.0, "存款偏低得分", "分", "共同借款人存款月日均低于门槛的得分", max=1000)
    graduated_points: float = param(30.0, "子女已毕业得分", "分", "子女处于宽限期或还款期(需按期还款)的得分", max=1000)
    school_points: float = param(10.0, "子女在读得分", "分", "子女在读的得分", max=1000)
    lead_levels: tuple = param((("A", 60), ("B", 30), ("C", 0)), "线索名单等级", "分",
                               "共同借款人存款线索: 各等级及其最低得分, 从高到低")
    lead_strategy: tuple = param(
        (("A", "客户经理联系: 为子女助学贷款约定本行还款账户, 推荐定期/大额存单(存款日均 {dep:,.0f} 元)", 10),
         ("B", "电话联系: 推荐零存整取, 约定子女还款(子女{child_state})", 20),
         ("C", "短信: 介绍本行存款产品与助学贷款还款服务", 30)),
        "线索名单策略", "工作日", "共同借款人存款线索每个等级的动作与截止日; 可用 {dep} 存款日均、{child_state} 子女状态、"
                             "{n_children} 子女人数、{school} 学校")

    def check(self) -> None:
        """The classifier's rules, the caps table, 毕业日, the regexes and both lists' levels. Raises
        :class:`ParameterError` (Chinese + English) naming the parameter."""
        super().check()
        try:
            rows = [(int(a), float(b), float(c)) for a, b, c in self.caps]
        except (TypeError, ValueError) as e:
            raise ParameterError(f"参数「年度额度上限(caps)」应为 [[起始年份, 本专科, 研究生], ...]; 给定 {self.caps}。",
                                 f"caps must be [[from_year, undergraduate, postgraduate], ...]; got {self.caps}.") from e
        years = [r[0] for r in rows]
        if not rows or years != sorted(set(years)) or any(min(r[1], r[2]) <= 0 for r in rows) \
                or any(not 1990 <= y <= 2100 for y in years):
            raise ParameterError(f"参数「年度额度上限(caps)」的起始年份应在 1990–2100 且递增不重复, 额度为正数; 给定 {self.caps}。",
                                 f"caps: from-years in 1990-2100, increasing without repeats, caps > 0; got {self.caps}.")
        if pd.to_datetime(f"2001-{self.grad_month_day}", format="%Y-%m-%d", errors="coerce") is pd.NaT:
            raise ParameterError(f"参数「毕业日(月-日)(grad_month_day)」不是有效日期: {self.grad_month_day}(如 06-30; 不可用 02-29)。",
                                 f"grad_month_day is not a valid month-day: {self.grad_month_day} (e.g. 06-30; not 02-29).")
        if self.term_extra_years > self.max_term_years:
            raise ParameterError(f"参数「期限: 学制剩余年限加」{self.term_extra_years} 年大于「最长期限」{self.max_term_years} 年。",
                                 f"term_extra_years ({self.term_extra_years}) > max_term_years ({self.max_term_years}).")
        for name in ("degree_pg", "student_product"):
            check_regex(self, name)
        check_levels(self.levels, self.strategy, REMIND_FIELDS)
        check_levels(self.lead_levels, self.lead_strategy, LEAD_FIELDS, ids=("lead_levels", "lead_strategy"),
                     labels=("线索名单等级", "线索名单策略"))


# ---------------------------------------------------------------------------------------------- pieces
def _dedupe(sl: pd.DataFrame, ctx: RunContext) -> pd.DataFrame:
    """借据号 repeated: DUP_KEY, the last row kept (§0.7 同账户多条取最后一条)."""
    key = sl["loan_id"].astype("string").str.strip()
    dup = key.notna() & key.duplicated(keep="last")
    if dup.any():
        ctx.problem("student_loans", sl.loc[dup, "_row"] if "_row" in sl else None, "loan_id", "DUP_KEY",
                    sl.loc[dup, "loan_id"], "借据号重复", "保留最后一行, 该行不计")
    return sl[~dup.to_numpy()]


def _policy(sl: pd.DataFrame, st: pd.DataFrame, p: StudentLoanParams, ctx: RunContext) -> pd.DataFrame:
    """借据 above the year's cap or with a 到期日 beyond the policy term (POLICY_LIMIT; rows kept). Policy term end =
    min(graduation + ``term_extra_years``, 放款日 + ``max_term_years``) (years, same month-day)."""
    cap = over_cap(sl, p.caps, p.degree_pg)
    amt = pd.to_numeric(sl["amount"], errors="coerce")
    above = (amt > cap).fillna(False).to_numpy(dtype=bool)
    start = pd.to_datetime(sl["start_date"], errors="coerce")
    mat = pd.to_datetime(sl["maturity_date"], errors="coerce")
    by_grad = st["grad_date"] + pd.DateOffset(years=int(p.term_extra_years))
    by_max = start + pd.DateOffset(years=int(p.max_term_years))
    limit = pd.concat([by_grad, by_max], axis=1).min(axis=1)
    long = (mat > limit).fillna(False).to_numpy(dtype=bool) & mat.notna().to_numpy()
    rows = sl["_row"] if "_row" in sl.columns else pd.Series(pd.NA, index=sl.index)
    if above.any():
        ctx.problem("student_loans", rows[above], "amount", "POLICY_LIMIT", sl.loc[above, "amount"],
                    [f"超过当年额度上限 {c:,.0f} 元" for c in cap[above]], "保留该笔, 列入「政策核对」")
    if long.any():
        ctx.problem("student_loans", rows[long], "maturity_date", "POLICY_LIMIT", sl.loc[long, "maturity_date"],
                    [f"到期日晚于政策期限 {d:%Y-%m-%d}" for d in limit[long]], "保留该笔, 列入「政策核对」")
    b = ctx.base_label
    bad = above | long
    x = sl[bad]
    return pd.DataFrame({
        "借据号": x["loan_id"].astype("string").to_numpy(), "学历": x["degree"].astype("string").to_numpy(),
        "放款日": start[bad].to_numpy(), b("贷款金额"): amt[bad].to_numpy(), b("当年上限"): cap[bad].to_numpy(),
        "到期日": mat[bad].to_numpy(), "政策最晚到期日": limit[bad].to_numpy(),
        "问题": np.where(above[bad] & long[bad], "超额度且超期限", np.where(above[bad], "超过年度额度上限", "超过政策期限"))})


def _holdings(people: pd.DataFrame, loans: pd.DataFrame | None, who: Persons,
              p: StudentLoanParams, as_of: pd.Timestamp) -> tuple[pd.DataFrame | None, int]:
    """Other running loan products of the students with a 客户号 (None without ``loans``): 贷款品种 | 持有学生数 |
    占有客户号学生 | 其中逾期学生; a first row 任一其他贷款 (``who``: the 客户 table's persons). Returns (table,
    students evaluated)."""
    if loans is None:
        return None, 0
    stu = people[people["cust_id"].notna().to_numpy()]
    ids = who.of(stu["cust_id"].astype("string")).to_numpy(dtype=object)
    lo = running_loans(loans, as_of, "")
    lo = lo[~lo["product"].astype("string").str.contains(p.student_product, regex=True).fillna(False).to_numpy()]
    lc = who.of(lo["cust_id"].astype("string"))
    code, uniq = pd.factorize(pd.Series(ids, dtype="string"))
    pos = pd.Index(uniq).get_indexer(lc)
    ok = pos >= 0
    pr_code, products = pd.factorize(lo["product"].astype("string")[ok])
    n, k = len(uniq), len(products)
    held = np.zeros((n, k), dtype=bool)
    held[pos[ok], pr_code] = True
    od = np.zeros(n, dtype=bool)
    od[code] = stu["state"].eq("逾期").to_numpy(dtype=bool)
    rows = [("任一其他贷款", held.any(axis=1))] + [(str(products[j]), held[:, j]) for j in range(k)]
    t = pd.DataFrame({"贷款品种": [r[0] for r in rows], "持有学生数": [int(r[1].sum()) for r in rows],
                      "其中逾期学生": [int((r[1] & od).sum()) for r in rows]})
    t.insert(2, "占有客户号学生", t["持有学生数"] / n if n else np.nan)
    return t, n


def _ages(people: pd.DataFrame, customers: pd.DataFrame | None, txn: pd.DataFrame | None,
          loans: pd.DataFrame | None, p: StudentLoanParams, ctx: RunContext):
    """(age table, online cust ids or None, students with flows, students among them who are 网贷 customers)."""
    ages = idcard.age_at(people["id_no"].astype("string"), ctx.as_of).astype("float64")
    info = by_cust_id(customers)
    if len(info):
        cage = pd.Series(customer_ages(info, ctx.as_of).to_numpy(), index=info.index)
        ages = ages.fillna(pd.Series(people["cust_id"].astype("string").map(cage).to_numpy(), index=people.index))
    s_band = age_bands(ages, p.age_step)
    online = None
    on_band = pd.Series(dtype="string")
    with_flows, both = None, None
    if txn is not None:
        names = info["cust_name"] if "cust_name" in info.columns else None
        det = classify_transactions(txn, p, ctx.as_of, names, loans, ctx.problems, months=int(p.online_months))
        online = pd.Index(det.loc[det["kind"] == KIND_ONLINE_REPAY, "cust_id"].astype("string").unique())
        cage = (pd.Series(customer_ages(info, ctx.as_of).to_numpy(), index=info.index) if len(info)
                else pd.Series(dtype="float64"))
        on_band = age_bands(pd.Series(online.map(cage) if len(cage) else np.full(len(online), np.nan)), p.age_step)
        flow_ids = pd.Index(txn["cust_id"].astype("string").str.strip().dropna().unique())
        sid = people["cust_id"].astype("string")
        with_flows = int(sid.isin(flow_ids).sum())
        both = int(sid.isin(online).sum())
    labels = sorted(set(s_band.dropna()) | set(on_band.dropna()), key=lambda x: (x != "<18", int(x.split("-")[0])
                                                                                  if x != "<18" else 0))
    sc = s_band.value_counts().reindex(labels, fill_value=0)
    t = pd.DataFrame({"年龄段": labels, "助学贷款学生(人)": sc.to_numpy(dtype="int64"),
                      "学生占比": sc.to_numpy() / max(int(sc.sum()), 1)})
    if online is not None:
        oc = on_band.value_counts().reindex(labels, fill_value=0)
        t["网贷客户(人)"] = oc.to_numpy(dtype="int64")
        t["网贷客户占比"] = oc.to_numpy() / max(int(oc.sum()), 1)
    unknown = int(s_band.isna().sum())
    return t, online, with_flows, both, unknown, ages


def _deposits(cm, as_of: pd.Timestamp) -> pd.Series | None:
    """存款月日均 of each customer's latest month up to the data date (元), index 客户号
    (:func:`bankxl.rules.deposits.latest_deposit`; ``cm`` a frame or a DuckTable); None without the table (a
    table without any 存款月日均: every customer NaN, unknown)."""
    if cm is None:
        return None
    s = latest_deposit(cm, as_of)
    return pd.Series([], index=pd.Index([], dtype="string", name="cust_id"), dtype="float64") if s is None else s


def _remind_list(people: pd.DataFrame, customers: pd.DataFrame | None, p: StudentLoanParams, ctx: RunContext):
    """宽限期到期提醒 (§6): students in 宽限期 whose grace ends in [as_of, as_of + ``remind_months``] (both ends in).
    Returns (list, the due students without 客户号)."""
    end = ctx.as_of + pd.DateOffset(months=int(p.remind_months))
    g = pd.to_datetime(people["grace_end"])
    due = people["state"].eq("宽限期").to_numpy(dtype=bool) & (g >= ctx.as_of).to_numpy() & (g <= end).to_numpy()
    x = people[due]
    days = (pd.to_datetime(x["grace_end"]) - ctx.as_of).dt.days.astype("float64")
    frame = pd.DataFrame({
        "cust_id": x["cust_id"].to_numpy(), "grace_end": pd.to_datetime(x["grace_end"]).to_numpy(),
        "grace_txt": pd.to_datetime(x["grace_end"]).dt.strftime("%Y-%m-%d").to_numpy(), "days_left": days.to_numpy(),
        "urgent": (days <= p.urgent_days).to_numpy(), "school": x["school"].fillna("").to_numpy(),
        "balance": x["balance"].round(2).to_numpy(), "always": np.ones(len(x), dtype=bool),
        "co": x["co_borrower_name"].to_numpy()})
    has = frame["cust_id"].notna().to_numpy()
    rules = [Rule("due", "宽限期 {grace_txt} 结束(剩 {days_left:.0f} 天)", points=p.remind_points, when="always",
                  name="宽限期到期"),
             Rule("urgent", f"{p.urgent_days} 天内结束", points=p.urgent_points, when="urgent", name="紧急"),
             Rule("bal", "余额 {balance:,.0f} 元", when=lambda f: f["balance"].notna() & (f["balance"] > 0),
                  name="贷款余额")]
    b = ctx.base_label
    lst = score_list(frame[has], rules, p.levels, p.strategy, ctx, sort_by=("balance",), amount="balance",
                     customers=customers if customers is not None and len(customers) else people.assign(
                         cust_id=people["cust_id"]),
                     show={"grace_end": "宽限期到期日", "school": "学校", "balance": b("余额")})
    if len(lst.df):
        ge = pd.to_datetime(lst.df["宽限期到期日"])
        cap = pd.Series(ctx.calendar.previous_workday(ge - pd.Timedelta(days=1)), index=ge.index)
        capped = cap.clip(lower=ctx.calendar.add_workdays(ctx.as_of, 0))
        lst.df["截止日"] = lst.df["截止日"].where(capped.isna() | (lst.df["截止日"] <= capped), capped)
    lst.note.append("截止日不晚于宽限期到期日前的最后一个工作日。")
    return lst, x[~has]


def _lead_list(people: pd.DataFrame, customers: pd.DataFrame | None, bank: BankIdentity, cm: pd.DataFrame | None,
               p: StudentLoanParams, ctx: RunContext):
    """共同借款人 → 存款线索 (§6) for co-borrowers who are the bank's customers (``bank``: the 客户 table's
    :func:`bank_identity`); (list, new leads frame, counts)."""
    x = people[(people["co_borrower_id"].notna() | people["co_borrower_name"].notna()).to_numpy()
               & people["state"].ne("结清").to_numpy(dtype=bool)]
    ext = pd.DataFrame({"id_no": x["co_borrower_id"].to_numpy(), "cust_name": x["co_borrower_name"].to_numpy(),
                        "phone": x["co_borrower_phone"].to_numpy(), "org_id": x["org_id"].to_numpy()},
                       index=x.index).astype("string")
    lm = match_list(ext, bank)
    cls = lm.rows["match_class"]
    risky = x["state"].eq("逾期").to_numpy(dtype=bool)
    m = (cls.eq(IN_BOTH).fillna(False).to_numpy(dtype=bool))
    co = pd.DataFrame({"cust_id": lm.rows["cust_id"].to_numpy(), "state": x["state"].to_numpy(),
                       "school": x["school"].fillna("").to_numpy(), "risky": risky})[m]
    bad = co.groupby("cust_id")["risky"].any()
    keep = co[~co["cust_id"].map(bad).to_numpy(dtype=bool)]
    rank = keep["state"].map({"在读": 1, "宽限期": 2, "还款期": 3}).fillna(0)
    keep = keep.assign(_r=rank.to_numpy()).sort_values(["cust_id", "_r"], ascending=[True, False], kind="stable")
    first = keep.drop_duplicates("cust_id")
    n_children = keep.groupby("cust_id").size()
    dep = _deposits(cm, ctx.as_of)
    ids = first["cust_id"].astype("string")
    dv = (pd.Series(ids.map(dep).to_numpy(dtype="float64"), index=first.index) if dep is not None
          else pd.Series(np.nan, index=first.index))
    grad_kids = keep.assign(_g=keep["state"].isin(["宽限期", "还款期"])).groupby("cust_id")["_g"].any()
    sch_kids = keep.assign(_s=keep["state"].eq("在读")).groupby("cust_id")["_s"].any()
    frame = pd.DataFrame({
        "cust_id": ids.to_numpy(), "dep": dv.to_numpy(),
        "low": pd.array(np.where(np.isnan(dv.to_numpy()), None, dv.to_numpy() < p.deposit_threshold), dtype="boolean"),
        "grad": ids.map(grad_kids).to_numpy(dtype=bool), "sch": ids.map(sch_kids).to_numpy(dtype=bool),
        "child_state": first["state"].to_numpy(), "school": first["school"].to_numpy(),
        "n_children": ids.map(n_children).to_numpy(dtype="int64")})
    rules = [Rule("low", f"存款月日均 {{dep:,.0f}} 元, 低于 {p.deposit_threshold:,.0f} 元", points=p.low_deposit_points,
                  when="low", name="存款月日均"),
             Rule("grad", "子女已毕业({child_state}), 需按期还款", points=p.graduated_points, when="grad",
                  name="子女已毕业"),
             Rule("sch", "子女在读({school})", points=p.school_points, when="sch", name="子女在读")]
    b = ctx.base_label
    lst = score_list(frame, rules, p.lead_levels, p.lead_strategy, ctx, sort_by=("dep",), amount="dep",
                     unknown=("low",) if dep is None else (), customers=customers,
                     show={"child_state": "子女状态", "n_children": "子女人数", "dep": b("存款月日均")},
                     params=p)
    new = x[cls.eq(EXTERNAL_ONLY).fillna(False).to_numpy(dtype=bool) & ~risky]
    newkey = lm.person_key().loc[new.index]
    new = new[~newkey.duplicated().to_numpy()]
    leads = pd.DataFrame({
        mask_label("共同借款人", ctx): masked(new["co_borrower_name"], "cust_name", ctx).to_numpy(),
        mask_label("证件号码", ctx): masked(new["co_borrower_id"], "id_no", ctx).to_numpy(),
        mask_label("手机号", ctx): masked(new["co_borrower_phone"], "phone", ctx).to_numpy(),
        "关系": new["co_borrower_rel"].to_numpy(), "学生状态": new["state"].to_numpy(),
        "学校": new["school"].to_numpy(), "机构号": new["org_id"].to_numpy()}).astype("string")
    counts = {"co": len(x), "matched": int(m.sum()), "risky_cust": int(bad.sum()), "new": len(leads),
              "risky": int(risky.sum())}
    return lst, leads, counts


def _detail(people: pd.DataFrame, ages: pd.Series, ctx: RunContext) -> pd.DataFrame:
    b = ctx.base_label
    return pd.DataFrame({
        "客户号": people["cust_id"].to_numpy(),
        mask_label("学生姓名", ctx): masked(people["cust_name"], "cust_name", ctx).to_numpy(),
        mask_label("证件号码", ctx): masked(people["id_no"], "id_no", ctx).to_numpy(),
        "机构号": people["org_id"].to_numpy(), "学校": people["school"].to_numpy(), "学历": people["degree"].to_numpy(),
        "年龄": ages.to_numpy(), "入学年份": pd.array(people["enroll_year"], dtype="Int64"),
        "毕业年份": pd.array(people["grad_year"], dtype="Int64"), "状态": people["state"].to_numpy(),
        "宽限期到期日": people["grace_end"].to_numpy(), "借据数": people["n_loans"].to_numpy(dtype="int64"),
        b("未结清余额"): people["balance"].round(2).to_numpy()}).astype(
        {"客户号": "string", "机构号": "string", "学校": "string", "学历": "string", "状态": "string"})


def _blocks(lst, name: str, title: str, empty: str, **kw) -> list:
    blocks = lst.blocks(name, title, **kw)
    blocks[-1].empty_note = empty
    return blocks


# ---------------------------------------------------------------------------------------------- run
def run(tables: Mapping[str, pd.DataFrame], p: StudentLoanParams, ctx: RunContext) -> Report:
    """Run C7 (see the module docstring)."""
    sl = _dedupe(tables["student_loans"], ctx)
    customers = tables.get("customers")
    loans, txn, cm = tables.get("loans"), tables.get("transactions"), tables.get("customer_monthly")
    st = loan_states(sl, ctx.as_of, p.grad_month_day, int(p.grace_years))
    policy = _policy(sl, st, p, ctx)

    ident = pd.DataFrame({c: sl[c] for c in ("id_no", "cust_id", "cust_name", "phone", "org_id")}).astype("string")
    bank = bank_identity(customers if customers is not None and len(customers) else None)  # normalised once
    lm = match_list(ident, bank)
    own = sl["cust_id"].astype("string").str.strip().replace("", pd.NA)
    cust = lm.rows["cust_id"].fillna(own) if customers is not None and len(customers) else own
    person = lm.person_key()  # the identity rule's key; a loan without any identifier is a person of its own
    people = person_frame(sl, st, person, cust)
    counts, balances, big = cohort_tables(people, p.cohort_by, int(p.min_cohort))
    hold, n_hold = _holdings(people, loans, bank.persons, p, ctx.as_of)
    age_t, online, with_flows, both, age_unknown, ages = _ages(people, customers, txn, loans, p, ctx)
    remind, remind_nocust = _remind_list(people, customers, p, ctx)
    leads, new_leads, lc = _lead_list(people, customers, bank, cm, p, ctx)

    b = ctx.base_label
    head = counts.columns[0]
    active = people["state"].ne("结清").to_numpy(dtype=bool)
    n_out = int(people["state"].isin(OUT_OF_SCHOOL).sum())
    n_od = int(people["state"].eq("逾期").sum())
    st_counts = people["state"].value_counts()
    known_tag = people["cust_id"].notna().to_numpy() & active
    tags = tag_table(
        tag_rows("C7", "C7_STUDENT", "助学贷款学生", people.loc[known_tag, "cust_id"], ctx, p,
                 value=people.loc[known_tag, "balance"], level=people.loc[known_tag, "state"]),
        remind.tag_rows("C7", "C7_GRACE_REMIND", "宽限期到期提醒", ctx, p),
        leads.tag_rows("C7", "C7_COBORROWER_LEAD", "共同借款人存款线索", ctx, p))

    cohort_word = "入学年份" if p.cohort_by == "enroll" else "毕业年份"
    state_line = (f"毕业日 = 毕业年份(空白时 入学年份 + 学制)的 {p.grad_month_day}; 宽限期到期 = 台账的宽限期到期日, 否则毕业日 + "
                  f"{p.grace_years} 年。")
    state_rule = ("状态: 结清 > 逾期 > 在读(数据日期 ≤ 毕业日) / 宽限期(≤ 宽限期到期日) / 还款期; 日期不全为未知(不猜测)。"
                  "一人多笔取最靠后的状态(逾期 > 还款期 > 宽限期 > 在读)。")
    rate_line = (f"逾期率 = 逾期人数 ÷ 已离校人数(宽限期 + 还款期 + 逾期); 在读学生由财政贴息、不还本, 不计入分母。人数少于 "
                 f"{p.min_cohort} 的届别不着色。")
    figures = [
        Figure("在贷学生", int(active.sum()), "人", format="int",
               note=f"借据 {len(sl):,} 笔; 在读 {int(st_counts.get('在读', 0)):,} 人, 宽限期 {int(st_counts.get('宽限期', 0)):,} 人"),
        Figure(f"未结清余额({ctx.unit})", float(ctx.money(np.nansum(people["balance"].to_numpy()))), ctx.unit,
               note="余额为空的借据不计(未知)" if people["balance"].isna().any() else None),
        Figure("已离校学生逾期率", (n_od / n_out) if n_out else None, "", format="pct1",
               note=f"逾期 {n_od:,} 人 / 已离校 {n_out:,} 人" if n_out else "尚无离校学生"),
        Figure(f"{p.remind_months} 个月内宽限期到期", len(remind.df) + len(remind_nocust), "人", format="int",
               note=f"提醒名单 {len(remind.df):,} 人" + (f", 非本行客户 {len(remind_nocust):,} 人" if len(remind_nocust) else "")),
        Figure("共同借款人存款线索", len(leads.df), "户", format="int",
               note=f"另有非本行共同借款人(新客) {lc['new']:,} 人"),
        Figure("学生中的网贷客户", both, "人", format="int",
               note=(f"有流水的学生 {with_flows:,} 人" if online is not None else "未提供交易流水: 未计算")),
    ]
    headline = Headline(
        figures=figures,
        chart=Chart(table="c7_cohort_counts", categories=head, series=["在读", "宽限期", "还款期", "逾期"], kind="column",
                    stacked=True, title=f"各{cohort_word}学生状态(人)", y_title="人", height=240),
        actions="c7_grace_remind",
        lines=[f"政策参数: 额度上限按放款年份(最新 {int(p.caps[-1][0])} 年起 本专科 {float(p.caps[-1][1]):,.0f} / 研究生 "
               f"{float(p.caps[-1][2]):,.0f} 元/年), 期限 学制剩余 + {p.term_extra_years} 年(最长 {p.max_term_years} 年), 宽限期 "
               f"{p.grace_years} 年【自有知识, 需核对最新文件】。"])

    cond = [Conditional(["逾期率"], kind="color_scale", rows=pd.Series(big, index=counts.index))]
    age_note = ([f"网贷客户: 近 {p.online_months} 个月有网贷还款(C3 规则, 网贷机构字典见参数), 年龄取自客户表; 有流水的学生 "
                 f"{with_flows:,} 人, 其中网贷客户 {both:,} 人。"] if online is not None
                else ["未提供交易流水: 网贷客户未计算(不是 0), 只列学生的年龄分布。"])
    if age_unknown:
        age_note.append(f"{age_unknown:,} 名学生的证件号无效且不在客户表中: 年龄未知, 不计入分布。")
    age_series = ["学生占比"] + (["网贷客户占比"] if online is not None else [])
    hold_blocks = ([Note(lines=["未提供贷款表: 其他贷款产品的持有未计算(不是 0)。"])] if hold is None else [
        Note(lines=[f"有客户号的学生 {n_hold:,} 人(没有客户号的 {int(people['cust_id'].isna().sum()):,} 人无法与贷款表对应, 未计算); "
                    f"正常或逾期中的贷款, 品种匹配「{p.student_product}」的是助学贷款本身, 不计。同一证件号的多个客户号按一人。"]),
        Table(hold, name="c7_holdings", title="学生持有的其他贷款产品", formats={"占有客户号学生": "pct1"},
              empty_note="没有有客户号的学生")])
    sheets = [
        Sheet("届别状态", [
            Note(lines=[state_line, state_rule, rate_line]),
            Table(counts, name="c7_cohort_counts", title=f"{cohort_word} × 状态(人)", text_columns=(head,),
                  formats={"逾期率": "pct1", "逾期余额率": "pct1"}, conditional=cond, empty_note="助学贷款表没有数据"),
            Chart(table="c7_cohort_counts", categories=head, series=["逾期率"], kind="line", title=f"各{cohort_word}逾期率",
                  y_min=0, number_format="0%", height=220),
            Table(balances, name="c7_cohort_balances", title=f"{cohort_word} × 状态 余额(元)", text_columns=(head,),
                  formats={c: "money0" for c in balances.columns[1:]}, empty_note="助学贷款表没有数据")]),
        Sheet("交叉持有与年龄", [
            *hold_blocks,
            Note(lines=[f"年龄按 {p.age_step} 岁分段, 学生年龄取自证件号(否则客户表); 占比以各自有年龄的人数为分母。", *age_note]),
            Table(age_t, name="c7_ages", title="年龄分布: 助学贷款学生 vs 网贷客户",
                  formats={"学生占比": "pct1", "网贷客户占比": "pct1"}, empty_note="没有可计算年龄的学生"),
            Chart(table="c7_ages", categories="年龄段", series=age_series, kind="column", title="年龄分布(占比)",
                  number_format="0%", height=220)]),
        Sheet("宽限期提醒", [
            *_blocks(remind, "c7_grace_remind", "宽限期到期提醒", f"未来 {p.remind_months} 个月没有宽限期到期的学生",
                     lines=[f"宽限期在 {ctx.as_of:%Y-%m-%d} 之后 {p.remind_months} 个月内(含当天)结束的学生; {p.urgent_days} 天内结束的优先。"],
                     formats={"宽限期到期日": "date", b("余额"): "money0"}),
            Table(pd.DataFrame({
                mask_label("学生姓名", ctx): masked(remind_nocust["cust_name"], "cust_name", ctx).to_numpy(),
                mask_label("证件号码", ctx): masked(remind_nocust["id_no"], "id_no", ctx).to_numpy(),
                "学校": remind_nocust["school"].to_numpy(), "宽限期到期日": remind_nocust["grace_end"].to_numpy(),
                "机构号": remind_nocust["org_id"].to_numpy()}).astype({"学校": "string", "机构号": "string"}),
                name="c7_remind_nocust", title="宽限期到期但不是本行客户的学生(按证件号联系经办机构)",
                formats={"宽限期到期日": "date"}, empty_note="都已是本行客户")],
            print_role="detail"),
        Sheet("共同借款人线索", [
            *_blocks(leads, "c7_coborrower_leads", "共同借款人存款线索", "没有是本行客户的共同借款人",
                     lines=[f"共同借款人(多为父母)与客户表按证件号/客户号/姓名+手机匹配; 子女逾期的 {lc['risky_cust']:,} 位不营销(先催收)。"
                            + ("" if cm is not None else " 未提供客户月度存款: 存款月日均未计算。")],
                     formats={b("存款月日均"): "money0"}),
            Table(new_leads, name="c7_new_leads", title="新客线索: 不是本行客户的共同借款人(已脱敏)", text_columns=("机构号",),
                  empty_note="共同借款人都已是本行客户或无法识别")],
            print_role="detail"),
        Sheet("政策核对", [
            Note(lines=["年度额度上限(按放款年份与学历)与政策期限(毕业后 + 期限年数, 且不超过放款日 + 最长期限)的核对; 超出的借据保留, "
                        "同时记入「数据问题」(POLICY_LIMIT)。学历或年份为空的无法核对额度。"]),
            Table(policy, name="c7_policy", title="超出政策参数的借据",
                  formats={"放款日": "date", "到期日": "date", "政策最晚到期日": "date", b("贷款金额"): "money0",
                           b("当年上限"): "money0"}, text_columns=("借据号",), empty_note="所有借据都在政策参数之内")]),
        Sheet("学生明细", [Table(_detail(people, ages, ctx), name="c7_students", title="全部助学贷款学生(一人一行)",
                               role="detail", text_columns=("客户号", "机构号"),
                               formats={"宽限期到期日": "date", b("未结清余额"): "money0"})], print_role="detail"),
        tag_sheet(tags),
    ]
    report = Report(title="助学贷款客户", sheets=sheets, headline=headline)
    report.method = [
        "方法依据: 场景 C7 助学贷款客户(政策参数【自有知识, 需核对最新文件】); 网贷客户按场景 C3 的流水规则; 身份按证件号 > 客户号 > 姓名+手机。",
        state_line, state_rule, rate_line,
    ]
    notes = [f"宽限期提醒名单{remind.tie_break}", f"共同借款人存款线索{leads.tie_break}",
             f"共同借款人 {lc['co']:,} 人次: 本行客户 {lc['matched']:,}, 非本行(新客线索) {lc['new']:,} 人; 子女逾期的不营销。"]
    if int(st_counts.get("未知", 0)):
        notes.append(f"{int(st_counts.get('未知', 0)):,} 名学生缺毕业年份与入学年份/学制: 状态未知, 不计入逾期率。")
    if customers is None:
        notes.append("未提供客户表: 学生按助学贷款表的证件号/客户号识别, 共同借款人无法匹配(全部作为新客线索)。")
    if len(policy):
        notes.append(f"{len(policy):,} 笔借据超出政策参数(见「政策核对」)。")
    report.notes = notes
    return report


SPEC = Scenario(
    id="credit.student_loans", code="C7", title="助学贷款客户", group="信贷营销",
    inputs=("student_loans",), optional_inputs=("customers", "loans", "transactions", "customer_monthly"),
    params=StudentLoanParams, run=run,
    summary="助学贷款届别 × 状态(在读/宽限期/还款期/逾期)与逾期率、其他贷款交叉持有、与网贷客户年龄对比、宽限期到期提醒、共同借款人存款线索",
    as_of_from=("student_loans", "as_of"),
)
