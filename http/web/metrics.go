package web

import (
	"context"
	"crypto/subtle"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/pubdata/pubdata"
)

// metrics are the server's Prometheus collectors, on the server's own registry.
type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(reg *prometheus.Registry) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pubdata_http_requests_total",
			Help: "HTTP requests by route pattern, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "pubdata_http_request_duration_seconds",
			Help:    "HTTP request duration by route pattern, method and status.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route", "method", "status"}),
	}
	for _, c := range []prometheus.Collector{
		m.requests, m.duration,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// knownMethods keeps the method label bounded: anything else counts as "other".
var knownMethods = map[string]bool{
	"GET": true, "HEAD": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true, "OPTIONS": true,
}

func (m *metrics) observe(route, method string, status int, d time.Duration) {
	if !knownMethods[method] {
		method = "other"
	}
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(route, method, strconv.Itoa(status)).Observe(d.Seconds())
}

// MetricsAllowed says whether the request may read /metrics: with MetricsToken set, a
// request that sends it as "Authorization: Bearer <token>" (compared in constant time);
// without, only a direct request from a loopback address (one a proxy forwarded, with
// X-Forwarded-For or Forwarded, is refused: behind a proxy on the same machine every
// client would otherwise look local).
func (s *Server) MetricsAllowed(r *http.Request) error {
	if s.MetricsToken != "" {
		scheme, secret, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if ok && strings.EqualFold(scheme, "Bearer") && subtle.ConstantTimeCompare([]byte(strings.TrimSpace(secret)), []byte(s.MetricsToken)) == 1 {
			return nil
		}
		return pubdata.Errorf(pubdata.EUNAUTHORIZED, "Send the metrics token: \"Authorization: Bearer <metrics_token>\".").Keyed("error.metrics.token")
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err == nil && ip.IsLoopback() && r.Header.Get("X-Forwarded-For") == "" && r.Header.Get("Forwarded") == "" {
		return nil
	}
	return pubdata.Errorf(pubdata.EFORBIDDEN, "Metrics are served to loopback clients only; set metrics_token to scrape from elsewhere.").Keyed("error.metrics.loopback")
}

// monitorCollector exports the units' monitoring figures (the cached aggregates, read at
// each scrape: one row per unit) as gauges labelled by unit. Entries are not exported one by
// one (100,000 entries would be 100,000 series); the board and the API have them.
type monitorCollector struct{ s *Server }

var (
	unitLabels   = []string{"org", "division"}
	descEntries  = prometheus.NewDesc("pubdata_unit_entries", "Published catalogue entries of the unit.", unitLabels, nil)
	descTables   = prometheus.NewDesc("pubdata_unit_tables", "Published table entries of the unit.", unitLabels, nil)
	descWithData = prometheus.NewDesc("pubdata_unit_tables_with_data", "Published table entries of the unit whose table holds rows (catalogue coverage).", unitLabels, nil)
	descRows     = prometheus.NewDesc("pubdata_unit_rows", "Current rows of the unit's tables.", unitLabels, nil)
	descAdded    = prometheus.NewDesc("pubdata_unit_rows_added_30d", "Rows loaded into the unit's tables by the batches done in the last 30 days.", unitLabels, nil)
	descFresh    = prometheus.NewDesc("pubdata_unit_tables_by_freshness", "The unit's tables by freshness against their update cycle.", append(unitLabels, "freshness"), nil)
	descQuality  = prometheus.NewDesc("pubdata_unit_quality_score", "Mean quality score (0-100) of the unit's scored entries.", unitLabels, nil)
	descFailed   = prometheus.NewDesc("pubdata_unit_failed_loads_30d", "The unit's batches failed in the last 30 days.", unitLabels, nil)
	descPulls    = prometheus.NewDesc("pubdata_unit_failing_pulls", "The unit's entries whose pulls failed repeatedly (the alert's threshold).", unitLabels, nil)
	descUses     = prometheus.NewDesc("pubdata_unit_uses_30d", "Uses of the unit's entries in the last 30 days, by kind.", append(unitLabels, "kind"), nil)
	descReply    = prometheus.NewDesc("pubdata_unit_reply_hours", "Hours from request to answer of what the unit answered in the last 90 days (median and 90th percentile).", append(unitLabels, "kind", "quantile"), nil)
	descOverdue  = prometheus.NewDesc("pubdata_unit_overdue", "Requests to the unit past their due time without an answer, by kind.", append(unitLabels, "kind"), nil)
	descUnmet    = prometheus.NewDesc("pubdata_unit_demands_unmet", "Demands routed to the unit not yet met.", unitLabels, nil)
	descRefresh  = prometheus.NewDesc("pubdata_monitor_refreshed_timestamp_seconds", "When the monitoring aggregates were last refreshed (Unix time).", nil, nil)
)

func (c monitorCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descEntries, descTables, descWithData, descRows, descAdded, descFresh, descQuality, descFailed, descPulls, descUses, descReply, descOverdue, descUnmet, descRefresh} {
		ch <- d
	}
}

func (c monitorCollector) Collect(ch chan<- prometheus.Metric) {
	if c.s.Monitor == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	units, err := c.s.Monitor.Units(ctx, pubdata.MonitorScope{})
	if err != nil {
		c.s.Logger.Error("metrics: monitoring figures", "error", err)
		return
	}
	var last time.Time
	for _, u := range units {
		l := []string{u.Org, u.Division}
		g := func(d *prometheus.Desc, v float64, extra ...string) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, append(append([]string{}, l...), extra...)...)
		}
		g(descEntries, float64(u.Entries))
		g(descTables, float64(u.Tables))
		g(descWithData, float64(u.WithData))
		g(descRows, float64(u.Rows))
		g(descAdded, float64(u.RowsAdded))
		for f, n := range map[string]int{pubdata.MonitorOnTime: u.OnTime, pubdata.MonitorLate: u.Late, pubdata.MonitorStale: u.Stale, pubdata.MonitorNever: u.Never} {
			g(descFresh, float64(n), f)
		}
		if u.Quality != nil {
			g(descQuality, float64(*u.Quality))
		}
		g(descFailed, float64(u.FailedLoads))
		g(descPulls, float64(u.FailingPulls))
		g(descUses, float64(u.Views), "view")
		g(descUses, float64(u.Downloads), "download")
		g(descUses, float64(u.APICalls), "api")
		for kind, r := range map[string]pubdata.ReplyFigures{"application": u.Applications, "objection": u.Objections, "ticket": u.Tickets} {
			if r.Median != nil {
				g(descReply, *r.Median, kind, "0.5")
				g(descReply, *r.P90, kind, "0.9")
			}
			g(descOverdue, float64(r.Overdue), kind)
		}
		g(descUnmet, float64(u.DemandsUnmet))
		if u.RefreshedAt.After(last) {
			last = u.RefreshedAt
		}
	}
	if !last.IsZero() {
		ch <- prometheus.MustNewConstMetric(descRefresh, prometheus.GaugeValue, float64(last.Unix()))
	}
}
