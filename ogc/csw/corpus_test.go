package csw_test

import (
	"bufio"
	"bytes"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/socle-geo/socle/internal/xsdtest"
	"github.com/socle-geo/socle/ogc/csw"
)

// The pycsw functional-test corpus (testdata/csw-requests, copied from the
// project's reference material): every request must parse, or fail with
// the exception code pycsw answers. Where pycsw's answer is pycsw-specific
// (the "P" and "refused" rows of its SOURCES.md), overrides gives what a
// read-only, XML-only CSW 2.0.2 endpoint answers instead. Every answer of
// ours is then validated.

// overrides maps suite/method_name to the expected exception code ("" for
// a normal answer).
var overrides = map[string]csw.ExceptionCode{
	// JSON is a pycsw extension.
	"default/post_DescribeRecord-json": csw.InvalidParameterValue,
	"default/post_GetRecordById-json":  csw.InvalidParameterValue,
	"default/post_GetRecords-all-json": csw.InvalidParameterValue,
	// No SOAP binding.
	"default/post_GetCapabilities-SOAP": csw.NoApplicableCode,
	// A read-only server refuses transactions before reading them.
	"default/post_Transaction-delete": csw.OperationNotSupported,
	// GetRepositoryItem is not a CSW 2.0.2 operation.
	"default/get_GetRepositoryItem":                    csw.OperationNotSupported,
	"default/get_Exception-GetRepositoryItem-notfound": csw.OperationNotSupported,
	// Atom is not an output schema of ours.
	"cite/post_7c89cdf5-0def-4cfb-8c55-2b8ffea5d92f": csw.InvalidParameterValue,
	"cite/get_6c375703-9c00-4aef-bec7-d2e964f849eb":  csw.InvalidParameterValue,
	// Without version pycsw answers CSW 3.0; a 2.0.2 endpoint answers
	// 2.0.2 capabilities, or OWS 1.0 exceptions with the same codes.
	"cite/get_477b23a3-baa9-47c8-9541-5fe27735ed49": "",
	"cite/get_55c38f00-2553-42c1-99ab-33edbb561ad7": "",
	"cite/get_80f31def-4185-48b9-983a-960566918eae": "",
	"cite/get_9697f0aa-3b6a-4125-83a5-61e8826127c4": "",
}

var exceptionCode = regexp.MustCompile(`exceptionCode="([A-Za-z]+)"`)

// expected is the exception code pycsw answered a request with, or "".
func expected(t *testing.T, suite, name string) csw.ExceptionCode {
	if c, ok := overrides[suite+"/"+name]; ok {
		return c
	}
	b, err := os.ReadFile(filepath.Join(corpusDir, suite, "expected", name+".xml"))
	if err != nil {
		t.Fatalf("%s/%s: %v", suite, name, err)
	}
	if bytes.Contains(b, []byte("ExceptionReport")) {
		if m := exceptionCode.FindSubmatch(b); m != nil {
			return csw.ExceptionCode(m[1])
		}
	}
	return ""
}

// corpusDir holds the corpus, suite by suite (see its SOURCES.md).
const corpusDir = "testdata/csw-requests"

type corpusRequest struct {
	suite, name string
	parse       func() (csw.Request, error)
}

func corpus(t *testing.T) []corpusRequest {
	var reqs []corpusRequest
	posts, _ := filepath.Glob(filepath.Join(corpusDir, "*", "post", "*.xml"))
	for _, p := range posts {
		p := p
		suite := filepath.Base(filepath.Dir(filepath.Dir(p)))
		reqs = append(reqs, corpusRequest{suite, "post_" + strings.TrimSuffix(filepath.Base(p), ".xml"), func() (csw.Request, error) {
			f, err := os.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			return csw.ParseXML(f)
		}})
	}
	gets, _ := filepath.Glob(filepath.Join(corpusDir, "*", "get", "requests.txt"))
	for _, g := range gets {
		suite := filepath.Base(filepath.Dir(filepath.Dir(g)))
		f, err := os.Open(g)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			name, query, ok := strings.Cut(sc.Text(), ",")
			if !ok {
				continue
			}
			reqs = append(reqs, corpusRequest{suite, "get_" + name, func() (csw.Request, error) {
				// As net/http gives the query to a handler.
				v, _ := url.ParseQuery(query)
				return csw.ParseKVP(v)
			}})
		}
		f.Close()
	}
	sort.Slice(reqs, func(i, j int) bool { return reqs[i].suite+reqs[i].name < reqs[j].suite+reqs[j].name })
	return reqs
}

// TestCorpus parses the 160 requests, checks each outcome, answers the
// others over the test catalogue and validates all answers with xmllint.
func TestCorpus(t *testing.T) {
	reqs := corpus(t)
	if len(reqs) != 160 {
		t.Fatalf("found %d requests, want 160", len(reqs))
	}
	out := t.TempDir()
	var files []string
	for _, r := range reqs {
		want := expected(t, r.suite, r.name)
		req, err := r.parse()
		var b bytes.Buffer
		var e *csw.Exception
		switch {
		case err == nil && want != "":
			t.Errorf("%s/%s: parsed as %s, want exception %s", r.suite, r.name, req.Operation(), want)
			continue
		case err == nil:
			if err := csw.Respond(&b, req, records(), capabilities(), now); err != nil {
				t.Fatalf("%s/%s: %v", r.suite, r.name, err)
			}
		case !errors.As(err, &e):
			t.Errorf("%s/%s: error %v is not an *Exception", r.suite, r.name, err)
			continue
		case e.Code != want:
			t.Errorf("%s/%s: %v, want %q", r.suite, r.name, err, want)
			continue
		default:
			if err := e.Report().Encode(&b); err != nil {
				t.Fatal(err)
			}
		}
		f := filepath.Join(out, r.suite+"_"+r.name+".xml")
		if err := os.WriteFile(f, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	verdict, msgs := xsdtest.Files(t, xsdtest.CSW, files...)
	for _, f := range files {
		if !verdict[f] {
			t.Errorf("answer %s fails to validate", filepath.Base(f))
		}
	}
	if t.Failed() {
		t.Log(msgs)
	}
}
