package socle

import (
	"encoding/json"
	"time"
)

// History is the provenance a territory keeps beside its features: its
// batches with their rejects, the change log (every change each batch made
// to a feature, with what it replaced), and the reverts. A copy between
// stores carries it, so that the metadata lineage, `socle revert` and the
// change feed survive the move. Deposited files (which hold personal data)
// and credentials are not part of it. The Cerema files a territory loaded
// (its 2011–2021 reference consumption, which sets the communes' ZAN
// allowance) are kept under their batches, so they travel with them.
type History struct {
	Batches      []HistoryBatch
	Rejects      []HistoryReject
	Changes      []FeatureChange
	Reverts      []HistoryRevert
	Consommation []HistoryConsommation
}

// HistoryConsommation is one row of a Cerema NAF-consumption file as a
// store keeps it: the NAF space a commune consumed in a year, in m², under
// the batch that loaded the file.
type HistoryConsommation struct {
	Batch, INSEE, Name string
	Year               int
	M2                 float64
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

// Change operations of the log.
const (
	OpInsert = "insert"
	OpUpdate = "update"
	OpDelete = "delete"
)

// FeatureChange is one change a batch made to one feature, as both stores
// log it (table feature_changes): the feature's id as text, the operation,
// and Before, the stored columns it replaced as a JSON object — every
// column for an update or a delete ("geom" holds the geometry as hex WKB,
// values their text forms), null for an insert. Seq orders the log: batches
// are written one at a time, so it is the order of their commits. A revert
// applies the Befores of a batch, a change feed reads the log.
type FeatureChange struct {
	Seq        int64
	Batch      string
	Collection string
	FeatureID  string
	Op         string
	Before     json.RawMessage
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
	// Consommation counts the rows of Cerema files added (commune-years).
	Consommation int
}
