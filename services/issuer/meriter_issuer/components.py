"""The issuer's parts, built once from settings for its HTTP and worker processes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from meriter_issuer.config import Settings
from meriter_issuer.identities.keystore import KeyStore
from meriter_issuer.identities.service import Identities
from meriter_issuer.issuance.service import Issuance
from meriter_issuer.issuance.signing import Signer, init_signer
from meriter_issuer.status.service import StatusLists
from meriter_shared.clock import Clock, utc_now
from meriter_shared.cpu import CpuPool


@dataclass
class Components:
    settings: Settings
    keystore: KeyStore
    identities: Identities
    status_lists: StatusLists
    learner_ref_key: bytes
    clock: Clock

    @classmethod
    def build(cls, settings: Settings, clock: Clock = utc_now) -> Components:
        master = settings.master_keys()  # an issuer without its master key does not start
        keystore = KeyStore(master)
        return cls(
            settings=settings,
            keystore=keystore,
            identities=Identities(keystore, settings.public_base_url),
            status_lists=StatusLists(settings.public_base_url, length=settings.status_list_length),
            learner_ref_key=master.derive("issuer/learner-ref"),
            clock=clock,
        )

    def cpu_pool(self) -> CpuPool:
        """The worker's CPU pool: each process loads the master key ring to sign."""
        return CpuPool(
            self.settings.cpu_processes, initializer=init_signer, initargs=(self.settings,)
        )

    def issuance(self, signer: Signer) -> Issuance:
        return Issuance(
            self.identities,
            self.status_lists,
            signer,
            public_base_url=self.settings.public_base_url,
            claim_ttl=timedelta(days=self.settings.claim_ttl_days),
            clock=self.clock,
        )
