package portal

import (
	"cmp"
	"context"
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"net/http"
	"slices"
	"time"
)

// The portal's home page: the search box, the livelihood topics first (each a search of
// the catalogue), the platform's figures, the newest and the most used entries.

// homeTopic is a livelihood topic: a search of the catalogue by words. Two words make an
// either-or search (the catalogue matches at least half of a query's terms).
type homeTopic struct {
	Key, TextKey string // message keys of its name and description
	Q            string // the search text
}

// homeTopics are the topics, in the order the home page shows them (issue 6 item 6).
var homeTopics = []homeTopic{
	{Key: "home.topic.credit", TextKey: "home.topic.credit.text", Q: "信用"},
	{Key: "home.topic.transport", TextKey: "home.topic.transport.text", Q: "交通 公交"},
	{Key: "home.topic.health", TextKey: "home.topic.health.text", Q: "医疗 卫生"},
	{Key: "home.topic.jobs", TextKey: "home.topic.jobs.text", Q: "就业 职业"},
	{Key: "home.topic.social_security", TextKey: "home.topic.social_security.text", Q: "社会保障"},
	{Key: "home.topic.education", TextKey: "home.topic.education.text", Q: "教育 学校"},
	{Key: "home.topic.environment", TextKey: "home.topic.environment.text", Q: "环境 生态"},
	{Key: "home.topic.weather", TextKey: "home.topic.weather.text", Q: "气象 天气"},
	{Key: "home.topic.company", TextKey: "home.topic.company.text", Q: "企业登记"},
}

// topicCard is a topic as the home page shows it.
type topicCard struct {
	Key, TextKey, URL string
	Count             int // entries of the visitor's catalogue the search finds
}

// homeFigures are the platform's figures on the home page.
type homeFigures struct {
	Entries   int   // published entries the visitor's catalogue holds
	Open      int   // of them open (unconditional or conditional)
	Providers int   // organisations providing them
	Rows      int64 // rows held in the entries' tables; -1: unknown
}

// homeView is the view of the home page.
type homeView struct {
	web.Page
	Topics   []topicCard
	Figures  homeFigures
	Newest   []web.EntryRow
	MostUsed []web.EntryRow // empty until usage counts exist
	OpenOnly bool
}

// homeNewest is how many of the newest entries the home page lists.
const homeNewest = 6

// rowTotaler is implemented by data stores that can total the rows of every table cheaply
// (sqlstore's DataService: a sum over its cached counts).
type rowTotaler interface {
	TotalRows(ctx context.Context) (int64, error)
}

func (s *Server) PageHome(w http.ResponseWriter, r *http.Request) error {
	a := pubdata.ActorFromContext(r.Context())
	v := homeView{Page: s.Base(r, false), OpenOnly: !pubdata.SeesWholeCatalog(a)}
	var scope []pubdata.CatalogFilter
	if v.OpenOnly {
		scope = []pubdata.CatalogFilter{pubdata.OpenCatalog}
	}
	var err error
	if s.Entries != nil {
		// One search gives the figures (facets over the visitor's catalogue) and the newest.
		res, err := s.Entries.SearchCatalog(r.Context(), pubdata.CatalogQuery{Filters: scope, Sort: "modified", Limit: homeNewest, Facets: true})
		if err != nil {
			return err
		}
		v.Figures.Entries = res.Total
		for class, n := range res.Facets["open_class"] {
			if slices.Contains(pubdata.OpenCatalog.Values, class) {
				v.Figures.Open += n
			}
		}
		v.Figures.Providers = len(res.Facets["org"])
		v.Newest = web.EntryRows(res.Items)
		for _, t := range homeTopics {
			tr, err := s.Entries.SearchCatalog(r.Context(), pubdata.CatalogQuery{Q: t.Q, InTitle: true, Filters: scope, Limit: 1})
			if err != nil {
				return err
			}
			v.Topics = append(v.Topics, topicCard{Key: t.Key, TextKey: t.TextKey, URL: web.WithQuery("/catalog", "q", t.Q, "in", "title"), Count: tr.Total})
		}
	}
	if v.MostUsed, err = s.mostUsed(r, a); err != nil {
		return err
	}
	v.Figures.Rows = -1
	if rt, ok := s.Data.(rowTotaler); ok && s.Data != nil {
		n, err := rt.TotalRows(r.Context())
		if err != nil {
			return err
		}
		v.Figures.Rows = n
	}
	return s.Render(w, r, "portal", http.StatusOK, v)
}

// mostUsedDays is the window of the most used entries; mostUsedTTL how long a server keeps
// their ranking before reading the counts again.
const (
	mostUsedDays = 30
	mostUsedTTL  = 5 * time.Minute
)

// mostUsed returns the most used entries of the visitor's catalogue (at most homeNewest);
// none without usage counts.
func (s *Server) mostUsed(r *http.Request, a *pubdata.Actor) ([]web.EntryRow, error) {
	if s.Usage == nil || s.Entries == nil {
		return nil, nil
	}
	now := s.Now()
	s.Used.Mu.Lock()
	ids := s.Used.Ids
	if s.Used.At.IsZero() || now.Sub(s.Used.At) > mostUsedTTL {
		counts, err := s.Usage.FindUsage(r.Context(), "", "", pubdata.UsageDay(now.AddDate(0, 0, -mostUsedDays)), pubdata.UsageDay(now))
		if err != nil {
			s.Used.Mu.Unlock()
			return nil, err
		}
		total := map[string]int64{}
		for _, c := range counts {
			total[c.Entry] += c.N
		}
		ids = ids[:0:0]
		for id := range total {
			ids = append(ids, id)
		}
		slices.SortFunc(ids, func(x, y string) int {
			if c := cmp.Compare(total[y], total[x]); c != 0 {
				return c
			}
			return cmp.Compare(x, y)
		})
		s.Used.Ids, s.Used.At = ids, now
	}
	s.Used.Mu.Unlock()
	var out []web.EntryRow
	for _, id := range ids {
		if len(out) == homeNewest {
			break
		}
		e, err := s.Entries.FindPublishedEntry(r.Context(), id)
		if web.ErrorIs(err, pubdata.ENOTFOUND) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if pubdata.CanViewPublished(a, e) {
			out = append(out, web.EntryRow{Entry: e})
		}
	}
	return out, nil
}
