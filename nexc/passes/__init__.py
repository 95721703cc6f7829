"""Compiler passes. Each module is one pass, named like its verb; :mod:`nexc.pipeline` holds their order."""
