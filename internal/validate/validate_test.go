package validate

import (
	"strings"
	"testing"
)

func TestValidators(t *testing.T) {
	for _, tc := range []struct {
		name  string
		check func(string) error
		in    string
		ok    bool
	}{
		{"text empty", Text(5), "", true},
		{"text chinese counts runes", Text(4), "上海咨询", true},
		{"text too long", Text(4), "上海咨询公司", false},
		{"text newline ok", Text(20), "a\nb", true},
		{"text control char", Text(20), "a\x00b", false},
		{"text invalid utf8", Text(20), "\xff", false},
		{"name ok", Name(10), "李娜", true},
		{"name blank", Name(10), "   ", false},
		{"name empty", Name(10), "", false},
		{"name multiline", Name(10), "a\nb", false},
		{"email ok", Email, "li.na@example.com", true},
		{"email empty", Email, "", true},
		{"email display name", Email, "Li Na <li.na@example.com>", false},
		{"email no at", Email, "li.na.example.com", false},
		{"email no dot in domain", Email, "li@localhost", false},
		{"email too long", Email, strings.Repeat("a", 250) + "@b.cn", false},
		{"phone mobile", Phone, "13812345678", true},
		{"phone intl", Phone, "+86 21 6288 1234", true},
		{"phone area code", Phone, "(021) 6288-1234", true},
		{"phone extension", Phone, "010-8888 6666 转 123", true},
		{"phone ext latin", Phone, "+1 415 555 0100 ext. 12", true},
		{"phone letters", Phone, "call me", false},
		{"phone too short", Phone, "123", false},
		{"url ok", URL, "https://example.cn/about", true},
		{"url no scheme", URL, "example.cn", false},
		{"url ftp", URL, "ftp://example.cn", false},
		{"slug ok", Slug, "demo-co", true},
		{"slug upper", Slug, "Demo", false},
		{"slug trailing hyphen", Slug, "demo-", false},
		{"slug empty", Slug, "", false},
		{"tz ok", TimeZone, "Asia/Shanghai", true},
		{"tz unknown", TimeZone, "Mars/Olympus", false},
		{"tz local", TimeZone, "Local", false},
		{"tz empty", TimeZone, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.check(tc.in)
			if (err == nil) != tc.ok {
				t.Fatalf("check(%q) = %v, want ok=%v", tc.in, err, tc.ok)
			}
		})
	}
}
