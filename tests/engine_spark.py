"""One local Spark session for every Spark test of the engine (tests marked ``spark``).

Use in a test module::

    from engine_spark import spark  # noqa: F401  (the session-scoped fixture)

Every importing module gets the same ``SparkSession`` (``local[1]``, no UI, one shuffle partition): the
session is made once per test process by :func:`spark_session`. Without pyspark or a Java runtime the tests
skip with the reason, outside CI; under CI (environment variable ``CI`` set) they fail instead, because
.ci/run installs both.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
from functools import lru_cache

import pytest


def _unavailable() -> str | None:
    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed (pip install '.[spark]')"
    java_home = os.environ.get("JAVA_HOME")
    if shutil.which("java") is None and not (java_home and os.path.exists(os.path.join(java_home, "bin", "java"))):
        return "no Java runtime (java not on PATH, no JAVA_HOME); install openjdk-17-jre-headless"
    return None


@lru_cache(maxsize=1)
def spark_session():
    """The shared local Spark session (made on first call)."""
    from pyspark.sql import SparkSession

    return (SparkSession.builder.master("local[1]").appName("bankxl-engine-tests")
            .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "1")
            .config("spark.sql.session.timeZone", "UTC").getOrCreate())


@pytest.fixture(scope="session")
def spark():
    """The shared Spark session; skips outside CI, fails under CI, when pyspark or Java is missing."""
    why = _unavailable()
    if why:
        if os.environ.get("CI"):
            pytest.fail(f"Spark tests must run in CI: {why}")
        pytest.skip(why)
    return spark_session()


@pytest.fixture
def pyspark_installed():
    """For tests that need the pyspark package but no session (marked ``spark`` too, so they run in .ci/run's
    Spark step where it is installed): skips outside CI, fails under CI, when pyspark is missing."""
    if importlib.util.find_spec("pyspark") is None:
        why = "pyspark is not installed (pip install '.[spark]')"
        if os.environ.get("CI"):
            pytest.fail(f"Spark tests must run in CI: {why}")
        pytest.skip(why)
