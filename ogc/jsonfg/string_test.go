package jsonfg

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzAppendString checks the hand-written JSON string writer against
// encoding/json: what it writes parses back to the same text (invalid
// UTF-8 replaced by U+FFFD, as encoding/json does).
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "Labège", "a\"b\\c", "tab\tnl\ncr\r\x00\x1f", "\xff\xfe", "🚲 𝄞", "\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b := appendString(nil, s)
		var back string
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%q wrote %s: %v", s, b, err)
		}
		want := strings.ToValidUTF8(s, "\uFFFD")
		if !utf8.ValidString(s) {
			// encoding/json replaces each invalid byte.
			var sb strings.Builder
			for i := 0; i < len(s); {
				r, n := utf8.DecodeRuneInString(s[i:])
				sb.WriteRune(r)
				i += n
			}
			want = sb.String()
		}
		if back != want {
			t.Fatalf("%q wrote %s, read back %q", s, b, back)
		}
	})
}
