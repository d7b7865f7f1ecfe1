package dcat

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pubdata/pubdata"
)

// fileTypes are the EU file types of the formats a file entry's file may have.
var fileTypes = map[string]string{
	"PDF": "PDF", "DOCX": "DOCX", "XLSX": "XLSX", "ZIP": "ZIP", "PNG": "PNG", "JPEG": "JPEG",
	"GIF": "GIF", "WEBP": "WEBP", "CSV": "CSV", "TXT": "TXT",
}

// FileDownloadURL is where the latest version of a file of entry entryID is downloaded.
func (s *Site) FileDownloadURL(entryID, fileID string) string {
	return s.Base + "/downloads/" + url.PathEscape(entryID) + "/files/" + url.PathEscape(fileID)
}

// FileDistributions adds to g one distribution per current file of the file entry e (its
// dataset is in g, from Dataset or Catalog): the file's latest version with its
// dcat:downloadURL, dct:format (EU file type), dcat:mediaType (IANA), dcat:byteSize (as
// measured), the entry's licence, availability, the SHA-256 and SM3 (pubdata's own terms),
// title, description and dates. Withdrawn files are not given.
func (s *Site) FileDistributions(g *Graph, e *pubdata.Entry, files []*pubdata.EntryFile) {
	d := s.DatasetIRI(e.ID)
	for _, f := range files {
		if f.Status != pubdata.FileCurrent || f.Entry != e.ID {
			continue
		}
		v := f.Latest
		dist := d + "#file-" + url.PathEscape(f.ID)
		g.Add(d, NSDCAT+"distribution", IRI(dist))
		g.Type(dist, NSDCAT+"Distribution")
		g.Add(dist, NSDCT+"identifier", Text(f.ID, ""))
		g.Add(dist, NSDCT+"title", Text(f.Title, Lang))
		if desc := strings.TrimSpace(f.Description); desc != "" {
			g.Add(dist, NSDCT+"description", Text(desc, Lang))
		}
		download := s.FileDownloadURL(e.ID, f.ID)
		g.Add(dist, NSDCAT+"accessURL", IRI(download))
		g.Add(dist, NSDCAT+"downloadURL", IRI(download))
		if mt, _, _ := strings.Cut(v.MediaType, ";"); mt != "" {
			iri := ianaMediaType + strings.TrimSpace(mt)
			g.Add(dist, NSDCAT+"mediaType", IRI(iri))
			g.Type(iri, NSDCT+"MediaType")
		}
		if ft, ok := fileTypes[v.Format]; ok {
			iri := euFileType + ft
			g.Add(dist, NSDCT+"format", IRI(iri))
			g.Type(iri, NSDCT+"MediaTypeOrExtent")
		}
		g.Add(dist, NSDCAT+"byteSize", Typed(strconv.FormatInt(v.Size, 10), NSXSD+"nonNegativeInteger"))
		// The file is under the entry's licence and kept available, as the entry's other
		// distributions.
		if s.EntryLicense != nil {
			if l := s.EntryLicense(e); l != nil {
				g.Add(dist, NSDCT+"license", IRI(s.licence(g, l)))
			}
		}
		g.Add(dist, NSDCATAP+"availability", IRI(vocabularyConcept(g, euAvailable+"STABLE")))
		if f.Issued != "" {
			g.Add(dist, NSDCT+"issued", Typed(f.Issued, NSXSD+"date"))
		}
		g.Add(dist, NSDCT+"modified", Typed(f.ModifiedAt.UTC().Format(time.RFC3339), NSXSD+"dateTime"))
		g.Add(dist, NSPD+"version", Text(strconv.Itoa(f.Version), ""))
		g.Add(dist, NSPD+"sha256", Text(v.SHA256, ""))
		g.Add(dist, NSPD+"sm3", Text(v.SM3, ""))
	}
}
