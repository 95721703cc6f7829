"""Headless Chromium for tests, driven over the DevTools protocol on a pipe — stdlib only.

Chromium started with ``--remote-debugging-pipe`` reads protocol commands from fd 3 and writes answers and
events to fd 4, each message one JSON object ended by a NUL byte. :class:`Browser` starts Debian's
``/usr/bin/chromium`` (or ``$NEXC_CHROMIUM``) with a throw-away profile, opens one page target (a flat
session) and offers what page tests need: :meth:`~Browser.open` a ``file://`` page and wait for its load,
:meth:`~Browser.eval` JavaScript, :meth:`~Browser.click` an element (real mouse events at its centre),
:meth:`~Browser.screenshot` (PNG bytes), and :attr:`~Browser.requests`: every URL the page asked for
(``Network.requestWillBeSent``), so a test can assert that a page requests nothing but itself.

:func:`available` says why no browser can run (None when one can); :func:`png_colours` counts the distinct
colours of a PNG (a blank screenshot has one).

    with Browser() as b:
        b.open(path)
        assert b.eval("document.title") == "…"
"""
from __future__ import annotations

import base64
import fcntl
import json
import os
import shutil
import struct
import subprocess
import tempfile
import threading
import time
import zlib
from pathlib import Path
from typing import Any, Self

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars")


class BrowserError(Exception):
    """The browser failed, answered a command with an error, or did not answer in time."""


def executable() -> str | None:
    """The Chromium to run: ``$NEXC_CHROMIUM``, else ``/usr/bin/chromium``, else ``chromium`` on the PATH."""
    for cand in (os.environ.get("NEXC_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                 shutil.which("chromium-browser")):
        if cand and os.path.isfile(cand) and os.access(cand, os.X_OK):
            return cand
    return None


def available() -> str | None:
    """None when a headless browser can run here, else the reason it cannot (for ``pytest.skip``)."""
    if os.name != "posix":
        return "headless Chromium over a pipe needs a POSIX system"
    if executable() is None:
        return "no Chromium: install Debian's chromium package (/usr/bin/chromium) or set NEXC_CHROMIUM"
    return None


class Browser:
    """One headless Chromium with one page (see the module docstring). ``width``×``height`` is the viewport."""

    def __init__(self, *, width: int = 1280, height: int = 800, timeout: float = 30.0):
        exe = executable()
        if exe is None:
            raise BrowserError(available() or "no browser")
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="nexc-chromium-")
        to_child_r, self._w = os.pipe()
        self._r, from_child_w = os.pipe()
        # fds 3 and 4 in the child; keep the originals out of that range so dup2 cannot clobber them
        a, b = fcntl.fcntl(to_child_r, fcntl.F_DUPFD, 10), fcntl.fcntl(from_child_w, fcntl.F_DUPFD, 10)
        os.close(to_child_r), os.close(from_child_w)

        def fds() -> None:  # runs in the child between fork and exec
            os.dup2(a, 3)
            os.dup2(b, 4)

        args = [exe, *FLAGS, "--remote-debugging-pipe", f"--user-data-dir={self.profile}",
                f"--window-size={width},{height}", "about:blank"]
        # preexec_fn only calls dup2 (async-signal-safe), so the reader threads of other browsers cannot deadlock it
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, preexec_fn=fds, close_fds=False)  # noqa: PLW1509
        os.close(a), os.close(b)
        self._id = 0
        self._lock = threading.Condition()
        self._answers: dict[int, dict] = {}
        self.events: list[dict] = []
        self.requests: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.session: str | None = None
        try:
            target = self.send("Target.createTarget", url="about:blank")["targetId"]
            self.session = self.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
            for domain in ("Page", "Runtime", "Network"):
                self.send(f"{domain}.enable")
            self.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                      mobile=False)
        except Exception:
            self.close()
            raise

    # ---- protocol -----------------------------------------------------------------------------
    def _read(self) -> None:
        buf = b""
        while True:
            try:
                chunk = os.read(self._r, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                with self._lock:
                    self._closed = True
                    self._lock.notify_all()
                return
            buf += chunk
            *msgs, buf = buf.split(b"\0")
            with self._lock:
                for raw in msgs:
                    msg = json.loads(raw)
                    if "id" in msg:
                        self._answers[msg["id"]] = msg
                    else:
                        self.events.append(msg)
                        if msg.get("method") == "Network.requestWillBeSent":
                            self.requests.append(msg["params"]["request"]["url"])
                self._lock.notify_all()

    _closed = False

    def send(self, method: str, **params: Any) -> dict:
        """Send one command (to the page's session once there is one) and return its result."""
        with self._lock:
            self._id += 1
            n = self._id
        msg: dict[str, Any] = {"id": n, "method": method, "params": params}
        if self.session is not None and not method.startswith("Target."):
            msg["sessionId"] = self.session
        data = json.dumps(msg).encode() + b"\0"
        while data:
            data = data[os.write(self._w, data):]
        deadline = time.monotonic() + self.timeout
        with self._lock:
            while n not in self._answers:
                left = deadline - time.monotonic()
                if self._closed or left <= 0:
                    raise BrowserError(f"{method}: " + ("the browser exited" if self._closed else "no answer in time"))
                self._lock.wait(left)
            answer = self._answers.pop(n)
        if "error" in answer:
            raise BrowserError(f"{method}: {answer['error'].get('message')}")
        return answer.get("result", {})

    def wait_event(self, method: str, since: int = 0) -> dict:
        """The first event ``method`` at or after index ``since`` of :attr:`events`, waiting for it."""
        deadline = time.monotonic() + self.timeout
        with self._lock:
            while True:
                for ev in self.events[since:]:
                    if ev.get("method") == method:
                        return ev
                left = deadline - time.monotonic()
                if self._closed or left <= 0:
                    raise BrowserError(f"no {method} event in time")
                self._lock.wait(left)

    # ---- page ---------------------------------------------------------------------------------
    def open(self, path: str | os.PathLike) -> str:
        """Load a local file (or URL) and wait for its load event; returns the URL loaded."""
        url = path if isinstance(path, str) and "://" in path else Path(path).resolve().as_uri()
        with self._lock:
            since = len(self.events)
        result = self.send("Page.navigate", url=url)
        if result.get("errorText"):
            raise BrowserError(f"cannot open {url}: {result['errorText']}")
        self.wait_event("Page.loadEventFired", since)
        return url

    def eval(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (promises awaited; JSON-able values only)."""
        res = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in res:
            d = res["exceptionDetails"]
            raise BrowserError(f"JavaScript error: {d.get('exception', {}).get('description') or d.get('text')}")
        return res.get("result", {}).get("value")

    def click(self, selector: str) -> None:
        """Scroll the first element matching ``selector`` into view and click its centre with the mouse."""
        box = self.eval(f"(function(){{var e=document.querySelector({json.dumps(selector)});if(!e)return null;"
                        "e.scrollIntoView({block:'center'});var r=e.getBoundingClientRect();"
                        "return [r.left+r.width/2,r.top+r.height/2];})()")
        if box is None:
            raise BrowserError(f"no element matches {selector!r}")
        x, y = box
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)

    def screenshot(self) -> bytes:
        """A PNG of the viewport."""
        return base64.b64decode(self.send("Page.captureScreenshot", format="png")["data"])

    def close(self) -> None:
        """End the browser (the process this object started) and remove its profile."""
        try:
            if self.proc.poll() is None:
                try:
                    self.send("Browser.close") if not self._closed else None
                except BrowserError:
                    pass
                try:
                    self.proc.wait(5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(5)
        finally:
            for fd in (self._w, self._r):
                try:
                    os.close(fd)
                except OSError:
                    pass
            shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def png_colours(data: bytes, limit: int = 1 << 16) -> int:
    """How many distinct colours a PNG has (8-bit greyscale, RGB or RGBA, non-interlaced; counting stops at
    ``limit``)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    if ihdr is None:
        raise ValueError("PNG without IHDR")
    width, height, depth, ctype, _, _, interlace = ihdr
    channels = {0: 1, 2: 3, 4: 2, 6: 4}.get(ctype)
    if depth != 8 or channels is None or interlace:
        raise ValueError(f"unsupported PNG (depth {depth}, colour type {ctype}, interlace {interlace})")
    raw, stride = zlib.decompress(idat), width * channels
    prev, colours, i = bytearray(stride), set(), 0
    for _ in range(height):
        f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - channels] if x >= channels else 0
            b, c = prev[x], prev[x - channels] if x >= channels else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + ((a + b) >> 1)) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        colours.update(bytes(line[k:k + channels]) for k in range(0, stride, channels))
        if len(colours) >= limit:
            return len(colours)
        prev = line
    return len(colours)
