-- Withdrawal with an effective date. A withdrawal no longer closes the
-- version in force: it marks it, once, with the instant it was recorded
-- (withdrawn_at, knowledge time) and the day from which the report no longer
-- counts (withdrawn_on, validity time). "As of T" then still reads the
-- version with recorded_at <= T < superseded_at, and the withdrawal is known
-- at T when withdrawn_at <= T. A resubmission closes the withdrawn version
-- and adds the next, as before. A version has superseded_at NULL exactly when
-- it is its report's current one, withdrawn or not.
--
-- Withdrawals recorded before this migration closed their version without a
-- successor and had no date: they become marked versions with withdrawn_on
-- NULL, which the QA rule reads as "withdrawn for every date" (as before), so
-- no answer, as of any instant, changes.
ALTER TABLE report_versions
    ADD COLUMN withdrawn_at timestamptz,
    ADD COLUMN withdrawn_on date,
    ADD CHECK (withdrawn_on IS NULL OR withdrawn_at IS NOT NULL);

UPDATE report_versions v SET withdrawn_at = r.withdrawn_at, superseded_at = NULL
  FROM reports r
 WHERE r.id = v.report_id AND v.version = r.current_version AND r.withdrawn_at IS NOT NULL;

-- DEQAR's own report id (report_id in its Submission API), when the report
-- came from DEQAR; it names the report for updates and withdrawal.
ALTER TABLE reports
    ADD COLUMN withdrawn_on date,
    ADD COLUMN deqar_report_id text UNIQUE;
CREATE INDEX reports_local_identifier_idx ON reports (local_identifier);
