"""simulate_missing (``--simulate-missing``): tools whose implementation cannot be found run simulated.

A tool is *missing* when it has no binding (and is no unbound stop tool, whose arguments are its answer),
or when its ``python`` binding names a module that is not beside the spec and not installed. Modules are
looked up on the file system only — nothing is imported, so no code of the spec runs at build time.
Each such tool gets ``binding = simulated`` (:mod:`nexc.runtime.simulate`) and a NEX614 warning; the
NEX613 errors of missing tool files are withdrawn, since the tool now runs.

An agent whose prompt is missing (NexA4A writes agents without their prompt files) runs on a prompt made
from its name and description, with a NEX615 warning; the errors about the missing prompt are withdrawn.
"""
from __future__ import annotations

import importlib.machinery
import sys
from pathlib import Path

from nexc.ir.model import Binding, Framework


def locatable(module: str, root_dir: Path) -> bool:
    """Whether ``module`` (dotted) is a file below ``root_dir`` or an installed module, found without
    importing anything (package ``__init__`` files are not run)."""
    parts = module.split(".")
    if not all(p.isidentifier() for p in parts):
        return False
    spec = importlib.machinery.PathFinder.find_spec(parts[0], [str(root_dir)] + sys.path)
    if spec is None:
        return parts[0] in sys.builtin_module_names and len(parts) == 1
    for part in parts[1:]:
        places = spec.submodule_search_locations
        if not places:
            return False
        spec = importlib.machinery.PathFinder.find_spec(part, list(places))
        if spec is None:
            return False
    return True


def _about(d, tool) -> bool:
    """Whether diagnostic ``d`` is about ``tool``: it names it, or it points inside its declaration."""
    if f"'{tool.name}'" in d.message:
        return True
    a, b = d.span, tool.span
    return a.file == b.file and (b.line, b.column) <= (a.line, a.column) and (a.end_line, a.end_column) <= (
        b.end_line, b.end_column)


def described_prompt(agent) -> str:
    """The stand-in prompt of an agent whose prompt is missing."""
    text = f"You are {agent.name}."
    if agent.description:
        text += f" {agent.description.strip()}"
    return text


def _prompt_error(d, agent) -> bool:
    """Whether ``d`` reports ``agent``'s missing prompt."""
    if d.code not in ("NEX600", "NEX202", "NEX308") or "prompt" not in d.message:
        return False
    return f"'{agent.name}'" in d.message or _about(d, agent)


def _describe_missing_prompts(fw: Framework, r) -> Framework:
    from nexc.ir.model import Prompt

    agents, changed = [], []
    for a in fw.agents:
        if a.prompt is None or (a.prompt.file is not None and a.prompt.text is None
                                and any(_prompt_error(d, a) for d in r.diagnostics)):
            changed.append(a)
            a = a.model_copy(update={"prompt": Prompt(span=a.span, text=described_prompt(a))})
        agents.append(a)
    if not changed:
        return fw
    r.diagnostics[:] = [d for d in r.diagnostics if not any(_prompt_error(d, a) for a in changed)]
    for a in changed:
        r.report("NEX615", a.span, f"agent '{a.name}' has no prompt, so it runs on one made from its description")
    return fw.model_copy(update={"agents": tuple(agents)})


def simulate_missing(fw: Framework, root_dir: Path, r) -> Framework:
    """``fw`` with every missing tool simulated and every missing prompt described (see the module
    docstring)."""
    fw = _describe_missing_prompts(fw, r)
    stops = {s for a in fw.agents for s in a.stop_tools}
    tools, changed = [], []
    for t in fw.tools:
        b = t.binding
        missing = (b is None and t.name not in stops) or (
            b is not None and b.kind == "python" and not locatable(b.target.partition(":")[0], root_dir))
        if missing:
            changed.append(t)
            t = t.model_copy(update={"binding": Binding(span=(b.span if b is not None else t.span), kind="simulated")})
        tools.append(t)
    if not changed:
        return fw
    r.diagnostics[:] = [d for d in r.diagnostics if not (d.code == "NEX613" and any(_about(d, t) for t in changed))]
    for t in changed:
        why = "it has no binding" if t.binding is None else f"its binding '{t.binding.target}' names no module"
        r.report("NEX614", t.span, f"tool '{t.name}': {why}, so it runs simulated (an LLM plays it)")
    return fw.model_copy(update={"tools": tuple(tools)})
