#!/usr/bin/env python3
"""Prints run.sh's table from its JSON files (NAME.SIDE.ROUND.json); standard library only."""
import glob
import json
import os
import statistics
import sys


def main(folder):
    runs = {}
    for path in sorted(glob.glob(os.path.join(folder, "*.json"))):
        name, side, rnd = os.path.basename(path)[:-5].split(".")
        try:
            with open(path) as f:
                runs.setdefault(name, {}).setdefault(int(rnd), {})[side] = json.load(f)
        except ValueError:
            print(f"(skipping {os.path.basename(path)}: not finished)")
    for name, rounds in runs.items():
        first = rounds[min(rounds)]
        if "python" not in first or "kino" not in first:
            continue
        print(f"\n{name}: {first['python']['runtime']} vs {first['kino']['runtime']}, "
              f"{len(first['kino']['step_seconds'])} measured steps per round (medians)")
        print(f"  {'round':>5} {'python ms':>10} {'kino ms':>10} {'in run':>10} {'kino/python':>12}")
        ratios = []
        for rnd in sorted(rounds):
            r = rounds[rnd]
            if "python" not in r or "kino" not in r:
                continue
            py = statistics.median(r["python"]["step_seconds"]) * 1e3
            kino = statistics.median(r["kino"]["step_seconds"]) * 1e3
            in_run = statistics.median(r["kino"]["run_seconds"]) * 1e3
            ratios.append(kino / py)
            print(f"  {rnd:>5} {py:>10.1f} {kino:>10.1f} {in_run:>10.1f} {kino / py:>12.3f}")
        if ratios:
            print(f"  Kino per step / Python loop: median {statistics.median(ratios):.3f} "
                  f"(range {min(ratios):.3f}-{max(ratios):.3f} over {len(ratios)} rounds)")
        torch = rounds.get(1, {}).get("torch")
        if torch:
            t = statistics.median(torch["step_seconds"]) * 1e3
            kino = statistics.median([statistics.median(r["kino"]["step_seconds"]) for r in rounds.values()
                                      if "kino" in r]) * 1e3
            print(f"  {torch['runtime']}: {t:.1f} ms per step; PyTorch eager / Kino: {t / kino:.2f}")


if __name__ == "__main__":
    main(sys.argv[1])
