"""Read-only arrays and string tables memory-mapped from a snapshot file, shared by processes.

Several web UI processes on one machine load the same lexical index snapshot. Mapping its arrays
(instead of reading them into each process) lets the kernel keep one copy in the page cache for
all of them, and a process only touches the pages a search needs. Strings (terms, passage ids)
are kept as one UTF-8 blob with offsets, plus their order when sorted, so a lookup is a binary
search over the mapped arrays instead of a dictionary per process.
"""

from __future__ import annotations

import bisect
import struct
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np

_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, ..., file name length, extra field length


def pack_strings(strings: Sequence[str]) -> dict[str, np.ndarray]:
    """``strings`` as arrays: the UTF-8 blob, the offsets of each string in it, and their sorted order."""
    encoded = [s.encode("utf-8") for s in strings]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    order = np.array(sorted(range(len(strings)), key=strings.__getitem__), dtype=np.int64)
    return {"blob": np.frombuffer(b"".join(encoded), dtype=np.uint8), "offsets": offsets, "order": order}


class MappedStrings(Sequence[str]):
    """A read-only list of strings over a blob and offsets; ``position`` finds one by binary search."""

    def __init__(self, blob: np.ndarray, offsets: np.ndarray, order: np.ndarray) -> None:
        if offsets.ndim != 1 or len(offsets) < 1 or len(order) != len(offsets) - 1:
            raise ValueError("string table: offsets and order do not match")
        if int(offsets[0]) != 0 or int(offsets[-1]) != len(blob) or bool(np.any(np.diff(offsets) < 0)):
            raise ValueError("string table: offsets out of range")
        if len(order) and (np.bincount(order, minlength=len(order)) != 1).any():
            raise ValueError("string table: order is not a permutation")
        # Plain ndarray views of the mappings: indexing a np.memmap costs microseconds per element.
        self._blob, self._offsets, self._order = np.asarray(blob), np.asarray(offsets), np.asarray(order)

    def __len__(self) -> int:
        return len(self._order)

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        start, stop = self._offsets[index], self._offsets[index + 1]
        return self._blob[start:stop].tobytes().decode("utf-8")

    def __iter__(self) -> Iterator[str]:
        for i in range(len(self)):
            yield self[i]

    def position(self, value: str) -> int | None:
        """The index of ``value``, or None (the writer sorted ``order`` by the strings)."""
        order = self._order
        at = bisect.bisect_left(range(len(order)), value, key=lambda j: self[int(order[j])])
        if at < len(order) and self[int(order[at])] == value:
            return int(order[at])
        return None


class StringPositions(Mapping[str, int]):
    """``{string: its index}`` over MappedStrings, without building the dictionary."""

    CACHED = 100_000  # lookups remembered: query terms repeat, and each costs a binary search

    def __init__(self, strings: MappedStrings) -> None:
        self.strings = strings
        self._cache: dict[str, int | None] = {}

    def _find(self, key: object) -> int | None:
        if not isinstance(key, str):
            return None
        if key in self._cache:
            return self._cache[key]
        found = self.strings.position(key)
        if len(self._cache) >= self.CACHED:
            self._cache.clear()
        self._cache[key] = found
        return found

    def __getitem__(self, key: str) -> int:
        found = self._find(key)
        if found is None:
            raise KeyError(key)
        return found

    def __contains__(self, key: object) -> bool:
        return self._find(key) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self.strings)

    def __len__(self) -> int:
        return len(self.strings)


def map_npz(path: Path) -> dict[str, np.ndarray]:
    """Every array of an uncompressed .npz (what np.savez writes), memory-mapped read-only.

    np.load cannot map the members of an .npz; but np.savez stores them uncompressed, one after the
    other, so each member's .npy data sits at a fixed offset in the file and can be mapped there."""
    arrays: dict[str, np.ndarray] = {}
    with zipfile.ZipFile(path) as archive, path.open("rb") as raw:
        for info in archive.infolist():
            if info.compress_type != zipfile.ZIP_STORED or not info.filename.endswith(".npy"):
                raise ValueError(f"{info.filename}: not an uncompressed .npy member")
            raw.seek(info.header_offset)
            signature, name_length, extra_length = _LOCAL_HEADER.unpack(raw.read(_LOCAL_HEADER.size))
            if signature != b"PK\x03\x04":
                raise ValueError(f"{info.filename}: bad local header")
            raw.seek(info.header_offset + _LOCAL_HEADER.size + name_length + extra_length)
            version = np.lib.format.read_magic(raw)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(raw)
            elif version == (2, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(raw)
            else:
                raise ValueError(f"{info.filename}: .npy format {version} not supported")
            if dtype.hasobject:
                raise ValueError(f"{info.filename}: object arrays are refused")
            offset = raw.tell()
            if (
                offset - (info.header_offset + _LOCAL_HEADER.size + name_length + extra_length)
                > info.file_size
            ):
                raise ValueError(f"{info.filename}: truncated")
            size = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
            if size == 0:
                arrays[info.filename[:-4]] = np.zeros(shape, dtype=dtype)
                continue
            if offset + size > path.stat().st_size:
                raise ValueError(f"{info.filename}: truncated")
            arrays[info.filename[:-4]] = np.memmap(
                path, dtype=dtype, mode="r", offset=offset, shape=shape, order="F" if fortran else "C"
            )
    return arrays
