package ledger

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"time"

	"github.com/paulmach/orb"

	"github.com/socle-geo/socle/internal/socle"
)

// The change feed, read from the change log the same way for both stores.
// A change's entry carries the feature as the change left it: the row the
// feature's next change replaced (its Before), or the stored feature when
// no later change exists. The reads go in this order — the page, the
// stored features, the later changes — so that a batch committing
// meanwhile is seen in the later changes whenever the stored features
// already hold its writes.

// CurrentFunc returns the stored features of a collection with these ids,
// by id as the log writes it (an absent feature was deleted), with the
// values of props.
type CurrentFunc func(ctx context.Context, ids []string, props []socle.Property) (map[string]*socle.Record, error)

// logChange is one row of feature_changes.
type logChange struct {
	seq                int64
	batch, feature, op string
	before             JSON
	at                 time.Time
}

// Changes reads the page of the feed q asks for (see socle.ChangeFeed) in
// db: the store's snapshot for the read, with current reading the same.
func Changes(ctx context.Context, db Conn, q *socle.ChangesQuery, current CurrentFunc, fn func(*socle.ChangeEntry) error) (socle.ChangesPage, error) {
	l := &Ledger{db: db}
	floor, prunedBefore, err := l.floor(ctx)
	if err != nil {
		return socle.ChangesPage{}, err
	}
	head, err := l.head(ctx)
	if err != nil {
		return socle.ChangesPage{}, err
	}
	head = max(head, floor)
	since := q.Since
	switch {
	case q.Latest:
		return socle.ChangesPage{Token: socle.ChangeToken{Since: head}.String()}, nil
	case q.At != nil:
		if prunedBefore != nil && q.At.Before(*prunedBefore) {
			return socle.ChangesPage{}, gone(fmt.Sprintf("the changes before %s are no longer kept", prunedBefore.UTC().Format(time.RFC3339)))
		}
		if since, err = l.seqAt(ctx, *q.At); err != nil {
			return socle.ChangesPage{}, err
		}
		since = max(since, floor)
	case since < floor:
		return socle.ChangesPage{}, gone(fmt.Sprintf("the changes up to %d are no longer kept", floor))
	case since > head || q.Head > head:
		return socle.ChangesPage{}, gone("the token is ahead of this store's change log: it was not served by this store")
	}
	if q.Coalesce {
		return l.coalesced(ctx, q, since, head, current, fn)
	}
	rows, err := l.db.Query(ctx, `SELECT c.seq, c.batch, c.feature_id, c.op, c.before, coalesce(b.finished_at, b.started_at)
		FROM feature_changes c JOIN batches b ON b.id = c.batch
		WHERE c.collection = ? AND c.seq > ? ORDER BY c.seq LIMIT ?`, q.Collection.ID, since, q.Limit+1)
	if err != nil {
		return socle.ChangesPage{}, l.db.Err(ctx, err)
	}
	page, err := scanChanges(rows)
	if err != nil {
		return socle.ChangesPage{}, l.db.Err(ctx, err)
	}
	out := socle.ChangesPage{Token: socle.ChangeToken{Since: since}.String()}
	if len(page) > q.Limit {
		page, out.More = page[:q.Limit], true
	}
	if len(page) == 0 {
		return out, nil
	}
	states, err := l.states(ctx, q, page[0].seq-1, featureIDs(page), current)
	if err != nil {
		return out, err
	}
	for _, ch := range page {
		e, err := states.entry(q, ch, ch)
		if err != nil {
			return out, err
		}
		if err := fn(e); err != nil {
			return out, err
		}
		out.Returned++
	}
	out.Token = socle.ChangeToken{Since: page[len(page)-1].seq}.String()
	return out, nil
}

// coalesced reads a page of one entry per feature changed in (since,
// head]: its net change, the feature as it is at head.
func (l *Ledger) coalesced(ctx context.Context, q *socle.ChangesQuery, since, head int64, current CurrentFunc, fn func(*socle.ChangeEntry) error) (socle.ChangesPage, error) {
	if q.Head != 0 {
		head = q.Head
	}
	after := max(q.After, since)
	rows, err := l.db.Query(ctx, `SELECT feature_id, max(seq) AS last FROM feature_changes
		WHERE collection = ? AND seq > ? AND seq <= ?
		GROUP BY feature_id HAVING max(seq) > ? ORDER BY last LIMIT ?`, q.Collection.ID, since, head, after, q.Limit+1)
	if err != nil {
		return socle.ChangesPage{}, l.db.Err(ctx, err)
	}
	type last struct {
		feature string
		seq     int64
	}
	var lasts []last
	for rows.Next() {
		var x last
		if err := rows.Scan(&x.feature, &x.seq); err != nil {
			rows.Close()
			return socle.ChangesPage{}, l.db.Err(ctx, err)
		}
		lasts = append(lasts, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return socle.ChangesPage{}, l.db.Err(ctx, err)
	}
	out := socle.ChangesPage{Token: socle.ChangeToken{Since: head}.String()}
	if len(lasts) > q.Limit {
		lasts, out.More = lasts[:q.Limit], true
		out.Token = socle.ChangeToken{Since: since, Head: head, After: lasts[len(lasts)-1].seq}.String()
	}
	if len(lasts) == 0 {
		return out, nil
	}
	ids := make([]string, len(lasts))
	for i, x := range lasts {
		ids[i] = x.feature
	}
	states, err := l.states(ctx, q, since, ids, current)
	if err != nil {
		return out, err
	}
	for _, x := range lasts {
		changes := states.later[x.feature]
		first := changes[0]
		lastChange := changes[slices.IndexFunc(changes, func(c logChange) bool { return c.seq == x.seq })]
		e, err := states.entry(q, lastChange, first)
		if err != nil {
			return out, err
		}
		if e == nil {
			continue // added and removed in the range, or back as it was
		}
		if err := fn(e); err != nil {
			return out, err
		}
		out.Returned++
	}
	return out, nil
}

// featureStates are what the entries of a page are made from: the changes
// after the page's start of each of its features, in log order, and the
// stored features.
type featureStates struct {
	c       *socle.Collection
	later   map[string][]logChange
	current map[string]*socle.Record
}

// states reads the stored features, then the changes after since, of ids.
func (l *Ledger) states(ctx context.Context, q *socle.ChangesQuery, since int64, ids []string, current CurrentFunc) (*featureStates, error) {
	cur, err := current(ctx, ids, q.Properties)
	if err != nil {
		return nil, err
	}
	rows, err := l.db.Query(ctx, `SELECT c.seq, c.batch, c.feature_id, c.op, c.before, coalesce(b.finished_at, b.started_at)
		FROM feature_changes c JOIN batches b ON b.id = c.batch
		WHERE c.collection = ? AND `+l.db.Dialect().In("c.feature_id")+` AND c.seq > ? ORDER BY c.seq`, q.Collection.ID, ids, since)
	if err != nil {
		return nil, l.db.Err(ctx, err)
	}
	all, err := scanChanges(rows)
	if err != nil {
		return nil, l.db.Err(ctx, err)
	}
	st := &featureStates{c: q.Collection, later: map[string][]logChange{}, current: cur}
	for _, ch := range all {
		st.later[ch.feature] = append(st.later[ch.feature], ch)
	}
	return st, nil
}

// entry makes the entry of the change ch; first is the feature's first
// change of the range the entry covers (ch itself but with Coalesce), and
// the entry's operation is the net one between the state before first and
// the state after ch. A coalesced feature that ends as it began has no
// entry (nil).
func (st *featureStates) entry(q *socle.ChangesQuery, ch, first logChange) (*socle.ChangeEntry, error) {
	e := &socle.ChangeEntry{Seq: ch.seq, Op: ch.op, FeatureID: ch.feature, Batch: ch.batch, Time: ch.at}
	after, err := st.after(q, ch)
	if err != nil {
		return nil, err
	}
	existed := first.op != socle.OpInsert
	switch {
	case after == nil && !existed:
		return nil, nil
	case after == nil:
		e.Op = socle.OpDelete
		// The last state: what the delete logged.
		row, err := socle.ParseLogRow(json.RawMessage(ch.before))
		if err != nil {
			return nil, err
		}
		if err := st.tombstone(e, row); err != nil {
			return nil, err
		}
		return e, nil
	case !existed:
		e.Op = socle.OpInsert
	default:
		e.Op = socle.OpUpdate
		if first.seq != ch.seq {
			before, err := st.record(q, ch.feature, json.RawMessage(first.before), nil)
			if err != nil {
				return nil, err
			}
			if sameRecord(before, after) {
				return nil, nil
			}
		}
	}
	e.Record = after
	return e, nil
}

// after returns the feature as the change ch left it (nil: deleted).
func (st *featureStates) after(q *socle.ChangesQuery, ch logChange) (*socle.Record, error) {
	changes := st.later[ch.feature]
	i := slices.IndexFunc(changes, func(c logChange) bool { return c.seq > ch.seq })
	if i < 0 {
		return st.current[ch.feature], nil
	}
	next := changes[i]
	if next.op == socle.OpInsert {
		return nil, nil
	}
	row, err := socle.ParseLogRow(json.RawMessage(next.before))
	if err != nil {
		return nil, err
	}
	if row.Complete() {
		return st.record(q, ch.feature, nil, row)
	}
	// A partial row (the updater's first logs held only its values): over
	// the state the next change left.
	base, err := st.after(q, next)
	if err != nil || base == nil {
		return nil, err
	}
	return overlay(q, base, row)
}

// record reads a logged row (raw, or row already parsed) as a Record of
// q's properties.
func (st *featureStates) record(q *socle.ChangesQuery, id string, raw json.RawMessage, row socle.LogRow) (*socle.Record, error) {
	if row == nil {
		var err error
		if row, err = socle.ParseLogRow(raw); err != nil {
			return nil, err
		}
	}
	rid, err := recordID(st.c, id)
	if err != nil {
		return nil, err
	}
	g, err := row.Geometry()
	if err != nil {
		return nil, err
	}
	r := &socle.Record{ID: rid, Geometry: g, Values: make([]any, len(q.Properties))}
	for i, p := range q.Properties {
		if r.Values[i], _, err = row.Value(p); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// overlay returns base with the values row holds.
func overlay(q *socle.ChangesQuery, base *socle.Record, row socle.LogRow) (*socle.Record, error) {
	r := &socle.Record{ID: base.ID, Geometry: base.Geometry, Values: slices.Clone(base.Values)}
	for i, p := range q.Properties {
		v, ok, err := row.Value(p)
		if err != nil {
			return nil, err
		}
		if ok {
			r.Values[i] = v
		}
	}
	return r, nil
}

// tombstone fills a delete's entry from the feature's last state: where it
// was and its keys.
func (st *featureStates) tombstone(e *socle.ChangeEntry, row socle.LogRow) error {
	g, err := row.Geometry()
	if err != nil {
		return err
	}
	if g != nil {
		e.Bound = g.Bound()
	}
	for _, k := range st.c.Keys {
		p, ok := st.c.Property(k)
		if !ok {
			continue
		}
		v, _, err := row.Value(p)
		if err != nil {
			return err
		}
		if e.Keys == nil {
			e.Keys = map[string]any{}
		}
		e.Keys[k] = v
	}
	return nil
}

// sameRecord says whether two states of a feature are equal.
func sameRecord(a, b *socle.Record) bool {
	if a == nil || b == nil {
		return a == b
	}
	if !orb.Equal(a.Geometry, b.Geometry) || len(a.Values) != len(b.Values) {
		return false
	}
	for i := range a.Values {
		x, y := a.Values[i], b.Values[i]
		if tx, ok := x.(time.Time); ok {
			ty, ok := y.(time.Time)
			if !ok || !tx.Equal(ty) {
				return false
			}
			continue
		}
		if jx, ok := x.(json.RawMessage); ok {
			jy, ok := y.(json.RawMessage)
			if !ok || !sameJSON(jx, jy) {
				return false
			}
			continue
		}
		if !reflect.DeepEqual(x, y) {
			return false
		}
	}
	return true
}

func sameJSON(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// recordID types an id of the log as the collection's ids are.
func recordID(c *socle.Collection, id string) (any, error) {
	if c.IDType == socle.TypeString {
		return id, nil
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("ledger: change log id %q of %s: %w", id, c.ID, err)
	}
	return n, nil
}

func scanChanges(rows Rows) ([]logChange, error) {
	defer rows.Close()
	var out []logChange
	for rows.Next() {
		var ch logChange
		var at Time
		if err := rows.Scan(&ch.seq, &ch.batch, &ch.feature, &ch.op, &ch.before, &at); err != nil {
			return nil, err
		}
		ch.at = at.T
		out = append(out, ch)
	}
	return out, rows.Err()
}

// featureIDs are the distinct features of a page, in order.
func featureIDs(page []logChange) []string {
	seen := map[string]bool{}
	var out []string
	for _, ch := range page {
		if !seen[ch.feature] {
			seen[ch.feature] = true
			out = append(out, ch.feature)
		}
	}
	return out
}

// head is the position of the latest change.
func (l *Ledger) head(ctx context.Context) (int64, error) {
	var n int64
	err := l.queryRow(ctx, l.db, `SELECT coalesce(max(seq), 0) FROM feature_changes`, nil, &n)
	return n, l.db.Err(ctx, err)
}

// seqAt is the position of the latest change committed at or before t.
func (l *Ledger) seqAt(ctx context.Context, t time.Time) (int64, error) {
	var n int64
	err := l.queryRow(ctx, l.db, `SELECT coalesce(max(c.seq), 0) FROM batches b JOIN feature_changes c ON c.batch = b.id
		WHERE `+l.db.Dialect().TimeCmp("b.finished_at", "<="), []any{t}, &n)
	return n, l.db.Err(ctx, err)
}

// floor is where the kept log starts: the last change pruned, and the time
// before which batches were pruned (nil: none ever was).
func (l *Ledger) floor(ctx context.Context) (int64, *time.Time, error) {
	var seq int64
	var before NullTime
	err := l.queryRow(ctx, l.db, `SELECT seq, pruned_before FROM change_log_floor`, nil, &seq, &before)
	if isNoRows(err) {
		return 0, nil, nil
	}
	if err != nil {
		return 0, nil, l.db.Err(ctx, err)
	}
	return seq, before.T, nil
}

// PruneChanges forgets the changes of the batches finished before a time
// (see socle.ChangeFeed), moving the floor of the kept log.
func (l *Ledger) PruneChanges(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := l.db.InTx(ctx, func(tx Conn) error {
		lt := &Ledger{db: tx}
		floor, prunedBefore, err := lt.floor(ctx)
		if err != nil {
			return err
		}
		var last int64
		if err := lt.queryRow(ctx, tx, `SELECT coalesce(max(c.seq), 0) FROM batches b JOIN feature_changes c ON c.batch = b.id
			WHERE b.status <> 'running' AND `+tx.Dialect().TimeCmp("b.finished_at", "<"), []any{before}, &last); err != nil {
			return tx.Err(ctx, err)
		}
		// The log is pruned up to a position: a batch finished before the
		// time but written after a later one keeps its changes.
		if n, err = tx.Exec(ctx, `DELETE FROM feature_changes WHERE seq <= ?`, last); err != nil {
			return tx.Err(ctx, err)
		}
		if prunedBefore != nil && prunedBefore.After(before) {
			before = *prunedBefore
		}
		if _, err := tx.Exec(ctx, `DELETE FROM change_log_floor`); err != nil {
			return tx.Err(ctx, err)
		}
		_, err = tx.Exec(ctx, `INSERT INTO change_log_floor (seq, pruned_before) VALUES (?, ?)`, max(floor, last), before)
		return tx.Err(ctx, err)
	})
	return n, err
}

func gone(detail string) error {
	return &socle.Error{Code: socle.EGONE, Message: detail + ": load the collection again (its download), then follow the feed from the token of since=latest taken before"}
}

// ReadChanges reads a page of a feed from the ledger's database (see
// Changes): for a store whose stored features become visible only after
// the log that changed them is committed.
func (l *Ledger) ReadChanges(ctx context.Context, q *socle.ChangesQuery, current CurrentFunc, fn func(*socle.ChangeEntry) error) (socle.ChangesPage, error) {
	return Changes(ctx, l.db, q, current, fn)
}

// SyncToken returns the token a sync from source last stopped at for a
// collection ("" when it never ran).
func (l *Ledger) SyncToken(ctx context.Context, source, collection string) (string, error) {
	var tok string
	err := l.queryRow(ctx, l.db, `SELECT token FROM sync_state WHERE source = ? AND collection = ?`, []any{source, collection}, &tok)
	if isNoRows(err) {
		return "", nil
	}
	return tok, l.db.Err(ctx, err)
}

// SetSyncToken records where a sync from source stopped for a collection,
// and the batch that brought it there.
func (l *Ledger) SetSyncToken(ctx context.Context, source, collection, token, batch string, at time.Time) error {
	_, err := l.db.Exec(ctx, `INSERT INTO sync_state (source, collection, token, synced_at, batch) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (source, collection) DO UPDATE SET token = excluded.token, synced_at = excluded.synced_at, batch = excluded.batch`,
		source, collection, token, at, batch)
	return l.db.Err(ctx, err)
}

// FloorAtHead makes the kept log start at its latest change, inside the
// transaction that imported another store's history: those changes are
// logged after the features they describe were copied, out of the order a
// feed promises, so a feed of this store starts after them (a client loads
// the copy whole). Their batches stay revertable.
func FloorAtHead(ctx context.Context, tx Conn) error {
	l := &Ledger{db: tx}
	_, prunedBefore, err := l.floor(ctx)
	if err != nil {
		return err
	}
	head, err := l.head(ctx)
	if err != nil {
		return err
	}
	before := time.Unix(0, 0).UTC()
	if prunedBefore != nil {
		before = *prunedBefore
	}
	if _, err := tx.Exec(ctx, `DELETE FROM change_log_floor`); err != nil {
		return tx.Err(ctx, err)
	}
	_, err = tx.Exec(ctx, `INSERT INTO change_log_floor (seq, pruned_before) VALUES (?, ?)`, head, before)
	return tx.Err(ctx, err)
}
