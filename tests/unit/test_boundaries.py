"""The arrows between the packages, read from the source the way tests/cli/test_startup.py reads
sys.modules: every `import` and `from ... import`, at module level or inside a function.

    cli/  ──►  cluster/ (I/O)  ──►  state/ (pure readings)  ──►  dgd/ (pure rules)
      │                                 ▲      ▲                    ▲
      └──►  report/ (rendering) ────────┘   checks/ (pure) ─────────┘

Pure packages never import cluster/, cli/ or report/, nor the kubernetes client or click;
nothing outside cli/ imports cli/; report/ renders what it is given and reads no cluster; the
kubernetes client is imported by cluster/ alone.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "kubectl_dynamo"
PURE = ("dgd", "state", "checks", "contracts", "errors", "limits", "words")


def _modules() -> dict[str, Path]:
    """Dotted module name (without the `kubectl_dynamo.` prefix) -> file."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).with_suffix("")
        parts = [p for p in rel.parts if p != "__init__"]
        out[".".join(parts) or "__init__"] = path
    return out


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, imported module) for every import in the file, absolute names."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            # `from kubectl_dynamo import cluster` names the package in the alias
            if node.module == "kubectl_dynamo":
                found += [(node.lineno, f"kubectl_dynamo.{alias.name}") for alias in node.names]
    return found


def _top(module: str) -> str:
    return module.split(".", 1)[0]


def _ours(imported: str) -> str | None:
    """`kubectl_dynamo.cluster.client` -> `cluster`; None for other packages."""
    parts = imported.split(".")
    return parts[1] if parts[0] == "kubectl_dynamo" and len(parts) > 1 else None


MODULES = _modules()


def _violations(sources: tuple[str, ...], forbidden_ours: tuple[str, ...], forbidden_third: tuple[str, ...] = ()) -> list[str]:
    bad = []
    for name, path in MODULES.items():
        if _top(name) not in sources:
            continue
        for line, imported in _imports(path):
            ours = _ours(imported)
            if (ours in forbidden_ours) or (_top(imported) in forbidden_third):
                bad.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {imported}")
    return bad


OUTSIDE_CLI = tuple(sorted({_top(n) for n in MODULES} - {"cli", "__main__"}))
OUTSIDE_CLUSTER = tuple(sorted({_top(n) for n in MODULES} - {"cluster"}))

RULES = {
    "pure packages never import cluster, cli or report": (PURE, ("cluster", "cli", "report"), ()),
    "pure packages never import the kubernetes client or click": (PURE, (), ("kubernetes", "urllib3", "click")),
    "nothing outside cli imports cli": (OUTSIDE_CLI, ("cli",), ()),
    "report renders and never reads a cluster or calls a command": (("report",), ("cluster", "cli"), ("kubernetes",)),
    "cluster does I/O and never renders or calls a command": (("cluster",), ("cli", "report"), ()),
    "only cluster imports the kubernetes client": (OUTSIDE_CLUSTER, (), ("kubernetes", "urllib3")),
    "dgd is the bottom layer: it never imports state or checks": (("dgd",), ("state", "checks", "inputs"), ()),
    "state never imports checks": (("state", "contracts"), ("checks", "inputs"), ()),
}


@pytest.mark.parametrize("rule", list(RULES))
def test_import_arrows(rule):
    sources, ours, third = RULES[rule]
    assert _violations(sources, ours, third) == []


def test_the_rules_see_every_package():
    """A package the rules do not know (a new folder) must be placed in the picture above."""
    known = {*PURE, "cluster", "cli", "report", "inputs", "__init__", "__main__"}
    assert {_top(n) for n in MODULES} <= known


def test_a_forbidden_import_is_reported_with_its_line(tmp_path, monkeypatch):
    """The checker itself can fail: a pure module importing cluster/ inside a function is caught."""
    bad = tmp_path / "state" / "sneaky.py"
    bad.parent.mkdir()
    bad.write_text("def f():\n    from kubectl_dynamo.cluster import client\n    return client\n")
    monkeypatch.setattr(__import__(__name__, fromlist=["x"]), "MODULES", {"state.sneaky": bad})
    monkeypatch.setattr(__import__(__name__, fromlist=["x"]), "PACKAGE", tmp_path)
    assert _violations(PURE, ("cluster",)) == [f"{tmp_path.name}/state/sneaky.py:2 imports kubectl_dynamo.cluster"]
