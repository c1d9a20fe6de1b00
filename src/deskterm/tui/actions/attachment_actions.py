"""Saving a ticket's attachments to a folder the agent chooses."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import work
from textual.binding import Binding, BindingType

from deskterm.tui.base import DesktermBase


class AttachmentActions(DesktermBase):
    """``w`` writes every attachment of the ticket in view (never overwriting a file)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("w", "save_attachments", "Save attachments", id="save_attachments"),
    ]

    def action_save_attachments(self) -> None:
        """Ask for a folder, then save the ticket's attachments there."""
        ticket = self._with_ticket()
        if ticket is None:
            return
        count = sum(len(m["attachments"]) for m in ticket.get("messages", []))
        if not count:
            self.notify("This ticket has no attachments", severity="warning")
            return
        tid = int(ticket["id"])

        def save(folder: str) -> None:
            self.save_attachments(tid, folder)

        def problem(folder: str) -> str | None:
            # Only the mistake seen at once; a missing folder is offered for creation.
            try:
                path = Path(folder).expanduser()
            except RuntimeError as exc:  # ~nosuchuser
                return f"{folder}: cannot expand ~ ({exc})"
            return f"{path}: not a folder" if path.exists() and not path.is_dir() else None

        self._ask(
            f"Save {count} attachment{'s' * (count != 1)} to folder",
            "existing files are never overwritten: a clash is saved as 'name (1).ext'",
            save,
            self.last_folder,
            validate=problem,
        )

    @work(thread=True, group="write", exit_on_error=False)
    def save_attachments(self, ticket_id: int, folder: str, *, create: bool = False) -> None:
        """Write the files in a worker; a missing folder is offered for creation, not guessed."""
        from deskterm.services.attachments import FolderMissingError, save_all

        store, _actor = self._write_store()
        try:
            paths = save_all(
                self._db(),
                store.attachments_dir(),
                Path(folder),
                ticket_id=ticket_id,
                create_folder=create,
            )
        except FolderMissingError as exc:
            self.call_from_thread(self._offer_create, ticket_id, folder, str(exc))
            return
        self.last_folder = folder
        where = paths[0].parent if paths else folder
        self.call_from_thread(
            self.notify, f"{len(paths)} saved in {where}", title="attachments", markup=False
        )

    def _offer_create(self, ticket_id: int, folder: str, problem: str) -> None:
        def answered(text: str) -> None:
            if text.strip().lower() in {"y", "yes"}:
                self.save_attachments(ticket_id, folder, create=True)

        self._ask(f"{problem}. Create it?", "y to create it, escape to cancel", answered, "y")
