package pubdata

import (
	"errors"
	"testing"
)

// TestRowKey: an objection's and a ticket's key name every key item with a value of its
// type (trimmed, canonical), nothing else; each problem has its own message key, and a table
// without key items refuses both.
func TestRowKey(t *testing.T) {
	items := []Item{{Name: "sfzh", Title: "身份证号", Type: "string", Key: true}, {Name: "year", Title: "年度", Type: "integer", Key: true}, {Name: "xm", Type: "string"}}
	keys := func(err error) []string {
		var out []string
		var e *Error
		if errors.As(err, &e) {
			for _, p := range append([]*Error{e}, e.Fields...) {
				if p.Msg != nil {
					out = append(out, p.Msg.Key)
				}
			}
		}
		return out
	}
	for _, c := range []struct {
		name  string
		check func([]Item, map[string]string) (map[string]string, error)
		pre   string
	}{{"objection", ObjectionKey, "error.objection.key"}, {"ticket", TicketKey, "error.ticket.key"}} {
		got, err := c.check(items, map[string]string{"sfzh": " 35010219900101001X ", "year": " 2026"})
		if err != nil || got["sfzh"] != "35010219900101001X" || got["year"] != "2026" || len(got) != 2 {
			t.Errorf("%s: a good key: %v, %v", c.name, got, err)
		}
		_, err = c.check(items, map[string]string{"year": "二〇二六", "xm": "林"})
		want := map[string]bool{c.pre + ".missing": true, c.pre + ".value": true, c.pre + ".unknown": true}
		for _, k := range keys(err) {
			delete(want, k)
		}
		if ErrorCode(err) != EINVALID || len(want) != 0 {
			t.Errorf("%s: a bad key: %v (keys %v), missing %v", c.name, err, keys(err), want)
		}
		if _, err := c.check(items[2:], map[string]string{"xm": "林"}); ErrorCode(err) != EINVALID {
			t.Errorf("%s: a table without key items: %v", c.name, err)
		}
	}
}
