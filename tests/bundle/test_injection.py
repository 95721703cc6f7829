"""Hostile specs: every string reaches generated Python as a literal; nothing runs at build or import."""
from __future__ import annotations

import json

import pytest

from bundle_support import build_ir, py
from nexc.emit.bundle import literal
from nexc.emit.result import EmitError
from nexc.ir.model import Agent, Binding, Framework, Prompt, Tool, ToolRef

EVIL = ["'", '"', "'''", '"""', "\\", "\\'", "a\u2028b\u2029c", "{{ 7*7 }}", "{% raw %}", "#",
        "__import__('os').system('touch PWNED')", "\"); __import__('os').system('touch PWNED'); (\"",
        "'''\n__import__('os').system('touch PWNED')\n'''", "line\r\nnext\n", "\x00\x0c\x85"]
PAYLOAD = "".join(EVIL)


def hostile_framework(prompt_file: str) -> Framework:
    tool = Tool(name="t" + "x", description=PAYLOAD,
                parameters={"type": "object", "properties": {PAYLOAD: {"type": "string", "enum": EVIL,
                                                                       "default": PAYLOAD}}},
                binding=Binding(kind="python", target="os:system"))
    agents = (Agent(name="helper", description=PAYLOAD, prompt=Prompt(text=PAYLOAD), context={PAYLOAD: EVIL}),
              Agent(name="main", description=PAYLOAD, prompt=Prompt(file=prompt_file),
                    tools=(ToolRef(name="tx"),)))
    return Framework(name="evil_fw", description=PAYLOAD, tools=(tool,), agents=agents, entry="main",
                     metadata={PAYLOAD: PAYLOAD, "e": EVIL})


def test_hostile_values_round_trip_without_executing(tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    fname = "p'\"{{x}}{% y %}\\ __import__('os').system('touch PWNED').md"
    (src / "prompts").mkdir(parents=True)
    (src / "prompts" / fname).write_bytes(PAYLOAD.encode())
    fw = hostile_framework(f"prompts/{fname}")
    build_ir(fw, src, out)
    pkg = out / "evil_fw"
    for f in ("spec.py", "__init__.py", "__main__.py"):
        compile((pkg / f).read_text(), f, "exec")
    r = py("import json, evil_fw, evil_fw.spec as s; from nexc.ir.base import strip_spans; "
           "print(json.dumps(strip_spans(s.build().model_dump(mode='json'))))", out)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == json.loads(json.dumps(
        __import__("nexc.ir.base", fromlist=["x"]).strip_spans(fw.model_dump(mode="json"))))
    assert (pkg / "prompts" / fname).read_bytes() == PAYLOAD.encode()
    assert not list(tmp_path.rglob("PWNED")) and not (out / "PWNED").exists()
    spec = (pkg / "spec.py").read_text()
    assert "\u2028" not in spec and "\u2029" not in spec and "\x85" not in spec


@pytest.mark.parametrize("value", EVIL + [PAYLOAD, 1.5, -3, None, True, [], {}, {"a": [1, {"b": "\\"}]}])
def test_literal_round_trips(value):
    assert eval(compile(literal(value), "<lit>", "eval"), {"__builtins__": {}}) == value


@pytest.mark.parametrize("name", ["import", "__init__", "spec", "os", "a-b", "1x", "x y", "déjà", "match"])
def test_invalid_package_names_are_rejected(tmp_path, name):
    fw = Framework(name=name, agents=(Agent(name="a", prompt=Prompt(text="hi")),), entry="a")
    with pytest.raises(EmitError) as err:
        build_ir(fw, tmp_path, tmp_path / "out")
    assert err.value.code == "NEX500" and repr(name) in err.value.message
    assert not (tmp_path / "out").exists()


def test_prompt_file_outside_root_is_rejected(tmp_path):
    fw = Framework(name="ok_fw", agents=(Agent(name="a", prompt=Prompt(file="../secret.md")),), entry="a")
    (tmp_path / "secret.md").write_text("x")
    (tmp_path / "root").mkdir()
    with pytest.raises(EmitError) as err:
        build_ir(fw, tmp_path / "root", tmp_path / "out")
    assert err.value.code == "NEX502" and "'../secret.md' is outside the framework folder" in err.value.message
