"""pyproject.toml metadata: ``project.license`` is an SPDX expression string (PEP 639), not the TOML table form
``{ text = "MIT" }`` that setuptools >= 77 reports as deprecated at every ``pip install -e .`` (BuildBackendWarning
"`project.license` as a TOML table is deprecated", seen with setuptools 84.2.1). The string form needs setuptools
>= 77.0.0, so the build system asks for it."""
from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.licenses import canonicalize_license_expression
from packaging.requirements import Requirement
from packaging.version import Version

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def test_license_is_an_spdx_string_and_setuptools_supports_it():
    data = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    lic = data["project"]["license"]
    assert lic == "MIT" and canonicalize_license_expression(lic) == "MIT"
    assert not any(c.startswith("License ::") for c in data["project"].get("classifiers", []))  # PEP 639: not both
    setuptools = next(Requirement(r) for r in data["build-system"]["requires"] if Requirement(r).name == "setuptools")
    assert not setuptools.specifier.contains("76.9") and setuptools.specifier.contains("77.0.0")
    assert Version("77.0.0") in setuptools.specifier
