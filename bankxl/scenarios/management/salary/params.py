"""M1 parameters (:class:`SalaryParams`) and the pay item groups (SCENARIOS.md §5 M1, §8)."""
from __future__ import annotations

from dataclasses import dataclass

from .... import tax
from ....errors import ParameterError
from ....scenario import param
from ....tables import get_table

FIXED_ITEMS = ("basic_pay", "post_pay", "allowance")
PERF_ITEMS = ("perf_pay", "overtime", "other_pay")
SOCIAL_ITEMS = ("pension", "medical", "unemployment", "housing_fund")
POOLED = "其他部门(合并)"

_SPEC = get_table("payroll")


def _zh(col: str) -> str:
    return _SPEC.column(col).zh


@dataclass(frozen=True)
class SalaryParams:
    """Parameters of M1 (defaults: SCENARIOS.md M1 and §8)."""

    tolerance: float = param(0.01, "核对容差", "元", "应发/实发/个税核对允许的差额")
    show_individual: bool = param(False, "显示个人排名", help="默认只出部门中位数; 个人排名需授权, 姓名始终脱敏")
    window_months: int = param(12, "统计月数", "月", "结构/排名/扣款统计数据日期所在月及之前 N 个月; 趋势显示全部月份")
    min_group_size: int = param(3, "部门最少人数", "人", "人数少于此值的部门合并为「其他部门(合并)」, 防止反推个人工资")
    pension_rate: float = param(0.08, "养老保险个人比例", help="个人缴费比例, 用于推算缴费基数", max=1.0)
    medical_rate: float = param(0.02, "医疗保险个人比例", max=1.0)
    unemployment_rate: float = param(0.005, "失业保险个人比例", max=1.0)
    housing_fund_range: tuple = param((0.05, 0.12), "住房公积金比例范围", help="(下限, 上限)", max=1.0)
    base_limits: tuple = param((0.0, 0.0), "缴费基数上下限", "元",
                               "(下限, 上限), 0 = 不检查; 常见为当地平均工资 60%–300%", min=0)
    contribution_tolerance: float = param(1.0, "社保核对容差", "元", "医疗/失业保险与 基数×比例 相差超过该值才提示"
                                          "(各地取整规则、大病医疗附加不同)")
    housing_fund_slack: float = param(0.005, "公积金比例容差", help="公积金比例超出上下限该值以上才提示(0.005 = 0.5 个百分点)",
                                      max=0.1)
    basic_deduction: float = param(tax.BASIC_DEDUCTION, "基本减除费用", "元/月", "累计预扣法每月减除费用")
    annuity_cap_rate: float = param(0.04, "企业年金扣除上限比例", max=1.0,
                                    help="企业年金个人缴费不超过缴费工资计税基数 4% 的部分可税前扣除; 以当月应发代基数")
    tax_brackets: tuple = param(tax.BRACKETS, "个税预扣率表", "元",
                                "(累计应纳税所得额上限, 预扣率, 速算扣除数), 综合所得年度税率表; 最后一档上限写 Infinity",
                                open_top=True)
    bonus_factor: float = param(1.5, "年终奖月倍数", help="月应发总额 > 倍数 × 各月中位数的月份标为年终奖月")
    month_range: tuple = param((10, 1), "月份合理范围", "年", "(数据日期前 N 年, 数据日期后 M 年): 超出的月份记为 "
                               "DATE_INVALID, 该行不参与核对与统计", min=0)

    def check(self) -> None:
        """Rules across values: (下限, 上限) pairs with 下限 ≤ 上限 (缴费基数: 0 = not checked); the tax table's
        rows (上限, 预扣率, 速算扣除数) with increasing 上限, the last Infinity, 预扣率 within 0–1. Raises
        ParameterError."""
        for name, zh, (lo_hi) in (("housing_fund_range", "住房公积金比例范围", self.housing_fund_range),
                                  ("base_limits", "缴费基数上下限", self.base_limits)):
            if len(lo_hi) != 2 or (lo_hi[0] > lo_hi[1] and not (name == "base_limits" and not lo_hi[1])):
                raise ParameterError(f"参数「{zh}({name})」应为两个数 (下限, 上限) 且下限不大于上限, 给定 "
                                     f"{', '.join(f'{x:g}' for x in lo_hi)}。",
                                     f"Parameter {name} needs two numbers (lower, upper) with lower <= upper.")
        rows = self.tax_brackets
        bad = next((r for r in rows if not isinstance(r, tuple) or len(r) != 3
                    or any(isinstance(x, bool) or not isinstance(x, (int, float)) for x in r)), None)
        uppers = [r[0] for r in rows] if bad is None else []
        why = ("每档应为 (累计应纳税所得额上限, 预扣率, 速算扣除数) 三个数" if bad is not None or not rows
               else "各档上限应严格递增" if any(b <= a for a, b in zip(uppers, uppers[1:]))
               else "最后一档上限应写 Infinity(无上限)" if uppers[-1] != float("inf")
               else "预扣率应在 0 与 1 之间(如 3% 写 0.03)" if any(not 0 <= r[1] <= 1 for r in rows) else "")
        if why:
            raise ParameterError(f"参数「个税预扣率表(tax_brackets)」: {why}。",
                                 "Parameter tax_brackets: rows of (upper bound, rate 0-1, quick deduction) with "
                                 "strictly increasing upper bounds, the last Infinity.")
