// This file holds the boilerplate knowledge of English and other European
// pages, as data: class and id words of the boxes around an article, and
// the lines that are never its text.

package extract

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// boxWords are class and id words of boxes that are never the article:
// cookie and consent notices, newsletter sign-ups, push-notification
// prompts, paywall offers, author bio boxes, share and like widgets,
// affiliate disclosures.
var boxWords = []string{"cookie", "consent", "gdpr", "newsletter", "signup", "sign-up", "paywall", "onesignal",
	"push-notification", "pushnotification",
	// author and editor bio boxes, share and like widgets, affiliate notes
	"author-bio", "authorbio", "author-box", "authorbox", "about-author", "about-the-author", "author-description",
	"saboxplugin", "sharedaddy", "jp-relatedposts", "disclosure"}

// captionWords are class and id words of figure captions and photo
// credits: shown beside the text, not part of it.
var captionWords = []string{"caption", "credit", "bildunterschrift", "bilduntertitel", "image-subtitle",
	"imagedescription", "image-description"}

// teaserLabels head the "related"/"read more" teasers, the promotions and
// the ad slots of English and other European pages, in lower case: a line
// that is one of them alone is not the article's, nor is one that is one of
// them, a colon or arrow, then a link ("Lesen Sie auch: <a>…</a>").
var teaserLabels = []string{
	// English
	"related", "related articles", "related stories", "related posts", "related content", "related news",
	"related coverage", "related topics", "read more", "read also", "read next", "also read", "see also",
	"more from", "more stories", "more news", "more on this story", "more on this topic", "you may also like",
	"you might also like", "you may be interested in", "recommended", "recommended for you", "recommended articles",
	"don't miss", "dont miss", "must read", "trending", "trending now", "most read", "most popular", "popular posts",
	"latest news", "latest stories", "top stories", "editor's picks", "explore further", "further reading",
	"advertisement", "sponsored", "sponsored content", "sponsored links", "promoted", "print this article",
	"share this article", "share this story", "share this", "share", "about the author", "about the authors",
	"comments", "leave a comment", "leave a reply", "more", "watch", "listen", "highlights", "read later",
	"no comments", "print recipe", "contact", "contact us", "tel", "phone", "external content",
	// German
	"das könnte sie auch interessieren", "das könnte dich auch interessieren", "das könnte ihnen auch gefallen",
	"lesen sie auch", "lies auch", "auch interessant", "mehr zum thema", "zum thema", "zum weiterlesen",
	"weiterlesen", "weiterführende informationen", "weiterführende links",
	"ähnliche beiträge", "ähnliche artikel", "verwandte artikel", "schon gelesen?", "neueste artikel",
	"neueste beiträge", "meistgelesen", "meistgelesene artikel", "beliebte beiträge", "empfehlungen",
	"noch mehr infos für dich", "anzeige", "- anzeige -", "werbung", "artikel teilen", "teilen",
	"kommentare", "kommentieren", "gefällt mir", "mehr dazu",
	"keine kommentare", "rezept drucken", "kontakt", "autoren", "autor", "weiterführender link", "externer inhalt",
	// French
	"à lire aussi", "a lire aussi", "lire aussi", "à lire également", "sur le même sujet", "dans la même rubrique",
	"articles similaires", "articles liés", "voir aussi", "publicité", "partager", "les plus lus",
	// Spanish and Portuguese
	"vea también", "lea también", "te puede interesar", "le puede interesar", "también te puede interesar",
	"noticias relacionadas", "artículos relacionados", "lo más leído", "publicidad", "compartir", "temas relacionados",
	"leia também", "veja também", "saiba mais", "notícias relacionadas", "publicidade", "leia mais",
	// Italian and Dutch
	"leggi anche", "articoli correlati", "potrebbe interessarti", "pubblicità", "lees ook", "gerelateerde artikelen",
	"meer nieuws", "advertentie",
	// Polish and Czech
	"zobacz także", "zobacz też", "czytaj także", "czytaj też", "przeczytaj także", "polecamy", "reklama",
	"dowiedz się więcej", "podobné články", "čtěte také",
}

// teaserLabelSet is teaserLabels as a set.
var teaserLabelSet = func() map[string]bool {
	m := make(map[string]bool, len(teaserLabels))
	for _, l := range teaserLabels {
		m[l] = true
	}
	return m
}()

// creditPrefixes open a photo credit or caption line.
var creditPrefixes = []string{"Foto:", "Fotos:", "Foto :", "Photo:", "Photos:", "Photo :", "Bild:", "Bilder:",
	"Image:", "Images:", "Image caption", "Image copyright", "Media caption", "Picture:", "Pictures:", "Credit:",
	"Credits:", "Crédit photo", "Crédits photo", "Crédit :", "Crédits :", "Fot.", "Zdjęcie:", "Titelbild:",
	"Beitragsbild:", "Bildquelle:", "Fotocredit:", "(Foto:", "(Photo:", "(Image:", "(Bild:"}

// isTeaserLine reports a line of English or European boilerplate: a teaser
// or ad label alone, a label leading a link, a photo credit.
func isTeaserLine(s string, runes, link int32) bool {
	if runes <= 40 {
		t := strings.TrimRight(strings.TrimLeft(s, " »›>•·-–—|[("), " :：.…»›>|])!-–—")
		if len(t) <= maxTeaserLabel && teaserLabelSet[lowerASCIIFirst(t)] {
			return true
		}
	}
	if runes <= 120 && len(s) > 0 && creditLead[s[0]] && hasAnyPrefix(s, creditPrefixes...) {
		return true
	}
	// "Lesen Sie auch: <a>…</a>", "À lire aussi » <a>…</a>".
	if link*2 >= runes && runes <= 200 {
		if i := strings.IndexAny(s, ":»›>|"); i > 0 && i <= 40 {
			t := strings.TrimSpace(strings.TrimLeft(s[:i], " »›>•·-–—|[("))
			if len(t) <= maxTeaserLabel && teaserLabelSet[lowerASCIIFirst(t)] {
				return true
			}
		}
	}
	return false
}

// ctaPhrases are the calls to action and the notices of a site that end
// or break its articles, in lower case: follow us, get our app, subscribe,
// support us, affiliate and reprint notices. A short line holding one is
// not the article's.
var ctaPhrases = []string{
	// English
	"follow us on", "download our app", "download the app", "apps for ios and android", "subscribe to our newsletter",
	"sign up for our newsletter", "support our work", "if you enjoyed reading this", "copyrighted property of",
	"written permission must be obtained", "affiliate links", "subscribe now", "read the rest of",
	"on twitter and instagram", "on twitter and facebook", "on facebook and twitter",
	"is a senior writer", "is a staff writer", "is a contributing writer", "is a freelance writer",
	"we use cookies", "this website uses cookies", "this site uses cookies",
	// German
	"folgen sie uns auf", "folge uns auf", "jede kleine spende",
	"direkt in dein postfach", "direkt in ihr postfach", "enthält affiliate", "enthält werbung",
	"mit unserem newsletter", "bitte registrieren sie sich", "bitte geben sie die zahlenfolge",
	"respektieren deine privatsphäre", "respektieren ihre privatsphäre", "verwendet cookies", "verwenden cookies",
	// Spanish, Portuguese, French, Italian
	"síguenos en", "canal de telegram", "canal de youtube", "siga-nos", "nos siga no", "suivez-nous sur",
	"seguici su", "utilizamos cookies", "nous utilisons des cookies", "utilizziamo i cookie",
	// Polish
	"korzystamy z cookies", "korzysta z plików cookie",
}

// isCTALine reports a short line with a call to action or a site notice
// (ctaPhrases).
func isCTALine(s string, runes int32) bool {
	if runes > 500 || runes < 8 || !hasLatinLetter(s) {
		return false // every phrase has a Latin letter: most lines of a Chinese page are passed over here
	}
	l := lowerASCIIFirst(s)
	// A rights notice or a blog's entry footer runs to several sentences:
	// its phrases count on a long line too, a call to action's only on a
	// short one.
	for _, p := range longNoticePhrases {
		if strings.Contains(l, p) {
			return true
		}
	}
	if runes > 200 {
		return false
	}
	for _, p := range ctaPhrases {
		if strings.Contains(l, p) {
			return true
		}
	}
	return false
}

// longNoticePhrases mark a notice however long its line: a reprint ban or
// an ownership claim, which no article's own text makes, and the entry
// footer of blog themes ("This entry was posted on … Both comments and pings
// are currently closed.").
var longNoticePhrases = []string{
	"copyrighted property of", "written permission must be obtained", "all rights reserved",
	"without prior written permission",
	"alle rechte vorbehalten", "tous droits réservés", "todos los derechos reservados",
	"comments and pings are currently closed", "follow any responses to this entry through the rss",
	"kommentare und pings sind derzeit nicht erlaubt", "kommentare zu diesen eintrag im rss",
}

// maxTeaserLabel is the byte length of the longest teaser label.
var maxTeaserLabel = func() int {
	n := 0
	for _, l := range teaserLabels {
		n = max(n, len(l))
	}
	return n + 8 // upper-case forms of a few letters are longer
}()

// creditLead marks the first bytes of creditPrefixes: most lines are
// rejected on their first byte.
var creditLead = func() (m [256]bool) {
	for _, p := range creditPrefixes {
		m[p[0]] = true
	}
	return m
}()

// hasLatinLetter reports whether s holds an ASCII letter or a rune whose
// lower case is one (U+0130 İ and U+212A K, the only two): whether its lower
// case can hold a phrase with an ASCII letter in it.
func hasLatinLetter(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c|0x20 >= 'a' && c|0x20 <= 'z' {
			return true
		}
		if c == 0xC4 && strings.HasPrefix(s[i:], "\u0130") || c == 0xE2 && strings.HasPrefix(s[i:], "\u212a") {
			return true
		}
	}
	return false
}

// lowerASCIIFirst lower-cases s, without allocating when it has no upper
// case letter.
func lowerASCIIFirst(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' || c >= 0x80 {
			return strings.ToLower(s)
		}
	}
	return s
}

// stampWords are the words a date stamp line is made of besides numbers:
// labels, months and weekdays (full and short), clock and zone words, and
// the small words between them, in lower case, in English and the other
// European languages the pages show.
var stampWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`
		updated published posted last modified on at am pm a.m p.m the of gmt utc est edt cst cdt mst mdt pst pdt et ct pt bst cet cest hkt ist jst aest mez mesz
		january february march april may june july august september october november december
		jan feb mar apr jun jul aug sep sept oct nov dec
		monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thurs fri sat sun
		aktualisiert veröffentlicht publiziert erstellt stand geändert zuletzt uhr um am vom
		januar februar märz mai juni juli oktober dezember jänner
		montag dienstag mittwoch donnerstag freitag samstag sonntag
		publié mis à jour le du à janvier février mars avril juin juillet août septembre octobre novembre décembre
		lundi mardi mercredi jeudi vendredi samedi dimanche
		publicado actualizado actualización el de enero febrero marzo abril mayo junio julio agosto septiembre setiembre octubre noviembre diciembre
		lunes martes miércoles jueves viernes sábado domingo
		atualizado em janeiro fevereiro março maio junho julho setembro outubro dezembro
		pubblicato aggiornato il gennaio febbraio aprile maggio giugno luglio settembre ottobre dicembre
		opublikowano aktualizacja zaktualizowano stycznia lutego marca kwietnia maja czerwca lipca sierpnia września października listopada grudnia
		gepubliceerd bijgewerkt op januari februari maart mei augustus
		`) {
		m[w] = true
	}
	return m
}()

// isDateStampLine reports a short line that is only a date, with or
// without a time, a weekday and a label: "Updated 1:39 am EST, Wednesday,
// November 20, 2019", "Aktualisiert: 11.04.2020, 10:27", "16 marca 2021".
func isDateStampLine(s string, runes int32) bool {
	if runes > 80 || !hasDigit(s) {
		return false
	}
	digits, words, dotted := 0, 0, false
	for i := 0; i < len(s); {
		// The next run of letters, digits and dots.
		r, size := utf8.DecodeRuneInString(s[i:])
		if !(r >= '0' && r <= '9' || r == '.' || unicode.IsLetter(r)) {
			i += size
			continue
		}
		j := i
		for j < len(s) {
			r, size := utf8.DecodeRuneInString(s[j:])
			if !(r >= '0' && r <= '9' || r == '.' || unicode.IsLetter(r)) {
				break
			}
			j += size
		}
		f := strings.Trim(s[i:j], ".")
		i = j
		switch {
		case f == "":
		case isDateNumber(f):
			digits++
			dotted = dotted || strings.Count(f, ".") == 2
		case stampWords[lowerASCIIFirst(f)]:
			words++
		default:
			return false
		}
	}
	// A label, month or weekday, or a dd.mm.yyyy date: bare numbers are
	// a phone number or a score as well.
	return digits > 0 && (words > 0 || dotted)
}

// isDateNumber reports a number as dates write them: 2019, 20th, 11.04.2020,
// 4., 18h30 (1:39 is split at the colon before this).
func isDateNumber(f string) bool {
	n := 0
	for n < len(f) && (f[n] >= '0' && f[n] <= '9' || f[n] == '.') {
		n++
	}
	if n == 0 {
		return false
	}
	rest := strings.ToLower(f[n:])
	if len(rest) > 1 && rest[0] == 'h' && strings.Trim(rest[1:], "0123456789") == "" {
		return true // 18h30
	}
	switch rest {
	case "", "st", "nd", "rd", "th", "h", "er", "e", "º":
		return true
	}
	return false
}

// bylinePrefixes open a byline: "By Jill Disis, CNN Business".
var bylinePrefixes = []string{"By ", "by ", "BY ", "Von ", "von ", "VON ", "Par ", "par ", "Por ", "por ", "Door ", "Di ", "Av "}

// isBylineLine reports a short byline: a prefix, then names (capitalised
// words, "and", a comma, a date), no sentence.
func isBylineLine(s string, runes int32) bool {
	if runes > 80 || !hasAnyPrefix(s, bylinePrefixes...) {
		return false
	}
	rest := s[strings.IndexByte(s, ' ')+1:]
	if strings.ContainsAny(rest, "!?;") || strings.Contains(rest, ". ") && !hasDigit(rest) {
		return false
	}
	names := 0
	for _, f := range strings.FieldsFunc(rest, func(r rune) bool { return !unicode.IsLetter(r) && r != '\'' }) {
		r, _ := utf8.DecodeRuneInString(f)
		switch {
		case unicode.IsUpper(r):
			names++
		case stampWords[strings.ToLower(f)], f == "and", f == "und", f == "et", f == "y", f == "e", f == "en", f == "i", f == "och", f == "in", f == "de", f == "van", f == "von", f == "der", f == "da", f == "di":
		default:
			return false
		}
	}
	return names > 0 && names <= 8
}
