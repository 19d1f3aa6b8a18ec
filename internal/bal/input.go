package bal

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// sniffSize is how much of the input is inspected to detect the encoding,
// the separator and the line breaks. Only this much is buffered.
const sniffSize = 64 << 10

var (
	// ErrEmptyFile is returned by NewReader for an input without a header.
	ErrEmptyFile = errors.New("bal: fichier vide")
	// ErrBinaryFile is returned by NewReader for a non-text input (NUL
	// bytes, ZIP/XLSX, …).
	ErrBinaryFile = errors.New("bal: fichier binaire, un fichier texte CSV est attendu")
)

// decodedInput is the input converted to UTF-8 with LF or CRLF line breaks.
type decodedInput struct {
	r         io.Reader
	encoding  string // "utf-8", "utf-16le", "utf-16be" or "windows-1252"
	delimiter rune
	linebreak string // "\n", "\r\n" or "\r"
}

// decodeInput sniffs the beginning of r: BOM, encoding (UTF-8, else
// Windows-1252 like validateur-bal's chardet fallback; UTF-16 with BOM),
// line breaks and separator (';', ',' or tab, from the header line).
func decodeInput(r io.Reader) (*decodedInput, error) {
	br := bufio.NewReaderSize(r, sniffSize)
	head, err := br.Peek(sniffSize)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, err
	}
	atEOF := err == io.EOF
	if len(head) == 0 {
		return nil, ErrEmptyFile
	}
	in := &decodedInput{r: br, encoding: "utf-8"}
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		_, _ = br.Discard(3)
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		in.encoding = "utf-16le"
		in.r = transform.NewReader(br, unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder())
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		in.encoding = "utf-16be"
		in.r = transform.NewReader(br, unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder())
	case bytes.IndexByte(head, 0) >= 0, bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return nil, ErrBinaryFile
	case !validUTF8Prefix(head, atEOF):
		in.encoding = "windows-1252"
		in.r = transform.NewReader(br, charmap.Windows1252.NewDecoder())
	}

	// Second look, at decoded text, for line breaks and separator.
	dr := bufio.NewReaderSize(in.r, sniffSize)
	text, err := dr.Peek(sniffSize)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, err
	}
	in.r = dr
	in.linebreak = detectLinebreak(text)
	if in.linebreak == "\r" {
		in.r = crToLF{dr}
	}
	in.delimiter = detectDelimiter(text)
	return in, nil
}

// validUTF8Prefix reports whether b is valid UTF-8, ignoring a rune cut by
// the end of the sniff window.
func validUTF8Prefix(b []byte, atEOF bool) bool {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return !atEOF && !utf8.FullRune(b[i:])
		}
		i += size
	}
	return true
}

// detectLinebreak returns the first line break of text ("\n" when none, as
// papaparse does).
func detectLinebreak(text []byte) string {
	i := bytes.IndexAny(text, "\r\n")
	switch {
	case i < 0, text[i] == '\n':
		return "\n"
	case i+1 < len(text) && text[i+1] == '\n':
		return "\r\n"
	case i+1 == len(text):
		return "\n" // lone CR at the end of the window: undecidable, assume LF
	}
	return "\r"
}

// detectDelimiter picks the most frequent of ';', ',' and tab in the header
// line (outside quotes); ';' wins ties and is the default.
func detectDelimiter(text []byte) rune {
	counts := map[byte]int{}
	inQuotes := false
loop:
	for _, c := range text {
		switch {
		case c == '"':
			inQuotes = !inQuotes
		case inQuotes:
		case c == '\n' || c == '\r':
			break loop
		case c == ';' || c == ',' || c == '\t':
			counts[c]++
		}
	}
	best := byte(';')
	for _, c := range []byte{',', '\t'} {
		if counts[c] > counts[best] {
			best = c
		}
	}
	return rune(best)
}

// crToLF turns old-Mac line breaks (CR) into LF for encoding/csv.
type crToLF struct{ r io.Reader }

func (c crToLF) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for i := range p[:n] {
		if p[i] == '\r' {
			p[i] = '\n'
		}
	}
	return n, err
}
