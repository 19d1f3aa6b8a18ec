package csw

import (
	"encoding/xml"
	"fmt"
	"io"
)

// ExceptionCode is an OWS 1.0 exception code (OGC 06-121r3 table 25, CSW
// 2.0.2 §10.3.7).
type ExceptionCode string

// Exception codes the package reports.
const (
	// MissingParameterValue: a mandatory parameter is absent.
	MissingParameterValue ExceptionCode = "MissingParameterValue"
	// InvalidParameterValue: a parameter has a value the server does not
	// accept (an unknown property, CRS, format, schema…).
	InvalidParameterValue ExceptionCode = "InvalidParameterValue"
	// OperationNotSupported: the operation is not offered (Transaction,
	// Harvest on this read-only catalogue).
	OperationNotSupported ExceptionCode = "OperationNotSupported"
	// VersionNegotiationFailed: none of the accepted versions is 2.0.2.
	VersionNegotiationFailed ExceptionCode = "VersionNegotiationFailed"
	// NoApplicableCode: any other error, such as an XML body that is not
	// well-formed or not valid against the CSW schema.
	NoApplicableCode ExceptionCode = "NoApplicableCode"
)

// Exception is an error of a CSW request, to be answered with an
// ows:ExceptionReport. Its text is meant for the client and names no
// internals.
type Exception struct {
	Code ExceptionCode
	// Locator names the parameter in error, in lower case as KVP names
	// it (e.g. "typenames", "constraint"), or is empty.
	Locator string
	Text    string
}

// Error returns, e.g., `csw: InvalidParameterValue (outputschema): unknown
// output schema "x"`.
func (e *Exception) Error() string {
	if e.Locator == "" {
		return fmt.Sprintf("csw: %s: %s", e.Code, e.Text)
	}
	return fmt.Sprintf("csw: %s (%s): %s", e.Code, e.Locator, e.Text)
}

// HTTPStatus is the HTTP status to answer e with: 501 Not Implemented for
// OperationNotSupported, 400 Bad Request otherwise (the package reports
// only the client's errors).
func (e *Exception) HTTPStatus() int {
	if e.Code == OperationNotSupported {
		return 501
	}
	return 400
}

func errorf(code ExceptionCode, locator, format string, args ...any) *Exception {
	return &Exception{Code: code, Locator: locator, Text: fmt.Sprintf(format, args...)}
}

func invalid(locator, format string, args ...any) *Exception {
	return errorf(InvalidParameterValue, locator, format, args...)
}

func missing(locator string) *Exception {
	return errorf(MissingParameterValue, locator, "missing parameter %s", locator)
}

// ExceptionReport is an ows:ExceptionReport (OWS 1.0.0) holding one or more
// exceptions.
type ExceptionReport struct {
	Exceptions []*Exception
	// Language is the language of the texts, an RFC 4646 tag; "en" when
	// empty.
	Language string
}

// Report is the exception report of e alone.
func (e *Exception) Report() ExceptionReport { return ExceptionReport{Exceptions: []*Exception{e}} }

type exceptionReportXML struct {
	XMLName        xml.Name       `xml:"ows:ExceptionReport"`
	XMLNSows       string         `xml:"xmlns:ows,attr"`
	XMLNSxsi       string         `xml:"xmlns:xsi,attr"`
	SchemaLocation string         `xml:"xsi:schemaLocation,attr"`
	Version        string         `xml:"version,attr"`
	Language       string         `xml:"language,attr"`
	Exceptions     []exceptionXML `xml:"ows:Exception"`
}

type exceptionXML struct {
	Code    string `xml:"exceptionCode,attr"`
	Locator string `xml:"locator,attr,omitempty"`
	Text    string `xml:"ows:ExceptionText,omitempty"`
}

// Encode writes the report. The report version is 1.2.0, the OWS Common
// version CSW 2.0.2 names for its exception reports.
func (r ExceptionReport) Encode(w io.Writer) error {
	doc := exceptionReportXML{
		XMLNSows:       NamespaceOWS,
		XMLNSxsi:       NamespaceXSI,
		SchemaLocation: NamespaceOWS + " http://schemas.opengis.net/ows/1.0.0/owsExceptionReport.xsd",
		Version:        "1.2.0",
		Language:       r.Language,
	}
	if doc.Language == "" {
		doc.Language = "en"
	}
	for _, e := range r.Exceptions {
		doc.Exceptions = append(doc.Exceptions, exceptionXML{Code: string(e.Code), Locator: e.Locator, Text: e.Text})
	}
	return encodeDocument(w, doc)
}

// encodeDocument writes the XML declaration and v, indented.
func encodeDocument(w io.Writer, v any) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	e := xml.NewEncoder(w)
	e.Indent("", "  ")
	if err := e.Encode(v); err != nil {
		return err
	}
	if err := e.Close(); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
