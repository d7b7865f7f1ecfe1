package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/access"
	"github.com/pubdata/pubdata/lib/anonymise"
	"github.com/pubdata/pubdata/lib/datafile"
	"github.com/pubdata/pubdata/lib/extract"
)

// Trading of data products (issue 16 item 5, trading.go): what the API and the pages share —
// listing a product through the gate (the anonymiser run on the product's own content), the
// registration's signature, the delivery's download and the lists each party sees.

// MaxGateBytes bounds the content the gate reads into memory (the anonymiser holds the
// table): a product above it cannot be measured here.
const MaxGateBytes = 64 << 20

var errNoTrade = pubdata.Errorf(pubdata.ENOTFOUND, "This server does not trade data products.").Keyed("error.not_available.trade")

// TradeService returns the trade service, or ENOTFOUND when the server has none.
func (s *Server) TradeService() (pubdata.TradeService, error) {
	if s.Trade == nil || s.Products == nil {
		return nil, errNoTrade
	}
	return s.Trade, nil
}

// TradeGate returns the gate's thresholds in force.
func (s *Server) TradeGate() pubdata.TradeSettings {
	if s.TradeSettings.RiskThreshold == 0 && s.TradeSettings.MinK == 0 {
		return pubdata.DefaultTradeSettings()
	}
	return s.TradeSettings
}

// TradeProduct returns a product and its seller organisation. A product of a person (no
// organisation) cannot be traded.
func (s *Server) TradeProduct(ctx context.Context, id string) (*pubdata.Product, *pubdata.Org, error) {
	if _, err := s.TradeService(); err != nil {
		return nil, nil, err
	}
	p, err := s.Products.Product(ctx, strings.TrimSpace(id))
	if err != nil {
		return nil, nil, err
	}
	if p.OrgID == "" {
		return p, nil, pubdata.FieldErrorf("product", "The product %q was registered by a person, not an organisation: only an organisation's products are traded.", p.Title).Keyed("error.listing.product.person", "Title", p.Title)
	}
	o, err := s.Orgs.FindOrgByCode(ctx, p.OrgID)
	if err != nil {
		return nil, nil, err
	}
	return p, o, nil
}

// TradeSources discloses a product's sources: each entry with its provider, version, batch
// and acquisition date, and for non-public data (B7) the contribution terms.
func (s *Server) TradeSources(ctx context.Context, p *pubdata.Product) ([]pubdata.TradeSource, error) {
	out := []pubdata.TradeSource{}
	orgs := map[string]*pubdata.Org{}
	for _, src := range p.Sources {
		ts := pubdata.TradeSource{Entry: src.EntryID, Title: src.EntryTitle, Provider: src.Provider, Version: src.Version, Batch: src.BatchID}
		if !src.AsOf.IsZero() {
			ts.Date = pubdata.Today(src.AsOf)
		}
		if src.Provider != "" {
			o, ok := orgs[src.Provider]
			if !ok {
				var err error
				if o, err = s.Orgs.FindOrgByCode(ctx, src.Provider); err != nil && !ErrorIs(err, pubdata.ENOTFOUND) {
					return nil, err
				}
				orgs[src.Provider] = o
			}
			if o != nil {
				ts.ProviderName = o.Name
				ts.NonPublic = pubdata.IsNonPublicOrg(o)
			}
		}
		if ts.NonPublic {
			terms, err := s.Trade.Contribution(ctx, src.EntryID)
			if err != nil && !ErrorIs(err, pubdata.ENOTFOUND) {
				return nil, err
			}
			ts.Terms = terms
		}
		out = append(out, ts)
	}
	return out, nil
}

// ProductMethod describes a product's processing in one line (the listing's "method"): the
// anonymisation's criteria and hierarchies, the aggregates, and the developer's notes.
func ProductMethod(p *pubdata.Product) string {
	var parts []string
	if a := p.Processing.Anonymisation; a != nil {
		s := fmt.Sprintf("k-anonymity k=%d", a.K)
		for _, c := range a.Criteria {
			s += ", " + c
		}
		var hs []string
		for _, h := range a.Hierarchies {
			hs = append(hs, fmt.Sprintf("%s:%s %d/%d", h.Column, h.Spec, h.Level, h.Height-1))
		}
		if len(hs) > 0 {
			s += " (" + strings.Join(hs, ", ") + ")"
		}
		s += fmt.Sprintf("; suppression ≤ %s%%, %d suppressed; loss %s", strconv.FormatFloat(a.SuppressionLimit*100, 'f', -1, 64), a.Suppressed, pubdata.FormatRisk(a.Loss))
		parts = append(parts, s)
	}
	for _, g := range p.Processing.Aggregates {
		s := "aggregates " + strings.Join(g.Measures, ", ")
		if len(g.GroupBy) > 0 {
			s += " by " + strings.Join(g.GroupBy, ", ")
		}
		parts = append(parts, s+fmt.Sprintf(" (differential privacy, ε=%s)", strconv.FormatFloat(g.Epsilon, 'f', -1, 64)))
	}
	if p.Processing.Notes != "" {
		parts = append(parts, p.Processing.Notes)
	}
	return strings.Join(parts, "; ")
}

// MaxGateRows bounds the rows of a table the gate measures.
const MaxGateRows = 1000000

// MeasureTable runs the anonymiser on a table's CSV as it stands (MeasureContent).
func MeasureTable(content io.Reader, qis []string) (pubdata.GateInput, error) {
	return MeasureContent(content, "CSV", qis)
}

// MeasureContent runs the anonymiser on a table (CSV or XLSX, format as a product's
// content format) as it stands: every quasi-identifier kept at its own values (one level,
// nothing generalised or suppressed), so that the report is the risk of the content itself
// under the prosecutor model and its smallest class. No quasi-identifier named: every
// column counts as one.
func MeasureContent(content io.Reader, format string, qis []string) (pubdata.GateInput, error) {
	header, rows, err := ReadProductTable(content, format)
	if err != nil {
		return pubdata.GateInput{}, err
	}
	return MeasureRecords(header, rows, qis)
}

// ReadProductTable reads a product's table content (CSV or XLSX) as text, at most
// MaxGateRows rows; a content that is not such a table is the field error naming why.
func ReadProductTable(content io.Reader, format string) ([]string, [][]string, error) {
	f, ok := datafile.ParseFormat(strings.ToLower(format))
	if !ok || (f != datafile.CSV && f != datafile.XLSX) {
		return nil, nil, pubdata.FieldErrorf("product", "The product's content is %s, not a CSV or XLSX table.", format).Keyed("error.trade.gate.not_table", "Format", format)
	}
	header, rows, err := datafile.ReadTable(content, f, MaxGateRows, datafile.Options{})
	if errors.Is(err, datafile.ErrTooManyRows) {
		return nil, nil, pubdata.FieldErrorf("product", "The product's table holds more than %d rows: more than the gate measures.", MaxGateRows).Keyed("error.trade.gate.too_many_rows", "Max", MaxGateRows)
	} else if err != nil {
		return nil, nil, pubdata.FieldErrorf("product", "The product's content is not a %s table: %s", strings.ToUpper(format), ErrorText(LangEN, err)).
			Keyed("error.trade.gate.unreadable", "Format", strings.ToUpper(format), "Problem", pubdata.MessageOf(err))
	}
	return header, rows, nil
}

// MeasureRecords measures a table given as its header and rows (MeasureContent).
func MeasureRecords(header []string, rows [][]string, qis []string) (pubdata.GateInput, error) {
	if len(header) == 0 {
		return pubdata.GateInput{}, nil
	}
	t := anonymise.Table{Columns: header, Rows: rows}
	in := pubdata.GateInput{Rows: len(t.Rows), QuasiIdentifiers: qis}
	if len(qis) == 0 {
		in.QuasiIdentifiers = t.Columns
	}
	if in.Rows == 0 {
		return in, nil
	}
	cfg := anonymise.Config{K: 1}
	for _, q := range in.QuasiIdentifiers {
		i := t.Column(q)
		if i < 0 {
			return in, pubdata.FieldErrorf("product", "The product's quasi-identifier %q is not a column of its content.", q).Keyed("error.trade.gate.column", "Column", q)
		}
		cfg.QuasiIdentifiers = append(cfg.QuasiIdentifiers, anonymise.QuasiIdentifier{Column: q, Hierarchy: anonymise.FlatHierarchy(t.Distinct(i))})
	}
	res, err := anonymise.Anonymise(t, cfg)
	if err != nil {
		return in, pubdata.FieldErrorf("product", "The anonymiser could not measure the product: %v.", err).Keyed("error.trade.gate.measure", "Problem", err.Error())
	}
	in.Risk, in.AverageRisk, in.K, in.Classes = res.Report.Prosecutor.Highest, res.Report.Prosecutor.Average, res.Report.SmallestClass, res.Report.Classes
	return in, nil
}

// ListProduct lists a product for trade for the seller in ctx: the product's organisation's
// admins and editors only; a table product whose content the gate measures (through the one
// read path, recorded); disclosure from the product; then the store's pending listing.
func (s *Server) ListProduct(ctx context.Context, c *pubdata.ListingCreate) (*pubdata.Listing, error) {
	svc, err := s.TradeService()
	if err != nil {
		return nil, err
	}
	a := pubdata.ActorFromContext(ctx)
	if a.Anonymous() {
		return nil, errSignIn
	}
	if err := pubdata.ValidateListingCreate(c); err != nil {
		return nil, err
	}
	p, o, err := s.TradeProduct(ctx, c.Product)
	if err != nil {
		if ErrorIs(err, pubdata.ENOTFOUND) {
			return nil, pubdata.FieldErrorf("product", "Product %q was not found.", c.Product).Keyed("error.listing.product.unknown", "ID", c.Product)
		}
		return nil, err
	}
	if !pubdata.CanListProduct(a, o.Code) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the product's organisation (its admins and editors) may list it for trade.").Keyed("error.listing.forbidden")
	}
	if s.Licenses != nil {
		list, err := s.Licenses.FindLicenses(ctx)
		if err != nil {
			return nil, err
		}
		if len(list.Licenses) > 0 && list.Find(c.Licence) == nil {
			return nil, pubdata.FieldErrorf("licence", "Licence %q is not one of the platform's licences.", c.Licence).Keyed("error.listing.licence", "Licence", c.Licence)
		}
	}
	in, err := s.gateInput(ctx, svc, p, o)
	if err != nil {
		return nil, err
	}
	sources, err := s.TradeSources(ctx, p)
	if err != nil {
		return nil, err
	}
	in.Sources, in.Seller, in.Now = sources, o.Code, s.Now()
	gate, err := pubdata.CheckTradeGate(in, s.TradeGate())
	if err != nil {
		return nil, err
	}
	return svc.CreateListing(ctx, &pubdata.Listing{Product: p.ID, ProductTitle: p.Title, ProductKind: string(p.Kind), Seller: o.Code, Division: o.Division,
		Sources: sources, Method: ProductMethod(p), Label: p.Label.Text, Licence: c.Licence, PriceModel: c.PriceModel, Price: c.Price, Description: c.Description,
		ModelContract: c.ModelContract, Gate: gate})
}

// gateInput is what the gate decides product p on (pubdata.GateBasisOf): a table it keeps
// — a table product, an API product serving a run's table, a file product whose content
// is CSV or XLSX — is read through the one read path (recorded) and measured over its
// quasi-identifiers; any other product is decided on the anonymiser's report of the data
// it was derived from and its aggregate-only declaration.
func (s *Server) gateInput(ctx context.Context, svc pubdata.TradeService, p *pubdata.Product, o *pubdata.Org) (pubdata.GateInput, error) {
	if pubdata.GateBasisOf(p) == pubdata.GateDeclared {
		return pubdata.GateInput{Basis: pubdata.GateDeclared, Kind: p.Kind, Derived: p.Processing.DerivedFrom, Declaration: p.Processing.Declaration}, nil
	}
	if p.ContentSize > MaxGateBytes {
		return pubdata.GateInput{}, pubdata.FieldErrorf("product", "The product's content (%d bytes) is larger than the gate measures (%d bytes).", p.ContentSize, MaxGateBytes).Keyed("error.trade.gate.too_large", "Size", p.ContentSize, "Max", MaxGateBytes)
	}
	f, _, err := s.Reader().WithProducts(svc).OpenProduct(ctx, p, o.Code, o.Division, "", access.ProductGate)
	if err != nil {
		return pubdata.GateInput{}, err
	}
	defer f.Close()
	in, err := MeasureContent(io.LimitReader(f, MaxGateBytes), p.ContentFormat, p.QuasiIdentifiers)
	in.Basis, in.Kind = pubdata.GateContent, p.Kind
	return in, err
}

// RegisterListing registers (signing the registration document with the keyring's
// certificate when the server signs documents) or rejects a pending listing.
func (s *Server) RegisterListing(ctx context.Context, id string, d *pubdata.RegistrationDecision) (*pubdata.Listing, error) {
	svc, err := s.TradeService()
	if err != nil {
		return nil, err
	}
	var sign pubdata.RegistrationSigner
	if s.Extracts != nil && s.Extracts.Keys != nil {
		sign = func(ctx context.Context, l *pubdata.Listing, r *pubdata.TradeRegistration) error {
			signed, err := s.Extracts.SignDocument(ctx, extract.FormatRegistration, pubdata.RegistrationDocumentOf(l, r))
			if err != nil {
				return err
			}
			raw, err := json.Marshal(signed)
			if err != nil {
				return err
			}
			r.Signed, r.Digest = string(raw), signed.Digest
			return nil
		}
	}
	return svc.RegisterListing(ctx, id, d, sign)
}

// RegistrationCheck is the public answer for a registration number: the listing's
// registration and whether its signed document verifies.
type RegistrationCheck struct {
	Number       string                     `json:"number"`
	Listing      string                     `json:"listing"`
	Product      string                     `json:"product"`
	ProductTitle string                     `json:"product_title"`
	Seller       string                     `json:"seller"`
	SellerName   string                     `json:"seller_name"`
	Status       string                     `json:"status"`
	Registration *pubdata.TradeRegistration `json:"registration"`
	Signed       bool                       `json:"signed"`
	Valid        bool                       `json:"valid"`
	Signer       string                     `json:"signer,omitempty"`
	Problem      string                     `json:"problem,omitempty"`
}

// CheckRegistration looks a registration number up and verifies its signed document.
func (s *Server) CheckRegistration(ctx context.Context, lang, number string) (*RegistrationCheck, error) {
	svc, err := s.TradeService()
	if err != nil {
		return nil, err
	}
	l, err := svc.ListingByRegistration(ctx, number)
	if err != nil {
		return nil, err
	}
	c := &RegistrationCheck{Number: l.Registration.Number, Listing: l.ID, Product: l.Product, ProductTitle: l.ProductTitle, Seller: l.Seller, SellerName: l.SellerName,
		Status: l.Status, Registration: l.Registration, Signed: l.Registration.Signed != ""}
	if c.Signed && s.Extracts != nil {
		v, err := s.Extracts.Verify(ctx, []byte(l.Registration.Signed))
		var inv *extract.Invalid
		switch {
		case errors.As(err, &inv):
			c.Problem = inv.Reason
		case err != nil:
			return nil, err
		default:
			c.Valid, c.Signer = true, v.Signer
		}
	}
	return c, nil
}

// ServeDelivery streams a delivered product's content (CSV) to the buyer under the delivery
// id, through the one read path (recorded).
func (s *Server) ServeDelivery(w http.ResponseWriter, r *http.Request, id string) error {
	svc, err := s.TradeService()
	if err != nil {
		return err
	}
	a := pubdata.ActorFromContext(r.Context())
	if a.Anonymous() {
		return errSignIn
	}
	g, err := svc.Delivery(r.Context(), id)
	if err != nil {
		return err
	}
	p, o, err := s.TradeProduct(r.Context(), g.Entry)
	if err != nil {
		return err
	}
	grant := g.ID
	if !g.Holds(a) {
		grant = "" // the seller or the authority reads under no delivery; anyone else is refused
	}
	f, _, err := s.Reader().WithProducts(svc).OpenProduct(r.Context(), p, o.Code, o.Division, grant, access.ProductDownload)
	if err != nil {
		return err
	}
	defer f.Close()
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="product-`+p.ID+`.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	_, err = io.Copy(w, f)
	return err
}

// TradeListingFilter reads a listing list's parameters: status, product, source, role
// (market: listed products, the default; mine: the caller's organisation's listings;
// authority: the listings of the caller's division), limit and cursor.
func TradeListingFilter(r *http.Request) (pubdata.ListingFilter, error) {
	q := r.URL.Query()
	limit, cursor, err := PageParams(q)
	if err != nil {
		return pubdata.ListingFilter{}, err
	}
	f := pubdata.ListingFilter{Status: q.Get("status"), Product: q.Get("product"), Source: q.Get("source"), Limit: limit, Cursor: cursor}
	a := pubdata.ActorFromContext(r.Context())
	switch q.Get("role") {
	case "", "market":
		f.Status = pubdata.ListingListed
	case "mine":
		if a.Anonymous() || a.Org == nil {
			return f, pubdata.Errorf(pubdata.EFORBIDDEN, "Only an organisation's users list its listings.").Keyed("error.listing.list_forbidden")
		}
		f.Seller = a.Org.Code
	case "authority":
		if !a.IsAuthority() {
			return f, pubdata.Errorf(pubdata.EFORBIDDEN, "Only an authority's users list the listings of its division.").Keyed("error.listing.list_forbidden")
		}
		f.Division = a.Org.Division
	default:
		return f, ParamError("role", pubdata.NewMessage("trade.param.role"), "must be market, mine or authority")
	}
	return f, nil
}

// TradeContractFilter reads a contract list's parameters: role (buyer, the default: the
// caller's contracts as buyer; seller: its organisation's sales; authority: its division's),
// status, product, limit and cursor.
func TradeContractFilter(r *http.Request) (pubdata.ContractFilter, error) {
	q := r.URL.Query()
	limit, cursor, err := PageParams(q)
	if err != nil {
		return pubdata.ContractFilter{}, err
	}
	f := pubdata.ContractFilter{Status: q.Get("status"), Product: q.Get("product"), Limit: limit, Cursor: cursor}
	a := pubdata.ActorFromContext(r.Context())
	if a.Anonymous() {
		return f, errSignIn
	}
	switch q.Get("role") {
	case "", "buyer":
		if a.Org != nil {
			f.Buyer = a.Org.Code
		} else {
			f.BuyerUser = a.Username()
		}
	case "seller":
		if a.Org == nil {
			return f, pubdata.Errorf(pubdata.EFORBIDDEN, "Only an organisation sells data products.").Keyed("error.contract.list_forbidden")
		}
		f.Seller = a.Org.Code
	case "authority":
		if !a.IsAuthority() {
			return f, pubdata.Errorf(pubdata.EFORBIDDEN, "Only an authority's users list the contracts of its division.").Keyed("error.contract.list_forbidden")
		}
		f.Division = a.Org.Division
	default:
		return f, ParamError("role", pubdata.NewMessage("trade.param.role"), "must be buyer, seller or authority")
	}
	return f, nil
}

// VisibleListing returns a listing the caller may see (ENOTFOUND otherwise, as for a listing
// that does not exist).
func (s *Server) VisibleListing(ctx context.Context, id string) (*pubdata.Listing, error) {
	svc, err := s.TradeService()
	if err != nil {
		return nil, err
	}
	l, err := svc.Listing(ctx, id)
	if err != nil {
		return nil, err
	}
	if !pubdata.CanSeeListing(pubdata.ActorFromContext(ctx), l) {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Listing %q was not found.", id).Keyed("error.listing.not_found", "ID", id)
	}
	return l, nil
}

// VisibleContract returns a contract the caller may see (its buyer, the seller's users, the
// covering authority); ENOTFOUND otherwise.
func (s *Server) VisibleContract(ctx context.Context, id string) (*pubdata.Contract, error) {
	svc, err := s.TradeService()
	if err != nil {
		return nil, err
	}
	c, err := svc.Contract(ctx, id)
	if err != nil {
		return nil, err
	}
	if !pubdata.CanSeeContract(pubdata.ActorFromContext(ctx), c) {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Contract %q was not found.", id).Keyed("error.contract.not_found", "ID", id)
	}
	return c, nil
}

// ProductTrades returns a product's listings and contracts for its seller's users and the
// covering authority (traceability from product to buyers).
func (s *Server) ProductTrades(ctx context.Context, id string) (*pubdata.TradeTrace, error) {
	svc, err := s.TradeService()
	if err != nil {
		return nil, err
	}
	_, o, err := s.TradeProduct(ctx, id)
	if err != nil {
		return nil, err
	}
	if !pubdata.CanSeeTrades(pubdata.ActorFromContext(ctx), o.Code, o.Division) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the product's organisation and the authority covering it see who bought it.").Keyed("error.trade.trace_forbidden")
	}
	return svc.ProductTrades(ctx, id)
}

// EntryTrades returns the listed products made from an entry and their contracts, for the
// entry's provider and the covering authority (traceability from a source to buyers).
func (s *Server) EntryTrades(ctx context.Context, id string) (*pubdata.TradeTrace, error) {
	svc, err := s.TradeService()
	if err != nil {
		return nil, err
	}
	e, err := s.Entries.FindEntryByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if !pubdata.CanViewWorkingCopy(pubdata.ActorFromContext(ctx), e) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the entry's provider and the authority covering it see the products made from it and their buyers.").Keyed("error.trade.entry_trace_forbidden")
	}
	return svc.EntryTrades(ctx, id)
}
