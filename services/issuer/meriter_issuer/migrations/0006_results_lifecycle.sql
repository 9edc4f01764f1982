-- Results have a lifecycle (issue 26): a result held or rejected says what
-- kind of reason keeps it so, and a result is corrected by new revisions.
--
-- ``reason_kind`` says who can change the outcome:
--   held:     'institution' / 'offering' (the registry's record has not
--             arrived yet), 'quality-assurance' (not quality assured on the
--             date) — all released by the issuer itself on a registry change;
--   rejected: 'offering' / 'institution' (their registry data cannot make a
--             credential: fixable in the registry, decided again when the
--             registry changes or on POST .../retry), 'result' (the result's
--             own data: corrected by PUT), 'erased' (final).
ALTER TABLE results
    ADD COLUMN reason_kind text CHECK (reason_kind IN
        ('institution', 'offering', 'quality-assurance', 'result', 'erased')),
    ADD COLUMN revision integer NOT NULL DEFAULT 1;

UPDATE results SET reason_kind = CASE
        WHEN reason = 'erased' THEN 'erased'
        WHEN reason LIKE 'offering % belongs to another institution' THEN 'offering'
        WHEN reason LIKE 'the offering''s data cannot make a credential%' THEN 'offering'
        ELSE 'result' END
    WHERE state = 'rejected';
UPDATE results SET reason_kind = CASE
        WHEN reason LIKE 'the registry''s record of this institution%' THEN 'institution'
        WHEN reason LIKE 'offering % is not known in the registry%' THEN 'offering'
        ELSE 'quality-assurance' END
    WHERE state = 'held';

-- Fixable rejections are found again when their institution's registry data changes.
CREATE INDEX results_fixable ON results (institution_id)
    WHERE state = 'rejected' AND reason_kind IN ('offering', 'institution');

-- One credential per revision of a result (was: per result). A correction's
-- credential supersedes the one before it: the old is revoked ('superseded')
-- in the transaction that stores the new, and each names the other.
ALTER TABLE credentials
    ADD COLUMN revision integer NOT NULL DEFAULT 1,
    ADD COLUMN supersedes text,
    ADD COLUMN superseded_by text;
ALTER TABLE credentials DROP CONSTRAINT credentials_institution_id_result_id_key;
ALTER TABLE credentials
    ADD CONSTRAINT credentials_one_per_revision UNIQUE (institution_id, result_id, revision);

-- A result's earlier revisions: which fields the next one changed, and when.
-- No personal data: the values stay only in ``results`` (erasable there).
CREATE TABLE result_revisions (
    institution_id text NOT NULL,
    result_id      text NOT NULL,
    revision       integer NOT NULL,
    content_hash   text NOT NULL,
    changed        text[] NOT NULL,
    replaced_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (institution_id, result_id, revision)
);
