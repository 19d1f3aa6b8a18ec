package flatgeobuf

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"github.com/socle-geo/socle/internal/format/hilbert"
)

// hilbertMax is the last cell of the 2^16 × 2^16 grid the features'
// centres are placed on to sort them.
const hilbertMax = 1<<16 - 1

// writeIndexed writes the whole indexed file from the spilled features:
// header, packed Hilbert R-tree, features in the tree's order.
func (e *Encoder) writeIndexed() error {
	n := len(e.items)
	if n == 0 {
		return e.writeHeader(0, nil, 0)
	}
	ext := [4]float64{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	for i := range e.items {
		expand(&ext, &e.items[i].box)
	}
	// Sort along the Hilbert curve through the centres of the boxes over
	// the extent; features without geometry (empty boxes) go last.
	w, h := ext[2]-ext[0], ext[3]-ext[1]
	for i := range e.items {
		it := &e.items[i]
		if it.box[0] > it.box[2] {
			it.hilbert = math.MaxUint32
			continue
		}
		var x, y uint32
		if w > 0 {
			x = uint32(math.Floor(hilbertMax * ((it.box[0]+it.box[2])/2 - ext[0]) / w))
		}
		if h > 0 {
			y = uint32(math.Floor(hilbertMax * ((it.box[1]+it.box[3])/2 - ext[1]) / h))
		}
		it.hilbert = uint32(hilbert.Index(16, x, y))
	}
	slices.SortStableFunc(e.items, func(a, b item) int { return cmp.Compare(a.hilbert, b.hilbert) })

	var envelope []float64
	if ext[0] <= ext[2] {
		envelope = ext[:]
	}
	if err := e.writeHeader(uint64(n), envelope, NodeSize); err != nil {
		return err
	}
	if err := e.writeTree(); err != nil {
		return err
	}
	var buf []byte
	for _, it := range e.items {
		buf = slices.Grow(buf[:0], int(it.size))[:it.size]
		if _, err := e.spill.ReadAt(buf, int64(it.offset)); err != nil {
			return fmt.Errorf("flatgeobuf: reading back the spill file: %w", err)
		}
		if _, err := e.out.Write(buf); err != nil {
			return err
		}
	}
	return nil
}

// node is an R-tree node: a box and, for a leaf, the offset of its
// feature in the features section, else the index of its first child.
type node struct {
	box    [4]float64
	offset uint64
}

// levels returns the number of nodes of each level of a packed R-tree of
// n items, leaves first, and the total: every level groups the one below
// by nodeSize, up to a single root (at least one level above the leaves,
// as every FlatGeobuf reader computes it).
func levels(n, nodeSize int) (counts []int, total int) {
	counts = []int{n}
	total = n
	for {
		n = (n + nodeSize - 1) / nodeSize
		counts = append(counts, n)
		total += n
		if n == 1 {
			return counts, total
		}
	}
}

// writeTree writes the nodes, root first and leaves last, each as four
// float64 and a uint64, little-endian (40 bytes).
func (e *Encoder) writeTree() error {
	counts, total := levels(len(e.items), NodeSize)
	nodes := make([]node, total)
	// start[l] is the index of the first node of level l (0: leaves).
	start := make([]int, len(counts))
	next := total
	for l, c := range counts {
		next -= c
		start[l] = next
	}
	var offset uint64
	for i, it := range e.items {
		nodes[start[0]+i] = node{box: it.box, offset: offset}
		offset += uint64(it.size)
	}
	for l := 0; l < len(counts)-1; l++ {
		parent := start[l+1]
		for pos, end := start[l], start[l]+counts[l]; pos < end; parent++ {
			p := node{box: [4]float64{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}, offset: uint64(pos)}
			for j := 0; j < NodeSize && pos < end; j, pos = j+1, pos+1 {
				expand(&p.box, &nodes[pos].box)
			}
			nodes[parent] = p
		}
	}
	var rec [40]byte
	for _, nd := range nodes {
		for k, v := range nd.box {
			binary.LittleEndian.PutUint64(rec[8*k:], math.Float64bits(v))
		}
		binary.LittleEndian.PutUint64(rec[32:], nd.offset)
		if _, err := e.out.Write(rec[:]); err != nil {
			return err
		}
	}
	return nil
}

// expand grows box a to hold box b; an empty box (+Inf..-Inf) adds nothing.
func expand(a, b *[4]float64) {
	a[0] = min(a[0], b[0])
	a[1] = min(a[1], b[1])
	a[2] = max(a[2], b[2])
	a[3] = max(a[3], b[3])
}
