"""The ground truth the format tests compare with: the real chat templates in ``../shared`` and
the renderer ``transformers.apply_chat_template`` runs (``render_jinja_template``)."""
from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
VECTORS = REPO.parent / "shared" / "vectors"
#: templates that call ``list.append``: transformers' immutable sandbox refuses them
MUTABLE = {"Kimi-K2-Instruct.jinja", "Kimi-K2-Thinking.jinja"}


def need_vectors() -> Path:
    """``../shared/vectors`` or skip."""
    if not (VECTORS / "chat_templates").is_dir():
        pytest.skip(f"shared test vectors not found at {VECTORS} (../shared beside the repository)")
    return VECTORS


def need_transformers():
    """``render_jinja_template`` or skip."""
    try:
        from transformers.utils.chat_template_utils import render_jinja_template
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"transformers is not installed ({exc}); pip install transformers")
    return render_jinja_template


@lru_cache(maxsize=None)
def template_text(name: str) -> str:
    return (VECTORS / "chat_templates" / name).read_text(encoding="utf-8")


def _generation_extension():
    import jinja2
    from jinja2.ext import Extension

    class Generation(Extension):
        """``{% generation %}…{% endgeneration %}`` rendering its body unchanged."""

        tags = {"generation"}

        def parse(self, parser):
            lineno = next(parser.stream).lineno
            body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
            return jinja2.nodes.CallBlock(self.call_method("_body"), [], [], body).set_lineno(lineno)

        def _body(self, caller):
            return caller()

    return Generation


@lru_cache(maxsize=None)
def mutable_template(source: str):
    """A template compiled like transformers does, but in a mutable sandbox."""
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                               extensions=[_generation_extension(), jinja2.ext.loopcontrols])

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = lambda fmt: datetime.now().strftime(fmt)
    return env.from_string(source)


def render_source(source: str, messages, tools, *, mutable: bool = False, add_generation_prompt=False, **kw) -> str:
    """Render a chat template source as transformers would."""
    if mutable:
        return mutable_template(source).render(messages=messages, tools=tools, documents=None,
                                               add_generation_prompt=add_generation_prompt, **kw)
    render_jinja_template = need_transformers()
    rendered, _ = render_jinja_template(conversations=[messages], tools=tools, chat_template=source,
                                        add_generation_prompt=add_generation_prompt, **kw)
    return rendered[0]


def render_real(name: str, messages, tools, **kw) -> str:
    """Render with the real template ``name``."""
    return render_source(template_text(name), messages, tools, mutable=name in MUTABLE, **kw)
