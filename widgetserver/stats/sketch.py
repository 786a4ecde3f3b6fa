"""Distinct visitors of stretches of a day, merged without counting anyone twice: ``Visitors``.

A day's distinct visitors are not the sum of its hours' distinct visitors. Each stored
stretch (``stats.slices``) therefore keeps its visitors as a set that merges: the visitor
hashes themselves while there are at most ``EXACT_LIMIT`` of them (then a merge is a union
and the count is exact), else a HyperLogLog sketch of ``2**PRECISION`` one-byte registers
(16 KiB; a merge takes the larger register; the count is an estimate, typically within 1 %,
within 2 % at worst).
Visitor hashes are keyed hashes already, so their bits are uniformly spread: the low
``PRECISION`` bits choose the register, the run of zeros above them is its value.

Only the live day uses this; once a day is closed its visitors are counted exactly in SQL.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterable

PRECISION = 14
REGISTERS = 1 << PRECISION
#: Hashes kept as themselves: no more bytes than the registers (8 bytes a hash).
EXACT_LIMIT = REGISTERS // 8
_MASK = (1 << 64) - 1
_LOW = REGISTERS - 1
#: The value of a register whose hash has only zeros above the register bits.
_MAX_RANK = 64 - PRECISION + 1
_ALPHA = 0.7213 / (1 + 1.079 / REGISTERS)
#: Up to this many, linear counting (from the empty registers) is the better estimate; the
#: plain HyperLogLog one runs several per cent high below about three times the registers.
_LINEAR_LIMIT = 3 * REGISTERS
_POWERS = [2.0**-rank for rank in range(_MAX_RANK + 1)]
_EXACT, _SKETCH = b"e", b"h"


class Visitors:
    """Distinct visitor hashes: exact while few, a HyperLogLog sketch beyond.

    The registers are held as one big integer of ``REGISTERS`` bytes, so a merge takes every
    register's larger value in a few whole-number operations (``_larger``) instead of a
    Python loop over 16,384 registers - a live day merges dozens of sketches per view.
    """

    __slots__ = ("hashes", "registers")

    def __init__(self, hashes: Iterable[int] = ()) -> None:
        self.hashes: set[int] | None = {h & _MASK for h in hashes}
        self.registers: int | None = None
        if len(self.hashes) > EXACT_LIMIT:
            self._to_sketch()

    def update(self, hashes: Iterable[int]) -> None:
        if self.hashes is not None:
            self.hashes.update(h & _MASK for h in hashes)
            return
        assert self.registers is not None
        self.registers = _larger(self.registers, _registers(hashes))

    def merge(self, other: Visitors) -> None:
        if other.hashes is not None:
            self.update(other.hashes)
            return
        if self.registers is None:
            self._to_sketch()
        assert self.registers is not None and other.registers is not None
        self.registers = _larger(self.registers, other.registers)

    def count(self) -> int:
        if self.hashes is not None:
            return len(self.hashes)
        assert self.registers is not None
        registers = self.registers.to_bytes(REGISTERS, "big")
        empty = registers.count(0)
        if empty:
            linear = REGISTERS * math.log(REGISTERS / empty)
            if linear <= _LINEAR_LIMIT:
                return round(linear)
        return round(_ALPHA * REGISTERS * REGISTERS / sum(map(_POWERS.__getitem__, registers)))

    def to_bytes(self) -> bytes:
        """Stored form: hashes while at most ``EXACT_LIMIT`` (8 bytes each), else registers.

        A set that has become a sketch stays one (merged, it holds more than the limit).
        """
        if self.hashes is not None and len(self.hashes) <= EXACT_LIMIT:
            return _EXACT + struct.pack(f">{len(self.hashes)}Q", *sorted(self.hashes))
        if self.registers is None:
            self._to_sketch()
        assert self.registers is not None
        return _SKETCH + self.registers.to_bytes(REGISTERS, "big")

    @classmethod
    def from_bytes(cls, data: bytes) -> Visitors:
        kind, body = data[:1], data[1:]
        if kind == _EXACT and len(body) % 8 == 0:
            return cls(struct.unpack(f">{len(body) // 8}Q", body))
        if kind == _SKETCH and len(body) == REGISTERS and max(body) <= _MAX_RANK:
            visitors = cls()
            visitors.hashes, visitors.registers = None, int.from_bytes(body, "big")
            return visitors
        raise ValueError("not a stored visitors set")

    def _to_sketch(self) -> None:
        self.hashes, self.registers = None, _registers(self.hashes or ())


def _registers(hashes: Iterable[int]) -> int:
    """The registers of a sketch of ``hashes``, as one integer (register 0 the last byte)."""
    registers = bytearray(REGISTERS)
    for value in hashes:
        value &= _MASK
        rest = value >> PRECISION
        rank = (rest & -rest).bit_length() if rest else _MAX_RANK
        index = _LOW - (value & _LOW)
        if registers[index] < rank:
            registers[index] = rank
    return int.from_bytes(registers, "big")


#: The top bit of every register byte (register values stay below 64).
_TOP_BITS = int.from_bytes(b"\x80" * REGISTERS, "big")


def _larger(a: int, b: int) -> int:
    """Each byte the larger of ``a``'s and ``b``'s: ``b | 0x80 - a`` keeps a byte's top bit
    exactly where ``b >= a`` and never borrows from the next byte (values below 64)."""
    where_b = (((b | _TOP_BITS) - a) & _TOP_BITS) >> 7
    mask = where_b * 0xFF
    return (b & mask) | (a & ~mask)
