"""Loading the training chat templates (``templates/chat/<format>[_variant].jinja``).

Installed wheels carry them in ``nexc/_data/templates/chat``; a source checkout reads the
repository's ``templates/chat``.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from nexc.resources import data_dir


def chat_template_dir() -> Path:
    """The folder holding the chat templates."""
    return data_dir("templates") / "chat"


@lru_cache(maxsize=None)
def load_chat_template(name: str) -> str:
    """The text of ``<name>.jinja`` (the trailing newline of the file is not part of it)."""
    path = chat_template_dir() / f"{name}.jinja"
    text = path.read_text(encoding="utf-8")
    return text[:-1] if text.endswith("\n") else text
