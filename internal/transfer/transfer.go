// Package transfer copies a territory from one store to another: PostGIS to
// a GeoPackage for an offline copy or a bulk download, a GeoPackage to
// PostGIS when a territory outgrows one file. Features keep their ids,
// their derived values (fibre status, road condition…) and their full
// geometric precision; each collection is written as one batch, so a copy
// is whole or absent.
package transfer

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/socle-geo/socle/internal/socle"
)

// Source is what a copy reads: either store.
type Source interface {
	Records(ctx context.Context, q *socle.ItemsQuery, fn func(*socle.Record) error) (socle.Page, error)
}

// Destination is what a copy writes to: either store.
type Destination = socle.Importer

// Order is the order collections are copied in: communes before the land
// cover their indicators derive from, the artificialisation flux after
// both, roads before addresses.
var Order = []string{"communes", "roads", "land_cover", "artificialisation", "addresses", "address_candidates", "road_reports"}

// pageSize is how many features one read fetches: large pages, few round
// trips, bounded memory per page.
const pageSize = 5000

// Options say what to copy and who asks.
type Options struct {
	// Collections to copy, in Order; nil means every collection of the
	// catalog.
	Collections []string
	// Source names the store copied from, for the batch record.
	Source string
	Actor  string
	Now    func() time.Time
	// Progress, when set, hears how many features of a collection were read.
	Progress func(collection string, read int)
	// History, when set, asks WriteGeoPackage to copy the territory's
	// history too (CopyHistory), and receives what it added.
	History *HistoryCopy
}

// HistoryCopy asks for the history of From to be copied with the
// features; Result receives what it added.
type HistoryCopy struct {
	From   HistoryReader
	Result socle.HistoryResult
}

// Result is what the copy of one collection did.
type Result struct {
	Collection string
	socle.ImportResult
}

// Copy copies the collections of cat from src to dst, one batch per
// collection. Features already in dst with the same key are updated;
// copying twice changes nothing the second time.
func Copy(ctx context.Context, src Source, dst Destination, cat *socle.Catalog, opt Options) ([]Result, error) {
	cols, err := ordered(cat, opt.Collections)
	if err != nil {
		return nil, err
	}
	var results []Result
	for _, c := range cols {
		rows := &seqStream{next: Rows(ctx, src, c, func(n int) {
			if opt.Progress != nil {
				opt.Progress(c.ID, n)
			}
		})}
		res, err := dst.Import(ctx, opt.batch(), c, rows)
		if err != nil {
			return results, fmt.Errorf("copy %s: %w", c.ID, err)
		}
		results = append(results, Result{c.ID, res})
	}
	return results, nil
}

// batch is the record of the copy of one collection: derived values are
// copied too.
func (opt Options) batch() socle.Batch {
	now := time.Now
	if opt.Now != nil {
		now = opt.Now
	}
	return socle.Batch{ID: socle.NewBatchID("copy", now()), Kind: "copy", Source: opt.Source, Actor: opt.Actor, WithDerived: true}
}

// ordered returns the catalog's collections named by ids (all when nil) in
// copy order, collections not in Order last.
func ordered(cat *socle.Catalog, ids []string) ([]*socle.Collection, error) {
	want := map[string]bool{}
	for _, id := range ids {
		if _, ok := cat.Collection(id); !ok {
			var all []string
			for _, c := range cat.Collections {
				all = append(all, c.ID)
			}
			return nil, &socle.Error{Code: socle.ENOTFOUND, Message: fmt.Sprintf("no collection %q", id), Allowed: all}
		}
		want[id] = true
	}
	rank := func(id string) int {
		for i, o := range Order {
			if o == id {
				return i
			}
		}
		return len(Order)
	}
	var out []*socle.Collection
	for r := 0; r <= len(Order); r++ {
		for _, c := range cat.Collections {
			if rank(c.ID) == r && (ids == nil || want[c.ID]) {
				out = append(out, c)
			}
		}
	}
	return out, nil
}

// Each streams to fn every feature q selects, page after page of q.Limit,
// following the next links: the whole collection when q has no filter.
func Each(ctx context.Context, src Source, q *socle.ItemsQuery, fn func(*socle.Record) error) error {
	for {
		page, err := src.Records(ctx, q, fn)
		if err != nil {
			return err
		}
		if page.Next == nil {
			return nil
		}
		next := *q
		next.Cursor = page.Next
		q = &next
	}
}

// Read returns every feature of c in src as rows to import elsewhere:
// Lambert-93 WKB at full precision, ids and every property, derived ones
// included. progress, when set, hears the running count after each page.
func Read(ctx context.Context, src Source, c *socle.Collection, progress func(read int)) ([]socle.Row, error) {
	var rows []socle.Row
	for row, err := range Rows(ctx, src, c, progress) {
		if err != nil {
			return nil, err
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// errStop ends Each when the consumer of Rows stops.
var errStop = errors.New("transfer: stop")

// Rows yields the rows Read returns as they are read, page after page, so
// that a writer may keep none of them: the collection is never whole in
// memory. An error ends the sequence, as its last element.
func Rows(ctx context.Context, src Source, c *socle.Collection, progress func(read int)) iter.Seq2[socle.Row, error] {
	return func(yield func(socle.Row, error) bool) {
		n := 0
		q := socle.AllItems(c, pageSize)
		err := Each(ctx, src, q, func(f *socle.Record) error {
			row, err := ToRow(q, f)
			if err != nil {
				return fmt.Errorf("read %s feature %v: %w", c.ID, f.ID, err)
			}
			if !yield(row, nil) {
				return errStop
			}
			n++
			if progress != nil && n%pageSize == 0 {
				progress(n)
			}
			return nil
		})
		switch {
		case errors.Is(err, errStop):
		case err != nil:
			yield(socle.Row{}, err)
		case progress != nil:
			progress(n)
		}
	}
}

// ToRow turns a record read by q back into a row to import: the id, the
// geometry, the properties by name.
func ToRow(q *socle.ItemsQuery, r *socle.Record) (socle.Row, error) {
	props := make(map[string]any, len(q.Properties))
	for i, p := range q.Properties {
		props[p.Name] = r.Values[i]
	}
	return socle.Row{ID: r.ID, Geometry: r.Geometry, Properties: props}, nil
}

// seqStream streams the rows of a sequence to an import.
type seqStream struct {
	next func(yield func(socle.Row, error) bool)
	pull func() (socle.Row, error, bool)
	stop func()
	row  socle.Row
	err  error
}

func (s *seqStream) Next() bool {
	if s.pull == nil {
		s.pull, s.stop = iter.Pull2(s.next)
	}
	row, err, ok := s.pull()
	if !ok {
		s.stop()
		return false
	}
	if err != nil {
		s.err = err
		s.stop()
		return false
	}
	s.row = row
	return true
}

func (s *seqStream) Row() *socle.Row         { return &s.row }
func (s *seqStream) Err() error              { return s.err }
func (s *seqStream) Rejects() []socle.Reject { return nil }
