"""Rotated access/refresh tokens, committed to the store (sealed) before they are used."""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime
from typing import Any

from deskterm.channels.chat.types import Tokens
from deskterm.domain.redact import remember_secret
from deskterm.secrets import KeyringSecret, SecretRef, set_keyring_secret
from deskterm.store.engine import Store
from deskterm.store.tables import utcnow
from deskterm.sync.chat.token_seal import TokenSealError, seal, unseal
from deskterm.sync.cursors import load_cursor, save_cursor

log = logging.getLogger(__name__)

TOKENS_SCOPE = "tokens"  # the SyncCursor row that holds a channel's rotated tokens


class StoreTokenKeeper:
    """Tokens for one channel: rotated ones from the store win over the config's initial ones.

    A lost Shopee refresh token locks the shop out, so a rotation is committed before the
    new token is used; a keyring secret is updated too, so both agree.

    The config's values may come from a read-only ``env`` or ``command`` secret, so they
    cannot be written back; the store can, inside a transaction that commits before
    ``save`` returns. The store holds them sealed (token_seal.py): nothing under the data
    directory is a usable credential.
    """

    def __init__(
        self,
        store: Store,
        channel_id: int,
        initial: Tokens,
        *,
        access_ref: SecretRef | None = None,
        refresh_ref: SecretRef | None = None,
        label: str = "",
    ) -> None:
        self.store = store
        self.channel_id = channel_id
        self.initial = initial
        self.access_ref = access_ref
        self.refresh_ref = refresh_ref
        self.label = label or f"channel {channel_id}"
        self._warned = False

    def load(self) -> Tokens:
        """The newest tokens: the store's rotation if any, else the config's."""
        with self.store.read() as session:
            value = load_cursor(session, self.channel_id, TOKENS_SCOPE)
        if value.get("config") not in (None, self._config_fingerprint()):
            # The config's tokens changed since this rotation (the shop was authorised
            # again after a lock-out): the new ones win.
            return self.initial
        if "sealed" in value:
            try:
                secret = unseal(str(value["sealed"]))
            except TokenSealError as exc:
                self._warn_unsealable(exc)
                return self.initial
        elif value.get("access_token"):
            secret = value  # written in clear by an earlier deskterm: seal it now
            self._reseal(value)
        else:
            return self.initial
        if not secret.get("access_token"):
            return self.initial
        expires = secret.get("expires_at")
        tokens = Tokens(
            access_token=str(secret["access_token"]),
            refresh_token=str(secret.get("refresh_token") or self.initial.refresh_token),
            expires_at=datetime.fromisoformat(expires) if expires else None,
        )
        remember_secret(tokens.access_token)
        remember_secret(tokens.refresh_token)
        return tokens

    def _warn_unsealable(self, exc: TokenSealError) -> None:
        if not self._warned:
            self._warned = True
            log.warning(
                "%s: the rotated tokens in the store cannot be unsealed (%s); using the"
                " config's tokens — if the platform refuses them, authorise the shop again",
                self.label,
                exc,
            )

    def _reseal(self, clear: dict[str, Any]) -> None:
        """Replace a row an earlier deskterm wrote in clear text by its sealed form."""
        try:
            value = self._row(
                {key: clear.get(key) for key in ("access_token", "refresh_token", "expires_at")},
                rotated_at=clear.get("rotated_at"),
                config=clear.get("config"),
            )
            with self.store.write() as session:
                save_cursor(session, self.channel_id, TOKENS_SCOPE, value)
        except Exception as exc:  # the clear row still works; sealing is tried next time
            log.warning("%s: could not seal the stored tokens: %s", self.label, exc)

    @staticmethod
    def _row(secret: dict[str, Any], *, rotated_at: Any, config: Any) -> dict[str, Any]:
        return {"sealed": seal(secret), "rotated_at": rotated_at, "config": config}

    def _config_fingerprint(self) -> str:
        """Which config tokens a rotation descends from (a hash: the store holds no copy)."""
        both = f"{self.initial.access_token}\0{self.initial.refresh_token}".encode()
        return hashlib.sha256(both).hexdigest()[:32]

    def save(self, tokens: Tokens) -> None:
        """Commit the new tokens, sealed (then mirror them into the keyring when they came
        from it)."""
        remember_secret(tokens.access_token)
        remember_secret(tokens.refresh_token)
        rotated = {
            "access_token": tokens.access_token,
            "refresh_token": tokens.refresh_token,
            "expires_at": tokens.expires_at.isoformat() if tokens.expires_at else None,
        }
        value = self._row(
            rotated, rotated_at=utcnow().isoformat(), config=self._config_fingerprint()
        )
        with self.store.write() as session:
            save_cursor(session, self.channel_id, TOKENS_SCOPE, value)
        # The store copy is durable now; the keyring is a courtesy for other tools and
        # for a fresh store, so its failure is logged, not raised.
        mirrored = (
            (self.access_ref, tokens.access_token),
            (self.refresh_ref, tokens.refresh_token),
        )
        for ref, secret in mirrored:
            if isinstance(ref, KeyringSecret) and secret:
                try:
                    set_keyring_secret(ref.keyring, secret)
                except Exception as exc:  # any backend failure: the store copy suffices
                    log.warning("could not update keyring entry %s: %s", ref.keyring, exc)
