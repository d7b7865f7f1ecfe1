package portal

import (
	"net/http"
	"sort"
	"strconv"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

// The certificate holder's part of /account (issue 14 item 4): a person states their
// identity (verified at a counter); a holder gives and withdraws consents that a public
// body obtain their certificates, and sees which bodies obtained them, when, for what and
// on which basis.

// holderView is the holder's part of the account page.
type holderView struct {
	// Person: the account is a person's (it may state an identity); Identity is what it
	// stated (nil: nothing yet).
	Person   bool
	Identity *pubdata.PersonIdentity
	// Withdrawn: the person has just withdrawn their statement.
	Withdrawn bool
	// IsHolder: the account holds certificates (a company, or a verified person); Manage:
	// it may give and withdraw consents.
	IsHolder bool
	Manage   bool
	Consents []consentRow
	Uses     []*pubdata.CertificateUse
	// Bodies are the public bodies and authorities a consent may name; Registers the
	// registers of the holder's certificates (a consent may be limited to one).
	Bodies    []*pubdata.Org
	Registers []holderRegister
	// The forms' values and problems after a refused post.
	IdentityErrors web.FormErrors
	RealName       string
	ConsentErrors  web.FormErrors
	ConsentOrg     string
	ConsentEntry   string
	ConsentPurpose string
	ConsentDays    string
}

// consentRow is a consent with its state: active, withdrawn or expired.
type consentRow struct {
	*pubdata.CertificateConsent
	State string
}

// holderRegister is a register the holder has a certificate of.
type holderRegister struct{ ID, Title string }

// maxConsentBodies is the most public bodies the consent form offers.
const maxConsentBodies = 500

func (s *Server) holderAccountView(r *http.Request, a *pubdata.Actor) (*holderView, error) {
	ctx := r.Context()
	v := &holderView{Person: a.Org == nil, ConsentDays: "30", Withdrawn: r.URL.Query().Get("identity_withdrawn") == "1"}
	var err error
	if v.Person {
		if v.Identity, err = s.MyIdentity(ctx); err != nil {
			return nil, err
		}
		if v.Identity != nil {
			v.RealName = v.Identity.RealName
		}
	}
	h, certs, consents, uses, err := s.MyHolderCertificates(ctx)
	if err != nil || h == nil {
		return v, err
	}
	v.IsHolder, v.Manage, v.Uses = true, h.Manage, uses
	now := s.Now()
	for _, c := range consents {
		state := "active"
		switch {
		case c.WithdrawnAt != nil:
			state = "withdrawn"
		case !c.Active(now):
			state = "expired"
		}
		v.Consents = append(v.Consents, consentRow{CertificateConsent: c, State: state})
	}
	seen := map[string]bool{}
	for _, c := range certs {
		if !seen[c.Entry] {
			seen[c.Entry] = true
			v.Registers = append(v.Registers, holderRegister{ID: c.Entry, Title: c.EntryTitle})
		}
	}
	if v.Manage {
		for _, kind := range []pubdata.OrgKind{pubdata.KindPublicBody, pubdata.KindAuthority} {
			list, _, _, err := s.Orgs.FindOrgs(ctx, pubdata.OrgFilter{Kind: kind, Limit: maxConsentBodies})
			if err != nil {
				return nil, err
			}
			v.Bodies = append(v.Bodies, list...)
		}
		sort.Slice(v.Bodies, func(i, j int) bool { return v.Bodies[i].Code < v.Bodies[j].Code })
	}
	return v, nil
}

// rerenderAccount shows /account again with a form's problems (400).
func (s *Server) rerenderAccount(w http.ResponseWriter, r *http.Request, a *pubdata.Actor, set func(h *holderView)) error {
	v, err := s.portalAccount(r, a)
	if err != nil {
		return err
	}
	if v.Holder == nil {
		v.Holder = &holderView{}
	}
	set(v.Holder)
	return s.Render(w, r, "portal_account", http.StatusBadRequest, v)
}

// PageIdentitySubmit is POST /account/identity {real_name, resident_id}: a person states
// their identity, to be verified at a counter.
func (s *Server) PageIdentitySubmit(w http.ResponseWriter, r *http.Request) error {
	a, err := web.RequireUser(r)
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	name := r.PostForm.Get("real_name")
	if _, err := s.ClaimIdentity(r, name, r.PostForm.Get("resident_id")); err != nil {
		if pubdata.ErrorCode(err) != pubdata.EINVALID {
			return err
		}
		return s.rerenderAccount(w, r, a, func(h *holderView) {
			h.IdentityErrors, h.RealName = web.FieldErrors(web.LangFrom(r.Context()), err, "real_name", "resident_id"), name
		})
	}
	web.Redirect(w, r, "/account?identity=1#account-identity")
	return nil
}

// PageIdentityWithdraw is POST /account/identity/withdraw: a person withdraws their
// statement of identity before it is verified.
func (s *Server) PageIdentityWithdraw(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.WithdrawIdentity(r); err != nil {
		return err
	}
	web.Redirect(w, r, "/account?identity_withdrawn=1#account-identity")
	return nil
}

// PageConsentSubmit is POST /account/certificate-consents {org, entry, purpose, days}.
func (s *Server) PageConsentSubmit(w http.ResponseWriter, r *http.Request) error {
	a, err := web.RequireUser(r)
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	f := r.PostForm
	days, convErr := strconv.Atoi(f.Get("days"))
	if convErr != nil {
		days = 0
	}
	if _, err := s.GrantConsent(r, f.Get("org"), f.Get("entry"), f.Get("purpose"), days); err != nil {
		if pubdata.ErrorCode(err) != pubdata.EINVALID {
			return err
		}
		return s.rerenderAccount(w, r, a, func(h *holderView) {
			h.ConsentErrors = web.FieldErrors(web.LangFrom(r.Context()), err, "org", "entry", "purpose", "days")
			h.ConsentOrg, h.ConsentEntry, h.ConsentPurpose, h.ConsentDays = f.Get("org"), f.Get("entry"), f.Get("purpose"), f.Get("days")
		})
	}
	web.Redirect(w, r, "/account?consent=1#account-consents")
	return nil
}

// PageConsentWithdraw is POST /account/certificate-consents/{id}/withdraw.
func (s *Server) PageConsentWithdraw(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.WithdrawConsent(r, r.PathValue("id")); err != nil {
		return err
	}
	web.Redirect(w, r, "/account?withdrawn=1#account-consents")
	return nil
}
