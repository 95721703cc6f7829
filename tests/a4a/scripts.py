"""Scripted A4A model replies for the tests (the fake server answers by the stage agent's prompt)."""
from __future__ import annotations

import json

from nexc.testing import reply

META = json.dumps({"name": "weather_desk", "pattern": "hierarchy", "levels": 2,
                   "agents": [{"name": "lead", "role": "answers"}, {"name": "forecaster", "role": "forecasts"}]})

GOOD_SPEC = '''nex 1

framework weather_desk "Answers weather questions." {}

llm main {
  model = env("NEXC_MODEL", "nex-n1")
}

tool convert(celsius: float "Degrees Celsius") -> str
  "Convert Celsius to Fahrenheit."
  = python "tools.weather_tools:convert"

agent forecaster "Forecasts the weather for a city." {
  llm = main
  prompt = file("prompts/forecaster.md")
  tools = [convert]
  max_iterations = 5
}

agent lead "Answers weather questions, delegating forecasts." {
  llm = main
  prompt = template(file("prompts/lead.md"), vars = ["date"])
  tools = [forecaster]
  max_iterations = 5
}

entry lead
'''
GOOD_TOOLS = "def convert(celsius: float) -> str:\n    return f\"{celsius * 9 / 5 + 32:.1f} F\"\n"
EXAMPLES = json.dumps({"convert": [{"arguments": {"celsius": 20}}]})
PROMPTS = {"prompts/forecaster.md": "You forecast.\n", "prompts/lead.md": "You lead. Today is {{ date }}.\n"}

# the same framework with seven planted defects
BAD_SPEC = (GOOD_SPEC
            .replace("tools = [convert]", "tools = [convert, lookup_city]")                       # unknown tool
            .replace("tools = [forecaster]", "tools = [forecaster, archivist, lead]")            # dangling + cycle
            .replace('"tools.weather_tools:convert"', '"tools.weather_tools:convrt"')              # bad binding
            .replace('You lead', 'You lead')
            .replace('vars = ["date"]', 'vars = []'))                                           # undeclared var
BAD_TOOLS = "def convert(celsius: float) -> str:\n    return celsius + ' F'\n"                       # type error


def files(spec: str, tools: str) -> str:
    blocks = [f"```nex file=weather_desk.nex\n{spec}```", f"```python file=tools/weather_tools.py\n{tools}```",
              f"```json file=tools/weather_tools.examples.json\n{EXAMPLES}\n```"]
    blocks += [f"```markdown file={p}\n{t}```" for p, t in PROMPTS.items()]
    return "\n\n".join(blocks)


FIXES = {"edits": [
    {"file": "weather_desk.nex", "old": "tools = [convert, lookup_city]", "new": "tools = [convert]"},
    {"file": "weather_desk.nex", "old": "tools = [forecaster, archivist, lead]", "new": "tools = [forecaster]"},
    {"file": "weather_desk.nex", "old": '"tools.weather_tools:convrt"', "new": '"tools.weather_tools:convert"'},
    {"file": "weather_desk.nex", "old": "vars = []", "new": 'vars = ["date"]'},
    {"file": "tools/weather_tools.py", "old": "return celsius + ' F'",
     "new": 'return f"{celsius * 9 / 5 + 32:.1f} F"'},
]}


def stage(req) -> str:
    s = req.system
    return "meta" if s.startswith("You design") else "builder" if s.startswith("You write") else "repairer"


def script(builder_reply: str, repair_replies=(json.dumps(FIXES),), meta_reply: str = f"```json\n{META}\n```"):
    """A handler: the meta design, then ``builder_reply``, then the repair replies in turn (the last repeats)."""
    state = {"repairs": 0, "builds": 0, "seen": []}

    def handle(req):
        st = stage(req)
        state["seen"].append((st, req.messages[-1]["content"]))
        if st == "meta":
            return reply(meta_reply)
        if st == "builder":
            state["builds"] += 1
            return reply(builder_reply) if isinstance(builder_reply, str) else builder_reply[min(
                state["builds"] - 1, len(builder_reply) - 1)]
        i = min(state["repairs"], len(repair_replies) - 1)
        state["repairs"] += 1
        r = repair_replies[i]
        return reply(r) if isinstance(r, str) else r
    handle.state = state
    return handle
