"""Release downloads against a plain static file server of the same bytes, and the artifact
upload's peak memory.

Targets: a download link served by `licensor serve` (one worker, SQLite, the directory store)
>= 0.8 x `python -m http.server` serving the very same stored file, measured in the same run
(curl as the client, one download at a time, alternating, the medians compared); and an upload
of --upload-mib (default 1024 = 1 GiB) streamed to `PUT .../artifacts/{platform}` must leave
the server's resident memory flat: its peak during the upload minus its size before stays a
few MiB, whatever the file's size (the body goes to disk in 1 MiB pieces).

Run: .venv/bin/python bench/downloads.py [--download-mib 256] [--upload-mib 1024] [--runs 5]
A benchmark, not a test: it prints figures and exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import VENV_BIN, free_port, licensor_env, server

TARGET_RATIO = 0.8
FLAT_MIB = 64  # the upload may grow the server by at most this much, for any file size
TOKEN = "bench-admin-token"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}


def make_file(path: Path, mib: int) -> str:
    """`mib` MiB of random bytes (not compressible, not sparse); returns its SHA-256."""
    digest = hashlib.sha256()
    with path.open("wb") as out:
        for _ in range(mib):
            chunk = os.urandom(1024 * 1024)
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def group_rss(group: int) -> int:
    """Resident bytes of every process in a process group (the server and its workers)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == group:
                total += int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            continue
    return total


def chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as source:
        while chunk := source.read(1024 * 1024):
            yield chunk


def upload(base: str, group: int, path: Path, version: str) -> tuple[int, int, float, dict]:
    """Stream the file to the server while sampling its memory: (before, peak, seconds,
    artifact)."""
    before = group_rss(group)
    peak = [before]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            peak[0] = max(peak[0], group_rss(group))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    r = httpx.put(f"{base}/v1/products/desktop/releases/{version}/artifacts/linux",
                  params={"filename": path.name}, content=chunks(path),
                  headers={**ADMIN, "Content-Type": "application/octet-stream",
                           "Content-Length": str(path.stat().st_size)},
                  timeout=httpx.Timeout(600, write=None))
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    r.raise_for_status()
    return before, max(peak[0], group_rss(group)), seconds, r.json()


def curl_speed(url: str) -> float:
    """Bytes per second of one download to /dev/null."""
    out = subprocess.run(["curl", "-s", "-f", "-o", "/dev/null", "-w", "%{speed_download}",
                          url], capture_output=True, text=True, check=True, timeout=600)
    return float(out.stdout)


def download_url(base: str, license_key: str) -> str:
    offer = httpx.post(f"{base}/v1/downloads", json={
        "license_name": "Bench Inc", "license_key": license_key, "platform": "linux",
        "version": "3.90.0"}, timeout=30)
    offer.raise_for_status()
    return str(offer.json()["url"])


def setup(base: str) -> str:
    for version in ("3.90.0", "3.91.0"):
        httpx.put(f"{base}/v1/products/desktop/releases/{version}", headers=ADMIN,
                  json={"released_at": "2030-01-01T00:00:00Z"}).raise_for_status()
    lic = httpx.post(f"{base}/v1/licenses", headers=ADMIN, json={
        "product": "desktop", "seats": 1, "license_name": "Bench Inc",
        "email": "bench@example.test"})
    lic.raise_for_status()
    return str(lic.json()["license_key"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--download-mib", type=int, default=256)
    parser.add_argument("--upload-mib", type=int, default=1024)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--server", default="auto", choices=("auto", "uvicorn", "granian"),
                        help="licensor serve --server (auto: uvicorn for one worker)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="licensor-bench-downloads-") as tmp:
        return run(Path(tmp), args)


def run(tmp: Path, args: argparse.Namespace) -> int:
    home = tmp / "home"
    env = {**licensor_env(home, f"sqlite:///{tmp / 'licensor.db'}"),
           "LICENSOR_ADMIN_TOKEN": TOKEN, "LICENSOR_MAX_ARTIFACT_BYTES": str(8 * 1024**3)}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    big, small = tmp / "upload.bin", tmp / "download.bin"
    print(f"making {args.upload_mib} MiB and {args.download_mib} MiB of random bytes...")
    big_digest = make_file(big, args.upload_mib)
    make_file(small, args.download_mib)
    with server([str(VENV_BIN / "licensor"), "serve", "--port", str(port), "--workers", "1",
                 "--no-access-log", "--server", args.server], port, env) as proc:
        license_key = setup(base)
        before, peak, seconds, artifact = upload(base, proc.pid, big, "3.91.0")
        assert artifact["sha256"] == big_digest, "the stored digest differs"
        _, _, _, served = upload(base, proc.pid, small, "3.90.0")
        stored = next((home / "artifacts").rglob(small.name))
        static_port = free_port()
        with server([sys.executable, "-m", "http.server", str(static_port), "--bind",
                     "127.0.0.1", "--directory", str(stored.parent)], static_port):
            static_url = f"http://127.0.0.1:{static_port}/{stored.name}"
            licensor, plain = [], []
            for _ in range(args.runs):
                licensor.append(curl_speed(download_url(base, license_key)))
                plain.append(curl_speed(static_url))
    return report(args, before, peak, seconds, licensor, plain, served["size"])


def report(args: argparse.Namespace, before: int, peak: int, seconds: float,
           licensor: list[float], plain: list[float], size: int) -> int:
    mib = 1024 * 1024
    growth = (peak - before) / mib
    ratio = statistics.median(licensor) / statistics.median(plain)
    print(f"upload   {args.upload_mib} MiB in {seconds:.1f} s ({args.upload_mib / seconds:.0f} "
          f"MiB/s); server RSS before {before / mib:.0f} MiB, peak {peak / mib:.0f} MiB, "
          f"growth {growth:.1f} MiB (target <= {FLAT_MIB} MiB: flat)")
    print(f"download {size / mib:.0f} MiB, {args.runs} runs each, MiB/s:")
    print("  licensor link      median " + f"{statistics.median(licensor) / mib:7.0f}  runs: "
          + ", ".join(f"{x / mib:.0f}" for x in licensor))
    print("  python http.server median " + f"{statistics.median(plain) / mib:7.0f}  runs: "
          + ", ".join(f"{x / mib:.0f}" for x in plain))
    print(f"  ratio {ratio:.2f} (target >= {TARGET_RATIO})")
    return 0 if ratio >= TARGET_RATIO and growth <= FLAT_MIB else 1


if __name__ == "__main__":
    sys.exit(main())
