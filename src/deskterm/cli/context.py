"""Lazy per-invocation state for CLI commands: config, store connections, the local agent."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from deskterm.config import Config
    from deskterm.config.read_settings import ReadSettings
    from deskterm.services.actor import Actor
    from deskterm.store.engine import Store
    from deskterm.store.readdb import ReadDb


@dataclass
class CliContext:
    """Everything a command may need, opened only when first asked for."""

    config_path: Path | None
    _config: Config | None = None
    _settings: ReadSettings | None = None
    _read: ReadDb | None = None
    _store: Store | None = None
    _cache: dict[str, Any] = field(default_factory=dict)

    @property
    def config(self) -> Config:
        """The loaded configuration (defaults when no file exists)."""
        if self._config is None:
            from deskterm.config import load_config

            self._config = load_config(self.config_path)
            from deskterm.sync.labelling import use_settings

            use_settings(self._config.classify)  # how ingest labels, for this process
        return self._config

    @property
    def settings(self) -> ReadSettings:
        """What the read-only commands need of the config, without validating all of it
        when the file has not changed since the last run (config/read_settings.py)."""
        if self._settings is None:
            from deskterm.config.read_settings import ReadSettings, read_settings

            if self._config is not None:
                self._settings = ReadSettings.of(self._config)
            else:
                self._settings = read_settings(self.config_path)
        return self._settings

    def user_email(self) -> str:
        """The local agent's email: ``[user] email`` or user@host."""
        from deskterm.domain.local_user import default_identity

        return (self.settings.user_email or default_identity()[1]).lower()

    def user_name(self) -> str:
        """The local agent's display name."""
        from deskterm.domain.local_user import default_identity

        return self.settings.user_name or default_identity()[0]

    @property
    def read(self) -> ReadDb:
        """A fast read-only connection (creates/migrates the store when needed)."""
        if self._read is None:
            from deskterm.store.readdb import open_read

            self._read = open_read(self.settings.store_url)
        return self._read

    @property
    def store(self) -> Store:
        """The full read/write store."""
        if self._store is None:
            from deskterm.store.engine import open_store

            self._store = open_store(
                self.config.store_url(),
                data_dir=self.config.store_path().parent,
                on_busy=_note,
            )
        return self._store

    def actor(self) -> Actor:
        """The local agent as an Actor (its row created on first use)."""
        if "actor" not in self._cache:
            from deskterm.services.actor import agent_actor

            with self.store.write() as session:
                self._cache["actor"] = agent_actor(
                    session, email=self.user_email(), name=self.user_name()
                )
        actor: Actor = self._cache["actor"]
        return actor

    def close(self) -> None:
        """Close whatever was opened."""
        if self._read is not None:
            self._read.close()
        if self._store is not None:
            self._store.close()


def _note(text: str) -> None:
    """A one-line progress note on stderr (e.g. waiting for a busy store)."""
    import sys

    sys.stderr.write(f"deskterm: {text}\n")
    sys.stderr.flush()
