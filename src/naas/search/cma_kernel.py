"""One problem's CMA-ES step as compiled plain functions: the strategy parameters, sampling,
the update and the eigendecomposition (Hansen, "The CMA Evolution Strategy: A Tutorial",
arXiv:1604.00772, Table 1 and equations (39)-(47)).

These are the rules ``naas.search.cmaes.BatchedCMA`` also runs (its parameters come from
``cma_constants``); a compiled search calls them per problem, so the state of a problem stays
in cache for its whole run and no problem's arithmetic depends on another's. The
eigendecomposition is cyclic Jacobi started from the previous eigenbasis: the covariance moves
little between decompositions, so the rotated matrix is nearly diagonal and a few sweeps
converge (Golub and Van Loan, "Matrix Computations", 4th ed., section 8.5).
"""

from __future__ import annotations

import numpy as np
from numba.extending import register_jitable

#: Largest step size: a search whose sigma explodes has lost its landscape.
MAX_SIGMA = 1e3
_MAX_SWEEPS = 30


@register_jitable
def cma_constants(n, popsize, separable=False):
    """(lambda, mu, mu_eff, c_sigma, d_sigma, c_c, c_1, c_mu, chi_n, eigen_every) for dimension
    ``n``; ``popsize`` 0 takes the default 4 + floor(3 ln n). ``separable``: the learning rates
    of sep-CMA-ES, which adapts the diagonal of C only (Ros and Hansen, "A Simple Modification
    in CMA-ES Achieving Linear Time and Space Complexity", PPSN 2008): n/3 fewer parameters to
    learn, so c_1 and c_mu scale by (n + 2) / 3."""
    lam = popsize if popsize > 0 else 4 + int(3 * np.log(n))
    mu = lam // 2
    weights = np.empty(mu)
    cma_weights(mu, weights)
    mu_eff = 1.0 / np.sum(weights**2)
    c_sigma = (mu_eff + 2) / (n + mu_eff + 5)
    d_sigma = 1 + 2 * max(0.0, np.sqrt((mu_eff - 1) / (n + 1)) - 1) + c_sigma
    c_c = (4 + mu_eff / n) / (n + 4 + 2 * mu_eff / n)
    c_1 = 2 / ((n + 1.3) ** 2 + mu_eff)
    c_mu = min(1 - c_1, 2 * (mu_eff - 2 + 1 / mu_eff) / ((n + 2) ** 2 + mu_eff))
    if separable:
        c_1 = min(1.0, c_1 * (n + 2) / 3)
        c_mu = min(1 - c_1, c_mu * (n + 2) / 3)
    chi_n = np.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n))
    # Lazy eigendecomposition (the tutorial's B.2): C changes little per generation, so
    # re-decomposing every lambda / ((c1 + cmu) n 10) generations keeps O(n^2) per sample.
    eigen_every = max(1, int(lam / ((c_1 + c_mu) * n * 10)))
    return lam, mu, mu_eff, c_sigma, d_sigma, c_c, c_1, c_mu, chi_n, eigen_every


@register_jitable
def cma_weights(mu, out):
    """The positive recombination weights ln(mu + 1/2) - ln(i), normalised to sum 1."""
    total = 0.0
    for i in range(mu):
        out[i] = np.log(mu + 0.5) - np.log(i + 1.0)
        total += out[i]
    for i in range(mu):
        out[i] /= total


@register_jitable
def cma_sample(mean, sigma, eig_rows, eig_sqrt, z, y, x, separable=False):
    """Candidates from standard normals ``z`` (P, n): y = B D z and x = mean + sigma y, where
    row i of ``eig_rows`` is the i-th eigenvector of C and ``eig_sqrt`` its sqrt eigenvalue
    (``separable``: C is diagonal, B the identity, and y = D z)."""
    pop, n = z.shape
    if separable:
        for p in range(pop):
            for j in range(n):
                y[p, j] = eig_sqrt[j] * z[p, j]
                x[p, j] = mean[j] + sigma * y[p, j]
        return
    for p in range(pop):
        for j in range(n):
            y[p, j] = 0.0
        for i in range(n):
            s = eig_sqrt[i] * z[p, i]
            for j in range(n):
                y[p, j] += eig_rows[i, j] * s
        for j in range(n):
            x[p, j] = mean[j] + sigma * y[p, j]


@register_jitable
def cma_update(mean, sigma, generation, cov, p_sigma, p_c, eig_rows, eig_sqrt, y, fitness, weights,
               constants, y_sel, scratch, separable=False):
    """Move every part of the state from the fitness (minimised) of the candidates sampled as
    ``y``; returns the new (sigma, generation). ``y_sel`` (mu, n) and ``scratch`` (3, n, n) are
    work space. The eigendecomposition is renewed every ``eigen_every`` generations;
    ``separable`` (``constants`` from ``cma_constants(..., separable=True)``) updates the
    diagonal of C only, whose eigenbasis stays the identity."""
    _, mu, mu_eff, c_sigma, d_sigma, c_c, c_1, c_mu, chi_n, eigen_every = constants
    n = mean.shape[0]
    order = np.argsort(fitness, kind="mergesort")
    for k in range(mu):
        y_sel[k] = y[order[k]]
    y_w = scratch[0, 0]
    for j in range(n):
        y_w[j] = 0.0
    for k in range(mu):
        for j in range(n):
            y_w[j] += weights[k] * y_sel[k, j]
    for j in range(n):
        mean[j] += sigma * y_w[j]
    # C^{-1/2} y_w = B D^{-1} B^T y_w
    inv_sqrt_y = scratch[0, 1]
    if separable:
        for j in range(n):
            inv_sqrt_y[j] = y_w[j] / eig_sqrt[j]
    else:
        for j in range(n):
            inv_sqrt_y[j] = 0.0
        for i in range(n):
            rotated = 0.0
            for j in range(n):
                rotated += eig_rows[i, j] * y_w[j]
            rotated /= eig_sqrt[i]
            for j in range(n):
                inv_sqrt_y[j] += eig_rows[i, j] * rotated
    step = np.sqrt(c_sigma * (2 - c_sigma) * mu_eff)
    norm_ps = 0.0
    for j in range(n):
        p_sigma[j] = (1 - c_sigma) * p_sigma[j] + step * inv_sqrt_y[j]
        norm_ps += p_sigma[j] * p_sigma[j]
    norm_ps = np.sqrt(norm_ps)
    generation += 1
    h_sigma = 1.0 if norm_ps / np.sqrt(1 - (1 - c_sigma) ** (2 * generation)) < (1.4 + 2 / (n + 1)) * chi_n else 0.0
    step = h_sigma * np.sqrt(c_c * (2 - c_c) * mu_eff)
    for j in range(n):
        p_c[j] = (1 - c_c) * p_c[j] + step * y_w[j]
    decay = 1 - c_1 - c_mu + (1 - h_sigma) * c_1 * c_c * (2 - c_c)
    sigma = min(sigma * np.exp((c_sigma / d_sigma) * (norm_ps / chi_n - 1)), MAX_SIGMA)
    if separable:
        for a in range(n):
            c = decay * cov[a, a] + c_1 * p_c[a] * p_c[a]
            for k in range(mu):
                c += c_mu * weights[k] * y_sel[k, a] * y_sel[k, a]
            cov[a, a] = c
            eig_sqrt[a] = np.sqrt(c if c > 1e-20 else 1e-20)
        return sigma, generation
    for a in range(n):
        for b in range(a, n):
            cov[a, b] = decay * cov[a, b] + c_1 * p_c[a] * p_c[b]
        for k in range(mu):
            w = c_mu * weights[k] * y_sel[k, a]
            for b in range(a, n):
                cov[a, b] += w * y_sel[k, b]
        for b in range(a + 1, n):
            cov[b, a] = cov[a, b]
    if generation % eigen_every == 0:
        eigh_update(cov, eig_rows, eig_sqrt, scratch[1], scratch[2])
    return sigma, generation


@register_jitable
def _rotate(m, p, q, c, s):
    """Rows p and q of ``m`` by the plane rotation (c, s)."""
    for k in range(m.shape[1]):
        mp, mq = m[p, k], m[q, k]
        m[p, k] = c * mp - s * mq
        m[q, k] = s * mp + c * mq


@register_jitable
def eigh_update(cov, eig_rows, eig_sqrt, rotated, work):
    """Eigendecomposition of symmetric ``cov`` into ``eig_rows`` (eigenvectors as rows, which on
    entry hold the previous ones) and ``eig_sqrt`` (square roots of the eigenvalues, floored at
    1e-10). ``rotated`` and ``work`` are (n, n) work space."""
    n = cov.shape[0]
    for i in range(n):  # work = B C
        for k in range(n):
            work[i, k] = 0.0
        for j in range(n):
            b = eig_rows[i, j]
            for k in range(n):
                work[i, k] += b * cov[j, k]
    for i in range(n):  # rotated = B C B^T, symmetric by construction
        for k in range(i, n):
            total = 0.0
            for j in range(n):
                total += work[i, j] * eig_rows[k, j]
            rotated[i, k] = total
            rotated[k, i] = total
    for _ in range(_MAX_SWEEPS):
        off = 0.0
        scale = 0.0
        for p in range(n):
            scale += rotated[p, p] * rotated[p, p]
            for q in range(p + 1, n):
                off += rotated[p, q] * rotated[p, q]
        if off <= 1e-30 * scale:
            break
        for p in range(n - 1):
            for q in range(p + 1, n):
                a_pq = rotated[p, q]
                if abs(a_pq) <= 1e-18 * (abs(rotated[p, p]) + abs(rotated[q, q])):
                    rotated[p, q] = 0.0
                    rotated[q, p] = 0.0
                    continue
                theta = (rotated[q, q] - rotated[p, p]) / (2.0 * a_pq)
                if abs(theta) > 1e150:
                    t = 0.5 / theta
                else:
                    t = (1.0 if theta >= 0 else -1.0) / (abs(theta) + np.sqrt(theta * theta + 1.0))
                c = 1.0 / np.sqrt(t * t + 1.0)
                s = t * c
                a_pp, a_qq = rotated[p, p], rotated[q, q]
                # rows p and q rotate in place; by symmetry they are also the new columns
                _rotate(rotated, p, q, c, s)
                for k in range(n):
                    rotated[k, p] = rotated[p, k]
                    rotated[k, q] = rotated[q, k]
                rotated[p, p] = a_pp - t * a_pq
                rotated[q, q] = a_qq + t * a_pq
                rotated[p, q] = 0.0
                rotated[q, p] = 0.0
                _rotate(eig_rows, p, q, c, s)
    for i in range(n):
        value = rotated[i, i]
        eig_sqrt[i] = np.sqrt(value if value > 1e-20 else 1e-20)
