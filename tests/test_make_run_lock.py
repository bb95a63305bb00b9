"""One `make run` per database and emulator state file (issue 22): a second one in the
same checkout refuses in one line; a crashed one does not block the next (the lock is an
flock, dropped by the kernel); an unreadable state file says what to do under `make run`."""

import json
import signal
import sqlite3
from pathlib import Path

from tests.local_run import LocalRun, free_port, refused, run_env


def _other_ports(env, **extra):
    return {**env, "PORT": str(free_port()), "STRIPE_EMULATOR_PORT": str(free_port()),
            **extra}


def test_a_second_run_sharing_the_emulator_state_refuses(tmp_path):
    """Its own database but the first one's emulator state file: refused too, naming it."""
    first = LocalRun(run_env(tmp_path), tmp_path / "run.log").start()
    try:
        second = refused(_other_ports(first.env, DATABASE_URL=f"sqlite:///{tmp_path}/b.db"))
        assert second.returncode == 2 and second.stdout == ""
        assert second.stderr == (
            f"Cannot start: the emulator state file {first.env['STRIPE_EMULATOR_STATE_FILE']} "
            f"is in use by another `make run` (pid {first.proc.pid}, {first.url}). Stop that "
            "one first (Ctrl-C in its terminal), or give this one its own DATABASE_URL and "
            "STRIPE_EMULATOR_STATE_FILE (lock: "
            f"{first.env['STRIPE_EMULATOR_STATE_FILE']}.lock).\n")
        assert not (tmp_path / "b.db").exists()  # refused before touching anything
    finally:
        assert first.stop() == 0


def test_a_crashed_run_does_not_block_the_next(tmp_path):
    """SIGKILL leaves the lock file and the record behind, but not the lock: the next
    run starts, on other ports too, and the record then points at it."""
    env = run_env(tmp_path)
    crashed = LocalRun(env, tmp_path / "run.log").start()
    crashed.proc.send_signal(signal.SIGKILL)
    crashed.proc.wait()
    crashed.kill()
    assert Path(f"{env['STRIPE_EMULATOR_STATE_FILE']}.lock").exists()
    assert json.loads(Path(env["LOCAL_RUN_FILE"]).read_text())["pid"] == crashed.proc.pid
    env = _other_ports(env)
    run = LocalRun(env, tmp_path / "run.log").start()
    try:
        record = json.loads(Path(env["LOCAL_RUN_FILE"]).read_text())
        assert record["pid"] == run.proc.pid and record["api_base"] == run.emulator_url
    finally:
        assert run.stop() == 0


def test_a_corrupt_state_file_says_what_to_do_under_make_run(tmp_path):
    """Not "start with --reset" (make run takes no options): delete the file, or point
    STRIPE_EMULATOR_STATE_FILE elsewhere. Doing what it says starts the run."""
    env = run_env(tmp_path)
    state = Path(env["STRIPE_EMULATOR_STATE_FILE"])
    state.write_bytes(b"not a database at all" * 100)
    result = refused(env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and "--reset" not in result.stderr
    assert result.stderr.startswith(f"Cannot start: emulator state: {state} is not an "
                                    "emulator state file (file is not a database). ")
    assert (f"Delete {state} to start the emulator empty (orders paid before can then no "
            "longer be refunded locally), or set STRIPE_EMULATOR_STATE_FILE to another "
            "file.") in result.stderr
    state.unlink()
    run = LocalRun(env, tmp_path / "run.log").start()
    assert run.stop() == 0


def test_a_state_file_that_is_another_programs_database_is_not_to_be_deleted(tmp_path):
    """An SQLite file of something else (say, the store's own database by mistake): the
    message only says to choose another file."""
    other = tmp_path / "precious.sqlite3"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE orders (id INTEGER)")
    result = refused(run_env(tmp_path, STRIPE_EMULATOR_STATE_FILE=str(other)))
    assert result.returncode == 2
    assert result.stderr == (f"Cannot start: emulator state: {other} is an SQLite file of "
                             "something else. Set STRIPE_EMULATOR_STATE_FILE to another "
                             "file.\n")
    assert other.exists()
