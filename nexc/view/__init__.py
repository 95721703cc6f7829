"""What a model sees: the one builder of every LLM request.

Given a compiled agent, its tool format, the framework's wire profile and the state of a run, the view
builds the exact request of an LLM call — the system prompt and its parts, the tool declarations, the
format's instructions, the text the runtime injects, sampling parameters and stop strings. The
runtime sends what it builds; static analysis (context sizes, NEX440), ``nexc build --target
dataset`` and ``nexc dataset build`` read it too, so nothing else builds prompts.

- :mod:`nexc.view.profile` — the ``nexc`` and ``nexau`` wire profiles;
- :mod:`nexc.view.tools` — the tools an agent's model is offered;
- :mod:`nexc.view.prompt` — system prompts, sub-agent and skill briefs;
- :mod:`nexc.view.agent` — :class:`~nexc.view.agent.AgentView`, one agent as its model sees it;
- :mod:`nexc.view.wire` — canonical conversation → request messages (native or text mode).
"""
