"""Read scenario files, merge them (master → tier → project → ``--set``), validate into a :class:`Scenario`.

Every value the merge places is recorded with its origin, so the resolved scenario can say where each of its
values came from (``scenario.provenance``), which locked fields of the master agreement a project changes
(``scenario.renegotiation``), and which file to blame when a value is bad (``ScenarioError.source``).

The merge is schema-aware: sections (``[sla]``, ``[rate_card.roles.team_leader]``) merge key by key, while
a list or a distribution table (``{kind = "lognormal", mean = 300, cv = 0.8}``) given in a file replaces the
earlier one whole. A ``--set`` whose path reaches into a distribution (``--set patience.mean=200``) changes
only that key; one that changes the ``kind`` also drops the keys the new kind does not have.
"""

from __future__ import annotations

import copy
import datetime
import hashlib
import math
import os
import re
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, TypeAdapter, ValidationError

from simulator.errors import ScenarioError, format_value
from simulator.scenario.model import Scenario
from simulator.scenario.schema import (
    DistNode,
    LeafNode,
    MapNode,
    ModelNode,
    Node,
    Part,
    allowed_keys,
    child,
    field_node,
    format_path,
    is_prefix,
    split_path,
    suggestion,
)

__all__ = [
    "EMBEDDED_PREFIX",
    "default_scenario_path",
    "load_scenario",
    "parse_override",
    "resolved_items",
]

EMBEDDED_PREFIX = "<embedded>"
"""How files shipped inside the package are named in messages and provenance (never a machine path)."""

ROOT = ModelNode(Scenario)
PROJECT_ONLY_KEYS = ("msa", "msa_sha256")
MASTER_ONLY_KEYS = ("locked",)
_TOP_LEVEL_KEYS = ("name", "tier", *PROJECT_ONLY_KEYS, *MASTER_ONLY_KEYS)
_MISSING: Any = object()
_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")
_MESSAGE_PATH = re.compile(r"^([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*): (.+)$", re.DOTALL)

Path_ = tuple[str, ...]


# -- origins and assignments ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Origin:
    """Where a value came from. ``source`` is what an error names; ``label`` is the provenance text."""

    source: str
    label: str
    keyed: bool = False  # append the key path to the label ("<file>: <key path>")

    def display(self, path: str) -> str:
        return f"{self.label}: {path}" if self.keyed else self.label


def _file_origin(label: str) -> Origin:
    return Origin(label, label, keyed=True)


@dataclass(frozen=True)
class Assignment:
    """Put ``value`` at ``path`` (replacing what was there, including a whole distribution table)."""

    path: Path_
    value: Any
    origin: Origin


@dataclass(frozen=True)
class Layer:
    role: str  # "implicit", "master", "project" or "override"
    assignments: tuple[Assignment, ...]


@dataclass(frozen=True)
class Resolution:
    """Everything needed to resolve a scenario again with more changes on top (``Scenario.with_changes``)."""

    layers: tuple[Layer, ...]
    locked: tuple[Path_, ...] = ()
    master_label: str | None = None
    fallback: str = "code"  # the source named when nothing more specific is known
    source_path: Path | None = None

    def with_layer(self, layer: Layer) -> Resolution:
        return replace(self, layers=(*self.layers, layer))


# -- files ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _FileRef:
    """A scenario file on disk or in the package data; ``label`` is how messages name it."""

    label: str
    path: Path | None = None
    resource: tuple[str, ...] | None = None  # parts under simulator/data

    def sibling(self, relative: str) -> _FileRef:
        """The file ``relative`` names, relative to this file's folder."""
        if self.resource is not None:
            steps = [p for p in relative.replace("\\", "/").split("/") if p not in ("", ".")]
            parts = [*self.resource[:-1], *steps]
            return _FileRef(f"{EMBEDDED_PREFIX}/{'/'.join(parts)}", resource=tuple(parts))
        assert self.path is not None
        label = os.path.normpath(os.path.join(os.path.dirname(self.label), relative))
        return _FileRef(label, path=self.path.parent / relative)

    def same_file(self, other: _FileRef) -> bool:
        if self.resource is not None or other.resource is not None:
            return self.resource == other.resource
        assert self.path is not None and other.path is not None
        try:
            return self.path.resolve() == other.path.resolve()
        except OSError:  # pragma: no cover - unresolvable paths are not the same file
            return False

    def read(self) -> bytes:
        """The file's bytes; raises ``_Unreadable`` with a short reason."""
        if self.resource is not None:
            if ".." in self.resource:
                raise _Unreadable("file not found")
            node = resources.files("simulator").joinpath("data")
            for part in self.resource:
                node = node.joinpath(part)
            if node.is_dir():
                raise _Unreadable("is a directory, not a file")
            if not node.is_file():
                raise _Unreadable("file not found")
            return node.read_bytes()
        assert self.path is not None
        if self.path.is_dir():
            raise _Unreadable("is a directory, not a file")
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            raise _Unreadable("file not found") from None
        except PermissionError:
            raise _Unreadable("file is not readable (permission denied)") from None
        except OSError as exc:
            raise _Unreadable(f"cannot read the file ({exc.strerror or exc})") from None


class _Unreadable(Exception):
    pass


def default_scenario_path() -> Path:
    """Where the embedded default scenario (a copy of ``scenarios/retail_support.toml``) is installed.

    Found with :mod:`importlib.resources`, so it works from a source checkout and after ``pip install .``.
    """
    return Path(str(resources.files("simulator").joinpath("data").joinpath("default.toml")))


def _parse_toml(data: bytes, label: str) -> dict[str, Any]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"not UTF-8 text (byte {exc.start})", source=label) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"invalid TOML: {exc}", source=label) from None


# -- paths and overrides -------------------------------------------------------------------------------------


def node_at(path: Sequence[Part], state: Mapping[str, Any] | None = None) -> Node | None:
    """The schema node at ``path`` (None off the schema); ``state`` supplies the distribution kinds."""
    node: Node | None = ROOT
    current: Any = state
    for part in path:
        if node is None:
            return None
        kind = current.get("kind") if isinstance(node, DistNode) and isinstance(current, dict) else None
        node = child(node, part, kind if isinstance(kind, str) else None)
        current = current.get(part) if isinstance(current, dict) else None
    return node


def check_path(text: str, *, source: str, field_label: str | None = None) -> Path_:
    """Parse a dotted field path and check it against the schema; raise ``ScenarioError`` if it is not one."""
    shown = field_label or text
    if "[" in text or "]" in text:
        raise ScenarioError("list entries cannot be set one by one: give the whole list, e.g. "
                            "demand.profile=[0.5, 1, ...]", source=source, field=shown)
    parts = split_path(text)
    if not all(parts):
        raise ScenarioError("is not a field path (write keys separated by dots, e.g. sla.service_level)",
                            source=source, field=shown, value=text)
    node: Node = ROOT
    for i, part in enumerate(parts):
        nxt = child(node, part)
        if nxt is None:
            where = format_path(parts[: i + 1])
            if isinstance(node, LeafNode):
                message = f"{format_path(parts[:i])} is a value, it has no key {part!r}"
            else:
                choices = allowed_keys(node)
                message = "unknown key" + (suggestion(part, choices) or _choice_list(choices))
            raise ScenarioError(message, source=source, field=where if field_label is None else shown)
        node = nxt
    return parts


def _choice_list(choices: Sequence[str]) -> str:
    return f"; valid keys: {', '.join(choices)}" if choices else ""


def _parse_value(raw: str) -> Any:
    """A ``--set`` value: a TOML value if it parses as one, else the bare string."""
    text = raw.strip()
    try:
        parsed = tomllib.loads(f"v = {text}\n")
    except tomllib.TOMLDecodeError:
        return text
    value = parsed.get("v", text)
    if len(parsed) != 1 or isinstance(value, datetime.date | datetime.time):
        return text  # '07:00:00' is a TOML time; keep clock times as the strings the schema wants
    return value


def parse_override(text: str) -> tuple[str, Any]:
    """Parse one ``--set KEY.PATH=VALUE``.

    The value is read as a TOML value (``0.9``, ``true``, ``"07:00"``, ``[1, 2]``,
    ``{kind="exponential", mean=200}``), falling back to the bare string (``07:00``, ``lognormal``). The
    path is checked against the schema.

    Returns
    -------
    tuple of (str, Any)
        The dotted field path and the parsed value.

    Raises
    ------
    ScenarioError
        With source ``--set`` when there is no ``=`` or the path is not a field of the schema.
    """
    if "=" not in text:
        raise ScenarioError("expected KEY=VALUE, e.g. --set sla.service_level=0.9", source="--set",
                            value=text)
    key, raw = text.split("=", 1)
    key = key.strip()
    if not key:
        raise ScenarioError("expected KEY=VALUE: the key before '=' is missing", source="--set", value=text)
    check_path(key, source="--set")
    return key, _parse_value(raw)


# -- building layers -----------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A deep copy of ``value`` as TOML-like data: dicts, lists, str, int, float, bool, None."""
    if isinstance(value, BaseModel):
        return value.model_dump()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return copy.deepcopy(value)


def _units(path: Path_, value: Any, node: Node | None, origin: Origin) -> list[Assignment]:
    """Split a table into assignments: recurse through sections, stop at values and distribution tables."""
    if isinstance(value, Mapping) and isinstance(node, ModelNode | MapNode):
        out: list[Assignment] = []
        for key, sub in value.items():
            out.extend(_units((*path, str(key)), sub, child(node, str(key)), origin))
        return out
    return [Assignment(path, _plain(value), origin)]


def _file_layer(role: str, doc: Mapping[str, Any], label: str) -> Layer:
    return Layer(role, tuple(_units((), doc, ROOT, _file_origin(label))))


def _override_layer(changes: Mapping[str, Any], *, origin: Origin) -> Layer:
    units: list[Assignment] = []
    for key, value in changes.items():
        path = check_path(key, source=origin.source)
        units.extend(_units(path, value, node_at(path), origin))
    return Layer("override", tuple(units))


# -- merging -------------------------------------------------------------------------------------------------


class _State:
    """The merged document and, for each leaf path placed so far, its origin (in order of placement)."""

    def __init__(self) -> None:
        self.doc: dict[str, Any] = {}
        self.origins: dict[Path_, Origin] = {}

    def drop(self, prefix: Path_) -> None:
        for key in [k for k in self.origins if is_prefix(prefix, k)]:
            del self.origins[key]

    def apply(self, assignment: Assignment) -> None:
        path = assignment.path
        node: Node | None = ROOT
        current = self.doc
        for i, key in enumerate(path[:-1]):
            kind = current.get("kind") if isinstance(node, DistNode) else None
            node = child(node, key, kind if isinstance(kind, str) else None) if node is not None else None
            nxt = current.get(key)
            if not isinstance(nxt, dict):
                nxt = {}
                current[key] = nxt
                self.drop(path[: i + 1])
            current = nxt
        last = path[-1]
        value = _plain(assignment.value)
        target = child(node, last) if node is not None else None
        if value == "none" and target is not None and target.optional:
            value = None  # TOML has no null: "none" clears an optional field
        if isinstance(node, DistNode) and last == "kind" and isinstance(value, str) and node.model(value):
            keep = node.keys(value)
            for key in [k for k in current if k not in keep]:
                del current[key]
                self.drop((*path[:-1], key))
        current[last] = value
        self.drop(path)
        for leaf in _leaf_paths(value, path):
            self.origins[leaf] = assignment.origin

    def latest_source(self, paths: Sequence[Sequence[Part]], fallback: str) -> str:
        """The source of whichever of ``paths`` was placed last (the likeliest culprit of a conflict)."""
        order = {key: i for i, key in enumerate(self.origins)}
        best, source = -1, None
        for path in paths:
            key = tuple(str(p) for p in path if not isinstance(p, int))
            rank = max((i for k, i in order.items() if is_prefix(key, k)), default=-1)
            if rank > best:
                best, source = rank, self.origins[list(self.origins)[rank]].source
        return source if source is not None else self.source_for(paths[0], fallback)

    def source_for(self, path: Sequence[Part], fallback: str) -> str:
        """The source to blame for ``path``: its own origin, else the latest value placed under it, else the
        nearest enclosing value's, else ``fallback``."""
        key = tuple(str(p) for p in path if not isinstance(p, int))
        if key in self.origins:
            return self.origins[key].source
        under = [o for k, o in self.origins.items() if is_prefix(key, k)]
        if under:
            return under[-1].source
        for n in range(len(key) - 1, 0, -1):
            if key[:n] in self.origins:
                return self.origins[key[:n]].source
        return fallback


def _leaf_paths(value: Any, path: Path_) -> Iterator[Path_]:
    if isinstance(value, dict) and value:
        for key, sub in value.items():
            yield from _leaf_paths(sub, (*path, key))
    else:
        yield path


def _leaves(value: Any, path: Path_ = ()) -> dict[Path_, Any]:
    return {p: _get(value, p[len(path):]) for p in _leaf_paths(value, path)}


def _get(doc: Any, path: Sequence[Part]) -> Any:
    for part in path:
        in_dict = isinstance(doc, dict) and part in doc
        in_list = isinstance(doc, list | tuple) and isinstance(part, int) and -len(doc) <= part < len(doc)
        if not (in_dict or in_list):
            return _MISSING
        doc = doc[part]
    return doc


def _tuples(value: Any) -> Any:
    """Lists become tuples: the models' list fields are tuples, and validation is strict."""
    if isinstance(value, dict):
        return {k: _tuples(v) for k, v in value.items()}
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value


# -- checks before pydantic ----------------------------------------------------------------------------------


class _Checker:
    """Unknown keys (with a suggestion), distribution kinds and non-finite numbers, blaming the right file."""

    def __init__(self, state: _State, fallback: str, root_extra: Sequence[str] = ()) -> None:
        self.state = state
        self.fallback = fallback
        self.root_extra = tuple(root_extra)

    def error(self, path: Sequence[Part], message: str, value: Any = _MISSING) -> ScenarioError:
        return ScenarioError(message, source=self.state.source_for(path, self.fallback),
                             field=format_path(path), value=None if value is _MISSING else value,
                             has_value=value is not _MISSING)

    def run(self) -> None:
        self.check(self.state.doc, ROOT, ())

    def check(self, value: Any, node: Node, path: Path_) -> None:
        if value is None:
            return
        if isinstance(node, ModelNode | MapNode):
            if not isinstance(value, dict):
                return  # pydantic says "must be a table"
            for key, sub in value.items():
                nxt = child(node, key)
                if nxt is None:
                    shown = sub if not isinstance(sub, dict | list) else _MISSING
                    if path and key in _TOP_LEVEL_KEYS:  # a top-level key written after a [table] header
                        raise self.error((*path, key), f"unknown key: {key} belongs at the top of the file, "
                                         "before the first [table]", shown)
                    choices = allowed_keys(node) + (self.root_extra if not path else ())
                    what = "unknown key" if not isinstance(node, MapNode) else f"unknown {path[-1]} entry"
                    raise self.error((*path, key), what + (suggestion(key, choices) or _choice_list(choices)),
                                     shown)
                self.check(sub, nxt, (*path, key))
        elif isinstance(node, DistNode):
            if not isinstance(value, dict):
                return
            kinds = node.kind_names
            kind = value.get("kind")
            if kind is None:
                raise self.error(path, f"a distribution needs a kind: one of {', '.join(kinds)}")
            if not isinstance(kind, str) or kind not in kinds:
                hint = suggestion(kind, kinds) if isinstance(kind, str) else ""
                raise self.error((*path, "kind"),
                                 f"unknown distribution kind; valid kinds: {', '.join(kinds)}{hint}", kind)
            for key, sub in value.items():
                nxt = child(node, key, kind)
                if nxt is None:
                    keys = node.keys(kind)
                    article = "an" if kind[0] in "aeiou" else "a"
                    raise self.error((*path, key), f"unknown key for {article} {kind} distribution"
                                     + (suggestion(key, keys) or f"; its keys are {', '.join(keys)}"),
                                     sub if not isinstance(sub, dict | list) else _MISSING)
                self.check(sub, nxt, (*path, key))
        else:
            items = value if isinstance(value, list) else [value]
            for i, item in enumerate(items):
                if isinstance(item, float) and not math.isfinite(item):
                    where: tuple[Part, ...] = (*path, i) if isinstance(value, list) else path
                    raise self.error(where, "must be a finite number", item)


# -- pydantic errors → ScenarioError -------------------------------------------------------------------------

_TYPE_MESSAGES = {
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "finite_number": "must be a finite number",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_type": "must be a string (in quotes)",
    "tuple_type": "must be a list",
    "list_type": "must be a list",
    "dict_type": "must be a table",
    "model_type": "must be a table",
    "model_attributes_type": "must be a table",
}
_BOUNDS = {"greater_than": ("gt", ">"), "greater_than_equal": ("ge", ">="), "less_than": ("lt", "<"),
           "less_than_equal": ("le", "<=")}


def _loc_to_path(loc: Sequence[Any]) -> tuple[tuple[Part, ...], Node | None]:
    """pydantic's location → a field path, dropping the distribution kind that tagged unions insert."""
    node: Node | None = ROOT
    parts: list[Part] = []
    for element in loc:
        if element == "[key]":
            continue
        if isinstance(node, DistNode) and isinstance(element, str) and element in node.kind_names:
            cls = node.model(element)
            node = ModelNode(cls) if cls is not None else None
            continue
        parts.append(element)
        node = child(node, element) if node is not None and isinstance(element, str) else None
    return tuple(parts), node


def _refine(parts: tuple[Part, ...], node: Node | None,
            message: str) -> tuple[tuple[Part, ...], str, list[tuple[Part, ...]]]:
    """Point a model-level error at the most specific field its message names.

    Returns the path, the message (without a leading path) and every field the message names (the value to
    blame may be any of them: "close (08:00) must be after open (09:00)").
    """
    match = _MESSAGE_PATH.match(message)
    if match:
        relative = split_path(match.group(1))
        if node is not None and _walks(node, relative):
            path = (*parts, *relative)
            return path, match.group(2), [path]
    keys = allowed_keys(node) if isinstance(node, ModelNode | DistNode) else ()
    found = sorted((m.start(), key) for key in keys
                   for m in [re.search(rf"\b{re.escape(key)}\b", message)] if m)
    if found:
        key = found[0][1]
        stripped = re.sub(rf"^{re.escape(key)} (?=(must|is|are)\b)", "", message)
        return (*parts, key), stripped, [(*parts, k) for _, k in found]
    return parts, message, [parts]


def _walks(node: Node, relative: Sequence[str]) -> bool:
    current: Node | None = node
    for part in relative:
        current = child(current, part) if current is not None else None
    return current is not None


def _from_validation(exc: ValidationError, state: _State, fallback: str) -> ScenarioError:
    err = exc.errors(include_url=False)[0]
    kind = err["type"]
    ctx = err.get("ctx") or {}
    parts, node = _loc_to_path(err["loc"])
    blame = [parts]
    value: Any = err.get("input")
    has_value = True
    if kind == "missing":
        message, has_value = "is required", False
        if len(parts) > 1:
            blame = [parts[:-1]]  # the table that lacks the key
        if parts == ("demand",):
            message += " (a [demand] table with calls_per_day and profile, or calls_per_interval)"
    elif kind in _BOUNDS:
        name, op = _BOUNDS[kind]
        message = f"must be {op} {ctx.get(name):g}" if isinstance(ctx.get(name), int | float) else err["msg"]
    elif kind == "literal_error":
        choices = node.choices if isinstance(node, LeafNode) else None
        if choices:
            message = "must be one of " + ", ".join(repr(c) for c in choices)
            message += suggestion(value, [str(c) for c in choices]) if isinstance(value, str) else ""
        else:
            message = f"must be one of {ctx.get('expected', '?')}"
    elif kind in ("value_error", "assertion_error"):
        message = str(ctx.get("error", err["msg"]))
        parts, message, named = _refine(parts, node, message)
        blame = named
        value = _get(state.doc, parts)
        has_value = value is not _MISSING and not isinstance(value, dict) and "got " not in message
    elif kind == "union_tag_not_found" and isinstance(node, DistNode):
        message, has_value = f"a distribution needs a kind: one of {', '.join(node.kind_names)}", False
    elif kind == "extra_forbidden":  # normally caught earlier by _Checker
        parent = node_at(parts[:-1], state.doc)
        choices = allowed_keys(parent) if parent is not None else ()
        message, has_value = "unknown key" + suggestion(str(parts[-1]), choices), False
    elif kind == "too_short":
        minimum = ctx.get("min_length", 1)
        message = "must not be empty" if minimum == 1 else f"needs at least {minimum} entries"
    elif kind == "too_long":
        message = f"has more than {ctx.get('max_length')} entries"
    elif kind == "string_pattern_mismatch":
        pattern = ctx.get("pattern", "")
        message = ("must be a three-letter currency code such as 'USD'" if pattern == r"^[A-Z]{3}$"
                   else f"must match the pattern {pattern}")
    elif kind in _TYPE_MESSAGES:
        message = _TYPE_MESSAGES[kind]
        if kind == "string_type" and isinstance(value, datetime.time):
            message = 'must be a clock time in quotes, e.g. "08:00"'
            value = value.strftime("%H:%M")
    else:
        text = err["msg"]
        message = text[:1].lower() + text[1:]
    if isinstance(value, dict | list | tuple) and kind not in ("value_error", "assertion_error", "too_short"):
        has_value = has_value and len(format_value(value)) <= 80
    return ScenarioError(message, source=state.latest_source(blame, fallback),
                         field=format_path(parts) or None, value=value if has_value else None,
                         has_value=has_value)


# -- resolution ----------------------------------------------------------------------------------------------


def resolve(resolution: Resolution) -> Scenario:
    """Merge the layers, apply the chosen tier, validate, and attach provenance and renegotiation."""
    first = _State()
    for layer in resolution.layers:
        for assignment in layer.assignments:
            first.apply(assignment)
    _Checker(first, resolution.fallback, PROJECT_ONLY_KEYS).run()
    tier_layer = _tier_layer(first, resolution)

    state = _State()
    baseline = _State()  # what the master agreement (with the chosen tier) says on its own
    for layer in _with_tier(resolution.layers, tier_layer):
        for assignment in layer.assignments:
            state.apply(assignment)
            if layer.role in ("master", "tier"):
                baseline.apply(assignment)
    try:
        scenario = Scenario.model_validate(_tuples(state.doc), strict=True)
    except ValidationError as exc:
        raise _from_validation(exc, state, resolution.fallback) from None

    final = scenario.model_dump()
    provenance = {format_path(p): state.origins[p].display(format_path(p)) if p in state.origins
                  else "default" for p in _leaves(final)}
    renegotiation, warnings = _renegotiation(final, baseline, state, resolution)
    scenario._provenance = provenance
    scenario._renegotiation = tuple(renegotiation)
    scenario._warnings = tuple(warnings)
    scenario._source_path = resolution.source_path
    scenario._resolution = resolution
    return scenario


def _with_tier(layers: Sequence[Layer], tier_layer: Layer | None) -> list[Layer]:
    if tier_layer is None:
        return list(layers)
    roles = ("implicit", "master")
    position = max((i + 1 for i, layer in enumerate(layers) if layer.role in roles), default=0)
    return [*layers[:position], tier_layer, *layers[position:]]


def _tier_layer(state: _State, resolution: Resolution) -> Layer | None:
    """The chosen tier's ``sla`` table, to be merged between the master and the project."""
    name = state.doc.get("tier")
    if name is None:
        return None
    source = state.source_for(("tier",), resolution.fallback)
    if not isinstance(name, str):
        raise ScenarioError("must be the name of a tier (a string)", source=source, field="tier", value=name)
    menu = state.doc.get("tiers")
    menu = menu if isinstance(menu, dict) else {}
    if name not in menu:
        names = sorted(menu)
        menu_text = f"the menu has {', '.join(names)}" if names else "the master agreement defines no tiers"
        raise ScenarioError(f"unknown tier{suggestion(name, names)}; {menu_text}", source=source,
                            field="tier", value=name)
    master_defines = any(a.path[:2] == ("tiers", name) or a.path == ("tiers",)
                         for layer in resolution.layers if layer.role == "master" for a in layer.assignments)
    file = resolution.master_label if master_defines and resolution.master_label else \
        state.source_for(("tiers", name), resolution.fallback)
    origin = Origin(file, f"tier {name} ({file})")
    table = menu[name].get("sla") if isinstance(menu[name], dict) else None
    if not isinstance(table, dict):
        return Layer("tier", ())
    return Layer("tier", tuple(_units(("sla",), table, field_node(Scenario, "sla"), origin)))


def _section_full(section: str, raw: Any) -> Any:
    """A top-level section as the master states it, completed with the model's defaults."""
    info = Scenario.model_fields[section]
    annotation: Any = info.annotation
    adapter: TypeAdapter[Any] = TypeAdapter(annotation)
    if raw is _MISSING:
        value = info.get_default(call_default_factory=True)
    else:
        try:
            value = adapter.validate_python(_tuples(raw), strict=True)
        except ValidationError:
            return _tuples(raw)
    return adapter.dump_python(value)


def _renegotiation(final: dict[str, Any], baseline: _State, state: _State,
                   resolution: Resolution) -> tuple[list[str], list[str]]:
    """Leaves under a locked prefix whose resolved value differs from the master's (with its tier)."""
    changed: dict[Path_, tuple[Any, Any]] = {}
    for prefix in resolution.locked:
        section = prefix[0]
        if section not in Scenario.model_fields:
            continue
        master = _leaves(_section_full(section, baseline.doc.get(section, _MISSING)), (section,))
        resolved = _leaves(final.get(section), (section,))
        for path in [*resolved, *(p for p in master if p not in resolved)]:
            if not is_prefix(prefix, path) or path in changed:
                continue
            old, new = master.get(path, _MISSING), resolved.get(path, _MISSING)
            if old != new:
                changed[path] = (old, new)
    paths, warnings = [], []
    for path, (old, new) in changed.items():
        text = format_path(path)
        paths.append(text)
        shown = ["(absent)" if v is _MISSING else format_value(v) for v in (old, new)]
        source = state.source_for(path, resolution.fallback)
        warnings.append(f"{source}: {text}: changes a field locked by the master agreement "
                        f"{resolution.master_label} ({shown[0]} -> {shown[1]}); "
                        "this scenario is a renegotiation")
    return paths, warnings


# -- the public entry points ---------------------------------------------------------------------------------


def load_scenario(path: str | os.PathLike[str] | None = None, overrides: Sequence[str] = (), *,
                  tier: str | None = None) -> Scenario:
    """Load a project file, its master agreement and any ``--set`` overrides into a validated scenario.

    Parameters
    ----------
    path : str or Path or None
        The project file (``scenarios/*.toml``). None loads the embedded default scenario (package data, a
        copy of ``scenarios/retail_support.toml`` and its master).
    overrides : sequence of str
        ``KEY.PATH=VALUE`` strings, applied in order after the project file (see :func:`parse_override`).
    tier : str or None
        A tier of the master agreement's menu; it wins over the project's ``tier`` and ``--set tier=...``.

    Returns
    -------
    Scenario
        Frozen and validated, with ``provenance``, ``renegotiation``, ``warnings`` and ``source_path``.

    Raises
    ------
    ScenarioError
        For anything that cannot be loaded; ``source`` names the file (or ``--set``/``--tier``) the bad
        value came from and ``field`` its dotted path.
    """
    if isinstance(overrides, str):  # one override passed bare, not in a list
        overrides = [overrides]
    if path is None:
        project = _FileRef(f"{EMBEDDED_PREFIX}/default.toml", resource=("default.toml",))
        source_path: Path | None = default_scenario_path()
    else:
        project = _FileRef(str(path), path=Path(path))
        source_path = Path(path)
    project_doc = _read_doc(project)

    msa, pinned = _project_header(project_doc, project.label)
    layers: list[Layer] = []
    stem = (project.resource[-1] if project.resource else project.label).replace("\\", "/").rsplit("/", 1)[-1]
    layers.append(Layer("implicit", (Assignment(("name",), stem.removesuffix(".toml"),
                                                Origin(project.label, f"{project.label} (file name)")),)))
    locked: tuple[Path_, ...] = ()
    master_label: str | None = None
    if msa is not None:
        master = project.sibling(msa)
        master_label = master.label
        if master.same_file(project):
            raise ScenarioError("circular master reference: the project names itself as its master agreement",
                                source=project.label, field="msa", value=msa)
        try:
            data = master.read()
        except _Unreadable as exc:
            reason = f"master agreement not found: {master.label}" if str(exc) == "file not found" else \
                f"master agreement {master.label}: {exc}"
            raise ScenarioError(reason, source=project.label, field="msa", value=msa) from None
        if pinned is not None:
            actual = hashlib.sha256(data).hexdigest()
            if actual != pinned.lower():
                raise ScenarioError(f"the master agreement {master.label} has changed: its sha256 is "
                                    f"{actual}, the project pins {pinned.lower()}", source=project.label,
                                    field="msa_sha256", value=None, has_value=False)
        master_doc = _parse_toml(data, master.label)
        locked = _master_header(master_doc, master, project)
        layers.append(_file_layer("master", master_doc, master.label))
    layers.append(_file_layer("project", project_doc, project.label))
    for text in overrides:
        key, value = parse_override(text)
        layers.append(_override_layer({key: value}, origin=Origin("--set", "--set")))
    if tier is not None:
        layers.append(Layer("override", (Assignment(("tier",), tier, Origin("--tier", "--tier")),)))
    resolution = Resolution(tuple(layers), locked, master_label, project.label, source_path)
    return resolve(resolution)


def _read_doc(ref: _FileRef) -> dict[str, Any]:
    try:
        data = ref.read()
    except _Unreadable as exc:
        raise ScenarioError(str(exc), source=ref.label) from None
    return _parse_toml(data, ref.label)


def _project_header(doc: dict[str, Any], label: str) -> tuple[str | None, str | None]:
    """Take ``msa`` and ``msa_sha256`` out of a project document (in place) and check them."""
    if "locked" in doc:
        raise ScenarioError("belongs in a master agreement (scenarios/msa/*.toml), not in a project file",
                            source=label, field="locked", value=doc["locked"])
    msa = doc.pop("msa", None)
    if msa is not None and (not isinstance(msa, str) or not msa.strip()):
        raise ScenarioError("must be the path of the master agreement, relative to this file (a string)",
                            source=label, field="msa", value=msa)
    pinned = doc.pop("msa_sha256", None)
    if pinned is not None:
        if not isinstance(pinned, str) or not _SHA256.match(pinned):
            raise ScenarioError("must be the 64 hex digits of the master file's sha256", source=label,
                                field="msa_sha256", value=pinned)
        if msa is None:
            raise ScenarioError("pins a master agreement, but the file names none (add msa = \"...\")",
                                source=label, field="msa_sha256", value=None, has_value=False)
    return msa, pinned


def _master_header(doc: dict[str, Any], master: _FileRef, project: _FileRef) -> tuple[Path_, ...]:
    """Check a master document's own keys (in place: ``locked`` is removed) and return the locked prefixes."""
    if "msa" in doc:
        target = doc["msa"]
        cycle = isinstance(target, str) and (master.sibling(target).same_file(master)
                                             or master.sibling(target).same_file(project))
        message = ("circular master reference: the master agreement names " +
                   ("itself" if isinstance(target, str) and master.sibling(target).same_file(master)
                    else "the project") + " as its master") if cycle else \
            "a master agreement must not name a master of its own (masters do not chain)"
        raise ScenarioError(message, source=master.label, field="msa", value=target)
    for key, why in (("msa_sha256", "a master agreement pins no other master"),
                     ("tier", "the project chooses the tier; the master defines the menu, [tiers.NAME]")):
        if key in doc:
            raise ScenarioError(f"not allowed in a master agreement: {why}", source=master.label, field=key,
                                value=doc[key])
    locked = doc.pop("locked", [])
    if not isinstance(locked, list) or not all(isinstance(p, str) for p in locked):
        raise ScenarioError("must be a list of field paths, e.g. [\"definitions\", \"credits\"]",
                            source=master.label, field="locked", value=locked)
    return tuple(check_path(p, source=master.label, field_label=f"locked[{i}]") for i, p in enumerate(locked))


def apply_changes(scenario: Scenario, changes: Mapping[str, Any], label: str = "code") -> Scenario:
    """``scenario`` with ``changes`` (dotted path → value) merged on top, validated anew (see
    :meth:`Scenario.with_changes`)."""
    resolution = scenario._resolution
    if not isinstance(resolution, Resolution):
        resolution = _resolution_from_code(scenario)
    origin = Origin(label, label)
    return resolve(resolution.with_layer(_override_layer(changes, origin=origin)))


def _resolution_from_code(scenario: Scenario) -> Resolution:
    """A one-layer resolution for a scenario built in code rather than loaded."""
    provenance = code_provenance(scenario)
    units = []
    for unit in _units((), scenario.model_dump(), ROOT, Origin("code", "code")):
        text = format_path(unit.path)
        label = next((v for k, v in provenance.items() if k == text or k.startswith(text + ".")), "code")
        units.append(replace(unit, origin=Origin(label, label)))
    return Resolution((Layer("project", tuple(units)),), fallback="code")


def code_provenance(scenario: Scenario) -> dict[str, str]:
    """Provenance of a scenario built in code: "code" for what was given, "default" for the rest."""
    out: dict[str, str] = {}

    def walk(value: Any, path: Path_, given: bool) -> None:
        if isinstance(value, BaseModel) and not _is_distribution(value):
            for name in type(value).model_fields:
                walk(getattr(value, name), (*path, name), given and name in value.model_fields_set)
        elif isinstance(value, BaseModel):
            for leaf in _leaves(value.model_dump(), path):
                out[format_path(leaf)] = "code" if given else "default"
        elif isinstance(value, dict) and value:
            for key, sub in value.items():
                walk(sub, (*path, str(key)), given)
        else:
            out[format_path(path)] = "code" if given else "default"

    walk(scenario, (), True)
    return out


def _is_distribution(value: BaseModel) -> bool:
    return "kind" in type(value).model_fields and type(value).__module__ == "simulator.distributions"


def resolved_items(scenario: Scenario) -> list[tuple[str, Any, str]]:
    """The resolved scenario as (field path, value, source) rows, in schema order.

    Leaves are numbers, strings, booleans, lists (as lists) and None; a distribution is one row whose value
    is its table (``{"kind": "lognormal", "mean": 300.0, "cv": 0.8}``).
    """
    provenance = scenario.provenance
    rows: list[tuple[str, Any, str]] = []

    def walk(value: Any, path: Path_) -> None:
        text = format_path(path)
        if isinstance(value, BaseModel) and _is_distribution(value):
            table = value.model_dump()
            sources: list[str] = []
            for key in table:
                source = provenance.get(f"{text}.{key}", "default")
                if source.endswith(f": {text}.{key}"):  # "f: handling.talk.mean" → "f: handling.talk"
                    source = source.removesuffix(f".{key}")
                if source not in sources:
                    sources.append(source)
            rows.append((text, _listify(table), "; ".join(sources)))
        elif isinstance(value, BaseModel):
            for name in type(value).model_fields:
                walk(getattr(value, name), (*path, name))
        elif isinstance(value, dict) and value:
            for key, sub in value.items():
                walk(sub, (*path, str(key)))
        else:
            rows.append((text, _listify(value), provenance.get(text, "default")))

    walk(scenario, ())
    return rows


def _listify(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_listify(v) for v in value]
    if isinstance(value, dict):
        return {k: _listify(v) for k, v in value.items()}
    return value
