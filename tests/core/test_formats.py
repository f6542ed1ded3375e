"""Money and dates in one place (core/formats, Babel): the same words on pages, PDFs and mail,
in the installation's locale."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from jinja2 import Environment

from licensor.config import Settings
from licensor.core import formats, mail_templates
from licensor.core.money import Money
from licensor.core.web import portal


@pytest.fixture
def en_gb() -> Iterator[None]:
    formats.configure("en_GB", "medium")
    try:
        yield
    finally:
        formats.configure("en_US", "long")


def test_the_default_locale_reads_as_before() -> None:
    assert formats.money(Money(34000, "USD")) == "$340.00"
    assert formats.human_date(datetime(2027, 3, 4, 12, tzinfo=UTC)) == "March 4, 2027"
    assert formats.human_time(datetime(2027, 3, 4, 14, 5, tzinfo=UTC)) == \
        "March 4, 2027, 14:05 UTC"


def test_a_configured_locale_formats_money_and_dates_its_way(en_gb: None) -> None:
    assert formats.money(Money(123450, "EUR")) == "€1,234.50"
    assert formats.money({"amount": 99, "currency": "GBP"}) == "£0.99"
    assert formats.human_date(datetime(2026, 12, 7, tzinfo=UTC)) == "7 Dec 2026"
    assert formats.human_date("2026-12-07T10:00:00Z") == "7 Dec 2026"


def test_pages_documents_and_mail_share_the_same_filters(en_gb: None) -> None:
    when = datetime(2026, 12, 7, tzinfo=UTC)
    for env in (portal.templates, mail_templates.env):
        rendered = env.from_string("{{ m|money }} {{ d|date }}").render(
            m=Money(123450, "EUR"), d=when)
        assert rendered == "€1,234.50 7 Dec 2026"
    bare = Environment()
    formats.install_filters(bare)
    assert bare.filters["money"] is formats.money and bare.filters["date"] is formats.human_date


def test_an_unknown_locale_is_refused_with_what_to_write() -> None:
    with pytest.raises(ValueError, match="en_US, en_GB"):
        Settings(locale="xx_nowhere")
    assert Settings(locale="en-GB").locale == "en_GB"
