"""String tables and .npz members mapped from a file, as the lexical snapshot uses them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from retrieval.index.mapped_arrays import MappedStrings, StringPositions, map_npz, pack_strings

WORDS = ["干部", "培训", "a", "", "党员", "zz", "干", "🙂表情", "Ｆｕｌｌ"]


def mapped_table(tmp_path: Path, strings: list[str]) -> MappedStrings:
    path = tmp_path / "t.npz"
    with path.open("wb") as handle:
        np.savez(handle, **pack_strings(strings))
    arrays = map_npz(path)
    assert all(isinstance(a, np.memmap) for a in arrays.values() if a.size)
    return MappedStrings(arrays["blob"], arrays["offsets"], arrays["order"])


def test_strings_read_back_and_are_found_by_binary_search(tmp_path: Path) -> None:
    table = mapped_table(tmp_path, WORDS)
    assert list(table) == WORDS and table[1:3] == WORDS[1:3]
    positions = StringPositions(table)
    assert {w: positions[w] for w in WORDS} == {w: i for i, w in enumerate(WORDS)}
    assert "干部们" not in positions and positions.get("不存在") is None and 5 not in positions
    assert len(positions) == len(WORDS)


def test_an_empty_table(tmp_path: Path) -> None:
    table = mapped_table(tmp_path, [])
    assert len(table) == 0 and StringPositions(table).get("x") is None


def test_tables_that_do_not_fit_together_are_refused() -> None:
    packed = pack_strings(["甲", "乙"])
    with pytest.raises(ValueError):
        MappedStrings(packed["blob"], packed["offsets"], np.array([0, 0]))
    with pytest.raises(ValueError):
        MappedStrings(packed["blob"][:2], packed["offsets"], packed["order"])


def test_object_members_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "o.npz"
    with path.open("wb") as handle:
        np.savez(handle, things=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match="object"):
        map_npz(path)
