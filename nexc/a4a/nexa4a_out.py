"""``--output-format nexa4a``: an accepted framework also written in NexA4A's layout, for NexGAP tooling.

``DIR/nexa4a/framework_config.yaml`` (``framework_name``, ``framework_entrance_agent``, ``llm_configs``,
``agents`` with ``sysprompt_path``, ``tools`` with a NexAU tool YAML as ``config_path``, ``workflow.edges`` for
delegation), ``prompts/`` (inline prompts written out) and ``tools/`` (the tool YAMLs and the tools' Python
modules). What NexA4A cannot say (stop tools, limits, tool-call formats, MCP servers, skills) is left out and
listed in ``DIR/nexa4a/README.txt``. The result loads with nexc's NexA4A frontend.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from nexc.ir.model import AgentRef, EnvRef, ToolRef


def _value(v):
    return "${" + v.name + "}" if isinstance(v, EnvRef) else v


def write_nexa4a(fw, src: Path, out: Path) -> list[str]:
    """Write the layout into ``out`` from the framework compiled in ``src``; returns what was left out."""
    from nexc.emit.nexau_export import nexau_yaml_text
    from nexc.stdlib_catalog import NEXAU_BUILTINS

    if out.exists():
        shutil.rmtree(out)
    (out / "prompts").mkdir(parents=True)
    (out / "tools").mkdir()
    lost: list[str] = []
    builtin_of = {v: k for k, v in NEXAU_BUILTINS.items()}
    llms = [{"llm_name": m.name, "provider": "openai",
             **{k: _value(getattr(m, k)) for k in ("model", "base_url", "api_key", "max_tokens", "temperature",
                                                    "timeout") if getattr(m, k) is not None}} for m in fw.llms]
    tools = []
    for t in fw.tools:
        entry = {"tool_name": t.name, "description": t.description or ""}
        if t.binding is not None and t.binding.kind == "stdlib" and t.binding.target in builtin_of:
            entry["config_path"] = None
            entry["binding"] = f"nexau.archs.tool.builtin.{builtin_of[t.binding.target]}_tool:" \
                               f"{builtin_of[t.binding.target]}_tool"
        else:
            doc = {"type": "tool", "name": t.name, "description": t.description or "",
                   "input_schema": t.parameters or {"type": "object", "properties": {}}}
            (out / "tools" / f"{t.name}.tool.yaml").write_text(nexau_yaml_text(doc), encoding="utf-8")
            entry["config_path"] = f"tools/{t.name}.tool.yaml"
            if t.binding is not None and t.binding.kind == "python":
                entry["binding"] = t.binding.target
                module = t.binding.target.partition(":")[0].replace(".", "/") + ".py"
                if (src / module).is_file():
                    (out / module).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(src / module, out / module)
            elif t.binding is not None:
                lost.append(f"tool '{t.name}': its {t.binding.kind} binding")
        tools.append(entry)
    agents, edges = [], []
    for a in fw.agents:
        prompt = f"prompts/{a.name}.md"
        if a.prompt is not None and a.prompt.file:
            shutil.copyfile(src / a.prompt.file, out / prompt)
        else:
            (out / prompt).write_text((a.prompt.text if a.prompt is not None else "") or "", encoding="utf-8")
        agents.append({"agent_name": a.name, "description": a.description, "sysprompt_path": prompt,
                       **({"llm_config": a.llm} if a.llm else {}),
                       "tools": [e.name for e in a.tools if isinstance(e, ToolRef)]})
        edges += [{"from": a.name, "to": e.name} for e in a.tools if isinstance(e, AgentRef)]
        if a.stop_tools:
            lost.append(f"agent '{a.name}': stop tools {', '.join(a.stop_tools)}")
        if a.limits.max_depth is not None or a.tool_format != "openai":
            lost.append(f"agent '{a.name}': max_depth / tool_format")
        if any(not isinstance(e, (ToolRef, AgentRef)) for e in a.tools):
            lost.append(f"agent '{a.name}': MCP servers and skills")
    doc = {"framework_name": fw.name, "framework_entrance_agent": fw.entry, "description": fw.description,
           "llm_configs": llms, "agents": agents, "tools": tools,
           "workflow": {"name": f"{fw.name}_workflow", "description": fw.description,
                        "nodes": [{"id": a.name, "type": "agent"} for a in fw.agents], "edges": edges}}
    (out / "framework_config.yaml").write_text(nexau_yaml_text(doc), encoding="utf-8")
    (out / "README.txt").write_text("Written by nexc a4a --output-format nexa4a. Not expressible in NexA4A and "
                                    "left out:\n" + "".join(f"- {x}\n" for x in lost or ["nothing"]), encoding="utf-8")
    return lost
