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
		// Day-first figures and month names in the languages of monthNames.
		{"Veröffentlicht am 16.08.2019", "2019-08-16T00:00:00+08:00", precDay},
		{"Stand: 28.04.2020 18:00 Uhr", "2020-04-28T18:00:00+08:00", precMinute},
		{"Mittwoch, 26.01.2022 - 14:30", "2022-01-26T14:30:00+08:00", precMinute},
		{"27.1.2022 - Bei der Erinnerung", "2022-01-27T00:00:00+08:00", precDay},
		{"1. 2. 2020", "2020-02-01T00:00:00+08:00", precDay},
		{"29-10-2021", "2021-10-29T00:00:00+08:00", precDay},
		{"06-08-2009T14:12:32+0200", "2009-08-06T14:12:32+02:00", precSecond},
		{"Version 4.1.2.2020", "", 0},
		{"1. März 2020", "2020-03-01T00:00:00+08:00", precDay},
		{"Freitag, 5. Juni 2015", "2015-06-05T00:00:00+08:00", precDay},
		{"March 5, 2020", "2020-03-05T00:00:00+08:00", precDay},
		{"5 mars 2020", "2020-03-05T00:00:00+08:00", precDay},
		{"jeudi 27 juin 2019", "2019-06-27T00:00:00+08:00", precDay},
		{"4 août 2019", "2019-08-04T00:00:00+08:00", precDay},
		{"30 juil. 2019", "2019-07-30T00:00:00+08:00", precDay},
		{"jueves 2 de abril de 2020", "2020-04-02T00:00:00+08:00", precDay},
		{"17 marzo 2020", "2020-03-17T00:00:00+08:00", precDay},
		{"3 de março de 2021", "2021-03-03T00:00:00+08:00", precDay},
		{"9 oktober 2020 11:12", "2020-10-09T11:12:00+08:00", precMinute},
		{"5 maja 2020", "2020-05-05T00:00:00+08:00", precDay},
		{"15 августа 2016, 13:43", "2016-08-15T13:43:00+08:00", precMinute},
		{"Dezember 29, 2021", "2021-12-29T00:00:00+08:00", precDay},
		{"8 January 2020, 3:51 pm", "2020-01-08T15:51:00+08:00", precMinute},
		{"November 8, 2023 at 11:30 p.m.", "2023-11-08T23:30:00+08:00", precMinute},
		{"21. Jan 2022", "2022-01-21T00:00:00+08:00", precDay},
		{"Seite 3 von 2020", "", 0},
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
