package filing

import (
	"strings"
	"testing"
)

func TestDiff(t *testing.T) {
	old := mustFiling(t, enterpriseInput())
	in := enterpriseInput()
	in.Website.Name = "示例商城（新）"
	in.Website.Responsible = in.Subject.Responsible // now the same person: no authorization letter needed
	new := mustFiling(t, in)
	changes := Diff(old, new, false)
	fields := map[string]FieldChange{}
	for _, c := range changes {
		fields[c.Field] = c
	}
	if c, ok := fields["website.name"]; !ok || c.New != "示例商城（新）" {
		t.Errorf("website.name change missing: %+v", changes)
	}
	if c, ok := fields["website.responsible.id_number"]; !ok || strings.Contains(c.Old+c.New, "110") && !strings.Contains(c.Old+c.New, "*") {
		t.Errorf("id change %+v", c)
	}
	for _, c := range changes {
		if strings.HasSuffix(c.Field, ".name") && strings.HasPrefix(c.Field, "website.responsible") && !strings.Contains(c.New, "*") {
			t.Errorf("staff diff shows a name unmasked: %+v", c)
		}
	}
	if _, ok := fields["subject.name"]; ok {
		t.Error("unchanged subject name listed")
	}
	if !MaterialsChanged(old, new) {
		t.Error("the authorization letter is no longer needed: materials changed")
	}
	if len(Diff(old, old, true)) != 0 || MaterialsChanged(old, old) {
		t.Error("no change listed changes")
	}
}
