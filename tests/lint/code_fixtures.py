"""The central table: every registered diagnostic code → a fixture (file or folder, relative to the
repository root) that triggers it when linted (``nexc lint PATH``, with ``[tool.nexc]`` of the fixture's
folder applied). ``tests/lint/test_all_codes.py`` checks that the table covers the whole registry.

Owners of other code ranges: add your code here (pointing at a fixture under any ``tests/**/fixtures*``
folder) when you register it; if it cannot be triggered by a file, put it in :data:`PENDING` with the
reason and where it is tested instead.
"""
from __future__ import annotations

_C = "tests/checks/fixtures"
_L = "tests/lint/fixtures"
_O = "tests/lint/fixtures/others"
_NEXAU = "tests/compat/fixtures/bad"

FIXTURES: dict[str, str] = {
    # NEX0xx input files
    "NEX001": f"{_O}/NEX001_file_not_found.nex",  # deliberately absent: linting a missing path
    "NEX002": f"{_O}/NEX002_unreadable_file.nex",
    "NEX004": f"{_O}/NEX004_binary_file.nex",
    "NEX005": f"{_O}/NEX005_unknown_spec_kind.yaml",
    "NEX006": f"{_O}/NEX006_import_not_found.nex",
    "NEX007": f"{_O}/NEX007_import_cycle",
    # NEX1xx syntax
    "NEX100": f"{_O}/NEX100_syntax_error.nex",
    "NEX101": f"{_O}/NEX101_unexpected_character.nex",
    "NEX102": f"{_O}/NEX102_unexpected_end_of_file.nex",
    "NEX103": f"{_O}/NEX103_invalid_escape.nex",
    "NEX104": f"{_O}/NEX104_yaml_syntax_error.nex.yaml",
    "NEX105": f"{_O}/NEX105_tab_indentation.nex.yaml",
    "NEX106": f"{_O}/NEX106_unsupported_language_version.nex",
    "NEX107": f"{_O}/NEX107_nesting_too_deep.nex",
    "NEX108": f"{_O}/NEX108_invalid_number.nex",
    "NEX109": f"{_O}/NEX109_string_indentation.nex",
    "NEX150": f"{_O}/NEX150_yaml_alias_expansion.nex.yaml",
    "NEX151": f"{_O}/NEX151_yaml_multiple_documents.nex.yaml",
    "NEX152": f"{_O}/NEX152_yaml_unsupported_tag.nex.yaml",
    # NEX2xx structure
    "NEX200": f"{_O}/NEX200_unknown_key.nex",
    "NEX201": f"{_O}/NEX201_wrong_type.nex",
    "NEX202": f"{_O}/NEX202_missing_field.nex.yaml",
    "NEX203": f"{_O}/NEX203_invalid_value.nex",
    "NEX204": f"{_O}/NEX204_unknown_function.nex",
    "NEX205": f"{_O}/NEX205_invalid_identifier.nex.yaml",
    "NEX206": f"{_O}/NEX206_unknown_type.nex",
    "NEX207": f"{_O}/NEX207_duplicate_key.nex",
    # NEX3xx names
    "NEX300": f"{_O}/NEX300_duplicate_name.nex",
    "NEX301": f"{_O}/NEX301_unknown_tool.nex",
    "NEX302": f"{_O}/NEX302_unknown_llm.nex",
    "NEX303": f"{_O}/NEX303_unknown_agent.nex",
    "NEX304": f"{_O}/NEX304_unknown_mcp_server.nex",
    "NEX305": f"{_O}/NEX305_missing_entry.nex",
    "NEX306": f"{_O}/NEX306_unknown_tool_format.nex",
    "NEX307": f"{_O}/NEX307_unknown_stdlib_tool.nex",
    "NEX308": f"{_O}/NEX308_missing_file.nex",
    "NEX309": f"{_O}/NEX309_path_outside_project.nex",
    # NEX4xx checks, analysis, lint
    "NEX400": f"{_C}/NEX400_toolset_name_clash",
    "NEX401": f"{_C}/NEX401_unreachable_agent.nex",
    "NEX402": f"{_C}/NEX402_unused_tool.nex.yaml",
    "NEX403": f"{_C}/NEX403_unused_llm.nex",
    "NEX404": f"{_C}/NEX404_unused_mcp_server.nex.yaml",
    "NEX405": f"{_C}/NEX405_unbounded_delegation_cycle.nex",
    "NEX406": f"{_C}/NEX406_invalid_tool_schema.nex.yaml",
    "NEX407": f"{_C}/NEX407_binding_import_error",
    "NEX408": f"{_C}/NEX408_binding_signature_mismatch",
    "NEX409": f"{_C}/NEX409_undefined_template_variable.nex",
    "NEX410": f"{_C}/NEX410_unused_template_variable.nex",
    "NEX411": f"{_C}/NEX411_template_syntax_error.nex.yaml",
    "NEX412": f"{_C}/NEX412_stop_tool_not_in_toolset.nex",
    "NEX413": f"{_C}/NEX413_format_single_call.nex",
    "NEX414": f"{_C}/NEX414_format_cannot_express_tool.nex.yaml",
    "NEX415": f"{_C}/NEX415_missing_skill_md",
    "NEX416": f"{_C}/NEX416_inline_secret.nex",
    "NEX417": f"{_C}/NEX417_invalid_mcp_lockfile",
    "NEX418": "tests/mcp/fixtures/NEX418_mcp_lockfile_missing.nex",
    "NEX419": "tests/mcp/fixtures/NEX419_mcp_lockfile_stale",
    "NEX420": "tests/mcp/fixtures/NEX420_unknown_mcp_tool",
    "NEX421": "tests/mcp/fixtures/NEX421_denied_mcp_tool",
    "NEX422": f"{_C}/NEX422_tool_name_rejected_by_api.nex",
    "NEX440": f"{_C}/NEX440_static_context_too_large.nex",
    "NEX490": f"{_L}/NEX490_unused_suppression.nex",
    "NEX491": f"{_L}/NEX491_unknown_rule.nex.yaml",
    "NEX492": f"{_L}/NEX492_invalid_lint_config",
    # NEX6xx compatibility (fixtures of the compat tests)
    "NEX600": f"{_NEXAU}/missing_prompt.yaml",
    "NEX601": f"{_NEXAU}/not_an_agent.yaml",
    "NEX602": f"{_NEXAU}/unknown_key.yaml",
    "NEX603": f"{_NEXAU}/undefined_variable.yaml",
    "NEX604": f"{_NEXAU}/unset_env.yaml",
    "NEX605": f"{_NEXAU}/unset_env.yaml",
    "NEX606": f"{_NEXAU}/tool_collision.yaml",
    "NEX607": f"{_NEXAU}/mcp_collision.yaml",
    "NEX608": f"{_NEXAU}/stop_tool.yaml",
    "NEX609": f"{_NEXAU}/renamed.yaml",
    "NEX610": f"{_NEXAU}/unsupported.yaml",
    "NEX611": f"{_NEXAU}/missing_llm_config.yaml",
    "NEX612": f"{_NEXAU}/template_error.yaml",
    "NEX613": f"{_NEXAU}/missing_tool_yaml.yaml",
    "NEX620": f"{_NEXAU}/nexa4a_unknown_node.yaml",
}

#: Codes no fixture file triggers, with the reason; the lead decides how each is covered.
PENDING: dict[str, str] = {
    "NEX003": "needs a spec file over 4 MiB; too large to keep in the repository (generate it in a test)",
    "NEX900": "internal error: by design no valid or invalid input triggers it",
    "NEX500": "build outputs: raised by the bundle emitter (nexc build), not lint; tests/bundle/test_emit_errors.py",
    "NEX501": "build outputs: raised by the bundle emitter (nexc build), not lint; tests/bundle/test_emit_errors.py",
    "NEX502": "build outputs: raised by the bundle emitter (nexc build), not lint; tests/bundle/test_injection.py",
    "NEX614": "reported only with --simulate-missing (nexc run/build), not by lint; "
              "tests/runtime/test_simulated_tools.py",
    "NEX800": "GAP taxonomy codes are reported by `nexc gap`, not lint; tests/gap/test_taxonomy.py",
    "NEX801": "GAP taxonomy codes are reported by `nexc gap`, not lint; tests/gap/test_taxonomy.py",
    "NEX802": "GAP taxonomy codes are reported by `nexc gap`, not lint; tests/gap/test_taxonomy.py",
    "NEX803": "GAP taxonomy codes are reported by `nexc gap`, not lint; tests/gap/test_taxonomy.py",
    "NEX804": "GAP input codes are reported by `nexc gap`, not lint; tests/gap/test_taxonomy.py",
    "NEX820": "`nexc gap filter` rule on trajectories, not lint; tests/gap/test_filter_rules.py",
    "NEX821": "`nexc gap filter` rule on trajectories, not lint; tests/gap/test_filter_rules.py",
    "NEX822": "`nexc gap filter` rule on trajectories, not lint; tests/gap/test_filter_rules.py",
    "NEX823": "`nexc gap filter` rule on trajectories, not lint; tests/gap/test_filter_rules.py",
    "NEX824": "`nexc gap filter` rule on trajectories, not lint; tests/gap/test_filter_rules.py",
    "NEX825": "`nexc gap filter` rule on trajectories, not lint; tests/gap/test_filter_rules.py",
    "NEX826": "`nexc gap filter` rule on trajectories, not lint; tests/gap/test_filter_rules.py",
    "NEX827": "`nexc gap filter` rule on trajectories, not lint; tests/gap/test_filter_rules.py",
    "NEX828": "`nexc gap filter` rule on trajectories, not lint; tests/gap/test_filter_rules.py",
    "NEX829": "`nexc gap filter` rule on trajectories, not lint; tests/gap/test_filter_rules.py",
    "NEX830": "`nexc gap filter` rule on trajectories, not lint; tests/gap/test_filter_rules.py",
    "NEX831": "`nexc gap filter` rule on trajectories, not lint; tests/gap/test_filter_rules.py",
    "NEX840": "`nexc gap filter` input problem, not lint; tests/gap/test_filter_cli.py",
    "NEX841": "`nexc gap filter`: a rule that raised on a run; tests/gap/test_filter_cli.py",
    "NEX842": "`nexc gap filter --judge`: an invalid judge reply; tests/gap/test_judge.py",
    "NEX843": "`nexc view` input problem, not lint; tests/pages/test_viewer.py",
    "NEX844": "`nexc view` with no LLM-call record, not lint; tests/pages/test_viewer.py",
    "NEX615": "reported only with --simulate-missing (nexc run/build), not by lint; tests/compat/test_real_configs.py",
}
