package bench

// findings is the part of BENCHMARKS.md that is not measured by this run:
// the causes found and the experiments tried, each with the run it comes
// from. It is kept here, beside the generator, so that "make bench"
// regenerates the whole document; update it when the numbers it cites move.
const findings = `## Causes and experiments

Recorded by hand from focused runs of this harness (OpenTofu 1.12.6, one run each, 2 shared cores
with a 1-minute load average of 10 to 24 from other work: CPU times are inflated by the load and
vary by about ±20% between runs, so compare ratios within one run). Commands:
` + "`go run ./internal/cmd/bench -runs 1 -sizes 1000 -rate-n 0 -no-mixpeek -cli <tofu> -variant ...`" + `.

**What changed in the provider process (main.go, internal/server), N = 1000, provider CPU per key,
as built vs the state before these changes, same interleaved run:**

| phase | before | quiet SDK logs, no wrapper | as built then (logs off, wrapper, GOGC=100 + 96 MiB) | with SDK trace logs on |
|---|---:|---:|---:|---:|
| apply | 67.2 ms, 128 MB RSS | 45.1 ms, 135 MB | 26.0 ms, 39 MB | 44.3 ms, 38 MB |
| refresh | 31.7 ms, 116 MB | 17.8 ms, 116 MB | 12.5 ms, 39 MB | 24.1 ms, 39 MB |
| plan | 19.7 ms, 114 MB | 11.2 ms, 114 MB | 9.2 ms, 35 MB | 20.8 ms, 35 MB |
| destroy | 57.9 ms, 183 MB | 42.7 ms, 175 MB | 16.6 ms, 40 MB | 34.7 ms, 39 MB |

- *SDK trace logging.* terraform-plugin-log gives a logger whose level variable is unset the
  level TRACE, so every framework and protocol trace line was formatted and written to stderr,
  then dropped by the CLI. When no TF_LOG* (or TF_ACC_LOG_PATH) variable is set the provider now
  sets TF_LOG_SDK, TF_LOG_SDK_FRAMEWORK, TF_LOG_SDK_PROTO and TF_LOG_PROVIDER to off before
  serving; any such variable leaves the environment alone. Turning the lines back on costs 1.7 to
  2.3× the CPU and 1.5× the allocations (57 000 vs 38 300 per key for refresh).
- *Retained request contexts.* terraform-plugin-framework's protocol server keeps the cancel
  function of every request's context until StopProvider, and with it the request's whole
  context chain (loggers, gRPC metadata): about 12 KB per RPC (heap after a collection at the
  end of a 1000-key refresh: 54 MB). internal/server wraps the framework's server and hands it,
  for each unary call, a context that drops its parent when the call returns; what the framework
  keeps is then about 250 bytes per RPC (unit test: 65 938 vs 246 bytes per call). Heap after a
  collection at the end of a 1000-key refresh: 3.1 MB instead of 54 MB; peak RSS 39 MB instead
  of 116 MB. The CPU saving (1.2 to 2.6×) is the collector no longer running back to back against
  the 96 MiB limit with a 40 to 70 MB live heap.
- *Collector settings.* With the live heap at 2 to 3 MB, GOGC=100 collects about once per key
  (937 collections for a 1000-key refresh, 12 to 20% of CPU). Same run, vs GOGC=100 with a 96 MiB
  limit: no limit 0.88 to 1.24×; GOGC=200 0.83 to 1.12× (RSS 56 MB). Second run: GOGC=400 with
  the 96 MiB limit 0.57 to 0.94× but 94 MB RSS; GOGC=off with a 40 MiB limit 0.53 to 0.76× at
  58 MB RSS; GOGC=200 with 96 MiB 0.73 to 0.87× at 59 MB. Chosen: GOGC=400 with a 40 MiB soft
  limit (at a small live heap the limit decides when to collect, as with GOGC=off, and GOGC=400
  still bounds the heap if a user sets GOMEMLIMIT=off). Both remain overridable. Checked in a
  third run against GOGC=100 with 96 MiB at N = 1000: apply 0.81×, refresh 0.66×, plan 0.66×,
  destroy 0.74× the CPU, collector share 5 to 10% instead of 14 to 23%, peak RSS 57 to 61 MB
  instead of 35 to 51 MB (GOGC=off with 40 MiB: 0.89 to 0.93× of the choice, same RSS).
- *Heap growth with N* (same third run, heap live after a collection at the end of a refresh):
  before these changes 7.3 MB at N = 100 and 57.5 MB at N = 1000, about 56 KB more per key;
  now 1.7 MB and 3.1 MB, about 1.6 KB per key.

**Peak RSS.** With the 40 MiB soft limit the provider peaks at 56 to 63 MB (the heap grows to the
limit between collections, plus about 17 MB of runtime, stacks and binary), at or just over the
60 MB target; a lower limit would trade CPU back for memory (not measured).

**Flatness in N** was measured at N = 100 and 1000 only; N = 10000 was not run.

**Where the CPU went before the shortcuts.** A CPU profile of the provider during a 300-key refresh
(APIKEY_PROVIDER_CPU_PROFILE) put 48% in PlanResourceChange, 25% in ReadResource and 8% in
ValidateResourceConfig, almost all of it inside terraform-plugin-framework: every attribute path
lookup calls schema.Schema.GetAttributes, which builds a new map of the resource's attributes on
each call (24% of all CPU, through TypeAtTerraformPath and AttributeAtTerraformPath), reached
from SchemaModifyPlan setting every attribute that has plan modifiers back into the plan (13%)
and from NullifyCollectionBlocks on every decoded value (12%). The cost grows with the number of
top-level attributes times the number of values walked, so this schema (about 40 attributes
with the lifecycle ones) costs 10 to 15× the one-attribute minimal provider per key.

**Protocol-level shortcuts (internal/server).** (1) PlanResourceChange of an apikey_unkey_key
whose proposed new state equals its prior state is answered without the framework when
unkey.KeyPlanUnchanged allows: the unkey backend is configured, every defaulted attribute that
the configuration leaves null holds its default, none of rotate_after, expire_after,
rotation_triggers, warn_unused_after, warn_older_than is set, the state has no expiry the
configuration lacks, no previous_key, no private data and a prior identity; the answer is the
prior state and identity, no diagnostics. Everything else (creates, destroys, changes, drift)
goes to the framework. (2) UpgradeResourceState of a state at the schema's current version is
the framework's own passthrough (decode the JSON with the schema type, ignoring removed
attributes, encode it again) with the type read once instead of rebuilt per call; other
versions, flatmap states, undecodable states and schemas with blocks go to the framework. Both
are proven by differential tests against the framework's answers (planned state as bytes and
values, identity, private data, replacement paths, deferral, diagnostics; every fallback rule
has a case showing the framework's answer differs when it applies) and by the fuzz targets
FuzzFastPlanMatchesFramework and FuzzUpgradePassthroughMatchesFramework; the acceptance suite
runs through the same wrapper (acctest.ProviderFactories), and TestAccFastPlan_refreshAndDrift
checks through both CLIs that unchanged keys take the shortcut and a key disabled outside
Terraform is planned back to enabled by the framework.
Measured, the plan shortcut alone (one interleaved run, N = 1000, load 3 to 24), provider CPU and
allocations per key, shortcut vs framework:

| CLI | refresh | plan (no refresh) | destroy | apply |
|---|---:|---:|---:|---:|
| OpenTofu 1.12.6 | 8.01 vs 14.83 ms (19 945 vs 42 369 allocs) | 2.68 vs 8.38 ms (7 083 vs 29 241) | 10.13 vs 17.21 ms | 23.27 vs 22.49 ms |
| Terraform 1.15.9 | 6.51 vs 9.99 ms (19 944 vs 42 144) | 2.76 vs 7.68 ms (7 083 vs 29 240) | 11.85 vs 16.12 ms | 23.72 vs 24.89 ms |

Destroy gains because both CLIs plan (and so refresh and plan every key) before destroying.
The whole set as built (both shortcuts and the reflection-free rate limits below) against both
shortcuts left out is the "before" variant in the tables above.

**Where the CPU goes now** (profiles of the same run, N = 1000, OpenTofu). Refresh: ReadResource
53% (the resource's Read 20%, of which the framework's reflection between state and the model
is most: its struct-tag check compiles a regular expression for every field of every Get and
Set, 7% of all refresh CPU; semantic-equality checks 10%; decoding and encoding the state 21%),
ValidateResourceConfig 16%, UpgradeResourceState 12% before its passthrough. Apply: 64% in the
two PlanResourceChange calls of each create (plan, then the apply-time plan), which the shortcut
cannot take (a create changes everything), 15% in ApplyResourceChange, 8% in validation.
Reading and writing the rate limits through reflection cost 679 allocations per Read of a key
with one limit; building them directly costs 12 (BenchmarkRatelimitsFromAPI). The per-key
targets (2 ms refresh, 4 ms apply and destroy) stay out of reach while Read, Create and
validation go through the framework: each is a few ms of framework work per key for this
schema, and a protocol-level Read or Create would re-implement the resource outside the
framework; not attempted.

**apikey_mixpeek_key.** Its Read finds the key in a complete listing of the user's keys
(mixpeek.Client.FindKey), one listing per Read, and a destroy lists again before each revoke:
a refresh of N keys of one user is N listings of N keys (1000 requests and about 57 000
allocations per key at N = 1000, against 30 requests and 38 000 for Unkey), so its cost per key
grows with N. A per-process shared listing like the Unkey reader's (internal/services/unkey,
key_reader.go) would remove both; it belongs to internal/services/mixpeek and was not made here.
The plan shortcut does not cover apikey_mixpeek_key: every created key carries private data (the
permissions Mixpeek chose), and its ModifyPlan plans permissions from that data on every plan,
so the unkey rule does not hold for it.

**Sets vs lists of nested objects (ratelimits), in isolation.** BenchmarkNestedSetVsList
(internal/bench/setlist_test.go) serves a resource of a name and the rate-limit objects through
the framework's protocol server, once as a set and once as a list; process CPU per op
(cpu-ns/op) and allocations:

| RPC | 1 element: set / list CPU | allocs set / list | 5 elements: set / list CPU | allocs set / list |
|---|---:|---:|---:|---:|
| ValidateResourceConfig | 2.2× | 1366 / 816 (1.7×) | 1.9× | 7496 / 3238 (2.3×) |
| PlanResourceChange | 1.6× | 4795 / 3264 (1.5×) | 1.6× | 25744 / 12053 (2.1×) |
| ReadResource | 1.2× | 2802 / 1918 (1.5×) | 2.1× | 19035 / 6085 (3.1×) |

A set costs 1.2 to 2.2× a list per RPC; for the whole apikey_unkey_key resource with one rate
limit that is a few hundred to about 1500 allocations of about 38 000 per key for refresh, a
few percent. The schema was not changed.

**Requests.** A refresh reads the first 10 keys of an API with keys.getKey and serves the rest
from one listing of the API (apis.listKeys, 100 keys a page), which is reused for 30 seconds
(listingTTL in internal/services/unkey/key_reader.go). On this loaded machine a 1000-key refresh
took 58 to 94 s of wall time, so the listing expired once and was fetched again: 20 listKeys and
10 getKey, 30 requests against a target of 20. In the run above (load 8 to 25) the as-built refresh of 1000 keys
made 715 (OpenTofu) and 803 (Terraform) requests, almost all keys.getKey (the reader stopped
listing), while an earlier run of the same reader with only the plan shortcut made 20 on both
CLIs: the count moves with timing and load, not with the shortcuts, and the reader's stopping
rule (internal/services/unkey/key_reader.go) is where to look. At N = 300 (20 s) it was 3 listKeys and 10 getKey,
and on an idle machine earlier (13 s for 1000 keys) 10 and 10. The count depends on wall time,
not on the provider's CPU.
Every Unkey create is one request (createKey) plus, per API and provider process, one getApi
and one listing of the API (apis.listKeys, N/100 pages for N keys already there: the check for
keys an interrupted run left), so a rate-limited apply into an empty API needs N+2 requests;
the table above reports both bounds. The creation marker a key carries until it is known to be
in state costs one updateKey per key at the key's first refresh (the plan after the apply).
Runs measured before this accounting had a create cost two requests (createKey, then an
updateKey removing the marker at once).
`
