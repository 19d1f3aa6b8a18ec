package socle

// Text is a bilingual string: French first, English on request.
type Text struct {
	FR, EN string
}

// In returns the text in lang ("fr" or "en"), falling back to French.
func (t Text) In(lang string) string {
	if lang == "en" && t.EN != "" {
		return t.EN
	}
	return t.FR
}

// Type is the JSON-Schema-like type of a property.
type Type string

// Property types, as they appear in queryables and schemas.
const (
	TypeString   Type = "string"
	TypeInteger  Type = "integer"
	TypeNumber   Type = "number"
	TypeBoolean  Type = "boolean"
	TypeDate     Type = "date"      // string, format date
	TypeDateTime Type = "date-time" // string, format date-time
	TypeObject   Type = "object"
)

// Property describes one attribute of a collection's features.
type Property struct {
	Name        string
	Type        Type
	Title       Text
	Description Text
	// Enum lists the allowed values, when the property is a code list.
	Enum []string
	// Queryable properties may be used in filters (?name=value, and CQL2).
	Queryable bool
	// Sortable properties may be used in sortby.
	Sortable bool
	// Nullable is true when a feature may lack a value.
	Nullable bool
	// Derived properties are computed by Socle (the updater, the indicators),
	// never taken from an imported file.
	Derived bool
	// Personal properties hold personal data: they are served only from a
	// restricted collection, to the roles that may read it.
	Personal bool
}

// Access is a collection's access level.
type Access string

// Access levels: public to all, internal to any authenticated caller,
// restricted to named roles.
const (
	AccessPublic     Access = "public"
	AccessInternal   Access = "internal"
	AccessRestricted Access = "restricted"
)

// Collection describes one layer: what it holds and how it may be queried.
// Stores map it to their own tables; the HTTP layer describes it to clients.
type Collection struct {
	ID          string
	Title       Text
	Description Text
	Keywords    []string
	// InspireTheme is the INSPIRE theme code (AD, TN, LC, LU, AU), if any.
	InspireTheme string
	// GeometryType is the GeoJSON geometry type of every feature; with
	// Mixed, of its single or its multi form (a Polygon or a MultiPolygon).
	GeometryType string
	Mixed        bool
	// SRID is the CRS its geometries are stored in (0: StorageSRID).
	SRID int
	// IDType is the JSON type of feature ids: TypeInteger or TypeString.
	IDType Type
	// IDColumn is the stored column of the ids when it is not "id" (the
	// communes' INSEE code, the updater's keys).
	IDColumn string
	// Keys are the properties that identify a feature when a row does not
	// give its id (the BAL's cle_interop; a source dataset's source_id,
	// within a millésime for land cover): an import updates the feature
	// with the same key, else adds one with a new id.
	Keys []string
	// BatchProperty, set on the collections updater batches add rows to
	// (and only they write), names the property holding the batch that
	// added each row: a revert removes the rows of its batch, an import
	// refuses the collection, a copy between stores carries it.
	BatchProperty string
	// Properties in the order they are served.
	Properties []Property
	// Temporal names the property `datetime` filters on ("" when none).
	Temporal string
	Access   Access
	// ReadRoles are the roles that may read a restricted collection.
	ReadRoles []string
	// Tiles says how the collection shows in vector tiles.
	Tiles TileLayer
}

// TileLayer is a collection's layer in vector tiles: only what a map needs.
type TileLayer struct {
	// MaxResolution is the coarsest ground resolution (metres per pixel) at
	// which the layer appears: addresses only at large scales.
	MaxResolution float64
	// Properties are the attributes tiles carry.
	Properties []string
	// Simplify lines and polygons to the tile's resolution.
	Simplify bool
}

// StorageSRID returns the CRS the collection's geometries are stored in.
func (c *Collection) StorageSRID() int {
	if c.SRID != 0 {
		return c.SRID
	}
	return StorageSRID
}

// GeometryTypes returns the geometry types the collection holds: its type,
// and the multi form with it when Mixed.
func (c *Collection) GeometryTypes() []string {
	if c.Mixed {
		return []string{c.GeometryType, "Multi" + c.GeometryType}
	}
	return []string{c.GeometryType}
}

// FromUpdater says whether updater batches alone write the collection.
func (c *Collection) FromUpdater() bool { return c.BatchProperty != "" }

// TileFields are the properties of the collection's tiles with their
// TileJSON vector_layers types (Number, Boolean or String), for the
// served TileJSON and the PMTiles archives alike.
func (c *Collection) TileFields() map[string]string {
	fields := map[string]string{}
	for _, name := range c.Tiles.Properties {
		p, _ := c.Property(name)
		switch p.Type {
		case TypeInteger, TypeNumber:
			fields[name] = "Number"
		case TypeBoolean:
			fields[name] = "Boolean"
		default:
			fields[name] = "String"
		}
	}
	return fields
}

// Computed says whether Socle computes the whole collection from others
// (every property derived, as the artificialisation flux from land cover):
// no file or remote writes it.
func (c *Collection) Computed() bool {
	for _, p := range c.Properties {
		if !p.Derived {
			return false
		}
	}
	return len(c.Properties) > 0
}

// IDCol is the stored column holding the collection's ids.
func (c *Collection) IDCol() string {
	if c.IDColumn != "" {
		return c.IDColumn
	}
	return "id"
}

// Property returns the named property.
func (c *Collection) Property(name string) (Property, bool) {
	for _, p := range c.Properties {
		if p.Name == name {
			return p, true
		}
	}
	return Property{}, false
}

// Queryables returns the names of the queryable properties.
func (c *Collection) Queryables() []string {
	var names []string
	for _, p := range c.Properties {
		if p.Queryable {
			names = append(names, p.Name)
		}
	}
	return names
}

// Sortables returns the names of the sortable properties.
func (c *Collection) Sortables() []string {
	var names []string
	for _, p := range c.Properties {
		if p.Sortable {
			names = append(names, p.Name)
		}
	}
	return names
}

// Catalog is the ordered set of collections a territory serves.
type Catalog struct {
	Collections []*Collection
}

// Collection returns the collection with the given id.
func (c *Catalog) Collection(id string) (*Collection, bool) {
	for _, col := range c.Collections {
		if col.ID == id {
			return col, true
		}
	}
	return nil, false
}
