package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"
)

// VerifyLoad calls POST <endpoint>/v2/keys.verifyKey with key from workers
// goroutines, back to back over keep-alive connections, for d, and reports
// throughput and latency. The key and the root key are only ever sent to the
// server.
func VerifyLoad(ctx context.Context, endpoint, rootKey, key string, workers int, d time.Duration) (VerifyResult, error) {
	body, err := json.Marshal(map[string]string{"key": key})
	if err != nil {
		return VerifyResult{}, err
	}
	transport := &http.Transport{MaxIdleConns: workers, MaxIdleConnsPerHost: workers, IdleConnTimeout: time.Minute}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport, Timeout: 30 * time.Second}
	url := endpoint + "/v2/keys.verifyKey"

	call := func(check bool) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+rootKey)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("keys.verifyKey: HTTP %d", resp.StatusCode)
		}
		if check {
			var v struct {
				Data struct {
					Valid bool   `json:"valid"`
					Code  string `json:"code"`
				} `json:"data"`
			}
			if err := json.Unmarshal(data, &v); err != nil {
				return fmt.Errorf("keys.verifyKey: %w", err)
			}
			if !v.Data.Valid {
				return fmt.Errorf("keys.verifyKey: key not valid (code %s)", v.Data.Code)
			}
		}
		return nil
	}
	// One checked call first, so a misconfiguration fails loudly instead of
	// being measured as fast errors.
	if err := call(true); err != nil {
		return VerifyResult{}, err
	}

	var (
		mu        sync.Mutex
		latencies []time.Duration
		errs      int64
		wg        sync.WaitGroup
	)
	start := time.Now()
	deadline := start.Add(d)
	for range workers {
		wg.Go(func() {
			var local []time.Duration
			var localErrs int64
			for time.Now().Before(deadline) && ctx.Err() == nil {
				t := time.Now()
				if err := call(false); err != nil {
					localErrs++
					continue
				}
				local = append(local, time.Since(t))
			}
			mu.Lock()
			latencies = append(latencies, local...)
			errs += localErrs
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err := ctx.Err(); err != nil {
		return VerifyResult{}, err
	}
	slices.Sort(latencies)
	return VerifyResult{
		Workers:   workers,
		Duration:  elapsed,
		Requests:  int64(len(latencies)),
		Errors:    errs,
		PerSecond: float64(len(latencies)) / elapsed.Seconds(),
		P50:       Percentile(latencies, 50),
		P99:       Percentile(latencies, 99),
	}, nil
}
