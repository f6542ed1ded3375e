"""The fast ASCII decoding of License Keys reads exactly what base64.b32decode reads."""

from __future__ import annotations

import base64
import binascii

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from licensor.verify import MalformedKey, _key_bytes_unicode, format_key, key_bytes

TYPED = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567abcdefghijklmnopqrstuvwxyz018 -_\t\r\n"


def outcome(fn: object, text: str) -> bytes | str:
    try:
        return fn(text)  # type: ignore[operator, no-any-return]
    except MalformedKey:
        return "malformed"


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=0, max_size=200))
def test_formatted_keys_decode_to_their_bytes(raw: bytes) -> None:
    text = format_key(raw)
    if raw:
        assert key_bytes(text) == raw
        assert key_bytes(text.lower().replace("-", " ")) == raw


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=TYPED + "9+=!\x0b\x0c.é", max_size=60))
def test_any_ascii_text_reads_as_the_reference_decoder_reads_it(text: str) -> None:
    assert outcome(key_bytes, text) == outcome(_key_bytes_unicode, text)


@pytest.mark.parametrize("text", ["", "   ", "A", "ABC", "ABCDEF", "AB+CD", "ABCD9EFG",
                                  "AB CD\u2010EF", "\u0131" * 8, "A" * 1100])
def test_edge_cases_match_the_reference(text: str) -> None:
    assert outcome(key_bytes, text) == outcome(_key_bytes_unicode, text)


def test_typed_look_alikes_read_as_letters() -> None:
    raw = base64.b32decode("OIBAAAAA")
    assert key_bytes("01baaaaa") == raw
    with pytest.raises(binascii.Error):
        base64.b32decode("01BAAAAA")
