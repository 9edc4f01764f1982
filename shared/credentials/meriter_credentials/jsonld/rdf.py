"""Expanded JSON-LD -> RDF quads (Processing Algorithms and API §7.2 node map
generation, §8.1 deserialize JSON-LD to RDF), safe mode.

Blank nodes are relabelled ``_:b0``, ``_:b1`` ... in the order met; every term
is written through ``terms``, so what is not well formed (a relative IRI, a
bad language tag, a blank-node predicate: generalized RDF) raises
``SafeModeError`` instead of being dropped.
"""

from __future__ import annotations

from typing import Any, Final

from meriter_credentials.errors import JsonLdError, SafeModeError
from meriter_credentials.jsonld import terms
from meriter_credentials.rdfc import Quad

__all__ = ["RDF_DIRECTIONS", "to_quads"]

RDF: Final = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XSD: Final = "http://www.w3.org/2001/XMLSchema#"
RDF_DIRECTIONS: Final = (None, "i18n-datatype", "compound-literal")
_TYPE: Final = f"<{RDF}type>"
_FIRST: Final = f"<{RDF}first>"
_REST: Final = f"<{RDF}rest>"
_NIL: Final = f"<{RDF}nil>"
_XSD_DOUBLE: Final = f"{XSD}double"


class _Labels:
    """Blank node identifier issuer (JSON-LD's, prefix ``_:b``)."""

    def __init__(self) -> None:
        self.issued: dict[str, str] = {}
        self.counter = 0

    def get(self, existing: str | None = None) -> str:
        if existing is not None:
            found = self.issued.get(existing)
            if found is not None:
                return found
        label = f"_:b{self.counter}"
        self.counter += 1
        if existing is not None:
            self.issued[existing] = label
        return label


def _key(value: Any) -> Any:
    """A hashable key under which equal JSON values are equal: ``true`` is not ``1``
    (Python says it is), ``1.0`` is ``1`` (JSON says so)."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, float) and value.is_integer():
        return ("num", int(value))
    if isinstance(value, (int, float)):
        return ("num", value)
    if isinstance(value, dict):
        return ("obj", tuple(sorted((k, _key(v)) for k, v in value.items())))
    if isinstance(value, list):
        return ("arr", tuple(_key(v) for v in value))
    return (type(value).__name__, value)


class _Values(list[Any]):
    """A property's values in the node map, with the keys of those already there."""

    __slots__ = ("keys",)

    def __init__(self) -> None:
        super().__init__()
        self.keys: set[Any] = set()


def _add_value(node: dict[str, Any], prop: str, value: Any) -> None:
    """Add ``value`` to ``node[prop]`` unless an equal value is there (lists always)."""
    values = node.get(prop)
    if values is None:
        values = node[prop] = _Values()
    if isinstance(value, dict) and "@list" in value:
        values.append(value)
        return
    key = _key(value)
    if key not in values.keys:
        values.keys.add(key)
        values.append(value)


class _NodeMap:
    def __init__(self, labels: _Labels) -> None:
        self.labels = labels
        self.graphs: dict[str, dict[str, dict[str, Any]]] = {"@default": {}}

    def id_of(self, value: str) -> str:
        return self.labels.get(value) if value.startswith("_:") else value

    def add(
        self,
        element: Any,
        graph_name: str,
        subject: Any = None,
        prop: str | None = None,
        list_: dict[str, Any] | None = None,
    ) -> None:
        if isinstance(element, list):
            for item in element:
                self.add(item, graph_name, subject, prop, list_)
            return
        graph = self.graphs.setdefault(graph_name, {})
        subject_node = graph.get(subject) if isinstance(subject, str) else None
        if "@type" in element and "@value" not in element:
            element = {**element, "@type": [self.id_of(t) for t in element["@type"]]}
        if (
            ("@value" in element or "@list" in element)
            and list_ is None
            and (subject_node is None or prop is None)
        ):
            # a value or list straight inside a graph (a graph container's value
            # that is not a node): JSON-LD drops it, safe mode refuses to
            raise SafeModeError(f"a free-floating value in graph {graph_name} would be dropped")
        if "@value" in element:
            if list_ is None:
                assert subject_node is not None
                assert prop is not None
                _add_value(subject_node, prop, element)
            else:
                list_["@list"].append(element)
            return
        if "@list" in element:
            result: dict[str, Any] = {"@list": []}
            self.add(element["@list"], graph_name, subject, prop, result)
            if list_ is None:
                assert subject_node is not None
                assert prop is not None
                values = subject_node.get(prop)
                if values is None:
                    values = subject_node[prop] = _Values()
                values.append(result)
            else:
                list_["@list"].append(result)
            return
        # a node object
        node_id = self.id_of(element["@id"]) if "@id" in element else self.labels.get()
        node = graph.setdefault(node_id, {"@id": node_id})
        if isinstance(subject, dict):
            assert prop is not None
            _add_value(node, prop, subject)
        elif prop is not None:
            reference = {"@id": node_id}
            if list_ is None:
                assert subject_node is not None
                _add_value(subject_node, prop, reference)
            else:
                list_["@list"].append(reference)
        for type_ in element.get("@type", ()):
            _add_value(node, "@type", type_)
        if "@index" in element:
            if "@index" in node and node["@index"] != element["@index"]:
                raise JsonLdError(
                    f"conflicting indexes: {node_id} has two @index values",
                    code="conflicting indexes",
                )
            node["@index"] = element["@index"]
        if "@reverse" in element:
            referenced = {"@id": node_id}
            for rprop, values in element["@reverse"].items():
                for value in values:
                    self.add(value, graph_name, referenced, rprop)
        if "@graph" in element:
            self.add(element["@graph"], node_id)
        if "@included" in element:
            self.add(element["@included"], graph_name)
        for key, value in element.items():
            if key in ("@id", "@type", "@index", "@reverse", "@graph", "@included"):
                continue
            if key.startswith("_:"):
                key = self.labels.get(key)
            if key not in node:
                node[key] = _Values()
            self.add(value, graph_name, node_id, key)


class _Writer:
    def __init__(self, labels: _Labels, rdf_direction: str | None) -> None:
        self.labels = labels
        self.rdf_direction = rdf_direction
        self.quads: list[Quad] = []
        self.seen: set[Quad] = set()  # a dataset is a set: a statement is written once

    def resource(self, value: str, what: str) -> str:
        if value.startswith("_:"):
            return terms.blank(value)
        return terms.iri(value, what)

    def graph(self, name: str, graph: dict[str, dict[str, Any]]) -> None:
        graph_term = "" if name == "@default" else self.resource(name, "a graph name")
        for subject, node in graph.items():
            s = self.resource(subject, "a subject")
            for prop, values in node.items():
                if prop == "@type":
                    for type_ in values:
                        quad = (s, _TYPE, self.resource(type_, "@type"), graph_term)
                        if quad not in self.seen:
                            self.seen.add(quad)
                            self.quads.append(quad)
                    continue
                if prop.startswith("@"):
                    continue
                if prop.startswith("_:"):
                    raise SafeModeError(
                        f"property {prop} is a blank node (generalized RDF is not produced)"
                    )
                p = terms.iri(prop, "a property")
                for item in values:
                    obj = self.object(item, graph_term)
                    if obj is None:
                        continue
                    quad = (s, p, obj, graph_term)
                    if "@list" in item:
                        self.quads.append(quad)  # a list is never merged with another
                    elif quad not in self.seen:
                        self.seen.add(quad)
                        self.quads.append(quad)

    def object(self, item: dict[str, Any], graph: str) -> str | None:
        if "@list" in item:
            return self.list(item["@list"], graph)
        if "@value" not in item:
            return self.resource(item["@id"], "a node reference")
        value = item["@value"]
        datatype = item.get("@type")
        if datatype is not None and datatype != "@json":
            terms.iri(datatype, "a datatype")
        if datatype == "@json":
            lexical = terms.json_lexical(value)
            return terms.literal(lexical, terms.datatype_suffix(f"{RDF}JSON"))
        if isinstance(value, bool):
            return terms.literal(
                "true" if value else "false", terms.datatype_suffix(datatype or f"{XSD}boolean")
            )
        if isinstance(value, (int, float)):
            if (isinstance(value, float) and value != value) or value in (
                float("inf"),
                float("-inf"),
            ):
                raise SafeModeError("a number that is not finite")
            if (
                (isinstance(value, float) and not value.is_integer())
                or abs(value) >= 10**21
                or datatype == _XSD_DOUBLE
            ):
                return terms.literal(
                    terms.double_lexical(float(value)),
                    terms.datatype_suffix(datatype or _XSD_DOUBLE),
                )
            return terms.literal(
                str(int(value)), terms.datatype_suffix(datatype or f"{XSD}integer")
            )
        if not isinstance(value, str):
            raise SafeModeError(f"unsupported @value {value!r}")
        language = item.get("@language")
        direction = item.get("@direction")
        if direction is not None and self.rdf_direction == "compound-literal":
            node = self.labels.get()
            self.quads.append((node, f"<{RDF}value>", terms.literal(value, ""), graph))
            if language is not None:
                lang = terms.check_language(language).lower()
                self.quads.append((node, f"<{RDF}language>", terms.literal(lang, ""), graph))
            terms.check_direction(direction)
            self.quads.append((node, f"<{RDF}direction>", terms.literal(direction, ""), graph))
            return node
        if self.rdf_direction is None:
            direction = None
        if datatype is not None:
            return terms.literal(value, terms.datatype_suffix(datatype))
        return terms.literal(value, terms.language_suffix(language, direction))

    def list(self, items: list[Any], graph: str) -> str:
        if not items:
            return _NIL
        nodes = [self.labels.get() for _ in items]
        for i, item in enumerate(items):
            obj = self.object(item, graph)
            if obj is not None:
                self.quads.append((nodes[i], _FIRST, obj, graph))
            rest = nodes[i + 1] if i + 1 < len(nodes) else _NIL
            self.quads.append((nodes[i], _REST, rest, graph))
        return nodes[0]


def to_quads(expanded: list[Any], *, rdf_direction: str | None = "i18n-datatype") -> list[Quad]:
    """The RDF dataset of an expanded document."""
    if rdf_direction not in RDF_DIRECTIONS:
        raise JsonLdError(f"unknown rdfDirection {rdf_direction!r}")
    labels = _Labels()
    node_map = _NodeMap(labels)
    node_map.add(expanded, "@default")
    writer = _Writer(labels, rdf_direction)
    for name, graph in node_map.graphs.items():
        writer.graph(name, graph)
    return writer.quads
