"""JSON-LD 1.1 contexts: context processing, term definitions, IRI expansion.

The algorithms of the JSON-LD 1.1 Processing Algorithms and API (W3C
Recommendation), sections 4.1, 4.2 and 5.2, step for step, with safe mode
always on. Used by ``expand``; the fast walker in ``tordf`` keeps its own
compiled contexts for the subset credentials use.

Invariants: an ``ActiveContext`` never changes once processing returns it;
remote contexts come only from the loader (the bundled, hash-pinned files by
default); every error is a ``JsonLdError`` carrying the JSON-LD error code.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, Final

from meriter_credentials.errors import JsonLdError, SafeModeError
from meriter_credentials.jsonld import iri as iris
from meriter_credentials.jsonld.terms import well_formed_language

__all__ = [
    "KEYWORDS",
    "ActiveContext",
    "ContextProcessor",
    "DocumentLoader",
    "TermDefinition",
    "is_keyword_like",
    "valid_container",
]

DocumentLoader = Callable[[str], Mapping[str, Any]]
"""Given an absolute URL, the parsed JSON document found there."""

KEYWORDS: Final = frozenset(
    {
        "@base", "@container", "@context", "@default", "@direction", "@embed",
        "@explicit", "@graph", "@id", "@import", "@included", "@index", "@json",
        "@language", "@list", "@nest", "@none", "@omitDefault", "@prefix",
        "@preserve", "@propagate", "@protected", "@requireAll", "@reverse",
        "@set", "@type", "@value", "@version", "@vocab",
    }
)  # fmt: skip
_MAX_REMOTE_CONTEXTS: Final = 32
_GEN_DELIMS: Final = frozenset(":/?#[]@")
_CONTAINERS: Final = frozenset({"@graph", "@id", "@index", "@language", "@list", "@set", "@type"})
_TERM_KEYS: Final = frozenset(
    {
        "@id", "@reverse", "@container", "@context", "@direction", "@index",
        "@language", "@nest", "@prefix", "@protected", "@type",
    }
)  # fmt: skip
MISSING: Final[Any] = type("Missing", (), {"__repr__": lambda self: "MISSING"})()


def is_keyword_like(value: str) -> bool:
    """``@`` followed by one or more ALPHA: reserved for future keywords (ignored)."""
    return len(value) > 1 and value[0] == "@" and value[1:].isascii() and value[1:].isalpha()


def _error(code: str, message: str) -> JsonLdError:
    return JsonLdError(f"{code}: {message}", code=code)


class TermDefinition:
    __slots__ = (
        "base_url",
        "container",
        "context",
        "direction",
        "index",
        "iri",
        "language",
        "nest",
        "prefix",
        "protected",
        "reverse",
        "type",
    )

    def __init__(self) -> None:
        self.iri: str | None = None
        self.reverse = False
        self.type: str | None = None
        self.language: Any = MISSING  # MISSING, None or a tag
        self.direction: Any = MISSING
        self.container: frozenset[str] = frozenset()
        self.context: Any = MISSING
        self.base_url: str | None = None
        self.index: str | None = None
        self.nest: str | None = None
        self.prefix = False
        self.protected = False

    def same_as(self, other: TermDefinition) -> bool:
        """Equal in everything but ``protected`` (and where a scoped context came from)."""
        for name in self.__slots__:
            if name in ("protected", "base_url", "context"):
                continue
            if getattr(self, name) != getattr(other, name):
                return False
        if self.context is MISSING or other.context is MISSING:
            return self.context is other.context
        return _canonical(self.context) == _canonical(other.context)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


class ActiveContext:
    __slots__ = (
        "base",
        "direction",
        "language",
        "original_base",
        "previous",
        "terms",
        "vocab",
    )

    def __init__(self, base: str | None) -> None:
        self.terms: dict[str, TermDefinition] = {}
        self.base = base
        self.original_base = base
        self.vocab: str | None = None
        self.language: str | None = None
        self.direction: str | None = None
        self.previous: ActiveContext | None = None

    def copy(self) -> ActiveContext:
        c = ActiveContext(self.base)
        c.original_base = self.original_base
        c.terms = dict(self.terms)
        c.vocab = self.vocab
        c.language = self.language
        c.direction = self.direction
        c.previous = self.previous
        return c

    def has_protected(self) -> bool:
        return any(t.protected for t in self.terms.values())


class ContextProcessor:
    """Context processing and IRI expansion with one loader; remote documents cached."""

    def __init__(self, loader: DocumentLoader) -> None:
        self._loader = loader
        self._documents: dict[str, Mapping[str, Any]] = {}
        self._processed: dict[tuple[Any, ...], ActiveContext] = {}
        self._keep: list[ActiveContext] = []
        self._pending: tuple[Any, ...] = (None, False, False, (), True)

    # -- remote documents ------------------------------------------------------

    def _load(self, url: str) -> Mapping[str, Any]:
        found = self._documents.get(url)
        if found is not None:
            return found
        try:
            document = self._loader(url)
        except JsonLdError:
            raise
        except Exception as exc:  # a loader's own failure
            raise _error("loading remote context failed", f"{url}: {exc}") from exc
        if not isinstance(document, Mapping) or "@context" not in document:
            raise _error("invalid remote context", f"{url} has no @context")
        self._documents[url] = document
        return document

    # -- 4.1 context processing ------------------------------------------------

    def process(
        self,
        active: ActiveContext,
        local: Any,
        base_url: str | None,
        remote: tuple[str, ...] = (),
        *,
        override_protected: bool = False,
        propagate: bool = True,
        validate_scoped: bool = True,
    ) -> ActiveContext:
        key = (
            id(active),
            _canonical(local),
            base_url,
            remote if not validate_scoped else None,
            override_protected,
            propagate,
            validate_scoped,
        )
        found = self._processed.get(key)
        if found is not None:
            return found
        result = self._process(
            active, local, base_url, remote, override_protected, propagate, validate_scoped
        )
        # keep ``active`` alive with the entry so that its id() is not reused
        self._processed[key] = result
        self._keep.append(active)
        return result

    def _process(
        self,
        active: ActiveContext,
        local: Any,
        base_url: str | None,
        remote: tuple[str, ...],
        override_protected: bool,
        propagate: bool,
        validate_scoped: bool,
    ) -> ActiveContext:
        result = active.copy()
        if isinstance(local, Mapping) and "@propagate" in local:
            propagate = local["@propagate"]
            if not isinstance(propagate, bool):
                raise _error("invalid @propagate value", repr(propagate))
        if not propagate and result.previous is None:
            result.previous = active
        for context in local if isinstance(local, list) else [local]:
            if context is None:
                if not override_protected and result.has_protected():
                    raise _error(
                        "invalid context nullification",
                        "a null context would clear protected term definitions",
                    )
                previous = result.previous
                result = ActiveContext(active.original_base)
                if not propagate:
                    result.previous = previous
                continue
            if isinstance(context, str):
                url = iris.resolve(context, base_url)
                if not iris.looks_absolute(url):
                    raise _error("loading remote context failed", f"relative context {context!r}")
                if not validate_scoped and url in remote:
                    continue
                if len(remote) >= _MAX_REMOTE_CONTEXTS:
                    raise _error("context overflow", f"more than {_MAX_REMOTE_CONTEXTS} contexts")
                if url in remote and validate_scoped:
                    raise _error("recursive context inclusion", url)
                document = self._load(url)
                result = self._process(
                    result,
                    document["@context"],
                    url,
                    (*remote, url),
                    override_protected,
                    True,
                    validate_scoped,
                )
                continue
            if not isinstance(context, Mapping):
                raise _error("invalid local context", repr(context))
            if "@context" in context:
                # a context object wrapped as a context document: unwrapped, as
                # jsonld.js and pyld (and the fast walker) do
                result = self._process(
                    result, context["@context"], base_url, remote, override_protected, True,
                    validate_scoped,
                )  # fmt: skip
                continue
            result = self._process_object(
                result, dict(context), base_url, remote, override_protected, validate_scoped
            )
        return result

    def _process_object(
        self,
        result: ActiveContext,
        context: dict[str, Any],
        base_url: str | None,
        remote: tuple[str, ...],
        override_protected: bool,
        validate_scoped: bool,
    ) -> ActiveContext:
        if "@version" in context and context["@version"] != 1.1:
            raise _error("invalid @version value", repr(context["@version"]))
        if "@import" in context:
            value = context["@import"]
            if not isinstance(value, str):
                raise _error("invalid @import value", repr(value))
            url = iris.resolve(value, base_url)
            document = self._load(url)
            imported = document["@context"]
            if not isinstance(imported, Mapping):
                raise _error("invalid remote context", f"{url}: an imported context is an object")
            if "@import" in imported:
                raise _error("invalid context entry", f"{url} imports another context")
            context = {**imported, **context}
            del context["@import"]
        if "@base" in context and not remote:
            value = context["@base"]
            if value is None:
                result.base = None
            elif not isinstance(value, str):
                raise _error("invalid base IRI", repr(value))
            elif iris.looks_absolute(value):
                result.base = value
            elif result.base is not None:
                result.base = iris.resolve(value, result.base)
            else:
                raise _error("invalid base IRI", f"relative @base {value!r} without a base")
        if "@vocab" in context:
            value = context["@vocab"]
            if value is None:
                result.vocab = None
            elif not isinstance(value, str):
                raise _error("invalid vocab mapping", repr(value))
            else:
                vocab = self.expand_iri(result, value, vocab=True, document_relative=True)
                if vocab is None or not (iris.looks_absolute(vocab) or iris.is_blank(vocab)):
                    raise SafeModeError(
                        f"@vocab {value!r} does not expand to an absolute IRI",
                        code="invalid vocab mapping",
                    )
                result.vocab = vocab
        if "@language" in context:
            value = context["@language"]
            if value is None:
                result.language = None
            elif not isinstance(value, str):
                raise _error("invalid default language", repr(value))
            else:
                if not well_formed_language(value):
                    raise SafeModeError(
                        f"@language {value!r} is not a well-formed language tag",
                        code="invalid default language",
                    )
                result.language = value.lower()
        if "@direction" in context:
            value = context["@direction"]
            if value is None:
                result.direction = None
            elif value in ("ltr", "rtl"):
                result.direction = value
            else:
                raise _error("invalid base direction", repr(value))
        if "@propagate" in context and not isinstance(context["@propagate"], bool):
            raise _error("invalid @propagate value", repr(context["@propagate"]))
        protected = context.get("@protected", False)
        if not isinstance(protected, bool):
            raise _error("invalid @protected value", repr(protected))
        defined: dict[str, bool] = {}
        # what a term defined on demand (by IRI expansion, 5.2 step 3) is defined with
        saved = self._pending
        self._pending = (base_url, protected, override_protected, remote, validate_scoped)
        try:
            self._define_all(result, context, defined)
        finally:
            self._pending = saved
        return result

    def _define_all(
        self, result: ActiveContext, context: dict[str, Any], defined: dict[str, bool]
    ) -> None:
        base_url, protected, override_protected, remote, validate_scoped = self._pending
        for term in context:
            if term in (
                "@base", "@direction", "@import", "@language", "@propagate",
                "@protected", "@version", "@vocab",
            ):  # fmt: skip
                continue
            self.define(
                result, context, term, defined, base_url, protected, override_protected,
                remote, validate_scoped,
            )  # fmt: skip

    # -- 4.2 create term definition --------------------------------------------

    def define(
        self,
        active: ActiveContext,
        local: Mapping[str, Any],
        term: str,
        defined: dict[str, bool],
        base_url: str | None,
        protected: bool = False,
        override_protected: bool = False,
        remote: tuple[str, ...] = (),
        validate_scoped: bool = True,
    ) -> None:
        state = defined.get(term)
        if state is True:
            return
        if state is False:
            raise _error("cyclic IRI mapping", term)
        if term == "":
            raise _error("invalid term definition", "the empty string is not a term")
        defined[term] = False
        value = local[term]
        if term == "@type":
            if (
                not isinstance(value, Mapping)
                or not value
                or set(value) - {"@container", "@protected"}
                or value.get("@container", "@set") != "@set"
            ):
                raise _error("keyword redefinition", "@type may only be given @container @set")
        elif term in KEYWORDS:
            raise _error("keyword redefinition", term)
        elif is_keyword_like(term):
            defined[term] = True
            return  # reserved for future keywords: JSON-LD ignores the definition
        previous = active.terms.pop(term, None)
        simple = False
        if value is None:
            value = {"@id": None}
        elif isinstance(value, str):
            value = {"@id": value}
            simple = True
        elif not isinstance(value, Mapping):
            raise _error("invalid term definition", f"{term!r}: {value!r}")
        definition = TermDefinition()
        if "@protected" in value:
            if not isinstance(value["@protected"], bool):
                raise _error("invalid @protected value", f"{term!r}")
            definition.protected = value["@protected"]
        else:
            definition.protected = protected
        if "@type" in value:
            type_ = value["@type"]
            if not isinstance(type_, str):
                raise _error("invalid type mapping", f"{term!r}: {type_!r}")
            expanded = self.expand_iri(active, type_, vocab=True, local=local, defined=defined)
            if expanded not in ("@id", "@json", "@none", "@vocab") and not (
                expanded is not None and iris.looks_absolute(expanded)
            ):
                raise _error("invalid type mapping", f"{term!r}: {type_!r}")
            definition.type = expanded
        if "@reverse" in value:
            if "@id" in value or "@nest" in value:
                raise _error("invalid reverse property", f"{term!r} has @id or @nest")
            reverse = value["@reverse"]
            if not isinstance(reverse, str):
                raise _error("invalid IRI mapping", f"{term!r}: @reverse {reverse!r}")
            if is_keyword_like(reverse):
                raise SafeModeError(f"@reverse of {term!r} is a reserved keyword form")
            mapped = self.expand_iri(active, reverse, vocab=True, local=local, defined=defined)
            if mapped is None or not (iris.looks_absolute(mapped) or iris.is_blank(mapped)):
                raise _error("invalid IRI mapping", f"{term!r}: @reverse {reverse!r}")
            definition.iri = mapped
            if "@container" in value:
                container = value["@container"]
                if container not in (None, "@set", "@index"):
                    raise _error("invalid reverse property", f"{term!r}: container {container!r}")
                definition.container = frozenset([container]) if container else frozenset()
            definition.reverse = True
            self._finish(active, term, definition, previous, override_protected, defined)
            return
        if "@id" in value and value["@id"] != term:
            id_ = value["@id"]
            if id_ is None:
                definition.iri = None
            else:
                if not isinstance(id_, str):
                    raise _error("invalid IRI mapping", f"{term!r}: @id {id_!r}")
                if id_ not in KEYWORDS and is_keyword_like(id_):
                    defined[term] = True
                    return  # a reserved keyword form: the term stays undefined
                mapped = self.expand_iri(active, id_, vocab=True, local=local, defined=defined)
                if mapped is None or not (
                    mapped in KEYWORDS or iris.looks_absolute(mapped) or iris.is_blank(mapped)
                ):
                    raise _error("invalid IRI mapping", f"{term!r}: @id {id_!r}")
                if mapped == "@context":
                    raise _error("invalid keyword alias", f"{term!r} aliases @context")
                definition.iri = mapped
                if ":" in term[1:-1] or "/" in term:
                    defined[term] = True
                    again = self.expand_iri(active, term, vocab=True, local=local, defined=defined)
                    if again != mapped:
                        raise _error(
                            "invalid IRI mapping",
                            f"{term!r} looks like an IRI but maps to {mapped!r}",
                        )
                elif simple and (mapped[-1:] in _GEN_DELIMS or iris.is_blank(mapped)):
                    definition.prefix = True
        elif ":" in term[1:]:
            prefix, _, suffix = term.partition(":")
            if prefix in local:
                self.define(
                    active, local, prefix, defined, base_url, protected, override_protected,
                    remote, validate_scoped,
                )  # fmt: skip
            found = active.terms.get(prefix)
            if found is not None and found.iri is not None:
                definition.iri = found.iri + suffix
            else:
                definition.iri = term
        elif "/" in term:
            mapped = self.expand_iri(active, term, vocab=True)
            if mapped is None or not iris.looks_absolute(mapped):
                raise _error("invalid IRI mapping", f"{term!r}")
            definition.iri = mapped
        elif term == "@type":
            definition.iri = "@type"
        elif active.vocab is not None:
            definition.iri = active.vocab + term
        else:
            raise _error("invalid IRI mapping", f"term {term!r} has no IRI and there is no @vocab")
        if "@container" in value:
            container = value["@container"]
            items = container if isinstance(container, list) else [container]
            if not all(isinstance(c, str) for c in items) or not valid_container(
                frozenset(items), len(items)
            ):
                raise _error("invalid container mapping", f"{term!r}: {container!r}")
            definition.container = frozenset(items)
            if "@type" in definition.container:
                if definition.type is None:
                    definition.type = "@id"
                elif definition.type not in ("@id", "@vocab"):
                    raise _error("invalid type mapping", f"{term!r}: a type map needs @id/@vocab")
        if "@index" in value:
            index = value["@index"]
            if "@index" not in definition.container or not isinstance(index, str):
                raise _error("invalid term definition", f"{term!r}: @index {index!r}")
            mapped = self.expand_iri(active, index, vocab=True)
            if mapped is None or mapped in KEYWORDS or not iris.looks_absolute(mapped):
                raise _error("invalid term definition", f"{term!r}: @index {index!r}")
            definition.index = index
        if "@context" in value:
            scoped = value["@context"]
            try:
                self.process(
                    active, scoped, base_url, remote,
                    override_protected=True, validate_scoped=False,
                )  # fmt: skip
            except JsonLdError as exc:
                raise _error("invalid scoped context", f"{term!r}: {exc}") from exc
            definition.context = scoped
            definition.base_url = base_url
        if "@language" in value and "@type" not in value:
            language = value["@language"]
            if language is not None and not isinstance(language, str):
                raise _error("invalid language mapping", f"{term!r}: {language!r}")
            if language is not None and not well_formed_language(language):
                raise SafeModeError(
                    f"@language {language!r} of {term!r} is not a well-formed language tag",
                    code="invalid language mapping",
                )
            definition.language = language.lower() if language is not None else None
        if "@direction" in value and "@type" not in value:
            direction = value["@direction"]
            if direction not in (None, "ltr", "rtl"):
                raise _error("invalid base direction", f"{term!r}: {direction!r}")
            definition.direction = direction
        if "@nest" in value:
            nest = value["@nest"]
            if not isinstance(nest, str) or (nest != "@nest" and nest in KEYWORDS):
                raise _error("invalid @nest value", f"{term!r}: {nest!r}")
            definition.nest = nest
        if "@prefix" in value:
            if ":" in term or "/" in term:
                raise _error("invalid term definition", f"{term!r} cannot be a prefix")
            flag = value["@prefix"]
            if not isinstance(flag, bool):
                raise _error("invalid @prefix value", f"{term!r}: {flag!r}")
            if flag and definition.iri in KEYWORDS:
                raise _error("invalid term definition", f"keyword alias {term!r} as a prefix")
            definition.prefix = flag
        extra = set(value) - _TERM_KEYS
        if extra:
            raise _error("invalid term definition", f"{term!r} has {sorted(extra)}")
        self._finish(active, term, definition, previous, override_protected, defined)

    @staticmethod
    def _finish(
        active: ActiveContext,
        term: str,
        definition: TermDefinition,
        previous: TermDefinition | None,
        override_protected: bool,
        defined: dict[str, bool],
    ) -> None:
        if not override_protected and previous is not None and previous.protected:
            if not definition.same_as(previous):
                raise _error("protected term redefinition", term)
            definition = previous
        active.terms[term] = definition
        defined[term] = True

    # -- 5.2 IRI expansion -----------------------------------------------------

    def expand_iri(
        self,
        active: ActiveContext,
        value: str,
        *,
        vocab: bool = False,
        document_relative: bool = False,
        local: Mapping[str, Any] | None = None,
        defined: dict[str, bool] | None = None,
    ) -> str | None:
        if value in KEYWORDS:
            return value
        if is_keyword_like(value):
            return None
        if (
            local is not None
            and defined is not None
            and value in local
            and defined.get(value) is not True
        ):
            self.define(active, local, value, defined, *self._pending)
        term = active.terms.get(value)
        if term is not None and term.iri in KEYWORDS:
            return term.iri
        if vocab and value in active.terms:
            return term.iri if term is not None else None
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
                self.define(active, local, prefix, defined, *self._pending)
            found = active.terms.get(prefix)
            if found is not None and found.iri is not None and found.prefix:
                return found.iri + suffix
            if iris.looks_absolute(value):
                return value
        if vocab and active.vocab is not None:
            return active.vocab + value
        if document_relative:
            return iris.resolve(value, active.base)
        return value


def valid_container(container: frozenset[str], count: int) -> bool:
    if count != len(container) or not container <= _CONTAINERS or not container:
        return False
    if len(container) == 1:
        return True
    if "@list" in container:
        return False
    if "@graph" in container:
        return container - {"@graph", "@set"} <= {"@id"} or container - {
            "@graph",
            "@set",
        } <= {"@index"}
    if "@set" in container:
        return len(container) == 2
    return False
