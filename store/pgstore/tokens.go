package pgstore

import (
	"strings"
	"unicode/utf8"

	"github.com/finarchive/finarchive/store"
)

// The search index's rows in tsvector form (see migrations/0002_search.sql).
// The lexemes are store.IndexTokens and store.IndexChars, each once, written
// as a tsvector literal and cast (no text-search configuration touches
// them).

// tsvector limits of PostgreSQL: a lexeme is at most 2047 bytes and a
// tsvector's lexemes take under 1 MiB.
const (
	maxLexemeBytes = 2046
	maxLexemeTotal = 1<<20 - 64<<10
)

// searchRow is the index row of a page's current version.
type searchRow struct {
	doc, title string // tsvector literals (no positions)
	bodyLen    int    // tokens in the body
}

// newSearchRow makes the index row of a page with title and body. A
// character is a lexeme of its own only where no bigram of the same text
// begins with it: a one-character query is the prefix query 'c':*, which
// those bigrams answer too. That leaves out nine in ten of a page's
// characters (a third of its lexemes, and of the index's work).
func newSearchRow(title, body string) searchRow {
	tt := store.IndexTokens(title)
	bt := store.IndexTokens(body)
	return searchRow{
		doc:     bare(tt, bt, loneChars(store.IndexChars(title, body), tt, bt)),
		title:   bare(tt, loneChars(store.IndexChars(title), tt)),
		bodyLen: len(bt),
	}
}

// loneChars returns the characters no bigram of the token lists begins
// with.
func loneChars(chars []string, tokens ...[]string) []string {
	starts := make(map[rune]bool, len(chars))
	for _, l := range tokens {
		for _, t := range l {
			if r, size := utf8.DecodeRuneInString(t); size < len(t) && r >= 0x2E80 {
				starts[r] = true // a Han bigram (words hold no Han)
			}
		}
	}
	out := chars[:0:0]
	for _, c := range chars {
		if r, _ := utf8.DecodeRuneInString(c); !starts[r] {
			out = append(out, c)
		}
	}
	return out
}

// appendLexeme appends lex quoted as a tsvector lexeme.
func appendLexeme(sb *strings.Builder, lex string) {
	sb.WriteByte('\'')
	if strings.ContainsAny(lex, `'\`) {
		lex = strings.NewReplacer(`'`, `''`, `\`, `\\`).Replace(lex)
	}
	sb.WriteString(lex)
	sb.WriteByte('\'')
}

// bare returns the distinct lexemes of the lists as a tsvector literal
// without positions.
func bare(lists ...[]string) string {
	seen := make(map[string]struct{}, 256)
	var sb strings.Builder
	total := 0
	for _, l := range lists {
		for _, lex := range l {
			if len(lex) > maxLexemeBytes {
				continue
			}
			if _, ok := seen[lex]; ok {
				continue
			}
			if total += len(lex); total > maxLexemeTotal {
				return sb.String()
			}
			seen[lex] = struct{}{}
			if sb.Len() > 0 {
				sb.WriteByte(' ')
			}
			appendLexeme(&sb, lex)
		}
	}
	return sb.String()
}

// tsquery returns the AND of the query parts' lexemes as a tsquery
// literal: a one-character part as the prefix 'c':* (see newSearchRow).
func tsquery(qp queryPlan) string {
	var sb strings.Builder
	for i, p := range qp.parts {
		for j, lex := range qp.lexemes[i] {
			if i > 0 || j > 0 {
				sb.WriteString(" & ")
			}
			appendLexeme(&sb, lex)
			if p.Han && p.Len() == 1 {
				sb.WriteString(":*")
			}
		}
	}
	return sb.String()
}
