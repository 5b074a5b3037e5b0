"""Settings from the environment (and an optional ``.env``), with the names users know."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

Backend = Literal["auto", "offline", "openai", "local"]
CHAT_DB_FILE = "chat.sqlite3"


def chat_db_path(data_dir: Path) -> Path:
    """Where the chat UI keeps its history (threads, steps, feedback) in a data folder."""
    return data_dir / CHAT_DB_FILE


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) readable by its owner only (0700); return it.

    An existing folder is tightened to 0700 too: chat history, uploads and the store inside
    are the users' data, not the machine's.
    """
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077:
        path.chmod(0o700)
    return path


class Settings(BaseSettings):
    """Everything configurable. Read once per process through :func:`get_settings`.

    Nothing here needs a key: with no model configured the offline planner answers.
    """

    model_config = SettingsConfigDict(
        env_prefix="PARTNERPILOT_", env_file=".env", extra="ignore", populate_by_name=True
    )

    data_dir: Path = Field(default=Path(".partnerpilot"))
    backend: Backend = "auto"
    model: str = "gpt-4o-mini"
    openai_api_key: str | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "PARTNERPILOT_OPENAI_API_KEY")
    )
    openai_base_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("OPENAI_BASE_URL", "PARTNERPILOT_OPENAI_BASE_URL"),
    )
    gguf: Path | None = None
    threads: int = Field(default=1, ge=1, le=64)
    request_timeout: float = Field(default=60.0, gt=0)
    max_retries: int = Field(default=3, ge=0, le=10)
    max_tool_calls: int = Field(default=8, ge=1, le=50)
    tools: str | None = None  # PARTNERPILOT_TOOLS: comma list of the tools a model may call
    # PARTNERPILOT_FALLBACK_MODELS: comma list of other models on the same server, tried in
    # order when the main model keeps failing (LangChain's ModelFallbackMiddleware)
    fallback_models: str | None = None
    chroma_host: str | None = Field(
        default=None, validation_alias=AliasChoices("CHROMA_HOST", "PARTNERPILOT_CHROMA_HOST")
    )
    chroma_port: int = Field(
        default=8000, validation_alias=AliasChoices("CHROMA_PORT", "PARTNERPILOT_CHROMA_PORT")
    )
    # CHROMA_AUTH_TOKEN: sent to the Chroma server (or the token proxy in front of it)
    chroma_auth_token: str | None = Field(
        default=None,
        validation_alias=AliasChoices("CHROMA_AUTH_TOKEN", "PARTNERPILOT_CHROMA_AUTH_TOKEN"),
    )
    # DATABASE_URL: PostgreSQL for chat history and the audit trail (SQLite in the data dir
    # when unset); PARTNERPILOT_USER: who the CLI acts as on a shared store (cli/team.py)
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "PARTNERPILOT_DATABASE_URL")
    )
    user: str | None = None
    embedder: Literal["minilm", "openai"] = "minilm"
    embedding_model: str = "text-embedding-3-small"
    # The local MiniLM engine (knowledge.engines) and its threads for bulk embedding
    embed_engine: Literal["auto", "onnx", "numpy", "bf16"] = "auto"
    embed_threads: int = Field(default=2, ge=1, le=64)
    model_cache: Path | None = None  # PARTNERPILOT_MODEL_CACHE; default <data_dir>/models
    # The chat UI: which page origins may call it (comma list; default: its own origin),
    # how long a login lasts, and when repeated wrong passwords lock a name or an address.
    allowed_origins: str | None = None  # PARTNERPILOT_ALLOWED_ORIGINS
    session_hours: float = Field(default=12.0, gt=0, le=24 * 30)
    login_failures_per_user: int = Field(default=5, ge=1, le=1000)
    login_failures_per_address: int = Field(default=20, ge=1, le=10000)
    login_lockout_minutes: float = Field(default=15.0, gt=0, le=24 * 60)
    link_hosts: str | None = None  # PARTNERPILOT_LINK_HOSTS: hosts answers may link to

    @property
    def resolved_backend(self) -> Literal["offline", "openai", "local"]:
        """The backend that answers: ``auto`` picks openai when a key or base URL is set."""
        if self.backend != "auto":
            return self.backend
        if self.openai_api_key or self.openai_base_url:
            return "openai"
        return "offline"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests call ``get_settings.cache_clear()`` after env edits)."""
    return Settings()
