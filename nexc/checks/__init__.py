"""Whole-framework checks, one per module. Each exposes ``check(fw, reporter, ctx)``; the order they
run in is :data:`nexc.pipeline.CHECKS`. Their codes (NEX400–NEX439) and documentation are declared in
:mod:`nexc.diagnostics.codes.checks`.
"""
