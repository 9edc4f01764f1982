"""JSON-LD 1.1 -> RDF quads for verifiable credentials, in safe mode.

Follows the JSON-LD 1.1 API expansion + toRdf algorithms (rdfDirection
``i18n-datatype``, as jsonld.js and Data Integrity use) but walks the
compact document once and emits serialized quads (see ``rdfc.Quad``)
directly, without building the expanded form or a node map.

Invariants:

- Contexts are processed once: an active context is immutable and results are
  cached by (parent active context, context value), so a credential with the
  usual VC/OB contexts costs dictionary look-ups only.
- Safe mode is always on: a property or ``@type`` that does not expand to an
  absolute IRI, a relative ``@id`` (documents have no base IRI), or an
  unknown ``@keyword`` raises ``SafeModeError`` naming the term and JSON path.
- Features outside the supported subset (``@reverse``, ``@included``,
  ``@import``, ``@base``, index/id/type/language maps, ...) raise
  ``UnsupportedJsonLd``; nothing is dropped silently. ``null`` values are
  dropped, as JSON-LD defines.
- Within one graph a repeated statement is emitted once (JSON-LD's node map
  merges equal values); blank node labels are fresh (``_:b0`` ...), the
  document's own labels only decide identity.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
from collections.abc import Mapping
from typing import Any, Final

import orjson

from meriter_credentials.jsonld import terms
from meriter_credentials.jsonld.context import valid_container as _valid_container
from meriter_credentials.jsonld.errors import SafeModeError, UnsupportedJsonLd
from meriter_credentials.jsonld.loader import load_context
from meriter_credentials.jsonld.terms import double_lexical as _double
from meriter_credentials.rdfc import Quad, escape_literal

__all__ = ["walk"]

RDF: Final = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XSD: Final = "http://www.w3.org/2001/XMLSchema#"
_TYPE: Final = f"<{RDF}type>"
_FIRST: Final = f"<{RDF}first>"
_REST: Final = f"<{RDF}rest>"
_NIL: Final = f"<{RDF}nil>"
_JSON_DT: Final = f"{RDF}JSON"
_XSD_INTEGER: Final = f"{XSD}integer"
_XSD_DOUBLE: Final = f"{XSD}double"
_XSD_BOOLEAN: Final = f"{XSD}boolean"
_XSD_STRING: Final = f"{XSD}string"

_KEYWORDS: Final = frozenset(
    {
        "@base",
        "@container",
        "@context",
        "@direction",
        "@graph",
        "@id",
        "@import",
        "@included",
        "@index",
        "@json",
        "@language",
        "@list",
        "@nest",
        "@none",
        "@prefix",
        "@propagate",
        "@protected",
        "@reverse",
        "@set",
        "@type",
        "@value",
        "@version",
        "@vocab",
    }
)
# Term definition entries this walker handles (@index, @reverse and others go to
# the complete processor).
_FAST_TERM_KEYS: Final = frozenset(
    {
        "@id",
        "@type",
        "@container",
        "@context",
        "@language",
        "@direction",
        "@nest",
        "@prefix",
        "@protected",
    }
)
_KEYWORD_LIKE: Final = re.compile(r"^@[A-Za-z]+$")
# An absolute IRI has a scheme and, as jsonld.js also requires, no white space.
_SCHEME: Final = re.compile(
    "^[A-Za-z][A-Za-z0-9+.\\-]*:"
    "[^ \f\n\r\t\v\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]*$"
)
_GEN_DELIMS: Final = frozenset(":/?#[]@")
_MISSING: Final = object()


class _Term:
    """A compiled term definition."""

    __slots__ = (
        "container",
        "context",
        "context_key",
        "direction",
        "iri",
        "language",
        "nest",
        "prefix",
        "protected",
        "source",
        "type",
    )

    def __init__(self) -> None:
        self.iri: str | None = None
        self.type: str | None = None
        self.container: frozenset[str] = frozenset()
        self.context: Any = _MISSING
        self.context_key: Any = None
        self.language: Any = _MISSING
        self.direction: Any = _MISSING
        self.protected = False
        self.prefix = False
        self.nest: str | None = None
        self.source: str = ""

    def same_as(self, other: _Term) -> bool:
        return all(
            getattr(self, k) == getattr(other, k)
            for k in self.__slots__
            if k not in ("protected", "context", "context_key")
        ) and (self.context is other.context or self.context == other.context)


_MEMO_LIMIT: Final = 512
"""Most keys (or type values) one active context memoizes; past it, look-ups
still work, uncached, so hostile documents with endless distinct keys cannot
grow memory."""


class _Context:
    """An immutable active context.

    Besides the term definitions it memoizes, per context, what the walker
    derives from them: keyword alias sets, each property key's resolution
    (predicate term, term, value context) and each ``@type`` value's IRI
    term. All of that depends on the context alone, never on the document,
    and contexts never change once processed, so the memos are filled on
    first use and never invalidated. Only successes are memoized: an error
    is recomputed, so its message names the path where it occurred.
    """

    __slots__ = (
        "_aliases",
        "cache",
        "direction",
        "language",
        "previous",
        "resolved",
        "scoped",
        "terms",
        "type_def",
        "type_iris",
        "vocab",
    )

    def __init__(self) -> None:
        self.terms: dict[str, _Term] = {}
        self.vocab: str | None = None
        self.language: str | None = None
        self.direction: str | None = None
        self.previous: _Context | None = None
        # property-scoped context applied over a non-propagated one: (local, key),
        # to re-apply after reverting, as expansion reverts *before* applying it
        self.scoped: tuple[Any, Any] | None = None
        self.cache: dict[tuple[Any, bool, bool], _Context] = {}
        self._aliases: dict[str, frozenset[Any]] | None = None
        self.resolved: dict[Any, _Resolved] = {}
        self.type_iris: dict[str, str] = {}
        self.type_def: tuple[bool, bool] | None = None  # "@type" defined: (@set?, protected)

    def aliases(self, keyword: str) -> frozenset[Any]:
        """Keys that expand to ``keyword``: the keyword itself and its aliases."""
        table = self._aliases
        if table is None:
            found: dict[str, set[Any]] = {kw: {kw} for kw in _KEYWORDS}
            for name, term in self.terms.items():
                if term.iri in found and name not in _KEYWORDS:
                    found[term.iri].add(name)
            table = self._aliases = {kw: frozenset(v) for kw, v in found.items()}
        return table[keyword]

    def clone(self) -> _Context:
        c = _Context()
        c.terms = dict(self.terms)
        c.vocab = self.vocab
        c.language = self.language
        c.direction = self.direction
        c.previous = self.previous
        c.type_def = self.type_def
        return c


_INITIAL: Final = _Context()

# How ``properties`` treats a key: skip it (@context/@id/@type/@index, handled
# by ``node``), @graph, @nest, or an ordinary property.
_SKIP: Final = 0
_GRAPH: Final = 1
_NEST: Final = 2
_PROPERTY: Final = 3

_Resolved = tuple[int, "_Term | None", str, "_Context", "str | None"]
"""(kind, term, predicate N-Quads term, context for the value, string suffix):
the suffix is what follows the quoted lexical form when a plain JSON string
is the value (``""``, ``"@en"``, ``"^^<datatype>"``), or None when strings
are not simply literals there (IRIs, ``@json``, lists, graph containers)."""


def _key(value: Any) -> Any:
    # Remote contexts are keyed by URL; only inline objects need serializing.
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return tuple(v if isinstance(v, str) else _text(v) for v in value)
    return _text(value)


def _text(value: Any) -> str | bytes:
    """An inline context's JSON, keys sorted: orjson's (a tenth of the time) unless it
    could be ambiguous — it writes NaN as null and refuses integers beyond 64 bits —
    then ``json``'s. (bytes and str keys never meet: each is unambiguous alone.)"""
    try:
        text = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return json.dumps(value, sort_keys=True)
    return text if b"null" not in text else json.dumps(value, sort_keys=True)


def _process(
    active: _Context,
    local: Any,
    *,
    override_protected: bool = False,
    propagate: bool = True,
    key: Any = None,
) -> _Context:
    key = (_key(local) if key is None else key, override_protected, propagate)
    found = active.cache.get(key)
    if found is None:
        found = _process_uncached(active, local, override_protected, propagate, set())
        if override_protected and active.previous is not None:
            found.scoped = (local, key[0])
        active.cache[key] = found
    return found


def _process_uncached(
    active: _Context, local: Any, override_protected: bool, propagate: bool, remote: set[str]
) -> _Context:
    result = active.clone()
    items = local if isinstance(local, list) else [local]
    if isinstance(local, dict) and "@propagate" in local:
        propagate = bool(local["@propagate"])
    if not propagate and result.previous is None:
        result.previous = active
    for item in items:
        if item is None:
            if not override_protected and any(t.protected for t in result.terms.values()):
                raise SafeModeError("a null @context would clear protected term definitions")
            previous = result.previous
            result = _Context()
            if not propagate:
                result.previous = previous
            continue
        if isinstance(item, str):
            if item in remote:
                raise UnsupportedJsonLd(f"recursive context inclusion of {item!r}")
            document = load_context(item)
            inner = _process_uncached(
                result, document["@context"], override_protected, True, remote | {item}
            )
            inner.previous = result.previous
            result = inner
            continue
        if not isinstance(item, dict):
            raise UnsupportedJsonLd(f"invalid local context {item!r}")
        if "@context" in item:
            # A context object wrapped as a context document ({"@context": {...}}):
            # jsonld.js and pyld unwrap it, and the W3C proof-chain vectors use it.
            result = _process_uncached(result, item["@context"], override_protected, True, remote)
            continue
        result = _process_object(result, item, override_protected)
    return result


def _process_object(ctx: _Context, item: dict[str, Any], override_protected: bool) -> _Context:
    for kw in ("@import", "@base"):
        if kw in item:
            raise UnsupportedJsonLd(f"{kw} in a context is not supported")
    if "@version" in item and item["@version"] != 1.1:
        raise UnsupportedJsonLd(f"@version {item['@version']!r}")
    if "@vocab" in item:
        vocab = item["@vocab"]
        if vocab is None:
            ctx.vocab = None
        elif isinstance(vocab, str):
            expanded = _expand_iri(ctx, vocab, vocab=True, document=True, defined=None, local=None)
            if expanded is None or not (_SCHEME.match(expanded) or expanded.startswith("_:")):
                raise SafeModeError(f"@vocab {vocab!r} is not an absolute IRI")
            ctx.vocab = expanded
        else:
            raise UnsupportedJsonLd(f"invalid @vocab {vocab!r}")
    if "@language" in item:
        lang = item["@language"]
        if lang is not None and not (isinstance(lang, str) and terms.well_formed_language(lang)):
            raise UnsupportedJsonLd(f"@language {lang!r}")  # the complete processor says why
        ctx.language = lang.lower() if isinstance(lang, str) else None
    if "@direction" in item:
        if item["@direction"] not in (None, "ltr", "rtl"):
            raise UnsupportedJsonLd(f"@direction {item['@direction']!r}")
        ctx.direction = item["@direction"]
    protected = bool(item.get("@protected", False))
    defined: dict[str, bool] = {}
    for term in item:
        if term in ("@vocab", "@language", "@direction", "@protected", "@version", "@propagate"):
            continue
        _define(ctx, item, term, defined, protected, override_protected)
    return ctx


def _define(
    ctx: _Context,
    local: dict[str, Any],
    term: str,
    defined: dict[str, bool],
    protected_default: bool,
    override_protected: bool,
) -> None:
    state = defined.get(term)
    if state is True:
        return
    if state is False:
        raise UnsupportedJsonLd(f"cyclic IRI mapping for term {term!r}")
    defined[term] = False
    value = local[term]
    if term in _KEYWORDS or _KEYWORD_LIKE.match(term):
        if term == "@type" and isinstance(value, dict):
            # "@type": {"@container": "@set"} (VC v2) changes nothing in RDF, but a
            # protected one may not be redefined differently
            if not value or set(value) - {"@container", "@protected"}:
                raise UnsupportedJsonLd("@type definition")
            if value.get("@container", "@set") != "@set":
                raise UnsupportedJsonLd("@type definition")
            container = "@container" in value
            before = ctx.type_def
            if before is not None and before[1] and not override_protected:
                if before[0] != container:
                    raise SafeModeError(
                        "protected term @type redefined", code="protected term redefinition"
                    )
                container = before[0]
            ctx.type_def = (container, bool(value.get("@protected", protected_default)))
            defined[term] = True
            return
        raise SafeModeError(f"context defines keyword-like term {term!r}")
    previous = ctx.terms.pop(term, None)
    if value is None or (isinstance(value, dict) and "@id" in value and value["@id"] is None):
        defined[term] = True
        if previous is not None and previous.protected and not override_protected:
            raise SafeModeError(f"protected term {term!r} redefined")
        # a null mapping: the term is known and maps to nothing, so @vocab
        # must not catch it (and safe mode refuses it where used)
        null_term = _Term()
        null_term.source = term
        if isinstance(value, dict) and set(value) - {"@id", "@protected"}:
            raise UnsupportedJsonLd(f"null term definition of {term!r} with more entries")
        null_term.protected = bool(
            value.get("@protected", protected_default)
            if isinstance(value, dict)
            else protected_default
        )
        if previous is not None and previous.protected and not override_protected:
            if not previous.same_as(null_term):
                raise SafeModeError(f"protected term {term!r} redefined")
            null_term = previous
        ctx.terms[term] = null_term
        return
    definition = _Term()
    definition.source = term
    if isinstance(value, str):
        value = {"@id": value}
    elif not isinstance(value, dict):
        raise UnsupportedJsonLd(f"invalid term definition for {term!r}")
    if set(value) - _FAST_TERM_KEYS:
        raise UnsupportedJsonLd(
            f"term definition of {term!r}: {sorted(set(value) - _FAST_TERM_KEYS)}"
        )
    definition.protected = bool(value.get("@protected", protected_default))
    if "@reverse" in value:
        raise UnsupportedJsonLd(f"reverse property {term!r} is not supported")
    if "@type" in value:
        tv = value["@type"]
        if not isinstance(tv, str):
            raise UnsupportedJsonLd(f"invalid @type mapping for {term!r}")
        if tv in ("@id", "@vocab", "@json", "@none"):
            definition.type = tv
        else:
            expanded = _expand_iri(
                ctx, tv, vocab=True, document=False, defined=defined, local=local
            )
            if expanded is None or not _SCHEME.match(expanded):
                raise SafeModeError(f"type mapping {tv!r} of term {term!r} is not an absolute IRI")
            definition.type = expanded
    if "@id" in value and value["@id"] != term:
        iri_value = value["@id"]
        if not isinstance(iri_value, str):
            raise UnsupportedJsonLd(f"invalid @id for term {term!r}")
        if not (iri_value in _KEYWORDS or not _KEYWORD_LIKE.match(iri_value)):
            defined[term] = True
            return  # keyword-like @id values are ignored by JSON-LD
        definition.iri = _expand_iri(
            ctx, iri_value, vocab=True, document=False, defined=defined, local=local
        )
        if (":" in term[1:-1] or "/" in term) and definition.iri != term:
            # a term that reads as an IRI but maps elsewhere: the complete processor
            # decides whether its own expansion agrees (else: invalid IRI mapping)
            raise UnsupportedJsonLd(f"IRI-like term {term!r} mapped to another IRI")
    elif ":" in term[1:]:
        prefix, _, suffix = term.partition(":")
        if prefix in local:
            _define(ctx, local, prefix, defined, protected_default, override_protected)
        p = ctx.terms.get(prefix)
        definition.iri = p.iri + suffix if p is not None and p.iri is not None else term
    elif term == "@type":
        definition.iri = "@type"
    elif ctx.vocab is not None:
        definition.iri = ctx.vocab + term
    else:
        raise SafeModeError(f"term {term!r} has no IRI mapping and there is no @vocab")
    iri = definition.iri or ""
    if isinstance(local[term], str) and ":" not in term and "/" not in term:
        # JSON-LD 1.1: only simple string definitions become compact-IRI prefixes
        definition.prefix = iri[-1:] in _GEN_DELIMS or iri.startswith("_:")
    if "@prefix" in value:
        definition.prefix = bool(value["@prefix"])
    if "@container" in value:
        container = value["@container"]
        c = frozenset(container if isinstance(container, list) else [container])
        if not c <= {"@set", "@list", "@graph", "@language", "@index", "@id", "@type"}:
            raise UnsupportedJsonLd(f"container {container!r} of {term!r}")
        if not _valid_container(c, len(container) if isinstance(container, list) else 1):
            raise UnsupportedJsonLd(f"container {container!r} of {term!r}")
        if c - {"@set", "@list", "@graph"}:
            raise UnsupportedJsonLd(f"container {sorted(c)!r} of {term!r} (maps) is not supported")
        definition.container = c
    if "@context" in value:
        definition.context = value["@context"]
        definition.context_key = _key(definition.context)
    if "@language" in value:
        lang = value["@language"]
        if lang is not None and not (isinstance(lang, str) and terms.well_formed_language(lang)):
            raise UnsupportedJsonLd(f"@language {lang!r} of {term!r}")
        definition.language = lang.lower() if isinstance(lang, str) else None
    if "@direction" in value:
        if value["@direction"] not in (None, "ltr", "rtl"):
            raise UnsupportedJsonLd(f"@direction {value['@direction']!r} of {term!r}")
        definition.direction = value["@direction"]
    if "@nest" in value:
        definition.nest = value["@nest"]
    if previous is not None and previous.protected and not override_protected:
        if not previous.same_as(definition):
            raise SafeModeError(f"protected term {term!r} redefined")
        definition = previous
    ctx.terms[term] = definition
    defined[term] = True


def _expand_iri(
    ctx: _Context,
    value: str,
    *,
    vocab: bool,
    document: bool,
    defined: dict[str, bool] | None,
    local: dict[str, Any] | None,
) -> str | None:
    if value in _KEYWORDS:
        return value
    if _KEYWORD_LIKE.match(value):
        return None
    if (
        local is not None
        and defined is not None
        and value in local
        and defined.get(value) is not True
    ):
        _define(ctx, local, value, defined, False, False)
    if vocab:
        term = ctx.terms.get(value)
        if term is not None:
            return term.iri
        if value in ctx.terms:
            return None
    colon = value.find(":", 1)
    if colon > 0:
        prefix, suffix = value[:colon], value[colon + 1 :]
        if prefix == "_" or suffix.startswith("//"):
            return value
        if (
            local is not None
            and defined is not None
            and prefix in local
            and defined.get(prefix) is not True
        ):
            _define(ctx, local, prefix, defined, False, False)
        p = ctx.terms.get(prefix)
        if p is not None and p.iri is not None and p.prefix:
            return p.iri + suffix
        if _SCHEME.match(value):
            return value
    if vocab and ctx.vocab is not None:
        return ctx.vocab + value
    return None if vocab else value


def _resolve_property(ctx: _Context, key: Any, where: str) -> _Resolved:
    """How a node's ``key`` is converted under ``ctx`` (safe-mode checks included).

    Depends on the context and key only; ``where`` is for error messages.
    """
    term = ctx.terms.get(key)
    iri = term.iri if term is not None else None
    if iri is None:
        if key in _KEYWORDS:
            iri = key
        elif _KEYWORD_LIKE.match(key):
            raise SafeModeError(f"unknown keyword-like key {key!r} at {where}")
        elif term is None:
            iri = _expand_iri(ctx, key, vocab=True, document=False, defined=None, local=None)
    if iri is None:
        raise SafeModeError(f"property {key!r} at {where} is not defined by the context")
    if iri == "@index":
        raise UnsupportedJsonLd(f"@index at {where}")  # checked by the complete processor
    if iri in ("@context", "@id", "@type"):
        return (_SKIP, term, iri, ctx, None)
    if iri == "@graph":
        return (_GRAPH, term, iri, ctx, None)
    if iri == "@nest":
        return (_NEST, term, iri, ctx, None)
    if iri.startswith("@"):
        raise UnsupportedJsonLd(f"{iri} at {where} is not supported")
    if iri.startswith("_:"):
        raise SafeModeError(f"property {key!r} at {where} expands to a blank node")
    if not _SCHEME.match(iri):
        raise SafeModeError(f"property {key!r} at {where} expands to relative IRI {iri!r}")
    value_ctx = ctx
    if term is not None and term.context is not _MISSING:
        value_ctx = _process(ctx, term.context, override_protected=True, key=term.context_key)
    return (
        _PROPERTY,
        term,
        terms.iri(iri, f"{where} ({key!r})"),
        value_ctx,
        _string_suffix(value_ctx, term),
    )


def _string_suffix(ctx: _Context, term: _Term | None) -> str | None:
    """The literal suffix for a plain string value (see ``_Resolved``).

    Mirrors ``object_term`` / ``_string_literal`` for a ``str`` value.
    """
    language, direction = ctx.language, ctx.direction
    if term is not None:
        if term.type in ("@id", "@vocab", "@json") or term.container & {"@list", "@graph"}:
            return None
        if term.type is not None and term.type != "@none":
            return terms.datatype_suffix(term.type)
        if term.language is not _MISSING:
            language = term.language
        if term.direction is not _MISSING:
            direction = term.direction
    return terms.language_suffix(language, direction)


class _Subtree:
    """A node object's quads, as a walker of its own made them: blank nodes as the
    numbers the walker gave them (``_:b0`` is 0), to be renumbered where reused;
    each with whether it is merged with an equal quad (lists' quads never are)."""

    __slots__ = ("context", "count", "quads", "subject")

    def __init__(self, context: _Context, walker: _Walker, subject: str) -> None:
        self.context = context  # kept alive, so no other context takes its id()

        def local(term: str) -> str | int:
            return int(term[3:]) if term.startswith("_:b") else term

        raw = set(walker.raw)
        self.quads: list[tuple[str | int, str, str | int, bool]] = [
            (local(s), p, local(o), i not in raw) for i, (s, p, o, _) in enumerate(walker.quads)
        ]
        self.subject = local(subject)
        self.count = walker.counter


class _Subtrees:
    """Node objects met again in the same context, with the quads they gave.

    Credentials of one offering share their achievement and their issuer's
    profile word for word; their quads are walked once, then replayed. The
    key is the node object's exact JSON (orjson's, unless NaN could pass for
    null or orjson refuses it: then no memo) with its active context and
    graph; only named nodes (an ``@id``) are kept, only once seen twice, and
    only small ones, in a bounded memo — a hostile stream of distinct
    documents gains nothing and grows nothing. A subtree is kept only when
    replaying it is exactly walking it: no blank node label of the document's
    own (those are shared document-wide).
    """

    LIMIT: Final = 256
    SEEN_LIMIT: Final = 4096
    MAX_TEXT: Final = 16_384

    def __init__(self) -> None:
        self.kept: dict[tuple[int, str, bytes], _Subtree] = {}
        self.seen: set[int] = set()  # hashes: a collision only keeps a node sooner

    @staticmethod
    def key(ctx: _Context, obj: Any, graph: str) -> tuple[int, str, bytes] | None:
        if type(obj) is not dict:
            return None
        try:
            text = orjson.dumps(obj)
        except TypeError:
            return None
        if len(text) > _Subtrees.MAX_TEXT or b"null" in text:
            return None
        return (id(ctx), graph, text)

    def get(self, key: tuple[int, str, bytes], ctx: _Context) -> _Subtree | None:
        found = self.kept.get(key)
        if found is not None and found.context is ctx:
            return found
        return None

    def admit(self, key: tuple[int, str, bytes]) -> bool:
        """Whether this key was seen before (then it is worth keeping)."""
        digest = hash(key)
        if digest in self.seen:
            return True
        if len(self.seen) >= self.SEEN_LIMIT:
            self.seen.clear()
        self.seen.add(digest)
        return False

    def keep(self, key: tuple[int, str, bytes], subtree: _Subtree) -> None:
        if len(self.kept) >= self.LIMIT:
            # another thread may have got there first
            with contextlib.suppress(KeyError, RuntimeError, StopIteration):
                del self.kept[next(iter(self.kept))]
        self.kept[key] = subtree


_SUBTREES = _Subtrees()


class _Walker:
    """One document's conversion state."""

    __slots__ = ("bnodes", "counter", "named", "quads", "raw", "seen")

    def __init__(self) -> None:
        self.quads: list[Quad] = []
        self.seen: set[Quad] = set()
        self.bnodes: dict[str, str] = {}
        self.counter = 0
        # Whether the walk met a document-wide blank node label (then its quads
        # cannot be replayed elsewhere), and which quads are never merged (lists').
        self.named = False
        self.raw: list[int] = []

    def emit(self, s: str, p: str, o: str, g: str) -> None:
        quad = (s, p, o, g)
        if quad not in self.seen:
            self.seen.add(quad)
            self.quads.append(quad)

    def fresh(self) -> str:
        label = f"_:b{self.counter}"
        self.counter += 1
        return label

    def bnode(self, label: str) -> str:
        self.named = True
        found = self.bnodes.get(label)
        if found is None:
            found = self.bnodes[label] = self.fresh()
        return found

    def iri_term(self, ctx: _Context, value: Any, path: str, *, vocab: bool) -> str:
        if not isinstance(value, str):
            raise SafeModeError(f"IRI at {path} is not a string: {value!r}")
        expanded = _expand_iri(
            ctx, value, vocab=vocab, document=not vocab, defined=None, local=None
        )
        if expanded is None or expanded in _KEYWORDS:
            raise SafeModeError(f"{value!r} at {path} does not expand to an IRI")
        if expanded.startswith("_:"):
            return self.bnode(expanded)
        if not _SCHEME.match(expanded):
            raise SafeModeError(f"{value!r} at {path} is a relative IRI (no base IRI in safe mode)")
        return terms.iri(expanded, path)

    # -- nodes -----------------------------------------------------------------

    def node(
        self,
        ctx: _Context,
        obj: Mapping[str, Any],
        graph: str,
        path: str,
        *,
        top: bool = False,
        free: bool = False,
    ) -> str | None:
        previous = ctx.previous
        if previous is not None and not top:
            size = len(obj) - ("@context" in obj)
            if not (
                "@value" in obj
                or (size == 1 and next(k for k in obj if k != "@context") in ctx.aliases("@id"))
            ):
                if ctx.scoped is not None:
                    local, local_key = ctx.scoped
                    ctx = _process(previous, local, override_protected=True, key=local_key)
                else:
                    ctx = previous
        if "@context" in obj:
            ctx = _process(ctx, obj["@context"])
        type_ctx = ctx
        types: list[tuple[str, Any]] = []
        type_aliases = type_ctx.aliases("@type")
        type_keys = [k for k in obj if k in type_aliases]
        if len(type_keys) > 1:
            type_keys.sort()
        for key in type_keys:
            values = obj[key]
            if type(values) is str:
                names: Any = (values,)
            else:
                items = values if isinstance(values, list) else [values]
                names = sorted(v for v in items if isinstance(v, str))
            for t in names:
                term = type_ctx.terms.get(t)
                if term is not None and term.context is not _MISSING:
                    ctx = _process(ctx, term.context, propagate=False, key=term.context_key)
            types.append((key, values))
        subject: str | None = None
        id_aliases = ctx.aliases("@id")
        id_keys = [k for k in obj if k in id_aliases]
        if (top or free) and len(id_keys) == sum(
            1 for k, v in obj.items() if k != "@context" and v is not None
        ):
            # JSON-LD drops a free-floating node with nothing but an @id
            raise SafeModeError(f"node at {path} has no properties and would be dropped")
        for key in id_keys:
            subject = self.iri_term(ctx, obj[key], f"{path}.{key}", vocab=False)
        if subject is None:
            subject = self.fresh()
        type_iris = type_ctx.type_iris
        for key, values in types:
            for i, t in enumerate(values if isinstance(values, list) else [values]):
                # A type's IRI depends on the context only (unless it is a
                # blank node, whose label is per document): memoized.
                type_iri = type_iris.get(t) if isinstance(t, str) else None
                if type_iri is None:
                    type_iri = self.iri_term(type_ctx, t, f"{path}.{key}[{i}]", vocab=True)
                    if type_iri[0] == "<" and len(type_iris) < _MEMO_LIMIT:
                        type_iris[t] = type_iri
                self.emit(subject, _TYPE, type_iri, graph)
        self.properties(ctx, obj, subject, graph, path, top=top)
        return subject

    def named_node(self, ctx: _Context, obj: dict[str, Any], graph: str, path: str) -> str | None:
        """``node`` for a named node object inside another: replayed from ``_SUBTREES``
        when the same object was walked in the same context before."""
        key = _SUBTREES.key(ctx, obj, graph)
        if key is None:
            return self.node(ctx, obj, graph, path)
        subtree = _SUBTREES.get(key, ctx)
        if subtree is None:
            if not _SUBTREES.admit(key):
                return self.node(ctx, obj, graph, path)
            walker = _Walker()
            subject = walker.node(ctx, obj, graph, path)
            if walker.named or subject is None:
                return self.node(ctx, obj, graph, path)
            subtree = _Subtree(ctx, walker, subject)
            _SUBTREES.keep(key, subtree)
        base = self.counter
        self.counter += subtree.count
        seen, quads = self.seen, self.quads
        for s, p, o, merged in subtree.quads:
            quad = (
                s if isinstance(s, str) else f"_:b{base + s}",
                p,
                o if isinstance(o, str) else f"_:b{base + o}",
                graph,
            )
            if not merged:
                self.raw.append(len(quads))
                quads.append(quad)
            elif quad not in seen:
                seen.add(quad)
                quads.append(quad)
        label = subtree.subject
        return label if isinstance(label, str) else f"_:b{base + label}"

    def _expands_to(self, ctx: _Context, key: str) -> str | None:
        if key in _KEYWORDS:
            return key
        term = ctx.terms.get(key)
        if term is not None:
            return term.iri
        return None

    def properties(
        self,
        ctx: _Context,
        obj: Mapping[str, Any],
        subject: str,
        graph: str,
        path: str,
        *,
        top: bool = False,
    ) -> None:
        resolved = ctx.resolved
        seen, quads = self.seen, self.quads
        for key, value in obj.items():
            entry = resolved.get(key)
            if entry is None:
                entry = _resolve_property(ctx, key, f"{path}.{key}")
                if len(resolved) < _MEMO_LIMIT:
                    resolved[key] = entry
            kind, term, predicate, value_ctx, suffix = entry
            if kind == _PROPERTY:
                if suffix is not None and type(value) is str:  # the common case, inline
                    quad = (subject, predicate, f'"{escape_literal(value)}"{suffix}', graph)
                    if quad not in seen:
                        seen.add(quad)
                        quads.append(quad)
                else:
                    self.property_value(
                        value_ctx, term, predicate, value, subject, graph, f"{path}.{key}", suffix
                    )
            elif kind == _GRAPH:
                where = f"{path}.{key}"
                graph_name = graph if top and not self._has_node_content(ctx, obj) else subject
                for i, item in enumerate(value if isinstance(value, list) else [value]):
                    if isinstance(item, dict):
                        self.node(ctx, item, graph_name, f"{where}[{i}]", free=True)
                    else:
                        raise SafeModeError(f"non-object in @graph at {where}[{i}]")
            elif kind == _NEST:
                # @nest (and scoped contexts on its aliases, @type inside it) is
                # left to the complete processor
                raise UnsupportedJsonLd(f"@nest at {path}.{key}")
                where = f"{path}.{key}"
                for item in value if isinstance(value, list) else [value]:
                    if not isinstance(item, dict):
                        raise SafeModeError(f"@nest value at {where} must be an object")
                    self.properties(ctx, item, subject, graph, where)

    def _has_node_content(self, ctx: _Context, obj: Mapping[str, Any]) -> bool:
        return any(self._expands_to(ctx, k) not in ("@context", "@graph") for k in obj)

    def property_value(
        self,
        ctx: _Context,
        term: _Term | None,
        predicate: str,
        value: Any,
        subject: str,
        graph: str,
        path: str,
        suffix: str | None = None,
    ) -> None:
        container = term.container if term is not None else frozenset()
        if term is not None and term.type == "@json":
            self.emit(
                subject,
                predicate,
                f'"{escape_literal(terms.json_lexical(value))}"^^<{_JSON_DT}>',
                graph,
            )
            return
        if "@list" in container:
            if value is None:
                return
            if isinstance(value, dict) and value.get("@list") is not None:
                # already a list object: JSON-LD does not wrap it again
                ((obj, _),) = self.expand(ctx, term, value, graph, path, inside=False)
            else:
                obj = self.chain(self.expand(ctx, term, value, graph, path, inside=False), graph)
            self.raw.append(len(self.quads))
            self.quads.append((subject, predicate, obj, graph))  # a list: never merged
            return
        if "@graph" in container:
            for i, item in enumerate(value if isinstance(value, list) else [value]):
                if not isinstance(item, dict):
                    raise UnsupportedJsonLd(f"non-object value of graph container at {path}")
                if "@graph" in item:
                    raise UnsupportedJsonLd(f"explicit @graph inside a graph container at {path}")
                name = self.fresh()
                self.node(ctx, item, name, f"{path}[{i}]", free=True)
                self.emit(subject, predicate, name, graph)
            return
        items = value if isinstance(value, list) else [value]
        value_aliases: frozenset[Any] | None = None
        for i, item in enumerate(items):
            if suffix is not None and type(item) is str:
                self.emit(subject, predicate, f'"{escape_literal(item)}"{suffix}', graph)
                continue
            where = f"{path}[{i}]" if isinstance(value, list) else path
            if type(item) is dict and "@value" not in item and "@list" not in item:
                # A node object (the common case, inline): what expand and
                # object_term would conclude for it, without their tests.
                if value_aliases is None:
                    value_aliases = ctx.aliases("@value")
                if "@set" not in item and value_aliases.isdisjoint(item):
                    if ctx.aliases("@id").isdisjoint(item) or graph:
                        node = self.node(ctx, item, graph, where)
                    else:
                        node = self.named_node(ctx, item, graph, where)
                    if node is not None:
                        self.emit(subject, predicate, node, graph)
                    continue
            for obj, is_list in self.expand(ctx, term, item, graph, where, inside=False):
                if is_list:
                    self.raw.append(len(self.quads))
                    self.quads.append((subject, predicate, obj, graph))
                else:
                    self.emit(subject, predicate, obj, graph)

    def expand(
        self, ctx: _Context, term: _Term | None, value: Any, graph: str, path: str, *, inside: bool
    ) -> list[tuple[str, bool]]:
        """The RDF terms a value expands to, in order (JSON-LD 1.1 expansion of arrays,
        ``@set`` and ``@list`` objects, as jsonld.js does it).

        An array's items are expanded one by one; an item that is itself an
        array (or a ``@set`` object, which expands to its content) is flattened
        into it, except inside a list — the content of ``@list`` or of a term
        with a ``@list`` container — where it becomes a nested list. An empty
        list is ``rdf:nil``. ``{"@list": null}`` and ``{"@set": null}`` lose
        their only entry and remain an empty node object: a blank node.

        Each term comes with whether it is a list: JSON-LD's node map merges
        equal values of a property but keeps every list, so two empty lists
        are two ``rdf:nil`` statements (jsonld.js emits and hashes both).
        """
        if isinstance(value, list):
            inside = inside or (term is not None and "@list" in term.container)
            out: list[tuple[str, bool]] = []
            for i, item in enumerate(value):
                where = f"{path}[{i}]"
                if isinstance(item, list) or (_is_container_object(item, "@set", where)):
                    objects = self.expand(ctx, term, item, graph, where, inside=False)
                    if inside:
                        out.append((self.chain(objects, graph), True))
                    else:
                        out.extend(objects)
                else:
                    out.extend(self.expand(ctx, term, item, graph, where, inside=inside))
            return out
        if _is_container_object(value, "@set", path):
            return self.expand(ctx, term, value["@set"], graph, path, inside=False)
        if _is_container_object(value, "@list", path):
            inner = self.expand(ctx, term, value["@list"], graph, path, inside=True)
            return [(self.chain(inner, graph), True)]
        if isinstance(value, dict) and ("@set" in value or "@list" in value):
            # {"@set": null} / {"@list": null}: an empty node object
            return [(self.fresh(), False)]
        obj = self.object_term(ctx, term, value, graph, path)
        return [] if obj is None else [(obj, False)]

    def chain(self, items: list[tuple[str, bool]], graph: str) -> str:
        """An RDF collection of the terms of ``items``: its head, or ``rdf:nil`` when empty."""
        if not items:
            return _NIL
        head = self.fresh()
        node = head
        for i, (obj, _) in enumerate(items):
            self.emit(node, _FIRST, obj, graph)
            nxt = self.fresh() if i + 1 < len(items) else _NIL
            self.emit(node, _REST, nxt, graph)
            node = nxt
        return head

    def object_term(
        self, ctx: _Context, term: _Term | None, value: Any, graph: str, path: str
    ) -> str | None:
        if value is None:
            return None
        type_mapping = term.type if term is not None else None
        if isinstance(value, dict):
            if "@value" in value or not ctx.aliases("@value").isdisjoint(value):
                return self.value_object(ctx, value, path)
            if "@list" in value or "@set" in value:
                objects = self.expand(ctx, term, value, graph, path, inside=False)
                if len(objects) != 1:
                    raise UnsupportedJsonLd(f"@set object where one value is expected at {path}")
                return objects[0][0]
            return self.node(ctx, value, graph, path)
        if isinstance(value, list):
            raise UnsupportedJsonLd(f"nested array where one value is expected at {path}")
        if isinstance(value, str):
            if type_mapping == "@id":
                return self.iri_term(ctx, value, path, vocab=False)
            if type_mapping == "@vocab":
                return self.iri_term(ctx, value, path, vocab=True)
            if type_mapping is not None and type_mapping != "@none":
                return terms.literal(value, terms.datatype_suffix(type_mapping, path))
            language = ctx.language
            direction = ctx.direction
            if term is not None:
                if term.language is not _MISSING:
                    language = term.language
                if term.direction is not _MISSING:
                    direction = term.direction
            return _string_literal(value, language, direction)
        datatype = type_mapping if type_mapping not in (None, "@id", "@vocab", "@none") else None
        return _scalar_literal(value, datatype, path)

    def value_object(self, ctx: _Context, value: Mapping[str, Any], path: str) -> str | None:
        expanded = {}
        for k, v in value.items():
            kw = self._expands_to(ctx, k)
            if kw not in ("@value", "@type", "@language", "@direction", "@index", "@context"):
                raise SafeModeError(f"key {k!r} not allowed in value object at {path}")
            expanded[kw] = v
        raw = expanded.get("@value")
        dt = expanded.get("@type")
        if (
            "@index" in expanded
            or ("@type" in expanded and ("@language" in expanded or "@direction" in expanded))
            or ("@language" in expanded and not isinstance(expanded["@language"], str))
            or (("@language" in expanded or "@direction" in expanded) and type(raw) is not str)
            or ("@direction" in expanded and expanded["@direction"] not in ("ltr", "rtl"))
            or (dt is not None and not isinstance(dt, str))
            or (dt != "@json" and isinstance(raw, (list, dict)))
        ):
            # what is rare in credentials, and each way it can be invalid
            raise UnsupportedJsonLd(f"value object at {path}")
        if dt == "@json":
            return f'"{escape_literal(terms.json_lexical(raw))}"^^<{_JSON_DT}>'
        if raw is None:
            # JSON-LD drops it; safe mode (jsonld.js's too) refuses to drop data silently
            raise SafeModeError(f"null @value at {path}")
        datatype = None
        if dt is not None:
            datatype_term = self.iri_term(ctx, dt, f"{path}.@type", vocab=True)
            if not datatype_term.startswith("<"):
                raise SafeModeError(
                    f"@type {dt!r} of the value at {path} is not an IRI",
                    code="invalid typed value",
                )
            datatype = datatype_term[1:-1]
        if isinstance(raw, str):
            if datatype is not None:
                return terms.literal(raw, terms.datatype_suffix(datatype, path))
            lang = expanded.get("@language")
            return _string_literal(
                raw, lang.lower() if isinstance(lang, str) else None, expanded.get("@direction")
            )
        return _scalar_literal(raw, datatype, path)


def _is_container_object(value: Any, keyword: str, path: str) -> bool:
    """``value`` is a ``@set`` / ``@list`` object with content (``@index`` may stand beside it)."""
    if not isinstance(value, dict) or value.get(keyword) is None:
        return False
    if set(value) - {keyword, "@index"}:
        raise SafeModeError(f"a {keyword} object has only {keyword} and @index, at {path}")
    return True


def _string_literal(value: str, language: str | None, direction: str | None) -> str:
    return terms.literal(value, terms.language_suffix(language, direction))


def _scalar_literal(value: Any, datatype: str | None, path: str) -> str:
    if isinstance(value, bool):
        lexical = "true" if value else "false"
        return terms.literal(lexical, terms.datatype_suffix(datatype or _XSD_BOOLEAN, path))
    if isinstance(value, int):
        if datatype == _XSD_DOUBLE or abs(value) >= 10**21:
            return terms.literal(
                _double(float(value)), terms.datatype_suffix(datatype or _XSD_DOUBLE, path)
            )
        return terms.literal(str(value), terms.datatype_suffix(datatype or _XSD_INTEGER, path))
    if isinstance(value, float):
        if not math.isfinite(value):
            raise SafeModeError(f"non-finite number at {path}")
        if value.is_integer() and abs(value) < 1e21 and datatype != _XSD_DOUBLE:
            return terms.literal(
                str(int(value)), terms.datatype_suffix(datatype or _XSD_INTEGER, path)
            )
        return terms.literal(_double(value), terms.datatype_suffix(datatype or _XSD_DOUBLE, path))
    raise SafeModeError(f"unsupported JSON value at {path}: {value!r}")


def walk(document: Mapping[str, Any]) -> list[Quad]:
    """The RDF dataset of a JSON-LD document as serialized-term quads.

    Raises ``UnsupportedJsonLd`` for whatever lies outside the subset this
    walker handles; ``api.to_rdf`` then hands the document to the complete
    processor (``expand`` + ``rdf``).
    """
    if not isinstance(document, Mapping):
        raise UnsupportedJsonLd("only a single top-level JSON object is supported")
    walker = _Walker()
    walker.node(_INITIAL, document, "", "$", top=True)
    return walker.quads
