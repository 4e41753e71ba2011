"""D2 parameters (:class:`MaturityParams`): every threshold, band, rule and text of the scenario, each with
its 中文 name, unit and range (shown on 参数 and in 说明, hashed into the rule version)."""
from __future__ import annotations

import string
from dataclasses import dataclass

from ....errors import ParameterError
from ....lists import check_levels, levels_param, strategy_param
from ....scenario import param

#: 到期日遇节假日 (``roll_rule``): id -> 中文标签; the ids are :meth:`bankxl.calendar.BankCalendar.roll` rules
ROLL_RULES = {"following": "顺延", "preceding": "提前", "modified_following": "修正顺延"}
#: the {placeholders} a 策略表 action may use (columns of the reminder frame, :func:`reminder_list`)
ACTION_FIELDS = ("node_action", "auto_txt", "node", "dtm", "product", "outlet")
#: the {placeholders} a 大额名单策略表 action may use (columns of the large-customer frame, :func:`staffing_tables`)
LARGE_ACTION_FIELDS = ("products", "outlet", "count", "amount", "first_day")
#: the {placeholders} of the 排班 sentence for large customers (``staff_large_action``)
STAFF_FIELDS = ("n_big",)
#: how each rule moves a maturity on a non-working day (report text)
ROLL_TEXT = {"following": "顺延至下一工作日", "preceding": "提前至上一工作日",
             "modified_following": "顺延至下一工作日(跨月则提前至上一工作日)"}


@dataclass(frozen=True)
class MaturityParams:
    """Parameters of D2 (defaults: SCENARIOS.md D2; 【假设】 where the spec says so)."""

    amount_edges: tuple = param((50_000.0, 200_000.0, 500_000.0, 1_000_000.0), "金额段分界", "元",
                                "单笔余额分段, 区间左闭右开 [下限, 上限): 默认 <5万 / 5–20万 / 20–50万 / 50–100万 / ≥100万",
                                increasing=True)
    dtm_edges: tuple = param((0, 8, 31, 91, 181, 366), "剩余期限档分界", "天",
                             "距到期天数分档下限, 左闭右开: <0 已到期未支取 / 0–7 / 8–30 / 31–90 / 91–180 / 181–365 / >365",
                             increasing=True)
    months_ahead: int = param(12, "到期月份数", "月", "到期结构展示的未来月份数(从数据日期次日所在月起)",
                              min=1, max=60)
    headline_days: int = param(30, "概览到期天数", "天", "概览的到期金额/笔数/自动转存占比统计数据日期次日起的该天数"
                               "(按合同到期日), 对比其后同样天数的到期", min=1, max=366)
    calendar_days: int = param(60, "到期日历天数", "天", "到期日历与排班覆盖数据日期之后的天数", min=1, max=731)
    peak_percentile: float = param(0.9, "高峰日分位数", None, max=1.0, help=
                                   "高峰日 = 实际可支取金额 > 日历窗口内全部工作日金额的该分位数(默认 P90)")
    customers_per_staff_day: int = param(20, "人均日处理客户数", "户/人天", "所需人天 = ceil(到期客户数 / 该值)【假设】",
                                         min=1)
    large_customer: float = param(500_000.0, "大额客户门槛", "元",
                                  "客户到期合计 ≥ 该值: 进入行长/理财经理名单, 提醒名单标记理财经理跟进")
    large_levels: tuple = param((("A", 0),), "大额名单等级门槛", "分",
                                "行长/理财经理名单各等级的最低得分, 从高到低(得分 = 大额客户得分); 低于最后一档的不列入名单")
    large_strategy: tuple = param((("A", "行长/理财经理提前面访, 配置大额存单/理财", 5),), "大额名单策略表", "工作日",
                                  "行长/理财经理名单每个等级的建议动作与截止日(数据日期后第 N 个工作日, 不晚于最早实际可支取日的前一个"
                                  "工作日); 可用 {products} 到期产品、{outlet} 主要网点、{count} 到期笔数、{amount} 到期金额、"
                                  "{first_day} 最早实际可支取日")
    large_ids_shown: int = param(5, "排班大额客户号个数", "个", "排班表每行最多列出的大额客户号(按到期金额从大到小, 更多的写「等」)",
                                 min=1, max=50)
    staff_large_action: str = param("行长/理财经理在岗, 预约{n_big}位大额客户", "大额客户排班建议", None,
                                    "排班表「建议安排」在有大额客户的日子加上的话; {n_big} = 当日该网点大额客户数")
    cd_threshold: float = param(200_000.0, "大额存单起存金额", "元", "单笔余额 ≥ 该值时建议产品为大额存单")
    reminder_days: tuple = param((30, 15, 7, 1), "提醒节点", "天", "到期前 N 天提醒; 名单按数据日期当天使用",
                                 min=1)
    roll_rule: str = param("following", "到期日遇节假日", None, "到期日为非工作日时实际可支取日的取法【假设: 各行规则不同】",
                           choices=ROLL_RULES)
    notice_handling: str = param("exclude", "通知存款处理", None, "通知存款没有到期日: 不计入, 或按数据日期后"
                                 "「通知存款视同到期天数」到期计入", choices={"exclude": "不计入", "seven_days": "按通知期计入"})
    max_term_m: int = param(600, "最长期限", "月", "期限超过该月数(或 ≤ 0)记 TERM_INVALID, 不用于推算到期日; 存期(天)以该值 × 31 天为上限",
                            min=12, max=600)
    notice_days: int = param(7, "通知存款视同到期天数", "天", "通知存款处理 = 按通知期计入时, 到期日记为数据日期后该天数"
                             "(七天通知存款 7, 一天通知存款 1)", min=1, max=366)
    # 提醒名单 (bankxl.lists): points of the rules, levels, strategy, 建议产品 per level, action per node
    large_points: float = param(60.0, "大额客户得分", "分", "客户本节点到期合计 ≥ 大额客户门槛: 理财经理跟进", min=0)
    cd_points: float = param(30.0, "转大额存单得分", "分", "单笔余额 ≥ 大额存单起存金额且不是大额存单: 邀约转大额存单", min=0)
    cd_renew_points: float = param(10.0, "大额存单续存得分", "分", "到期的是大额存单: 邀约续存", min=0)
    levels: tuple = levels_param((("A", 60), ("B", 30), ("C", 10), ("D", 0)),
                                 help="提醒名单各等级的最低得分, 从高到低(默认: A 大额客户 / B 可转大额存单 / C 大额存单续存 / "
                                      "D 其他); 低于最后一档的不列入名单")
    strategy: tuple = strategy_param(
        (("A", "{node_action}; 理财经理面访{auto_txt}", 2), ("B", "{node_action}; 邀约转大额存单{auto_txt}", 3),
         ("C", "{node_action}; 电话邀约续存{auto_txt}", 5), ("D", "{node_action}; 电话/短信提醒{auto_txt}", 5)),
        help="每个等级的建议动作与截止日(数据日期后第 N 个工作日); {node_action} = 提醒节点动作表中本节点的动作, {auto_txt} = "
             "已约定自动转存时的「自动转存提示」; 截止日不晚于实际可支取日前一个工作日(不早于数据日期)")
    auto_renew_text: str = param("; 已约定自动转存, 确认意愿", "自动转存提示", None,
                                 "已约定自动转存的存款在建议动作中加上的话({auto_txt}); 未约定时为空")
    level_products: tuple = param((("A", "大额存单/理财组合"), ("B", "大额存单"), ("C", "大额存单续存"),
                                   ("D", "整存整取续存/理财")), "建议产品表", None, "每个等级的建议产品, 每个等级一行")
    node_actions: tuple = param(((30, "了解资金用途"), (15, "推介续存方案"), (7, "预约到行/手机银行续存"),
                                 (1, "确认到行时间")), "提醒节点动作表", "天",
                                "到期前 N 天节点的动作({node_action}); 表中没有的节点为「到期前N天提醒」")

    def check(self) -> None:
        """Rules beyond one value's range: 剩余期限档 start at 0 (below 0 = 已到期未支取); the 高峰日 percentile
        lies strictly between 0 and 1; 等级门槛/策略表 (:func:`bankxl.lists.check_levels`, actions using only
        :data:`ACTION_FIELDS`) and 大额名单等级门槛/策略表 (:data:`LARGE_ACTION_FIELDS`); 大额客户排班建议 uses only
        :data:`STAFF_FIELDS`; 建议产品表 one row per level; 提醒节点动作表 rows (days ≥ 1, text). Raises
        ParameterError."""
        if not self.dtm_edges or float(self.dtm_edges[0]) != 0:
            raise ParameterError("参数「剩余期限档分界(dtm_edges)」的第一个值应为 0(小于 0 为已到期未支取)。",
                                 "Parameter dtm_edges must start at 0 (below 0 = matured, not withdrawn).")
        if not 0 < self.peak_percentile < 1:
            raise ParameterError(f"参数「高峰日分位数(peak_percentile)」应在 0 与 1 之间(不含), 给定 {self.peak_percentile:g}。",
                                 f"Parameter peak_percentile must lie strictly between 0 and 1, got {self.peak_percentile:g}.")
        check_levels(self.levels, self.strategy, ACTION_FIELDS)
        check_levels(self.large_levels, self.large_strategy, LARGE_ACTION_FIELDS, ids=("large_levels", "large_strategy"),
                     labels=("大额名单等级门槛", "大额名单策略表"))
        try:
            used = {name for _lit, name, _spec, _conv in string.Formatter().parse(self.staff_large_action)
                    if name is not None}
        except ValueError:
            used = {"{"}
        if used - set(STAFF_FIELDS):
            raise ParameterError(
                f"参数「大额客户排班建议(staff_large_action)」「{self.staff_large_action}」含无法识别的 {{…}} 占位符; "
                "可用: {n_big}(花括号本身请写成 {{ }})。",
                f"Parameter staff_large_action {self.staff_large_action!r} has an unknown {{...}} placeholder; "
                "allowed: n_big.")
        names = sorted(str(x[0]) for x in self.levels)
        prods = [tuple(x) if isinstance(x, (tuple, list)) else (x,) for x in self.level_products]
        if any(len(x) != 2 or not isinstance(x[1], str) for x in prods) or sorted(str(x[0]) for x in prods) != names:
            raise ParameterError(
                f"参数「建议产品表(level_products)」应为每个等级({'、'.join(names)})各写一行 [等级, 建议产品], "
                f"给定 {self.level_products!r}。",
                f"Parameter level_products needs one [level, product] row per level ({', '.join(names)}); "
                f"got {self.level_products!r}.")
        nodes = [tuple(x) if isinstance(x, (tuple, list)) else (x,) for x in self.node_actions]
        if any(len(x) != 2 or isinstance(x[0], bool) or not isinstance(x[0], (int, float)) or x[0] < 1
               or x[0] != int(x[0]) or not isinstance(x[1], str) for x in nodes):
            raise ParameterError(
                f"参数「提醒节点动作表(node_actions)」应为 [[30, \"了解资金用途\"], …] 形式(到期前天数 ≥ 1 的整数, 动作), "
                f"给定 {self.node_actions!r}。",
                f"Parameter node_actions must look like [[30, \"action\"], ...] (days before maturity >= 1, "
                f"action); got {self.node_actions!r}.")

