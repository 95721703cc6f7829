"""Every check NexAU does not make: code, file, line and column, and a snapshot of the rendered text."""
from __future__ import annotations

import pytest

from nexc.diagnostics.render import render_text

from .conftest import FIXTURES, compile_file

BAD = FIXTURES / "bad"

#: case file → (code, file (relative to BAD), line, column) of the diagnostic the case is about.
CASES = {
    "missing_tool_yaml": ("NEX613", "missing_tool_yaml.yaml", 5, 16),
    "missing_sub_agent": ("NEX600", "missing_sub_agent.yaml", 5, 18),
    "missing_prompt": ("NEX600", "missing_prompt.yaml", 3, 16),
    "not_an_agent": ("NEX601", "not_an_agent.yaml", 5, 18),
    "unknown_key": ("NEX602", "unknown_key.yaml", 3, 1),
    "undefined_variable": ("NEX603", "undefined_variable.yaml", 5, 10),
    "unset_env": ("NEX604", "unset_env.yaml", 3, 12),
    "tool_collision": ("NEX606", "tool_collision.yaml", 6, 11),
    "mcp_collision": ("NEX606", "mcp_collision.yaml", 12, 7),
    "stop_tool": ("NEX608", "stop_tool.yaml", 6, 14),
    "renamed": ("NEX609", "renamed.yaml", 4, 11),
    "unsupported": ("NEX610", "unsupported.yaml", 3, 1),
    "missing_llm_config": ("NEX611", "missing_llm_config.yaml", 1, 7),
    "template_error": ("NEX612", "prompts/broken.md", 1, 1),
    "substituted_positions": ("NEX602", "substituted_positions.yaml", 7, 79),
    "nexa4a_unknown_node": ("NEX620", "nexa4a_unknown_node.yaml", 11, 27),
    "outside_project": ("NEX309", "outside_project.yaml", 7, 16),
}


def _diagnostics(case: str):
    kind = "nexa4a" if case.startswith("nexa4a") else "nexau"
    _, r = compile_file(BAD / f"{case}.yaml", kind)
    return r.sorted()


@pytest.mark.parametrize("case", sorted(CASES))
def test_diagnostic_code_and_position(case, monkeypatch):
    monkeypatch.delenv("NEXC_TEST_UNSET_VARIABLE", raising=False)
    code, file, line, column = CASES[case]
    diags = _diagnostics(case)
    hits = [d for d in diags if d.code == code]
    assert hits, render_text(diags)
    assert any((d.span.file, d.span.line, d.span.column) == (str(BAD / file), line, column) for d in hits), \
        render_text(diags)


@pytest.mark.parametrize("case", sorted(CASES))
def test_rendered_diagnostics(case, snapshot, monkeypatch):
    monkeypatch.delenv("NEXC_TEST_UNSET_VARIABLE", raising=False)
    monkeypatch.delenv("NEXC_TEST_UNSET_HOST", raising=False)
    assert render_text(_diagnostics(case)) == snapshot


def test_multiple_mcp_servers_warn():
    assert "NEX607" in {d.code for d in _diagnostics("mcp_collision")}


def test_env_inside_text_is_kept_and_reported():
    diags = _diagnostics("unset_env")
    assert [d.code for d in diags] == ["NEX604", "NEX605", "NEX604"]


def test_every_compat_code_is_documented():
    from nexc.diagnostics import all_rules

    codes = [r for r in all_rules() if r.code.startswith("NEX6")]
    assert len(codes) >= 14 and all(r.what and r.why and r.example and r.fix for r in codes)


def test_paths_outside_the_project_are_never_read(tmp_path):
    """A NexAU config may refer to siblings with ``../`` inside its project (the nearest folder with a project
    marker), but nothing above it is read or copied: NEX309 for the prompt and the tool YAML."""
    outside = tmp_path / "secret.md"
    outside.write_text("TOP SECRET", encoding="utf-8")
    cfg = tmp_path / "proj" / "configs" / "main"
    cfg.mkdir(parents=True)
    (tmp_path / "proj" / "configs" / "shared.md").write_text("Shared prompt.", encoding="utf-8")
    (cfg / "a.yaml").write_text("name: a\nllm_config: {}\nsystem_prompt: ../../../secret.md\nsystem_prompt_type: file\n",
                                encoding="utf-8")
    (cfg / "b.yaml").write_text("name: b\nllm_config: {}\nsystem_prompt: ../shared.md\nsystem_prompt_type: file\n",
                                encoding="utf-8")
    fw, r = compile_file(cfg / "a.yaml", "nexau")
    assert [d.code for d in r.sorted()] == ["NEX309"]          # no marker: the project is the config's folder
    fw, r = compile_file(cfg / "b.yaml", "nexau")
    assert [d.code for d in r.sorted()] == ["NEX309"]
    (tmp_path / "proj" / ".nexc-root").write_text("", encoding="utf-8")
    from nexc.frontend.nexau.files import project_root

    project_root.cache_clear()
    fw, r = compile_file(cfg / "b.yaml", "nexau")
    assert not r.has_errors and fw.agents[0].prompt.text is None   # a sibling inside the marked project: fine
    fw, r = compile_file(cfg / "a.yaml", "nexau")
    assert [d.code for d in r.sorted()] == ["NEX309"]          # still above the project
    assert all("TOP SECRET" not in d.message for d in r.sorted())


def test_an_alias_bomb_is_refused_not_expanded(tmp_path):
    """Nine levels of nine aliases would expand to 387 million values; NexAU configs get the same NEX150
    guard as nexc YAML (this used to take minutes and gigabytes)."""
    lines = ["type: agent", "name: a", "llm_config: {}", "x0: &a0 [q, q, q, q, q, q, q, q, q]"]
    lines += [f"x{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    (tmp_path / "bomb.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    fw, r = compile_file(tmp_path / "bomb.yaml", "nexau")
    assert fw is None and [d.code for d in r.sorted()] == ["NEX150"]
