package api

import (
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"net/http"
)

// MeView is the caller as /api/v1/me shows it.
type MeView struct {
	Username    string       `json:"username"`
	DisplayName string       `json:"display_name"`
	Org         *meOrgView   `json:"org"`
	Role        pubdata.Role `json:"role"`
}

type meOrgView struct {
	Code     string          `json:"code"`
	Name     string          `json:"name"`
	Kind     pubdata.OrgKind `json:"kind"`
	Division string          `json:"division"`
}

func newMeView(a *pubdata.Actor) MeView {
	v := MeView{Username: a.User.Username, DisplayName: a.User.DisplayName, Role: a.Role()}
	if a.Org != nil {
		v.Org = &meOrgView{Code: a.Org.Code, Name: a.Org.Name, Kind: a.Org.Kind, Division: a.Org.Division}
	}
	return v
}

func (s *Server) ApiMe(w http.ResponseWriter, r *http.Request) error {
	a, err := web.RequireUser(r)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, newMeView(a))
	return nil
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

func (s *Server) ApiLogin(w http.ResponseWriter, r *http.Request) error {
	var req loginRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	a, err := s.Login(w, r, req.Username, req.Password)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, newMeView(a))
	return nil
}

func (s *Server) ApiLogout(w http.ResponseWriter, r *http.Request) error {
	if err := s.Logout(w, r); err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]string{"status": "signed_out"})
	return nil
}

type registerRequest struct {
	Username    string `json:"username"`
	Password    string `json:"password"`
	DisplayName string `json:"display_name"`
}

// ApiRegister lets anyone create a public user (no organisation) for the open portal.
func (s *Server) ApiRegister(w http.ResponseWriter, r *http.Request) error {
	var req registerRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	uc := &pubdata.UserCreate{Username: req.Username, Password: req.Password, DisplayName: req.DisplayName}
	if err := pubdata.ValidateUserCreate(uc); err != nil {
		return err
	}
	u, err := s.Users.CreateUser(r.Context(), uc)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, u)
	return nil
}
