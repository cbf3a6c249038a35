"""The mapping decoders of ``naas.search.mapping_encoding`` on torch tensors, for a search that
stays on one device. Every candidate of a (K, P) batch decodes at once: divisors come from a
table, and the capacity repair's step down to the largest fitting divisor is a binary search
(a footprint only grows with a factor, so "fits" is monotone). Tests hold the result equal to
the numba decoder on CPU torch.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import torch

from naas.cost.rules import tiles_fit
from naas.cost.target import L2_UNIFIED
from naas.cost.torch_backend import DeviceTargets
from naas.errors import NaasError
from naas.search.mapping_encoding import FACTORIALS, IMPORTANCE, base_genes
from naas.workload.dims import divisor_lists, least_padding_factor

#: Largest layer dim the divisor table serves (2^17: about 40 MB of table).
MAX_TABLE_DIM = 1 << 17


def divisor_table(largest: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """(divisors, counts): row n of ``divisors`` lists n's divisors ascending, padded with 0, for
    every n up to ``largest`` rounded up to a power of two, so that networks of similar sizes
    share one table shape (and one compiled decoder: the table's width is compiled in)."""
    if largest > MAX_TABLE_DIM:
        raise NaasError(f"backend: a layer dim of {largest} is beyond the torch decoder's divisor table "
                        f"({MAX_TABLE_DIM}); use --backend numba for this network")
    return _divisor_table(1 << max(8, (largest - 1).bit_length()), device)


@functools.lru_cache(maxsize=4)
def _divisor_table(largest: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    offsets, values = divisor_lists(largest + 1)
    counts = np.diff(offsets)
    table = np.zeros((largest + 1, int(counts.max())), dtype=np.int64)
    rows = np.repeat(np.arange(largest + 1), counts)
    table[rows, np.arange(len(values)) - offsets[rows]] = values
    return torch.as_tensor(table, device=device), torch.as_tensor(counts, device=device)


def _order_by_index(genes: torch.Tensor) -> torch.Tensor:
    """(B,) genes -> (B, 8) permutations with Lehmer index floor(gene * 8!)."""
    code = torch.clamp((genes * 40320.0).long(), max=40319)
    available = torch.ones(genes.shape[0], 8, dtype=torch.bool, device=genes.device)
    out = torch.empty(genes.shape[0], 8, dtype=torch.long, device=genes.device)
    for i in range(8):
        factorial = int(FACTORIALS[7 - i])
        pick = code // factorial
        code = code - pick * factorial
        rank = torch.cumsum(available.long(), 1) - 1
        chosen = torch.argmax((available & (rank == pick[:, None])).long(), 1)
        out[:, i] = chosen
        available[torch.arange(genes.shape[0], device=genes.device), chosen] = False
    return out


def decode_device(genes: torch.Tensor, targets: DeviceTargets, encoding: int = IMPORTANCE,
                  table: tuple[torch.Tensor, torch.Tensor] | None = None):
    """(K, P, n) genes in [0, 1] -> int64 temporal (K, P, 3, 8), order (K, P, 3, 8) and spatial
    (K, P, S slots), on the genes' device. ``table`` is ``divisor_table(targets.largest_dim, device)``,
    passed in by a compiled caller (torch.compile does not trace into a cached function)."""
    k, p, _ = genes.shape
    device = genes.device
    b = k * p
    flat = genes.reshape(b, -1)
    rows = torch.arange(b, device=device)
    problem = torch.arange(k, device=device).repeat_interleave(p)

    def per_candidate(values: torch.Tensor) -> torch.Tensor:
        """(X, K, 1) per-problem values -> (X, B)."""
        return values[:, problem, 0]

    hw = targets.hw
    dims = per_candidate(hw.layer_dims).T.contiguous()        # (B, 8)
    geometry = tuple(per_candidate(hw.geometry))
    l1_words, l2_words = per_candidate(hw.l1_words), per_candidate(hw.l2_words)
    unified = hw.switches[L2_UNIFIED, problem, 0]
    slot_dim, slot_axis = per_candidate(hw.slot_dim), per_candidate(hw.slot_axis)
    axis_size = per_candidate(hw.axis_size).T.contiguous()  # (B, A)
    base_tiling, base_spatial = base_genes(encoding)

    order = torch.empty(b, 3, 8, dtype=torch.long, device=device)
    if encoding == IMPORTANCE:
        for level, start in ((0, 0), (1, 8), (2, 16)):
            order[:, level] = torch.argsort(flat[:, start:start + 8], dim=1, descending=True, stable=True)
    else:
        for level in range(3):
            order[:, level] = _order_by_index(flat[:, level])
    priority = order[:, 0]

    remaining = dims.clone()
    spatial_dim = torch.ones_like(dims)
    axis_used = torch.ones_like(axis_size)
    spatial = torch.empty(b, targets.n_slots, dtype=torch.long, device=device)
    for s in range(targets.n_slots):
        d, a = slot_dim[s], slot_axis[s]
        left = remaining[rows, d]
        cap = torch.minimum(axis_size[rows, a] // axis_used[rows, a], left)
        g = flat[:, base_spatial + s]
        if encoding == IMPORTANCE:
            want = torch.floor(torch.exp(g * torch.log(cap.double())) + 0.5).long()
        else:
            want = 1 + (g * cap).long()
        want = torch.clamp(torch.minimum(want, cap), min=1)
        factor = least_padding_factor(left, want)
        spatial[:, s] = factor
        axis_used[rows, a] *= factor
        spatial_dim[rows, d] *= factor
        remaining[rows, d] = (left + factor - 1) // factor

    divisors, counts = table if table is not None else divisor_table(targets.largest_dim, device)
    search_steps = max(1, math.ceil(math.log2(divisors.shape[1])))
    temporal = torch.ones(b, 3, 8, dtype=torch.long, device=device)
    for level in range(2):
        for i in range(8):
            d = priority[:, i]
            left = remaining[rows, d]
            divs, count = divisors[left], counts[left]
            g = flat[rows, base_tiling + 8 * level + d]
            if encoding == IMPORTANCE:
                want = (left.double() ** g)[:, None]
                gap = torch.where(divs > want, divs / want, want / divs)
                valid = torch.arange(divs.shape[1], device=device)[None, :] < count[:, None]
                pos = torch.argmin(torch.where(valid, gap, math.inf), 1)
            else:
                pos = torch.minimum((g * count).long(), count - 1)
            lo, hi = torch.zeros_like(pos), pos
            for _ in range(search_steps):
                mid = (lo + hi + 1) // 2
                temporal[rows, level, d] = divs[rows, mid]
                # rules.level_loops over the batch, every dim at once
                loops = temporal[:, 0] if level == 0 else temporal[:, 0] * spatial_dim * temporal[:, 1]
                fits = tiles_fit(level, loops.T, geometry, l1_words, l2_words, unified)
                searching = lo < hi
                lo = torch.where(searching & fits, mid, lo)
                hi = torch.where(searching & ~fits, mid - 1, hi)
            temporal[rows, level, d] = divs[rows, lo]
            remaining[rows, d] = left // divs[rows, lo]
    temporal[:, 2] = remaining
    return (temporal.reshape(k, p, 3, 8), order.reshape(k, p, 3, 8),
            spatial.reshape(k, p, targets.n_slots))
