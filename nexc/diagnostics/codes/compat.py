"""NEX6xx: compatibility frontends (NexAU agent YAML, NexA4A framework YAML) and NexAU export."""
from nexc.diagnostics.registry import rule

rule("NEX600", "nexau-missing-file", "error", "A NexAU config names a file or folder that does not exist.",
     what="A `config_path` (sub-agent), `system_prompt` file or Jinja template, skill folder or its SKILL.md is "
          "not found relative to the config that names it (a missing tool file is NEX613).",
     why="NexAU raises, or in non-strict mode silently skips the component (an agent without its prompt or "
         "tool), only when the agent starts; nexc reports it at the path, before anything runs.",
     example="sub_agents:\n  - name: reader\n    config_path: ./agents/raeder.yaml",
     fix="Correct the path; it is relative to the folder of the YAML file that contains it.")
rule("NEX601", "nexau-wrong-config-kind", "error", "A referenced NexAU config is not the kind of config expected.",
     what="`config_path` of a sub-agent points at something that is not an agent config (a tool YAML, a "
          "framework file, a list), or `yaml_path` of a tool points at something that is not a tool YAML.",
     why="NexAU would fail deep inside its loader with a validation error that does not name the reference.",
     example="sub_agents:\n  - name: Reader\n    config_path: ./tools/read.tool.yaml",
     fix="Point the reference at an agent YAML (for sub_agents) or a tool YAML (for tools).")
rule("NEX602", "nexau-unknown-key", "error", "A key that NexAU does not know.",
     what="An agent config, tool entry, tool YAML, sub-agent entry, MCP server or hook has a key that NexAU does "
          "not read. The message names the nearest known key when one is close. In `llm_config`, unknown keys "
          "are passed to the model API, so only keys close to a known one are reported.",
     why="NexAU v0.3 ignores unknown keys silently: `max_iteration: 10` leaves the default of 100 in place.",
     example="max_iteration: 10",
     fix="Use the suggested key.")
rule("NEX603", "nexau-undefined-variable", "error", "`${variables.…}` names a variable that the file does not define.",
     what="A `${variables.a.b}` placeholder has no matching entry in the file's `variables:` map, or the entry is a "
          "map or list, which cannot be put into text.",
     why="NexAU raises at load time, or (when the file has no `variables:` map) leaves the placeholder in the "
         "text, where the model or a tool receives it literally.",
     example="variables:\n  model: nex-n1\nllm_config:\n  model: ${variables.modle}",
     fix="Define the variable under `variables:`, or correct its name.")
rule("NEX604", "nexau-unset-env", "warning", "`${env.NAME}` names an environment variable that is not set now.",
     what="The config reads an environment variable that is not set in the environment nexc runs in. nexc keeps "
          "it as an `env(...)` reference resolved when the framework runs.",
     why="NexAU substitutes environment variables when it loads the file and fails when one is missing; if it is "
         "not set where the agent runs either, the agent will not start.",
     example="llm_config:\n  api_key: ${env.LLM_API_KEY}",
     fix="Set the variable where the framework runs (this is only a warning at build time).")
rule("NEX605", "nexau-env-in-text", "warning", "`${env.NAME}` is part of a longer string or of free-form data.",
     what="nexc turns a value that is exactly `${env.NAME}` into an environment reference. When the placeholder "
          "is only part of a string, or sits inside hook parameters, storage seeds or other free-form data, it is "
          "kept as the text `${env.NAME}`.",
     why="nexc never bakes environment values into its output, and free-form data has no place for a reference, "
         "so code reading that value sees the placeholder, not the variable's value.",
     example="base_url: https://${env.HOST}/v1",
     fix="Make the whole value an environment reference, or read the variable in the code that uses the value.")
rule("NEX606", "nexau-tool-name-collision", "error", "Two tools of one agent have the same name.",
     what="Inside one agent, two `tools` entries, a tool and a sub-agent, or a tool and a known MCP tool (from "
          "`tool_permissions`) share a name. NexAU does not prefix MCP tool names.",
     why="The model sees two functions with one name; NexAU keeps one of them silently.",
     example="tools:\n  - name: Search\n    yaml_path: a.tool.yaml\n  - name: Search\n    yaml_path: b.tool.yaml",
     fix="Rename one of them with the entry's `name` (NexAU lets a tool entry override the YAML's name).")
rule("NEX607", "nexau-mcp-unprefixed", "warning", "An agent uses several MCP servers whose tool names are not prefixed.",
     what="NexAU exposes MCP tools under their plain names. With more than one server, a tool name that two servers "
          "share (or that a local tool has) collides, and which one wins is not defined.",
     why="Such a collision only shows up when the servers run; nexc cannot list their tools at build time.",
     example="mcp_servers:\n  - {name: git, type: stdio, command: uvx, args: [mcp-server-git]}\n"
             "  - {name: github, type: http, url: https://example.com/mcp}",
     fix="Make sure the servers' tool names are distinct; nexc itself namespaces them (`git.status`).")
rule("NEX608", "nexau-stop-tool-not-in-toolset", "error", "A stop tool that the agent does not have.",
     what="A name in `stop_tools` is none of the agent's tools or sub-agents (and, without MCP servers, cannot be "
          "an MCP tool either).",
     why="NexAU matches stop tools by name and silently never stops: the agent runs to its iteration limit.",
     example="tools:\n  - name: finish\n    yaml_path: finish.yaml\nstop_tools: [finnish]",
     fix="Use the name of one of the agent's tools.")
rule("NEX609", "nexau-renamed", "warning", "A NexAU name had to be changed to fit nexc.",
     what="A name is not an identifier (`web-search`), or two different definitions (tools of two agents, two "
          "different agent configs, MCP servers) use one name, which nexc's single namespace cannot hold. nexc "
          "renames the later one and records the original, so an export to NexAU restores it.",
     why="The model-visible name changes when the framework runs on nexc.",
     example="tools:\n  - name: web-search\n    yaml_path: search.tool.yaml",
     fix="Rename it in the NexAU config to the suggested identifier.")
rule("NEX610", "nexau-unsupported", "warning", "A NexAU feature that nexc does not support (yet).",
     what="The config uses a NexAU setting that nexc cannot represent: v0.4 additions (`sandbox_config`, "
          "`plugins`, tool `defer_loading`, `as_skill`, permissions, system prompts as several blocks), package "
          "resources (`pkg:path`), or NexAU runtime knobs without a nexc equivalent (`timeout`, `retry_attempts`, "
          "`max_running_subagents`).",
     why="The setting is ignored when the framework is built by nexc; the message says what happens instead.",
     example="sandbox_config:\n  type: e2b",
     fix="Remove the setting, or keep it if you also run the config on NexAU itself.")
rule("NEX611", "nexau-missing-llm-config", "error", "A NexAU agent config has no `llm_config`.",
     what="NexAU requires `llm_config` in every agent config (it may be empty: `llm_config: {}` takes the model "
          "from LLM_MODEL, LLM_BASE_URL and LLM_API_KEY).",
     why="NexAU refuses to load the agent.",
     example="name: helper\nsystem_prompt: You help.",
     fix="Add `llm_config: {}` or the model settings.")
rule("NEX612", "nexau-template-error", "error", "A Jinja system prompt does not parse.",
     what="A `system_prompt_type: jinja` prompt file has a Jinja syntax error.",
     why="NexAU would fail when it renders the prompt, at the agent's first run.",
     example="{% if date %}Today is {{ date }}",
     fix="Fix the template at the line given (here: close the block with {% endif %}).")
rule("NEX620", "nexa4a-unknown-node", "error", "A NexA4A workflow names a node that is not declared.",
     what="A workflow edge's `from`/`to`, or a node `id`, names no agent, tool or MCP server of the framework; or "
          "an edge starts at something other than an agent.",
     why="The delegation the edge describes cannot be built.",
     example="workflow:\n  edges:\n    - {from: planner, to: reseacher}",
     fix="Use the name of a declared agent (or tool / MCP server for edges that give an agent a tool).")
rule("NEX613", "nexau-missing-tool", "error", "A tool whose implementation is missing: its tool file does not exist.",
     what="A NexAU `tools` entry's `yaml_path`, or a NexA4A tool's `config_path`, names a file that does not exist, so "
          "the tool has no schema and no code. It is reported once, at the path; agents that use the tool still "
          "compile against its name and description.",
     why="The framework cannot run the tool. Frameworks generated by NexA4A often arrive without their tools.",
     example="tools:\n  - tool_name: price_parser_tool\n    description: Extract prices from HTML\n"
             "    config_path: tools/price_parser_tool.py",
     fix="Add the file, or run the framework on simulated tools: `nexc run --simulate-missing` (an LLM plays the "
         "tool from its name, description and schema).")
rule("NEX614", "simulated-tool", "warning", "A tool without an implementation runs simulated (--simulate-missing).",
     what="With `--simulate-missing`, a tool whose file or binding cannot be found is played by an LLM from its name, "
          "description, JSON Schema and the call's arguments (`binding = simulated`).",
     why="Simulated results are not real observations: trajectories mark them (`simulated` on the tool message).",
     example="tools:\n  - tool_name: price_parser_tool\n    config_path: tools/price_parser_tool.py   # missing",
     fix="Nothing to fix for simulation runs; add the tool's implementation to run it for real.")
rule("NEX615", "described-prompt", "warning", "An agent without a prompt runs on one made from its description "
     "(--simulate-missing).",
     what="With `--simulate-missing`, an agent whose prompt file is missing (or that names none: NexA4A frameworks "
          "often arrive so) gets the prompt \"You are NAME. DESCRIPTION\" instead of an error.",
     why="The framework can then run end to end for task generation and testing; the prompt is not the one its "
         "author meant.",
     example="agents:\n  - agent_name: Pricer\n    description: Prices a menu.\n    sysprompt_path: prompts/pricer.md"
             "   # missing",
     fix="Add the prompt file to run the agent as written.")
