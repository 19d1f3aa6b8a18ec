package server

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/socle-geo/socle/internal/metadata"
	"github.com/socle-geo/socle/ogc/csw"
	"github.com/socle-geo/socle/ogc/iso19139"
)

// The CSW 2.0.2 discovery service (ISO application profile, INSPIRE
// discovery): requests are parsed and answered by package ogc/csw over
// the records the metadata package makes from the data; errors are OWS
// exception reports.

// maxCSWBody bounds a POST request: a query is a few kilobytes.
const maxCSWBody = 1 << 20

func (s *Server) cswRoutes(r chi.Router) {
	r.Get("/csw", s.csw)
	r.Post("/csw", s.csw)
}

func (s *Server) csw(w http.ResponseWriter, r *http.Request) {
	req, err := s.parseCSW(r)
	if err != nil {
		s.cswException(w, r, err)
		return
	}
	lang := cswLanguage(r, req)
	base := s.rootBase(r)
	records, err := s.meta.Records(r.Context(), base, lang)
	if err != nil {
		s.cswException(w, r, err)
		return
	}
	caps, err := s.cswCapabilities(r, base, lang)
	if err != nil {
		s.cswException(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := csw.Respond(&buf, req, records, caps, s.opts.Now().UTC().Truncate(time.Second)); err != nil {
		s.cswException(w, r, err)
		return
	}
	writeBody(w, r, "application/xml; charset=utf-8", lang, buf.Bytes())
}

// parseCSW reads a KVP request (GET, or a POSTed form) or an XML one.
func (s *Server) parseCSW(r *http.Request) (csw.Request, error) {
	if r.Method != http.MethodPost {
		return csw.ParseKVP(r.URL.Query())
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxCSWBody+1))
	if err != nil {
		return nil, &csw.Exception{Code: csw.NoApplicableCode, Text: "the request body could not be read"}
	}
	if len(body) > maxCSWBody {
		return nil, &csw.Exception{Code: csw.NoApplicableCode, Text: "the request body is larger than 1 MiB"}
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/x-www-form-urlencoded" {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, &csw.Exception{Code: csw.NoApplicableCode, Text: "the form body is not URL-encoded"}
		}
		for k, vs := range r.URL.Query() {
			form[k] = append(form[k], vs...)
		}
		return csw.ParseKVP(form)
	}
	return csw.ParseXML(bytes.NewReader(body))
}

// cswLanguage is the language of the answer: the INSPIRE LANGUAGE
// parameter (ISO 639-2/B) when given, else lang and Accept-Language.
func cswLanguage(r *http.Request, req csw.Request) string {
	code := ""
	if gc, ok := req.(*csw.GetCapabilities); ok {
		code = gc.Language
	}
	for k, vs := range r.URL.Query() {
		if strings.EqualFold(k, "language") && len(vs) > 0 && code == "" {
			code = vs[0]
		}
	}
	switch strings.ToLower(code) {
	case "eng", "en":
		return "en"
	case "fre", "fra", "fr":
		return "fr"
	}
	return language(r)
}

// cswException answers an error as an OWS exception report.
func (s *Server) cswException(w http.ResponseWriter, r *http.Request, err error) {
	var e *csw.Exception
	if !errors.As(err, &e) {
		// Internal details go to the log, never to the client.
		s.log.Error("csw", "err", err, "path", r.URL.Path)
		e = &csw.Exception{Code: csw.NoApplicableCode, Text: "the catalogue could not answer; retry later"}
		var buf bytes.Buffer
		_ = e.Report().Encode(&buf)
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write(buf.Bytes())
		return
	}
	var buf bytes.Buffer
	_ = e.Report().Encode(&buf)
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.WriteHeader(e.HTTPStatus())
	_, _ = w.Write(buf.Bytes())
}

// cswCapabilities describes the catalogue from the metadata files, with
// the INSPIRE extended capabilities (TG Discovery Services, scenario 2).
func (s *Server) cswCapabilities(r *http.Request, base, lang string) (csw.Capabilities, error) {
	files := s.meta.Files()
	states, err := s.meta.Datasets(r.Context())
	if err != nil {
		return csw.Capabilities{}, err
	}
	modified := metadata.Modified(files, states).UTC()
	svc := files.Services[metadata.ServiceDiscovery]
	o := files.Organisation
	caps := csw.Capabilities{
		Title:             svc.Title.In(lang),
		Abstract:          strings.TrimSpace(svc.Abstract.In(lang)),
		Keywords:          append(append([]string{iso19139.CategoryCatalogueService}, svc.Keywords.In(lang)...), files.PlaceKeywords.In(lang)...),
		Fees:              "none",
		AccessConstraints: t(lang, "Aucune", "None"),
		Provider: csw.Provider{
			Name: o.Name.In(lang), Site: o.Website, Phone: o.Phone, Email: o.Email,
			DeliveryPoint: o.Address, City: o.City, PostalCode: o.PostalCode, Country: o.Country,
		},
		URL:            base + "/csw",
		UpdateSequence: modified.Format(time.RFC3339),
		Inspire: &csw.InspireCapabilities{
			DateOfPublication:  svc.Published.Time,
			Conformity:         []csw.InspireConformity{csw.Regulation976Conformity("notEvaluated")},
			PointOfContact:     csw.InspireContact{Organisation: o.Name.In(lang), Email: o.Email},
			MetadataDate:       modified,
			DefaultLanguage:    "fre",
			SupportedLanguages: []string{"fre", "eng"},
			MetadataURL:        metadata.RecordByIDURL(base, files.RecordID(metadata.ServiceDiscovery)),
		},
	}
	return caps, nil
}
