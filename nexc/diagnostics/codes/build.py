"""NEX5xx: build outputs — a framework that is a valid spec but cannot be written as a target's files
(raised by emitters as :class:`nexc.emit.result.EmitError`, reported by ``nexc build``)."""
from nexc.diagnostics.registry import rule

rule("NEX500", "bundle-name", "error", "A name cannot become a Python module of the bundle.",
     what="`nexc build --target bundle` turns the framework's name into the bundle's package name, and copies the "
          "modules that tools and extensions import into that package. The framework name is not a Python "
          "identifier, is a keyword, starts with `__` or is one of the bundle's own files (`spec`, `manifest`, "
          "`sourcemap`), or would shadow a standard-library module or one of nexc's dependencies; or a copied "
          "module is named like one of the bundle's files.",
     why="`python -m NAME` and `pip install` of the bundle would fail, or import the wrong module (a bundle named "
         "`os` or `anyio` breaks every import of that name).",
     example="framework os { entry = a }",
     fix="Rename the framework (or the module) to an unused Python identifier, e.g. `os_agents`.")
rule("NEX501", "bundle-value", "error", "A value cannot be written into the bundle's spec.py.",
     what="The bundle writes the checked framework as Python literals. A value is not JSON-like data: a float "
          "that is not finite (`inf`, `nan`), a mapping key that is not a string, or an object of another type "
          "(IR built by hand or by a plugin).",
     why="The bundle's `spec.py` would not evaluate back to the same framework.",
     example="Framework(name=\"team\", agents=(...,), metadata={\"ratio\": float(\"nan\")})   # IR built in Python",
     fix="Use finite numbers and string keys; JSON-like values only.")
rule("NEX502", "bundle-path", "error", "A file that a bundle copies is outside the framework folder.",
     what="A prompt file or skill folder resolves (after following symbolic links) to a path outside the folder "
          "of the framework's root spec.",
     why="A bundle holds only the framework's own files; copying from outside would ship files the author did not "
         "mean to publish (a key file, a home folder).",
     example="agent a { prompt = file(\"../secrets/prompt.md\") }",
     fix="Move the file into the framework folder, or build from a folder that contains it.")
