"""How many bytes an emulator's state holds (for the scale benchmark and its tests)."""
import sys
import threading
import types

_SKIP = (type, types.FunctionType, types.MethodType, types.BuiltinFunctionType,
         types.ModuleType, type(threading.Lock()), type(threading.RLock()),
         threading.Condition, threading.Thread)


def deep_size(root) -> int:
    """Bytes of every object reachable from ``root`` through containers and the emulator's
    own objects, each counted once; functions, locks, classes and modules are not followed."""
    seen, total, stack = set(), 0, [root]
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, _SKIP):
            continue
        seen.add(id(obj))
        total += sys.getsizeof(obj)
        if isinstance(obj, dict):
            stack.extend(obj.keys())
            stack.extend(obj.values())
        elif isinstance(obj, (list, tuple, set, frozenset)):
            stack.extend(obj)
        elif hasattr(obj, "__dict__") and type(obj).__module__.startswith("stripe_emulator"):
            stack.append(vars(obj))
    return total


def state_bytes(server) -> int:
    """What an ``EmulatorServer``'s account state and idempotency answers hold."""
    with server.state.lock:
        return deep_size([server.state, server.idempotency])
