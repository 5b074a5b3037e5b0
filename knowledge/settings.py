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
    embedder: Literal["minilm", "openai"] = "minilm"
    embedding_model: str = "text-embedding-3-small"

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
