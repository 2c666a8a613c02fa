// Package validate holds the input checks shared by the data model: text
// lengths counted in characters (not bytes, so Chinese names get the same
// room as English ones), e-mail addresses, phone numbers and web addresses.
// Each returns a ready-made validator for an ent string field; an empty
// value passes, because optional fields may be blank.
package validate

import (
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Text returns a validator for free text of at most max characters that
// contains no control characters other than line breaks and tabs.
func Text(max int) func(string) error {
	return func(s string) error {
		if !utf8.ValidString(s) {
			return errors.New("is not valid UTF-8")
		}
		if n := utf8.RuneCountInString(s); n > max {
			return fmt.Errorf("is %d characters long; at most %d allowed", n, max)
		}
		for _, r := range s {
			if unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' {
				return errors.New("contains control characters")
			}
		}
		return nil
	}
}

// Name returns a validator for a required one-line name of at most max characters.
func Name(max int) func(string) error {
	text := Text(max)
	return func(s string) error {
		if strings.TrimSpace(s) == "" {
			return errors.New("must not be blank")
		}
		if strings.ContainsAny(s, "\r\n") {
			return errors.New("must be a single line")
		}
		return text(s)
	}
}

// Email accepts a bare address such as "li.na@example.com".
func Email(s string) error {
	if s == "" {
		return nil
	}
	if len(s) > 254 {
		return errors.New("is too long")
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return errors.New("is not an e-mail address")
	}
	if at := strings.LastIndexByte(s, '@'); !strings.Contains(s[at+1:], ".") {
		return errors.New("is not an e-mail address")
	}
	return nil
}

var phonePattern = regexp.MustCompile(`^\+?[0-9(][0-9 ()\-]{4,22}[0-9](\s*(ext\.?|x|转)\s*[0-9]{1,6})?$`)

// Phone accepts Chinese and international numbers as people write them:
// "+86 21 6288 1234", "(021) 6288-1234", "13812345678", "010-8888 6666 转 123".
func Phone(s string) error {
	if s == "" {
		return nil
	}
	if !phonePattern.MatchString(s) {
		return errors.New("is not a phone number")
	}
	return nil
}

// URL accepts an absolute http or https address.
func URL(s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(s) > 2048 {
		return errors.New("is not an http(s) address")
	}
	return nil
}

var slugPattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$`)

// Slug accepts an organisation slug: lower-case letters, digits and inner hyphens.
func Slug(s string) error {
	if !slugPattern.MatchString(s) {
		return errors.New("must be 1-63 lower-case letters, digits or hyphens")
	}
	return nil
}

// TimeZone accepts an IANA time zone name such as "Asia/Shanghai".
func TimeZone(s string) error {
	if s == "" || s == "Local" {
		return errors.New("must be an IANA time zone name")
	}
	if _, err := time.LoadLocation(s); err != nil {
		return errors.New("is not a known IANA time zone")
	}
	return nil
}

// Day checks a calendar day written YYYY-MM-DD.
func Day(s string) error {
	if _, err := time.Parse(time.DateOnly, s); err != nil || len(s) != 10 {
		return fmt.Errorf("%q is not a day like 2026-10-01", s)
	}
	return nil
}
