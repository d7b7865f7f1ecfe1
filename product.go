package pubdata

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Data products with provenance (数据产品, issue 16 item 4, F1): something a second-level
// developer derives from platform data inside an approved development space (devspace.go)
// and registers there — a table, a file, an API or a model's output — with its sources
// (entries, their catalogue versions, the batches read and when), its processing (which
// anonymisation: k, l, t, the hierarchies; which aggregates) and its label (source and
// acquisition date, as Fujian requires, FJ16), shown wherever the product is. A table
// product made by the anonymiser keeps its content (CSV) as a blob of the data folder, as
// file entries keep their files (file.go), and names its quasi-identifiers and sensitive
// attributes, so that the anonymiser can be run again on the product itself (trading's
// listing gate).

// ProductKind is what a product is.
type ProductKind string

// Product kinds.
const (
	ProductTable       ProductKind = "table"        // a table (CSV), e.g. the anonymiser's output
	ProductFile        ProductKind = "file"         // a document or other file
	ProductAPI         ProductKind = "api"          // a service the developer runs
	ProductModelOutput ProductKind = "model_output" // what a model computed from the data
)

// ProductKinds lists the kinds.
var ProductKinds = []ProductKind{ProductTable, ProductFile, ProductAPI, ProductModelOutput}

// Valid reports whether k is a known kind.
func (k ProductKind) Valid() bool { return slices.Contains(ProductKinds, k) }

// Lengths of a product's fields, in characters.
const (
	MaxProductTitle       = 200
	MaxProductDescription = 4000
	MaxProductSources     = 20
	MaxProductURL         = 500
)

// ProductSource is one source of a product: an entry, the catalogue version and the batch
// (the table's last batch) it was read at, and when (AsOf: the acquisition time).
type ProductSource struct {
	EntryID    string    `json:"entry"`
	EntryTitle string    `json:"entry_title,omitempty"`
	Provider   string    `json:"provider,omitempty"` // the provider's organisation code
	Version    int       `json:"version"`
	BatchID    string    `json:"batch,omitempty"`
	AsOf       time.Time `json:"as_of"`
}

// ProductHierarchy names the generalisation hierarchy of one quasi-identifier: its spec
// (date, division, number:W, flat, or auto when chosen from the values) and the level the
// anonymiser chose among Height levels.
type ProductHierarchy struct {
	Column string `json:"column"`
	Spec   string `json:"spec"`
	Level  int    `json:"level"`
	Height int    `json:"height"`
}

// ProductSensitive is a sensitive attribute's criteria (0: not asked).
type ProductSensitive struct {
	Column string  `json:"column"`
	L      int     `json:"l,omitempty"`
	LKind  string  `json:"l_kind,omitempty"` // distinct, entropy
	T      float64 `json:"t,omitempty"`
	TKind  string  `json:"t_kind,omitempty"` // equal, ordered
}

// ProductAnonymisation is the anonymiser's processing of a product: the criteria asked and
// what the anonymiser reported.
type ProductAnonymisation struct {
	Run              string             `json:"run,omitempty"` // the run inside the space
	Entry            string             `json:"entry"`
	K                int                `json:"k"`
	SuppressionLimit float64            `json:"suppression_limit"`
	Metric           string             `json:"metric"`
	Hierarchies      []ProductHierarchy `json:"hierarchies"`
	Sensitive        []ProductSensitive `json:"sensitive,omitempty"`
	Kept             []string           `json:"kept,omitempty"`
	Rows             int                `json:"rows"`
	Released         int                `json:"released"`
	Suppressed       int                `json:"suppressed"`
	SmallestClass    int                `json:"smallest_class,omitempty"` // the released table's smallest equivalence class
	Loss             float64            `json:"loss"`
	LossLowerBound   float64            `json:"loss_lower_bound"`
	ProsecutorRisk   float64            `json:"prosecutor_risk"` // the highest
	AverageRisk      float64            `json:"average_risk"`
	Criteria         []string           `json:"criteria,omitempty"`
}

// ProductAggregate is an aggregate a product used: the entry, the columns grouped by, the
// measures and the ε spent.
type ProductAggregate struct {
	Run      string   `json:"run,omitempty"`
	Entry    string   `json:"entry"`
	GroupBy  []string `json:"group_by,omitempty"`
	Measures []string `json:"measures"`
	Epsilon  float64  `json:"epsilon"`
}

// ProductProcessing is how a product was made from its sources.
type ProductProcessing struct {
	// Anonymisation is the anonymiser run a table (or an API serving its table) is; the
	// store sets it from the run, never from what a registration says.
	Anonymisation *ProductAnonymisation `json:"anonymisation,omitempty"`
	Aggregates    []ProductAggregate    `json:"aggregates,omitempty"`
	// Notes is the developer's account of any other processing (a model, a join).
	Notes string `json:"notes,omitempty"`
	// DerivedFrom is the anonymiser's report on the data a product without a measurable
	// table (a model's output, a document, an API serving aggregates) was trained on or
	// derived from: the space's run it names (ProductRegistration.DerivedFrom); the store
	// sets it from the run.
	DerivedFrom *ProductAnonymisation `json:"derived_from,omitempty"`
	// Declaration is the developer's declaration that such a product releases aggregates
	// only, over groups of at least MinGroupSize records.
	Declaration *ProductDeclaration `json:"declaration,omitempty"`
}

// ProductDeclaration is a developer's declaration about a product that has no table the
// anonymiser can measure: it releases only aggregates (no record, no value of a single
// person), each over a group of at least MinGroupSize records; Statement says how.
type ProductDeclaration struct {
	AggregateOnly bool   `json:"aggregate_only"`
	MinGroupSize  int    `json:"min_group_size"`
	Statement     string `json:"statement,omitempty"`
}

// Gate bases: what the trade gate decides a product on (GateBasisOf).
const (
	// GateContent: the anonymiser measures the product's own table — a table product, an
	// API product serving an anonymiser run's table, a file product whose content is a CSV
	// or XLSX table — over its quasi-identifiers.
	GateContent = "content"
	// GateDeclared: the product has no table to measure (a model's output, a document, an
	// API serving aggregates): the gate checks the anonymiser's report on the data it was
	// derived from and the aggregate-only declaration.
	GateDeclared = "declared"
)

// IsTableFormat reports whether a content format is a table the gate reads (CSV, XLSX).
func IsTableFormat(format string) bool {
	f := strings.ToUpper(format)
	return f == "CSV" || f == "XLSX"
}

// GateBasisOf says what the trade gate decides the product on: its content, when it keeps
// a table the anonymiser can measure (a table; an API serving an anonymiser run's table; a
// file whose content is CSV or XLSX); else the declaration (GateDeclared).
func GateBasisOf(p *Product) string {
	switch {
	case p.ContentRef == "":
		return GateDeclared
	case p.Kind == ProductTable, p.Kind == ProductAPI && p.RunID != "", p.Kind == ProductFile && IsTableFormat(p.ContentFormat):
		return GateContent
	}
	return GateDeclared
}

// ProductLabel is the label a product carries wherever it is shown (FJ16): its sources —
// the providers and entries — and the acquisition date (the latest date its data was read),
// with the text to print.
type ProductLabel struct {
	Source     string `json:"source"`
	AcquiredOn string `json:"acquired_on"` // YYYY-MM-DD, China time
	Text       string `json:"text"`
}

// LabelFor makes a product's label from its sources: "Source: <platform> — <title>
// (<provider>); …; acquired <date>". platform names the platform ("" leaves it out).
func LabelFor(platform string, sources []ProductSource) ProductLabel {
	var parts []string
	var last time.Time
	for _, s := range sources {
		p := s.EntryTitle
		if p == "" {
			p = s.EntryID
		}
		if s.Provider != "" {
			p += " (" + s.Provider + ")"
		}
		parts = append(parts, p)
		if s.AsOf.After(last) {
			last = s.AsOf
		}
	}
	src := strings.Join(parts, "; ")
	if platform != "" {
		src = platform + " — " + src
	}
	l := ProductLabel{Source: src}
	if !last.IsZero() {
		l.AcquiredOn = Today(last)
	}
	l.Text = "Source: " + l.Source + "; acquired " + l.AcquiredOn
	return l
}

// Product is a registered data product.
type Product struct {
	ID          string      `json:"id"`
	SpaceID     string      `json:"space"`
	OrgID       string      `json:"org,omitempty"` // the developer organisation's code ("" for a person)
	Developer   string      `json:"developer"`     // the username that registered it
	Title       string      `json:"title"`
	Description string      `json:"description,omitempty"`
	Kind        ProductKind `json:"kind"`
	// RunID is the space's anonymiser run a table product was made by ("" otherwise).
	RunID      string            `json:"run,omitempty"`
	Sources    []ProductSource   `json:"sources"`
	Processing ProductProcessing `json:"processing"`
	Label      ProductLabel      `json:"label"`
	// ContentRef names the content's blob (package blob's key: its SHA-256) in the data
	// folder's blobs, as file entries' files are kept; "" when no content is kept here.
	ContentRef    string `json:"content_ref,omitempty"`
	ContentSHA256 string `json:"content_sha256,omitempty"`
	ContentSM3    string `json:"content_sm3,omitempty"`
	ContentSize   int64  `json:"content_size,omitempty"`
	ContentRows   int64  `json:"content_rows,omitempty"`   // a table's rows (without its header)
	ContentFormat string `json:"content_format,omitempty"` // CSV for a table
	// AccessURL is where an API product is served (its developer runs it).
	AccessURL string `json:"access_url,omitempty"`
	// QuasiIdentifiers and Sensitive are the table's columns the anonymiser treated as
	// quasi-identifiers and sensitive attributes (empty for other kinds).
	QuasiIdentifiers []string  `json:"quasi_identifiers"`
	Sensitive        []string  `json:"sensitive"`
	CreatedAt        time.Time `json:"created_at"`
}

// ProductRegistration is what a developer gives to register a product from a space: for a
// table, the anonymiser run it comes from (its content, sources and processing follow from
// the run); for other kinds, the sources (entries of the space), the processing and any
// content (Content, kept before the call) or AccessURL.
//
// An API product names the run whose anonymised table it serves (run), or, when it serves
// aggregates, like a model's output the run of the data it was derived from (derived_from)
// and the aggregate-only declaration. A file product whose content is a table (CSV, XLSX)
// names its quasi-identifiers and sensitive columns (none named: every column counts as a
// quasi-identifier at the gate).
type ProductRegistration struct {
	SpaceID     string            `json:"space"`
	Title       string            `json:"title"`
	Description string            `json:"description"`
	Kind        ProductKind       `json:"kind"`
	RunID       string            `json:"run,omitempty"`
	Entries     []string          `json:"entries,omitempty"`
	Processing  ProductProcessing `json:"processing"`
	AccessURL   string            `json:"access_url,omitempty"`
	// DerivedFrom names the space's anonymiser run of the data the product was trained on
	// or derived from (a product without a measurable table).
	DerivedFrom string              `json:"derived_from,omitempty"`
	Declaration *ProductDeclaration `json:"declaration,omitempty"`
	// QuasiIdentifiers and Sensitive are a file table's columns.
	QuasiIdentifiers []string `json:"quasi_identifiers,omitempty"`
	Sensitive        []string `json:"sensitive,omitempty"`
	// Content is a file's stored bytes (FileBlob's fields), when the product has one;
	// ContentRows its rows when it is a table.
	Content     *FileBlob `json:"-"`
	ContentRows int64     `json:"-"`
}

// Limits of a product's declaration and columns.
const (
	MaxProductColumns    = 50
	MaxProductColumnName = 200
	MaxProductGroupSize  = 1000000
)

// ValidateProductRegistration trims and checks a registration's fields.
func ValidateProductRegistration(r *ProductRegistration) error {
	r.Title = strings.TrimSpace(r.Title)
	r.Description = strings.TrimSpace(r.Description)
	r.AccessURL = strings.TrimSpace(r.AccessURL)
	r.Processing.Notes = strings.TrimSpace(r.Processing.Notes)
	var p []*Error
	switch n := utf8.RuneCountInString(r.Title); {
	case n == 0:
		p = append(p, FieldErrorf("title", "A product needs a title.").Keyed("error.product.title_required"))
	case n > MaxProductTitle:
		p = append(p, FieldErrorf("title", "The title is longer than %d characters.", MaxProductTitle).Keyed("error.product.title_long", "Max", MaxProductTitle))
	}
	if utf8.RuneCountInString(r.Description) > MaxProductDescription {
		p = append(p, FieldErrorf("description", "The description is longer than %d characters.", MaxProductDescription).Keyed("error.product.description_long", "Max", MaxProductDescription))
	}
	if utf8.RuneCountInString(r.Processing.Notes) > MaxProductDescription {
		p = append(p, FieldErrorf("notes", "The processing notes are longer than %d characters.", MaxProductDescription).Keyed("error.product.notes_long", "Max", MaxProductDescription))
	}
	if !r.Kind.Valid() {
		p = append(p, FieldErrorf("kind", "Product kind %q is not one of table, file, api, model_output.", r.Kind).Keyed("error.product.kind", "Kind", r.Kind))
	}
	// The store sets what the anonymiser reported; a registration cannot claim it.
	r.Processing.Anonymisation, r.Processing.DerivedFrom, r.Processing.Declaration = nil, nil, nil
	fromRun := r.Kind == ProductTable || r.Kind == ProductAPI && r.RunID != ""
	if r.Kind == ProductTable && r.RunID == "" {
		p = append(p, FieldErrorf("run", "A table product is registered from an anonymiser run of the space: name the run.").Keyed("error.product.run_required"))
	}
	if r.Kind != ProductTable && r.Kind != ProductAPI && r.RunID != "" {
		p = append(p, FieldErrorf("run", "Only a table product, or an API product serving its table, comes from an anonymiser run.").Keyed("error.product.run_kind"))
	}
	if !fromRun && len(r.Entries) == 0 {
		p = append(p, FieldErrorf("entries", "Name the entries of the space the product is made from.").Keyed("error.product.entries_required"))
	}
	r.DerivedFrom = strings.TrimSpace(r.DerivedFrom)
	if fromRun && r.DerivedFrom != "" {
		p = append(p, FieldErrorf("derived_from", "A product made by an anonymiser run is measured itself: derived_from is for a product without a table.").Keyed("error.product.derived_from_run"))
	}
	if d := r.Declaration; d != nil {
		d.Statement = strings.TrimSpace(d.Statement)
		if d.MinGroupSize < 1 || d.MinGroupSize > MaxProductGroupSize {
			p = append(p, FieldErrorf("declaration.min_group_size", "The declaration's minimum group size must be 1 to %d, not %d.", MaxProductGroupSize, d.MinGroupSize).
				Keyed("error.product.min_group_size", "Max", MaxProductGroupSize, "Value", d.MinGroupSize))
		}
		if utf8.RuneCountInString(d.Statement) > MaxProductDescription {
			p = append(p, FieldErrorf("declaration.statement", "The declaration's statement is longer than %d characters.", MaxProductDescription).Keyed("error.product.statement_long", "Max", MaxProductDescription))
		}
		if fromRun {
			p = append(p, FieldErrorf("declaration", "A product made by an anonymiser run is measured itself: a declaration is for a product without a table.").Keyed("error.product.declaration_run"))
		}
	}
	for _, f := range []struct {
		name string
		cols *[]string
	}{{"quasi_identifiers", &r.QuasiIdentifiers}, {"sensitive", &r.Sensitive}} {
		var out []string
		for _, c := range *f.cols {
			if c = strings.TrimSpace(c); c != "" && !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
		*f.cols = out
		if len(out) > 0 && r.Kind != ProductFile {
			p = append(p, FieldErrorf(f.name, "Only a file product names its columns; a run's table has the run's.").Keyed("error.product.columns_file_only"))
		}
		if len(out) > MaxProductColumns {
			p = append(p, FieldErrorf(f.name, "At most %d columns may be named.", MaxProductColumns).Keyed("error.product.columns_many", "Max", MaxProductColumns))
		}
		for _, c := range out {
			if utf8.RuneCountInString(c) > MaxProductColumnName {
				p = append(p, FieldErrorf(f.name, "A column's name is longer than %d characters.", MaxProductColumnName).Keyed("error.product.column_long", "Max", MaxProductColumnName))
				break
			}
		}
	}
	if len(r.Entries) > MaxProductSources {
		p = append(p, FieldErrorf("entries", "A product names at most %d sources.", MaxProductSources).Keyed("error.product.entries_many", "Max", MaxProductSources))
	}
	if r.Kind == ProductAPI && r.AccessURL == "" {
		p = append(p, FieldErrorf("access_url", "An API product needs the address it is served at.").Keyed("error.product.url_required"))
	}
	if r.AccessURL != "" && (utf8.RuneCountInString(r.AccessURL) > MaxProductURL || !(strings.HasPrefix(r.AccessURL, "https://") || strings.HasPrefix(r.AccessURL, "http://"))) {
		p = append(p, FieldErrorf("access_url", "The address must start with https:// or http:// and be at most %d characters.", MaxProductURL).Keyed("error.product.url", "Max", MaxProductURL))
	}
	return invalid(p)
}

// ProductFilter selects products; empty fields do not filter.
type ProductFilter struct {
	SpaceID string
	OrgID   string
	// Developer is a person's username (products of spaces without an organisation).
	Developer string
	// Entry selects the products made from that entry.
	Entry string
	Limit int
}

// ProductService keeps data products (sqlstore).
type ProductService interface {
	// CreateProduct registers a product from the space (the caller must be its developer
	// and the space active: approved, begun, not ended, not suspended): a table from one of
	// the space's anonymiser runs (content, sources, processing, quasi-identifiers and
	// sensitive attributes from the run), another kind from entries of the space. It labels
	// the product (LabelFor with platform) and records "product.register" in the same
	// transaction.
	CreateProduct(ctx context.Context, r *ProductRegistration, platform string) (*Product, error)
	// Product returns a product with its sources; ENOTFOUND when there is none such.
	// Who may see it is the caller's check (CanSeeProduct).
	Product(ctx context.Context, id string) (*Product, error)
	// Products lists products, newest first, with their sources.
	Products(ctx context.Context, f ProductFilter) ([]*Product, error)
}
