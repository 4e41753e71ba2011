"""Choosing the engine of one run: ``bankxl run … --engine duckdb|spark --spark-master URL`` and the Python API's
``run_scenario(..., engine=...)`` (issue 17 item 2).

:func:`engine_for` turns what the user gave into an engine object; the runner then sets it for that run only
(:func:`bankxl.engine.using`, context-local). :func:`spark_session` builds (or reuses) the Spark session of a
master URL, with a clear Chinese + English error when pyspark or a Java runtime is missing.
"""
from __future__ import annotations

import collections
import importlib.util
import logging
import os
import re
import shutil
import socket
import threading
import time

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
#: the master URLs Spark accepts (SparkContext / SparkSubmit: local, local[N], local[*], local[N,F],
#: local-cluster[N,C,M], spark://host:port[,host:port…], yarn, k8s://…)
MASTER_FORMS = "local、local[N]、local[*]、spark://主机:端口、yarn、k8s://…"
MASTER_FORMS_EN = "local, local[N], local[*], spark://host:port, yarn, k8s://…"
_HOST_PORT = r"(?:\[[0-9A-Fa-f:.]+\]|[^\s/:,\[\]]+):\d{1,5}"
_MASTER = re.compile(r"local(?:\[\s*(?:[0-9]+|\*)\s*(?:,\s*[0-9]+\s*)?\])?"
                     r"|local-cluster\[\s*[0-9]+\s*,\s*[0-9]+\s*,\s*[0-9]+\s*\]"
                     rf"|spark://{_HOST_PORT}(?:,{_HOST_PORT})*|yarn|k8s://\S+")
#: seconds to wait for a TCP connection to a spark:// master before giving up on it
CONNECT_TIMEOUT = 3.0
#: the JVM's last output lines (stdout and stderr of the gateway Spark starts), kept for the error message
_jvm_lines: collections.deque = collections.deque(maxlen=500)
_log = logging.getLogger(__name__)


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
    exit code), for a master URL :func:`check_master` refuses (before a JVM starts), or when the session
    cannot start (Spark's reason: the last meaningful line of the JVM's output, :func:`_jvm_reason`). The JVM's
    output never reaches the terminal (:func:`_start_gateway`; it is in the debug log, ``bankxl --debug``)."""
    if importlib.util.find_spec("pyspark") is None:
        raise EngineError(f"--engine spark 需要 pyspark, 但未安装。{SPARK_INSTALL_ZH}。",
                          f"--engine spark needs pyspark, which is not installed: {SPARK_INSTALL_EN}.")
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None and master is None:
        return active
    if master:  # a master the caller named is checked even when a session is active (getOrCreate would
        check_master(master)  # hand that session back and silently ignore a wrong URL)
    if active is None and _java() is None:
        where = "JAVA_HOME 指向的目录中没有 bin/java" if os.environ.get("JAVA_HOME") else "PATH 中找不到 java"
        where_en = "JAVA_HOME has no bin/java" if os.environ.get("JAVA_HOME") else "no java on PATH"
        raise EngineError(f"--engine spark 需要 Java 运行环境, 但 {where}。{SPARK_INSTALL_ZH}, 或设置 JAVA_HOME。",
                          f"--engine spark needs a Java runtime ({where_en}): {SPARK_INSTALL_EN}, or set JAVA_HOME.")
    builder = SparkSession.builder.appName(app_name).config("spark.ui.showConsoleProgress", "false")
    if master:
        builder = builder.master(master)
    try:
        if active is None:
            _start_gateway(builder)
        return builder.getOrCreate()
    except Exception as e:  # noqa: BLE001 — py4j / JVM start errors have no common base class
        time.sleep(0.3)  # the JVM's last lines are on their way through the pipe to _drain
        why = _jvm_reason() or str(e).strip().splitlines()[0]
        why = re.sub(r"^\[[A-Z_]+\]\s*", "", why).rstrip("。. ")
        raise EngineError(f"无法启动 Spark 会话(master {master or 'local[*]'}): {why}。"
                          f"请检查 --spark-master 与集群是否可达(--debug 显示 Java 的全部输出); {SPARK_INSTALL_ZH}。",
                          f"Cannot start a Spark session (master {master or 'local[*]'}): {why}. Check --spark-master "
                          f"and the cluster (--debug shows Java's full output); {SPARK_INSTALL_EN}.") from e


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


def check_master(master: str) -> None:
    """Refuses, before a JVM is started, a Spark master URL Spark would refuse or could not reach: not one of
    Spark's forms (:data:`MASTER_FORMS`; Spark's own check is in SparkSubmit / SparkContext), ``yarn`` without
    HADOOP_CONF_DIR or YARN_CONF_DIR in the environment (SparkSubmitArguments' rule), or ``spark://`` whose
    host:port pairs all refuse a TCP connection within :data:`CONNECT_TIMEOUT` s (Spark would retry for about
    a minute). Raises EngineError (Chinese + English, naming the URL)."""
    if not _MASTER.fullmatch(master):
        raise EngineError(f"--spark-master「{master}」不是 Spark 的 master 写法, 可用: {MASTER_FORMS}。",
                          f"--spark-master {master!r} is not a Spark master URL; use {MASTER_FORMS_EN}.")
    if master == "yarn" and not (os.environ.get("HADOOP_CONF_DIR") or os.environ.get("YARN_CONF_DIR")):
        raise EngineError("--spark-master yarn 需要在环境变量中设置 HADOOP_CONF_DIR 或 YARN_CONF_DIR(集群配置所在目录)。",
                          "--spark-master yarn needs HADOOP_CONF_DIR or YARN_CONF_DIR set in the environment "
                          "(the folder of the cluster's configuration).")
    if master.startswith("spark://"):
        failures = []
        for hp in master[len("spark://"):].split(","):
            host, port = hp.rsplit(":", 1)
            try:
                socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT).close()
                return
            except OSError as e:
                failures.append(f"{hp} ({e.strerror or type(e).__name__})")
        raise EngineError(f"无法连接 Spark master: {'; '.join(failures)}。请检查 --spark-master 的主机与端口及集群是否运行。",
                          f"Cannot connect to the Spark master: {'; '.join(failures)}. Check the host and port of "
                          "--spark-master and that the cluster is running.")


def _drain(fd: int) -> None:
    """Reads the JVM's output from ``fd`` until it closes: each line into :data:`_jvm_lines` and the debug log
    (shown with ``bankxl --debug``), none to the user's terminal."""
    with os.fdopen(fd, "rb") as stream:
        for raw in stream:
            line = raw.decode("utf-8", "replace").rstrip()
            _jvm_lines.append(line)
            _log.debug("Spark JVM: %s", line)


def _start_gateway(builder) -> None:
    """Starts Spark's JVM gateway (pyspark's ``launch_gateway``, with the builder's options as spark-submit
    ``--conf``, as ``getOrCreate`` would) with its stdout and stderr on a pipe read by :func:`_drain`; nothing
    when a gateway is running in this process already. Raises what ``launch_gateway`` raises (the JVM exited:
    its reason is then in :data:`_jvm_lines`)."""
    from pyspark import SparkConf, SparkContext
    from pyspark.java_gateway import launch_gateway

    if SparkContext._gateway is not None or "PYSPARK_GATEWAY_PORT" in os.environ:
        return
    conf = SparkConf(loadDefaults=False)
    for k, v in builder._options.items():
        conf.set(k, v)
    _jvm_lines.clear()
    r, w = os.pipe()
    reader = threading.Thread(target=_drain, args=(r,), name="spark-jvm-output", daemon=True)
    reader.start()
    try:
        gateway = launch_gateway(conf, popen_kwargs={"stdout": w, "stderr": w})
    except Exception:
        os.close(w)
        reader.join(5)  # the JVM exited: its output ends; read all of it for the message
        raise
    os.close(w)
    SparkContext._ensure_initialized(gateway=gateway)


def _jvm_reason() -> str | None:
    """The last meaningful line of the JVM's output: a log4j ERROR line's message (with the exception line
    right after it, when there is one), else the last exception line (``Exception in thread "main" X: why``
    -> ``X: why``); None when there is none. Stack frames and other indented lines are skipped."""
    lines = [ln.strip() for ln in list(_jvm_lines) if ln.strip() and not ln[:1].isspace()]

    def exception(ln: str) -> str | None:
        m = re.match(r'(?:Exception in thread "[^"]*"\s+)?([\w.$]+(?:Exception|Error):\s*.+)$', ln)
        return m.group(1) if m else None

    for i in range(len(lines) - 1, -1, -1):
        m = re.search(r"\sERROR\s+\S+:\s*(.+)$", lines[i])
        if m:
            after = exception(lines[i + 1]) if i + 1 < len(lines) else None
            return f"{m.group(1).rstrip('.')}: {after}" if after else m.group(1)
    for ln in reversed(lines):
        if exception(ln):
            return exception(ln)
    return None
