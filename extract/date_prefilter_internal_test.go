package extract

import (
	"testing"
)

// FuzzNamedDatePrefilter checks that mayHaveNamedDate is false only where
// reDayMonth and reNameDay find nothing, and relativeMatch gives
// reRelative's answer, and hasDMYCore is exactly whether reDMY matches: the prefilters skip work, never a date.
func FuzzNamedDatePrefilter(f *testing.F) {
	for _, s := range []string{"5 mars 2020", "1. März 2020", "2 de abril de 2020", "15 августа 2016", "8th of May, 2020",
		"March 5, 2020", "Sept. 3rd 2019", "Dezember 29, 2021", "APP下载v2.0", "3天前", "ETC卡2024年", "Mayde 2020", "a\xffb 3", "23/11/2023", "1. 2. 2020", "23-11-2023 21:55", "2024-03-05", "1.2.2020", "12.3.\t2021", "1/2-3333"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !mayHaveNamedDate(s) && (reDayMonth.MatchString(s) || reNameDay.MatchString(s)) {
			t.Errorf("mayHaveNamedDate(%q) = false, but a named-month pattern matches", s)
		}
		if got, want := hasDMYCore(s), reDMY.MatchString(s); got != want {
			t.Errorf("hasDMYCore(%q) = %v, reDMY matches: %v", s, got, want)
		}
		got, want := relativeMatch(s), reRelative.FindStringSubmatchIndex(s)
		if len(got) != len(want) || (got != nil && got[0] != want[0]) {
			t.Errorf("relativeMatch(%q) = %v, want %v", s, got, want)
		}
	})
}

func TestNamedDatePrefilter(t *testing.T) {
	for s, want := range map[string]bool{"5 mars 2020": true, "March 5, 2020": true, "15 августа 2016": true, "2 de abril de 2020": true,
		"APP下载v2.0": false, "ETC卡2024年": false, "信用卡2024年3月": false} {
		if got := mayHaveNamedDate(s); got != want {
			t.Errorf("mayHaveNamedDate(%q) = %v, want %v", s, got, want)
		}
	}
}
