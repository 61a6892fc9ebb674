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
