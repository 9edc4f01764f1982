"""RDFC-1.0 canonicalization of RDF datasets (W3C Recommendation, 2024).

Representation (shared with ``jsonld.to_rdf``): a quad is a plain tuple
``(subject, predicate, object, graph)`` of *serialized N-Quads terms* in
canonical form -- ``<iri>`` with canonical UCHAR escaping, ``_:label``,
``"lexical"`` / ``"lexical"@lang`` / ``"lexical"^^<datatype>`` (no
``^^xsd:string``), and ``""`` for the default graph. Keeping terms
serialized makes the final N-Quads a string join and makes blank nodes
recognisable by their ``_:`` prefix, which is what keeps the common case
(credentials with a handful of blank nodes) fast.

Invariants:

- Output is byte-for-byte the RDFC-1.0 canonical N-Quads: one line per input
  quad (duplicates are kept, as rdf-canonize keeps them), lines sorted in
  code point order, blank nodes relabelled ``c14n0``, ``c14n1``, ...
- N-degree hashing only runs for blank nodes whose first-degree hashes
  collide; every N-degree call and every permutation tried counts against
  ``max_work``, and exceeding it raises ``CanonicalizationLimitExceeded``
  (a poison graph must not pin a core).
- Literal escaping: ``\\b \\t \\n \\f \\r \\" \\\\`` as ECHAR, every other
  character in U+0000..U+001F and U+007F as ``\\uXXXX``; IRIs escape
  U+0000..U+0020 and ``<>"{}|^`\\`` as ``\\uXXXX`` (as rdf-canonize does).
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final

from meriter_credentials.errors import JsonLdError

__all__ = [
    "DEFAULT_MAX_WORK",
    "CanonicalResult",
    "CanonicalizationLimitExceeded",
    "NQuadsSyntaxError",
    "Quad",
    "canonicalize_nquads",
    "canonicalize_quads",
    "escape_iri",
    "escape_literal",
    "literal_term",
    "parse_nquads",
    "serialize_nquads",
]

Quad = tuple[str, str, str, str]
"""``(subject, predicate, object, graph)`` as serialized N-Quads terms; graph
``""`` is the default graph."""

DEFAULT_MAX_WORK: Final = 4096
"""N-degree hash calls plus permutations allowed per canonicalization.

A credential with unique first-degree hashes uses 0; the whole RDFC-1.0 test
suite (bar the poison graph) fits well inside this."""

XSD_STRING: Final = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING: Final = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


class CanonicalizationLimitExceeded(JsonLdError):
    """The dataset needs more N-degree hashing work than ``max_work`` allows."""


class NQuadsSyntaxError(JsonLdError):
    """N-Quads input that is not a sequence of valid statements."""


@dataclass(frozen=True, slots=True)
class CanonicalResult:
    """Canonical N-Quads text and the map input blank node label -> canonical label."""

    nquads: str
    issued: dict[str, str]


# --- escaping ---------------------------------------------------------------

_LITERAL_ESCAPES: Final = {
    **{chr(c): f"\\u{c:04X}" for c in range(0x20)},
    "\x7f": "\\u007F",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
    '"': '\\"',
    "\\": "\\\\",
}
_LITERAL_ESCAPE_RE: Final = re.compile('[\x00-\x1f\x7f"\\\\]')
_IRI_ESCAPES: Final = {chr(c): f"\\u{c:04X}" for c in (*range(0x21), *b'<>"{}|^`\\')}
_IRI_ESCAPE_RE: Final = re.compile('[\x00-\x20<>"{}|^`\\\\]')


def _literal_sub(match: re.Match[str]) -> str:
    return _LITERAL_ESCAPES[match.group()]


def _iri_sub(match: re.Match[str]) -> str:
    return _IRI_ESCAPES[match.group()]


def escape_literal(value: str) -> str:
    """Canonical N-Quads escaping of a literal's lexical form (no quotes)."""
    # Printable text (no control characters) without a quote or a backslash
    # needs no escape; str's own tests say so faster than the expression.
    if value.isprintable() and '"' not in value and "\\" not in value:
        return value
    if _LITERAL_ESCAPE_RE.search(value) is None:
        return value
    return _LITERAL_ESCAPE_RE.sub(_literal_sub, value)


def escape_iri(value: str) -> str:
    """Canonical N-Quads escaping of an IRI (no angle brackets)."""
    if _IRI_ESCAPE_RE.search(value) is None:
        return value
    return _IRI_ESCAPE_RE.sub(_iri_sub, value)


def literal_term(value: str, datatype: str = XSD_STRING, language: str | None = None) -> str:
    """Serialized literal term; a language makes it an rdf:langString."""
    if language is not None:
        return f'"{escape_literal(value)}"@{language}'
    if datatype == XSD_STRING:
        return f'"{escape_literal(value)}"'
    return f'"{escape_literal(value)}"^^<{escape_iri(datatype)}>'


def serialize_nquads(quads: Iterable[Quad]) -> str:
    """N-Quads text, one line per quad in the given order."""
    return "".join(_line(q) for q in quads)


def _line(q: Quad) -> str:
    if q[3]:
        return f"{q[0]} {q[1]} {q[2]} {q[3]} .\n"
    return f"{q[0]} {q[1]} {q[2]} .\n"


# --- N-Quads parsing --------------------------------------------------------

_UNESCAPE_RE: Final = re.compile(r"\\(?:([btnfr\"'\\])|u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8}))")
_ECHAR_VALUES: Final = {
    "b": "\b",
    "t": "\t",
    "n": "\n",
    "f": "\f",
    "r": "\r",
    '"': '"',
    "'": "'",
    "\\": "\\",
}
_IRI: Final = r"<((?:[^\x00-\x20<>\"{}|^`\\]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*)>"
_BN_CHAR: Final = r"A-Za-z0-9_\-\u00B7\u00C0-\U000EFFFF"
_BNODE: Final = rf"(_:[A-Za-z0-9_\u00C0-\U000EFFFF](?:[{_BN_CHAR}.]*[{_BN_CHAR}])?)"
_LITERAL: Final = (
    r"\"((?:[^\"\\\n\r]|\\[btnfr\"'\\]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*)\""
    rf"(?:\^\^{_IRI}|@([a-zA-Z]+(?:-[a-zA-Z0-9]+)*))?"
)
_WS: Final = r"[ \t]*"
_STATEMENT_RE: Final = re.compile(
    rf"{_WS}(?:{_IRI}|{_BNODE}){_WS}{_IRI}{_WS}(?:{_IRI}|{_BNODE}|{_LITERAL})"
    rf"{_WS}(?:(?:{_IRI}|{_BNODE}){_WS})?\.{_WS}(?:#.*)?$"
)
_EMPTY_RE: Final = re.compile(rf"{_WS}(?:#.*)?$")


def _unescape_sub(match: re.Match[str]) -> str:
    echar, u4, u8 = match.groups()
    if echar is not None:
        return _ECHAR_VALUES[echar]
    return chr(int(u4 or u8, 16))


def _unescape(value: str) -> str:
    return _UNESCAPE_RE.sub(_unescape_sub, value) if "\\" in value else value


def _iri_term(raw: str) -> str:
    return f"<{escape_iri(_unescape(raw))}>"


def parse_nquads(text: str) -> list[Quad]:
    """Parse N-Quads into quads with terms re-serialized in canonical form.

    A dataset is a set: repeated statements are kept once, in first-seen order.
    """
    quads: list[Quad] = []
    seen: set[Quad] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        m = _STATEMENT_RE.match(line)
        if m is None:
            if _EMPTY_RE.match(line):
                continue
            raise NQuadsSyntaxError(f"N-Quads line {number} is not a valid statement: {line!r}")
        s_iri, s_bn, p_iri, o_iri, o_bn, o_lex, o_dt, o_lang, g_iri, g_bn = m.groups()
        subject = _iri_term(s_iri) if s_iri is not None else s_bn
        if o_iri is not None:
            obj = _iri_term(o_iri)
        elif o_bn is not None:
            obj = o_bn
        elif o_lang is not None:
            obj = literal_term(_unescape(o_lex), language=o_lang)
        else:
            dt = _unescape(o_dt) if o_dt is not None else XSD_STRING
            obj = literal_term(_unescape(o_lex), dt)
        graph = _iri_term(g_iri) if g_iri is not None else (g_bn or "")
        quad = (subject, _iri_term(p_iri), obj, graph)
        if quad not in seen:
            seen.add(quad)
            quads.append(quad)
    return quads


# --- RDFC-1.0 ----------------------------------------------------------------

_HASHES: Final[dict[str, Callable[[bytes], hashlib._Hash]]] = {
    "sha256": hashlib.sha256,
    "sha384": hashlib.sha384,
}


class _Issuer:
    """Identifier issuer: keeps issue order, which the algorithm depends on."""

    __slots__ = ("counter", "issued", "prefix")

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.counter = 0
        self.issued: dict[str, str] = {}

    def issue(self, existing: str) -> str:
        found = self.issued.get(existing)
        if found is None:
            found = f"_:{self.prefix}{self.counter}"
            self.counter += 1
            self.issued[existing] = found
        return found

    def copy(self) -> _Issuer:
        other = _Issuer(self.prefix)
        other.counter = self.counter
        other.issued = dict(self.issued)
        return other


class _Canonicalizer:
    __slots__ = ("bnode_quads", "canonical", "first_degree", "hash", "max_work", "remaining")

    def __init__(self, hash_fn: Callable[[bytes], hashlib._Hash], max_work: int) -> None:
        self.hash = hash_fn
        self.max_work = max_work
        self.remaining = max_work
        self.bnode_quads: dict[str, list[Quad]] = {}
        self.first_degree: dict[str, str] = {}
        self.canonical = _Issuer("c14n")

    def spend(self) -> None:
        self.remaining -= 1
        if self.remaining < 0:
            raise CanonicalizationLimitExceeded(
                f"RDFC-1.0 canonicalization needs more than {self.max_work} units of "
                "N-degree hashing work (blank node structure too symmetric); refused"
            )

    def hash_first_degree(self, bnode: str) -> str:
        lines = []
        for s, p, o, g in self.bnode_quads[bnode]:
            if s[0] == "_":
                s = "_:a" if s == bnode else "_:z"
            if o[0] == "_":
                o = "_:a" if o == bnode else "_:z"
            if g:
                if g[0] == "_":
                    g = "_:a" if g == bnode else "_:z"
                lines.append(f"{s} {p} {o} {g} .\n")
            else:
                lines.append(f"{s} {p} {o} .\n")
        lines.sort()
        digest = self.hash("".join(lines).encode()).hexdigest()
        self.first_degree[bnode] = digest
        return digest

    def hash_related(self, related: str, quad: Quad, issuer: _Issuer, position: str) -> str:
        identifier = self.canonical.issued.get(related) or issuer.issued.get(related)
        if identifier is None:
            identifier = self.first_degree[related]
        if position == "g":
            data = f"g{identifier}"
        else:
            # The spec hashes the raw predicate IRI, not its escaped form.
            predicate = quad[1]
            if "\\" in predicate:
                predicate = f"<{_unescape(predicate[1:-1])}>"
            data = f"{position}{predicate}{identifier}"
        return self.hash(data.encode()).hexdigest()

    def hash_n_degree(self, identifier: str, issuer: _Issuer) -> tuple[str, _Issuer]:
        self.spend()
        related_map: dict[str, list[str]] = {}
        for quad in self.bnode_quads[identifier]:
            for term, position in ((quad[0], "s"), (quad[2], "o"), (quad[3], "g")):
                if term and term[0] == "_" and term != identifier:
                    h = self.hash_related(term, quad, issuer, position)
                    bucket = related_map.setdefault(h, [])
                    bucket.append(term)
        data_to_hash: list[str] = []
        canonical = self.canonical.issued
        for related_hash in sorted(related_map):
            data_to_hash.append(related_hash)
            chosen_path = ""
            chosen_issuer: _Issuer | None = None
            for permutation in itertools.permutations(related_map[related_hash]):
                self.spend()
                issuer_copy = issuer.copy()
                path = ""
                recursion: list[str] = []
                skip = False
                for related in permutation:
                    if related in canonical:
                        path += canonical[related]
                    else:
                        if related not in issuer_copy.issued:
                            recursion.append(related)
                        path += issuer_copy.issue(related)
                    if chosen_path and len(path) >= len(chosen_path) and path > chosen_path:
                        skip = True
                        break
                if skip:
                    continue
                for related in recursion:
                    result_hash, result_issuer = self.hash_n_degree(related, issuer_copy)
                    path += issuer_copy.issue(related)
                    path += f"<{result_hash}>"
                    issuer_copy = result_issuer
                    if chosen_path and len(path) >= len(chosen_path) and path > chosen_path:
                        skip = True
                        break
                if skip:
                    continue
                if not chosen_path or path < chosen_path:
                    chosen_path = path
                    chosen_issuer = issuer_copy
            data_to_hash.append(chosen_path)
            assert chosen_issuer is not None  # at least one permutation always completes
            issuer = chosen_issuer
        return self.hash("".join(data_to_hash).encode()).hexdigest(), issuer

    def run(self, quads: list[Quad]) -> CanonicalResult:
        bnode_quads = self.bnode_quads
        for quad in quads:
            s, _, o, g = quad
            if s[0] == "_":
                bnode_quads.setdefault(s, []).append(quad)
            if o[0] == "_" and o != s:
                bnode_quads.setdefault(o, []).append(quad)
            if g and g[0] == "_" and g != s and g != o:
                bnode_quads.setdefault(g, []).append(quad)
        if not bnode_quads:
            return CanonicalResult("".join(sorted(map(_line, quads))), {})

        by_hash: dict[str, list[str]] = {}
        for bnode in bnode_quads:
            by_hash.setdefault(self.hash_first_degree(bnode), []).append(bnode)
        non_unique: list[list[str]] = []
        for h in sorted(by_hash):
            group = by_hash[h]
            if len(group) == 1:
                self.canonical.issue(group[0])
            else:
                non_unique.append(group)

        for group in non_unique:
            results: list[tuple[str, _Issuer]] = []
            for bnode in group:
                if bnode in self.canonical.issued:
                    continue
                temporary = _Issuer("b")
                temporary.issue(bnode)
                results.append(self.hash_n_degree(bnode, temporary))
            results.sort(key=lambda r: r[0])
            for _, issuer in results:
                for existing in issuer.issued:
                    self.canonical.issue(existing)

        label = self.canonical.issued
        lines = []
        for s, p, o, g in quads:
            if s[0] == "_":
                s = label[s]
            if o[0] == "_":
                o = label[o]
            if g:
                if g[0] == "_":
                    g = label[g]
                lines.append(f"{s} {p} {o} {g} .\n")
            else:
                lines.append(f"{s} {p} {o} .\n")
        lines.sort()
        issued = {k[2:]: v[2:] for k, v in label.items()}
        return CanonicalResult("".join(lines), issued)


def canonicalize_quads(
    quads: Iterable[Quad],
    *,
    hash_algorithm: str = "sha256",
    max_work: int = DEFAULT_MAX_WORK,
) -> CanonicalResult:
    """RDFC-1.0 canonical form of a dataset given as serialized-term quads.

    ``hash_algorithm`` is ``"sha256"`` (the RDFC-1.0 default) or ``"sha384"``.
    Raises ``CanonicalizationLimitExceeded`` past ``max_work`` N-degree units.
    """
    hash_fn = _HASHES.get(hash_algorithm.lower().replace("-", ""))
    if hash_fn is None:
        raise ValueError(f"unsupported RDFC-1.0 hash algorithm {hash_algorithm!r}")
    quad_list = quads if isinstance(quads, list) else list(quads)
    return _Canonicalizer(hash_fn, max_work).run(quad_list)


def canonicalize_nquads(
    text: str,
    *,
    hash_algorithm: str = "sha256",
    max_work: int = DEFAULT_MAX_WORK,
) -> CanonicalResult:
    """RDFC-1.0 canonical form of an N-Quads document."""
    return canonicalize_quads(parse_nquads(text), hash_algorithm=hash_algorithm, max_work=max_work)
