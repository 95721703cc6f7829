"""NEX2xx: keys, types and values that do not fit the model."""
from nexc.diagnostics.registry import rule

rule("NEX200", "unknown-key", "error", "A key or setting that the model does not have.",
     what="A block or mapping contains a key that nexc does not know at that place. The message names the nearest "
          "known key when one is close.",
     why="Other tools silently ignore unknown keys, so a typo like `max_iteration` quietly leaves the default in "
         "place. nexc treats every unknown key as an error.",
     example="agent a {\n  max_iteration = 10\n}",
     fix="Use the suggested key; the JSON Schema in specs/ lists every key.")
rule("NEX201", "wrong-type", "error", "A value has the wrong type for its key.",
     what="The value's type (string, number, list, map, …) is not the one this key takes.",
     why="A wrong type is either a mistake or a misunderstanding of the key; converting silently would hide both.",
     example="agent a {\n  max_iterations = \"ten\"\n}",
     fix="Write a value of the type the message names.")
rule("NEX202", "missing-field", "error", "A required key is missing.",
     what="A declaration lacks a key without which it means nothing (an MCP server without a command or URL, a "
          "YAML tool without parameters or binding, …).",
     why="The gap would only show up at run time, far from its cause.",
     example="mcp git = stdio",
     fix="Add the key named in the message.")
rule("NEX203", "invalid-value", "error", "A value has the right type but is not allowed.",
     what="The value is out of range or not one of the allowed choices (a negative limit, an unknown transport, …).",
     why="Such values make the framework misbehave at run time.",
     example="agent a {\n  max_iterations = 0\n}",
     fix="Use a value in the range or set the message names.")
rule("NEX204", "unknown-function", "error", "A call to a function the language does not have.",
     what="Values may call env(), file(), template(), python() and stdlib(); this one calls something else.",
     why="A misspelt function would otherwise be treated as text.",
     example='model = envv("NEX_MODEL")',
     fix="Use one of the functions listed in specs/LANGUAGE.md; the message suggests the closest.")
rule("NEX205", "invalid-identifier", "error", "A name is not a valid identifier.",
     what="Names of agents, tools, llms, MCP servers and skills must be identifiers: a letter or underscore, then "
          "letters, digits or underscores; not a Python keyword; not starting and ending with double underscores.",
     why="Names become Python identifiers, tool names the model calls and file names in the built bundle.",
     example="agents:\n  my-agent: {}",
     fix="Rename using letters, digits and underscores.")
rule("NEX206", "unknown-type", "error", "A tool parameter type that nexc does not know.",
     what="Parameter types are str, int, float, bool, any, object, list[T], dict[str, T], T? (optional) and literal "
          "unions like \"a\" | \"b\".",
     why="The type becomes the JSON Schema the model sees; an unknown one cannot be translated.",
     example="tool t(x: string) = python \"m:f\"",
     fix="Use one of the types above (here: str), or give a JSON Schema with `parameters = {…}`.")
rule("NEX207", "duplicate-key", "error", "The same key appears twice in one block or mapping.",
     what="A key is set twice at the same level. YAML parsers silently keep the last one; nexc reports both.",
     why="One of the two values is lost, and which one is rarely what the author expects.",
     example="agent a {\n  llm = main\n  llm = fast\n}",
     fix="Keep one of them.")
