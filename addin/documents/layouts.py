"""The layouts of the day's documents: per document its column widths, the job's details it
shows and the rows of its body (tables, boxes, signature lines). addin.documents.make_templates
writes the templates from them; addin.documents.forms restores the widths after filling."""

from __future__ import annotations

from dataclasses import dataclass, field

DOCS = ("jobsheet", "dispatch", "picklist", "settlement", "gatepass")
COLUMNS = 9
#: Excel's default face (Carlito, its metric twin, on Linux): a font without a name prints serif.
FONT = "Calibri"


@dataclass
class Layout:
    """A document's template: column widths, the job-detail pairs (label key, value key), the
    table anchors (the first one's header repeats on every page) and the rows below them."""

    widths: tuple[float, ...]
    details: list[tuple[str, str]]
    body: list[list[tuple[int, str, str]]] = field(default_factory=list)
    wide: tuple[tuple[str, str], ...] = ()


def _sig(label: str, col: int = 1, line_from: int = 3, line_to: int = 5) -> list[tuple[int, str, str]]:
    """A signature line: the label, then cells whose bottom border is the line to sign on."""
    return [(col, f"{{{{label:{label}}}}}", "bold"), *[(c, "", "line") for c in range(line_from, line_to + 1)]]


def _boxes(boxes: list[tuple[str, list[str]]]) -> list[list[tuple[int, str, str]]]:
    """Three boxes side by side (columns A-C, D-F, G-I): each a title and its lines (label keys)."""
    rows = [[(1 + 3 * i, f"{{{{label:{title}}}}}", "box_title") for i, (title, _) in enumerate(boxes)]]
    height = max(len(lines) for _, lines in boxes)
    for n in range(height):
        style = "box_last" if n == height - 1 else "box"
        rows.append([(1 + 3 * i, f"{{{{label:{lines[n]}}}}}" if n < len(lines) else "", style)
                     for i, (_, lines) in enumerate(boxes)])
    return rows


_JOB_DETAILS = [("wo_no", "wo_no"), ("open_date", "open_date"), ("customer_name", "customer_name"),
                ("customer_phone", "customer_phone"), ("plate", "plate"), ("vin", "vin"), ("model", "model"),
                ("mileage", "mileage"), ("repair_type", "repair_type"), ("advisor", "advisor")]

LAYOUTS: dict[str, Layout] = {
    "jobsheet": Layout(
        widths=(5, 10, 10, 23, 7, 10, 8, 11, 13),
        details=[*_JOB_DETAILS, ("promised_date", "promised_date"), ("team", "team")],
        wide=(("concern", "concern"),),
        body=[[(1, "{{label:estimate}}", "section")], [(1, "{{table:estimate}}", "")],
              [(1, "{{estimate_note}}", "note")], [],
              [(1, "{{label:declined_title}}", "section")], [(1, "{{table:declined}}", "")],
              [(1, "{{label:declined_note}}", "note")], _sig("customer_declines"), [],
              [(1, "{{label:terms}}", "section")], [(1, "{{label:term_1}}", "small")],
              [(1, "{{label:term_2}}", "small")], [(1, "{{label:term_3}}", "small")],
              [(1, "{{label:term_4}}", "small")], [],
              _sig("customer_signature") + [(6, "{{label:advisor_signature}}", "bold"), (8, "", "line"),
                                            (9, "", "line")],
              [(1, "{{label:date}}", "bold"), (3, "", "line"), (6, "{{label:date}}", "bold"), (8, "", "line"),
               (9, "", "line")]],
    ),
    "dispatch": Layout(
        widths=(5, 10, 22, 7, 13, 8, 15, 7, 11),
        details=[("wo_no", "wo_no"), ("open_date", "open_date"), ("plate", "plate"), ("vin", "vin"),
                 ("model", "model"), ("mileage", "mileage"), ("repair_type", "repair_type"),
                 ("promised_date", "promised_date"), ("team", "team"), ("team_leader", "team_leader"),
                 ("advisor", "advisor"), ("dispatched_by", "dispatched_by")],
        wide=(("concern", "concern"),),
        body=[[(1, "{{label:labor_title}}", "section")], [(1, "{{table:labor}}", "")],
              [(1, "{{hours_note}}", "note")], [],
              *_boxes([(box, ["check_result", "check_by", "check_date"])
                      for box in ("self_check", "team_check", "final_check")]),
              [], [(1, "{{label:dispatch_note}}", "small")]],
    ),
    "picklist": Layout(
        widths=(5, 12, 21, 11, 11, 7, 7, 9, 13),
        details=[("wo_no", "wo_no"), ("open_date", "open_date"), ("plate", "plate"), ("vin", "vin"),
                 ("model", "model"), ("team", "team"), ("advisor", "advisor"), ("status", "status")],
        body=[[(1, "{{label:parts_title}}", "section")], [(1, "{{table:parts}}", "")], [],
              [(1, "{{label:movements_title}}", "section")], [(1, "{{table:movements}}", "")], [],
              _sig("picked_by") + [(6, "{{label:received_by}}", "bold"), (8, "", "line"), (9, "", "line")],
              [(1, "{{label:date}}", "bold"), (3, "", "line"), (6, "{{label:date}}", "bold"), (8, "", "line"),
               (9, "", "line")]],
    ),
    "settlement": Layout(
        widths=(5, 10, 10, 23, 7, 10, 8, 11, 13),
        details=[*_JOB_DETAILS, ("close_date", "close_date"), ("insurer", "insurer"), ("claims", "claims"),
                 ("status", "status")],
        body=[[(1, "{{label:lines_title}}", "section")], [(1, "{{amounts_note}}", "note")],
              [(1, "{{table:lines}}", "")], [],
              [(1, "{{table:summary}}", "")], [(1, "{{vat_note}}", "note")], [],
              [(1, "{{label:settlement_note}}", "small")], [],
              _sig("customer_signature") + [(6, "{{label:cashier_signature}}", "bold"), (8, "", "line"),
                                            (9, "", "line")],
              [(1, "{{label:date}}", "bold"), (3, "", "line"), (6, "{{label:date}}", "bold"), (8, "", "line"),
               (9, "", "line")]],
    ),
    "gatepass": Layout(
        widths=(5, 10, 10, 23, 7, 10, 8, 11, 13),
        details=[("wo_no", "wo_no"), ("close_date", "close_date"), ("plate", "plate"), ("vin", "vin"),
                 ("model", "model"), ("mileage", "mileage"), ("customer_name", "customer_name"),
                 ("status", "status")],
        body=[[(1, "{{gatepass_text}}", "para")], [],
              *_boxes([("cashier_mark", ["mark_line", "check_by", "check_date"]),
                       ("guard_check", ["gate_line", "check_by", "check_date"]),
                       ("exit_time", ["exit_line", "check_by", "check_date"])]),
              [], [(1, "{{label:gatepass_note}}", "small")]],
    ),
}
