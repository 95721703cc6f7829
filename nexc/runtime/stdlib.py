"""Implementations of the standard tools declared in ``stdlib/tools.yaml``.

Each is a plain function of the tool's parameters; the runtime injects ``global_storage`` (the
run's :class:`~nexc.runtime.storage.GlobalStorage`) and ``run_context`` (a
:class:`~nexc.runtime.tools.ToolContext`) where a function declares them. File, shell and code tools work
inside the run's working directory (``arun(..., workdir=...)``, default the current directory) and refuse
paths that leave it. The pure ones are :func:`~nexc.runtime.tools.nonblocking` (they may run on the event
loop); the others (processes, files, HTTP) always run in a worker thread.

The NexAU built-ins (``bash``, ``ls``, ``file_read``, ``file_write``, ``run_code``, ``web_search``,
``web_read``, ``todo_write``) take NexAU's parameter names. ``web_search`` asks the GET endpoint in
``NEXC_WEB_SEARCH_URL`` (JSON back; ``NEXC_WEB_SEARCH_KEY``, if set, is sent as a bearer token).

This module imports only the standard library apart from the one marked line below: the NexAU export
(:mod:`nexc.emit.nexau_export`) ships it as ``nexc_stdlib.py`` with that line replaced by stand-ins.
"""
from __future__ import annotations

import fnmatch
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from typing import Any

from nexc.runtime.tools import ToolError, nonblocking, safe_path  # nexc-import

MAX_OUTPUT = 30_000                        # characters of stdout / stderr kept (as NexAU's bash tool)
DEFAULT_TIMEOUT_MS, MAX_TIMEOUT_MS = 120_000, 600_000
MAX_LINES, MAX_LINE = 2000, 2000           # file_read: lines per call, characters per line
MAX_FETCH = 1_000_000                      # bytes read from one HTTP response
MAX_LIST = 1000                            # entries ls returns
SEARCH_ENV, SEARCH_KEY_ENV = "NEXC_WEB_SEARCH_URL", "NEXC_WEB_SEARCH_KEY"


@nonblocking
def todo_write(todos: list[dict], global_storage) -> str:
    """Replace the run's task list (``storage["todos"]``) and summarise it."""
    items = []
    for t in todos or []:
        if not isinstance(t, dict) or "id" not in t or not t.get("content"):
            raise ToolError("each todo needs an id and a non-empty content")
        items.append({"id": str(t["id"]), "content": str(t["content"]), "status": t.get("status", "pending"),
                      "priority": t.get("priority", "medium")})
    global_storage.set("todos", items)
    done = sum(1 for t in items if t["status"] == "completed")
    lines = [f"Todo list updated: {len(items)} items, {done} completed."]
    lines += [f"- [{ {'completed': 'x', 'in_progress': '~'}.get(t['status'], ' ') }] {t['id']}: {t['content']}"
              for t in items]
    return "\n".join(lines)


@nonblocking
def think(thought: str) -> str:
    """Record a thought; nothing happens."""
    return "Thought recorded."


@nonblocking
def finish(answer: str) -> str:
    """The final answer (use as a stop tool)."""
    return answer


@nonblocking
def storage_get(key: str, global_storage) -> str:
    """The stored value as JSON (``null`` when absent)."""
    return json.dumps(global_storage.get(key), ensure_ascii=False, default=str)


@nonblocking
def storage_set(key: str, value: Any, global_storage) -> str:
    """Store ``value`` under ``key``."""
    global_storage.set(key, value)
    return f"Stored '{key}'."


# ---------------------------------------------------------------- files


def _workdir(run_context) -> str:
    return getattr(run_context, "workdir", None) or os.getcwd()


def read_file(path: str, run_context=None, max_chars: int = 20000) -> str:
    """The text of ``path`` (at most ``max_chars`` characters)."""
    full = safe_path(_workdir(run_context), path)
    if not os.path.isfile(full):
        raise ToolError(f"no file '{path}'")
    with open(full, encoding="utf-8", errors="replace") as f:
        text = f.read(max_chars + 1)
    if len(text) > max_chars:
        text = text[:max_chars] + f"\n[… truncated at {max_chars} characters]"
    return text


def write_file(path: str, content: str, run_context=None) -> str:
    """Write ``content`` to ``path``, creating folders."""
    full = safe_path(_workdir(run_context), path)
    if os.path.isdir(full):
        raise ToolError(f"'{path}' is a folder")
    os.makedirs(os.path.dirname(full) or ".", exist_ok=True)
    with open(full, "w", encoding="utf-8", newline="") as f:
        f.write(content)
    return f"Wrote {len(content)} characters to {path}."


def list_files(run_context=None, path: str = ".") -> str:
    """The files below ``path``, one per line (at most 500)."""
    base = _workdir(run_context)
    full = safe_path(base, path)
    if not os.path.isdir(full):
        raise ToolError(f"no folder '{path}'")
    out: list[str] = []
    for root, dirs, files in os.walk(full):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            out.append(os.path.relpath(os.path.join(root, name), base))
            if len(out) >= 500:
                return "\n".join(out + ["[… more files not listed]"])
    return "\n".join(out) if out else "(no files)"


def file_read(file_path: str, offset: int | None = None, limit: int | None = None, run_context=None) -> str:
    """Lines ``offset`` (0-based) to ``offset + limit`` of a text file (at most 2000 lines, long lines cut)."""
    full = safe_path(_workdir(run_context), file_path)
    if os.path.isdir(full):
        raise ToolError(f"'{file_path}' is a folder, not a file (use ls)")
    if not os.path.isfile(full):
        raise ToolError(f"no file '{file_path}'")
    start = max(int(offset or 0), 0)
    count = min(max(int(limit), 1), MAX_LINES) if limit else MAX_LINES
    with open(full, "rb") as fb:
        if b"\0" in fb.read(8192):
            raise ToolError(f"'{file_path}' is a binary file")
    lines, total = [], 0
    with open(full, encoding="utf-8", errors="replace", newline="") as f:
        for total, line in enumerate(f, 1):
            if start < total <= start + count:
                lines.append(line if len(line) <= MAX_LINE else line[:MAX_LINE] + "…\n")
    text = "".join(lines)
    if start + len(lines) < total:
        text += f"\n[… lines {start + 1}–{start + len(lines)} of {total}; pass offset={start + len(lines)} to read on]"
    return text if total else "(empty file)"


def file_write(file_path: str, content: str, run_context=None) -> str:
    """Create or overwrite a text file (folders are created)."""
    write_file(file_path, content, run_context)
    lines = content.count("\n") + (0 if content.endswith("\n") or not content else 1)
    return f"Wrote {len(content)} characters ({lines} lines) to {file_path}."


def ls(path: str = ".", ignore: list[str] | None = None, run_context=None) -> dict:
    """The entries of one folder: folders first, then files, each with its type and size."""
    base = _workdir(run_context)
    full = safe_path(base, path)
    if not os.path.isdir(full):
        raise ToolError(f"no folder '{path}'")
    items = []
    with os.scandir(full) as it:
        for e in it:
            if ignore and any(fnmatch.fnmatch(e.name, p) or fnmatch.fnmatch(os.path.join(path, e.name), p)
                              for p in ignore):
                continue
            kind = "link" if e.is_symlink() else "dir" if e.is_dir() else "file"
            item: dict[str, Any] = {"name": e.name, "type": kind}
            if kind == "file":
                item["size"] = e.stat().st_size
            items.append(item)
    items.sort(key=lambda i: (i["type"] != "dir", i["name"].lower()))
    result: dict[str, Any] = {"path": path, "directories": sum(i["type"] == "dir" for i in items),
                              "files": sum(i["type"] == "file" for i in items), "items": items[:MAX_LIST]}
    if len(items) > MAX_LIST:
        result["truncated"] = f"{len(items) - MAX_LIST} more entries not listed"
    return result


# ---------------------------------------------------------------- processes


def _timeout_s(timeout: Any) -> float:
    if timeout is None:
        return DEFAULT_TIMEOUT_MS / 1000
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        raise ToolError("timeout must be a positive number of milliseconds")
    if timeout > MAX_TIMEOUT_MS:
        raise ToolError(f"timeout cannot exceed {MAX_TIMEOUT_MS} ms (10 minutes)")
    return timeout / 1000


def _clip(data: bytes) -> str:
    text = data.decode("utf-8", errors="replace")
    return text if len(text) <= MAX_OUTPUT else text[:MAX_OUTPUT] + f"\n[… truncated: {len(text)} characters in all]"


def _run(argv: list[str], cwd: str, timeout: float, stdin: bytes | None = None) -> dict:
    """Run ``argv`` in ``cwd`` (its own process group, killed whole on timeout)."""
    t0 = time.monotonic()
    try:
        proc = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=os.name == "posix")
    except OSError as exc:
        raise ToolError(f"cannot start {argv[0]}: {exc.strerror or exc}") from None
    timed_out = False
    try:
        out, err = proc.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        try:
            os.killpg(proc.pid, signal.SIGKILL) if os.name == "posix" else proc.kill()
        except OSError:
            proc.kill()
        try:
            out, err = proc.communicate(timeout=5)
        except subprocess.TimeoutExpired:  # a child left the group and holds the pipes
            out, err = b"", b""
    result = {"status": "timeout" if timed_out else "success" if proc.returncode == 0 else "error",
              "exit_code": proc.returncode, "stdout": _clip(out or b""), "stderr": _clip(err or b""),
              "duration_ms": int((time.monotonic() - t0) * 1000)}
    if timed_out:
        result["error"] = f"timed out after {timeout:g} s; the process was killed"
    return result


def _shell() -> str:
    return shutil.which("bash") or "/bin/sh"


def bash(command: str, timeout: int | None = None, description: str | None = None, run_context=None) -> dict:
    """Run a shell command in the working directory: exit code, stdout and stderr."""
    if not isinstance(command, str) or not command.strip():
        raise ToolError("command is empty")
    return _run([_shell(), "-c", command], _workdir(run_context), _timeout_s(timeout))


def run_code(code_block: str, kernel_type: str = "python", timeout: int | None = None,
             description: str | None = None, run_context=None) -> dict:
    """Run a Python (or bash) program in a fresh process in the working directory."""
    if not isinstance(code_block, str) or not code_block.strip():
        raise ToolError("code_block is empty")
    argv = {"python": [sys.executable, "-"], "bash": [_shell(), "-s"]}.get(kernel_type)
    if argv is None:
        raise ToolError(f"kernel_type must be 'python' or 'bash', not {kernel_type!r}")
    return _run(argv, _workdir(run_context), _timeout_s(timeout), stdin=code_block.encode("utf-8"))


# ---------------------------------------------------------------- web


def _fetch(url: str, timeout: float, headers: dict[str, str]) -> tuple[int, str, bytes, bool]:
    """``(status, content type, body, truncated)`` of a GET (at most ``MAX_FETCH`` bytes, ``timeout`` in all)."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise ToolError(f"only http and https URLs can be fetched, not {url!r}")
    req = urllib.request.Request(url, headers={"User-Agent": "nexc-stdlib/1", **headers})
    deadline = time.monotonic() + timeout
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # the scheme is checked above
            chunks, size = [], 0
            while size <= MAX_FETCH:
                if time.monotonic() > deadline:
                    raise ToolError(f"{url} did not answer within {timeout:g} s")
                chunk = resp.read(min(65536, MAX_FETCH + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
            body = b"".join(chunks)
            return resp.status, resp.headers.get("Content-Type", ""), body[:MAX_FETCH], len(body) > MAX_FETCH
    except urllib.error.HTTPError as exc:
        raise ToolError(f"HTTP {exc.code} from {url}") from None
    except urllib.error.URLError as exc:
        raise ToolError(f"cannot fetch {url}: {exc.reason}") from None
    except (TimeoutError, OSError) as exc:
        raise ToolError(f"cannot fetch {url}: {exc}") from None


def web_search(query: str, num_results: int = 10, search_type: str = "search") -> dict:
    """Ask the search endpoint of ``NEXC_WEB_SEARCH_URL`` (``GET ?q=&num=&type=`` answering JSON)."""
    endpoint = os.environ.get(SEARCH_ENV, "").strip()
    if not endpoint:
        raise ToolError(f"web_search has no search provider: set {SEARCH_ENV} to a GET endpoint that answers "
                        "JSON (the query is sent as ?q=…&num=…&type=…)")
    num = max(1, min(int(num_results or 10), 100))
    url = endpoint + ("&" if "?" in endpoint else "?") + urllib.parse.urlencode(
        {"q": query, "num": num, "type": search_type})
    key = os.environ.get(SEARCH_KEY_ENV)
    _, _, body, truncated = _fetch(url, 30.0, {"Accept": "application/json",
                                               **({"Authorization": f"Bearer {key}"} if key else {})})
    try:
        data = json.loads(body.decode("utf-8", errors="replace"))
    except ValueError:
        raise ToolError(f"the search endpoint did not answer JSON{' (the answer was cut)' if truncated else ''}") \
            from None
    results = data
    if isinstance(data, dict):
        results = next((data[k] for k in ("results", "organic", "items", "data") if isinstance(data.get(k), list)),
                       data)
    if isinstance(results, list):
        results = results[:num]
    return {"status": "success", "query": query, "search_type": search_type, "results": results,
            "total_results": len(results) if isinstance(results, list) else 1}


class _Text(HTMLParser):
    """The visible text of an HTML page (no scripts, styles; blocks on their own lines) and its title."""

    SKIP = frozenset({"script", "style", "noscript", "template", "svg", "head"})
    BLOCK = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article",
                       "header", "footer", "pre", "blockquote", "table", "ul", "ol"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title, self._skip, self._in_title = "", 0, False

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self._skip += 1
        self._in_title = self._in_title or tag == "title"
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP and self._skip:
            self._skip -= 1
        if tag == "title":
            self._in_title = False
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        elif not self._skip:
            self.parts.append(data)

    def text(self) -> str:
        lines = (" ".join(line.split()) for line in "".join(self.parts).splitlines())
        return "\n".join(line for line in lines if line)


def web_read(url: str, timeout: int = 30, max_chars: int = 20000) -> dict:
    """Fetch a web page: its text (HTML reduced to the visible text), at most ``max_chars`` characters."""
    wait = min(max(float(timeout or 30), 1.0), 120.0)
    status, ctype, body, truncated = _fetch(url, wait, {})
    charset = "utf-8"
    for part in ctype.split(";")[1:]:
        k, _, v = part.strip().partition("=")
        if k.lower() == "charset" and v:
            charset = v.strip("\"' ")
    try:
        text = body.decode(charset, errors="replace")
    except LookupError:
        text = body.decode("utf-8", errors="replace")
    result: dict[str, Any] = {"status": "success", "url": url, "status_code": status, "content_type": ctype}
    if "html" in ctype.lower() or text.lstrip()[:15].lower().startswith(("<!doctype html", "<html")):
        parser = _Text()
        parser.feed(text)
        parser.close()
        text = parser.text()
        result["title"] = " ".join(parser.title.split())
    limit = max(int(max_chars or 20000), 1)
    if len(text) > limit or truncated:
        text = text[:limit] + "\n[… truncated]"
        result["truncated"] = True
    result["content"] = text
    return result
