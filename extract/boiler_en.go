// This file holds the boilerplate knowledge of English and other European
// pages, as data: class and id words of the boxes around an article, and
// the lines that are never its text.

package extract

// boxWords are class and id words of boxes that are never the article:
// cookie and consent notices, newsletter sign-ups, push-notification
// prompts, paywall offers.
var boxWords = []string{"cookie", "consent", "gdpr", "newsletter", "signup", "sign-up", "paywall", "onesignal",
	"push-notification", "pushnotification"}

// captionWords are class and id words of figure captions and photo
// credits: shown beside the text, not part of it.
var captionWords = []string{"caption", "credit"}
