"""JSON-LD 1.1 expansion (Processing Algorithms and API, §5.1 and §5.3), safe mode.

The complete algorithm: every container (``@list``, ``@set``, ``@graph``,
``@language``, ``@index`` with property-valued indexes, ``@id``, ``@type``),
``@reverse``, ``@included``, ``@nest``, ``@json``, type-scoped and
property-scoped contexts, ``@propagate``, protected terms, ``@base`` and
``@import``. Frame expansion is not implemented (no ``@default`` and the
like: they raise).

Safe mode: where the algorithm would drop something -- a key that expands
to no IRI, a free-floating value or list, a ``null`` ``@value``, an object
with only ``@language`` -- ``SafeModeError`` names it and its JSON path.
Relative IRIs stay as they are here; the RDF step refuses them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from meriter_credentials.errors import JsonLdError, SafeModeError
from meriter_credentials.jsonld import iri as iris
from meriter_credentials.jsonld.context import (
    KEYWORDS,
    MISSING,
    ActiveContext,
    ContextProcessor,
    TermDefinition,
)

__all__ = ["expand"]


def _error(code: str, message: str) -> JsonLdError:
    return JsonLdError(f"{code}: {message}", code=code)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _items(value: Any) -> list[Any]:
    """An expanded value as an array (``null`` is none)."""
    return [] if value is None else _as_list(value)


def _is_scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool))


def _is_value_object(value: Any) -> bool:
    return isinstance(value, dict) and "@value" in value


def _is_list_object(value: Any) -> bool:
    return isinstance(value, dict) and "@list" in value


def _is_graph_object(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and "@graph" in value
        and not set(value) - {"@graph", "@id", "@index", "@context"}
    )


def _is_node_object(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and "@value" not in value
        and "@list" not in value
        and "@set" not in value
    )


def _add(target: dict[str, Any], key: str, value: Any) -> None:
    """Append ``value`` (flattening an array) to ``target[key]``, always an array."""
    existing = target.setdefault(key, [])
    if not isinstance(existing, list):
        existing = target[key] = [existing]
    if isinstance(value, list):
        existing.extend(value)
    else:
        existing.append(value)


class _Expander:
    def __init__(self, contexts: ContextProcessor) -> None:
        self.contexts = contexts

    def iri(self, ctx: ActiveContext, value: str, **options: Any) -> str | None:
        return self.contexts.expand_iri(ctx, value, **options)

    def scoped(self, ctx: ActiveContext, term: TermDefinition, **options: Any) -> ActiveContext:
        return self.contexts.process(ctx, term.context, term.base_url, **options)

    # -- 5.1.2 expansion -------------------------------------------------------

    def expand(
        self,
        ctx: ActiveContext,
        prop: str | None,
        element: Any,
        base_url: str | None,
        path: str,
        *,
        from_map: bool = False,
    ) -> Any:
        if element is None:
            return None
        prop_term = ctx.terms.get(prop) if prop is not None else None
        if _is_scalar(element):
            if prop is None or prop == "@graph":
                raise SafeModeError(f"free-floating value {element!r} at {path} would be dropped")
            if prop_term is not None and prop_term.context is not MISSING:
                ctx = self.scoped(ctx, prop_term, override_protected=True)
            return self.value(ctx, prop, element, path)
        if isinstance(element, list):
            result: list[Any] = []
            is_list = prop_term is not None and "@list" in prop_term.container
            for i, item in enumerate(element):
                expanded = self.expand(ctx, prop, item, base_url, f"{path}[{i}]", from_map=from_map)
                if is_list and isinstance(expanded, list):
                    expanded = {"@list": expanded}
                if isinstance(expanded, list):
                    result.extend(expanded)
                elif expanded is not None:
                    result.append(expanded)
            return result
        if not isinstance(element, Mapping):
            raise SafeModeError(f"unsupported JSON value at {path}: {element!r}")
        return self.expand_object(ctx, prop, prop_term, element, base_url, path, from_map)

    def expand_object(
        self,
        ctx: ActiveContext,
        prop: str | None,
        prop_term: TermDefinition | None,
        element: Mapping[str, Any],
        base_url: str | None,
        path: str,
        from_map: bool,
    ) -> Any:
        # 7: a context that does not propagate reverts for node objects
        if ctx.previous is not None and not from_map:
            expanded_keys = [self.iri(ctx, k, vocab=True) for k in element]
            if "@value" not in expanded_keys and not (
                len(expanded_keys) == 1 and expanded_keys[0] == "@id"
            ):
                ctx = ctx.previous
        # 8: property-scoped context
        if prop_term is not None and prop_term.context is not MISSING:
            ctx = self.scoped(ctx, prop_term, override_protected=True)
        # 9: embedded context
        if "@context" in element:
            ctx = self.contexts.process(ctx, element["@context"], base_url)
        # 10-11: type-scoped contexts
        type_scoped = ctx
        input_type: str | None = None
        type_keys = sorted(k for k in element if self.iri(ctx, k, vocab=True) == "@type")
        for key in type_keys:
            values = _as_list(element[key])
            for value in sorted(v for v in values if isinstance(v, str)):
                term = type_scoped.terms.get(value)
                if term is not None and term.context is not MISSING:
                    ctx = self.contexts.process(ctx, term.context, term.base_url, propagate=False)
        if type_keys:
            last = _as_list(element[type_keys[0]])
            if last and isinstance(last[-1], str):
                input_type = self.iri(ctx, last[-1], vocab=True)
        result: dict[str, Any] = {}
        nests: list[str] = []
        self.entries(ctx, type_scoped, prop, element, result, nests, input_type, base_url, path)
        return self.finish(ctx, prop, result, path)

    def entries(
        self,
        ctx: ActiveContext,
        type_scoped: ActiveContext,
        prop: str | None,
        element: Mapping[str, Any],
        result: dict[str, Any],
        nests: list[str],
        input_type: str | None,
        base_url: str | None,
        path: str,
    ) -> None:
        """Steps 13 and 14: every entry of ``element`` into ``result``."""
        for key, value in element.items():
            if key == "@context":
                continue
            where = f"{path}.{key}"
            expanded_prop = self.iri(ctx, key, vocab=True)
            if expanded_prop is None or (
                ":" not in expanded_prop and expanded_prop not in KEYWORDS
            ):
                raise SafeModeError(
                    f"property {key!r} at {path} is not defined by the context "
                    "and would be dropped",
                    code="invalid property",
                )
            if expanded_prop in KEYWORDS:
                self.keyword(
                    ctx, type_scoped, prop, key, expanded_prop, value, result, nests,
                    input_type, base_url, where,
                )  # fmt: skip
                continue
            term = ctx.terms.get(key)
            container = term.container if term is not None else frozenset()
            if term is not None and term.type == "@json":
                expanded: Any = {"@value": value, "@type": "@json"}
            elif "@language" in container and isinstance(value, Mapping):
                expanded = self.language_map(ctx, term, value, where)
            elif container & {"@index", "@type", "@id"} and isinstance(value, Mapping):
                assert term is not None
                expanded = self.index_map(ctx, key, term, value, base_url, where)
            else:
                expanded = self.expand(ctx, key, value, base_url, where)
            if expanded is None:
                continue
            if "@list" in container and not _is_list_object(expanded):
                expanded = {"@list": _as_list(expanded)}
            if "@graph" in container and not container & {"@id", "@index"}:
                expanded = [{"@graph": _as_list(ev)} for ev in _as_list(expanded)]
            if term is not None and term.reverse:
                reverse_map = result.setdefault("@reverse", {})
                for item in _as_list(expanded):
                    if _is_value_object(item) or _is_list_object(item):
                        raise _error("invalid reverse property value", where)
                    _add(reverse_map, expanded_prop, item)
            else:
                _add(result, expanded_prop, expanded)
        # 14: nested properties
        for nest_key in sorted(nests):
            nest_term = ctx.terms.get(nest_key)
            nest_ctx = ctx
            if nest_term is not None and nest_term.context is not MISSING:
                nest_ctx = self.scoped(ctx, nest_term, override_protected=True)
            for i, nested in enumerate(_as_list(element[nest_key])):
                where = f"{path}.{nest_key}[{i}]"
                if not isinstance(nested, Mapping) or any(
                    self.iri(nest_ctx, k, vocab=True) == "@value" for k in nested
                ):
                    raise _error("invalid @nest value", where)
                inner: list[str] = []
                self.entries(
                    nest_ctx, type_scoped, prop, nested, result, inner, input_type, base_url, where
                )

    def keyword(
        self,
        ctx: ActiveContext,
        type_scoped: ActiveContext,
        prop: str | None,
        key: str,
        kw: str,
        value: Any,
        result: dict[str, Any],
        nests: list[str],
        input_type: str | None,
        base_url: str | None,
        where: str,
    ) -> None:
        if prop == "@reverse":
            raise _error("invalid reverse property map", where)
        if kw in result and kw not in ("@included", "@type"):
            raise _error("colliding keywords", f"{kw} at {where}")
        expanded: Any
        if kw == "@id":
            if not isinstance(value, str):
                raise _error("invalid @id value", where)
            expanded = self.iri(ctx, value, document_relative=True)
            if expanded is None:
                raise SafeModeError(f"@id {value!r} at {where} is a reserved keyword form")
        elif kw == "@type":
            if isinstance(value, str):
                values = [value]
            elif isinstance(value, list) and all(isinstance(v, str) for v in value):
                values = value
            else:
                raise _error("invalid type value", where)
            types = [self.iri(type_scoped, v, vocab=True, document_relative=True) for v in values]
            if None in types:
                raise SafeModeError(f"@type value at {where} would be dropped")
            expanded = types[0] if isinstance(value, str) else types
            if "@type" in result:
                expanded = _as_list(result["@type"]) + types
        elif kw == "@graph":
            expanded = _items(self.expand(ctx, "@graph", value, base_url, where))
        elif kw == "@included":
            expanded = _items(self.expand(ctx, None, value, base_url, where))
            if not all(_is_node_object(v) for v in expanded):
                raise _error("invalid @included value", where)
            if "@included" in result:
                expanded = result["@included"] + expanded
        elif kw == "@value":
            if input_type == "@json":
                expanded = value
            elif value is not None and not _is_scalar(value):
                raise _error("invalid value object value", where)
            else:
                expanded = value
            if expanded is None and input_type != "@json":
                raise SafeModeError(f"null @value at {where} would be dropped")
        elif kw == "@language":
            if not isinstance(value, str):
                raise _error("invalid language-tagged string", where)
            expanded = value.lower()
        elif kw == "@direction":
            if value not in ("ltr", "rtl"):
                raise _error("invalid base direction", f"{value!r} at {where}")
            expanded = value
        elif kw == "@index":
            if not isinstance(value, str):
                raise _error("invalid @index value", where)
            expanded = value
        elif kw == "@list":
            if prop is None or prop == "@graph":
                raise SafeModeError(f"free-floating list at {where} would be dropped")
            expanded = _items(self.expand(ctx, prop, value, base_url, where))
        elif kw == "@set":
            expanded = self.expand(ctx, prop, value, base_url, where)
        elif kw == "@reverse":
            if not isinstance(value, Mapping):
                raise _error("invalid @reverse value", where)
            inner = self.expand(ctx, "@reverse", value, base_url, where)
            if not isinstance(inner, dict):
                return
            for rprop, items in inner.get("@reverse", {}).items():
                _add(result, rprop, items)
            others = {k: v for k, v in inner.items() if k != "@reverse"}
            if others:
                reverse_map = result.setdefault("@reverse", {})
                for rprop, items in others.items():
                    for item in _as_list(items):
                        if _is_value_object(item) or _is_list_object(item):
                            raise _error("invalid reverse property value", where)
                        _add(reverse_map, rprop, item)
            return
        elif kw == "@nest":
            if key not in nests:
                nests.append(key)
            return
        elif kw in ("@context",):
            return
        else:
            raise SafeModeError(f"{kw} at {where} is not supported here", code="invalid keyword")
        result[kw] = expanded

    def finish(
        self, ctx: ActiveContext, prop: str | None, result: dict[str, Any], path: str
    ) -> Any:
        """Steps 15-19: validate and simplify the expanded object."""
        if "@value" in result:
            if set(result) - {"@direction", "@index", "@language", "@type", "@value"} or (
                "@type" in result and ("@language" in result or "@direction" in result)
            ):
                raise _error("invalid value object", path)
            type_ = result.get("@type")
            if type_ == "@json":
                pass
            elif isinstance(result["@value"], list) and not result["@value"]:
                return None
            elif "@language" in result and not isinstance(result["@value"], str):
                raise _error("invalid language-tagged value", path)
            elif type_ is not None and (
                not isinstance(type_, str) or not iris.looks_absolute(type_)
            ):
                raise _error("invalid typed value", f"{type_!r} at {path}")
        elif "@type" in result and not isinstance(result["@type"], list):
            result["@type"] = [result["@type"]]
        elif "@set" in result or "@list" in result:
            if len(result) > 2 or (len(result) == 2 and "@index" not in result):
                raise _error("invalid set or list object", path)
            if "@set" in result:
                return result["@set"]
        if len(result) == 1 and "@language" in result:
            raise SafeModeError(f"object with only @language at {path} would be dropped")
        if prop is None or prop == "@graph":
            if "@value" in result:
                raise SafeModeError(f"free-floating value at {path} would be dropped")
            if "@list" in result:
                raise SafeModeError(f"free-floating list at {path} would be dropped")
            if not result or (len(result) == 1 and "@id" in result):
                # JSON-LD drops a free-floating node with nothing but an @id
                raise SafeModeError(f"node at {path} has no properties and would be dropped")
        return result

    def language_map(
        self, ctx: ActiveContext, term: TermDefinition | None, value: Mapping[str, Any], path: str
    ) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        direction = ctx.direction
        if term is not None and term.direction is not MISSING:
            direction = term.direction
        for language in sorted(value):
            for item in _as_list(value[language]):
                if item is None:
                    continue
                if not isinstance(item, str):
                    raise _error("invalid language map value", f"{path}.{language}")
                entry: dict[str, Any] = {"@value": item}
                if language != "@none" and self.iri(ctx, language, vocab=True) != "@none":
                    entry["@language"] = language.lower()
                if direction is not None:
                    entry["@direction"] = direction
                out.append(entry)
        return out

    def index_map(
        self,
        ctx: ActiveContext,
        key: str,
        term: TermDefinition,
        value: Mapping[str, Any],
        base_url: str | None,
        path: str,
    ) -> list[Any]:
        container = term.container
        out: list[Any] = []
        index_key = term.index or "@index"
        for index in sorted(value):
            where = f"{path}.{index}"
            if container & {"@id", "@type"}:
                map_ctx = ctx.previous if ctx.previous is not None else ctx
            else:
                map_ctx = ctx
            if "@type" in container:
                index_term = map_ctx.terms.get(index)
                if index_term is not None and index_term.context is not MISSING:
                    map_ctx = self.scoped(map_ctx, index_term)
            expanded_index = self.iri(ctx, index, vocab=True)
            items = self.expand(
                map_ctx, key, _as_list(value[index]), base_url, where, from_map=True
            )
            for item in _as_list(items):
                if "@graph" in container and not _is_graph_object(item):
                    item = {"@graph": _as_list(item)}
                if "@index" in container and index_key != "@index" and expanded_index != "@none":
                    if _is_value_object(item):
                        raise _error("invalid value object", f"{where}: property-valued index")
                    if not isinstance(item, dict):
                        raise _error("invalid value object", where)
                    re_expanded = self.value(ctx, index_key, index, where)
                    prop = self.iri(ctx, index_key, vocab=True)
                    if prop is None or prop in KEYWORDS:
                        raise _error("invalid term definition", f"@index {index_key!r}")
                    item[prop] = [re_expanded, *_as_list(item.get(prop, []))]
                elif "@index" in container and "@index" not in item and expanded_index != "@none":
                    item["@index"] = index
                elif "@id" in container and "@id" not in item and expanded_index != "@none":
                    item["@id"] = self.iri(ctx, index, document_relative=True)
                elif "@type" in container and expanded_index != "@none":
                    if not isinstance(item, dict) or _is_value_object(item):
                        raise _error("invalid type value", where)
                    item["@type"] = [expanded_index, *_as_list(item.get("@type", []))]
                out.append(item)
        return out

    # -- 5.3.2 value expansion -------------------------------------------------

    def value(self, ctx: ActiveContext, prop: str | None, value: Any, path: str) -> dict[str, Any]:
        term = ctx.terms.get(prop) if prop is not None else None
        type_ = term.type if term is not None else None
        if isinstance(value, str):
            if type_ == "@id":
                return {"@id": self.iri(ctx, value, document_relative=True)}
            if type_ == "@vocab":
                return {"@id": self.iri(ctx, value, vocab=True, document_relative=True)}
        result: dict[str, Any] = {"@value": value}
        if type_ is not None and type_ not in ("@id", "@vocab", "@none"):
            result["@type"] = type_
        elif isinstance(value, str):
            language = ctx.language
            direction = ctx.direction
            if term is not None and term.language is not MISSING:
                language = term.language
            if term is not None and term.direction is not MISSING:
                direction = term.direction
            if language is not None:
                result["@language"] = language
            if direction is not None:
                result["@direction"] = direction
        return result


def expand(
    document: Any,
    contexts: ContextProcessor,
    *,
    base: str | None = None,
    expand_context: Any = None,
) -> list[Any]:
    """The expanded form of ``document`` (an array of node objects)."""
    ctx = ActiveContext(base)
    if expand_context is not None:
        local = (
            expand_context["@context"]
            if isinstance(expand_context, Mapping) and "@context" in expand_context
            else expand_context
        )
        ctx = contexts.process(ctx, local, base)
    result = _Expander(contexts).expand(ctx, None, document, base, "$")
    if isinstance(result, dict) and set(result) == {"@graph"}:
        result = result["@graph"]
    if result is None:
        return []
    return _as_list(result)
