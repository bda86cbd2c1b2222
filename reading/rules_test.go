package reading

import (
	"strings"
	"testing"
)

// TestRuleTables: the tables build into a lexicon without problems, every
// rule has a unique name and words, and the shapes that need verbs name them.
func TestRuleTables(t *testing.T) {
	for _, p := range lexProblems {
		t.Error(p)
	}
	names := map[string]bool{}
	for _, r := range rules {
		if r.name == "" || names[r.name] {
			t.Errorf("rule name %q empty or repeated", r.name)
		}
		names[r.name] = true
		if len(r.hans)+len(r.hant)+len(r.en) == 0 {
			t.Errorf("%s: no words", r.name)
		}
		needsVerbs := r.shape == shapeGoverns || r.shape == shapeFollows || r.shape == shapeAfterVerb ||
			r.shape == shapeOpens || r.shape == shapePast
		if needsVerbs && r.verbs == 0 {
			t.Errorf("%s: shape needs verbs", r.name)
		}
		if r.act != "" && actBit(r.act) == 0 {
			t.Errorf("%s: unknown act %q", r.name, r.act)
		}
	}
	for _, a := range actOrder {
		found := false
		for _, r := range rules {
			found = found || r.act == a
		}
		if !found {
			t.Errorf("no rule gives %s", a)
		}
	}
	if pastRule < 0 || finalLeRule < 0 {
		t.Error("past-form or final-le rule missing")
	}
}

// TestRuleScripts: every act with Chinese words has them in both scripts,
// so a traditional-Chinese applicant is read as well as a simplified one.
func TestRuleScripts(t *testing.T) {
	for _, r := range rules {
		if (len(r.hans) == 0) != (len(r.hant) == 0) {
			t.Errorf("%s: simplified %d words, traditional %d", r.name, len(r.hans), len(r.hant))
		}
	}
	for _, w := range vocabulary {
		if (len(w.hans) == 0) != (len(w.hant) == 0) {
			t.Errorf("class %d: simplified %d words, traditional %d", w.class, len(w.hans), len(w.hant))
		}
	}
}

// TestLexiconLongestFirst: where words share a start, the longer wins its
// characters (没问题 over 没, 请问 over 请).
func TestLexiconLongestFirst(t *testing.T) {
	for text, want := range map[string]string{
		"没问题":     "没问题",
		"请问":      "请问",
		"不好意思":    "不好意思",
		"have to": "have to",
		"haven't": "n't",
		"prefix":  "",
		"HAVE TO": "have to",
	} {
		hits, _ := lex.scan(text, nil)
		got := ""
		if len(hits) > 0 {
			got = strings.ToLower(text[hits[0].start:hits[0].end])
			if hits[0].e.word != got {
				t.Errorf("%q: word %q at %q", text, hits[0].e.word, got)
			}
		}
		if got != want {
			t.Errorf("%q: first word %q, want %q", text, got, want)
		}
	}
}
