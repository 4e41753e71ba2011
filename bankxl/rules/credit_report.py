"""Credit-report repayment strings (征信 近24月还款状态): one parser for C8, C1/C10's admission rules and the
``BANKXL_REPAY_STRING`` worksheet formula (SCENARIOS.md C8 input, C1/C10 准入 "近 24 月无连三累六").

The string holds one character per month, **oldest first, the latest month last** (24 months; the codes of the
PBOC personal credit report, SCENARIOS.md 【S11】):

=====  =======================================================  ===========================
 code   meaning                                                  counted as
=====  =======================================================  ===========================
 N      正常还款                                                 on time
 1–7    逾期档: 1 = 1–30 天 … 6 = 151–180 天, 7 = 180 天以上      overdue month, level 1–7
 C      结清                                                     closed
 G      结束(结清以外的终止)                                     closed otherwise
 D      担保人代还                                               bad record (not an overdue month)
 Z      以资抵债                                                 bad record (not an overdue month)
 \\*     当月不需还款且之前无拖欠                                 on time
 #      账户已开立但当月状态未知                                 unknown month
=====  =======================================================  ===========================

Cleaning (:func:`clean_repayment`): NFKC (full-width → half-width), whitespace removed, lower case → upper
(``n`` = ``N``). A cleaned string of another length than :data:`REPAY_MONTHS` or holding another character is
**invalid** (:func:`parse_repayment` gives its reason; its values are unknown, never 0): a scenario records it as
``REPAY_INVALID`` on 数据问题 (:func:`record_problems`). A blank string is unknown.

Per string (:func:`parse_repayment`, vectorised over a (rows × 24) code-point matrix; the only Python loop runs over
the 24 months): worst (highest overdue level 0–7 among the known months), overdue_months (months 1–7),
longest_run (longest run of consecutive 1–7 months), unknown_months (#), bad_months (D/Z), current (the latest
month's code), clean (no 1–7/D/Z: SCENARIOS.md C8 "干净") and streak (连三累六):

* **连三** — ``consecutive`` (3) months overdue in a row: a run of that many 1–7 months, or one month at level ≥
  ``consecutive`` (level k means k instalments overdue in a row);
* **累六** — ``total`` (6) months with 1–7 within the 24.

A ``#`` month can hide an overdue month. clean and streak are therefore three-valued: decided when they hold
reading every ``#`` as on time (streak True / clean False), or fail even reading every ``#`` as one more overdue
month continuing the run before it (streak False / clean True); otherwise unknown (``<NA>``). worst,
overdue_months and longest_run count the known months (``#`` as not overdue; unknown_months says how many were
not known).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..masking import plain_rows
from ..scenario import param
from .transactions import check_regex

if TYPE_CHECKING:  # pragma: no cover
    from ..scenario import RunContext

#: months in a repayment string (近 24 月)
REPAY_MONTHS = 24
#: the characters a repayment string may hold (after cleaning)
REPAY_CODES = "N1234567CGDZ*#"
#: 中文 meaning of each code (UDF ``current``, notes)
REPAY_MEANING = {
    "N": "正常", "1": "逾期1–30天", "2": "逾期31–60天", "3": "逾期61–90天", "4": "逾期91–120天",
    "5": "逾期121–150天", "6": "逾期151–180天", "7": "逾期180天以上", "C": "结清", "G": "结束",
    "D": "担保人代还", "Z": "以资抵债", "*": "当月不需还款", "#": "状态未知",
}
_CODES_RE = "[" + re.escape(REPAY_CODES) + "]"
#: the 问题码 of an invalid string (meaning in :data:`bankxl.errors.PROBLEM_CODES`)
PROBLEM_CODE = "REPAY_INVALID"
#: 账户状态 words of a credit account that is in trouble now (征信 账户状态, a regex): the union of the words C1
#: (逾期|呆账|止付|代偿) and C10 (逾期|呆账|止付|冻结) used before and C8's list. Union because each word marks a
#: current default signal for an admission or marketing screen — 逾期 overdue, 呆账 written off, 止付/冻结 a card
#: stopped or frozen by its issuer (PBOC 贷记卡 账户状态), 代偿 a guarantor or insurer paid for the borrower — and a
#: missed signal admits a customer in trouble, while an extra one only sends him to review or leaves him out.
OVERDUE_STATUS = "逾期|呆账|止付|冻结|代偿"
#: the columns of :func:`parse_repayment`
COLUMNS = ("text", "problem", "worst", "overdue_months", "longest_run", "unknown_months", "bad_months", "current",
           "clean", "streak")


@dataclass(frozen=True)
class RepaymentParams:
    """连三累六 (SCENARIOS.md C1/C10 准入【S17】) and the 账户状态 words of an account overdue now (C1, C8, C10 当前逾期).
    A scenario that uses the rule derives its params from this class (its fields then show on its 参数 sheet and
    change its rule hash) and calls :meth:`check` from its own."""

    streak_consecutive: int = param(3, "连三: 连续逾期月数", "月",
                                    "近 24 月中连续逾期(1–7)达到该月数, 或某月逾期档 ≥ 该值, 为「连三」", min=1, max=24)
    streak_total: int = param(6, "累六: 累计逾期月数", "月", "近 24 月中逾期(1–7)的月数累计达到该值为「累六」",
                              min=1, max=24)
    overdue_status: str = param(OVERDUE_STATUS, "当前逾期账户状态", None,
                                "征信账户状态匹配该正则(如 逾期、呆账、止付、冻结、代偿)的账户为当前逾期", pattern=r"(?s).*\S.*")

    def check(self) -> None:
        """连三 ≤ 累六 (a run of N months is N months); 当前逾期账户状态 is a valid regular expression. Raises
        :class:`ParameterError`."""
        check_regex(self, "overdue_status")
        if self.streak_consecutive > self.streak_total:
            raise ParameterError(
                f"参数「连三: 连续逾期月数(streak_consecutive)」({self.streak_consecutive}) 不能大于「累六: 累计逾期月数"
                f"(streak_total)」({self.streak_total})。",
                f"streak_consecutive ({self.streak_consecutive}) cannot exceed streak_total ({self.streak_total}).")


DEFAULT = RepaymentParams()


def clean_repayment(values: pd.Series) -> pd.Series:
    """``values`` (any dtype) as repayment strings: NFKC, whitespace removed, upper case; ``<NA>`` when nothing is
    left. ``string`` Series, same index. Strings of exactly 24 codes (:data:`REPAY_CODES`) are already clean and
    skip the text passes."""
    t = values.astype("string")
    plain = _plain(t)
    if plain.all():
        return t
    rest = t[~plain].str.normalize("NFKC").str.replace(r"\s+", "", regex=True).str.upper()
    rest = rest.mask(rest.str.len() == 0)
    vals = t.to_numpy(dtype=object, na_value=pd.NA).copy()
    vals[~plain] = rest.to_numpy(dtype=object, na_value=pd.NA)
    return pd.Series(vals, index=t.index, dtype="string")


def _plain(text: pd.Series) -> np.ndarray:
    """Bool array: the strings of exactly :data:`REPAY_MONTHS` characters, each one of :data:`REPAY_CODES` — clean
    and valid as they are (positional)."""
    return plain_rows(text, tuple((ord(c), ord(c)) for c in REPAY_CODES), length=REPAY_MONTHS)


def _problems(text: pd.Series) -> pd.Series:
    """Why each cleaned string is invalid (中文, ``<NA>`` when valid or blank); the checks run on the strings that
    are not already 24 valid codes."""
    plain = _plain(text)
    if plain.any():
        reason = pd.Series(pd.NA, index=text.index, dtype="string")
        if not plain.all():
            vals = reason.to_numpy(dtype=object, na_value=pd.NA)
            vals[~plain] = _problems(text[~plain]).to_numpy(dtype=object, na_value=pd.NA)
            reason = pd.Series(vals, index=text.index, dtype="string")
        return reason
    n = text.str.len()
    bad_chars = text.str.replace(_CODES_RE, "", regex=True)
    first_bad = bad_chars.str.slice(0, 1)
    reason = pd.Series(pd.NA, index=text.index, dtype="string")
    wrong_len = (n != REPAY_MONTHS).fillna(False)
    has_bad = (bad_chars.str.len() > 0).fillna(False)
    reason = reason.mask(has_bad, "含无法识别的字符「" + first_bad + "」(应为 N、1–7、C、G、D、Z、*、#)")
    reason = reason.mask(wrong_len & ~has_bad, "长度 " + n.astype("string") + " 位, 应为 24 位")
    reason = reason.mask(wrong_len & has_bad, reason + "; 长度 " + n.astype("string") + " 位, 应为 24 位")
    return reason


def parse_repayment(values: pd.Series, consecutive: int = DEFAULT.streak_consecutive,
                    total: int = DEFAULT.streak_total) -> pd.DataFrame:
    """Parse repayment strings (rules: module docstring).

    ``values``: Series of strings (any dtype; blank = unknown). ``consecutive`` / ``total``: 连三 / 累六 months.
    Returns a frame on ``values.index`` with :data:`COLUMNS`: text (cleaned, ``string``), problem (why invalid,
    ``string``, ``<NA>`` when valid or blank), worst / overdue_months / longest_run / unknown_months / bad_months
    (``Int64``), current (the latest month's code, ``string``), clean / streak (``boolean``, ``<NA>`` unknown).
    Every value but text/problem is ``<NA>`` for a blank or invalid string. Vectorised.
    """
    text = clean_repayment(values)
    problem = _problems(text)
    ok = (text.notna() & problem.isna()).to_numpy()
    n = len(text)
    out = pd.DataFrame({"text": text, "problem": problem}, index=values.index)
    ints = {c: np.zeros(n, dtype=np.int64) for c in ("worst", "overdue_months", "longest_run", "unknown_months",
                                                     "bad_months")}
    clean = np.zeros(n, dtype=object)
    streak = np.zeros(n, dtype=object)
    current = np.full(n, None, dtype=object)
    if ok.any():
        sub = text[ok].to_numpy(dtype=object).astype(f"U{REPAY_MONTHS}")
        mat = sub.view(np.uint32).reshape(-1, REPAY_MONTHS)
        od = (mat >= ord("1")) & (mat <= ord("7"))
        unk = mat == ord("#")
        bad = (mat == ord("D")) | (mat == ord("Z"))
        level = np.where(od, mat.astype(np.int64) - ord("0"), 0)
        run_lo = np.zeros(len(mat), dtype=np.int64)
        run_hi = np.zeros(len(mat), dtype=np.int64)
        best_lo = np.zeros(len(mat), dtype=np.int64)
        best_hi = np.zeros(len(mat), dtype=np.int64)
        for j in range(REPAY_MONTHS):  # over the 24 months, not over rows
            run_lo = np.where(od[:, j], run_lo + 1, 0)
            run_hi = np.where(od[:, j] | unk[:, j], run_hi + 1, 0)
            best_lo = np.maximum(best_lo, run_lo)
            best_hi = np.maximum(best_hi, run_hi)
        worst = level.max(axis=1)
        months = od.sum(axis=1)
        n_unk = unk.sum(axis=1)
        n_bad = bad.sum(axis=1)
        holds = (np.maximum(best_lo, worst) >= consecutive) | (months >= total)
        may = (np.maximum(best_hi, worst) >= consecutive) | (months + n_unk >= total)
        dirty = (months > 0) | (n_bad > 0)
        for c, v in (("worst", worst), ("overdue_months", months), ("longest_run", best_lo),
                     ("unknown_months", n_unk), ("bad_months", n_bad)):
            ints[c][ok] = v
        streak[ok] = np.where(holds, True, np.where(may, None, False))
        clean[ok] = np.where(dirty, False, np.where(n_unk > 0, None, True))
        current[ok] = mat[:, -1:].copy().view("U1").ravel().astype(object)  # the latest month's code
    for c, v in ints.items():
        out[c] = pd.array(np.where(ok, v, 0), dtype="Int64")
        out.loc[~ok, c] = pd.NA
    out["current"] = pd.array(current, dtype="string")
    out["clean"] = pd.array(np.where(ok, clean, None), dtype="boolean")
    out["streak"] = pd.array(np.where(ok, streak, None), dtype="boolean")
    return out


def parse_with(values: pd.Series, params: RepaymentParams) -> pd.DataFrame:
    """:func:`parse_repayment` with a scenario's params (derived from :class:`RepaymentParams`)."""
    return parse_repayment(values, params.streak_consecutive, params.streak_total)


def record_problems(ctx: RunContext, table: str, df: pd.DataFrame, column: str, parsed: pd.DataFrame,
                    action: str = "该账户的还款记录按未知处理(不算逾期, 也不算干净)") -> int:
    """Record the invalid strings of ``parsed`` (:func:`parse_repayment` of ``df[column]``, same index) as
    :data:`PROBLEM_CODE` on 数据问题 with their Excel rows (``df["_row"]``; ``<NA>`` when ``df`` was not read from a
    file), original values and reasons. Returns the number recorded."""
    bad = parsed["problem"].notna().to_numpy()
    if not bad.any():
        return 0
    rows = df.loc[bad, "_row"] if "_row" in df.columns else pd.Series(pd.NA, index=df.index[bad], dtype="Int64")
    return ctx.problem(table, rows, column, PROBLEM_CODE, df.loc[bad, column],
                       parsed.loc[bad, "problem"].astype(str).to_numpy(), action)
