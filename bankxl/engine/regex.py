"""Regular expressions that mean the same on every engine: Python ``re`` (the pandas path), RE2 (DuckDB's
``regexp_matches``) and Java (Spark's ``RLIKE``).

The three dialects agree on literals, alternation, groups, character classes and quantifiers, but not on
everything a Python pattern may hold: ``\\d``/``\\w``/``\\s``/``\\b`` are Unicode-aware in Python and ASCII-only
in RE2 and Java; ``.`` excludes only ``\\n`` in Python and RE2 but also ``\\r``, U+0085, U+2028 and U+2029 in
Java; ``$`` also matches before a final newline in Python and Java but not in RE2; RE2 has no look-around or
back-references (Java has); ``{,n}`` is a quantifier in Python, a literal in RE2 and an error in Java; RE2
caps a repeat count at 1,000, nested repeats multiplied together too; inline flags differ. :func:`portable_regex` parses a Python pattern
(``re._parser``, the parser ``re.compile`` uses) and writes the same language in the subset all three read
alike — every literal that is not a letter or digit as ``\\x{HHHH}``, ``.`` as ``[^\\n]`` — and refuses
anything else with a :class:`~bankxl.errors.ParameterError` naming the parameter. A rule is evaluated as
"the text contains a match" (``re.search``, RE2 partial match, Java ``find``), so only the set of texts that
contain a match must agree.
"""
from __future__ import annotations

import re
import threading
from functools import lru_cache

try:  # Python >= 3.11
    from re import _constants as _c
    from re import _parser as _p
except ImportError:  # pragma: no cover - Python < 3.11
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

from ..errors import ParameterError

#: the largest repeat count RE2 accepts
MAX_REPEAT = 1000


class _Unportable(Exception):
    """A construct the three regex dialects do not read alike (message: what, in Chinese and English)."""

    def __init__(self, zh: str, en: str):
        super().__init__(en)
        self.zh, self.en = zh, en


def _char(code: int) -> str:
    """One literal character: itself when it is a letter or digit (CJK included), else ``\\x{HHHH}``."""
    ch = chr(code)
    return ch if ch.isalnum() else "\\x{%X}" % code


def _class_item(op, av) -> str:
    if op is _c.LITERAL:
        return _char(av)
    if op is _c.RANGE:
        return f"{_char(av[0])}-{_char(av[1])}"
    if op is _c.CATEGORY:
        raise _Unportable("不能用 \\d \\w \\s 等字符类别(各引擎含义不同), 请写成 [0-9] 这样的明确范围",
                          "character categories such as \\d \\w \\s differ between engines; write an explicit range "
                          "such as [0-9]")
    raise _Unportable(f"不支持的字符集写法 {op}", f"unsupported character-set item {op}")


#: constructs only some engines have, in user words (Chinese, English), by the ``re`` parser's opcode name
_UNSUPPORTED = {
    "ASSERT": ("前后查找 (?=…) (?<=…)", "look-around (?=…) (?<=…)"),
    "ASSERT_NOT": ("否定前后查找 (?!…) (?<!…)", "negative look-around (?!…) (?<!…)"),
    "GROUPREF": ("反向引用 \\1 (?P=名称)", "back-references \\1 (?P=name)"),
    "GROUPREF_EXISTS": ("条件分组 (?(1)…|…)", "conditional groups (?(1)…|…)"),
    "ATOMIC_GROUP": ("原子分组 (?>…)", "atomic groups (?>…)"),
    "POSSESSIVE_REPEAT": ("占有量词 *+ ++ ?+", "possessive quantifiers *+ ++ ?+"),
}


def _emit(items, budget: int = MAX_REPEAT) -> str:
    """``items`` (a ``re._parser`` tree) in the portable subset. ``budget``: what is left of RE2's repeat cap
    under the enclosing repeats — RE2's parser (parse.cc, ``RepetitionWalker``) divides 1,000 by each nested
    repeat's count (its upper bound, or its lower bound when unbounded; 0 counts as 1) and refuses the pattern
    when that reaches 0, i.e. when the counts along one nesting path multiply to more than 1,000."""
    out = []
    for op, av in items:
        if op is _c.LITERAL:
            out.append(_char(av))
        elif op is _c.NOT_LITERAL:
            out.append(f"[^{_char(av)}]")
        elif op is _c.ANY:
            out.append("[^\\n]")
        elif op is _c.IN:
            neg = bool(av) and av[0][0] is _c.NEGATE
            body = "".join(_class_item(o, a) for o, a in (av[1:] if neg else av))
            out.append(f"[{'^' if neg else ''}{body}]")
        elif op is _c.BRANCH:
            out.append("(?:" + "|".join(_emit(b, budget) for b in av[1]) + ")")
        elif op is _c.SUBPATTERN:
            _group, add, remove, sub = av
            if add or remove:
                raise _Unportable("不能用 (?i) 等内联标志", "inline flags such as (?i) are not portable")
            out.append("(?:" + _emit(sub, budget) + ")")
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT):
            lo, hi, sub = av
            if lo > MAX_REPEAT or (hi is not _c.MAXREPEAT and hi > MAX_REPEAT):
                raise _Unportable(f"重复次数不能超过 {MAX_REPEAT}", f"repeat counts above {MAX_REPEAT} (RE2's cap)")
            count = lo if hi is _c.MAXREPEAT else hi
            inner = budget // count if count > 0 else budget
            if inner == 0:
                raise _Unportable(f"嵌套重复的次数相乘不能超过 {MAX_REPEAT}(如 (贷{{40}}){{30}} 为 1200 次)",
                                  f"nested repeat counts multiplied above {MAX_REPEAT} (RE2's cap; "
                                  "(x{40}){30} is 1200)")
            q = "{%d,}" % lo if hi is _c.MAXREPEAT else ("{%d}" % lo if lo == hi else "{%d,%d}" % (lo, hi))
            out.append("(?:" + _emit(sub, inner) + ")" + q + ("?" if op is _c.MIN_REPEAT else ""))
        elif op is _c.AT and av in (_c.AT_BEGINNING, _c.AT_BEGINNING_STRING):
            out.append("^")
        elif op is _c.AT:
            raise _Unportable("不能用 $ \\b \\Z 等位置断言(各引擎含义不同)",
                              "anchors such as $ \\b \\Z differ between engines")
        else:
            zh, en = _UNSUPPORTED.get(str(op), (f"「{op}」写法", f"the construct {op}"))
            raise _Unportable(f"不能用{zh}(前后查找、反向引用等只有部分引擎支持)",
                              f"{en} (look-around, back-references and the like) are not supported by every engine")
    return "".join(out)


@lru_cache(maxsize=256)
def _portable(pattern: str) -> str:
    tree = _p.parse(pattern)
    if tree.state.flags & ~(_c.SRE_FLAG_UNICODE | _c.SRE_FLAG_VERBOSE):
        raise _Unportable("不能用 (?i) (?s) 等标志", "flags such as (?i) (?s) are not portable")
    out = _emit(tree)
    _re2_compiles(out)
    return out


#: the in-memory DuckDB database :func:`_re2_compiles` compiles in (made on first use, one per process)
_checker = None
_checker_lock = threading.Lock()


def _re2_compiles(pattern: str) -> None:
    """Compiles the portable ``pattern`` in DuckDB (``regexp_matches``: RE2 with DuckDB's memory budget), the
    one engine with a size limit: RE2 refuses a program that outgrows its memory budget ("pattern too large -
    compile failed", e.g. ``.{1000}`` written 60 times), a count of instructions no simpler rule predicts.
    Raises :class:`_Unportable` then; the parse errors are refused earlier by :func:`_emit` (same rule).
    One default-configured in-memory database per process, a cursor of it per check (a new database per
    pattern cost ~10 ms CPU, ~0.2 s for the classifier's ~20 patterns; a cursor ~0.2 ms)."""
    import duckdb

    global _checker
    with _checker_lock:
        if _checker is None:
            _checker = duckdb.connect()
        cur = _checker.cursor()
    try:
        cur.execute("SELECT regexp_matches('', ?)", [pattern]).fetchone()
    except duckdb.InvalidInputException as e:
        raise _Unportable(f"表达式展开后太大, DuckDB(RE2)无法编译({e})",
                          f"the expression is too large once expanded for DuckDB's RE2 to compile ({e})") from e
    finally:
        cur.close()


def portable_regex(pattern: str, name: str = "pattern", label: str | None = None) -> str:
    """The Python regular expression ``pattern`` written so that RE2 (DuckDB) and Java (Spark) find a match in
    exactly the texts where Python's ``re.search`` does (rules: module docstring). ``""`` stays ``""`` (an
    empty parameter switches its rule off; the caller tests for it). ``name`` / ``label``: the parameter's id
    and 中文名 for the message. Raises :class:`ParameterError` (Chinese + English, naming the parameter and
    the value) for an invalid pattern or one the engines would read differently."""
    if pattern == "":
        return ""
    shown = f"「{label}({name})」" if label else f"「{name}」"
    try:
        re.compile(pattern)
        return _portable(pattern)
    except (re.error, TypeError) as e:
        raise ParameterError(f"参数{shown}的取值「{pattern}」不是有效的正则表达式: {e}。",
                             f"Parameter {name}: {pattern!r} is not a valid regular expression ({e}).") from e
    except _Unportable as e:
        raise ParameterError(f"参数{shown}的取值「{pattern}」不能在 DuckDB/Spark 上按 Python 的含义执行: {e.zh}。",
                             f"Parameter {name}: {pattern!r} cannot run on DuckDB/Spark as Python reads it: "
                             f"{e.en}.") from e
