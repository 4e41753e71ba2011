"""Build a source-only ``vbaProject.bin`` (MS-OVBA) from VBA text.

Layout written (MS-OVBA §2.2 storage, §2.3 streams)::

    PROJECT            §2.3.1  text: project ID, module list, Name, CMG/DPB/GC, [Workspace]
    PROJECTwm          §2.3.3  module names, MBCS + UTF-16
    VBA/_VBA_PROJECT   §2.3.4.1  7 bytes CC 61 FF FF 00 01 00: version 0xFFFF, no PerformanceCache
    VBA/dir            §2.3.4.2  compressed: PROJECTINFORMATION, PROJECTREFERENCES, PROJECTMODULES
    VBA/<module>       §2.3.4.3  compressed source only (MODULEOFFSET = 0)

With ``_VBA_PROJECT`` version 0xFFFF and no performance cache, Office ignores
any compiled p-code and compiles the modules from their source (MS-OVBA §1.6,
§2.3.4.1).  The project information and the reference records (Office for
``IRibbonControl``, MSForms, stdole ...) are copied verbatim from a template
project - in bankxl the one inside xlwings' ``quickstart_addin_ribbon.xlam`` -
with only the PROJECTNAME record replaced.
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from .cfb import write_cfb
from .ovba import compress, decompress

__all__ = [
    "VBA_PROJECT_STREAM",
    "DirInfo",
    "TemplateProject",
    "VBAModule",
    "build_vba_project",
    "decrypt_data",
    "encrypt_data",
    "module_from_bas",
    "module_from_cls",
    "parse_dir",
    "read_template",
]

VBA_PROJECT_STREAM = bytes.fromhex("CC61FFFF000100")

# dir stream record ids (MS-OVBA §2.3.4.2)
_PROJECTNAME = 0x0004
_PROJECTVERSION = 0x0009
_PROJECTMODULES = 0x000F
_PROJECTCOOKIE = 0x0013
_MODULENAME = 0x0019
_MODULENAMEUNICODE = 0x0047
_MODULESTREAMNAME = 0x001A
_MODULESTREAMNAME_UNICODE = 0x0032
_MODULEDOCSTRING = 0x001C
_MODULEDOCSTRING_UNICODE = 0x0048
_MODULEOFFSET = 0x0031
_MODULEHELPCONTEXT = 0x001E
_MODULECOOKIE = 0x002C
_MODULETYPE_PROCEDURAL = 0x0021
_MODULETYPE_DOCUMENT = 0x0022  # also used for class modules
_MODULEREADONLY = 0x0025
_MODULEPRIVATE = 0x0028
_MODULE_TERMINATOR = 0x002B
_DIR_TERMINATOR = 0x0010
_PROJECTCODEPAGE = 0x0003

_CLASS_BASE = "0{FCFB3D2A-A0FA-1068-A738-08002B3371B5}"


@dataclass(frozen=True)
class VBAModule:
    """One VBA module as stored in its module stream.

    ``kind`` is ``"module"`` (standard .bas), ``"class"`` (.cls) or
    ``"document"`` (ThisWorkbook / sheet modules).  ``source`` is the text
    VBA keeps in the stream, *including* the ``Attribute VB_...`` lines;
    line endings are normalised to CRLF when the project is built.
    """

    name: str
    kind: str
    source: str

    def __post_init__(self) -> None:
        if self.kind not in ("module", "class", "document"):
            raise ValueError(f"unknown module kind {self.kind!r}")
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,30}", self.name):
            raise ValueError(f"invalid VBA module name {self.name!r}")
        try:
            self.source.encode("cp1252")
        except UnicodeEncodeError as exc:
            raise ValueError(
                f"VBA module {self.name!r} is not cp1252-encodable ({exc}); "
                "keep Chinese text in customUI.xml, never in VBA source"
            ) from None

    def stream_bytes(self) -> bytes:
        """Module source with CRLF line endings, cp1252-encoded (the VBA project code page)."""
        text = self.source.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")
        return text.encode("cp1252")


def _strip_vb_name(text: str) -> str:
    return re.sub(r'^Attribute VB_Name = "[^"]*"\r?\n', "", text.lstrip("\ufeff"), count=1)


def module_from_bas(name: str, text: str) -> VBAModule:
    """A standard module from exported ``.bas`` text (``Attribute VB_Name`` set to ``name``)."""
    body = _strip_vb_name(text)
    return VBAModule(name, "module", f'Attribute VB_Name = "{name}"\r\n{body}')


def module_from_cls(name: str, text: str) -> VBAModule:
    """A class module from exported ``.cls`` text, stored as VBA's import stores it.

    The ``VERSION 1.0 CLASS`` / ``BEGIN ... END`` header of the export file is
    not part of the module stream; VBA writes ``VB_Name``, ``VB_Base`` and the
    ``VB_TemplateDerived``/``VB_Customizable`` attributes instead.
    """
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    text = re.sub(r"\AVERSION 1\.0 CLASS\nBEGIN\n.*?\nEND\n", "", text, flags=re.DOTALL)
    attrs: dict[str, str] = {}
    lines = text.split("\n")
    i = 0
    while i < len(lines) and lines[i].startswith("Attribute VB_"):
        key, _, value = lines[i][len("Attribute ") :].partition(" = ")
        attrs[key] = value
        i += 1
    body = "\n".join(lines[i:])
    order = [
        ("VB_Name", f'"{name}"'),
        ("VB_Base", f'"{_CLASS_BASE}"'),
        ("VB_GlobalNameSpace", attrs.get("VB_GlobalNameSpace", "False")),
        ("VB_Creatable", attrs.get("VB_Creatable", "False")),
        ("VB_PredeclaredId", attrs.get("VB_PredeclaredId", "False")),
        ("VB_Exposed", attrs.get("VB_Exposed", "False")),
        ("VB_TemplateDerived", "False"),
        ("VB_Customizable", "False"),
    ]
    head = [f"Attribute {k} = {v}" for k, v in order]
    head += [f"Attribute {k} = {v}" for k, v in attrs.items() if k not in dict(order)]
    return VBAModule(name, "class", "\r\n".join(head) + "\r\n" + body.replace("\n", "\r\n"))


# --------------------------------------------------------------------------- dir stream


@dataclass
class DirInfo:
    """Parsed ``dir`` stream: raw records before PROJECTMODULES plus module entries."""

    head: list[tuple[int, bytes]]  # PROJECTINFORMATION + PROJECTREFERENCES records
    modules: list[dict] = field(default_factory=list)  # name, stream, offset, type, ...
    codepage: int = 1252

    @property
    def project_name(self) -> str:
        return next(d for rid, d in self.head if rid == _PROJECTNAME).decode(f"cp{self.codepage}")


def _iter_records(data: bytes):
    """Yield ``(id, payload)`` for every dir record (MS-OVBA §2.3.4.2).

    PROJECTVERSION (0x0009) is the one record whose size field (always 4) does
    not count its payload: Reserved(4)=4, VersionMajor(4), VersionMinor(2).
    """
    pos = 0
    while pos < len(data):
        rid, size = struct.unpack_from("<HI", data, pos)
        if rid == _PROJECTVERSION:
            size = 6
        yield rid, data[pos + 6 : pos + 6 + size]
        pos += 6 + size
        if rid == _DIR_TERMINATOR:
            return


def parse_dir(data: bytes) -> DirInfo:
    """Parse a *decompressed* ``dir`` stream."""
    head: list[tuple[int, bytes]] = []
    modules: list[dict] = []
    records = iter(_iter_records(data))
    info = DirInfo(head)
    for rid, payload in records:
        if rid == _PROJECTMODULES:
            break
        if rid == _PROJECTCODEPAGE:
            info.codepage = struct.unpack("<H", payload)[0]
        head.append((rid, payload))
    enc = f"cp{info.codepage}"
    current: dict | None = None
    for rid, payload in records:
        if rid == _MODULENAME:
            current = {"name": payload.decode(enc), "offset": None, "type": None}
            modules.append(current)
        elif current is None:
            continue
        elif rid == _MODULESTREAMNAME:
            current["stream"] = payload.decode(enc)
        elif rid == _MODULEOFFSET:
            current["offset"] = struct.unpack("<I", payload)[0]
        elif rid in (_MODULETYPE_PROCEDURAL, _MODULETYPE_DOCUMENT):
            current["type"] = rid
        elif rid == _MODULE_TERMINATOR:
            current = None
    info.modules = modules
    return info


def _rec(rid: int, payload: bytes) -> bytes:
    return struct.pack("<HI", rid, len(payload)) + payload


def _rec_head(rid: int, payload: bytes) -> bytes:
    if rid == _PROJECTVERSION:
        return struct.pack("<HI", rid, 4) + payload
    return _rec(rid, payload)


def build_dir(
    head: Sequence[tuple[int, bytes]], project_name: str, modules: Sequence[VBAModule], codepage: int
) -> bytes:
    """Serialise the (uncompressed) ``dir`` stream, MS-OVBA §2.3.4.2."""
    enc = f"cp{codepage}"
    out = bytearray()
    for rid, payload in head:
        if rid == _PROJECTNAME:
            payload = project_name.encode(enc)
        out += _rec_head(rid, payload)
    out += _rec(_PROJECTMODULES, struct.pack("<H", len(modules)))
    out += _rec(_PROJECTCOOKIE, b"\xff\xff")
    for m in modules:
        name = m.name.encode(enc)
        uname = m.name.encode("utf-16-le")
        out += _rec(_MODULENAME, name)
        out += _rec(_MODULENAMEUNICODE, uname)
        out += _rec(_MODULESTREAMNAME, name)
        out += _rec(_MODULESTREAMNAME_UNICODE, uname)
        out += _rec(_MODULEDOCSTRING, b"")
        out += _rec(_MODULEDOCSTRING_UNICODE, b"")
        out += _rec(_MODULEOFFSET, struct.pack("<I", 0))
        out += _rec(_MODULEHELPCONTEXT, struct.pack("<I", 0))
        out += _rec(_MODULECOOKIE, b"\xff\xff")
        out += _rec(_MODULETYPE_PROCEDURAL if m.kind == "module" else _MODULETYPE_DOCUMENT, b"")
        out += _rec(_MODULE_TERMINATOR, b"")
    out += _rec(_DIR_TERMINATOR, b"")
    return bytes(out)


# --------------------------------------------------------------------------- PROJECT stream


def _project_key(project_id: str) -> int:
    """ProjKey of MS-OVBA §2.4.3.2: the sum of the bytes of the project ID string, modulo 256."""
    return sum(project_id.encode("ascii")) & 0xFF


def encrypt_data(data: bytes, project_id: str, seed: int = 0x5A, ignored: bytes = b"\x00\x00\x00") -> str:
    """Data Encryption, MS-OVBA §2.4.3.2; returns the upper-case hex text used by CMG/DPB/GC.

    ``seed`` and the ignored bytes are normally random; fixed values keep the
    build deterministic (they only obfuscate, they protect nothing).
    """
    version = 2
    proj_key = _project_key(project_id)
    out = bytearray([seed, seed ^ version, seed ^ proj_key])
    unencrypted1 = proj_key
    encrypted1 = out[2]
    encrypted2 = out[1]

    def enc(byte: int) -> None:
        nonlocal unencrypted1, encrypted1, encrypted2
        b = byte ^ ((encrypted2 + unencrypted1) & 0xFF)
        out.append(b)
        encrypted2, encrypted1, unencrypted1 = encrypted1, b, byte

    for i in range((seed & 6) // 2):
        enc(ignored[i % len(ignored)])
    for b in struct.pack("<I", len(data)) + data:
        enc(b)
    return out.hex().upper()


def decrypt_data(text: str) -> tuple[int, bytes]:
    """Data Decryption, MS-OVBA §2.4.3.3; returns ``(project_key, data)``."""
    raw = bytes.fromhex(text)
    seed, version_enc, proj_key_enc = raw[0], raw[1], raw[2]
    if seed ^ version_enc != 2:
        raise ValueError("bad encryption version")
    proj_key = seed ^ proj_key_enc
    unencrypted1, encrypted1, encrypted2 = proj_key, proj_key_enc, version_enc
    plain = bytearray()
    for b in raw[3:]:
        d = b ^ ((encrypted2 + unencrypted1) & 0xFF)
        plain.append(d)
        encrypted2, encrypted1, unencrypted1 = encrypted1, b, d
    ignored = (seed & 6) // 2
    plain = plain[ignored:]
    length = struct.unpack_from("<I", plain)[0]
    return proj_key, bytes(plain[4 : 4 + length])


def _project_stream(
    project_id: str, project_name: str, modules: Sequence[VBAModule], template_text: str, codepage: int
) -> bytes:
    """PROJECT stream text, MS-OVBA §2.3.1, modelled on the template's own stream."""
    lines = [f'ID="{project_id}"']
    for m in modules:
        if m.kind == "document":
            lines.append(f"Document={m.name}/&H00000000")
        elif m.kind == "class":
            lines.append(f"Class={m.name}")
        else:
            lines.append(f"Module={m.name}")
    lines.append(f'Name="{project_name}"')
    tpl = template_text.replace("\r\n", "\n").split("\n")
    for key in ("HelpContextID", "VersionCompatible32"):
        lines += [ln for ln in tpl if ln.startswith(key + "=")]
    cmg = encrypt_data(bytes(4), project_id)  # ProjectProtectionState 0: not protected (§2.3.1.15)
    dpb = encrypt_data(bytes(1), project_id)  # ProjectPassword 0x00: no password (§2.3.1.16)
    gc = encrypt_data(b"\xff", project_id)  # ProjectVisibilityState 0xFF: visible (§2.3.1.17)
    lines += [f'CMG="{cmg}"', f'DPB="{dpb}"', f'GC="{gc}"']
    lines.append("")
    if "[Host Extender Info]" in tpl:
        i = tpl.index("[Host Extender Info]")
        lines.append("[Host Extender Info]")
        for ln in tpl[i + 1 :]:
            if not ln.strip():
                break
            lines.append(ln)
        lines.append("")
    lines.append("[Workspace]")
    for m in modules:
        lines.append(f"{m.name}=0, 0, 0, 0, C")
    return ("\r\n".join(lines) + "\r\n").encode(f"cp{codepage}")


def _projectwm(modules: Sequence[VBAModule], codepage: int) -> bytes:
    """PROJECTwm stream, MS-OVBA §2.3.3: MBCS name NUL, UTF-16 name NUL, ..., terminator."""
    out = bytearray()
    for m in modules:
        out += m.name.encode(f"cp{codepage}") + b"\x00" + m.name.encode("utf-16-le") + b"\x00\x00"
    return bytes(out + b"\x00\x00")


# --------------------------------------------------------------------------- template + build


@dataclass
class TemplateProject:
    """What bankxl reuses from a template ``vbaProject.bin``."""

    dir: DirInfo
    project_text: str
    sources: dict[str, str]  # module name -> decompressed source


def read_template(vba_bin: bytes) -> TemplateProject:
    """Read the template project with olefile (BSD) and our own decompressor."""
    import olefile

    ole = olefile.OleFileIO(io.BytesIO(vba_bin))
    try:
        dir_info = parse_dir(decompress(ole.openstream("VBA/dir").read()))
        enc = f"cp{dir_info.codepage}"
        project_text = ole.openstream("PROJECT").read().decode(enc)
        sources = {}
        for m in dir_info.modules:
            raw = ole.openstream("VBA/" + m.get("stream", m["name"])).read()
            sources[m["name"]] = decompress(raw[m["offset"] or 0 :]).decode(enc)
    finally:
        ole.close()
    return TemplateProject(dir_info, project_text, sources)


def project_id_for(project_name: str) -> str:
    """A stable project GUID derived from the project name (``{XXXXXXXX-...}``)."""
    return "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, "bankxl:vba:" + project_name)).upper() + "}"


def build_vba_project(
    project_name: str,
    modules: Sequence[VBAModule],
    template: TemplateProject,
    project_id: str | None = None,
) -> bytes:
    """Return ``vbaProject.bin`` bytes for ``modules`` (source only, MODULEOFFSET 0).

    Every module stream is checked to decompress back to its source, so a
    corrupt stream can never be written silently.
    """
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,30}", project_name):
        raise ValueError(f"invalid VBA project name {project_name!r}")
    names = [m.name.upper() for m in modules]
    if len(set(names)) != len(names):
        raise ValueError("duplicate module names")
    if project_name.upper() in names:
        raise ValueError("a module may not have the project's name")
    codepage = template.dir.codepage
    project_id = project_id or project_id_for(project_name)
    streams: dict[str, bytes] = {}
    streams["PROJECT"] = _project_stream(project_id, project_name, modules, template.project_text, codepage)
    streams["PROJECTwm"] = _projectwm(modules, codepage)
    streams["VBA/_VBA_PROJECT"] = VBA_PROJECT_STREAM
    streams["VBA/dir"] = compress(build_dir(template.dir.head, project_name, modules, codepage))
    for m in modules:
        raw = m.stream_bytes()
        packed = compress(raw)
        if decompress(packed) != raw:  # pragma: no cover - guarded by the fuzz tests
            raise AssertionError(f"compression round trip failed for module {m.name}")
        streams["VBA/" + m.name] = packed
    return write_cfb(streams)


def digest(data: bytes) -> str:
    """Short SHA-256 of ``data`` (used in logs and tests)."""
    return hashlib.sha256(data).hexdigest()[:16]
