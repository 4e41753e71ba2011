"""MS-OVBA §2.4.1 compression and decompression ("RLE" of VBA projects).

A *CompressedContainer* (§2.4.1.1.1) is the signature byte ``0x01`` followed by
*CompressedChunks* (§2.4.1.1.4).  Every chunk holds up to 4096 decompressed
bytes and starts with a 2-byte *CompressedChunkHeader* (§2.4.1.1.5):

* bits 0-11  ``CompressedChunkSize - 3`` (size of the chunk incl. header, minus 3)
* bits 12-14 ``0b011`` (signature)
* bit 15     ``CompressedChunkFlag`` (1 = compressed TokenSequences, 0 = 4096 raw bytes)

A compressed chunk is a list of *TokenSequences* (§2.4.1.1.7): one FlagByte,
then 8 tokens; bit *i* of the flag byte says whether token *i* is a literal
byte (0) or a 2-byte *CopyToken* (1, §2.4.1.1.8).  A CopyToken packs an offset
and a length whose bit split depends on how far into the chunk the token
starts (*CopyToken Help*, §2.4.1.3.19.1).

The compressor below follows §2.4.1.3.6-§2.4.1.3.10 (with the longest-match
search of §2.4.1.3.19.4 done through a hash chain of 3-byte prefixes instead
of a linear scan, which only changes speed, never validity).  Matches never
cross a chunk boundary and never reach back before the start of the current
chunk, as the format requires.
"""

from __future__ import annotations

__all__ = ["OvbaError", "compress", "decompress"]

_CHUNK = 4096
_MAX_CANDIDATES = 64  # hash-chain candidates examined per position


class OvbaError(ValueError):
    """Raised when a compressed container is malformed."""


def _copy_token_help(difference: int) -> tuple[int, int, int]:
    """Return ``(bit_count, length_mask, maximum_length)`` - MS-OVBA §2.4.1.3.19.1.

    ``difference`` is the number of bytes already decompressed in the current
    chunk.  ``bit_count`` is the number of bits used for the offset: the
    smallest n >= 4 with ``2**n >= difference``.
    """
    bit_count = max((difference - 1).bit_length(), 4)
    length_mask = 0xFFFF >> bit_count
    return bit_count, length_mask, length_mask + 3


def _match_length(data: bytes, cand: int, cur: int, limit: int) -> int:
    """Length of the common prefix of ``data[cand:]`` and ``data[cur:]``, at most ``limit``.

    Binary search over slice equality (prefix equality is monotone), so the
    comparison runs at C speed even for long runs.
    """
    if data[cand : cand + limit] == data[cur : cur + limit]:
        return limit
    lo, hi = 0, limit - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if data[cand : cand + mid] == data[cur : cur + mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _compress_chunk(data: bytes, start: int, end: int) -> bytes:
    """Compress ``data[start:end]`` (at most 4096 bytes) into one CompressedChunk.

    MS-OVBA §2.4.1.3.7 (Compressing a DecompressedChunk).  When the compressed
    form is larger than 4096 bytes the chunk is stored raw (CompressedChunkFlag
    0); a raw chunk always holds 4096 bytes, so a short last chunk is padded
    with 0x00 exactly as the specification prescribes.
    """
    out = bytearray()
    chains: dict[bytes, list[int]] = {}
    cur = start
    while cur < end:
        flag_pos = len(out)
        out.append(0)
        flags = 0
        for bit in range(8):
            if cur >= end:
                break
            best_len, best_off = 0, 0
            difference = cur - start
            if difference > 0 and end - cur >= 3:
                _bit_count, _mask, max_len = _copy_token_help(difference)
                limit = min(max_len, end - cur)
                chain = chains.get(data[cur : cur + 3])
                if chain:
                    # newest candidate first: on equal length the nearest wins (§2.4.1.3.19.4)
                    for cand in reversed(chain[-_MAX_CANDIDATES:]):
                        length = _match_length(data, cand, cur, limit)
                        if length > best_len:
                            best_len, best_off = length, cur - cand
                            if length == limit:
                                break
            if best_len >= 3:
                bit_count, _mask, _max = _copy_token_help(difference)
                token = ((best_off - 1) << (16 - bit_count)) | (best_len - 3)
                out += token.to_bytes(2, "little")
                flags |= 1 << bit
                step = best_len
            else:
                out.append(data[cur])
                step = 1
            for pos in range(cur, min(cur + step, end - 2)):
                chains.setdefault(data[pos : pos + 3], []).append(pos)
            cur += step
        out[flag_pos] = flags
    if len(out) > _CHUNK:
        raw = data[start:end].ljust(_CHUNK, b"\x00")
        header = 0x3000 | (_CHUNK - 1)  # flag 0, size 4098 - 3 = 4095
        return header.to_bytes(2, "little") + raw
    header = 0x8000 | 0x3000 | (len(out) + 2 - 3)
    return header.to_bytes(2, "little") + bytes(out)


def compress(data: bytes) -> bytes:
    """Compress ``data`` into an MS-OVBA CompressedContainer (§2.4.1.3.6).

    An empty input gives the bare signature byte ``b"\\x01"``.  The output is
    deterministic.  Inputs whose last (short) chunk does not compress are
    padded with NUL bytes by the raw-chunk rule (§2.4.1.3.7); VBA source text
    always compresses, and :func:`bankxl.xl.build.vbaproject.build_vba_project`
    verifies the round trip.
    """
    data = bytes(data)
    out = bytearray(b"\x01")
    for start in range(0, len(data), _CHUNK):
        out += _compress_chunk(data, start, min(start + _CHUNK, len(data)))
    return bytes(out)


def decompress(container: bytes) -> bytes:
    """Decompress an MS-OVBA CompressedContainer (§2.4.1.3.1, Decompression algorithm)."""
    container = bytes(container)
    if not container or container[0] != 0x01:
        raise OvbaError("CompressedContainer must start with signature byte 0x01")
    out = bytearray()
    pos = 1
    n = len(container)
    while pos < n:
        if pos + 2 > n:
            raise OvbaError(f"truncated chunk header at offset {pos}")
        header = int.from_bytes(container[pos : pos + 2], "little")
        size = (header & 0x0FFF) + 3
        if (header >> 12) & 0b111 != 0b011:
            raise OvbaError(f"bad chunk signature at offset {pos}")
        compressed = bool(header & 0x8000)
        chunk_end = min(pos + size, n)
        pos += 2
        chunk_start = len(out)
        if not compressed:
            if pos + _CHUNK > n:
                raise OvbaError("raw chunk shorter than 4096 bytes")
            out += container[pos : pos + _CHUNK]
            pos += _CHUNK
            continue
        while pos < chunk_end:
            flags = container[pos]
            pos += 1
            for bit in range(8):
                if pos >= chunk_end:
                    break
                if not flags & (1 << bit):
                    out.append(container[pos])
                    pos += 1
                    continue
                if pos + 2 > chunk_end:
                    raise OvbaError(f"truncated CopyToken at offset {pos}")
                token = int.from_bytes(container[pos : pos + 2], "little")
                pos += 2
                bit_count, length_mask, _ = _copy_token_help(len(out) - chunk_start)
                length = (token & length_mask) + 3
                offset = (token >> (16 - bit_count)) + 1
                src = len(out) - offset
                if src < chunk_start:
                    raise OvbaError("CopyToken reaches before the start of its chunk")
                for i in range(length):  # byte by byte: overlapping copies are allowed
                    out.append(out[src + i])
    return bytes(out)
