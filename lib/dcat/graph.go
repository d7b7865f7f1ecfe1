// Package dcat turns catalogue entries into DCAT-AP 3 RDF and writes it as Turtle, JSON-LD
// or RDF/XML. It holds no state and does no I/O beyond writing to the given writer: the
// http package decides what is exported (the open catalogue) and where things live.
package dcat

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Namespaces used by the export.
const (
	NSRDF    = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
	NSRDFS   = "http://www.w3.org/2000/01/rdf-schema#"
	NSXSD    = "http://www.w3.org/2001/XMLSchema#"
	NSDCT    = "http://purl.org/dc/terms/"
	NSDCAT   = "http://www.w3.org/ns/dcat#"
	NSFOAF   = "http://xmlns.com/foaf/0.1/"
	NSSKOS   = "http://www.w3.org/2004/02/skos/core#"
	NSHydra  = "http://www.w3.org/ns/hydra/core#"
	NSVCard  = "http://www.w3.org/2006/vcard/ns#"
	NSDCATAP = "http://data.europa.eu/r5r/"
	// NSPD is pubdata's own vocabulary for what DCAT has no term for: the share and open
	// classes (共享类型 / 开放类型) and their conditions.
	NSPD = "https://github.com/pubdata/pubdata/ns/catalogue#"
)

// prefixes are the namespaces' prefixes, in the order documents declare them.
var prefixes = []struct{ prefix, ns string }{
	{"rdf", NSRDF}, {"rdfs", NSRDFS}, {"xsd", NSXSD}, {"dct", NSDCT}, {"dcat", NSDCAT},
	{"foaf", NSFOAF}, {"skos", NSSKOS}, {"hydra", NSHydra}, {"vcard", NSVCard}, {"dcatap", NSDCATAP}, {"pd", NSPD},
}

// Term is the object of a triple: an IRI, or a literal with a language tag or a datatype.
type Term struct {
	IRI      string
	Value    string
	Lang     string
	Datatype string // full IRI; "" for a plain string (or a language-tagged one)
}

// IRI returns an IRI term.
func IRI(iri string) Term { return Term{IRI: iri} }

// Text returns a literal with a language tag ("" for none).
func Text(value, lang string) Term { return Term{Value: value, Lang: lang} }

// Typed returns a literal with a datatype IRI.
func Typed(value, datatype string) Term { return Term{Value: value, Datatype: datatype} }

// Triple is one statement.
type Triple struct {
	S, P string
	O    Term
}

// Graph is a set of triples that keeps the order in which subjects and their predicates
// were first added, so that the written documents are stable.
type Graph struct {
	triples []Triple
	seen    map[Triple]bool
}

// NewGraph returns an empty graph.
func NewGraph() *Graph { return &Graph{seen: map[Triple]bool{}} }

// Add adds a triple; duplicates are ignored, and so are literals with no text.
func (g *Graph) Add(s, p string, o Term) {
	if o.IRI == "" && o.Value == "" {
		return
	}
	t := Triple{s, p, o}
	if !g.seen[t] {
		g.seen[t] = true
		g.triples = append(g.triples, t)
	}
}

// Type adds s rdf:type class.
func (g *Graph) Type(s, class string) { g.Add(s, NSRDF+"type", IRI(class)) }

// Triples returns the triples in insertion order.
func (g *Graph) Triples() []Triple { return g.triples }

// Has reports whether the graph holds the triple.
func (g *Graph) Has(s, p string, o Term) bool { return g.seen[Triple{s, p, o}] }

// subject is one subject with its predicates and their objects, in insertion order.
type subject struct {
	iri   string
	preds []string
	objs  map[string][]Term
}

func (g *Graph) subjects() []*subject {
	var out []*subject
	by := map[string]*subject{}
	for _, t := range g.triples {
		s := by[t.S]
		if s == nil {
			s = &subject{iri: t.S, objs: map[string][]Term{}}
			by[t.S] = s
			out = append(out, s)
		}
		if _, ok := s.objs[t.P]; !ok {
			s.preds = append(s.preds, t.P)
		}
		s.objs[t.P] = append(s.objs[t.P], t.O)
	}
	// rdf:type first, as "a".
	for _, s := range out {
		for i, p := range s.preds {
			if p == NSRDF+"type" && i > 0 {
				copy(s.preds[1:i+1], s.preds[:i])
				s.preds[0] = p
				break
			}
		}
	}
	return out
}

// localName is what a prefixed name may end with here: a safe subset of Turtle's PN_LOCAL
// and of XML's NCName.
var localName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// compact returns prefix:local for an IRI in a known namespace, or "".
func compact(iri string) string {
	for _, p := range prefixes {
		if local, ok := strings.CutPrefix(iri, p.ns); ok && localName.MatchString(local) {
			return p.prefix + ":" + local
		}
	}
	return ""
}

// clean makes text valid UTF-8.
func clean(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// iriSafe percent-encodes the characters that may not appear in an IRI (controls, space,
// <>"{}|^`\), so that no IRI can break out of its syntax in any of the formats.
func iriSafe(iri string) string {
	iri = clean(iri)
	var b strings.Builder
	for i := 0; i < len(iri); i++ {
		c := iri[i]
		if c <= 0x20 || c == 0x7f || strings.IndexByte("<>\"{}|^`\\", c) >= 0 {
			fmt.Fprintf(&b, "%%%02X", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// --- Turtle ---

// WriteTurtle writes the graph as Turtle.
func (g *Graph) WriteTurtle(w io.Writer) error {
	bw := bufio.NewWriter(w)
	for _, p := range prefixes {
		fmt.Fprintf(bw, "@prefix %s: <%s> .\n", p.prefix, p.ns)
	}
	for _, s := range g.subjects() {
		fmt.Fprintf(bw, "\n%s", turtleIRI(s.iri))
		for i, p := range s.preds {
			sep := " ;\n    "
			if i == 0 {
				sep = "\n    "
			}
			pred := turtleIRI(p)
			if p == NSRDF+"type" {
				pred = "a"
			}
			bw.WriteString(sep + pred + " ")
			for j, o := range s.objs[p] {
				if j > 0 {
					bw.WriteString(", ")
				}
				bw.WriteString(turtleTerm(o))
			}
		}
		bw.WriteString(" .\n")
	}
	return bw.Flush()
}

func turtleIRI(iri string) string {
	if c := compact(iri); c != "" {
		return c
	}
	return "<" + iriSafe(iri) + ">"
}

func turtleTerm(o Term) string {
	if o.IRI != "" {
		return turtleIRI(o.IRI)
	}
	s := `"` + turtleEscape(o.Value) + `"`
	switch {
	case o.Lang != "":
		s += "@" + o.Lang
	case o.Datatype != "":
		s += "^^" + turtleIRI(o.Datatype)
	}
	return s
}

// turtleEscape escapes a string for a double-quoted Turtle literal.
func turtleEscape(v string) string {
	var b strings.Builder
	for _, r := range clean(v) {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 || r == 0x7f {
				fmt.Fprintf(&b, `\u%04X`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}

// --- JSON-LD ---

// WriteJSONLD writes the graph as a flattened JSON-LD document with a context of the
// prefixes: {"@context":{…},"@graph":[{"@id","@type",…}]}.
func (g *Graph) WriteJSONLD(w io.Writer) error {
	ctx := map[string]string{}
	for _, p := range prefixes {
		ctx[p.prefix] = p.ns
	}
	graph := []map[string]any{}
	for _, s := range g.subjects() {
		node := map[string]any{"@id": iriSafe(s.iri)}
		for _, p := range s.preds {
			if p == NSRDF+"type" {
				var types []string
				for _, o := range s.objs[p] {
					types = append(types, jsonldIRI(o.IRI))
				}
				node["@type"] = types
				continue
			}
			var vals []map[string]string
			for _, o := range s.objs[p] {
				switch {
				case o.IRI != "":
					vals = append(vals, map[string]string{"@id": iriSafe(o.IRI)})
				case o.Lang != "":
					vals = append(vals, map[string]string{"@value": clean(o.Value), "@language": o.Lang})
				case o.Datatype != "":
					vals = append(vals, map[string]string{"@value": clean(o.Value), "@type": jsonldIRI(o.Datatype)})
				default:
					vals = append(vals, map[string]string{"@value": clean(o.Value)})
				}
			}
			node[jsonldIRI(p)] = vals
		}
		graph = append(graph, node)
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	return enc.Encode(map[string]any{"@context": ctx, "@graph": graph})
}

func jsonldIRI(iri string) string {
	if c := compact(iri); c != "" {
		return c
	}
	return iriSafe(iri)
}

// --- RDF/XML ---

// WriteRDFXML writes the graph as RDF/XML, one rdf:Description per subject.
func (g *Graph) WriteRDFXML(w io.Writer) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rdf:RDF")
	for _, p := range prefixes {
		fmt.Fprintf(bw, "\n    xmlns:%s=\"%s\"", p.prefix, xmlEscape(p.ns, true))
	}
	bw.WriteString(">\n")
	for _, s := range g.subjects() {
		fmt.Fprintf(bw, "  <rdf:Description rdf:about=\"%s\">\n", xmlEscape(iriSafe(s.iri), true))
		for _, p := range s.preds {
			name := compact(p)
			if name == "" {
				return fmt.Errorf("dcat: predicate %s has no prefix for RDF/XML", p)
			}
			for _, o := range s.objs[p] {
				switch {
				case o.IRI != "":
					fmt.Fprintf(bw, "    <%s rdf:resource=\"%s\"/>\n", name, xmlEscape(iriSafe(o.IRI), true))
				case o.Lang != "":
					fmt.Fprintf(bw, "    <%s xml:lang=\"%s\">%s</%s>\n", name, xmlEscape(o.Lang, true), xmlEscape(o.Value, false), name)
				case o.Datatype != "":
					fmt.Fprintf(bw, "    <%s rdf:datatype=\"%s\">%s</%s>\n", name, xmlEscape(o.Datatype, true), xmlEscape(o.Value, false), name)
				default:
					fmt.Fprintf(bw, "    <%s>%s</%s>\n", name, xmlEscape(o.Value, false), name)
				}
			}
		}
		bw.WriteString("  </rdf:Description>\n")
	}
	bw.WriteString("</rdf:RDF>\n")
	return bw.Flush()
}

// xmlEscape escapes text for XML content or (attr) a double-quoted attribute. Characters
// XML 1.0 cannot hold become U+FFFD; carriage returns (and in attributes newlines and tabs)
// are written as references so that parsers keep them.
func xmlEscape(v string, attr bool) string {
	var b strings.Builder
	for _, r := range clean(v) {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '"' && attr:
			b.WriteString("&quot;")
		case r == '\r':
			b.WriteString("&#xD;")
		case (r == '\n' || r == '\t') && attr:
			fmt.Fprintf(&b, "&#x%X;", r)
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r < 0x20 || r == 0xFFFE || r == 0xFFFF || (r >= 0xD800 && r <= 0xDFFF):
			b.WriteRune('\uFFFD')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
