"""The closed-period rule: a record dated in a closed period may not change until the period
is reopened (the comparison with the fingerprint taken at close lives in addin.periods)."""

from __future__ import annotations

from collections.abc import Iterator

from addin.i18n import Text
from addin.rules.registry import Context, Fragment, Hit, Phase, rule

_WHAT = {
    "added": Text("record {key} was added", "记录 {key} 是新增的"),
    "changed": Text("record {key} was changed", "记录 {key} 被修改"),
    "deleted": Text("a record was deleted", "有记录被删除"),
}


@rule("PER-CLOSED", "error", "*", phase=Phase.READ, dated=False, message=Text(
    "{what} in the closed period {period} after its close; undo it, or have the service manager "
    "reopen {period}.",
    "已结账期间 {period} 在结账后{what}；请撤销，或由服务经理反结账 {period}。"))
def closed_period_changed(ctx: Context) -> Iterator[Hit]:
    """No record dated in a closed period is added, changed or deleted after the close (checked
    against the fingerprint recorded at close: the hidden fingerprints sheet, or the periods notes
    of a workbook closed before it existed). Reported whatever period is validated, since it
    blocks any close."""
    from addin.periods import closed_period_changes

    for change in closed_period_changes(ctx.store):
        what = Fragment(_WHAT.get(change.kind, _WHAT["changed"]), {"key": change.key or "?"})
        yield Hit(change.row, None, change.key, {"what": what, "period": change.period}, sheet=change.sheet)
