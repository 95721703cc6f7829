"""Whole-framework checks, one per module. Each exposes ``check(fw, reporter, ctx)`` — the
:class:`nexc.pipeline.Check` contract, enforced when the pipeline loads it — and points its findings at the
spans the IR carries (``ctx.sources`` holds the texts the build read); the order they run in is
:data:`nexc.pipeline.CHECKS`. Their codes (NEX400–NEX439) and documentation are declared in
:mod:`nexc.diagnostics.codes.checks`.
"""
