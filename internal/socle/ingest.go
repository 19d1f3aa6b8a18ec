package socle

import (
	"encoding/json"
	"time"
)

// Ingest job states: a job is stored queued with its file, runs, and ends
// done (with the updater's report) or failed (with the reason).
const (
	JobQueued  = "queued"
	JobRunning = "running"
	JobDone    = "done"
	JobFailed  = "failed"
)

// IngestJob is a file deposited through the airlock (POST /ingest/…) and
// its processing. Its file is an UpdateInput (by SHA256), stored with the
// job in one transaction.
type IngestJob struct {
	ID      string          `json:"id"`
	Kind    string          `json:"kind"` // fibre or road-reports
	Source  string          `json:"source"`
	Actor   string          `json:"-"` // the uploader's principal id
	SHA256  string          `json:"sha256"`
	Size    int64           `json:"size"`
	Status  string          `json:"status"`
	Report  json.RawMessage `json:"report,omitempty"`
	Error   string          `json:"error,omitempty"`
	Created time.Time       `json:"created"`
	Updated time.Time       `json:"updated"`
	// Attempts counts the runs started; a run that never ended (the
	// process stopped in it) is taken up again at the next start, at most
	// MaxIngestAttempts times.
	Attempts int `json:"attempts"`
}

// MaxIngestAttempts bounds the starts of an ingest job: a file whose run
// kills the process ends failed after that many, instead of being retried
// at every start for ever.
const MaxIngestAttempts = 3

// IngestJobQuery selects jobs for the list GET /ingest/jobs, newest first.
type IngestJobQuery struct {
	// Actor keeps the jobs of one uploader; empty: everyone's (admins).
	Actor string
	// Status keeps the jobs in these states; empty: all.
	Status []string
	// Limit and Offset page the list.
	Limit, Offset int
}
