"""The nexc intermediate representation: surface IR (as written) and resolved IR (checked, frozen)."""
from nexc.ir.base import BUILTIN_SPAN, Node, Span, strip_spans
from nexc.ir.model import (
    Agent,
    AgentRef,
    Binding,
    EnvRef,
    Extension,
    Framework,
    Limits,
    Llm,
    McpSelection,
    McpServer,
    Name,
    Prompt,
    Skill,
    SkillRef,
    Tool,
    ToolRef,
)

__all__ = [
    "BUILTIN_SPAN", "Node", "Span", "strip_spans", "Agent", "AgentRef", "Binding", "EnvRef", "Extension",
    "Framework", "Limits", "Llm", "McpSelection", "McpServer", "Name", "Prompt", "Skill", "SkillRef", "Tool", "ToolRef",
]
