"""Walk the scenario schema by field path: which keys a table may hold, where distributions sit.

The loader needs this before pydantic sees a document: to merge distribution tables whole but sections key
by key, to check ``--set`` paths and ``locked`` prefixes, to reject unknown keys with a "did you mean", and to
turn pydantic's error locations (which carry the distribution ``kind`` as an extra step) back into field
paths.

Field paths are dotted (``handling.talk.mean``); list entries are written with brackets
(``demand.profile[3]``).
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel

Part = str | int
"""One step of a field path: a key, or a list index."""


@dataclass(frozen=True)
class ModelNode:
    """A section with fixed keys (a pydantic model); merged key by key."""

    cls: type[BaseModel]
    optional: bool = False

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(self.cls.model_fields)


@dataclass(frozen=True)
class MapNode:
    """A table with free keys (roles, tiers) or keys from a fixed set (credit metrics); merged key by key."""

    value: Node
    choices: tuple[str, ...] | None = None
    optional: bool = False


@dataclass(frozen=True)
class DistNode:
    """A distribution table ``{kind = ..., ...}``: replaced whole by a file, key by key by ``--set``."""

    kinds: tuple[tuple[str, type[BaseModel]], ...]
    optional: bool = False

    @property
    def kind_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.kinds)

    def model(self, kind: str) -> type[BaseModel] | None:
        return dict(self.kinds).get(kind)

    def keys(self, kind: str | None = None) -> tuple[str, ...]:
        """The keys a table of ``kind`` may hold (of any kind when ``kind`` is unknown)."""
        models = [cls for name, cls in self.kinds if kind is None or name == kind]
        seen: dict[str, None] = {}
        for cls in models:
            seen.update(dict.fromkeys(cls.model_fields))
        return tuple(seen)


@dataclass(frozen=True)
class LeafNode:
    """A value: a number, a string, a boolean or a list."""

    annotation: Any
    optional: bool = False

    @property
    def choices(self) -> tuple[Any, ...] | None:
        """The allowed values of a ``Literal`` leaf, else None."""
        return _literal_args(self.annotation)


Node = ModelNode | MapNode | DistNode | LeafNode


def _literal_args(annotation: Any) -> tuple[Any, ...] | None:
    if typing.get_origin(annotation) is Literal:
        return typing.get_args(annotation)
    return None


def classify(annotation: Any) -> Node:
    """The schema node of a field annotation."""
    optional = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is Annotated:
            annotation = typing.get_args(annotation)[0]
            continue
        if origin in (Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            optional = optional or len(args) < len(typing.get_args(annotation))
            if len(args) == 1:
                annotation = args[0]
                continue
            models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
            if models and len(models) == len(args) and all("kind" in m.model_fields for m in models):
                kinds = tuple((_literal_args(m.model_fields["kind"].annotation) or ("?",))[0] for m in models)
                return DistNode(tuple(zip(kinds, models, strict=True)), optional)
            return LeafNode(annotation, optional)
        break
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return ModelNode(annotation, optional)
    if typing.get_origin(annotation) is dict:
        key_type, value_type = typing.get_args(annotation)
        choices = _literal_args(key_type)
        return MapNode(classify(value_type), tuple(str(c) for c in choices) if choices else None, optional)
    return LeafNode(annotation, optional)


@cache
def field_node(cls: type[BaseModel], name: str) -> Node:
    """The schema node of field ``name`` of model ``cls``."""
    return classify(cls.model_fields[name].annotation)


def child(node: Node, key: Part, kind: str | None = None) -> Node | None:
    """The node under ``key``, or None when ``node`` has no such key.

    For a distribution, ``kind`` narrows the keys to that kind's (any kind's keys are accepted without it).
    """
    if isinstance(node, ModelNode):
        if isinstance(key, str) and key in node.cls.model_fields:
            return field_node(node.cls, key)
        return None
    if isinstance(node, MapNode):
        if not isinstance(key, str) or (node.choices is not None and key not in node.choices):
            return None
        return node.value
    if isinstance(node, DistNode):
        if not isinstance(key, str) or key not in node.keys(kind):
            return None
        for name, cls in node.kinds:
            if (kind is None or name == kind) and key in cls.model_fields:
                return field_node(cls, key)
        return None  # pragma: no cover - keys() and the loop agree
    return None


def allowed_keys(node: Node, kind: str | None = None) -> tuple[str, ...]:
    """The keys a table at ``node`` may hold (empty for a free map)."""
    if isinstance(node, ModelNode):
        return node.keys
    if isinstance(node, DistNode):
        return node.keys(kind)
    if isinstance(node, MapNode) and node.choices is not None:
        return node.choices
    return ()


def suggestion(word: str, choices: Sequence[str]) -> str:
    """'; did you mean 'x'?' for the closest of ``choices``, or ''."""
    close = difflib.get_close_matches(word, [str(c) for c in choices], n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def format_path(parts: Sequence[Part]) -> str:
    """('demand', 'profile', 3) → 'demand.profile[3]'."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


def split_path(text: str) -> tuple[str, ...]:
    """'sla.service_level' → ('sla', 'service_level'); empty segments are kept (the caller rejects them)."""
    return tuple(segment.strip() for segment in text.split("."))


def is_prefix(prefix: Sequence[Part], path: Sequence[Part]) -> bool:
    return len(prefix) <= len(path) and tuple(path[: len(prefix)]) == tuple(prefix)
