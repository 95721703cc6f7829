"""The trajectory judge (issue 23, part 2): a nexc framework (``stdlib/gap/judge.nex``) that reads a run in
chunks that fit its context, carrying a running state from chunk to chunk, and answers findings by a taxonomy
and a verdict as JSON checked against a schema.

:mod:`~nexc.gap.judge.schema` (the reply's JSON Schema, the taxonomy), :mod:`~nexc.gap.judge.chunks` (steps
as text, chunks by token estimate, long steps split, never cut), :mod:`~nexc.gap.judge.run` (the loop, the
recorded and replayable calls, ``verdicts.jsonl``).
"""
from nexc.gap.judge.run import Judge, JudgeOptions, judge_runs
from nexc.gap.judge.schema import REPLY_SCHEMA, TAXONOMY

__all__ = ["REPLY_SCHEMA", "TAXONOMY", "Judge", "JudgeOptions", "judge_runs"]
