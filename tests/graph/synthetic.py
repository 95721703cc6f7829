"""Frameworks built directly as IR for the graph tests: a 34-agent hierarchy, a wide fan-out, cycles,
and agents whose names no spec language would allow but a NexAU YAML or an API caller can give."""
from __future__ import annotations

from nexc.ir.model import (
    Agent,
    AgentRef,
    Framework,
    Limits,
    McpSelection,
    McpServer,
    Skill,
    SkillRef,
    Tool,
    ToolRef,
)


def agent(name: str, subs=(), tools=(), **kw) -> Agent:
    """An agent delegating to ``subs`` and using the declared ``tools``."""
    entries = tuple(AgentRef(name=s) for s in subs) + tuple(ToolRef(name=t) for t in tools)
    return Agent(name=name, tools=entries + tuple(kw.pop("extra", ())), **kw)


def hierarchy34() -> Framework:
    """An entry, 5 leads, 28 workers (34 agents); workers shared between leads, one worker delegating to
    itself, two leads delegating to each other (``lead_1`` ↔ ``lead_2``), one unreachable worker, MCP
    servers (one unused) and skills on some agents."""
    leads = [f"lead_{i}" for i in range(5)]
    workers = [f"worker_{i:02d}_{'x' * (i % 7)}" for i in range(28)]
    agents = [agent("director", subs=leads, tools=["finish"], stop_tools=("finish",),
                    limits=Limits(max_iterations=40, max_depth=3))]
    for i, lead in enumerate(leads):
        subs = workers[i * 5:min((i + 1) * 5 + 3, 27)] + ([leads[3 - i]] if i in (1, 2) else [])
        agents.append(agent(lead, subs=subs, tools=["search"], limits=Limits(max_iterations=15, max_depth=2)))
    for j, w in enumerate(workers):
        extra = ()
        if j % 4 == 0:
            extra = (McpSelection(server="git"),)
        if j % 9 == 0:
            extra += (SkillRef(name="citation"),)
        subs = [w] if j == 3 else []
        tools = ["read_file", "write_file", "search"][: 1 + j % 3]
        agents.append(agent(w, subs=subs, tools=tools, extra=extra,
                            description=f"Worker number {j} does one part of the job",
                            limits=Limits(max_iterations=5 + j, max_depth=2 if j == 3 else None)))
    return Framework(name="big_team", agents=tuple(agents), entry="director",
                     tools=tuple(Tool(name=t) for t in ("finish", "search", "read_file", "write_file")),
                     mcp_servers=(McpServer(name="git", transport="stdio", command="mcp-server-git"),
                                  McpServer(name="unused_srv", transport="http", url="http://127.0.0.1:1/mcp")),
                     skills=(Skill(name="citation", path="skills/citation"),))


def fanout34() -> Framework:
    """One entry delegating to 33 leaf agents."""
    leaves = [f"leaf_{i:02d}" for i in range(33)]
    return Framework(name="fanout", entry="root",
                     agents=(agent("root", subs=leaves),) + tuple(agent(n) for n in leaves))


def cycles() -> Framework:
    """Self-delegation (``solo``), mutual delegation (``ping`` ↔ ``pong``) and a three-agent ring."""
    return Framework(name="loops", entry="main", agents=(
        agent("main", subs=["solo", "ping", "r1"]),
        agent("solo", subs=["solo"], limits=Limits(max_depth=3)),
        agent("ping", subs=["pong"]), agent("pong", subs=["ping"]),
        agent("r1", subs=["r2"]), agent("r2", subs=["r3"]), agent("r3", subs=["r1", "main"])))


#: names with everything that breaks naive SVG, DOT or Mermaid writers
HOSTILE = ['say "hi"', "a<b>&c", "line1\nline2", "smörgåsbord ✓ 数据", "back\\slash\\",
           "semi;colon #1 `tick`", "ctl\x07\x1b", "--comment-- ]] }}", "<script>alert(1)</script>",
           "a\u202eb"]


def hostile() -> Framework:
    """A chain of agents whose names are :data:`HOSTILE`, with hostile descriptions and an MCP server."""
    agents = []
    for i, n in enumerate(HOSTILE):
        subs = [HOSTILE[i + 1]] if i + 1 < len(HOSTILE) else [HOSTILE[0]]
        agents.append(agent(n, subs=subs, description=f'desc of {n} with "quotes" & <tags>',
                            extra=(McpSelection(server='srv"<&>', tools=('t"1', "t<2>")),) if i == 0 else ()))
    return Framework(name='fw "<&>"\n', entry=HOSTILE[0], agents=tuple(agents),
                     mcp_servers=(McpServer(name='srv"<&>', transport="stdio", command="x"),))
