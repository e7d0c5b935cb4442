"""Hand-made 3×3 kernels that lesson 04 applies to MNIST digits (blur, sharpen, Sobel, ...)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Iterator

import torch

__all__ = ["KERNELS"]


class _KernelTable(Mapping):
    """Read-only name -> 3×3 kernel table that hands out copies.

    ``layer.weight.data = KERNELS["blur"]...`` then shares no memory with the table, so training
    a layer never changes the kernels other cells see.
    """

    def __init__(self, kernels: dict[str, list[list[float]]]):
        self._kernels = {name: torch.tensor(rows, dtype=torch.float32)
                         for name, rows in kernels.items()}

    def __getitem__(self, name: str) -> torch.Tensor:
        return self._kernels[name].clone()

    def __iter__(self) -> Iterator[str]:
        return iter(self._kernels)

    def __len__(self) -> int:
        return len(self._kernels)

    def __repr__(self) -> str:
        return f"KERNELS({', '.join(self._kernels)})"


KERNELS: Mapping[str, torch.Tensor] = _KernelTable({
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
    "blur": [[1 / 16, 2 / 16, 1 / 16], [2 / 16, 4 / 16, 2 / 16], [1 / 16, 2 / 16, 1 / 16]],
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "sobel_x": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],      # responds to vertical edges
    "sobel_y": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],      # responds to horizontal edges
})


