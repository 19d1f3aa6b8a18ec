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
}
