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
