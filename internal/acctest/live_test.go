package acctest

import (
	"strings"
	"testing"
)

var liveVars = []string{EnvUnkeyEndpoint, EnvUnkeyRootKey, EnvMixpeekEndpoint, EnvMixpeekAPIKey, EnvMixpeekUser}

func TestLiveFromEnv(t *testing.T) {
	for _, tc := range []struct {
		name    string
		unset   []string
		missing []string
	}{
		{name: "all set"},
		{name: "no mixpeek user", unset: []string{EnvMixpeekUser}, missing: []string{EnvMixpeekUser}},
		{name: "no unkey", unset: []string{EnvUnkeyEndpoint, EnvUnkeyRootKey}, missing: []string{EnvUnkeyEndpoint, EnvUnkeyRootKey}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, v := range liveVars {
				t.Setenv(v, "value-of-"+v)
			}
			for _, v := range tc.unset {
				t.Setenv(v, "")
			}
			c, err := LiveFromEnv()
			if len(tc.missing) == 0 {
				if err != nil || c.MixpeekUser != "value-of-"+EnvMixpeekUser {
					t.Fatalf("LiveFromEnv() = %+v, %v", c.MixpeekUser, err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, v := range tc.missing {
				if !strings.Contains(err.Error(), v) {
					t.Errorf("error %q does not name %s", err, v)
				}
			}
		})
	}
}

// A live Server configures each backend with its own endpoint and credential.
func TestProviderConfigLive(t *testing.T) {
	s := &Server{Live: true, Endpoint: "https://unkey.test", RootKey: "rk",
		UnkeyEndpoint: "https://unkey.test", UnkeyRootKey: "rk", MixpeekEndpoint: "https://mixpeek.test", MixpeekAPIKey: "mk"}
	got := s.ProviderConfig()
	for _, want := range []string{`endpoint = "https://unkey.test"`, `root_key = "rk"`, `endpoint = "https://mixpeek.test"`, `api_key  = "mk"`} {
		if !strings.Contains(got, want) {
			t.Errorf("config = %s\nmissing %s", got, want)
		}
	}
	if only := s.ProviderConfigOnly("mixpeek"); !strings.Contains(only, `"https://mixpeek.test"`) || !strings.Contains(only, `"mk"`) {
		t.Errorf("mixpeek only = %s", only)
	}
}

func TestSkipsInLiveMode(t *testing.T) {
	for _, tc := range []struct {
		live string
		skip bool
	}{{"", false}, {"1", true}} {
		for name, fn := range map[string]func(testing.TB, string){"SkipIfLive": SkipIfLive, "SkipIfShared": SkipIfShared} {
			t.Setenv(EnvLive, tc.live)
			var skipped bool
			t.Run(name+"/live="+tc.live, func(t *testing.T) {
				defer func() { skipped = t.Skipped() }()
				fn(t, "a reason")
			})
			if skipped != tc.skip {
				t.Errorf("%s with %s=%q: skipped = %t, want %t", name, EnvLive, tc.live, skipped, tc.skip)
			}
		}
	}
}

func TestSweepersNeedLiveMode(t *testing.T) {
	t.Setenv(EnvLive, "")
	for name, sweep := range map[string]func(string) error{"unkey keys": SweepUnkeyKeys, "unkey setup": SweepUnkeySetup, "mixpeek keys": SweepMixpeekKeys} {
		if err := sweep("live"); err == nil || !strings.Contains(err.Error(), EnvLive) {
			t.Errorf("%s: %v, want an error naming %s", name, err, EnvLive)
		}
	}
}

func TestRandomNameHasPrefix(t *testing.T) {
	a, b := RandomName("api"), RandomName("api")
	if !strings.HasPrefix(a, NamePrefix+"api-") || a == b {
		t.Fatalf("RandomName: %q, %q", a, b)
	}
}
