"""template_vars: Jinja prompt templates that use variables never provided (NEX409), declared variables
never used (NEX410), and templates that do not parse (NEX411).

Variables are found on the Jinja AST (``jinja2.meta.find_undeclared_variables``): names the template
assigns itself and Jinja's globals (``range``, ``dict``, ``namespace`` …) do not count. Diagnostics
point at the prompt declaration in the spec; a note gives the line inside a template file.
"""
from __future__ import annotations

from nexc.analysis.context import prompt_text

#: Variables the runtime provides to every prompt template besides the declared ones.
RUNTIME_VARIABLES: tuple[str, ...] = ()


def _first_use(ast, name: str) -> int | None:
    from jinja2 import nodes

    for node in ast.find_all(nodes.Name):
        if node.name == name and node.ctx == "load":
            return node.lineno
    return None


def check(fw, r, ctx) -> None:
    """Compare each template's variables with its declaration."""
    env = None
    from nexc.source import display_path

    #: prompt files whose template errors a frontend already reported (NexAU: NEX612)
    reported = {d.span.file for d in r.diagnostics if d.code == "NEX612"}
    for a in fw.agents:
        p = a.prompt
        if p is None or not p.template:
            continue
        source = prompt_text(a, ctx.root_dir if ctx is not None else None)
        if not source and p.file:
            continue  # a missing prompt file is reported by resolve (NEX308)
        if p.file and ctx is not None and display_path(ctx.root_dir / p.file) in reported:
            continue
        if env is None:
            import jinja2
            from jinja2 import meta

            env = jinja2.Environment()
        where = f"template '{p.file}'" if p.file else "inline template"
        try:
            ast = env.parse(source)
        except jinja2.TemplateSyntaxError as exc:
            r.report("NEX411", p.span, f"prompt of agent '{a.name}' is not valid Jinja: {exc.message}",
                     notes=(f"{where}, line {exc.lineno}",), fix="correct the template at that line")
            continue
        used = set(meta.find_undeclared_variables(ast)) - set(env.globals)
        declared = set(p.variables) | set(RUNTIME_VARIABLES)
        for name in sorted(used - declared):
            line = _first_use(ast, name)
            r.report("NEX409", p.span, f"prompt of agent '{a.name}' uses '{{{{ {name} }}}}', which is never provided",
                     notes=(f"{where}, line {line}",) if line else (),
                     fix=f"add '{name}' to the prompt's variables, or remove it from the template")
        for name in p.variables:
            if name not in used:
                r.report("NEX410", p.span, f"prompt variable '{name}' of agent '{a.name}' is declared but the "
                         f"template never uses it", fix=f"use '{{{{ {name} }}}}' in the template, or drop '{name}'")
