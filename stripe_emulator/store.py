"""Compact, indexed object storage: what lets the emulator hold 50,000 charges cheaply.

Each stored object is kept as one small ``bytes`` blob: its compact JSON, deflated against a
per-shape dictionary (the JSON of the first object of that shape, e.g. the first charge), so
a 2.8 KB charge takes ~200 bytes. Reading decodes the blob (a few microseconds); writing
happens once per request, when the request's transaction ends (``State.transaction``):

- ``get(id)`` / ``coll[id]`` inside a transaction hands out one live dict per object and
  remembers it; handlers mutate it freely; the transaction's end re-encodes every dict handed
  out or stored (``coll[id] = obj``) and updates the indexes.
- Lists and searches walk an id list sorted by ``(created, insertion)``, or a secondary index
  (``field -> value -> ids`` for a few fields and every metadata key), newest first, and
  decode only the objects they return: a page costs the same at 50 objects or 50,000.
  Objects decoded while walking are copies; mutate only objects got with ``get``.
"""
import bisect
import json
import zlib

_SEQ_BITS = 32
_SEQ_MASK = (1 << _SEQ_BITS) - 1
_NO_DICT = 255
_WBITS = -15  # raw deflate, 32 KB window
_LEVEL = 1  # fastest: ~200 bytes a charge instead of ~140, a third of the time


def dumps(obj) -> str:
    return json.dumps(obj, separators=(",", ":"))


class Codec:
    """JSON + raw deflate with a preset dictionary per shape (first object of the shape)."""

    MAX_DICTS = 250

    def __init__(self):
        self.dicts: list[bytes] = []
        self.shapes: dict[str, int] = {}

    def clear(self):
        self.dicts.clear()
        self.shapes.clear()

    def encode_text(self, text: bytes, shape: str) -> bytes:
        idx = self.shapes.get(shape)
        if idx is None and len(self.dicts) < self.MAX_DICTS:
            idx = self.shapes[shape] = len(self.dicts)
            self.dicts.append(text[-32768:])
        if idx is None:
            comp = zlib.compressobj(_LEVEL, zlib.DEFLATED, _WBITS)
            return bytes((_NO_DICT,)) + comp.compress(text) + comp.flush()
        comp = zlib.compressobj(_LEVEL, zlib.DEFLATED, _WBITS, 8, zlib.Z_DEFAULT_STRATEGY,
                                self.dicts[idx])
        return bytes((idx,)) + comp.compress(text) + comp.flush()

    def decode_text(self, blob: bytes) -> bytes:
        idx = blob[0]
        if idx == _NO_DICT:
            return zlib.decompress(blob[1:], _WBITS)
        return zlib.decompressobj(_WBITS, self.dicts[idx]).decompress(blob[1:])

    def decode(self, blob: bytes):
        return json.loads(self.decode_text(blob))


def sort_key(created: int, seq: int) -> int:
    return (int(created) << _SEQ_BITS) | (seq & _SEQ_MASK)


def created_key(created: int) -> int:
    """The smallest sort key of anything created at ``created`` (for range bisection)."""
    return int(created) << _SEQ_BITS


class Collection:
    """One kind of object (charges, customers…) by id, in creation order, with indexes.

    ``index`` names top-level fields looked up by equality (lists' filters, search clauses);
    every metadata key is indexed too. Index keys are ``field\\0value.lower()``, the way the
    Search API compares strings; list filters check exact equality on the decoded objects.
    """

    def __init__(self, state, name, index=(), dumps_fn=dumps, shape_fn=None, on_new=None):
        self.state = state
        self.on_new = on_new  # callable(obj) once per new object, when it is first encoded
        self.name = name
        self.index_fields = tuple(index)
        self._dumps = dumps_fn
        self._shape = shape_fn or (lambda obj: f"{name}:{obj.get('object')}")
        self.clear()

    # --- plumbing -----------------------------------------------------------------------
    def clear(self):
        self._blobs: dict[str, bytes | None] = {}  # id -> blob (None: new, not yet encoded)
        self._keys: dict[str, int] = {}  # id -> sort key
        self._order: list[str] = []  # ids by ascending sort key
        self._index: dict[str, list[str]] = {}  # index key -> ids by ascending sort key
        self._touched: dict[str, tuple] = {}  # id -> (live dict, its index keys when read)
        self._seq = 0

    def _caching(self) -> bool:
        return self.state.in_transaction()

    def index_keys(self, obj) -> tuple:
        keys = []
        for field in self.index_fields:
            value = obj.get(field)
            if isinstance(value, (str, int)) and not isinstance(value, bool):
                keys.append(f"{field}\0{str(value).lower()}")
        metadata = obj.get("metadata")
        if isinstance(metadata, dict):
            keys.extend(f"metadata.{k}\0{str(v).lower()}" for k, v in metadata.items())
        return tuple(keys)

    def _insert_sorted(self, ids: list, obj_id: str):
        key = self._keys[obj_id]
        if not ids or self._keys[ids[-1]] <= key:
            ids.append(obj_id)
        else:
            ids.insert(bisect.bisect_right(ids, key, key=self._keys.__getitem__), obj_id)

    def _remove_sorted(self, ids: list, obj_id: str):
        key = self._keys[obj_id]
        i = bisect.bisect_left(ids, key, key=self._keys.__getitem__)
        while i < len(ids) and ids[i] != obj_id:
            i += 1
        if i < len(ids):
            del ids[i]

    def _reindex(self, obj_id, old: tuple, new: tuple):
        if old == new:
            return
        for key in set(old) - set(new):
            ids = self._index.get(key)
            if ids is not None:
                self._remove_sorted(ids, obj_id)
                if not ids:
                    del self._index[key]
        for key in set(new) - set(old):
            self._insert_sorted(self._index.setdefault(key, []), obj_id)

    def _encode(self, obj) -> bytes:
        return self.state.codec.encode_text(self._dumps(obj).encode(), self._shape(obj))

    def flush(self) -> list:
        """Encode every object handed out or stored since the last flush; return
        ``[(id, sort key, blob)]`` of what was written (for persistence)."""
        written = []
        touched, self._touched = self._touched, {}
        for obj_id, (obj, old_keys) in touched.items():
            if obj_id not in self._blobs:  # deleted meanwhile
                continue
            blob = self._encode(obj)
            previous = self._blobs[obj_id]
            if blob == previous:
                continue
            if previous is None and self.on_new is not None:
                self.on_new(obj)
            self._blobs[obj_id] = blob
            self._reindex(obj_id, old_keys, self.index_keys(obj))
            written.append((obj_id, self._keys[obj_id], blob))
        return written

    def load(self, obj_id: str, key: int, blob: bytes):
        """Add an already-encoded object (from a state file)."""
        self._keys[obj_id] = key
        self._seq = max(self._seq, (key & _SEQ_MASK) + 1)
        self._blobs[obj_id] = blob
        self._insert_sorted(self._order, obj_id)
        obj = self.state.codec.decode(blob)
        self._reindex(obj_id, (), self.index_keys(obj))
        if self.on_new is not None:
            self.on_new(obj)

    # --- mapping interface --------------------------------------------------------------
    def __len__(self):
        return len(self._blobs)

    def __contains__(self, obj_id):
        return isinstance(obj_id, str) and obj_id in self._blobs

    def get(self, obj_id, default=None):
        if not isinstance(obj_id, str):
            return default
        hit = self._touched.get(obj_id)
        if hit is not None:
            return hit[0]
        blob = self._blobs.get(obj_id)
        if blob is None:
            return default
        obj = self.state.codec.decode(blob)
        if self._caching():
            self._touched[obj_id] = (obj, self.index_keys(obj))
        return obj

    def __getitem__(self, obj_id):
        obj = self.get(obj_id)
        if obj is None:
            raise KeyError(obj_id)
        return obj

    def __setitem__(self, obj_id: str, obj: dict):
        if obj_id not in self._blobs:
            created = obj.get("created")
            if not isinstance(created, int):
                created = self.state.clock()
            self._keys[obj_id] = sort_key(created, self._seq)
            self._seq += 1
            self._blobs[obj_id] = None
            self._insert_sorted(self._order, obj_id)
            old = ()
        elif obj_id in self._touched:
            old = self._touched[obj_id][1]
        else:
            old = self.index_keys(self.state.codec.decode(self._blobs[obj_id]))
        self._touched[obj_id] = (obj, old)
        if not self._caching():
            self.state.write_through(self)

    def __delitem__(self, obj_id):
        if obj_id not in self._blobs:
            raise KeyError(obj_id)
        hit = self._touched.pop(obj_id, None)
        if hit is not None:
            old = hit[1]
        elif self._blobs[obj_id] is not None:
            old = self.index_keys(self.state.codec.decode(self._blobs[obj_id]))
        else:
            old = ()
        self._reindex(obj_id, old, ())
        self._remove_sorted(self._order, obj_id)
        del self._blobs[obj_id]
        del self._keys[obj_id]
        self.state.deleted(self, obj_id)

    def _peek(self, obj_id):
        """The object for reading: the live dict if handed out, else a decoded copy."""
        hit = self._touched.get(obj_id)
        if hit is not None:
            return hit[0]
        return self.state.codec.decode(self._blobs[obj_id])

    def values(self):
        """Every object, oldest first (decoded copies; a full scan: avoid on big lists)."""
        for obj_id in list(self._order):
            yield self._peek(obj_id)

    def text(self, obj_id) -> bytes:
        """The stored JSON of a committed object."""
        return self.state.codec.decode_text(self._blobs[obj_id])

    # --- ordered access -----------------------------------------------------------------
    def sort_key_of(self, obj_id):
        return self._keys.get(obj_id) if isinstance(obj_id, str) else None

    def ids(self, field=None, value=None) -> list:
        """Ids by ascending (created, insertion): all, or those whose ``field`` equals
        ``value`` case-insensitively (``field`` indexed, or ``metadata.<key>``)."""
        if field is None:
            return self._order
        return self._index.get(f"{field}\0{str(value).lower()}", [])

    def indexed(self, field) -> bool:
        return field in self.index_fields or field.startswith("metadata.")

    def bounds(self, ids: list, lo_key=None, hi_key=None, lo=0, hi=None):
        """Narrow ``ids[lo:hi]`` to sort keys in ``[lo_key, hi_key)``."""
        hi = len(ids) if hi is None else hi
        key = self._keys.__getitem__
        if lo_key is not None:
            lo = max(lo, bisect.bisect_left(ids, lo_key, lo, hi, key=key))
        if hi_key is not None:
            hi = min(hi, bisect.bisect_left(ids, hi_key, lo, hi, key=key))
        return lo, max(lo, hi)

    def walk(self, ids: list, lo: int, hi: int, match, want: int, upward=False) -> list:
        """Up to ``want`` objects of ``ids[lo:hi]`` that ``match``, newest first (or,
        ``upward``, oldest first), decoding only what it looks at."""
        out = []
        rng = range(lo, hi) if upward else range(hi - 1, lo - 1, -1)
        for i in rng:
            obj = self._peek(ids[i])
            if match is None or match(obj):
                out.append(obj)
                if len(out) >= want:
                    break
        return out
