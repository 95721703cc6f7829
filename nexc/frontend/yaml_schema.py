"""The JSON Schema (draft 2020-12) of nexc YAML specs, generated from the IR and the builder's key tables.

Field types come from the pydantic models of :mod:`nexc.ir.model`; which keys each block accepts
comes from the tables of :mod:`nexc.frontend.keys` (so a key added there and not here fails the
tests); descriptions of blocks are the models' docstrings. The committed copy is
``specs/nexc.schema.json``; regenerate it with ``python -m nexc.frontend.yaml_schema --write`` (``--check``
exits 1 when it is stale). This module is never imported at CLI start-up.
"""
from __future__ import annotations

import inspect
import json
import sys
import types
import typing
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from nexc.frontend import keys as build
from nexc.ir.model import Agent, Binding, EnvRef, Extension, Framework, Limits, Llm, McpServer, Prompt, Skill, Tool

SCHEMA_ID = "urn:nexc:schema:spec:1"
DIALECT = "https://json-schema.org/draft/2020-12/schema"
#: Where the committed schema lives in a source checkout.
SCHEMA_PATH = Path(__file__).resolve().parents[2] / "specs" / "nexc.schema.json"

IDENTIFIER = r"^[A-Za-z_][A-Za-z0-9_]*$"
#: A toolset entry: a tool, agent or skill name, ``server.*`` or ``server.tool``.
TOOLSET_ENTRY = r"^[A-Za-z_][A-Za-z0-9_]*(\.(\*|[A-Za-z0-9_.\-]+))?$"
PYTHON_TARGET = r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$"

#: Lower bounds the builder enforces (NEX203), by YAML key.
MINIMUM = {"temperature": 0, "top_p": 0, "max_tokens": 1, "timeout": 0, "max_retries": 0, "connect_timeout": 0,
           "call_timeout": 0, "max_iterations": 1, "context_tokens": 1, "max_depth": 1, "nex": 1}

#: One-line help for keys (what editors show on hover).
KEY_DOCS = {
    "nex": "Language version of this file.",
    "name": "Name of the framework (an identifier); defaults to the file name.",
    "metadata": "Free-form data kept in the build manifest.",
    "profile": "Wire profile the framework runs with: nexc, or nexau (NexAU v0.3.4's prompts, tool names, results "
               "and hints; see specs/RUNTIME.md).",
    "imports": "Other spec files (.nex or .nex.yaml) whose declarations join this framework.",
    "llms": "Model endpoints by name.",
    "tools": "Tools by name.",
    "mcp_servers": "MCP servers by name; agents use their tools as `server.*` or `server.tool`.",
    "skills": "Skills by name: a folder holding SKILL.md.",
    "agents": "Agents by name.",
    "entry": "The agent a run starts with; may be left out when one agent is not used by any other.",
    "model": "Model id sent to the endpoint.",
    "base_url": "OpenAI-compatible endpoint URL.",
    "api_key": "API key; write {env: NAME} rather than the key itself.",
    "params": "Extra request parameters passed to the endpoint as they are.",
    "parameters": "JSON Schema (type object) of the tool's arguments.",
    "returns": "JSON Schema of the tool's result.",
    "binding": "The implementation: 'package.module:function', {python: ...} or {stdlib: name}.",
    "parallel": "Whether calls of this tool may run concurrently with others.",
    "extra_kwargs": "Fixed keyword arguments passed to the implementation.",
    "lazy": "Import the implementation only when the tool is first called.",
    "transport": "stdio (command, args, env) or http/sse (url, headers).",
    "include": "Only these tools of the server (default: all).",
    "exclude": "Tools of the server to leave out.",
    "deny": "Keep tools from the model by their MCP annotations: destructive, write, open_world.",
    "llm": "Name of the llm this agent uses.",
    "prompt": "The system prompt: text, or {file: path}, optionally a Jinja template.",
    "stop_tools": "Tools whose call ends the run; the call's result is the answer.",
    "max_iterations": "Most LLM calls of one run of this agent.",
    "context_tokens": "Context window of this agent, in tokens.",
    "max_depth": "Bound on recursive delegation through this agent.",
    "tool_format": "Tool-call format: openai (native) or a text format such as qwen3_coder.",
    "parallel_tool_calls": "Whether the model may call several tools in one response.",
    "storage_seed": "Initial content of the run's global storage.",
    "extensions": "Middlewares, hooks, tracers: 'module:Attr' or {import, params, kind}.",
    "context": "Values made available to prompt templates.",
    "path": "Folder holding SKILL.md, relative to this file.",
    "text": "The prompt text.",
    "file": "Path of the prompt file, relative to this file.",
    "template": "Render the prompt as a Jinja template.",
    "variables": "Template variables the prompt expects (template: true only).",
    "import": "'module:Attr' of the object to plug in.",
    "env": "Name of the environment variable, read when the framework runs.",
    "default": "Value used when the variable is not set.",
}


def _doc(model: type[BaseModel]) -> str:
    return " ".join((inspect.getdoc(model) or "").split("\n\n")[0].split())


class _Types:
    """Python annotations of the IR → JSON Schema fragments."""

    REFS = {EnvRef: "env", Prompt: "prompt", Binding: "binding", Extension: "extension"}

    def convert(self, ann: Any) -> dict:
        if ann is Any or ann is typing.Any:
            return {}
        if ann is str:
            return {"type": "string"}
        if ann is bool:
            return {"type": "boolean"}
        if ann is int:
            return {"type": "integer"}
        if ann is float:
            return {"type": "number"}
        if ann in self.REFS:
            return {"$ref": f"#/$defs/{self.REFS[ann]}"}
        origin, args = get_origin(ann), get_args(ann)
        if origin is typing.Annotated:
            return self.convert(args[0])
        if origin is Literal:
            return {"enum": list(args)}
        if origin in (Union, types.UnionType):
            alts = [self.convert(a) for a in args if a is not type(None)]
            return alts[0] if len(alts) == 1 else {"anyOf": alts}
        if origin is tuple:
            return {"type": "array", "items": self.convert(args[0])}
        if origin is dict:
            value = self.convert(args[1])
            return {"type": "object", **({"additionalProperties": value} if value else {})}
        raise TypeError(f"no JSON Schema for annotation {ann!r}")

    def field(self, model: type[BaseModel], name: str, key: str | None = None) -> dict:
        """The schema of ``model.name`` as the YAML key ``key`` (default: the same name)."""
        key = key or name
        info = model.model_fields[name]
        out = self.convert(info.annotation)
        if key in MINIMUM:
            out = _with_minimum(out, MINIMUM[key])
        default = info.default
        if default is not PydanticUndefined and default is not None and isinstance(default, (bool, int, float, str)):
            out["default"] = default
        if key in KEY_DOCS:
            out["description"] = KEY_DOCS[key]
        return out


def _with_minimum(s: dict, minimum: int) -> dict:
    if s.get("type") in ("integer", "number"):
        return {**s, "minimum": minimum}
    if "anyOf" in s:
        return {**s, "anyOf": [_with_minimum(a, minimum) for a in s["anyOf"]]}
    return s


def _described(s: dict, key: str) -> dict:
    return {**s, "description": KEY_DOCS[key]} if key in KEY_DOCS else s


def _block(keys: tuple[str, ...], props: dict[str, dict], description: str, *, required: tuple[str, ...] = (),
           aliases: dict[str, str] | None = None, extra: dict | None = None) -> dict:
    """A map that accepts exactly ``keys`` (plus aliases); unknown keys are errors, as in nexc."""
    missing = set(keys) ^ set(props)
    if missing:
        raise KeyError(f"schema and builder disagree on keys: {sorted(missing)}")
    properties = dict(props)
    for alias, target in (aliases or {}).items():
        properties[alias] = {**props[target], "description": f"Alias of '{target}'."}
    out = {"type": "object", "description": description, "properties": properties, "additionalProperties": False}
    if required:
        out["required"] = list(required)
    if aliases:  # an alias and the key it stands for are the same key, set twice (NEX207)
        out["allOf"] = [{"not": {"required": [alias, target]}} for alias, target in aliases.items()]
    return {**out, **(extra or {})}


def _section(ref: str, key: str) -> dict:
    return _described({"type": "object", "propertyNames": {"pattern": IDENTIFIER},
                       "additionalProperties": {"$ref": f"#/$defs/{ref}"}}, key)


def spec_json_schema() -> dict:
    """The JSON Schema of a nexc YAML document (``*.nex.yaml``)."""
    t = _Types()
    json_object = {"type": "object"}

    llm = _block(build.LLM_KEYS, {k: t.field(Llm, k) for k in build.LLM_KEYS}, _doc(Llm))

    tool_props = {k: t.field(Tool, k) for k in build.TOOL_KEYS}
    tool_props["parameters"] = _described({"type": "object", "properties": {"type": {"const": "object"}}},
                                          "parameters")
    tool_props["returns"] = _described(json_object, "returns")
    tool = _block(build.TOOL_KEYS, tool_props, _doc(Tool))

    transports = get_args(McpServer.model_fields["transport"].annotation)
    needs = [{"if": {"properties": {"transport": {"const": tr}}, "required": ["transport"]},
              "then": {"required": ["command" if tr == "stdio" else "url"]}} for tr in transports]
    mcp = _block(build.MCP_KEYS, {k: t.field(McpServer, k) for k in build.MCP_KEYS}, _doc(McpServer),
                 extra={"anyOf": [{"required": ["command"]}, {"required": ["url"]}], "allOf": needs})

    skill_map = _block(build.SKILL_KEYS, {k: t.field(Skill, k) for k in build.SKILL_KEYS}, _doc(Skill),
                       required=("path",))
    skill = {"description": _doc(Skill), "anyOf": [_described({"type": "string"}, "path"), skill_map]}

    limits = set(Limits.model_fields) - {"span"}
    # in YAML a toolset is a list of names; resolve turns them into ToolRef/AgentRef/McpSelection/SkillRef
    agent_props = {"tools": {"type": "array", "items": {"type": "string", "pattern": TOOLSET_ENTRY},
                             "description": "The agent's toolset: names of tools, sub-agents and skills, "
                                            "`server.*` or `server.tool` for MCP tools."}}
    for k in build.AGENT_KEYS:
        if k not in agent_props:
            agent_props[k] = t.field(Limits if k in limits else Agent, k)
    agent_props["stop_tools"]["items"] = {"type": "string", "pattern": TOOLSET_ENTRY}
    agent = _block(build.AGENT_KEYS, agent_props, _doc(Agent), aliases=build.AGENT_ALIASES)

    prompt_map = _block(build.PROMPT_KEYS, {k: t.field(Prompt, k) for k in build.PROMPT_KEYS}, _doc(Prompt),
                        extra={"oneOf": [{"required": ["text"]}, {"required": ["file"]}]})
    prompt = {"description": _doc(Prompt), "anyOf": [{"type": "string"}, prompt_map]}

    ext_props = {k: t.field(Extension, "target" if k == "import" else k, k) for k in build.EXTENSION_KEYS}
    ext_props["kind"] = {**ext_props["kind"], "enum": list(build.EXTENSION_KINDS)}
    extension = {"description": _doc(Extension), "anyOf": [
        {"type": "string", "pattern": PYTHON_TARGET},
        _block(build.EXTENSION_KEYS, ext_props, _doc(Extension), required=("import",))]}

    kinds = [k for k in get_args(Binding.model_fields["kind"].annotation) if k != "simulated"]
    example = {"type": "object", "properties": {"arguments": {"type": "object"}, "result": {}},
               "required": ["arguments"], "additionalProperties": False}
    binding = {"description": _doc(Binding), "anyOf": [
        {"type": "string", "pattern": PYTHON_TARGET},
        {"const": "simulated"},
        *({"type": "object", "properties": {k: {"type": "string", **({"pattern": PYTHON_TARGET}
                                                                    if k == "python" else {})}},
           "required": [k], "additionalProperties": False} for k in kinds),
        {"type": "object", "properties": {"simulated": {"type": ["string", "boolean"]},
                                          "examples": {"type": "array", "items": example}},
         "required": ["simulated"], "additionalProperties": False}]}

    env = {"type": "object", "description": _doc(EnvRef), "required": ["env"], "additionalProperties": False,
           "properties": {"env": _described({"type": "string"}, "env"),
                          "default": _described({"type": ["string", "number", "boolean", "null"]}, "default")}}

    sections = {"llms": "llm", "tools": "tool", "mcp_servers": "mcp_server", "skills": "skill", "agents": "agent"}
    doc_props: dict[str, dict] = {
        "nex": {**t.field(Framework, "language_version", "nex")},
        "name": {**t.field(Framework, "name"), "pattern": IDENTIFIER},
        "description": t.field(Framework, "description"),
        "metadata": t.field(Framework, "metadata"),
        "profile": t.field(Framework, "profile"),
        "imports": _described({"type": "array", "items": {"type": "string"}}, "imports"),
        "entry": _described({"type": "string", "pattern": IDENTIFIER}, "entry"),
        **{k: _section(ref, k) for k, ref in sections.items()},
    }
    doc_props["nex"].pop("default", None)
    doc_props["description"].pop("default", None)
    top = _block(build.DOCUMENT_KEYS, doc_props, _doc(Framework))
    return {
        "$schema": DIALECT, "$id": SCHEMA_ID, "title": "nexc spec (YAML form)", **top,
        "$defs": {"llm": llm, "tool": tool, "mcp_server": mcp, "skill": skill, "agent": agent, "prompt": prompt,
                  "extension": extension, "binding": binding, "env": env},
    }


def schema_text() -> str:
    """The schema as committed: sorted keys, two-space indent, trailing newline."""
    return json.dumps(spec_json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


#: The file name ``nexc schema --install`` writes and ``nexc convert --to yaml`` looks for.
SCHEMA_FILE = "nexc.schema.json"


def installed_schema(folder: str | Path) -> Path | None:
    """The schema a project installed (``nexc schema --install``): the nearest ``nexc.schema.json`` (or
    ``specs/nexc.schema.json``) in ``folder`` or a folder above it, up to the project root."""
    from nexc.source import project_root

    start = Path(folder).resolve()
    top = Path(project_root(str(start)))
    for d in (start, *start.parents):
        for candidate in (d / SCHEMA_FILE, d / "specs" / SCHEMA_FILE):
            if candidate.is_file():
                return candidate
        if d == top:
            break
    return None


def modeline_ref(out_dir: str | Path) -> tuple[str, bool]:
    """What the yaml-language-server modeline of a spec written into ``out_dir`` names, as a POSIX path
    relative to ``out_dir``: the installed schema (:func:`installed_schema`), else ``nexc.schema.json`` at
    the project root. Never a path into nexc's own installation, so the line is the same on every machine
    that has the project. The flag says whether the file exists."""
    import os

    from nexc.source import project_root

    found = installed_schema(out_dir)
    target = found or Path(project_root(str(Path(out_dir).resolve()))) / SCHEMA_FILE
    return os.path.relpath(target, Path(out_dir).resolve()).replace(os.sep, "/"), found is not None


def main(argv: list[str] | None = None) -> int:
    """``python -m nexc.frontend.yaml_schema [--write | --check] [PATH]``: print, write or check the schema file."""
    args = list(sys.argv[1:] if argv is None else argv)
    path = Path(next((a for a in args if not a.startswith("-")), SCHEMA_PATH))
    text = schema_text()
    if "--write" in args:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
        return 0
    if "--check" in args:
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current != text:
            print(f"{path} is stale; run: python -m nexc.frontend.yaml_schema --write", file=sys.stderr)
            return 1
        return 0
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
