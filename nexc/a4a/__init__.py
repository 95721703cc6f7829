"""A4A: agent frameworks written from a description by a nexc framework, judged by the compiler.

    description ─▶ meta (pattern, team) ─▶ builder (files) ─▶ judge ─┬─▶ ok: written to DIR
                                                     ▲                 │
                                                     └── repairer ◀────┘ diagnostics (≤ max_repairs rounds)

The three stage agents live in ``stdlib/a4a/a4a.nex`` and run on nexc's own runtime (each stage is a run with
its own trajectory). Modules, in the order a draft goes through them: :mod:`~nexc.a4a.draft` (the model's
reply → files; targeted edits), :mod:`~nexc.a4a.toolcheck` (synthesized tools: AST allow-list, signature ⇄
schema, smoke run in a subprocess), :mod:`~nexc.a4a.judge` (the whole compiler pipeline → diagnostics as
JSON), :mod:`~nexc.a4a.loop` (the stages and the repair rounds), :mod:`~nexc.a4a.batch` (hundreds of
descriptions, resumable).
"""
from nexc.a4a.loop import A4AOptions, A4AResult, generate

__all__ = ["A4AOptions", "A4AResult", "generate"]
