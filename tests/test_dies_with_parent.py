"""Every process a test or `make run` starts ends with its parent, even when the parent
is killed with SIGKILL and runs no clean-up (scripts/lifetime.py): no emulator, store or
gunicorn is left holding ports after an interrupted test run."""

import json
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from scripts.lifetime import ends_with_this_process
from tests.local_run import ROOT, LocalRun, process_gone, run_env, wait_until

#: A test run in miniature: starts `make run` and gunicorn as the suite does, says their
#: pids, then waits to be killed.
PARENT = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    sys.path.insert(0, {root!r})
    from tests.local_run import LocalRun, run_env
    from tests.server_process import StoreServer

    folder = Path({folder!r})
    run = LocalRun(run_env(folder), folder / "run.log").start()
    server = StoreServer(database_url=run.env["DATABASE_URL"],
                         stripe_api_base=run.emulator_url, workers=2)
    server.start(folder / "gunicorn.log")
    master = server.proc.pid
    workers = Path(f"/proc/{{master}}/task/{{master}}/children").read_text().split()
    print(json.dumps({{"run": run.proc.pid, "gunicorn": master,
                      "workers": [int(w) for w in workers], "ports": [run.port,
                      int(run.env["STRIPE_EMULATOR_PORT"]), server.port]}}), flush=True)
    time.sleep(600)
""")


def _refuses(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError:
        return True
    return False


def test_servers_end_when_the_test_process_is_killed(tmp_path):
    """SIGKILL the process that started `make run` and gunicorn: both stop, gunicorn's
    workers too, and the ports are free; `make run` stopped cleanly (its record is gone)."""
    parent = subprocess.Popen([sys.executable, "-c", PARENT.format(root=str(ROOT),
                                                                   folder=str(tmp_path))],
                              cwd=ROOT, stdout=subprocess.PIPE, text=True,
                              preexec_fn=ends_with_this_process())
    try:
        started = json.loads(parent.stdout.readline())
    finally:
        parent.kill()  # SIGKILL: nothing of the parent's clean-up runs
        parent.wait()
        parent.stdout.close()
    pids = [started["run"], started["gunicorn"], *started["workers"]]
    assert len(pids) == 4
    wait_until(lambda: all(process_gone(pid) for pid in pids), 60,
               f"the children {pids} to end")
    wait_until(lambda: all(_refuses(port) for port in started["ports"]), 10, "free ports")
    assert not (tmp_path / "local-run.json").exists()


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_run_ends_when_make_is_killed(tmp_path):
    """`make run` itself: SIGKILL the `make` and the store it started stops too."""
    env = run_env(tmp_path)
    # STAMP= skips the install step: the suite already runs in the installed venv.
    command = ["make", "--no-print-directory", "run", "STAMP=",
               f"BIN={Path(sys.executable).parent}"]
    make = LocalRun(env, tmp_path / "run.log", command=command).start()
    store = json.loads(Path(env["LOCAL_RUN_FILE"]).read_text())["pid"]
    assert store != make.proc.pid
    make.proc.send_signal(signal.SIGKILL)
    make.proc.wait()
    wait_until(lambda: process_gone(store), 30, "make run's store to end")
    assert _refuses(make.port)
    assert not Path(env["LOCAL_RUN_FILE"]).exists()  # a clean stop, not a kill
    make.kill()
