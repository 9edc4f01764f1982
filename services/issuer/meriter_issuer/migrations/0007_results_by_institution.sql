-- The institution's results in the order they arrived (GET /v1/results without a
-- state filter: keyset pages on seq). results_by_state serves the filtered listing;
-- without this index the unfiltered one walked results_seq_key, the whole table in
-- seq order, keeping the institution's rows (tests/plans).
CREATE INDEX results_by_institution ON results (institution_id, seq);
