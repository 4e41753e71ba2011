Attribute VB_Name = "BankXL"
Option Explicit
' bankxl ribbon dispatcher (generated add-in: bankxl/xl/build/xlam.py).
' Every button on the bankxlTab ribbon tab names this one callback; the
' button's id is the bankxl scenario id, handed to Python unchanged.
' Keep this file cp1252 (plain ASCII): Chinese labels live in customUI.xml;
' Chinese text needed here is written as Unicode code points (see ZhText).

' MSG_FAILED, in Chinese: bankxl could not run; check that Python and bankxl are
' installed (run bankxl addin install in a command prompt), then restart Excel.
Private Const MSG_FAILED As String = "62 61 6E 6B 78 6C 20 672A 80FD 8FD0 884C 3002 8BF7 786E 8BA4 5DF2 5B89 88C5 20 50 79 74 68 6F 6E 20 4E0E 20 62 61 6E 6B 78 6C 28 5728 547D 4EE4 63D0 793A 7B26 4E2D 8FD0 884C 20 62 61 6E 6B 78 6C 20 61 64 64 69 6E 20 69 6E 73 74 61 6C 6C 29 2C 20 7136 540E 91CD 65B0 542F 52A8 20 45 78 63 65 6C 3002"

Sub BankXL_OnAction(control As IRibbonControl)
    On Error GoTo Failed
    ' RunPython and xlwings' GetConfig read ActiveWorkbook. With no workbook
    ' open (a fresh Excel, or only a Protected View window) that is Nothing:
    ' VBA error 91 with a Debug button. Open a new workbook first.
    If ActiveWorkbook Is Nothing Then Workbooks.Add
    RunPython "import bankxl.xl.ribbon as r; r.on_action('" & control.ID & "')"
    Exit Sub
Failed:
    MsgBox ZhText(MSG_FAILED) & vbCrLf & vbCrLf & "bankxl could not run (error " & Err.Number & "): " _
        & Err.Description, vbCritical, "bankxl"
End Sub

' Text from space-separated hexadecimal Unicode code points (the VBA source stays ASCII).
Private Function ZhText(codes As String) As String
    Dim parts() As String, i As Long, s As String
    parts = Split(codes, " ")
    For i = LBound(parts) To UBound(parts)
        If Len(parts(i)) > 0 Then s = s & ChrW(CLng("&H" & parts(i)))
    Next i
    ZhText = s
End Function
