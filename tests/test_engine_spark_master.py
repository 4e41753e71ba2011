"""Breaker s16 finding 6: a bad ``--spark-master`` is refused before a JVM starts (Spark's URL forms; yarn
without HADOOP_CONF_DIR/YARN_CONF_DIR; a spark:// master nobody listens on), and when Spark itself fails the
JVM's output stays out of the terminal: the message carries the JVM's last meaningful line, not Java stack
frames or pyspark's error class (JAVA_GATEWAY_EXITED)."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bankxl.cli import main
from bankxl.engine import choice
from bankxl.engine.choice import _MASTER, _jvm_reason
from bankxl.engine.query import EngineError
from _helpers import sample_csv_files
from engine_spark import pyspark_installed, spark  # noqa: F401  (fixtures; skip outside CI, fail in CI)



@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """D2's inputs of a 50-customer sample bank as CSV files (paths as text)."""
    return [str(p) for p in sample_csv_files(tmp_path_factory.mktemp("bank"), customers=50)]


def _closed_port() -> int:
    """A local TCP port nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("master", ["local", "local[4]", "local[*]", "local[2,3]", "local-cluster[2,1,1024]",
                                    "spark://h:7077", "spark://a:7077,b:7078", "spark://[::1]:7077", "yarn",
                                    "k8s://https://k8s.bank:443"])
def test_spark_master_forms_accepted(master):
    assert _MASTER.fullmatch(master)


@pytest.mark.parametrize("master", ["nonsense", "local[", "local[x]", "spark://h", "spark://:7077", "yarn-client",
                                    "mesos://h:5050", "k8s://", ""])
def test_spark_master_forms_refused(master):
    assert not _MASTER.fullmatch(master)


@pytest.mark.spark  # needs the pyspark package (no session): runs in .ci/run's Spark step
@pytest.mark.parametrize("master, zh, en", [
    ("nonsense", "--spark-master「nonsense」不是 Spark 的 master 写法, 可用: local、local[N]",
     "--spark-master 'nonsense' is not a Spark master URL; use local, local[N]"),
    ("yarn", "--spark-master yarn 需要在环境变量中设置 HADOOP_CONF_DIR 或 YARN_CONF_DIR",
     "--spark-master yarn needs HADOOP_CONF_DIR or YARN_CONF_DIR"),
    ("spark://127.0.0.1:{port}", "无法连接 Spark master: 127.0.0.1:{port} (Connection refused)",
     "Cannot connect to the Spark master: 127.0.0.1:{port} (Connection refused)"),
])
@pytest.mark.usefixtures("pyspark_installed")
def test_bad_master_refused_before_a_jvm_starts(master, zh, en, files, tmp_path, capfd, monkeypatch):
    from pyspark import SparkContext

    if SparkContext._gateway is None:  # no JVM may start: fail loudly if the check let it through
        monkeypatch.setattr(choice, "_start_gateway", lambda builder: pytest.fail("a JVM was started"))
    monkeypatch.delenv("HADOOP_CONF_DIR", raising=False)
    monkeypatch.delenv("YARN_CONF_DIR", raising=False)
    port = _closed_port()
    master, zh, en = (x.format(port=port) for x in (master, zh, en))
    out = tmp_path / "d2.xlsx"
    args = ["run", "D2", *sum((["-i", f] for f in files), []), "-o", str(out), "--engine", "spark",
            "--spark-master", master]
    assert main(args) == 2
    err = capfd.readouterr().err
    assert zh in err and en in err and not out.exists()
    assert "JAVA_GATEWAY" not in err and "\tat " not in err


def test_check_master_passes_a_listening_spark_master():
    """The TCP check accepts a host:port that answers (here a listening socket of this test), also as the
    second of two HA masters."""
    with socket.socket() as srv:
        srv.bind(("127.0.0.1", 0))
        srv.listen(1)
        port = srv.getsockname()[1]
        choice.check_master(f"spark://127.0.0.1:{port}")
        choice.check_master(f"spark://127.0.0.1:{_closed_port()},127.0.0.1:{port}")
    with pytest.raises(EngineError, match="Connection refused"):
        choice.check_master(f"spark://127.0.0.1:{_closed_port()}")


# JVM outputs as the breaker saw them (/tmp/x_break/logs/m_nonsense_.txt, m_spark___127_0_0_1_1_.txt) and Spark's
# local[0] failure
NONSENSE = """WARNING: Using incubator modules: jdk.incubator.vector
Using Spark's default log4j profile: org/apache/spark/log4j2-defaults.properties
26/12/04 19:55:13 WARN Utils: Set SPARK_LOCAL_IP if you need to bind to another address
Exception in thread "main" org.apache.spark.SparkException: Master must either be yarn or start with spark, k8s, or local
\tat org.apache.spark.deploy.SparkSubmit.error(SparkSubmit.scala:1068)
\tat org.apache.spark.deploy.SparkSubmit.main(SparkSubmit.scala)"""
UNREACHABLE = """26/12/04 19:56:02 WARN StandaloneAppClient$ClientEndpoint: Failed to connect to master 127.0.0.1:1
org.apache.spark.SparkException: Exception thrown in awaitResult:
Caused by: java.net.ConnectException: finishConnect(..) failed with error(-111): Connection refused
26/12/04 19:56:22 ERROR StandaloneSchedulerBackend: Application has been killed. Reason: All masters are unresponsive! Giving up.
26/12/04 19:56:23 WARN StandaloneAppClient$ClientEndpoint: Drop UnregisterApplication(null) because has not yet connected to master"""
ZERO = """26/12/04 20:20:01 ERROR SparkContext: Error initializing SparkContext.
org.apache.spark.SparkException: Asked to run locally with 0 threads
\tat org.apache.spark.SparkContext$.createTaskScheduler(SparkContext.scala:3253)
26/12/04 20:20:01 WARN MetricsSystem: Stopping a MetricsSystem that is not running"""


@pytest.mark.parametrize("output, reason", [
    (NONSENSE, "org.apache.spark.SparkException: Master must either be yarn or start with spark, k8s, or local"),
    (UNREACHABLE, "Application has been killed. Reason: All masters are unresponsive! Giving up."),
    (ZERO, "Error initializing SparkContext: org.apache.spark.SparkException: Asked to run locally with 0 threads"),
    ("WARNING: Using incubator modules: jdk.incubator.vector", None),
])
def test_the_jvms_last_meaningful_line_is_the_reason(output, reason, monkeypatch):
    monkeypatch.setattr(choice, "_jvm_lines", output.splitlines())
    assert _jvm_reason() == reason


@pytest.mark.spark
def test_spark_failure_keeps_java_output_out_of_the_terminal(spark, files, tmp_path):  # noqa: F811
    """A fresh process (its own JVM): Spark refuses local[0] only when the context starts; stderr has the
    bilingual message with Spark's reason and no Java stack frame or log line."""
    out = tmp_path / "d2.xlsx"
    cmd = [str(Path(sys.executable).with_name("bankxl")), "run", "D2", *sum((["-i", f] for f in files), []),
           "-o", str(out), "--engine", "spark", "--spark-master", "local[0]"]
    p = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ), timeout=600)
    assert p.returncode == 2 and not out.exists()
    assert "无法启动 Spark 会话(master local[0]): Error initializing SparkContext: org.apache.spark.SparkException: " \
           "Asked to run locally with 0 threads。" in p.stderr
    assert "Asked to run locally with 0 threads. Check --spark-master" in p.stderr
    assert "\tat " not in p.stderr and " WARN " not in p.stderr and "log4j" not in p.stderr
