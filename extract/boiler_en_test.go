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
		{"Kontakt:", 0, true},
		{"Keine Kommentare", 0, true},
		{"Temas relacionados", 0, true},
		{"Externer Inhalt", 0, true},
		{"Print recipe", 0, true},
		{"Autoren:", 0, true},
		{"Contact details of the council are on its website.", 0, false},
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

// TestCTALine checks calls to action and site notices in several
// languages, and prose that shares a word with them.
func TestCTALine(t *testing.T) {
	for _, c := range []struct {
		s   string
		cta bool
	}{
		{"Follow us on Twitter for the latest news.", true},
		{"Download the app for iOS and Android.", true},
		{"Get our news apps for iOS and Android today!", true},
		{"Subscribe now to read every story from the print edition.", true},
		{"Jane Doe is a staff writer covering city hall.", true},
		{"If you enjoyed reading this article, share it with a friend.", true},
		{"Dieser Beitrag enthält Affiliate-Links.", true},
		{"Anzeige: dieser Beitrag enthält Werbung.", true},
		{"Jede kleine Spende hilft uns weiter.", true},
		{"Die wichtigsten Nachrichten direkt in dein Postfach!", true},
		{"Wir respektieren deine Privatsphäre und verwenden Cookies.", true},
		{"¡Únete a nuestro canal de Telegram!", true},
		{"Siga-nos no Instagram.", true},
		{"Ta strona korzysta z plików cookie.", true},
		{"We use cookies to give you the best experience.", true},
		// Notices that run long: a blog's entry footer, a rights notice.
		{"This entry was posted on Tuesday, May 6th, 2014 at 11:30 pm and is filed under Linux, Tutorials, Ubuntu. You can follow any responses to this entry through the RSS 2.0 feed. Both comments and pings are currently closed.", true},
		{"Erstellt am Dienstag 6. Mai 2014 um 23:30 und abgelegt unter Linux, Tutorials, Ubuntu. Kommentare zu diesen Eintrag im RSS 2.0 Feed. Kommentare und Pings sind derzeit nicht erlaubt.", true},
		{"This article is the copyrighted property of Example Media. Written permission must be obtained before any part of it is reproduced, in print or online, by any person, company or publication, whatever the purpose, commercial or not.", true},
		// A long line with a call to action's phrase is prose, not a call.
		{"The bank told customers to follow us on the new rules step by step, and said that the change, which takes effect in March, affects every account holder who has a card issued before 2019, whether or not it has been used in the last year or was ever activated.", false},
		// Prose that shares words with the phrases.
		{"The mayor said residents would follow the plan closely.", false},
		{"Cookies from the bakery sold out by noon on Saturday.", false},
		{"Registrieren Sie sich jetzt und bewerten Sie Ihre Lieblingsprodukte.", false},
		{"The club's new app was downloaded by thousands of fans.", false},
	} {
		if got := isCTALine(c.s, int32(runeLen(c.s))); got != c.cta {
			t.Errorf("isCTALine(%q) = %v, want %v", c.s, got, c.cta)
		}
	}
}
