package warc

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/finarchive/finarchive/extract"
	"github.com/finarchive/finarchive/store"
)

// pageJSONLine must write, from the metadata record's JSON, the bytes
// json.Marshal writes for the page's line, whatever the strings hold.
func TestPageJSONLine(t *testing.T) {
	at := time.Date(2024, 5, 6, 7, 8, 9, 123, time.FixedZone("CST", 8*3600))
	strs := []string{"", "plain", `say "hi" \ back\\slash\"`, "<b>&amp;</b>", "line\nbreak\ttab\r\x01\x1f",
		"信用卡逾期怎么办", "sep\u2028\u2029", "bad \xff\xfe utf-8", `\`, `"`, `\"`, "tail\\", strings.Repeat("长", 5000)}
	for _, u := range []string{"https://a.example/x?q=1&r=<2>", `https://a.example/"q"`} {
		for _, title := range strs {
			for _, body := range strs {
				er := &store.ExportRecord{Record: extract.Record{URL: u, Title: title, Body: body, BodyHTML: "<p>" + body + "</p>",
					FetchedAt: at, Keywords: []string{`"body":"x"`}}}
				var meta bytes.Buffer
				if err := json.NewEncoder(&meta).Encode(er); err != nil {
					t.Fatal(err)
				}
				got, err := pageJSONLine(er, bytes.TrimSuffix(meta.Bytes(), []byte("\n")))
				if err != nil {
					t.Fatal(err)
				}
				want, _ := json.Marshal(pageLine{ID: pageID(u), Text: body, Title: title, TS: at.UTC().Format(time.RFC3339), URL: u})
				if want = append(want, '\n'); !bytes.Equal(got, want) {
					t.Fatalf("title %q body %q:\n got %s\nwant %s", title, body, got, want)
				}
				if _, _, _, ok := leadingStrings(meta.Bytes()); !ok {
					t.Fatalf("title %q body %q: metadata JSON not used: %.80s", title, body, meta.Bytes())
				}
			}
		}
	}
	// A JSON of another shape is not used: the line is Marshal's.
	er := &store.ExportRecord{Record: extract.Record{URL: "u", Title: "t", Body: "b"}}
	for _, meta := range []string{"", "{}", `{"title":"t","url":"u","body":"b"}`, `{"url":"u","title":"t","body":"b`} {
		got, err := pageJSONLine(er, []byte(meta))
		want, _ := json.Marshal(pageLine{ID: pageID("u"), Text: "b", Title: "t", TS: er.FetchedAt.UTC().Format(time.RFC3339), URL: "u"})
		if err != nil || string(got) != string(want)+"\n" {
			t.Errorf("meta %q: got %s, %v", meta, got, err)
		}
	}
}
