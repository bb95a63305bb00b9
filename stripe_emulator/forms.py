"""Decode stripe-python's form encoding (``metadata[k]=v``, ``expand[0]=x``, ``expand[]=x``)."""
import re
from urllib.parse import parse_qsl

from .errors import invalid

_KEY = re.compile(r"\[([^\]]*)\]")


def decode(text: str) -> dict:
    """Turn a query string or form body into nested dicts and lists."""
    out: dict = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        head, bracket, rest = key.partition("[")
        parts = [head] + (_KEY.findall(bracket + rest) if bracket else [])
        _assign(out, parts, value)
    return {k: (_listify(v) if k != "metadata" else v) for k, v in out.items()}


def _assign(node, parts, value):
    for i, part in enumerate(parts[:-1]):
        nxt = parts[i + 1]
        if part == "" and isinstance(node, list):
            child = [] if nxt == "" else {}
            node.append(child)
            node = child
            continue
        if isinstance(node, list):  # ``a[]=x&a[k]=y``: one name used as array and hash
            raise invalid("Invalid array", param=parts[0])
        child = node.get(part)
        if child is None or not isinstance(child, (dict, list)):
            child = [] if nxt == "" else {}
            node[part] = child
        node = child
    last = parts[-1]
    if isinstance(node, list):
        node.append(value)
    elif last == "" and isinstance(node, dict):
        node.setdefault("", []).append(value)
    else:
        node[last] = value


def _listify(value):
    """Dicts keyed "0", "1", … become lists (indexed list encoding)."""
    if isinstance(value, list):
        return [_listify(v) for v in value]
    if not isinstance(value, dict):
        return value
    if value and all(k.isdigit() for k in value):
        return [_listify(value[k]) for k in sorted(value, key=int)]
    return {k: (_listify(v) if k != "metadata" else v) for k, v in value.items()}
