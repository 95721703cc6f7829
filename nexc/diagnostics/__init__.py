"""Diagnostics: codes with names and docs, collection of all problems of a run, and rendering."""
from nexc.diagnostics.diagnostic import Diagnostic, Reporter
from nexc.diagnostics.registry import Rule, all_rules, get

__all__ = ["Diagnostic", "Reporter", "Rule", "all_rules", "get"]
