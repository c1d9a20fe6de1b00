"""Fixtures for the commerce tests: the Shopify fake on loopback, a fake clock, a client."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from deskterm.commerce.shopify import ShopifyClient
from deskterm.demo.fakes.shopify import FakeShopify

TOKEN = "shpat_0123456789abcdef"
VERSION = "2025-10"


@dataclass
class FakeTime:
    """One clock for the fake's bucket and the client's budget; sleeping advances it."""

    now: float = 1_000.0
    sleeps: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@dataclass
class Shop:
    """The fake, its URL and the clock both sides read."""

    fake: FakeShopify
    url: str
    time: FakeTime

    def client(self, token: str = TOKEN, *, label: str = "main") -> ShopifyClient:
        return ShopifyClient(
            self.url,
            VERSION,
            token,
            label=label,
            sleep=self.time.sleep,
            clock=self.time.clock,
            timeout=5.0,
        )


@pytest.fixture
def shop() -> Iterator[Shop]:
    """A Shopify fake with no orders, served on 127.0.0.1, on a fake clock."""
    time = FakeTime()
    fake = FakeShopify(access_token=TOKEN, clock=time.clock)
    with fake.serve() as url:
        yield Shop(fake, url, time)
