"""What Excel hands a bankxl UDF, reproduced with xlwings' *own* conversion code (no Excel needed).

On Windows a worksheet formula ``=BANKXL_X(A2:A10)`` reaches Python through ``xlwings.udfs.call_udf``:
every argument goes through ``xlwings.conversion.read(range_or_None, value, arg_info["options"])`` with
the options the function's ``@xw.arg`` declared, and the return value through ``conversion.write``. The
conversion pipeline asks the Excel engine (``xlwings._xlwindows``) to clean the raw COM values
(``Engine.clean_value_data`` -> ``_clean_value_data_element``: an empty cell is ``None`` from COM and
becomes the converter's ``empty`` value, NaN for ``np.array``) and to prepare returned values
(``prepare_xl_data_element``: None / NaN -> ``""``).

``_xlwindows`` needs pywin32 and cannot be imported here, so :func:`excel_engine` takes those functions'
source text from the installed xlwings (``ast``), runs it unchanged and registers a stand-in ``excel``
engine while a test calls :func:`call_udf`. Only COM's own date type (``pywintypes.TimeType``) is replaced
by ``datetime`` - COM delivers a date cell as that type and xlwings turns it into ``datetime``.

:func:`call_udf` takes the raw values COM delivers for a range (a tuple of row tuples: float for a number
cell, str for text, bool, ``datetime`` for a date cell, ``None`` for an empty cell) and the function
decorated with xlwings' real decorators (:func:`bankxl.xl.addin_cli.load_udf_module`), exactly like
``call_udf`` (a range argument is read by ``ReadValueFromRangeStage`` into the same tuple of tuples).
"""
from __future__ import annotations

import ast
import contextlib
import datetime as dt
import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import xlwings
from xlwings import conversion
from xlwings.main import Engine

MISSING = -2147352572  # what COM passes for an omitted optional argument (xlwings.udfs.call_udf)
_WANTED = ("_clean_value_data_element", "_com_time_to_datetime", "cell_errors")


@functools.lru_cache(maxsize=1)
def _windows_functions() -> dict[str, Any]:
    """``_clean_value_data_element``, ``clean_value_data``, ``prepare_xl_data_element`` and ``cell_errors``
    from the installed ``xlwings/_xlwindows.py``, executed from their source."""
    src_path = Path(xlwings.__file__).with_name("_xlwindows.py")
    tree = ast.parse(src_path.read_text(encoding="utf-8"))
    body: list[ast.stmt] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name in _WANTED:
            body.append(node)
        elif isinstance(node, ast.Assign) and any(getattr(t, "id", None) in _WANTED for t in node.targets):
            body.append(node)
        elif isinstance(node, ast.ClassDef) and node.name == "Engine":
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name in ("clean_value_data",
                                                                        "prepare_xl_data_element"):
                    item.decorator_list = []
                    body.append(item)
    import pandas as pd

    ns: dict[str, Any] = {
        "np": np, "pd": pd, "dt": dt,
        # pywintypes.TimeType is COM's date; here a date cell arrives as datetime already
        "time_types": (dt.date, dt.datetime, np.datetime64),
        "_datetime_to_com_time": lambda x: x,
    }
    exec(compile(ast.Module(body=body, type_ignores=[]), str(src_path), "exec"), ns)  # noqa: S102
    missing = {"_clean_value_data_element", "clean_value_data", "prepare_xl_data_element"} - set(ns)
    assert not missing, f"xlwings/_xlwindows.py no longer defines {missing}"
    return ns


class _ExcelImpl:
    """The parts of ``xlwings._xlwindows.engine`` the conversion pipeline calls."""

    name = "excel"
    type = "desktop"

    def __init__(self) -> None:
        fns = _windows_functions()
        self.clean_value_data = fns["clean_value_data"]
        self.prepare_xl_data_element = fns["prepare_xl_data_element"]


@contextlib.contextmanager
def excel_engine() -> Iterator[None]:
    """Register the stand-in ``excel`` engine for the duration of the block."""
    engines = xlwings.engines
    had = engines.engines_by_name.get("excel")
    eng = Engine(impl=_ExcelImpl())
    engines.add(eng)
    try:
        yield
    finally:
        engines.engines.remove(eng)
        if had is None:
            engines.engines_by_name.pop("excel", None)
        else:
            engines.engines_by_name["excel"] = had


@functools.lru_cache(maxsize=1)
def udf_module():
    from bankxl.xl.addin_cli import load_udf_module

    return load_udf_module()


def convert_args(name: str, *raw: Any) -> list[Any]:
    """The Python arguments ``call_udf`` would hand ``name`` for these raw COM values."""
    func = getattr(udf_module(), name)
    args_info = func.__xlfunc__["args"]
    out = []
    with excel_engine():
        for i, arg in enumerate(raw):
            info = args_info[min(i, len(args_info) - 1)]
            if isinstance(arg, int) and not isinstance(arg, bool) and arg == MISSING:
                out.append(info.get("optional", None))
            else:
                out.append(conversion.read(None, arg, info["options"], engine_name="excel"))
    return out


def call_udf(name: str, *raw: Any) -> Any:
    """Run ``bankxl.xl.udfs.<name>`` as Excel would: convert each raw argument with its ``@xw.arg`` options,
    call the function, convert the result back with its ``@xw.ret`` options (what the cells show:
    None/NaN become ``""``)."""
    func = getattr(udf_module(), name)
    args = convert_args(name, *raw)
    ret = func(*args)
    with excel_engine():
        return conversion.write(ret, None, func.__xlfunc__["ret"]["options"], engine_name="excel")


def column(*values: Any) -> tuple[tuple[Any, ...], ...]:
    """A one-column range as COM delivers it: a tuple of 1-tuples."""
    return tuple((v,) for v in values)
