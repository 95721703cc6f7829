"""NEX4xx: whole-framework checks (NEX400–NEX439), static analysis (NEX440–NEX469) and lint
machinery (NEX490–NEX499).

Each check lives in its own module under :mod:`nexc.checks` (the module named in the ``what`` text);
the lint machinery (suppressions, ``[tool.nexc]`` configuration) lives in :mod:`nexc.lint`.
"""
from nexc.diagnostics.registry import rule

# ---------------------------------------------------------------- checks (nexc.checks.*)

rule("NEX400", "toolset-name-clash", "error", "Two entries of one agent's toolset give the model the same tool name.",
     what="Within one agent, a declared tool, a sub-agent and the tools of its MCP servers are all offered to the "
          "model under their names. MCP tool `T` of server `S` is offered as `S__T` (characters outside "
          "`[A-Za-z0-9_-]` become `_`, cut at 64 characters; the runtime uses the same function), so tools of "
          "two servers do not clash, but a declared tool or sub-agent named `git__status` clashes with "
          "`git.status`. Names of `server.*` selections are known only when an MCP lockfile (`nexc.mcp.lock.json` "
          "beside the root spec) lists the server's tools; otherwise only explicit `server.tool` entries are "
          "compared. (nexc.checks.name_clash)",
     why="The model calls tools by name; with two tools of one name the runtime cannot tell which one was meant, "
         "and one of them silently shadows the other.",
     example="mcp git = stdio \"uvx\" [\"mcp-server-git\"]\n"
             "tool git__status() -> str \"Status.\" = python \"tools:status\"\n"
             "agent a {\n  tools = [git__status, git.status]\n}",
     fix="Keep one of the two, or wrap one in a declared tool with a different name.")
rule("NEX401", "unreachable-agent", "warning", "An agent cannot be reached from the entry agent.",
     what="No chain of delegations (sub-agents in toolsets) leads from the entry agent to this agent, so no run "
          "ever starts it. (nexc.checks.unused)",
     why="Dead agents are usually a forgotten entry in a parent's `tools` list, or left-overs that still cost "
         "build time and confuse readers.",
     example="agent helper { prompt = \"…\" }\nagent main { prompt = \"…\"\n  tools = [] }\nentry main",
     fix="Add the agent to a reachable agent's `tools`, or delete it. `nexc build` drops it when optimising.")
rule("NEX402", "unused-tool", "warning", "A tool is declared but no agent uses it.",
     what="A tool declared in the root spec appears in no agent's `tools` or `stop` list. Declarations in "
          "imported files (shared libraries of tools) are not reported. (nexc.checks.unused)",
     why="An unused tool is usually one the author meant to give an agent.",
     example="tool search(q: str) = python \"tools:search\"\nagent a { prompt = \"…\" }",
     fix="Add the tool to the agent that needs it, or delete the declaration.")
rule("NEX403", "unused-llm", "warning", "An llm is declared but no agent uses it.",
     what="No agent names this llm with `llm = …`. When some agent names no llm and the framework declares "
          "exactly one, that one counts as used (it is the default). Only the root spec is checked. "
          "(nexc.checks.unused)",
     why="An agent probably names the wrong llm, or the declaration is left over.",
     example="llm main { model = \"a\" }\nllm fast { model = \"b\" }\nagent a { llm = main }",
     fix="Use the llm in an agent, or delete it.")
rule("NEX404", "unused-mcp-server", "warning", "An MCP server is declared but no agent uses its tools.",
     what="No agent's toolset selects tools of this server (`server.*` or `server.tool`). Only the root spec is "
          "checked. (nexc.checks.unused)",
     why="An unused server is still started by some runtimes; more likely an agent was meant to use it.",
     example="mcp git = stdio \"uvx\" [\"mcp-server-git\"]\nagent a { prompt = \"…\" }",
     fix="Add `git.*` (or single tools) to an agent's `tools`, or delete the server.")
rule("NEX405", "unbounded-delegation-cycle", "error", "Agents delegate to each other in a cycle without a depth bound.",
     what="Following sub-agents from toolset to toolset returns to an agent already on the path (A → B → A, or "
          "A → A), and no agent on that cycle sets `max_depth`. `max_depth = N` on an agent allows at most N runs "
          "of that agent at once on one delegation stack. (nexc.checks.delegation_cycle)",
     why="Without a bound a model can recurse until the process runs out of memory or money; with one, the "
         "worst-case cost of a run is finite (`nexc analyse` computes it).",
     example="agent a { tools = [b] }\nagent b { tools = [a] }",
     fix="Set `max_depth` on one agent of the cycle (e.g. `max_depth = 3`), or break the cycle.")
rule("NEX406", "invalid-tool-schema", "error", "A tool's parameter schema is not a valid JSON Schema.",
     what="The `parameters` of a tool fail the JSON Schema metaschema (draft 2020-12 unless `$schema` names "
          "another), or are not an object schema. The message names the offending keyword and its path inside "
          "the schema. (nexc.checks.tool_schema)",
     why="Model APIs reject invalid schemas (often only at the first request), and argument validation before a "
         "call would fail or pass arbitrary data.",
     example="tool t = python \"m:f\" {\n  parameters = {type: \"object\", properties: {n: {type: \"integr\"}}}\n}",
     fix="Correct the schema at the path given; see https://json-schema.org/understanding-json-schema/.")
rule("NEX407", "binding-import-error", "error", "A Python binding does not import (with --check-imports).",
     what="With `--check-imports` (or `check-imports = true` in `[tool.nexc]`) nexc imports each `python "
          "\"module:function\"` binding, with the folder of the root spec on `sys.path`. The module is missing, "
          "raises on import, or has no such attribute, or the attribute is not callable. Agent extensions are "
          "imported too: a middleware must have one of the methods the runtime calls (specs/RUNTIME.md), a hook "
          "or tracer must be callable. (nexc.checks.imports)",
     why="The runtime would fail when the agent first calls the tool, deep into a run.",
     example="tool search(q: str) = python \"research_tools:serch\"",
     fix="Correct the module path or function name, or install the missing package.")
rule("NEX408", "binding-signature-mismatch", "error", "A Python binding's signature disagrees with the tool's parameters.",
     what="With `--check-imports`, the function's signature is compared with the declared parameters: a required "
          "function parameter that the schema does not declare, or a declared parameter that the function does not "
          "accept (and it takes no `**kwargs`). (nexc.checks.imports)",
     why="Calls would fail with a TypeError for every invocation (missing argument or unexpected keyword).",
     example="# tools.py: def search(query, limit): …\ntool search(q: str) = python \"tools:search\"",
     fix="Rename the parameters so they agree, give the function defaults, or accept **kwargs.")
rule("NEX409", "undefined-template-variable", "error", "A prompt template uses a variable that is never provided.",
     what="A Jinja prompt template (`template(…)`, `template: true`) uses a variable that is not in its declared "
          "`variables`. Names the template assigns itself (`set`, loop variables, macros) and Jinja's globals "
          "are not counted. (nexc.checks.template_vars)",
     why="Jinja renders an undefined variable as an empty string: the prompt silently loses text.",
     example="agent a {\n  prompt = template(\"Today is {{ date }}, user {{ user }}.\", vars = [\"date\"])\n}",
     fix="Declare the variable in `vars`/`variables`, or remove it from the template.")
rule("NEX410", "unused-template-variable", "warning", "A declared prompt variable is never used by its template.",
     what="A name in the prompt's `variables` does not occur in the template. (nexc.checks.template_vars)",
     why="The caller provides a value that never reaches the model; usually a typo on one side.",
     example="agent a {\n  prompt = template(\"Today is {{ date }}.\", vars = [\"date\", \"user\"])\n}",
     fix="Use the variable in the template, or remove it from the declaration.")
rule("NEX411", "template-syntax-error", "error", "A prompt template is not valid Jinja.",
     what="The prompt is a Jinja template that does not parse; the message gives Jinja's reason and the line in "
          "the template. (nexc.checks.template_vars)",
     why="The agent could not build its system prompt and would fail when it starts.",
     example="agent a {\n  prompt = template(\"{% if x %}open\")\n}",
     fix="Close the block or fix the expression Jinja names.")
rule("NEX412", "stop-tool-not-in-toolset", "error", "A stop tool is not in the agent's toolset.",
     what="An entry of `stop` (`stop_tools`) names a declared tool, sub-agent or MCP tool that is not in the same "
          "agent's `tools`. (nexc.checks.stop_tools)",
     why="The model never sees the tool, so it can never call it and the run never stops through it.",
     example="agent a {\n  tools = [search]\n  stop = [finish]\n}",
     fix="Add the tool to `tools` as well.")
rule("NEX413", "format-single-call", "warning", "The agent allows parallel tool calls but its format writes one call per turn.",
     what="`parallel_tool_calls` is true (the default) and the agent's `tool_format` (e.g. `llama3_json`) can "
          "express only one tool call per assistant turn. (nexc.checks.tool_format)",
     why="A model that emits several calls cannot write them in this format; the runtime must limit it to one, "
         "and recorded trajectories with parallel calls cannot be rendered for training.",
     example="agent a {\n  tools = [search, fetch]\n  tool_format = llama3_json\n}",
     fix="Set `parallel_tool_calls = false`, or choose a format with parallel calls (hermes, qwen3_coder, …).")
rule("NEX414", "format-cannot-express-tool", "warning",
     "The agent's tool-call format cannot carry some of a tool's calls faithfully.",
     what="The format writes argument values as untyped text (XML dialects such as qwen3_coder, glm45, "
          "minimax_m2, nexau_xml) and a parameter's schema does not fix one type (no `type`, or a union of "
          "`string` with other types), so a value like \"3\" reads back as the number 3; or a trial call of the "
          "tool (no arguments for a zero-argument tool, a sample value of each parameter's type) does not survive "
          "render → parse in the format. (nexc.checks.tool_format)",
     why="Arguments would change type between what the model meant and what the tool receives, and trajectories "
         "would not round-trip into training data.",
     example="tool t = python \"m:f\" {\n  parameters = {type: \"object\", properties: {v: {}}}\n}\n"
             "agent a {\n  tools = [t]\n  tool_format = qwen3_coder\n}",
     fix="Give the parameter one JSON type, or use a JSON-argument format (openai, hermes, deepseek_v31, kimi_k2).")
rule("NEX415", "missing-skill-md", "error", "A skill folder has no SKILL.md.",
     what="A declared skill's folder exists but contains no `SKILL.md`. (nexc.checks.skills)",
     why="The runtime reads the skill's name, brief and details from SKILL.md; without it the skill is empty.",
     example='skill citation = "skills/citation"   # skills/citation/ has no SKILL.md',
     fix="Add SKILL.md with front matter `name` and `description` and the skill's instructions.")
rule("NEX416", "inline-secret", "error", "A secret is written into the spec instead of read from the environment.",
     what="An llm's `api_key`, `base_url` or `params`, or an MCP server's `env`, `args`, `headers`, `url` or "
          "`command`, holds a literal that looks like a credential: an API-key prefix (`sk-`, `ghp_`, `github_pat_`, "
          "`AKIA`, `xox?-`, `glpat-`, `hf_`, …), a `Bearer` token, a password in a URL, or a long high-entropy token. "
          "`env(\"NAME\", default)` defaults are checked too. The message never repeats the secret. "
          "(nexc.checks.secrets)",
     why="Specs are committed and copied into bundles and logs; a secret in them is leaked. nexc keeps "
         "`env(...)` references unresolved until run time.",
     example='llm main {\n  api_key = "sk-proj-0123456789abcdefghijklmnopqrstuv"\n}',
     fix='Write `api_key = env("OPENAI_API_KEY")`, and revoke the leaked key.')
rule("NEX417", "invalid-mcp-lockfile", "warning", "The MCP lockfile cannot be read.",
     what="`nexc.mcp.lock.json` beside the root spec is not JSON of the form "
          "`{\"version\": 1, \"servers\": {NAME: {\"tools\": [{\"name\": …}, …]}}}`. (nexc.mcp.lockfile)",
     why="Without it nexc cannot compare the names of `server.*` tools for clashes.",
     example='{"servers": {"git": ["status"]}}',
     fix="Regenerate the lockfile, or correct it to the documented shape.")
rule("NEX418", "mcp-lockfile-missing", "warning", "An MCP server that agents use is not in the MCP lockfile.",
     what="An agent uses tools of an MCP server, and there is no `nexc.mcp.lock.json` beside the root spec, or it "
          "has no entry for the server. `nexc mcp lock SPEC` writes it: it starts each server once and records its "
          "tools, their schemas, the server's version and a hash of the server's declaration. (nexc.checks.mcp_lock)",
     why="Without the lockfile nexc cannot check the server's tool names, clashes and context size without "
         "starting it, `nexc build` cannot put the schemas in the bundle, and loading the framework starts the "
         "server just to list its tools.",
     example="mcp time = stdio \"uvx\" [\"mcp-server-time\"]\nagent a {\n  tools = [time.*]\n}   # no nexc.mcp.lock.json",
     fix="Run `nexc mcp lock SPEC` and commit `nexc.mcp.lock.json`.")
rule("NEX419", "mcp-lockfile-stale", "warning", "The MCP lockfile entry of a server was written for another declaration.",
     what="The lock entry's `config` hash differs from the hash of the server's declaration in the spec: its "
          "transport, command, args, cwd, url, or the names of its `env` or `headers` changed since it was locked "
          "(values of `env` and `headers` are never hashed). The runtime then ignores the entry and lists the "
          "server's tools when it loads. (nexc.checks.mcp_lock)",
     why="A different command or version of a server may offer other tools or schemas than the locked ones; "
         "checks against the old list are wrong.",
     example="mcp time = stdio \"uvx\" [\"mcp-server-time\", \"--local-timezone\", \"UTC\"]   # locked without the flag",
     fix="Run `nexc mcp lock SPEC` again.")
rule("NEX420", "unknown-mcp-tool", "error", "An agent names a tool its MCP server does not offer.",
     what="An explicit `server.tool` entry (in `tools`) names a tool that the server's fresh entry in "
          "`nexc.mcp.lock.json` does not list. (nexc.checks.mcp_lock)",
     why="The runtime offers the model only the tools the server lists; the entry gives the agent nothing.",
     example="mcp time = stdio \"uvx\" [\"mcp-server-time\"]\nagent a {\n  tools = [time.get_time]   # it is get_current_time\n}",
     fix="Use a tool the server offers (see the lockfile), or lock again if the server changed.")
rule("NEX421", "denied-mcp-tool", "warning", "An agent names an MCP tool that the server's deny policy hides.",
     what="An explicit `server.tool` entry names a tool whose annotations in `nexc.mcp.lock.json` match the "
          "server's `deny` list (`destructive`, `write`, `open_world`; hints a server leaves out take the MCP "
          "defaults, so an unannotated tool is a destructive, open-world write). (nexc.checks.mcp_lock)",
     why="The runtime never offers a denied tool to the model, so the entry gives the agent nothing; either "
         "the entry or the policy is a mistake.",
     example="mcp fs = stdio \"mcp-fs\" { deny = [\"destructive\"] }\nagent a {\n  tools = [fs.delete_file]\n}",
     fix="Remove the entry, or take the annotation out of the server's `deny` list if the agent needs the tool.")
rule("NEX422", "tool-name-rejected-by-api", "warning", "A tool name is one OpenAI-compatible endpoints reject.",
     what="An agent with native tool calls (`tool_format = openai`, the default) offers a tool whose name is longer "
          "than 64 characters or has characters other than letters, digits, `_` and `-` (the OpenAI rule "
          "`^[a-zA-Z0-9_-]{1,64}$`). The names checked are the ones sent: declared tools, sub-agents under the "
          "profile's name for them (`sub-agent-NAME` on the nexau profile) and `load_skill`; MCP tools are "
          "renamed to fit by the runtime. Agents in text formats are not checked: their tools are in the prompt. "
          "(nexc.checks.tool_names)",
     why="The endpoint refuses the whole request with HTTP 400, so the agent fails on its first LLM call although "
         "the spec lints clean.",
     example="tool search_the_web_for_recent_news_articles_and_return_the_best_matching_results(q: str) = "
             "python \"tools:search\"\nagent a {\n  tools = "
             "[search_the_web_for_recent_news_articles_and_return_the_best_matching_results]\n}",
     fix="Rename the tool (or sub-agent) to at most 64 letters, digits, `_` or `-` — fewer for a sub-agent on a "
         "profile that adds a prefix; the message gives the limit.")

# ---------------------------------------------------------------- static analysis (nexc.analysis)

rule("NEX440", "static-context-too-large", "warning", "An agent's static prompt uses more than half of its context limit.",
     what="The system prompt plus the declarations of its tools, rendered in the agent's tool-call format, is "
          "estimated at more than half of `context_tokens`. Tokens are estimated as UTF-8 bytes / 4 (rounded up). "
          "(nexc.checks.context_size; `nexc analyse` shows every format)",
     why="What is left for the task, tool results and the model's own output is small; the run will hit the "
         "context limit or compact its history early.",
     example="agent a {\n  prompt = file(\"huge.md\")   # 70k tokens\n  context_tokens = 128_000\n}",
     fix="Shorten the prompt or tool descriptions, split the toolset across sub-agents, or raise `context_tokens`.")

# ---------------------------------------------------------------- lint machinery (nexc.lint)

rule("NEX490", "unused-suppression", "warning", "A `# nex: ignore[…]` comment suppresses nothing.",
     what="A suppression comment names a code or rule that no diagnostic reported on its line (or the line below, "
          "for a comment on a line of its own). (nexc.lint.suppress)",
     why="Stale suppressions hide the next real problem at that place.",
     example="agent a {  # nex: ignore[NEX401]\n  …\n}   # but agent a is reachable",
     fix="Remove the code from the comment (or the whole comment).")
rule("NEX491", "unknown-rule", "warning", "A suppression or `[tool.nexc]` setting names a rule that does not exist.",
     what="A code (`NEX123`), rule name (`unknown-tool`) or code prefix (`NEX4`) in `# nex: ignore[…]`, "
          "`select`, `ignore`, `severity` or `per-file-ignores` matches no registered rule. (nexc.lint)",
     why="A misspelt rule name silently suppresses or selects nothing.",
     example="# nex: ignore[unknwon-tool]",
     fix="Use a code or name that `nexc explain --list` shows.")
rule("NEX492", "invalid-lint-config", "error", "The `[tool.nexc]` table in pyproject.toml is invalid.",
     what="pyproject.toml does not parse as TOML, or `[tool.nexc]` has an unknown key or a value of the wrong "
          "type. Known keys: `select`, `ignore`, `severity`, `per-file-ignores`, `check-imports`. (nexc.lint.config)",
     why="nexc would otherwise apply a configuration different from the one written.",
     example="[tool.nexc]\nignore = \"NEX401\"   # must be a list",
     fix="Follow the message; the keys are documented in specs/diagnostics.md.")
