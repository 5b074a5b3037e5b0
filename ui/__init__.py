"""The Chainlit chat UI: renders agent events, holds no strategy logic.

Chainlit reads its app root (``.chainlit/config.toml``, ``chainlit.md``, ``public/``) from
``CHAINLIT_APP_ROOT`` once, when it is first imported, and otherwise writes those files into
the current directory. Importing any ``ui`` module first points it at this folder.
"""

import os
from pathlib import Path

os.environ.setdefault("CHAINLIT_APP_ROOT", str(Path(__file__).resolve().parent))
