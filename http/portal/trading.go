package portal

import (
	"net/http"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

// The marketplace (issue 16 item 5): listed data products, a product's page with its
// disclosure and label, the contract form from the model contract, and the buyer's contracts.

func (s *Server) PageMarket(w http.ResponseWriter, r *http.Request) error {
	v, err := s.MarketPage(r)
	if err != nil {
		return err
	}
	return s.Render(w, r, "market", http.StatusOK, v)
}

func (s *Server) PageMarketListing(w http.ResponseWriter, r *http.Request) error {
	v, err := s.ListingPage(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.Render(w, r, "market_listing", http.StatusOK, v)
}

func (s *Server) PageMarketBuy(w http.ResponseWriter, r *http.Request) error {
	v, err := s.ListingPage(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	if !v.CanBuy {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "The product is your organisation's own or is not listed: it cannot be bought.").Keyed("error.contract.own")
	}
	return s.Render(w, r, "market_buy", http.StatusOK, v)
}

func (s *Server) PageMarketBuySubmit(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.TradeService()
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	id := r.PathValue("id")
	v, err := s.ListingPage(r, id)
	if err != nil {
		return err
	}
	f := r.PostForm
	v.Form = pubdata.ContractCreate{Purpose: f.Get("purpose"), Scope: f.Get("scope"), Until: f.Get("until"), Accept: f.Get("accept") != ""}
	c, err := svc.CreateContract(r.Context(), id, &v.Form)
	if err != nil {
		if !web.FormError(err) {
			return err
		}
		web.SetFormErrors(v.Lang, v.Errors, err)
		return s.Render(w, r, "market_buy", http.StatusUnprocessableEntity, v)
	}
	web.Redirect(w, r, web.WithQuery("/market-contracts/"+c.ID, "proposed", "1"))
	return nil
}

func (s *Server) PageMarketContract(w http.ResponseWriter, r *http.Request) error {
	v, err := s.ContractPage(r, r.PathValue("id"), false)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("proposed") != "" {
		v.Flash = web.Translate(v.Lang, "trade.flash.proposed")
	}
	return s.Render(w, r, "market_contract", http.StatusOK, v)
}
