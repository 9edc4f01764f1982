-- Token-signing private keys are kept sealed under the master key
-- (meriter_shared.secrets, AES-256-GCM, purpose "registry/token-signing-key/<kid>"),
-- never in the clear. Keys stored in the clear by older versions keep their
-- PEM until the registry starts with its master key: it seals them then and
-- clears private_pem. Each row holds its key in exactly one of the two forms.
ALTER TABLE signing_keys ADD COLUMN private_sealed text;
ALTER TABLE signing_keys ALTER COLUMN private_pem DROP NOT NULL;
ALTER TABLE signing_keys ADD CONSTRAINT signing_keys_one_form
    CHECK ((private_pem IS NULL) <> (private_sealed IS NULL));
