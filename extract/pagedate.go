// This file finds the publish date: meta and JSON-LD dates, the visible
// date in the zone under the headline, dates in scripts and in the URL, how
// they refine each other, and the rule that a publication is never in the
// future.

package extract

import (
	"net/url"
	"strings"
	"time"

	"golang.org/x/net/html"
)

// metaDateKeys are the <meta> names and properties of a publication date,
// most trusted first (Open Graph, Dublin Core, the CMS conventions).
var metaDateKeys = []string{"article:published_time", "og:article:published_time", "og:published_time",
	"article:published", "og:article:published", "article:published_date", "article:publicationdate",
	"published_time", "publish_time", "publishdate", "publish-date", "publish_date", "published-date",
	"published_date", "publisheddate", "publication_date", "pubdate", "og:pubdate", "og:publish_date",
	"datepublished", "og:datepublished", "rnews:datepublished", "firstpublishedtime", "originalpublicationdate",
	"article_date_original", "article.published", "article:post_date", "dc.date.issued", "dcterms.issued",
	"dc.date.publication", "dc.date.created", "dc.created", "dc:created", "dcterms.created",
	"citation_publication_date", "citation_date", "sailthru.date", "parsely-pub-date",
	"shareaholic:article_published_time", "cxenseparse:recs:publishtime", "bt:pubdate", "rbpubdate", "pdate",
	"ptime", "weibo: article:create_at", "og:release_date", "release_date", "video:release_date",
	"dc.date", "dc:date", "dcterms.date", "datecreated", "date_created", "content_create_date", "displaydate", "date", "created"}

// weakMetaDateKeys is where the names that may mean another date (a
// creation date, a bare "date", which CMSs also set on an update) start in
// metaDateKeys: JSON-LD's datePublished and microdata are trusted before
// them, and a labelled date under the headline over them.
var weakMetaDateKeys = len(metaDateKeys) - 9

// ldDateKeys are the JSON-LD keys of a publication date, most trusted
// first: an upload or a creation date serves when no publication date is
// given.
var ldDateKeys = []string{"datePublished", "dateCreated", "uploadDate"}

// dateWords are class and id words of elements that show a date (fDateish).
var dateWords = []string{"date", "datum", "time", "publish", "posted", "byline", "subline", "fecha", "meta",
	"created", "submitted", "parution", "publication", "fa-clock", "fa-calendar", "post_detail"}

// reScriptDate are the variable and field names of a publish date in
// inline scripts.
var reScriptDate = []string{"publish_time", "publishtime", "pubtime", "pubdate", "publishdate", "pub_date",
	"datepublished", "createtime", "create_time", "posttime", "post_time", "releasetime", "ct",
	"publication_date", "published_at", "publisheddate", "first-publication", "firstpublished", "datecreated"}

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
	// 1. A machine date (JSON-LD, <meta>, microdata, <time pubdate>),
	// refined by the byline when it shows the time or the page's zone.
	meta, weak, haveMeta := x.machineDate()
	// A date without a year takes it from the page's own dates.
	now, yref := x.opt.FetchedAt, x.opt.FetchedAt
	var fb dateHit
	haveFB := false
	if haveMeta {
		yref = meta.t
	} else if fb, haveFB = x.fallbackDate(); haveFB {
		yref = fb.t
	}
	vis, labelled, haveVis := x.visibleDate(now, yref)
	if haveMeta {
		if haveVis && labelled {
			// A weak machine date (a bare "date", a creation date) of
			// another day than the one the page shows under its headline.
			if weak && !vis.relative && !vis.short && !sameDay(meta.t, vis.t) {
				x.setDate(vis)
				return
			}
			meta = refineDate(meta, vis)
		}
		x.setDate(x.localZone(meta))
		return
	}
	// 2. A labelled date or <time> near the heading, unless it was read
	// against the fetch time (3天前, 6月4日) and the page's own dates say
	// otherwise.
	if haveVis {
		if vis.relative || vis.short {
			if haveFB && absDays(fb.t, vis.t) > 2 {
				x.setDate(x.localZone(fb))
				return
			}
		}
		x.setDate(vis)
		return
	}
	// 3. An element whose class says date, 4. the first date of the article.
	if h, ok := x.classDate(); ok {
		x.setDate(h)
		return
	}
	ok := func(l *line) bool { return l.inh&(fLinkItem|fComment|fBadStrong) == 0 || l.inh&fCrumb != 0 }
	// A labelled date anywhere outside comments, cards and link lists
	// (Erschienen am 01.11.2023, Published: …), a page footer's included.
	for i := range a.lines {
		l := &a.lines[i]
		if l.inh&(fLinkItem|fComment|fRelated) != 0 || l.runes > 120 || !hasDigit(l.text) {
			continue
		}
		if h, found := labelledDateIn(l.text, now, yref); found && x.notFuture(h) && !h.relative && !isSentenceLine(l) {
			x.setDate(h)
			return
		}
	}
	for i := x.bodyStart; i < x.bodyEnd; i++ {
		l := &a.lines[i]
		if !ok(l) || !a.inRegion(a.reg, l) {
			continue
		}
		if h, found := firstDateIn(l.text, now, yref, false); found && x.notFuture(h) {
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
	// 5. A date set by a script, the URL's date, any <time> outside
	// comments and cards.
	if haveFB {
		x.setDate(x.localZone(fb))
		return
	}
	if h, ok := x.anyTime(); ok {
		x.setDate(h)
	}
}

// machineDate returns the page's machine-readable publication date, in
// trust order: JSON-LD datePublished, the <meta> keys, microdata and
// <time pubdate> in the page, then a JSON-LD creation or upload date.
func (x *extractor) machineDate() (h dateHit, weak, ok bool) {
	a := x.a
	try := func(s string) (dateHit, bool) {
		if s == "" {
			return dateHit{}, false
		}
		h, ok := parseMetaDate(s)
		return h, ok && x.notFuture(h)
	}
	objs := a.ldObjs()
	for _, k := range metaDateKeys[:weakMetaDateKeys] {
		if h, ok := try(a.meta[k]); ok {
			return h, false, true
		}
	}
	if h, ok := try(ldString(objs, ldDateKeys[0])); ok {
		return h, false, true
	}
	if h, ok := x.markedDate(); ok {
		return h, false, true
	}
	for _, k := range metaDateKeys[weakMetaDateKeys:] {
		if h, ok := try(a.meta[k]); ok {
			return h, true, true
		}
	}
	for _, k := range ldDateKeys[1:] {
		if h, ok := try(ldString(objs, k)); ok {
			return h, true, true
		}
	}
	return dateHit{}, false, false
}

// isDateMark reports attributes that mark a date: itemprop or property
// datePublished, dateCreated, dc:date…, pubdate, and a publication time's
// data attribute (publishAttrs).
func isDateMark(n *html.Node) bool {
	for _, at := range n.Attr {
		switch at.Key {
		case "itemprop", "property":
			if indexFoldString(at.Val, "date") >= 0 {
				return true
			}
		case "pubdate":
			return true
		default:
			// (Every element's every attribute comes here: the map only
			// for data-p… and data-d…)
			if k := at.Key; len(k) > 6 && k[:5] == "data-" && (k[5] == 'p' || k[5] == 'd') && publishAttrs[k] {
				return true
			}
		}
	}
	return false
}

// publishAttrs are the data attributes in which pages put their
// publication time for their scripts: <div data-ptime="2019-05-17
// 20:02:46">.
var publishAttrs = map[string]bool{"data-ptime": true, "data-pubtime": true, "data-pub-time": true, "data-pubdate": true,
	"data-pub-date": true, "data-publish-time": true, "data-publishtime": true, "data-publish-date": true,
	"data-publishdate": true, "data-published": true, "data-date-published": true, "data-published-at": true}

// markValue returns the publication date an element marks in its
// attributes (itemprop=datePublished, <time pubdate>, class "published"
// or "entry-date" with a datetime or title), and whether it marks one.
func markValue(n *html.Node) (string, bool) {
	val := func() string {
		for _, k := range []string{"datetime", "content", "title"} {
			if v := strings.TrimSpace(attr(n, k)); v != "" {
				return v
			}
		}
		return collapse(nodeText(n))
	}
	for _, k := range []string{"itemprop", "property"} {
		v := strings.ToLower(attr(n, k))
		if v == "" {
			continue
		}
		if containsAny(v, "modified", "updated") {
			return "", false
		}
		if containsAny(v, "datepublished", "datecreated", "dc:date", "dc:created", "dcterms:created", "dcterms:issued", "dateposted") {
			return val(), true
		}
	}
	if hasAttr(n, "pubdate") {
		return val(), true
	}
	for _, at := range n.Attr {
		if publishAttrs[at.Key] && strings.TrimSpace(at.Val) != "" {
			return strings.TrimSpace(at.Val), true
		}
	}
	cl := " " + strings.ToLower(attr(n, "class")) + " "
	if containsAny(cl, " published ", " entry-date ", " date-published ", " published-date ") {
		for _, k := range []string{"datetime", "title", "content"} {
			if v := strings.TrimSpace(attr(n, k)); v != "" {
				return v, true
			}
		}
	}
	return "", false
}

// markedDate returns the first date marked in the page's elements (see
// markValue), outside comments and cards when one is.
func (x *extractor) markedDate() (dateHit, bool) {
	a := x.a
	var fallback *dateHit
	for _, ei := range a.dateEls {
		e := &a.elems[ei]
		if e.inh&fComment != 0 {
			continue
		}
		v, ok := markValue(e.n)
		if !ok {
			continue
		}
		h, ok := parseMetaDate(v)
		if !ok || !x.notFuture(h) {
			continue
		}
		if e.inh&(fLinkItem|fRelated) == 0 {
			return h, true
		}
		if fallback == nil {
			fallback = &h
		}
	}
	if fallback != nil {
		return *fallback, true
	}
	return dateHit{}, false
}

// classDate returns the first full date shown in an element whose class
// or id says date (byline, meta, posted…), outside comments, cards and
// link lists: the dates of a list's items are not the page's.
func (x *extractor) classDate() (dateHit, bool) {
	a := x.a
	for _, ei := range a.dateEls {
		e := &a.elems[ei]
		if e.own&fDateish == 0 || e.inh&fComment != 0 {
			continue
		}
		// The innermost date element speaks: skip one holding another.
		if e.end > ei+1 && a.elems[ei+1].own&fDateish != 0 && a.elems[ei+1].parent == ei {
			continue
		}
		var h dateHit
		found := false
		for _, k := range []string{"datetime", "content", "title"} {
			if v := attr(e.n, k); v != "" {
				if hs := findDates(v, 1); len(hs) > 0 {
					h, found = hs[0], true
					break
				}
			}
		}
		if !found {
			t := nodeText(e.n)
			if len(t) > 400 {
				t = t[:400]
			}
			if hs := findDates(collapse(t), 1); len(hs) > 0 && hs[0].pos < 200 {
				h, found = hs[0], true
			}
		}
		if !found || !x.notFuture(h) {
			continue
		}
		if e.inh&(fLinkItem|fRelated|fBadStrong) == 0 {
			return h, true
		}
	}
	return dateHit{}, false
}

// anyTime returns the first <time> of the page outside comments, related
// cards and navigation.
func (x *extractor) anyTime() (dateHit, bool) {
	a := x.a
	for _, ti := range a.times {
		e := &a.elems[ti]
		if e.inh&(fComment|fRelated|fNavLike|fLinkItem) != 0 {
			continue
		}
		v := attr(e.n, "datetime")
		if v == "" {
			v = collapse(nodeText(e.n))
		}
		if h, found := parseMetaDate(v); found && x.notFuture(h) {
			return h, true
		}
	}
	return dateHit{}, false
}

// fallbackDate returns a date set by a script, else the date of the
// page's URL or of its canonical or og:url address.
func (x *extractor) fallbackDate() (dateHit, bool) {
	if h, found := scriptDate(x.a.scripts); found && x.notFuture(h) {
		return h, true
	}
	if h, found := urlDate(x.page); found && x.notFuture(h) {
		return h, true
	}
	for _, s := range []string{x.a.canonical, x.a.meta["og:url"]} {
		if s == "" {
			continue
		}
		if u, err := url.Parse(s); err == nil {
			if h, found := urlDate(u); found && x.notFuture(h) {
				return h, true
			}
		}
	}
	return dateHit{}, false
}

// sameDay reports whether a and b fall on the same calendar day, each in
// its own zone.
func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

func absDays(a, b time.Time) float64 {
	d := a.Sub(b).Hours() / 24
	if d < 0 {
		d = -d
	}
	return d
}

// visibleDate finds the byline date: a labelled date near the heading, a
// <time>, an unlabelled date on the byline, or a labelled date just after
// the body (blogs and forums sign off with 发表于 ...).
func (x *extractor) visibleDate(now, yref time.Time) (h dateHit, labelled, found bool) {
	a := x.a
	lo, hi := x.zone()
	ok := func(l *line) bool { return l.inh&(fLinkItem|fComment|fBadStrong) == 0 || l.inh&fCrumb != 0 }
	var unl *dateHit
	var unlElem int32
	for i := lo; i < hi; i++ {
		l := &a.lines[i]
		text := l.text
		if !ok(l) {
			// A byline glued to a comment-count or share link: its first
			// element's text is still the byline.
			if a.elems[l.elem].inh&(fLinkItem|fComment|fBadStrong) != 0 || l.runes > 120 {
				continue
			}
			text = collapse(nodeText(a.elems[l.elem].n))
		}
		// A label in a sentence ("当地时间6月4日") is not a byline's.
		if h, found := labelledDateIn(text, now, yref); found && x.notFuture(h) && !isSentenceLine(l) {
			return h, true, true
		}
		if unl == nil && l.runes <= 120 && i < x.bodyStart+3 {
			if h, found := firstDateIn(text, now, yref, true); found && x.notFuture(h) && (!h.short || isMetaLine(text, l.runes) || a.elems[l.elem].inh&fDateish != 0 && l.runes <= 60) {
				unl, unlElem = &h, l.elem
			}
		}
	}
	for _, ti := range a.times {
		// A <time> after the byline's date is a card's or the body's.
		if unl != nil && ti > unlElem {
			break
		}
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
		if h, found := labelledDateIn(l.text, now, yref); found && x.notFuture(h) && !isSentenceLine(l) {
			return h, true, true
		}
	}
	return dateHit{}, false, false
}

// isSentenceLine reports a line that reads as a sentence of the text
// rather than a byline: long, or longer than a byline with a full stop.
func isSentenceLine(l *line) bool {
	return l.runes > 150 || l.runes > 60 && containsAny(l.text, "。", "！", "？", ". ")
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

// scriptDate finds a publish date assigned in an inline script, the most
// trusted key first.
func scriptDate(scripts []string) (dateHit, bool) {
	best, rank := dateHit{}, -1
	for _, s := range scripts {
		scanScriptDates(s, func(h dateHit, r int) bool {
			if rank < 0 || r < rank {
				best, rank = h, r
			}
			return r > 0
		})
		if rank == 0 {
			break
		}
	}
	return best, rank >= 0
}

// scriptDates returns up to max publish dates assigned in inline scripts,
// in the order of the page.
func scriptDates(scripts []string, max int) []dateHit {
	var out []dateHit
	for _, s := range scripts {
		scanScriptDates(s, func(h dateHit, _ int) bool {
			out = append(out, h)
			return len(out) < max
		})
		if len(out) >= max {
			break
		}
	}
	return out
}

// scriptKeyRank maps the keys of reScriptDate to their rank.
var scriptKeyRank = func() map[string]int {
	m := map[string]int{}
	for i, k := range reScriptDate {
		m[k] = i
	}
	return m
}()

// scanScriptDates calls f with each publish date assigned in script s
// (publish_time = "2023-11-23 08:00", "datePublished": "…", pubtime:
// 1700697600) and the rank of its key, until f returns false. It looks at
// each value that starts like a date (a year and a separator, or a Unix
// time) and reads the name before it, in one pass over s.
func scanScriptDates(s string, f func(dateHit, int) bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' || i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
			continue
		}
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		n := j - i
		dateLike := n == 4 && (c == '1' || c == '2') && j < len(s) && (s[j] == '-' || s[j] == '/')
		if !dateLike && n != 10 && n != 13 {
			i = j
			continue
		}
		// Back over the quote, the = or :, and the quote of the name.
		k := i - 1
		for k >= 0 && i-k <= 4 && (s[k] == '"' || s[k] == '\'' || s[k] == ' ' || s[k] == '\t') {
			k--
		}
		if k < 0 || s[k] != '=' && s[k] != ':' {
			i = j
			continue
		}
		k--
		for k >= 0 && i-k <= 10 && (s[k] == '"' || s[k] == '\'' || s[k] == ' ' || s[k] == '\t') {
			k--
		}
		end := k + 1
		for k >= 0 && end-k <= 24 && (isIdentByte(lowerByte(s[k])) || s[k] == '-') {
			k--
		}
		rank, ok := scriptKeyRank[strings.ToLower(s[k+1:end])]
		if !ok {
			i = j
			continue
		}
		v := s[i:min(len(s), i+40)]
		if e := strings.IndexAny(v, "\"';,\n}"); e >= 0 {
			v = v[:e]
		}
		if h, ok := parseMetaDate(strings.TrimSpace(v)); ok {
			if !f(h, rank) {
				return
			}
		}
		i = j
	}
}

// zonedStamps returns up to max ISO 8601 times with an explicit offset
// written anywhere in the scripts ("2020-02-24T21:25:54-05:00"), whatever
// names them: evidence of the page's zone for localZone, never a date of
// its own.
func zonedStamps(scripts []string, max int) []dateHit {
	var out []dateHit
	for _, s := range scripts {
		for i := strings.IndexByte(s, 'T'); i >= 0 && len(out) < max; {
			// s[i-10:i] is YYYY-MM-DD and s[i+1:] starts hh:mm.
			if i >= 10 && s[i-3] == '-' && s[i-6] == '-' && isYearAt(s, i-10) && i+6 <= len(s) && s[i+3] == ':' {
				v := s[i-10 : min(len(s), i+30)]
				if e := strings.IndexAny(v, "\"' ,;}]<\\"); e >= 0 {
					v = v[:e]
				}
				if h, ok := parseMetaDate(v); ok && h.zoned && h.prec >= precMinute {
					out = append(out, h)
				}
			}
			j := strings.IndexByte(s[i+1:], 'T')
			if j < 0 {
				break
			}
			i += 1 + j
		}
		if len(out) >= max {
			break
		}
	}
	return out
}

// localZone moves a machine date given in UTC into the page's own zone
// when the page states that zone for the same instant elsewhere: another
// machine date with its offset (2020-02-24T21:25:54-05:00), or the local
// wall time in a script (publication_date = "2020-02-17 21:18:11"). The
// day of the record is then the day the page's readers saw.
func (x *extractor) localZone(h dateHit) dateHit {
	if h.prec < precMinute || !h.zoned {
		return h
	}
	if _, off := h.t.Zone(); off != 0 {
		return h
	}
	a := x.a
	var cands []string
	for _, k := range metaDateKeys {
		if v := a.meta[k]; v != "" {
			cands = append(cands, v)
		}
	}
	for _, o := range a.ldObjs() {
		for _, k := range ldDateKeys {
			if v, ok := o[k].(string); ok {
				cands = append(cands, v)
			}
		}
	}
	for _, ti := range a.times {
		if v := attr(a.elems[ti].n, "datetime"); v != "" {
			cands = append(cands, v)
		}
	}
	hs := make([]dateHit, 0, len(cands)+8)
	for _, c := range cands {
		if g, ok := parseMetaDate(c); ok {
			hs = append(hs, g)
		}
	}
	hs = append(hs, scriptDates(a.scripts, 8)...)
	hs = append(hs, zonedStamps(a.scripts, 32)...)
	utc := h.t.Truncate(time.Minute)
	for _, g := range hs {
		// A Unix time has no zone of its own (parseMetaDate gives it +08:00).
		if g.prec < precMinute || reUnix.MatchString(g.raw) {
			continue
		}
		if g.zoned {
			if _, off := g.t.Zone(); off != 0 && g.t.Truncate(time.Minute).Equal(utc) {
				h.t = h.t.In(g.t.Location())
				return h
			}
			continue
		}
		if g.prec == precSecond && h.prec == precSecond && g.t.Second() != h.t.Second() {
			continue
		}
		wall := time.Date(g.t.Year(), g.t.Month(), g.t.Day(), g.t.Hour(), g.t.Minute(), 0, 0, time.UTC)
		off := wall.Sub(utc)
		if off == 0 || off < -14*time.Hour || off > 14*time.Hour || off%(15*time.Minute) != 0 {
			continue
		}
		loc := time.FixedZone("", int(off/time.Second))
		if off == 8*time.Hour {
			loc = cst
		}
		h.t = h.t.In(loc)
		return h
	}
	return h
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
