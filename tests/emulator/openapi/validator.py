"""A small validator for Stripe's OpenAPI 3.0 response schemas (``stripe-schemas.json``).

It understands what Stripe's spec uses: ``type``, ``nullable`` (OpenAPI 3.0: null only when
``nullable: true``), ``enum``, ``maxLength``, ``properties``/``required``,
``additionalProperties`` (a schema for maps such as ``metadata``), ``anyOf``/``oneOf``
(expandable fields are ``anyOf`` of an id string and the object), ``allOf``, ``items`` and
``$ref``; ``pattern`` is matched from the start of the string, as Stripe's list ``url``
patterns (``^/v1/balance_transactions``) are written. Formats (``unix-time``) are not checked.

It is stricter than the spec in one way: an object schema that lists ``properties`` and no
``additionalProperties`` rejects keys it does not list, unless ``newer_fields`` names them
(fields Stripe added after the spec was published), each mapped to a schema to check it
against or to ``None``. A leaked internal key or a field Stripe never had is therefore a
violation too.
"""
import json
import re
from pathlib import Path

SCHEMAS_FILE = Path(__file__).with_name("stripe-schemas.json")
_PREFIX = "#/components/schemas/"
_TYPES = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
}


class Spec:
    """The pinned schemas plus the fields newer than them that the emulator may serve."""

    def __init__(self, data: dict | None = None, newer_fields: dict | None = None):
        data = data if data is not None else json.loads(SCHEMAS_FILE.read_text())
        self.version = data.get("info", {}).get("version")
        self.schemas = data["schemas"]
        self.operations = data.get("operations", {})
        self.newer_fields = {k: dict(v) for k, v in (newer_fields or {}).items()}

    def validate(self, value, schema, path="$", owner=None) -> list[str]:
        """Every violation of ``schema`` in ``value`` as ``"path: message"`` strings."""
        if "$ref" in schema:
            name = schema["$ref"][len(_PREFIX):]
            return self.validate(value, self.schemas[name], path, owner=name)
        if "x-not-served" in schema:
            return [f"{path}: an expanded {schema['x-not-served']} (never served as an object)"]
        if value is None:
            return [] if schema.get("nullable") else [f"{path}: null is not allowed"]
        for key in ("anyOf", "oneOf"):
            if key in schema:
                return self._any(value, schema[key], path, owner)
        errors = []
        for part in schema.get("allOf", ()):
            errors += self.validate(value, part, path, owner)
        kind = schema.get("type")
        if kind and not _TYPES[kind](value):
            return errors + [f"{path}: expected {kind}, got {type(value).__name__} "
                             f"{json.dumps(value)[:60]}"]
        if "enum" in schema and value not in schema["enum"]:
            errors.append(f"{path}: {value!r} is not one of {schema['enum']}")
        if isinstance(value, str) and len(value) > schema.get("maxLength", len(value)):
            errors.append(f"{path}: longer than {schema['maxLength']}")
        if isinstance(value, str) and "pattern" in schema and \
                not re.search(schema["pattern"], value):
            errors.append(f"{path}: {value!r} does not match {schema['pattern']}")
        if isinstance(value, list) and "items" in schema:
            for i, item in enumerate(value):
                errors += self.validate(item, schema["items"], f"{path}[{i}]", owner)
        if isinstance(value, dict):
            errors += self._object(value, schema, path, owner)
        return errors

    def _any(self, value, alternatives, path, owner):
        """Valid if one alternative is; else report the closest alternative of the right
        type (an expanded object's own errors, not "expected string")."""
        best = None
        for alt in alternatives:
            errors = self.validate(value, alt, path, owner)
            if not errors:
                return []
            wrong_type = len(errors) == 1 and errors[0].startswith(f"{path}: expected ")
            key = (wrong_type, len(errors))
            if best is None or key < best[0]:
                best = (key, errors)
        return best[1] if best else [f"{path}: matches no alternative"]

    def _object(self, value, schema, path, owner):
        errors = []
        props = schema.get("properties")
        for name in schema.get("required", ()):
            if name not in value:
                errors.append(f"{path}: required field {name!r} is missing")
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            where = f"{path}.{key}"
            if props is not None and key in props:
                errors += self.validate(item, props[key], where,
                                        f"{owner}.{key}" if owner else None)
            elif isinstance(extra, dict):
                errors += self.validate(item, extra, where)
            elif key in self.newer_fields.get(owner, ()) and extra is None:
                newer = self.newer_fields[owner][key]
                errors += self.validate(item, newer, where) if newer is not None else []
            elif extra is False or props is not None:
                errors.append(f"{where}: not a field of {owner or 'this object'}")
        return errors

    def check(self, value, name: str) -> list[str]:
        """Validate against component schema ``name`` (``charge``, ``error``…)."""
        return self.validate(value, {"$ref": _PREFIX + name})

    def check_operation(self, value, operation: str) -> list[str]:
        """Validate a 200 answer against the spec's schema for ``"GET /v1/charges"``…"""
        return self.validate(value, self.operations[operation])
