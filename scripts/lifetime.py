"""Processes that end with their parent, so that a test run or a `make` killed half-way
(even by SIGKILL, which runs no clean-up) leaves no server or emulator behind.

    subprocess.Popen(command, preexec_fn=ends_with_this_process())   # in the parent
    end_with_parent()                                                # in a child itself

On Linux the kernel sends the child SIGTERM (a clean stop: `make run` removes its record,
gunicorn stops its workers) when its parent ends, through prctl(PR_SET_PDEATHSIG). It
fires when the *thread* that started the child ends, so start children from a thread that
lives as long as they should (pytest's main thread does). Elsewhere nothing is done.
"""

import ctypes
import functools
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def _load_prctl():
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


# Looked up once in the parent: the function a forked child calls must not load anything.
_prctl = _load_prctl()


def _arm(parent, sig):
    if _prctl is None:
        return
    _prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
    if os.getppid() != parent:  # the parent ended before the request took effect
        os.kill(os.getpid(), sig)


def end_with_parent(sig=signal.SIGTERM):
    """Have the kernel send `sig` to this process when its parent process ends."""
    _arm(os.getppid(), sig)


def ends_with_this_process(sig=signal.SIGTERM):
    """A `preexec_fn` for subprocess: the child gets `sig` when this process ends."""
    return functools.partial(_arm, os.getpid(), sig)
