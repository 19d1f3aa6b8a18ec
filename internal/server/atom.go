package server

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/socle-geo/socle/internal/socle"
)

// The changes for people and feed readers: an Atom feed (RFC 4287) of the
// batches that wrote an API's collections — a dataset's under its API, the
// whole territory's at the root — so that a commune subscribes to "the
// address base changed".

const mediaAtom = "application/atom+xml"

// atomEntries bounds the feed: the latest batches.
const atomEntries = 50

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang    string      `xml:"xml:lang,attr"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Sub     string      `xml:"subtitle,omitempty"`
	Updated string      `xml:"updated"`
	Author  atomPerson  `xml:"author"`
	Links   []atomLink  `xml:"link"`
	Gen     string      `xml:"generator"`
	Entries []atomEntry `xml:"entry"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomLink struct {
	Href  string `xml:"href,attr"`
	Rel   string `xml:"rel,attr,omitempty"`
	Type  string `xml:"type,attr,omitempty"`
	Title string `xml:"title,attr,omitempty"`
}

type atomEntry struct {
	ID       string       `xml:"id"`
	Title    string       `xml:"title"`
	Updated  string       `xml:"updated"`
	Author   *atomPerson  `xml:"author,omitempty"`
	Category atomCategory `xml:"category"`
	Summary  string       `xml:"summary"`
	Links    []atomLink   `xml:"link"`
}

type atomCategory struct {
	Term  string `xml:"term,attr"`
	Label string `xml:"label,attr,omitempty"`
}

func (s *Server) changesAtom(w http.ResponseWriter, r *http.Request) {
	if !s.checkParams(w, r, nil) {
		return
	}
	lang := language(r)
	cols := s.visibleCollections(r)
	ids := make([]string, len(cols))
	byID := map[string]*socle.Collection{}
	for i, c := range cols {
		ids[i] = c.ID
		byID[c.ID] = c
	}
	batches, err := s.store.Batches(r.Context(), ids, atomEntries)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	base := s.base(r)
	title := s.opts.Title.In(lang)
	if s.dataset != nil {
		title = s.dataset.Title.In(lang)
	}
	feed := atomFeed{
		Lang:  lang,
		ID:    base + "/changes.atom",
		Title: t(lang, "Modifications : ", "Changes: ") + title,
		Sub: t(lang, "Les lots qui ont écrit les données (imports, mises à jour, annulations), les plus récents d’abord ; le détail de chaque modification est dans le journal de chaque collection (/collections/{id}/changes).",
			"The batches that wrote the data (imports, updates, reverts), newest first; each change is in each collection's feed (/collections/{id}/changes)."),
		Author: atomPerson{Name: s.publisher(lang)},
		Links: []atomLink{
			{Href: base + "/changes.atom", Rel: "self", Type: mediaAtom},
			{Href: base + "/?f=html", Rel: "alternate", Type: "text/html", Title: title},
		},
		Gen: "Socle",
	}
	updated := time.Unix(0, 0).UTC()
	for _, b := range batches {
		c := byID[b.Collection]
		if c == nil || b.Status == "running" {
			continue
		}
		at := b.StartedAt
		if b.FinishedAt != nil {
			at = *b.FinishedAt
		}
		if at.After(updated) {
			updated = at
		}
		e := atomEntry{
			ID:       base + "/changes.atom#" + url.PathEscape(b.ID),
			Title:    c.Title.In(lang) + t(lang, " : ", ": ") + batchCounts(lang, b),
			Updated:  at.UTC().Format(time.RFC3339),
			Category: atomCategory{Term: b.Kind, Label: batchKind(lang, b.Kind)},
			Summary: fmt.Sprintf(t(lang, "Lot %s (%s) sur %s, %s. Statut : %s.", "Batch %s (%s) on %s, %s. Status: %s."),
				b.ID, batchKind(lang, b.Kind), c.Title.In(lang), batchCounts(lang, b), b.Status),
			Links: []atomLink{
				{Href: base + "/collections/" + c.ID + "/changes?since=" + url.QueryEscape(b.StartedAt.Add(-time.Microsecond).UTC().Format(time.RFC3339Nano)),
					Rel: "alternate", Type: "application/json", Title: t(lang, "Les modifications depuis ce lot", "The changes since this batch")},
				{Href: base + "/collections/" + c.ID + "?f=html", Rel: "related", Type: "text/html", Title: c.Title.In(lang)},
			},
		}
		// Who wrote public data is public; for the rest, the feed names
		// no one.
		if c.Access == socle.AccessPublic && b.Actor != "" {
			e.Author = &atomPerson{Name: b.Actor}
		}
		feed.Entries = append(feed.Entries, e)
	}
	feed.Updated = updated.Format(time.RFC3339)
	body, err := xml.MarshalIndent(feed, "", " ")
	if err != nil {
		s.problem(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", mediaAtom+"; charset=utf-8")
	h.Set("Content-Language", lang)
	h.Set("Cache-Control", "public, max-age=60")
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(body)
}

// publisher names who publishes the data.
func (s *Server) publisher(lang string) string {
	if s.meta != nil {
		if o := s.meta.Files().Organisation.Name.In(lang); o != "" {
			return o
		}
	}
	return s.opts.Title.In(lang)
}

// batchCounts says what a batch changed, in words.
func batchCounts(lang string, b socle.BatchRecord) string {
	var parts []string
	for _, x := range []struct {
		n      int
		fr, en string
	}{
		{b.Counts.Inserted, "%d ajout(s)", "%d added"},
		{b.Counts.Updated, "%d modification(s)", "%d updated"},
		{b.Counts.Retired, "%d retrait(s)", "%d removed"},
	} {
		if x.n > 0 {
			parts = append(parts, fmt.Sprintf(t(lang, x.fr, x.en), x.n))
		}
	}
	if len(parts) == 0 {
		return t(lang, "aucun objet ajouté ni retiré", "no feature added or removed")
	}
	return strings.Join(parts, ", ")
}

// batchKind names a kind of batch for people.
func batchKind(lang, kind string) string {
	switch {
	case kind == socle.KindRevert:
		return t(lang, "annulation", "revert")
	case kind == "sync":
		return t(lang, "synchronisation", "synchronisation")
	case kind == "copy":
		return t(lang, "copie", "copy")
	case strings.HasPrefix(kind, "update-"):
		return t(lang, "mise à jour par des données de terrain", "update from field data")
	case strings.HasPrefix(kind, "import"):
		return t(lang, "import", "import")
	}
	return kind
}
