"""The 参数 (parameters) sheet: one block of rows per scenario, editable by users (DESIGN.md "Parameters").

Layout (one table, Chinese headers): 场景 | 参数 | 名称 | 取值 | 单位 | 说明. ``场景`` holds the scenario id
(e.g. ``deposit.maturity``; its code ``D2`` or 中文 title are accepted too) or ``通用`` for settings every
scenario shares (数据日期 as_of, 金额单位 scale, 脱敏 mask, 账号脱敏 mask_accounts, 币种 currency). ``参数`` is the English id;
``名称`` the 中文 label — either identifies the parameter. Blank 取值 means "use the default".
The same table can be given to the CLI with ``--params FILE`` (.xlsx with a 参数 sheet, or .csv).
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

from .errors import DataValidationError, ParameterError
from .scenario import Scenario, make_params, params_table, parse_as_of, parse_currency

COLUMNS = ["场景", "参数", "名称", "取值", "单位", "说明"]
#: settings every scenario shares, recognised by id or 中文 name whatever the 场景 cell says
COMMON_NAMES = {"数据日期": "as_of", "金额单位": "scale", "脱敏": "mask", "账号脱敏": "mask_accounts",
                "币种": "currency"}
COMMON_KEYS = set(COMMON_NAMES.values())
COMMON = pd.DataFrame([
    {"场景": "通用", "参数": "as_of", "名称": "数据日期", "取值": "", "单位": "日期",
     "说明": "留空则取数据中的「数据日期」列"},
    {"场景": "通用", "参数": "scale", "名称": "金额单位", "取值": "万元", "单位": "",
     "说明": "元 或 万元(外币: 万元 → 千, 如 千EUR)"},
    {"场景": "通用", "参数": "currency", "名称": "币种", "取值": "", "单位": "",
     "说明": "金额的币种(ISO 4217, 如 EUR); 留空则按表头/数据中的币种标注, 否则 CNY; 不做汇率折算"},
    {"场景": "通用", "参数": "mask", "名称": "脱敏", "取值": "是", "单位": "",
     "说明": "报告中证件号/手机/姓名/地址/对手户名与对手账号是否脱敏(数据问题的原值同样)"},
    {"场景": "通用", "参数": "mask_accounts", "名称": "账号脱敏", "取值": "是", "单位": "",
     "说明": "脱敏时客户本人的账号/卡号是否也脱敏(保留前 4 后 4 位); 客户号始终不脱敏"},
], columns=COLUMNS)


def params_frame(specs: Iterable[Scenario]) -> pd.DataFrame:
    """Default 参数 sheet content for the given scenarios (plus the 通用 rows)."""
    parts = [COMMON]
    for spec in specs:
        t = params_table(spec.default_params())
        t.insert(0, "场景", spec.id)
        parts.append(t[COLUMNS])
    return pd.concat(parts, ignore_index=True)


#: 通用 settings of a workbook's 参数 sheet that only the Excel front end reads (``bankxl.xl.ribbon``); here so
#: that the template builders write the same sheet without importing the front end
RIBBON_COMMON = [
    {"场景": "通用", "参数": "insert_sheets", "名称": "插入到当前工作簿", "取值": "否", "单位": "",
     "说明": "是 = 结果工作表插入当前工作簿(透视表除外), 不另开报告文件"},
    {"场景": "通用", "参数": "replace_sheets", "名称": "替换旧结果", "取值": "否", "单位": "",
     "说明": "是 = 插入前删除本场景上次插入的结果工作表"},
]


def default_param_rows(specs: Iterable[Scenario], with_common: bool = True) -> pd.DataFrame:
    """Rows of a workbook's 参数 sheet (场景 | 参数 | 名称 | 取值 | 单位 | 说明) for ``specs``: the 通用 rows of
    :func:`params_frame` plus :data:`RIBBON_COMMON`, then one block per scenario (only the blocks when
    ``with_common`` is False)."""
    df = params_frame(specs)
    if not with_common:
        df = df[df["场景"] != "通用"]
        return df.reset_index(drop=True)
    common = df[df["场景"] == "通用"]
    rest = df[df["场景"] != "通用"]
    return pd.concat([common, pd.DataFrame(RIBBON_COMMON, columns=COLUMNS), rest], ignore_index=True)


def _read_frame(source: Any) -> pd.DataFrame:
    """The 参数 table as a frame with its header's column names; from a file also ``_row`` (the Excel row
    of each entry: leading blank rows and the header counted) and ``attrs["where"]`` = (中文, English)
    naming the file and sheet. Raises DataValidationError (naming the file) for a missing, empty, junk or
    damaged file and a workbook without a 参数 sheet."""
    if isinstance(source, pd.DataFrame):
        return source
    from .io import _Book, read_raw_csv

    p = Path(source)
    if not p.exists():
        raise DataValidationError(f"找不到参数文件 {p}", f"Parameter file not found: {p}")
    if p.suffix.lower() == ".csv":
        raw, first, where = read_raw_csv(p), 1, (f"参数文件 {p.name}", f"parameter file {p.name}")
        col0 = 0
    else:
        book = _Book(p)  # junk / empty / encrypted files: one sentence naming the file
        if "参数" not in book.sheets:
            raise DataValidationError(f"参数文件 {p.name} 中没有名为「参数」的工作表。",
                                      f"{p.name} has no sheet named 参数.", sheet="参数")
        (raw, first), where = book.sheet("参数"), (f"参数文件 {p.name} 工作表「参数」",
                                                  f"parameter file {p.name}, sheet 参数")
        col0 = book.first_column("参数")
    arr = raw.to_numpy(dtype=object)
    filled = [i for i in range(len(arr)) if any(x is not None and str(x).strip() for x in arr[i])]
    if not filled:
        df = pd.DataFrame(columns=COLUMNS)
    else:
        h = filled[0]
        df = pd.DataFrame([arr[i] for i in filled[1:]], columns=[str(c).strip() for c in arr[h]])
        df["_row"] = [first + i for i in filled[1:]]
        if p.suffix.lower() != ".csv":
            _refuse_formula_values(p, [str(c).strip() for c in arr[h]], col0, df["_row"].tolist(), where)
    df.attrs["where"] = where
    return df


def _refuse_formula_values(path: Path, header: list[str], col0: int, rows: list[int],
                           where: tuple[str, str]) -> None:
    """Raise DataValidationError when a 取值 cell of a 参数 entry holds a formula without a cached result
    (written by openpyxl/pandas, never calculated): bankxl does not evaluate formulas, and reading such a cell
    gives 0 or blank. A formula Excel/LibreOffice calculated is read as the result it shows."""
    from .filesniff import formula_cells

    if "取值" not in header:
        return
    col, formulas = col0 + header.index("取值"), formula_cells(path, "参数")
    bad = [(r, formulas[(r, col)]) for r in rows if (r, col) in formulas]
    if bad:
        shown = "; ".join(f"第 {r} 行 {f}" for r, f in bad[:5])
        shown_en = "; ".join(f"row {r} {f}" for r, f in bad[:5])
        raise DataValidationError(
            f"{where[0]} 的「取值」是未经计算的公式({shown}); bankxl 不计算公式, 请在 Excel 中打开并保存该文件, 或填写数值本身。",
            f"{where[1]}: 取值 holds formulas never calculated ({shown_en}); bankxl does not evaluate formulas: open "
            f"and save the file in Excel, or type the value itself.", sheet="参数", column="取值")


def read_settings(source: Any, spec: Scenario) -> tuple[dict[str, Any], dict[str, Any]]:
    """(scenario parameter overrides, common settings) from a 参数 table.

    The 参数 and 名称 cells may each hold the English id or the 中文 name; a row with a blank (or no) 场景 is
    this scenario's or 通用, so a name that is neither is an unknown parameter — the same rules for the .xlsx
    and the .csv form (one code path). Overrides are keyed by English id; only non-blank 取值 are returned.
    Common settings: ``as_of``,
    ``scale`` (1 or 10000), ``mask`` and ``mask_accounts`` (bool), ``currency`` (ISO 4217 code). Rows of other
    scenarios are ignored. Raises DataValidationError when the table lacks 取值 and 参数/名称 columns, and
    ParameterError for a bad value (naming the file, the 参数 sheet and the Excel row of the entry) or values
    that break a cross-field rule together (the params' ``check()``, naming the file and sheet).
    """
    df = _read_frame(source)
    where_zh, where_en = df.attrs.get("where", ("参数表", "parameter table"))
    if "取值" not in df.columns or not ({"参数", "名称"} & set(df.columns)):
        raise DataValidationError(f"{where_zh}需要「取值」列以及「参数」或「名称」列。",
                                  f"The {where_en} needs 取值 and 参数 or 名称 columns.", sheet="参数")
    fields = {f.name: f for f in dataclasses.fields(spec.params)}
    zh = {f.metadata.get("zh"): n for n, f in fields.items()}
    keys = {spec.id, spec.code, spec.title}
    overrides, common = {}, {}
    for _, r in df.iterrows():
        val = r.get("取值")
        if val is None or (isinstance(val, float) and pd.isna(val)) or str(val).strip() == "":
            continue
        scen = str(r.get("场景", "") or "").strip()
        pid = str(r.get("参数", "") or "").strip()
        name = str(r.get("名称", "") or "").strip()
        # either cell may hold the English id or the 中文 name (a CSV 参数,取值 often has only 参数)
        param_key = next((n if n in fields else zh[n] for n in (pid, name) if n in fields or n in zh), None)
        common_key = next((n if n in COMMON_KEYS else COMMON_NAMES[n] for n in (pid, name)
                           if n in COMMON_KEYS or n in COMMON_NAMES), None)
        try:
            if scen == "通用" or (common_key and not param_key):
                key = common_key or pid or name
                common[key] = _common_value(key, val)
            elif scen in keys or not scen:  # an unknown name is refused here, naming the row
                key = param_key or pid or name
                make_params(spec.params, {key: val}, check=False)  # checked here, where the row is known
                overrides[key] = val
        except ParameterError as e:
            row = r.get("_row")
            at_zh, at_en = (f"第 {row} 行", f", row {row}") if row is not None and not pd.isna(row) else ("", "")
            raise ParameterError(f"{where_zh}{at_zh}: {e.message_zh or e}",
                                 f"{where_en}{at_en}: {e.message_en or e}") from e
    try:  # cross-field rules (the params' check()) once all entries are read
        make_params(spec.params, overrides)
    except ParameterError as e:
        raise ParameterError(f"{where_zh}: {e.message_zh or e}", f"{where_en}: {e.message_en or e}") from e
    return overrides, common


#: the words a 参数 cell may use for yes / no (case-insensitive; numbers 1 / 0 too)
YES = frozenset({"是", "y", "yes", "true", "1", "1.0", "开", "启用"})
NO = frozenset({"否", "n", "no", "false", "0", "0.0", "关", "不启用"})


def _common_value(key: str, val: Any) -> Any:
    """A 通用 row's cell -> the setting: 金额单位 元/1 or 万元/10000; 脱敏/账号脱敏 是/否 (:data:`YES` /
    :data:`NO`); 数据日期; 币种. Raises ParameterError for anything else (never a silent default)."""
    s = str(val).strip()
    if key == "scale":
        if s in ("元", "1", "1.0"):
            return 1
        if s in ("万元", "10000", "10000.0"):
            return 10_000
        raise ParameterError(f"参数表「金额单位」应为 元 或 万元, 而不是「{s}」。",
                             f"金额单位 (display scale) must be 元 or 万元, not {s!r}.")
    if key in ("mask", "mask_accounts"):
        t = s.casefold()
        if t in YES or t in NO:
            return t in YES
        label = "脱敏" if key == "mask" else "账号脱敏"
        raise ParameterError(f"参数表「{label}」应为 是 或 否, 而不是「{s}」。",
                             f"{label} ({key}) must be 是 (yes) or 否 (no), not {s!r}.")
    if key == "as_of":
        return parse_as_of(val, "参数表「数据日期」")
    if key == "currency":
        return parse_currency(val, "参数表「币种」")
    return val
