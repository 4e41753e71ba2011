"""Sample ``market_share`` 人行市场份额 of the sample bank (D1; issue 11), with its 机构别名 (:mod:`.bank_aliases`).

A PBOC interbank deposit report of the sample bank's city (江城市) as banks receive it: 8 banks, month ends from
December ``as_of year − 6`` to the as-of month (72 months for 2026-11-30), 指标 单位存款 / 个人存款 / 财政性存款 /
其他 and their sum 各项存款, balances rounded to 0.01 万元 (the report's unit; stored in 元). Each bank has its own
level and growth; personal deposits rise in the month around 除夕 (``bankxl.calendar.chuxi``) and fall in April
and July, corporate deposits jump at quarter ends and fall back the next month — the sample bank (示例银行) more
than the market (季末冲时点) and 个人存款 sliding in share in the last year. Names as the reports gave them: 东方农商银行
was 东方农村合作银行 until 2023-06 (a rename: alias with 失效日期 2023-06-30) and reports before 2022 name
邮储银行 in full (中国邮政储蓄银行: an undated alias). Deterministic for one ``rng`` state.

:func:`write_market_share_books` writes the two layouts: ``样例_人行市场份额.xlsx`` (long: sheet 人行市场份额 with
余额(万元), sheet 机构别名) and ``样例_人行市场份额_宽表.xlsx`` (one sheet per month named ``yyyy-mm``, a title row,
``单位: 万元``, then 项目 × banks; and the sheet 机构别名).
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from ..calendar import chuxi
from ._common import BANK_NAME
from .bank_aliases import FULL_NAME, RENAMED, _make_bank_aliases

#: (bank — the sample bank first —, 单位存款 level 亿元, 个人存款 level 亿元, yearly growth, quarter-end corporate spike)
BANKS = ((BANK_NAME, 260, 230, 0.062, 0.06), ("工商银行", 620, 540, 0.055, 0.02), ("农业银行", 480, 700, 0.060, 0.015), ("中国银行", 390, 330, 0.045, 0.02),
         ("建设银行", 560, 500, 0.050, 0.02), ("邮储银行", 60, 520, 0.070, 0.005),
         ("东方农商银行", 210, 380, 0.065, 0.03), ("江城银行", 300, 260, 0.080, 0.025))
ITEMS = ("各项存款", "单位存款", "个人存款", "财政性存款", "其他")
CITY = "江城市"
FILES = ("样例_人行市场份额.xlsx", "样例_人行市场份额_宽表.xlsx")


def _make_market_share(rng: np.random.Generator, as_of: np.datetime64) -> tuple[dict, dict]:
    """(market_share columns, bank_aliases columns) as dicts of arrays (see the module docstring)."""
    end = pd.Period(pd.Timestamp(as_of), freq="M")
    months = pd.period_range(pd.Period(year=end.year - 6, month=12, freq="M"), end, freq="M")
    n, k = len(months), len(BANKS)
    t = np.arange(n) / 12.0
    mon = np.asarray(months.month)
    spring = np.zeros(n)
    for y in range(months[0].year, end.year + 1):  # one 除夕 per year
        d = pd.Timestamp(chuxi(y))
        m = pd.Period(d, freq="M") - (1 if d.day <= 10 else 0)  # the month-end closest before 除夕
        spring[np.asarray(months == m)] = 1.0
    seas_p = 0.025 * spring - 0.012 * (mon == 4) - 0.010 * (mon == 7) + 0.006 * (mon == 12)
    seas_c = -0.015 * spring + 0.004 * (mon == 12)
    qend = np.isin(mon, (3, 6, 9, 12)).astype(float)
    out = {}
    for j, (name, corp, pers, g, spike) in enumerate(BANKS):  # 8 banks
        slide = -0.03 * np.clip(t - (t[-1] - 1), 0, None) if name == BANK_NAME else 0.0  # 个人 share sliding
        c = corp * np.exp(g * t + seas_c + spike * qend + np.cumsum(rng.normal(0, 0.006, n)))
        p = pers * np.exp((g - 0.005) * t + seas_p + slide + np.cumsum(rng.normal(0, 0.004, n)))
        f = 0.08 * corp * np.exp(0.03 * t + rng.normal(0, 0.05, n))
        o = 0.03 * (corp + pers) * np.exp(rng.normal(0, 0.05, n))
        parts = np.round(np.vstack([c, p, f, o]) * 1e4, 2)  # 万元, as reported
        out[name] = np.vstack([parts.sum(axis=0), parts])
    stat = np.asarray(months.to_timestamp(how="end").normalize(), dtype="datetime64[ns]")
    banks = np.array([b[0] for b in BANKS], dtype=object)
    # long: month × bank × item
    mi, bi, ii = np.meshgrid(np.arange(n), np.arange(k), np.arange(len(ITEMS)), indexing="ij")
    mi, bi, ii = mi.ravel(), bi.ravel(), ii.ravel()
    bal = np.stack([out[b] for b in banks])  # bank × item × month
    name = banks[bi].copy()
    name[(name == RENAMED[1]) & (stat[mi] <= np.datetime64(RENAMED[2]))] = RENAMED[0]
    name[(name == FULL_NAME[1]) & (stat[mi] < np.datetime64(FULL_NAME[2]))] = FULL_NAME[0]
    ms = {"stat_date": stat[mi], "bank_name": name, "item": np.array(ITEMS, dtype=object)[ii],
          "balance": bal[bi, ii, mi] * 1e4, "region": np.full(len(mi), CITY, dtype=object)}
    return ms, _make_bank_aliases()


def write_market_share_books(ms: pd.DataFrame, aliases: pd.DataFrame | None, folder: Path, created=None) -> list[Path]:
    """Write :data:`FILES` into ``folder`` (each to a temporary file moved into place): the long layout (余额 in
    万元, 统计日期 as dates) with 机构别名, and the wide layout (one sheet per month). Returns the paths."""
    import xlsxwriter

    written = []
    for fname in FILES:
        target = Path(folder) / fname
        fd, tmp = tempfile.mkstemp(prefix=".~" + target.stem, suffix=".xlsx", dir=folder)
        os.close(fd)
        try:
            wb = xlsxwriter.Workbook(tmp, {"strings_to_numbers": False, "strings_to_formulas": False,
                                           "strings_to_urls": False})
            props = {"title": target.stem, "author": "bankxl", "comments": "bankxl 示例银行 (合成数据 synthetic data)"}
            if created is not None:
                props["created"] = created
            wb.set_properties(props)
            base = {"font_name": "等线", "font_size": 10.5}
            f = {"head": wb.add_format({**base, "bold": True}), "text": wb.add_format({**base, "num_format": "@"}),
                 "date": wb.add_format({**base, "num_format": "yyyy-mm-dd"}),
                 "num": wb.add_format({**base, "num_format": "#,##0.00"}),
                 "title": wb.add_format({**base, "bold": True, "font_size": 12})}
            if fname == FILES[0]:
                _long_sheet(wb, f, ms)
                if aliases is not None:
                    _alias_sheet(wb, f, aliases)
            else:
                _wide_sheets(wb, f, ms)
                if aliases is not None:
                    _alias_sheet(wb, f, aliases)
            wb.close()
            mask = os.umask(0o022)
            os.umask(mask)
            os.chmod(tmp, 0o666 & ~mask)
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
        written.append(target)
    return written


def _long_sheet(wb, f, ms: pd.DataFrame) -> None:
    ws = wb.add_worksheet("人行市场份额")
    head = ["统计日期", "地区", "机构名称", "指标", "余额(万元)"]
    for j, h in enumerate(head):
        ws.write_string(0, j, h, f["head"])
    dates = ms["stat_date"].to_numpy(dtype="datetime64[D]")
    serial = (dates - np.datetime64("1899-12-30", "D")).astype(np.int64).astype(float)
    wan = np.round(ms["balance"].to_numpy(dtype="float64") / 1e4, 2)
    region, name, item = (ms[c].astype(object).to_numpy() for c in ("region", "bank_name", "item"))
    for i in range(len(ms)):  # a writer: one cell call per cell
        ws.write_number(i + 1, 0, serial[i], f["date"])
        ws.write_string(i + 1, 1, str(region[i]), f["text"])
        ws.write_string(i + 1, 2, str(name[i]), f["text"])
        ws.write_string(i + 1, 3, str(item[i]), f["text"])
        ws.write_number(i + 1, 4, float(wan[i]), f["num"])
    ws.set_column(0, 0, 12)
    ws.set_column(1, 3, 18)
    ws.set_column(4, 4, 16)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, len(ms), len(head) - 1)


def _alias_sheet(wb, f, a: pd.DataFrame) -> None:
    ws = wb.add_worksheet("机构别名")
    head = ["别名", "标准名称", "生效日期", "失效日期", "原因"]
    for j, h in enumerate(head):
        ws.write_string(0, j, h, f["head"])
    for i, r in enumerate(a.itertuples(index=False), 1):  # a handful of aliases
        ws.write_string(i, 0, str(r.alias), f["text"])
        ws.write_string(i, 1, str(r.bank_name), f["text"])
        for j, d in ((2, r.valid_from), (3, r.valid_to)):
            if not pd.isna(d):
                ws.write_number(i, j, float((pd.Timestamp(d) - pd.Timestamp("1899-12-30")).days), f["date"])
        ws.write_string(i, 4, str(r.reason), f["text"])
    ws.set_column(0, 4, 18)


def _wide_sheets(wb, f, ms: pd.DataFrame) -> None:
    for d, g in ms.groupby("stat_date", sort=True):  # one sheet per month (tens of sheets)
        d = pd.Timestamp(d)
        ws = wb.add_worksheet(f"{d:%Y-%m}")
        ws.write_string(0, 0, f"{CITY}金融机构人民币存款同业统计表({d.year}年{d.month}月末)", f["title"])
        ws.write_string(1, 0, "单位: 万元", f["text"])
        piv = g.pivot_table(index="item", columns="bank_name", values="balance", aggfunc="first", sort=False)
        piv = piv.reindex(index=[i for i in ITEMS if i in piv.index])
        ws.write_string(2, 0, "项目", f["head"])
        for j, b in enumerate(piv.columns, 1):
            ws.write_string(2, j, str(b), f["head"])
        vals = np.round(piv.to_numpy(dtype="float64") / 1e4, 2)
        for i, item in enumerate(piv.index):
            ws.write_string(3 + i, 0, str(item), f["text"])
            for j in range(vals.shape[1]):
                if not np.isnan(vals[i, j]):
                    ws.write_number(3 + i, j + 1, float(vals[i, j]), f["num"])
        ws.set_column(0, 0, 12)
        ws.set_column(1, len(piv.columns), 16)
