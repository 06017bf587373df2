"""Validation: every rule of DOMAIN.md ("Rules an entry must pass"), declared once.

``validate_store(store, period=None)`` returns the findings; ``RULES`` is the registry (id ->
:class:`Rule`), which docs/rules.md, the checks sheet and the worksheet functions read. Each area
of the workbook has its module; importing this package registers them all, in precedence order
within each phase.
"""

# The order of these imports is the rules' precedence within each phase: keep it.
# isort: off
from addin.rules import general, work_orders, wo_lines, parts_ledger, claims, roster, periods_rule  # noqa: F401
from addin.rules import care  # noqa: F401  (issue 11: the customer care registers and the claims' dates)
from addin.rules import appointments  # noqa: F401  (issue 18: the appointments register)
from addin.rules import workshop  # noqa: F401  (issue 12: the workshop registers)
# isort: on
from addin.rules.registry import RULES, Hit, Phase, Rule, checks_records, ordered_rules, validate_store

__all__ = ["RULES", "Hit", "Phase", "Rule", "checks_records", "ordered_rules", "validate_store"]
