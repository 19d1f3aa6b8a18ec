// Package updater joins field data into the reference layers: the fibre
// operators' deployment files into addresses (fibre_status,
// fibre_operator, fibre_updated_at, fibre_batch; unmatched buildings become
// address candidates), the trucks' road-state reports into roads
// (condition, condition_observed_at, report_count, condition_batch).
//
// The joins run here, in memory, whatever the store: the features are read
// through the store's Items, matched (normalised-address index and
// R-trees), and the result handed to the store as one Update, which it
// applies whole or not at all, keeping every previous value.
package updater

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"sort"
	"time"

	"github.com/paulmach/orb"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/socle-geo/socle/internal/fibre"
	"github.com/socle-geo/socle/internal/locate"
	"github.com/socle-geo/socle/internal/normalize"
	"github.com/socle-geo/socle/internal/roadreport"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/transfer"
	"github.com/socle-geo/socle/ogc/crs"
)

// Store is what the updater needs of a store: the layers it joins into,
// and its batches.
type Store interface {
	Records(ctx context.Context, q *socle.ItemsQuery, fn func(*socle.Record) error) (socle.Page, error)
	socle.Updates
	socle.Reverter
}

// locateBuildings gives the buildings whose row has no code_insee, and no
// commune name that names one commune, the commune their position lies in
// (from the communes layer).
func (u *Updater) locateBuildings(ctx context.Context, ix *fibreIndex, buildings []fibre.Building) error {
	var loc *locate.Locator
	for i := range buildings {
		b := &buildings[i]
		if b.Insee != "" || len(ix.communes[normalize.Name(b.Commune)]) == 1 {
			continue
		}
		if loc == nil {
			var err error
			if loc, err = locate.Load(ctx, u.Store, u.Catalog); err != nil {
				return err
			}
		}
		b.Insee = loc.Commune(orb.Point{b.X, b.Y})
	}
	return nil
}

// Updater runs update batches.
type Updater struct {
	Store   Store
	Catalog *socle.Catalog
	// Actor names who runs the batch, for its record.
	Actor string
	// Progress receives a progress bar when it is a terminal; nil for none.
	Progress *os.File
	Now      func() time.Time
	Match    FibreOptions
	Snap     SnapOptions
	// Window is the period, before a segment's latest report, whose reports
	// make its condition (AggregateReports).
	Window time.Duration
	// Pseudonyms replaces vehicle ids; required for road reports.
	Pseudonyms *roadreport.Pseudonymizer
}

// Report is what a batch did (or, in a dry run, would do): the JSON report
// and the terminal summary.
type Report struct {
	Batch    string `json:"batch"`
	Kind     string `json:"kind"`
	Source   string `json:"source"`
	SHA256   string `json:"sha256"`
	DryRun   bool   `json:"dry_run"`
	Format   any    `json:"format"`
	RowsRead int    `json:"rows_read"`
	// Matched counts matches by method (fibre: identifier, address,
	// nearest_number; reports: nearest, heading).
	Matched   map[string]int `json:"matched"`
	Ambiguous int            `json:"ambiguous"`
	// Unmatched counts what matched nothing, by reason.
	Unmatched     int            `json:"unmatched"`
	UnmatchedWhy  map[string]int `json:"unmatched_reasons"`
	Duplicates    int            `json:"duplicates,omitempty"`
	Rejected      int            `json:"rejected"`
	Rejects       []socle.Reject `json:"rejects"`
	FeaturesToSet int            `json:"features_to_change"`
	socle.UpdateResult
	Duration time.Duration `json:"duration_ns"`
}

// String is the terminal summary.
func (r *Report) String() string {
	mode := "applied as batch " + r.Batch
	if r.DryRun {
		mode = "dry run, nothing written"
	}
	keys := make([]string, 0, len(r.Matched))
	for k := range r.Matched {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	matched := ""
	for _, k := range keys {
		matched += fmt.Sprintf(" %s %d", k, r.Matched[k])
	}
	s := fmt.Sprintf("%s ← %s: read %d rows; matched%s; ambiguous %d; unmatched %d; rejected %d; features to change %d",
		r.Kind, r.Source, r.RowsRead, matched, r.Ambiguous, r.Unmatched, r.Rejected, r.FeaturesToSet)
	if !r.DryRun {
		s += fmt.Sprintf(" (changed %d, candidates added %d, reports added %d)", r.FeaturesChanged, r.CandidatesAdded, r.ReportsAdded)
	}
	return s + fmt.Sprintf(", in %s — %s", r.Duration.Round(time.Millisecond), mode)
}

func (u *Updater) now() time.Time {
	if u.Now != nil {
		return u.Now()
	}
	return time.Now()
}

// begin stores the raw input (unless dry) and names the batch.
func (u *Updater) begin(ctx context.Context, kind, source string, data []byte, dry bool) (*Report, socle.Batch, error) {
	sum := sha256.Sum256(data)
	rep := &Report{Kind: kind, Source: source, SHA256: hex.EncodeToString(sum[:]), DryRun: dry, Matched: map[string]int{}, UnmatchedWhy: map[string]int{}, Rejects: []socle.Reject{}}
	b := socle.Batch{ID: socle.NewBatchID("update-"+kind, u.now()), Kind: "update-" + kind, Source: source, FileSHA256: rep.SHA256, Actor: u.Actor}
	if !dry {
		rep.Batch = b.ID
		// Stored before anything else: if processing fails or the process
		// dies, the file is kept.
		if err := u.Store.SaveUpdateInput(ctx, socle.UpdateInput{SHA256: rep.SHA256, Kind: kind, Source: source, Actor: u.Actor, Data: data}); err != nil {
			return nil, b, err
		}
	}
	return rep, b, nil
}

// finish applies the update (unless dry) and completes the report.
func (u *Updater) finish(ctx context.Context, rep *Report, up *socle.Update, start time.Time) (*Report, error) {
	rep.Rejected = len(up.Rejects)
	rep.Rejects = append(rep.Rejects, up.Rejects...)
	rep.FeaturesToSet = len(up.Sets)
	rep.Duration = time.Since(start)
	if rep.DryRun {
		return rep, nil
	}
	summary := *rep
	summary.Rejects = nil // kept in batch_rejects
	up.Report, _ = json.Marshal(summary)
	res, err := u.Store.ApplyUpdate(ctx, up)
	if err != nil {
		return rep, err
	}
	rep.UpdateResult = res
	rep.Duration = time.Since(start)
	return rep, nil
}

// Revert undoes a batch (an updater batch, or any other).
func (u *Updater) Revert(ctx context.Context, batch string) (socle.RevertResult, error) {
	return u.Store.Revert(ctx, batch, u.Actor)
}

// bar is a progress bar on a terminal, nothing elsewhere.
func (u *Updater) bar(n int, what string) *progressbar.ProgressBar {
	if u.Progress == nil || !term.IsTerminal(int(u.Progress.Fd())) || n < 10000 {
		return progressbar.DefaultSilent(int64(n))
	}
	return progressbar.NewOptions(n, progressbar.OptionSetWriter(u.Progress), progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(), progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
}

// Fibre joins a fibre deployment file into the addresses.
func (u *Updater) Fibre(ctx context.Context, source string, data []byte, dry bool) (*Report, error) {
	start := time.Now()
	rep, b, err := u.begin(ctx, "fibre", source, data, dry)
	if err != nil {
		return nil, err
	}
	buildings, rejects, info, err := fibre.Read(data)
	if err != nil {
		return rep, err
	}
	rep.Format, rep.RowsRead = info, info.Rows
	addrs, err := u.addresses(ctx)
	if err != nil {
		return rep, err
	}
	opts := u.Match
	if opts == (FibreOptions{}) {
		opts = DefaultFibreOptions
	}
	ix := newFibreIndex(addrs)
	if err := u.locateBuildings(ctx, ix, buildings); err != nil {
		return rep, err
	}
	bar := u.bar(len(buildings), "joining buildings")
	up := &socle.Update{Batch: b, Collection: "addresses", Rejects: rejects}
	// best holds, per address, the building that sets it: the most
	// advanced state when several name it.
	best := map[int]int{}
	seenImb := map[string]bool{}
	for i := range buildings {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return rep, err
			}
			_ = bar.Set(i)
		}
		bd := &buildings[i]
		if seenImb[bd.ImbID] {
			rep.Duplicates++
		}
		seenImb[bd.ImbID] = true
		m := ix.match(bd, opts)
		switch {
		case m.Address >= 0:
			rep.Matched[m.Method]++
			if j, ok := best[m.Address]; !ok || statePrecedence[bd.State] > statePrecedence[buildings[j].State] {
				best[m.Address] = i
			}
		case m.Ambiguous:
			rep.Ambiguous++
			rep.UnmatchedWhy["ambiguous: "+m.Reason]++
			up.Candidates = append(up.Candidates, candidate(bd, "ambiguous: "+m.Reason))
		default:
			rep.Unmatched++
			rep.UnmatchedWhy[m.Reason]++
			up.Candidates = append(up.Candidates, candidate(bd, m.Reason))
		}
	}
	_ = bar.Finish()
	for i := range up.Candidates {
		up.Candidates[i].CreatedAt = u.now()
	}
	stamp := u.now().UTC().Format(time.RFC3339Nano)
	idx := make([]int, 0, len(best))
	for a := range best {
		idx = append(idx, a)
	}
	sort.Ints(idx)
	for _, a := range idx {
		bd := &buildings[best[a]]
		addr := &addrs[a]
		// Only a change of status or operator is a change: the same file
		// applied twice sets nothing the second time.
		if addr.FibreStatus == bd.State && addr.FibreOperator == bd.Operator {
			continue
		}
		v, _ := json.Marshal(map[string]any{"fibre_status": bd.State, "fibre_operator": nullable(bd.Operator), "fibre_updated_at": stamp, "fibre_batch": b.ID})
		up.Sets = append(up.Sets, socle.FeatureSet{ID: addr.ID, Values: v})
	}
	return u.finish(ctx, rep, up, start)
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// candidate turns an unmatched building into an address candidate, keyed
// by its building id and address so that the same proposal is kept once.
func candidate(b *fibre.Building, reason string) socle.AddressCandidate {
	h := sha256.Sum256(fmt.Appendf(nil, "%s|%s|%d|%s|%s|%s", b.ImbID, b.Insee, b.Numero, b.Suffixe, b.Street, b.Commune))
	c := socle.AddressCandidate{Key: hex.EncodeToString(h[:16]), Line: b.Line, ImbID: b.ImbID, Suffixe: b.Suffixe, VoieNom: b.Street,
		CommuneInsee: b.Insee, CommuneNom: b.Commune, Postcode: b.Postcode, FibreStatus: b.State, FibreOperator: b.Operator, Reason: reason, X: b.X, Y: b.Y}
	if b.HasNumero {
		n := b.Numero
		c.Numero = &n
	}
	return c
}

// RoadReports joins a road-report file into the roads.
func (u *Updater) RoadReports(ctx context.Context, source string, data []byte, dry bool) (*Report, error) {
	if u.Pseudonyms == nil {
		return nil, socle.Errorf(socle.EINVALID, "road reports need a pseudonymisation key (--pseudonym-key or SOCLE_PSEUDONYM_KEY)")
	}
	start := time.Now()
	rep, b, err := u.begin(ctx, "road-reports", source, data, dry)
	if err != nil {
		return nil, err
	}
	reports, rejects, info, err := roadreport.Read(data, u.Pseudonyms)
	if err != nil {
		return rep, err
	}
	rep.Format, rep.RowsRead = info, info.Rows
	roads, err := u.roads(ctx)
	if err != nil {
		return rep, err
	}
	opts := u.Snap
	if opts == (SnapOptions{}) {
		opts = DefaultSnapOptions
	}
	window := u.Window
	if window == 0 {
		window = 30 * 24 * time.Hour
	}
	// What is stored already: reports met again are not counted twice.
	obs := map[int64][]Observation{}
	stored := map[string]bool{}
	if err := u.Store.RoadReports(ctx, func(r socle.StoredReport) error {
		stored[r.Key] = true
		obs[r.RoadID] = append(obs[r.RoadID], Observation{Time: r.Time, Condition: r.Condition})
		return nil
	}); err != nil {
		return rep, err
	}
	toL93, err := crs.NewTransformer(4326, 2154)
	if err != nil {
		return rep, err
	}
	ix := newRoadIndex(roads)
	up := &socle.Update{Batch: b, Collection: "roads", Rejects: rejects, Reports: make([]socle.RoadReport, 0, len(reports))}
	touched := map[int]bool{}
	bar := u.bar(len(reports), "snapping reports")
	var buf []snapCandidate
	inFile := map[string]bool{}
	for i := range reports {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return rep, err
			}
			_ = bar.Set(i)
		}
		r := &reports[i]
		key := r.Key()
		if inFile[key] {
			rep.Duplicates++
			continue
		}
		inFile[key] = true
		x, y, err := toL93.Transform(r.Lon, r.Lat)
		if err != nil {
			up.Rejects = append(up.Rejects, socle.Reject{Line: r.Line, Column: "lon", Reason: err.Error()})
			continue
		}
		s, nb := ix.snap(x, y, r.Heading, opts, buf)
		buf = nb
		sr := socle.RoadReport{Key: key, Line: r.Line, Time: r.Time, Vehicle: r.Vehicle, Condition: r.Condition, Comment: r.Comment, X: x, Y: y}
		if !math.IsNaN(r.Heading) {
			h := r.Heading
			sr.Heading = &h
		}
		if s.Road < 0 {
			sr.Reason = s.Reason
			if s.Ambiguous {
				rep.Ambiguous++
				rep.UnmatchedWhy["ambiguous: at a junction without heading"]++
			} else {
				rep.Unmatched++
				rep.UnmatchedWhy[s.Reason]++
			}
		} else {
			id, d := roads[s.Road].ID, s.Distance
			sr.RoadID, sr.Distance = &id, &d
			if s.ByHeading {
				rep.Matched["heading"]++
			} else {
				rep.Matched["nearest"]++
			}
			if !stored[key] {
				obs[id] = append(obs[id], Observation{Time: r.Time, Condition: r.Condition})
				touched[s.Road] = true
			}
		}
		up.Reports = append(up.Reports, sr)
	}
	_ = bar.Finish()
	idx := make([]int, 0, len(touched))
	for i := range touched {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	for _, i := range idx {
		rd := &roads[i]
		a := AggregateReports(obs[rd.ID], window)
		if a.Condition == rd.Condition && a.ObservedAt.Equal(rd.ObservedAt) && a.Count == rd.ReportCount {
			continue
		}
		v, _ := json.Marshal(map[string]any{"condition": a.Condition, "condition_observed_at": a.ObservedAt.UTC().Format(time.RFC3339Nano),
			"report_count": a.Count, "condition_batch": b.ID})
		up.Sets = append(up.Sets, socle.FeatureSet{ID: rd.ID, Values: v})
	}
	return u.finish(ctx, rep, up, start)
}

// each streams every feature of a collection, page by page, with the
// named properties.
func (u *Updater) each(ctx context.Context, id string, props []string, fn func(q *socle.ItemsQuery, r *socle.Record) error) error {
	c, ok := u.Catalog.Collection(id)
	if !ok {
		return fmt.Errorf("updater: no collection %s", id)
	}
	q, err := socle.AllItems(c, 10000).WithProperties(props...)
	if err != nil {
		return err
	}
	return transfer.Each(ctx, u.Store, q, func(r *socle.Record) error { return fn(q, r) })
}

var errGeometry = errors.New("updater: unexpected geometry")

// addresses reads the address layer.
func (u *Updater) addresses(ctx context.Context) ([]Address, error) {
	var out []Address
	err := u.each(ctx, "addresses", []string{"cle_interop", "numero", "suffixe", "voie_nom", "commune_insee", "commune_nom", "fibre_status", "fibre_operator"},
		func(_ *socle.ItemsQuery, r *socle.Record) error {
			id, _ := r.ID.(int64)
			p, ok := r.Geometry.(orb.Point)
			if !ok {
				return fmt.Errorf("%w for address %d", errGeometry, id)
			}
			v := r.Values
			out = append(out, Address{ID: id, CleInterop: text(v[0]), Numero: int(integer(v[1])), Suffixe: text(v[2]), VoieNom: text(v[3]),
				Insee: text(v[4]), CommuneNom: text(v[5]), X: p[0], Y: p[1], FibreStatus: text(v[6]), FibreOperator: text(v[7])})
			return nil
		})
	return out, err
}

// roads reads the road layer.
func (u *Updater) roads(ctx context.Context) ([]Road, error) {
	var out []Road
	err := u.each(ctx, "roads", []string{"condition", "condition_observed_at", "report_count"}, func(_ *socle.ItemsQuery, r *socle.Record) error {
		id, _ := r.ID.(int64)
		line, ok := r.Geometry.(orb.LineString)
		if !ok || len(line) < 2 {
			return fmt.Errorf("%w for road %d", errGeometry, id)
		}
		rd := Road{ID: id, Condition: -1, ReportCount: int(integer(r.Values[2])), Line: line}
		if c, ok := r.Values[0].(int64); ok {
			rd.Condition = int(c)
		}
		if t, ok := r.Values[1].(time.Time); ok {
			rd.ObservedAt = t
		}
		out = append(out, rd)
		return nil
	})
	return out, err
}

// text is a text value, "" for null.
func text(v any) string {
	s, _ := v.(string)
	return s
}

// integer is an integer value, 0 for null.
func integer(v any) int64 {
	n, _ := v.(int64)
	return n
}
