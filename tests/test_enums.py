"""Statuses, kinds and event names are enums, defined once by their owner (`<capability>/enums.py`)
and compared, set and listed through their members, never as bare text."""

from __future__ import annotations

import ast
from pathlib import Path

from licensor.licenses.enums import LicenseStatus
from licensor.orders.enums import OrderStatus, QuoteKind
from licensor.subscriptions.enums import SubscriptionStatus
from licensor.webhooks.enums import EventName
from licensor.webhooks.rules import EVENT_TYPES

SRC = Path(__file__).resolve().parents[1] / "src" / "licensor"
# Values no other thing of the project shares (each status is checked where it is unambiguous:
# "active" is also a signing key's, a staff member's and a project's).
FORBIDDEN = {OrderStatus.AWAITING_PAYMENT, OrderStatus.FULFILLED, LicenseStatus.SUPERSEDED,
             SubscriptionStatus.TRIALING, SubscriptionStatus.PAST_DUE,
             SubscriptionStatus.SUSPENDED, SubscriptionStatus.VIEW_ONLY}
# Capabilities whose code reads or writes those statuses (core's payment attempts have a
# "refunded" of their own). Event names are checked in webhooks only: the in-process events
# other capabilities emit and hear are theirs to name.
WHERE = ("orders", "licenses", "maintenance", "marketplace", "bulk", "subscriptions", "staff",
         "webhooks")


def _bare(node: ast.AST) -> list[ast.Constant]:
    """String constants compared with, assigned to a status or passed as `status=`/`kind=`."""
    found: list[ast.AST] = []
    if isinstance(node, ast.Compare):
        for side in (node.left, *node.comparators):
            found += side.elts if isinstance(side, ast.Tuple | ast.List | ast.Set) else [side]
    elif (isinstance(node, ast.keyword) and node.arg in ("status", "kind")) or (
            isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Attribute) and t.attr == "status" for t in node.targets)):
        found.append(node.value)
    elif isinstance(node, ast.Call) and getattr(node.func, "id", getattr(
            node.func, "attr", "")) in ("on", "record", "_license", "_order", "_subscription",
                                        "_migration", "_registration", "register_quote_kind"):
        found += node.args[:1]
    return [c for c in found if isinstance(c, ast.Constant) and isinstance(c.value, str)]


def test_no_status_kind_or_event_name_is_bare_text_outside_its_enum() -> None:
    wrong = []
    for capability in WHERE:
        for path in sorted((SRC / capability).rglob("*.py")):
            if path.name == "enums.py":
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                for constant in _bare(node):
                    if constant.value in FORBIDDEN or (
                            capability == "webhooks" and constant.value in EVENT_TYPES) or (
                            capability == "orders" and constant.value in set(QuoteKind)):
                        wrong.append(f"{path.relative_to(SRC)}:{constant.lineno} "
                                     f"{constant.value!r}")
    assert wrong == []


def test_the_webhook_catalog_is_the_event_names() -> None:
    assert EVENT_TYPES == tuple(EventName) and len(set(EVENT_TYPES)) == len(EVENT_TYPES)
