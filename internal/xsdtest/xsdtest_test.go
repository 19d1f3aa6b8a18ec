package xsdtest_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/socle-geo/socle/internal/xsdtest"
)

// TestWrappers proves both wrappers compile from the vendored schemas alone:
// a document of each reached namespace validates with no message (a schema
// the catalog fails to resolve shows up as a load warning), and an element
// no schema declares does not validate.
func TestWrappers(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		f := filepath.Join(dir, name)
		if err := os.WriteFile(f, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return f
	}
	unknown := write("unknown.xml", `<x:Unknown xmlns:x="urn:x-test:none"/>`)
	for _, tc := range []struct {
		wrapper string
		valid   map[string]string
	}{
		{xsdtest.ISO19139, map[string]string{
			"gco.xml": `<gco:CharacterString xmlns:gco="http://www.isotc211.org/2005/gco">Labège</gco:CharacterString>`,
			"gmx.xml": `<gmx:Anchor xmlns:gmx="http://www.isotc211.org/2005/gmx" xmlns:xlink="http://www.w3.org/1999/xlink" xlink:href="http://www.opengis.net/def/crs/EPSG/0/2154">EPSG:2154</gmx:Anchor>`,
			"gml.xml": `<gml:TimeInstant xmlns:gml="http://www.opengis.net/gml/3.2" gml:id="t"><gml:timePosition>2026-01-01</gml:timePosition></gml:TimeInstant>`,
		}},
		{xsdtest.CSW, map[string]string{
			"ows.xml": `<ows:ExceptionReport xmlns:ows="http://www.opengis.net/ows" version="1.2.0"><ows:Exception exceptionCode="MissingParameterValue" locator="request"/></ows:ExceptionReport>`,
			"csw.xml": `<csw:GetRecordByIdResponse xmlns:csw="http://www.opengis.net/cat/csw/2.0.2"/>`,
			"gmd.xml": `<gmd:LanguageCode xmlns:gmd="http://www.isotc211.org/2005/gmd" codeList="http://www.loc.gov/standards/iso639-2/" codeListValue="fre">fre</gmd:LanguageCode>`,
		}},
	} {
		files := []string{unknown}
		for name, body := range tc.valid {
			files = append(files, write(strings.TrimSuffix(tc.wrapper, ".xsd")+"-"+name, body))
		}
		verdict, msgs := xsdtest.Files(t, tc.wrapper, files...)
		for _, f := range files[1:] {
			if !verdict[f] {
				t.Errorf("%s: %s does not validate", tc.wrapper, filepath.Base(f))
			}
		}
		if verdict[unknown] {
			t.Errorf("%s: an undeclared element validates", tc.wrapper)
		}
		for _, line := range strings.Split(strings.TrimSpace(msgs), "\n") {
			if !strings.HasPrefix(line, unknown+":") {
				t.Errorf("%s: unexpected message: %s", tc.wrapper, line)
			}
		}
	}
}
