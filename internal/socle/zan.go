package socle

import "time"

// ZANLineage says where a territory's ZAN figures come from, for the
// metadata lineage of the artificialisation dataset: the millésimes of the
// land cover overlaid, the version of the cover × use matrix that decides
// what is artificialised, and the Cerema file of the 2011–2021 reference.
type ZANLineage struct {
	// Millesimes are the years of the land cover, in order.
	Millesimes []int
	// MatrixVersion names the matrix ("" with fewer than two millésimes).
	MatrixVersion string
	// Consommation is the batch of the current Cerema file, nil when none
	// was loaded; ConsommationYears the years it has.
	Consommation      *BatchRecord
	ConsommationYears []int
	// Communes counts the communes whose indicators come from the Cerema
	// file.
	Communes int
	// DerivedAt is when the figures were last recomputed (nil: never).
	DerivedAt *time.Time
}
