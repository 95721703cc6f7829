"""Hypothesis strategies: valid .nex specs as token lists (joined with random layout and comments), and
mutations of valid specs."""
from __future__ import annotations

from hypothesis import strategies as st

from nexc.emit.nex_text import string

NAMES = st.sampled_from(["a", "b", "main", "search", "git", "tool", "llm", "x_1", "agent", "_p"])
KEYS = st.sampled_from(["context", "storage_seed", "metadata", "tools", "llm", "max_iterations", "k", "tool", "entry",
                       "import", "nex", "framework", "mcp", "skill", "agent", "true"])
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)


def _scalar():
    return st.one_of(
        TEXT.map(lambda s: [string(s)]),
        st.integers(-10**6, 10**6).map(lambda n: [f"{n:_}" if n > 1000 else str(n)]),
        st.floats(allow_nan=False, allow_infinity=False, width=32).map(lambda f: [repr(float(f))]),
        st.sampled_from([["true"], ["false"], ["null"], ["git", ".", "*"], ["a"], ["x", ".", "y"]]),
        st.sampled_from(["X", "HOME"]).map(lambda n: ["env", "(", f'"{n}"', ")"]),
    )


def _list(children):
    return st.lists(children, max_size=4).map(
        lambda items: ["["] + [t for i, it in enumerate(items) for t in ([","] if i else []) + it] + ["]"])


def _map(children):
    pair = st.tuples(st.one_of(NAMES, TEXT.map(lambda s: string(s.replace("\n", " ")))), children)
    return st.lists(pair, max_size=4, unique_by=lambda p: p[0]).map(
        lambda ps: ["{"] + [t for i, (k, v) in enumerate(ps) for t in ([","] if i else []) + [k, ":"] + v] + ["}"])


VALUES = st.recursive(_scalar(), lambda ch: st.one_of(_list(ch), _map(ch)), max_leaves=12)


def _block():
    setting = st.tuples(KEYS, VALUES).map(lambda kv: [kv[0], "="] + kv[1])
    return st.lists(setting, max_size=4, unique_by=lambda s: s[0]).map(
        lambda ss: ["{"] + [t for s in ss for t in s] + ["}"])


_TYPES = st.sampled_from([["str"], ["int"], ["list", "[", "str", "]"], ["dict", "[", "str", ",", "any", "]"],
                          ["str", "?"], ['"a"', "|", '"b"'], ["float"], ["bool"]])


def _param(name):
    return st.tuples(_TYPES, st.booleans(), st.booleans()).map(
        lambda t: [name, ":"] + t[0] + (["=", "null"] if t[1] and t[0][-1] == "?" else [])
        + (['"about it"'] if t[2] else []))


def _tool():
    params = st.lists(st.sampled_from(["p", "q", "r"]), unique=True, max_size=3).flatmap(
        lambda names: st.tuples(*[_param(n) for n in names]) if names else st.just(()))
    return st.tuples(NAMES, st.one_of(st.none(), params), st.booleans(), st.booleans(), st.one_of(st.none(), _block())).map(
        lambda t: ["tool", t[0]]
        + ([] if t[1] is None else ["("] + [x for i, p in enumerate(t[1]) for x in ([","] if i else []) + p] + [")"])
        + (["->", "str"] if t[2] and t[1] is not None else [])
        + (['"A tool."'] if t[3] else [])
        + ["=", "python", '"m.n:f"'] + (t[4] or []))


DECLS = st.one_of(
    st.tuples(NAMES, _block()).map(lambda t: ["llm", t[0]] + t[1]),
    st.tuples(NAMES, st.booleans(), _block()).map(lambda t: ["agent", t[0]] + (['"Does things."'] if t[1] else []) + t[2]),
    _tool(),
    st.tuples(NAMES, st.one_of(st.none(), _block())).map(
        lambda t: ["mcp", t[0], "=", "stdio", '"uvx"', "[", '"srv"', "]"] + (t[1] or [])),
    st.tuples(NAMES).map(lambda t: ["skill", t[0], "=", '"skills/x"']),
    st.just(["import", '"other.nex"']),
)

SEPARATORS = st.sampled_from([" ", " ", " ", "\n", "\n  ", "  # note\n", "\n\n", "\t", " # x\n\n"])


@st.composite
def specs(draw) -> str:
    """A syntactically valid .nex text with random layout and comments between tokens."""
    tokens = (["nex", "1"] if draw(st.booleans()) else [])
    for d in draw(st.lists(DECLS, max_size=5)):
        tokens += d
    if draw(st.booleans()):
        tokens += ["entry", "a"]
    out = [draw(st.sampled_from(["", "# header\n\n"]))]
    for i, tok in enumerate(tokens):
        out.append(tok)
        if i + 1 < len(tokens):
            sep = draw(SEPARATORS)
            nxt = tokens[i + 1]
            if nxt in ("llm", "agent", "tool", "mcp", "skill", "import", "entry") and sep.strip() == "" and "\n" not in sep:
                sep = "\n"
            out.append(sep)
    return "".join(out) + draw(st.sampled_from(["", "\n", "\n# tail\n"]))


@st.composite
def mutated(draw, seeds: list[str]) -> str:
    """A seed spec with a few random edits: characters deleted, inserted or duplicated, lines dropped or repeated."""
    text = draw(st.sampled_from(seeds))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["del", "ins", "dup", "line_del", "line_dup", "swap"]))
        n = len(text)
        i = draw(st.integers(0, max(0, n - 1)))
        if kind == "del":
            text = text[:i] + text[i + draw(st.integers(1, 10)):]
        elif kind == "ins":
            ins = draw(st.one_of(st.sampled_from(list('{}[]()"\'#=:,.|?*\\\n\t -_') + ['"""', "agent", "->", "1_", "\\u"]),
                                 st.text(max_size=3)))
            text = text[:i] + ins + text[i:]
        elif kind == "dup":
            text = text[:i] + text[i:i + 5] + text[i:]
        else:
            lines = text.split("\n")
            j = draw(st.integers(0, len(lines) - 1))
            if kind == "line_del":
                del lines[j]
            elif kind == "line_dup":
                lines.insert(j, lines[j])
            else:
                k = draw(st.integers(0, len(lines) - 1))
                lines[j], lines[k] = lines[k], lines[j]
            text = "\n".join(lines)
    return text
