"""The seed streams of the mapping searches, computed without generators, are NumPy's."""

import numpy as np
import pytest

from naas.search.seed_streams import first_words


def _numpy_first_word(entropy):
    return np.random.default_rng(list(entropy)).integers(0, 2**64, dtype=np.uint64)


def test_first_words_equal_numpy_generators():
    rng = np.random.default_rng(5)
    # every length around SeedSequence's pool of four words, integers of one to four 32-bit words
    bounds = (2**8, 2**32, 2**63)
    entropies = [(0,), (0, 0, 0, 0, 0), (2**32,), (2**64 - 1, 7), (2**100 + 3,)]
    for _ in range(3000):
        entropies.append(tuple(int(rng.integers(0, bounds[int(rng.integers(3))])) * (2**65 if rng.random() < 0.1 else 1)
                               for _ in range(int(rng.integers(1, 8)))))
    want = np.array([_numpy_first_word(e) for e in entropies], dtype=np.uint64)
    assert np.array_equal(first_words(entropies), want)


def test_score_pairs_streams_match_their_generators():
    # score_pairs' entropies: the design's seed tuple and the layer's position
    entropies = [(3, 12, 1, j) for j in range(40)] + [(0, 10**6, j) for j in range(5)]
    assert np.array_equal(first_words(entropies), [_numpy_first_word(e) for e in entropies])


def test_negative_entropy_is_refused_like_numpy():
    with pytest.raises(ValueError, match="non-negative"):
        first_words([(1, -2)])
    with pytest.raises(ValueError):
        np.random.default_rng([1, -2])
