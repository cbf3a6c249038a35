"""The published MobileNet-V3 predictor against once-for-all's specialised, fine-tuned w1.2
nets: each net's prediction beside its measured top-1, and the offset naas applies
(``naas.nas.calibration.PUBLISHED_MBV3_CALIBRATION``).

    python -m benchmarks.calibrate_predictor [--ofa ../shared/ofa]

The folder holds acc_predictor.pth, specialized.tsv and specialized/NAME/{net,run}.config
(once-for-all's published files; see its README).
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

from naas.nas.calibration import calibrate, specialised_config
from naas.nas.predictors import OFAMLPPredictor


def specialised_w12_nets(ofa: Path) -> list[tuple[str, dict, int, float]]:
    """(name, net.config, image size, measured top-1) of the nets in the predictor's space."""
    with open(ofa / "specialized.tsv") as handle:
        rows = [r for r in csv.DictReader(handle, delimiter="\t")
                if r["net_class"] == "MobileNetV3" and r["first_conv_channels"] == "24"]
    return [(r["name"], json.loads((ofa / "specialized" / r["name"] / "net.config").read_text()),
             int(json.loads((ofa / "specialized" / r["name"] / "run.config").read_text())["image_size"]),
             float(r["measured_top1_finetuned"])) for r in rows]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ofa", default=str(Path(__file__).resolve().parents[2] / "shared" / "ofa"))
    args = parser.parse_args()
    ofa = Path(args.ofa)
    predictor = OFAMLPPredictor.load(ofa / "acc_predictor.pth")
    nets = specialised_w12_nets(ofa)
    configs = [specialised_config(net, size, predictor.resolutions) for _, net, size, _ in nets]
    predicted = predictor.predict(configs)
    print("| net | its resolution | predicted at | predicted top-1 (%) | measured top-1 (%) | measured - predicted |")
    print("|---|---|---|---|---|---|")
    for (name, _, size, measured), config, p in zip(nets, configs, predicted):
        print(f"| {name} | {size} | {config.resolution} | {p:.2f} | {measured:.1f} | {measured - p:+.2f} |")
    fit = calibrate(predicted, [m for *_, m in nets], "once-for-all's specialised MobileNet-V3 w1.2 nets")
    print(f"\noffset {fit.offset_pct:+.4f} points, spread (sd) {fit.spread_pct:.4f}, range [{fit.low_pct:+.4f}, "
          f"{fit.high_pct:+.4f}], correlation {fit.correlation:.4f}, {fit.nets} nets")


if __name__ == "__main__":
    main()
