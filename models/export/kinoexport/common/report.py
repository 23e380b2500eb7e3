"""What an export run tells its user and leaves behind: timestamped log lines with the peak RSS so far, and
``export_report.json``'s checks (each graph against its PyTorch original), file sizes and timings."""
import json
import os
import resource
import time

REPORT = {"checks": {}, "files": {}}   # written to OUT/export_report.json by the exporter


def log(msg):
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"[{time.strftime('%H:%M:%S')} peak RSS {rss:,.0f} MiB] {msg}", flush=True)


def fail_if_bad(name, errors, tol):
    worst = max(errors.values())
    REPORT["checks"][name] = errors
    log(f"{name}: " + ", ".join(f"{k} {v:.2e}" for k, v in errors.items()))
    if worst > tol:
        raise SystemExit(f"{name}: error {worst:.2e} above {tol:.0e}")


def resume(out):
    """OUT/export_report.json's path; a partial (--only) run keeps the checks of the report it adds to."""
    path = os.path.join(out, "export_report.json")
    if os.path.isfile(path):
        REPORT.update({k: v for k, v in json.load(open(path)).items() if k in ("checks",)})
    return path


def finish(path, out, started, precision, attention):
    """Writes export_report.json: the checks, the export's time and peak RSS, and every file's size."""
    REPORT["seconds"] = round(time.time() - started, 1)
    REPORT["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    REPORT["precision"], REPORT["attention"] = precision, attention
    for f in sorted(os.listdir(out)):
        if f != "export_report.json":
            REPORT["files"][f] = os.path.getsize(os.path.join(out, f))
    with open(path, "w") as fh:
        json.dump(REPORT, fh, indent=2)
    log(f"done in {time.time() - started:.1f} s")
