"""The LLM client: any OpenAI-compatible endpoint through ``openai.AsyncOpenAI``.

- One client per (event loop, base_url, api_key), created on first use and reused, so connections
  stay alive between calls (a client cannot outlive its loop, hence the loop in the key).
- The client's own retries are off; :meth:`LiveLlm.complete` retries 408/409/429/5xx, timeouts,
  connection errors and unreadable bodies with exponential backoff and jitter
  (``retry_base * 2**attempt``, capped at ``retry_max_delay``, times a random factor in [0.5, 1]),
  waiting what ``Retry-After`` / ``retry-after-ms`` says when the server sends it (capped the same way).
- Each attempt has a timeout (``llm.timeout`` or ``Settings.request_timeout``).
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


def parse_completion(data: Any, attempts: int = 1) -> LlmResponse:
    """A chat-completion JSON body → :class:`LlmResponse` (raises ``ValueError`` on a wrong shape)."""
    try:
        choice = data["choices"][0]
        msg = choice["message"]
    except (KeyError, IndexError, TypeError):
        err = data.get("error") if isinstance(data, dict) else None
        raise ValueError(f"the response has no choices: {str(err or data)[:300]}") from None
    calls = msg.get("tool_calls") or []
    if calls:
        calls = [{"id": c.get("id") or "", "type": "function",
                  "function": {"name": (c.get("function") or {}).get("name") or "",
                               "arguments": (c.get("function") or {}).get("arguments") or ""}}
                 for c in calls]
    reasoning = msg.get("reasoning_content")
    if reasoning is None:
        reasoning = msg.get("reasoning")
    matched = choice.get("stop_reason", choice.get("matched_stop"))
    return LlmResponse(msg.get("content"), calls, reasoning, choice.get("finish_reason"), data.get("usage"),
                       attempts, data.get("model"), matched if isinstance(matched, str) else None)


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

    async def complete(self, ep: Endpoint, body: dict) -> LlmResponse:
        """POST ``body`` to ``ep``'s ``/chat/completions`` with retries; raise :class:`LlmError` at the end."""
        client = self._client(ep.base_url, ep.api_key)
        openai = self._openai
        s = self.settings
        options = {"timeout": ep.timeout}
        last: LlmError | None = None
        for attempt in range(ep.max_retries + 1):
            wait: float | None = None
            try:
                resp = await client.post("/chat/completions", cast_to=self._response_cls, body=body,
                                         options=options)
                return parse_completion(resp.json(), attempt + 1)
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
            await asyncio.sleep(min(max(wait, 0.0), s.retry_max_delay))
        assert last is not None
        last.message += f" (after {last.attempts} attempts)"
        raise last


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    cause = exc.__cause__
    if cause is not None and str(cause) and str(cause) not in text:
        text += f" ({type(cause).__name__}: {cause})"
    return text[:500]
