"""NEX9xx: failures of nexc itself."""
from nexc.diagnostics.registry import rule

rule("NEX900", "internal-error", "error", "nexc failed unexpectedly while processing the input.",
     what="An exception escaped a compiler pass. This is a bug in nexc, not in your spec.",
     why="nexc reports it as a diagnostic, with the location it was working on, instead of a traceback.",
     example="(any input that triggers a bug)",
     fix="Report it with the input file; run with NEXC_DEBUG=1 to see the traceback.")
