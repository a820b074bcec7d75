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
// environment untouched, so a user who asks for logs gets every line. It
// returns the variables it set.
func QuietLogsUnlessAsked(environ []string, setenv func(key, value string) error) ([]string, error) {
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
	for _, name := range quietLevels {
		if err := setenv(name, "off"); err != nil {
			return set, err
		}
		set = append(set, name)
	}
	return set, nil
}

// Serve serves p over protocol 6 under address, like providerserver.Serve,
// with the framework's server behind Wrap.
func Serve(p func() provider.Provider, address string, debug bool) error {
	var opts []tf6server.ServeOpt
	if debug {
		opts = append(opts, tf6server.WithManagedDebug())
	}
	return tf6server.Serve(address, func() tfprotov6.ProviderServer {
		inner := providerserver.NewProtocol6(p())()
		full, ok := inner.(Full)
		if !ok {
			// A framework version without one of the optional interfaces:
			// serve it as it is rather than hide RPCs it implements.
			return inner
		}
		return Wrap(full)
	}, opts...)
}
