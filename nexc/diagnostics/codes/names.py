"""NEX3xx: names and references between declarations."""
from nexc.diagnostics.registry import rule

rule("NEX300", "duplicate-name", "error", "Two declarations share one name.",
     what="Tools, agents and skills share one namespace (they can all appear in a toolset); llms and MCP servers "
          "each have their own. Two declarations in one namespace have the same name, possibly across imported files.",
     why="A reference to the name would be ambiguous.",
     example="tool search(q: str) = python \"a:search\"\nagent search { prompt = \"…\" }",
     fix="Rename one of them.")
rule("NEX301", "unknown-tool", "error", "A toolset names a tool, agent, skill or MCP server that is not declared.",
     what="An agent's `tools` list or `stop` list names something that no declaration (in this file or its imports) "
          "defines.",
     why="The agent would start without the tool and the model would call a function that does not exist.",
     example="agent a {\n  tools = [serch]\n}",
     fix="Use the suggested name, or declare the tool.")
rule("NEX302", "unknown-llm", "error", "An agent names an llm that is not declared.",
     what="`llm = X` refers to no `llm X { … }` declaration.",
     why="The agent would have no model to call.",
     example="agent a {\n  llm = mian\n}",
     fix="Use the suggested name, or declare the llm.")
rule("NEX303", "unknown-agent", "error", "The entry names an agent that is not declared.",
     what="`entry X` refers to no agent.",
     why="The framework would have nowhere to start.",
     example="entry reseacher",
     fix="Use the suggested name.")
rule("NEX304", "unknown-mcp-server", "error", "A toolset names an MCP server that is not declared.",
     what="`server.tool` or `server.*` in a toolset refers to no `mcp server = …` declaration.",
     why="The agent would lack every tool of that server.",
     example="agent a {\n  tools = [gti.*]\n}",
     fix="Use the suggested name, or declare the server.")
rule("NEX305", "missing-entry", "error", "The framework has no entry agent and it cannot be inferred.",
     what="No `entry` is given and there is more than one agent, so nexc cannot tell where a run starts.",
     why="A run needs exactly one agent to start at.",
     example="agent a { … }\nagent b { … }",
     fix="Add `entry a` (or `entry: a` in YAML).")
rule("NEX306", "unknown-tool-format", "error", "An agent names a tool-call format nexc does not have.",
     what="`tool_format` must be one of nexc's registered formats (see `nexc formats list`).",
     why="The agent's tool calls could not be rendered or parsed.",
     example="agent a {\n  tool_format = qwen3coder\n}",
     fix="Use the suggested format name.")
rule("NEX307", "unknown-stdlib-tool", "error", "A tool is bound to a stdlib name that does not exist.",
     what="`= stdlib \"X\"` names no tool in nexc's standard library.",
     why="The tool would have no implementation.",
     example='tool todo = stdlib "todo_writer"',
     fix="Use the suggested stdlib name; `nexc stdlib` lists them.")
rule("NEX308", "missing-file", "error", "A file named by the spec (prompt, template, skill) does not exist.",
     what="A prompt file, template file or skill folder is not found relative to the spec that names it.",
     why="The agent would start without its prompt or skill.",
     example='prompt = file("prompts/reseacher.md")',
     fix="Correct the path (relative to the spec file) or create the file.")
rule("NEX309", "path-outside-project", "error", "A path in the spec escapes the project root.",
     what="A file path resolves outside the project (through `..` or an absolute path). Prompt, template and "
          "skill files of a .nex or nexc YAML spec stay in the root spec's folder; imports and the files a NexAU "
          "or NexA4A config names stay below the project root: the nearest folder above the spec holding .git, "
          "pyproject.toml, setup.py, setup.cfg, LICENSE, README.md or an empty .nexc-root marker.",
     why="Bundles copy the files a spec names and diagnostics quote the files nexc reads; a path outside the "
         "project could pull in, or print, any file on the machine.",
     example='prompt = file("../../etc/passwd")',
     fix="Keep prompt, template and skill files inside the project directory.")
