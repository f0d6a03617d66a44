package editdist

import "testing"

func TestLevenshtein(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"", "abc", 3}, {"abc", "", 3}, {"min_size", "min_size", 0},
		{"min_sise", "min_size", 1}, {"minsize", "min_size", 1}, {"user-helpr", "user-helper", 1},
		{"kitten", "sitting", 3}, {"ñandú", "nandu", 2},
	} {
		if got := Levenshtein(c.a, c.b); got != c.want {
			t.Errorf("Levenshtein(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := Levenshtein(c.b, c.a); got != c.want {
			t.Errorf("not symmetric for %q, %q", c.a, c.b)
		}
	}
}
