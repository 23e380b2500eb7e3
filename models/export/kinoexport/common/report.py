"""What an export run tells its user and leaves behind: timestamped log lines with the peak RSS so far, and
``export_report.json``'s checks (each graph against its PyTorch original), file sizes and timings."""
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
