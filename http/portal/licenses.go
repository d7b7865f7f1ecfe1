package portal

import (
	"net/http"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

// The public licence page (/licenses): the licences open data is published under, each at
// its anchor (#id, the address of a licence without a URL of its own), and the defaults.

// publicLicense is a licence on the page.
type publicLicense struct {
	*pubdata.License
	Title     string
	DefaultOf []string // labels of the open classes it is the default of
}

type publicLicensesView struct {
	web.Page
	Licenses []publicLicense
}

func (s *Server) PageLicenses(w http.ResponseWriter, r *http.Request) error {
	if s.Licenses == nil {
		return web.ErrNoLicenses
	}
	list, err := s.Licenses.FindLicenses(r.Context())
	if err != nil {
		return err
	}
	v := publicLicensesView{Page: s.Base(r, false)}
	for _, l := range list.Licenses {
		pl := publicLicense{License: l, Title: l.TitleIn(v.Lang)}
		for _, c := range pubdata.LicenseClasses {
			if list.Defaults[c] == l.ID {
				pl.DefaultOf = append(pl.DefaultOf, "entry.open."+c)
			}
		}
		v.Licenses = append(v.Licenses, pl)
	}
	return s.Render(w, r, "portal_licenses", http.StatusOK, v)
}
