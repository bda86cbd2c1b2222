package config

import (
	"encoding"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
)

// decode reads a TOML document over cfg one key at a time, so a value of the
// wrong type (a duration without its unit, a port in quotes) is reported with
// its key and does not hide the problems of the other keys, and unknown keys
// are reported beside them. Only a syntax error stops it. A key the document
// sets replaces the default, lists included.
// It returns the document's metadata, so the caller can tell a key set to
// its default value from one not set.
func decode(doc string, cfg *Config) (toml.MetaData, []error, error) {
	var tables map[string]toml.Primitive
	md, err := toml.Decode(doc, &tables)
	if err != nil {
		return md, nil, err
	}
	var errs []error
	decodeTable(&md, tables, reflect.ValueOf(cfg).Elem(), nil, &errs)
	return md, errs, nil
}

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

// decodeTable decodes the keys of one table into the fields of dst, a struct,
// in the order of its fields; then it reports the keys no field takes.
func decodeTable(md *toml.MetaData, table map[string]toml.Primitive, dst reflect.Value, path []string, errs *[]error) {
	known := map[string]bool{}
	for i := range dst.NumField() {
		key := dst.Type().Field(i).Tag.Get("toml")
		if key == "" || key == "-" {
			continue
		}
		known[key] = true
		prim, ok := table[key]
		if !ok {
			continue
		}
		keyPath := append(slices.Clip(path), key)
		name := strings.Join(keyPath, ".")
		f := dst.Field(i)
		if f.Kind() == reflect.Struct && !reflect.PointerTo(f.Type()).Implements(textUnmarshaler) {
			var sub map[string]toml.Primitive
			// The decoder leaves a map untouched, without an error, when the
			// value is not a table.
			if md.Type(keyPath...) != "Hash" {
				*errs = append(*errs, fmt.Errorf("%s: want a table [%s]", name, name))
				continue
			}
			if err := md.PrimitiveDecode(prim, &sub); err != nil {
				*errs = append(*errs, fmt.Errorf("%s: %s", name, decodeMessage(err)))
				continue
			}
			decodeTable(md, sub, f, keyPath, errs)
			continue
		}
		v := reflect.New(f.Type()) // a fresh value: lists replace the defaults
		if err := md.PrimitiveDecode(prim, v.Interface()); err != nil {
			*errs = append(*errs, fmt.Errorf("%s: %s", name, decodeMessage(err)))
			continue
		}
		f.Set(v.Elem())
	}
	for _, key := range slices.Sorted(maps.Keys(table)) {
		if !known[key] {
			*errs = append(*errs, fmt.Errorf("unknown key %s", strings.Join(append(slices.Clip(path), key), ".")))
		}
	}
}

// decodeMessage is the reason of a decoding error without the decoder's
// position prefix (`toml: line 3 (last key "smtp.port"): `): the key is
// named already.
func decodeMessage(err error) string {
	var pe toml.ParseError
	if errors.As(err, &pe) && pe.Message != "" {
		return pe.Message
	}
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, "toml: "); ok {
		if _, after, found := strings.Cut(rest, "): "); found {
			return after
		}
		return rest
	}
	return msg
}
