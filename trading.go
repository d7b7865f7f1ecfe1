package pubdata

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Trading of data products and their registration (F2, F3, B7, G2; issue 16 item 5).
//
// A product's seller lists it for trade. A listing passes the gate first (CheckTradeGate):
// the re-identification risk of the product's own content under the prosecutor model,
// computed by the anonymiser over the product's quasi-identifiers, is at most the configured
// threshold and its smallest equivalence class holds at least the configured k; every
// non-public source (B7) carries contribution terms that let the seller use it in a traded
// product at that date. The listing discloses the sources, the method, the licence and the
// price model. The authority covering the seller registers it (备案登记), which issues a
// registration number and a signed registration document, and only then is it listed on the
// marketplace. A buyer makes a contract from the model contract the listing offers (the
// authority's versioned templates); when the seller agrees, the product is delivered as a
// grant (Grant of kind KindTrade) that the buyer reads the product under. Every listing,
// registration, contract and delivery is an audit event in its transaction.

// KindTrade is the kind of the grant that delivers a traded product to its buyer: Entry is
// the product's id, Application the contract's.
const KindTrade ApplicationKind = "trade"

// --- settings ---

// TradeSettings are the gate's thresholds: the highest prosecutor re-identification risk a
// listed product may carry (0 < RiskThreshold ≤ 1) and the smallest equivalence class it
// may have (MinK ≥ 1).
type TradeSettings struct {
	RiskThreshold float64 `json:"risk_threshold"`
	MinK          int     `json:"min_k"`
}

// Defaults of the gate: a risk of at most 1 in 5 and k of at least 5 (ARX's usual k).
const (
	DefaultTradeRiskThreshold = 0.2
	DefaultTradeMinK          = 5
)

// DefaultTradeSettings returns the gate's default thresholds.
func DefaultTradeSettings() TradeSettings {
	return TradeSettings{RiskThreshold: DefaultTradeRiskThreshold, MinK: DefaultTradeMinK}
}

// Validate checks the settings.
func (s TradeSettings) Validate() error {
	if !(s.RiskThreshold > 0 && s.RiskThreshold <= 1) {
		return FieldErrorf("trade_risk_threshold", "The trade gate's risk threshold must be above 0 and at most 1, not %g.", s.RiskThreshold).Keyed("error.trade.settings.threshold", "Value", s.RiskThreshold)
	}
	if s.MinK < 1 {
		return FieldErrorf("trade_min_k", "The trade gate's k must be at least 1, not %d.", s.MinK).Keyed("error.trade.settings.k", "Value", s.MinK)
	}
	return nil
}

// --- contributions of non-public data (B7) ---

// IsNonPublicOrg reports whether the organisation's data is non-public data (社会数据): an
// enterprise or another body that is neither a public body nor an authority.
func IsNonPublicOrg(o *Org) bool {
	return o != nil && o.Kind != KindPublicBody && o.Kind != KindAuthority
}

// Contribution is the terms on which a non-public body contributes an entry's data (B7):
// who may use it, for what, for which period, and whether it may be combined into traded
// products.
type Contribution struct {
	Entry string `json:"entry"`
	Org   string `json:"org"`
	// Users are the organisations that may use it (codes); empty: any developer.
	Users    []string `json:"users"`
	Purposes string   `json:"purposes"` // for what
	// Products: it may be combined (with public data) into data products that are traded.
	Products  bool      `json:"products"`
	From      string    `json:"from"`  // YYYY-MM-DD
	Until     string    `json:"until"` // YYYY-MM-DD, inclusive
	UpdatedBy string    `json:"updated_by,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Limits of the trading texts.
const (
	maxTradeText      = 4000
	maxTradeShortText = 200
	MaxContractMonths = 60
)

// ValidateContribution checks and normalises contribution terms.
func ValidateContribution(c *Contribution) error {
	c.Purposes = strings.TrimSpace(c.Purposes)
	c.From, c.Until = strings.TrimSpace(c.From), strings.TrimSpace(c.Until)
	users := []string{}
	for _, u := range c.Users {
		if u = strings.TrimSpace(u); u != "" && !slices.Contains(users, u) {
			users = append(users, u)
		}
	}
	c.Users = users
	var p []*Error
	add := func(e *Error) {
		if e != nil {
			p = append(p, e)
		}
	}
	add(checkTradeText("purposes", "The purposes it may be used for", "error.label.contribution_purposes", c.Purposes, true, maxTradeText))
	from, errFrom := time.Parse(DateFormat, c.From)
	if errFrom != nil {
		add(FieldErrorf("from", "The start of the period must be a date as YYYY-MM-DD, not %q.", c.From).Keyed("error.contribution.date", "Field", "from", "Value", c.From))
	}
	until, errUntil := time.Parse(DateFormat, c.Until)
	if errUntil != nil {
		add(FieldErrorf("until", "The end of the period must be a date as YYYY-MM-DD, not %q.", c.Until).Keyed("error.contribution.date", "Field", "until", "Value", c.Until))
	}
	if errFrom == nil && errUntil == nil && until.Before(from) {
		add(FieldErrorf("until", "The period ends (%s) before it starts (%s).", c.Until, c.From).Keyed("error.contribution.period", "From", c.From, "Until", c.Until))
	}
	if len(c.Users) > 100 {
		add(FieldErrorf("users", "At most 100 organisations may be named.").Keyed("error.contribution.users"))
	}
	return invalid(p)
}

// Covers reports whether the terms' period covers the day of now (China time).
func (c *Contribution) Covers(now time.Time) bool {
	d := Today(now)
	return c.From <= d && d <= c.Until
}

// AllowsProducts is why the terms do not let org use the entry in a traded product at now
// (nil when they do).
func (c *Contribution) AllowsProducts(org string, now time.Time) *Message {
	switch {
	case !c.Products:
		return NewMessage("trade.gate.terms.no_products")
	case !c.Covers(now):
		return NewMessage("trade.gate.terms.period", "From", c.From, "Until", c.Until)
	case len(c.Users) > 0 && !slices.Contains(c.Users, org):
		return NewMessage("trade.gate.terms.users")
	}
	return nil
}

// CanSetContribution reports whether the actor may set the contribution terms of an entry
// of the provider org: its admins and editors, when the provider is a non-public body.
func CanSetContribution(a *Actor, provider *Org) bool {
	return provider != nil && IsNonPublicOrg(provider) && CanEditEntry(a, provider.Code)
}

// --- model contracts ---

// Onward transfer rules of a model contract: what the buyer may pass on.
const (
	OnwardForbidden    = "forbidden"      // nothing may be passed to a third party
	OnwardSellerAssent = "seller_consent" // only with the seller's written consent
	OnwardDerivedOnly  = "derived_only"   // only results derived from it that do not contain its records
)

// OnwardRules lists the onward transfer rules.
var OnwardRules = []string{OnwardForbidden, OnwardSellerAssent, OnwardDerivedOnly}

// Model contract states.
const (
	ModelActive  = "active"
	ModelRetired = "retired"
)

// ModelContract is one version of a model contract (示范合同) the authority maintains: the
// template a trade's contract is made from. Code names the template across its versions;
// each version has its own ID. A new version retires nothing: contracts keep the version they
// were made from, and listings offer a version.
type ModelContract struct {
	ID      string `json:"id"`
	Code    string `json:"code"`
	Version int    `json:"version"`
	Title   string `json:"title"`
	// The clauses: the parties, the scope of use, the purpose, the longest duration, the
	// ban on re-identification, the onward transfer rule, and any further clauses.
	Parties            string    `json:"parties"`
	Scope              string    `json:"scope"`
	Purpose            string    `json:"purpose"`
	MaxMonths          int       `json:"max_months"`
	NoReidentification bool      `json:"no_reidentification"`
	OnwardTransfer     string    `json:"onward_transfer"`
	Clauses            string    `json:"clauses"`
	Status             string    `json:"status"`
	CreatedBy          string    `json:"created_by"`
	CreatedAt          time.Time `json:"created_at"`
}

// ValidateModelContract checks and normalises a model contract's fields.
func ValidateModelContract(m *ModelContract) error {
	m.Code, m.Title = strings.TrimSpace(m.Code), strings.TrimSpace(m.Title)
	m.Parties, m.Scope, m.Purpose = strings.TrimSpace(m.Parties), strings.TrimSpace(m.Scope), strings.TrimSpace(m.Purpose)
	m.OnwardTransfer, m.Clauses = strings.TrimSpace(m.OnwardTransfer), strings.TrimSpace(m.Clauses)
	var p []*Error
	add := func(e *Error) {
		if e != nil {
			p = append(p, e)
		}
	}
	if m.Code != "" && !validCode(m.Code) {
		add(FieldErrorf("code", "The code %q must be 1–40 lower-case letters, digits and hyphens.", m.Code).Keyed("error.model_contract.code", "Code", m.Code))
	}
	add(checkTradeText("title", "Title", "error.label.title", m.Title, true, maxTradeShortText))
	add(checkTradeText("parties", "The parties", "error.label.contract_parties", m.Parties, true, maxTradeText))
	add(checkTradeText("scope", "The scope of use", "error.label.contract_scope", m.Scope, true, maxTradeText))
	add(checkTradeText("purpose", "Purpose", "error.label.purpose", m.Purpose, true, maxTradeText))
	add(checkTradeText("clauses", "Further clauses", "error.label.contract_clauses", m.Clauses, false, 4*maxTradeText))
	if m.MaxMonths < 1 || m.MaxMonths > MaxContractMonths {
		add(FieldErrorf("max_months", "The longest duration must be 1 to %d months, not %d.", MaxContractMonths, m.MaxMonths).Keyed("error.model_contract.months", "Max", MaxContractMonths, "Value", m.MaxMonths))
	}
	if !m.NoReidentification {
		add(FieldErrorf("no_reidentification", "A model contract must forbid re-identifying anyone from the data (F2): keep the clause.").Keyed("error.model_contract.reidentification"))
	}
	if !oneOf(m.OnwardTransfer, OnwardRules) {
		add(FieldErrorf("onward_transfer", "The onward transfer rule %q is not one of %s.", m.OnwardTransfer, strings.Join(OnwardRules, ", ")).Keyed("error.model_contract.onward", "Value", m.OnwardTransfer, "Rules", strings.Join(OnwardRules, ", ")))
	}
	return invalid(p)
}

// validCode reports whether s is a short lower-case code.
func validCode(s string) bool {
	if s == "" || len(s) > 40 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// CanManageModelContracts reports whether the actor may write the model contracts: an admin
// of the platform's authority.
func CanManageModelContracts(a *Actor) bool { return IsPlatformAuthority(a) && a.Role() == RoleAdmin }

// --- listings ---

// Price models of a listing.
const (
	PriceFree         = "free"
	PriceFixed        = "fixed"
	PricePerUse       = "per_use"
	PriceSubscription = "subscription"
	PriceNegotiated   = "negotiated"
)

// PriceModels lists the price models.
var PriceModels = []string{PriceFree, PriceFixed, PricePerUse, PriceSubscription, PriceNegotiated}

// Listing states: pending (waiting for registration), listed (registered, on the
// marketplace), rejected (registration refused), withdrawn (by the seller).
const (
	ListingPending   = "pending"
	ListingListed    = "listed"
	ListingRejected  = "rejected"
	ListingWithdrawn = "withdrawn"
)

// ListingStatuses lists the listing states.
var ListingStatuses = []string{ListingPending, ListingListed, ListingRejected, ListingWithdrawn}

// TradeSource is one source of a listed product, as disclosed: the entry, its version, batch
// and date, its provider, and for non-public data (B7) the contribution terms.
type TradeSource struct {
	Entry        string        `json:"entry"`
	Title        string        `json:"title"`
	Provider     string        `json:"provider"`
	ProviderName string        `json:"provider_name,omitempty"`
	Version      int           `json:"version,omitempty"`
	Batch        string        `json:"batch,omitempty"`
	Date         string        `json:"date,omitempty"` // the acquisition date, YYYY-MM-DD
	NonPublic    bool          `json:"non_public"`
	Terms        *Contribution `json:"terms,omitempty"`
}

// GateResult is what the gate measured on a product and decided.
type GateResult struct {
	Risk             float64  `json:"risk"` // the highest prosecutor re-identification risk, 0…1
	AverageRisk      float64  `json:"average_risk"`
	K                int      `json:"k"` // the smallest equivalence class
	Rows             int      `json:"rows"`
	Classes          int      `json:"classes"`
	QuasiIdentifiers []string `json:"quasi_identifiers"`
	Threshold        float64  `json:"threshold"`
	MinK             int      `json:"min_k"`
	NonPublic        int      `json:"non_public"` // non-public sources
	// Basis is what the gate decided on: GateContent (the product's own table measured)
	// or GateDeclared (the anonymiser's report on the data it was derived from, and the
	// aggregate-only declaration of MinGroupSize).
	Basis        string    `json:"basis,omitempty"`
	DerivedRun   string    `json:"derived_run,omitempty"`
	MinGroupSize int       `json:"min_group_size,omitempty"`
	Passed       bool      `json:"passed"`
	CheckedAt    time.Time `json:"checked_at"`
}

// TradeRegistration is a listing's registration (备案登记): the number the authority issues and
// the signed registration document (pubdata-registration/v1).
type TradeRegistration struct {
	Number       string    `json:"number"`
	Registrar    string    `json:"registrar"`
	RegistrarOrg string    `json:"registrar_org"`
	RegisteredAt time.Time `json:"registered_at"`
	Signed       string    `json:"signed,omitempty"` // the signed document (JSON)
	Digest       string    `json:"digest,omitempty"` // hex SM3 of the canonical document
}

// Listing is a product offered for trade, with its disclosure, the gate's result, the model
// contract it is sold under and its registration.
type Listing struct {
	ID           string `json:"id"`
	Product      string `json:"product"`
	ProductTitle string `json:"product_title"`
	ProductKind  string `json:"product_kind,omitempty"`
	Seller       string `json:"seller"` // organisation code
	SellerName   string `json:"seller_name,omitempty"`
	Division     string `json:"division"` // the seller's
	// Disclosure: the sources, the method (the product's processing), its label, the
	// licence and the price model.
	Sources     []TradeSource `json:"sources"`
	Method      string        `json:"method"`
	Label       string        `json:"label,omitempty"`
	Licence     string        `json:"licence"`
	PriceModel  string        `json:"price_model"`
	Price       string        `json:"price,omitempty"`
	Description string        `json:"description,omitempty"`
	// ModelContract is the id of the model contract version the product is sold under.
	ModelContract      string             `json:"model_contract"`
	ModelContractTitle string             `json:"model_contract_title,omitempty"`
	Gate               GateResult         `json:"gate"`
	Status             string             `json:"status"`
	Registration       *TradeRegistration `json:"registration,omitempty"`
	Reason             string             `json:"reason,omitempty"` // of a rejection or withdrawal
	CreatedBy          string             `json:"created_by"`
	CreatedAt          time.Time          `json:"created_at"`
	UpdatedAt          time.Time          `json:"updated_at"`
}

// ListingCreate is what a seller sends to list a product.
type ListingCreate struct {
	Product       string `json:"product"`
	Licence       string `json:"licence"`
	PriceModel    string `json:"price_model"`
	Price         string `json:"price"`
	Description   string `json:"description"`
	ModelContract string `json:"model_contract"`
}

// ValidateListingCreate checks and normalises a listing's own fields (the product, the gate
// and the model contract are checked by CheckTradeGate and the service).
func ValidateListingCreate(c *ListingCreate) error {
	c.Product, c.Licence, c.PriceModel = strings.TrimSpace(c.Product), strings.TrimSpace(c.Licence), strings.TrimSpace(c.PriceModel)
	c.Price, c.Description, c.ModelContract = strings.TrimSpace(c.Price), strings.TrimSpace(c.Description), strings.TrimSpace(c.ModelContract)
	var p []*Error
	add := func(e *Error) {
		if e != nil {
			p = append(p, e)
		}
	}
	if c.Product == "" {
		add(FieldErrorf("product", "Product (the id of your data product) is required.").Keyed("error.listing.product.required"))
	}
	add(checkTradeText("licence", "Licence", "error.label.licence", c.Licence, true, maxTradeShortText))
	switch {
	case c.PriceModel == "":
		add(FieldErrorf("price_model", "The price model is required: one of %s.", strings.Join(PriceModels, ", ")).Keyed("error.listing.price_model", "Value", "", "Models", strings.Join(PriceModels, ", ")))
	case !oneOf(c.PriceModel, PriceModels):
		add(FieldErrorf("price_model", "The price model %q is not one of %s.", c.PriceModel, strings.Join(PriceModels, ", ")).Keyed("error.listing.price_model", "Value", c.PriceModel, "Models", strings.Join(PriceModels, ", ")))
	case c.PriceModel != PriceFree && c.PriceModel != PriceNegotiated && c.Price == "":
		add(FieldErrorf("price", "The price is required for the price model %s.", c.PriceModel).Keyed("error.listing.price.required", "Model", c.PriceModel))
	}
	if c.PriceModel == PriceFree {
		c.Price = ""
	}
	add(checkTradeText("price", "Price", "error.label.price", c.Price, false, maxTradeShortText))
	add(checkTradeText("description", "Description", "error.label.description", c.Description, false, maxTradeText))
	if c.ModelContract == "" {
		add(FieldErrorf("model_contract", "The model contract the product is sold under is required.").Keyed("error.listing.model_contract.required"))
	}
	return invalid(p)
}

// GateInput is what the gate decides on: the risk the anonymiser measured on the product's
// own content with its quasi-identifiers (Risk: the prosecutor model's highest, K the
// smallest class), the product's sources and the seller, at now.
type GateInput struct {
	Risk             float64
	AverageRisk      float64
	K                int
	Rows             int
	Classes          int
	QuasiIdentifiers []string
	Sources          []TradeSource
	Seller           string
	Now              time.Time
	// Basis is GateContent (Risk, K, Rows measured on the content; the default) or
	// GateDeclared: Kind, Derived (the anonymiser's report on the data the product was
	// derived from) and Declaration decide.
	Basis       string
	Kind        ProductKind
	Derived     *ProductAnonymisation
	Declaration *ProductDeclaration
}

// FormatRisk writes a risk as a share with up to four decimals (0.5, 0.0333).
func FormatRisk(r float64) string {
	return strconv.FormatFloat(math.Round(r*10000)/10000, 'f', -1, 64)
}

// CheckTradeGate decides whether a product may be listed (F2, G2, B7). A product whose own
// table was measured (GateContent): its content has rows; its highest prosecutor risk is at
// most s.RiskThreshold; its smallest equivalence class holds at least s.MinK records. A
// product without a table (GateDeclared): checkDeclaredGate's rules on the report of the
// data it was derived from and its aggregate-only declaration. Either way each non-public
// source has contribution terms that let the seller combine it into a traded product at now. It returns the result (Passed set)
// and, when refused, an EINVALID error on the field "product" naming each problem — the
// risk and the threshold, k and the minimum, the source and its terms.
func CheckTradeGate(in GateInput, s TradeSettings) (GateResult, error) {
	res := GateResult{Risk: in.Risk, AverageRisk: in.AverageRisk, K: in.K, Rows: in.Rows, Classes: in.Classes, QuasiIdentifiers: slices.Clone(in.QuasiIdentifiers),
		Threshold: s.RiskThreshold, MinK: s.MinK, CheckedAt: in.Now}
	if res.QuasiIdentifiers == nil {
		res.QuasiIdentifiers = []string{}
	}
	var p []*Error
	if in.Basis == GateDeclared {
		p = checkDeclaredGate(in, s, &res)
	} else {
		res.Basis = GateContent
		p = checkContentGate(in, s)
	}
	for _, src := range in.Sources {
		if !src.NonPublic {
			continue
		}
		res.NonPublic++
		switch {
		case src.Terms == nil:
			p = append(p, FieldErrorf("product", "The source %q is non-public data of %s without contribution terms: it cannot be traded.", src.Title, src.Provider).
				Keyed("error.trade.gate.no_terms", "Source", src.Title, "Provider", src.Provider))
		default:
			if why := src.Terms.AllowsProducts(in.Seller, in.Now); why != nil {
				p = append(p, FieldErrorf("product", "The contribution terms of the non-public source %q do not allow this product to be traded.", src.Title).
					Keyed("error.trade.gate.terms", "Source", src.Title, "Why", why))
			}
		}
	}
	if len(p) > 0 {
		return res, invalid(p)
	}
	res.Passed = true
	return res, nil
}

// checkDeclaredGate decides a product without a table to measure (a model's output, a
// document, an API serving aggregates; GateDeclared): it must name the anonymiser run of
// the data it was derived from, whose report shows a risk at most the threshold and a
// smallest class of at least k, and declare that it releases aggregates only over groups
// of at least k records. Each missing or failed rule is named.
func checkDeclaredGate(in GateInput, s TradeSettings, res *GateResult) []*Error {
	res.Basis = GateDeclared
	kind := string(in.Kind)
	var p []*Error
	if d := in.Derived; d == nil {
		p = append(p, FieldErrorf("product", "The product (%s) has no table the anonymiser can measure, and it names no anonymiser run of the data it was derived from (derived_from): the gate cannot check it.", kind).
			Keyed("error.trade.gate.no_report", "Kind", NewMessage("product.kind."+kind)))
	} else {
		k := d.SmallestClass
		if k == 0 {
			k = d.K
		}
		res.Risk, res.AverageRisk, res.K, res.Rows, res.DerivedRun = d.ProsecutorRisk, d.AverageRisk, k, d.Released, d.Run
		res.QuasiIdentifiers = []string{}
		for _, h := range d.Hierarchies {
			res.QuasiIdentifiers = append(res.QuasiIdentifiers, h.Column)
		}
		if d.ProsecutorRisk > s.RiskThreshold+1e-12 {
			p = append(p, FieldErrorf("product", "The data the product was derived from (run %s) carries a re-identification risk (prosecutor model) of %s, above the threshold %s: it cannot be listed.",
				d.Run, FormatRisk(d.ProsecutorRisk), FormatRisk(s.RiskThreshold)).
				Keyed("error.trade.gate.derived_risk", "Run", d.Run, "Risk", FormatRisk(d.ProsecutorRisk), "Threshold", FormatRisk(s.RiskThreshold)))
		}
		if k < s.MinK {
			p = append(p, FieldErrorf("product", "The data the product was derived from (run %s) is %d-anonymous, below the required k of %d: it cannot be listed.", d.Run, k, s.MinK).
				Keyed("error.trade.gate.derived_k", "Run", d.Run, "K", k, "MinK", s.MinK))
		}
	}
	switch d := in.Declaration; {
	case d == nil || !d.AggregateOnly:
		p = append(p, FieldErrorf("product", "The product (%s) has no table the anonymiser can measure and carries no declaration that it releases aggregates only: the gate cannot check it.", kind).
			Keyed("error.trade.gate.no_declaration", "Kind", NewMessage("product.kind."+kind)))
	default:
		res.MinGroupSize = d.MinGroupSize
		if d.MinGroupSize < s.MinK {
			p = append(p, FieldErrorf("product", "The product declares aggregates over groups of at least %d records, below the required k of %d: it cannot be listed.", d.MinGroupSize, s.MinK).
				Keyed("error.trade.gate.min_group", "Size", d.MinGroupSize, "MinK", s.MinK))
		}
	}
	return p
}

// checkContentGate decides a product whose own table was measured (GateContent).
func checkContentGate(in GateInput, s TradeSettings) []*Error {
	var p []*Error
	if in.Rows == 0 {
		p = append(p, FieldErrorf("product", "The product has no rows: there is nothing to measure or to trade.").Keyed("error.trade.gate.empty"))
	}
	if in.Rows > 0 && in.Risk > s.RiskThreshold+1e-12 {
		p = append(p, FieldErrorf("product", "The product's re-identification risk (prosecutor model) is %s, above the threshold %s: it cannot be listed. Anonymise it further (generalise its quasi-identifiers %s, or raise k) and list it again.",
			FormatRisk(in.Risk), FormatRisk(s.RiskThreshold), strings.Join(in.QuasiIdentifiers, ", ")).
			Keyed("error.trade.gate.risk", "Risk", FormatRisk(in.Risk), "Threshold", FormatRisk(s.RiskThreshold), "Columns", strings.Join(in.QuasiIdentifiers, ", ")))
	}
	if in.Rows > 0 && in.K < s.MinK {
		p = append(p, FieldErrorf("product", "The product's smallest group of records sharing their quasi-identifiers holds %d, below the required k of %d: it cannot be listed.", in.K, s.MinK).
			Keyed("error.trade.gate.k", "K", in.K, "MinK", s.MinK))
	}
	return p
}

// CanListProduct reports whether the actor may list a product of org (sell it): the
// organisation's admins and editors.
func CanListProduct(a *Actor, org string) bool { return CanEditEntry(a, org) }

// CanRegisterListing reports whether the actor may register (or refuse) a listing: an admin
// or reviewer of an authority whose division covers the seller's, who is not the seller.
func CanRegisterListing(a *Actor, l *Listing) bool {
	return CanReviewEntry(a, l.Division) && a.OrgCode() != l.Seller
}

// CanSeeListing reports whether the actor may see the listing: anyone once listed; before,
// the seller's users and the covering authority.
func CanSeeListing(a *Actor, l *Listing) bool {
	if l.Status == ListingListed {
		return true
	}
	return isSellerOrSupervisor(a, l.Seller, l.Division)
}

func isSellerOrSupervisor(a *Actor, seller, division string) bool {
	if a.Anonymous() || a.Org == nil {
		return false
	}
	return a.Org.Code == seller || (a.IsAuthority() && DivisionCovers(a.Org.Division, division))
}

// RegistrationDecision is the authority's decision on a pending listing.
type RegistrationDecision struct {
	Decision string `json:"decision"` // approve or reject
	Reason   string `json:"reason"`
}

// ValidateRegistrationDecision checks a decision.
func ValidateRegistrationDecision(d *RegistrationDecision) error {
	d.Decision, d.Reason = strings.TrimSpace(d.Decision), strings.TrimSpace(d.Reason)
	switch d.Decision {
	case "approve":
	case "reject":
		if e := checkTradeText("reason", "A rejection's reason", "error.label.reject_reason", d.Reason, true, maxTradeText); e != nil {
			return invalid([]*Error{e})
		}
	default:
		return invalid([]*Error{FieldErrorf("decision", "Decision is required: approve or reject.").Keyed("error.decision.required")})
	}
	return nil
}

// RegistrationNumber is the number of the n-th registration of the year in the division:
// SJDJ-<division>-<year>-<n, six digits>.
func RegistrationNumber(division string, year, n int) string {
	return fmt.Sprintf("SJDJ-%s-%d-%06d", division, year, n)
}

// RegistrationDocument is what the signed registration document says.
type RegistrationDocument struct {
	Number        string        `json:"number"`
	Listing       string        `json:"listing"`
	Product       string        `json:"product"`
	ProductTitle  string        `json:"product_title"`
	Seller        string        `json:"seller"`
	SellerName    string        `json:"seller_name"`
	Sources       []TradeSource `json:"sources"`
	Method        string        `json:"method"`
	Licence       string        `json:"licence"`
	PriceModel    string        `json:"price_model"`
	ModelContract string        `json:"model_contract"`
	Risk          string        `json:"risk"`
	K             int           `json:"k"`
	Registrar     string        `json:"registrar"`
	RegistrarOrg  string        `json:"registrar_org"`
	Time          string        `json:"time"` // RFC 3339 UTC
}

// RegistrationDocumentOf builds the document of a registration of l.
func RegistrationDocumentOf(l *Listing, r *TradeRegistration) RegistrationDocument {
	return RegistrationDocument{Number: r.Number, Listing: l.ID, Product: l.Product, ProductTitle: l.ProductTitle, Seller: l.Seller, SellerName: l.SellerName,
		Sources: l.Sources, Method: l.Method, Licence: l.Licence, PriceModel: l.PriceModel, ModelContract: l.ModelContract,
		Risk: FormatRisk(l.Gate.Risk), K: l.Gate.K, Registrar: r.Registrar, RegistrarOrg: r.RegistrarOrg, Time: r.RegisteredAt.UTC().Format(time.RFC3339)}
}

// RegistrationSigner signs a registration: it sets r.Signed and r.Digest for the listing.
// The service calls it inside the registration's transaction, once the number is issued.
type RegistrationSigner func(ctx context.Context, l *Listing, r *TradeRegistration) error

// ListingFilter selects listings.
type ListingFilter struct {
	Status   string
	Seller   string
	Division string // the seller's division is inside this one
	Product  string
	Source   string // listings of products that use this entry
	Limit    int
	Cursor   string
}

// --- contracts ---

// Contract states: proposed (the buyer signed), agreed (the seller signed: delivered),
// declined (by the seller), terminated (the delivery revoked).
const (
	ContractProposed   = "proposed"
	ContractAgreed     = "agreed"
	ContractDeclined   = "declined"
	ContractTerminated = "terminated"
)

// ContractStatuses lists the contract states.
var ContractStatuses = []string{ContractProposed, ContractAgreed, ContractDeclined, ContractTerminated}

// Contract is a trade's contract, made from a model contract version and agreed by the buyer
// (when proposed) and the seller; its delivery is a grant of kind KindTrade.
type Contract struct {
	ID             string `json:"id"`
	Listing        string `json:"listing"`
	Product        string `json:"product"`
	ProductTitle   string `json:"product_title"`
	Registration   string `json:"registration"` // the listing's registration number
	ModelContract  string `json:"model_contract"`
	ModelCode      string `json:"model_code"`
	ModelVersion   int    `json:"model_version"`
	ModelTitle     string `json:"model_title"`
	Seller         string `json:"seller"`
	SellerName     string `json:"seller_name,omitempty"`
	Division       string `json:"division"`             // the seller's
	Buyer          string `json:"buyer,omitempty"`      // organisation code
	BuyerUser      string `json:"buyer_user,omitempty"` // username, for a public user
	BuyerName      string `json:"buyer_name,omitempty"`
	Purpose        string `json:"purpose"`
	Scope          string `json:"scope"`
	Until          string `json:"until"` // YYYY-MM-DD, the last day of use
	Parties        string `json:"parties"`
	OnwardTransfer string `json:"onward_transfer"`
	// NoReidentification is the clause every contract carries (F2).
	NoReidentification bool       `json:"no_reidentification"`
	Clauses            string     `json:"clauses"`
	PriceModel         string     `json:"price_model"`
	Price              string     `json:"price,omitempty"`
	Licence            string     `json:"licence"`
	Status             string     `json:"status"`
	BuyerSignedBy      string     `json:"buyer_signed_by"`
	BuyerSignedAt      time.Time  `json:"buyer_signed_at"`
	SellerSignedBy     string     `json:"seller_signed_by,omitempty"`
	SellerSignedAt     *time.Time `json:"seller_signed_at,omitempty"`
	Reason             string     `json:"reason,omitempty"` // of a refusal or termination
	Delivery           string     `json:"delivery,omitempty"`
	CreatedAt          time.Time  `json:"created_at"`
}

// ContractCreate is a buyer's contract: the purpose and scope of use within the model
// contract's, the last day of use, and the acceptance of its clauses.
type ContractCreate struct {
	Purpose string `json:"purpose"`
	Scope   string `json:"scope"`
	Until   string `json:"until"`
	Accept  bool   `json:"accept"`
}

// ValidateContractCreate checks a buyer's contract for the listing under the model contract
// m at now: the buyer is signed in and is not the seller; the listing is listed; the clauses
// are accepted; the purpose is given; until is after today and within the model's longest
// duration (and MaxApplicationMonths does not apply: the model sets it).
func ValidateContractCreate(a *Actor, l *Listing, m *ModelContract, c *ContractCreate, now time.Time) error {
	c.Purpose, c.Scope, c.Until = strings.TrimSpace(c.Purpose), strings.TrimSpace(c.Scope), strings.TrimSpace(c.Until)
	if a.Anonymous() {
		return Errorf(EUNAUTHORIZED, "Sign in to buy a data product.").Keyed("error.contract.sign_in")
	}
	if a.OrgCode() != "" && a.OrgCode() == l.Seller {
		return Errorf(EFORBIDDEN, "The product is your organisation's own: it cannot buy it.").Keyed("error.contract.own")
	}
	if l.Status != ListingListed {
		return Errorf(ECONFLICT, "The product is not listed for trade (its listing is %s).", l.Status).Keyed("error.contract.not_listed", "Status", NewMessage("trade.listing.status."+l.Status))
	}
	var p []*Error
	add := func(e *Error) {
		if e != nil {
			p = append(p, e)
		}
	}
	if !c.Accept {
		add(FieldErrorf("accept", "Accept the model contract's clauses, including that you will not re-identify anyone, to buy.").Keyed("error.contract.accept"))
	}
	add(checkTradeText("purpose", "Purpose", "error.label.purpose", c.Purpose, true, maxTradeText))
	add(checkTradeText("scope", "The scope of use", "error.label.contract_scope", c.Scope, false, maxTradeText))
	if c.Until == "" {
		add(FieldErrorf("until", "Until (the last day of use) is required.").Keyed("error.until.required"))
	} else if d, err := time.ParseInLocation(DateFormat, c.Until, ChinaTime); err != nil {
		add(FieldErrorf("until", "Until must be a date as YYYY-MM-DD, not %q.", c.Until).Keyed("error.until.format", "Value", c.Until))
	} else {
		today, _ := time.ParseInLocation(DateFormat, Today(now), ChinaTime)
		if !d.After(today) {
			add(FieldErrorf("until", "Until (%s) must be after today (%s).", c.Until, Today(now)).Keyed("error.until.past", "Until", c.Until, "Today", Today(now)))
		} else if limit := today.AddDate(0, m.MaxMonths, 0); d.After(limit) {
			add(FieldErrorf("until", "Until (%s) must be at most %d months ahead, by %s (the model contract's longest duration).", c.Until, m.MaxMonths, limit.Format(DateFormat)).
				Keyed("error.until.too_far", "Until", c.Until, "Months", m.MaxMonths, "Limit", limit.Format(DateFormat)))
		}
	}
	return invalid(p)
}

// IsBuyer reports whether the actor is the contract's buyer (its organisation's users, or
// the public user).
func (c *Contract) IsBuyer(a *Actor) bool {
	if a.Anonymous() {
		return false
	}
	if c.BuyerUser != "" {
		return a.Username() == c.BuyerUser
	}
	return c.Buyer != "" && a.OrgCode() == c.Buyer
}

// CanAgreeContract reports whether the actor may agree to (or decline) the contract for the
// seller: the seller's admins and editors.
func CanAgreeContract(a *Actor, c *Contract) bool { return CanEditEntry(a, c.Seller) }

// CanSeeContract reports whether the actor may see the contract: its buyer, the seller's
// users and the authority covering the seller.
func CanSeeContract(a *Actor, c *Contract) bool {
	return c.IsBuyer(a) || isSellerOrSupervisor(a, c.Seller, c.Division)
}

// CanSeeTrades reports whether the actor may see who bought a product of the seller (its
// contracts and buyers): the seller's users and the covering authority.
func CanSeeTrades(a *Actor, seller, division string) bool {
	return isSellerOrSupervisor(a, seller, division)
}

// ContractDecision is the seller's answer to a proposed contract.
type ContractDecision struct {
	Decision string `json:"decision"` // agree or decline
	Reason   string `json:"reason"`
}

// ValidateContractDecision checks the seller's answer.
func ValidateContractDecision(d *ContractDecision) error {
	d.Decision, d.Reason = strings.TrimSpace(d.Decision), strings.TrimSpace(d.Reason)
	switch d.Decision {
	case "agree":
	case "decline":
		if e := checkTradeText("reason", "A refusal's reason", "error.label.reject_reason", d.Reason, true, maxTradeText); e != nil {
			return invalid([]*Error{e})
		}
	default:
		return invalid([]*Error{FieldErrorf("decision", "Decision is required: agree or decline.").Keyed("error.contract.decision")})
	}
	return nil
}

// ContractFilter selects contracts.
type ContractFilter struct {
	Buyer     string // organisation code
	BuyerUser string
	Seller    string
	Division  string // the seller's division is inside this one
	Product   string
	Listing   string
	Status    string
	Limit     int
	Cursor    string
}

// --- reads of a traded product ---

// DecideProductRead decides a read of a product's content: the seller's users and the
// covering authority read it; a buyer reads it under a live delivery it holds (the one named
// when grant is not ""); nobody else.
func DecideProductRead(a *Actor, seller, division, product string, deliveries []*Grant, grant string, now time.Time) (*Grant, error) {
	if a.Anonymous() {
		return nil, Errorf(EUNAUTHORIZED, "Sign in to read a data product.").Keyed("error.product_read.sign_in")
	}
	if isSellerOrSupervisor(a, seller, division) {
		return nil, nil
	}
	for _, g := range deliveries {
		if g.Kind == KindTrade && g.Entry == product && g.Holds(a) && g.Live(now) && (grant == "" || g.ID == grant) {
			return g, nil
		}
	}
	return nil, Errorf(EFORBIDDEN, "You hold no live delivery of this product: buy it under a contract the seller agrees to first.").Keyed("error.product_read.no_contract")
}

// TradeTrace is what the record of trades says about a product or an entry: the listings,
// and the contracts with their buyers.
type TradeTrace struct {
	Listings  []*Listing  `json:"listings"`
	Contracts []*Contract `json:"contracts"`
}

// TradeService keeps model contracts, listings, their registration, contracts, deliveries
// and the contribution terms of non-public data. Authorisation is checked by the service
// with the domain's rules (the actor from ctx); every change records its audit event in its
// transaction.
type TradeService interface {
	// ModelContracts returns the model contracts, every version (retired ones too when all),
	// by code then version.
	ModelContracts(ctx context.Context, all bool) ([]*ModelContract, error)
	// ModelContract returns one version; ENOTFOUND.
	ModelContract(ctx context.Context, id string) (*ModelContract, error)
	// SaveModelContract writes a new version of the model contract m.Code (version 1 of a new
	// code; "" makes one) — "model_contract.create" (CanManageModelContracts).
	SaveModelContract(ctx context.Context, m *ModelContract) (*ModelContract, error)
	// RetireModelContract retires a version ("model_contract.retire"): listings can no
	// longer choose it; contracts made from it keep it.
	RetireModelContract(ctx context.Context, id string) (*ModelContract, error)

	// CreateListing stores a pending listing whose gate passed ("listing.create"); the caller
	// (CanListProduct) filled the product, sources, method, label and gate. ECONFLICT when
	// the product has a pending or listed listing already.
	CreateListing(ctx context.Context, l *Listing) (*Listing, error)
	// Listing returns one listing; ENOTFOUND.
	Listing(ctx context.Context, id string) (*Listing, error)
	// FindListings returns a page of listings, newest first, with the total.
	FindListings(ctx context.Context, f ListingFilter) ([]*Listing, int, string, error)
	// RegisterListing registers (issuing the number, signed by sign in the transaction) or
	// rejects a pending listing ("listing.register", "listing.reject"; CanRegisterListing).
	RegisterListing(ctx context.Context, id string, d *RegistrationDecision, sign RegistrationSigner) (*Listing, error)
	// WithdrawListing withdraws a pending or listed listing ("listing.withdraw"; the seller).
	WithdrawListing(ctx context.Context, id, reason string) (*Listing, error)
	// ListingByRegistration returns the listing a registration number was issued to.
	ListingByRegistration(ctx context.Context, number string) (*Listing, error)

	// CreateContract records the buyer's contract from the listing's model contract
	// ("contract.propose"; ValidateContractCreate).
	CreateContract(ctx context.Context, listing string, c *ContractCreate) (*Contract, error)
	// Contract returns one contract; ENOTFOUND.
	Contract(ctx context.Context, id string) (*Contract, error)
	// FindContracts returns a page of contracts, newest first, with the total.
	FindContracts(ctx context.Context, f ContractFilter) ([]*Contract, int, string, error)
	// DecideContract records the seller's agreement — then delivers the product as a grant
	// of kind KindTrade to the buyer until the contract's last day ("contract.agree",
	// "trade.deliver") in the same transaction — or refusal ("contract.decline").
	DecideContract(ctx context.Context, id string, d *ContractDecision) (*Contract, error)
	// TerminateContract revokes an agreed contract's delivery (the seller or the covering
	// authority; "contract.terminate").
	TerminateContract(ctx context.Context, id, reason string) (*Contract, error)
	// Deliveries returns the delivery grants f selects (Entry: a product), newest first.
	Deliveries(ctx context.Context, f GrantFilter) ([]*Grant, string, error)
	// LiveDeliveries returns the actor's live deliveries of the product at now.
	LiveDeliveries(ctx context.Context, a *Actor, product string, now time.Time) ([]*Grant, error)
	// Delivery returns one delivery grant; ENOTFOUND.
	Delivery(ctx context.Context, id string) (*Grant, error)
	// RecordProductRead records a read of a product's content ("product.read", object
	// "product:<id>"; package access, after DecideProductRead).
	RecordProductRead(ctx context.Context, p *Product, details map[string]any) error

	// SetContribution sets an entry's contribution terms ("contribution.set";
	// CanSetContribution).
	SetContribution(ctx context.Context, c *Contribution) (*Contribution, error)
	// Contribution returns an entry's terms; ENOTFOUND when it has none.
	Contribution(ctx context.Context, entry string) (*Contribution, error)
	// Contributions returns the terms of the organisation's entries, by entry. Who may see
	// them is the caller's check (the organisation's users; the terms of a listed product's
	// sources are disclosed with it).
	Contributions(ctx context.Context, org string) ([]*Contribution, error)

	// ProductTrades returns a product's listings and contracts (with their buyers).
	ProductTrades(ctx context.Context, product string) (*TradeTrace, error)
	// EntryTrades returns the listings of products made from the entry and their contracts.
	EntryTrades(ctx context.Context, entry string) (*TradeTrace, error)
}

// Notifications of trading (through the platform's notifications, as applications'):
const (
	NoticeListingPending    = "trade.listing_pending"    // a listing awaits registration: to the authority covering the seller
	NoticeListingRegistered = "trade.listing_registered" // registration granted: to the seller (the developer)
	NoticeListingRejected   = "trade.listing_rejected"   // registration refused: to the seller
	NoticeContractNew       = "trade.contract_new"       // a buyer's contract request: to the seller's admins and editors
	NoticeContractAgreed    = "trade.contract_agreed"    // the seller agreed: to the buyer
	NoticeContractDeclined  = "trade.contract_declined"  // the seller declined: to the buyer
	NoticeTradeDelivered    = "trade.delivered"          // the product was delivered: to the buyer
)

// tradeParty is one party of a trade: an organisation (Provider: every user of it) or a
// person (User).
func tradeParty(p NoticeParties) []Recipient {
	if p.Provider != "" {
		return []Recipient{{Org: p.Provider}}
	}
	return toUser(p)
}

func init() {
	NoticeRules[NoticeListingPending] = authorityDeciders
	NoticeRules[NoticeListingRegistered] = tradeParty
	NoticeRules[NoticeListingRejected] = tradeParty
	NoticeRules[NoticeContractNew] = func(p NoticeParties) []Recipient { return roles(p.Provider, RoleAdmin, RoleEditor) }
	NoticeRules[NoticeContractAgreed] = tradeParty
	NoticeRules[NoticeContractDeclined] = tradeParty
	NoticeRules[NoticeTradeDelivered] = tradeParty
}

// checkTradeText checks a text field: required, at most max characters.
func checkTradeText(field, label, labelKey, v string, required bool, max int) *Error {
	switch {
	case v == "" && required:
		return FieldErrorf(field, "%s is required.", label).Keyed("error.text.required", "Label", NewMessage(labelKey))
	case utf8.RuneCountInString(v) > max:
		return FieldErrorf(field, "%s must be at most %d characters.", label, max).Keyed("error.text.too_long", "Label", NewMessage(labelKey), "Max", max)
	}
	return nil
}
