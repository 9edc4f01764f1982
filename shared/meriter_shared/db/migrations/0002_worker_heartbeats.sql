-- Worker processes (consumers and outbox relay, apart from the HTTP server)
-- say every few seconds that they run and whether their consumers and the
-- broker are usable; the HTTP process's /readyz reads this, since it cannot
-- see another process's consumers. A stopping worker deletes its row.
CREATE TABLE worker_heartbeats (
    worker_id text PRIMARY KEY,
    checks    jsonb NOT NULL,
    ok        boolean NOT NULL,
    beat_at   timestamptz NOT NULL DEFAULT now()
);
