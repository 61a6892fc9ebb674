package extract

import (
	"testing"
	"time"
)

func TestFirstDate(t *testing.T) {
	ref := time.Date(2024, 1, 15, 12, 0, 0, 0, cst)
	tests := []struct {
		in, want string // want in RFC 3339, "" for none
		prec     int
	}{
		{"发布时间：2023-11-23", "2023-11-23T00:00:00+08:00", precDay},
		{"2023/11/23 14:05", "2023-11-23T14:05:00+08:00", precMinute},
		{"2023年11月23日 14:05", "2023-11-23T14:05:00+08:00", precMinute},
		{"2023年11月23日14:05:09", "2023-11-23T14:05:09+08:00", precSecond},
		{"2023.11.23", "2023-11-23T00:00:00+08:00", precDay},
		{"２０２３年１１月２３日　１４：０５", "2023-11-23T14:05:00+08:00", precMinute},
		{"2023-11-23T06:30:00Z", "2023-11-23T06:30:00Z", precSecond},
		{"11-23 08:00", "2023-11-23T08:00:00+08:00", precMinute},
		{"01-10", "2024-01-10T00:00:00+08:00", precDay},
		{"3天前", "2024-01-12T00:00:00+08:00", precDay},
		{"5小时前", "2024-01-15T07:00:00+08:00", precMinute},
		{"昨天 14:05", "2024-01-14T14:05:00+08:00", precMinute},
		{"刚刚", "2024-01-15T12:00:00+08:00", precMinute},
		{"9/17/2004 5:54:13 AM", "2004-09-17T05:54:13+08:00", precSecond},
		{"发布日期： 7/5/2005 9:23:57 PM", "2005-07-05T21:23:57+08:00", precSecond}, // US order with AM/PM
		{"06/02/2022 - 13:48", "2022-02-06T13:48:00+08:00", precMinute},
		{"Saturday, September 10th, 2005 10:56 am", "2005-09-10T10:56:00+08:00", precMinute},
		{"——《北京之春》1998年3月号", "1998-03-01T00:00:00+08:00", precMonth},
		{"2023-13-45", "", 0},
		{"电话 010-56807194", "", 0},
		{"没有日期", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			h, ok := firstDate(tt.in, ref, true)
			if tt.want == "" {
				if ok {
					t.Errorf("got %v (%q), want none", h.t, h.raw)
				}
				return
			}
			if !ok {
				t.Fatalf("no date, want %s", tt.want)
			}
			if got := h.t.Format(time.RFC3339); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
			if h.prec != tt.prec {
				t.Errorf("precision %d, want %d", h.prec, tt.prec)
			}
		})
	}
}

func TestRefineDate(t *testing.T) {
	meta, _ := parseMetaDate("2022-02-06T12:48:06Z")
	vis, _ := firstDate("发表时间： 06/02/2022 - 13:48", time.Time{}, true)
	got := refineDate(meta, vis)
	if s := got.t.Format(time.RFC3339); s != "2022-02-06T13:48:06+01:00" {
		t.Errorf("zone refinement: %s", s)
	}
	day, _ := parseMetaDate("2022-02-13")
	vis2, _ := firstDate("2022年02月13日07:48 | 来源：新华日报", time.Time{}, true)
	if s := refineDate(day, vis2).t.Format(time.RFC3339); s != "2022-02-13T07:48:00+08:00" {
		t.Errorf("time refinement: %s", s)
	}
	other, _ := firstDate("2022-02-10 07:48", time.Time{}, true)
	if s := refineDate(day, other).t.Format(time.RFC3339); s != "2022-02-13T00:00:00+08:00" {
		t.Errorf("a byline of another day changed the date: %s", s)
	}
}

func TestParseLayout(t *testing.T) {
	h, ok := parseLayout("发布于 2023/11/23 14:05", "2006/01/02 15:04", time.Time{})
	if !ok || h.t.Format(time.RFC3339) != "2023-11-23T14:05:00+08:00" {
		t.Errorf("got %v %v", h.t, ok)
	}
	h, ok = parseLayout("11月23日", "1月2日", time.Date(2024, 1, 15, 0, 0, 0, 0, cst))
	if !ok || h.t.Format("2006-01-02") != "2023-11-23" {
		t.Errorf("year from context: got %v %v", h.t, ok)
	}
}
