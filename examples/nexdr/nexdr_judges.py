"""The judges' middleware of the NexDR example (the part of NexDR's ``TodoAndContinueMiddleware`` that the
runtime's middleware can do; README.md says what is approximated and how).

- After every ``validate_every_n``-th ``todo_write`` the observation asks the researcher to have the plan
  checked by the plan judge (at most ``max_validation_times`` times).
- A hand-off to a report writer before the completion judge has said COMPLETE is refused with a note to
  ask it first (at most ``max_continue_times`` refusals, then the hand-off goes through).
- The completion judge's verdict is kept in the run's GlobalStorage (``research_complete``).
"""
from __future__ import annotations


class ResearchGate:
    """Middleware of the researcher: plan checks after todo writes, no hand-off before the judge agrees."""

    def __init__(self, writers=("markdown_report_writer", "html_report_writer"), plan_judge: str = "todo_judge",
                 completion_judge: str = "continue_judge", validate_every_n: int = 3,
                 max_validation_times: int = 5, max_continue_times: int = 5):
        self.writers, self.plan_judge, self.completion_judge = tuple(writers), plan_judge, completion_judge
        self.every, self.max_validations, self.max_refusals = validate_every_n, max_validation_times, \
            max_continue_times

    @staticmethod
    def _bump(storage, key: str) -> int:
        n = int(storage.get(key, 0)) + 1
        storage.set(key, n)
        return n

    def before_tool(self, ctx, name: str, args: dict):
        if name not in self.writers or ctx.storage.get("research_complete"):
            return None
        if self._bump(ctx.storage, "handoffs_refused") > self.max_refusals:
            return None  # bounded, as in NexDR: after enough refusals the hand-off goes through
        return (f"Not handed off: ask {self.completion_judge} whether the research is complete first (give it "
                "the question and a summary of your findings with their sources).")

    def after_tool(self, ctx, name: str, args: dict, text: str):
        storage = ctx.storage
        if name == self.completion_judge:
            storage.set("research_complete", text.lstrip().upper().startswith("COMPLETE"))
            return None
        if name == "todo_write":
            n = self._bump(storage, "todo_writes")
            if (n - 1) % self.every == 0 and self._bump(storage, "plan_checks") <= self.max_validations:
                return (f"{text}\n\nHave this plan checked: call {self.plan_judge} with the user's question and "
                        "the plan, and revise the plan if it answers INVALID.")
        return None
