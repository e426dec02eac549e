"""ui/ lays out widgets and calls drafting.service.facade; it must not reach past the service layer."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

UI = Path(__file__).resolve().parents[2] / "ui"
FORBIDDEN = (
    "openai",
    "chromadb",
    "langchain",
    "sentence_transformers",
    "docx",
    "sqlite3",
    "retrieval",
    "torch",
    "jieba",
    "httpx",
)
# From drafting/, the UI may use the facade (which holds the services and re-exports what the
# pages need), the view types the services return, and the plain domain types.
ALLOWED_DRAFTING = {"drafting.service.facade", "drafting.service.views", "drafting.model"}


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def _ui_modules() -> list[Path]:
    return sorted(UI.rglob("*.py"))


def test_there_are_ui_modules() -> None:
    names = {p.relative_to(UI).as_posix() for p in _ui_modules()}
    assert names >= {"app.py", "draft/page.py", "review_page.py", "knowledge_page.py", "text.py"}


@pytest.mark.parametrize("path", _ui_modules(), ids=lambda p: p.relative_to(UI).as_posix())
def test_ui_module_imports_only_the_service_layer(path: Path) -> None:
    for name in _imports(path):
        top = name.split(".")[0]
        assert top not in FORBIDDEN, f"{path.name} imports {name}"
        if top == "drafting":
            assert name in ALLOWED_DRAFTING, f"{path.name} imports {name}; go through drafting.service.facade"


def test_checker_catches_a_forbidden_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import chromadb\nfrom retrieval.knowledge.knowledge_base import KnowledgeBase\nfrom drafting import pipeline\n"
    )
    names = _imports(bad)
    assert "chromadb" in names and "retrieval.knowledge.knowledge_base" in names and "drafting" in names


def test_nothing_imports_ui_except_the_serve_command() -> None:
    root = UI.parent
    for package in ("drafting", "retrieval"):
        for path in (root / package).rglob("*.py"):
            if path.name == "serve.py":
                continue
            assert not any(n == "ui" or n.startswith("ui.") for n in _imports(path)), path
