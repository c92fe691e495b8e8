"""The packages follow the cycle: each imports only the packages before it in LAYERS, counting
every import (module level, inside functions, under TYPE_CHECKING). The top-level modules
(settings, urls, cli, the administration site) are the roof over the packages and may import any
of them; migrations are history and are left out."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "tonghop"

# The order of the cycle (README, "How it is built"): a package may import those before it.
LAYERS = [
    "db",
    "dispatch",
    "orgs",
    "audit",
    "documents",
    "campaigns",
    "outbox",
    "reports",
    "reminders",
    "compilation",
    "issuing",
    "portal",
    "twofactor",
    "api",
    "demo",
]


def _imports() -> dict[str, dict[str, list[str]]]:
    """package -> imported package -> where (file:line)."""
    found: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC)
        if len(rel.parts) < 2 or "migrations" in rel.parts or path.name.startswith("admin"):
            continue
        package = rel.parts[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            line = getattr(node, "lineno", 0)
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = list(rel.parts[:-1])[: max(0, len(rel.parts) - node.level)]
                    names.append(".".join([*base, node.module] if node.module else base))
                elif node.module and node.module.startswith("tonghop."):
                    names.append(node.module.removeprefix("tonghop."))
            elif isinstance(node, ast.Import):
                names += [a.name.removeprefix("tonghop.") for a in node.names]
            for name in names:
                target = name.split(".")[0]
                if target != package and (SRC / target).is_dir():
                    found[package][target].append(f"{rel}:{line}")
    return found


def test_every_package_has_its_place_in_the_cycle() -> None:
    packages = {p.name for p in SRC.iterdir() if (p / "__init__.py").exists()}
    assert packages - set(LAYERS) == set(), "add the new package to LAYERS and the README"
    assert set(LAYERS) - packages == set()


def test_packages_import_only_those_before_them() -> None:
    position = {name: i for i, name in enumerate(LAYERS)}
    backwards = [
        f"{package} imports {target} ({', '.join(places[:3])})"
        for package, targets in _imports().items()
        for target, places in targets.items()
        if position[target] > position[package]
    ]
    assert backwards == []
