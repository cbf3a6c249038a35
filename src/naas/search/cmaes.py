"""CMA-ES run on many independent problems at once, vectorised with numpy (ask/tell).

The (mu/mu_w, lambda)-CMA-ES with cumulative step-size adaptation and rank-one + rank-mu
covariance updates, with the default parameters of Hansen, "The CMA Evolution Strategy: A
Tutorial" (arXiv:1604.00772, Table 1) — the same algorithm as pycma and the `cmaes` package.
Running K problems as stacked arrays (K, n) and (K, n, n) makes one generation of every
layer's mapping search a handful of numpy calls instead of K Python-level optimiser steps;
benchmarks/optimizer_overhead.py measures the difference against the `cmaes` package.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


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

    @classmethod
    def default(cls, n: int, popsize: int | None = None) -> "CMAParams":
        lam = popsize or 4 + int(3 * np.log(n))
        mu = lam // 2
        w = np.log(mu + 0.5) - np.log(np.arange(1, mu + 1))
        w /= w.sum()
        mu_eff = 1.0 / np.sum(w**2)
        c_sigma = (mu_eff + 2) / (n + mu_eff + 5)
        d_sigma = 1 + 2 * max(0.0, np.sqrt((mu_eff - 1) / (n + 1)) - 1) + c_sigma
        c_c = (4 + mu_eff / n) / (n + 4 + 2 * mu_eff / n)
        c_1 = 2 / ((n + 1.3) ** 2 + mu_eff)
        c_mu = min(1 - c_1, 2 * (mu_eff - 2 + 1 / mu_eff) / ((n + 2) ** 2 + mu_eff))
        chi_n = np.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n))
        # Lazy eigendecomposition (Hansen's tutorial, B.2): C changes little per generation,
        # so re-decomposing every lambda / ((c1 + cmu) n 10) generations keeps O(n^2) per sample.
        eigen_every = max(1, int(lam / ((c_1 + c_mu) * n * 10)))
        return cls(lam, mu, w, mu_eff, c_sigma, d_sigma, c_c, c_1, c_mu, chi_n, eigen_every)


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
    rngs: list[np.random.Generator]
    generation: int = 0
    _eig_vectors: np.ndarray | None = None
    _eig_sqrt: np.ndarray | None = None
    _last_y: np.ndarray | None = None

    @classmethod
    def start(cls, mean: np.ndarray, sigma: float, rngs: list[np.random.Generator],
              popsize: int | None = None) -> "BatchedCMA":
        """One generator per problem, so a problem's samples do not depend on which other
        problems share the batch (the same search gives the same result on any executor)."""
        mean = np.array(mean, dtype=np.float64)
        k, n = mean.shape
        if len(rngs) != k:
            raise ValueError(f"need one generator per problem: {k} problems, {len(rngs)} generators")
        return cls(
            mean=mean, sigma=np.full(k, float(sigma)), cov=np.broadcast_to(np.eye(n), (k, n, n)).copy(),
            p_sigma=np.zeros((k, n)), p_c=np.zeros((k, n)), params=CMAParams.default(n, popsize), rngs=list(rngs),
        )

    @property
    def shape(self) -> tuple[int, int]:
        return self.mean.shape  # type: ignore[return-value]

    def _decompose(self) -> None:
        eig_values, eig_vectors = np.linalg.eigh(self.cov)
        self._eig_vectors = eig_vectors
        self._eig_sqrt = np.sqrt(np.maximum(eig_values, 1e-20))

    def ask(self) -> np.ndarray:
        if self._eig_vectors is None:
            self._decompose()
        k, n = self.shape
        z = np.stack([r.standard_normal((self.params.popsize, n)) for r in self.rngs])
        y = np.matmul(z * self._eig_sqrt[:, None, :], np.swapaxes(self._eig_vectors, 1, 2))
        self._last_y = y
        return self.mean[:, None, :] + self.sigma[:, None, None] * y

    def tell(self, fitness: np.ndarray) -> None:
        """Update every problem from the fitness of the last ``ask``'s candidates."""
        p = self.params
        y = self._last_y
        assert y is not None, "tell() needs a preceding ask()"
        k, n = self.shape
        order = np.argsort(fitness, axis=1, kind="stable")[:, : p.mu]
        y_sel = np.take_along_axis(y, order[:, :, None], axis=1)  # (k, mu, n)
        y_w = np.matmul(p.weights, y_sel)
        self.mean = self.mean + self.sigma[:, None] * y_w
        # C^{-1/2} y_w = B D^{-1} B^T y_w
        rotated = np.matmul(y_w[:, None, :], self._eig_vectors)[:, 0] / self._eig_sqrt
        inv_sqrt_y = np.matmul(self._eig_vectors, rotated[:, :, None])[:, :, 0]
        self.p_sigma = (1 - p.c_sigma) * self.p_sigma + np.sqrt(p.c_sigma * (2 - p.c_sigma) * p.mu_eff) * inv_sqrt_y
        norm_ps = np.linalg.norm(self.p_sigma, axis=1)
        self.generation += 1
        h_sigma = (norm_ps / np.sqrt(1 - (1 - p.c_sigma) ** (2 * self.generation))
                   < (1.4 + 2 / (n + 1)) * p.chi_n).astype(np.float64)
        self.p_c = (1 - p.c_c) * self.p_c + (h_sigma * np.sqrt(p.c_c * (2 - p.c_c) * p.mu_eff))[:, None] * y_w
        rank_mu = np.matmul(np.swapaxes(y_sel * p.weights[None, :, None], 1, 2), y_sel)
        rank_one = self.p_c[:, :, None] * self.p_c[:, None, :]
        decay = 1 - p.c_1 - p.c_mu + (1 - h_sigma) * p.c_1 * p.c_c * (2 - p.c_c)
        self.cov = decay[:, None, None] * self.cov + p.c_1 * rank_one + p.c_mu * rank_mu
        self.cov = 0.5 * (self.cov + np.swapaxes(self.cov, 1, 2))
        self.sigma = self.sigma * np.exp((p.c_sigma / p.d_sigma) * (norm_ps / p.chi_n - 1))
        self.sigma = np.minimum(self.sigma, 1e3)
        if self.generation % p.eigen_every == 0:
            self._decompose()
        self._last_y = None

    def state(self) -> dict:
        """Everything needed to resume exactly, the lazily kept eigendecomposition included."""
        if self._eig_vectors is None:
            self._decompose()
        return {
            "mean": self.mean.tolist(), "sigma": self.sigma.tolist(), "cov": self.cov.tolist(),
            "p_sigma": self.p_sigma.tolist(), "p_c": self.p_c.tolist(), "generation": self.generation,
            "popsize": self.params.popsize, "eig_vectors": self._eig_vectors.tolist(),
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
                 params=CMAParams.default(mean.shape[1], state["popsize"]), rngs=rngs,
                 generation=state["generation"])
        es._eig_vectors = np.array(state["eig_vectors"])
        es._eig_sqrt = np.array(state["eig_sqrt"])
        return es
