"""Shared test set-up: no test may reach a real model or a hub by accident."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
for _key in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "PARTNERPILOT_BACKEND", "CHROMA_HOST"):
    os.environ.pop(_key, None)
