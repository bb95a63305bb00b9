"""dj-stripe's own test environment: a virtualenv with its pinned requirements and a
database its migrations built, made once and kept under ``.peers-cache/`` (git-ignored).

The store's venv is never touched: dj-stripe pins its own Django and stripe-python. The
folder's name carries a hash of the requirements and the Python version, so a change of
either builds a fresh one (older ones are removed). A failed install raises
``InstallError`` with pip's or Django's own words.
"""
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

PEERS = Path(__file__).resolve().parent
ROOT = PEERS.parents[1]
REQUIREMENTS = PEERS / "requirements-djstripe.txt"
DEFAULT_CACHE = ROOT / ".peers-cache"  # PEERS_CACHE_DIR moves it
INSTALL_TIMEOUT = 900  # seconds: PyPI on a slow day
MIGRATE_TIMEOUT = 900  # dj-stripe's migrations take about a minute on 2 busy cores


class DjstripeEnv(NamedTuple):
    python: Path  # the venv's interpreter
    template_db: Path  # an SQLite database with dj-stripe's migrations applied (copy it)


class InstallError(Exception):
    """The environment could not be built; the message says which step and why."""


def _fingerprint() -> str:
    """What the environment depends on: the pinned requirements and this Python."""
    digest = hashlib.sha256(REQUIREMENTS.read_bytes())
    digest.update(f"{sys.version_info[:3]}".encode())
    return digest.hexdigest()[:16]


def site_env(db: Path, **extra) -> dict:
    """The environment variables the peer site's settings read."""
    return {**os.environ, "PYTHONPATH": str(PEERS), "PEERSITE_DB": str(db),
            "DJANGO_SETTINGS_MODULE": "peersite.settings", "PYTHONDONTWRITEBYTECODE": "1",
            **extra}


def _run(step: str, cmd: list, timeout: int, env=None):
    """Run one build step; raise InstallError with its output when it fails."""
    try:
        proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                              timeout=timeout, env=env)
    except subprocess.TimeoutExpired as exc:
        raise InstallError(f"{step} did not finish within {timeout} s:\n"
                               f"{exc.stdout or ''}\n{exc.stderr or ''}") from None
    if proc.returncode != 0:
        raise InstallError(f"{step} failed (exit {proc.returncode}):\n"
                               f"{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")


def _build(folder: Path):
    """Create the venv, install the pinned wheels (hashes checked), migrate a database."""
    venv = folder / "venv"
    _run("creating the virtualenv", [sys.executable, "-m", "venv", venv], 300)
    python = venv / "bin" / "python"
    _run(f"pip install -r {REQUIREMENTS.relative_to(ROOT)}",
         [python, "-m", "pip", "install", "--disable-pip-version-check", "--no-input",
          "--require-hashes", "--only-binary=:all:", "-r", REQUIREMENTS],
         INSTALL_TIMEOUT)
    template = folder / "template.sqlite3"
    _run("dj-stripe's migrations (manage.py migrate)",
         [python, "-m", "django", "migrate", "--no-input", "-v", "0"], MIGRATE_TIMEOUT,
         env=site_env(template))


def ensure(cache: Path | None = None) -> DjstripeEnv:
    """The environment, built first if this checkout has none for these requirements."""
    cache = Path(cache or os.environ.get("PEERS_CACHE_DIR") or DEFAULT_CACHE)
    cache.mkdir(parents=True, exist_ok=True)
    folder = cache / f"djstripe-{_fingerprint()}"
    ready = folder / "READY"
    with open(cache / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two test runs at once build it once
        if not ready.exists():
            for old in cache.glob("djstripe-*"):
                shutil.rmtree(old, ignore_errors=True)
            folder.mkdir()
            _build(folder)
            ready.write_text("built from " + REQUIREMENTS.name + "\n")
    return DjstripeEnv(folder / "venv" / "bin" / "python", folder / "template.sqlite3")
