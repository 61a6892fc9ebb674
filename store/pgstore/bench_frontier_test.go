package pgstore_test

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/finarchive/finarchive"
	"github.com/finarchive/finarchive/internal/pgtest"
	"github.com/finarchive/finarchive/store/pgstore"
)

// BenchmarkClaim_1MQueued: claim latency with a million URLs queued (1,000
// hosts of 1,000), as a crawler claims: 16 hosts at a time, 8 items each,
// each claimed batch then completed (its own transaction, not timed).
// "plain" claims as the SQLite store does; "polite" under SetPoliteness
// (parallelism 8, no gap: the in-flight count per host from its live
// leases); "gap" with a 100ms gap on 1,000 hosts (one reservation pending
// per host: every claim's hosts are others' than the last, as a crawl of
// many hosts has them). It reports the enqueue rate of the million too.
func BenchmarkClaim_1MQueued(b *testing.B) {
	ctx := context.Background()
	u := pgtest.NewDB(b)
	db, err := pgstore.Open(ctx, u)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	var run int64
	if err := db.Pool().QueryRow(ctx, `INSERT INTO runs (started_at, status) VALUES (now(), 'running') RETURNING id`).Scan(&run); err != nil {
		b.Fatal(err)
	}
	const hosts, perHost = 1000, 1000
	start := time.Now()
	batch := make([]finarchive.QueueItem, 0, 10000)
	for i := range perHost {
		for h := range hosts {
			batch = append(batch, finarchive.QueueItem{URL: fmt.Sprintf("http://h%04d.test/a/%d.html", h, i), Depth: 1})
		}
		if len(batch) >= 10000 {
			if _, err := db.Enqueue(ctx, run, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	took := time.Since(start)
	if _, err := db.Pool().Exec(ctx, `ANALYZE frontier`); err != nil {
		b.Fatal(err)
	}
	enqueued := fmt.Sprintf("enqueued %d URLs in %s (%.0f URLs/s)", hosts*perHost, took.Round(time.Millisecond), float64(hosts*perHost)/took.Seconds())
	for _, mode := range []string{"plain", "polite", "gap"} {
		b.Run(mode, func(b *testing.B) {
			switch mode {
			case "polite":
				db.SetPoliteness(run, 8, 0, 0)
			case "gap":
				db.SetPoliteness(run, 2, 100*time.Millisecond, 0)
			}
			var lat []time.Duration
			items := 0
			next := 0
			b.ResetTimer()
			for range b.N {
				want := map[string]int{}
				for range 16 {
					want[fmt.Sprintf("h%04d.test", next%hosts)] = 8
					next++
				}
				t0 := time.Now()
				got, _, err := db.Claim(ctx, run, want, time.Now())
				if err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
				items += len(got)
				b.StopTimer()
				err = pgx.BeginFunc(ctx, db.Pool(), func(tx pgx.Tx) error {
					for _, it := range got {
						if mode == "gap" {
							if err := db.Started(ctx, run, it, it.StartAt); err != nil {
								return err
							}
						}
						if _, err := db.CompleteFrontier(ctx, tx, run, &finarchive.Fetched{Item: it}, ""); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			b.StopTimer()
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			q := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
			b.ReportMetric(float64(q(0.5).Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(q(0.99).Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(items)/float64(b.N), "items/claim")
			b.Logf("%s: %d claims, p50 %s, p99 %s, %.1f items a claim; %s", mode, b.N, q(0.5), q(0.99), float64(items)/float64(b.N), enqueued)
		})
	}
}
