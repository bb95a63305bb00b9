"""`make run` stops on Ctrl-C or `kill` without a traceback and starts again at once,
any number of times (issue 15, item 2): its port check ignores connections left in
TIME_WAIT by the run that just stopped, as every server does, but still refuses a port
another program listens on."""

import signal
import subprocess
import sys

import pytest

from scripts.lifetime import ends_with_this_process
from tests.local_run import ROOT, RUN_LOCAL, Browser, LocalRun, refused, run_env


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "kill"])
def test_stop_after_a_purchase_and_start_again_at_once(tmp_path, sig):
    """Three rounds of: start, buy a course in a browser that keeps its connections open,
    stop (a second signal lands in the clean-up, as an impatient second Ctrl-C does),
    start again right after the exit. Every start is accepted at the first try and no
    stop prints a traceback; every receipt still opens after the restarts."""
    env = run_env(tmp_path)
    receipts, browsers = [], []
    run = None
    try:
        for round_ in range(3):
            run = LocalRun(env, tmp_path / "run.log").start()
            browser = Browser(run)
            browsers.append(browser)
            receipts.append(browser.buy(f"buyer{round_}@example.com"))
            run.proc.send_signal(sig)
            run.proc.send_signal(sig)
            assert run.stop(sig) == 0
            output = run.output()
            assert "Traceback" not in output and "KeyboardInterrupt" not in output, output
            assert "already in use" not in output
        run = LocalRun(env, tmp_path / "run.log").start()  # the fourth start, at once
        for url in receipts:
            assert Browser(run).store.get(url, timeout=30).status_code == 200
    finally:
        for browser in browsers:
            browser.close()
        if run is not None:
            run.stop()


def test_a_stop_during_start_up_prints_no_traceback(tmp_path):
    """`kill` while `make run` is still setting up (emulator started, database being
    upgraded) ends it cleanly too."""
    proc = subprocess.Popen(RUN_LOCAL, cwd=ROOT, env=run_env(tmp_path),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            preexec_fn=ends_with_this_process())
    first = proc.stdout.readline()
    assert "Offline Stripe emulator on" in first
    proc.send_signal(signal.SIGTERM)
    rest = proc.communicate(timeout=60)[0]
    assert proc.returncode == 0
    assert "Traceback" not in rest and "KeyboardInterrupt" not in rest, rest


_LISTENER = """
import socket, sys
sock = socket.socket()
sock.bind((sys.argv[1], int(sys.argv[2])))
sock.listen()
print("listening", flush=True)
sys.stdin.read()
"""


@pytest.mark.parametrize("address", ["127.0.0.1", "0.0.0.0"])
@pytest.mark.parametrize("setting", ["PORT", "STRIPE_EMULATOR_PORT"])
def test_a_port_another_program_listens_on_is_still_refused(tmp_path, setting, address):
    """The check must not lose what it is for: a port held by another process (without
    SO_REUSEADDR, on the same or the wildcard address) stops `make run` in one line."""
    env = run_env(tmp_path)
    port = env[setting]
    holder = subprocess.Popen([sys.executable, "-c", _LISTENER, address, port],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                              preexec_fn=ends_with_this_process())
    try:
        assert holder.stdout.readline() == "listening\n"
        result = refused(env)
    finally:
        holder.communicate("", timeout=10)
    assert result.returncode == 2 and result.stdout == "", result.stdout
    assert result.stderr == (
        f"Cannot start: Port {port} on 127.0.0.1 is already in use (another `make run`?). "
        f"Stop that program or set {setting} to a free port, e.g. "
        f"{setting}={int(port) + 1} make run\n")
