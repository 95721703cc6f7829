"""Located values → Python values with type checks: each ``as_*`` reports NEX201 (wrong type) or NEX203
(bad value) at the value's span and returns ``None``, so a declaration with errors is still built from its
valid parts. Also ``env(...)`` references and the check of a mapping's keys (unknown keys with did-you-mean)."""
from __future__ import annotations

import math
from typing import Any

from nexc.diagnostics import Reporter
from nexc.diagnostics.suggest import did_you_mean
from nexc.frontend.located import Call, Loc, type_name
from nexc.ir.model import EnvRef

def wrong_type(loc: Loc, key: str, expected: str, r: Reporter) -> None:
    """Report NEX201 for ``key``."""
    r.report("NEX201", loc.span, f"'{key}' must be {expected}, not {type_name(loc)}")


def as_str(loc: Loc, key: str, r: Reporter) -> str | None:
    if isinstance(loc.value, str):
        return loc.value
    wrong_type(loc, key, "a string", r)
    return None


def as_int(loc: Loc, key: str, r: Reporter, *, minimum: int | None = None) -> int | None:
    v = loc.value
    if isinstance(v, bool) or not isinstance(v, int):
        wrong_type(loc, key, "an integer", r)
        return None
    if minimum is not None and v < minimum:
        r.report("NEX203", loc.span, f"'{key}' must be at least {minimum}, not {v}")
        return None
    return v


def as_float(loc: Loc, key: str, r: Reporter, *, minimum: float | None = None,
             maximum: float | None = None) -> float | None:
    v = loc.value
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        wrong_type(loc, key, "a number", r)
        return None
    if isinstance(v, float) and not math.isfinite(v):
        r.report("NEX203", loc.span, f"'{key}' must be a finite number, not {v}",
                 fix="write a number (NaN and infinity mean nothing to a model API)")
        return None
    if isinstance(v, int) and abs(v) > 10 ** 15:
        r.report("NEX203", loc.span, f"'{key}' is out of range ({len(str(abs(v)))} digits)")
        return None
    if maximum is not None and v > maximum:
        r.report("NEX203", loc.span, f"'{key}' must be at most {maximum}, not {v}")
        return None
    if minimum is not None and v < minimum:
        r.report("NEX203", loc.span, f"'{key}' must be at least {minimum}, not {v}")
        return None
    return float(v)


def as_bool(loc: Loc, key: str, r: Reporter) -> bool | None:
    if isinstance(loc.value, bool):
        return loc.value
    if isinstance(loc.value, str) and loc.value.lower() in ("yes", "no", "on", "off", "y", "n"):
        r.report("NEX201", loc.span, f"'{key}' must be true or false, not the string '{loc.value}'",
                 fix="write true or false (nexc reads YAML 1.2, where 'yes' is a string)")
        return None
    wrong_type(loc, key, "true or false", r)
    return None


def as_map(loc: Loc, key: str, r: Reporter) -> dict[str, Loc] | None:
    if isinstance(loc.value, dict):
        return loc.value
    wrong_type(loc, key, "a map", r)
    return None


def as_list(loc: Loc, key: str, r: Reporter) -> list[Loc] | None:
    if isinstance(loc.value, list):
        return loc.value
    wrong_type(loc, key, "a list", r)
    return None


def as_str_list(loc: Loc, key: str, r: Reporter) -> tuple[str, ...] | None:
    items = as_list(loc, key, r)
    if items is None:
        return None
    out = [as_str(i, f"{key}[{n}]", r) for n, i in enumerate(items)]
    return tuple(x for x in out if x is not None)


def as_json(loc: Loc, key: str, r: Reporter) -> Any:
    """Plain JSON data (maps, lists, scalars); function calls are not data and are reported."""
    v = loc.value
    if isinstance(v, Call):
        wrong_type(loc, key, "plain data (no function calls)", r)
        return None
    if isinstance(v, list):
        return [as_json(x, f"{key}[{i}]", r) for i, x in enumerate(v)]
    if isinstance(v, dict):
        return {k: as_json(x, f"{key}.{k}", r) for k, x in v.items()}
    if isinstance(v, float) and v != v:  # NaN is not JSON
        r.report("NEX203", loc.span, f"'{key}' is NaN, which JSON cannot hold")
        return None
    return v


def as_json_map(loc: Loc, key: str, r: Reporter) -> dict[str, Any] | None:
    if not isinstance(loc.value, dict):
        wrong_type(loc, key, "a map", r)
        return None
    return as_json(loc, key, r)


def env_ref(loc: Loc, key: str, r: Reporter) -> EnvRef | None:
    """``env("NAME", "default")`` or ``{env: NAME, default: ...}``; None if ``loc`` is neither."""
    v = loc.value
    if isinstance(v, Call) and v.name == "env":
        if v.kwargs.keys() - {"default"}:
            bad = next(iter(v.kwargs.keys() - {"default"}))
            r.report("NEX200", v.kwargs[bad].span, f"env() has no argument '{bad}'")
        args = list(v.args) + ([v.kwargs["default"]] if "default" in v.kwargs else [])
        if not 1 <= len(args) <= 2:
            r.report("NEX201", loc.span, "env() takes a variable name and an optional default: env(\"NAME\", \"default\")")
            return None
        name = as_str(args[0], f"{key}: env name", r)
        default = None
        if len(args) == 2 and args[1].value is not None:
            d = args[1].value
            default = d if isinstance(d, str) else (str(d).lower() if isinstance(d, bool) else str(d))
            if isinstance(d, (list, dict, Call)):
                wrong_type(args[1], f"{key}: env default", "a scalar", r)
                default = None
        return EnvRef(span=loc.span, name=name, default=default) if name else None
    if isinstance(v, dict) and "env" in v:
        check_keys(loc, ("env", "default"), f"{key} (env reference)", r)
        name = as_str(v["env"], f"{key}.env", r)
        default = None
        if "default" in v and v["default"].value is not None:
            d = v["default"].value
            default = d if isinstance(d, str) else (str(d).lower() if isinstance(d, bool) else str(d))
        return EnvRef(span=loc.span, name=name, default=default) if name else None
    return None


def as_text(loc: Loc, key: str, r: Reporter) -> str | EnvRef | None:
    """A string or an env reference."""
    ref = env_ref(loc, key, r)
    if ref is not None or (isinstance(loc.value, Call) and loc.value.name == "env"):
        return ref
    if isinstance(loc.value, dict) and "env" in loc.value:
        return None
    if isinstance(loc.value, str):
        return loc.value
    if isinstance(loc.value, Call):
        unknown_call(loc, ("env",), r)
        return None
    wrong_type(loc, key, 'a string or env("NAME")', r)
    return None


def unknown_call(loc: Loc, allowed: tuple[str, ...], r: Reporter) -> None:
    """Report a call of a function that is not allowed at this place (NEX204)."""
    c: Call = loc.value
    span = c.name_span or loc.span
    guess = did_you_mean(c.name, allowed)
    known = ("env", "file", "template", "python", "stdlib")
    if c.name in known:
        r.report("NEX204", span, f"{c.name}() is not allowed here; allowed: {', '.join(a + '()' for a in allowed)}")
    else:
        r.report("NEX204", span, f"unknown function '{c.name}'" + (f"; did you mean '{guess}'?" if guess else ""),
                 fix=f"replace '{c.name}' with '{guess}'" if guess else None)


def check_keys(loc: Loc, allowed: tuple[str, ...], where: str, r: Reporter,
               aliases: dict[str, str] | None = None) -> dict[str, Loc]:
    """Return the mapping with aliases applied; report unknown keys (NEX200) with did-you-mean."""
    out: dict[str, Loc] = {}
    if not isinstance(loc.value, dict):
        return out
    for k, v in loc.value.items():
        key = (aliases or {}).get(k, k)
        if key in allowed:
            if key in out:
                r.report("NEX207", loc.key_span(k), f"'{key}' is set twice in {where} (as '{k}')")
            out[key] = v
            continue
        guess = did_you_mean(k, allowed)
        r.report("NEX200", loc.key_span(k), f"unknown key '{k}' in {where}" + (f"; did you mean '{guess}'?" if guess else ""),
                 notes=() if guess else (f"allowed keys: {', '.join(allowed)}",),
                 fix=f"rename '{k}' to '{guess}'" if guess else None)
    return out


def finite(value: Any) -> bool:
    """Whether ``value`` (JSON-like) holds no NaN or infinite float."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(finite(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return all(finite(v) for v in value)
    return True
