package api

import (
	"net/http"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

// Trading of data products (issue 16 item 5): model contracts, listings and their
// registration, contracts, deliveries, contribution terms and the trade trace.

func (s *Server) ApiModelContracts(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.TradeService()
	if err != nil {
		return err
	}
	all := r.URL.Query().Get("all") == "1" && pubdata.CanManageModelContracts(pubdata.ActorFromContext(r.Context()))
	list, err := svc.ModelContracts(r.Context(), all)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, web.NewList(list, len(list), ""))
	return nil
}

func (s *Server) ApiModelContract(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.TradeService()
	if err != nil {
		return err
	}
	m, err := svc.ModelContract(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, m)
	return nil
}

func (s *Server) ApiModelContractCreate(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.TradeService()
	if err != nil {
		return err
	}
	var m pubdata.ModelContract
	if err := web.DecodeJSON(r, &m); err != nil {
		return err
	}
	out, err := svc.SaveModelContract(r.Context(), &m)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, out)
	return nil
}

func (s *Server) ApiModelContractRetire(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.TradeService()
	if err != nil {
		return err
	}
	m, err := svc.RetireModelContract(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, m)
	return nil
}

func (s *Server) ApiListings(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.TradeService()
	if err != nil {
		return err
	}
	f, err := web.TradeListingFilter(r)
	if err != nil {
		return err
	}
	list, total, next, err := svc.FindListings(r.Context(), f)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, web.NewList(list, total, next))
	return nil
}

func (s *Server) ApiListingCreate(w http.ResponseWriter, r *http.Request) error {
	var c pubdata.ListingCreate
	if err := web.DecodeJSON(r, &c); err != nil {
		return err
	}
	l, err := s.ListProduct(r.Context(), &c)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, l)
	return nil
}

func (s *Server) ApiListing(w http.ResponseWriter, r *http.Request) error {
	l, err := s.VisibleListing(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, l)
	return nil
}

func (s *Server) ApiListingRegister(w http.ResponseWriter, r *http.Request) error {
	var d pubdata.RegistrationDecision
	if err := web.DecodeJSON(r, &d); err != nil {
		return err
	}
	l, err := s.RegisterListing(r.Context(), r.PathValue("id"), &d)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, l)
	return nil
}

func (s *Server) ApiListingWithdraw(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.TradeService()
	if err != nil {
		return err
	}
	var b struct {
		Reason string `json:"reason"`
	}
	if err := web.DecodeJSON(r, &b); err != nil {
		return err
	}
	l, err := svc.WithdrawListing(r.Context(), r.PathValue("id"), b.Reason)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, l)
	return nil
}

func (s *Server) ApiContractCreate(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.TradeService()
	if err != nil {
		return err
	}
	if _, err := s.VisibleListing(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	var c pubdata.ContractCreate
	if err := web.DecodeJSON(r, &c); err != nil {
		return err
	}
	out, err := svc.CreateContract(r.Context(), r.PathValue("id"), &c)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, out)
	return nil
}

func (s *Server) ApiContracts(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.TradeService()
	if err != nil {
		return err
	}
	f, err := web.TradeContractFilter(r)
	if err != nil {
		return err
	}
	list, total, next, err := svc.FindContracts(r.Context(), f)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, web.NewList(list, total, next))
	return nil
}

func (s *Server) ApiContract(w http.ResponseWriter, r *http.Request) error {
	c, err := s.VisibleContract(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) ApiContractDecide(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.TradeService()
	if err != nil {
		return err
	}
	if _, err := s.VisibleContract(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	var d pubdata.ContractDecision
	if err := web.DecodeJSON(r, &d); err != nil {
		return err
	}
	c, err := svc.DecideContract(r.Context(), r.PathValue("id"), &d)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) ApiContractTerminate(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.TradeService()
	if err != nil {
		return err
	}
	if _, err := s.VisibleContract(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	var b struct {
		Reason string `json:"reason"`
	}
	if err := web.DecodeJSON(r, &b); err != nil {
		return err
	}
	c, err := svc.TerminateContract(r.Context(), r.PathValue("id"), b.Reason)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) ApiDeliveries(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.TradeService()
	if err != nil {
		return err
	}
	a, err := web.RequireUser(r)
	if err != nil {
		return err
	}
	limit, cursor, err := web.PageParams(r.URL.Query())
	if err != nil {
		return err
	}
	f := pubdata.GrantFilter{Limit: limit, Cursor: cursor}
	if a.Org != nil {
		f.Consumer = a.Org.Code
	} else {
		f.ConsumerUser = a.Username()
	}
	list, next, err := svc.Deliveries(r.Context(), f)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, web.NewList(list, len(list), next))
	return nil
}

func (s *Server) ApiDeliveryContent(w http.ResponseWriter, r *http.Request) error {
	return s.ServeDelivery(w, r, r.PathValue("id"))
}

func (s *Server) ApiProductTrades(w http.ResponseWriter, r *http.Request) error {
	tr, err := s.ProductTrades(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, tr)
	return nil
}

func (s *Server) ApiEntryTrades(w http.ResponseWriter, r *http.Request) error {
	tr, err := s.EntryTrades(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, tr)
	return nil
}

func (s *Server) ApiContribution(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.TradeService()
	if err != nil {
		return err
	}
	e, err := s.Entries.FindEntryByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	a := pubdata.ActorFromContext(r.Context())
	if !pubdata.CanViewWorkingCopy(a, e) && (e.Version == 0 || !pubdata.CanViewPublished(a, e)) {
		return pubdata.Errorf(pubdata.ENOTFOUND, "Entry %q was not found.", e.ID).Keyed("error.entry.not_found", "ID", e.ID)
	}
	c, err := svc.Contribution(r.Context(), e.ID)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) ApiContributionPut(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.TradeService()
	if err != nil {
		return err
	}
	var c pubdata.Contribution
	if err := web.DecodeJSON(r, &c); err != nil {
		return err
	}
	c.Entry = r.PathValue("id")
	out, err := svc.SetContribution(r.Context(), &c)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) ApiRegistration(w http.ResponseWriter, r *http.Request) error {
	c, err := s.CheckRegistration(r.Context(), "", r.PathValue("number"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, c)
	return nil
}
