package extract

import (
	"slices"
	"testing"
)

// TestSplitCrumb: the label goes, whatever its wording (当前位置, 您所在的位
// 置), and a channel whose page is named alike is one item; a line about a
// place is no breadcrumb label.
func TestSplitCrumb(t *testing.T) {
	for in, want := range map[string][]string{
		"当前位置：首页 > 信用卡 > 正文":     {"首页", "信用卡"},
		"您所在的位置： 首页>快讯>公司>公司":    {"首页", "快讯", "公司"},
		"您现在的位置：首页 » 贷款 » 房贷":    {"首页", "贷款", "房贷"},
		"位置：首页 / 保险":             {"首页", "保险"},
		"首页 > 银行卡 > 银行卡 > 借记卡攻略": {"首页", "银行卡", "借记卡攻略"},
		"首页｜新华社记者看东北｜人物专访":       {"首页", "新华社记者看东北", "人物专访"},
		"网易首页-- > 主频道-- > 电力":    {"网易首页", "主频道", "电力"},
		"首页 专题频道 国内专题 新春走基层2022": {"首页", "专题频道", "国内专题", "新春走基层2022"},
		"Home News": {"Home News"},
	} {
		if got := splitCrumb(in); !slices.Equal(got, want) {
			t.Errorf("splitCrumb(%q) = %q, want %q", in, got, want)
		}
	}
	for _, s := range []string{"地理位置优越，交通便利", "网点位置：北京市朝阳区"} {
		if _, ok := crumbLabel(s); ok {
			t.Errorf("crumbLabel(%q): taken for a breadcrumb's label", s)
		}
	}
}

// TestKeywords: the title is no keyword, nor the markup of a broken tag
// (content="<meta name=" author…); nothing left is no keywords.
func TestKeywords(t *testing.T) {
	x := &extractor{rec: &Record{Title: "信用卡逾期怎么办？"}}
	for in, want := range map[string][]string{
		"信用卡,逾期,征信":         {"信用卡", "逾期", "征信"},
		"信用卡逾期怎么办？,逾期":      {"逾期"},
		"<meta name=":       nil,
		"信用卡逾期怎么办？":         nil,
		"贷款 \"房贷\" 利率=3.1%": {"贷款", "房贷"},
	} {
		if got := x.keywords(in); !slices.Equal(got, want) {
			t.Errorf("keywords(%q) = %q, want %q", in, got, want)
		}
	}
}
