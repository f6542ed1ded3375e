"""The one-guess table: every business rule lives at `licensor.<capability>.rules.<name>` (one
guess finds it) and is written there only (its tell-tale text appears nowhere else in src/).

docs/architecture.md, "Where a rule lives", shows the same table; a rule that moves or gets a
second copy fails here first.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from licensor.config import Settings

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "licensor"
DOCS = ROOT / "docs" / "architecture.md"


@dataclass(frozen=True)
class Rule:
    home: str  # licensor.<capability>.rules.<name>
    # Text only the rule itself writes: its definition, its error, its arithmetic.
    tells: tuple[str, ...]
    # The vendor's knob (a setting), when a vendor can change the rule; None: a catalog policy,
    # a record's own field, or fixed by a standard.
    setting: str | None = None
    # Files besides the home allowed to show a tell (relative to src/licensor), each with why.
    also: tuple[str, ...] = ()
    scope: str = ""  # search only under this folder of src/licensor
    never: tuple[str, ...] = ()  # a default typed in where the setting should be read


def _error(code: str) -> str:
    return rf'LicensorError\(\s*"{code}"'


RULES: dict[str, Rule] = {
    "invoice minimum": Rule(
        "licensor.orders.rules.invoice_minimum",
        (r"def invoice_(minimum|allowed)\b", r"\.invoice_minimum\s*\*",
         _error("PAYMENT_METHOD_NOT_ALLOWED")),
        setting="invoice_minimum"),
    "renewal price": Rule(
        "licensor.maintenance.rules.renewal_price",
        (r"def renewal_price\b", r"\.renewal_price_ratio\b"),
        # the catalog parses and prints the policy the rule reads
        also=("catalog/rules.py",)),
    "proration rounding": Rule(
        "licensor.subscriptions.rules.prorate",
        (r"def (prorate|fraction_left)\b", r"\.scaled\(\s*fraction\b")),
    "quote validity": Rule(
        "licensor.orders.rules.quote_expires_at",
        (r"def (quote_expires_at|check_quote_current)\b", r"\bnow\s*\+\s*(validity|[\w.]*quote_validity)\b",
         _error("QUOTE_EXPIRED")),
        setting="quote_validity_days", never=(r"valid 60\b", r"\b60 days\b")),
    "maintenance end": Rule(
        "licensor.maintenance.rules.first_end",
        (r"def (first_end|renewed_end|shortened_end|block_months)\b",
         r"maintenance_months or \w", r"add_months\([^)]*\bmonths\)")),
    "site deletion": Rule(
        "licensor.subscriptions.rules.deletion_at",
        (r"def deletion_at\b", r"ended_at\s*\+", r"\+\s*keep\b"),
        setting="site_deletion_days"),
    "upgrade price": Rule(
        "licensor.orders.rules.upgrade_price",
        (r"def (upgrade_price|current_value)\b", _error("UPGRADE_NOT_LARGER"))),
    "coupon redemptions": Rule(
        "licensor.discounts.rules.exhausted",
        (r"def (exhausted|used_up)\b", r"times_redeemed\s*>=", _error("COUPON_EXHAUSTED"))),
    "seat cap": Rule(
        "licensor.licenses.rules.check_seat_free",
        (r"def check_seat_free\b", r"taken\s*>=", _error("SEATS_EXHAUSTED"))),
    "webhook retries": Rule(
        "licensor.webhooks.rules.next_attempt",
        (r"def next_attempt\b", r"RETRY_DELAYS\s*=", r"RETRY_DELAYS\["),
        scope="webhooks"),  # core/mail.py has mail's own retries, another rule
    "dunning schedule": Rule(
        "licensor.subscriptions.rules.dunning_retry_at",
        (r"def dunning_retry_at\b", r"past_due_since\s*\+"),
        setting="dunning_days"),
    "tax rate lookup": Rule(
        "licensor.tax.rules.rate_on",
        (r"def rate_on\b", r"effective_from\s*(<=|>=|<|>)\s*\w")),
}


def _home_file(rule: Rule) -> Path:
    module = rule.home.rsplit(".", 1)[0]
    return ROOT / "src" / (module.replace(".", "/") + ".py")


def _sources(scope: str) -> list[Path]:
    return [p for p in sorted((SRC / scope).rglob("*.py")) if "migrations" not in p.parts]


@pytest.mark.parametrize("name", sorted(RULES))
def test_the_rule_is_found_in_one_guess(name: str) -> None:
    rule = RULES[name]
    module, attr = rule.home.rsplit(".", 1)
    assert module.split(".")[2] == "rules", f"{name}: a rule's home is a rules.py"
    found = getattr(importlib.import_module(module), attr)
    assert callable(found), f"{rule.home} is not a rule"


@pytest.mark.parametrize("name", sorted(RULES))
def test_the_rule_is_written_once(name: str) -> None:
    rule = RULES[name]
    home = _home_file(rule)
    home_text = home.read_text()
    for tell in rule.tells:
        assert re.search(tell, home_text), f"{name}: {tell!r} is not in {home} (the tell is stale)"
    allowed = {home, *(SRC / extra for extra in rule.also)}
    elsewhere = [f"{path.relative_to(SRC)}:{text[:m.start()].count(chr(10)) + 1}: {m.group(0)}"
                 for path in _sources(rule.scope) if path not in allowed
                 for text in [path.read_text()]
                 for tell in rule.tells for m in re.finditer(tell, text)]
    assert elsewhere == [], f"{name} is written outside {rule.home}: {elsewhere}"
    typed = [f"{path.relative_to(SRC)}: {m.group(0)}" for path in _sources("")
             for never in rule.never for m in re.finditer(never, path.read_text())]
    assert typed == [], f"{name}: a default typed in instead of read from the setting: {typed}"


def test_no_template_types_a_rules_number() -> None:
    """Words shown to customers read the vendor's setting, never a default typed in."""
    typed = [f"{p.relative_to(SRC)}" for p in sorted((SRC / "templates").rglob("*.html"))
             if re.search(r"valid 60\b|\b60 days\b|\$300\b|90 days\b", p.read_text())]
    assert typed == []


@pytest.mark.parametrize("name", sorted(n for n, r in RULES.items() if r.setting))
def test_a_vendor_changes_the_rule_by_a_setting(name: str) -> None:
    assert RULES[name].setting in Settings.model_fields


def test_the_table_is_documented() -> None:
    text = DOCS.read_text()
    for name, rule in RULES.items():
        row = next((line for line in text.splitlines() if line.startswith(f"| {name} |")), "")
        assert f"`{rule.home}`" in row, f"docs/architecture.md has no row for {name}"
