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

SIDES = ["python", "kino", "node", "kino-wheel", "torch", "torch-bf16"]
RATIOS = [("kino", "node", "Kino / bare Node loop, same runtime"),
          ("kino-wheel", "python", "Kino / bare Python loop, same runtime"),
          ("kino", "python", "Kino / bare Python loop (Python's newer runtime)"),
          ("torch", "kino", "PyTorch eager / Kino"),
          ("torch-bf16", "torch", "PyTorch bf16 autocast / PyTorch fp32")]


def sides_of(rounds):
    """The sides in the table's order: the fixed ones, then Kino's precision modes (kino-MODE) by name."""
    seen = {s for r in rounds.values() for s in r}
    modes = sorted(s for s in seen if s.startswith("kino-") and s != "kino-wheel")
    return [s for s in SIDES if s in seen] + modes


def ratios(sides):
    """RATIOS plus, per precision mode, its time against PyTorch bf16 autocast and against Kino fp32."""
    out = list(RATIOS)
    for s in sides:
        if s.startswith("kino-") and s != "kino-wheel":
            out += [(s, "torch-bf16", f"Kino {s[5:]} / PyTorch bf16 autocast"), (s, "kino", f"Kino {s[5:]} / Kino fp32")]
    return out


def prediction_error(folder, name, side, base, rnd):
    """PSNR (dB, over the fp32 prediction's range) and largest |difference| / largest |value| of one side's
    last guided prediction against its fp32 counterpart's on the same inputs (the same round), or None."""
    import array
    import math
    paths = [os.path.join(folder, f"{name}.{s}.{rnd}.bin") for s in (side, base)]
    if not all(os.path.exists(p) for p in paths):
        return None
    got, ref = array.array("f"), array.array("f")
    with open(paths[0], "rb") as f:
        got.frombytes(f.read())
    with open(paths[1], "rb") as f:
        ref.frombytes(f.read())
    if len(got) != len(ref) or not ref:
        return None
    mse = sum((a - b) ** 2 for a, b in zip(got, ref)) / len(ref)
    peak = max(ref) - min(ref)
    worst = max(abs(a - b) for a, b in zip(got, ref)) / max(abs(v) for v in ref)
    return (float("inf") if mse == 0 else 20 * math.log10(peak / math.sqrt(mse))), worst


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
        sides = sides_of(rounds)
        print(f"\n{name}: median ms per step, per round")
        for s in sides:
            first = next(r[s] for r in rounds.values() if s in r)
            print(f"  {s:>8}: {first['runtime']}, {len(first['step_seconds'])} measured steps")
        print("  " + f"{'round':>5}" + "".join(f"{s:>13}" for s in sides) + f"{'kino in run':>13}")
        med = {}
        for rnd in sorted(rounds):
            r = rounds[rnd]
            med[rnd] = {s: statistics.median(r[s]["step_seconds"]) * 1e3 for s in sides if s in r}
            in_run = statistics.median(r["kino"]["run_seconds"]) * 1e3 if "kino" in r else float("nan")
            print("  " + f"{rnd:>5}" + "".join(f"{med[rnd].get(s, float('nan')):>13.1f}" for s in sides)
                  + f"{in_run:>13.1f}")
        for a, b, what in ratios(sides):
            values = [m[a] / m[b] for m in med.values() if a in m and b in m]
            if values:
                print(f"  {a}/{b} ({what}): median {statistics.median(values):.3f}, range "
                      f"{min(values):.3f}-{max(values):.3f} over {len(values)} rounds: "
                      + " ".join(f"{v:.3f}" for v in values))
        quality = [(s, "kino") for s in sides if s.startswith("kino-") and s != "kino-wheel"] + [("torch-bf16", "torch")]
        for side, base in quality:
            errors = [e for e in (prediction_error(folder, name, side, base, rnd) for rnd in rounds) if e]
            if errors:
                print(f"  {side} against {base} (last guided prediction, same inputs): PSNR "
                      f"{statistics.median(e[0] for e in errors):.1f} dB, max |diff| / max |value| "
                      f"{statistics.median(e[1] for e in errors):.2e} (median of {len(errors)} rounds)")


if __name__ == "__main__":
    main(sys.argv[1])
