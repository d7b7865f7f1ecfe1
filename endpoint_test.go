package pubdata

import (
	"slices"
	"testing"
)

func TestValidateServiceEndpointDefaults(t *testing.T) {
	c := &EndpointChange{BaseURL: " https://api.example.gov.cn/v1/ ", Methods: []string{"post", " GET ", "POST"}}
	if err := ValidateServiceEndpoint(c, false); err != nil {
		t.Fatal(err)
	}
	if c.BaseURL != "https://api.example.gov.cn/v1/" || !slices.Equal(c.Methods, []string{"GET", "POST"}) || c.TimeoutSeconds != DefaultEndpointTimeout {
		t.Fatalf("%+v", c)
	}
	c = &EndpointChange{BaseURL: "http://10.1.2.3:8080"}
	if err := ValidateServiceEndpoint(c, false); err != nil || !slices.Equal(c.Methods, []string{"GET"}) {
		t.Fatalf("%+v %v", c, err)
	}
	// A stored secret may be kept; without one the header needs it.
	c = &EndpointChange{BaseURL: "https://x.example", CredentialHeader: "Authorization"}
	if err := ValidateServiceEndpoint(c, true); err != nil {
		t.Fatal(err)
	}
	if ErrorFields(ValidateServiceEndpoint(c, false))["secret"] == nil {
		t.Fatal("a header without a secret passed")
	}
	for _, h := range []string{"X-Forwarded-For", "proxy-authorization", "cookie", "X Api"} {
		c := &EndpointChange{BaseURL: "https://x.example", CredentialHeader: h, Secret: "s"}
		if ErrorFields(ValidateServiceEndpoint(c, false))["credential_header"] == nil {
			t.Errorf("header %q accepted", h)
		}
	}
}

func TestEndpointNeedsConfirmation(t *testing.T) {
	cur := &ServiceEndpoint{BaseURL: "https://x.example", Methods: []string{"GET", "POST"}, CredentialHeader: "X-Api-Key", Secret: "s1", Status: EndpointConfirmed, TimeoutSeconds: 10}
	same := EndpointChange{BaseURL: "https://x.example", Methods: []string{"GET"}, CredentialHeader: "X-Api-Key", TimeoutSeconds: 30}
	for name, tc := range map[string]struct {
		cur  *ServiceEndpoint
		c    EndpointChange
		want bool
	}{
		"new":             {nil, same, true},
		"timeout, fewer":  {cur, same, false},
		"same secret":     {cur, EndpointChange{BaseURL: same.BaseURL, Methods: same.Methods, CredentialHeader: "X-Api-Key", Secret: "s1"}, false},
		"new secret":      {cur, EndpointChange{BaseURL: same.BaseURL, Methods: same.Methods, CredentialHeader: "X-Api-Key", Secret: "s2"}, true},
		"new header":      {cur, EndpointChange{BaseURL: same.BaseURL, Methods: same.Methods, CredentialHeader: "Authorization"}, true},
		"new url":         {cur, EndpointChange{BaseURL: "https://y.example", Methods: same.Methods, CredentialHeader: "X-Api-Key"}, true},
		"new method":      {cur, EndpointChange{BaseURL: same.BaseURL, Methods: []string{"GET", "DELETE"}, CredentialHeader: "X-Api-Key"}, true},
		"pending already": {&ServiceEndpoint{Status: EndpointPending, BaseURL: same.BaseURL, CredentialHeader: "X-Api-Key", Methods: []string{"GET"}}, same, true},
	} {
		if got := EndpointNeedsConfirmation(tc.cur, &tc.c); got != tc.want {
			t.Errorf("%s: %v", name, got)
		}
	}
	if !(&ServiceEndpoint{Methods: []string{"GET"}}).Allows("HEAD") || (&ServiceEndpoint{Methods: []string{"POST"}}).Allows("GET") {
		t.Error("Allows")
	}
}
