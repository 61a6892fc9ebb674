package crawlrun

import (
	"testing"
	"time"
)

// TestSchedule_Slots walks the slot rules through a day of simulated time:
// an overrunning run delays the next one (no overlap, no stacking), and a
// long sleep gives one catch-up run, not a burst.
func TestSchedule_Slots(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	hourly := everySchedule(time.Hour)
	cron3, err := NewSchedule(0, "CRON_TZ=UTC 0 */3 * * *", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		sched Schedule
		// each step: how late the run starts after its slot, how long it takes
		steps [][2]time.Duration
		want  []time.Time // start of each run
	}{
		{"on time", hourly, [][2]time.Duration{{0, 10 * time.Minute}, {0, 10 * time.Minute}, {0, 0}},
			[]time.Time{t0, t0.Add(time.Hour), t0.Add(2 * time.Hour)}},
		{"overrun", hourly, [][2]time.Duration{{0, 150 * time.Minute}, {0, 10 * time.Minute}, {0, 0}},
			// runs 00:00-02:30; the 01:00 and 02:00 slots collapse into one run at 02:30, then 03:30
			[]time.Time{t0, t0.Add(150 * time.Minute), t0.Add(210 * time.Minute)}},
		{"asleep", hourly, [][2]time.Duration{{0, time.Minute}, {72 * time.Hour, time.Minute}, {0, 0}},
			// the 01:00 slot is woken up 3 days late: one run then, the next an hour after it
			[]time.Time{t0, t0.Add(73 * time.Hour), t0.Add(74 * time.Hour)}},
		{"cron overrun", cron3, [][2]time.Duration{{0, 4 * time.Hour}, {0, time.Minute}, {0, 0}},
			[]time.Time{t0, t0.Add(4 * time.Hour), t0.Add(6 * time.Hour)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			slot := t0
			var starts []time.Time
			for _, st := range tc.steps {
				start := slot.Add(st[0])
				var missed bool
				slot, missed = catchUp(slot, slot, start)
				if missed != (st[0] > lateTolerance) {
					t.Errorf("run at %s: missed = %v", start, missed)
				}
				starts = append(starts, start)
				slot, _ = nextSlot(tc.sched, slot, start.Add(st[1]))
			}
			for i := range starts {
				if !starts[i].Equal(tc.want[i]) {
					t.Errorf("run %d starts %s, want %s", i+1, starts[i].Format("Jan 2 15:04"), tc.want[i].Format("Jan 2 15:04"))
				}
				if i > 0 && starts[i].Before(starts[i-1].Add(tc.steps[i-1][1])) {
					t.Errorf("run %d starts before run %d ends", i+1, i)
				}
			}
		})
	}
}
