"""The import rules of the layout: core imports no capability; a capability imports core and
the services and rules of capabilities it builds on, never their repositories or endpoints."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "licensor"
CAPABILITIES = sorted(p.name for p in SRC.iterdir()
                      if p.is_dir() and (p / "__init__.py").exists()
                      and p.name not in {"core", "migrations", "verify", "data"})
# What a capability may not reach into in another capability.
PRIVATE = ("repository", "endpoints")


def imported_modules(path: Path) -> set[str]:
    """Absolute module names `path` imports, including `from x import y` as x.y for submodules."""
    tree = ast.parse(path.read_text(), str(path))
    package = ".".join(("licensor", *path.relative_to(SRC).with_suffix("").parts[:-1]))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            found.add(base)
            found |= {f"{base}.{a.name}" for a in node.names}
    return {m for m in found if m.startswith("licensor")}


def _modules(under: str) -> list[Path]:
    return sorted((SRC / under).rglob("*.py"))


def test_the_layout_knows_its_capabilities() -> None:
    assert {"catalog", "licenses", "orders", "subscriptions"} <= set(CAPABILITIES)


def test_core_imports_no_capability() -> None:
    wrong = {f"{path.relative_to(SRC)} imports {module}"
             for path in _modules("core") for module in imported_modules(path)
             if module.count(".") and module.split(".")[1] in CAPABILITIES}
    assert sorted(wrong) == []


def test_no_capability_imports_another_capabilitys_repository_or_endpoints() -> None:
    wrong = set()
    for capability in CAPABILITIES:
        for path in _modules(capability):
            for module in imported_modules(path):
                parts = module.split(".")
                if (len(parts) >= 3 and parts[1] in CAPABILITIES and parts[1] != capability
                        and parts[2] in PRIVATE):
                    wrong.add(f"{path.relative_to(SRC)} imports {module}")
    assert sorted(wrong) == []


def test_the_processors_build_on_the_interface_not_on_payments() -> None:
    """payments chooses a processor; a processor importing payments back would be a cycle."""
    for name in ("payments_stripe", "payments_sandbox"):
        assert "licensor.core.payments" not in imported_modules(SRC / "core" / f"{name}.py")


# Which capability builds on which: a capability imports only those below it (and itself).
BUILDS_ON = {
    "catalog": set(),
    "tax": set(),
    "accounts": set(),
    "licenses": {"catalog", "maintenance"},  # maintenance rules: the maintenance end of a sale
    "orders": {"catalog", "licenses", "tax"},
    "maintenance": {"catalog", "licenses", "orders"},  # renewals are a quote kind
    "marketplace": {"catalog", "licenses"},
    "bulk": {"catalog", "licenses"},
    "subscriptions": {"catalog", "accounts", "tax"},
    # Downloads follow the update rule (maintenance); license files are read by key (licenses).
    "releases": {"catalog", "licenses", "maintenance"},
    # The console looks across every capability (search, a license's dossier, the dashboard).
    "staff": {"catalog", "accounts", "licenses", "orders", "maintenance", "marketplace",
              "subscriptions"},
}


def test_a_capability_imports_only_the_capabilities_it_builds_on() -> None:
    wrong = set()
    for capability, allowed in BUILDS_ON.items():
        for path in _modules(capability):
            for module in imported_modules(path):
                parts = module.split(".")
                if (len(parts) >= 2 and parts[1] in BUILDS_ON and parts[1] != capability
                        and parts[1] not in allowed):
                    wrong.add(f"{path.relative_to(SRC)} imports {module}")
    assert sorted(wrong) == []
