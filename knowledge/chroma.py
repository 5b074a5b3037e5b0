"""The Chroma side of the store: the client, the two collections and their metadata.

Vectors come from our own embedder (no Chroma embedding function is stored, so moving the
venv never breaks reopening); each collection records the embedder's name and dimension,
and :func:`check_built_with` refuses a mismatch with the re-index instruction.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from knowledge.embeddings import Embedder
from knowledge.settings import Settings
from tools.errors import FrameworkError

KNOWLEDGE = "framework"
PARTNERS = "partners"
SCHEMA_VERSION = 1
PAGE = 5000


def make_client(settings: Settings) -> Any:
    """The Chroma client the settings ask for (server when ``chroma_host`` is set)."""
    import chromadb  # lazy: about 1 s to import, and only opening a store needs it
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_host:
        return chromadb.HttpClient(
            host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
        )
    path = Path(settings.data_dir) / "chroma"
    Path(settings.data_dir).mkdir(mode=0o700, parents=True, exist_ok=True)  # owner only
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


def open_collection(client: Any, name: str, embedder: Embedder) -> Any:
    """Get or create a cosine collection that records ``embedder``'s name and dimension."""
    meta = {"embedder": embedder.name, "dimension": embedder.dimension,
            "schema": SCHEMA_VERSION, "generation": "0"}
    return client.get_or_create_collection(
        name, metadata=meta, configuration={"hnsw": {"space": "cosine"}},
        embedding_function=None,
    )


def check_built_with(collection: Any, embedder: Embedder) -> None:
    """Raise the re-index error when ``collection`` was built by another embedder.

    Raises:
        FrameworkError: Naming ``index``, with the ``partnerpilot index --rebuild`` advice.
    """
    meta = collection.metadata or {}
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
