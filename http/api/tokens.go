package api

import (
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"net/http"
)

func (s *Server) ApiTokenList(w http.ResponseWriter, r *http.Request) error {
	a, err := web.RequireUser(r)
	if err != nil {
		return err
	}
	tokens, err := s.Tokens.FindTokens(r.Context(), a.User.ID)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, web.NewList(tokens, len(tokens), ""))
	return nil
}

type tokenCreateRequest struct {
	Name    string `json:"name"`
	Expires string `json:"expires"`
}

type TokenCreateReply struct {
	Token  *pubdata.Token `json:"token"`
	Secret string         `json:"secret"`
}

func (s *Server) ApiTokenCreate(w http.ResponseWriter, r *http.Request) error {
	if _, err := web.RequireUser(r); err != nil {
		return err
	}
	var req tokenCreateRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	t, secret, err := s.CreateToken(r, req.Name, req.Expires)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, TokenCreateReply{Token: t, Secret: secret})
	return nil
}

func (s *Server) ApiTokenRevoke(w http.ResponseWriter, r *http.Request) error {
	t, err := s.RevokeToken(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, t)
	return nil
}
