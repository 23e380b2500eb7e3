#!/usr/bin/env python3
"""Prints run.sh's table from its JSON files (NAME.SIDE.ROUND.json); standard library only.

Per case: each side's median step per round, then the ratios that compare like with like, per round and
as median and range over the rounds. kino/node and kino-wheel/python put Kino beside a bare loop on the same
ONNX Runtime release; kino/python is the cross-version figure the first measurements used.
"""
import glob
import json
import os
import statistics
import sys

SIDES = ["python", "kino", "node", "kino-wheel", "torch"]
RATIOS = [("kino", "node", "Kino / bare Node loop, same runtime"),
          ("kino-wheel", "python", "Kino / bare Python loop, same runtime"),
          ("kino", "python", "Kino / bare Python loop (Python's newer runtime)"),
          ("torch", "kino", "PyTorch eager / Kino")]


def main(folder):
    runs = {}
    for path in sorted(glob.glob(os.path.join(folder, "*.json"))):
        name, side, rnd = os.path.basename(path)[:-5].rsplit(".", 2)
        try:
            with open(path) as f:
                runs.setdefault(name, {}).setdefault(int(rnd), {})[side] = json.load(f)
        except ValueError:
            print(f"(skipping {os.path.basename(path)}: not finished)")
    for name, rounds in runs.items():
        sides = [s for s in SIDES if any(s in r for r in rounds.values())]
        print(f"\n{name}: median ms per step, per round")
        for s in sides:
            first = next(r[s] for r in rounds.values() if s in r)
            print(f"  {s:>8}: {first['runtime']}, {len(first['step_seconds'])} measured steps")
        print("  " + f"{'round':>5}" + "".join(f"{s:>11}" for s in sides) + f"{'kino in run':>13}")
        med = {}
        for rnd in sorted(rounds):
            r = rounds[rnd]
            med[rnd] = {s: statistics.median(r[s]["step_seconds"]) * 1e3 for s in sides if s in r}
            in_run = statistics.median(r["kino"]["run_seconds"]) * 1e3 if "kino" in r else float("nan")
            print("  " + f"{rnd:>5}" + "".join(f"{med[rnd].get(s, float('nan')):>11.1f}" for s in sides)
                  + f"{in_run:>13.1f}")
        for a, b, what in RATIOS:
            values = [m[a] / m[b] for m in med.values() if a in m and b in m]
            if values:
                print(f"  {a}/{b} ({what}): median {statistics.median(values):.3f}, range "
                      f"{min(values):.3f}-{max(values):.3f} over {len(values)} rounds: "
                      + " ".join(f"{v:.3f}" for v in values))


if __name__ == "__main__":
    main(sys.argv[1])
