"""`service-addin info`: what was read, per sheet, in the workbook's language."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from addin import cli
from addin.commands import info
from addin.errors import WorkbookReadError


def _book(tmp_path: Path, locale: str = "zh-CN") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "设置"
    ws.append(["key", "value"])
    ws.append(["locale", locale])
    wo = wb.create_sheet("维修工单")
    wo.append(["Service report"])
    wo.append(["工单号", "开单日期", "状态", "进厂里程", "车架号", "服务顾问", "维修类型", "Remark"])
    wo.append(["W1", dt.datetime(2026, 3, 2), "已结算", 12000, "V1", "S1", "保养", "x"])
    wo.append(["W2", "2026-03-31", "在修", "lots", "V2", "S1", "保养", None])
    wo.append(["W3", "2026-02-30", "parked", 8000, "V3", "S1", "fix", None])
    wo.append(["W4", "2026-01-15", "open", 9000, "V4", "S1", "保养", None])
    lines = wb.create_sheet("WO lines")
    lines.append(["wo_no", "line_no", "line_type", "qty", "unit_price", "pay_type"])
    path = tmp_path / "门店.xlsx"
    wb.save(path)
    return path


def _run(path: Path, locale: str | None = None, engine: str = "calamine") -> int:
    return info.run(argparse.Namespace(workbook=path, locale=locale, engine=engine))


ZH = [
    "门店.xlsx：找到 3/27 个工作表。",
    "设置［设置］：1 行",
    "维修工单［维修工单］：4 行，开单日期 2026-01-15 至 2026-03-31",
    "  缺少列：预计完工日期、结算日期、车牌号、客户姓名、客户电话、班组、用户陈述、预约、首保、返修原工单、"
    "终检一次合格、质检员、满意度评分、投诉、回访日期、回访人、下次保养日期、下次保养里程、保险公司、备注",
    "  无法读取的单元格：4 个（第 4 行 进厂里程：'lots'；第 5 行 开单日期：'2026-02-30'；第 5 行 状态：'parked'，……）",
    "工单明细［WO lines］：0 行",
    "  缺少列：项目代码、项目名称、折扣率、维修技工、实际工时、故障原因、维修措施、增项、客户确认、客户拒绝、外协成本",
    "缺少的工作表：人员花名册、岗位编制、客户车辆档案、配件档案、配件台账、盘点、缺件登记、索赔台账、索赔到账、"
    "预约登记、回访记录、投诉登记、续保跟进、代步车登记、设备台账、工具台账、公用工具借用卡、个人工具领用卡、培训记录、"
    "绩效考核权重、会计期间、操作日志、校验结果、期间指纹",
]


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
def test_info_in_the_workbooks_locale(tmp_path: Path, capsys: pytest.CaptureFixture[str], engine: str) -> None:
    assert _run(_book(tmp_path), engine=engine) == 0
    assert capsys.readouterr().out.splitlines() == ZH


def test_info_locale_overridden(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(_book(tmp_path), locale="en-US") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "门店.xlsx: 3 of 27 sheets found."
    assert out[2] == "Work orders [维修工单]: 4 rows, Open date 2026-01-15 .. 2026-03-31"
    assert out[4] == ("  unreadable cells: 4 (row 4 Mileage: 'lots'; row 5 Open date: '2026-02-30'; "
                      "row 5 Status: 'parked', ...)")


def test_unreadable_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "notes.xlsx"
    path.write_text("not a workbook")
    with pytest.raises(WorkbookReadError) as err:
        _run(path, locale="zh-CN")
    assert err.value.exit_code == 2
    assert cli.main(["info", str(path), "--locale", "zh-CN"]) == 2
    captured = capsys.readouterr()
    assert captured.err.strip() == "notes.xlsx：不是 Excel 工作簿（.xlsx 或 .xlsm）。"
    assert captured.out == ""


def test_cli_info(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["info", str(_book(tmp_path))]) == 0
    assert capsys.readouterr().out.splitlines() == ZH


def test_main_date_column() -> None:
    got: dict[str, Any] = {k: info.main_date_column(k) for k in ("work_orders", "parts_ledger", "claims", "parts")}
    assert got == {"work_orders": "open_date", "parts_ledger": "txn_date", "claims": "submitted_date", "parts": None}
