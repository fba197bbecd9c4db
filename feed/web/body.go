package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
)

// maxBody caps the body of a JSON write, as received: 4 MiB (README,
// "JSON API"). Past it the answer is a 413 that names the limit.
const maxBody = 4 << 20

// readObject reads the body of a JSON write (every API POST, PUT and PATCH
// that takes one): at most maxBody bytes as sent, holding one JSON object
// and nothing after it. Anything else is refused, before any of it is
// looked at, with a 400 naming what is wrong: "the body must be a JSON
// object, not null" (or an array, a string, a number), "the body is not
// valid JSON: ..." for junk and truncated documents, and with a 413 for a
// body over the limit.
func readObject(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		if errors.As(err, new(*http.MaxBytesError)) {
			return nil, err
		}
		return nil, refuse(errMalformed, "the body could not be read").because(err)
	}
	if err := json.Unmarshal(body, new(json.RawMessage)); err != nil {
		if len(bytes.TrimSpace(body)) == 0 {
			return nil, refuse(errMalformed, "the body is empty: it must be a JSON object")
		}
		return nil, refuse(errMalformed, "the body is not valid JSON: "+strings.TrimPrefix(err.Error(), "json: "))
	}
	if kind := jsonKind(body); kind != "object" {
		return nil, refuse(errMalformed, "the body must be a JSON object, not "+kind)
	}
	return body, nil
}

// jsonKind names the kind of the valid JSON value in b.
func jsonKind(b []byte) string {
	b = bytes.TrimLeft(b, " \t\r\n")
	switch b[0] {
	case '{':
		return "object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 'n':
		return "null"
	case 't', 'f':
		return "a boolean"
	}
	return "a number"
}

// decodeJSON reads the body of a JSON write (see readObject) into v,
// refusing fields v does not have and values of the wrong type with a 400.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := readObject(w, r)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return refuse(errMalformed, decodeProblem(err, v))
	}
	return nil
}

// decodeProblem says what is wrong with a body that is a JSON object but
// not one of the fields of v expected: "name must be a string, not a
// number", "the body has an unknown field \"colour\" (known: ...)".
func decodeProblem(err error, v any) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return te.Field + " must be " + typeName(te.Type) + ", not " + valueName(te.Value)
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	if rest, ok := strings.CutPrefix(msg, "unknown field "); ok {
		name, err := strconv.Unquote(rest)
		if err != nil {
			return "the body has an unknown field " + rest
		}
		return unknownField(name, jsonFieldNames(reflect.TypeOf(v)))
	}
	return "the body does not fit: " + msg
}

// unknownField is the message of a body with the field name, which is not
// one of known: "the body has an unknown field \"colour\" (known: name,
// url)", or for "" "the body has a field with an empty name (known: ...)".
func unknownField(name string, known []string) string {
	msg := "the body has an unknown field " + strconv.Quote(name)
	if name == "" {
		msg = "the body has a field with an empty name"
	}
	if len(known) > 0 {
		msg += " (known: " + strings.Join(known, ", ") + ")"
	}
	return msg
}

// jsonFieldNames returns the names encoding/json decodes into the struct
// t (or what it points to), in the order of its fields.
func jsonFieldNames(t reflect.Type) []string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	var names []string
	for f := range t.Fields() {
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		switch {
		case tag == "-":
		case f.Anonymous && name == "":
			names = append(names, jsonFieldNames(f.Type)...)
		case !f.IsExported():
		case name != "":
			names = append(names, name)
		default:
			names = append(names, f.Name)
		}
	}
	return names
}

// typeName names the JSON values a Go type takes.
func typeName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		if e := typeName(t.Elem()); strings.HasPrefix(e, "a ") {
			return "an array of " + strings.TrimPrefix(e, "a ") + "s"
		}
		return "an array"
	}
	return "an object"
}

// valueName names a kind of JSON value as encoding/json reports it
// ("number", "object", "number 1.5").
func valueName(v string) string {
	switch kind, _, _ := strings.Cut(v, " "); kind {
	case "array", "object":
		return "an " + kind
	case "bool":
		return "a boolean"
	case "number", "string":
		return "a " + kind
	}
	return v
}
