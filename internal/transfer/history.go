package transfer

import (
	"context"
	"fmt"

	"github.com/socle-geo/socle/internal/socle"
)

// HistorySource is a store whose history (batches, rejects, updater
// changes, reverts) can be read.
type HistorySource interface {
	ExportHistory(ctx context.Context) (*socle.History, error)
}

// HistoryDestination is a store that takes another's history.
type HistoryDestination interface {
	ImportHistory(ctx context.Context, h *socle.History) (socle.HistoryResult, error)
}

// CopyHistory copies the history of src to dst, so that the metadata
// lineage and `update revert` work on the copy; a store without history
// (neither store lacks it) is an error.
func CopyHistory(ctx context.Context, src Source, dst any) (socle.HistoryResult, error) {
	hs, ok1 := src.(HistorySource)
	hd, ok2 := dst.(HistoryDestination)
	if !ok1 || !ok2 {
		return socle.HistoryResult{}, fmt.Errorf("transfer: %T or %T keeps no history", src, dst)
	}
	h, err := hs.ExportHistory(ctx)
	if err != nil {
		return socle.HistoryResult{}, fmt.Errorf("transfer: read the history: %w", err)
	}
	res, err := hd.ImportHistory(ctx, h)
	if err != nil {
		return res, fmt.Errorf("transfer: write the history: %w", err)
	}
	return res, nil
}
