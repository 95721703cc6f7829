"""Which format reproduces which real template, and how to drive the comparison."""
from __future__ import annotations

from datetime import datetime

TODAY_ISO = datetime.now().strftime("%Y-%m-%d")

#: format id → (generator options, template keyword variants)
REAL_TEMPLATE_CASES: dict[str, tuple[dict, list[dict]]] = {
    "hermes:qwen2.5": ({}, [{}]),
    "hermes:qwen3": ({"reasoning": True}, [{}, {"enable_thinking": False}, {"enable_thinking": True}]),
    "hermes:hermes3": ({}, [{}]),
    "qwen3_coder": ({}, [{}]),
    "glm45:glm46": ({"reasoning": True}, [{}, {"enable_thinking": False}]),
    "glm45:glm47": ({"reasoning": True}, [{}, {"enable_thinking": False}, {"clear_thinking": False}]),
    "minimax_m2": ({"reasoning": True}, [{}, {"model_identity": "You are M."}]),
    "deepseek_v31": ({"reasoning": True}, [{}, {"thinking": True}]),
    "kimi_k2:original": ({}, [{}]),
    "kimi_k2:0905": ({}, [{}]),
    "kimi_k2:thinking": ({"reasoning": True}, [{}]),
    "llama3_json:3.1": ({"max_calls": 1}, [{}, {"tools_in_user_message": False}, {"date_string": "02 Feb 2025"}]),
    "llama3_json:3.2": ({"max_calls": 1}, [{"date_string": "01 Jan 2025"}, {"date_string": "01 Jan 2025",
                                                                            "tools_in_user_message": False}]),
    "mistral:v3": ({}, [{}]),
    # the real template reads the clock for its default system prompt; nexc takes date_string
    "mistral:v11": ({}, [{"date_string": TODAY_ISO}]),
    # reads the clock (nexc takes date_string); drops a turn's calls after the first, like nexc
    "gpt_oss": ({}, [{"date_string": TODAY_ISO},
                     {"date_string": TODAY_ISO, "model_identity": "You are M.", "reasoning_effort": "high"},
                     {"date_string": TODAY_ISO, "reasoning_effort": "low"}]),
}

#: reference crashes nexc renders through (documented in specs/FORMATS.md)
REFERENCE_CRASHES_RENDERED = {
    "hermes:hermes3": "the template iterates `tools` and crashes when there are none",
}

#: real templates no format reproduces (optional in the issue)
UNMATCHED_OK: dict[str, str] = {}
