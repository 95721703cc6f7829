"""GAP: tasks for a framework, runs at scale, and only good trajectories as data (part 1: tasks).

Modules, in the order a task is made: :mod:`~nexc.gap.taxonomy` (problem-type trees: NexGAP's
``problem_types.json`` or nexc YAML, checked with positions), :mod:`~nexc.gap.stats` (the one place sampling
counts live: NexGAP's ``tag_sampling_stats.json``, locked and written atomically), :mod:`~nexc.gap.sample`
(the allocator: balanced or inverse-frequency draws, seeded), :mod:`~nexc.gap.personas` (persona pools with
stable ids), :mod:`~nexc.gap.queries` (query synthesis by the agents of ``stdlib/gap/synth.nex``, resumable,
with provenance on every record).
"""
