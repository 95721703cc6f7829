"""The filter rules' registry: each rule has an id (``--rules ID,…``), a diagnostic code (NEX820–NEX839, so
``nexc explain`` documents it) and a check.

A *run rule* looks at one run (``check(run, config) -> findings``). A *corpus rule* sees the runs one after
another in input order and may compare a run with the earlier ones (``corpus(config)`` returns an object
whose ``check(run)`` does so) — near-duplicate tasks are such a rule.

Rules are declared in :data:`RULE_MODULES` (one module per group), imported on first use; plugins may call
:func:`rule` too.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from nexc.gap.filter.model import Finding, Run

#: modules that declare rules, in the order rules are listed and run
RULE_MODULES = ("nexc.gap.filter.rules_turns", "nexc.gap.filter.rules_tools", "nexc.gap.filter.rules_content",
                "nexc.gap.filter.duplicates")


@dataclass(frozen=True)
class Config:
    """The rules' thresholds (the defaults are what ``nexc gap filter`` uses)."""

    #: the same call (tool and arguments) this many times in one agent run is a loop
    repeat_calls: int = 3
    #: an assistant text whose most frequent word n-gram covers this share of its n-grams is a loop
    ngram: int = 6
    ngram_share: float = 0.5
    ngram_min_words: int = 40
    #: a tool result longer than this (characters) is over-long
    long_output_chars: int = 20_000
    #: MinHash: permutations, shingle size (words) and the Jaccard estimate that makes two tasks duplicates
    minhash_perm: int = 64
    shingle: int = 3
    duplicate_jaccard: float = 0.8
    seed: int = 0


@dataclass(frozen=True)
class Rule:
    id: str
    code: str
    summary: str
    check: Callable[[Run, Config], Iterable[Finding]] | None = None
    corpus: Callable[[Config], Any] | None = None


_RULES: dict[str, Rule] = {}
_loaded = False


def rule(id: str, code: str, summary: str, *, corpus: bool = False):
    """Declare a rule: decorates its check (a run rule) or its corpus factory (``corpus=True``)."""
    def deco(fn):
        if id in _RULES:
            raise ValueError(f"filter rule declared twice: {id}")
        _RULES[id] = Rule(id, code, summary, None if corpus else fn, fn if corpus else None)
        return fn
    return deco


def rules() -> dict[str, Rule]:
    """Every rule by id, in declaration order."""
    global _loaded
    if not _loaded:
        for m in RULE_MODULES:
            importlib.import_module(m)
        _loaded = True
    return dict(_RULES)


def select(ids: Iterable[str] | None = None, disable: Iterable[str] = ()) -> list[Rule]:
    """The rules named by ``ids`` (all when None) less ``disable``; ``KeyError`` names an unknown id with
    the closest known ones."""
    known = rules()
    wanted = list(known) if ids is None else [i.strip() for i in ids if i.strip()]
    off = {i.strip() for i in disable if i.strip()}
    for i in [*wanted, *off]:
        if i not in known:
            import difflib

            close = difflib.get_close_matches(i, list(known), n=2)
            hint = f" (did you mean {' or '.join(close)}?)" if close else ""
            raise KeyError(f"unknown filter rule '{i}'{hint}; known: {', '.join(known)}")
    return [known[i] for i in dict.fromkeys(wanted) if i not in off]
