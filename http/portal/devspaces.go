package portal

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

// --- development spaces for developers (issue 16 items 3 and 4): apply, my spaces, a space's
// page with its data, its work (the anonymiser), its reports and its products ---

// PageDevSpaces is GET /devspaces: the caller's spaces.
func (s *Server) PageDevSpaces(w http.ResponseWriter, r *http.Request) error {
	v, err := s.SpacesPage(r, false)
	if err != nil {
		return err
	}
	return s.Render(w, r, "devspaces", http.StatusOK, v)
}

// PageDevSpaceNew is GET /devspaces/new?entry=: the application form.
func (s *Server) PageDevSpaceNew(w http.ResponseWriter, r *http.Request) error {
	v, err := s.SpaceApplyPage(r)
	if err != nil {
		return err
	}
	return s.Render(w, r, "devspace_new", http.StatusOK, v)
}

// PageDevSpaceApply is POST /devspaces: the application.
func (s *Server) PageDevSpaceApply(w http.ResponseWriter, r *http.Request) error {
	v, err := s.SpaceApplyPage(r)
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	app, form := web.SpaceApplication(r)
	sp, err := s.DevSpaces.ApplyForSpace(r.Context(), app)
	if err == nil {
		web.Redirect(w, r, web.WithQuery("/devspaces/"+sp.ID, "done", "applied"))
		return nil
	}
	if !web.ErrorIs(err, pubdata.EINVALID) {
		return err
	}
	v.Form, v.Errors = form, web.ErrorFields(v.Lang, err)
	if v.Errors == nil {
		v.Errors = web.FormErrors{}
	}
	v.Errors[""] = web.ErrorText(v.Lang, err)
	return s.Render(w, r, "devspace_new", http.StatusBadRequest, v)
}

// PageDevSpace is GET /devspaces/{id}.
func (s *Server) PageDevSpace(w http.ResponseWriter, r *http.Request) error {
	v, err := s.SpacePage(r, r.PathValue("id"), false)
	if err != nil {
		return err
	}
	return s.Render(w, r, "devspace", http.StatusOK, v)
}

// spaceAction runs a developer's action from the space's page: on success back to the page
// with done; on a problem with the input or the space's state, the page again with it.
func (s *Server) spaceAction(w http.ResponseWriter, r *http.Request, done string, act func(sp string) (map[string]string, error)) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	id := r.PathValue("id")
	if _, err := s.SpaceFor(r, id); err != nil {
		return err
	}
	form, err := act(id)
	if err == nil {
		web.Redirect(w, r, web.WithQuery("/devspaces/"+id, "done", done)+"#"+done)
		return nil
	}
	if !web.ErrorIs(err, pubdata.EINVALID) && !web.ErrorIs(err, pubdata.ECONFLICT) {
		return err
	}
	r.URL.RawQuery = ""
	v, verr := s.SpacePage(r, id, false)
	if verr != nil {
		return verr
	}
	for k, x := range form {
		v.Form[k] = x
	}
	v.Errors[""] = web.ErrorText(v.Lang, err)
	for k, x := range web.ErrorFields(v.Lang, err) {
		v.Errors[k] = x
	}
	return s.Render(w, r, "devspace", web.ErrorStatus(err), v)
}

// PageDevSpaceReport is POST /devspaces/{id}/reports (usage, outputs).
func (s *Server) PageDevSpaceReport(w http.ResponseWriter, r *http.Request) error {
	return s.spaceAction(w, r, "reported", func(id string) (map[string]string, error) {
		usage, outputs := r.PostForm.Get("usage"), r.PostForm.Get("outputs")
		_, err := s.DevSpaces.FileSpaceReport(r.Context(), id, usage, outputs)
		return map[string]string{"usage": usage, "outputs": outputs}, err
	})
}

// PageDevSpaceAnonymise is POST /devspaces/{id}/anonymise: a run of the anonymiser.
func (s *Server) PageDevSpaceAnonymise(w http.ResponseWriter, r *http.Request) error {
	return s.spaceAction(w, r, "anonymised", func(id string) (map[string]string, error) {
		req, form, err := web.SpaceRunForm(r)
		if err != nil {
			return form, err
		}
		sp, err := s.SpaceFor(r, id)
		if err != nil {
			return form, err
		}
		_, err = s.SpaceAnonymise(r, sp, req)
		return form, err
	})
}

// PageDevSpaceProduct is POST /devspaces/{id}/products: registers a product (a table from a
// run; another kind from entries of the space).
func (s *Server) PageDevSpaceProduct(w http.ResponseWriter, r *http.Request) error {
	return s.spaceAction(w, r, "registered", func(id string) (map[string]string, error) {
		f := r.PostForm
		reg := &pubdata.ProductRegistration{SpaceID: id, Title: f.Get("title"), Description: f.Get("description"), Kind: pubdata.ProductKind(f.Get("kind")),
			RunID: f.Get("run"), Entries: f["entries"], AccessURL: f.Get("access_url"), Processing: pubdata.ProductProcessing{Notes: f.Get("notes")},
			DerivedFrom: f.Get("derived_from")}
		// A product without a table: the aggregate-only declaration (the trade gate's).
		if agg, size := f.Get("aggregate_only") == "1", strings.TrimSpace(f.Get("min_group_size")); agg || size != "" {
			n, err := strconv.Atoi(size)
			if err != nil && size != "" {
				return map[string]string{"product_title": reg.Title}, pubdata.FieldErrorf("min_group_size", "The minimum group size must be a whole number, not %q.", size).Keyed("error.product.min_group_number", "Value", size)
			}
			reg.Declaration = &pubdata.ProductDeclaration{AggregateOnly: agg, MinGroupSize: n, Statement: f.Get("statement")}
		}
		_, err := s.Products.CreateProduct(r.Context(), reg, s.PlatformName)
		return map[string]string{"product_title": reg.Title}, err
	})
}

// PageProduct is GET /products/{id}: a product with its label, sources and processing.
func (s *Server) PageProduct(w http.ResponseWriter, r *http.Request) error {
	v, err := s.ProductPage(r, r.PathValue("id"), false)
	if err != nil {
		return err
	}
	return s.Render(w, r, "product", http.StatusOK, v)
}

// PageProductContent is GET /products/{id}/content: the product's content for those who may
// download it (web.ServeProductContent); anyone else gets the 403 page naming who may.
func (s *Server) PageProductContent(w http.ResponseWriter, r *http.Request) error {
	return s.ServeProductContent(w, r, r.PathValue("id"))
}
