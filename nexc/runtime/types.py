"""Values the runtime hands back: stop reasons, run results and the settings of a runtime."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Callable


class StopReason(str, enum.Enum):
    """Why an agent loop (or a whole run) ended."""

    COMPLETED = "completed"            #: the model answered without calling a tool
    STOP_TOOL = "stop_tool"            #: a stop tool ran; its result is the answer
    MAX_ITERATIONS = "max_iterations"  #: ``limits.max_iterations`` LLM calls were made
    CONTEXT_LIMIT = "context_limit"    #: the conversation no longer fits ``limits.context_tokens``
    LLM_ERROR = "llm_error"            #: an LLM call failed after every retry
    CANCELLED = "cancelled"            #: the run's timeout passed or it was cancelled
    REPLAY_DIVERGED = "replay_diverged"  #: a replayed run asked for a call the recording does not have
    ERROR = "error"                    #: the run could not start or nexc failed (see ``RunResult.error``)

    def __str__(self) -> str:
        return self.value

    @property
    def ok(self) -> bool:
        """True for the reasons that mean the agent finished its task."""
        return self in (StopReason.COMPLETED, StopReason.STOP_TOOL)


class RunAbort(Exception):
    """Ends the whole run (from any depth of the agent tree) with ``reason``."""

    def __init__(self, reason: StopReason, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass
class RunResult:
    """The outcome of one run.

    ``records`` are the trajectory records (one per LLM call, the schema of
    ``specs/trajectory.schema.json``); ``spans`` every span of the run; ``trace_path`` the JSON Lines
    file they were written to, if any.
    """

    output: str
    stop_reason: StopReason
    trace_id: str
    records: list[dict] = field(default_factory=list)
    spans: list[Any] = field(default_factory=list)
    error: str | None = None
    trace_path: str | None = None
    usage: dict[str, int] = field(default_factory=dict)
    duration_s: float = 0.0
    #: what the run noticed but went on past (a lenient replay's differing tool results)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.stop_reason.ok


@dataclass
class Settings:
    """Knobs of the runtime (defaults suit production; tests shorten the delays).

    ``max_retries``/``request_timeout`` apply when the spec's ``llm`` does not set them; ``max_depth`` applies
    to agents without one (an agent runs at most ``max_depth`` times on one delegation stack).
    ``profile`` and the agent plans are fixed when a framework is loaded: a ``settings`` given to one run
    cannot change them.
    ``fsync``: ``"run"`` (fsync the trajectory when a run ends), ``"record"`` (after every record) or
    ``"never"``. Records are always handed to the kernel with one ``write`` each, so a killed *process*
    loses at most the record in flight whatever the policy; fsync only matters for a crash of the machine.
    """

    max_retries: int = 4
    retry_base: float = 0.5
    retry_max_delay: float = 30.0
    request_timeout: float = 120.0
    max_depth: int = 5
    hint_window: int = 3
    context_hint_ratio: float = 0.8
    compaction_ratio: float = 0.75
    keep_recent_results: int = 2
    fsync: str = "run"
    tool_workers: int = 16
    tool_timeout: float | None = None
    inline_fast_tools: bool = True
    send_reasoning: bool = False
    token_counter: Callable[[str], int] | None = None
    replay_strict: bool = True
    #: replay: ``"recorded"`` takes tool results from the recording (no tool runs, so no side effects);
    #: ``"run"`` runs the tools again and compares their results with the recording
    replay_tools: str = "recorded"
    #: replay with ``replay_tools="run"``: a tool result (or a hint derived from one) that differs from the
    #: recording is a warning (``RunResult.warnings``), not a divergence
    replay_lenient: bool = False
    #: messages name the command line's options and environment variables (``--model``, ``--context``)
    #: instead of the Python API's keywords (``model=``, ``context=``); ``nexc run`` and bundles set it
    cli: bool = False
    #: the wire profile (``nexc``, ``nexau``); None: the framework's own (``nexc.view.profile``)
    profile: str | None = None
    #: kinds of injected text the runtime leaves out (``specs/RUNTIME.md``: ``iteration_hint``,
    #: ``context_hint``, ``token_usage``, ``format_error``)
    disabled_injections: tuple[str, ...] = ()
    #: simulated tools: the ``seed`` of the simulator's calls (part of the cache key), and a JSON Lines file
    #: that keeps their results across runs (None: for the runtime's lifetime only)
    simulation_seed: int = 0
    simulation_cache: str | None = None
