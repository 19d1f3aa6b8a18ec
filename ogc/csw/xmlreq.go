package csw

import (
	"errors"
	"io"
	"strconv"
	"strings"
)

// ParseXML parses a POST request body (CSW 2.0.2 XML encoding): a
// csw:GetCapabilities, csw:DescribeRecord, csw:GetRecords,
// csw:GetRecordById or csw:GetDomain element. A body that is not
// well-formed, or not valid against the CSW schema in a way that leaves
// the request unclear (an unknown element), is a NoApplicableCode
// exception; a value the server does not accept is an
// InvalidParameterValue one. Bodies declared ISO-8859-1 are transcoded;
// bodies are read up to MaxBodySize bytes.
func ParseXML(r io.Reader) (Request, error) {
	root, raw, err := parseTree(r)
	if err != nil {
		if errors.Is(err, errNotWellFormed) {
			return nil, errorf(NoApplicableCode, "request", "the request is %v", err)
		}
		return nil, errorf(NoApplicableCode, "request", "%v", err)
	}
	if root.name.Space != NamespaceCSW {
		return nil, errorf(NoApplicableCode, "request", "{%s}%s is not a CSW 2.0.2 request", root.name.Space, root.name.Local)
	}
	if err := checkOperation(root.name.Local); err != nil {
		if err.Code == InvalidParameterValue {
			err.Code = NoApplicableCode
		}
		return nil, err
	}
	if v, ok := root.attrValue("service"); ok && v != "CSW" {
		return nil, invalid("service", "invalid service %q: the service is CSW", v)
	}
	if root.name.Local != "GetCapabilities" {
		if v, ok := root.attrValue("version"); ok && v != Version {
			return nil, invalid("version", "invalid version %q: the version is %s", v, Version)
		}
	}
	switch root.name.Local {
	case "GetCapabilities":
		return xmlGetCapabilities(root)
	case "DescribeRecord":
		return xmlDescribeRecord(root)
	case "GetRecords":
		return xmlGetRecords(root, raw)
	case "GetRecordById":
		return xmlGetRecordByID(root)
	case "GetDomain":
		return xmlGetDomain(root)
	}
	return nil, errorf(NoApplicableCode, "request", "unknown operation %q", root.name.Local)
}

// unexpected reports an element the CSW schema does not allow there.
func unexpected(n *node) *Exception {
	return errorf(NoApplicableCode, "request", "the request is not valid: unexpected element {%s}%s", n.name.Space, n.name.Local)
}

func xmlGetCapabilities(root *node) (Request, error) {
	gc := &GetCapabilities{}
	gc.UpdateSequence, _ = root.attrValue("updateSequence")
	for _, c := range root.children {
		var items []string
		for _, cc := range c.children {
			items = append(items, cc.content())
		}
		switch {
		case c.is(NamespaceOWS, "AcceptVersions"):
			if err := negotiateVersion(items); err != nil {
				return nil, err
			}
		case c.is(NamespaceOWS, "Sections"):
			s, err := parseSections(items)
			if err != nil {
				return nil, err
			}
			gc.Sections = s
		case c.is(NamespaceOWS, "AcceptFormats"):
			if err := acceptFormats(items); err != nil {
				return nil, err
			}
		default:
			return nil, unexpected(c)
		}
	}
	return gc, nil
}

func xmlDescribeRecord(root *node) (Request, error) {
	if v, _ := root.attrValue("outputFormat"); v != "" {
		if err := checkOutputFormat(v); err != nil {
			return nil, err
		}
	}
	if v, _ := root.attrValue("schemaLanguage"); v != "" {
		if err := checkSchemaLanguage(v); err != nil {
			return nil, err
		}
	}
	var dr *DescribeRecord
	var names []string
	var scopes []map[string]string
	for _, c := range root.children {
		if !c.is(NamespaceCSW, "TypeName") {
			return nil, unexpected(c)
		}
		names = append(names, c.content())
		scopes = append(scopes, c.ns)
	}
	dr = &DescribeRecord{}
	for i, n := range names {
		one, err := describeRecord([]string{n}, scopes[i])
		if err != nil {
			return nil, err
		}
		dr.TypeNames = append(dr.TypeNames, one.TypeNames...)
	}
	if len(names) > 0 && dr.TypeNames == nil {
		dr.TypeNames = []TypeName{}
	}
	return dr, nil
}

func attrInt(n *node, name string, def int) (int, *Exception) {
	v, ok := n.attrValue(name)
	if !ok || strings.TrimSpace(v) == "" {
		return def, nil
	}
	i, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return 0, invalid(strings.ToLower(name), "%s must be an integer, not %q", name, v)
	}
	return i, nil
}

func xmlGetRecords(root *node, raw []byte) (Request, error) {
	g := &GetRecords{Raw: raw}
	g.RequestID, _ = root.attrValue("requestId")
	var err *Exception
	format, _ := root.attrValue("outputFormat")
	if err = checkOutputFormat(format); err != nil {
		return nil, err
	}
	schema, _ := root.attrValue("outputSchema")
	if g.OutputSchema, err = parseOutputSchema(schema); err != nil {
		return nil, err
	}
	rt, _ := root.attrValue("resultType")
	if g.ResultType, err = parseResultType(rt); err != nil {
		return nil, err
	}
	if g.StartPosition, err = attrInt(root, "startPosition", 1); err != nil {
		return nil, err
	}
	if g.MaxRecords, err = attrInt(root, "maxRecords", DefaultMaxRecords); err != nil {
		return nil, err
	}
	if err = g.checkPaging(); err != nil {
		return nil, err
	}
	var query *node
	for _, c := range root.children {
		switch {
		case c.is(NamespaceCSW, "DistributedSearch"), c.is(NamespaceCSW, "ResponseHandler"):
			// A catalogue without peers searches locally; asynchronous
			// answers are not offered, the answer is synchronous.
		case c.is(NamespaceCSW, "Query") && query == nil:
			query = c
		default:
			return nil, unexpected(c)
		}
	}
	if query == nil {
		return nil, errorf(NoApplicableCode, "request", "the request is not valid: GetRecords has no csw:Query")
	}
	if err = xmlQuery(query, &g.Query); err != nil {
		return nil, err
	}
	if err = g.checkQuery(); err != nil {
		return nil, err
	}
	return g, nil
}

func xmlQuery(n *node, q *Query) *Exception {
	tn, _ := n.attrValue("typeNames")
	var err *Exception
	if q.TypeNames, err = parseTypeNames(strings.Fields(tn), n.ns); err != nil {
		return err
	}
	for _, c := range n.children {
		switch {
		case c.is(NamespaceCSW, "ElementSetName"):
			if len(q.ElementNames) > 0 || q.ElementSet != "" {
				return unexpected(c)
			}
			if q.ElementSet, err = parseElementSet(c.content()); err != nil {
				return err
			}
		case c.is(NamespaceCSW, "ElementName"):
			if q.ElementSet != "" {
				return unexpected(c)
			}
			e, err := parseElementName(c.content(), c.ns)
			if err != nil {
				return err
			}
			q.ElementNames = append(q.ElementNames, e)
		case c.is(NamespaceCSW, "Constraint"):
			if q.Filter, err = xmlConstraint(c); err != nil {
				return err
			}
		case c.is(NamespaceOGC, "SortBy"):
			if q.SortBy, err = xmlSortBy(c); err != nil {
				return err
			}
		default:
			return unexpected(c)
		}
	}
	return nil
}

func xmlConstraint(n *node) (Filter, *Exception) {
	if len(n.children) != 1 {
		return nil, errorf(NoApplicableCode, "constraint", "the request is not valid: csw:Constraint holds one ogc:Filter or csw:CqlText")
	}
	c := n.children[0]
	switch {
	case c.is(NamespaceCSW, "CqlText"):
		f, err := parseCQL(c.content())
		if err != nil {
			return nil, err
		}
		return f, nil
	case c.is(NamespaceOGC, "Filter"):
		return filterNode(c)
	}
	return nil, unexpected(c)
}

func xmlSortBy(n *node) ([]SortKey, *Exception) {
	var keys []SortKey
	for _, sp := range n.children {
		if !sp.is(NamespaceOGC, "SortProperty") {
			return nil, unexpected(sp)
		}
		var k SortKey
		var named bool
		for _, c := range sp.children {
			switch {
			case c.is(NamespaceOGC, "PropertyName"):
				q, ok := ParseQueryable(c.content(), c.ns)
				if !ok {
					return nil, invalid("sortby", "unknown sort property %q", c.content())
				}
				k.Property, named = q, true
			case c.is(NamespaceOGC, "SortOrder"):
				switch strings.ToUpper(c.content()) {
				case "ASC", "":
				case "DESC":
					k.Descending = true
				default:
					return nil, invalid("sortby", "invalid sort order %q: use ASC or DESC", c.content())
				}
			default:
				return nil, unexpected(c)
			}
		}
		if !named {
			return nil, invalid("sortby", "a sort property has no ogc:PropertyName")
		}
		keys = append(keys, k)
	}
	return keys, nil
}

func xmlGetRecordByID(root *node) (Request, error) {
	var ids []string
	set := ""
	for _, c := range root.children {
		switch {
		case c.is(NamespaceCSW, "Id"):
			if id := c.content(); id != "" {
				ids = append(ids, id)
			}
		case c.is(NamespaceCSW, "ElementSetName"):
			set = c.content()
		default:
			return nil, unexpected(c)
		}
	}
	if len(ids) == 0 {
		return nil, missing("id")
	}
	schema, _ := root.attrValue("outputSchema")
	format, _ := root.attrValue("outputFormat")
	g, err := getRecordByID(ids, set, schema, format)
	if err != nil {
		return nil, err
	}
	return g, nil
}

func xmlGetDomain(root *node) (Request, error) {
	var param, prop string
	var ns map[string]string
	for _, c := range root.children {
		switch {
		case c.is(NamespaceCSW, "ParameterName"):
			param = c.content()
		case c.is(NamespaceCSW, "PropertyName"):
			prop, ns = c.content(), c.ns
		default:
			return nil, unexpected(c)
		}
	}
	g, err := getDomain(param, prop, ns)
	if err != nil {
		return nil, err
	}
	return g, nil
}
