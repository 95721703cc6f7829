"""NEX1xx: text that does not parse."""
from nexc.diagnostics.registry import rule

rule("NEX100", "syntax-error", "error", "The .nex text does not follow the grammar.",
     what="The parser met a token where the grammar does not allow one. The message says what was found and what "
          "the parser expected there.",
     why="Nothing after a syntax error can be trusted to mean what the author intended.",
     example="agent a {\n  llm = = main\n}",
     fix="Follow the hint in the message; specs/LANGUAGE.md has the grammar and examples.")
rule("NEX101", "unexpected-character", "error", "A character that cannot start any token.",
     what="The lexer met a character that is not part of the .nex language outside a string or comment.",
     why="Stray characters are usually typos or text pasted in the wrong place.",
     example="agent a { llm = main; }",
     fix="Remove the character, or put the text inside a string.")
rule("NEX102", "unexpected-end-of-file", "error", "The file ends in the middle of a declaration.",
     what="The file ended while a block, list, string or declaration was still open.",
     why="A truncated file loses whatever the author meant to write after the cut.",
     example="agent a {\n  llm = main\n",
     fix="Close the open block, list or string; the note says where it was opened.")
rule("NEX103", "invalid-escape", "error", "A string contains an escape sequence nexc does not know.",
     what=r"Strings allow \\, \", \', \n, \t, \r, \0, \uXXXX and \UXXXXXXXX; anything else after a backslash is an error.",
     why="An unknown escape usually means a Windows path or regular expression that needs doubling of backslashes.",
     example=r'prompt = "C:\new\folder"',
     fix=r"Double the backslash (\\), or use a raw triple-quoted string.")
rule("NEX104", "yaml-syntax-error", "error", "The YAML text does not parse.",
     what="The YAML parser could not read the file; the message gives its reason and the position.",
     why="A YAML error makes the rest of the file meaningless to nexc.",
     example="agents:\n  a:\n    llm: [main",
     fix="Fix the YAML at the position given; a YAML-aware editor with the nexc schema shows these as you type.")
rule("NEX105", "tab-indentation", "error", "YAML indentation uses a tab character.",
     what="YAML forbids tabs for indentation; this line starts with one.",
     why="Tabs render differently in every editor, so the structure the author sees is not the one parsed.",
     example="agents:\n\ta: {}",
     fix="Indent with spaces.")
rule("NEX106", "unsupported-language-version", "error", "The file asks for a language version this nexc does not know.",
     what="The version line (`nex N` or YAML `nex: N`) names a version newer than this compiler reads.",
     why="A newer version may mean things this compiler would misread.",
     example="nex 99",
     fix="Upgrade nexc, or write `nex 1`.")
rule("NEX107", "nesting-too-deep", "error", "Values are nested deeper than nexc accepts (100 levels).",
     what="Lists, maps or blocks are nested more than 100 levels deep.",
     why="No real spec nests this deep; the limit protects the compiler from stack exhaustion on hostile input.",
     example="metadata = [[[[[[ … ]]]]]]",
     fix="Flatten the structure.")
rule("NEX108", "invalid-number", "error", "A number literal is malformed.",
     what="A number uses underscores in the wrong places or has an invalid form.",
     why="A misread limit (max_iterations, context_tokens) changes how the framework runs.",
     example="context_tokens = 128__000",
     fix="Write digits with single underscores between them, e.g. 128_000.")
rule("NEX150", "yaml-alias-expansion", "error", "YAML aliases expand to more values than nexc accepts.",
     what="Counting every use of an alias (`*name`) in full, the document holds more than a million values. "
          "Aliases of aliases grow exponentially (the 'billion laughs' attack).",
     why="Expanding such a document would exhaust memory and time; no real spec is this large.",
     example="a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b]",
     fix="Write the data out plainly, or move large data into a file the spec names.")
rule("NEX151", "yaml-multiple-documents", "error", "A YAML spec file holds more than one document.",
     what="The file contains a `---` line that starts a second YAML document. A nexc spec is exactly one document.",
     why="nexc would have to guess which document is the spec; the others would be silently ignored.",
     example="name: a\n---\nname: b",
     fix="Remove the second document, or split it into its own file and import it.")
rule("NEX152", "yaml-unsupported-tag", "error", "A YAML tag that nexc does not read.",
     what="A value carries a tag such as `!!python/object`, `!!binary`, `!!timestamp` or a custom `!tag`. nexc "
          "reads plain data only: strings, numbers, booleans, null, lists and maps (the standard tags `!!str`, "
          "`!!int`, `!!float`, `!!bool`, `!!null`, `!!map`, `!!seq` are accepted).",
     why="Tags can construct arbitrary objects in some YAML loaders; nexc never does, and silently dropping the tag "
         "would change the value's meaning.",
     example="api_key: !env OPENAI_API_KEY",
     fix="Remove the tag; for environment variables write `{env: NAME}`.")
rule("NEX109", "string-indentation", "error", "A line of a multi-line string is indented less than its closing quotes.",
     what='When the closing """ of a multi-line string stands on its own line, the whitespace before it is removed '
          "from every line of the string. A line that does not start with that whitespace cannot be dedented.",
     why="The text of the prompt would depend on invisible whitespace; nexc asks for it to be explicit.",
     example='prompt = """\n  You are a helpful agent.\nBe brief.\n  """',
     fix='Indent every line at least as far as the closing """, or move the closing quotes to the left.')
