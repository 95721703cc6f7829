"""Rules on what the agent says: ``repetition`` (the same call or text again and again, n-gram loops) and
``unsupported-claim`` (an answer citing numbers, quotes or files that no observation holds).

Observations are what reached the agent from outside: its task and other user messages, its system prompt,
its tool results (a sub-agent's answer is one for its parent) and the arguments it wrote in its calls. A claim
is a number of two or more digits (``2,148,327`` and ``2148327`` are one number), a quoted passage of three or
more words, or a file name with an extension; it is unsupported when no observation of that agent holds it. A
number the model
computed itself (a sum of two results) is reported too: a training sample should show the computation.
"""
from __future__ import annotations

import json
import re
from collections import Counter

from nexc.gap.filter.model import Finding, Run, calls_of, short
from nexc.gap.filter.registry import Config, rule

_WORD = re.compile(r"\w+", re.UNICODE)


def _call_key(c: dict) -> tuple[str, str]:
    fn = c.get("function")
    fn = fn if isinstance(fn, dict) else {}
    args = fn.get("arguments")
    if isinstance(args, str):
        try:
            args = json.loads(args)
        except ValueError:
            return str(fn.get("name")), args
    return str(fn.get("name")), json.dumps(args, sort_keys=True, ensure_ascii=False)


def ngram_loop(text: str, n: int, share: float, min_words: int) -> str | None:
    """The repeated n-gram when ``text`` loops: fewer than ``1 - share`` of its word n-grams are distinct."""
    words = _WORD.findall(text.lower())
    if len(words) < min_words:
        return None
    grams = [tuple(words[i:i + n]) for i in range(len(words) - n + 1)]
    counts = Counter(grams)
    if len(counts) / len(grams) >= 1 - share:
        return None
    gram, times = counts.most_common(1)[0]
    return f"'{' '.join(gram)}' ×{times} in {len(words)} words"


@rule("repetition", "NEX821", "An agent repeats the same call or text again and again.")
def repetition(run: Run, cfg: Config):
    calls: dict[tuple, int] = {}
    texts: dict[tuple, int] = {}
    for st in run.steps():
        if not st.is_reply:
            continue
        for c in calls_of(st.message_dict):
            key = (st.agent_path, *_call_key(c))
            calls[key] = calls.get(key, 0) + 1
            if calls[key] == cfg.repeat_calls:
                yield Finding("repetition", st.record, st.message,
                              short(f"call {key[1]}({key[2]}) made {cfg.repeat_calls} times"))
        text = st.text.strip()
        if text and len(text) >= 20:
            key = (st.agent_path, text)
            texts[key] = texts.get(key, 0) + 1
            if texts[key] == cfg.repeat_calls:
                yield Finding("repetition", st.record, st.message,
                              short(f"the same text {cfg.repeat_calls} times: {text}"))
                continue
        loop = ngram_loop(text, cfg.ngram, cfg.ngram_share, cfg.ngram_min_words) if text else None
        if loop is not None:
            yield Finding("repetition", st.record, st.message, short(f"n-gram loop: {loop}"))


_NUMBER = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?")
_QUOTE = re.compile(r"\"([^\"\n]{12,200})\"|“([^”\n]{12,200})”|「([^」\n]{4,200})」")
_FILE = re.compile(r"(?<![\w/.-])((?:[\w-]+/)*[\w-]+\.(?:py|js|ts|tsx|java|go|rs|c|cc|cpp|h|rb|php|json|ya?ml|"
                   r"toml|md|txt|csv|log|html|xml|sql|sh|ipynb))\b")


def _norm_number(s: str) -> str:
    s = s.replace(",", "")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s.lstrip("0") or "0"


def numbers(text: str) -> set[str]:
    return {_norm_number(m.group(0).rstrip(",")) for m in _NUMBER.finditer(text)}


def _observations(run: Run, agent_path: str) -> str:
    parts = []
    for st in run.steps():
        if st.agent_path != agent_path:
            continue
        m = st.message_dict
        if st.role in ("user", "system", "tool"):
            parts.append(st.text)
        elif st.role == "assistant":
            for c in calls_of(m):
                fn = c.get("function")
                if isinstance(fn, dict):
                    a = fn.get("arguments")
                    parts.append(a if isinstance(a, str) else json.dumps(a, ensure_ascii=False))
    return "\n".join(parts)


def claims(answer: str) -> list[str]:
    """The checkable claims of an answer: numbers (two or more digits), quoted passages, file names."""
    out = [m.group(0).rstrip(",") for m in _NUMBER.finditer(answer)
           if sum(ch.isdigit() for ch in m.group(0)) >= 2]
    for m in _QUOTE.finditer(answer):
        q = next(g for g in m.groups() if g)
        if len(_WORD.findall(q)) >= 3 or m.group(3):
            out.append(f'"{q}"')
    out += [m.group(1) for m in _FILE.finditer(answer)]
    return out


@rule("unsupported-claim", "NEX826", "An answer cites results (numbers, quotes, files) no observation holds.")
def unsupported_claim(run: Run, cfg: Config):
    steps = run.steps()
    last_reply: dict[str, int] = {}
    for k, st in enumerate(steps):
        if st.is_reply:
            last_reply[st.agent_path] = k
    for k in sorted(last_reply.values()):
        st = steps[k]
        if calls_of(st.message_dict):
            continue  # the agent run did not end with an answer
        answer = st.text
        found = claims(answer)
        if not found:
            continue
        obs = _observations(run, st.agent_path)
        obs_lower, obs_numbers = obs.lower(), numbers(obs)
        for c in found:
            if c.startswith('"'):
                ok = c[1:-1].lower() in obs_lower
            elif c[0].isdigit():
                ok = _norm_number(c) in obs_numbers
            else:
                ok = c.lower() in obs_lower
            if not ok:
                yield Finding("unsupported-claim", st.record, st.message,
                              short(f"{c} appears in no observation of this agent"))
