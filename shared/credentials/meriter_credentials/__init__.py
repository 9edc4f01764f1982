"""Meriter's credential engine: EU micro-credentials as Open Badges 3.0 / VC 2.0.

Its own distribution, ``meriter-credentials``: it depends on none of the
kernel (``meriter_shared``) nor on any service framework, only on pydantic,
cryptography, rfc8785 and jsonschema, so it installs and runs alone
(``pip install ./shared/credentials``, then ``meriter vc …``).

Layout (one module per concern; issuer and verifier both import from here):

- ``jsonld/``      offline JSON-LD: bundled, hash-pinned contexts; compiled
                   contexts; JSON-LD -> RDF quads in safe mode.
- ``rdfc.py``      RDFC-1.0 canonicalization with a work limit.
- ``multibase.py`` / ``keys.py``  Ed25519 Multikey encoding, key files.
- ``did.py``       did:key and did:web documents and offline resolution.
- ``proofs.py``    Data Integrity proofs: eddsa-rdfc-2022, eddsa-jcs-2022.
- ``statuslist.py`` Bitstring Status List v1.0.
- ``microcredential.py`` the Annex I model and its OB 3.0 rendering.
- ``vcdm.py``      VC Data Model 2.0 / OB 3.0 structural rules.
- ``verification.py`` the checks a verifier runs, as an explained report.
- ``cli.py``       ``meriter vc …``.
- ``command.py``   the ``meriter`` command itself; every installed Meriter
                   distribution adds its sub-command through the
                   ``meriter.cli`` entry-point group.
"""
