package csw

import (
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// ParseKVP parses a GET request's query parameters (CSW 2.0.2 §10.x.2,
// KVP encoding). Parameter names are case-insensitive and unknown ones
// are ignored; parameter values are as decoded by net/url. The checks run
// in the order clients expect their errors: service, request, version,
// then the operation's parameters.
func ParseKVP(values url.Values) (Request, error) {
	// A name given twice, in any case, keeps its first value in the
	// order of the sorted names, so that the outcome does not depend on
	// map order.
	names := make([]string, 0, len(values))
	for k := range values {
		names = append(names, k)
	}
	sort.Strings(names)
	kvp := map[string]string{}
	for _, k := range names {
		vs := values[k]
		k = strings.ToLower(k)
		if _, dup := kvp[k]; !dup && len(vs) > 0 {
			kvp[k] = vs[0]
		}
	}
	service, ok := kvp["service"]
	if !ok {
		return nil, missing("service")
	}
	if service != "CSW" {
		return nil, invalid("service", "invalid service %q: the service is CSW", service)
	}
	op, ok := kvp["request"]
	if !ok || op == "" {
		return nil, missing("request")
	}
	if !strings.EqualFold(op, "GetCapabilities") {
		v, ok := kvp["version"]
		if !ok || v == "" {
			return nil, missing("version")
		}
		if v != Version {
			return nil, invalid("version", "invalid version %q: the version is %s", v, Version)
		}
	}
	if err := checkOperation(op); err != nil {
		return nil, err
	}
	ns := map[string]string{}
	if s, ok := kvp["namespace"]; ok {
		var err *Exception
		if ns, err = parseNamespaceParam(s); err != nil {
			return nil, err
		}
	}
	switch strings.ToLower(op) {
	case "getcapabilities":
		return kvpGetCapabilities(kvp)
	case "describerecord":
		return kvpDescribeRecord(kvp, ns)
	case "getrecords":
		return kvpGetRecords(kvp, ns)
	case "getrecordbyid":
		return kvpGetRecordByID(kvp)
	case "getdomain":
		return kvpGetDomain(kvp, ns)
	}
	return nil, invalid("request", "unknown operation %q", op)
}

// checkOperation refuses operations that are not offered.
func checkOperation(op string) *Exception {
	switch strings.ToLower(op) {
	case "getcapabilities", "describerecord", "getrecords", "getrecordbyid", "getdomain":
		return nil
	case "transaction", "harvest":
		return errorf(OperationNotSupported, "request", "%s operations are not supported: the catalogue is read-only", op)
	case "getrepositoryitem":
		return errorf(OperationNotSupported, "request", "GetRepositoryItem is not a CSW 2.0.2 operation")
	}
	return invalid("request", "unknown operation %q", op)
}

// list splits a comma-separated parameter value, dropping empty items.
func list(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func kvpGetCapabilities(kvp map[string]string) (Request, error) {
	if v, ok := kvp["acceptversions"]; ok {
		if err := negotiateVersion(list(v)); err != nil {
			return nil, err
		}
	}
	if v, ok := kvp["acceptformats"]; ok {
		if err := acceptFormats(list(v)); err != nil {
			return nil, err
		}
	}
	gc := &GetCapabilities{UpdateSequence: kvp["updatesequence"]}
	if v, ok := kvp["sections"]; ok {
		sections, err := parseSections(list(v))
		if err != nil {
			return nil, err
		}
		gc.Sections = sections
	}
	gc.Language = kvp["language"]
	if gc.Language == "" {
		gc.Language = kvp["lang"]
	}
	return gc, nil
}

func negotiateVersion(versions []string) *Exception {
	if len(versions) == 0 {
		return nil
	}
	for _, v := range versions {
		if v == Version {
			return nil
		}
	}
	return errorf(VersionNegotiationFailed, "acceptversions", "none of the versions %s is served: the version is %s", strings.Join(versions, ", "), Version)
}

func acceptFormats(formats []string) *Exception {
	if len(formats) == 0 {
		return nil
	}
	for _, f := range formats {
		switch strings.ToLower(f) {
		case "text/xml", "application/xml":
			return nil
		}
	}
	return invalid("acceptformats", "none of the formats %s is served: use application/xml", strings.Join(formats, ", "))
}

// capabilitySections are the sections of a Capabilities document.
var capabilitySections = []string{"ServiceIdentification", "ServiceProvider", "OperationsMetadata", "Filter_Capabilities"}

func parseSections(names []string) ([]string, *Exception) {
	var out []string
	for _, n := range names {
		if strings.EqualFold(n, "All") {
			return nil, nil
		}
		found := false
		for _, s := range capabilitySections {
			if strings.EqualFold(n, s) {
				out = append(out, s)
				found = true
			}
		}
		if !found {
			return nil, invalid("sections", "unknown section %q", n)
		}
	}
	return out, nil
}

var namespaceItem = regexp.MustCompile(`xmlns\(\s*(?:([A-Za-z_][\w.-]*)\s*=\s*)?([^)]*)\)`)

// parseNamespaceParam reads NAMESPACE=xmlns(p=uri),xmlns(uri).
func parseNamespaceParam(s string) (map[string]string, *Exception) {
	ns := map[string]string{}
	if strings.TrimSpace(s) == "" {
		return ns, nil
	}
	ms := namespaceItem.FindAllStringSubmatch(s, -1)
	if ms == nil {
		return nil, invalid("namespace", "invalid namespace parameter: use xmlns(prefix=uri),…")
	}
	for _, m := range ms {
		ns[m[1]] = strings.TrimSpace(m[2])
	}
	return ns, nil
}

func kvpDescribeRecord(kvp map[string]string, ns map[string]string) (Request, error) {
	if err := checkOutputFormat(kvp["outputformat"]); err != nil {
		return nil, err
	}
	if err := checkSchemaLanguage(kvp["schemalanguage"]); err != nil {
		return nil, err
	}
	names := kvp["typename"]
	if names == "" {
		names = kvp["typenames"]
	}
	r, err := describeRecord(list(names), ns)
	if err != nil {
		return nil, err
	}
	return r, nil
}

func describeRecord(names []string, ns map[string]string) (*DescribeRecord, *Exception) {
	dr := &DescribeRecord{}
	for _, n := range names {
		t, qualified, known := parseTypeName(n, ns)
		if !qualified {
			return nil, invalid("typename", "type name %q is not qualified: use csw:Record or gmd:MD_Metadata", n)
		}
		if known {
			dr.TypeNames = append(dr.TypeNames, t)
		}
	}
	if len(names) > 0 && len(dr.TypeNames) == 0 {
		// Only unknown types: describe none, rather than all.
		dr.TypeNames = []TypeName{}
	}
	return dr, nil
}

func parseTypeNames(names []string, ns map[string]string) ([]TypeName, *Exception) {
	var out []TypeName
	for _, n := range names {
		t, qualified, known := parseTypeName(n, ns)
		if !qualified || !known {
			return nil, invalid("typenames", "unknown type name %q: use csw:Record or gmd:MD_Metadata", n)
		}
		out = append(out, t)
	}
	return out, nil
}

func kvpInt(kvp map[string]string, key string, def int) (int, *Exception) {
	s := strings.TrimSpace(kvp[key])
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, invalid(key, "%s must be an integer, not %q", key, s)
	}
	return n, nil
}

func kvpGetRecords(kvp map[string]string, ns map[string]string) (Request, error) {
	g := &GetRecords{RequestID: kvp["requestid"]}
	var err *Exception
	if err = checkOutputFormat(kvp["outputformat"]); err != nil {
		return nil, err
	}
	if g.OutputSchema, err = parseOutputSchema(kvp["outputschema"]); err != nil {
		return nil, err
	}
	if g.ResultType, err = parseResultType(kvp["resulttype"]); err != nil {
		return nil, err
	}
	if g.ResultType == Validate {
		return nil, invalid("resulttype", "resultType validate is answered for XML (POST) requests only")
	}
	if g.StartPosition, err = kvpInt(kvp, "startposition", 1); err != nil {
		return nil, err
	}
	if g.MaxRecords, err = kvpInt(kvp, "maxrecords", DefaultMaxRecords); err != nil {
		return nil, err
	}
	if err = g.checkPaging(); err != nil {
		return nil, err
	}
	if g.Query.TypeNames, err = parseTypeNames(list(kvp["typenames"]), ns); err != nil {
		return nil, err
	}
	set, hasSet := kvp["elementsetname"]
	names, hasNames := kvp["elementname"]
	if hasSet && hasNames && set != "" && names != "" {
		return nil, invalid("elementname", "ElementName and ElementSetName are mutually exclusive")
	}
	if set != "" {
		if g.Query.ElementSet, err = parseElementSet(set); err != nil {
			return nil, err
		}
	}
	for _, n := range list(names) {
		q, err := parseElementName(n, ns)
		if err != nil {
			return nil, err
		}
		g.Query.ElementNames = append(g.Query.ElementNames, q)
	}
	if c := kvp["constraint"]; c != "" {
		lang, ok := kvp["constraintlanguage"]
		if !ok || lang == "" {
			return nil, missing("constraintlanguage")
		}
		switch strings.ToUpper(lang) {
		case "CQL_TEXT":
			if g.Query.Filter, err = parseCQL(c); err != nil {
				return nil, err
			}
		case "FILTER":
			if g.Query.Filter, err = parseFilterString(c); err != nil {
				return nil, err
			}
		default:
			return nil, invalid("constraintlanguage", "unknown constraint language %q: use CQL_TEXT or FILTER", lang)
		}
	}
	if s := kvp["sortby"]; s != "" {
		if g.Query.SortBy, err = parseSortBy(s, ns); err != nil {
			return nil, err
		}
	}
	if err = g.checkQuery(); err != nil {
		return nil, err
	}
	return g, nil
}

func parseElementName(n string, ns map[string]string) (Queryable, *Exception) {
	q, ok := ParseQueryable(n, ns)
	if !ok || q.DublinCore() == "" {
		return "", invalid("elementname", "unknown element name %q", n)
	}
	return q, nil
}

// parseSortBy reads SORTBY=dc:title:A,dc:date:D (the order defaults to
// A).
func parseSortBy(s string, ns map[string]string) ([]SortKey, *Exception) {
	var keys []SortKey
	for _, item := range list(s) {
		name, order := item, ""
		if i := strings.LastIndex(item, ":"); i >= 0 {
			// "dc:title" alone has a prefix, not an order.
			if rest := item[i+1:]; strings.Count(item, ":") >= 2 || strings.EqualFold(rest, "A") || strings.EqualFold(rest, "D") {
				name, order = item[:i], rest
			}
		}
		k := SortKey{}
		switch strings.ToUpper(order) {
		case "", "A", "ASC":
		case "D", "DESC":
			k.Descending = true
		default:
			return nil, invalid("sortby", "invalid sort order %q: use A or D", order)
		}
		q, ok := ParseQueryable(name, ns)
		if !ok {
			return nil, invalid("sortby", "unknown sort property %q", name)
		}
		k.Property = q
		keys = append(keys, k)
	}
	return keys, nil
}

func kvpGetRecordByID(kvp map[string]string) (Request, error) {
	ids := list(kvp["id"])
	if len(ids) == 0 {
		return nil, missing("id")
	}
	r, err := getRecordByID(ids, kvp["elementsetname"], kvp["outputschema"], kvp["outputformat"])
	if err != nil {
		return nil, err
	}
	return r, nil
}

func getRecordByID(ids []string, set, schema, format string) (*GetRecordByID, *Exception) {
	g := &GetRecordByID{IDs: ids, ElementSet: Summary}
	var err *Exception
	if err = checkOutputFormat(format); err != nil {
		return nil, err
	}
	if g.OutputSchema, err = parseOutputSchema(schema); err != nil {
		return nil, err
	}
	if set != "" {
		if g.ElementSet, err = parseElementSet(set); err != nil {
			return nil, err
		}
	}
	return g, nil
}

func kvpGetDomain(kvp map[string]string, ns map[string]string) (Request, error) {
	r, err := getDomain(kvp["parametername"], kvp["propertyname"], ns)
	if err != nil {
		return nil, err
	}
	return r, nil
}

func getDomain(param, prop string, ns map[string]string) (*GetDomain, *Exception) {
	param, prop = strings.TrimSpace(param), strings.TrimSpace(prop)
	switch {
	case param == "" && prop == "":
		return nil, missing("parametername")
	case param != "" && prop != "":
		return nil, invalid("parametername", "ParameterName and PropertyName are mutually exclusive")
	case param != "":
		if _, ok := parameterDomains[strings.ToLower(param)]; !ok {
			return nil, invalid("parametername", "unknown parameter %q", param)
		}
		return &GetDomain{ParameterName: param}, nil
	}
	q, ok := ParseQueryable(prop, ns)
	if !ok || q == AnyText || q.IsSpatial() {
		return nil, invalid("propertyname", "no domain for property %q", prop)
	}
	return &GetDomain{PropertyName: q, PropertyLabel: prop}, nil
}
