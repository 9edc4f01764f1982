"""Signing in the worker's CPU pool, where the institutions' keys are opened.

``init_signer`` runs once in each pool process: it loads the master key ring
from the settings (the file or value they name). ``sign`` takes documents
with their *sealed* keys, opens each key there (keeping a few opened keys in
the process, bounded), adds a Data Integrity proof and returns the signed
documents. The event loop of the worker only awaits the result.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from meriter_credentials.keys import Ed25519KeyPair
from meriter_credentials.proofs import RDFC, add_proof
from meriter_issuer.identities.keystore import KeyStore, SigningKey
from meriter_shared import jsonio
from meriter_shared.cpu import CpuPool
from meriter_shared.settings import ServiceSettings

_KEYSTORE: KeyStore | None = None
_OPENED: OrderedDict[str, Ed25519KeyPair] = OrderedDict()
_OPENED_MAX = 256


@dataclass(frozen=True, slots=True)
class SignJob:
    key: SigningKey = field(repr=False)
    document: dict[str, Any] = field(repr=False)
    suite: str = RDFC


def init_signer(settings: ServiceSettings) -> None:
    """Pool initializer: the master key ring, loaded in this process."""
    global _KEYSTORE
    _KEYSTORE = KeyStore(settings.master_keys())
    _OPENED.clear()


def _pair(key: SigningKey) -> Ed25519KeyPair:
    pair = _OPENED.get(key.key_id)
    if pair is None or pair.id != key.vm_id:
        if _KEYSTORE is None:
            raise RuntimeError("init_signer did not run in this process")
        pair = _with_id(_KEYSTORE.open(key), key)
        _OPENED[key.key_id] = pair
        if len(_OPENED) > _OPENED_MAX:
            _OPENED.popitem(last=False)
    else:
        _OPENED.move_to_end(key.key_id)
    return pair


def sign(jobs: list[SignJob]) -> list[dict[str, Any]]:
    """Each document with one more proof, by its own key (runs in a pool process)."""
    return [add_proof(job.document, _pair(job.key), suite=job.suite) for job in jobs]


@dataclass(frozen=True, slots=True)
class SignText:
    """A document to sign, as JSON: one string crosses to the pool process and
    back instead of a document's nested dicts, whose pickling and unpickling
    took about a tenth of the issuer worker's CPU; the signed text is stored as
    it comes back."""

    key: SigningKey = field(repr=False)
    text: bytes = field(repr=False)
    suite: str = RDFC


def sign_texts(jobs: list[SignText]) -> list[str]:
    """Each JSON document signed, as JSON text (runs in a pool process)."""
    return [
        jsonio.dumps_text(add_proof(jsonio.loads(job.text), _pair(job.key), suite=job.suite))
        for job in jobs
    ]


class Signer:
    """Signs batches of documents: in the worker's CPU pool, or (for the rare status
    change an HTTP request makes) in a thread of this process."""

    def __init__(self, *, pool: CpuPool | None = None, keystore: KeyStore | None = None) -> None:
        if (pool is None) == (keystore is None):
            raise ValueError("give a CPU pool or a key store")
        self._pool = pool
        self._keystore = keystore

    async def sign_texts(self, jobs: list[SignText]) -> list[str]:
        """Many documents, as JSON text both ways, in the CPU pool (see ``SignText``)."""
        if not jobs:
            return []
        if self._pool is None:
            signed = await self.sign([SignJob(j.key, jsonio.loads(j.text), j.suite) for j in jobs])
            return [jsonio.dumps_text(d) for d in signed]
        return await self._pool.map(sign_texts, jobs)

    async def sign(self, jobs: list[SignJob]) -> list[dict[str, Any]]:
        if not jobs:
            return []
        if self._pool is not None:
            return await self._pool.map(sign, jobs)  # every core on one batch
        keystore = self._keystore
        assert keystore is not None

        def here() -> list[dict[str, Any]]:
            return [
                add_proof(job.document, _with_id(keystore.open(job.key), job.key), suite=job.suite)
                for job in jobs
            ]

        return await asyncio.to_thread(here)


def _with_id(pair: Ed25519KeyPair, key: SigningKey) -> Ed25519KeyPair:
    if pair.id == key.vm_id:
        return pair
    return Ed25519KeyPair(
        controller=key.controller, id=key.vm_id, public_key=pair.public_key, _private=pair._private
    )
