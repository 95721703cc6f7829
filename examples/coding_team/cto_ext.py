"""Middleware of the CTO team: every git tool call works on the team's repository, whatever path the model
passed — ``$CODING_TEAM_REPO``, else the directory the run started in (``nexc run`` from inside the repo)."""
from __future__ import annotations

import os


class PinRepository:
    """``before_tool``: the ``repo_path`` of each ``git__*`` call becomes the team's repository."""

    def __init__(self, server: str = "git"):
        self.prefix = f"{server}__"

    def before_tool(self, ctx, name: str, args: dict):
        if not name.startswith(self.prefix):
            return None
        return {**args, "repo_path": os.environ.get("CODING_TEAM_REPO") or os.getcwd()}
