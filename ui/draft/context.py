"""What a panel's handlers may use of the draft page: the service, the page's state, and one way
to refresh everything that shows the open draft.

The panels (ui/draft/facts.py, writing.py, ...) are typed against this Protocol rather than the
workspace that holds them, so the workspace may import the panels without the panels importing
it back.
"""

from __future__ import annotations

from typing import Any, Protocol

import gradio as gr

from drafting.service.facade import DraftingService, Workspace


class DraftContext(Protocol):
    """The draft page as its panels' handlers see it (ui.draft.workspace.DraftWorkspace)."""

    service: DraftingService
    draft_id: gr.State
    plans: gr.State
    choices: gr.State
    run_id: gr.State
    tabs: gr.Tabs

    @property
    def targets(self) -> list[Any]:
        """The components ``fill`` updates."""
        ...

    def fill(
        self,
        user: str | None,
        ws: Workspace | None,
        key: str | None = None,
        *,
        replan: bool = True,
        plan_data: dict | None = None,
        choice_data: dict | None = None,
    ) -> dict:
        """Every component showing the workspace, updated to ``ws`` (None: a blank new draft)."""
        ...

    @property
    def refresh_targets(self) -> list[Any]:
        """The components ``refresh`` updates."""
        ...

    def refresh(self, user: str | None, ws: Workspace, key: str | None) -> dict:
        """The components a new version of the draft already open changes."""
        ...
