"""The LLM client: any OpenAI-compatible endpoint through ``openai.AsyncOpenAI``.

- One client per (event loop, base_url, api_key), created on first use and reused, so connections
  stay alive between calls (a client cannot outlive its loop, hence the loop in the key).
- The client's own retries are off; :meth:`LiveLlm.complete` retries 408/409/429/5xx, timeouts,
  connection errors and unreadable bodies with exponential backoff and jitter
  (``retry_base * 2**attempt``, capped at ``retry_max_delay``, times a random factor in [0.5, 1]),
  waiting what ``Retry-After`` / ``retry-after-ms`` says when the server sends it (capped the same way).
- Each attempt has a deadline (``llm.timeout`` or ``Settings.request_timeout``) for the whole exchange,
  so a body that trickles in byte by byte cannot outlast it.
- A reply of the wrong shape (a message that is no object, calls without a function name, text fields
  that are no text, a body nested too deeply to read) is a bad response, retried and then ``llm_error``.
- Requests go through ``client.post`` with the body the runtime built and the response is read as
  plain JSON, skipping the SDK's per-call request transform and response model construction (the
  hot path; the bodies are exactly what ``chat.completions.create`` would send).
- ``reasoning_content`` (or ``reasoning``) of the reply is kept.

An error that survives the retries raises :class:`LlmError`; the engine turns it into the stop reason
``llm_error``.
"""
from __future__ import annotations

import asyncio
import email.utils
import random
import time
import weakref
from dataclasses import dataclass
from typing import Any

_RETRY_STATUS = frozenset((408, 409, 429))


class LlmError(Exception):
    """An LLM call that failed for good."""

    def __init__(self, message: str, *, status: int | None = None, kind: str = "error", attempts: int = 1):
        super().__init__(message)
        self.message, self.status, self.kind, self.attempts = message, status, kind, attempts

    def as_record(self) -> dict:
        return {"type": self.kind, "message": self.message, "status": self.status}


@dataclass(slots=True)
class LlmResponse:
    """One assistant reply, in OpenAI shape (tool-call arguments still JSON strings)."""

    content: str | None
    tool_calls: list[dict]
    reasoning: str | None = None
    finish_reason: str | None = None
    usage: dict | None = None
    attempts: int = 1
    model: str | None = None
    #: the stop string the endpoint stopped at, where it says so (vLLM's ``stop_reason``, SGLang's
    #: ``matched_stop``)
    stop_reason: str | None = None


@dataclass(slots=True)
class Endpoint:
    """Where and how to call one agent's model, resolved from the IR when a run starts."""

    base_url: str
    api_key: str
    model: str
    params: dict[str, Any]
    timeout: float
    max_retries: int


def _text(value: Any, what: str) -> str | None:
    """A text field of the reply: text or null; a number becomes its text; anything else is a bad response."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"the reply's {what} is {type(value).__name__}, not text")


def _call(c: Any) -> dict:
    if not isinstance(c, dict):
        raise ValueError(f"a tool call of the reply is {type(c).__name__}, not an object")
    fn = c.get("function")
    if not isinstance(fn, dict):
        raise ValueError("a tool call of the reply has no function object")
    name = fn.get("name")
    if not isinstance(name, str) or not name:
        raise ValueError(f"a tool call of the reply has no function name (got {type(name).__name__})")
    args = fn.get("arguments")
    if args is None:
        args = ""
    elif not isinstance(args, str):  # some servers send an object: keep it as the JSON text it stands for
        import json

        args = json.dumps(args, ensure_ascii=False, allow_nan=False)
    cid = c.get("id")
    return {"id": cid if isinstance(cid, str) else (str(cid) if cid is not None else ""), "type": "function",
            "function": {"name": name, "arguments": args}}


def _usage(value: Any) -> dict | None:
    """The token counts the endpoint reported (integers only; anything else is left out)."""
    if not isinstance(value, dict):
        return None
    out = {k: v for k, v in value.items() if isinstance(v, int) and not isinstance(v, bool) and v >= 0}
    return out or None


def parse_completion(data: Any, attempts: int = 1) -> LlmResponse:
    """A chat-completion JSON body → :class:`LlmResponse`; a body of the wrong shape (no choices, a message
    that is no object, calls without names, text that is no text) raises ``ValueError`` — a bad response,
    retried like an unreadable one."""
    try:
        choice = data["choices"][0]
        msg = choice["message"]
    except (KeyError, IndexError, TypeError):
        err = data.get("error") if isinstance(data, dict) else None
        raise ValueError(f"the response has no choices: {str(err or data)[:300]}") from None
    if not isinstance(choice, dict) or not isinstance(msg, dict):
        raise ValueError(f"the reply's message is {type(msg).__name__}, not an object")
    calls = msg.get("tool_calls") or []
    if not isinstance(calls, list):
        raise ValueError(f"the reply's tool_calls is {type(calls).__name__}, not a list")
    calls = [_call(c) for c in calls]
    reasoning = msg.get("reasoning_content")
    if reasoning is None:
        reasoning = msg.get("reasoning")
    matched = choice.get("stop_reason", choice.get("matched_stop"))
    finish = choice.get("finish_reason")
    model = data.get("model")
    return LlmResponse(_text(msg.get("content"), "content"), calls, _text(reasoning, "reasoning"),
                       finish if isinstance(finish, str) else None, _usage(data.get("usage")), attempts,
                       model if isinstance(model, str) else None, matched if isinstance(matched, str) else None)


def _retry_after(headers: Any) -> float | None:
    if headers is None:
        return None
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return float(ms) / 1000.0
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
            return max(0.0, when.timestamp() - time.time())
        except (TypeError, ValueError):
            return None


class LiveLlm:
    """Calls real endpoints. One instance serves many runs (it only holds the client cache)."""

    def __init__(self, settings):
        self.settings = settings
        self._clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._openai = None
        self._response_cls = None

    def _client(self, base_url: str, api_key: str):
        loop = asyncio.get_running_loop()
        per_loop = self._clients.get(loop)
        if per_loop is None:
            per_loop = self._clients[loop] = {}
        key = (base_url, api_key)
        client = per_loop.get(key)
        if client is None:
            import openai
            from openai import _base_client

            self._openai = openai
            mod = getattr(_base_client, "httpx2", None) or getattr(_base_client, "httpx")
            self._response_cls = mod.Response
            client = per_loop[key] = openai.AsyncOpenAI(base_url=base_url, api_key=api_key or "none",
                                                        max_retries=0)
        return client

    async def aclose(self) -> None:
        """Close the clients of the running loop (before that loop ends, so their connections close cleanly)."""
        try:
            per_loop = self._clients.pop(asyncio.get_running_loop(), None)
        except RuntimeError:
            return
        for client in (per_loop or {}).values():
            try:
                await client.close()
            except Exception:  # noqa: BLE001 - a connection already gone is closed enough
                pass

    async def complete(self, ep: Endpoint, body: dict, on_retry=None) -> LlmResponse:
        """POST ``body`` to ``ep``'s ``/chat/completions`` with retries; raise :class:`LlmError` at the end.

        ``on_retry(attempt, attempts, wait, error)`` is told before each wait: the attempt that follows it
        (from 2), how many attempts there may be, the seconds it waits and the error it follows."""
        client = self._client(ep.base_url, ep.api_key)
        openai = self._openai
        s = self.settings
        options = {"timeout": ep.timeout}
        last: LlmError | None = None
        for attempt in range(ep.max_retries + 1):
            wait: float | None = None
            try:
                async with asyncio.timeout(ep.timeout):  # the whole attempt, not each read of the body
                    resp = await client.post("/chat/completions", cast_to=self._response_cls, body=body,
                                             options=options)
                    data = resp.json()
                return parse_completion(data, attempt + 1)
            except (asyncio.TimeoutError, TimeoutError):
                last = LlmError(f"request timed out after {ep.timeout:g}s", kind="timeout", attempts=attempt + 1)
            except RecursionError:
                last = LlmError("bad response: the body nests JSON too deeply to read", kind="bad_response",
                                attempts=attempt + 1)
            except openai.APIStatusError as exc:
                status = exc.status_code
                last = LlmError(f"HTTP {status}: {_short(exc)}", status=status, kind="http_error",
                                attempts=attempt + 1)
                if not (status in _RETRY_STATUS or status >= 500):
                    raise last from None
                wait = _retry_after(getattr(exc.response, "headers", None))
            except openai.APITimeoutError:
                last = LlmError(f"request timed out after {ep.timeout:g}s", kind="timeout", attempts=attempt + 1)
            except openai.APIConnectionError as exc:
                last = LlmError(f"connection error: {_short(exc)}", kind="connection_error", attempts=attempt + 1)
            except ValueError as exc:  # unreadable body
                last = LlmError(f"bad response: {exc}", kind="bad_response", attempts=attempt + 1)
            except openai.OpenAIError as exc:
                raise LlmError(f"{type(exc).__name__}: {exc}", kind="client_error", attempts=attempt + 1) from None
            if attempt >= ep.max_retries:
                break
            if wait is None:
                wait = min(s.retry_max_delay, s.retry_base * (2 ** attempt)) * (0.5 + 0.5 * random.random())
            wait = min(max(wait, 0.0), s.retry_max_delay)
            if on_retry is not None:
                on_retry(attempt + 2, ep.max_retries + 1, wait, last)
            await asyncio.sleep(wait)
        assert last is not None
        last.message += f" (after {last.attempts} attempts)"
        raise last


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    cause = exc.__cause__
    if cause is not None and str(cause) and str(cause) not in text:
        text += f" ({type(cause).__name__}: {cause})"
    return text[:500]
