"""docs/rules.md is generated from the registry and must not drift from it."""

from __future__ import annotations

from pathlib import Path

from addin.rules import RULES
from addin.rules.doc import rules_markdown

DOC = Path(__file__).resolve().parent.parent / "docs" / "rules.md"


def test_rules_md_matches_the_registry():
    assert DOC.read_text(encoding="utf-8") == rules_markdown(), (
        "docs/rules.md is stale: run `python -m addin.rules --doc > docs/rules.md`")


def test_every_rule_has_a_section():
    text = DOC.read_text(encoding="utf-8")
    for rid in RULES:
        assert f"\n## {rid}\n" in text
