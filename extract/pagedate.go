// This file finds the publish date: meta and JSON-LD dates, the visible
// date in the zone under the headline, dates in scripts and in the URL, how
// they refine each other, and the rule that a publication is never in the
// future.

package extract

import (
	"net/url"
	"strings"
	"time"
)

var metaDateKeys = []string{"article:published_time", "og:article:published_time", "og:published_time",
	"article:published", "published_time", "publish_time", "publishdate", "publish-date", "pubdate", "datepublished",
	"firstpublishedtime", "dc.date.issued", "dc.date", "dcterms.created", "dcterms.date", "sailthru.date",
	"ptime", "weibo: article:create_at", "og:release_date", "release_date", "parsely-pub-date", "date", "created"}

func (x *extractor) setDate(h dateHit) {
	x.date, x.hasDate = h, true
}

func (x *extractor) notFuture(h dateHit) bool {
	if x.opt.FetchedAt.IsZero() {
		return true
	}
	return !h.t.After(x.opt.FetchedAt.Add(36 * time.Hour))
}

func (x *extractor) findDate() {
	defer func() {
		if x.hasDate {
			t := x.date.t
			x.rec.Published = &t
			x.rec.PublishedRaw = x.date.raw
		}
	}()
	a := x.a
	ref := x.opt.FetchedAt
	// 1. JSON-LD, 2. meta; refined by the byline when it shows the time or
	// the page's zone.
	var meta dateHit
	haveMeta := false
	if s := ldString(a.ldObjs(), "datePublished"); s != "" {
		if h, ok := parseMetaDate(s); ok && x.notFuture(h) {
			meta, haveMeta = h, true
		}
	}
	for _, k := range metaDateKeys {
		if haveMeta {
			break
		}
		if s := a.meta[k]; s != "" {
			if h, ok := parseMetaDate(s); ok && x.notFuture(h) {
				meta, haveMeta = h, true
			}
		}
	}
	vis, labelled, haveVis := x.visibleDate()
	if haveMeta {
		if haveVis && labelled {
			meta = refineDate(meta, vis)
		}
		x.setDate(meta)
		return
	}
	// 3. A labelled date or <time> near the heading, 4. the first date of
	// the article.
	if haveVis {
		x.setDate(vis)
		return
	}
	ok := func(l *line) bool { return l.inh&(fLinkItem|fComment|fBadStrong) == 0 || l.inh&fCrumb != 0 }
	for i := x.bodyStart; i < x.bodyEnd; i++ {
		l := &a.lines[i]
		if !ok(l) || !a.inRegion(a.reg, l) {
			continue
		}
		if h, found := firstDate(l.text, ref, false); found && x.notFuture(h) {
			x.setDate(h)
			return
		}
	}
	// A sign-off with a year and month (——《某刊》1998年3月号).
	for i := x.bodyEnd - 1; i >= x.bodyStart && i >= x.bodyEnd-6; i-- {
		l := &a.lines[i]
		if !ok(l) || l.runes > 60 {
			continue
		}
		if h, found := firstDate(l.text, time.Time{}, true); found && x.notFuture(h) {
			x.setDate(h)
			return
		}
	}
	// A date set by a script.
	if h, found := scriptDate(a.scripts); found && x.notFuture(h) {
		x.setDate(h)
		return
	}
	// The URL's date.
	if h, found := urlDate(x.page); found && x.notFuture(h) {
		x.setDate(h)
	}
}

// visibleDate finds the byline date: a labelled date near the heading, a
// <time>, an unlabelled date on the byline, or a labelled date just after
// the body (blogs and forums sign off with 发表于 ...).
func (x *extractor) visibleDate() (h dateHit, labelled, found bool) {
	a := x.a
	ref := x.opt.FetchedAt
	lo, hi := x.zone()
	ok := func(l *line) bool { return l.inh&(fLinkItem|fComment|fBadStrong) == 0 || l.inh&fCrumb != 0 }
	var unl *dateHit
	for i := lo; i < hi; i++ {
		l := &a.lines[i]
		if !ok(l) {
			continue
		}
		if h, found := labelledDate(l.text, ref); found && x.notFuture(h) {
			return h, true, true
		}
		if unl == nil && l.runes <= 120 && i < x.bodyStart+3 {
			if h, found := firstDate(l.text, ref, true); found && x.notFuture(h) && (!h.short || isMetaLine(l.text, l.runes)) {
				unl = &h
			}
		}
	}
	for _, ti := range a.times {
		e := &a.elems[ti]
		if e.inh&(fLinkItem|fComment|fBadStrong|fNavLike) != 0 {
			continue
		}
		if a.best >= 0 && ti > a.reg.hi {
			continue
		}
		v := attr(e.n, "datetime")
		if v == "" {
			v = collapse(nodeText(e.n))
		}
		if h, found := parseMetaDate(v); found && x.notFuture(h) {
			return h, true, true
		}
	}
	if unl != nil {
		return *unl, true, true
	}
	for i := x.bodyEnd; i < len(a.lines) && i < x.bodyEnd+8; i++ {
		l := &a.lines[i]
		if !ok(l) {
			continue
		}
		if h, found := labelledDate(l.text, ref); found && x.notFuture(h) {
			return h, true, true
		}
	}
	return dateHit{}, false, false
}

// refineDate improves a machine date with the byline: the byline's time
// when the machine date has only the day, and the page's zone when the
// machine date is in another one (UTC) and the byline shows the local time.
func refineDate(meta, vis dateHit) dateHit {
	if vis.relative || vis.short {
		return meta
	}
	my, mm, md := meta.t.Date()
	vy, vm, vd := vis.t.Date()
	dayOnly := meta.prec <= precDay || meta.t.Hour()+meta.t.Minute()+meta.t.Second() == 0
	if dayOnly && vis.prec >= precMinute && my == vy && mm == vm && md == vd {
		return vis
	}
	// A machine date without a time of day that is a day off the labelled
	// date the page shows: a CMS field kept at midnight in another zone or
	// set on the day after. The reader's date is the one on the page.
	if dayOnly && vis.prec >= precDay {
		d := time.Date(vy, vm, vd, 0, 0, 0, 0, time.UTC).Sub(time.Date(my, mm, md, 0, 0, 0, 0, time.UTC))
		if d == 24*time.Hour || d == -24*time.Hour {
			return vis
		}
	}
	if meta.prec < precMinute || vis.prec < precMinute {
		return meta
	}
	wall := time.Date(vy, vm, vd, vis.t.Hour(), vis.t.Minute(), 0, 0, time.UTC)
	off := wall.Sub(meta.t.Truncate(time.Minute))
	if off < -14*time.Hour || off > 14*time.Hour || off%(15*time.Minute) != 0 {
		return meta
	}
	if _, cur := meta.t.Zone(); time.Duration(cur)*time.Second == off {
		return meta
	}
	loc := time.FixedZone("", int(off/time.Second))
	if off == 8*time.Hour {
		loc = cst
	}
	meta.t = meta.t.In(loc)
	return meta
}

// zone is the line range around the heading where the byline lives.
func (x *extractor) zone() (lo, hi int) {
	lo = x.bodyStart - 10
	if x.titleLine >= 0 && x.titleLine < x.bodyStart {
		lo = x.titleLine - 2
	}
	lo = max(lo, 0)
	hi = min(x.bodyStart+6, x.bodyEnd, len(x.a.lines))
	if x.titleLine >= x.bodyStart && x.titleLine < x.bodyEnd {
		hi = min(x.titleLine+8, x.bodyEnd)
	}
	if hi <= lo {
		hi = min(lo+10, len(x.a.lines))
	}
	return lo, hi
}

var reScriptDate = []string{"publish_time", "publishtime", "pubtime", "pubdate", "publishdate", "pub_date",
	"datepublished", "createtime", "create_time", "posttime", "post_time", "releasetime", "ct"}

// scriptDate finds a publish date assigned in an inline script.
func scriptDate(scripts []string) (dateHit, bool) {
	for _, s := range scripts {
		for _, k := range reScriptDate {
			for off := 0; ; {
				i := indexFoldString(s[off:], k)
				if i < 0 {
					break
				}
				i += off
				off = i + len(k)
				if i > 0 && isIdentByte(lowerByte(s[i-1])) || off < len(s) && isIdentByte(lowerByte(s[off])) {
					continue
				}
				rest := s[off:min(len(s), off+60)]
				j := strings.IndexAny(rest, "=:")
				if j < 0 || j > 6 {
					continue
				}
				v := strings.TrimLeft(rest[j+1:], " \t\"'")
				if end := strings.IndexAny(v, "\"';,\n}"); end >= 0 {
					v = v[:end]
				}
				if h, ok := parseMetaDate(strings.TrimSpace(v)); ok {
					return h, true
				}
			}
		}
	}
	return dateHit{}, false
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
}

// urlDate reads a date from a URL path: /2023/11/23/, /20231123/, /2023-11/23/.
func urlDate(u *url.URL) (dateHit, bool) {
	if u == nil {
		return dateHit{}, false
	}
	p := u.Path
	if m := reCompact.FindStringSubmatch(p); m != nil {
		y, mo, d := atoi(m[1]), atoi(m[2]), atoi(m[3])
		if dateOK(y, mo, d, 0, 0, 0) {
			return dateHit{t: time.Date(y, time.Month(mo), d, 0, 0, 0, 0, cst), raw: m[0], prec: precDay}, true
		}
	}
	if m := reURLYM.FindStringSubmatchIndex(p); m != nil {
		y, mo := atoi(p[m[2]:m[3]]), atoi(p[m[4]:m[5]])
		rest := p[m[1]:]
		d := 0
		if len(rest) >= 2 && rest[0] >= '0' && rest[0] <= '3' && rest[1] >= '0' && rest[1] <= '9' && (len(rest) == 2 || rest[2] == '/') {
			d = atoi(rest[:2])
		}
		if d > 0 && dateOK(y, mo, d, 0, 0, 0) {
			return dateHit{t: time.Date(y, time.Month(mo), d, 0, 0, 0, 0, cst), raw: p[m[0] : m[1]+2], prec: precDay}, true
		}
	}
	return dateHit{}, false
}
