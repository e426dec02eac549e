"""Dense vectors of passages: the vector-store seam, Chroma behind it, and an in-memory fake.

Filtering design (measured: Chroma's metadata filter cost ~160 ms p50 at 100k vectors and 1/3
selectivity, against ~5 ms unfiltered): the outline part is the common filter, so each part gets
its own collection and a part filter is a choice of collection, not a `where` clause. Other filters
(year, org, document) are applied by the caller, which over-fetches unfiltered and post-filters
through the catalog, using `where` only as a fallback when too few candidates survive.

Every write is an idempotent upsert keyed by passage id, so an interrupted ingest can be re-run.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

from retrieval.documents import PARTS

Scalar = str | int | float | bool
Metadata = Mapping[str, Scalar | None]
# A store-neutral filter: {"year": 2025} is equality, {"doc_id": ["a", "b"]} is membership.
Where = Mapping[str, Scalar | Sequence[Scalar]]


class VectorStoreError(Exception):
    """The vector store cannot be reached or opened; str(exc) is a Chinese message for the user."""


@runtime_checkable
class VectorStore(Protocol):
    def upsert(self, ids: Sequence[str], vectors: np.ndarray, metadatas: Sequence[Metadata]) -> None:
        """Insert or overwrite vectors; each metadata must hold "doc_id" and "part"."""
        ...

    def query(
        self, vector: np.ndarray, k: int, part: str | None = None, where: Where | None = None
    ) -> list[tuple[str, float]]:
        """The k most similar (id, cosine similarity), best first, within `part` and `where`."""
        ...

    def delete_document(self, doc_id: str) -> None:
        """Remove every vector of a document (no error if there is none)."""
        ...

    def count(self) -> int: ...

    def reset(self) -> None:
        """Remove every vector (used before re-embedding with another model)."""
        ...


def _check_batch(ids: Sequence[str], vectors: np.ndarray, metadatas: Sequence[Metadata]) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim != 2 or len(ids) != len(vectors) or len(ids) != len(metadatas):
        raise ValueError(
            f"ids/vectors/metadatas do not line up: {len(ids)}, {vectors.shape}, {len(metadatas)}"
        )
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate ids in one upsert")
    for meta in metadatas:
        if meta.get("part") not in PARTS or not meta.get("doc_id"):
            raise ValueError(f"metadata needs a doc_id and a part in {PARTS}: {dict(meta)}")
    return vectors


def _matches(meta: Metadata, where: Where | None) -> bool:
    if not where:
        return True
    for key, wanted in where.items():
        value = meta.get(key)
        if isinstance(wanted, Sequence) and not isinstance(wanted, str):
            if value not in wanted:
                return False
        elif value != wanted:
            return False
    return True


class InMemoryVectorStore:
    """Brute-force numpy search over everything in memory: the fake, and the reference semantics."""

    def __init__(self) -> None:
        self._rows: dict[str, tuple[np.ndarray, dict[str, Any]]] = {}
        self._matrix: tuple[list[str], np.ndarray] | None = None  # cache, dropped on every write
        self._lock = threading.Lock()

    def upsert(self, ids: Sequence[str], vectors: np.ndarray, metadatas: Sequence[Metadata]) -> None:
        vectors = _check_batch(ids, vectors, metadatas)
        with self._lock:
            for pid, vector, meta in zip(ids, vectors, metadatas, strict=True):
                self._rows[pid] = (vector.copy(), {k: v for k, v in meta.items() if v is not None})
            self._matrix = None

    def query(
        self, vector: np.ndarray, k: int, part: str | None = None, where: Where | None = None
    ) -> list[tuple[str, float]]:
        with self._lock:
            if self._matrix is None:
                ids = list(self._rows)
                stacked = np.stack([self._rows[i][0] for i in ids]) if ids else np.zeros((0, 0), np.float32)
                self._matrix = (ids, stacked)
            ids, matrix = self._matrix
            if not ids or k <= 0:
                return []
            keep = [
                n
                for n, pid in enumerate(ids)
                if (part is None or self._rows[pid][1].get("part") == part)
                and _matches(self._rows[pid][1], where)
            ]
        if not keep:
            return []
        scores = matrix[keep] @ np.asarray(vector, dtype=np.float32)
        order = np.argsort(-scores, kind="stable")[:k]
        return [(ids[keep[n]], float(scores[n])) for n in order]

    def delete_document(self, doc_id: str) -> None:
        with self._lock:
            for pid in [pid for pid, (_, meta) in self._rows.items() if meta.get("doc_id") == doc_id]:
                del self._rows[pid]
            self._matrix = None

    def count(self) -> int:
        return len(self._rows)

    def reset(self) -> None:
        with self._lock:
            self._rows.clear()
            self._matrix = None


def chroma_where(where: Where | None) -> dict[str, Any] | None:
    """Translate our filter mapping into Chroma's `where` syntax."""
    if not where:
        return None
    clauses: list[dict[str, Any]] = []
    for key, wanted in where.items():
        if isinstance(wanted, Sequence) and not isinstance(wanted, str):
            clauses.append({key: {"$in": list(wanted)}})
        else:
            clauses.append({key: {"$eq": wanted}})
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


class ChromaVectorStore:
    """Chroma, one collection per outline part ("{prefix}-{part}"), cosine space.

    Works the same over an embedded `PersistentClient` and a server `HttpClient`.
    """

    def __init__(self, client: Any, prefix: str = "passages", where: str = "内嵌向量库") -> None:
        self._client = client
        self._prefix = prefix
        self._where = where  # named in outage messages
        self._collections: dict[str, Any] = {}
        self._lock = threading.Lock()

    @classmethod
    def persistent(cls, path: str, prefix: str = "passages") -> ChromaVectorStore:
        """An embedded Chroma storing its files under `path`."""
        import chromadb
        from chromadb.config import Settings as ChromaConfig

        client = chromadb.PersistentClient(path=str(path), settings=ChromaConfig(anonymized_telemetry=False))
        return cls(client, prefix, where=f"内嵌向量库 {path}")

    @classmethod
    def http(cls, host: str, port: int, ssl: bool = False, prefix: str = "passages") -> ChromaVectorStore:
        """A client of a running Chroma server (`chroma run --path DIR --port PORT`)."""
        import chromadb
        from chromadb.config import Settings as ChromaConfig

        try:
            client = chromadb.HttpClient(
                host=host, port=port, ssl=ssl, settings=ChromaConfig(anonymized_telemetry=False)
            )
        except (ValueError, OSError) as exc:  # chromadb says "Could not connect" with a ValueError
            raise VectorStoreError(
                f"向量库连接失败：无法连接 Chroma 服务器 {host}:{port}（{exc}）。请确认服务器已启动"
                "（chroma run --path DIR --port PORT），或取消 DRAFTER_CHROMA__HOST 改用内嵌存储。"
            ) from exc
        return cls(client, prefix, where=f"Chroma 服务器 {host}:{port}")

    def _reliably(self, operation: Callable[[], Any]) -> Any:
        """Run one store operation; a failure is retried once with fresh collection handles (a
        restarted server hands out new ones), then reported as the outage it is, never swallowed.
        Every operation here is idempotent (upserts by id, deletes by document), so a retry is safe."""
        try:
            return operation()
        except Exception:  # noqa: BLE001 - whatever the client raised, try once more
            with self._lock:
                self._collections.clear()
        try:
            return operation()
        except Exception as exc:
            raise VectorStoreError(
                f"向量库{'连接' if self._where.startswith('Chroma') else '读写'}失败：{self._where} 无法访问（{type(exc).__name__}: {_short(str(exc))}）。"
                "请确认服务已启动后重试；导入可重新运行，已完成的文件不会重复。"
            ) from exc

    def _collection(self, part: str) -> Any:
        with self._lock:
            if part not in self._collections:
                self._collections[part] = self._client.get_or_create_collection(
                    f"{self._prefix}-{part}",
                    metadata={"hnsw:space": "cosine"},
                    embedding_function=None,  # we always pass vectors; never let Chroma load a model
                )
            return self._collections[part]

    def upsert(self, ids: Sequence[str], vectors: np.ndarray, metadatas: Sequence[Metadata]) -> None:
        vectors = _check_batch(ids, vectors, metadatas)
        self._reliably(lambda: self._upsert(ids, vectors, metadatas))

    def _upsert(self, ids: Sequence[str], vectors: np.ndarray, metadatas: Sequence[Metadata]) -> None:
        batch = max(1, int(self._client.get_max_batch_size()))
        for part in PARTS:
            rows = [n for n, meta in enumerate(metadatas) if meta["part"] == part]
            for start in range(0, len(rows), batch):
                chunk = rows[start : start + batch]
                self._collection(part).upsert(
                    ids=[ids[n] for n in chunk],
                    embeddings=vectors[chunk],
                    metadatas=[{k: v for k, v in metadatas[n].items() if v is not None} for n in chunk],
                )

    def query(
        self, vector: np.ndarray, k: int, part: str | None = None, where: Where | None = None
    ) -> list[tuple[str, float]]:
        if k <= 0:
            return []
        query = np.asarray(vector, dtype=np.float32).reshape(1, -1)
        return self._reliably(lambda: self._query(query, k, part, where))

    def _query(
        self, query: np.ndarray, k: int, part: str | None, where: Where | None
    ) -> list[tuple[str, float]]:
        hits: list[tuple[str, float]] = []
        for name in [part] if part else PARTS:
            result = self._collection(name).query(
                query_embeddings=query, n_results=k, where=chroma_where(where), include=["distances"]
            )
            ids, distances = result["ids"][0], result["distances"][0]
            hits.extend((pid, 1.0 - float(d)) for pid, d in zip(ids, distances, strict=True))
        hits.sort(key=lambda hit: -hit[1])
        return hits[:k]

    def delete_document(self, doc_id: str) -> None:
        def delete() -> None:
            for part in PARTS:
                self._collection(part).delete(where={"doc_id": {"$eq": doc_id}})

        self._reliably(delete)

    def count(self) -> int:
        return int(self._reliably(lambda: sum(self._collection(part).count() for part in PARTS)))

    def reset(self) -> None:
        from chromadb.errors import NotFoundError

        with self._lock:
            for part in PARTS:
                with contextlib.suppress(NotFoundError):  # never created: nothing to delete
                    self._client.delete_collection(f"{self._prefix}-{part}")
            self._collections.clear()


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"
