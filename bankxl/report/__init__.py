"""Report model (data) and its xlsx writer."""
from .model import Chart, Conditional, Figure, Headline, Note, PivotBlock, Report, Sheet, Table  # noqa: F401
