package main

import (
	"reflect"
	"testing"

	"github.com/pubdata/pubdata/access"
)

// TestServerHoldsNoRawReader: the web server as the binary wires it holds no value that reads
// rows around package access: none of its fields' values (the stores behind the service
// interfaces) implements access.Tables or has its methods, so not even a type assertion in
// package http could reach the raw reader. The raw reader goes to access.New alone.
func TestServerHoldsNoRawReader(t *testing.T) {
	a := newSQLiteStore(t).open(t)
	if _, err := a.handler(); err != nil {
		t.Fatal(err)
	}
	tables := reflect.TypeFor[access.Tables]()
	v := reflect.ValueOf(a.web).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		if !v.Type().Field(i).IsExported() || (f.Kind() != reflect.Interface && f.Kind() != reflect.Pointer) || f.IsNil() {
			continue
		}
		dyn := f // a pointer field: its own type; an interface: the value's dynamic type
		if f.Kind() == reflect.Interface {
			dyn = f.Elem()
		}
		typ := dyn.Type()
		if typ.Implements(tables) {
			t.Errorf("Server.%s holds %s, a raw row reader", v.Type().Field(i).Name, typ)
		}
		for _, m := range []string{"QueryRows", "CountRows"} {
			if _, ok := typ.MethodByName(m); ok {
				t.Errorf("Server.%s holds %s, which has %s", v.Type().Field(i).Name, typ, m)
			}
		}
	}
	if !reflect.TypeOf(a.rows).Implements(tables) {
		t.Errorf("the store's row reader %T is not an access.Tables", a.rows)
	}
}
