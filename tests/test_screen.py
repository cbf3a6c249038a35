"""The predictor screen: the smallest network an accuracy floor admits, from predictor calls
alone (a toy predictor, and once-for-all's published ResNet-50 predictor where ../shared/ofa has
it; tests download nothing)."""

from pathlib import Path

import pytest

from naas.errors import NaasError
from naas.nas.cosearch import SPACES
from naas.nas.ofa_resnet50 import RESNET50, resnet50_network
from naas.nas.predictors import CallablePredictor, OFAMLPPredictor
from naas.nas.screen import ScreenConfig, screen_network

R50 = SPACES["ofa-resnet50"]
PUBLISHED = Path(__file__).resolve().parents[2] / "shared" / "ofa" / "ofa_resnet50_acc_predictor.pth"


def depth_and_width_top1(config):
    """Accuracy that depth, width and resolution buy and the expand ratios do not."""
    return 74 + sum(config.depths) / 2 + sum(config.widths) + (config.resolution - 128) / 48


def test_the_screen_finds_a_smaller_network_at_the_floor_and_repeats_itself():
    predictor = CallablePredictor(depth_and_width_top1, "toy")
    floor = depth_and_width_top1(RESNET50)
    config = ScreenConfig(generations=30, popsize=8)
    a = screen_network(R50, R50.resolutions, predictor, floor, RESNET50, seed=0, config=config)
    b = screen_network(R50, R50.resolutions, predictor, floor, RESNET50, seed=0, config=config)
    assert (a.best, a.macs, a.networks) == (b.best, b.macs, b.networks)
    assert depth_and_width_top1(a.best) >= floor and a.accuracy == depth_and_width_top1(a.best)
    assert a.macs == resnet50_network(a.best).macs < resnet50_network(RESNET50).macs
    assert a.networks > 100


def test_without_generations_the_screen_keeps_the_start_network_or_reports_none_feasible():
    predictor = CallablePredictor(depth_and_width_top1, "toy")
    floor = depth_and_width_top1(RESNET50)
    kept = screen_network(R50, R50.resolutions, predictor, floor, RESNET50, 0, ScreenConfig(generations=0))
    assert (kept.best, kept.networks) == (RESNET50, 1)
    none = screen_network(R50, R50.resolutions, predictor, 200.0, RESNET50, 0, ScreenConfig(generations=3, popsize=4))
    assert none.best is None and none.macs == 0
    with pytest.raises(NaasError, match="screen popsize: must be >= 2, got 1"):
        ScreenConfig(popsize=1)
    with pytest.raises(NaasError, match=r"screen generations: must be an integer >= 0 \(0: no screen\), got -1"):
        ScreenConfig(generations=-1)


@pytest.mark.skipif(not PUBLISHED.exists(), reason="../shared/ofa is absent")
def test_on_the_published_resnet50_predictor_the_screen_finds_the_shelf_below_resnet50():
    """The predictor reads ResNet-50's value on a thin shelf of networks; the screen finds a
    member of it with far fewer MACs than ResNet-50 (4,329 M)."""
    predictor = OFAMLPPredictor.load(PUBLISHED)
    floor = float(predictor.predict([RESNET50])[0])
    found = screen_network(R50, predictor.resolutions, predictor, floor, RESNET50, seed=0)
    assert found.best is not None and float(predictor.predict([found.best])[0]) >= floor
    assert found.macs < 0.9 * resnet50_network(RESNET50).macs
