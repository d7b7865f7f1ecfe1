package http

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/internal/testdb"
	"github.com/pubdata/pubdata/lib/ident"
)

// TestBatchReportValues (issue 12 item 9), on SQLite and PostgreSQL: a batch report keeps a
// rejected personal value as the provider sent it; the provider's admins and editors read
// it in clear, the authority and the provider's other users masked, in the API, on the
// console's batch page and in its CSV alike. A report row written before migration 0022
// (masked when stored) reads as stored.
func TestBatchReportValues(t *testing.T) {
	for name, dsn := range map[string]func(testing.TB) string{"sqlite": testdb.SQLite, "postgres": testdb.Postgres} {
		t.Run(name, func(t *testing.T) {
			testBatchReportValues(t, newEnvOn(t, dsn(t), func(s *Server) {
				s.BatchWait = 5 * time.Minute
				s.BatchDir = t.TempDir()
			}))
		})
	}
}

func testBatchReportValues(t *testing.T, e *env) {
	id := pdPublish(e, "居民身份证信息", nil) // id_number: a resident ID number, the key
	good := ident.CompleteResidentID("35010219900101001")
	bad := good[:17] + map[bool]string{true: "0", false: "1"}[good[17] != '0'] // wrong check digit
	csv := "id_number,full_name\n" + good + ",张三\n" + bad + ",王五\n"
	b := e.batchOf(e.send("POST", "/api/v1/entries/"+id+"/data?on_error=skip", pbEditor, "text/csv", []byte(csv), nil), pbEditor, http.StatusCreated)
	if b.RowsLoaded != 1 || b.RowsRejected != 1 || len(b.Errors) != 1 || b.Errors[0].Value != bad {
		t.Fatalf("the editor's load: %+v", b)
	}
	stored, err := e.srv.Data.FindBatchByID(system, b.ID)
	if err != nil || len(stored.Errors) != 1 || stored.Errors[0].Value != bad || !stored.Errors[0].Sensitive {
		t.Fatalf("the stored report: %+v %v (want the value as sent, sensitive)", stored, err)
	}
	// A row of a report written before migration 0022: its value was masked when stored.
	legacy := ident.Mask(good)
	if err := e.db.Exec(context.Background(), "INSERT INTO data_batch_errors (batch_id, n, row_num, col, code, message, value) VALUES (?, ?, ?, ?, ?, ?, ?)",
		b.ID, 2, 9, "id_number", pubdata.RuleElement, "Column id_number is not a valid resident ID number.", legacy); err != nil {
		t.Fatal(err)
	}
	page, report := "/console/batches/"+b.ID, "/console/batches/"+b.ID+"/report.csv"
	for _, c := range []struct {
		who   string
		clear bool
	}{{pbEditor, true}, {pbAdmin, true}, {pbMember, false}, {pbReviewer, false}, {authReviewer, false}, {authAdmin, false}} {
		want, not := ident.Mask(bad), bad
		if c.clear {
			want, not = bad, ident.Mask(bad)
		}
		got := e.batchOf(e.do(req{path: "/api/v1/batches/" + b.ID, as: c.who}), c.who, http.StatusOK)
		if len(got.Errors) != 2 || got.Errors[0].Value != want || got.Errors[1].Value != legacy {
			t.Errorf("API batch for %s: %+v, want %q then %q", c.who, got.Errors, want, legacy)
		}
		cookie := e.login(c.who)
		for _, p := range []string{page, report} {
			w := e.page("GET", p, cookie, "", nil)
			wantStatus(t, p+" for "+c.who, w, http.StatusOK)
			wantBody(t, p+" for "+c.who, w, want, legacy)
			if strings.Contains(w.Body.String(), not) && !strings.Contains(want, not) {
				t.Errorf("%s for %s shows %q", p, c.who, not)
			}
		}
	}
	// Outsiders see no report at all.
	if w := e.do(req{path: "/api/v1/batches/" + b.ID, as: citizen}); w.Code != http.StatusNotFound {
		t.Errorf("API batch for a citizen: %d", w.Code)
	}
}
