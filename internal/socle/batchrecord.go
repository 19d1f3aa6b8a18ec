package socle

import "time"

// BatchRecord is a batch as the stores record it: who loaded what, when,
// and what it changed. Metadata lineage and revision dates are made of
// these.
type BatchRecord struct {
	Batch
	// Collection is the collection the batch wrote to.
	Collection string
	// Status is "running", or "done" once committed.
	Status     string
	StartedAt  time.Time
	FinishedAt *time.Time
	// Counts are the batch's figures (zero while running).
	Counts ImportResult
}
