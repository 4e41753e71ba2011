"""A minimal, deterministic MS-CFB (Compound File Binary) version 3 writer.

Only what a VBA project (``vbaProject.bin``) needs, written from the [MS-CFB]
specification:

* major version 3: 512-byte sectors (§2.2 header, ``SectorShift`` 0x0009);
* streams shorter than the 4096-byte ``MiniStreamCutoffSize`` live in the mini
  stream (64-byte mini sectors, §2.5 MiniFAT), longer ones in regular sectors
  chained by the FAT (§2.3);
* up to 109 FAT sectors, all listed in the header DIFAT (§2.5): files up to
  about 6.8 MB, far beyond any VBA project;
* the directory (§2.6) with each storage's children in a red-black tree
  ordered as §2.6.4 prescribes (shorter name first, then upper-case code-unit
  comparison).  The tree is built perfectly balanced from the sorted names;
  all full levels are black and the incomplete bottom level is red, which
  satisfies every red-black invariant.

Every CLSID, state bit and timestamp is written as zero, so the same input
always gives the same bytes.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping

__all__ = ["CfbError", "write_cfb"]

SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096
MAXREGSECT = 0xFFFFFFFA
DIFSECT = 0xFFFFFFFC
FATSECT = 0xFFFFFFFD
ENDOFCHAIN = 0xFFFFFFFE
FREESECT = 0xFFFFFFFF
NOSTREAM = 0xFFFFFFFF
_HEADER_DIFAT = 109
_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")

_TYPE_STORAGE, _TYPE_STREAM, _TYPE_ROOT = 1, 2, 5
_RED, _BLACK = 0, 1


class CfbError(ValueError):
    """Raised for input the writer cannot represent (bad names, too large)."""


class _Entry:
    __slots__ = (
        "child",
        "children",
        "color",
        "data",
        "kind",
        "left",
        "name",
        "right",
        "sid",
        "size",
        "start",
    )

    def __init__(self, name: str, kind: int, data: bytes = b""):
        self.name = name
        self.kind = kind
        self.data = data
        self.children: dict[str, _Entry] = {}
        self.sid = 0
        self.left = self.right = self.child = NOSTREAM
        self.color = _BLACK
        self.start = ENDOFCHAIN
        self.size = 0


def _sort_key(name: str) -> tuple[int, str]:
    """MS-CFB §2.6.4: compare by UTF-16 length first, then by upper-cased code units."""
    return (len(name.encode("utf-16-le")) // 2, name.upper())


def _check_name(name: str) -> None:
    if not name or len(name.encode("utf-16-le")) // 2 > 31:
        raise CfbError(f"directory entry name must have 1..31 UTF-16 code units: {name!r}")
    if any(c in name for c in "/\\:!"):
        raise CfbError(f"directory entry name may not contain / \\ : or !: {name!r}")


def _build_tree(children: list[_Entry], depth: int, full_depth: int) -> int:
    """Balanced BST over ``children`` (sorted); returns the SID of the subtree root.

    Nodes on levels ``< full_depth`` are black, the (incomplete) last level red.
    """
    if not children:
        return NOSTREAM
    mid = len(children) // 2
    node = children[mid]
    node.color = _BLACK if depth < full_depth else _RED
    node.left = _build_tree(children[:mid], depth + 1, full_depth)
    node.right = _build_tree(children[mid + 1 :], depth + 1, full_depth)
    return node.sid


def _chain(fat: list[int], start: int, count: int) -> None:
    for i in range(count):
        fat[start + i] = start + i + 1 if i < count - 1 else ENDOFCHAIN


def write_cfb(streams: Mapping[str, bytes]) -> bytes:
    """Return a compound file holding ``streams``.

    ``streams`` maps slash-separated paths (``"VBA/dir"``) to stream bytes;
    storages are created for every path prefix.  Entries are laid out in a
    fixed order (breadth first, children sorted by the §2.6.4 rule), so the
    result depends only on the mapping's content.
    """
    root = _Entry("Root Entry", _TYPE_ROOT)
    for path, data in streams.items():
        parts = path.split("/")
        node = root
        for i, part in enumerate(parts):
            _check_name(part)
            key = part.upper()
            last = i == len(parts) - 1
            existing = node.children.get(key)
            if existing is None:
                existing = _Entry(part, _TYPE_STREAM if last else _TYPE_STORAGE, bytes(data) if last else b"")
                node.children[key] = existing
            elif last or existing.kind != _TYPE_STORAGE:
                raise CfbError(f"duplicate or conflicting path: {path!r}")
            node = existing

    # Directory order: breadth first, children sorted (§2.6.4 order).
    entries = [root]
    queue = [root]
    while queue:
        node = queue.pop(0)
        kids = sorted(node.children.values(), key=lambda e: _sort_key(e.name))
        for kid in kids:
            kid.sid = len(entries)
            entries.append(kid)
            queue.append(kid)
    for node in entries:
        kids = sorted(node.children.values(), key=lambda e: _sort_key(e.name))
        if kids:
            full_depth = (len(kids) + 1).bit_length() - 1  # number of completely filled levels
            node.child = _build_tree(kids, 0, full_depth)

    # Mini stream (§2.5): streams below the cutoff, 64-byte mini sectors.
    mini = bytearray()
    minifat: list[int] = []
    big: list[_Entry] = []
    for e in entries:
        if e.kind != _TYPE_STREAM:
            continue
        e.size = len(e.data)
        if e.size == 0:
            e.start = ENDOFCHAIN
        elif e.size < MINI_CUTOFF:
            n = -(-e.size // MINI_SECTOR)
            e.start = len(minifat)
            minifat.extend(range(e.start + 1, e.start + n))
            minifat.append(ENDOFCHAIN)
            mini += e.data.ljust(n * MINI_SECTOR, b"\x00")
        else:
            big.append(e)

    # Sector plan: big streams, mini stream, directory, MiniFAT, then FAT.
    body: list[bytes] = []  # sector-aligned blobs in file order
    plan: list[tuple[int, int]] = []  # (first sector, sector count) per blob
    nsect = 0

    def place(blob: bytes) -> int:
        nonlocal nsect
        count = -(-len(blob) // SECTOR)
        first = nsect
        body.append(blob.ljust(count * SECTOR, b"\x00"))
        plan.append((first, count))
        nsect += count
        return first

    for e in big:
        e.start = place(e.data)
    if mini:
        root.start = place(bytes(mini))
        root.size = len(mini)
    dir_count = -(-len(entries) // 4)
    dir_start = nsect
    nsect += dir_count  # directory bytes are written once every SID/start is known
    plan.append((dir_start, dir_count))
    body.append(b"")  # placeholder
    dir_index = len(body) - 1
    if minifat:
        minifat_count = -(-len(minifat) // (SECTOR // 4))
        padded = minifat + [FREESECT] * (minifat_count * (SECTOR // 4) - len(minifat))
        minifat_start = place(struct.pack(f"<{len(padded)}I", *padded))
    else:
        minifat_count, minifat_start = 0, ENDOFCHAIN

    fat_count = 0
    while True:
        need = -(-(nsect + fat_count) // (SECTOR // 4))
        if need == fat_count:
            break
        fat_count = need
    if fat_count > _HEADER_DIFAT:
        raise CfbError("compound file too large for a header-only DIFAT (> 109 FAT sectors)")
    fat_start = nsect
    fat = [FREESECT] * (fat_count * (SECTOR // 4))
    for first, count in plan:
        _chain(fat, first, count)
    for i in range(fat_count):
        fat[fat_start + i] = FATSECT

    # Directory entries (§2.6.1), 128 bytes each.
    dir_blob = bytearray()
    for e in entries:
        name16 = e.name.encode("utf-16-le") + b"\x00\x00"
        dir_blob += struct.pack(
            "<64sHBBIII16sIQQIQ",
            name16,
            len(name16),
            e.kind,
            e.color,
            e.left,
            e.right,
            e.child,
            b"\x00" * 16,  # CLSID
            0,  # state bits
            0,  # creation time
            0,  # modified time
            e.start if (e.kind != _TYPE_STORAGE) else 0,
            e.size,
        )
    unused = struct.pack("<64sHBBIII16sIQQIQ", b"", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM, b"", 0, 0, 0, 0, 0)
    while len(dir_blob) < dir_count * SECTOR:
        dir_blob += unused
    body[dir_index] = bytes(dir_blob)

    difat = list(range(fat_start, fat_start + fat_count)) + [FREESECT] * (_HEADER_DIFAT - fat_count)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        _SIGNATURE,
        b"\x00" * 16,  # header CLSID
        0x003E,  # minor version
        0x0003,  # major version 3
        0xFFFE,  # byte order mark
        0x0009,  # sector shift: 512
        0x0006,  # mini sector shift: 64
        b"\x00" * 6,
        0,  # number of directory sectors (must be 0 in v3)
        fat_count,
        dir_start,
        0,  # transaction signature
        MINI_CUTOFF,
        minifat_start,
        minifat_count,
        ENDOFCHAIN,  # first DIFAT sector
        0,  # number of DIFAT sectors
    ) + struct.pack(f"<{_HEADER_DIFAT}I", *difat)
    assert len(header) == SECTOR
    fat_blob = struct.pack(f"<{len(fat)}I", *fat)
    return header + b"".join(body) + fat_blob
