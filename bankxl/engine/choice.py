"""Choosing the engine of one run: ``bankxl run … --engine duckdb|spark --spark-master URL`` and the Python API's
``run_scenario(..., engine=...)`` (issue 17 item 2).

:func:`engine_for` turns what the user gave into an engine object; the runner then sets it for that run only
(:func:`bankxl.engine.using`, context-local). :func:`spark_session` builds (or reuses) the Spark session of a
master URL, with a clear Chinese + English error when pyspark or a Java runtime is missing.
"""
from __future__ import annotations

import importlib.util
import os
import shutil

from .duck import DuckDBEngine
from .query import EngineError
from .spark import SparkEngine

#: the names ``--engine`` accepts
ENGINES = ("duckdb", "spark")
#: the Spark application name of a session bankxl builds
APP_NAME = "bankxl"
#: what to install for Spark (named in every error about it)
SPARK_INSTALL_ZH = "请安装: pip install 'bankxl[spark]' 与 Java 17 运行环境(如 openjdk-17-jre-headless)"
SPARK_INSTALL_EN = "install it with pip install 'bankxl[spark]' and a Java 17 runtime (e.g. openjdk-17-jre-headless)"


def _java() -> str | None:
    """The java executable Spark would start: ``$JAVA_HOME/bin/java`` when JAVA_HOME is set, else ``java`` on
    PATH; None when there is none."""
    home = os.environ.get("JAVA_HOME")
    if home:
        exe = os.path.join(home, "bin", "java")
        return exe if os.path.exists(exe) else None
    return shutil.which("java")


def spark_session(master: str | None = None, app_name: str = APP_NAME):
    """The Spark session of ``master`` (a Spark master URL: ``local[2]``, ``yarn``, ``spark://host:7077``,
    ``k8s://…``; None = the active session, else ``local[*]``), named ``app_name``: an active session in this
    process is reused (``SparkSession.builder.getOrCreate``; its master is not changed). Raises EngineError
    (Chinese + English, naming ``pip install 'bankxl[spark]'`` and a Java 17 runtime) when pyspark is not
    installed, when no Java runtime is found (checked before starting one: Spark's own error is a gateway
    exit code), or when the session cannot start (the master unreachable, a bad URL: Spark's message kept)."""
    if importlib.util.find_spec("pyspark") is None:
        raise EngineError(f"--engine spark 需要 pyspark, 但未安装。{SPARK_INSTALL_ZH}。",
                          f"--engine spark needs pyspark, which is not installed: {SPARK_INSTALL_EN}.")
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None and master is None:
        return active
    if active is None and _java() is None:
        where = "JAVA_HOME 指向的目录中没有 bin/java" if os.environ.get("JAVA_HOME") else "PATH 中找不到 java"
        where_en = "JAVA_HOME has no bin/java" if os.environ.get("JAVA_HOME") else "no java on PATH"
        raise EngineError(f"--engine spark 需要 Java 运行环境, 但{where}。{SPARK_INSTALL_ZH}, 或设置 JAVA_HOME。",
                          f"--engine spark needs a Java runtime ({where_en}): {SPARK_INSTALL_EN}, or set JAVA_HOME.")
    builder = SparkSession.builder.appName(app_name).config("spark.ui.showConsoleProgress", "false")
    if master:
        builder = builder.master(master)
    try:
        return builder.getOrCreate()
    except Exception as e:  # noqa: BLE001 — py4j / JVM start errors have no common base class
        raise EngineError(f"无法启动 Spark 会话(master {master or 'local[*]'}): {type(e).__name__}: {e}。"
                          f"请检查 --spark-master 与集群是否可达; {SPARK_INSTALL_ZH}。",
                          f"Cannot start a Spark session (master {master or 'local[*]'}): {type(e).__name__}: {e}. "
                          f"Check --spark-master and the cluster; {SPARK_INSTALL_EN}.") from e


def engine_for(engine=None, spark_master: str | None = None):
    """The engine object of one run from what the caller gave.

    ``engine``: None (with no ``spark_master``: None = the default engine, DuckDB); ``"duckdb"``: a
    :class:`DuckDBEngine` (the process's default one when that is DuckDB, else a new one); ``"spark"``: a
    :class:`SparkEngine` on :func:`spark_session` (``spark_master``); an engine object (anything with ``run``
    and ``name``, e.g. ``SparkEngine(session)`` of the caller's own session): itself. ``spark_master`` without
    ``engine`` means Spark. Raises EngineError for an unknown engine name, ``spark_master`` with another
    engine or with an engine object, or a Spark that cannot start (:func:`spark_session`)."""
    if engine is None and spark_master:
        engine = "spark"
    if engine is None or (hasattr(engine, "run") and hasattr(engine, "name")):
        if spark_master:
            raise EngineError("spark_master 只与引擎名 spark 同用; 传入引擎对象时, 其会话已决定 master。",
                              "spark_master goes with the engine name 'spark'; an engine object's session has its master.")
        return engine
    name = str(engine).strip().lower()
    if name not in ENGINES:
        raise EngineError(f"未知的计算引擎「{engine}」, 可选: {'、'.join(ENGINES)}。",
                          f"Unknown engine {engine!r}; choose one of {', '.join(ENGINES)}.")
    if name == "duckdb":
        if spark_master:
            raise EngineError("--spark-master 只用于 --engine spark, 不能与 --engine duckdb 同用。",
                              "--spark-master goes with --engine spark, not with --engine duckdb.")
        from . import default_engine

        current = default_engine()
        return current if isinstance(current, DuckDBEngine) and current.name == "duckdb" else DuckDBEngine()
    return SparkEngine(spark_session(spark_master))
