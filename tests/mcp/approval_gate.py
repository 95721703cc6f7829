"""A middleware the annotation tests plug in: refuses MCP tools whose annotations say they are destructive."""


class ApproveReadOnly:
    def before_tool(self, ctx, name, args):
        if ctx.tool_annotations.get("destructiveHint") and not ctx.tool_annotations.get("readOnlyHint"):
            return f"refused: '{name}' is destructive and needs a human's approval"
        return None
