"""Measure a generated clip's object: color, shape, direction of motion and distance moved.

The rules (spelled out in README.md, "Scorer spec", for the Java end-to-end test to reimplement):
  1. background b = per-channel median of all pixels of all frames;
     d(pixel) = max over R,G,B of |pixel - b|   (0..255)
  2. coarse object pixels: d > 48. contrast k = 90th percentile of d over all coarse pixels of the clip.
     object mask per frame: d > k/2.  core (color) pixels: d > 3k/4.
     a frame counts if its mask has at least 0.3% of the frame's pixels; a clip needs half its frames counted.
  3. color = palette entry nearest (Euclidean RGB) to the mean RGB of all core pixels of the counted frames.
  4. per counted frame: centroid (cx, cy) = mean pixel coordinates of the mask; fit cx and cy linearly over
     the frame index (least squares): slopes sx, sy in px/frame. direction = right/left by the sign of sx if
     |sx| >= |sy|, else down/up by the sign of sy (y grows downwards).
     distance = sqrt(sx^2 + sy^2) * (frames - 1) * 64 / width   (in pixels of the native 64-px frame).
  5. shape, from the medians over counted frames of fill = mask area / (bbox width * bbox height) and
     drop = (centroid y - bbox center y) / bbox height (bbox = the mask's pixel extent):
     triangle if drop > 0.05 (an upright triangle's centroid is h/6 below its bbox center, a circle's or a
     square's on it); else square if fill >= 0.87 (ideal 1.0; a circle's is pi/4 = 0.785); else circle.

    /usr/bin/python3 scorer.py work/gt                 # ground-truth clips written by data.py (must read 100%)
    /usr/bin/python3 scorer.py --frames work/engine    # PNG frames of package/heldout.json's test grid
"""
import json
import os
import sys

import numpy as np

PALETTE = {
    "red": (220, 50, 50), "green": (50, 200, 70), "blue": (60, 100, 240),
    "yellow": (235, 215, 50), "white": (235, 235, 235), "purple": (160, 70, 210),
}
COARSE = 48.0
MIN_AREA = 0.003
SQUARE_FILL, TRI_DROP = 0.87, 0.05


def measure(frames):
    """frames: uint8 [F,H,W,3] RGB. Returns a dict (color, shape, direction, distance, features) or None."""
    x = frames.astype(np.float32)
    nf, h, w, _ = x.shape
    bg = np.median(x.reshape(-1, 3), axis=0)
    d = np.abs(x - bg).max(axis=-1)
    coarse = d > COARSE
    if not coarse.any():
        return None
    k = np.percentile(d[coarse], 90)
    mask, core = d > k / 2, d > 0.75 * k
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float64) + 0.5
    t, cx, cy, fills, drops, rgb = [], [], [], [], [], []
    for f in range(nf):
        m = mask[f]
        area = int(m.sum())
        if area < MIN_AREA * h * w:
            continue
        yy, xx = ys[m], xs[m]
        y0, y1, x0, x1 = yy.min() - 0.5, yy.max() + 0.5, xx.min() - 0.5, xx.max() + 0.5
        t.append(f), cx.append(xx.mean()), cy.append(yy.mean())
        fills.append(area / ((x1 - x0) * (y1 - y0)))
        drops.append((yy.mean() - (y0 + y1) / 2) / (y1 - y0))
        rgb.append(x[f][core[f]])
    if len(t) < nf / 2:
        return None
    rgb = np.concatenate(rgb).mean(axis=0)
    color = min(PALETTE, key=lambda c: float(((np.array(PALETTE[c]) - rgb) ** 2).sum()))
    sx, sy = np.polyfit(t, cx, 1)[0], np.polyfit(t, cy, 1)[0]
    if abs(sx) >= abs(sy):
        direction = "right" if sx > 0 else "left"
    else:
        direction = "down" if sy > 0 else "up"
    fill, drop = float(np.median(fills)), float(np.median(drops))
    shape = "triangle" if drop > TRI_DROP else ("square" if fill >= SQUARE_FILL else "circle")
    distance = float(np.hypot(sx, sy) * (nf - 1) * 64.0 / w)
    main, perp = (abs(sx), abs(sy)) if abs(sx) >= abs(sy) else (abs(sy), abs(sx))
    resid = float(np.sqrt(np.mean((np.array(cx) - np.polyval(np.polyfit(t, cx, 1), t)) ** 2 +
                                  (np.array(cy) - np.polyval(np.polyfit(t, cy, 1), t)) ** 2)) * 64.0 / w)
    return dict(color=color, shape=shape, direction=direction, distance=distance, fill=fill, drop=drop,
                off_axis=float(perp / max(main, 1e-6)), jitter=resid,
                rgb=[float(v) for v in rgb], frames_counted=len(t))


def score(clips, params):
    """clips: uint8 [N,F,H,W,3]; params: list of dicts with color/shape/direction/speed (and heldout flag).
    Returns (per-clip results, summary dict with accuracies overall / train / heldout and speed distances)."""
    rows = []
    for v, p in zip(clips, params):
        m = measure(v) or dict(color=None, shape=None, direction=None, distance=0.0)
        rows.append(dict(p, got=m, ok_color=m["color"] == p["color"], ok_shape=m["shape"] == p["shape"],
                         ok_direction=m["direction"] == p["direction"]))
    return rows, summarize(rows)


def summarize(rows):
    out = {}
    for name, sel in [("all", rows), ("train", [r for r in rows if not r.get("heldout")]),
                      ("heldout", [r for r in rows if r.get("heldout")])]:
        if not sel:
            continue
        out[name] = {k: float(np.mean([r["ok_" + k] for r in sel])) for k in ("color", "shape", "direction")}
        out[name]["n"] = len(sel)
    for sp in ("slowly", "", "quickly"):
        ds = [r["got"]["distance"] for r in rows if r.get("speed") == sp]
        if ds:
            out["distance_" + (sp or "default")] = float(np.mean(ds))
    got = [r["got"] for r in rows if "off_axis" in r["got"]]
    if got:  # path quality: sideways drift relative to the motion, and wobble around the fitted line (px)
        out["off_axis_p50_p90"] = [float(np.percentile([g["off_axis"] for g in got], q)) for q in (50, 90)]
        out["jitter_px_p50_p90"] = [float(np.percentile([g["jitter"] for g in got], q)) for q in (50, 90)]
    if "distance_slowly" in out and "distance_quickly" in out:
        out["quickly_over_slowly"] = out["distance_quickly"] / max(out["distance_slowly"], 1e-6)
    return out


def load_frame_dirs(root, n):
    """root/<k>/*.png (k = 0..n-1, frames in name order) -> list of uint8 [F,H,W,3] clips."""
    from PIL import Image
    clips = []
    for k in range(n):
        d = os.path.join(root, str(k))
        names = sorted(f for f in os.listdir(d) if f.endswith(".png"))
        clips.append(np.stack([np.array(Image.open(os.path.join(d, f)).convert("RGB")) for f in names]))
    return clips


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--frames":  # PNG frames of the test grid (engine_check.sh)
        with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "package", "heldout.json")) as fh:
            params = json.load(fh)["test_grid"]
        clips = load_frame_dirs(sys.argv[2], len(params))
    else:
        d = sys.argv[1] if len(sys.argv) > 1 else "work/gt"
        clips = np.load(os.path.join(d, "clips.npy"))
        with open(os.path.join(d, "clips.json")) as fh:
            params = json.load(fh)
    rows, summary = score(clips, params)
    for r in rows:
        if not (r["ok_color"] and r["ok_shape"] and r["ok_direction"]):
            print("MISS", r["color"], r["shape"], r["direction"], r["speed"], "->",
                  {k: r["got"].get(k) for k in ("color", "shape", "direction", "fill", "drop")})
    for s in ("circle", "square", "triangle"):
        g = [r["got"] for r in rows if r["shape"] == s and "fill" in r["got"]]
        if g:
            print(f"{s}: fill {min(x['fill'] for x in g):.3f}..{max(x['fill'] for x in g):.3f} "
                  f"drop {min(x['drop'] for x in g):.3f}..{max(x['drop'] for x in g):.3f}")
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
