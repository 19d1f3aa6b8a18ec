package bal

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzReader: no panic; every issue has a line and a code, a known
// severity and a message; row lines increase; rejected rows are the zero
// Address with only Line set.
//
//	go test -run '^$' -fuzz FuzzReader -fuzztime 60s -fuzzminimizetime 300x ./internal/bal/
//
// (a bounded -fuzzminimizetime keeps the default 60 s minimisation of each
// new input from eating the whole run on a busy machine).
func FuzzReader(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.csv")
	more, _ := filepath.Glob("testdata/fixtures-validateur-bal/*.csv")
	for _, p := range append(files, more...) {
		if filepath.Base(p) == "bal-validateur-profiles-severity.csv" {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		if len(b) > 8<<10 {
			b = b[:8<<10]
		}
		f.Add(b)
	}
	f.Add([]byte(miniHeader + "\n" + miniRow(1) + "\n\"unterminated;\n"))
	f.Add([]byte("\xff\xfe" + "c\x00l\x00e\x00"))
	f.Add([]byte(miniHeader + "\r" + miniRow(1) + "\r"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewReader(bytes.NewReader(data))
		if err != nil {
			if me, ok := err.(*MissingColumnsError); ok {
				checkIssues(t, me.Issues)
			}
			return
		}
		checkIssues(t, r.FileIssues())
		last := 0
		for n := 0; ; n++ {
			a, issues, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("Next: %v", err)
			}
			if n > len(data) {
				t.Fatal("more rows than bytes")
			}
			if a.Line <= last {
				t.Fatalf("line %d after %d", a.Line, last)
			}
			last = a.Line
			checkIssues(t, issues)
			for _, i := range issues {
				if i.Line != a.Line {
					t.Fatalf("issue line %d on row %d", i.Line, a.Line)
				}
			}
			if HasError(issues) && !reflect.DeepEqual(a, Address{Line: a.Line}) {
				t.Fatalf("rejected row not zero: %+v", a)
			}
		}
		checkIssues(t, r.FileIssues())
	})
}

func checkIssues(t *testing.T, issues []Issue) {
	t.Helper()
	for _, i := range issues {
		if i.Line < 1 || i.Code == "" || i.Message == "" || i.Severity < Info || i.Severity > Error {
			t.Fatalf("bad issue %+v", i)
		}
	}
}
