package transfer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"slices"

	"github.com/paulmach/orb"

	"github.com/socle-geo/socle/internal/embedded"
	"github.com/socle-geo/socle/internal/socle"
)

// ErrTooLarge is returned by WriteSelection when the file would pass its
// bound.
var ErrTooLarge = errors.New("transfer: the selection passes the size bound")

// Selection says which features WriteSelection writes.
type Selection struct {
	// Query selects the features; its properties are the layer's columns.
	Query *socle.ItemsQuery
	// All writes every page of Query (read PageSize at a time), not only
	// the page it asks for.
	All bool
	// MaxBytes bounds the file (0: no bound).
	MaxBytes int64
}

// WriteSelection writes the features of sel to a new GeoPackage at path:
// one layer named after the collection, with the selected properties, in
// the storage CRS at full precision — what an analyst asks for as "the
// addresses of these three communes without fibre". Features are written
// as they are read; the file is written beside path and renamed when
// whole, so that it appears complete or not at all. With MaxBytes, the
// write stops as soon as the rows read pass it (an estimate that never
// exceeds the file's size much), and the finished file is checked too:
// either way the answer is ErrTooLarge and no file. It returns the number
// of features written.
func WriteSelection(ctx context.Context, src Source, sel Selection, path string, opt Options) (int, error) {
	q := sel.Query
	c := layerOf(q)
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return 0, fmt.Errorf("transfer: %w", err)
	}
	name := tmp.Name()
	tmp.Close()
	os.Remove(name) // the store creates its file
	defer os.Remove(name)
	w, err := embedded.Create(ctx, name, &socle.Catalog{Collections: []*socle.Collection{c}})
	if err != nil {
		return 0, err
	}
	n := 0
	var size int64
	rows := func(yield func(socle.Row, error) bool) {
		read := func(rec *socle.Record) error {
			row, err := ToRow(q, rec)
			if err != nil {
				return err
			}
			size += rowSize(row)
			if sel.MaxBytes > 0 && size > sel.MaxBytes {
				return ErrTooLarge
			}
			n++
			if !yield(row, nil) {
				return errStop
			}
			return nil
		}
		var err error
		if sel.All {
			all := *q
			all.Limit = pageSize
			err = Each(ctx, src, &all, read)
		} else {
			_, err = src.Records(ctx, q, read)
		}
		if err != nil && !errors.Is(err, errStop) {
			yield(socle.Row{}, err)
		}
	}
	if _, err := w.Write(ctx, opt.batch(), c, iter.Seq2[socle.Row, error](rows)); err != nil {
		w.Close()
		if errors.Is(err, ErrTooLarge) {
			return 0, ErrTooLarge
		}
		return 0, fmt.Errorf("transfer: selection of %s: %w", c.ID, err)
	}
	if err := w.Close(); err != nil {
		return 0, fmt.Errorf("transfer: %w", err)
	}
	if sel.MaxBytes > 0 {
		st, err := os.Stat(name)
		if err != nil {
			return 0, fmt.Errorf("transfer: %w", err)
		}
		if st.Size() > sel.MaxBytes {
			return 0, ErrTooLarge
		}
	}
	return n, os.Rename(name, path)
}

// layerOf is q's collection with q's properties only (and the keys, time
// property and batch property that remain among them).
func layerOf(q *socle.ItemsQuery) *socle.Collection {
	c := *q.Collection
	c.Properties = q.Properties
	has := func(name string) bool {
		return slices.ContainsFunc(q.Properties, func(p socle.Property) bool { return p.Name == name })
	}
	c.Keys = slices.DeleteFunc(slices.Clone(c.Keys), func(k string) bool { return !has(k) })
	if !has(c.Temporal) {
		c.Temporal = ""
	}
	if !has(c.BatchProperty) {
		c.BatchProperty = ""
	}
	return &c
}

// rowSize estimates what a row takes in a GeoPackage: its geometry's
// coordinates (16 bytes a position) and header, its values' text.
func rowSize(r socle.Row) int64 {
	size := int64(64 + 16*positions(r.Geometry))
	for _, v := range r.Properties {
		switch v := v.(type) {
		case string:
			size += int64(len(v))
		case json.RawMessage:
			size += int64(len(v))
		default:
			size += 8
		}
	}
	return size
}

func positions(g orb.Geometry) int {
	switch g := g.(type) {
	case orb.Point:
		return 1
	case orb.MultiPoint:
		return len(g)
	case orb.LineString:
		return len(g)
	case orb.Ring:
		return len(g)
	case orb.MultiLineString:
		n := 0
		for _, l := range g {
			n += len(l)
		}
		return n
	case orb.Polygon:
		n := 0
		for _, r := range g {
			n += len(r)
		}
		return n
	case orb.MultiPolygon:
		n := 0
		for _, p := range g {
			n += positions(p)
		}
		return n
	case orb.Collection:
		n := 0
		for _, m := range g {
			n += positions(m)
		}
		return n
	}
	return 0
}
