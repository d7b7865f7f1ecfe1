package web

import (
	"net/http"

	"github.com/pubdata/pubdata"
)

// The pages of trading (issue 16 item 5): the portal's marketplace and the console's pages
// for the authority and the sellers build their views here.

// MarketView is the marketplace (/market): the listed products, and the signed-in caller's
// own contracts as buyer.
type MarketView struct {
	Page
	Listings  []*pubdata.Listing
	Total     int
	Contracts []*pubdata.Contract
	Gate      pubdata.TradeSettings
	// CanSell: the caller belongs to an organisation (the console's trading page lists and
	// sells its products).
	CanSell bool
}

// MarketPage builds the marketplace.
func (s *Server) MarketPage(r *http.Request) (*MarketView, error) {
	svc, err := s.TradeService()
	if err != nil {
		return nil, err
	}
	v := &MarketView{Page: s.Base(r, false), Gate: s.TradeGate()}
	if v.Listings, v.Total, _, err = svc.FindListings(r.Context(), pubdata.ListingFilter{Status: pubdata.ListingListed, Limit: pubdata.MaxLimit}); err != nil {
		return nil, err
	}
	a := pubdata.ActorFromContext(r.Context())
	if !a.Anonymous() {
		f := pubdata.ContractFilter{Limit: 100}
		if a.Org != nil {
			f.Buyer = a.Org.Code
			v.CanSell = true
		} else {
			f.BuyerUser = a.Username()
		}
		if v.Contracts, _, _, err = svc.FindContracts(r.Context(), f); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// ListingView is a listed product's page (/market/{id}): the disclosure, the label, the
// registration, the gate's figures, the model contract, and for the seller and the
// authority the contracts and buyers.
type ListingView struct {
	Page
	Listing      *pubdata.Listing
	Model        *pubdata.ModelContract
	Registration *RegistrationCheck
	// Trace is the product's contracts and buyers, for the seller's users and the covering
	// authority (nil for others).
	Trace *pubdata.TradeTrace
	// CanBuy: a signed-in caller who is not the seller, on a listed product.
	CanBuy bool
	// The contract form (/market/{id}/buy): as entered, its problems, and the default until.
	Form   pubdata.ContractCreate
	Errors FormErrors
}

// ListingPage builds a listing's page (and its contract form).
func (s *Server) ListingPage(r *http.Request, id string) (*ListingView, error) {
	svc, err := s.TradeService()
	if err != nil {
		return nil, err
	}
	l, err := s.VisibleListing(r.Context(), id)
	if err != nil {
		return nil, err
	}
	v := &ListingView{Page: s.Base(r, false), Listing: l, Errors: FormErrors{}}
	if v.Model, err = svc.ModelContract(r.Context(), l.ModelContract); err != nil {
		return nil, err
	}
	if l.Registration != nil {
		if v.Registration, err = s.CheckRegistration(r.Context(), v.Lang, l.Registration.Number); err != nil {
			return nil, err
		}
	}
	a := pubdata.ActorFromContext(r.Context())
	if pubdata.CanSeeTrades(a, l.Seller, l.Division) {
		if v.Trace, err = svc.ProductTrades(r.Context(), l.Product); err != nil {
			return nil, err
		}
	}
	v.CanBuy = !a.Anonymous() && l.Status == pubdata.ListingListed && a.OrgCode() != l.Seller
	v.Form.Scope = v.Model.Scope
	return v, nil
}

// ContractView is a contract's page (/market-contracts/{id}, and the console's).
type ContractView struct {
	Page
	Contract *pubdata.Contract
	Delivery *pubdata.Grant
	// Download is the delivery's content link when the caller is the buyer and it is live.
	Download string
	CanAgree bool
	Errors   FormErrors
}

// ContractPage builds a contract's page.
func (s *Server) ContractPage(r *http.Request, id string, console bool) (*ContractView, error) {
	svc, err := s.TradeService()
	if err != nil {
		return nil, err
	}
	c, err := s.VisibleContract(r.Context(), id)
	if err != nil {
		return nil, err
	}
	a := pubdata.ActorFromContext(r.Context())
	v := &ContractView{Page: s.Base(r, console), Contract: c, CanAgree: pubdata.CanAgreeContract(a, c) && c.Status == pubdata.ContractProposed, Errors: FormErrors{}}
	if c.Delivery != "" {
		if v.Delivery, err = svc.Delivery(r.Context(), c.Delivery); err != nil {
			return nil, err
		}
		if v.Delivery.Holds(a) && v.Delivery.Live(s.Now()) {
			v.Download = "/api/v1/deliveries/" + c.Delivery + "/content"
		}
	}
	return v, nil
}

// TradingView is the console's trading page (/console/trading): for an authority, the
// registration queue and its division's listings and contracts; for an organisation's
// users, the form to list a product, its listings, its sales and their deliveries.
type TradingView struct {
	Page
	Authority bool
	Queue     []*pubdata.Listing // pending listings the caller may register
	Division  []*pubdata.Listing // the division's listings
	Sales     []*pubdata.Contract
	DivSales  []*pubdata.Contract
	Mine      []*pubdata.Listing
	Products  []*pubdata.Product // the organisation's products, to list
	Models    []*pubdata.ModelContract
	Licences  *pubdata.LicenseList
	CanList   bool
	Gate      pubdata.TradeSettings
	Form      pubdata.ListingCreate
	Errors    FormErrors
	// PriceModels are the price models offered.
	PriceModels []string
	// Rows of a form that refused: which listing or contract it was about.
	ErrorOf string
}

// TradingPage builds the console's trading page.
func (s *Server) TradingPage(r *http.Request) (*TradingView, error) {
	svc, err := s.TradeService()
	if err != nil {
		return nil, err
	}
	a, err := ConsoleActor(r)
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	v := &TradingView{Page: s.Base(r, true), Gate: s.TradeGate(), Errors: FormErrors{}, Form: pubdata.ListingCreate{PriceModel: pubdata.PriceFixed}, PriceModels: pubdata.PriceModels}
	if v.Models, err = svc.ModelContracts(ctx, false); err != nil {
		return nil, err
	}
	if v.Licences, err = s.LicenseList(ctx); err != nil {
		return nil, err
	}
	if a.IsAuthority() {
		v.Authority = true
		all, _, _, err := svc.FindListings(ctx, pubdata.ListingFilter{Division: a.Org.Division, Limit: pubdata.MaxLimit})
		if err != nil {
			return nil, err
		}
		for _, l := range all {
			if l.Status == pubdata.ListingPending && pubdata.CanRegisterListing(a, l) {
				v.Queue = append(v.Queue, l)
			}
		}
		v.Division = all
		if v.DivSales, _, _, err = svc.FindContracts(ctx, pubdata.ContractFilter{Division: a.Org.Division, Limit: pubdata.MaxLimit}); err != nil {
			return nil, err
		}
	}
	if a.Org != nil {
		if v.Mine, _, _, err = svc.FindListings(ctx, pubdata.ListingFilter{Seller: a.Org.Code, Limit: pubdata.MaxLimit}); err != nil {
			return nil, err
		}
		if v.Sales, _, _, err = svc.FindContracts(ctx, pubdata.ContractFilter{Seller: a.Org.Code, Limit: pubdata.MaxLimit}); err != nil {
			return nil, err
		}
		if pubdata.CanListProduct(a, a.Org.Code) && s.Products != nil {
			v.CanList = true
			if v.Products, err = s.Products.Products(ctx, pubdata.ProductFilter{OrgID: a.Org.Code, Limit: pubdata.MaxLimit}); err != nil {
				return nil, err
			}
		}
	}
	return v, nil
}

// ModelContractsView is the console's model contract editor (/console/trading/model-contracts).
type ModelContractsView struct {
	Page
	Models    []*pubdata.ModelContract
	CanManage bool
	Rules     []string
	Form      pubdata.ModelContract
	Errors    FormErrors
	// Fields are the form's text fields, in order.
	Fields []string
}

// Field is the form's value of a text field.
func (v *ModelContractsView) Field(name string) string {
	switch name {
	case "code":
		return v.Form.Code
	case "title":
		return v.Form.Title
	case "parties":
		return v.Form.Parties
	case "scope":
		return v.Form.Scope
	case "purpose":
		return v.Form.Purpose
	}
	return ""
}

// ModelContractsPage builds the editor (every version; the form for the platform
// authority's admins).
func (s *Server) ModelContractsPage(r *http.Request) (*ModelContractsView, error) {
	svc, err := s.TradeService()
	if err != nil {
		return nil, err
	}
	a, err := ConsoleActor(r)
	if err != nil {
		return nil, err
	}
	v := &ModelContractsView{Page: s.Base(r, true), CanManage: pubdata.CanManageModelContracts(a), Rules: pubdata.OnwardRules, Errors: FormErrors{},
		Fields: []string{"code", "title", "parties", "scope", "purpose"},
		Form:   pubdata.ModelContract{MaxMonths: 12, NoReidentification: true, OnwardTransfer: pubdata.OnwardForbidden}}
	if v.Models, err = svc.ModelContracts(r.Context(), true); err != nil {
		return nil, err
	}
	return v, nil
}
