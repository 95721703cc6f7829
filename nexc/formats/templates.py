"""Loading the training chat templates (``templates/chat/<format>[_variant].jinja``).

Installed wheels carry them in ``nexc/_data/templates/chat``; a source checkout reads the
repository's ``templates/chat``.
"""
from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path


@lru_cache(maxsize=None)
def chat_template_dir() -> Path:
    """The folder holding the chat templates."""
    packaged = resources.files("nexc") / "_data" / "templates" / "chat"
    if packaged.is_dir():
        return Path(str(packaged))
    import nexc

    return Path(nexc.__file__).resolve().parent.parent / "templates" / "chat"


@lru_cache(maxsize=None)
def load_chat_template(name: str) -> str:
    """The text of ``<name>.jinja`` (the trailing newline of the file is not part of it)."""
    path = chat_template_dir() / f"{name}.jinja"
    text = path.read_text(encoding="utf-8")
    return text[:-1] if text.endswith("\n") else text
