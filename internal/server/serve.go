package server

import (
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"
)

// quietLevels are the log levels set when the user asked for no logs.
// terraform-plugin-log gives a logger whose variable is unset the level
// TRACE, so without these every framework and protocol trace line is
// formatted and written to stderr, only for the CLI to drop it.
var quietLevels = []string{"TF_LOG_SDK", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_SDK_PROTO", "TF_LOG_PROVIDER"}

// QuietLogsUnlessAsked turns the SDK's and the provider's loggers off when
// the environment sets no logging variable (no non-empty TF_LOG* or
// TF_ACC_LOG_PATH): then the CLI shows none of those lines anyway. Any such variable leaves the
// environment untouched, so a user who asks for logs gets every line. providerLogs are the
// variables of the provider's own logger (ProviderLogVariable), turned off too. It returns the
// variables it set.
func QuietLogsUnlessAsked(environ []string, setenv func(key, value string) error, providerLogs ...string) ([]string, error) {
	for _, kv := range environ {
		name, value, _ := strings.Cut(kv, "=")
		if value == "" {
			continue
		}
		if strings.HasPrefix(name, "TF_LOG") || name == "TF_ACC_LOG_PATH" {
			return nil, nil
		}
	}
	var set []string
	for _, name := range append(quietLevels[:len(quietLevels):len(quietLevels)], providerLogs...) {
		if err := setenv(name, "off"); err != nil {
			return set, err
		}
		set = append(set, name)
	}
	return set, nil
}

// ProviderLogVariable is the variable terraform-plugin-go reads the level of the provider's own
// logger (tflog) from when it serves the provider under address: TF_LOG_PROVIDER_ and the
// address's type, upper case, dashes as underscores (TF_LOG_PROVIDER_APIKEY). TF_LOG_PROVIDER
// alone is the CLI's setting and leaves that logger at TRACE.
func ProviderLogVariable(address string) string {
	typ := address[strings.LastIndex(address, "/")+1:]
	return "TF_LOG_PROVIDER_" + strings.ToUpper(strings.ReplaceAll(typ, "-", "_"))
}

// Option changes what Serve and NewProtocol6WithError put in front of the framework.
type Option func(*options)

type options struct {
	noFastPlan, noCreatePlan, noFastUpgrade, noFastRead, noFastValidate, noFastCreate, noFastDestroy bool
}

// WithoutFastPlan sends every plan to the framework, for comparisons.
func WithoutFastPlan() Option { return func(o *options) { o.noFastPlan = true } }

// WithoutCreatePlan sends the plan of every create to the framework, for comparisons.
func WithoutCreatePlan() Option { return func(o *options) { o.noCreatePlan = true } }

// WithoutFastUpgrade sends every UpgradeResourceState to the framework, for comparisons.
func WithoutFastUpgrade() Option { return func(o *options) { o.noFastUpgrade = true } }

// WithoutFastRead sends every ReadResource to the framework, for comparisons.
func WithoutFastRead() Option { return func(o *options) { o.noFastRead = true } }

// WithoutFastValidate sends every ValidateResourceConfig to the framework, for comparisons.
func WithoutFastValidate() Option { return func(o *options) { o.noFastValidate = true } }

// WithoutFastCreate sends the apply of every create to the framework, for comparisons.
func WithoutFastCreate() Option { return func(o *options) { o.noFastCreate = true } }

// WithoutFastDestroy sends every destroy plan and Delete to the framework, for comparisons.
func WithoutFastDestroy() Option { return func(o *options) { o.noFastDestroy = true } }

// Serve serves p over protocol 6 under address, like providerserver.Serve,
// with the framework's server behind Wrap (and the provider's plan shortcuts).
func Serve(p func() provider.Provider, address string, debug bool, opts ...Option) error {
	var serveOpts []tf6server.ServeOpt
	if debug {
		serveOpts = append(serveOpts, tf6server.WithManagedDebug())
	}
	factory := NewProtocol6(p(), opts...)
	return tf6server.Serve(address, factory, serveOpts...)
}

// NewProtocol6 is providerserver.NewProtocol6 with the framework's server behind Wrap, and the
// plans p's PlanShortcuts and CreatePlanShortcuts accept answered without it.
func NewProtocol6(p provider.Provider, opts ...Option) func() tfprotov6.ProviderServer {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	framework := providerserver.NewProtocol6(p)
	return func() tfprotov6.ProviderServer {
		inner := framework()
		full, ok := inner.(Full)
		if !ok {
			// A framework version without one of the optional interfaces:
			// serve it as it is rather than hide RPCs it implements.
			return inner
		}
		shortcuts, _ := p.(PlanShortcuts)
		if o.noFastPlan {
			shortcuts = nil
		}
		s := WrapWithShortcuts(full, shortcuts)
		if private, ok := p.(PrivatePlanShortcuts); ok && !o.noFastPlan {
			s.withPrivatePlanShortcuts(private)
		}
		if creates, ok := p.(CreatePlanShortcuts); ok && !o.noCreatePlan {
			s.WithCreateShortcuts(creates)
		}
		s.upgrade = !o.noFastUpgrade
		if reads, ok := p.(ReadShortcuts); ok && !o.noFastRead {
			s.withReadShortcuts(reads)
		}
		if reads, ok := p.(PrivateReadShortcuts); ok && !o.noFastRead {
			s.withPrivateReadShortcuts(reads)
		}
		if validations, ok := p.(ValidateShortcuts); ok && !o.noFastValidate {
			s.withValidateShortcuts(validations)
		}
		if creates, ok := p.(CreateApplyShortcuts); ok && !o.noFastCreate {
			s.withCreateApplyShortcuts(creates)
		}
		if destroys, ok := p.(DestroyShortcuts); ok && !o.noFastDestroy {
			s.withDestroyShortcuts(destroys)
		}
		return s
	}
}

// NewProtocol6WithError is NewProtocol6 in the form terraform-plugin-testing's provider
// factories take.
func NewProtocol6WithError(p provider.Provider, opts ...Option) func() (tfprotov6.ProviderServer, error) {
	f := NewProtocol6(p, opts...)
	return func() (tfprotov6.ProviderServer, error) { return f(), nil }
}
