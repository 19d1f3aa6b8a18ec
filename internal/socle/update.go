package socle

import (
	"encoding/json"
	"fmt"
	"time"
)

// UpdateInput is a field file as it arrived, stored before it is processed
// so that nothing is lost: its bytes, their SHA-256, what it is and who
// brought it.
type UpdateInput struct {
	SHA256 string
	Kind   string // "fibre" or "road-reports"
	Source string // file name
	Actor  string
	Data   []byte
}

// FeatureSet sets derived properties of one feature: Values is a JSON
// object of property → value, typed as the catalog says (timestamps as RFC
// 3339 text).
type FeatureSet struct {
	ID     int64
	Values json.RawMessage
}

// AddressCandidate is a building of a fibre file that matches no address:
// a proposal for the commune to review. Key identifies it across files, so
// the same building proposed twice is stored once.
type AddressCandidate struct {
	Key           string
	Line          int
	ImbID         string
	Numero        *int
	Suffixe       string
	VoieNom       string
	CommuneInsee  string
	CommuneNom    string
	Postcode      string
	FibreStatus   string
	FibreOperator string
	Reason        string
	X, Y          float64 // Lambert-93
	// CreatedAt is when the batch proposed it (the updater's clock); zero
	// for the store's.
	CreatedAt time.Time
}

// RoadReport is one road-state report as stored: pseudonymised, snapped to
// a road segment or kept with the reason it was not. Key identifies the
// report across files.
type RoadReport struct {
	Key       string
	Line      int
	Time      time.Time
	Vehicle   string // the pseudonym, never the vehicle id
	Heading   *float64
	Condition int
	Comment   string
	RoadID    *int64
	Distance  *float64
	Reason    string
	X, Y      float64 // Lambert-93
}

// StoredReport is what aggregating a segment's condition needs of a stored,
// snapped report.
type StoredReport struct {
	Key       string
	RoadID    int64
	Time      time.Time
	Condition int
}

// Update is one updater batch, applied whole or not at all: derived values
// set on features of Collection (the previous values kept, so that the
// batch can be reverted), candidates and reports added (those whose key is
// stored already are left), rejects kept. Report is the batch's JSON report,
// stored with it.
type Update struct {
	Batch      Batch
	Collection string
	Sets       []FeatureSet
	Candidates []AddressCandidate
	Reports    []RoadReport
	Rejects    []Reject
	Report     json.RawMessage
}

// UpdateResult says what an Update changed.
type UpdateResult struct {
	BatchID         string `json:"batch"`
	FeaturesChanged int    `json:"features_changed"`
	CandidatesAdded int    `json:"candidates_added"`
	ReportsAdded    int    `json:"reports_added"`
}

// RevertResult says what a revert did: the batch reverted, the revert
// batch that logged the changes, and the features it brought back to their
// state before the batch, removed (those the batch added) and restored
// after a retirement, by collection.
type RevertResult struct {
	BatchID     string         `json:"batch"`
	RevertBatch string         `json:"revert_batch"`
	Restored    int            `json:"restored"`
	Removed     int            `json:"removed"`
	Reinserted  int            `json:"reinserted"`
	Collections map[string]int `json:"collections"`
}

// CheckRevertable says whether a batch of this kind and status can be
// reverted: any batch but a revert, once, and only when it completed.
// Both stores ask it.
func CheckRevertable(kind, status, batch string) error {
	if kind == KindRevert {
		return Errorf(EINVALID, "batch %s is itself a revert: import or update again instead", batch)
	}
	if kind == KindDerive {
		return Errorf(EINVALID, "batch %s is a recomputation of derived figures: revert the batch it follows (its source) instead", batch)
	}
	if status == "reverted" {
		return &Error{Code: ECONFLICT, Message: fmt.Sprintf("batch %s is already reverted", batch)}
	}
	if status != "done" {
		return &Error{Code: ECONFLICT, Message: fmt.Sprintf("batch %s did not complete (%s): there is nothing to revert", batch, status)}
	}
	return nil
}

// KindRevert is the kind of the batch that logs a revert's changes.
const KindRevert = "revert"

// KindDerive is the kind of the batch that logs what a batch's
// recomputation of derived figures changed (the artificialisation flux,
// the communes' ZAN indicators): its source is the batch it follows. It is
// never reverted itself: reverting its source recomputes them again.
const KindDerive = "derive"

// KindConsommation is the kind of the batch that loads a Cerema
// NAF-consumption file (socle import consommation).
const KindConsommation = "import-consommation"
