package socle

import (
	"context"
	"log/slog"
	"time"
)

// Store is everything Socle keeps, whatever keeps it: the PostGIS store
// (package postgis) and the embedded GeoPackage store (package embedded)
// both implement all of it, which each checks at compile time. Commands
// hold a Store; every other consumer asks for the roles it uses.
type Store interface {
	FeatureReader
	TileReader
	Importer
	Reverter
	Lineage
	Updates
	IngestJobs
	Keys
	AuditLog
	HistoryStore
	ChangeSource
	ChangeFeed
	SyncPositions
	// Ping says whether the store answers (EUNAVAILABLE when it does not).
	Ping(ctx context.Context) error
	Close() error
}

// FeatureReader reads features: pages of a query, one feature, and a
// collection's summary. Queries come resolved (ResolveItems): a store never
// checks them again.
type FeatureReader interface {
	// Items streams the page of features q selects to fn, in q's order,
	// and says where the neighbouring pages start. fn must not keep the
	// Feature's slices: the store reuses them.
	Items(ctx context.Context, q *ItemsQuery, fn func(*Feature) error) (Page, error)
	// Records streams the features q selects as Go values, with every
	// geometry in the storage CRS at full precision, for Socle's own
	// readers (the updater, copies, the HTML pages).
	Records(ctx context.Context, q *ItemsQuery, fn func(*Record) error) (Page, error)
	// Feature returns one feature, or ENOTFOUND.
	Feature(ctx context.Context, q *FeatureQuery) (*Feature, error)
	// FeatureRecord returns one feature as Go values (its geometry in the
	// storage CRS), or ENOTFOUND.
	FeatureRecord(ctx context.Context, q *FeatureQuery) (*Record, error)
	Summary(ctx context.Context, c *Collection) (Summary, error)
}

// TileReader makes vector tiles.
type TileReader interface {
	// Tile returns the MVT tile of q's collections (empty when nothing is
	// in it).
	Tile(ctx context.Context, q TileQuery) ([]byte, error)
}

// Importer writes a batch of rows into a collection, whole or not at all:
// each row inserted or updated by its id or key, a row equal to what is
// stored left alone, with Replace the features absent retired, every
// change logged, the rejects kept, the batch recorded with its counts.
type Importer interface {
	Import(ctx context.Context, b Batch, c *Collection, rows RowStream) (ImportResult, error)
}

// Reverter undoes a batch — an import, an update, a copy — by the change
// log: the features it touched go back to their state before it, in a
// revert batch whose changes are logged too. A batch whose features a
// later batch changed again is reverted only after that one.
type Reverter interface {
	Revert(ctx context.Context, batch, actor string) (RevertResult, error)
}

// Lineage lists the batches that wrote collections, newest first: what
// metadata lineage and revision dates are made of.
type Lineage interface {
	Batches(ctx context.Context, collections []string, limit int) ([]BatchRecord, error)
}

// Updates keeps the updater's batches: the field files as they arrived,
// the derived values each batch set (and those it replaced), its reverts,
// and the stored road reports.
type Updates interface {
	SaveUpdateInput(ctx context.Context, in UpdateInput) error
	ApplyUpdate(ctx context.Context, u *Update) (UpdateResult, error)
	RoadReports(ctx context.Context, fn func(StoredReport) error) error
	// PurgeUpdateInputs deletes the stored files received before a time,
	// but those of deposits not processed yet, and says how many.
	PurgeUpdateInputs(ctx context.Context, before time.Time) (int, error)
}

// IngestJobs is the airlock's durable queue: deposits stored with their
// job before they are acknowledged.
type IngestJobs interface {
	CreateIngestJob(ctx context.Context, j IngestJob, data []byte) error
	IngestJob(ctx context.Context, id string) (IngestJob, error)
	PendingIngestJobs(ctx context.Context) ([]IngestJob, error)
	IngestJobData(ctx context.Context, id string) ([]byte, error)
	SetIngestJob(ctx context.Context, j IngestJob) error
	// IngestJobs lists jobs, newest first, with the number q matches in
	// all.
	IngestJobs(ctx context.Context, q IngestJobQuery) (jobs []IngestJob, matched int, err error)
}

// Keys stores API keys (their hashes, never the keys).
type Keys interface {
	CreateAPIKey(ctx context.Context, k APIKey) error
	// APIKey returns the key with id, or ENOTFOUND.
	APIKey(ctx context.Context, id string) (APIKey, error)
	APIKeys(ctx context.Context) ([]APIKey, error)
	RevokeAPIKey(ctx context.Context, id string, at time.Time) error
}

// AuditLog is the append-only record of writes and restricted reads.
type AuditLog interface {
	AppendAudit(ctx context.Context, e AuditEntry) error
	Audit(ctx context.Context, q AuditQuery) ([]AuditEntry, error)
}

// HistoryStore reads and takes a territory's history, for copies between
// stores.
type HistoryStore interface {
	ExportHistory(ctx context.Context) (*History, error)
	ImportHistory(ctx context.Context, h *History) (HistoryResult, error)
}

// ChangeSource tells the caches what committed writes changed: onReset
// once listening starts (and whenever changes may have been missed), then
// onChange for each change, until ctx ends.
type ChangeSource interface {
	ListenChanges(ctx context.Context, log *slog.Logger, onChange func(Change), onReset func())
}

// SyncPositions keeps where each sync from another Socle stopped: the
// token of its feed, per source and collection.
type SyncPositions interface {
	// SyncToken is "" when the collection was never synced from source.
	SyncToken(ctx context.Context, source, collection string) (string, error)
	SetSyncToken(ctx context.Context, source, collection, token, batch string, at time.Time) error
}

// ReplicaStatus is the state of one read server (a hot standby) of a
// store: for /readyz and the metrics.
type ReplicaStatus struct {
	// Name is the server's host:port (several for a multi-host URL).
	Name string `json:"name"`
	// Down is true while reads avoid it (it refused or lost a connection).
	Down bool `json:"down"`
	// Primary is true when the server is no longer a standby (promoted).
	Primary bool `json:"primary,omitempty"`
	// LagBytes is how much WAL the primary wrote that it has not replayed.
	LagBytes int64 `json:"lag_bytes"`
	// LagSeconds bounds how old the newest change it lacks is (0: it has
	// replayed all the primary had written when last observed).
	LagSeconds float64 `json:"lag_seconds"`
	Error      string  `json:"error,omitempty"`
}

// Locks are locks shared by every process of one store (for PostgreSQL,
// advisory locks): a job or a periodic task taken by one Socle instance is
// not run by another at the same time, and a lock dies with its holder. A
// store without them (the embedded one) has one serving process.
type Locks interface {
	// TryLock takes the lock name if no process holds it; ok is false
	// when another does.
	TryLock(ctx context.Context, name string) (l Lock, ok bool, err error)
}

// Lock is a lock taken with Locks.TryLock.
type Lock interface {
	// Held tells whether the lock is still held: false once its holding
	// connection was lost (a restart or a failover of the database).
	Held(ctx context.Context) bool
	// Unlock releases the lock.
	Unlock()
}

// PoolStats is the use of one connection pool of a store, for the metrics.
type PoolStats struct {
	// Role is "primary" or "replica" (a read server), Name its host:port.
	Role, Name                 string
	Max, Total, Idle, Acquired int32
	// Acquires counts the connections taken; EmptyAcquires those that had
	// to wait for one.
	Acquires, EmptyAcquires int64
}
