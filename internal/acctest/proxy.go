package acctest

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// NotFoundProxy puts a proxy in front of srv that forwards every request until the returned
// switch is set, then answers every route with Go's plain-text "404 page not found", as a
// misrouted proxy or a wrong base path does. The returned Server is srv reached through it.
func NotFoundProxy(t *testing.T, srv *Server) (*Server, *atomic.Bool) {
	t.Helper()
	target, err := url.Parse(srv.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	forward := httputil.NewSingleHostReverseProxy(target)
	var notFound atomic.Bool
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if notFound.Load() {
			http.NotFound(w, r)
			return
		}
		forward.ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)
	via := *srv
	via.Endpoint = proxy.URL
	return &via, &notFound
}

// IDsOfType lists, sorted, the ids of the root module's resources of type typ in s.
func IDsOfType(s *terraform.State, typ string) []string {
	var out []string
	for _, rs := range s.RootModule().Resources {
		if rs.Type == typ {
			out = append(out, rs.Primary.ID)
		}
	}
	slices.Sort(out)
	return out
}
