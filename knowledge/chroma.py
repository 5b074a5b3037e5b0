"""The Chroma side of the store: the client, the two collections and their metadata.

Vectors come from our own embedder (no Chroma embedding function is stored, so moving the
venv never breaks reopening); each collection records the embedder's name and dimension,
and :func:`check_built_with` refuses a mismatch with the re-index instruction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from knowledge.chunking import Chunk
from knowledge.embeddings import Embedder
from knowledge.settings import Settings
from tools.errors import FrameworkError

KNOWLEDGE = "framework"
PARTNERS = "partners"
SCHEMA_VERSION = 1
PAGE = 5000


@dataclass
class _Live:
    client: Any
    generation: int


#: Embedded stores: folder -> this process's client and the write generation it has seen.
_LIVE: dict[str, _Live] = {}


def make_client(settings: Settings, generation: int | None = None, fresh: bool = False) -> Any:
    """The Chroma client the settings ask for (server when ``chroma_host`` is set).

    An embedded ``PersistentClient`` caches what it read, and does not see writes made by
    other processes (reads fail with "Error finding id"). So this process keeps one client
    per folder, with the store's write generation (:mod:`knowledge.manifest`) it has seen;
    asked for a newer ``generation``, it starts a fresh client (chromadb shares one system per
    folder, so the old one is forgotten, not stopped: stores still using it keep working).
    ``fresh`` starts a new one regardless (after a Chroma error on a stale view).
    """
    import chromadb  # lazy: about 1 s to import, and only opening a store needs it
    from chromadb.api.shared_system_client import SharedSystemClient
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_host:
        return server_client(settings)
    path = Path(settings.data_dir) / "chroma"
    Path(settings.data_dir).mkdir(mode=0o700, parents=True, exist_ok=True)  # owner only
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = str(path)
    live = _LIVE.get(key)
    if live is not None and not fresh and generation in (None, live.generation):
        return live.client
    # chromadb's private cache of systems, keyed by the folder: drop ours to read afresh
    SharedSystemClient._identifier_to_system.pop(key, None)
    client = chromadb.PersistentClient(path=key, settings=chroma_settings)
    _LIVE[key] = _Live(client, -1 if generation is None else generation)
    return client


TOKEN_PROVIDER = "chromadb.auth.token_authn.TokenAuthClientProvider"


def server_client(settings: Settings) -> Any:
    """An ``HttpClient`` for ``CHROMA_HOST``, sending ``CHROMA_AUTH_TOKEN`` when it is set.

    The token goes out the way Chroma's own token auth sends it (``Authorization: Bearer``,
    chromadb's ``TokenAuthClientProvider``), to a Chroma that checks it or to the proxy of
    :mod:`knowledge.chroma_proxy` in front of ``chroma run``.

    Raises:
        FrameworkError: Naming ``CHROMA_AUTH_TOKEN`` when the server refuses the token (or
            wants one and none is set), or the token has characters no header can carry.
    """
    import chromadb  # lazy: about 1 s to import, and only a server client needs it
    from chromadb.config import Settings as ChromaSettings
    from chromadb.errors import AuthorizationError

    extra: dict[str, Any] = {}
    if settings.chroma_auth_token:
        extra = {"chroma_client_auth_provider": TOKEN_PROVIDER,
                 "chroma_client_auth_credentials": settings.chroma_auth_token}
    where = f"the Chroma server at {settings.chroma_host}:{settings.chroma_port}"
    try:
        return chromadb.HttpClient(host=settings.chroma_host or "", port=settings.chroma_port,
                                   settings=ChromaSettings(anonymized_telemetry=False, **extra))
    except AuthorizationError as exc:
        problem = ("was refused by" if settings.chroma_auth_token else
                   "is not set, and is required by")
        raise FrameworkError("CHROMA_AUTH_TOKEN", f"{problem} {where} ({exc})") from None
    except ValueError as exc:
        if "token" in str(exc).lower():
            raise FrameworkError("CHROMA_AUTH_TOKEN", str(exc)) from None
        raise


def seen_generation(settings: Settings, client: Any, generation: int) -> None:
    """Record that ``client`` is current up to ``generation`` (after this process wrote)."""
    live = _LIVE.get(str(Path(settings.data_dir) / "chroma"))
    if live is not None and live.client is client:
        live.generation = generation


def is_chroma_error(exc: BaseException) -> bool:
    """Whether ``exc`` comes from chromadb (stale view, missing collection, server error)."""
    return type(exc).__module__.startswith("chromadb")


def open_collection(client: Any, name: str, embedder: Embedder) -> Any:
    """Get or create a cosine collection that records ``embedder``'s name and dimension."""
    meta = {"embedder": embedder.name, "dimension": embedder.dimension,
            "engine_family": family(embedder), "schema": SCHEMA_VERSION, "generation": "0"}
    return client.get_or_create_collection(
        name, metadata=meta, configuration={"hnsw": {"space": "cosine"}},
        embedding_function=None,
    )


def family(embedder: Embedder) -> str:
    """The embedder's vector family (``fp32``, ``bf16``; ``remote`` for an endpoint)."""
    return str(getattr(embedder, "family", "remote"))


def legacy_family(name: str) -> str:
    """The family of a collection built before families were recorded, from its model name."""
    if name.startswith("openai:"):
        return "remote"
    return name.rsplit("@", 1)[1] if "@" in name else "fp32"


def check_built_with(collection: Any, embedder: Embedder) -> None:
    """Raise the re-index error when ``collection`` was built by another embedder.

    A collection from before engine families were recorded holds fp32 vectors (the NumPy
    and torch engines); one of another family is refused like another model: vectors of
    two engines are never mixed silently.

    Raises:
        FrameworkError: Naming ``index``, with the ``partnerpilot index --rebuild`` advice.
    """
    meta = collection.metadata or {}
    built_family = str(meta.get("engine_family") or legacy_family(str(meta.get("embedder"))))
    same_model = str(meta.get("embedder")).split("@")[0] == embedder.name.split("@")[0]
    if same_model and built_family != family(embedder):
        raise FrameworkError(
            "index",
            f"the {collection.name} collection holds {built_family} vectors but the "
            f"{family(embedder)} embedding engine is configured; run `partnerpilot index "
            "--rebuild` to re-embed everything (or set PARTNERPILOT_EMBED_ENGINE back)",
        )
    built = (meta.get("embedder"), meta.get("dimension"))
    if built != (embedder.name, embedder.dimension):
        raise FrameworkError(
            "index",
            f"the {collection.name} collection was built with embedding model "
            f"{built[0]} (dimension {built[1]}) but {embedder.name} "
            f"(dimension {embedder.dimension}) is configured; "
            "run `partnerpilot index --rebuild` to re-embed everything",
        )


def pages(collection: Any, include: list[str]) -> Iterator[dict[str, Any]]:
    """Every record of ``collection``, one ``get`` result of up to :data:`PAGE` at a time."""
    offset = 0
    while True:
        got = collection.get(include=include, limit=PAGE, offset=offset)
        if not got["ids"]:
            return
        yield got
        offset += len(got["ids"])


class WriteReport(BaseModel):
    """What a write changed: ids added, updated, left as they were, and deleted."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    # which partner ids were added and updated (for the audit trail; not in JSON output)
    added_ids: list[str] = Field(default_factory=list, exclude=True)
    updated_ids: list[str] = Field(default_factory=list, exclude=True)


def sync_documents(collection: Any, chunks: Sequence[Chunk],
                   embed: Callable[[list[str]], np.ndarray]) -> WriteReport:
    """Make ``collection`` hold exactly ``chunks`` (idempotent).

    New and changed chunks are embedded and upserted under their stable ids; chunks no
    longer produced (a changed or removed document) are deleted.
    """
    stored = collection.get(include=["metadatas"])
    old_hash = {i: m.get("hash") for i, m in zip(stored["ids"], stored["metadatas"], strict=True)}
    wanted = {c.chunk_id for c in chunks}
    todo = [c for c in chunks if old_hash.get(c.chunk_id) != c.content_hash]
    stale = [i for i in old_hash if i not in wanted]
    report = WriteReport(unchanged=len(chunks) - len(todo), deleted=len(stale))
    report.updated = sum(1 for c in todo if c.chunk_id in old_hash)
    report.added = len(todo) - report.updated
    if todo:
        collection.upsert(
            ids=[c.chunk_id for c in todo], documents=[c.text for c in todo],
            embeddings=embed([c.embed_text for c in todo]),
            metadatas=[{"doc_id": c.doc_id, "title": c.title, "section": c.section,
                        "source": c.source, "index": c.index, "hash": c.content_hash}
                       for c in todo],
        )
    if stale:
        collection.delete(ids=stale)
    return report
