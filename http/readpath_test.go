package http

import (
	"go/build"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/access"
	"github.com/pubdata/pubdata/http/web"
)

// rawReadMethods are the methods of a raw row reader (access.Tables).
var rawReadMethods = []string{"QueryRows", "CountRows"}

// rawReader reports why a type can read rows around the access policy ("" when it cannot):
// it implements access.Tables, or has a method of one.
func rawReader(t reflect.Type) string {
	tables := reflect.TypeFor[access.Tables]()
	if t.Implements(tables) {
		return t.String() + " implements access.Tables"
	}
	for i := range t.NumMethod() {
		if slices.Contains(rawReadMethods, t.Method(i).Name) {
			return t.String() + " has method " + t.Method(i).Name
		}
	}
	if t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface && reflect.PointerTo(t).Implements(tables) {
		return "*" + t.String() + " implements access.Tables"
	}
	return ""
}

// TestNoRawRowReader: the web layer cannot reach a raw row reader, so every read of an
// entry's data goes through package access. It checks the compile-time facts that make it
// so: (1) the domain's DataService — the only data type Server holds — has no row-returning
// method, so s.Data.QueryRows does not compile; (2) no field of Server has a type that reads
// rows raw (a field of access.Tables, or of a type with its methods, fails here); (3) the
// web packages (http and the audiences below it) import no store (sqlstore's RowReader is
// the raw reader; only cmd/pubdata, which wires it into access.New, may hold one). cmd/pubdata's TestServerHoldsNoRawReader checks
// the wired values.
func TestNoRawRowReader(t *testing.T) {
	if why := rawReader(reflect.TypeFor[pubdata.DataService]()); why != "" {
		t.Errorf("pubdata.DataService can read rows raw: %s", why)
	}
	st := reflect.TypeFor[web.Server]()
	for i := range st.NumField() {
		f := st.Field(i)
		if why := rawReader(f.Type); why != "" {
			t.Errorf("Server.%s can read rows around package access: %s", f.Name, why)
		}
	}
	for _, dir := range []string{".", "web", "api", "ckan", "console", "portal"} {
		pkg, err := build.ImportDir(dir, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range pkg.Imports {
			if strings.HasSuffix(imp, "/sqlstore") || strings.Contains(imp, "/access/internal") {
				t.Errorf("package %s imports %s, which holds the raw row reader", pkg.ImportPath, imp)
			}
		}
	}
	// The check itself must see a raw reader when there is one.
	if rawReader(reflect.TypeFor[access.Tables]()) == "" {
		t.Error("rawReader does not recognise access.Tables")
	}
	type leaky struct{ access.Tables }
	if rawReader(reflect.TypeFor[leaky]()) == "" {
		t.Error("rawReader does not recognise a struct embedding access.Tables")
	}
}
