package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/socle-geo/socle/internal/embedded"
	"github.com/socle-geo/socle/internal/socle"
)

// TestServePurgesDepositsPastRetention: the purge serve runs deletes the
// files past retention, keeps the recent ones, and is audited.
func TestServePurgesDepositsPastRetention(t *testing.T) {
	ctx := context.Background()
	st, err := embedded.Open(ctx, filepath.Join(t.TempDir(), "p.gpkg"), socle.DefaultCatalog())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.SaveUpdateInput(ctx, socle.UpdateInput{SHA256: "a", Kind: "road-reports", Data: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	if n := purgeOnce(ctx, st, st, time.Now().Add(-time.Hour), slog.New(slog.DiscardHandler)); n != 0 {
		t.Fatalf("a file received now purged with a retention of an hour: %d", n)
	}
	if n := purgeOnce(ctx, st, st, time.Now().Add(time.Second), slog.New(slog.DiscardHandler)); n != 1 {
		t.Fatalf("purged %d files, want 1", n)
	}
	entries, err := st.Audit(ctx, socle.AuditQuery{Action: "purge", Limit: 10})
	if err != nil || len(entries) != 1 || entries[0].Target != "update_inputs" || entries[0].Actor != "socle" {
		t.Fatalf("audit: %+v %v", entries, err)
	}
}
