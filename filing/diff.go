package filing

import (
	"reflect"
	"strings"
)

// Diff lists what changed between two versions of a filing's data, field by
// field, as staff and the applicant read it: ID numbers and phones masked
// (the database holds no raw ID number anyway). Names are shown as written
// when forApplicant, masked otherwise (events are read by staff for years).
func Diff(old, new Filing, forApplicant bool) []FieldChange {
	var out []FieldChange
	add := func(field, o, n string) {
		if o != n {
			out = append(out, FieldChange{Field: field, Old: o, New: n})
		}
	}
	name := func(s string) string {
		if forApplicant {
			return s
		}
		return MaskName(s)
	}
	person := func(field string, o, n *Person) {
		var op, np Person
		if o != nil {
			op = *o
		}
		if n != nil {
			np = *n
		}
		add(field+".name", name(op.Name), name(np.Name))
		if op.IDFingerprint != np.IDFingerprint {
			add(field+".id_number", op.IDMasked, np.IDMasked)
		}
		add(field+".phone", MaskPhone(op.Phone), MaskPhone(np.Phone))
		add(field+".email", op.Email, np.Email)
	}
	add("subject.type", string(old.Subject.Type), string(new.Subject.Type))
	add("subject.name", old.Subject.Name, new.Subject.Name)
	if old.Subject.LegalRepresentative != nil || new.Subject.LegalRepresentative != nil {
		person("subject.legal_representative", old.Subject.LegalRepresentative, new.Subject.LegalRepresentative)
	}
	person("subject.responsible", &old.Subject.Responsible, &new.Subject.Responsible)
	add("website.name", old.Website.Name, new.Website.Name)
	person("website.responsible", &old.Website.Responsible, &new.Website.Responsible)
	add("website.domains", domainList(old.Website.Domains), domainList(new.Website.Domains))
	return out
}

func domainList(ds []Domain) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = d.Name + " (" + d.Registrant + ")"
	}
	return strings.Join(parts, ", ")
}

// MaterialsChanged reports whether the two versions need different
// materials, so the applicant must be sent the corrected checklist.
func MaterialsChanged(old, new Filing) bool {
	return !reflect.DeepEqual(Checklist(old), Checklist(new))
}
