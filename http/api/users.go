package api

import (
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"net/http"
	"strings"
)

func (s *Server) ApiUserList(w http.ResponseWriter, r *http.Request) error {
	a, err := web.RequireUser(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	public := false
	switch v := q.Get("public"); v {
	case "", "false":
	case "true":
		public = true
	default:
		return web.ParamError("public", pubdata.NewMessage("error.param.bool", "Value", v), "must be true or false, not %q.", v)
	}
	org := strings.TrimSpace(q.Get("org"))
	if public && org != "" {
		return web.ParamError("public", pubdata.NewMessage("error.param.public_with_org"), "cannot be combined with org.")
	}
	limit, cursor, err := web.PageParams(q)
	if err != nil {
		return err
	}
	f, err := s.UserListFilter(r, a, org, public)
	if err != nil {
		return err
	}
	f.Limit, f.Cursor = limit, cursor
	users, total, next, err := s.Users.FindUsers(r.Context(), f)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, web.NewList(users, total, next))
	return nil
}

type userCreateRequest struct {
	Username    string       `json:"username"`
	Password    string       `json:"password"`
	DisplayName string       `json:"display_name"`
	Org         string       `json:"org"`
	Role        pubdata.Role `json:"role"`
}

func (s *Server) ApiUserCreate(w http.ResponseWriter, r *http.Request) error {
	if _, err := web.RequireUser(r); err != nil {
		return err
	}
	var req userCreateRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	u, err := s.CreateUser(r, &pubdata.UserCreate{
		Username: req.Username, Password: req.Password, DisplayName: req.DisplayName,
		OrgCode: req.Org, Role: req.Role,
	})
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, u)
	return nil
}
