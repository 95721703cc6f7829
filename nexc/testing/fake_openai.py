"""A fake OpenAI-compatible server for tests and benchmarks: real HTTP/1.1 on 127.0.0.1, stdlib only.

It speaks ``POST /v1/chat/completions`` (non-streaming) and ``GET /v1/models`` with keep-alive, so the
real ``openai`` client talks to it exactly as it talks to vLLM or a hosted API. Replies come from a
*script*:

- a list of items, served in order (one per request, whatever the connection);
- a function ``f(request: FakeRequest) -> item`` (stateless functions suit concurrent runs);
- :func:`by_system` ``({"marker": script, …})``: per-agent scripts, chosen by a substring of the
  request's system prompt.

An item is a :func:`reply` dict (a plain string is shorthand for ``reply(text)``), or a fault:
:func:`error` / :func:`rate_limited` (429 with ``Retry-After``) / :func:`server_error`, :func:`slow`
(a delay, then an item) and :func:`drop` (the connection closes without an answer). Malformed
tool-call JSON is ``call("name", raw='{"broken')``.

With ``honour_stop=True`` the server cuts a reply's text at the earliest of the request's ``stop``
strings and leaves the stop string out, with ``finish_reason: "stop"`` — what vLLM and the OpenAI API
do. Without it (the default) ``stop`` is ignored, as some servers do.

Two ways to run it::

    srv = FakeOpenAI(script)             # in a thread of this process
    with srv as base_url:                # "http://127.0.0.1:PORT/v1"
        ...
    srv.requests                         # every request, parsed (FakeRequest)

    with FakeOpenAI.subprocess("path/to/file.py:script") as base_url:   # its own process (benchmarks)
        ...

or from a shell: ``python -m nexc.testing.fake_openai --script file.py:script`` (prints the base URL).
"""
from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable

__all__ = ["FakeOpenAI", "FakeRequest", "Fault", "by_system", "call", "drop", "error", "rate_limited", "reply",
           "server_error", "slow"]


# ---- script items ---------------------------------------------------------------------------------
def call(name: str, arguments: dict | None = None, *, id: str | None = None, raw: str | None = None) -> dict:
    """A tool call in a reply. ``raw`` gives the arguments string verbatim (e.g. malformed JSON)."""
    return {"id": id, "name": name, "arguments": raw if raw is not None else json.dumps(arguments or {})}


def reply(content: str | None = None, *, tool_calls: Iterable[dict] = (), reasoning: str | None = None,
          usage: dict | None = None, finish_reason: str | None = None) -> dict:
    """An assistant reply: text, tool calls (:func:`call`), optional ``reasoning_content`` and usage."""
    return {"content": content, "tool_calls": list(tool_calls), "reasoning": reasoning, "usage": usage,
            "finish_reason": finish_reason}


@dataclass(frozen=True)
class Fault:
    """An injected failure: an HTTP error status, a delay before ``then``, or a dropped connection."""

    status: int | None = None
    retry_after: float | None = None
    message: str = "injected fault"
    delay: float = 0.0
    then: Any = None
    drop: bool = False
    body: bytes | None = None
    trickle: float = 0.0


def error(status: int, *, retry_after: float | None = None, message: str = "injected fault") -> Fault:
    """An HTTP error response with an OpenAI-style error body."""
    return Fault(status=status, retry_after=retry_after, message=message)


def rate_limited(retry_after: float | None = 0.0) -> Fault:
    """429 Too Many Requests, with ``Retry-After`` (seconds) when given."""
    return error(429, retry_after=retry_after, message="rate limited")


def server_error(status: int = 500) -> Fault:
    """A 5xx error."""
    return error(status, message="internal server error")


def slow(seconds: float, then: Any) -> Fault:
    """Wait ``seconds`` before answering with ``then`` (use it to trigger client timeouts)."""
    return Fault(delay=seconds, then=then)


def drop() -> Fault:
    """Close the connection without answering."""
    return Fault(drop=True)


def raw(body: Any, status: int = 200) -> Fault:
    """Answer with exactly this body: bytes as they are, anything else as its JSON (a hostile or broken
    endpoint: ``raw({"choices": [{"message": None}]})``)."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Fault(status=status, body=data)


def trickle(body: Any, every: float) -> Fault:
    """Send :func:`raw`'s ``body`` one byte every ``every`` seconds (a read timeout never fires)."""
    return Fault(status=200, body=raw(body).body, trickle=every)


@dataclass
class FakeRequest:
    """One request the server received."""

    index: int
    method: str
    path: str
    headers: dict[str, str]
    body: Any

    @property
    def system(self) -> str:
        """The first system message's text ('' when none)."""
        msgs = (self.body or {}).get("messages") or []
        if msgs and msgs[0].get("role") == "system":
            c = msgs[0].get("content")
            return c if isinstance(c, str) else json.dumps(c)
        return ""

    @property
    def messages(self) -> list[dict]:
        return (self.body or {}).get("messages") or []


def by_system(mapping: dict[str, Any]) -> Callable[[FakeRequest], Any]:
    """A script that routes each request to the script of the first key found in its system prompt."""
    routes = {k: _as_handler(v) for k, v in mapping.items()}

    def route(req: FakeRequest) -> Any:
        system = req.system
        for key, handler in routes.items():
            if key in system:
                return handler(req)
        return error(400, message=f"no script for system prompt {system[:80]!r}")

    return route


def _as_handler(script: Any) -> Callable[[FakeRequest], Any]:
    if callable(script):
        return script
    items = iter(list(script))
    lock = threading.Lock()

    def next_item(req: FakeRequest) -> Any:
        with lock:
            try:
                return next(items)
            except StopIteration:
                return error(500, message="fake server script exhausted")

    return next_item


# ---- HTTP -----------------------------------------------------------------------------------------
_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 408: "Request Timeout", 429: "Too Many Requests",
            500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}


def cut_at_stop(text: str | None, stop: Any) -> tuple[str | None, bool]:
    """``text`` up to the earliest of the ``stop`` strings (left out), and whether one was found."""
    if not isinstance(text, str) or not stop:
        return text, False
    stops = [stop] if isinstance(stop, str) else [s for s in stop if isinstance(s, str) and s]
    hits = [i for i in (text.find(s) for s in stops) if i >= 0]
    if not hits:
        return text, False
    return text[:min(hits)], True


def _completion(item: dict, body: dict, n: int, honour_stop: bool = False) -> dict:
    calls = []
    for i, c in enumerate(item.get("tool_calls") or ()):
        calls.append({"id": c.get("id") or f"call_{n}_{i}", "type": "function",
                      "function": {"name": c["name"], "arguments": c["arguments"]}})
    content, stopped = item.get("content"), False
    if honour_stop:
        content, stopped = cut_at_stop(content, body.get("stop"))
    msg: dict[str, Any] = {"role": "assistant", "content": content}
    if calls:
        msg["tool_calls"] = calls
    if item.get("reasoning") is not None:
        msg["reasoning_content"] = item["reasoning"]
    usage = item.get("usage") or {"prompt_tokens": 10 * len(body.get("messages") or ()),
                                  "completion_tokens": 5 + len(item.get("content") or "") // 4,
                                  "total_tokens": 0}
    if not usage.get("total_tokens"):
        usage = dict(usage, total_tokens=usage.get("prompt_tokens", 0) + usage.get("completion_tokens", 0))
    return {"id": f"chatcmpl-{n}", "object": "chat.completion", "created": int(time.time()),
            "model": body.get("model") or "fake", "choices": [{
                "index": 0, "message": msg, "logprobs": None,
                "finish_reason": item.get("finish_reason") or ("stop" if stopped or not calls else "tool_calls")}],
            "usage": usage}


class _Http(asyncio.Protocol):
    """One keep-alive connection; requests are answered in order."""

    def __init__(self, server: "FakeOpenAI"):
        self.server = server
        self.buf = bytearray()
        self.busy = False
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport):
        self.transport = transport

    def connection_lost(self, exc):
        self.transport = None

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if not self.busy:
            self._next()

    def _next(self) -> None:
        while not self.busy and self.transport is not None:
            head_end = self.buf.find(b"\r\n\r\n")
            if head_end < 0:
                return
            lines = bytes(self.buf[:head_end]).decode("latin-1").split("\r\n")
            headers = {}
            for line in lines[1:]:
                k, _, v = line.partition(":")
                headers[k.strip().lower()] = v.strip()
            length = int(headers.get("content-length") or 0)
            if len(self.buf) < head_end + 4 + length:
                return
            raw = bytes(self.buf[head_end + 4: head_end + 4 + length])
            del self.buf[: head_end + 4 + length]
            method, path, *_ = (lines[0].split(" ") + ["", ""])[:3]
            self._handle(method, path, headers, raw)

    def _handle(self, method: str, path: str, headers: dict, raw: bytes) -> None:
        srv = self.server
        path = path.split("?")[0]
        if method == "GET" and path.rstrip("/").endswith("/models"):
            return self._send(200, {"object": "list", "data": [{"id": "fake", "object": "model"}]})
        if method != "POST" or not path.rstrip("/").endswith("/chat/completions"):
            return self._send(404, {"error": {"message": f"no route {method} {path}", "type": "not_found"}})
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            return self._send(400, {"error": {"message": "body is not JSON", "type": "invalid_request_error"}})
        n = next(srv._counter)
        req = FakeRequest(n, method, path, headers, body)
        if srv.record:
            srv.requests.append(req)
        try:
            item = srv._handler(req)
        except Exception as exc:  # noqa: BLE001 - a broken script is a 500, not a dead server
            item = error(500, message=f"script raised {type(exc).__name__}: {exc}")
        self._answer(item, body, n)

    def _answer(self, item: Any, body: dict, n: int) -> None:
        if isinstance(item, Fault):
            if item.drop:
                if self.transport is not None:
                    self.transport.abort()
                return
            if item.body is not None:
                return self._send_bytes(item.status or 200, item.body, item.trickle)
            if item.delay:
                self.busy = True
                asyncio.get_running_loop().call_later(item.delay, self._delayed, item.then, body, n)
                return
            extra = {}
            if item.retry_after is not None:
                extra["retry-after"] = (str(int(item.retry_after)) if float(item.retry_after).is_integer()
                                        else str(item.retry_after))
            kind = "rate_limit_error" if item.status == 429 else "server_error"
            return self._send(item.status or 500, {"error": {"message": item.message, "type": kind, "code": None}},
                              extra)
        if isinstance(item, str):
            item = reply(item)
        self._send(200, _completion(item, body, n, self.server.honour_stop))

    def _delayed(self, then: Any, body: dict, n: int) -> None:
        self.busy = False
        if self.transport is None:
            return
        self._answer(then, body, n)
        self._next()

    def _send(self, status: int, payload: dict, extra: dict | None = None) -> None:
        if self.transport is None:
            return
        data = json.dumps(payload).encode()
        head = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}", "content-type: application/json",
                f"content-length: {len(data)}", "connection: keep-alive"]
        head += [f"{k}: {v}" for k, v in (extra or {}).items()]
        self.transport.write(("\r\n".join(head) + "\r\n\r\n").encode() + data)


    def _send_bytes(self, status: int, data: bytes, every: float) -> None:
        if self.transport is None:
            return
        head = (f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\ncontent-type: application/json\r\n"
                f"content-length: {len(data)}\r\nconnection: keep-alive\r\n\r\n").encode()
        if not every:
            self.transport.write(head + data)
            return
        self.transport.write(head)
        self.busy = True
        loop = asyncio.get_running_loop()

        def step(i: int) -> None:
            if self.transport is None:
                return
            if i >= len(data):
                self.busy = False
                return self._next()
            self.transport.write(data[i:i + 1])
            loop.call_later(every, step, i + 1)

        loop.call_later(every, step, 0)


class FakeOpenAI:
    """The server. ``with FakeOpenAI(script) as base_url`` runs it in a daemon thread."""

    def __init__(self, script: Any = (), *, record: bool = True, host: str = "127.0.0.1", port: int = 0,
                 honour_stop: bool = False):
        self._handler = _as_handler(script)
        self.record = record
        self.honour_stop = honour_stop
        self.requests: list[FakeRequest] = []
        self.host, self.port = host, port
        self._counter = itertools.count()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    async def _start(self) -> None:
        self._server = await asyncio.get_running_loop().create_server(
            lambda: _Http(self), self.host, self.port, backlog=1024)
        self.port = self._server.sockets[0].getsockname()[1]

    def start(self) -> str:
        """Start serving in a background thread; return the base URL."""
        ready = threading.Event()
        failure: list[BaseException] = []

        def main() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self._start())
            except BaseException as exc:  # noqa: BLE001
                failure.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            self._server.close()
            loop.run_until_complete(self._server.wait_closed())
            loop.close()

        self._thread = threading.Thread(target=main, name="fake-openai", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            raise failure[0]
        return self.base_url

    def stop(self) -> None:
        """Stop the server and its thread."""
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)
        self._loop = self._thread = None

    async def serve_forever(self) -> None:
        """Serve on the running loop (used by the command-line entry point)."""
        await self._start()
        await self._server.serve_forever()

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @staticmethod
    def subprocess(script_ref: str, *, python: str | None = None):
        """A context manager running the server in its own process (its own GIL), for benchmarks.

        ``script_ref`` is ``"path/to/file.py:name"`` or ``"package.module:name"``; yields the base URL.
        """
        import contextlib
        import subprocess
        import sys

        @contextlib.contextmanager
        def cm():
            proc = subprocess.Popen([python or sys.executable, "-c",
                                     "from nexc.testing.fake_openai import main; main()", "--script", script_ref],
                                    stdout=subprocess.PIPE, text=True)
            try:
                line = proc.stdout.readline().strip()
                if not line.startswith("http"):
                    raise RuntimeError(f"fake server did not start: {line!r}")
                yield line
            finally:
                proc.terminate()
                proc.wait(timeout=5)

        return cm()


def load_ref(ref: str) -> Any:
    """Import ``"file.py:name"`` or ``"module:name"``."""
    import importlib
    import importlib.util

    target, _, attr = ref.rpartition(":")
    if target.endswith(".py"):
        spec = importlib.util.spec_from_file_location("_fake_openai_script", target)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
    else:
        mod = importlib.import_module(target)
    return getattr(mod, attr)


def main(argv: list[str] | None = None) -> None:
    """``python -m nexc.testing.fake_openai --script REF [--port N] [--honour-stop]``: print the base URL,
    then serve until killed."""
    import argparse

    p = argparse.ArgumentParser(
        prog="python -m nexc.testing.fake_openai", description=__doc__.split("\n")[0],
        epilog="REF names a script: a list of replies served in order, a function of the request, or "
               "by_system({...}), built with the helpers of nexc.testing (reply, call, error, slow, ...). "
               "The first line printed is the base URL (http://127.0.0.1:PORT/v1); point OPENAI_BASE_URL "
               "or --base-url at it.")
    p.add_argument("--script", required=True, metavar="REF", help="file.py:name or module:name of a script")
    p.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    p.add_argument("--honour-stop", action="store_true",
                   help="cut replies at the request's stop strings, as vLLM and the OpenAI API do")
    a = p.parse_args(argv)
    srv = FakeOpenAI(load_ref(a.script), record=False, port=a.port, honour_stop=a.honour_stop)

    async def run() -> None:
        await srv._start()
        print(srv.base_url, flush=True)
        await srv._server.serve_forever()

    try:
        try:
            import uvloop  # type: ignore  # optional, faster
        except ImportError:
            asyncio.run(run())
        else:
            uvloop.run(run())
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    # Serve from the module as the package imports it, not from this ``__main__`` copy: a script's items
    # (``nexc.testing.error(…)``) are then instances of the server's own classes.
    from nexc.testing.fake_openai import main as _main

    _main()
