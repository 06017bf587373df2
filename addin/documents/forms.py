"""What each document prints: its labels, values and tables (a report-engine Context per
document) and the finishing of the filled sheet (widths, wrapping, merged summary rows, the
page header and footer)."""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from copy import copy
from decimal import Decimal
from typing import Any

from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from addin.documents.job import Job, Line, day, text
from addin.documents.layouts import FONT, LAYOUTS
from addin.i18n import Text
from addin.models import SHEETS
from addin.reports.engine import TEMPLATE_DIR, Column, Context, Filled, Table, fill
from addin.reports.layout import header_text
from addin.store import Store

TITLES: dict[str, Text] = {
    "jobsheet": Text("Job sheet", "任务委托书"),
    "dispatch": Text("Dispatch sheet", "派工单"),
    "picklist": Text("Parts pick list", "领料单"),
    "settlement": Text("Settlement statement", "结算单"),
    "gatepass": Text("Gate pass", "出门证"),
}

LABELS: dict[str, Text] = {
    # the job's details
    "advisor": Text("Service advisor", "服务顾问"),
    "model": Text("Model", "车型"),
    "claims": Text("Claims", "索赔单号"),
    "team_leader": Text("Team leader", "班组长"),
    "dispatched_by": Text("Dispatched by", "派工人"),
    # sections, notes, signatures
    "estimate": Text("Estimate: labor operations, parts and other items", "维修估价：工时项目、配件及其他"),
    "declined_title": Text("Recommended items the customer declined", "客户拒绝的建议维修项目"),
    "declined_note": Text("The customer was advised of the items above and declined them; safety items declined are "
                          "at the customer's own risk.",
                          "以上建议项目已告知客户，客户不同意维修；涉及安全的项目由客户自行承担风险。"),
    "customer_declines": Text("Customer (declined items):", "客户签字（拒修项目）："),
    "terms": Text("Terms", "委托条款"),
    "term_1": Text("1. The estimate is approximate; any additional work is done only with the customer's consent.",
                   "1. 以上估价仅供参考；如需增加维修项目，须经客户同意后方可施工。"),
    "term_2": Text("2. Replaced parts are shown to the customer on delivery; warranty parts belong to the "
                   "manufacturer.", "2. 更换下的旧件在交车时向客户展示；保修旧件归厂家所有。"),
    "term_3": Text("3. Please take valuables out of the vehicle; the store is not liable for items left inside.",
                   "3. 请取走车内贵重物品，遗留物品本店不负保管责任。"),
    "term_4": Text("4. By signing, the customer authorises the work above at the prices stated.",
                   "4. 客户签字即表示同意按上述项目及价格进行维修。"),
    "customer_signature": Text("Customer:", "客户签字："),
    "advisor_signature": Text("Advisor:", "服务顾问："),
    "cashier_signature": Text("Cashier:", "结算员："),
    "date": Text("Date:", "日期："),
    "labor_title": Text("Labor operations", "维修工时项目"),
    "self_check": Text("Self-check (technician)", "自检（维修技师）"),
    "team_check": Text("Team-leader check", "互检（班组长）"),
    "final_check": Text("Final inspection (QC)", "总检（质检员）"),
    "check_result": Text("☐ Passed     ☐ Rework", "☐ 合格     ☐ 返工"),
    "check_by": Text("Signature:", "签字："),
    "check_date": Text("Date / time:", "日期/时间："),
    "dispatch_note": Text("Technicians sign their lines when done; the team leader checks and the QC inspector "
                          "inspects before wash and handover.",
                          "技师完工后在本行签字；班组长互检，质检员总检合格后方可洗车交车。"),
    "parts_title": Text("Parts to issue", "领用配件"),
    "movements_title": Text("Issued so far (parts ledger)", "已出库记录（配件台账）"),
    "picked_by": Text("Issued by (parts):", "发料人（配件）："),
    "received_by": Text("Received by:", "领料人："),
    "lines_title": Text("Items billed", "结算项目"),
    "settlement_note": Text("The warranty and insurance shares are settled with the store by the manufacturer and "
                            "the insurer; the customer pays the amount above.",
                            "保修及保险部分由厂家、保险公司与本店结算；客户按上列“客户应付”金额付款。"),
    "cashier_mark": Text("Cashier's mark", "结算员盖章"),
    "guard_check": Text("Gate check", "门卫核对"),
    "exit_time": Text("Exit", "出门"),
    "mark_line": Text("☐ Settled     ☐ Paid", "☐ 已结算     ☐ 已付款"),
    "gate_line": Text("☐ Plate and VIN checked", "☐ 车牌、车架号已核对"),
    "exit_line": Text("☐ Vehicle left", "☐ 车辆已出门"),
    "gatepass_note": Text("Valid for one exit; hand it to the gate guard.", "本证一次有效，出门时交门卫。"),
}

T_PHONE = Text("Tel. {phone}", "电话：{phone}")
T_WO = Text("WO no. {wo_no}", "工单号：{wo_no}")
T_PRINTED = Text("Printed {when}", "打印时间：{when}")
T_PAGE = Text("Page &P of &N", "第 &P 页，共 &N 页")
T_TOTAL = Text("Total", "合计")
T_NONE = Text("(none)", "（无）")
T_HOURS = Text("Flag hours {hours} · labor {labor} · parts {parts} · other {other} · total {total}",
               "工时 {hours} · 工时费 {labor} · 配件 {parts} · 其他 {other} · 合计 {total}")
T_DISPATCH_HOURS = Text("{count} operation(s), {hours} flag hours in all.", "共 {count} 项，合计 {hours} 工时。")
T_INCL_VAT = Text("Amounts as entered, incl. {rate} VAT, in {currency}", "金额按录入价格，含 {rate} 增值税，单位：{currency}")
T_EXCL_VAT = Text("Amounts as entered, excl. VAT, in {currency}", "金额按录入价格，不含增值税，单位：{currency}")
T_VAT_NOTE = Text("Amount excl. VAT {ex}; VAT contained {vat}.", "不含税金额 {ex}；其中增值税 {vat}。")
T_VAT_ADDED = Text("Prices exclude VAT; VAT is invoiced on top.", "价格不含增值税，增值税另行开票。")
T_GATEPASS = Text("Vehicle {plate} (VIN {vin}) of work order {wo_no}, settled on {date}, may leave the premises.",
                  "兹有工单 {wo_no} 车辆 {plate}（VIN {vin}）已于 {date} 结算，准予出门。")
T_SUBTOTAL = Text("Subtotal, {pay}", "{pay}小计")
T_VAT = Text("of which VAT ({rate})", "其中增值税（{rate}）")
T_MANUFACTURER = Text("Paid by the manufacturer (warranty)", "由厂家支付（保修）")
T_INSURER = Text("Paid by the insurer{insurer} (insurance less deductible)", "由保险公司支付{insurer}（保险金额减免赔额）")
T_DEDUCTIBLE = Text("Insurance deductible, paid by the customer", "保险免赔额（客户自付）")
T_STORE = Text("Borne by the store (internal, goodwill)", "由本店承担（内部、善意）")
T_CUSTOMER_PAYS = Text("Customer pays", "客户应付")
T_SUMMARY = Text("Settlement", "结算汇总")
T_AMOUNT = Text("Amount", "金额")
T_AMOUNT_INCL = Text("Amount incl. VAT", "含税金额")
T_SIGN = Text("Sign", "签字")


def enum(sheet: str, column: str, key: Any, locale: str) -> Any:
    """An enum key as its label in ``locale`` (the key itself when unknown or blank)."""
    spec = SHEETS[sheet].by_key[column]
    if key is None or spec.enum is None:
        return key
    pair = spec.enum.labels().get(key)
    return (pair[1] if locale == "zh-CN" else pair[0]) if pair else key


def col(sheet: str, column: str) -> Text:
    spec = SHEETS[sheet].by_key[column]
    return Text(spec.label_en, spec.label_zh)


def money(value: Decimal) -> str:
    return f"{value:,.2f}"


def _num(value: Any) -> Any:
    """A quantity as the cell shows it: 2.0 as 2."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _rate(store: Store) -> str:
    return f"{store.settings.tax_rate:.0%}" if (store.settings.tax_rate * 100).is_integer() \
        else f"{store.settings.tax_rate:.1%}"


def _context(store: Store, job: Job, doc: str, locale: str, when: dt.datetime) -> Context:
    """Values and labels every document uses: the store's header, the job's details."""
    s = store.settings
    team = text(job.get("team"))
    leaders = [r for r in store.table("roster").to_dict("records")
               if r.get("role") == "team_leader" and team and text(r.get("team")) == team]
    values: dict[str, Any] = {
        "doc_title": TITLES[doc](locale),
        "store_name": s.store_name or s.store_code or "",
        "store_address": s.store_address or "",
        "store_phone_line": T_PHONE(locale, phone=s.store_phone) if s.store_phone else "",
        "wo_line": T_WO(locale, wo_no=job.wo_no),
        "printed_line": T_PRINTED(locale, when=when.strftime("%Y-%m-%d %H:%M")),
        "wo_no": job.wo_no, "open_date": day(job.get("open_date")), "promised_date": day(job.get("promised_date")),
        "close_date": day(job.get("close_date")), "customer_name": job.customer_name,
        "customer_phone": job.customer_phone, "plate": job.plate, "vin": text(job.get("vin")),
        "model": text(job.vehicle.get("model")), "mileage": _num(job.get("mileage")),
        "repair_type": enum("work_orders", "repair_type", job.get("repair_type"), locale),
        "status": enum("work_orders", "status", job.get("status"), locale),
        "advisor": job.name(job.get("advisor_id")), "team": team,
        "team_leader": "、".join(str(r["name"]) for r in leaders) or None,
        "dispatched_by": None, "concern": text(job.get("concern")),
        "insurer": text(job.get("insurer")) or text(job.vehicle.get("insurer")),
        "claims": ", ".join(job.claims) or None,
    }
    labels = {k: col("work_orders", k) for k in ("wo_no", "open_date", "promised_date", "close_date", "customer_name",
                                                  "customer_phone", "plate", "vin", "mileage", "repair_type",
                                                  "status", "team", "concern", "insurer")}
    labels.update(LABELS)
    return Context(locale=locale, values=values, labels=labels)


def _line_columns(amount_label: Text) -> list[Column]:
    return [Column("line_no", Text("No.", "行号")), Column("line_type", col("wo_lines", "line_type")),
            Column("item_code", col("wo_lines", "item_code")), Column("description", col("wo_lines", "description")),
            Column("qty", col("wo_lines", "qty")), Column("unit_price", col("wo_lines", "unit_price"), "money"),
            Column("discount_pct", col("wo_lines", "discount_pct"), "ratio"),
            Column("amount", amount_label, "money"), Column("pay_type", col("wo_lines", "pay_type"))]


def _line_row(ln: Line, locale: str) -> list[Any]:
    return [_num(ln.line_no), enum("wo_lines", "line_type", ln.line_type, locale), ln.item_code, ln.description,
            _num(ln.qty), ln.unit_price, ln.discount_pct or None, float(ln.amount),
            enum("wo_lines", "pay_type", ln.pay_type, locale)]


def _total_row(amount: Decimal, locale: str, width: int = 9, at: int = 7, label_at: int = 3) -> list[Any]:
    row: list[Any] = [None] * width
    row[label_at] = T_TOTAL(locale)
    row[at] = float(amount)
    return row


def _amount_label(store: Store) -> Text:
    return T_AMOUNT_INCL if store.settings.prices_include_tax else T_AMOUNT


def jobsheet(ctx: Context, store: Store, job: Job) -> None:
    loc = ctx.locale
    billed, declined = job.billed, job.declined
    total = sum((ln.amount for ln in billed), Decimal("0.00"))
    ctx.tables["estimate"] = Table(_line_columns(_amount_label(store)), [_line_row(ln, loc) for ln in billed],
                                   _total_row(total, loc), T_NONE)
    ctx.tables["declined"] = Table(_line_columns(_amount_label(store)), [_line_row(ln, loc) for ln in declined],
                                   _total_row(sum((ln.amount for ln in declined), Decimal("0.00")), loc)
                                   if declined else None, T_NONE)

    def part(types: tuple[str, ...]) -> str:
        return money(sum((ln.amount for ln in billed if ln.line_type in types), Decimal("0.00")))

    hours = round(sum(ln.qty for ln in job.labor), 2)
    ctx.values["estimate_note"] = T_HOURS(loc, hours=f"{_num(hours)}", labor=part(("labor",)),
                                          parts=part(("part", "accessory")), other=part(("sublet", "misc")),
                                          total=money(total))


def dispatch(ctx: Context, store: Store, job: Job) -> None:
    loc = ctx.locale
    labor = job.labor
    hours = round(sum(ln.qty for ln in labor), 2)
    total: list[Any] = [None, None, T_TOTAL(loc), _num(hours), None, None, None, None, None]
    ctx.tables["labor"] = Table(
        [Column("line_no", Text("No.", "行号")), Column("item_code", Text("Operation code", "工时代码")),
         Column("description", Text("Operation", "维修项目")), Column("qty", Text("Flag hours", "工时")),
         Column("pay_type", col("wo_lines", "pay_type")), Column("technician_id", Text("Staff ID", "工号")),
         Column("technician", col("wo_lines", "technician_id")), Column("actual_hours", col("wo_lines", "actual_hours")),
         Column("sign", T_SIGN)],
        [[_num(ln.line_no), ln.item_code, ln.description, _num(ln.qty), enum("wo_lines", "pay_type", ln.pay_type, loc),
          ln.technician_id, job.name(ln.technician_id), _num(ln.actual_hours), None] for ln in labor],
        total if labor else None, T_NONE)
    ctx.values["hours_note"] = T_DISPATCH_HOURS(loc, count=len(labor), hours=f"{_num(hours)}")


def picklist(ctx: Context, store: Store, job: Job) -> None:
    loc = ctx.locale
    rows = []
    # What was issued of a part is counted against its lines in line order (two lines of the
    # same part share its issues).
    left = {ln.item_code: job.issued(ln.item_code) for ln in job.part_lines}
    for ln in job.part_lines:
        part = job.bins.get(ln.item_code or "", {})
        issued = max(min(ln.qty, left[ln.item_code]), 0)
        left[ln.item_code] -= issued
        rows.append([_num(ln.line_no), ln.item_code, text(part.get("name")) or ln.description, text(part.get("bin")),
                     text(part.get("unit")), _num(ln.qty), _num(issued), _num(max(ln.qty - issued, 0)),
                     enum("wo_lines", "pay_type", ln.pay_type, loc)])
    ctx.tables["parts"] = Table(
        [Column("line_no", Text("No.", "行号")), Column("part_no", col("parts", "part_no")),
         Column("name", col("parts", "name")), Column("bin", col("parts", "bin")), Column("unit", col("parts", "unit")),
         Column("qty", Text("Qty", "数量")), Column("issued", Text("Issued", "已发")),
         Column("to_issue", Text("To issue", "待发")), Column("pay_type", col("wo_lines", "pay_type"))],
        rows, None, T_NONE)
    ctx.tables["movements"] = Table(
        [Column("n", Text("#", "序")), Column("part_no", col("parts", "part_no")), Column("name", col("parts", "name")),
         Column("txn_date", col("parts_ledger", "txn_date"), "date"), Column("txn_type", col("parts_ledger", "txn_type")),
         Column("qty", col("parts_ledger", "qty")), Column("staff", Text("By", "经办人")),
         Column("doc_no", col("parts_ledger", "doc_no")), Column("txn_id", col("parts_ledger", "txn_id"))],
        [[i, m.part_no, text(job.bins.get(m.part_no, {}).get("name")), m.txn_date,
          enum("parts_ledger", "txn_type", m.txn_type, loc), _num(m.qty if m.txn_type == "issue" else -m.qty),
          job.name(m.staff_id), m.doc_no, m.txn_id] for i, m in enumerate(job.movements, start=1)],
        None, T_NONE)


def settlement(ctx: Context, store: Store, job: Job) -> None:
    loc = ctx.locale
    s = store.settings
    st = job.settlement(s.tax_rate, s.prices_include_tax)
    ctx.tables["lines"] = Table(_line_columns(_amount_label(store)), [_line_row(ln, loc) for ln in job.billed],
                                None, T_NONE)
    rows: list[list[Any]] = []

    def add(label: str, amount: Decimal) -> None:
        rows.append([label, None, None, None, None, None, None, float(amount), None])

    for pay, amount in st.subtotals.items():
        add(T_SUBTOTAL(loc, pay=enum("wo_lines", "pay_type", pay, loc)), amount)
    add(T_TOTAL(loc), st.total)
    if st.vat is not None:
        add(T_VAT(loc, rate=_rate(store)), st.vat)
    if "warranty" in st.subtotals:
        add(T_MANUFACTURER(loc), st.manufacturer_pays)
    if "insurance" in st.subtotals or st.deductible:
        insurer = ctx.values.get("insurer")
        add(T_INSURER(loc, insurer=(f" {insurer}" if loc != "zh-CN" else f"（{insurer}）") if insurer else ""),
            st.insurer_pays)
        add(T_DEDUCTIBLE(loc), st.deductible)
    if "internal" in st.subtotals or "goodwill" in st.subtotals:
        add(T_STORE(loc), st.store_bears)
    total = [T_CUSTOMER_PAYS(loc), None, None, None, None, None, None, float(st.customer_pays), None]
    ctx.tables["summary"] = Table([Column("item", T_SUMMARY), *[Column(f"_{i}", "") for i in range(6)],
                                   Column("amount", T_AMOUNT, "money"), Column("_note", "")], rows, total, T_NONE)
    ctx.values["amounts_note"] = (T_INCL_VAT(loc, rate=_rate(store), currency=s.currency) if s.prices_include_tax
                                  else T_EXCL_VAT(loc, currency=s.currency))
    ctx.values["vat_note"] = (T_VAT_NOTE(loc, ex=money(st.ex_tax), vat=money(st.vat)) if st.vat is not None
                              else T_VAT_ADDED(loc))


def gatepass(ctx: Context, store: Store, job: Job) -> None:
    v = ctx.values
    date = v["close_date"]
    v["gatepass_text"] = T_GATEPASS(ctx.locale, plate=v["plate"] or "—", vin=v["vin"] or "—", wo_no=job.wo_no,
                                    date=date.isoformat() if isinstance(date, dt.date) else "—")


BUILDERS = {"jobsheet": jobsheet, "dispatch": dispatch, "picklist": picklist, "settlement": settlement,
            "gatepass": gatepass}


def render(doc: str, store: Store, job: Job, locale: str, when: dt.datetime) -> Workbook:
    """Document ``doc`` of ``job`` filled in ``locale``; the workbook is not saved."""
    ctx = _context(store, job, doc, locale, when)
    BUILDERS[doc](ctx, store, job)
    filled = fill(TEMPLATE_DIR / f"{doc}.xlsx", ctx)
    _finish(filled, doc, ctx, job)
    filled.wb.active = 0
    return filled.wb


def _lines(value: str, width: float) -> int:
    """How many lines ``value`` wraps to in a column ``width`` characters wide (a Chinese
    character is two)."""
    room = max(width - 1, 1)
    total = 0
    for part in value.split("\n"):
        # A column's width counts digit widths; Latin text runs about 0.9 of that, CJK 2.
        chars = sum(2.0 if unicodedata.east_asian_width(ch) in "WF" else 0.9 for ch in part)
        total += max(1, math.ceil(chars / room))
    return total


def _finish(filled: Filled, doc: str, ctx: Context, job: Job) -> None:
    """The template's column widths (the engine widens columns to their content; the page is A4
    portrait), text in tables wrapped, the summary's label cells merged, the page header (store,
    document, WO no.) and footer (printed, page x of y)."""
    ws: Worksheet = filled.wb.worksheets[0]
    widths = LAYOUTS[doc].widths
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    for row in ws.iter_rows():
        for cell in row:
            if cell.has_style and cell.font is not None and cell.font.name is None:
                font = copy(cell.font)
                font.name = FONT
                cell.font = font
    for name, pos in filled.tables.items():
        table = ctx.tables[name]
        last = pos.last_row + (1 if table.total is not None else 0)
        merged = 7 if name == "summary" else 1
        for r in range(pos.header_row, last + 1):
            lines = 1
            for j in range(len(pos.columns)):
                cell = ws.cell(r, pos.first_col + j)
                if isinstance(cell.value, str) and cell.value:
                    span = sum(widths[pos.first_col + j - 1 + k] for k in range(merged if j == 0 else 1))
                    bold = 1.1 if r == pos.header_row else 1.0
                    wrapped = _lines(cell.value, span / bold)
                    # A wrapped CJK header breaks where it must, not where it is full: a line more.
                    if r == pos.header_row and wrapped > 1 and any(
                            unicodedata.east_asian_width(ch) in "WF" for ch in cell.value):
                        wrapped += 1
                    lines = max(lines, wrapped)
                if r > pos.header_row:
                    cell.alignment = Alignment(wrap_text=isinstance(cell.value, str), vertical="center")
            # Row heights are set, not left to the reader: LibreOffice keeps a wrapped row one line
            # high, and a CJK face needs a little more than the default.
            ws.row_dimensions[r].height = 14 * lines + 2
        if name == "summary":
            for r in range(pos.header_row, last + 1):
                ws.merge_cells(start_row=r, start_column=pos.first_col, end_row=r, end_column=pos.first_col + 6)
                ws.cell(r, pos.first_col).alignment = Alignment(horizontal="right" if r > pos.header_row else "left")
    loc = ctx.locale
    store_name = str(ctx.values["store_name"])
    ws.oddHeader.left.text = header_text(store_name)
    ws.oddHeader.center.text = header_text(TITLES[doc](loc))
    ws.oddHeader.right.text = header_text(T_WO(loc, wo_no=job.wo_no))
    ws.oddFooter.left.text = header_text(str(ctx.values["printed_line"]))
    ws.oddFooter.right.text = T_PAGE(loc)
    for part in (ws.oddHeader.left, ws.oddHeader.center, ws.oddHeader.right, ws.oddFooter.left, ws.oddFooter.right):
        part.size = 8
