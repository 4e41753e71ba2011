"""Errors and row-level data problems (数据问题).

Two kinds of problem (DESIGN.md, "Canonical tables"):

* structural — file unreadable, no header found, a required column missing: raise one
  :class:`DataValidationError` naming the sheet and the column (中文 + English id);
* row-level — a bad ID, an impossible date, a negative amount: collected as :class:`RowProblem`
  (sheet, Excel row as the user sees it, column, code, original value, reason, handling) in a
  :class:`ProblemLog`; every report lists them on its 数据问题 sheet. Strict mode makes them fatal.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Iterable

import numpy as np
import pandas as pd

#: Problem codes and their Chinese meaning (SCENARIOS.md §6 问题表).
PROBLEM_CODES: dict[str, str] = {
    "ID_CORRUPT": "证件号以数值存储且超过 15 位, 精度已丢失, 无法恢复",
    "ID_FORMAT": "证件号格式错误",
    "ID_DATE": "证件号中的出生日期不存在",
    "ID_CHECKSUM": "证件号校验位错误",
    "ID_AS_NUMBER": "证件号以数值存储(15 位, 已无损转回文本)",
    "DATE_INVALID": "日期无法识别或不存在",
    "DATE_ORDER": "日期先后矛盾",
    "DATE_OUTLIER": "日期晚于推断的数据日期所在月份, 且该月行数过少(疑为录入错误), 未参与计算",
    "TERM_INVALID": "期限不合理: ≤ 0 或超过 600 个月(50 年)",
    "NUM_INVALID": "数值无法识别",
    "NEG_BALANCE": "金额为负",
    "DUP_KEY": "主键重复",
    "REQUIRED_EMPTY": "必填值为空",
    "VALUE_INVALID": "取值不在允许范围内",
    "SUM_MISMATCH": "合计与明细不符",
    "TAX_MISMATCH": "个税与累计预扣法重算结果不符",
    "FIELD_COUNT": "CSV 行的字段比表头多(列可能错位)",
    "MISSING_ITEM": "工资项目为空(金额未知), 该行实发或该员工此后个税无法核对",
    "ID_MISSING": "证件号为空",
    "LOAN_END_MISSING": "已结清贷款缺结清日",
    "LOAN_DATE_ORDER": "结清日早于放款日",
    "LOAN_NO_CUSTOMER": "贷款缺客户号",
    "SUMMARY_ROW": "合计/小计行, 已跳过",
    "FOOTER_ROW": "表尾说明行(制表人/打印日期/单位等), 已跳过",
    "NPL_CLASS_DPD": "五级分类轻于逾期天数对应的最低分类(零售: 逾期 >90 天至少次级, >270 天至少可疑, >360 天损失)",
    "MCH_COUNT_ZERO": "商户月度笔数为 0 但金额不为 0(按当月有交易处理)",
    "LIST_CONFLICT": "外部名单与本行客户身份冲突(证件号相同姓名不同, 或姓名+手机对应多位客户), 未合并",
    "REPAY_INVALID": "征信近24月还款状态串无法解读(长度不是 24 位, 或含 N、1–7、C、G、D、Z、*、# 以外的字符)",
    "FEEDBACK_KEY": "退回的营销任务行: 客户号与其名单键/数据日期对不上(或同一文件中重复), 未计入",
    "FEEDBACK_CONFLICT": "同一客户同一轮次在几份退回的名单中反馈不同",
    "USCC_INVALID": "统一社会信用代码格式或校验位错误(GB 32100)",
    "POLICY_LIMIT": "助学贷款超出政策参数(年度额度上限或最长期限)",
    "TEXT_CONTROL": "文本含不可见的控制字符(如 U+202E 从右到左覆盖、NUL), 已删除",
    "KEY_UNMATCHED": "本表的客户号大多在客户表中找不到(常因客户号以数字存储丢失前导 0), 按客户关联的结果不完整",
    "CUST_NOT_FOUND": "客户号不在客户表中(该行保留, 按客户关联的客户名称、证件号等为空)",
    "COLUMN_MISSING": "场景计算所需的列在整张表中没有任何值(不在文件中或整列为空), 依赖它的结果不可算(空白, 不按 0)",
}

#: what a problem code's count counts when it is not rows (:meth:`ProblemLog.summary_text`): KEY_UNMATCHED is one
#: warning per table (the whole table; its 问题说明 gives the 客户号 found and not found), not one per row; so is
#: COLUMN_MISSING (a column a scenario needs holds no value in the whole table, e.g. D4's size basis)
COUNT_UNITS: dict[str, str] = {"KEY_UNMATCHED": "张表(整表警告 whole-table warning)",
                               "COLUMN_MISSING": "张表(整表警告 whole-table warning)"}


def _counted(code: str, n: int) -> str:
    """``'3 行'`` — or ``'1 张表(整表警告 …)'`` for a code whose count is not rows (:data:`COUNT_UNITS`)."""
    return f"{n} {COUNT_UNITS.get(code, '行')}"

#: Informational codes: recorded on the 数据问题 sheet so the user sees what was done, but not data errors —
#: a dropped 合计/小计 row or export footer, a 15-digit ID turned back into text without loss. Strict mode
#: (the loader's per-table check and the runner's final check) ignores them; see :meth:`ProblemLog.real_count`.
INFO_CODES: frozenset[str] = frozenset({"SUMMARY_ROW", "FOOTER_ROW", "ID_AS_NUMBER"})
#: codes with which the loader blanks a cell it could not read (the row stays): a scenario's later check of
#: the same cell joins that problem (:meth:`ProblemLog.record`) instead of calling the cell empty
BLANKED_CODES: frozenset[str] = frozenset({"DATE_INVALID", "NUM_INVALID", "VALUE_INVALID", "REQUIRED_EMPTY"})


def _column_label(table: str, column: str | None) -> str | None:
    """``中文(id)`` for a column id of canonical table ``table``; anything else (a ready label, None)
    unchanged."""
    from .tables import TABLES

    spec = TABLES.get(table)
    if spec is None or column is None or "(" in column:
        return column
    c = next((c for c in spec.columns if c.id == column), None)
    return f"{c.zh}({c.id})" if c else column


def table_label(table: str) -> str:
    """``定期存款明细(time_deposits)`` for a canonical table id; other names unchanged."""
    from .tables import TABLES

    spec = TABLES.get(table)
    return f"{spec.zh}({table})" if spec else table


class BankxlError(Exception):
    """Base class of every error bankxl raises on purpose.

    ``BankxlError(message_zh, message_en="")``: one Chinese sentence, then the English one on its own line.
    """

    def __init__(self, message_zh: str = "", message_en: str = "", *args):
        self.message_zh, self.message_en = message_zh, message_en
        super().__init__(message_zh + (f"\n{message_en}" if message_en else ""), *args)


class DataValidationError(BankxlError):
    """A structural input problem that stops the run.

    The message is one paragraph in Chinese followed by English, and names the table, the sheet
    and the column (中文 + English id) so the user can find it: the Chinese line leads with where — 文件「a.csv」，
    工作表「S」，列「到期日(maturity_date)」，第 3 行： — in that order; the English line leads with the same place
    (``File a.csv, sheet S, column maturity_date, row 3: ``) when the file or the row is known.

    Attributes: ``table`` (canonical id), ``file`` (the file's name, when known), ``sheet``, ``column`` (English
    id), ``column_zh``, ``excel_row`` (row the user sees, when known), ``message_zh``, ``message_en``.
    """

    def __init__(self, message_zh: str, message_en: str = "", *, table: str | None = None,
                 sheet: str | None = None, column: str | None = None, column_zh: str | None = None,
                 excel_row: int | None = None, file: str | None = None):
        self.message_zh = message_zh
        self.message_en = message_en
        self.table = table
        self.file = file
        self.sheet = sheet
        self.column = column
        self.column_zh = column_zh
        self.excel_row = excel_row
        where, where_en = [], []
        if file:
            where.append(f"文件「{file}」")
            where_en.append(f"File {file}")
        if sheet:
            where.append(f"工作表「{sheet}」")
            where_en.append(f"sheet {sheet}")
        if column_zh or column:
            where.append(f"列「{column_zh or ''}{'(' + column + ')' if column else ''}」")
            where_en.append(f"column {column or column_zh}")
        if excel_row:
            where.append(f"第 {excel_row} 行")
            where_en.append(f"row {excel_row}")
        prefix = ("，".join(where) + "：") if where else ""
        text = prefix + message_zh
        if message_en:
            lead = ", ".join(where_en) if file or excel_row else ""
            text += f"\n{lead[:1].upper() + lead[1:]}: {message_en}" if lead else f"\n{message_en}"
        Exception.__init__(self, text)  # message_zh/message_en stay the parts


class ParameterError(BankxlError):
    """A parameter value (CLI --param, --params file or the 参数 sheet) is invalid.

    ``ParameterError(message_zh, message_en="")``: shown as one Chinese line, then the English one.
    """



#: the English column id in a 字段 label such as ``证件号码(id_no)``
_FIELD_ID = re.compile(r"\(([A-Za-z_][A-Za-z0-9_]*)\)")


def _is_personal(field_id: str) -> bool:
    from .masking import PERSONAL_FIELDS

    return field_id in PERSONAL_FIELDS


@dataclass(frozen=True)
class RowProblem:
    """One row-level data problem, as shown on the 数据问题 sheet.

    ``excel_row`` is the row number the user sees in Excel (1-based, header offset included);
    for a CSV it is the line number in the file. ``action`` says how the row was handled
    (e.g. "保留, 该字段置空" / "剔除该行").
    """

    table: str
    sheet: str | None
    excel_row: int | None
    column: str | None
    code: str
    value: object
    reason: str
    action: str

    def shown_value(self, mask: bool = True, mask_accounts: bool = True) -> str:
        """原值 as shown to the user: ``""`` for a missing value; control characters (:data:`bankxl.coerce.CONTROL_CHARS`)
        left out; masked (:func:`bankxl.masking.mask_field`)
        when ``mask`` and the column is personal (证件号码(id_no), 手机号(phone), 客户名称(cust_name),
        账号(acct_no) …; the English id in brackets names the field). A key of several columns
        (``账号(acct_no)、客户号(cust_id)`` with value ``6217… / 0000…``) is masked part by part. The Excel
        row number stays, so the row can still be found."""
        v = self.value
        if v is None or (isinstance(v, float) and pd.isna(v)):
            return ""
        text = str(v)
        from .coerce import CONTROL_CHARS

        text = CONTROL_CHARS.sub("", text)  # never a raw RLO / NUL on the sheet (问题说明 names the code points)
        fields = _FIELD_ID.findall(self.column or "")
        if not mask or not fields:
            return text
        from .masking import mask_account, mask_field

        parts = text.split(" / ") if len(fields) > 1 else [text]
        if len(parts) != len(fields):  # cannot tell the parts apart: keep only the ends if any field is personal
            return mask_account(text) if any(_is_personal(f) for f in fields) else text
        return " / ".join(mask_field(x, f, True, mask_accounts) or "" for x, f in zip(parts, fields))

    def as_row(self, sheets: dict[str, str] | None = None, mask: bool = False, mask_accounts: bool = True) -> dict:
        """The row on the 数据问题 sheet; ``sheets`` (table -> sheet or file name) fills a blank 工作表
        for problems found inside a scenario; ``mask``/``mask_accounts`` as in :meth:`shown_value`."""
        return {
            "表名": table_label(self.table),
            "工作表": self.sheet or (sheets or {}).get(self.table, ""),
            "Excel 行号": self.excel_row,
            "字段": self.column or "",
            "问题码": self.code,
            "原值": self.shown_value(mask, mask_accounts),
            "问题说明": self.reason,
            "处理": self.action,
        }


@dataclass
class ProblemLog:
    """Collector of :class:`RowProblem` across loading and the scenario run.

    ``cap`` limits how many problems per (table, code) are kept in detail; the rest are only
    counted, so a 1M-row file with one systematic error does not make a 1M-row problem sheet.
    """

    cap: int = 5000
    problems: list[RowProblem] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)

    def add(self, problem: RowProblem) -> None:
        key = (problem.table, problem.code)
        self.counts[key] += 1
        if self.counts[key] <= self.cap:
            self.problems.append(problem)

    def extend(self, problems: Iterable[RowProblem]) -> None:
        for p in problems:
            self.add(p)

    def record(self, table: str, rows, column: str | None, code: str, values, reason, action, *,
               sheet: str | None = None) -> int:
        """Record one problem per flagged row — the one way a scenario (``ctx.problem``) or a shared rule
        records row problems.

        ``rows``: the Excel row numbers of the flagged rows, e.g. ``df.loc[bad, "_row"]`` (Series / array /
        list; ``<NA>`` = unknown, e.g. a frame not read from a file). ``column``: a canonical column id of
        ``table`` (shown as ``中文(id)``, e.g. ``到期日(maturity_date)``), a ready label such as
        ``应发合计(gross)``, or None for the whole row. ``values``: the original values aligned with ``rows``
        (or one scalar for all). ``reason`` / ``action`` (问题说明 / 处理): one string, or one per row.
        ``sheet``: the sheet the rows are on when known (else the report fills it from its inputs).
        Only the first :attr:`cap` problems per (table, code) are kept in detail, the rest are counted
        without building a :class:`RowProblem` each. Returns the number of rows recorded.

        A cell the loader already blanked (:data:`BLANKED_CODES` on the same table, Excel row and column, e.g.
        放款日 ``2026/13/45`` -> DATE_INVALID) is not recorded twice: its one row keeps the loader's 原值, code
        and 问题说明 (what the cell held) and takes this ``action`` (what finally happened to the row), so a
        scenario's "放款日为空" check cannot claim an invalid date was empty.
        """
        r = pd.array(rows, dtype="Int64") if not isinstance(rows, pd.Series) else rows.astype("Int64").array
        n = len(r)
        if not n:
            return 0
        col = _column_label(table, column)
        blanked = {(p.excel_row, i) for i, p in enumerate(self.problems)
                   if p.table == table and p.column == col and p.code in BLANKED_CODES and p.excel_row is not None}
        where = dict(blanked)
        rows_ = r.to_numpy(dtype="float64", na_value=np.nan)
        seen = np.isin(rows_, np.fromiter(where, dtype="float64")) if where else np.zeros(n, dtype=bool)
        if seen.any():
            act = [action] * n if isinstance(action, str) or not hasattr(action, "__len__") else list(action)
            for j in np.flatnonzero(seen):
                i = where[int(rows_[j])]
                self.problems[i] = replace(self.problems[i], action=str(act[j]))
            if seen.all():
                return n
            keep = np.flatnonzero(~seen)
            pick = (lambda x: x if isinstance(x, (str, type(None))) or not hasattr(x, "__len__")
                    else [x.iloc[k] if isinstance(x, pd.Series) else x[k] for k in keep])
            return int(seen.sum()) + self.record(table, r[keep], column, code, pick(values),
                                                 pick(reason), pick(action), sheet=sheet)
        key = (table, code)
        room = max(self.cap - self.counts[key], 0)
        k = min(n, room)

        def at(x, i):
            if isinstance(x, (str, type(None))) or not hasattr(x, "__len__"):
                return x
            return x.iloc[i] if isinstance(x, pd.Series) else x[i]

        for i in range(k):
            v = at(values, i)
            v = v.item() if isinstance(v, np.generic) else v
            self.problems.append(RowProblem(table, sheet, None if pd.isna(r[i]) else int(r[i]), col, code, v,
                                            str(at(reason, i)), str(at(action, i))))
        self.counts[key] += n
        return n

    def __len__(self) -> int:
        return sum(self.counts.values())

    def real_count(self) -> int:
        """Problems that are data errors: all counted problems except :data:`INFO_CODES` (strict mode uses
        this, so dropping a 合计 row never makes a strict run fail)."""
        return sum(n for (_t, c), n in self.counts.items() if c not in INFO_CODES)

    def real_summary_text(self) -> str:
        """Like :meth:`summary_text` but only the problems :meth:`real_count` counts."""
        parts = [f"{t}/{c} {PROBLEM_CODES.get(c, c)}: {_counted(c, n)}" for (t, c), n in sorted(self.counts.items())
                 if c not in INFO_CODES]
        return "; ".join(parts)

    def __bool__(self) -> bool:
        return len(self) > 0

    def to_frame(self, sheets: dict[str, str] | None = None, mask: bool = False,
                 mask_accounts: bool = True) -> pd.DataFrame:
        """The detail rows (capped per table and code); ``sheets``, ``mask`` and ``mask_accounts`` as in
        :meth:`RowProblem.as_row` (a report passes its 脱敏 / 账号脱敏 settings)."""
        cols = ["表名", "工作表", "Excel 行号", "字段", "问题码", "原值", "问题说明", "处理"]
        if not self.problems:
            return pd.DataFrame(columns=cols)
        df = pd.DataFrame([p.as_row(sheets) for p in self.problems], columns=cols)
        if mask:  # vectorised per 字段: one masking call per personal column, not per problem
            from .masking import mask_field

            for label, idx in df.groupby("字段", sort=False).groups.items():
                fields = _FIELD_ID.findall(str(label))
                if len(fields) == 1 and _is_personal(fields[0]):
                    vals = df.loc[idx, "原值"].replace("", None)
                    df.loc[idx, "原值"] = mask_field(vals, fields[0], True, mask_accounts).fillna("").astype(object)
                elif len(fields) > 1 and any(map(_is_personal, fields)):
                    df.loc[idx, "原值"] = [self.problems[i].shown_value(True, mask_accounts) for i in idx]
        return df

    def summary(self) -> pd.DataFrame:
        """Counts per table and code (all problems, not only the capped detail)."""
        rows = [{"表名": table_label(t), "问题码": c, "问题类型": PROBLEM_CODES.get(c, c), "行数": n}
                for (t, c), n in sorted(self.counts.items())]
        return pd.DataFrame(rows, columns=["表名", "问题码", "问题类型", "行数"])

    def summary_text(self) -> str:
        """One line per table/code, for the CLI and the message box. Only real problems are counted as
        数据问题; informational codes (:data:`INFO_CODES`, e.g. a skipped 合计 row) follow as 提示 notices."""
        if not self:
            return "未发现数据问题 (no data problems)."
        info = "; ".join(f"{t}/{c} {PROBLEM_CODES.get(c, c)}: {n} 行" for (t, c), n in sorted(self.counts.items())
                         if c in INFO_CODES)
        n = self.real_count()
        if not n:
            return f"未发现数据问题 (no data problems); 提示 notices: {info}"
        return (f"发现 {n} 个数据问题 ({n} data problems): {self.real_summary_text()}"
                + (f"; 另有提示 notices: {info}" if info else ""))


def strict_error(problems: ProblemLog, files: dict[str, tuple[str | None, str | None]] | None = None, *,
                 mask: bool = True, mask_accounts: bool = True) -> DataValidationError:
    """Strict mode's error for a run whose ``problems`` hold real row problems (:meth:`ProblemLog.real_count`; the
    runner's final check, after the scenario ran): located at the first real problem — its file and sheet
    (``files``: table id -> (file name, sheet) of the run's inputs), column and Excel row lead the Chinese and the
    English line (:class:`DataValidationError`) — then the count per table and code, and that first problem's
    code, 原值 (masked as ``mask`` / ``mask_accounts``) and 问题说明 (its Chinese line)."""
    n = problems.real_count()
    first = next((p for p in problems.problems if p.code not in INFO_CODES), None)
    if first is None:
        return DataValidationError(f"严格模式: 发现 {n} 个数据问题: {problems.real_summary_text()}",
                                   f"Strict mode: {n} data problem(s); the report was not written.")
    file, sheet = (files or {}).get(first.table, (None, None))
    ids = _FIELD_ID.findall(first.column or "")
    col_id = ids[0] if len(ids) == 1 else None
    col_zh = first.column.rsplit("(", 1)[0] if col_id else first.column
    shown = first.shown_value(mask, mask_accounts)
    why = first.reason.split("\n", 1)[0]
    return DataValidationError(
        f"严格模式: 发现 {n} 个数据问题: {problems.real_summary_text()}。第一个: {table_label(first.table)} "
        f"{first.code} 原值「{shown}」{why}",
        f"Strict mode: {n} data problem(s); the first: {first.table} {first.code} {shown!r}. The report was not "
        "written.", table=first.table, file=file, sheet=first.sheet or sheet, column=col_id, column_zh=col_zh,
        excel_row=first.excel_row)
