"""Imports run one way: cli → service → stages → model/settings, and retrieval never imports drafting.

Every module of drafting/, retrieval/ and ui/ is parsed with ast, and every import counts, also
one inside a function or under ``if TYPE_CHECKING`` (a lazy import hides a circle, it does not
remove it). Each sub-package may import only the sub-packages the table below declares; the
table itself must be free of circles, and so must the graph of modules.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("drafting", "retrieval", "ui")

# What each unit may import (besides itself). A unit is a sub-package ("drafting.facts"), a
# top-level module ("drafting.model"), or ui/ as a whole.
BASE = {"drafting.model", "drafting.settings", "drafting.text_table", "retrieval.documents"}
RETRIEVAL = {f"retrieval.{p}" for p in ("documents", "errors", "ingest", "index", "search", "knowledge")}
STAGES = {
    "drafting.mentions",
    "drafting.outlines",
    "drafting.facts",
    "drafting.normalising",
    "drafting.checking",
    "drafting.store",
    "drafting.writing",
    "drafting.word",
    "drafting.prompt_lab",
    "drafting.local_model",
}
ALLOWED: dict[str, set[str]] = {
    # the base: plain domain types and the settings object
    "drafting.settings": set(),
    "drafting.text_table": set(),
    "drafting.model": {"retrieval.documents"},
    # the stages, lowest first; each may import those listed, never one above it
    "drafting.mentions": set(),
    "drafting.outlines": BASE | {"drafting.mentions"},
    "drafting.facts": BASE | {"drafting.outlines", "retrieval.errors", "retrieval.ingest"},
    "drafting.normalising": BASE | {"drafting.outlines"},
    "drafting.checking": BASE
    | {"drafting.mentions", "drafting.outlines", "drafting.facts", "drafting.normalising"},
    "drafting.store": BASE,
    # writing/pipeline.py runs the stages after it in order (normalise, check, store)
    "drafting.writing": BASE
    | {
        "drafting.mentions",
        "drafting.outlines",
        "drafting.facts",
        "drafting.normalising",
        "drafting.checking",
        "drafting.store",
    },
    "drafting.word": BASE
    | {
        "drafting.outlines",
        "drafting.facts",
        "drafting.normalising",
        "drafting.checking",
        "drafting.store",
        "drafting.writing",
    },
    "drafting.prompt_lab": BASE
    | {"drafting.outlines", "drafting.facts", "drafting.checking", "drafting.store", "drafting.writing"},
    "drafting.local_model": BASE,
    # the service layer, the commands, and the entry point
    "drafting.service": BASE | STAGES | RETRIEVAL,
    "drafting.cli": BASE | STAGES | RETRIEVAL | {"drafting.service", "retrieval.evaluation", "ui"},
    "drafting.__main__": {"drafting.cli"},
    "drafting": set(),
    # the web UI: the facade, the view types and the domain types only (tests/ui/test_imports.py
    # pins the exact modules)
    "ui": {"drafting.service", "drafting.model"},
    # retrieval never imports drafting
    "retrieval": set(),
    "retrieval.errors": set(),
    "retrieval.documents": set(),
    "retrieval.ingest": {"retrieval.documents", "retrieval.errors"},
    "retrieval.index": {"retrieval.documents", "retrieval.errors", "retrieval.ingest"},
    "retrieval.search": {"retrieval.documents", "retrieval.index"},
    "retrieval.knowledge": {
        "retrieval.documents",
        "retrieval.errors",
        "retrieval.ingest",
        "retrieval.index",
        "retrieval.search",
    },
    "retrieval.evaluation": {
        "retrieval.documents",
        "retrieval.errors",
        "retrieval.ingest",
        "retrieval.knowledge",
    },
    # The LangChain adapter (optional extra) sees only the domain types; it is handed a knowledge base.
    "retrieval.langchain_retriever": {"retrieval.documents"},
}


# ---------------------------------------------------------------- the checker


def modules(root: Path, packages: Iterable[str] = PACKAGES) -> dict[str, Path]:
    """Dotted module name → file, for every .py file under the packages."""
    found = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def imports_of(name: str, path: Path, known: Mapping[str, Path]) -> set[str]:
    """The project modules ``name`` imports anywhere in its file (module, function or TYPE_CHECKING level)."""
    tops = {n.split(".")[0] for n in known}
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            # "from drafting.facts import text_form" imports the module drafting.facts.text_form
            submodules = {f"{module}.{a.name}" for a in node.names} & set(known)
            out.update(submodules or {module})
    return {m for m in out if m.split(".")[0] in tops and m != name}


def unit_of(module: str) -> str:
    """The sub-package (or top-level module) a module belongs to; ui/ is one unit."""
    parts = module.split(".")
    return "ui" if parts[0] == "ui" else ".".join(parts[:2])


def violations(graph: Mapping[str, set[str]], allowed: Mapping[str, set[str]]) -> list[str]:
    """Every import from one unit into another that the table does not allow (or an undeclared unit)."""
    found = []
    for module, targets in sorted(graph.items()):
        unit = unit_of(module)
        if unit not in allowed:
            found.append(f"{module}: its package {unit} is not declared in the layering table")
            continue
        for target in sorted(targets):
            other = unit_of(target)
            if other != unit and other not in allowed[unit]:
                found.append(f"{module} imports {target}, but {unit} may not import {other}")
    return found


def cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def import_graph(root: Path, packages: Iterable[str] = PACKAGES) -> dict[str, set[str]]:
    known = modules(root, packages)
    return {name: imports_of(name, path, known) for name, path in known.items()}


def unit_graph(graph: Mapping[str, set[str]]) -> dict[str, set[str]]:
    units: dict[str, set[str]] = {}
    for module, targets in graph.items():
        unit = unit_of(module)
        units.setdefault(unit, set()).update(unit_of(t) for t in targets if unit_of(t) != unit)
    return units


# ---------------------------------------------------------------- the rules, on the real code


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph(ROOT)


def test_every_import_follows_the_table(graph) -> None:
    assert violations(graph, ALLOWED) == []


def test_the_table_itself_is_one_way() -> None:
    assert cycles(ALLOWED) == []


def test_no_circle_between_sub_packages(graph) -> None:
    assert cycles(unit_graph(graph)) == []


def test_no_circle_between_modules(graph) -> None:
    assert cycles(graph) == []


def test_retrieval_never_imports_drafting(graph) -> None:
    assert [
        f"{m} imports {t}"
        for m, targets in graph.items()
        if m.startswith("retrieval")
        for t in targets
        if t.startswith(("drafting", "ui"))
    ] == []


def test_the_graph_sees_lazy_imports(graph) -> None:
    # drafting/cli/serve.py starts the UI with an import inside a function.
    assert "ui.app" in graph["drafting.cli.serve"]


# ---------------------------------------------------------------- the checker catches what it should


def _tree(root: Path, files: Mapping[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_checker_catches_a_planted_upward_import_and_circle(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "drafting/__init__.py": "",
            "drafting/model.py": "",
            "drafting/facts/__init__.py": "",
            "drafting/facts/sheet.py": "from drafting.model import x\n",
            "drafting/facts/text_form.py": "from drafting.facts.sheet import y\n",
            "drafting/outlines/__init__.py": "",
            # a lower stage reaching up, hidden in a function, and a circle through a relative import
            "drafting/outlines/outline.py": "def f():\n    from drafting.service import facade\n",
            "drafting/service/__init__.py": "",
            "drafting/service/facade.py": "from ..outlines import outline\n",
            "retrieval/__init__.py": "",
            "retrieval/documents.py": "if True:\n    import drafting.model\n",
        },
    )
    graph = import_graph(root, ("drafting", "retrieval"))
    assert graph["drafting.service.facade"] == {"drafting.outlines.outline"}
    assert graph["drafting.outlines.outline"] == {"drafting.service.facade"}
    found = violations(graph, ALLOWED)
    assert any("drafting.outlines may not import drafting.service" in v for v in found)
    assert any("retrieval.documents may not import drafting.model" in v for v in found)
    assert not any("drafting.facts" in v.split(" ")[0] for v in found)  # allowed imports pass
    assert cycles(graph) == [["drafting.outlines.outline", "drafting.service.facade"]]
    assert cycles(unit_graph(graph)) == [["drafting.outlines", "drafting.service"]]


def test_checker_names_an_undeclared_package(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"drafting/__init__.py": "", "drafting/gadgets/__init__.py": "import os\n"})
    found = violations(import_graph(root, ("drafting",)), ALLOWED)
    assert found == ["drafting.gadgets: its package drafting.gadgets is not declared in the layering table"]
