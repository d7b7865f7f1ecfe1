package pubdata

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// keyedPackages are the folders (from the repository root) whose user-facing errors must
// name their message in the message files, so that every reader gets them in their
// language. The web packages (http/…) have their own scan.
var keyedPackages = []string{".", "sqlstore", "access", "lib/pull", "lib/datafile", "lib/entryfile"}

// unkeyedAllowed lists the Errorf and FieldErrorf calls that need no key, as "file:function"
// (a method as Type.Method, a closure by its enclosing function), each with its reason.
var unkeyedAllowed = map[string]string{
	// The constructors themselves and the combination of keyed problems.
	"error.go:Errorf":      "the constructor",
	"error.go:FieldErrorf": "the constructor",
	// A cursor is opaque: only a client that altered one sees this, never a reader of a page.
	"sqlstore/db.go:decodeCursor":      "an altered opaque cursor, API only",
	"sqlstore/entries.go:decodeOffset": "an altered opaque cursor (an offset the store wrote): only a client that changed it sees this",
	// Only tells the caller that a number is no Excel date; the row error it leads to is keyed.
	"lib/datafile/xlsx.go:serialDate":                   "never shown: the checker only tests it for nil",
	"sqlstore/monitor.go:MonitorService.Entries":        "an altered opaque cursor (the last row the store wrote): only a client that changed it sees this",
	"sqlstore/auditlog.go:AuditService.FindEvents":      "an altered opaque cursor (the sequence the store wrote): only a client that changed it sees this",
	"sqlstore/auditlog.go:AuditService.FindCheckpoints": "an altered opaque cursor (the size the store wrote): only a client that changed it sees this",
}

// TestErrorsKeyed fails on a call of Errorf or FieldErrorf (the domain's or pubdata's, not
// fmt's) whose statement does not name its message with Keyed. A helper that forwards its
// format to one of them (add(field, format, args...)) counts as a constructor: each of its
// calls with a literal sentence must be keyed instead.
func TestErrorsKeyed(t *testing.T) {
	var bad []string
	calls := 0
	for _, dir := range keyedPackages {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no Go files in %s: the scan would miss its errors", dir)
		}
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, name, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			n, problems := unkeyedCalls(fset, filepath.ToSlash(name), f)
			calls += n
			bad = append(bad, problems...)
		}
	}
	if calls < 150 {
		t.Fatalf("found only %d error constructions: the scan is broken", calls)
	}
	sort.Strings(bad)
	for _, b := range bad {
		t.Errorf("%s: a user-facing error without .Keyed(…): key it (both locale files) or, if it is internal, allow it in unkeyedAllowed with the reason", b)
	}
}

// unkeyedCalls returns how many error constructions file f holds and those not keyed.
func unkeyedCalls(fset *token.FileSet, name string, f *ast.File) (int, []string) {
	constructors := map[string]bool{"Errorf": true, "FieldErrorf": true}
	closures := map[string]bool{} // "function.closure"
	current := ""
	isConstructor := func(call *ast.CallExpr) (string, bool) {
		switch fn := call.Fun.(type) {
		case *ast.Ident:
			return fn.Name, constructors[fn.Name] || closures[current+"."+fn.Name]
		case *ast.SelectorExpr:
			if x, ok := fn.X.(*ast.Ident); ok && x.Name == "pubdata" && constructors[fn.Sel.Name] {
				return fn.Sel.Name, true
			}
			// A helper method (p.add) registered below.
			if _, ok := fn.X.(*ast.Ident); ok && constructors[fn.Sel.Name] && fn.Sel.Name != "Errorf" {
				return fn.Sel.Name, true
			}
		}
		return "", false
	}
	// Helpers: functions and closures that pass a parameter as the format, the first or
	// second argument (a variable named format later among the arguments, such as a file
	// format, is a value of the sentence, not its format).
	forwards := func(call *ast.CallExpr) bool {
		for i, a := range call.Args {
			if id, ok := a.(*ast.Ident); ok && id.Name == "format" && i <= 1 {
				return true
			}
		}
		return false
	}

	for _, decl := range f.Decls {
		d, ok := decl.(*ast.FuncDecl)
		if !ok || d.Body == nil || d.Name.Name == "Errorf" || d.Name.Name == "FieldErrorf" {
			continue
		}
		if hasFormat(d.Type) && hasForward(d.Body, isConstructor, forwards) {
			constructors[d.Name.Name] = true
		}
		ast.Inspect(d.Body, func(n ast.Node) bool {
			if a, ok := n.(*ast.AssignStmt); ok {
				for i, rhs := range a.Rhs {
					if lit, ok := rhs.(*ast.FuncLit); ok && i < len(a.Lhs) && hasFormat(lit.Type) && hasForward(lit.Body, isConstructor, forwards) {
						if id, ok := a.Lhs[i].(*ast.Ident); ok {
							closures[d.Name.Name+"."+id.Name] = true
						}
					}
				}
			}
			return true
		})
	}
	calls := 0
	var bad []string
	var walk func(n ast.Node, fn string, stmt ast.Stmt)
	walk = func(n ast.Node, fn string, stmt ast.Stmt) {
		ast.Inspect(n, func(c ast.Node) bool {
			if c == nil || c == n {
				return true
			}
			switch x := c.(type) {
			case *ast.FuncDecl:
				name := x.Name.Name
				if x.Recv != nil && len(x.Recv.List) == 1 {
					t := x.Recv.List[0].Type
					if s, ok := t.(*ast.StarExpr); ok {
						t = s.X
					}
					if id, ok := t.(*ast.Ident); ok {
						name = id.Name + "." + name
					}
				}
				if x.Body != nil {
					current = x.Name.Name
					walk(x.Body, name, nil)
				}
				return false
			case ast.Stmt:
				if _, block := x.(*ast.BlockStmt); !block {
					walk(x, fn, x)
					return false
				}
			case *ast.CallExpr:
				if _, ok := isConstructor(x); !ok {
					return true
				}
				calls++
				if forwards(x) || (stmt != nil && hasKeyed(stmt, x)) {
					return true
				}
				// A package-level var: its whole declaration.
				if stmt == nil && hasKeyed(n, x) {
					return true
				}
				base := strings.TrimPrefix(name, "./")
				if _, ok := unkeyedAllowed[base+":"+fn]; ok {
					return true
				}
				bad = append(bad, fset.Position(x.Pos()).String()+" ("+fn+")")
			}
			return true
		})
	}
	walk(f, "", nil)
	return calls, bad
}

// hasForward reports whether body calls a constructor with its own format parameter.
func hasForward(body *ast.BlockStmt, isConstructor func(*ast.CallExpr) (string, bool), forwards func(*ast.CallExpr) bool) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		if c, ok := n.(*ast.CallExpr); ok {
			if _, ok := isConstructor(c); ok && forwards(c) {
				found = true
			}
		}
		return !found
	})
	return found
}

// hasKeyed reports whether n holds a call of .Keyed on call or on an expression holding it
// (Errorf(…).Keyed(…), or a statement that keys what it builds).
func hasKeyed(n ast.Node, call *ast.CallExpr) bool {
	found := false
	ast.Inspect(n, func(c ast.Node) bool {
		if k, ok := c.(*ast.CallExpr); ok {
			if s, ok := k.Fun.(*ast.SelectorExpr); ok && s.Sel.Name == "Keyed" {
				found = true
			}
		}
		return !found
	})
	return found
}

// hasFormat reports whether a function has a parameter named format.
func hasFormat(t *ast.FuncType) bool {
	for _, p := range t.Params.List {
		for _, n := range p.Names {
			if n.Name == "format" {
				return true
			}
		}
	}
	return false
}
