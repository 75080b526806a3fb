"""Small numpy helpers the odds modules share.

``np.unique`` on integer arrays hashes in numpy 2 and is twenty times slower
than sorting for the sizes seen here, so :func:`distinct` sorts.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["distinct", "gather"]

Ints = npt.NDArray[np.int64]


def distinct(values: npt.NDArray[np.int64] | npt.NDArray[np.int32]) -> Ints:
    """The sorted distinct values."""
    ordered = np.sort(values.astype(np.int64, copy=False))
    if ordered.size > 1:
        ordered = ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]
    return ordered


def gather(starts: Ints, nodes: Ints) -> Ints:
    """Positions ``starts[n]:starts[n + 1]`` of every node, concatenated (CSR rows)."""
    lengths = starts[nodes + 1] - starts[nodes]
    total = int(lengths.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    return np.repeat(starts[nodes + 1] - np.cumsum(lengths), lengths) + np.arange(total)
