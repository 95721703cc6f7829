"""``nexc convert``: a spec in another language (.nex, nexc YAML, NexAU YAML), losslessly.

The conversion is closed: the text is read back with the target language's frontend before anything is
written, so what lints clean converts to something that loads clean — or the conversion reports why not
(the frontend's diagnostic, at the declaration it concerns: a file over the size limit, nesting too deep
for the target's limit) and writes nothing.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import click

from nexc.commands.common import FROM_CHOICE, compile_or_exit, exit_code, print_diagnostics
from nexc.passes.relocate import relocate

LANGS = {"nex": ".nex", "yaml": "YAML"}
_NEX_DECL = re.compile(r"(llm|tool|mcp|skill|agent) ([A-Za-z_][A-Za-z0-9_]*)")
_SECTIONS = ("llms", "tools", "mcp_servers", "skills", "agents")


def read_back(text: str, lang: str):
    """The diagnostics of loading ``text`` with the frontend of ``lang`` (``nex`` or ``yaml``), size limit
    included, under the pseudo path ``<nexc convert --to LANG>``."""
    from nexc.diagnostics import Reporter
    from nexc.ir.base import Span
    from nexc.source import MAX_SPEC_BYTES

    path, r = f"<nexc convert --to {lang}>", Reporter()
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_SPEC_BYTES:
        r.report("NEX003", Span.point(path), f"the {LANGS[lang]} text would be {size:,} bytes; the limit is "
                 f"{MAX_SPEC_BYTES:,}", fix="move large values into files the spec reads, or keep the spec in the "
                 "language it is in")
        return r.sorted()
    if lang == "nex":
        from nexc.frontend.nex import load
    else:
        from nexc.frontend.yaml_spec import load
    load(path, text, r)
    return r.sorted()


def declaration_at(fw, lang: str, text: str, line: int):
    """The IR node (a declaration, else the framework) that line ``line`` of the converted text belongs to."""
    from nexc.emit.yaml_text import scalar

    lines = text.split("\n")[:max(line, 1)]
    if lang == "nex":
        kinds = {"llm": fw.llms, "tool": fw.tools, "mcp": fw.mcp_servers, "skill": fw.skills, "agent": fw.agents}
        for ln in reversed(lines):
            m = _NEX_DECL.match(ln)
            if m:
                return next((x for x in kinds[m.group(1)] if x.name == m.group(2)), fw)
            if ln.startswith("framework"):
                return fw
        return fw
    section, node = None, fw
    for ln in lines:
        if ln[:1] not in ("", " ", "#"):
            section, node = ln.split(":")[0], fw
        elif section in _SECTIONS and ln.startswith("  ") and ln[2:3] not in (" ", ":", "#", "-", ""):
            key = ln[4:] if ln.startswith("  ? ") else ln[2:].split(":")[0]
            node = next((x for x in getattr(fw, section) if scalar(x.name, flow=True) == key), fw)
    return node


def refusal(fw, lang: str, text: str, problems, source: str):
    """The read-back errors of ``text`` as diagnostics of the spec: the same codes, at the declaration each
    concerns, saying that nothing was written."""
    from nexc.diagnostics import Reporter
    from nexc.ir.base import BUILTIN_SPAN, Span

    r = Reporter()
    for d in problems:
        if d.severity != "error":
            continue
        node = declaration_at(fw, lang, text, d.span.line) if d.code != "NEX003" else fw
        span = node.span if node.span != BUILTIN_SPAN else Span.point(source)
        where = f" (line {d.span.line} of the {LANGS[lang]} text)" if d.code != "NEX003" else ""
        what = "the framework's settings" if node is fw else f"{type(node).__name__.lower()} '{node.name}'"
        notes = (("" if d.code == "NEX003" else f"in {what}: ")
                 + "nexc reads its own output back, and this would not load; nothing was written",)
        if d.code == "NEX107" and lang == "yaml":
            notes += ("YAML nests the settings of a declaration deeper than .nex (document → section → name), "
                      + "so a value that fits in .nex can be too deep in YAML",)
        r.report(d.code, span, f"cannot convert to {LANGS[lang]}: {d.message}{where}", notes=notes, fix=d.fix)
    return r.sorted()


@click.command()
@click.argument("spec", type=click.Path())
@click.option("--to", "target", type=click.Choice(["nex", "yaml", "nexau"]), required=True, help="Target language.")
@click.option("-o", "--output", type=click.Path(), help="Output file (folder for --to nexau). Default: stdout.")
@click.option("--from", "kind", type=FROM_CHOICE, help="Read SPEC as this kind of spec.")
@click.option("--force", is_flag=True, help="Overwrite an existing output file.")
def convert(spec, target, output, kind, force):
    """Convert SPEC to .nex (--to nex), nexc YAML (--to yaml) or NexAU YAML (--to nexau).

    The conversion is lossless between .nex and YAML: converting there and back gives the same IR.
    YAML starts with a `# yaml-language-server: $schema=…` modeline naming, by a path relative to the
    output, the project's installed schema (`nexc schema --install`; the nearest nexc.schema.json at or
    above the output, up to the project root), else nexc.schema.json at the project root. File paths
    (prompts, skills) are rewritten relative to the output's location. The result is read back before it
    is written; when it would not load (over the size limit, nested too deep for the
    target language) the errors are reported, nothing is written and the exit status is 1.
    """
    res = compile_or_exit(spec, kind)
    fw, root = res.framework, res.context.root_dir
    if target == "nexau":
        if not output:
            raise click.UsageError("--to nexau writes a folder of files; give it with -o DIR")
        from nexc.commands.build import run_emitter

        sys.exit(run_emitter("nexau", res, Path(output), force))
    out_dir = Path(output).resolve().parent if output else Path.cwd()
    fw = relocate(fw, root, out_dir)
    source = res.context.files[0].path if res.context and res.context.files else str(spec)
    try:
        text = _emit(fw, target, out_dir)
    except RecursionError:
        from nexc.diagnostics import Reporter
        from nexc.ir.base import Span

        r = Reporter()
        r.report("NEX107", Span.point(source), f"cannot convert to {LANGS[target]}: values are nested too deeply "
                 "to write", notes=("nothing was written",), fix="flatten the structure")
        print_diagnostics(r.sorted(), err=True)
        sys.exit(1)
    diags = refusal(fw, target, text, read_back(text, target), source)
    if diags:
        print_diagnostics(diags, err=True)
        sys.exit(exit_code(diags) or 1)
    if not output:
        click.echo(text, nl=False)
        return
    p = Path(output)
    if p.is_dir():
        click.echo(f"nexc: '{output}' is a folder; give the file to write in it", err=True)
        sys.exit(2)
    try:
        if p.exists() and not force and p.read_text(encoding="utf-8", errors="replace") != text:
            click.echo(f"nexc: '{output}' exists; pass --force to overwrite it", err=True)
            sys.exit(2)
        p.write_text(text, encoding="utf-8")
    except OSError as exc:
        click.echo(f"nexc: cannot write '{output}': {exc.strerror or exc}", err=True)
        sys.exit(2)
    click.echo(f"wrote {output}", err=True)


def _emit(fw, target: str, out_dir: Path) -> str:
    if target == "nex":
        from nexc.emit.nex_text import emit_nex

        return emit_nex(fw)
    import os

    from nexc.emit.yaml_text import emit_yaml
    from nexc.frontend.yaml_schema import modeline_ref

    schema, found = modeline_ref(out_dir)
    if not found:
        here = os.path.relpath(os.path.normpath(Path(out_dir).resolve() / schema))
        click.echo(f"nexc: the YAML's schema modeline names {here}, which does not exist yet; write it with "
                   f"`nexc schema --install {here}` for editor completion", err=True)
    return emit_yaml(fw, schema_url=schema)
