"""Build the bankxl Excel add-in (.xlam) on any OS, without Excel.

* :mod:`.ovba`       - MS-OVBA §2.4.1 compression / decompression
* :mod:`.cfb`        - minimal MS-CFB v3 (compound file) writer
* :mod:`.vbaproject` - source-only ``vbaProject.bin`` (MS-OVBA §2.3)
* :mod:`.xlam`       - the add-in package: ribbon XML, VBA modules, config sheet, checks

Public API: :func:`build_xlam`, :func:`check_xlam`, :func:`build_customui`, :class:`Button`.
"""

from .xlam import GROUPS, Button, build_customui, build_xlam, check_xlam

__all__ = ["GROUPS", "Button", "build_customui", "build_xlam", "check_xlam"]
