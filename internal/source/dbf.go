package source

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"golang.org/x/text/encoding"
)

// dbfField is a DBF column (dBASE III+ file structure, the one Shapefiles
// use: 32-byte descriptors after a 32-byte header, ended by 0x0D).
type dbfField struct {
	name   string
	kind   byte // C, N, F, L, D, I, O, +, @, M…
	length int
	dec    int
	offset int // in the record, after the deletion flag
	typ    FieldType
}

// dbfReader reads a DBF's records in order.
type dbfReader struct {
	r       *bufio.Reader
	fields  []dbfField
	recLen  int
	numRecs int
	read    int
	rec     []byte
	text    textDecoder
}

var errDBFTruncated = errors.New(".dbf truncated")

// newDBF reads a DBF header. enc is the .cpg's encoding when declared
// (declared true); otherwise the language driver byte decides, else
// values are detected one by one.
func newDBF(r io.Reader, size int64, enc encoding.Encoding, declared bool, encName string) (*dbfReader, error) {
	d := &dbfReader{r: bufio.NewReaderSize(r, 1<<16)}
	head := make([]byte, 32)
	if _, err := io.ReadFull(d.r, head); err != nil {
		return nil, fmt.Errorf(".dbf: header: %w", errShort(err))
	}
	d.numRecs = int(binary.LittleEndian.Uint32(head[4:]))
	headLen := int(binary.LittleEndian.Uint16(head[8:]))
	d.recLen = int(binary.LittleEndian.Uint16(head[10:]))
	if headLen < 33 || d.recLen < 1 {
		return nil, fmt.Errorf(".dbf: invalid header (header length %d, record length %d)", headLen, d.recLen)
	}
	switch {
	case declared:
		d.text = textDecoder{enc: enc, name: encName}
	case ldidEncodings[head[29]] != nil:
		d.text = textDecoder{enc: ldidEncodings[head[29]], name: fmt.Sprintf("language driver 0x%02X", head[29])}
	}
	desc := make([]byte, headLen-32)
	if _, err := io.ReadFull(d.r, desc); err != nil {
		return nil, fmt.Errorf(".dbf: field descriptors: %w", errShort(err))
	}
	off := 0
	for i := 0; i+32 <= len(desc) && desc[i] != 0x0D; i += 32 {
		fd := desc[i : i+32]
		raw := fd[:11]
		if j := bytes.IndexByte(raw, 0); j >= 0 {
			raw = raw[:j]
		}
		f := dbfField{
			name:   d.text.decode(bytes.TrimSpace(raw)),
			kind:   fd[11],
			length: int(fd[16]),
			dec:    int(fd[17]),
			offset: off,
		}
		if f.kind == 'C' && f.dec > 0 {
			// Clipper and others store lengths above 255 here.
			f.length += f.dec << 8
		}
		f.typ = dbfType(f)
		off += f.length
		d.fields = append(d.fields, f)
	}
	if off+1 > d.recLen {
		return nil, fmt.Errorf(".dbf: fields of %d bytes in records of %d", off, d.recLen)
	}
	if size >= 0 && int64(headLen)+int64(d.numRecs)*int64(d.recLen) > size {
		return nil, fmt.Errorf("%w: the header announces %d records of %d bytes, the file has %d bytes", errDBFTruncated, d.numRecs, d.recLen, size)
	}
	d.rec = make([]byte, d.recLen)
	return d, nil
}

func errShort(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return errors.New("truncated")
	}
	return err
}

func dbfType(f dbfField) FieldType {
	switch f.kind {
	case 'N':
		if f.dec == 0 && f.length < 19 {
			return Integer
		}
		return Real
	case 'F', 'O':
		return Real
	case 'I', '+':
		return Integer
	case 'L':
		return Boolean
	case 'D':
		return Date
	case '@', 'T':
		return DateTime
	}
	return String
}

// next reads the next record: deleted reports a record marked deleted.
func (d *dbfReader) next() (vals map[string]any, deleted bool, err error) {
	if d.read >= d.numRecs {
		return nil, false, io.EOF
	}
	if _, err := io.ReadFull(d.r, d.rec); err != nil {
		return nil, false, fmt.Errorf("%w at record %d", errDBFTruncated, d.read+1)
	}
	d.read++
	if d.rec[0] == '*' {
		return nil, true, nil
	}
	vals = make(map[string]any, len(d.fields))
	var errs []error
	for i := range d.fields {
		f := &d.fields[i]
		v, err := d.value(f, d.rec[1+f.offset:1+f.offset+f.length])
		if err != nil {
			errs = append(errs, fmt.Errorf("field %s: %w", f.name, err))
		}
		vals[f.name] = v
	}
	return vals, false, errors.Join(errs...)
}

func (d *dbfReader) value(f *dbfField, b []byte) (any, error) {
	switch f.kind {
	case 'C', 'M', 'V', 'W', 'G', 'P':
		b = bytes.TrimRight(b, " \x00")
		if len(b) == 0 {
			return nil, nil
		}
		return d.text.decode(b), nil
	case 'N', 'F':
		s := string(bytes.TrimSpace(bytes.TrimRight(b, "\x00")))
		if s == "" || s[0] == '*' || s == "." || s == "-" {
			return nil, nil // blank, or GDAL's overflow filler
		}
		if f.typ == Integer {
			if n, err := strconv.ParseInt(s, 10, 64); err == nil {
				return n, nil
			}
		}
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", s)
		}
		if f.typ == Integer {
			if x != math.Trunc(x) || math.Abs(x) > 1<<53 {
				return nil, fmt.Errorf("%q is not an integer", s)
			}
			return int64(x), nil
		}
		return x, nil
	case 'L':
		switch string(bytes.TrimSpace(b)) {
		case "T", "t", "Y", "y":
			return true, nil
		case "F", "f", "N", "n":
			return false, nil
		}
		return nil, nil
	case 'D':
		s := string(bytes.TrimSpace(b))
		if s == "" || s == "00000000" {
			return nil, nil
		}
		t, err := time.Parse("20060102", s)
		if err != nil {
			return nil, fmt.Errorf("%q is not a date (YYYYMMDD)", s)
		}
		return t, nil
	case 'I', '+':
		if len(b) != 4 {
			return nil, fmt.Errorf("integer of %d bytes", len(b))
		}
		return int64(int32(binary.LittleEndian.Uint32(b))), nil
	case 'O':
		if len(b) != 8 {
			return nil, fmt.Errorf("double of %d bytes", len(b))
		}
		return math.Float64frombits(binary.LittleEndian.Uint64(b)), nil
	case '@', 'T':
		if len(b) != 8 {
			return nil, fmt.Errorf("timestamp of %d bytes", len(b))
		}
		day := int64(int32(binary.LittleEndian.Uint32(b)))
		ms := int64(int32(binary.LittleEndian.Uint32(b[4:])))
		if day == 0 && ms == 0 {
			return nil, nil
		}
		// Julian day number 2440588 is 1970-01-01.
		return time.UnixMilli((day-2440588)*86400000 + ms).UTC(), nil
	}
	b = bytes.TrimRight(b, " \x00")
	if len(b) == 0 {
		return nil, nil
	}
	return d.text.decode(b), nil
}
