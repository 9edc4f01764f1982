"""``to_rdf`` and ``canonicalize``: the engine's public JSON-LD API.

Two processors stand behind it. The fast walker (``tordf``) turns the
documents credentials are made of straight into quads; whatever lies
outside its subset -- maps, ``@reverse``, ``@included``, ``@nest``,
``@base``, ``@import``, a base IRI or a caller's loader, top-level arrays
-- goes to the complete JSON-LD 1.1 processor (``expand`` then ``rdf``).
Both write every term through ``terms``; the test suite runs the W3C
suites through this API and checks that both processors agree wherever
the walker answers.
"""

from __future__ import annotations

from typing import Any

from meriter_credentials import rdfc
from meriter_credentials.errors import JsonLdError, UnsupportedJsonLd
from meriter_credentials.jsonld import tordf
from meriter_credentials.jsonld.context import ContextProcessor, DocumentLoader
from meriter_credentials.jsonld.expand import expand
from meriter_credentials.jsonld.loader import load_context
from meriter_credentials.jsonld.rdf import RDF_DIRECTIONS, to_quads
from meriter_credentials.rdfc import Quad

__all__ = ["canonicalize", "full_to_rdf", "to_rdf"]


def to_rdf(
    document: Any,
    *,
    base: str | None = None,
    document_loader: DocumentLoader | None = None,
    rdf_direction: str | None = "i18n-datatype",
) -> list[Quad]:
    """The RDF dataset of a JSON-LD document, in safe mode, as serialized-term quads.

    ``base`` is the document's base IRI (none: relative IRIs are refused);
    ``document_loader`` maps a context URL to its parsed document (default:
    the bundled, hash-pinned contexts; nothing is ever fetched);
    ``rdf_direction`` is JSON-LD's rdfDirection (``None``, ``"i18n-datatype"``
    as Data Integrity uses, or ``"compound-literal"``).
    """
    if base is None and document_loader is None and rdf_direction == "i18n-datatype":
        try:
            return tordf.walk(document)
        except UnsupportedJsonLd:
            pass
        except RecursionError:
            raise JsonLdError("the document is nested too deeply") from None
    return full_to_rdf(
        document, base=base, document_loader=document_loader, rdf_direction=rdf_direction
    )


def full_to_rdf(
    document: Any,
    *,
    base: str | None = None,
    document_loader: DocumentLoader | None = None,
    rdf_direction: str | None = "i18n-datatype",
    expand_context: Any = None,
) -> list[Quad]:
    """``to_rdf`` by the complete processor alone (expansion, node map, RDF)."""
    if rdf_direction not in RDF_DIRECTIONS:
        raise JsonLdError(f"unknown rdf_direction {rdf_direction!r}")
    contexts = ContextProcessor(document_loader or load_context)
    try:
        expanded = expand(document, contexts, base=base, expand_context=expand_context)
        return to_quads(expanded, rdf_direction=rdf_direction)
    except RecursionError:
        raise JsonLdError("the document is nested too deeply") from None


def canonicalize(
    document: Any,
    *,
    base: str | None = None,
    document_loader: DocumentLoader | None = None,
    rdf_direction: str | None = "i18n-datatype",
    hash_algorithm: str = "sha256",
    max_work: int = rdfc.DEFAULT_MAX_WORK,
) -> str:
    """RDFC-1.0 canonical N-Quads of a JSON-LD document (``to_rdf``'s options)."""
    quads = to_rdf(
        document, base=base, document_loader=document_loader, rdf_direction=rdf_direction
    )
    return rdfc.canonicalize_quads(quads, hash_algorithm=hash_algorithm, max_work=max_work).nquads
