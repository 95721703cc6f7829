"""The stdlib stand-ins for NexAU's built-in tools really work: bash, ls, file_read/file_write (inside the
working directory), run_code, web_search (against a local endpoint named by NEXC_WEB_SEARCH_URL) and
web_read; pure tools are non-blocking, the others never run on the event loop; one full run calls bash."""
from __future__ import annotations

import http.server
import json
import threading
import urllib.parse
from contextlib import contextmanager

import helpers
import pytest
from helpers import agent

from nexc.runtime import stdlib
from nexc.runtime.tools import NONBLOCKING, ToolContext, ToolError, import_target
from nexc.stdlib_catalog import NEXAU_BUILTINS, nexau_builtin, stdlib_tools
from nexc.testing import call, reply


@pytest.fixture
def ctx(tmp_path):
    return ToolContext(None, {}, "a", "t", str(tmp_path), str(tmp_path))


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch):
    for k in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(k, raising=False)


@contextmanager
def serve(routes: dict[str, tuple[str, bytes]]):
    """A HTTP server on 127.0.0.1: path → (content type, body); every request is recorded."""
    seen: list[str] = []

    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(self.path)
            ctype, body = routes.get(urllib.parse.urlsplit(self.path).path, ("text/plain", b""))
            self.send_response(200 if urllib.parse.urlsplit(self.path).path in routes else 404)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}", seen
    finally:
        srv.shutdown()
        srv.server_close()


def test_every_nexau_builtin_is_a_stdlib_tool_with_schema_and_implementation():
    import jsonschema

    lib = stdlib_tools()
    for name, sid in NEXAU_BUILTINS.items():
        spec = lib[sid]
        assert spec["description"].strip(), name
        jsonschema.Draft202012Validator.check_schema(spec["parameters"])
        assert callable(import_target(spec["binding"]))
    assert nexau_builtin(binding="nexau.archs.tool.builtin.file_tools.file_read_tool:file_read_tool") == "file_read"
    assert nexau_builtin(binding="nexau.archs.tool.builtin.web_tool:web_search") == "web_search"
    assert nexau_builtin("ls") == "ls" and nexau_builtin("nothing") is None


def test_pure_tools_are_nonblocking_and_blocking_ones_are_not():
    for sid, spec in stdlib_tools().items():
        fn = import_target(spec["binding"])
        pure = sid in {"think", "finish", "todo_write", "storage_get", "storage_set"}
        assert (getattr(fn, NONBLOCKING, False) is True) == pure, sid


def test_bash_runs_in_the_workdir(ctx, tmp_path):
    res = stdlib.bash("echo hello; pwd; echo oops >&2; exit 3", run_context=ctx)
    assert res["stdout"].splitlines() == ["hello", str(tmp_path)]
    assert res["stderr"].strip() == "oops" and res["exit_code"] == 3 and res["status"] == "error"
    assert stdlib.bash("true", run_context=ctx)["status"] == "success"


def test_bash_timeout_kills_the_command(ctx):
    res = stdlib.bash("echo start; sleep 30", timeout=300, run_context=ctx)
    assert res["status"] == "timeout" and res["stdout"].strip() == "start" and res["duration_ms"] < 10_000
    with pytest.raises(ToolError, match="600000"):
        stdlib.bash("true", timeout=700_000, run_context=ctx)
    with pytest.raises(ToolError, match="empty"):
        stdlib.bash("  ", run_context=ctx)


def test_ls_lists_a_folder(ctx, tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "b.txt").write_text("12345")
    (tmp_path / "a.log").write_text("")
    res = stdlib.ls(run_context=ctx)
    assert [(i["name"], i["type"]) for i in res["items"]] == [("sub", "dir"), ("a.log", "file"), ("b.txt", "file")]
    assert res["items"][2]["size"] == 5 and res["directories"] == 1 and res["files"] == 2
    assert [i["name"] for i in stdlib.ls(".", ignore=["*.log"], run_context=ctx)["items"]] == ["sub", "b.txt"]
    assert stdlib.ls(str(tmp_path / "sub"), run_context=ctx)["items"] == []  # absolute inside: fine
    with pytest.raises(ToolError, match="outside"):
        stdlib.ls("..", run_context=ctx)


def test_file_read_write_round_trip_and_containment(ctx, tmp_path):
    text = "".join(f"line {i}\n" for i in range(10))
    assert "(10 lines)" in stdlib.file_write("d/notes.txt", text, run_context=ctx)
    assert (tmp_path / "d" / "notes.txt").read_text() == text
    assert stdlib.file_read("d/notes.txt", run_context=ctx) == text
    part = stdlib.file_read(str(tmp_path / "d" / "notes.txt"), offset=2, limit=3, run_context=ctx)
    assert part.startswith("line 2\nline 3\nline 4\n") and "pass offset=5" in part
    for bad in ("../escape.txt", "/etc/passwd", "d/../../x"):
        with pytest.raises(ToolError, match="outside"):
            stdlib.file_write(bad, "x", run_context=ctx)
        with pytest.raises(ToolError, match="outside"):
            stdlib.file_read(bad, run_context=ctx)
    (tmp_path / "link").symlink_to("/etc")
    with pytest.raises(ToolError, match="outside"):
        stdlib.file_read("link/hostname", run_context=ctx)
    with pytest.raises(ToolError, match="no file"):
        stdlib.file_read("missing.txt", run_context=ctx)


def test_run_code_python_and_bash(ctx, tmp_path):
    res = stdlib.run_code("import os\nprint(sum(range(5)), os.getcwd())", run_context=ctx)
    assert res["stdout"].split() == ["10", str(tmp_path)] and res["exit_code"] == 0
    bad = stdlib.run_code("raise SystemExit('no')", run_context=ctx)
    assert bad["exit_code"] == 1 and "no" in bad["stderr"]
    assert stdlib.run_code("echo $((2+3))", kernel_type="bash", run_context=ctx)["stdout"].strip() == "5"
    assert stdlib.run_code("import time; time.sleep(30)", timeout=300, run_context=ctx)["status"] == "timeout"
    with pytest.raises(ToolError, match="kernel_type"):
        stdlib.run_code("1", kernel_type="ruby", run_context=ctx)


def test_web_search_asks_the_configured_endpoint(monkeypatch):
    answer = {"results": [{"title": f"r{i}", "link": f"https://x/{i}"} for i in range(5)]}
    with serve({"/search": ("application/json", json.dumps(answer).encode())}) as (base, seen):
        monkeypatch.setenv("NEXC_WEB_SEARCH_URL", base + "/search?engine=test")
        res = stdlib.web_search("nexc compiler", num_results=3)
    assert [r["title"] for r in res["results"]] == ["r0", "r1", "r2"] and res["status"] == "success"
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(seen[0]).query)
    assert q == {"engine": ["test"], "q": ["nexc compiler"], "num": ["3"], "type": ["search"]}


def test_web_search_without_a_provider_names_the_variable(monkeypatch):
    monkeypatch.delenv("NEXC_WEB_SEARCH_URL", raising=False)
    with pytest.raises(ToolError, match="NEXC_WEB_SEARCH_URL"):
        stdlib.web_search("anything")


def test_web_read_gives_the_text_of_a_page_within_the_limit():
    page = (b"<!doctype html><html><head><title>Hi there</title><style>p{}</style></head><body>"
            b"<script>var x = 1;</script><h1>Heading</h1><p>First &amp; foremost.</p><p>" + b"z" * 5000
            + b"</p></body></html>")
    with serve({"/page": ("text/html; charset=utf-8", page), "/plain": ("text/plain", b"just text")}) as (base, _):
        res = stdlib.web_read(base + "/page", max_chars=40)
        plain = stdlib.web_read(base + "/plain")
        with pytest.raises(ToolError, match="404"):
            stdlib.web_read(base + "/missing")
    assert res["title"] == "Hi there" and res["truncated"] is True
    assert res["content"].startswith("Heading\nFirst & foremost.\nzz") and "var x" not in res["content"]
    assert len(res["content"]) <= 40 + len("\n[… truncated]")
    assert plain["content"] == "just text" and "truncated" not in plain
    with pytest.raises(ToolError, match="http"):
        stdlib.web_read("file:///etc/passwd")


def test_a_run_calls_stdlib_builtins_in_its_workdir(settings, tmp_path):
    from nexc.api import CompiledFramework
    from nexc.ir.model import Binding, Tool
    from nexc.testing import FakeOpenAI

    lib = stdlib_tools()
    extra = tuple(Tool(name=n, description=lib[n]["description"], parameters=lib[n]["parameters"],
                       binding=Binding(kind="stdlib", target=n)) for n in ("bash", "file_read"))
    ir = helpers.framework([agent(tools=["bash", "file_read"])])
    ir = ir.model_copy(update={"tools": ir.tools + extra})
    fw = CompiledFramework.from_ir(ir, settings=settings)
    srv = FakeOpenAI([reply(tool_calls=[call("bash", {"command": "echo built > out.txt && echo ok"})]),
                      reply(tool_calls=[call("file_read", {"file_path": "out.txt"})]), reply("done")])
    with srv as url:
        res = fw.run("go", base_url=url, api_key="sk-test-key-000", workdir=tmp_path)
    assert res.output == "done"
    assert json.loads(srv.requests[1].messages[-1]["content"])["stdout"] == "ok\n"
    assert srv.requests[2].messages[-1]["content"] == "built\n"
    assert (tmp_path / "out.txt").read_text() == "built\n"
