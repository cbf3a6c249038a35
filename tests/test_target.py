"""The declared hardware target: one field list, stacked and padded by its declaration."""

import numpy as np

from naas.arch import baseline
from naas.cost.target import AXES, FIELDS, SLOTS, Targets, compile_target, compile_targets, stack_targets
from naas.workload import zoo_network


def test_targets_hold_the_declared_fields_each_with_its_unit_and_doc():
    assert Targets._fields == tuple(f.name for f in FIELDS)
    for f in FIELDS:
        assert f.doc, f.name
        assert f.dtype in (np.int64, np.float64, np.bool_)


def test_stacking_pads_per_axis_fields_and_subset_recovers_each_problem():
    layer = zoo_network("vgg16").layers[3].layer
    small, wide = compile_target(layer, baseline("eyeriss")), compile_target(layer, baseline("edge_tpu"))
    stacked = stack_targets([small, wide])
    assert stacked.problems == 2 and stacked.n_axes == wide.n_axes == 4
    assert stacked.n_slots == wide.n_slots == 6  # K and C each also unroll G
    first = stacked.subset(np.array([0]))
    for field, got, want in zip(FIELDS, first, small):
        if field.width in (AXES, SLOTS):
            own = small.n_axes if field.width == AXES else small.n_slots
            assert got[0, :own].tolist() == want[0].tolist()
            assert set(got[0, own:].tolist()) == {field.pad}
        else:
            np.testing.assert_array_equal(got, want)
    for got, want in zip(stacked.subset(np.array([1])), wide):
        np.testing.assert_array_equal(got, want)


def test_one_designs_targets_compiled_together_equal_the_per_layer_ones_stacked():
    arch = baseline("eyeriss")
    layers = [nl.layer for nl in zoo_network("mobilenet_v2").layers]
    together = compile_targets(layers, arch)
    apart = stack_targets([compile_target(layer, arch) for layer in layers])
    for name, a, b in zip(together._fields, together, apart):
        assert a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b), name
