"""Parameters of the cross-scenario views (客户画像, 营销任务清单), declared the kit's way (:func:`bankxl.scenario.param`):
shown on their 说明 sheets, hashed as the rule version, checked by :func:`bankxl.scenario.make_params` before any
input is read (``bankxl run all --param owner_rule=balance``)."""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import ParameterError
from ..scenario import param

#: the keys of the priority rule, in the default order, with their 中文 meaning
PRIORITY_KEYS = {"level": "最好等级(各名单内的档位, 第 1 档最好)", "lists": "所在名单数(多者优先)",
                 "money": "涉及金额(大者优先, 未知在后)"}


@dataclass(frozen=True)
class CrossParams:
    """Rules of the 客户画像 and the 营销任务清单 (issue 18 items 2–3)."""

    owner_rule: str = param(
        "customers", "归属经理规则", None,
        "每位客户只归一位客户经理: customers = 客户表的客户经理, 没有时取余额最大的经理(定期存款明细/贷款/"
        "客户月度存款中按经理合计的最大余额, 同 D4 主办网点规则), 再没有时取最优名单行的客户经理; "
        "balance = 先取余额最大的经理, 再客户表, 再名单",
        choices={"customers": "客户表优先", "balance": "最大余额优先"})
    priority: tuple = param(
        tuple(PRIORITY_KEYS), "优先级规则", None,
        "任务排序依次比较的项: level 最好等级(客户所在各名单中档位最高者, 第 1 档最好) / lists 所在名单数(多者优先) / "
        "money 涉及金额(各名单的金额取最大, 大者优先, 未知在后); 三项各写一次, 最后按客户号升序")
    recontact_days: int = param(
        30, "近期已联系天数", "天",
        "接触记录中最近一次联系在数据日期前 N 天内(含)的客户本期不安排任务(列入「暂不联系」); 0 = 不按接触记录限制",
        max=366)
    refusal_days: int = param(
        90, "拒绝后暂不联系天数", "天",
        "run all --feedback: 退回名单中结果为「拒绝」的客户, 在拒绝后 N 天内(含; 按跟进日期, 未填时按该名单的数据日期)"
        "不再列入任务(列入「暂不联系」); 0 = 不按拒绝限制", max=730)
    protect_tasks: bool = param(
        False, "保护任务表", None,
        "是: 营销任务表加保护(无密码; 允许筛选、排序、调整列宽, 反馈列可填); 否(默认): 不保护 — Excel 在受保护的表上"
        "不能对含锁定单元格的区域排序, 而客户经理要重新排序自己的名单")
    credit_lists: bool = param(
        False, "使用征信名单", None,
        "征信数据仅限授权用途: 否(默认) = 由征信明细得出的名单(如 C8 挖掘名单、排除名单)不进入营销任务清单(既不营销也不据此"
        "暂不联系); 是 = 使用, 但其原因只显示「征信数据(已授权)」, 不显示征信明细、金额与建议动作细节")
    pair_top: int = param(20, "标签组合行数", "行", "客户画像中列出的最常见标签组合(两两)个数", min=1, max=200)

    def check(self) -> None:
        """``priority`` names level, lists and money once each."""
        if sorted(map(str, self.priority)) != sorted(PRIORITY_KEYS):
            raise ParameterError(
                f"参数「优先级规则(priority)」应为 level、lists、money 各一次的排列, 如 level,lists,money; "
                f"给定 {','.join(map(str, self.priority))}。",
                f"Parameter priority must order level, lists and money, each once (e.g. level,lists,money); "
                f"got {','.join(map(str, self.priority))}.")
