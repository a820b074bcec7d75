// Package backend carries what the provider configured to the resources, data sources,
// ephemeral resources and list resources of every service. The provider registers one value per
// configured service, or the reason a service is not configured; each service reads back its
// own value by name. Adding a service adds a registration, never a field here.
package backend

import (
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
)

// Data is the value the provider hands to every Configure method.
type Data struct {
	// Now is the provider's clock; tests replace it to cross rotation and expiry boundaries.
	Now func() time.Time

	services map[string]any
	missing  map[string]string
}

// NewData returns an empty registry using the clock now.
func NewData(now func() time.Time) *Data {
	return &Data{Now: now, services: map[string]any{}, missing: map[string]string{}}
}

// Register records the configured value of a service.
func (d *Data) Register(service string, v any) { d.services[service] = v }

// Unconfigured records why a service is not configured, in words that tell the user what to set.
func (d *Data) Unconfigured(service, howToConfigure string) { d.missing[service] = howToConfigure }

// Service is one service's view of the provider configuration.
type Service[T any] struct {
	// Value is the service's configured value; the zero T when !OK().
	Value T
	// Now is the provider's clock.
	Now func() time.Time

	configured bool   // the provider ran Configure
	missing    string // the provider ran Configure but this service has no credentials
	name       string
}

// OK reports whether the service is configured and Value usable.
func (s Service[T]) OK() bool { return s.configured && s.missing == "" }

// ProviderConfigured reports whether the provider's Configure has run. It has not during
// validation, when resources must not report a missing service.
func (s Service[T]) ProviderConfigured() bool { return s.configured }

// Require adds an error when the provider is configured but this service is not, and reports
// whether the service can be used. The error names the provider settings to fix.
func (s Service[T]) Require(diags *diag.Diagnostics, what string) bool {
	if s.OK() {
		return true
	}
	if !s.configured {
		diags.AddError("Provider not configured", fmt.Sprintf("%s needs the apikey provider to be configured first. This is a bug in the provider if it happens during apply.", what))
		return false
	}
	diags.AddError(fmt.Sprintf("The %s backend is not configured", s.name), fmt.Sprintf("%s uses the %s backend, which has no credentials: %s", what, s.name, s.missing))
	return false
}

// Lookup finds service in the ProviderData a Configure method received. A nil providerData (the
// provider is not configured yet, as during validation) gives an unconfigured Service and no
// error; any other type than *Data is a bug.
func Lookup[T any](providerData any, service string) (Service[T], diag.Diagnostics) {
	var diags diag.Diagnostics
	s := Service[T]{name: service, Now: time.Now}
	if providerData == nil {
		return s, diags
	}
	d, ok := providerData.(*Data)
	if !ok {
		diags.AddError("Unexpected Configure Type", fmt.Sprintf("Expected *backend.Data, got %T. This is a bug in the provider.", providerData))
		return s, diags
	}
	s.configured = true
	s.Now = d.Now
	if v, ok := d.services[service]; ok {
		if typed, ok := v.(T); ok {
			s.Value = typed
			return s, diags
		}
		diags.AddError("Unexpected service type", fmt.Sprintf("Service %q holds %T. This is a bug in the provider.", service, v))
		return s, diags
	}
	s.missing = d.missing[service]
	if s.missing == "" {
		s.missing = "the provider block does not configure it."
	}
	return s, diags
}

// CredentialHint completes an authentication error with where the credential came from (an
// attribute path or an environment variable, never the value), so the message names the setting
// to fix. Other errors are returned as they are.
func CredentialHint(err error, unauthorized, forbidden func(error) bool, from string) error {
	switch {
	case err == nil || from == "":
		return err
	case unauthorized(err):
		return fmt.Errorf("%w (the credential from %s was rejected: check that it is current and belongs to this endpoint)", err, from)
	case forbidden(err):
		return fmt.Errorf("%w (the credential from %s lacks a permission this operation needs)", err, from)
	}
	return err
}
