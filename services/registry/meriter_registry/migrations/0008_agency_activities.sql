-- An agency's ESG activities as DEQAR lists them: a submission names one by
-- DEQAR activity id, name or the agency's local identifier, and its type
-- decides the report's structure.
CREATE TABLE agency_activities (
    agency_id        text NOT NULL REFERENCES agencies (id),
    position         integer NOT NULL,
    deqar_id         text,
    activity         text NOT NULL,
    activity_type    text NOT NULL,
    local_identifier text,
    valid_to         date,
    PRIMARY KEY (agency_id, position)
);
