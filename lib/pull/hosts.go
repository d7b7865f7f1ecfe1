package pull

import (
	"net"
	"net/netip"
	"net/url"
	"strings"

	"github.com/pubdata/pubdata"
)

// Hosts is what a pull may connect to (issue 12 item 4). The platform connects to a
// source's database only when its host is Allowed — an exact host name or address, a
// "*.example.gov.cn" suffix, or a CIDR, set by the authority (setting pull_hosts) — and
// never to one of Own, the platform's own databases ("host:port/database"), whatever the
// allow-list says. With no Allowed host, no source is ever connected to.
type Hosts struct {
	Allowed []string
	Own     []string
}

// Endpoint is a source database's address as its DSN names it.
type Endpoint struct {
	Host, Port, Database string
}

// EndpointOf reads the host, port and database of a source DSN (driver postgres or mysql).
func EndpointOf(driver, dsn string) (Endpoint, bool) {
	switch driver {
	case "postgres":
		u, err := url.Parse(dsn)
		if err != nil || u.Hostname() == "" {
			return Endpoint{}, false
		}
		port := u.Port()
		if port == "" {
			port = "5432"
		}
		return Endpoint{Host: strings.ToLower(u.Hostname()), Port: port, Database: strings.TrimPrefix(u.Path, "/")}, true
	case "mysql":
		cfg, err := mysqlConfig(dsn)
		if err != nil {
			return Endpoint{}, false
		}
		host, port, err := net.SplitHostPort(cfg.Addr)
		if err != nil {
			return Endpoint{}, false
		}
		return Endpoint{Host: strings.ToLower(host), Port: port, Database: cfg.DBName}, true
	}
	return Endpoint{}, false
}

// loopback reports whether host names this machine.
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}

// allowed reports whether host is on the allow-list.
func (h Hosts) allowed(host string) bool {
	addr, aerr := netip.ParseAddr(host)
	isAddr := aerr == nil
	for _, rule := range h.Allowed {
		rule = strings.ToLower(strings.TrimSpace(rule))
		switch {
		case rule == "":
		case strings.HasPrefix(rule, "*."):
			if strings.HasSuffix(host, rule[1:]) {
				return true
			}
		case strings.Contains(rule, "/"):
			if p, err := netip.ParsePrefix(rule); err == nil && isAddr && p.Contains(addr.Unmap()) {
				return true
			}
		case rule == host:
			return true
		}
	}
	return false
}

// own reports whether e is one of the platform's own databases (the same database on the
// same port of the same host; the names of this machine count as one host).
func (h Hosts) own(e Endpoint) bool {
	for _, o := range h.Own {
		var oe Endpoint
		hostport, db, _ := strings.Cut(o, "/")
		host, port, err := net.SplitHostPort(hostport)
		if err != nil {
			continue
		}
		oe = Endpoint{Host: strings.ToLower(host), Port: port, Database: db}
		sameHost := oe.Host == e.Host || (loopback(oe.Host) && loopback(e.Host))
		if sameHost && oe.Port == e.Port && oe.Database == e.Database {
			return true
		}
	}
	return false
}

// Check returns the refusal of a pull from dsn, before any connection is made: a host not
// on the allow-list, or the platform's own database; nil when the pull may connect.
func (h Hosts) Check(driver, dsn string) error {
	e, ok := EndpointOf(driver, dsn)
	if !ok {
		return pubdata.FieldErrorf("dsn", "The connection string names no host.").Keyed("error.pull.host.none")
	}
	if h.own(e) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "A pull source may not read the platform's own database.").Keyed("error.pull.host.own")
	}
	if !h.allowed(e.Host) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Host %s is not among the hosts the authority allows pull sources to read (setting pull_hosts).", e.Host).
			Keyed("error.pull.host.not_allowed", "Host", e.Host)
	}
	return nil
}
