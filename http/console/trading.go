package console

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

// Trading (issue 16 item 5): the authority's registration queue, listings and contracts;
// the sellers' listing form, listings, sales and deliveries; the model contract editor.

func (s *Server) PageTrading(w http.ResponseWriter, r *http.Request) error {
	v, err := s.TradingPage(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if f := q.Get("done"); f != "" {
		v.Flash = tradeFlash(v.Lang, f)
	}
	if e := q.Get("error"); e != "" {
		v.Errors[""] = e
	}
	return s.Render(w, r, "trading", http.StatusOK, v)
}

// tradeFlash is the flash message of an outcome.
func tradeFlash(lang, f string) string {
	switch f {
	case "listed":
		return web.Translate(lang, "trade.flash.listed")
	case "registered":
		return web.Translate(lang, "trade.flash.registered")
	case "rejected":
		return web.Translate(lang, "trade.flash.rejected")
	case "withdrawn":
		return web.Translate(lang, "trade.flash.withdrawn")
	case "agreed":
		return web.Translate(lang, "trade.flash.agreed")
	case "declined":
		return web.Translate(lang, "trade.flash.declined")
	}
	return web.Translate(lang, "trade.flash.saved")
}

// tradingBack returns to the trading page with the outcome, or the form's problem.
func tradingBack(w http.ResponseWriter, r *http.Request, done string, err error) error {
	switch {
	case err == nil:
		web.Redirect(w, r, web.WithQuery("/console/trading", "done", done))
	case web.FormError(err):
		web.Redirect(w, r, web.WithQuery("/console/trading", "error", web.ErrorText(web.LangFrom(r.Context()), err)))
	default:
		return err
	}
	return nil
}

func (s *Server) PageTradingList(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	f := r.PostForm
	c := &pubdata.ListingCreate{Product: f.Get("product"), Licence: f.Get("licence"), PriceModel: f.Get("price_model"), Price: f.Get("price"),
		Description: f.Get("description"), ModelContract: f.Get("model_contract")}
	_, err := s.ListProduct(r.Context(), c)
	if err != nil && web.FormError(err) {
		v, verr := s.TradingPage(r)
		if verr != nil {
			return verr
		}
		v.Form = *c
		web.SetFormErrors(v.Lang, v.Errors, err)
		return s.Render(w, r, "trading", http.StatusUnprocessableEntity, v)
	}
	return tradingBack(w, r, "listed", err)
}

func (s *Server) PageTradingRegister(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	d := &pubdata.RegistrationDecision{Decision: r.PostForm.Get("decision"), Reason: r.PostForm.Get("reason")}
	_, err := s.RegisterListing(r.Context(), r.PathValue("id"), d)
	done := "registered"
	if d.Decision == "reject" {
		done = "rejected"
	}
	return tradingBack(w, r, done, err)
}

func (s *Server) PageTradingWithdraw(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.TradeService()
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	_, err = svc.WithdrawListing(r.Context(), r.PathValue("id"), r.PostForm.Get("reason"))
	return tradingBack(w, r, "withdrawn", err)
}

func (s *Server) PageTradingDecide(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.TradeService()
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	if _, err := s.VisibleContract(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	d := &pubdata.ContractDecision{Decision: r.PostForm.Get("decision"), Reason: r.PostForm.Get("reason")}
	_, err = svc.DecideContract(r.Context(), r.PathValue("id"), d)
	done := "agreed"
	if d.Decision == "decline" {
		done = "declined"
	}
	return tradingBack(w, r, done, err)
}

func (s *Server) PageTradingContract(w http.ResponseWriter, r *http.Request) error {
	v, err := s.ContractPage(r, r.PathValue("id"), true)
	if err != nil {
		return err
	}
	return s.Render(w, r, "trading_contract", http.StatusOK, v)
}

func (s *Server) PageModelContracts(w http.ResponseWriter, r *http.Request) error {
	v, err := s.ModelContractsPage(r)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("saved") != "" {
		v.Flash = web.Translate(v.Lang, "trade.flash.model_saved")
	}
	return s.Render(w, r, "model_contracts", http.StatusOK, v)
}

func (s *Server) PageModelContractSave(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.TradeService()
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	f := r.PostForm
	months, err := strconv.Atoi(strings.TrimSpace(f.Get("max_months")))
	if err != nil {
		months = 0 // refused by the domain's check, naming the field
	}
	m := &pubdata.ModelContract{Code: f.Get("code"), Title: f.Get("title"), Parties: f.Get("parties"), Scope: f.Get("scope"), Purpose: f.Get("purpose"),
		MaxMonths: months, NoReidentification: f.Get("no_reidentification") != "", OnwardTransfer: f.Get("onward_transfer"), Clauses: f.Get("clauses")}
	if _, err := svc.SaveModelContract(r.Context(), m); err != nil {
		if !web.FormError(err) {
			return err
		}
		v, verr := s.ModelContractsPage(r)
		if verr != nil {
			return verr
		}
		v.Form = *m
		web.SetFormErrors(v.Lang, v.Errors, err)
		return s.Render(w, r, "model_contracts", http.StatusUnprocessableEntity, v)
	}
	web.Redirect(w, r, "/console/trading/model-contracts?saved=1")
	return nil
}

func (s *Server) PageModelContractRetire(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.TradeService()
	if err != nil {
		return err
	}
	if _, err := svc.RetireModelContract(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	web.Redirect(w, r, "/console/trading/model-contracts?saved=1")
	return nil
}

// PageContributions is GET /console/contributions: a non-public unit's entries with their
// contribution terms (B7), and the form its admins and editors set them with.
func (s *Server) PageContributions(w http.ResponseWriter, r *http.Request) error {
	v, err := s.ContributionsPage(r)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("done") != "" {
		v.Flash = web.Translate(v.Lang, "contribution.saved")
	}
	return s.Render(w, r, "contributions", http.StatusOK, v)
}

// PageContributionSave is POST /console/contributions: sets an entry's terms.
func (s *Server) PageContributionSave(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	form, c := web.ParseContributionForm(r)
	_, err := s.SaveContribution(r.Context(), c)
	if err != nil && web.FormError(err) && !web.ErrorIs(err, pubdata.EFORBIDDEN) {
		r.URL.RawQuery = ""
		v, verr := s.ContributionsPage(r)
		if verr != nil {
			return verr
		}
		v.Form = form
		web.SetFormErrors(v.Lang, v.Errors, err)
		v.Errors[""] = web.ErrorText(v.Lang, err)
		return s.Render(w, r, "contributions", http.StatusUnprocessableEntity, v)
	}
	if err != nil {
		return err
	}
	web.Redirect(w, r, web.WithQuery("/console/contributions", "done", "saved"))
	return nil
}
