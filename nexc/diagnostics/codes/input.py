"""NEX0xx: files that cannot be read as specs."""
from nexc.diagnostics.registry import rule

rule("NEX001", "file-not-found", "error", "A spec file named on the command line or by an import does not exist.",
     what="nexc was asked to read a file that is not there.",
     why="Nothing can be checked or built from a file that does not exist; a typo in a path is the usual cause.",
     example="nexc lint reserch.nex",
     fix="Correct the path, or create the file.")
rule("NEX002", "unreadable-file", "error", "A file exists but cannot be read (permissions, or it is a directory).",
     what="The operating system refused to read the file, or the path names something that is not a file.",
     why="nexc reads every file a spec names before it builds anything, so that problems show up early.",
     example="nexc lint /etc/shadow",
     fix="Fix the file's permissions, or point nexc at a regular file.")
rule("NEX003", "file-too-large", "error", "A spec file is larger than nexc accepts (4 MiB).",
     what="The file is bigger than any real agent spec; nexc refuses to parse it rather than spend minutes on it.",
     why="A huge spec is almost always a wrong file (a data dump, a log) passed by mistake.",
     example="nexc lint trajectories.jsonl   # 300 MB",
     fix="Pass the spec file itself; move large prompt text into prompt files (which may be larger).")
rule("NEX004", "binary-file", "error", "A spec file is not UTF-8 text.",
     what="The file contains NUL bytes or byte sequences that are not valid UTF-8.",
     why="Specs are text. A binary file here is a wrong path; mis-encoded text would corrupt prompts silently.",
     example="nexc lint logo.png",
     fix="Pass a text spec, or re-save the file as UTF-8.")
rule("NEX005", "unknown-spec-kind", "error", "nexc cannot tell what kind of spec a file is.",
     what="The file's name and content match none of the formats nexc reads (.nex, *.nex.yaml, NexAU agent YAML, "
          "NexA4A framework YAML).",
     why="Guessing the format would give confusing errors about keys the author never meant to write.",
     example="nexc build notes.txt",
     fix="Use a .nex or .nex.yaml file, or name the format explicitly with --from.")
rule("NEX006", "import-not-found", "error", "An imported spec file does not exist.",
     what="An `import \"…\"` (or YAML `imports:` entry) names a file that cannot be found relative to the importing file.",
     why="The declarations the import should bring in are missing, so later references to them would fail too.",
     example='import "comon.nex"',
     fix="Correct the path; it is relative to the file that contains the import.")
rule("NEX007", "import-cycle", "error", "Spec files import each other in a cycle.",
     what="File A imports B which (directly or through others) imports A again.",
     why="A cycle has no order in which the declarations can be read; it is also usually an accident.",
     example='# a.nex\nimport "b.nex"\n# b.nex\nimport "a.nex"',
     fix="Move the shared declarations into a third file that both import.")
