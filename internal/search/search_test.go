package search

import "testing"

func TestText(t *testing.T) {
	got := Text([]string{"上海华东精密机械有限公司", "", "Sales@HDJM.cn"}, []string{"021-5080 1234", "13812345678"})
	want := "上海华东精密机械有限公司\nsales@hdjm.cn\n021-5080 1234\n02150801234\n13812345678"
	if got != want {
		t.Fatalf("Text = %q, want %q", got, want)
	}
}

func TestParse(t *testing.T) {
	for _, c := range []struct {
		in    string
		want  string
		short bool
		bad   bool
	}{
		{"华东精密", "华东精密", false, false},
		{"  张伟 ", "张伟", true, false},
		{"021-5080 1234", "02150801234", false, false},
		{"+86 (21) 5080-1234", "862150801234", false, false},
		{"Sales@HDJM.cn", "sales@hdjm.cn", false, false},
		{"12", "12", true, false},
		{"a  b", "a b", false, false},
		{"张", "", false, true},
		{"", "", false, true},
		{string(make([]rune, 101)), "", false, true},
	} {
		q, err := Parse(c.in)
		if (err != nil) != c.bad || (!c.bad && (q.Text != c.want || q.Short != c.short)) {
			t.Errorf("Parse(%q) = %+v, %v; want %q short %v bad %v", c.in, q, err, c.want, c.short, c.bad)
		}
	}
}

func TestRank(t *testing.T) {
	if Rank("上海华东精密机械", "华东") != 0 || Rank("Other", "华东") != 1 {
		t.Fatal("rank")
	}
}
