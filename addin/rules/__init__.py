"""Validation: every rule of DOMAIN.md ("Rules an entry must pass"), declared once.

``validate_store(store, period=None)`` returns the findings; ``RULES`` is the registry (id ->
:class:`Rule`), which docs/rules.md, the checks sheet and the worksheet functions read. Each area
of the workbook has its module; importing this package registers them all, in precedence order
within each phase.
"""

# Issue 11: the customer care registers and the claims' dates.
from addin.rules import (  # noqa: F401
    care,  # noqa: F401,E402
    claims,
    general,
    parts_ledger,
    periods_rule,
    roster,
    wo_lines,
    work_orders,
    workshop,  # noqa: F401  (issue 12: the workshop registers)
)
from addin.rules.registry import RULES, Hit, Phase, Rule, checks_records, ordered_rules, validate_store

__all__ = ["RULES", "Hit", "Phase", "Rule", "checks_records", "ordered_rules", "validate_store"]
