"""States packed into one 63-bit integer each, so whole sets of states are numpy arrays.

Each slot (a variable, then a visit count) gets a fixed bit field: an int stores
``value - min``, a bool one bit, an enum the index of its value, a capped count
its value up to the cap. The scene is not in the code: the explorer keeps one
array of codes per scene. With the story's values packed this way, "reset the
slots nothing reads" and "apply what this edge writes" are two bitwise operations
on a whole array, which is what makes a million states cheap.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from passage.engine.space import Key
from passage.odds.relevance import Relevance
from passage.story.expressions import Value
from passage.story.model import Story

__all__ = ["BITS", "Codec", "CodecOverflowError", "make_codec"]

BITS = 63
_UNCAPPED_BITS = 16  # most bits an uncapped visit count gets


class CodecOverflowError(Exception):
    """A state does not fit the packed layout (a visit count grew past its field)."""


@dataclass(frozen=True, slots=True)
class Codec:
    """The packed layout of one story's states."""

    shifts: tuple[int, ...]  # bit offset of each slot
    widths: tuple[int, ...]  # bit width of each slot
    width_values: int  # how many slots are variables (the rest are visit counts)
    lookup: tuple[dict[Value, int], ...]  # per variable: value -> field value
    decoded: tuple[tuple[Value, ...], ...]  # per variable: field value -> value
    _masks: dict[int, int] = field(default_factory=dict, compare=False, repr=False)

    def mask(self, slots: int) -> int:
        """The bits of every slot in the bit set ``slots``."""
        found = self._masks.get(slots)
        if found is not None:
            return found
        bits = 0
        for slot, (shift, width) in enumerate(zip(self.shifts, self.widths, strict=True)):
            if slots >> slot & 1:
                bits |= ((1 << width) - 1) << shift
        self._masks[slots] = bits
        return bits

    def encode(self, values: tuple[Value, ...], visits: tuple[int, ...]) -> int:
        code = 0
        for slot, value in enumerate(values):
            code |= self.lookup[slot][value] << self.shifts[slot]
        for j, count in enumerate(visits):
            slot = self.width_values + j
            if count >> self.widths[slot]:
                raise CodecOverflowError(f"visit count {count} outgrew {self.widths[slot]} bits")
            code |= count << self.shifts[slot]
        return code

    def decode(self, scene: str, code: int) -> Key:
        values = tuple(
            self.decoded[slot][code >> self.shifts[slot] & ((1 << self.widths[slot]) - 1)]
            for slot in range(self.width_values)
        )
        visits = tuple(
            code >> self.shifts[slot] & ((1 << self.widths[slot]) - 1)
            for slot in range(self.width_values, len(self.shifts))
        )
        return scene, values, visits

    def columns(self, codes: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """Field values of every slot for every code (one row per code)."""
        out = np.empty((len(self.shifts), len(codes)), dtype=np.int64).T  # columns contiguous
        for slot, (shift, width) in enumerate(zip(self.shifts, self.widths, strict=True)):
            out[:, slot] = (codes >> shift) & ((1 << width) - 1)
        return out


def make_codec(story: Story, relevance: Relevance) -> Codec | None:
    """The packed layout, or None when the story's slots need more than 63 bits."""
    widths: list[int] = []
    lookup: list[dict[Value, int]] = []
    decoded: list[tuple[Value, ...]] = []
    for variable in story.variables:
        domain = variable.domain()
        widths.append(max(1, (len(domain) - 1).bit_length()))
        lookup.append({value: i for i, value in enumerate(domain)})
        decoded.append(domain)
    used = sum(widths)
    uncapped = sum(1 for cap in relevance.caps if cap is None)
    spare = (BITS - used - sum(max(1, (cap or 0).bit_length()) for cap in relevance.caps
                              if cap is not None))
    free = min(_UNCAPPED_BITS, spare // uncapped) if uncapped else 0
    for cap in relevance.caps:
        widths.append(max(1, cap.bit_length()) if cap is not None else free)
    if sum(widths) > BITS or (uncapped and free < 4):
        return None
    shifts = [0]
    for width in widths[:-1]:
        shifts.append(shifts[-1] + width)
    return Codec(tuple(shifts[: len(widths)]), tuple(widths), len(story.variables),
                 tuple(lookup), tuple(decoded))
