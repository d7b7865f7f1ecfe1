package web

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/dcat"
)

// The licence list as the audiences read it: the licences, the defaults of the open classes,
// and an entry's effective licence with its address.

// LicenseList returns the licence list; an empty one when the server keeps none.
func (s *Server) LicenseList(ctx context.Context) (*pubdata.LicenseList, error) {
	if s.Licenses == nil {
		return &pubdata.LicenseList{Defaults: map[string]string{}}, nil
	}
	return s.Licenses.FindLicenses(ctx)
}

// LicenseURL is the address of a licence: its URL, else its part of the platform's licence
// page (/licenses#id) under base ("" for a path on this host).
func LicenseURL(base string, l *pubdata.License) string {
	if l.URL != "" {
		return l.URL
	}
	return base + "/licenses#" + url.PathEscape(l.ID)
}

// dcatLicence is a licence as the DCAT export names it.
func dcatLicence(base string, l *pubdata.License) *dcat.Licence {
	if l == nil {
		return nil
	}
	return &dcat.Licence{IRI: LicenseURL(base, l), ID: l.ID, Title: []dcat.Label{{Lang: "zh", Text: l.Title}, {Lang: "en", Text: l.TitleEn}}}
}

// EntryLicenseView is an entry's licence on a page.
type EntryLicenseView struct {
	ID, Title, URL string
	Default        bool // the entry names none: its open class's default
}

// EntryLicense returns the view of an entry's effective licence in lang; nil when it has none.
func EntryLicense(list *pubdata.LicenseList, f *pubdata.EntryFields, lang string) *EntryLicenseView {
	l := list.For(f)
	if l == nil {
		return nil
	}
	return &EntryLicenseView{ID: l.ID, Title: l.TitleIn(lang), URL: LicenseURL("", l), Default: f.License == ""}
}

// DataUpdated returns when an entry's data last changed (its last batch), nil for an entry
// without a table or one never loaded.
func (s *Server) DataUpdated(ctx context.Context, e *pubdata.Entry) (*time.Time, error) {
	if s.Data == nil || e.Format != pubdata.FormatTable {
		return nil, nil
	}
	st, err := s.Data.TableStats(ctx, e.ID)
	if ErrorIs(err, pubdata.ENOTFOUND) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return st.LastLoadedAt, nil
}

// dcatLicenses fills the site's licences: the catalogue's (the default of unconditional
// open entries) and each entry's.
func (s *Server) dcatLicenses(r *http.Request, site *dcat.Site) error {
	list, err := s.LicenseList(r.Context())
	if err != nil {
		return err
	}
	site.License = dcatLicence(site.Base, list.Find(list.Defaults[pubdata.ClassUnconditional]))
	site.EntryLicense = func(e *pubdata.Entry) *dcat.Licence { return dcatLicence(site.Base, list.For(&e.EntryFields)) }
	return nil
}

// ErrNoLicenses answers the licence routes of a server that keeps no licence list.
var ErrNoLicenses = pubdata.Errorf(pubdata.ENOTFOUND, "The licence list is not enabled on this server.").Keyed("error.not_available.licenses")

// ErrLicensesForbidden refuses the licence list's pages to a caller who may not see (a
// public user) or change (anyone but an admin of the platform's authority) it.
var ErrLicensesForbidden = pubdata.Errorf(pubdata.EFORBIDDEN, "Only an administrator of the platform's (provincial) authority may change the licence list.").Keyed("error.license.forbidden")
