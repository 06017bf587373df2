Attribute VB_Name = "Service"
' Ribbon callbacks of the Service tab (macros/ribbon.xml).
' Each button hands over to Python through xlwings' RunPython: reading the sheets, the checks,
' the month-end close and the messages all live in addin.xl.entry, so this module stays one line
' per button. Keep it ASCII: the VBA project is stored in code page 1252; the labels are static
' in the ribbon (macros/ribbon.xml), written in the workbook's locale.
Option Explicit

Sub Validate(control As IRibbonControl)
    RunPython "import addin.xl.entry as e; e.validate()"
End Sub

Sub RefreshDashboard(control As IRibbonControl)
    RunPython "import addin.xl.entry as e; e.refresh_dashboard()"
End Sub

Sub WorkshopBoard(control As IRibbonControl)
    RunPython "import addin.xl.entry as e; e.refresh_board()"
End Sub

Sub CloseMonth(control As IRibbonControl)
    RunPython "import addin.xl.entry as e; e.close()"
End Sub

Sub ReopenMonth(control As IRibbonControl)
    RunPython "import addin.xl.entry as e; e.reopen()"
End Sub

Sub ReportMonthlyService(control As IRibbonControl)
    RunPython "import addin.xl.entry as e; e.report('monthly')"
End Sub

Sub ReportTechnicians(control As IRibbonControl)
    RunPython "import addin.xl.entry as e; e.report('technicians')"
End Sub

Sub ReportParts(control As IRibbonControl)
    RunPython "import addin.xl.entry as e; e.report('parts')"
End Sub

Sub ReportClaims(control As IRibbonControl)
    RunPython "import addin.xl.entry as e; e.report('claims')"
End Sub

Sub ReportCustomerCare(control As IRibbonControl)
    RunPython "import addin.xl.entry as e; e.report('customer_care')"
End Sub

Sub ReportManufacturer(control As IRibbonControl)
    RunPython "import addin.xl.entry as e; e.report('manufacturer')"
End Sub

Sub ReportHeadcount(control As IRibbonControl)
    RunPython "import addin.xl.entry as e; e.report('headcount')"
End Sub

Sub ReportAppraisal(control As IRibbonControl)
    RunPython "import addin.xl.entry as e; e.report('appraisal')"
End Sub

Sub ReportTools(control As IRibbonControl)
    RunPython "import addin.xl.entry as e; e.report('tools')"
End Sub

Sub ReportRegisters(control As IRibbonControl)
    RunPython "import addin.xl.entry as e; e.report('registers')"
End Sub

Sub ImportData(control As IRibbonControl)
    RunPython "import addin.xl.entry as e; e.import_data()"
End Sub

' The job of the selected row of work_orders or wo_lines: its documents beside the workbook.
Sub PrintDocuments(control As IRibbonControl)
    RunPython "import addin.xl.entry as e; e.print_documents()"
End Sub

Sub PostStocktake(control As IRibbonControl)
    RunPython "import addin.xl.entry as e; e.post_stocktake()"
End Sub

' The button's tag is the locale its label was written in (service-addin build / locale); when the
' settings say another, ThisWorkbook.CheckRibbonLocale says how to rewrite the ribbon's labels.
Sub OpenSettings(control As IRibbonControl)
    RunPython "import addin.xl.entry as e; e.settings()"
    ThisWorkbook.CheckRibbonLocale control.Tag
End Sub

Sub ShowHelp(control As IRibbonControl)
    RunPython "import addin.xl.entry as e; e.help()"
End Sub

' The value of the "locale" row of the settings table (tblSettings); en-US when there is none.
' Read here rather than in Python so that the check of the ribbon's language never starts the
' interpreter.
Public Function WorkbookLocale() As String
    Dim ws As Worksheet, tbl As ListObject, r As ListRow
    Dim keyCol As Long, valueCol As Long, i As Long, header As String
    WorkbookLocale = "en-US"
    For Each ws In ThisWorkbook.Worksheets
        For Each tbl In ws.ListObjects
            If LCase(tbl.Name) = "tblsettings" Then
                keyCol = 1
                valueCol = 2
                For i = 1 To tbl.ListColumns.Count
                    header = LCase(Trim(CStr(tbl.ListColumns(i).Name)))
                    ' ChrW(&H503C) is the Chinese header of the value column.
                    If header = "value" Or header = ChrW(&H503C) Then valueCol = i
                    If header = "key" Or header = ChrW(&H53C2) & ChrW(&H6570) Then keyCol = i
                Next i
                For Each r In tbl.ListRows
                    If LCase(Trim(CStr(r.Range.Cells(1, keyCol).Value))) = "locale" Then
                        If Trim(CStr(r.Range.Cells(1, valueCol).Value)) <> "" Then
                            WorkbookLocale = Trim(CStr(r.Range.Cells(1, valueCol).Value))
                        End If
                        Exit Function
                    End If
                Next r
            End If
        Next tbl
    Next ws
End Function
