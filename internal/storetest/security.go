// Package storetest holds what the tests of every store (PostGIS,
// embedded) share: conformance suites both must pass, so that both answer
// alike, and helpers that resolve queries as the HTTP layer does. Tests
// only.
package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/socle-geo/socle/internal/auth"
	"github.com/socle-geo/socle/internal/socle"
)

// SecurityStore is what a store keeps for authentication and audit.
type SecurityStore interface {
	CreateAPIKey(ctx context.Context, k socle.APIKey) error
	APIKey(ctx context.Context, id string) (socle.APIKey, error)
	APIKeys(ctx context.Context) ([]socle.APIKey, error)
	RevokeAPIKey(ctx context.Context, id string, at time.Time) error
	AppendAudit(ctx context.Context, e socle.AuditEntry) error
	Audit(ctx context.Context, q socle.AuditQuery) ([]socle.AuditEntry, error)
}

// Security checks keys and the audit log. exec runs one SQL statement
// directly on the store's database: altering the audit log that way must
// fail too.
func Security(t *testing.T, s SecurityStore, exec func(ctx context.Context, sql string) error) {
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 12, 0, 0, 123456000, time.UTC)

	secret, k, err := auth.NewKey("fibre operator", []string{"reader", "roads"}, []string{auth.RightIngestFibre}, now, 90*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	_, k2, _ := auth.NewKey("no expiry", nil, nil, now.Add(time.Second), 0)
	for _, key := range []socle.APIKey{k, k2} {
		if err := s.CreateAPIKey(ctx, key); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateAPIKey(ctx, k); err == nil {
		t.Fatal("a key id stored twice")
	}
	got, err := s.APIKey(ctx, k.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != k.Name || !slices.Equal(got.Roles, k.Roles) || !slices.Equal(got.Rights, k.Rights) ||
		!slices.Equal(got.Hash, auth.HashKey(secret)) || !got.CreatedAt.Equal(k.CreatedAt) ||
		got.ExpiresAt == nil || !got.ExpiresAt.Equal(*k.ExpiresAt) || got.RevokedAt != nil {
		t.Fatalf("stored %+v, read %+v", k, got)
	}
	if got, _ := s.APIKey(ctx, k2.ID); got.ExpiresAt != nil || len(got.Roles) != 0 {
		t.Fatalf("key without expiry read as %+v", got)
	}
	if _, err := s.APIKey(ctx, "000000000000"); socle.ErrorCode(err) != socle.ENOTFOUND {
		t.Fatalf("unknown key: %v", err)
	}
	list, err := s.APIKeys(ctx)
	if err != nil || len(list) != 2 || list[0].ID != k.ID || list[1].ID != k2.ID {
		t.Fatalf("list %+v, %v", list, err)
	}
	at := now.Add(time.Hour)
	if err := s.RevokeAPIKey(ctx, k.ID, at); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeAPIKey(ctx, k.ID, at.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.APIKey(ctx, k.ID); got.RevokedAt == nil || !got.RevokedAt.Equal(at) {
		t.Fatalf("revoked key %+v: want the first revocation time %v", got, at)
	}
	if err := s.RevokeAPIKey(ctx, "000000000000", at); socle.ErrorCode(err) != socle.ENOTFOUND {
		t.Fatalf("revoke unknown key: %v", err)
	}

	entries := []socle.AuditEntry{
		{Time: now, Actor: "cli:ops", Action: "key.create", Target: k.ID, Remote: "cli", Status: 0},
		{Time: now.Add(time.Minute), Actor: "key:" + k.ID, Action: "read", Target: "road_reports", Remote: "127.0.0.1", Status: 200, Detail: "GET /collections/road_reports/items"},
		{Time: now.Add(2 * time.Minute), Actor: "anonymous", Action: "read", Target: "road_reports", Remote: "10.0.0.1", Status: 404},
	}
	for _, e := range entries {
		if err := s.AppendAudit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	all, err := s.Audit(ctx, socle.AuditQuery{Limit: 10})
	if err != nil || len(all) != 3 {
		t.Fatalf("audit %+v, %v", all, err)
	}
	if all[0].Actor != "anonymous" || all[2].Action != "key.create" || all[0].Seq <= all[1].Seq || !all[1].Time.Equal(entries[1].Time) ||
		all[1].Detail != entries[1].Detail || all[1].Status != 200 || all[1].Remote != "127.0.0.1" {
		t.Fatalf("audit, newest first: %+v", all)
	}
	since := now.Add(30 * time.Second)
	for name, tc := range map[string]struct {
		q    socle.AuditQuery
		want int
	}{
		"actor":  {socle.AuditQuery{Actor: "key:" + k.ID, Limit: 10}, 1},
		"action": {socle.AuditQuery{Action: "read", Limit: 10}, 2},
		"target": {socle.AuditQuery{Target: "road_reports", Limit: 10}, 2},
		"since":  {socle.AuditQuery{Since: &since, Limit: 10}, 2},
		"until":  {socle.AuditQuery{Until: &since, Limit: 10}, 1},
		"before": {socle.AuditQuery{Before: all[0].Seq, Limit: 10}, 2},
		"limit":  {socle.AuditQuery{Limit: 1}, 1},
	} {
		got, err := s.Audit(ctx, tc.q)
		if err != nil || len(got) != tc.want {
			t.Errorf("%s: %d entries (%v), want %d", name, len(got), err, tc.want)
		}
	}
	for _, sql := range []string{"UPDATE audit_log SET actor = 'nobody'", "DELETE FROM audit_log"} {
		if err := exec(ctx, sql); err == nil {
			t.Errorf("%s: the audit log was altered", sql)
		}
	}
	if after, _ := s.Audit(ctx, socle.AuditQuery{Limit: 10}); len(after) != 3 || after[0].Actor != "anonymous" {
		t.Fatalf("audit after tampering attempts: %+v", after)
	}
}
