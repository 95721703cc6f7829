"""``nexc init [DIR]``: a new framework that lints clean, builds and runs on the fake server out of the box.

The scaffold is one agent with two Python tools: the spec (``NAME.nex``), its prompt
(``prompts/assistant.md``), the tools module (``NAME_tools.py``), a scripted fake OpenAI server
(``fake_server.py``: ``python fake_server.py`` runs the framework on it and records ``replay.jsonl``),
a README with the next commands and a ``.gitignore``. Existing files are never overwritten without
``--force``; then nothing is written at all.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import click

SPEC = '''\
# {name}: one assistant with two small Python tools ({name}_tools.py).
#   nexc lint .                      check it
#   python fake_server.py            run it on a scripted fake server (no API key needed)
#   nexc build {name}.nex -o build/  a runnable bundle: python -m {name} "task" in build/
nex 1

framework {name} "An assistant that answers questions about text with the help of two tools."

llm main {{
  model = env("NEXC_MODEL", "gpt-4o-mini")
  base_url = env("OPENAI_BASE_URL", "https://api.openai.com/v1")
  api_key = env("OPENAI_API_KEY", "none")
  temperature = 0.2
}}

tool word_count(text: str "The text whose words to count") -> int
  "Count the words in a text."
  = python "{name}_tools:word_count"

tool reverse_words(text: str "The text to reverse") -> str
  "Return the words of a text in reverse order."
  = python "{name}_tools:reverse_words"

agent assistant "Answers questions about text, using the tools when they help." {{
  llm = main
  prompt = file("prompts/assistant.md")
  tools = [word_count, reverse_words]
  max_iterations = 8
}}
'''

PROMPT = '''\
You are a careful assistant that answers questions about text.

- Use `word_count` to count words and `reverse_words` to reverse them; never guess a count.
- When you have the answer, reply with it in one or two sentences.
'''

TOOLS = '''\
"""The Python tools of {name}.nex: plain functions; their signatures match the tool declarations."""
from __future__ import annotations


def word_count(text: str) -> int:
    """Count the words (runs of non-space characters) in ``text``."""
    return len(text.split())


def reverse_words(text: str) -> str:
    """The words of ``text`` in reverse order, separated by single spaces."""
    return " ".join(reversed(text.split()))
'''

FAKE = '''\
"""A scripted OpenAI-compatible server for trying {name} without a model or an API key.

    python fake_server.py                  run {name}.nex on the script below; record replay.jsonl
    nexc run {name}.nex "{task}" --replay replay.jsonl
                                           replay that run (no server, no tool runs)
    python -m nexc.testing.fake_openai --script fake_server.py:script
                                           serve the script; then, with the URL it prints:
    nexc run {name}.nex "{task}" --base-url URL

Each item of ``script`` answers one LLM call, in order: first a call of the word_count tool (which
runs for real), then the final answer.
"""
from __future__ import annotations

import sys
from pathlib import Path

from nexc.testing import call, reply

HERE = Path(__file__).resolve().parent
TASK = "{task}"

script = [
    reply(tool_calls=[call("word_count", {{"text": "the quick brown fox"}})]),
    reply("'the quick brown fox' has 4 words."),
]


def main() -> int:
    """Run the framework on :data:`TASK` against the fake server; print the answer."""
    import nexc.api as nx
    from nexc.testing import FakeOpenAI

    fw = nx.load(HERE / "{name}.nex")
    with FakeOpenAI(list(script)) as base_url:
        result = fw.run(TASK, base_url=base_url, api_key="fake", model="fake",
                        trace_path=HERE / "replay.jsonl")
    print(result.output)
    print(f"(stop reason: {{result.stop_reason}}; trajectory appended to replay.jsonl)", file=sys.stderr)
    return 0 if result.output else 1


if __name__ == "__main__":
    sys.exit(main())
'''

README = '''\
# {name}

An agent framework written for nexc: `{name}.nex` declares one
agent (`assistant`, prompt in `prompts/assistant.md`) with two Python tools from `{name}_tools.py`.

```sh
nexc lint .                                   # check the spec (exit 0: clean)
python fake_server.py                         # run it on a scripted fake server; writes replay.jsonl
nexc run {name}.nex "{task}" --replay replay.jsonl
nexc build {name}.nex --target bundle -o build/
cd build && python -m {name} "{task}"          # a live run: set OPENAI_BASE_URL, OPENAI_API_KEY, NEXC_MODEL
```
'''

GITIGNORE = "build/\nnexc-runs/\n__pycache__/\n"

TASK = "How many words are in 'the quick brown fox'?"


def framework_name(folder: Path, given: str | None = None) -> str:
    """The framework's name: ``given``, else the folder's name made an identifier (``my-team`` →
    ``my_team``); it names the spec, the tools module and the bundle's Python package."""
    raw = given or folder.resolve().name
    name = re.sub(r"\W+", "_", raw).strip("_").lower() or "framework"
    return ("_" + name) if name[0].isdigit() else name


def scaffold(name: str) -> dict[str, str]:
    """Relative path → content of every file ``nexc init`` writes for framework ``name``."""
    values = {"name": name, "task": TASK}
    return {
        f"{name}.nex": SPEC.format(**values),
        "prompts/assistant.md": PROMPT,
        f"{name}_tools.py": TOOLS.format(**values),
        "fake_server.py": FAKE.format(**values),
        "README.md": README.format(**values),
        ".gitignore": GITIGNORE,
    }


@click.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False))
@click.option("--name", help="Framework name (default: the folder's name, as an identifier).")
@click.option("--force", is_flag=True, help="Overwrite files that already exist.")
def init(directory, name, force):
    """Start a new framework in DIRECTORY (default: the current folder).

    Writes NAME.nex (one agent, two Python tools), prompts/assistant.md, NAME_tools.py, fake_server.py
    (a scripted fake OpenAI server: `python fake_server.py` runs the framework on it), README.md and
    .gitignore. The result lints clean, builds (`nexc build NAME.nex --target bundle`) and runs on the
    fake server as it is. Existing files are left alone unless --force; then nothing is written.
    Exit status: 0 written, 2 files exist or cannot be written.
    """
    from nexc.commands.common import write_atomic
    from nexc.source import display_path

    root = Path(directory)
    if root.exists() and not root.is_dir():
        click.echo(f"nexc init: '{directory}' is a file; give a folder", err=True)
        sys.exit(2)
    ident = framework_name(root, name)
    if name and ident != name:
        raise click.BadParameter(f"'{name}' is not a name nexc can use; try '{ident}'", param_hint="--name")
    files = scaffold(ident)
    existing = [rel for rel in files if (root / rel).exists()]
    if existing and not force:
        click.echo(f"nexc init: {len(existing)} file{'s' if len(existing) != 1 else ''} already exist"
                   f"{'s' if len(existing) == 1 else ''} in {display_path(root)}: {', '.join(existing)}; "
                   "nothing was written (pass --force to overwrite them)", err=True)
        sys.exit(2)
    try:
        for rel, text in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, text)
            click.echo(f"wrote {display_path(path)}", err=True)
    except OSError as exc:
        click.echo(f"nexc init: cannot write in {display_path(root)}: {exc.strerror or exc}", err=True)
        sys.exit(2)
    here = "" if root.resolve() == Path.cwd().resolve() else f"cd {display_path(root)} && "
    click.echo(f"framework '{ident}' created. Next: {here}nexc lint . && python fake_server.py", err=True)
