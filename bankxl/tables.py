"""Canonical tables: one name per table, one spec per column (DESIGN.md "Canonical tables").

A :class:`TableSpec` lists its :class:`Column` s — English id, 中文表头 plus accepted aliases, kind
(the dtype after loading), unit, required or optional and a one-line meaning. ``bankxl.io`` uses the
specs to find headers, coerce types and validate; scenarios declare the table ids they consume.

Column kinds (what the loader produces):

=========  ==========================================================================
kind       loaded as
=========  ==========================================================================
id_card    str, normalised resident ID (validated; problems ID_CORRUPT/ID_CHECKSUM...)
code       str — customer/account/org/staff numbers; never numeric, leading zeros kept
text       str — names, free text
category   str — a small set of values (product, status ...)
date       datetime64[ns] at day precision
month      datetime64[ns], first day of the month (accepts 2024-01, 202401, 2024年1月)
money      float64 in the column's ``unit`` (元 by default; a header "(万元)" is scaled)
number     float64
int        Int64 (nullable)
rate       float64 fraction (2.15 in a "%" column and "2.15%" both load as 0.0215)
bool       boolean (是/否, Y/N, 1/0, true/false)
=========  ==========================================================================

Every loaded frame also carries ``_row``: the Excel row number the user sees (or the CSV line).
"""
from __future__ import annotations

from dataclasses import dataclass

KINDS = ("id_card", "code", "text", "category", "date", "month", "money", "number", "int", "rate", "bool")


@dataclass(frozen=True)
class Column:
    """One column of a canonical table.

    ``unit`` is the unit the loaded values are in (money: '元'; rate: '%'; term: '月' ...).
    ``nonneg``: negative values are reported as NEG_BALANCE (kept, sign preserved).
    """

    id: str
    zh: str
    kind: str = "text"
    required: bool = False
    unit: str | None = None
    aliases: tuple[str, ...] = ()
    meaning: str = ""
    nonneg: bool = False
    #: a required column whose cells may be blank by design (the scenario decides, e.g. 到期日 of 通知存款)
    blank_ok: bool = False
    #: a term in months (unit 月) whose header may say 天/日 (``存期(天)``): such a column is loaded into this
    #: sibling column (a term in days), never converted to months (365 days ≠ 12 months in general)
    days_col: str | None = None
    #: a required column the header may lack when every column of one of these sets is there (a scenario
    #: derives it, e.g. 到期日 from 起息日 + 期限): ``(("value_date", "term_m"), ("value_date", "term_d"))``
    derivable_from: tuple[tuple[str, ...], ...] = ()
    #: 处理 (数据问题 sheet) of a blank or unreadable value when the scenarios do more than keep the row with
    #: the value blank, e.g. 「该行不计入存款统计(笔数与金额)」
    if_missing: str = ""
    #: 处理 of a negative value of a ``nonneg`` column when the scenarios do more than keep it
    if_negative: str = ""
    #: what a blank cell means when the spec states a rule (产品持有.持有: True, blank = held): the loader and
    #: :func:`bankxl.conform.conform` write it for blank cells and for an absent column; an unreadable value
    #: stays missing (<NA>: unknown, on 数据问题). None = no rule: a blank is unknown.
    blank_value: bool | str | float | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r} for {self.id}")

    @property
    def label(self) -> str:
        """中文表头 with the unit, as written in report headers, e.g. ``余额(元)``."""
        return f"{self.zh}({self.unit})" if self.unit and self.kind in ("money",) else self.zh


@dataclass(frozen=True)
class TableSpec:
    """A canonical table: id, 中文名 (the sheet / Excel-table name the ribbon looks for), columns."""

    id: str
    zh: str
    columns: tuple[Column, ...]
    aliases: tuple[str, ...] = ()
    key: tuple[str, ...] = ()
    meaning: str = ""
    currency: str = "CNY"
    #: a wide layout the loader also reads (``bankxl.io``): ``(date column, row-label column, column-header column,
    #: value column)``, e.g. ``("stat_date", "item", "bank_name", "balance")`` = one sheet per date (the sheet name
    #: is the date), a row per 指标, a column per 机构名称; the cells are 余额. () = no wide layout.
    wide: tuple[str, ...] = ()

    def column(self, col_id: str) -> Column:
        for c in self.columns:
            if c.id == col_id:
                return c
        raise KeyError(f"{self.id} has no column {col_id!r}")

    @property
    def required(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.required)

    def missing_required(self, present) -> tuple[Column, ...]:
        """The required columns absent from ``present`` (column ids) that cannot be derived from it either
        (:attr:`Column.derivable_from`)."""
        have = set(present)
        return tuple(c for c in self.required if c.id not in have
                     and not any(set(alt) <= have for alt in c.derivable_from))

    @property
    def names(self) -> tuple[str, ...]:
        """Every name the table may go by (id, 中文名, aliases)."""
        return (self.id, self.zh, *self.aliases)

    def empty(self):
        """An empty, correctly typed frame of this table (for tests and optional inputs)."""
        import pandas as pd

        dtypes = {"id_card": "string", "code": "string", "text": "string", "category": "string",
                  "date": "datetime64[ns]", "month": "datetime64[ns]", "money": "float64",
                  "number": "float64", "int": "Int64", "rate": "float64", "bool": "boolean"}
        df = pd.DataFrame({c.id: pd.Series(dtype=dtypes[c.kind]) for c in self.columns})
        df["_row"] = pd.Series(dtype="Int64")
        return df


C = Column  # short alias for the declarations below

# Common columns (SCENARIOS.md §0.2) -------------------------------------------------------------
# Header aliases are data: each column lists the names a core-banking export gives it (the alias table; the
# user's copy is docs/表头别名.md, written by :func:`alias_markdown`). Matching also folds full-width forms,
# case and traditional characters (:func:`bankxl.coerce.header_key`), so 帳號 = 账号 needs no alias.
#: org number as exports name it (开户/所属/归属 机构 or 网点)
ORG_ALIASES = ("机构编号", "机构代码", "机构码", "网点号", "网点编号", "网点代码", "所属机构号", "开户机构号",
               "开户机构", "开户网点", "所属机构", "所属网点", "归属机构", "营业机构", "机构")
CUST_ID = C("cust_id", "客户号", "code", True, aliases=("客户编号", "客户代码", "客户号码", "核心客户号", "客户编码",
                                                     "客户ID", "客户标识", "客户内码"),
            meaning="本行客户号")
ID_NO = C("id_no", "证件号码", "id_card", aliases=("证件号", "身份证号", "身份证号码", "身份证", "证件号码(脱敏)",
                                              "证件编号", "身份证件号码", "证件号(脱敏)"),
          meaning="18 位居民身份证号(15 位旧号自动升位)")
CUST_NAME = C("cust_name", "客户名称", "text", aliases=("客户姓名", "姓名", "户名", "客户名", "账户名称", "账户名",
                                                     "存款人", "借款人", "借款人姓名"))
ORG_ID = C("org_id", "机构号", "code", True, aliases=ORG_ALIASES)
MGR_ID = C("mgr_id", "客户经理", "code", aliases=("客户经理号", "客户经理编号", "客户经理工号", "管户经理", "经理号",
                                               "管户人", "管户客户经理", "营销人员", "营销人"))
AS_OF = C("as_of", "数据日期", "date", aliases=("统计日期", "报表日期", "数据日", "业务日期", "截止日期", "会计日期"),
          meaning="数据截至日期")
CCY = C("ccy", "币种", "category", aliases=("货币", "币别", "币种代码", "货币代码", "currency"))

TABLES: dict[str, TableSpec] = {}


def register_table(spec: TableSpec) -> TableSpec:
    """Add a table spec to :data:`TABLES`; a second spec under one id or name is an error."""
    if spec.id in TABLES:
        raise ValueError(f"table {spec.id} already registered")
    taken = {n for t in TABLES.values() for n in t.names}
    clash = taken.intersection(spec.names)
    if clash:
        raise ValueError(f"table names {clash} already used")
    TABLES[spec.id] = spec
    return spec


def get_table(table_id: str) -> TableSpec:
    """The spec of a canonical table by id or any of its names (中文名, aliases)."""
    if table_id in TABLES:
        return TABLES[table_id]
    for t in TABLES.values():
        if table_id in t.names:
            return t
    raise KeyError(f"未知的表 unknown table: {table_id}")


register_table(TableSpec("orgs", "机构", (
    C("org_id", "机构号", "code", True, aliases=("机构编号", "机构代码", "机构码", "网点号", "网点编号", "网点代码")),
    C("org_name", "机构名称", "text", True, aliases=("机构名", "网点名称", "支行名称", "机构简称", "机构全称")),
    C("parent_id", "上级机构号", "code", aliases=("上级机构", "上级机构编号", "所属分行号")),
    C("level", "机构层级", "category", aliases=("层级", "机构级别"),
      meaning="全行 bank / 分行 branch / 支行 outlet / 网点 outlet"),
    C("region", "地区", "text", aliases=("区域", "所在地区", "县区")),
    C("staff_count", "人数", "int", aliases=("员工人数", "在岗人数"), unit="人"),
    C("open_date", "开业日期", "date", aliases=("成立日期", "开办日期")),
), aliases=("机构表", "机构维表", "org_dim"), key=("org_id",), meaning="机构维表: 全行 → 分行 → 支行/网点"))

register_table(TableSpec("customers", "客户", (
    CUST_ID, CUST_NAME, ID_NO,
    C("id_type", "证件类型", "category", aliases=("证件种类",)),
    C("phone", "手机号", "code", aliases=("手机号码", "联系电话", "手机", "移动电话", "联系手机")),
    C("sex", "性别", "category"),
    C("birth_date", "出生日期", "date", aliases=("生日", "出生年月日")),
    C("org_id", "机构号", "code", aliases=ORG_ALIASES + ("归属机构号",)),
    MGR_ID,
    C("open_date", "开户日期", "date", aliases=("建立关系日期", "开户日", "首次开户日期", "建档日期")),
    C("payroll_flag", "代发标志", "bool", aliases=("是否代发", "代发工资")),
    C("mobile_banking", "手机银行签约", "bool", aliases=("手机银行", "是否签约手机银行")),
    C("address", "地址", "text", aliases=("联系地址", "住址")),
    C("cust_status", "客户状态", "category", aliases=("状态", "客户状态码", "客户状态代码", "客户当前状态", "客户状态名称"),
      meaning="正常/销户/身故/冻结…(销户、身故的客户不参与存款流失判断)"),
), aliases=("客户表", "客户信息"), key=("cust_id",), meaning="个人客户基本信息"))

register_table(TableSpec("time_deposits", "定期存款明细", (
    C("acct_no", "账号", "code", True, aliases=("存款账号", "账户", "账户号", "卡号", "存单号", "账号/卡号",
                                              "客户账号", "存折号", "子账号", "子账户")),
    CUST_ID, CUST_NAME, ID_NO, ORG_ID, MGR_ID,
    C("product", "产品", "category", aliases=("产品名称", "存款种类", "储种", "业务品种", "存款产品", "产品类型",
                                            "存款品种"),
      meaning="整存整取/大额存单/零存整取/通知存款/定活两便/其他"),
    C("value_date", "起息日", "date", aliases=("开户日期", "存入日期", "起存日", "起存日期", "起息日期", "存款日期",
                                            "开户日")),
    C("maturity_date", "到期日", "date", True, aliases=("到期日期", "到期时间", "到期"), blank_ok=True,
      meaning="通知存款/定活两便可为空; 其他产品为空时由场景按起息日+期限推算或列为数据问题",
      derivable_from=(("value_date", "term_m"), ("value_date", "term_d"))),
    C("term_m", "期限", "int", unit="月", aliases=("存期", "期限(月)", "存期(月)", "存款期限", "期限月数"),
      days_col="term_d"),
    C("rate", "利率", "rate", unit="%", aliases=("执行利率", "年利率", "利率(%)", "存款利率", "年化利率", "挂牌利率")),
    C("balance", "余额", "money", True, unit="元", aliases=("存款余额", "金额", "本金", "账户余额", "当前余额",
                                                       "存款金额", "存单金额"), nonneg=True,
      if_missing="该行不计入存款统计(笔数与金额)", if_negative="保留原值(含负号); 该行不计入存款统计(笔数与金额)"),
    C("auto_renew", "自动转存", "bool", aliases=("是否自动转存", "转存标志", "自动转存标志")),
    CCY,
    C("status", "状态", "category", aliases=("账户状态", "存款状态", "存单状态")),
    AS_OF,
    C("term_d", "期限天数", "int", unit="天", aliases=("期限(天)", "存期(天)", "期限(日)", "存期(日)", "存期天数",
                                                 "存款天数"),
      meaning="按天约定的期限(表头「存期(天)」读到这里, 不换算为月); 到期日为空时按 起息日 + 天数 推算"),
), aliases=("定期存款", "定期明细", "存款明细", "T_td"), key=("acct_no",), meaning="定期存款(含大额存单)分户明细"))

register_table(TableSpec("org_daily_balances", "机构日余额", (
    C("date", "日期", "date", True, aliases=("余额日期", "统计日期", "数据日期", "业务日期", "会计日期")),
    ORG_ID,
    C("balance", "余额", "money", True, unit="元", aliases=("存款余额", "各项存款余额", "时点余额"),
      nonneg=True, if_missing="该日按前一日的余额计(前值填充)"),
    C("metric", "指标", "category", aliases=("指标名称", "存款类别"), meaning="默认 各项存款"),
), aliases=("日余额", "机构每日余额", "T_bal_daily"), key=("date", "org_id", "metric"),
    meaning="机构每日存款时点余额(非营业日可缺, 前值填充)"))

register_table(TableSpec("deposit_targets", "存款目标", (
    ORG_ID,
    C("metric", "指标", "category", aliases=("考核指标", "指标名称"), meaning="默认 各项存款日均"),
    C("period_start", "考核期起", "date", aliases=("开始日期", "期初")),
    C("period_end", "考核期止", "date", aliases=("结束日期", "期末")),
    C("target", "目标日均", "money", unit="元", aliases=("目标", "任务", "目标值", "日均目标")),
    C("base", "基期日均", "money", unit="元", aliases=("基期", "基数", "基期值")),
    C("prior_avg", "上年日均", "money", unit="元", aliases=("上年全年日均", "存量日均")),
    C("prior_increment", "上年日均增量", "money", unit="元", aliases=("上年增量",)),
    C("potential", "市场潜力", "money", unit="元", aliases=("潜力", "市场潜力值")),
    C("staff_count", "人数", "int", unit="人", aliases=("员工人数", "营销人数")),
), aliases=("目标", "指标分解", "T_target"), key=("org_id", "metric"),
    meaning="存款目标: 全行目标行 + 各机构分解因子(上年日均/增量/潜力/人数)"))

_PAY = dict(kind="money", unit="元")
register_table(TableSpec("payroll", "员工工资", (
    C("month", "月份", "month", True, aliases=("工资月份", "发放月份", "所属期")),
    C("emp_id", "员工号", "code", True, aliases=("工号", "员工编号", "人员编号")),
    C("emp_name", "姓名", "text", aliases=("员工姓名", "职工姓名")),
    C("dept", "部门", "text", aliases=("部门/网点", "所在部门", "机构名称")),
    C("org_id", "机构号", "code", aliases=("网点号", "机构编号", "机构代码")),
    C("position", "岗位", "category", aliases=("岗位名称",)),
    C("grade", "职级", "category", aliases=("职务级别", "级别")),
    C("basic_pay", "基本工资", **_PAY),
    C("post_pay", "岗位工资", **_PAY),
    C("perf_pay", "绩效工资", **_PAY, aliases=("绩效", "绩效奖金")),
    C("allowance", "津补贴", **_PAY, aliases=("津贴补贴", "津贴", "补贴")),
    C("overtime", "加班工资", **_PAY, aliases=("加班", "加班费")),
    C("other_pay", "其他应发", **_PAY),
    C("gross", "应发合计", "money", True, unit="元", aliases=("应发工资", "应发")),
    C("pension", "养老保险", **_PAY, aliases=("养老", "基本养老保险")),
    C("medical", "医疗保险", **_PAY, aliases=("医疗", "基本医疗保险")),
    C("unemployment", "失业保险", **_PAY, aliases=("失业",)),
    C("housing_fund", "住房公积金", **_PAY, aliases=("公积金",)),
    C("annuity", "企业年金", **_PAY, aliases=("企业年金个人", "年金")),
    C("iit", "个人所得税", **_PAY, aliases=("个税", "代扣个税")),
    C("other_deduction", "其他扣款", **_PAY),
    C("special_additional", "专项附加扣除", **_PAY, aliases=("专项附加扣除合计",)),
    C("net", "实发合计", "money", True, unit="元", aliases=("实发工资", "实发")),
), aliases=("工资", "工资表", "T_pay"), key=("month", "emp_id"), meaning="员工月度工资明细(应发项目、扣款项目、实发)"))

#: payroll columns that make up 应发 and the deductions (SCENARIOS.md M1)
PAY_ITEMS = ("basic_pay", "post_pay", "perf_pay", "allowance", "overtime", "other_pay")
PAY_DEDUCTIONS = ("pension", "medical", "unemployment", "housing_fund", "annuity", "iit", "other_deduction")


# Issue 3 tables: loans, payment orders, transactions, product holdings, customer monthly ------------------

#: loan-status codes used by every credit scenario (Berka's loan.status uses exactly these letters):
#: finished = A/B, running = C/D; B (finished, not repaid: 不良结清/核销) and D (in arrears) are problem loans.
LOAN_STATUS = {
    "A": "已结清(正常)",
    "B": "已结清(未还清/不良结清)",
    "C": "正常还款中",
    "D": "逾期中",
}
LOAN_STATUS_FINISHED = ("A", "B")
LOAN_STATUS_RUNNING = ("C", "D")
#: Chinese status words in a bank's export -> code (anything else is left as is and reported)
LOAN_STATUS_ALIASES = {
    "A": "A", "已结清": "A", "结清": "A", "正常结清": "A", "已结清(正常)": "A",
    "B": "B", "不良结清": "B", "核销": "B", "已核销": "B", "未还清结清": "B", "已结清(未还清/不良结清)": "B",
    "C": "C", "正常": "C", "正常还款": "C", "正常还款中": "C", "未结清": "C", "在贷": "C",
    "D": "D", "逾期": "D", "逾期中": "D", "关注": "D", "次级": "D", "可疑": "D", "损失": "D",
}


def loan_status_code(s):
    """Map a status column (codes A/B/C/D or the Chinese words of :data:`LOAN_STATUS_ALIASES`) to codes.

    Input: a string Series; output: a string Series of 'A'/'B'/'C'/'D' (unknown values kept as given,
    missing stays missing). Pure; used by C3/C6/C9 so that an export saying 结清/正常/逾期 works too."""
    import pandas as pd

    t = s.astype("string").str.strip()
    mapped = t.map(lambda v: LOAN_STATUS_ALIASES.get(v, v) if isinstance(v, str) else v)
    return pd.Series(mapped, index=s.index, dtype="string")


#: loan products (业务种类) the scenarios recognise
LOAN_PRODUCTS = ("个人住房贷款", "个人消费贷款", "个人经营贷款", "个人汽车贷款", "助学贷款", "其他贷款")

register_table(TableSpec("loans", "贷款", (
    C("loan_id", "借据号", "code", True, aliases=("借据编号", "贷款账号", "借据", "合同号", "贷款编号")),
    CUST_ID, CUST_NAME, ID_NO,
    C("org_id", "机构号", "code", aliases=ORG_ALIASES + ("经办机构号", "放款机构号", "经办机构", "放款机构")),
    MGR_ID,
    C("acct_no", "账号", "code", aliases=("结算账号", "客户账号"), meaning="客户主结算账号(Berka: account_id)"),
    C("product", "贷款品种", "category", aliases=("业务种类", "贷款种类", "产品", "产品名称", "贷款产品"),
      meaning="个人住房贷款/个人消费贷款/个人经营贷款/个人汽车贷款/助学贷款/其他贷款"),
    C("start_date", "放款日", "date", True, aliases=("放款日期", "发放日期", "起贷日", "借款日期", "贷款发放日")),
    C("maturity_date", "到期日", "date", aliases=("到期日期", "贷款到期日", "合同到期日")),
    C("amount", "贷款金额", "money", unit="元", aliases=("放款金额", "发放金额", "合同金额", "借款金额"), nonneg=True),
    C("balance", "余额", "money", unit="元", aliases=("贷款余额", "本金余额", "借据余额", "当前余额", "剩余本金"),
      nonneg=True),
    C("rate", "利率", "rate", unit="%", aliases=("执行利率", "年利率", "利率(%)", "贷款利率", "年化利率")),
    C("term_m", "期限", "int", unit="月", aliases=("贷款期限", "期限(月)", "贷款期限(月)")),
    C("repay_method", "还款方式", "category", aliases=("还款方式名称",), meaning="等额本息/等额本金/按月付息到期还本/其他"),
    C("monthly_payment", "月供", "money", unit="元", aliases=("月还款额", "每期还款额", "月供金额"), nonneg=True),
    C("repay_acct", "还款账户", "code", aliases=("还款账号", "扣款账号")),
    C("co_borrower_id", "共同借款人证件号", "text", aliases=("共同借款人证件号码", "共借人证件号")),
    C("status", "贷款状态", "category", aliases=("状态", "借据状态", "还款状态"),
      meaning="A 已结清(正常) / B 已结清(未还清,不良结清/核销) / C 正常还款中 / D 逾期中 (Berka 原码); 中文状态词自动映射"),
    C("overdue_days", "逾期天数", "int", unit="天", aliases=("当前逾期天数",)),
    C("end_date", "结清日", "date", aliases=("结清日期", "实际结清日", "终结日期")),
    # issue 14 (C10 存量个贷提额增信): the limit, the declared income and the history a limit review reads
    C("credit_limit", "授信额度", "money", unit="元", aliases=("当前额度", "现额度", "授信金额", "贷款额度", "循环额度"),
      nonneg=True, meaning="当前授信额度(C10 提额的现额度); 空白时 C10 按贷款金额计并写明"),
    C("declared_income", "申报月收入", "money", unit="元", aliases=("月收入", "月收入(申报)", "借款人月收入", "个人月收入",
                                                          "申请月收入"), nonneg=True,
      meaning="借款人申请时申报的月收入(元/月); 空白 = 未知(不按 0 计)"),
    C("paid_terms", "已还期数", "int", unit="期", aliases=("已还款期数", "正常还款期数", "已还期次"), nonneg=True,
      meaning="已正常还款的期数; 空白时 C10 按放款日至数据日期的整月数推算"),
    C("overdue_24m", "近24月逾期", "bool", aliases=("近24月有逾期", "近24个月逾期", "近24月逾期标志", "近两年有逾期"),
      meaning="近 24 个月是否有过逾期(是/否); 空白 = 未知"),
    C("classification", "五级分类", "category", aliases=("风险分类", "贷款分类", "五级分类结果"),
      meaning="正常/关注/次级/可疑/损失; 空白 = 未知"),
    C("restructured", "重组标志", "bool", aliases=("是否重组", "重组贷款", "重组"), meaning="是 = 重组贷款(C10 不提额); 空白 = 未知"),
    AS_OF,
), aliases=("贷款明细", "贷款借据", "借据明细", "T_loan", "T_mtg"), key=("loan_id",),
    meaning="个人贷款借据(含已结清); 状态码见 LOAN_STATUS"))

#: payment-order purposes (代扣用途); Berka k_symbol: UVER 贷款还款, SIPO 家庭费用, POJISTNE 保险, LEASING 租赁
ORDER_PURPOSES = ("贷款还款", "家庭费用", "保险", "租赁", "其他")

register_table(TableSpec("payment_orders", "代扣指令", (
    C("order_id", "指令号", "code", True, aliases=("指令编号", "代扣编号", "协议号")),
    CUST_ID,
    C("acct_no", "账号", "code", aliases=("扣款账号", "付款账号", "账户")),
    C("bank_to", "对方行", "code", aliases=("收款行", "对方行号", "收款行号", "对手行"), meaning="收款行代码/行名"),
    C("acct_to", "对方账号", "code", aliases=("收款账号", "对手账号")),
    C("amount", "金额", "money", True, unit="元", aliases=("扣款金额", "每期金额"), nonneg=True),
    C("purpose", "用途", "category", aliases=("代扣用途", "款项用途", "业务类型"),
      meaning="贷款还款/家庭费用/保险/租赁/其他"),
    C("purpose_code", "用途代码", "code", aliases=("k_symbol",), meaning="原始用途代码(Berka: UVER/SIPO/POJISTNE/LEASING)"),
    C("start_date", "生效日", "date", aliases=("签约日期", "开始日期")),
    CCY,
), aliases=("代扣", "定期代扣", "委托扣款", "T_order"), key=("order_id",),
    meaning="定期代扣/委托付款指令(每月自动划付)"))

register_table(TableSpec("transactions", "交易流水", (
    C("txn_id", "流水号", "code", aliases=("交易流水号", "流水编号", "交易序号")),
    CUST_ID,
    C("acct_no", "账号", "code", aliases=("账户", "卡号", "交易账号")),
    C("txn_ts", "交易时间", "date", True, aliases=("交易日期", "记账日期", "交易日", "交易时间戳", "入账日期")),
    C("amount", "金额", "money", True, unit="元", aliases=("交易金额", "发生额"), nonneg=True),
    C("dc", "借贷", "category", True, aliases=("借贷标志", "借贷方向", "收付标志"), meaning="D 支出(借) / C 收入(贷)"),
    C("balance_after", "余额", "money", unit="元", aliases=("账户余额", "交易后余额", "联机余额", "当前余额")),
    C("cpty_name", "对手户名", "text", aliases=("对方户名", "对方名称", "交易对手")),
    C("cpty_acct", "对手账号", "code", aliases=("对方账号",)),
    C("cpty_bank", "对手行名", "text", aliases=("对方行名", "对方开户行", "对手行")),
    C("memo", "摘要", "text", aliases=("交易摘要", "附言", "用途", "备注")),
    C("channel", "渠道", "category", aliases=("交易渠道",)),
    C("org_id", "机构号", "code", aliases=ORG_ALIASES),
), aliases=("流水", "交易明细", "账户流水", "T_txn"), key=("txn_id",),
    meaning="个人账户交易流水(金额为正, 方向见借贷); 流水号重复的行按 DUP_KEY 处理(保留最后一条)"))

#: product_holdings.product values the scenarios know
HOLDING_PRODUCTS = ("结算账户", "借记卡", "信用卡", "手机银行", "代发", "理财", "社保卡", "ETC",
                    "个人住房贷款", "个人消费贷款", "个人经营贷款", "定期存款", "保险", "基金", "收单/聚合码")

register_table(TableSpec("product_holdings", "产品持有", (
    CUST_ID,
    C("product", "产品", "category", True, aliases=("产品名称", "产品类别", "业务品种"),
      meaning="结算账户/借记卡/信用卡/手机银行/代发/理财/社保卡/ETC/个人住房贷款/个人消费贷款/定期存款 ..."),
    C("held", "持有", "bool", aliases=("是否持有", "持有标志"), meaning="空白视为持有; 无法识别的值为未知",
      if_missing="持有情况未知: 既不算持有也不算缺口", blank_value=True),
    C("balance", "余额", "money", unit="元", aliases=("持有余额", "金额")),
    C("open_date", "开立日期", "date", aliases=("开通日期", "签约日期", "开户日期")),
    C("org_id", "机构号", "code", aliases=ORG_ALIASES),
), aliases=("产品持有表", "持有产品", "T_hold"), key=("cust_id", "product"),
    meaning="客户 × 产品持有(长表, 一行一客户一产品)"))

register_table(TableSpec("customer_monthly", "客户月度存款", (
    CUST_ID,
    C("month", "月份", "month", True, aliases=("统计月份", "数据月份", "年月")),
    C("dep_avg", "存款月日均", "money", unit="元", aliases=("月日均", "存款日均", "日均余额")),
    C("dep_eom", "月末余额", "money", unit="元", aliases=("存款月末余额", "月末存款")),
    C("td_avg", "定期日均", "money", unit="元", aliases=("定期存款日均", "定期月日均")),
    C("dd_avg", "活期日均", "money", unit="元", aliases=("活期存款日均", "活期月日均")),
    C("wm_bal", "理财余额", "money", unit="元", aliases=("本行理财余额", "理财月末余额")),
    C("inflow", "入账金额", "money", unit="元", aliases=("月入账", "流入", "入账")),
    C("outflow", "出账金额", "money", unit="元", aliases=("月出账", "流出", "出账")),
    C("org_id", "机构号", "code", aliases=ORG_ALIASES),
    MGR_ID,
), aliases=("客户月度", "月度存款", "T_cust_m"), key=("cust_id", "month"),
    meaning="客户 × 月份存款日均/月末余额/定活拆分/理财/流入流出"))


# Issue 11 (R1 不良客户偿还能力): the NPL ledger and the deposit accounts of borrowers and guarantors ------------

#: five-level loan classification (五级分类), mildest first; 次级/可疑/损失 are non-performing (不良)
LOAN_CLASSES = ("正常", "关注", "次级", "可疑", "损失")

register_table(TableSpec("npl_loans", "不良贷款", (
    C("loan_id", "借据号", "code", True, aliases=("借据编号", "贷款账号", "借据", "合同号", "贷款编号")),
    CUST_ID, CUST_NAME, ID_NO,
    C("org_id", "机构号", "code", aliases=ORG_ALIASES + ("经办机构号", "放款机构号", "经办机构", "放款机构")),
    MGR_ID,
    C("classification", "五级分类", "category", aliases=("风险分类", "五级分类结果", "贷款分类", "资产分类"),
      meaning="次级/可疑/损失(也认 关注/正常); 空白 = 未提供"),
    C("overdue_days", "逾期天数", "int", unit="天", aliases=("当前逾期天数", "逾期天数(天)", "dpd")),
    C("principal", "本金余额", "money", True, unit="元", aliases=("贷款余额", "余额", "欠本金额", "剩余本金", "欠本"),
      nonneg=True, blank_ok=True, meaning="欠款本金; 空白 = 未知(覆盖率不计算, 不按 0 处理)"),
    C("interest", "欠息", "money", unit="元", aliases=("欠息金额", "应收未收利息", "表内外欠息", "拖欠利息", "利息余额"),
      nonneg=True, meaning="欠息(表内 + 表外); 空白 = 未知(覆盖率不计算)"),
    C("guarantee", "担保方式", "category", aliases=("主要担保方式", "担保类型"), meaning="信用/保证/抵押/质押"),
    C("guarantor_id", "保证人证件号", "id_card", aliases=("保证人证件号码", "担保人证件号", "担保人证件号码",
                                                    "保证人身份证号")),
    C("guarantee_end", "保证期间截止日", "date", aliases=("保证期间到期日", "保证到期日", "保证期限截止日"),
      meaning="保证期间届满后不再计入保证人存款; 空白 = 未提供(按仍在保证期间内计, 说明页写明)"),
    C("written_off", "核销标志", "bool", aliases=("是否核销", "已核销", "核销"), meaning="是 = 已核销(表外), 仍列入名单"),
    C("amount", "贷款金额", "money", unit="元", aliases=("放款金额", "发放金额", "合同金额", "借款金额"), nonneg=True),
    C("status", "贷款状态", "category", aliases=("状态", "借据状态"),
      meaning="可选; Berka 原码 B 已结清未还清 / D 逾期中"),
    C("start_date", "放款日", "date", aliases=("放款日期", "发放日期", "借款日期")),
    C("maturity_date", "到期日", "date", aliases=("到期日期", "贷款到期日", "合同到期日")),
    AS_OF,
), aliases=("不良贷款台账", "不良贷款明细", "不良借据", "T_npl"), key=("loan_id",),
    meaning="不良贷款台账(含已核销): 一行一笔借据; 同一客户多笔由场景按客户合并"))

#: 账户性质 values; 社保/养老金 accounts are protected funds and never counted as available
ACCOUNT_NATURES = ("工资", "社保/养老金", "一般")

register_table(TableSpec("deposit_accounts", "存款账户", (
    C("acct_no", "账号", "code", True, aliases=("存款账号", "账户", "账户号", "卡号", "客户账号", "结算账号", "账号/卡号")),
    CUST_ID, CUST_NAME, ID_NO,
    C("org_id", "机构号", "code", aliases=ORG_ALIASES),
    C("product", "存款种类", "category", aliases=("账户类型", "储种", "产品", "存款产品"), meaning="活期/定期/…(仅展示)"),
    C("nature", "账户性质", "category", aliases=("账户用途", "资金性质", "账户类别"),
      meaning="工资 / 社保/养老金 / 一般; 空白视为一般账户", if_missing="按一般账户计", blank_value="一般"),
    C("balance", "余额", "money", True, unit="元", aliases=("账户余额", "存款余额", "当前余额", "可用余额"),
      nonneg=True, if_negative="保留原值; 可用资金按 0 计"),
    C("avg_12m", "近12月日均", "money", unit="元", aliases=("近12个月日均", "年日均", "近一年日均")),
    C("inflow_12m", "近12月入账", "money", unit="元", aliases=("近12个月入账", "近12月贷方发生额", "近一年入账",
                                                        "近12个月累计入账"), nonneg=True,
      meaning="近 12 个月入账合计(交易流水按账户汇总); 空白 = 未知"),
    C("frozen", "冻结标志", "bool", aliases=("是否冻结", "司法冻结", "冻结状态", "止付标志"),
      meaning="是 = 冻结(司法/止付), 冻结金额空白时整户不计; 空白视为未冻结", if_missing="按未冻结计",
      blank_value=False),
    C("frozen_amount", "冻结金额", "money", unit="元", aliases=("司法冻结金额", "止付金额"), nonneg=True,
      meaning="部分冻结时的冻结金额; 可用 = 余额 − 冻结金额"),
    C("joint", "联名标志", "bool", aliases=("是否联名", "联名账户"), meaning="是 = 联名账户(按参数计入比例); 空白视为非联名",
      blank_value=False),
    C("last_txn_date", "最近交易日", "date", aliases=("最后交易日", "最近动户日", "最后动户日期", "最近交易日期")),
    C("status", "账户状态", "category", aliases=("状态",), meaning="销户/注销等不计"),
    CCY,
    AS_OF,
), aliases=("存款账户表", "存款账户明细", "分户账", "T_dep"), key=("acct_no",),
    meaning="存款分户(借款人与保证人): 余额、账户性质、冻结、最近交易日、近 12 月入账"))


# Issue 12 (E1 商户四级预警, E2 商户五星级分层, C4 收单商户信贷营销): acquiring merchants -----------------------
# The merchant columns are declared once and used by both tables: a bank that exports one monthly sheet carrying
# the merchant columns too (商户名称, MCC, 网点 … on every month row) loads it as 收单商户月度 alone; a scenario
# takes a merchant's attributes from 收单商户 where given, else from its latest month row (SCENARIOS.md C4 T_mch_m).
MCH_ID = C("mch_id", "商户号", "code", True, aliases=("商户编号", "商户代码", "商户编码", "收单商户号", "特约商户号",
                                                   "商户ID", "商户号码", "内部商户号"), meaning="收单商户编号")
MCH_NAME = C("mch_name", "商户名称", "text", aliases=("商户名", "商户全称", "商户简称", "签购单名称", "商户注册名称"))
MCC = C("mcc", "MCC", "code", aliases=("商户类别码", "商户类别代码", "MCC码", "行业类别码", "商户类别", "MCC代码"),
        meaning="商户类别码(4 位, 如 8211 学校、7991 景区); 季节性商户按它识别")
MCH_ORG = C("org_id", "网点", "code", aliases=ORG_ALIASES + ("机构号", "拓展网点", "签约网点", "收单网点"),
            meaning="商户归属网点(机构号)")
MCH_MGR = C("mgr_id", "客户经理", "code", aliases=MGR_ID.aliases + ("拓展人员", "商户经理", "拓展经理", "维护经理"))
MCH_OPEN = C("open_date", "入网日期", "date", aliases=("入网时间", "签约日期", "开通日期", "商户入网日期", "进件日期"),
             meaning="商户入网(签约)日期; 入网不满几个月为新商户观察期")
MCH_STATUS = C("status", "商户状态", "category", aliases=("状态", "商户状态名称", "签约状态"),
               meaning="正常/注销/冻结…; 注销(解约/清退)的商户不预警")
MCH_LEGAL_ID = C("legal_id", "法人证件号", "id_card", aliases=("法人证件号码", "法人身份证号", "法定代表人证件号",
                                                          "法定代表人证件号码", "负责人证件号", "经营者证件号"),
                 meaning="法人(经营者)身份证号; 一人多商户按它汇总(C4)")
MCH_USCC = C("uscc", "统一社会信用代码", "code", aliases=("社会信用代码", "信用代码", "营业执照号", "营业执照号码",
                                                    "统一代码"), meaning="18 位统一社会信用代码(GB 32100)")
MCH_LAST_TXN = C("last_txn_date", "最近交易日", "date", aliases=("最后交易日", "最近交易日期", "末笔交易日",
                                                            "最后交易日期"),
                 meaning="最近一笔交易的日期; 有它时按连续无交易天数判断四级(沉睡)")
MERCHANT_COLUMNS = (MCH_NAME, MCC, MCH_ORG, MCH_MGR, MCH_OPEN, MCH_STATUS, MCH_LEGAL_ID, MCH_USCC, MCH_LAST_TXN)

register_table(TableSpec("merchants", "收单商户", (MCH_ID, *MERCHANT_COLUMNS),
                         aliases=("商户表", "商户信息", "收单商户表", "商户清单", "收单商户信息", "T_mch"), key=("mch_id",),
                         meaning="收单商户基本信息: 一行一个商户"))

register_table(TableSpec("merchant_monthly", "收单商户月度", (
    MCH_ID,
    C("month", "月份", "month", True, aliases=("交易月份", "统计月份", "数据月份", "年月")),
    C("txn_count", "笔数", "int", unit="笔", aliases=("交易笔数", "消费笔数", "成功笔数", "总笔数", "月交易笔数"),
      nonneg=True, meaning="当月交易笔数(含退货); 0 = 当月无交易"),
    C("amount", "金额", "money", True, unit="元", aliases=("交易金额", "交易额", "消费金额", "收单金额", "净交易金额",
                                                      "月交易额", "月交易金额"),
      meaning="当月净交易额, 退货为负; 空白 = 未知(不按 0 处理)", if_missing="该月交易额未知: 不按 0 计, 依赖该月的基线与等级不评"),
    C("settle_avg", "结算户日均", "money", unit="元", aliases=("结算账户日均", "结算户月日均", "结算账户月日均",
                                                        "结算户存款日均")),
    *MERCHANT_COLUMNS,
), aliases=("商户月度交易", "收单商户月度交易", "商户月度", "商户交易月报", "收单月报", "T_mch_m"),
    key=("mch_id", "month"),
    meaning="商户 × 月份交易笔数/金额(退货为负)/结算户日均; 可同时带商户列(一张表即可)"))


# Issue 13 (C5 ETC 客户): the ETC sign-up list as a bank receives it (the ETC issuer's export or its own) ----------
register_table(TableSpec("etc_signups", "ETC签约", (
    C("signup_id", "签约号", "code", aliases=("签约编号", "协议号", "ETC签约号", "OBU号", "合同号", "签约流水号")),
    C("cust_id", "客户号", "code", aliases=CUST_ID.aliases, meaning="本行客户号(若有); 证件号缺失时按它匹配"),
    C("cust_name", "姓名", "text", aliases=("客户姓名", "车主姓名", "车主", "客户名称", "户名", "签约人", "单位名称")),
    C("id_no", "证件号", "id_card", aliases=("证件号码", "身份证号", "身份证号码", "车主证件号", "证件号(脱敏)"),
      meaning="15 或 18 位身份证号(15 位自动升位); 单位签约为统一社会信用代码(记为证件问题, 不参与匹配)"),
    C("phone", "手机", "code", aliases=("手机号", "手机号码", "联系电话", "手机(脱敏)", "手机号(脱敏)", "联系手机"),
      meaning="常为脱敏号码 138****5678; 只比较双方都显示的数字"),
    C("plate", "车牌", "text", True, aliases=("车牌号", "车牌号码", "号牌", "号牌号码", "车辆号牌")),
    C("vehicle_type", "车型", "category", aliases=("车辆类型", "车种", "车型分类", "客货类型"),
      meaning="客车/货车(货车 = 经营贷线索); 空白 = 未知"),
    C("card_type", "绑定卡", "category", aliases=("绑定卡类型", "扣款卡类型", "卡种"), meaning="借记/信用"),
    C("signup_date", "签约日期", "date", aliases=("签约日", "开通日期", "办理日期", "激活日期")),
    C("status", "状态", "category", aliases=("签约状态", "ETC状态", "账户状态"), meaning="正常/注销(注销的签约不计)"),
    C("signup_kind", "签约类型", "category", aliases=("客户类型", "签约主体", "个人/单位", "用户类型"),
      meaning="个人/单位(单位 ETC 剔除); 空白按姓名判断(含 公司/有限/厂 … 为单位)"),
    C("org_id", "签约机构", "code", aliases=("签约网点", "办理网点", "办理机构", "签约机构号") + ORG_ALIASES),
    C("monthly_toll", "月通行扣费", "money", unit="元", aliases=("月均通行费", "月通行费", "通行费(月均)", "月扣费金额"),
      nonneg=True, meaning="近几个月的月均通行扣费; 空白 = 未知(不按 0 计)"),
    AS_OF,
), aliases=("ETC签约名单", "ETC名单", "ETC客户", "ETC", "T_etc"), key=("signup_id",),
    meaning="ETC 签约名单(外部名单口径: 证件号可 15 位、手机脱敏、一人多车): 一行一辆车"))

# Issue 13 (C2 个体工商户): the market-regulation bureau's registration list of individual businesses as banks receive it
register_table(TableSpec("businesses", "个体工商户", (
    C("biz_name", "字号名称", "text", True, aliases=("字号", "名称", "个体户名称", "个体工商户名称", "市场主体名称",
                                                  "商户名称", "企业名称", "字号名称(全称)"),
      meaning="个体工商户的字号或名称(无字号的写经营者姓名)"),
    C("uscc", "统一社会信用代码", "code", aliases=("社会信用代码", "信用代码", "统一代码", "营业执照号", "营业执照号码",
                                            "注册号/统一社会信用代码"),
      meaning="18 位统一社会信用代码(GB 32100; 个体工商户多为 92 开头); 校验位错误的记为数据问题"),
    C("cust_name", "经营者姓名", "text", aliases=("经营者", "经营者名称", "负责人", "负责人姓名", "姓名", "业主姓名",
                                               "法定代表人", "法定代表人姓名")),
    C("id_no", "经营者证件号", "id_card", aliases=("经营者证件号码", "经营者身份证号", "经营者身份证号码", "证件号",
                                              "证件号码", "身份证号", "身份证号码", "负责人证件号"),
      meaning="15 或 18 位身份证号(15 位自动升位); 一人多户按它汇总"),
    C("phone", "手机", "code", aliases=("手机号", "手机号码", "联系电话", "联系手机", "移动电话", "手机(脱敏)", "经营者电话")),
    C("cust_id", "客户号", "code", aliases=CUST_ID.aliases, meaning="本行客户号(名单已由本行预匹配时)"),
    C("industry", "行业", "category", aliases=("所属行业", "行业门类", "行业类别", "行业分类", "国民经济行业", "行业名称"),
      meaning="行业门类(批发和零售业、住宿和餐饮业 …); 空白 = 未知"),
    C("scope", "经营范围", "text", aliases=("经营范围及方式", "主营项目", "许可经营项目")),
    C("authority", "登记机关", "text", aliases=("登记机关名称", "管辖机关", "发照机关", "所属市场监管所")),
    C("address", "经营场所", "text", aliases=("经营地址", "住所", "地址", "经营场所地址", "住所/经营场所")),
    C("reg_date", "成立日期", "date", aliases=("登记日期", "注册日期", "成立时间", "核准日期", "开业日期", "设立日期")),
    C("status", "登记状态", "category", aliases=("状态", "经营状态", "登记状态名称", "市场主体状态", "存续状态"),
      meaning="存续/在业/注销/吊销 …(注销、吊销的不计); 空白按存续计"),
    C("org_id", "网点", "code", aliases=("归属网点", "营销网点", "分配网点", "责任网点") + ORG_ALIASES,
      meaning="名单分配到的网点(未匹配到本行客户的按它统计)"),
    AS_OF,
), aliases=("个体户", "个体工商户名单", "个体工商户登记", "个体工商户登记信息", "市场主体名单", "T_ind"),
    meaning="市场监管部门的个体工商户登记名单(外部名单口径: 证件号可 15 位、全角字符、手机脱敏、一人多户): 一行一户"))

# Issue 13 (C1 线上贷款白名单优先级): an external whitelist, the credit reports held under authorisation, a blacklist --
register_table(TableSpec("external_lists", "外部名单", (
    C("list_source", "名单来源", "category", aliases=("来源", "名单类型", "名单名称", "名单类别", "来源单位"),
      meaning="公积金/机关事业单位/优质企业 …; 空白 = 未注明"),
    C("cust_name", "姓名", "text", True, aliases=("客户姓名", "职工姓名", "员工姓名", "人员姓名", "缴存人姓名", "客户名称",
                                              "户名")),
    C("id_no", "证件号", "id_card", aliases=("证件号码", "身份证号", "身份证号码", "公民身份号码", "证件号(脱敏)"),
      meaning="15 或 18 位身份证号(15 位自动升位); 以数值保存而损坏的为 ID_CORRUPT, 只能按 姓名+手机 匹配"),
    C("phone", "手机", "code", aliases=("手机号", "手机号码", "联系电话", "联系手机", "手机(脱敏)", "手机号(脱敏)")),
    C("employer", "单位", "text", aliases=("单位名称", "工作单位", "缴存单位", "所在单位", "任职单位")),
    C("income_base", "缴存基数", "money", unit="元", aliases=("月缴存基数", "公积金基数", "缴存工资基数", "工资基数", "月收入",
                                                         "月均收入"), nonneg=True,
      meaning="公积金缴存基数或名单给出的月收入(元/月); 空白 = 未知"),
    C("cust_id", "客户号", "code", aliases=CUST_ID.aliases, meaning="本行客户号(名单已由本行预匹配时)"),
    C("org_id", "分配机构", "code", aliases=("分配网点", "营销机构", "归属网点") + ORG_ALIASES,
      meaning="名单分配到的网点(仅外部的新客按它统计)"),
    AS_OF,
), aliases=("白名单", "外部白名单", "公积金名单", "机关事业单位名单", "优质单位名单", "L_ext"),
    meaning="外部名单(公积金缴存/机关事业单位/优质企业员工): 一行一人, 证件号可 15 位、手机脱敏"))

register_table(TableSpec("credit_reports", "征信明细", (
    C("id_no", "证件号", "id_card", True, aliases=("证件号码", "身份证号", "身份证号码", "被查询人证件号", "证件号(脱敏)")),
    C("cust_id", "客户号", "code", aliases=CUST_ID.aliases),
    C("cust_name", "姓名", "text", aliases=("客户姓名", "被查询人姓名", "客户名称")),
    C("report_date", "报告日期", "date", aliases=("征信报告日期", "报告时间", "报告生成日期"),
      meaning="一人多份报告取最新一份"),
    C("account_type", "账户类型", "category", aliases=("账户类别",), meaning="D1 非循环贷/R1 循环贷/R2 贷记卡/R3 准贷记卡/R4"),
    C("lender", "管理机构", "text", aliases=("业务管理机构", "授信机构", "发放机构", "贷款机构")),
    C("business_type", "业务种类", "category", aliases=("贷款种类", "业务类型")),
    C("open_date", "开立日期", "date", aliases=("开户日期", "发放日期")),
    C("maturity_date", "到期日期", "date", aliases=("到期日",)),
    C("amount", "借款金额", "money", unit="元", aliases=("授信额度", "合同金额", "贷款金额"), nonneg=True),
    C("balance", "余额", "money", unit="元", aliases=("本金余额", "已用额度"), nonneg=True),
    C("account_status", "账户状态", "category", aliases=("状态",), meaning="正常/逾期/结清/呆账/转出"),
    C("overdue_amount", "当前逾期总额", "money", unit="元", aliases=("当前逾期金额", "逾期金额"), nonneg=True),
    C("repay_24m", "近24月还款状态", "text", aliases=("近24个月还款状态", "24个月还款状态", "还款记录", "还款状态串"),
      meaning="24 个字符, 从早到晚: N 正常, 1–7 逾期月数档, C 结清, G/D/Z/*/# 其他; 空白 = 未知"),
    C("classification", "五级分类", "category", aliases=("风险分类",)),
    C("guarantee", "担保方式", "category", aliases=("担保类型",)),
    C("hard_queries_3m", "近3月硬查询次数", "int", unit="次", aliases=("近3个月硬查询次数", "近3月审批查询次数",
                                                                  "近3个月贷款及信用卡审批查询次数"), nonneg=True,
      meaning="报告中近 3 个月贷款审批与信用卡审批的查询次数(同一报告各行相同); 空白 = 未知"),
    AS_OF,
), aliases=("征信", "征信报告", "征信账户明细", "T_cr_acct"),
    meaning="依授权取得的个人征信报告(贷款审批/贷后管理): 一行一个信贷账户, 仅限授权用途"))

register_table(TableSpec("blacklist", "黑名单", (
    C("cust_name", "姓名", "text", True, aliases=("客户姓名", "被执行人姓名", "被执行人", "客户名称", "户名")),
    C("id_no", "证件号", "id_card", aliases=("证件号码", "身份证号", "身份证号码")),
    C("cust_id", "客户号", "code", aliases=CUST_ID.aliases),
    C("phone", "手机", "code", aliases=("手机号", "手机号码", "联系电话")),
    C("source", "来源", "category", aliases=("黑名单类型", "名单类型", "列入原因"), meaning="失信被执行人/本行黑名单/欺诈 …"),
    C("list_date", "列入日期", "date", aliases=("发布日期", "登记日期")),
    C("status", "状态", "category", aliases=("名单状态",), meaning="有效/已移出(移出、撤销的不计)"),
    AS_OF,
), aliases=("失信被执行人", "失信被执行人名单", "黑名单表", "风险名单"),
    meaning="黑名单/失信被执行人名单: 一行一人; 状态为 已移出/撤销 的不计"))

# Issue 14 (E3 手机银行活跃 vs 存款; 授信未用): monthly mobile-banking activity and the granted credit lines ----------
#: 签约状态 words meaning the customer has no mobile banking (the data say so: 未签约, not unknown)
MB_UNSIGNED = "未签约|已解约|解约|注销|未开通|已关闭"

register_table(TableSpec("mobile_banking_monthly", "手机银行月度", (
    CUST_ID,
    C("month", "月份", "month", True, aliases=("统计月份", "数据月份", "年月", "活跃月份")),
    C("logins", "登录次数", "int", unit="次", aliases=("登录笔数", "月登录次数", "登录数", "手机银行登录次数", "登录次数(次)"),
      nonneg=True, meaning="当月登录次数; 0 = 当月未登录, 空白 = 未知(不按 0 处理)"),
    C("txn_count", "动账笔数", "int", unit="笔", aliases=("动账交易笔数", "交易笔数", "月动账笔数", "金融交易笔数"),
      nonneg=True, meaning="当月动账(金融)交易笔数; 空白 = 未知"),
    C("txn_amount", "动账金额", "money", unit="元", aliases=("动账交易金额", "交易金额", "月动账金额", "金融交易金额"),
      nonneg=True),
    C("transfers", "转账笔数", "int", unit="笔", aliases=("转账汇款笔数", "转账次数"), nonneg=True,
      meaning="积分提升法的分项(可选): 转账"),
    C("payments", "缴费笔数", "int", unit="笔", aliases=("生活缴费笔数", "缴费次数"), nonneg=True),
    C("wm_buys", "理财申购笔数", "int", unit="笔", aliases=("理财购买笔数", "理财交易笔数", "申购笔数"), nonneg=True),
    C("loan_draws", "贷款支用笔数", "int", unit="笔", aliases=("线上支用笔数", "贷款提款笔数", "支用笔数"), nonneg=True),
    C("last_login", "最后登录日", "date", aliases=("最近登录日", "最后登录日期", "最近登录日期", "最后登录时间")),
    C("signup_date", "签约日", "date", aliases=("签约日期", "开通日期", "手机银行签约日", "注册日期")),
    C("signup_status", "签约状态", "category", aliases=("手机银行状态", "签约标志", "状态"),
      meaning="已签约/未签约/已解约 …; 未签约、解约的客户为「未签约」(数据明示), 其余按签约计"),
    C("org_id", "机构号", "code", aliases=ORG_ALIASES),
), aliases=("手机银行月度活跃", "手机银行活跃", "手机银行月报", "手机银行登录", "T_mb_m"), key=("cust_id", "month"),
    meaning="客户 × 月份手机银行登录次数、动账笔数/金额及分项, 签约日与签约状态"))

register_table(TableSpec("credit_lines", "授信", (
    C("line_id", "授信编号", "code", aliases=("额度编号", "授信协议号", "额度合同号", "授信合同号", "额度号")),
    CUST_ID, CUST_NAME, ID_NO,
    C("org_id", "机构号", "code", aliases=ORG_ALIASES),
    MGR_ID,
    C("product", "产品", "category", aliases=("授信产品", "额度产品", "产品名称", "贷款产品", "业务品种")),
    C("limit", "授信额度", "money", True, unit="元", aliases=("额度", "授信金额", "核定额度", "循环额度", "授信总额"),
      nonneg=True, meaning="核定的授信额度(元)"),
    C("used", "已用额度", "money", unit="元", aliases=("已用余额", "用信余额", "贷款余额", "已用金额", "占用额度"),
      nonneg=True, meaning="当前已用(用信)余额; 空白 = 未知(不按未用处理)"),
    C("start_date", "授信日", "date", aliases=("授信日期", "授信起始日", "额度生效日", "生效日期", "起始日期", "授信起日")),
    C("end_date", "到期日", "date", aliases=("到期日期", "授信到期日", "额度到期日", "授信止日", "失效日期", "终止日期")),
    C("last_draw", "最近支用日", "date", aliases=("最近用信日", "最后支用日", "最近支用日期", "最后提款日")),
    C("status", "额度状态", "category", aliases=("状态", "授信状态", "额度状态名称"),
      meaning="正常/冻结/失效/终止 …(冻结、失效的额度不列入授信未用)"),
    AS_OF,
), aliases=("授信明细", "授信台账", "授信额度", "额度明细", "个人授信", "T_credit"), key=("line_id",),
    meaning="个人授信额度: 一行一笔额度(一人可多笔), 额度、已用、授信起止日、产品、状态"))

# Issue 14 (C7 助学贷款客户): the student-loan ledger (生源地/校园地国家助学贷款), one row per 借据 (usually one per academic year)
register_table(TableSpec("student_loans", "助学贷款", (
    C("loan_id", "借据号", "code", True, aliases=("借据编号", "合同号", "贷款合同号", "贷款账号", "借据", "合同编号")),
    C("cust_id", "客户号", "code", aliases=CUST_ID.aliases, meaning="学生的本行客户号(若有)"),
    C("cust_name", "学生姓名", "text", aliases=("借款学生姓名", "借款人姓名", "借款人", "姓名", "学生", "客户名称")),
    C("id_no", "学生证件号", "id_card", aliases=("学生证件号码", "学生身份证号", "借款人证件号", "借款人证件号码", "借款人身份证号",
                                          "证件号码", "证件号", "身份证号", "身份证号码"),
      meaning="学生(借款人)身份证号; 15 位自动升位"),
    C("phone", "学生手机", "code", aliases=("手机号", "手机号码", "学生手机号", "联系电话", "借款人手机")),
    C("org_id", "机构号", "code", aliases=ORG_ALIASES + ("经办机构号", "经办网点", "受理机构", "县级资助中心")),
    MGR_ID,
    C("school", "学校", "text", aliases=("就读学校", "学校名称", "高校名称", "院校名称", "院校")),
    C("degree", "学历", "category", aliases=("学历层次", "培养层次", "就读学历", "学生类别"),
      meaning="本专科(本科/专科/高职)/研究生(硕士/博士); 空白 = 未知"),
    C("study_years", "学制", "int", unit="年", aliases=("学制(年)", "学制年限"), nonneg=True),
    C("enroll_year", "入学年份", "int", unit="年", aliases=("入学年", "入学年度", "入学年月", "入学时间")),
    C("grad_year", "毕业年份", "int", unit="年", aliases=("预计毕业年份", "预计毕业年", "毕业年", "毕业年度", "届别"),
      meaning="预计(或实际)毕业年份; 空白时按 入学年份 + 学制 推算"),
    C("grace_end", "宽限期到期日", "date", aliases=("宽限期截止日", "还本宽限期到期日", "宽限期结束日"),
      meaning="还本宽限期的最后一天; 空白时按 毕业日 + 宽限期(参数) 推算; 延期毕业的以此为准"),
    C("start_date", "放款日", "date", aliases=("放款日期", "发放日期", "贷款发放日", "借款日期")),
    C("maturity_date", "到期日", "date", aliases=("到期日期", "贷款到期日", "合同到期日")),
    C("amount", "贷款金额", "money", unit="元", aliases=("年度贷款额", "年度贷款金额", "放款金额", "合同金额", "借款金额"),
      nonneg=True, meaning="该借据(学年)的贷款金额"),
    C("balance", "余额", "money", unit="元", aliases=("贷款余额", "本金余额", "借据余额", "剩余本金"), nonneg=True,
      meaning="空白 = 未知(不按 0 计)"),
    C("status", "还款状态", "category", aliases=("贷款状态", "状态", "借据状态"),
      meaning="正常/逾期/结清(或 A/B/C/D 码, 同贷款表)"),
    C("overdue_days", "逾期天数", "int", unit="天", aliases=("当前逾期天数",), nonneg=True),
    C("end_date", "结清日", "date", aliases=("结清日期", "实际结清日")),
    C("co_borrower_id", "共同借款人证件号", "id_card", aliases=("共同借款人证件号码", "共同借款人身份证号", "共借人证件号"),
      meaning="共同借款人(多为父母)的身份证号"),
    C("co_borrower_name", "共同借款人姓名", "text", aliases=("共同借款人", "共借人姓名", "共同借款人名称")),
    C("co_borrower_phone", "共同借款人手机", "code", aliases=("共同借款人手机号", "共同借款人电话", "共借人手机")),
    C("co_borrower_rel", "共同借款人关系", "category", aliases=("与学生关系", "共借人关系", "关系")),
    AS_OF,
), aliases=("助学贷款明细", "助学贷款台账", "国家助学贷款", "生源地助学贷款", "生源地信用助学贷款", "T_sl"), key=("loan_id",),
    meaning="国家助学贷款借据(生源地/校园地): 学生、学校、学历、学制、入学/毕业年份、余额、还款状态、共同借款人"))

# Issue 11 (D1 人行市场份额报表分析): the PBOC interbank deposit report and a bank-name alias table ------------------
#: the 指标 of the PBOC deposit report (SCENARIOS.md D1)
PBOC_ITEMS = ("各项存款", "单位存款", "单位活期", "单位定期", "个人存款", "个人活期", "个人定期", "财政性存款", "其他")

register_table(TableSpec("market_share", "人行市场份额", (
    C("stat_date", "统计日期", "date", True, aliases=("报表日期", "月份", "统计月份", "数据日期", "日期", "报告期", "期末日期"),
      meaning="月报的月末日(写 2024-01 读作当月; 同月多期取最后一期)"),
    C("bank_name", "机构名称", "text", True, aliases=("银行", "银行名称", "金融机构", "金融机构名称", "机构", "单位名称"),
      meaning="报表上的银行名称(经「机构别名」归一: 简称、更名前名称、被合并机构)"),
    C("item", "指标", "category", True, aliases=("项目", "指标名称", "科目", "存款种类", "存款类别"),
      meaning="各项存款/单位存款/单位活期/单位定期/个人存款/个人活期/个人定期/财政性存款/其他"),
    C("balance", "余额", "money", True, unit="元", aliases=("存款余额", "期末余额", "本期余额", "金额", "余额合计"),
      meaning="表头写单位: 余额(万元) / 余额(亿元) 按单位换算; 空白 = 未报(不按 0 计)"),
    C("region", "地区", "text", aliases=("区域", "辖区", "地市", "统计地区")),
), aliases=("人行存款同业报表", "存款同业统计", "人行报表", "市场份额", "同业存款报表", "T_pboc"),
    meaning="人民银行分支机构通报的存款同业统计(月报): 长表一行 = 日期 × 机构 × 指标; 宽表(每月一张工作表, "
            "一行一个指标, 一列一家银行, 表头上方写单位)读入时转为长表",
    wide=("stat_date", "item", "bank_name", "balance")))

register_table(TableSpec("bank_aliases", "机构别名", (
    C("alias", "别名", "text", True, aliases=("原名称", "报表名称", "机构别名", "简称", "曾用名", "被合并机构")),
    C("bank_name", "标准名称", "text", True, aliases=("现名称", "归并名称", "机构名称", "合并后机构", "标准机构名称")),
    C("valid_from", "生效日期", "date", aliases=("起始日期", "开始日期", "自")),
    C("valid_to", "失效日期", "date", aliases=("截止日期", "结束日期", "至")),
    C("reason", "原因", "category", aliases=("类型", "变更类型", "说明"), meaning="简称/更名/合并"),
), aliases=("银行别名", "别名表", "bank_alias"),
    meaning="机构名称归一: 报表日期在 [生效日期, 失效日期] 内(空白 = 不限)的「别名」计入「标准名称」(更名、合并)"))

# Alias table for users (docs/表头别名.md) -----------------------------------------------------------------
ALIAS_DOC = "docs/表头别名.md"


def alias_markdown() -> str:
    """The user's alias table: one section per canonical table (中文名, id, sheet names accepted), one row per
    column (标准表头 | 列 id | 类型 | 单位 | 必填 | 也认的表头). A pure function of :data:`TABLES`;
    docs/表头别名.md is its output (``python -m bankxl.tables`` rewrites it; a test keeps them equal)."""
    kinds = {"id_card": "证件号", "code": "代码(文本)", "text": "文本", "category": "分类", "date": "日期",
             "month": "月份", "money": "金额", "number": "数值", "int": "整数", "rate": "利率", "bool": "是/否"}
    out = ["# 表头别名 (header aliases)", "",
           "bankxl 按表头找列: 下表「标准表头」、英文列 id 和「也认的表头」都可以。匹配时忽略空格、换行、全角/半角、"
           "英文大小写、首尾的 `*`, 繁体字按简体比较(帳號 = 账号)。表头可带单位: `余额(万元)` 按万元换算为元, "
           "`利率(%)` 按百分数读取, `期限(年)` 换算为月, `存期(天)` 读入按天的期限列(不换算为月)。",
           "",
           "没有匹配任何列的表头不会被读取, 报告的「说明」页会列出它们; 一个字段有多列可用时(如「余额」和「账户余额」), "
           "用标准表头那一列(其次英文 id, 再次别名; 同级取最左一列), 说明页写明用了哪一列。缺少必填列时, "
           "错误信息会列出现有表头并提示最接近的几个。",
           "",
           "本文件由 `python -m bankxl.tables` 根据 bankxl/tables.py 生成, 请勿手改。", ""]
    for t in TABLES.values():
        out += [f"## {t.zh} ({t.id})", "", f"工作表/Excel 表/CSV 文件名可用: {'、'.join(t.names)}。{t.meaning}", "",
                "| 标准表头 | 列 id | 类型 | 单位 | 必填 | 也认的表头 |", "|---|---|---|---|---|---|"]
        for c in t.columns:
            out.append(f"| {c.zh} | {c.id} | {kinds[c.kind]} | {c.unit or ''} | {'是' if c.required else ''} | "
                       f"{'、'.join(c.aliases)} |")
        out.append("")
    return "\n".join(out)


def write_alias_doc(path=None) -> None:
    """Write :func:`alias_markdown` to ``path`` (default: docs/表头别名.md of the source checkout), UTF-8."""
    from pathlib import Path

    p = Path(path) if path else Path(__file__).resolve().parents[1] / ALIAS_DOC
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(alias_markdown(), encoding="utf-8")


if __name__ == "__main__":
    write_alias_doc()
