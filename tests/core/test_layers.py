"""The layers of ``nexc/`` point one way: the order written once in ``nexc/README.md`` (the ```layers block),
checked over every import an ``ast`` walk finds — module- and function-level ``import``/``from … import``,
``importlib.import_module("nexc…")`` and ``"nexc.module:attr"`` registry strings (any string constant naming
a nexc module). No upward import outside :data:`ALLOW`, no cycle between rooms, every module in some room,
``click`` only in ``nexc.cli`` and ``nexc.commands``. The checker is tested on synthetic packages too."""
from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

from tests.conftest import REPO

#: Upward (or cycle-closing) arrows that stay, each with its reason: (importing module or room, imported).
#: Prefixes match at dots. Keep this short; a new entry needs a reason a reviewer accepts.
ALLOW: dict[tuple[str, str], str] = {
    ("nexc.checks.imports", "nexc.runtime.extensions"):
        "--check-imports must import agent extensions exactly as the runtime will (review §5)",
    ("nexc.diagnostics.render", "nexc.source"):
        "render reads source lines through the process-wide cache; goes with §4.4 (source texts handed along)",
    ("nexc.formats.translate", "nexc.dataset.records"):
        "is_llm_call (which trajectory records are LLM calls) lives with the dataset records; follow-up: move "
        "the predicate below formats",
    ("nexc.stdlib_catalog", "nexc.runtime.stdlib"):
        "the declarations name their implementing module, and a NexAU export inlines its source",
    ("nexc.lint.run", "nexc.gap"):
        "nexc lint checks GAP input files (taxonomies, personas, jobs) with GAP's own validators",
}

CLICK_ROOMS = ("nexc.cli", "nexc.commands")
_REF = re.compile(r"nexc(?:\.\w+)+(?::[\w.]+)?")


def read_layers(readme: Path) -> list[list[str]]:
    """The rows of the ```layers block of ``readme``, bottom first: each row's rooms."""
    block = re.search(r"```layers\n(.*?)```", readme.read_text(encoding="utf-8"), re.S)
    assert block, f"{readme} has no ```layers block"
    rows = []
    for line in block.group(1).splitlines():
        parts = line.split()
        if parts:
            assert parts[0] == str(len(rows)), f"layer rows must be numbered 0, 1, …: {line!r}"
            rows.append(parts[1:])
    return rows


def modules(root: Path, package: str = "nexc") -> dict[str, Path]:
    """Every module below ``root/package``: dotted name → file."""
    out = {}
    for p in sorted((root / package).rglob("*.py")):
        parts = list(p.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = p
    return out


def imports(name: str, path: Path, known: frozenset[str]) -> tuple[list[tuple[str, int]], list[int]]:
    """``(imported nexc module, line)`` for every import and module-naming string of one module, and the lines
    that import click."""
    is_pkg = path.name == "__init__.py"
    here = name if is_pkg else name.rpartition(".")[0]
    found: list[tuple[str, int]] = []
    click: list[int] = []

    def add(target: str, line: int) -> None:
        if target in known:  # a string that only looks like one ("nexc.emitters", an entry-point group) is not
            found.append((target, line))

    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for a in node.names:
                add(a.name, node.lineno)
                if a.name == "click" or a.name.startswith("click."):
                    click.append(node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if not node.level and (node.module == "click" or (node.module or "").startswith("click.")):
                click.append(node.lineno)
            if node.level:
                base = here.split(".")[: len(here.split(".")) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            for a in node.names:
                add(f"{mod}.{a.name}" if f"{mod}.{a.name}" in known else mod, node.lineno)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and _REF.fullmatch(node.value):
            add(node.value.partition(":")[0], node.lineno)
    return found, click


def scan(root: Path, package: str = "nexc") -> dict[str, tuple[Path, list[tuple[str, int]], list[int]]]:
    """Every module below ``root/package``: name → (file, its nexc imports, its click import lines)."""
    return _scan(root, package)


@functools.lru_cache(maxsize=None)
def _scan(root: Path, package: str) -> dict[str, tuple[Path, list[tuple[str, int]], list[int]]]:
    mods = modules(root, package)
    known = frozenset(mods)
    return {name: (path, *imports(name, path, known)) for name, path in mods.items()}


def room_of(module: str, rooms: list[str]) -> str | None:
    """The longest room that is ``module`` or a package above it (``nexc`` alone is the package root)."""
    best = None
    for r in rooms:
        if module == r or (r != "nexc" and module.startswith(r + ".")):
            if best is None or len(r) > len(best):
                best = r
    return best


def _allowed(src: str, dst: str, allow) -> bool:
    def under(m: str, p: str) -> bool:
        return m == p or m.startswith(p + ".")

    return any(under(src, a) and under(dst, b) for a, b in allow)


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one room, each sorted (nexc's own Tarjan, the one the
    delegation-cycle check uses)."""
    from nexc.analysis.graph import strongly_connected

    nodes = sorted(set(graph) | {w for ws in graph.values() for w in ws})
    full = {v: sorted(graph.get(v, ())) for v in nodes}
    return [sorted(c) for c in strongly_connected(full) if len(c) > 1]


def check(root: Path, layers: list[list[str]], allow=ALLOW, package: str = "nexc") -> list[str]:
    """Every problem of the tree below ``root/package`` against ``layers``, as messages (empty: clean)."""
    level = {r: i for i, row in enumerate(layers) for r in row}
    rooms = list(level)
    problems: list[str] = []
    graph: dict[str, set[str]] = {}
    for name, (path, found, _) in scan(root, package).items():
        src = room_of(name, rooms)
        if src is None:
            problems.append(f"{name}: in no room of the layer table (add it to nexc/README.md)")
            continue
        for target, line in found:
            dst = room_of(target, rooms)
            if dst is None or dst == src or _allowed(name, target, allow):
                continue
            graph.setdefault(src, set()).add(dst)
            if level[dst] > level[src]:
                problems.append(f"{path.relative_to(root)}:{line}: {name} (layer {level[src]}, {src}) imports "
                                f"{target} (layer {level[dst]}, {dst}): an upward arrow")
    for comp in cycles(graph):
        problems.append(f"rooms import each other in a cycle: {' ↔ '.join(comp)}")
    return problems


def click_users(root: Path, package: str = "nexc") -> list[str]:
    """Modules outside :data:`CLICK_ROOMS` that import click."""
    return [f"{name}:{line}" for name, (_, _, lines) in scan(root, package).items() for line in lines
            if not any(name == r or name.startswith(r + ".") for r in CLICK_ROOMS)]


LAYERS = read_layers(REPO / "nexc" / "README.md")


def test_nexc_layers_point_down_without_cycles():
    problems = check(REPO, LAYERS)
    assert not problems, "\n".join(problems)


def test_click_only_in_the_command_line():
    assert click_users(REPO) == []


def test_allow_list_entries_are_still_needed():
    """An allowed arrow that no longer exists is taken off the list."""
    level = {r: i for i, row in enumerate(LAYERS) for r in row}
    seen = {(n, t) for n, (_, found, _) in scan(REPO).items() for t, _ in found}
    for a, b in ALLOW:
        assert any(_allowed(n, t, [(a, b)]) for n, t in seen), f"ALLOW entry {a} → {b} matches no import"
        assert room_of(a, list(level)) is not None and room_of(b, list(level)) is not None


# ---------------------------------------------------------------- the checker on synthetic trees

SMALL = [["nexc.base"], ["nexc.low"], ["nexc.high", "nexc.side", "nexc"]]


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in {"nexc/__init__.py": "", "nexc/base.py": "", "nexc/low/__init__.py": "",
                      "nexc/high/__init__.py": "", "nexc/side.py": "", **files}.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    return tmp_path


def test_checker_accepts_downward_imports(tmp_path):
    root = _tree(tmp_path, {"nexc/high/a.py": "from nexc.low import b\nimport nexc.base\n",
                            "nexc/low/b.py": "from ..base import *\n"})
    assert check(root, SMALL, allow={}) == []


def test_checker_fails_an_upward_import_at_module_and_function_level(tmp_path):
    root = _tree(tmp_path, {"nexc/low/bad.py": "import os\n\ndef f():\n    from nexc.high import a\n",
                            "nexc/high/a.py": ""})
    problems = check(root, SMALL, allow={})
    assert len(problems) == 1 and "nexc/low/bad.py:4:" in problems[0] and "upward" in problems[0]
    assert check(root, SMALL, allow={("nexc.low.bad", "nexc.high"): "test"}) == []


def test_checker_sees_import_module_strings_and_registry_refs(tmp_path):
    root = _tree(tmp_path, {"nexc/low/reg.py": 'import importlib\nX = {"a": "nexc.high.a:run"}\n'
                                               'importlib.import_module("nexc.side")\n',
                            "nexc/high/a.py": ""})
    problems = check(root, SMALL, allow={})
    assert [p.split(": ", 1)[0] for p in problems] == ["nexc/low/reg.py:2", "nexc/low/reg.py:3"], problems


def test_checker_fails_a_cycle_between_rooms_and_an_unplaced_module(tmp_path):
    root = _tree(tmp_path, {"nexc/high/a.py": "from nexc import side\n", "nexc/side.py": "import nexc.high.a\n",
                            "nexc/stray.py": ""})
    problems = check(root, SMALL, allow={})
    assert "rooms import each other in a cycle: nexc.high ↔ nexc.side" in problems
    assert "nexc.stray: in no room of the layer table (add it to nexc/README.md)" in problems


def test_click_outside_the_command_line_is_found(tmp_path):
    root = _tree(tmp_path, {"nexc/low/ui.py": "def f():\n    import click\n", "nexc/cli.py": "import click\n"})
    assert click_users(root) == ["nexc.low.ui:2"]
