package inbox

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"example.com/icpdesk/templates"
)

// TestDecisionCorpus decides every message of testdata/corpus (mail as
// Foxmail, QQ Mail, 163/126, Outlook, Apple Mail, Alimail, WeCom, Gmail and
// Hong Kong and Taiwan clients write it) against its world, through the
// same functions as `icpdesk inbox inspect DIR --expect FILE`, and requires
// every decision the expectations file names.
func TestDecisionCorpus(t *testing.T) {
	exp, err := ReadExpectations(filepath.Join("testdata", "corpus", "expect.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	if exp.World == "" || len(exp.Lines) < 80 {
		t.Fatalf("the corpus names world %q and %d messages; want a world and at least 80", exp.World, len(exp.Lines))
	}
	w, err := LoadWorld(exp.World)
	if err != nil {
		t.Fatal(err)
	}
	r, err := templates.New(templates.DeskInfo{Name: "示例云备案中心", Address: "icp@example.cn"}, "", time.FixedZone("CST", 8*3600))
	if err != nil {
		t.Fatal(err)
	}
	p, opts, err := w.Processor(r.SubjectPhrases(), 3)
	if err != nil {
		t.Fatal(err)
	}
	files, err := MessageFiles([]string{filepath.Join("testdata", "corpus", "mail")})
	if err != nil {
		t.Fatal(err)
	}
	ins, err := p.InspectAll(context.Background(), files, opts, func(err error) { t.Errorf("not an email: %v", err) })
	if err != nil {
		t.Fatal(err)
	}
	rep := exp.Compare(ins)
	for _, d := range rep.Differences {
		t.Errorf("%s: %s is %q, want %q — %s", d.File, d.Field, d.Got, d.Expected, d.Why)
	}
	for _, m := range rep.Missing {
		t.Errorf("%s is expected but missing", m)
	}
	for _, u := range rep.Unexpected {
		t.Errorf("%s has no expectation", u)
	}
	t.Logf("%d/%d decided as expected", rep.Matched, rep.Total)

	// Every resubmission quotes what it was read from, and none was read
	// from a message whose words take it back.
	for _, in := range ins {
		if in.Decision == string(DecisionResubmission) || in.Decision == string(DecisionLateResubmission) {
			if in.Verdict.Understood == "" {
				t.Errorf("%s: a resubmission with nothing understood to quote", in.File)
			}
		}
	}
}

// TestCorpusReportsDifferences: a wrong expectation is reported with the
// field, what was expected, what came, and why.
func TestCorpusReportsDifferences(t *testing.T) {
	exp := &Expectations{Path: "x/expect.tsv", Lines: []Expectation{
		{File: "a.eml", Decision: string(DecisionResubmission)},
		{File: "b.eml", Decision: string(DecisionCorrespondence), NeedsReply: "yes"},
		{File: "c.eml", Decision: string(DecisionCorrespondence)},
	}}
	rep := exp.Compare([]Inspection{
		{File: "x/a.eml", Decision: string(DecisionCorrespondence), Why: "no statement that the work is done"},
		{File: "x/b.eml", Decision: string(DecisionCorrespondence), NeedsReply: true},
		{File: "x/d.eml", Decision: string(DecisionIgnored)},
	})
	if rep.OK() || rep.Matched != 1 || rep.Total != 2 || len(rep.Differences) != 1 || len(rep.Missing) != 1 || len(rep.Unexpected) != 1 {
		t.Fatalf("report %+v", rep)
	}
	if d := rep.Differences[0]; d.Field != "decision" || d.Expected != "resubmission" || d.Got != "correspondence" || d.Why == "" {
		t.Fatalf("difference %+v", d)
	}
}
