"""NEX8xx: GAP inputs (taxonomies, persona pools, sampling stats, GAP jobs)."""
from nexc.diagnostics.registry import rule

rule("NEX800", "taxonomy-empty", "error", "A problem-type taxonomy has no problem types.",
     what="The tree has no node below its root (NexGAP's `problem_types.json` with an empty `children`), or the "
          "file holds no tree at all.",
     why="Nothing could be sampled: every query needs a problem type.",
     example='{"framework": "f", "tree": {"id": "root", "en": "f", "zh": "f", "children": []}}',
     fix="Add problem types under the root, or generate them (`nexc gap taxonomy expand`).")
rule("NEX801", "taxonomy-duplicate-id", "error", "Two nodes of a taxonomy share an id.",
     what="Node ids name sampling paths and counts; two nodes with one id make their counts and provenance "
          "ambiguous.",
     why="NexGAP keys counts by path, so duplicates silently merge or split statistics.",
     example='{"id": "pricing", "children": [{"id": "a"}, {"id": "a"}]}',
     fix="Give each node its own id.")
rule("NEX802", "taxonomy-missing-label", "error", "A taxonomy node lacks a label in one of its languages.",
     what="Every node needs `en` and `zh` (or the languages the job asks for); a label missing in one language "
          "gives queries about an unnamed problem type in that language.",
     why="Synthesis conditions on the label; an empty one produces vague queries.",
     example='{"id": "pricing", "en": "Pricing"}',
     fix="Add the missing label.")
rule("NEX803", "taxonomy-cycle", "error", "A flat taxonomy's parent links form a cycle.",
     what="In the `nodes: [{id, parent}]` form, following `parent` from a node comes back to it, or names a "
          "node that does not exist.",
     why="A tree must end at its root; a cycle has no path to sample.",
     example="nodes:\n  - {id: a, parent: b}\n  - {id: b, parent: a}",
     fix="Point the parents at the tree's root.")
rule("NEX804", "gap-bad-input", "error", "A GAP input file cannot be used as it is.",
     what="A persona pool line that is no JSON object with `persona`, a sampling stats file whose `path_counts` "
          "is no map of path → count, a GAP job that does not match its schema.",
     why="GAP runs at scale; one bad line must be named, not crash a run of thousands.",
     example='{"persona_chinese": "..."}   # no "persona"',
     fix="Correct the line the message names.")

# NEX820–NEX849: `nexc gap filter` — one code per filter rule (the rule id is the name without `traj-`), then
# the filter's own input problems. Reported in OUT/dropped.jsonl and report.json, not by lint.
_F = "Reported by `nexc gap filter` (findings in OUT/dropped.jsonl, counts in OUT/report.json); select rules " \
     "with `--rules`, switch one off with `--disable`."
rule("NEX820", "traj-truncated", "warning", "A run has a turn cut off by the token limit or a call left open.",
     what="A reply ended with `finish_reason` `length` (the model hit `max_tokens`), or a text-mode reply opened a "
          f"call block it never closed. Filter rule `truncated`. {_F}",
     why="A model trained on it learns to stop mid-sentence or mid-call.",
     example='{"finish_reason": "length", "reply": {"content": "Paris ha"}}',
     fix="Drop the run (the filter does), or run it again with a larger `max_tokens` for the agent.")
rule("NEX821", "traj-repetition", "warning", "An agent repeats the same call or text again and again.",
     what="The same tool with the same arguments called three times or more by one agent run, the same text "
          f"written three times, or a reply whose word 6-grams are mostly repeats (a loop). Rule `repetition`. {_F}",
     why="Loops are the commonest failure of long agent runs; training on them teaches them.",
     example='lookup({"city": "Paris"}) ×3 in one agent run',
     fix="Drop the run; if many runs loop, look at the tool's result (does it say what happened?) and the prompt.")
rule("NEX822", "traj-unknown-tool", "warning", "A call names a tool the agent was not offered.",
     what=f"A reply calls a tool that is not in the `tools` of the request that produced it. Rule `unknown-tool`. {_F}",
     why="The model invented a tool: a sample teaching tool calls must not show that.",
     example='tools: [lookup, convert]; call: get_population(...)',
     fix="Drop the run; many such runs point to a tool name the prompt mentions but the agent lacks.")
rule("NEX823", "traj-invalid-arguments", "warning", "A call's arguments are not JSON or break the tool's schema.",
     what="The arguments do not parse as a JSON object, or fail the tool's JSON Schema (a missing required "
          f"argument, a wrong type). Rule `invalid-arguments`. {_F}",
     why="A model trained on it writes calls the runtime refuses.",
     example='lookup({"city": 42})   # city is a string',
     fix="Drop the run; check the tool's schema says what the model is expected to write.")
rule("NEX824", "traj-unanswered-error", "warning", "A tool error the agent answered past without a word or retry.",
     what="A tool result marked `is_error` (or starting with `Error`) was followed by a final answer that neither "
          f"retries nor mentions the failure, or by nothing at all. Rule `unanswered-error`. {_F}",
     why="The answer pretends the step worked: a model learns to hide failures.",
     example='search → "Error: service unavailable"; answer: "Here are the results: …"',
     fix="Drop the run.")
rule("NEX825", "traj-text-after-call", "warning", "A text-mode turn went on after its last call.",
     what="The runtime cut text the model wrote after its last complete call (`discarded_text`): a made-up tool "
          f"result or an early answer. Rule `text-after-call`. {_F}",
     why="The model guessed a result before seeing it; the cut text is what it would learn to do.",
     example='<tool_call>…</tool_call> The result is probably 3.',
     fix="Drop the run; send the format's stop strings (nexc does) so the endpoint stops at the call.")
rule("NEX826", "traj-unsupported-claim", "warning", "An answer cites results that no observation holds.",
     what="A final answer holds a number of two or more digits, a quoted passage or a file name that appears in "
          "none of the agent's observations (task, system prompt, tool results, its own call arguments): a "
          f"fabricated result, such as test results from a test file that does not exist. Rule `unsupported-claim`. {_F}",
     why="Reward hacking and hallucination look like success; they must not become training data.",
     example='answer: "All checks in tests/test_population.py passed." (no tool ever saw that file)',
     fix="Drop the run; a number the model computed itself is reported too — show the computation in a tool.")
rule("NEX827", "traj-placeholder-output", "warning", "A tool returned a placeholder.",
     what="A tool result that is empty, a bare `TODO`/`TBD`/`N/A`/`None`, an unfilled template (`{result}`, "
          f"`{{{{value}}}}`) or lorem ipsum. Rule `placeholder-output`. {_F}",
     why="A tool-design issue: the run shows the model working with nothing, and often inventing the rest.",
     example='search(...) → "TODO"',
     fix="Fix the tool, then run the task again.")
rule("NEX828", "traj-long-tool-output", "warning", "A tool returned more text than an agent should read whole.",
     what="A tool result longer than the limit (20,000 characters by default, `Config.long_output_chars`). "
          f"Rule `long-tool-output`. {_F}",
     why="Over-verbose tool returns crowd the context and teach the model to skim; a tool-design issue.",
     example='read_page(...) → 180,000 characters of HTML',
     fix="Make the tool return less (a summary, a page of results), then run the task again.")
rule("NEX829", "traj-malformed-format", "warning", "A text-mode turn holds call text its format cannot read.",
     what="The reply's raw text has a call block that the format's parser (`nexc.formats`) rejects, e.g. invalid "
          f"JSON inside `<tool_call>`. A block left open is `traj-truncated` instead. Rule `malformed-format`. {_F}",
     why="The sample would teach the format wrongly; NexGAP dropped a whole record for one such message, nexc "
         "reports the message.",
     example='<tool_call>\n{"name": "lookup", "arguments": {"city": "x"\n</tool_call>',
     fix="Drop the run.")
rule("NEX830", "traj-duplicate-task", "warning", "A run's task is the same as, or nearly the same as, an earlier's.",
     what="The entry agent's first user message equals an earlier run's (case and punctuation aside) or its MinHash "
          f"Jaccard estimate reaches 0.8 (word 3-gram shingles). The first run is kept. Rule `duplicate-task`. {_F}",
     why="Duplicates over-weight one task in training and leak between train and test splits.",
     example='"Find the population of Paris …" and "Hi, find the population of Paris …"',
     fix="Nothing: the later run is dropped; synthesise more varied queries if many are.")
rule("NEX831", "traj-stop-reason", "warning", "The run ended for a reason other than success.",
     what="`RUNS/results.jsonl` gives a stop reason other than `completed` or `stop_tool` (`max_iterations`, "
          f"`context_limit`, `llm_error`, `cancelled` …), or the run's last call failed. Rule `stop-reason`. {_F}",
     why="The task was not done; the trajectory shows no complete answer to learn from.",
     example='{"stop_reason": "max_iterations"}',
     fix="Drop the run; many such runs call for more iterations or a better prompt.")
rule("NEX840", "filter-bad-line", "warning", "A line of a trajectory file is no trajectory record.",
     what="`nexc gap filter` read a line that is not a JSON object with a `trace_id` (or a torn last line a killed "
          "writer left). It is left out of every output.",
     why="One bad line must be named, not stop a filter of thousands of runs.",
     example='{"messages": [...]}   # no trace_id',
     fix="Correct or remove the line; a torn last line needs nothing.")
rule("NEX843", "trajectory-bad-line", "warning", "A line of a trajectory file is no LLM-call record.",
     what="`nexc view` read a line that is not a JSON object with a `messages` list (a span line, a torn last line "
          "a killed writer left, or text from elsewhere). It is skipped.",
     why="A page of thousands of runs should not fail for one line; the line is named so it can be looked at.",
     example='{"kind": "note", "text": "…"}   # no messages',
     fix="Correct or delete the line; a torn last line needs nothing.")
rule("NEX844", "trajectory-no-records", "error", "The inputs hold no LLM-call record.",
     what="None of the files given to `nexc view` holds a single trajectory record (one JSON line per LLM call, "
          "as `nexc run` and `nexc gap run` write them).",
     why="There is nothing to show; most often the wrong file was given (a results.jsonl, a dataset).",
     example="nexc view runs/results.jsonl",
     fix="Give the trajectory files (`nexc-runs/*.jsonl`, `RUNS/trajectories/`), or the folder that holds them.")
rule("NEX841", "filter-rule-failed", "warning", "A filter rule failed on one run.",
     what="A rule raised an exception on a run (an unexpected record shape). The run is kept unless another rule "
          "drops it.",
     why="The filter goes on; the message names the rule and the run so it can be fixed.",
     example="rule 'invalid-arguments' failed on run 0f…: TypeError: …",
     fix="Report it with the run's records.")
rule("NEX842", "judge-invalid-reply", "warning", "The trajectory judge gave no valid assessment of a chunk.",
     what="The judge's reply to a chunk was not JSON matching its schema (findings by the taxonomy, state, verdict), "
          "also after one repair request. The run gets no verdict.",
     why="A guess is worse than no verdict: the dataset gate (`--min-verdict`) treats the run as unjudged.",
     example='"The run looks fine to me."   # no JSON',
     fix="Use a model that follows the JSON instructions, or a larger `max_tokens` for the judge.")
