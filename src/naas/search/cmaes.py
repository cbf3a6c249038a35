"""CMA-ES run on many independent problems at once, vectorised with numpy (ask/tell).

The (mu/mu_w, lambda)-CMA-ES with cumulative step-size adaptation and rank-one + rank-mu
covariance updates, with the default parameters of Hansen, "The CMA Evolution Strategy: A
Tutorial" (arXiv:1604.00772, Table 1) — the same algorithm as pycma and the `cmaes` package.
Running K problems as stacked arrays (K, n) and (K, n, n) makes one generation of every
layer's mapping search a handful of numpy calls instead of K Python-level optimiser steps;
benchmarks/optimizer_overhead.py measures the difference against the `cmaes` package.

``separable`` runs sep-CMA-ES instead (Ros and Hansen, PPSN 2008): C stays diagonal, with the
learning rates of ``cma_kernel.cma_constants(..., separable=True)``, so a sample costs O(n).

The state is numpy arrays with one numpy generator per problem, or torch tensors on one device
with one torch generator, so that a whole search can stay on a GPU; ``ask`` and ``tell`` are
written once for both array modules (``xp``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from naas.search.cma_kernel import MAX_SIGMA, cma_constants, cma_weights


def array_module(x: Any) -> ModuleType:
    """numpy, or torch for a torch tensor (imported only then: torch is optional)."""
    if type(x).__module__.startswith("torch"):
        import torch

        return torch
    return np


@dataclass(frozen=True)
class CMAParams:
    popsize: int
    mu: int
    weights: np.ndarray
    mu_eff: float
    c_sigma: float
    d_sigma: float
    c_c: float
    c_1: float
    c_mu: float
    chi_n: float
    eigen_every: int
    separable: bool = False

    @classmethod
    def default(cls, n: int, popsize: int | None = None, separable: bool = False) -> "CMAParams":
        lam, mu, mu_eff, c_sigma, d_sigma, c_c, c_1, c_mu, chi_n, eigen_every = cma_constants(n, popsize or 0,
                                                                                            separable)
        weights = np.empty(mu)
        cma_weights(mu, weights)
        return cls(lam, mu, weights, mu_eff, c_sigma, d_sigma, c_c, c_1, c_mu, chi_n, eigen_every, separable)


@dataclass
class BatchedCMA:
    """K independent CMA-ES states. ``ask`` returns (K, popsize, n); ``tell`` takes (K, popsize)
    fitness values to minimise."""

    mean: np.ndarray
    sigma: np.ndarray
    cov: np.ndarray
    p_sigma: np.ndarray
    p_c: np.ndarray
    params: CMAParams
    rngs: Any  # list[np.random.Generator] with numpy state, one torch.Generator with torch state
    generation: int = 0
    _eig_vectors: np.ndarray | None = None
    _eig_sqrt: np.ndarray | None = None
    _last_y: np.ndarray | None = None

    @classmethod
    def start(cls, mean: Any, sigma: float, rngs: Any, popsize: int | None = None,
              separable: bool = False) -> "BatchedCMA":
        """A numpy ``mean`` (K, n) takes one generator per problem, so that a problem's samples
        do not depend on which other problems share the batch (the same search gives the same
        result on any executor); a torch ``mean`` takes one torch generator on its device."""
        k, n = mean.shape
        params = CMAParams.default(n, popsize, separable)
        if array_module(mean) is np:
            rngs = list(rngs)
            if len(rngs) != k:
                raise ValueError(f"need one generator per problem: {k} problems, {len(rngs)} generators")
            return cls(
                mean=np.array(mean, dtype=np.float64), sigma=np.full(k, float(sigma)),
                cov=np.broadcast_to(np.eye(n), (k, n, n)).copy(), p_sigma=np.zeros((k, n)),
                p_c=np.zeros((k, n)), params=params, rngs=rngs,
            )
        import torch

        like = {"dtype": torch.float64, "device": mean.device}
        return cls(
            mean=mean.to(**like), sigma=torch.full((k,), float(sigma), **like),
            cov=torch.eye(n, **like).expand(k, n, n).clone(), p_sigma=torch.zeros((k, n), **like),
            p_c=torch.zeros((k, n), **like),
            params=dataclasses.replace(params, weights=torch.as_tensor(params.weights, **like)), rngs=rngs,
        )

    @property
    def shape(self) -> tuple[int, int]:
        return self.mean.shape  # type: ignore[return-value]

    def _decompose(self) -> None:
        xp = array_module(self.cov)
        if self.params.separable:  # C diagonal: its eigenbasis is the identity C started as
            diagonal = xp.diagonal(self.cov, 0, 1, 2)
            if self._eig_vectors is None:
                self._eig_vectors = xp.zeros_like(self.cov) + xp.eye(self.shape[1], dtype=self.cov.dtype,
                                                                     **self._device())
            self._eig_sqrt = xp.sqrt(xp.where(diagonal > 1e-20, diagonal, 1e-20))
            return
        eig_values, eig_vectors = xp.linalg.eigh(self.cov)
        self._eig_vectors = eig_vectors
        self._eig_sqrt = xp.sqrt(xp.where(eig_values > 1e-20, eig_values, 1e-20))

    def _device(self) -> dict:
        return {} if array_module(self.cov) is np else {"device": self.cov.device}

    def _standard_normal(self) -> Any:
        k, n = self.shape
        if isinstance(self.rngs, list):
            return np.stack([r.standard_normal((self.params.popsize, n)) for r in self.rngs])
        import torch

        return torch.randn((k, self.params.popsize, n), generator=self.rngs, dtype=torch.float64,
                           device=self.mean.device)

    def ask(self) -> np.ndarray:
        if self._eig_vectors is None:
            self._decompose()
        xp = array_module(self.mean)
        z = self._standard_normal()
        if self.params.separable:
            y = z * self._eig_sqrt[:, None, :]
        else:
            y = xp.matmul(z * self._eig_sqrt[:, None, :], xp.swapaxes(self._eig_vectors, 1, 2))
        self._last_y = y
        return self.mean[:, None, :] + self.sigma[:, None, None] * y

    def tell(self, fitness: np.ndarray) -> None:
        """Update every problem from the fitness of the last ``ask``'s candidates."""
        p = self.params
        y = self._last_y
        assert y is not None, "tell() needs a preceding ask()"
        xp = array_module(self.mean)
        k, n = self.shape
        order = xp.argsort(fitness, axis=1, stable=True)[:, : p.mu]
        y_sel = y[xp.arange(k)[:, None], order]  # (k, mu, n)
        y_w = xp.matmul(p.weights, y_sel)
        self.mean = self.mean + self.sigma[:, None] * y_w
        # C^{-1/2} y_w = B D^{-1} B^T y_w
        if p.separable:
            inv_sqrt_y = y_w / self._eig_sqrt
        else:
            rotated = xp.matmul(y_w[:, None, :], self._eig_vectors)[:, 0] / self._eig_sqrt
            inv_sqrt_y = xp.matmul(self._eig_vectors, rotated[:, :, None])[:, :, 0]
        self.p_sigma = (1 - p.c_sigma) * self.p_sigma + np.sqrt(p.c_sigma * (2 - p.c_sigma) * p.mu_eff) * inv_sqrt_y
        norm_ps = xp.linalg.norm(self.p_sigma, axis=1)
        self.generation += 1
        # times a float64 array, not 1.0: a torch bool times a Python float is float32
        h_sigma = (norm_ps / np.sqrt(1 - (1 - p.c_sigma) ** (2 * self.generation))
                   < (1.4 + 2 / (n + 1)) * p.chi_n) * xp.ones_like(norm_ps)
        self.p_c = (1 - p.c_c) * self.p_c + (h_sigma * np.sqrt(p.c_c * (2 - p.c_c) * p.mu_eff))[:, None] * y_w
        decay = 1 - p.c_1 - p.c_mu + (1 - h_sigma) * p.c_1 * p.c_c * (2 - p.c_c)
        if p.separable:
            rank_mu = xp.matmul(p.weights, y_sel * y_sel)
            diagonal = decay[:, None] * xp.diagonal(self.cov, 0, 1, 2) + p.c_1 * self.p_c**2 + p.c_mu * rank_mu
            on_diagonal = xp.arange(n, **self._device())
            self.cov[:, on_diagonal, on_diagonal] = diagonal  # the off-diagonal stays the zero it started as
        else:
            rank_mu = xp.matmul(xp.swapaxes(y_sel * p.weights[None, :, None], 1, 2), y_sel)
            rank_one = self.p_c[:, :, None] * self.p_c[:, None, :]
            self.cov = decay[:, None, None] * self.cov + p.c_1 * rank_one + p.c_mu * rank_mu
            self.cov = 0.5 * (self.cov + xp.swapaxes(self.cov, 1, 2))
        self.sigma = self.sigma * xp.exp((p.c_sigma / p.d_sigma) * (norm_ps / p.chi_n - 1))
        self.sigma = xp.where(self.sigma < MAX_SIGMA, self.sigma, MAX_SIGMA)
        if p.separable or self.generation % p.eigen_every == 0:
            self._decompose()
        self._last_y = None

    def state(self) -> dict:
        """Everything needed to resume exactly, the lazily kept eigendecomposition included
        (numpy state only: a device search runs within one outer generation)."""
        if self._eig_vectors is None:
            self._decompose()
        return {
            "mean": self.mean.tolist(), "sigma": self.sigma.tolist(), "cov": self.cov.tolist(),
            "p_sigma": self.p_sigma.tolist(), "p_c": self.p_c.tolist(), "generation": self.generation,
            "popsize": self.params.popsize, "separable": self.params.separable, "eig_vectors": self._eig_vectors.tolist(),
            "eig_sqrt": self._eig_sqrt.tolist(), "rngs": [r.bit_generator.state for r in self.rngs],
        }

    @classmethod
    def from_state(cls, state: dict) -> "BatchedCMA":
        rngs = []
        for rng_state in state["rngs"]:
            rng = np.random.default_rng()
            rng.bit_generator.state = rng_state
            rngs.append(rng)
        mean = np.array(state["mean"], dtype=np.float64)
        es = cls(mean=mean, sigma=np.array(state["sigma"]), cov=np.array(state["cov"]),
                 p_sigma=np.array(state["p_sigma"]), p_c=np.array(state["p_c"]),
                 params=CMAParams.default(mean.shape[1], state["popsize"], state.get("separable", False)), rngs=rngs,
                 generation=state["generation"])
        es._eig_vectors = np.array(state["eig_vectors"])
        es._eig_sqrt = np.array(state["eig_sqrt"])
        return es
