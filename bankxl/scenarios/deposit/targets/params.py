"""D5 parameters (:class:`TargetParams`, SCENARIOS.md D5 【假设】 and §0.4) and the labels the report shows."""
from __future__ import annotations

from dataclasses import dataclass

from ....errors import ParameterError
from ....scenario import param

FACTORS = ("prior_avg", "prior_increment", "potential", "staff_count")
FACTOR_ZH = {"prior_avg": "存量", "prior_increment": "上年增量", "potential": "潜力", "staff_count": "人数"}
QUARTER_ZH = ("一季度", "二季度", "三季度", "四季度")
DEFAULT_METRIC = "各项存款日均"

UNREACHABLE = "基本不可达"
REACHED = "已达成"
NOT_REACHED = "未达成(期已结束)"
SATISFIED = "当前余额已满足"
RAISE = "需提升"
WARN = "预警"
#: the 可达性 labels that have a 建议动作 (:attr:`TargetParams.reach_actions`)
REACH_STATES = (SATISFIED, RAISE, UNREACHABLE, REACHED, NOT_REACHED)

# ============================================================================ parameters
@dataclass(frozen=True)
class TargetParams:
    """Parameters of D5 (defaults SCENARIOS.md D5 【假设】 and §0.4)."""

    weight_stock: float = param(0.4, "权重-存量(上年日均)", help="存量因子权重; 四个权重按比例使用, 不必合计为 1")
    weight_increment: float = param(0.3, "权重-上年日均增量", help="上年增量因子权重; 负增量按 0 计")
    weight_potential: float = param(0.2, "权重-市场潜力", help="市场潜力因子权重(可取 D1 份额分析结果)")
    weight_staff: float = param(0.1, "权重-人数", help="人数因子权重")
    rounding_unit: float = param(10_000.0, "取整单位", "元", help="分解结果取整单位, 默认 1 万元; 最大余数法保证合计不变")
    quarter_progress: tuple = param((0.40, 0.25, 0.20, 0.15), "季度增量进度", "比例",
                                    help="一至四季度完成增量任务的比例(开门红前置)")
    deviation_limit: float = param(0.04, "月末偏离度上限", "比例", help="(月末余额 − 月日均)/月日均 超过即预警, 监管 4%")
    unreachable_factor: float = param(2.0, "不可达倍数", "倍", help="所需日均 R > 倍数 × 当前余额 → 基本不可达")
    metric: str = param("", "考核指标", help="空 = 各项存款日均(文件中无此指标时取第一个指标)")
    reach_actions: tuple = param(
        ((SATISFIED, "保持余额, 防止月末/季末冲高后回落"), (RAISE, "按缺口安排营销, 每日余额须达到所需日均"),
         (UNREACHABLE, "所需日均超过当前余额的不可达倍数: 评估目标, 上报调整或集中重点客户"),
         (REACHED, "期已结束, 已达成目标"), (NOT_REACHED, "期已结束, 分析未达成原因")),
        "可达性建议动作", help="所需日均表每种可达性的建议动作: [[\"可达性\", \"建议动作\"], …], 五种可达性各一行")

    def check(self) -> None:
        """Rules beyond one value's range: 取整单位 > 0, 季度增量进度 four values not all 0, 可达性建议动作 one
        non-empty action for each of :data:`REACH_STATES`, at least one weight > 0. Raises ParameterError."""
        if not self.rounding_unit > 0:
            raise ParameterError(f"参数「取整单位(rounding_unit)」应大于 0(元), 给定 {self.rounding_unit:g}。",
                                 f"Parameter rounding_unit must be above 0, got {self.rounding_unit:g}.")
        q = self.quarter_progress
        if len(q) != 4 or not sum(q) > 0:
            raise ParameterError(f"参数「季度增量进度(quarter_progress)」应为一至四季度 4 个值且不全为 0, 如 0.4,0.25,0.2,0.15"
                                 f"(给定 {','.join(f'{x:g}' for x in q)})。",
                                 "Parameter quarter_progress needs 4 quarterly shares, not all 0 (e.g. 0.4,0.25,0.2,0.15).")
        rows = [tuple(r) if isinstance(r, (tuple, list)) else (r,) for r in self.reach_actions]
        if (len(rows) != len(REACH_STATES) or any(len(r) != 2 or not all(isinstance(x, str) and x.strip() for x in r)
                                                  for r in rows) or sorted(r[0] for r in rows) != sorted(REACH_STATES)):
            raise ParameterError(
                "参数「可达性建议动作(reach_actions)」应为每种可达性一行 [可达性, 建议动作], 可达性为 "
                + "、".join(REACH_STATES) + f" 各一次, 建议动作不为空; 给定 {self.reach_actions!r}。",
                "Parameter reach_actions needs one [state, action] row for each of " + ", ".join(REACH_STATES)
                + f" with a non-empty action; got {self.reach_actions!r}.")
        if not sum(self.weights.values()) > 0:
            raise ParameterError("参数「权重-存量/上年日均增量/市场潜力/人数」至少一个应大于 0。",
                                 "At least one of the four decomposition weights must be above 0.")

    @property
    def weights(self) -> dict[str, float]:
        return {"prior_avg": self.weight_stock, "prior_increment": self.weight_increment,
                "potential": self.weight_potential, "staff_count": self.weight_staff}
