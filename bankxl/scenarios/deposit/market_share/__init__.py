"""D1 人行市场份额报表分析 PBOC market share (SCENARIOS.md D1, §0.5, §7; issue 11).

Inputs (canonical tables, ``bankxl.tables``):

* ``market_share`` 人行市场份额 (required) — the PBOC interbank deposit report as banks receive it: 统计日期 · 机构名称
  · 指标 (各项存款/单位存款/个人存款/…) · 余额 (header 余额(万元) or 余额(亿元), loaded in 元) · 地区. Either the long
  table or the wide layout (one sheet per month named by its date, a row per 指标, a column per bank, the unit
  above the header): the loader turns the wide one into the long table (``TableSpec.wide``).
* ``bank_aliases`` 机构别名 (optional) — 别名 → 标准名称 with 生效/失效日期 (short names, renames, mergers).

Method (parameters in brackets): names are normalised through the alias table on each report date; the report
of each month is its last date; balances are summed per (month, bank). Stock share = own/Σ banks; Δshare in bp
against the month before, the previous year-end and the same month a year before; rank among the own bank and
its peers (``peers``, empty = every bank in the report); catch-up gap = peer balance − own balance (元 needed to
draw level; the next bank up is the headline's gap). Incremental share = Δown/Δmarket from a base
(``incr_base``), "不适用" when the market shrank or moved less than ``min_market_change`` of its size (§7).
Corporate 5-year potential (``corp_item``, ``years``): g = CAGR of the market's year-end values (or ``growth``),
M₅ = M_now (1+g)^5, target share = max(current, best year-end share of the window), potential = M₅ × target −
own_now, per year = potential/5. Key dates: quarter end → next month (季初回落), 12 → 1, the Spring Festival months
around 除夕 (``bankxl.calendar.chuxi``; monthly data: the 除夕 month and its neighbours), seasonal factors own vs
market, 冲时点 = quarter-end share − next month-end share (``peak_quarters`` consecutive positive → 关注).
No customer list: a market report. Errors: ParameterError (before any input is read) for a blank own bank, an
unknown 指标 or a bad growth rate; DataValidationError when the own bank is neither in the report nor an alias.
"""
from __future__ import annotations

from dataclasses import dataclass

from ....errors import ParameterError
from ....scenario import Scenario, param
from ....tables import PBOC_ITEMS


@dataclass(frozen=True)
class MarketShareParams:
    """Parameters of D1 (shown on 参数 and in 说明, hashed into the rule version)."""

    own_bank: str = param("示例银行", "本行名称", None, "报表上的本行名称或其别名(机构别名表中的别名也可)", pattern=r"\S.*")
    peers: tuple = param((), "同业机构", None, "参与排名与追赶差额的同业(名称或别名, 逗号分隔); 空 = 报表中的全部机构")
    item: str = param("各项存款", "份额指标", None, "计算存量/增量份额的指标: " + "、".join(PBOC_ITEMS))
    corp_item: str = param("单位存款", "对公潜力指标", None, "对公(单位)存款 5 年潜力所用的指标")
    incr_base: str = param("year_start", "增量份额起点", None, "增量份额的比较起点",
                           choices={"year_start": "年初", "last_month": "上月", "last_year": "去年同期"})
    min_market_change: float = param(0.001, "市场变动下限", "比例", "市场增量小于市场余额的该比例(或为负)时增量份额标「不适用」",
                                     max=1)
    years: int = param(5, "潜力年窗", "年", "CAGR 与最高份额所取的年末个数, 以及潜力的预测年数", min=1, max=20)
    growth: str = param("", "手填增速", "%", "对公存款市场年增速(如 6.5 表示 6.5%); 空 = 按近年年末值 CAGR 计算",
                        pattern=r"-?\d+(\.\d+)?")
    peak_quarters: int = param(2, "冲时点连续季度", "个", "季末份额连续高于次月末份额的季度数达到该值时列入关注事项",
                               min=1, max=20)
    drop_bp: float = param(5.0, "份额下降关注线", "bp", "份额较上月下降达到该值时列入关注事项", max=10_000)

    def check(self) -> None:
        """The 指标 parameters are PBOC items; the own bank is not blank."""
        for name, value in (("item", self.item), ("corp_item", self.corp_item)):
            if value not in PBOC_ITEMS:
                raise ParameterError(f"参数「{name}」的取值「{value}」不是人行报表指标; 可选: {'、'.join(PBOC_ITEMS)}。",
                                     f"Parameter {name}: {value!r} is not a PBOC report item; one of "
                                     f"{', '.join(PBOC_ITEMS)}.")
        if not str(self.own_bank).strip():
            raise ParameterError("参数「本行名称(own_bank)」不能为空。", "Parameter own_bank must not be blank.")


def _run(tables, p, ctx):
    from .report import build_report

    return build_report(tables, p, ctx)


SPEC = Scenario(id="deposit.market_share", code="D1", title="人行市场份额报表分析", group="存款营销",
                inputs=("market_share",), optional_inputs=("bank_aliases",), params=MarketShareParams, run=_run,
                as_of_from=("market_share", "stat_date"),
                summary="人行存款同业报表: 存量/增量份额、排名与追赶差额、对公 5 年潜力、关键时点与季末冲时点")
