"""The JSON Schema of nexc YAML: generated from the IR and the builder's tables, committed, and agreeing
with the frontend on what is valid."""
from __future__ import annotations

import json
import subprocess
import sys

import jsonschema
import pytest

from nexc.frontend import keys as build
from nexc.frontend.yaml_schema import SCHEMA_PATH, schema_text, spec_json_schema

from .conftest import FULL_SPEC, load_text, loc_of


@pytest.fixture(scope="module")
def validator():
    schema = spec_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _data(text: str):
    loc, r = loc_of(text)
    assert loc is not None and not r.diagnostics
    return loc.plain()


def test_committed_schema_is_current():
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text(), \
        "specs/nexc.schema.json is stale: run python -m nexc.frontend.yaml_schema --write"


def test_schema_text_is_sorted_and_ends_with_newline():
    text = schema_text()
    assert text.endswith("}\n") and json.loads(text) == spec_json_schema()
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_schema_header():
    s = spec_json_schema()
    assert s["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert s["$id"] and s["title"] and s["additionalProperties"] is False


def test_every_builder_key_is_in_the_schema():
    s = spec_json_schema()
    d = s["$defs"]
    assert set(s["properties"]) == set(build.DOCUMENT_KEYS)
    assert set(d["llm"]["properties"]) == set(build.LLM_KEYS)
    assert set(d["tool"]["properties"]) == set(build.TOOL_KEYS)
    assert set(d["mcp_server"]["properties"]) == set(build.MCP_KEYS)
    assert set(d["agent"]["properties"]) == set(build.AGENT_KEYS) | set(build.AGENT_ALIASES)
    assert set(d["skill"]["anyOf"][1]["properties"]) == set(build.SKILL_KEYS)
    assert set(d["prompt"]["anyOf"][1]["properties"]) == set(build.PROMPT_KEYS)
    assert set(d["extension"]["anyOf"][1]["properties"]) == set(build.EXTENSION_KEYS)


def test_closed_maps_everywhere_nexc_forbids_unknown_keys():
    d = spec_json_schema()["$defs"]
    closed = [d["llm"], d["tool"], d["mcp_server"], d["agent"], d["env"], d["skill"]["anyOf"][1],
              d["prompt"]["anyOf"][1], d["extension"]["anyOf"][1],
              *[x for x in d["binding"]["anyOf"] if x.get("type") == "object"]]
    assert all(x["additionalProperties"] is False for x in closed)


def test_descriptions_come_from_the_models():
    from nexc.ir.model import Agent

    assert spec_json_schema()["$defs"]["agent"]["description"] == Agent.__doc__.strip().split("\n")[0]


def test_full_spec_validates(validator):
    assert list(validator.iter_errors(_data(FULL_SPEC))) == []


@pytest.mark.parametrize("text", [
    "{}",
    "agents: {a: {}}\n",
    "skills: {s: skills/s, t: {path: skills/t, description: d}}\n",
    "agents: {a: {prompt: {file: p.md, template: true, variables: [x]}, stop: [t], max_context_tokens: 9}}\n",
    "agents: {a: {system_prompt: hi}}\n",
    "agents: {a: {extensions: ['m:A', {import: 'm:B', kind: hook, params: {x: 1}}]}}\n",
    "tools: {t: {binding: {stdlib: think}}, u: {parameters: {type: object}}}\n",
    "llms: {m: {temperature: {env: T, default: 0.5}, model: {env: M}}}\n",
    "mcp_servers: {a: {command: x}, b: {transport: sse, url: 'http://h'}}\n",
])
def test_valid_examples_validate(validator, text):
    data = _data(text)
    assert list(validator.iter_errors(data)) == []
    sf, r = load_text(text)
    assert sf is not None and not [d for d in r.diagnostics if d.code.startswith("NEX2")]


@pytest.mark.parametrize("text", [
    "agents: {a: {max_iteration: 3}}\n",                       # unknown key at depth 3
    "agents: {a: {max_iterations: ten}}\n",                    # wrong type
    "agents: {a: {max_iterations: 0}}\n",                      # below the minimum
    "agents: {a: {prompt: {text: x, file: y}}}\n",             # both text and file
    "agents: {a: {prompt: {template: true}}}\n",               # neither
    "agents: {a: {extensions: [{params: {}}]}}\n",             # import missing
    "agents: {a: {extensions: [{import: 'm:A', kind: nope}]}}\n",
    "agents: {my-agent: {}}\n",                                # not an identifier
    "agents: [a, b]\n",
    "llms: {m: {model: {env: M, fallback: x}}}\n",             # bad env ref
    "llms: {m: {model: {name: M}}}\n",
    "mcp_servers: {a: {transport: tcp, command: x}}\n",        # bad transport
    "mcp_servers: {a: {transport: http}}\n",                   # http without url
    "mcp_servers: {a: {args: [x]}}\n",                         # neither command nor url
    "tools: {t: {binding: 'not a binding'}}\n",
    "tools: {t: {binding: {python: 'm:f', stdlib: x}}}\n",
    "tools: {t: {parameters: {type: string}}}\n",
    "skills: {s: {description: d}}\n",
    "imports: other.nex\n",
    "nex: 0\n",
    "frameworks: {}\n",
    "agents: {a: {prompt: x, system_prompt: y}}\n",              # an alias and its key together
])
def test_invalid_examples_fail_and_nexc_agrees(validator, text):
    data = _data(text)
    assert list(validator.iter_errors(data)), text
    _, r = load_text(text)
    assert r.has_errors, text


def test_cli_entry_writes_and_checks(tmp_path):
    out = tmp_path / "s.json"
    run = [sys.executable, "-m", "nexc.frontend.yaml_schema"]
    assert subprocess.run([*run, "--check", str(out)], capture_output=True).returncode == 1
    assert subprocess.run([*run, "--write", str(out)], capture_output=True).returncode == 0
    assert out.read_text(encoding="utf-8") == schema_text()
    assert subprocess.run([*run, "--check", str(out)], capture_output=True).returncode == 0


def test_schema_generation_is_not_imported_by_the_frontend():
    code = ("import sys, nexc.frontend.yaml_spec as y; from nexc.diagnostics import Reporter; "
            "y.load('a.nex.yaml', 'nex: 1\\n', Reporter()); print('nexc.frontend.yaml_schema' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr
