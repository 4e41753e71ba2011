Attribute VB_Name = "BankXL"
Option Explicit
' bankxl ribbon dispatcher (generated add-in: bankxl/xl/build/xlam.py).
' Every button on the bankxlTab ribbon tab names this one callback; the
' button's id is the bankxl scenario id, handed to Python unchanged.
' Keep this file cp1252 (plain ASCII): Chinese labels live in customUI.xml.

Sub BankXL_OnAction(control As IRibbonControl)
    RunPython "import bankxl.xl.ribbon as r; r.on_action('" & control.ID & "')"
End Sub
