"""bankxl — 银行数据应用场景: bank data-application scenarios for Excel (xlwings) and the command line.

Layers (see DESIGN.md): core (tables, io, report, idcard, calendar, masking, sample, datasets) ->
scenarios (one pure module per scenario) -> front ends (``bankxl.cli``, ``bankxl.xl``).
"""
__version__ = "0.1.0"
