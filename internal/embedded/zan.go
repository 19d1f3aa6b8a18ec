package embedded

import (
	"context"
	"errors"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/socle-geo/socle/internal/ledger"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/zan"
)

// The derived ZAN figures (issue 13), as the PostGIS store derives them
// (postgis/zan.go), computed in Go: the flux between each pair of
// consecutive millésimes by zan.ComputeFlux (a pure-Go overlay, see
// internal/zan/OVERLAY.md for why that library), written as the rows of
// the artificialisation collection (zan.FluxRows), and the communes' ZAN
// indicators (zan.CommuneIndicators). What changes is written under a
// derive batch and logged through the ledger (ledger.LogDerived), so that
// the change feeds show it.

// deriveWriter is the writer of a derive batch: it shares the batch's
// transaction and snapshots, and stamps what it writes with its own id.
type deriveWriter struct {
	*batchWriter
	counts map[string]int
}

// deriveScope says what a recomputation redoes.
type deriveScope int

const (
	// deriveAll: the flux and the indicators (the land cover or the
	// communes changed).
	deriveAll deriveScope = iota
	// deriveIndicators: the communes' indicators only (only the Cerema
	// file changed): the flux, which does not rest on it, is read back
	// from the artificialisation collection (zan.StoredFluxes) rather than
	// overlaid again — the same figures, without the overlay.
	deriveIndicators
)

// derive recomputes the ZAN figures after batch source, in its
// transaction, and writes and logs what changed under a derive batch.
func (im *batchWriter) derive(ctx context.Context, source string, scope deriveScope) error {
	artT, ok1 := im.s.tables["artificialisation"]
	lcT, ok2 := im.s.tables["land_cover"]
	coT, ok3 := im.s.tables["communes"]
	if !ok1 || !ok2 || !ok3 {
		return nil
	}
	if err := im.need(ctx, "artificialisation", "land_cover", "communes"); err != nil {
		return err
	}
	dw := &deriveWriter{batchWriter: &batchWriter{s: im.s, tx: im.tx, now: im.now, base: im.base, next: im.next, seqs: im.seqs, dirty: im.dirty,
		batch: socle.Batch{Kind: socle.KindDerive, Source: source, Actor: "socle", WithDerived: true}}, counts: map[string]int{}}
	defer func() {
		dw.close()
		im.changes = append(im.changes, dw.changes...)
	}()
	var results []*zan.Result
	if scope == deriveIndicators {
		results = im.storedFluxes(artT)
	} else {
		communes := im.communes(coT)
		var err error
		if results, err = im.fluxes(lcT, communes); err != nil {
			return err
		}
		if err := dw.writeFlux(ctx, artT, coT, communes, results); err != nil {
			return err
		}
	}
	if err := dw.writeIndicators(ctx, lcT, coT, results); err != nil {
		return err
	}
	if dw.batch.ID == "" {
		return nil
	}
	return dw.finishCounts(ctx, dw.counts)
}

// begin records the derive batch on its first change.
func (dw *deriveWriter) begin(ctx context.Context) error {
	if dw.batch.ID != "" {
		return nil
	}
	dw.batch.ID = socle.NewBatchID(socle.KindDerive, dw.now)
	return dw.recordBatch(ctx, "artificialisation")
}

// communes are the stored communes as the flux is computed for them.
func (im *batchWriter) communes(coT *table) []zan.Commune {
	name := coT.byName["nom"]
	feats := im.current("communes").feats
	out := make([]zan.Commune, 0, len(feats))
	for _, f := range feats {
		n, _ := f.val(name).(string)
		out = append(out, zan.Commune{INSEE: f.fid.s, Name: n, Geom: f.geometry()})
	}
	return out
}

// fluxes computes the flux of each pair of consecutive millésimes; a pair
// whose land cover covers less than half the communes is a change layer.
// What is artificialised is the matrix's verdict on the codes, or the
// stored flag for codes it does not know.
func (im *batchWriter) fluxes(lcT *table, communes []zan.Commune) ([]*zan.Result, error) {
	year, cs, us, art := lcT.byName["year"], lcT.byName["code_cs"], lcT.byName["code_us"], lcT.byName["artificialised"]
	m := zan.DefaultMatrix()
	feats := im.current("land_cover").feats
	parcels := make([]zan.Parcel, 0, len(feats))
	cover := map[int]float64{}
	for _, f := range feats {
		y, ok := f.val(year).(int64)
		if !ok {
			continue
		}
		p := zan.Parcel{ID: f.fid.n, Year: int(y), Geom: f.geometry()}
		p.CodeCS, _ = f.val(cs).(string)
		p.CodeUS, _ = f.val(us).(string)
		if _, err := m.Artificialised(p.CodeCS, p.CodeUS); err != nil {
			p.Flag = zan.FlagNotArtificialised
			if a, _ := f.val(art).(bool); a {
				p.Flag = zan.FlagArtificialised
			}
		}
		parcels = append(parcels, p)
		cover[p.Year] += planar.Area(f.geometry())
	}
	years := zan.Years(parcels)
	if len(years) < 2 {
		return nil, nil
	}
	var communesM2 float64
	for _, c := range communes {
		communesM2 += planar.Area(c.Geom)
	}
	var out []*zan.Result
	for i := 1; i < len(years); i++ {
		r, err := zan.ComputeFlux(communes, parcels, years[i-1], years[i], zan.Options{Matrix: m})
		if err != nil {
			var nf *zan.NoFluxError
			if errors.As(err, &nf) {
				continue
			}
			return nil, &socle.Error{Code: socle.EINVALID, Message: "the artificialisation flux could not be computed from the land cover", Err: err}
		}
		if zan.IsChangeLayer(cover[years[i-1]], cover[years[i]], communesM2) {
			r.AsChangeLayer()
		}
		out = append(out, r)
	}
	return out, nil
}

// storedFluxes reads the flux back from the artificialisation collection.
func (im *batchWriter) storedFluxes(t *table) []*zan.Result {
	col := func(f *feature, name string) any { return f.val(t.byName[name]) }
	var rows []zan.FluxRow
	for _, f := range im.current("artificialisation").feats {
		var r zan.FluxRow
		r.Level, _ = col(f, "level").(string)
		r.INSEE, _ = col(f, "insee").(string)
		r.Name, _ = col(f, "nom").(string)
		from, _ := col(f, "from_year").(int64)
		to, _ := col(f, "to_year").(int64)
		r.FromYear, r.ToYear = int(from), int(to)
		r.ArtificialisedHa, _ = col(f, "artificialised_ha").(float64)
		r.DeartificialisedHa, _ = col(f, "deartificialised_ha").(float64)
		r.NetHa, _ = col(f, "net_ha").(float64)
		r.Source, _ = col(f, "source").(string)
		r.MatrixVersion, _ = col(f, "matrix_version").(string)
		rows = append(rows, r)
	}
	return zan.StoredFluxes(rows)
}

// epci names the intercommunality the communes form: the SIREN most of
// them give.
func (im *batchWriter) epci(coT *table) zan.EPCI {
	siren := coT.byName["epci_siren"]
	n := map[string]int{}
	for _, f := range im.current("communes").feats {
		if s, _ := f.val(siren).(string); s != "" {
			n[s]++
		}
	}
	var e zan.EPCI
	for s, k := range n {
		if k > n[e.Code] || (k == n[e.Code] && s < e.Code) {
			e.Code = s
		}
	}
	e.Name = zan.EPCIName(e.Code, im.s.epciNames)
	return e
}

// writeFlux makes the artificialisation table hold the rows of results.
func (dw *deriveWriter) writeFlux(ctx context.Context, t, coT *table, communes []zan.Commune, results []*zan.Result) error {
	rows := zan.FluxRows(results, dw.epci(coT))
	geoms := map[string]orb.Geometry{}
	for _, c := range communes {
		geoms[c.INSEE] = multi(c.Geom)
	}
	var epciGeom orb.Geometry
	want := map[string]*feature{}
	for _, r := range rows {
		f := &feature{fid: makeID(r.Key), vals: make([]any, len(t.cols))}
		p := r.Properties()
		for j, c := range t.cols {
			f.vals[j] = p[c.name]
		}
		if r.Level == zan.LevelCommune {
			f.geom = geoms[r.INSEE]
		} else {
			if epciGeom == nil {
				gs := make([]orb.Geometry, len(communes))
				for i, c := range communes {
					gs[i] = c.Geom
				}
				u, err := zan.Union(gs)
				if err != nil {
					return &socle.Error{Code: socle.EINVALID, Message: "the communes could not be unioned into the EPCI's outline", Err: err}
				}
				epciGeom = u
			}
			f.geom = epciGeom
		}
		if f.geometry() == nil {
			continue
		}
		f.bound = f.geometry().Bound()
		want[r.Key] = f
	}
	return dw.apply(ctx, t, want, true)
}

// multi makes a Polygon a MultiPolygon.
func multi(g orb.Geometry) orb.Geometry {
	if p, ok := g.(orb.Polygon); ok {
		return orb.MultiPolygon{p}
	}
	return g
}

// apply makes t hold the features of want, by id: new ones inserted, those
// that differ updated and, with retire, those absent deleted; each change
// logged through the ledger with the row it replaced, before it is
// written.
func (dw *deriveWriter) apply(ctx context.Context, t *table, want map[string]*feature, retire bool) error {
	l := dw.current(t.c.ID)
	var changes []change
	var gone []*feature
	for _, f := range l.feats {
		n, ok := want[f.fid.s]
		switch {
		case !ok && retire:
			gone = append(gone, f)
		case ok && !sameFeature(t, f, n):
			changes = append(changes, change{f: n, prev: f})
		}
		delete(want, f.fid.s)
	}
	for _, f := range want {
		changes = append(changes, change{f: f, inserted: true})
	}
	if len(changes)+len(gone) == 0 {
		return nil
	}
	if err := dw.begin(ctx); err != nil {
		return err
	}
	slices.SortFunc(changes, func(a, b change) int { return compareFeatureIDs(a.f, b.f) })
	log := make([]socle.FeatureChange, 0, len(changes)+len(gone))
	for _, ch := range changes {
		c := socle.FeatureChange{FeatureID: idText(ch.f.ident()), Op: socle.OpInsert}
		if !ch.inserted {
			b, err := dw.before(ctx, t, ch.prev)
			if err != nil {
				return err
			}
			c.Op, c.Before = socle.OpUpdate, []byte(b)
		}
		log = append(log, c)
	}
	for _, f := range gone {
		b, err := dw.before(ctx, t, f)
		if err != nil {
			return err
		}
		log = append(log, socle.FeatureChange{FeatureID: idText(f.ident()), Op: socle.OpDelete, Before: []byte(b)})
	}
	if err := ledger.LogDerived(ctx, ledger.SQLiteTx(dw.tx, storeError), dw.batch.ID, t.c.ID, log); err != nil {
		return err
	}
	feats := make([]*feature, len(changes))
	for i, ch := range changes {
		feats[i] = ch.f
	}
	n, err := l.withChanges(feats, l.state)
	if err != nil {
		return err
	}
	if len(gone) > 0 {
		del, err := dw.tx.PrepareContext(ctx, "DELETE FROM "+quote(t.c.ID)+" WHERE "+quote(t.idCol)+" = ?")
		if err != nil {
			return storeError(ctx, err)
		}
		defer del.Close()
		for _, f := range gone {
			if _, err := del.ExecContext(ctx, f.ident()); err != nil {
				return storeError(ctx, err)
			}
		}
		n = n.without(gone)
	}
	dw.next[t.c.ID] = n
	if err := dw.write(ctx, t, changes); err != nil {
		return err
	}
	areas := changedAreas(changes)
	for _, f := range gone {
		areas = append(areas, boxGeometry(f.bound))
	}
	dw.counts[t.c.ID] += len(changes) + len(gone)
	return dw.notifyChange(ctx, t.c.ID, areas)
}

// sameFeature says whether a and b hold the same values and geometry.
func sameFeature(t *table, a, b *feature) bool {
	for j, c := range t.cols {
		if !equalValues(c.kind, a.val(j), b.val(j)) {
			return false
		}
	}
	return orb.Equal(a.geometry(), b.geometry())
}

// writeIndicators recomputes the communes' ZAN indicators and writes
// those that changed.
func (dw *deriveWriter) writeIndicators(ctx context.Context, lcT, coT *table, results []*zan.Result) error {
	in := zan.IndicatorInputs{LandCoverYears: map[string]map[int]float64{}, Fluxes: results, Allowance: dw.s.allowance}
	art, yearArt, area, insee := lcT.byName["artificialised"], lcT.byName["year_artificialised"], lcT.byName["area_m2"], lcT.byName["commune_insee"]
	for _, f := range dw.current("land_cover").feats {
		a, _ := f.val(art).(bool)
		y, ok := f.val(yearArt).(int64)
		if !a || !ok {
			continue
		}
		c, _ := f.val(insee).(string)
		m2, _ := f.val(area).(float64)
		if in.LandCoverYears[c] == nil {
			in.LandCoverYears[c] = map[int]float64{}
		}
		in.LandCoverYears[c][int(y)] += m2 / 10000.0
	}
	cons, _, err := ledger.CurrentConsommation(ctx, ledger.SQLiteTx(dw.tx, storeError))
	if err != nil {
		return err
	}
	in.Consommation = cons
	feats := dw.current("communes").feats
	for _, f := range feats {
		in.Communes = append(in.Communes, f.fid.s)
	}
	ind := zan.CommuneIndicators(in)
	byYear, ref, since, budget, used, source := coT.byName["artificialised_ha_by_year"], coT.byName["artificialised_ha_2011_2021"],
		coT.byName["artificialised_ha_since_2021"], coT.byName["zan_budget_ha_2021_2031"], coT.byName["zan_budget_used_pct"], coT.byName["zan_source"]
	want := map[string]*feature{}
	for _, f := range feats {
		x := ind[f.fid.s]
		n := &feature{fid: f.fid, vals: f.values(), geom: f.geometry(), bound: f.bound}
		n.vals[byYear] = jsonValue(x.ByYear)
		n.vals[ref], n.vals[since], n.vals[budget] = x.ReferenceHa, x.SinceHa, x.AllowanceHa
		n.vals[used], n.vals[source] = nil, nil
		if x.UsedPct != nil {
			n.vals[used] = *x.UsedPct
		}
		if x.Source != "" {
			n.vals[source] = x.Source
		}
		want[f.fid.s] = n
	}
	return dw.apply(ctx, coT, want, false)
}

// ImportConsommation loads a Cerema NAF-consumption file read by
// zan.ReadConsommation, in one batch, as the PostGIS store does: the rows
// of the territory's communes stored per commune and year, those of other
// communes and the rows refused kept in the batch's rejects, and the ZAN
// figures recomputed from it. A dry run says what it would do and writes
// nothing.
func (s *Store) ImportConsommation(ctx context.Context, b socle.Batch, c *zan.Consommation) (zan.ConsommationResult, error) {
	res := zan.ConsommationResult{BatchID: b.ID, DryRun: b.DryRun}
	b.Kind = socle.KindConsommation
	err := s.inTx(ctx, b, func(im *batchWriter) error {
		if err := im.recordBatch(ctx, "communes"); err != nil {
			return err
		}
		known := map[string]bool{}
		for _, f := range im.current("communes").feats {
			known[f.fid.s] = true
		}
		keep, rejects := c.Split(known, &res)
		res.Stored = len(keep)
		if err := ledger.SaveConsommation(ctx, ledger.SQLiteTx(im.tx, storeError), b.ID, keep); err != nil {
			return err
		}
		if err := im.saveRejects(ctx, rejects); err != nil {
			return err
		}
		if err := im.finishCounts(ctx, res); err != nil {
			return err
		}
		// The flux does not rest on the Cerema file: only the indicators
		// move.
		if err := im.derive(ctx, b.ID, deriveIndicators); err != nil {
			return err
		}
		if b.DryRun {
			return errDryRun
		}
		return nil
	})
	if errors.Is(err, errDryRun) {
		err = nil
	}
	return res, err
}

// errDryRun rolls back the transaction of a dry run.
var errDryRun = errors.New("embedded: dry run")

// RecomputeZAN recomputes every derived ZAN figure in full, in one
// transaction, as the PostGIS store's RecomputeZAN does.
func (s *Store) RecomputeZAN(ctx context.Context) error {
	return s.inTx(ctx, socle.Batch{}, func(im *batchWriter) error {
		return im.derive(ctx, zan.RecomputeSource, deriveAll)
	})
}
