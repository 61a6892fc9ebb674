package extract

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
)

// TestDebugPage prints the analysis of the page in $EXTRACT_DEBUG (a file):
// the best candidates and the lines. It is a tool, skipped by default.
func TestDebugPage(t *testing.T) {
	f := os.Getenv("EXTRACT_DEBUG")
	if f == "" {
		t.Skip("set EXTRACT_DEBUG=page.html to print an analysis")
	}
	raw, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := Parse(raw, "")
	if err != nil {
		t.Fatal(err)
	}
	a := analyse(doc.Nodes[0])
	idx := make([]int, len(a.elems))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(i, j int) bool { return a.elems[idx[i]].weight > a.elems[idx[j]].weight })
	for _, i := range idx[:min(12, len(idx))] {
		e := a.elems[i]
		fmt.Printf("#%d %s.%s#%s w=%.0f text=%d link=%d inh=%b own=%b\n", i, e.n.Data, attr(e.n, "class"), attr(e.n, "id"), e.weight, e.text, e.link, e.inh, e.own)
	}
	fmt.Println("best", a.best)
	if v := os.Getenv("EXTRACT_DEBUG_ELEM"); v != "" {
		var k int
		fmt.Sscan(v, &k)
		for i := int32(k); i >= 0; i = a.elems[i].parent {
			e := a.elems[i]
			fmt.Printf("  up #%d %s.%s#%s w=%.0f ownW=%.0f text=%d link=%d inh=%b\n", i, e.n.Data, attr(e.n, "class"), attr(e.n, "id"), e.weight, e.ownW, e.text, e.link, e.inh)
		}
	}
	for i, l := range a.lines {
		mark := " "
		if a.best >= 0 && l.elem >= a.best && l.elem < a.elems[a.best].end {
			mark = "*"
		}
		fmt.Printf("%s%4d e%-5d f%-14b %s\n", mark, i, l.elem, l.inh, truncRunes(strings.ReplaceAll(l.text, "\n", " "), 100))
	}
}

func TestDebugTree(t *testing.T) {
	f := os.Getenv("EXTRACT_DEBUG_TREE")
	if f == "" {
		t.Skip()
	}
	raw, _ := os.ReadFile(f)
	doc, _ := Parse(raw, "")
	a := analyse(doc.Nodes[0])
	var lo, hi int
	fmt.Sscan(os.Getenv("EXTRACT_RANGE"), &lo, &hi)
	for i := lo; i < hi && i < len(a.elems); i++ {
		e := a.elems[i]
		d := 0
		for p := e.parent; p >= 0; p = a.elems[p].parent {
			d++
		}
		fmt.Printf("%s#%d %s.%s text=%d link=%d w=%.0f\n", strings.Repeat(" ", d), i, e.n.Data, attr(e.n, "class"), e.text, e.link, e.weight)
	}
}
