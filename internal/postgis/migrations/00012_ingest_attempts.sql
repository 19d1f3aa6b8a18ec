-- +goose Up
-- The airlock's jobs count their starts: a job whose run kills the process
-- (not a recovered panic) was taken up again at every start, for ever;
-- after three starts that never finished it ends failed, its file kept.
-- GET /ingest/jobs lists a caller's jobs, newest first.
ALTER TABLE ingest_jobs ADD COLUMN attempts integer NOT NULL DEFAULT 0;
CREATE INDEX ingest_jobs_actor_idx ON ingest_jobs (actor, created_at DESC, id DESC);
CREATE INDEX ingest_jobs_created_idx ON ingest_jobs (created_at DESC, id DESC);

-- +goose Down
DROP INDEX ingest_jobs_created_idx;
DROP INDEX ingest_jobs_actor_idx;
ALTER TABLE ingest_jobs DROP COLUMN attempts;
