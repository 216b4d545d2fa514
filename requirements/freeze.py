"""Write requirements/constraints.txt: the exact version of every package that
Cercle and its dev extra need, as installed in this virtualenv.

    .venv/bin/python requirements/freeze.py     # then review and commit the diff

Only the dependency closure of pyproject.toml is written (not whatever else was
installed by hand), so `make` installs the same versions on every machine.
"""

import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def main() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [Requirement(r) for r in project["dependencies"]]
    wanted += [Requirement(r) for r in project["optional-dependencies"]["dev"]]
    pins: dict[str, str] = {}
    queue = [(r, set(r.extras)) for r in wanted]
    environment = default_environment()
    while queue:
        requirement, extras = queue.pop()
        name = canonical(requirement.name)
        if name in pins and not extras:
            continue
        try:
            dist = metadata.distribution(requirement.name)
        except metadata.PackageNotFoundError:
            sys.exit(f"{requirement.name} is not installed; run make first.")
        pins[name] = f"{dist.metadata['Name']}=={dist.version}"
        for raw in dist.requires or []:
            sub = Requirement(raw)
            if sub.marker is not None and not any(
                sub.marker.evaluate({**environment, "extra": extra}) for extra in (extras or {""})
            ):
                continue
            queue.append((sub, set(sub.extras)))
    pins["pip"] = f"pip=={metadata.version('pip')}"  # `make` upgrades pip to this one
    lines = [
        "# Exact versions for `make` and CI (pip install -c). Written by",
        "# requirements/freeze.py from a working virtualenv; update deliberately.",
        *sorted(pins.values(), key=str.lower),
    ]
    (ROOT / "requirements" / "constraints.txt").write_text("\n".join(lines) + "\n")
    print(f"{len(pins)} packages pinned")


if __name__ == "__main__":
    main()
