package server

import (
	"container/list"
	"slices"
	"sync"

	"github.com/socle-geo/socle/internal/socle"
)

// responseCache keeps encoded answers up to a size in bytes, least
// recently used out first: tiles, whose entries know their area and layers
// so that a change drops exactly the tiles it touched, and single features,
// entries without an area (srid 0) that any change of their layer drops.
type responseCache struct {
	mu      sync.Mutex
	max     int64
	size    int64
	order   *list.List // front: most recently used
	entries map[string]*list.Element
	// generation counts the changes seen per collection: a tile computed
	// across a change is not cached, it may hold the old data.
	generation map[string]uint64
	// epoch counts flushes.
	epoch uint64
	cacheCounters
}

type cachedResponse struct {
	key    string
	srid   int        // 0: no area, dropped by any change of its layers
	bounds [4]float64 // the tile and its buffer, in the tile CRS
	layers []string
	data   []byte
	etag   string
	crs    string // the Content-Crs of a feature

	// The header values of etag, crs (withHeaders) and, for a tile, the
	// data's length (cachedTile), shared by the responses that serve it.
	etagValue, crsValue, lengthValue []string
}

func newResponseCache(maxBytes int64) *responseCache {
	return &responseCache{max: maxBytes, order: list.New(), entries: map[string]*list.Element{}, generation: map[string]uint64{}}
}

func (c *responseCache) get(key string) (*cachedResponse, bool) {
	if !c.enabled() {
		c.misses.Add(1) // without taking the lock every request would share
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[key]
	if !ok {
		c.misses.Add(1)
		return nil, false
	}
	c.hits.Add(1)
	c.order.MoveToFront(el)
	return el.Value.(*cachedResponse), true
}

// enabled tells whether the cache keeps anything (a size of 0 or less
// turns it off).
func (c *responseCache) enabled() bool { return c.max > 0 }

// stamp returns the generations of layers, to pass back to put.
func (c *responseCache) stamp(layers []string) []uint64 {
	if !c.enabled() {
		return nil // put keeps nothing
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]uint64, len(layers), len(layers)+1)
	for i, l := range layers {
		out[i] = c.generation[l]
	}
	return append(out, c.epoch)
}

// put stores e unless one of its layers changed since stamp was taken.
func (c *responseCache) put(e *cachedResponse, stamp []uint64) {
	cost := int64(len(e.data) + len(e.key) + 128)
	if c.max <= 0 || cost > c.max {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, l := range e.layers {
		if c.generation[l] != stamp[i] {
			return
		}
	}
	if stamp[len(stamp)-1] != c.epoch {
		return
	}
	if old, ok := c.entries[e.key]; ok {
		c.remove(old)
	}
	c.entries[e.key] = c.order.PushFront(e)
	c.size += cost
	for c.size > c.max {
		c.remove(c.order.Back())
	}
}

func (c *responseCache) remove(el *list.Element) {
	e := el.Value.(*cachedResponse)
	c.order.Remove(el)
	delete(c.entries, e.key)
	c.size -= int64(len(e.data) + len(e.key) + 128)
}

// invalidate drops the tiles of ch's collection that intersect its boxes
// (every tile of the collection when ch.All) and the entries of the
// collection without an area, and returns how many.
func (c *responseCache) invalidate(ch socle.Change) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.generation[ch.Collection]++
	n := 0
	for el := c.order.Front(); el != nil; {
		next := el.Next()
		e := el.Value.(*cachedResponse)
		if slices.Contains(e.layers, ch.Collection) && (ch.All || e.srid == 0 || intersectsAny(e.bounds, ch.Boxes[e.srid])) {
			c.remove(el)
			n++
		}
		el = next
	}
	return n
}

// flush drops everything (e.g. after notifications may have been missed).
func (c *responseCache) flush() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	c.order.Init()
	c.entries = map[string]*list.Element{}
	c.size = 0
}

func intersectsAny(b [4]float64, boxes [][4]float64) bool {
	for _, x := range boxes {
		if b[0] <= x[2] && x[0] <= b[2] && b[1] <= x[3] && x[1] <= b[3] {
			return true
		}
	}
	return false
}
