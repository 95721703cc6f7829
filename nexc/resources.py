"""Access to the data folders that ship inside the wheel (``grammar/``, ``templates/``, ``stdlib/``,
``specs/``) through :mod:`importlib.resources`, with a fallback to the repository in a dev checkout."""
from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

DATA_DIRS = ("grammar", "templates", "stdlib", "specs")


@lru_cache(maxsize=None)
def data_dir(name: str) -> Path:
    """The folder ``name`` (one of :data:`DATA_DIRS`): ``nexc/_data/<name>`` in an installed wheel,
    ``<repo>/<name>`` in a source checkout or editable install."""
    if name not in DATA_DIRS:
        raise ValueError(f"unknown data folder {name!r}")
    packaged = resources.files("nexc") / "_data" / name
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / name


def read_data(name: str, *parts: str) -> str:
    """The text of a data file, e.g. ``read_data("grammar", "nex.lark")``."""
    return data_dir(name).joinpath(*parts).read_text(encoding="utf-8")
