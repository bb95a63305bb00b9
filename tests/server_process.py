"""Run the store as production does — gunicorn with the shipped gunicorn.conf.py — in a
separate process, for tests that need real concurrency across workers."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from scripts.lifetime import ends_with_this_process

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class StoreServer:
    """gunicorn serving `app:create_app()` on a free port, configured through the env."""

    def __init__(self, *, database_url, stripe_api_base, workers=3, env=None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "STORE_ENV": "production",
            "SECRET_KEY": "race-test-secret",
            "SESSION_COOKIE_SECURE": "false",
            "DATABASE_URL": database_url,
            "STRIPE_API_BASE": stripe_api_base,
            "STRIPE_SECRET_KEY": "sk_test_emulator_storefront",
            "STRIPE_PUBLISHABLE_KEY": "pk_test_emulator_storefront",
            "STRIPE_WEBHOOK_SECRET": "whsec_test_secret",
            "STRIPE_MAX_NETWORK_RETRIES": "0",
            "BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": str(workers),
            # The suite serves several stores at once (two pytest workers, each with its
            # own app too): at 4 PostgreSQL connections per process, 3 workers open at
            # most 12, and the whole run stays under PostgreSQL's default of 100.
            "DATABASE_POOL_SIZE": "4",
            # Production refuses to start without mail settings; mail stays queued unless
            # a test turns the outbox worker on and points MAIL_PORT at its SMTP server.
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": "1",
            "MAIL_DEFAULT_SENDER": "Course Shop <shop@example.com>",
            "STORE_URL": self.url,
            "MAIL_WORKER": "false",
            **(env or {}),
        }
        self.proc = None
        self.log_path = None

    def start(self, log_path, ready_status=200):
        """Start gunicorn and wait until `GET /` answers `ready_status`."""
        self.log_path = log_path
        log = open(log_path, "wb")  # noqa: SIM115  (closed in stop)
        self._log = log
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
             "app:create_app()"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            preexec_fn=ends_with_this_process(),  # a killed test run leaves no server
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log()}")
            try:
                if requests.get(self.url + "/", timeout=10).status_code == ready_status:
                    return self
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not start: {self.log()}")

    def log(self):
        """The log's last 4,000 characters, after its first traceback if it has one (a
        failed race's 500 is often far from the end of a busy log)."""
        self._log.flush()
        text = Path(self.log_path).read_text(errors="replace")
        first = text.find("Traceback")
        if first == -1 or first >= len(text) - 4000:
            return text[-4000:]
        return text[max(0, first - 300):first + 3000] + "\n[…]\n" + text[-4000:]

    def kill(self):
        """SIGKILL the master and its workers at once, as a crash or the OOM killer would."""
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        pids = [int(pid) for pid in children.read_text().split()] if children.exists() else []
        for pid in [self.proc.pid, *pids]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


def serve(app, emulator, log_dir, workers=3, **env):
    """A generator for a module-scoped fixture: one gunicorn for the module's tests, on
    the test app's database and SECRET_KEY (its links and cookies work), the emulator,
    and `env`; stopped when the module is done."""
    server = StoreServer(database_url=app.config["SQLALCHEMY_DATABASE_URI"],
                         stripe_api_base=emulator.url, workers=workers,
                         env={"SECRET_KEY": app.config["SECRET_KEY"],
                              **{k: str(v) for k, v in env.items()}})
    server.start(log_dir / "gunicorn.log")
    try:
        yield server
    finally:
        server.stop()


def all_at_once(calls):
    """Run the callables in threads released together by a barrier; their results in
    order (an exception is raised in the caller)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))
