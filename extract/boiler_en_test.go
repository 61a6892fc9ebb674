package extract

import "testing"

// TestTeaserLine checks the teaser, ad and credit lines of English and
// European pages, and lines that only look like them.
func TestTeaserLine(t *testing.T) {
	for _, c := range []struct {
		s      string
		link   int // runes of s inside links
		teaser bool
	}{
		{"Related articles", 0, true},
		{"Das könnte Sie auch interessieren:", 0, true},
		{"Zobacz także", 0, true},
		{"ADVERTISEMENT", 0, true},
		{"- Anzeige -", 0, true},
		{"À lire aussi » Les villes qui plantent le plus d'arbres", 45, true},
		{"Lesen Sie auch: Wie die Stadt ihre Brücken saniert", 40, true},
		{"Foto: Max Muster / Stadtarchiv", 0, true},
		{"Image caption The bridge was closed for two years", 0, true},
		// A label then text that is no link is the article's.
		{"Read more: the council will publish its plan in May, and residents can comment until June.", 0, false},
		{"Related work by the same team was published last year.", 0, false},
		{"Share prices fell by three percent on Monday.", 0, false},
		{"Photography is allowed in the museum.", 0, false},
	} {
		s := c.s
		if got := isTeaserLine(s, int32(runeLen(s)), int32(c.link)); got != c.teaser {
			t.Errorf("isTeaserLine(%q, link %d) = %v, want %v", s, c.link, got, c.teaser)
		}
	}
}

// TestDateStampLine checks date-only lines in several languages, and lines
// with numbers that are no date.
func TestDateStampLine(t *testing.T) {
	for _, c := range []struct {
		s     string
		stamp bool
	}{
		{"Updated 1:39 am EST, Wednesday, November 20, 2019", true},
		{"19 Nov 2019 05:44 GMT", true},
		{"Aktualisiert: 11.04.2020, 10:27", true},
		{"Dienstag, 4. Juni 2019, 15:54", true},
		{"16 marca 2021", true},
		{"Publié le 3 février 2020 à 18h30", true},
		{"12.12.2022, 08:30 Uhr", true},
		{"+81 158-23-2012", false},
		{"Final score 3-1", false},
		{"On 20 November 2019 the council met to vote on the new budget.", false},
		{"2019", false},
	} {
		if got := isDateStampLine(c.s, int32(runeLen(c.s))); got != c.stamp {
			t.Errorf("isDateStampLine(%q) = %v, want %v", c.s, got, c.stamp)
		}
	}
}

// TestBylineLine checks bylines and sentences that open with "By".
func TestBylineLine(t *testing.T) {
	for _, c := range []struct {
		s      string
		byline bool
	}{
		{"By Jill Disis, CNN Business", true},
		{"By Tess Bonn - 11/19/19 06:56 AM EST", true},
		{"by Jeff Foust — November 18, 2019", true},
		{"VON Sina Giebel", true},
		{"By Anna Smith and Tom Jones", true},
		{"By the end of the year, the company expects to hire 200 people.", false},
		{"By contrast, the old bridge was built in stone.", false},
		{"Bylines are printed under the headline.", false},
	} {
		if got := isBylineLine(c.s, int32(runeLen(c.s))); got != c.byline {
			t.Errorf("isBylineLine(%q) = %v, want %v", c.s, got, c.byline)
		}
	}
}
