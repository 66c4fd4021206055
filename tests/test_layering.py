"""Dependencies point one way: webapp -> tracker -> (matcher, scrapers) -> callrules."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "callrules": {"tracker", "webapp", "matcher", "scrapers", "sqlmodel", "sqlalchemy", "flask"},
    "scrapers": {"tracker", "webapp", "matcher", "sqlmodel", "sqlalchemy", "flask", "alembic"},
    "matcher": {"tracker", "webapp", "scrapers", "sqlmodel", "sqlalchemy", "flask", "alembic"},
    "tracker": {"webapp", "flask"},
}
# The `radar` CLI is the composition root: `radar serve` starts the web app.
ALLOWED = {"tracker/cli.py": {"webapp"}}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_only_downstream(package):
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            imported_roots(path)
            & FORBIDDEN[package] - ALLOWED.get(str(path.relative_to(ROOT)), set())
        )
        for path in (ROOT / package).rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}
