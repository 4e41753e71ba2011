"""D2 labels: fixed 中文 labels of the report axes and the band/term/product/month labelling functions
(SCENARIOS.md D2: 档位, 金额段, 期限). Pure functions of their arguments; no I/O."""
from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from ....scenario import RunContext

WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
P_OVERDUE, P_TODAY, P_LATER = "已到期未支取", "当日到期", "12个月以后"
#: sort-friendly labels of the 到期期间 field in 到期明细 (a PivotTable sorts items as text)
P_SORT = {P_OVERDUE: "0 已到期未支取", P_TODAY: "1 当日到期", P_LATER: "9 12个月以后"}
PRODUCT_KINDS = ("整存整取", "大额存单", "零存整取", "通知存款", "定活两便", "其他")
NO_ORGS = "(未提供机构表)"
UNMATCHED = "(未匹配机构)"
#: label of the top row of 到期结构: 全行 when the data hold the whole bank, else 合计 (:func:`total_label`)
BANK, TOTAL = "全行", "合计"


def _wan(x: float) -> str:
    v = x / 10_000
    return f"{v:g}万"


def amount_band_labels(edges, currency: str = "CNY") -> list[str]:
    """Labels of the amount bands for ``edges`` (in the data's ``currency``): CNY ['<5万', '5–20万', …,
    '≥100万']; another currency in its own unit, never 万: ['<50,000 EUR', '50,000–200,000 EUR', …,
    '≥1,000,000 EUR']."""
    e = [float(x) for x in edges]
    if currency != "CNY":
        return ([f"<{e[0]:,.0f} {currency}"] + [f"{a:,.0f}–{b:,.0f} {currency}" for a, b in itertools.pairwise(e)]
                + [f"≥{e[-1]:,.0f} {currency}"])
    labels = [f"<{_wan(e[0])}"]
    labels += [f"{_wan(a).rstrip('万')}–{_wan(b)}" for a, b in itertools.pairwise(e)]
    labels.append(f"≥{_wan(e[-1])}")
    return labels


def _band(values: pd.Series, edges, labels: list[str]) -> pd.Series:
    """Label per value of the half-open bands [lo, hi) that ``edges`` cut (a value equal to an edge goes up):
    ``labels`` has one more entry than ``edges`` (below the first edge … from the last edge on)."""
    e = [-np.inf] + [float(x) for x in edges] + [np.inf]
    return pd.cut(values.astype("float64"), bins=e, right=False, labels=labels).astype("string")


def amount_band(balance: pd.Series, edges, currency: str = "CNY") -> pd.Series:
    """Band label per balance (:func:`amount_band_labels`); bands are half-open [lo, hi) so a balance equal to
    an edge goes up."""
    return _band(balance, edges, amount_band_labels(edges, currency))


def dtm_band_labels(edges) -> list[str]:
    """Labels of the 剩余期限档 (days to maturity) for ``edges`` (whole days, strictly increasing, first 0 —
    :attr:`MaturityParams.dtm_edges`, SCENARIOS.md D2): ``[已到期未支取, 'a–(b−1)天' per pair, '>(last−1)天']``,
    one more label than edges. Default (0, 8, 31, 91, 181, 366) -> 已到期未支取 / 0–7天 / 8–30天 / 31–90天 /
    91–180天 / 181–365天 / >365天."""
    e = [int(x) for x in edges]
    labels = [P_OVERDUE]
    labels += [f"{a}–{b - 1}天" for a, b in itertools.pairwise(e)]
    labels.append(f">{e[-1] - 1}天")
    return labels


def dtm_band(dtm: pd.Series, edges) -> pd.Series:
    """剩余期限档 per deposit: ``dtm`` = maturity_date − as_of in days (int Series; < 0 = 已到期未支取),
    bands half-open [edge_k, edge_k+1) as labelled by :func:`dtm_band_labels` (dtm 7 -> 0–7天, 8 -> 8–30天).
    Returns a ``string`` Series on ``dtm``'s index (<NA> where dtm is missing). SCENARIOS.md D2."""
    return _band(dtm, edges, dtm_band_labels(edges))


def term_label(m: Any) -> str:
    """存期 label of a term in months (int-like scalar; None/NA -> 未知): whole years when ≥ 12 and a multiple
    of 12 (12 -> 1年, 36 -> 3年), else months (3 -> 3个月, 18 -> 18个月). Used for the 存期 axis of D2."""
    if m is None or pd.isna(m):
        return "未知"
    m = int(m)
    return f"{m // 12}年" if m >= 12 and m % 12 == 0 else f"{m}个月"


def term_labels(terms: pd.Series) -> pd.Series:
    """:func:`term_label` for a whole column of terms in months (Int64-like; NA -> 未知), vectorised: a
    ``string`` Series on ``terms``' index."""
    m = pd.to_numeric(terms).astype("Int64")
    years = ((m >= 12) & (m % 12 == 0)).fillna(False).to_numpy(dtype=bool)
    out = (m.astype("string") + "个月").where(~years, (m // 12).astype("string") + "年")
    return out.fillna("未知").astype("string")


def weekday_labels(dates: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    """周一 … 周日 per date (object array, positional)."""
    return np.array(WEEKDAYS_ZH, dtype=object)[pd.DatetimeIndex(dates).day_of_week.to_numpy()]


def product_kind(product: pd.Series) -> pd.Series:
    """整存整取/大额存单/零存整取/通知存款/定活两便/其他 from the bank's product name (substring rules; the rules
    run once per distinct name, then are taken per row). A ``string`` Series on ``product``'s index."""
    codes, names = pd.factorize(product.astype("string").fillna(""))
    p = pd.Series(names, dtype="string")
    out = pd.Series("其他", index=p.index, dtype="string")
    for pat, kind in (("整存整取|定期存款|^定期$|整整", "整存整取"), ("零存", "零存整取"), ("定活", "定活两便"),
                      ("通知", "通知存款"), ("大额|存单", "大额存单")):
        out = out.mask(p.str.contains(pat, regex=True), kind)
    return pd.Series(out.to_numpy()[codes] if len(codes) else [], index=product.index, dtype="string")


def month_periods(as_of: pd.Timestamp, n: int) -> list[str]:
    """The ``n`` maturity months shown as columns: from the month of as_of + 1 day (yyyy-mm)."""
    start = (as_of + pd.Timedelta(days=1)).to_period("M")
    return [str(start + i) for i in range(n)]



def _amount_text(x: float, ctx: RunContext) -> str:
    """An amount threshold (base unit) as shown in labels: 50万 (CNY) or 500,000 EUR (another currency)."""
    return _wan(x) if ctx.currency == "CNY" else f"{x:,.0f} {ctx.base_unit}"


