package transfer

import (
	"context"
	"fmt"

	"github.com/socle-geo/socle/internal/socle"
)

// HistoryReader is a store whose history can be read.
type HistoryReader interface {
	ExportHistory(ctx context.Context) (*socle.History, error)
}

// HistoryWriter is a store that takes another's history.
type HistoryWriter interface {
	ImportHistory(ctx context.Context, h *socle.History) (socle.HistoryResult, error)
}

// CopyHistory copies the history of src to dst, so that the metadata
// lineage and `update revert` work on the copy.
func CopyHistory(ctx context.Context, src HistoryReader, dst HistoryWriter) (socle.HistoryResult, error) {
	h, err := src.ExportHistory(ctx)
	if err != nil {
		return socle.HistoryResult{}, fmt.Errorf("transfer: read the history: %w", err)
	}
	res, err := dst.ImportHistory(ctx, h)
	if err != nil {
		return res, fmt.Errorf("transfer: write the history: %w", err)
	}
	return res, nil
}
