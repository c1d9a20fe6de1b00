"""The marketplace and Shopify fakes for the demo and the tests: served, seeded, configured."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from deskterm.demo.fakes.lazada import LazadaFake
from deskterm.demo.fakes.shopee import ShopeeFake
from deskterm.demo.fakes.shopify import FakeShopify
from deskterm.demo.fakes.tiktokshop import TikTokShopFake

# Customers of the demo mailbox who also shop on Shopify (their orders show beside the mail).
SHOPIFY_CUSTOMERS = (
    ("siti.rahma@mail.test", "Siti Rahma", True),
    ("john.carter@example.com", "John Carter", False),
    ("ana.souza@correio.test", "Ana Souza", False),
    ("budi.s@mail.test", "Budi Santoso", True),
    ("dewa.putra@mail.test", "Dewa Putra", True),
)


@dataclass
class Marketplaces:
    """The running fakes and the config entries that point deskterm at them."""

    tiktokshop: TikTokShopFake
    shopee: ShopeeFake
    lazada: LazadaFake
    shopify: FakeShopify
    config: str  # [[channels]] and [[stores]] TOML to append to a config file
    seeded: dict[str, list[str]]  # channel name -> conversation ids the fakes were seeded with


def _secret_file(folder: Path, name: str, value: str) -> str:
    """A secret the config reads with ``cat`` (any process can then sync the demo store)."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    return f'{{ command = "cat {path}" }}'


@contextmanager
def serve_marketplaces(
    secrets_dir: Path,
    *,
    conversations: int = 6,
    messages: int = 5,
    poll_seconds: int = 5,
) -> Iterator[Marketplaces]:
    """Start and seed all four fakes; yields them with the config that reaches them."""
    tts, shopee, lazada, shopify = TikTokShopFake(), ShopeeFake(), LazadaFake(), FakeShopify()
    with ExitStack() as stack:
        tts_url = stack.enter_context(tts.serve())
        shopee_url = stack.enter_context(shopee.serve())
        stack.enter_context(lazada.serve())
        shopify_url = stack.enter_context(shopify.serve())
        seeded: dict[str, list[str]] = {"tokopedia": [], "shopee-id": [], "lazada-id": []}
        if conversations:
            seeded["tokopedia"] = tts.seed(conversations, messages)
            seeded["shopee-id"] = shopee.seed(conversations, messages)
            seeded["lazada-id"] = lazada.seed(conversations, messages)
        for email, name, indonesian in SHOPIFY_CUSTOMERS:
            shopify.seed_orders(email, 2, customer_name=name, indonesian=indonesian)
        shopify.seed_every_status("dewa.putra@mail.test", customer_name="Dewa Putra")

        def secret(name: str, value: str) -> str:
            return _secret_file(secrets_dir, name, value)

        config = f"""
[[channels]]
name = "tokopedia"
type = "tiktokshop"
base_url = "{tts_url}"
auth_url = "{tts_url}"
app_key = "{tts.app_key}"
app_secret = {secret("tts-secret", tts.app_secret)}
access_token = {secret("tts-token", tts.access_token)}
refresh_token = {secret("tts-refresh", tts.refresh_token)}
shop_cipher = "{tts.shop_cipher}"
store = "main"
poll_seconds = {poll_seconds}

[[channels]]
name = "shopee-id"
type = "shopee"
base_url = "{shopee_url}"
partner_id = {shopee.partner_id}
partner_key = {secret("shopee-key", shopee.partner_key)}
shop_id = {shopee.shop_id}
access_token = {secret("shopee-token", shopee.access_token)}
refresh_token = {secret("shopee-refresh", shopee.refresh_token)}
store = "main"
poll_seconds = {poll_seconds}

[[channels]]
name = "lazada-id"
type = "lazada"
base_url = "{lazada.rest_url()}"
auth_url = "{lazada.auth_url()}"
app_key = "{lazada.app_key}"
app_secret = {secret("lazada-secret", lazada.app_secret)}
access_token = {secret("lazada-token", lazada.access_token)}
refresh_token = {secret("lazada-refresh", lazada.refresh_token)}
store = "main"
poll_seconds = {poll_seconds}

[[stores]]
name = "main"
type = "shopify"
shop_url = "{shopify_url}"
access_token = {secret("shopify-token", shopify.access_token)}
"""
        yield Marketplaces(tts, shopee, lazada, shopify, config, seeded)
