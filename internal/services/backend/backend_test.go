package backend

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
)

func TestLookup(t *testing.T) {
	now := func() time.Time { return time.Unix(42, 0) }
	d := NewData(now)
	d.Register("unkey", 7)
	d.Unconfigured("mixpeek", "set mixpeek.api_key or MIXPEEK_API_KEY.")

	cases := []struct {
		name         string
		data         any
		service      string
		wantOK       bool
		wantProvider bool
		wantErr      string // from Require; empty when Require passes
		wantLookup   bool   // Lookup itself reports an error
	}{
		{name: "configured", data: d, service: "unkey", wantOK: true, wantProvider: true},
		{name: "unconfigured names the settings", data: d, service: "mixpeek", wantProvider: true, wantErr: "MIXPEEK_API_KEY"},
		{name: "unknown service", data: d, service: "vault", wantProvider: true, wantErr: "does not configure it"},
		{name: "validation walk", data: nil, service: "unkey", wantErr: "configured first"},
		{name: "wrong type", data: "x", service: "unkey", wantLookup: true, wantErr: "configured first"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, diags := Lookup[int](c.data, c.service)
			if diags.HasError() != c.wantLookup {
				t.Fatalf("Lookup diags = %v", diags)
			}
			if s.OK() != c.wantOK || s.ProviderConfigured() != c.wantProvider {
				t.Errorf("OK = %v, ProviderConfigured = %v", s.OK(), s.ProviderConfigured())
			}
			var rd diag.Diagnostics
			ok := s.Require(&rd, "apikey_x")
			if ok != (c.wantErr == "") {
				t.Errorf("Require = %v, diags %v", ok, rd)
			}
			if c.wantErr != "" && (len(rd.Errors()) != 1 || !strings.Contains(rd.Errors()[0].Detail(), c.wantErr)) {
				t.Errorf("Require error = %v, want it to mention %q", rd, c.wantErr)
			}
			if c.wantOK && (s.Value != 7 || !s.Now().Equal(now())) {
				t.Errorf("Value = %v, Now = %v", s.Value, s.Now())
			}
		})
	}
}

func TestCredentialHint(t *testing.T) {
	errAuth, errPerm, errOther := errors.New("401"), errors.New("403"), errors.New("500")
	is := func(want error) func(error) bool { return func(err error) bool { return errors.Is(err, want) } }
	cases := []struct {
		err  error
		want string
	}{
		{errAuth, "credential from UNKEY_ROOT_KEY was rejected"},
		{errPerm, "credential from UNKEY_ROOT_KEY lacks a permission"},
		{errOther, "500"},
	}
	for _, c := range cases {
		got := CredentialHint(c.err, is(errAuth), is(errPerm), "UNKEY_ROOT_KEY")
		if !strings.Contains(got.Error(), c.want) || !errors.Is(got, c.err) {
			t.Errorf("CredentialHint(%v) = %v, want %q and the cause kept", c.err, got, c.want)
		}
	}
	if CredentialHint(nil, is(errAuth), is(errPerm), "x") != nil {
		t.Error("nil stays nil")
	}
}
