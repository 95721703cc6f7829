"""Shared helpers for the nexc YAML frontend tests."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

_REPO = Path(__file__).resolve().parents[2]
try:
    import nexc  # noqa: F401
except ImportError:  # a plain checkout
    sys.path.insert(0, str(_REPO))

from nexc.diagnostics import Reporter  # noqa: E402
from nexc.frontend import yaml_spec  # noqa: E402
from nexc.frontend.yaml_loader import load_yaml  # noqa: E402

#: A complete, valid nexc YAML spec that uses every section (no files needed).
FULL_SPEC = """\
# yaml-language-server: $schema=../../specs/nexc.schema.json
nex: 1
name: research
description: A small research team.
metadata: {owner: docs-team, tags: [demo, "yes"], version: 3}

llms:
  main:
    model: {env: NEX_MODEL, default: nex-n1}
    base_url: {env: OPENAI_BASE_URL}
    api_key: {env: OPENAI_API_KEY}
    temperature: 0.6
    max_tokens: 4_096
    params: {seed: 7}

tools:
  search:
    description: Search the web and return the top results.
    parameters:
      type: object
      properties:
        query: {type: string}
        max_results: {type: integer, default: 5}
      required: [query]
    binding: research.tools:search
  todo:
    binding: {stdlib: todo_write}
  handoff:
    description: Hand the answer back.
    parameters: {type: object, properties: {answer: {type: string}}}
    binding: {python: research.tools:handoff}
    parallel: false

mcp_servers:
  git:
    transport: stdio
    command: uvx
    args: [mcp-server-git, --repository, .]
    env: {GIT_TOKEN: {env: GIT_TOKEN}}
  docs:
    url: https://example.com/mcp
    headers: {Authorization: {env: DOCS_TOKEN, default: none}}
    include: [search_docs]
    call_timeout: 30

agents:
  visit_page:
    description: Reads a page and answers a question about it.
    llm: main
    prompt: |
      You read one web page and answer the question about it.
      Quote the page where you can.
    tools: [search]
  researcher:
    llm: main
    prompt:
      text: "Research {{ topic }} carefully."
      template: true
      variables: [topic]
    tools: [search, todo, visit_page, git.*, docs.search_docs, handoff]
    stop_tools: [handoff]
    max_iterations: 60
    context_tokens: 120_000
    max_depth: 2
    tool_format: qwen3_coder
    parallel_tool_calls: false
    storage_seed: {notes: []}
    extensions:
      - research.hooks:Logger
      - {import: research.hooks:Tracer, kind: tracer, params: {level: 2}}

entry: researcher
"""


def load_text(text: str, path: str = "spec.nex.yaml"):
    """Load ``text`` with the YAML frontend; (SourceFile | None, Reporter)."""
    r = Reporter()
    return yaml_spec.load(path, text, r), r


def loc_of(text: str, path: str = "doc.yaml"):
    """Load ``text`` with the positioned loader only; (Loc | None, Reporter)."""
    r = Reporter(sources={path: text})
    return load_yaml(path, text, r), r


def codes(r: Reporter) -> list[str]:
    return [d.code for d in r.sorted()]


@pytest.fixture
def full_spec() -> str:
    return FULL_SPEC
