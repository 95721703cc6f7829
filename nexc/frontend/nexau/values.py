"""Value conversions for NexAU configs: keys with did-you-mean (NEX602), env markers → ``EnvRef``, llm_config
with NexAU's environment fallbacks, system prompts, hooks."""
from __future__ import annotations

import math
import os
import re
from typing import Any

from nexc.diagnostics import Reporter
from nexc.diagnostics.suggest import did_you_mean
from nexc.frontend.located import Loc, literal_spans, type_name
from nexc.frontend.nexau.files import child_path, is_package_resource, outside_project, template_variables
from nexc.frontend.nexau.text import ENV_MARK_RE, unmark_env
from nexc.ir.base import Span
from nexc.ir.model import EnvRef, Extension, Llm, Prompt

#: llm_config keys that map to IR fields; other known LLMConfig keys go to ``params``.
LLM_FIELDS = ("model", "base_url", "api_key", "temperature", "top_p", "max_tokens", "timeout", "max_retries")
LLM_KNOWN = LLM_FIELDS + ("frequency_penalty", "presence_penalty", "debug", "stream", "additional_drop_params",
                          "api_type")
#: NexAU's environment fallbacks for a missing model, base URL and API key (nexc keeps the LLM_* one).
PROMPT_TYPES = ("string", "file", "jinja")


def wrong(loc: Loc, key: str, expected: str, r: Reporter) -> None:
    r.report("NEX201", loc.span, f"'{key}' must be {expected}, not {type_name(loc)}")


def keys(loc: Loc, allowed: tuple[str, ...], where: str, r: Reporter, *,
         unsupported: dict[str, str] | None = None, meta: tuple[str, ...] = (), kept: dict | None = None,
         unknown: str | None = None) -> dict[str, Loc]:
    """The known keys of a mapping; unknown ones are NEX602 (with did-you-mean; ``unknown`` overrides its
    severity), unsupported ones NEX610. Keys in ``meta`` (descriptive keys a generator writes) and, with
    ``kept`` given, unknown ones too are copied into ``kept`` as plain values."""
    out: dict[str, Loc] = {}
    if not isinstance(loc.value, dict):
        return out
    for k, val in loc.value.items():
        if k in allowed:
            out[k] = val
        elif k in meta:
            if kept is not None:
                kept[k] = val.plain()
        elif unsupported and k in unsupported:
            r.report("NEX610", loc.key_span(k), f"'{k}' is ignored: {unsupported[k]}")
        else:
            if kept is not None:
                kept[k] = val.plain()
            guess = did_you_mean(k, tuple(allowed) + tuple(unsupported or ()))
            r.report("NEX602", loc.key_span(k), f"unknown key '{k}' in {where}"
                     + (f"; did you mean '{guess}'?" if guess else ""),
                     notes=("NexAU ignores unknown keys silently",) if guess else
                     ("NexAU ignores unknown keys silently", f"known keys: {', '.join(allowed)}"),
                     fix=f"rename '{k}' to '{guess}'" if guess else None, severity=unknown)
    return out


def text_str(loc: Loc, key: str, r: Reporter) -> str | None:
    """A plain string (env markers written back as ``${env.X}`` and reported)."""
    if not isinstance(loc.value, str):
        wrong(loc, key, "a string", r)
        return None
    return _unmark(loc, loc.value, r)


def _unmark(loc: Loc, s: str, r: Reporter) -> str:
    if ENV_MARK_RE.search(s):
        names = ", ".join(sorted(set(ENV_MARK_RE.findall(s))))
        r.report("NEX605", loc.span, f"${{env.{names}}} inside this value is kept as text; nexc never reads the "
                                     "environment at build time")
        return unmark_env(s)
    return s


def text(loc: Loc, key: str, r: Reporter) -> str | EnvRef | None:
    """A string, or ``EnvRef`` when the whole value is ``${env.NAME}``. Numbers are accepted as text."""
    val = loc.value
    if isinstance(val, str):
        m = ENV_MARK_RE.fullmatch(val.strip())
        if m:
            return EnvRef(span=loc.span, name=m.group(1))
        return _unmark(loc, val, r)
    if isinstance(val, (int, float)) and not isinstance(val, bool):
        return str(val)
    wrong(loc, key, "a string", r)
    return None


def number(loc: Loc, key: str, r: Reporter, *, integer_only: bool = False) -> Any:
    val = loc.value
    if isinstance(val, str) and ENV_MARK_RE.fullmatch(val.strip()):
        return EnvRef(span=loc.span, name=ENV_MARK_RE.fullmatch(val.strip()).group(1))
    if isinstance(val, bool) or not isinstance(val, (int, float)) or (integer_only and not isinstance(val, int)):
        wrong(loc, key, "an integer" if integer_only else "a number", r)
        return None
    if isinstance(val, float) and not math.isfinite(val):
        r.report("NEX203", loc.span, f"'{key}' must be a finite number, not {val}",
                 fix="write a number (NaN and infinity mean nothing to a model API)")
        return None
    if isinstance(val, int) and val > 10 ** 15:
        r.report("NEX203", loc.span, f"'{key}' is out of range ({len(str(val))} digits)")
        return None
    if val < 0:
        r.report("NEX203", loc.span, f"'{key}' must not be negative")
        return None
    return val


def integer(loc: Loc, key: str, r: Reporter) -> int | None:
    val = number(loc, key, r, integer_only=True)
    if isinstance(val, EnvRef):
        r.report("NEX610", loc.span, f"'{key}' from the environment is not supported; the default is used")
        return None
    if val is not None and val < 1:
        r.report("NEX203", loc.span, f"'{key}' must be at least 1")
        return None
    return val


def boolean(loc: Loc, key: str, r: Reporter) -> bool | None:
    if isinstance(loc.value, bool):
        return loc.value
    wrong(loc, key, "true or false", r)
    return None


def json(loc: Loc, key: str, r: Reporter) -> Any:
    """Plain data; env markers inside are written back as text (NEX605)."""
    val = loc.value
    if isinstance(val, list):
        return [json(x, key, r) for x in val]
    if isinstance(val, dict):
        return {k: json(x, f"{key}.{k}", r) for k, x in val.items()}
    if isinstance(val, str):
        return _unmark(loc, val, r)
    return val


def json_map(loc: Loc, key: str, r: Reporter) -> dict[str, Any] | None:
    if loc.value is None:
        return {}
    if not isinstance(loc.value, dict):
        wrong(loc, key, "a map", r)
        return None
    return json(loc, key, r)


def items(loc: Loc, key: str, r: Reporter) -> list[Loc]:
    """A list (null is an empty list)."""
    if loc.value is None:
        return []
    if not isinstance(loc.value, list):
        wrong(loc, key, "a list", r)
        return []
    return loc.value


def llm(name: str, loc: Loc | None, agent_span: Span, r: Reporter) -> Llm:
    """``llm_config`` → :class:`Llm`. A null or empty value is an absent one (NexAU reads both as unset); unset
    model/base_url/api_key are left unset, and the nexau profile's environment fallbacks fill them at run
    time (``MODEL``/``OPENAI_MODEL``/``LLM_MODEL``, …: ``nexc.view.profile``)."""
    span = loc.span if loc is not None else agent_span
    fields: dict[str, Any] = {}
    params: dict[str, Any] = {}
    body = loc.value if loc is not None and isinstance(loc.value, dict) else {}
    if loc is not None and loc.value is not None and not isinstance(loc.value, dict):
        wrong(loc, "llm_config", "a map", r)
    for k, val in body.items():
        if val.value is None or (k in ("model", "base_url", "api_key") and val.value == ""):
            continue
        if k in ("model", "base_url", "api_key"):
            fields[k] = text(val, k, r)
        elif k == "temperature":
            fields[k] = number(val, k, r)
            if isinstance(fields[k], (int, float)):
                fields[k] = float(fields[k])
        elif k in ("top_p", "timeout"):
            x = number(val, k, r)
            fields[k] = float(x) if isinstance(x, (int, float)) else None
            if isinstance(x, EnvRef):
                r.report("NEX610", val.span, f"'{k}' from the environment is not supported; it is left unset")
        elif k in ("max_tokens", "max_retries"):
            x = number(val, k, r, integer_only=True)
            fields[k] = x if isinstance(x, int) else None
            if isinstance(x, EnvRef):
                r.report("NEX610", val.span, f"'{k}' from the environment is not supported; it is left unset")
        else:
            if k not in LLM_KNOWN:
                guess = did_you_mean(k, LLM_KNOWN, cutoff=0.75)
                if guess:
                    r.report("NEX602", loc.key_span(k), f"unknown key '{k}' in llm_config; did you mean '{guess}'?",
                             notes=("NexAU passes unknown llm_config keys to the model API as extra parameters",),
                             fix=f"rename '{k}' to '{guess}'")
            params[k] = json(val, f"llm_config.{k}", r)
    if params:
        fields["params"] = params
    spans = {p: sp for k, val in body.items() if fields.get(k) is not None or k in params
             for p, sp in literal_spans(val, k if k in fields else f"params.{k}").items()}
    return Llm(span=span, name=name, value_spans=spans, **{k: x for k, x in fields.items() if x is not None})


def prompt(b: dict[str, Loc], declared_in: str, r: Reporter) -> Prompt | None:
    """``system_prompt`` with ``system_prompt_type`` string (text), file or jinja (a template file)."""
    kind = "string"
    if "system_prompt_type" in b:
        t = b["system_prompt_type"]
        if t.value not in PROMPT_TYPES:
            guess = did_you_mean(str(t.value), PROMPT_TYPES)
            r.report("NEX203", t.span, f"system_prompt_type must be string, file or jinja, not {t.value!r}"
                     + (f"; did you mean '{guess}'?" if guess else ""))
        else:
            kind = t.value
    if "system_prompt" not in b or b["system_prompt"].value is None:
        return None
    loc = b["system_prompt"]
    if isinstance(loc.value, list):
        blocks = [x for x in loc.value if isinstance(x.value, (str, dict))]
        contents = [(x.value if isinstance(x.value, str) else x.value.get("content") and x.value["content"].value)
                    for x in blocks]
        contents = [c for c in contents if isinstance(c, str)]
        r.report("NEX610", loc.span, "a system prompt of several blocks (NexAU v0.4) is not supported yet; "
                 + ("the blocks are joined into one text" if kind == "string" else "only the first file is used"),
                 notes=("prompt-cache markers ('cache') are dropped",))
        if not contents:
            return None
        if kind == "string":
            return Prompt(span=loc.span, text="\n\n".join(contents))
        loc = Loc(contents[0], loc.span)
    value = text_str(loc, "system_prompt", r)
    if value is None:
        return None
    if kind == "string":
        return Prompt(span=loc.span, text=value)
    if is_package_resource(value):
        r.report("NEX610", loc.span, f"package resource '{value}' is not supported; give a path relative to this file")
        return None
    target = child_path(value, declared_in)
    if outside_project(target, value, declared_in, loc.span, r):
        return None
    if not os.path.isfile(target):
        r.report("NEX600", loc.span, f"prompt file '{value}' does not exist (looked for '{target}')",
                 fix="correct the path; it is relative to this config's folder")
        return None
    if kind == "file":
        return Prompt(span=loc.span, file=value)
    variables = template_variables(target, r, loc.span)
    return Prompt(span=loc.span, file=value, template=True, variables=variables or ())


def extension(loc: Loc, key: str, kind: str, r: Reporter) -> Extension | None:
    """``"module:Attr"`` or ``{import: "module:Attr", params: {...}}``."""
    if isinstance(loc.value, str):
        target = text_str(loc, key, r)
        return _ext(loc, target, {}, kind, r)
    if isinstance(loc.value, dict):
        b = keys(loc, ("import", "params", "source_id"), key, r)
        if "import" not in b:
            r.report("NEX202", loc.span, f"a {key} entry needs 'import: module:Attr'")
            return None
        target = text_str(b["import"], "import", r)
        params = json_map(b["params"], "params", r) if "params" in b else {}
        return _ext(b["import"], target, params or {}, kind, r)
    wrong(loc, key, 'a "module:Attr" string or a map with import/params', r)
    return None


_DOTTED = r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*"
BINDING_RE = re.compile(rf"{_DOTTED}:{_DOTTED}")


def binding_ok(target: str, loc: Loc, r: Reporter, what: str = "package.module:function") -> bool:
    """Whether ``target`` is ``package.module:attr`` (dotted Python names, nothing else); NEX203 when not."""
    if BINDING_RE.fullmatch(target):
        return True
    bad = next((c for c in target if not (c.isalnum() or c in "_.:")), None)
    why = (f"; {bad!r} cannot be part of a Python name" if bad is not None and ":" in target
           else "" if ":" in target else "; the ':' between module and attribute is missing")
    r.report("NEX203", loc.span, f"'{target}' is not of the form '{what}'{why}",
             fix="write the module's dotted import path, a colon, and the attribute: 'my_pkg.tools:search'")
    return False


def _ext(loc: Loc, target: str | None, params: dict, kind: str, r: Reporter) -> Extension | None:
    if target is None:
        return None
    if not binding_ok(target, loc, r, "package.module:Attr"):
        return None
    return Extension(span=loc.span, kind=kind, target=target, params=params)
