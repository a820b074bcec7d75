package bench

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/apikey-provider/terraform-provider-apikey/internal/runstats"
)

const peakRSSChildEnv = "APIKEY_BENCH_PEAK_RSS_CHILD"

var peakRSSBallast [][]byte

// TestPeakRSSIsTheProvidersOwn starts a small child from a test process holding 256 MiB and
// checks the peak RSS the harness records for it is the child's, not its parent's.
func TestPeakRSSIsTheProvidersOwn(t *testing.T) {
	if os.Getenv(peakRSSChildEnv) != "" {
		t.Skip("the child's own run")
	}
	if runtime.GOOS != "linux" {
		t.Skip("the provider reports its own peak RSS only where /proc exists")
	}
	const ballast = 256 << 20
	for range ballast >> 20 {
		b := make([]byte, 1<<20)
		for i := range b {
			b[i] = 1 // resident, not just reserved
		}
		peakRSSBallast = append(peakRSSBallast, b)
	}
	defer func() { peakRSSBallast = nil }()

	stats := filepath.Join(t.TempDir(), "stats.json")
	cmd := exec.Command(os.Args[0], "-test.run=^TestPeakRSSChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), peakRSSChildEnv+"=1", runstats.EnvFile+"="+stats)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	usage := usageOf(cmd.ProcessState)
	rt, err := runstats.Read(stats)
	if err != nil {
		t.Fatal(err)
	}
	got := providerPeakRSS(usage, rt)
	t.Logf("kernel's figure %d MB, child's own %d MB", usage.PeakRSS>>20, rt.PeakRSS>>20)
	if got <= 0 || got >= ballast/2 {
		t.Fatalf("recorded peak RSS %d MB for a child that allocates almost nothing (its parent holds %d MB)", got>>20, ballast>>20)
	}
}

// TestPeakRSSChild is the child of TestPeakRSSIsTheProvidersOwn: it only writes its counters.
func TestPeakRSSChild(t *testing.T) {
	if os.Getenv(peakRSSChildEnv) == "" {
		t.Skip("run as a child by TestPeakRSSIsTheProvidersOwn")
	}
	if err := runstats.WriteIfRequested(os.Getenv); err != nil {
		t.Fatal(err)
	}
}
