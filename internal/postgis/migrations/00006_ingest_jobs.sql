-- +goose Up
-- The airlock: files deposited through POST /ingest/…, processed in the
-- background. The file itself is in update_inputs (by sha256), inserted in
-- the same transaction; a job queued or running when the process stops is
-- taken up again at the next start.
CREATE TABLE ingest_jobs (
    id          text PRIMARY KEY,
    kind        text NOT NULL,
    source      text NOT NULL DEFAULT '',
    actor       text NOT NULL DEFAULT '',
    sha256      text NOT NULL,
    size        bigint NOT NULL,
    status      text NOT NULL DEFAULT 'queued',
    report      jsonb,
    error       text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ingest_jobs_pending_idx ON ingest_jobs (created_at) WHERE status IN ('queued', 'running');

-- +goose Down
DROP TABLE ingest_jobs;
