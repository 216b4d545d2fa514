"""The install is reproducible: every dependency pinned, the build backend bounded."""

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def constraints() -> dict[str, Version]:
    pins = {}
    for line in (ROOT / "requirements" / "constraints.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"not an exact pin: {line}"
            pins[canonical(name)] = Version(version)
    return pins


def test_every_declared_dependency_is_pinned_within_its_range():
    project = PYPROJECT["project"]
    pins = constraints()
    for raw in [*project["dependencies"], *project["optional-dependencies"]["dev"]]:
        requirement = Requirement(raw)
        name = canonical(requirement.name)
        assert name in pins, f"{requirement.name} is not in requirements/constraints.txt"
        assert pins[name] in requirement.specifier, f"{name}=={pins[name]} outside {raw}"


def test_ruff_is_pinned_exactly():
    dev = [Requirement(r) for r in PYPROJECT["project"]["optional-dependencies"]["dev"]]
    (ruff,) = [r for r in dev if r.name == "ruff"]
    assert str(ruff.specifier).startswith("==")


def test_make_installs_with_the_constraints_and_reinstalls_when_they_change():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^\$\(STAMP\): pyproject\.toml \$\(CONSTRAINTS\)$", makefile, re.M)
    assert "CONSTRAINTS := requirements/constraints.txt" in makefile
    assert "pip install --quiet -c $(CONSTRAINTS) -e '.[dev]'" in makefile


def test_the_licence_is_an_spdx_string_and_the_build_backend_is_bounded():
    assert PYPROJECT["project"]["license"] == "AGPL-3.0-or-later"
    (backend,) = [Requirement(r) for r in PYPROJECT["build-system"]["requires"]]
    assert backend.name == "setuptools"
    assert Version("77") in backend.specifier  # the first to read an SPDX string
    assert Version("76.1") not in backend.specifier
    assert any(spec.operator == "<" for spec in backend.specifier)
