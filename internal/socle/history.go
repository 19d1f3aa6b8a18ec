package socle

import (
	"encoding/json"
	"time"
)

// History is the provenance a territory keeps beside its features: its
// batches with their rejects, the values updater batches replaced, and the
// reverts. A copy between stores carries it, so that the metadata lineage
// and `update revert` survive the move. Deposited files (which hold personal
// data) and credentials are not part of it.
type History struct {
	Batches []HistoryBatch
	Rejects []HistoryReject
	Changes []HistoryChange
	Reverts []HistoryRevert
}

// HistoryBatch is one row of batches, its counts as stored.
type HistoryBatch struct {
	ID, Kind, Collection, Source, FileSHA256, Actor, Status string
	StartedAt                                               time.Time
	FinishedAt                                              *time.Time
	Counts                                                  json.RawMessage
}

// HistoryReject is a record a batch did not load.
type HistoryReject struct {
	Batch               string
	Line                int
	Column, Reason, Raw string
}

// HistoryChange is the previous derived values of one feature an updater
// batch changed.
type HistoryChange struct {
	Batch, Collection string
	FeatureID         int64
	Previous          json.RawMessage
}

// HistoryRevert records who reverted a batch, when, and what it restored.
type HistoryRevert struct {
	Batch, Actor string
	RevertedAt   time.Time
	Counts       json.RawMessage
}

// HistoryResult counts what an import of history added.
type HistoryResult struct {
	Batches, Rejects, Changes, Reverts int
}
