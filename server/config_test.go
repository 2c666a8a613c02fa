package main

import (
	"os"
	"strings"
	"testing"
)

// The README's configuration table is the settings table, row for row.
func TestReadmeConfigurationTable(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if want := readmeTable(); !strings.Contains(string(readme), want) {
		t.Fatalf("README.md's configuration table differs from server/config.go's settings; it should read:\n\n%s", want)
	}
}

func TestHelpListsTheEnvironment(t *testing.T) {
	var b strings.Builder
	if err := run(t.Context(), []string{"--help"}, func(string) string { return "" }, &b); err != nil {
		t.Fatal(err)
	}
	for _, s := range settings {
		if !strings.Contains(b.String(), s.env) {
			t.Errorf("--help does not name %s", s.env)
		}
	}
}
