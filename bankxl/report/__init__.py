"""Report model (data) and its xlsx writer."""
from .model import Chart, Conditional, Note, PivotBlock, Report, Sheet, Table  # noqa: F401
