package console

import (
	"net/http"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

// --- development spaces in the console (issue 16 items 3 and 4): the authority's review
// queue (approve or refuse with a reason, suspend and reinstate), the providers' decisions
// on their conditional entries, the first-level operators' view of every space ---

// PageDevSpaces is GET /console/devspaces.
func (s *Server) PageDevSpaces(w http.ResponseWriter, r *http.Request) error {
	v, err := s.SpacesPage(r, true)
	if err != nil {
		return err
	}
	return s.Render(w, r, "devspaces", http.StatusOK, v)
}

// PageDevSpace is GET /console/devspaces/{id}.
func (s *Server) PageDevSpace(w http.ResponseWriter, r *http.Request) error {
	v, err := s.SpacePage(r, r.PathValue("id"), true)
	if err != nil {
		return err
	}
	return s.Render(w, r, "devspace", http.StatusOK, v)
}

// PageDevSpaceStep is POST /console/devspaces/{id}/{step} (decide: decision, reason;
// suspend, reinstate: reason) and POST /console/devspaces/{id}/entries/{entry}/decide.
func (s *Server) PageDevSpaceStep(step string) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := web.ParseForm(r); err != nil {
			return err
		}
		id := r.PathValue("id")
		if _, err := s.SpaceFor(r, id); err != nil {
			return err
		}
		reason, approve := r.PostForm.Get("reason"), r.PostForm.Get("decision") == "approve"
		ctx := r.Context()
		var err error
		switch step {
		case "decide":
			_, err = s.DevSpaces.DecideSpace(ctx, id, approve, reason)
		case "entry":
			_, err = s.DevSpaces.DecideSpaceEntry(ctx, id, r.PathValue("entry"), approve, reason)
		case "suspend":
			_, err = s.DevSpaces.SuspendSpace(ctx, id, reason)
		case "reinstate":
			_, err = s.DevSpaces.ReinstateSpace(ctx, id, reason)
		case "close":
			_, err = s.DevSpaces.CloseSpace(ctx, id, reason)
		}
		if err == nil {
			web.Redirect(w, r, web.WithQuery("/console/devspaces/"+id, "done", step))
			return nil
		}
		if !web.ErrorIs(err, pubdata.EINVALID) && !web.ErrorIs(err, pubdata.ECONFLICT) {
			return err
		}
		r.URL.RawQuery = ""
		v, verr := s.SpacePage(r, id, true)
		if verr != nil {
			return verr
		}
		v.Form["reason"] = reason
		v.Errors[""] = web.ErrorText(v.Lang, err)
		return s.Render(w, r, "devspace", web.ErrorStatus(err), v)
	}
}

// PageProduct is GET /console/products/{id}.
func (s *Server) PageProduct(w http.ResponseWriter, r *http.Request) error {
	v, err := s.ProductPage(r, r.PathValue("id"), true)
	if err != nil {
		return err
	}
	return s.Render(w, r, "product", http.StatusOK, v)
}
