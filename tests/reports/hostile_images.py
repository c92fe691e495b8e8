"""Hostile images written byte by byte, for the tests and bench/hostile_upload.py.

Pillow cannot write a JPEG with a scan script of our choosing, so the marker stream is written
here: a greyscale progressive JPEG whose every scan is valid and tiny (one run of empty blocks
coded as a few end-of-band runs), so a small file asks libjpeg to walk every block of a large
image once per scan.
"""

from __future__ import annotations

import struct

EOB_RUN = 32_767  # the longest end-of-band run one EOB14 symbol codes


class _Bits:
    """Entropy-coded bytes: MSB first, a 0xFF byte followed by a stuffed 0x00, padded with 1s."""

    def __init__(self) -> None:
        self.out = bytearray()
        self.acc = 0
        self.count = 0

    def put(self, value: int, length: int) -> None:
        for shift in range(length - 1, -1, -1):
            self.acc = (self.acc << 1) | ((value >> shift) & 1)
            self.count += 1
            if self.count == 8:
                self._byte()

    def _byte(self) -> None:
        self.out.append(self.acc)
        if self.acc == 0xFF:
            self.out.append(0x00)
        self.acc = 0
        self.count = 0

    def done(self) -> bytes:
        if self.count:
            self.acc = (self.acc << (8 - self.count)) | ((1 << (8 - self.count)) - 1)
            self.count = 8
            self._byte()
        return bytes(self.out)


def _segment(marker: int, body: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(body) + 2) + body


def _scan(ss: int, se: int, ah: int, al: int) -> bytes:
    # One component (id 1), DC table 0, AC table 0.
    return _segment(0xDA, bytes([1, 1, 0x00, ss, se, (ah << 4) | al]))


def progressive_jpeg(width: int, height: int, refinement_scans: int) -> bytes:
    """A valid greyscale progressive JPEG: a DC scan, a first AC scan, then this many AC
    refinement scans (each one walks every block again)."""
    blocks = ((width + 7) // 8) * ((height + 7) // 8)
    # Huffman tables with one code each, "0": DC category 0 (no change), AC symbol EOB14.
    dht_dc = bytes([0x00]) + bytes([1] + [0] * 15) + bytes([0x00])
    dht_ac = bytes([0x10]) + bytes([1] + [0] * 15) + bytes([0xE0])
    header = (
        b"\xff\xd8"
        + _segment(0xDB, bytes([0x00]) + bytes([1] * 64))
        + _segment(0xC2, struct.pack(">BHHB", 8, height, width, 1) + bytes([1, 0x11, 0]))
        + _segment(0xC4, dht_dc + dht_ac)
    )
    # The DC scan: one "0" bit a block, padded with 1s (no 0xFF byte, nothing to stuff).
    dc_data = bytes(blocks // 8) + (bytes([(1 << (8 - blocks % 8)) - 1]) if blocks % 8 else b"")
    ac = _Bits()
    for _ in range(0, blocks, EOB_RUN):
        ac.put(0, 1)  # EOB14 ...
        ac.put(EOB_RUN - (1 << 14), 14)  # ... and its run: 2**14 + these bits
    ac_data = ac.done()
    parts = [header, _scan(0, 0, 0, 0), dc_data, _scan(1, 63, 0, 1), ac_data]
    for _ in range(refinement_scans):
        parts += [_scan(1, 63, 1, 0), ac_data]
    parts.append(b"\xff\xd9")
    return b"".join(parts)
