"""Text-mode conversations for formats that have no model template of their own (``openai``,
``nexau_xml``, ``openrouter_xml``, ``pythonic``): ChatML turns, the format's tool prompt in the
system turn, calls written in the assistant text, results in a ``user`` (or ``tool``) turn."""
from __future__ import annotations

from nexc.formats.base import Format
from nexc.formats.messages import message_content


class ChatMLTextFormat(Format):
    """A format whose training text is ChatML with calls written as text."""

    marks_generation = True
    stop_sequences = ("<|im_end|>",)
    #: role of the turn carrying tool results; consecutive results share one turn when merged
    results_role = "user"
    merge_results = True

    def _render_conversation(self, messages, tools, *, add_generation_prompt, marks=("", ""), memo=None, **kw):
        """``memo``: a :class:`~nexc.formats.parsing.Memo` of the texts of assistant turns and single
        results by message identity, for callers whose messages do not change once rendered (the
        dataset build)."""
        o, c = marks
        out = []
        start = 0
        system = None
        if messages and messages[0].get("role") == "system":
            system, start = messages[0]["content"], 1
        prompt = self.system_prompt_with_tools(system, tools)
        if system is not None or prompt:
            out.append("<|im_start|>system\n" + prompt + "<|im_end|>\n")
        i, n = start, len(messages)
        while i < n:
            m = messages[i]
            role = m.get("role")
            if role == "assistant":
                hit = memo.get(id(m)) if memo is not None else None
                if hit is not None and hit[0] is m:
                    text = hit[1]
                else:
                    text = self._render_assistant(m)
                    if memo is not None:
                        memo.put(id(m), (m, text))
                out.append("<|im_start|>assistant\n" + o + text + "<|im_end|>" + c + "\n")
            elif role == "tool":
                j = i + 1
                if self.merge_results:
                    while j < n and messages[j].get("role") == "tool":
                        j += 1
                hit = memo.get(~id(m)) if memo is not None and j == i + 1 else None
                if hit is not None and hit[0] is m:
                    text = hit[1]
                else:
                    text = self._render_results(messages[i:j])
                    if memo is not None and j == i + 1:
                        memo.put(~id(m), (m, text))
                out.append("<|im_start|>" + self.results_role + "\n" + text + "<|im_end|>\n")
                i = j
                continue
            else:
                out.append("<|im_start|>" + str(role) + "\n" + message_content(m) + "<|im_end|>\n")
            i += 1
        if add_generation_prompt:
            out.append("<|im_start|>assistant\n")
        return "".join(out)
