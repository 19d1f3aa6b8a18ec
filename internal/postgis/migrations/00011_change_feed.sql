-- +goose Up
-- The change feed: where the kept change log starts once old changes are
-- pruned (a feed asked for from before it answers 410), the positions of
-- the feeds this store follows (socle sync), and the batches by the time
-- they finished (a feed asked for "since" a time).
CREATE TABLE change_log_floor (
    seq           bigint NOT NULL,
    pruned_before timestamptz NOT NULL
);
CREATE TABLE sync_state (
    source      text NOT NULL,
    collection  text NOT NULL,
    token       text NOT NULL,
    synced_at   timestamptz NOT NULL,
    batch       text NOT NULL DEFAULT '',
    PRIMARY KEY (source, collection)
);
CREATE INDEX batches_finished_idx ON batches (finished_at);

-- +goose Down
DROP INDEX batches_finished_idx;
DROP TABLE sync_state;
DROP TABLE change_log_floor;
