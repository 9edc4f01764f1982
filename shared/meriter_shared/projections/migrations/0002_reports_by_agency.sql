-- An agency's reports, by the agency id their state carries: a change of the
-- agency's EQAR registration asks which institutions it has reports on
-- (apply_agency). Without this index each such event read every report
-- (tests/plans).
CREATE INDEX registry_reports_agency ON registry_reports ((state ->> 'agency_id'));
