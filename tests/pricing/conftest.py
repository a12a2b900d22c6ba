"""Every pricing test starts from the bundled price book, without user prices."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from spanscope import pricing
from spanscope.constants import ENV_PRICE_BOOK


@pytest.fixture(autouse=True)
def _fresh_price_book(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv(ENV_PRICE_BOOK, raising=False)
    pricing.reset()
    yield
    pricing.reset()
