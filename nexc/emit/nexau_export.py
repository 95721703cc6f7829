"""Export a resolved framework as NexAU (v0.3.4) agent YAMLs, with a report of what NexAU cannot express.

Layout of the output folder (every path relative to it)::

    <agent>.yaml                 one agent config per agent (sub-agents by config_path: ./<child>.yaml)
    tools/<tool>.tool.yaml       one tool YAML per tool
    <prompt file path>           prompt files and skill folders, at the same path relative to the folder as
    <skill folder path>/…        they had relative to the framework's root (so the IR's paths stay equal)
    <module path>.py             the Python modules of python bindings and extensions found in the root, and
                                 the modules of the root they import (found with ``ast``, transitively)
    nexc_stdlib.py               nexc's stdlib tools (standard library only), when a tool has a stdlib binding
    prompts/<agent>.md           inline Jinja prompts, which NexAU can only read from files
    .env.example                 the environment variables the export reads (NAME=default)
    coverage.json                the CoverageReport

Nothing outside the root is copied: a symbolic link whose target is outside it is left out and reported.

Names that the NexAU frontend had to rename (``metadata["nexau"]["renamed"]``) get their original back, and
hook points (``metadata["nexau"]["hook_points"]``) are restored, so NexAU → nexc → NexAU is lossless for
everything NexAU can express.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from nexc.emit.modules import python_modules
from nexc.emit.result import EmitResult
from nexc.ir.model import (
    Agent,
    AgentRef,
    EnvRef,
    Framework,
    Llm,
    McpSelection,
    McpServer,
    SkillRef,
    Tool,
    ToolRef,
)
from nexc.stdlib_catalog import EXPORT_MODULE, export_module_text, stdlib_tools

#: nexc tool format → NexAU tool_call_mode.
MODES = {"openai": "openai", "nexau_xml": "xml"}
LLM_ENV = {"model": "LLM_MODEL", "base_url": "LLM_BASE_URL", "api_key": "LLM_API_KEY"}
HOOK_KEYS = {"after_model": "after_model_hooks", "after_tool": "after_tool_hooks",
             "before_model": "before_model_hooks", "before_tool": "before_tool_hooks"}
COVERAGE_VERSION = 1


@dataclass(frozen=True)
class CoverageItem:
    """One thing the target cannot express: where, what, and what the export did instead."""

    where: str
    feature: str
    detail: str


@dataclass
class CoverageReport:
    """What an export wrote and what it could not express."""

    framework: str
    target: str = "nexau"
    files: list[str] = field(default_factory=list)
    unsupported: list[CoverageItem] = field(default_factory=list)

    def add(self, where: str, feature: str, detail: str) -> None:
        item = CoverageItem(where, feature, detail)
        if item not in self.unsupported:
            self.unsupported.append(item)

    @property
    def complete(self) -> bool:
        """True when everything in the framework was expressed."""
        return not self.unsupported

    def to_json(self) -> dict[str, Any]:
        return {"version": COVERAGE_VERSION, "target": self.target, "framework": self.framework,
                "complete": self.complete, "files": sorted(self.files),
                "unsupported": [{"where": i.where, "feature": i.feature, "detail": i.detail} for i in self.unsupported]}

    def text(self) -> str:
        """A short human-readable summary (what ``nexc build --target nexau`` prints)."""
        head = f"NexAU export of '{self.framework}': {len(self.files)} files"
        if self.complete:
            return head + "; everything was expressed\n"
        lines = [head + f"; {len(self.unsupported)} thing{'s' if len(self.unsupported) != 1 else ''} NexAU cannot "
                        "express:"]
        lines += [f"  - {i.where}: {i.feature} — {i.detail}" for i in self.unsupported]
        return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- YAML text


class _Dumper(yaml.SafeDumper):
    """Block style, multi-line strings as literal blocks, no aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _str(dumper: yaml.SafeDumper, s: str) -> yaml.Node:
    if "\n" in s:
        return dumper.represent_scalar("tag:yaml.org,2002:str", s, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", s)


_Dumper.add_representer(str, _str)


def nexau_yaml_text(data: dict[str, Any]) -> str:
    """``data`` as NexAU-style YAML: keys in the given order, deterministic, UTF-8 text."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1_000_000,
                     default_flow_style=False)


# ---------------------------------------------------------------- building the files


class _Exporter:
    def __init__(self, fw: Framework) -> None:
        self.fw = fw
        nexau = fw.metadata.get("nexau", {}) if isinstance(fw.metadata.get("nexau"), dict) else {}
        self.renamed: dict[str, str] = dict(nexau.get("renamed", {}))
        self.hook_points: dict[str, list[str]] = dict(nexau.get("hook_points", {}))
        self.report = CoverageReport(framework=fw.name)
        self.texts: dict[str, str] = {}       # out path → text
        self.copies: dict[str, str] = {}      # out path → path relative to root_dir (file or folder)
        self.raw_files: dict[str, str] = {}   # prompt files NexAU must not render: out path → where
        self.env: dict[str, tuple[str | None, str]] = {}  # variables read: name → (default, where)
        self.stdlib: set[str] = set()         # stdlib ids bound by the exported tools

    def orig(self, name: str) -> str:
        return self.renamed.get(name, name)

    def run(self) -> None:
        fw = self.fw
        if fw.profile == "nexc":
            self.report.add("framework", "profile", "NexAU runs the export with its own conventions (sub-agents as "
                                                    "sub-agent-NAME with a message, results as JSON, its hints; no "
                                                    "sub-agent or skill briefs): see the nexau profile in "
                                                    "specs/RUNTIME.md")
        if fw.description:
            self.report.add("framework", "description", "NexAU configs have no framework description; dropped")
        extra_meta = sorted(k for k in fw.metadata if k != "nexau")
        if extra_meta:
            self.report.add("framework", "metadata", f"keys {', '.join(extra_meta)} have no place in NexAU; dropped")
        reachable, todo = set(), [fw.entry]
        while todo:
            n = todo.pop()
            if n in reachable or fw.agent(n) is None:
                continue
            reachable.add(n)
            todo.extend(e.name for e in fw.agent(n).tools if isinstance(e, AgentRef))
        for a in fw.agents:
            if a.name not in reachable:
                self.report.add(f"agent '{a.name}'", "unreachable agent", f"NexAU loads only what "
                                f"'{fw.entry}.yaml' refers to; {a.name}.yaml is written but not used")
        for t in fw.tools:
            self.texts[f"tools/{t.name}.tool.yaml"] = nexau_yaml_text(self.tool_yaml(t))
        for a in fw.agents:
            self.texts[f"{a.name}.yaml"] = nexau_yaml_text(self.agent(a))
        if self.stdlib:
            self.texts[f"{EXPORT_MODULE}.py"] = export_module_text()
            from nexc.runtime.stdlib import SEARCH_ENV

            if "web_search" in self.stdlib:
                self.env.setdefault(SEARCH_ENV, (None, "stdlib tool 'web_search' (a GET endpoint answering JSON)"))
        if self.env:
            self.texts[".env.example"] = env_example(self.env)
        self.report.files = sorted(set(self.texts) | set(self.copies) | {"coverage.json"})

    # -------------------------------------------------------- pieces

    def tool_yaml(self, t: Tool) -> dict[str, Any]:
        where = f"tool '{t.name}'"
        d: dict[str, Any] = {"name": self.orig(t.name), "description": t.description, "input_schema": t.parameters}
        if not t.parallel:
            d["disable_parallel"] = True
        if t.returns is not None:
            self.report.add(where, "returns", "NexAU tool YAMLs have no return schema; dropped")
        if t.binding is None:
            self.report.add(where, "binding", "the tool has no implementation; NexAU needs a 'binding'")
        elif t.binding.kind == "stdlib" and self.stdlib_binding(t) is None:
            self.report.add(where, "binding", f"no stdlib tool '{t.binding.target}'")
        elif t.binding.kind not in ("python", "stdlib"):
            self.report.add(where, "binding", f"{t.binding.kind} binding '{t.binding.target}' has no NexAU "
                                              "equivalent; give a python binding")
        return d

    def stdlib_binding(self, t: Tool) -> str | None:
        """``nexc_stdlib:<function>`` for a stdlib-bound tool (the module is written when one is used)."""
        spec = stdlib_tools().get(t.binding.target) if t.binding is not None else None
        if spec is None or not spec.get("binding"):
            return None
        self.stdlib.add(t.binding.target)
        return f"{EXPORT_MODULE}:{spec['binding'].rpartition(':')[2]}"

    def text_value(self, value: Any, where: str, what: str) -> Any:
        if isinstance(value, EnvRef):
            secret = what in ("api_key", "headers", "env")
            self.env.setdefault(value.name, (None if secret else value.default, f"{where}, {what}"))
            if value.default is not None:
                self.report.add(where, what, f"NexAU has no defaults for ${{env.{value.name}}} and fails when it is "
                                             "unset: set it before running ("
                                             + ("it is in .env.example" + ("" if secret else " with its default")
                                                + ")"))
            return "${env." + value.name + "}"
        return value

    def llm(self, a: Agent) -> dict[str, Any]:
        llm: Llm | None = next((x for x in self.fw.llms if x.name == a.llm), None) if a.llm else None
        if llm is None:
            return {}
        where = f"llm '{llm.name}'"
        d: dict[str, Any] = {}
        for k in ("model", "base_url", "api_key"):
            val = getattr(llm, k)
            if val is None or (isinstance(val, EnvRef) and val.name == LLM_ENV[k] and val.default is None):
                self.env.setdefault(LLM_ENV[k], (None, f"{where}, {k} (NexAU reads it when llm_config leaves it out)"))
                continue  # NexAU falls back to the LLM_* environment variables itself
            d[k] = self.text_value(val, where, k)
        for k in ("temperature", "top_p", "max_tokens", "timeout", "max_retries"):
            val = getattr(llm, k)
            if val is not None:
                d[k] = self.text_value(val, where, k)
        d.update(llm.params)
        return d

    def prompt(self, a: Agent, d: dict[str, Any]) -> None:
        p = a.prompt
        if p is None:
            return
        where = f"agent '{a.name}'"
        literal = self.fw.profile == "nexc" and not p.template  # NexAU renders every prompt with Jinja
        if p.file is not None:
            rel = PurePosixPath(p.file)
            if rel.is_absolute() or ".." in rel.parts:
                self.report.add(where, "prompt", f"prompt file '{p.file}' is outside the project; not exported")
                return
            self.copies[rel.as_posix()] = rel.as_posix()
            if literal:
                self.raw_files[rel.as_posix()] = where
            d["system_prompt"] = rel.as_posix()
            d["system_prompt_type"] = "jinja" if p.template else "file"
        elif literal and p.text and _JINJA.search(p.text):
            d["system_prompt"] = raw_template(p.text)
            self.report.add(where, "prompt", "the prompt holds '{{', '{%' or '{#', which NexAU would read as Jinja: "
                                             "it is wrapped in {% raw %}…{% endraw %} so NexAU sends it as written")
        elif p.template:
            path = f"prompts/{a.name}.md"
            self.texts[path] = p.text or ""
            d["system_prompt"] = path
            d["system_prompt_type"] = "jinja"
            self.report.add(where, "prompt", f"an inline template prompt was written to {path}; NexAU reads Jinja "
                                             "prompts only from files")
        else:
            d["system_prompt"] = p.text or ""

    def agent(self, a: Agent) -> dict[str, Any]:
        where = f"agent '{a.name}'"
        d: dict[str, Any] = {"name": self.orig(a.name)}
        if a.description:
            d["description"] = a.description
        if a.limits.max_iterations != 100:
            d["max_iterations"] = a.limits.max_iterations
        if a.limits.context_tokens != 128_000:
            d["max_context_tokens"] = a.limits.context_tokens
        if a.limits.max_depth is not None:
            self.report.add(where, "max_depth", "NexAU has no delegation depth bound; dropped")
        self.prompt(a, d)
        mode = MODES.get(a.tool_format)
        if mode is None:
            self.report.add(where, "tool_format", f"NexAU has no '{a.tool_format}' tool-call mode (only xml and "
                                                  "openai); written as openai")
            mode = "openai"
        if mode != "openai":
            d["tool_call_mode"] = mode
        if not a.parallel_tool_calls:
            self.report.add(where, "parallel_tool_calls", "NexAU cannot turn off parallel tool calls per agent")
        d["llm_config"] = self.llm(a)
        self.toolset(a, d)
        if a.storage_seed:
            d["global_storage"] = a.storage_seed
        if a.context:
            d["context"] = a.context
        self.extensions(a, d)
        return d

    def toolset(self, a: Agent, d: dict[str, Any]) -> None:
        where = f"agent '{a.name}'"
        tools, subs, skills, mcps = [], [], [], []
        for e in a.tools:
            if isinstance(e, ToolRef):
                t = self.fw.tool(e.name)
                entry: dict[str, Any] = {"name": self.orig(e.name), "yaml_path": f"./tools/{e.name}.tool.yaml"}
                if t is not None and t.binding is not None and t.binding.kind == "python":
                    entry["binding"] = t.binding.target
                elif t is not None and t.binding is not None and t.binding.kind == "stdlib":
                    target = self.stdlib_binding(t)
                    if target is not None:
                        entry["binding"] = target
                if t is not None and t.lazy:
                    entry["lazy"] = True
                if t is not None and t.extra_kwargs:
                    entry["extra_kwargs"] = t.extra_kwargs
                tools.append(entry)
            elif isinstance(e, AgentRef):
                subs.append({"name": self.orig(e.name), "config_path": f"./{e.name}.yaml"})
            elif isinstance(e, SkillRef):
                skills.append(self.skill(e.name, where))
            elif isinstance(e, McpSelection):
                server = next((s for s in self.fw.mcp_servers if s.name == e.server), None)
                if server is not None:
                    mcps.append(self.mcp(server))
                if e.tools is not None:
                    self.report.add(where, "MCP tool selection", f"NexAU gives an agent every tool of server "
                                    f"'{e.server}'; the selection {', '.join(e.tools)} is not expressed")
        for key, val in (("tools", tools), ("sub_agents", subs), ("skills", [s for s in skills if s]),
                         ("mcp_servers", mcps)):
            if val:
                d[key] = val
        if a.stop_tools:
            d["stop_tools"] = [self.orig(s.split(".", 1)[1]) if "." in s else self.orig(s) for s in a.stop_tools]

    def skill(self, name: str, where: str) -> Any:
        s = next((x for x in self.fw.skills if x.name == name), None)
        if s is None:
            return None
        rel = PurePosixPath(s.path)
        if rel.is_absolute() or ".." in rel.parts:
            self.report.add(where, "skill", f"skill folder '{s.path}' is outside the project; not exported")
            return None
        self.copies[rel.as_posix()] = rel.as_posix()
        original = self.orig(name)
        if original != rel.name:
            return {"name": original, "path": rel.as_posix()}
        return rel.as_posix()

    def mcp(self, s: McpServer) -> dict[str, Any]:
        where = f"MCP server '{s.name}'"
        d: dict[str, Any] = {"name": self.orig(s.name), "type": s.transport}
        if s.command is not None:
            d["command"] = self.text_value(s.command, where, "command")
        if s.args:
            d["args"] = [self.text_value(x, where, "args") for x in s.args]
        if s.url is not None:
            d["url"] = self.text_value(s.url, where, "url")
        for k in ("env", "headers"):
            m = getattr(s, k)
            if m:
                d[k] = {kk: self.text_value(x, where, k) for kk, x in m.items()}
        if s.call_timeout is not None:
            d["timeout"] = int(s.call_timeout) if float(s.call_timeout).is_integer() else s.call_timeout
        for k, why in (("cwd", "NexAU starts stdio servers in its own working directory"),
                       ("connect_timeout", "NexAU has one timeout per server"),
                       ("include", "NexAU gives an agent every tool of a server"),
                       ("exclude", "NexAU gives an agent every tool of a server"),
                       ("deny", "NexAU has no policy on MCP tool annotations")):
            if getattr(s, k):
                self.report.add(where, k, why)
        return d

    def extensions(self, a: Agent, d: dict[str, Any]) -> None:
        where = f"agent '{a.name}'"
        points = list(self.hook_points.get(a.name, []))
        for e in a.extensions:
            entry: Any = {"import": e.target, "params": e.params} if e.params else e.target
            if e.kind == "middleware":
                d.setdefault("middlewares", []).append(entry)
            elif e.kind == "tracer":
                d.setdefault("tracers", []).append(entry)
            elif e.kind == "hook":
                point = points.pop(0) if points else None
                if point not in HOOK_KEYS:
                    self.report.add(where, "hook", f"hook '{e.target}' has no hook point; written as an after_model "
                                                   "hook")
                    point = "after_model"
                d.setdefault(HOOK_KEYS[point], []).append(entry)
            elif e.kind == "token_counter":
                if "token_counter" in d:
                    self.report.add(where, "token_counter", f"NexAU takes one token counter; '{e.target}' dropped")
                else:
                    d["token_counter"] = entry
            else:
                self.report.add(where, e.kind, f"NexAU has no {e.kind} extensions; '{e.target}' dropped")


#: what Jinja reads as markup
_JINJA = re.compile(r"\{[{%#]")


def raw_template(text: str) -> str:
    """``text`` as a Jinja template that renders to itself under NexAU's settings (``trim_blocks``,
    ``lstrip_blocks``): in ``{%+ raw %}`` blocks, with each ``endraw`` written by an expression."""
    return "{{ 'endraw' }}".join("{%+ raw %}" + part + "{%+ endraw %}" if part else "" for part in text.split("endraw"))


def env_example(env: dict[str, tuple[str | None, str]]) -> str:
    """``.env.example``: one ``NAME=default`` line per variable the export reads (``NAME=`` when it has no
    default, or its default is a secret), each under a comment saying where it is used."""
    lines = ["# The environment variables this NexAU export reads (generated by nexc). NexAU has no defaults for",
             "# ${env.NAME}: it fails when one is unset, so set them (the values below are the spec's defaults) or",
             "# copy this file to .env and load it before starting NexAU.", ""]
    for name in sorted(env):
        default, where = env[name]
        value = "" if default is None else default
        if value and not re.fullmatch(r"[\w./:@%+,=-]*", value):
            value = json.dumps(value, ensure_ascii=False)
        lines += [f"# {where}", f"{name}={value}"]
    return "\n".join(lines) + "\n"


def nexau_files(fw: Framework) -> tuple[dict[str, str], dict[str, str], CoverageReport]:
    """The export without touching the disk: ``(texts, copies, report)``, where ``texts`` maps output paths to
    file contents and ``copies`` maps output paths to paths (files or folders) relative to the root folder.
    The Python modules of the bindings are found on disk, by :func:`stage_nexau`."""
    ex = _Exporter(fw)
    ex.run()
    return ex.texts, ex.copies, ex.report


def stage_nexau(fw: Framework, root_dir: Path, out) -> CoverageReport:
    """Stage the NexAU files of ``fw`` into ``out`` (an :class:`nexc.emit.writer.OutputDir`): agent and tool
    YAMLs, prompt files, skill folders and binding modules copied from ``root_dir`` (never a link to outside
    it), ``nexc_stdlib.py``, ``.env.example`` and ``coverage.json``."""
    from nexc.emit.bundle import contained_files

    root_dir = Path(root_dir)
    ex = _Exporter(fw)
    ex.run()
    texts, copies, report, raw = ex.texts, ex.copies, ex.report, ex.raw_files
    for rel in python_modules(fw, root_dir):
        if rel in texts or rel.split("/")[0] in (EXPORT_MODULE, f"{EXPORT_MODULE}.py"):
            report.add(f"module '{rel}'", "name clash", f"the export writes its own {EXPORT_MODULE}.py; not copied")
        else:
            copies.setdefault(rel, rel)
    for rel, src in sorted(copies.items()):
        source = root_dir / src
        if not source.exists() and not source.is_symlink():
            report.add(f"file '{src}'", "missing", "the file is not in the project; not copied")
            continue
        files, outside = contained_files(root_dir, source)
        for link in outside:
            report.add(f"file '{link}'", "link outside the project", "a symbolic link to a path outside the "
                       "project folder; not copied")
        for sub, real in files:
            dest = f"{rel}/{sub}" if sub else rel
            data = real.read_bytes()
            if dest in raw:
                text = data.decode("utf-8", errors="replace")
                if _JINJA.search(text):
                    data = raw_template(text).encode("utf-8")
                    report.add(raw[dest], "prompt", f"'{dest}' holds '{{{{', '{{%' or '{{#', which NexAU would read as "
                                                    "Jinja: it is wrapped in {% raw %}…{% endraw %} in the export")
                if text != text.strip():
                    report.add(raw[dest], "prompt", f"NexAU strips '{dest}' of its leading and trailing whitespace")
            out.add(dest, data)
    for rel, text in sorted(texts.items()):
        out.add(rel, text)
    report.files = sorted(set(texts) | set(copies) | {"coverage.json"})
    out.add("coverage.json", json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n")
    return report


def export_nexau(fw: Framework, root_dir: Path, out_dir: Path, *, force: bool = True) -> CoverageReport:
    """Write ``fw`` as NexAU agent YAMLs into ``out_dir`` (see :func:`stage_nexau`); returns the coverage report.
    Files in ``out_dir`` that nexc did not write are overwritten only with ``force``."""
    from nexc.emit.writer import OutputDir

    out = OutputDir(Path(out_dir), force=force)
    report = stage_nexau(fw, root_dir, out)
    out.commit()
    return report


def emit(fw: Framework, ctx, out) -> EmitResult:
    """``nexc build --target nexau``: stage the files; the coverage report is the result's report."""
    report = stage_nexau(fw, ctx.root_dir, out)
    return EmitResult(f"entry agent: {fw.entry}.yaml; coverage in coverage.json", report.text())
