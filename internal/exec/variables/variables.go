// Package variables checks an operation's variable values as the GraphQL specification's input coercion
// says (sections 3.5, 3.10, 3.11 and 6.1.2), on the values as the client wrote them in JSON.
//
// gqlgen coerces variables with gqlparser's validator.VariableValues, which is lax where the specification
// is strict and words its errors after Go types: a numeric string passes for an Int or a Float, a number
// passes for a String, an Int is not held to 32 bits, and since JSON numbers arrive as json.Number (a Go
// string, which keeps the literal as written) a number for a Boolean is reported as "string", and a
// fraction for an Int as "cannot use value 0". No choice of Go type in the decoder fixes that: with
// float64, 1e3 and 10.0 become 1000 and 10 and pass, and integers past 2^53 are rounded. So Check runs
// after the document validated, on the json.Number values that keep what the client wrote, and its errors
// take the place of gqlparser's: it refuses everything gqlparser refuses and more.
//
// Check returns errors only. It does not replace the coerced values gqlgen computed: everything it lets
// through, gqlgen already accepts and converts. Custom scalars (Date, DateTime, federation's _Any) are left
// to their own unmarshalers, which refuse bad values during execution. Input objects may carry a
// "__typename" member, which is ignored as gqlparser ignores it: clients such as Apollo's send objects
// read from their cache back as inputs.
//
// It knows nothing of HTTP or of roomgraph's schema.
package variables

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Check checks values, the variables of a request as decoded from JSON with numbers kept as json.Number,
// against the variable definitions of op, an operation of a document that validated against schema. It
// returns the first value that does not coerce, as a GRAPHQL_VALIDATION_FAILED error whose path is
// ["variable", name, …] and whose message names the variable, the place in it and the value given.
func Check(schema *ast.Schema, op *ast.OperationDefinition, values map[string]any) *gqlerror.Error {
	for _, def := range op.VariableDefinitions {
		v, given := values[def.Variable]
		if !given {
			if def.DefaultValue == nil && def.Type.NonNull {
				return fail(def, nil, `Variable "$%s" of required type "%s" was not provided`, def.Variable, def.Type.String())
			}
			continue // the default, checked by validation, or nothing
		}
		if v == nil {
			if def.Type.NonNull {
				return fail(def, nil, `Variable "$%s" of non-null type "%s" must not be null`, def.Variable, def.Type.String())
			}
			continue
		}
		c := checker{schema: schema, def: def}
		if err := c.value(def.Type, v, ast.Path{ast.PathName(def.Variable)}); err != nil {
			return err
		}
	}
	return nil
}

// checker checks the value of one variable.
type checker struct {
	schema *ast.Schema
	def    *ast.VariableDefinition
}

// value checks v, not nil, at path (which starts with the variable's name) against typ.
func (c checker) value(typ *ast.Type, v any, path ast.Path) *gqlerror.Error {
	if typ.Elem != nil {
		list, ok := v.([]any)
		if !ok {
			// A single value stands for a list of one (input coercion of lists).
			return c.item(typ.Elem, v, path)
		}
		for i, item := range list {
			if err := c.item(typ.Elem, item, append(path, ast.PathIndex(i))); err != nil {
				return err
			}
		}
		return nil
	}
	def := c.schema.Types[typ.NamedType]
	if def == nil {
		return nil // validation guarantees the type exists; nothing to say about one it does not know
	}
	switch def.Kind {
	case ast.Scalar:
		return c.scalar(def.Name, v, path)
	case ast.Enum:
		s, ok := v.(string)
		if !ok {
			return c.invalid(v, path, "%s takes the name of one of its values as a string, not %s", def.Name, kind(v))
		}
		if def.EnumValues.ForName(s) == nil {
			return c.invalid(v, path, "%s has no value named %s", def.Name, show(v))
		}
		return nil
	case ast.InputObject:
		return c.object(def, v, path)
	}
	return nil
}

// item checks one element of a list, or a value standing for a list of one: null only where the element
// type allows it.
func (c checker) item(typ *ast.Type, v any, path ast.Path) *gqlerror.Error {
	if v == nil {
		if typ.NonNull {
			return c.invalid(v, path, "%s must not be null", typ.String())
		}
		return nil
	}
	return c.value(typ, v, path)
}

// The bounds of the specification's Int.
const (
	minInt = math.MinInt32
	maxInt = math.MaxInt32
)

// scalar checks v against a built-in scalar; custom scalars take anything here.
func (c checker) scalar(name string, v any, path ast.Path) *gqlerror.Error {
	switch name {
	case "Int":
		text, ok := number(v)
		if !ok {
			return c.invalid(v, path, "Int takes a JSON number, not %s", kind(v))
		}
		if !isInteger(text) {
			return c.invalid(v, path, "Int takes an integer written without a fraction or an exponent")
		}
		if n, err := strconv.ParseInt(text, 10, 64); err != nil || n < minInt || n > maxInt {
			return c.invalid(v, path, "Int is a 32-bit signed integer, from %d to %d", minInt, maxInt)
		}
	case "Float":
		text, ok := number(v)
		if !ok {
			return c.invalid(v, path, "Float takes a JSON number, not %s", kind(v))
		}
		// Past the largest float64 is refused; below the smallest rounds to zero, as JSON parsers do.
		if f, err := strconv.ParseFloat(text, 64); math.IsInf(f, 0) || err != nil && !errors.Is(err, strconv.ErrRange) {
			return c.invalid(v, path, "Float takes a finite number within 64-bit floating point")
		}
	case "String":
		if _, ok := v.(string); !ok {
			return c.invalid(v, path, "String takes a JSON string, not %s", kind(v))
		}
	case "Boolean":
		if _, ok := v.(bool); !ok {
			return c.invalid(v, path, "Boolean takes true or false, not %s", kind(v))
		}
	case "ID":
		if _, ok := v.(string); ok {
			return nil
		}
		text, ok := number(v)
		if !ok {
			return c.invalid(v, path, "ID takes a string or an integer, not %s", kind(v))
		}
		if !isInteger(text) {
			return c.invalid(v, path, "ID takes a string or an integer written without a fraction or an exponent")
		}
	}
	return nil
}

// object checks v against an input object type: an object whose members are fields of def, each of its
// type, and every required field without a default given.
func (c checker) object(def *ast.Definition, v any, path ast.Path) *gqlerror.Error {
	m, ok := v.(map[string]any)
	if !ok {
		return c.invalid(v, path, "%s takes a JSON object, not %s", def.Name, kind(v))
	}
	for name, fv := range m {
		if name != "__typename" && def.Fields.ForName(name) == nil {
			return c.invalid(fv, append(path, ast.PathName(name)), "%s has no field %s", def.Name, strconv.Quote(clip(name)))
		}
	}
	for _, f := range def.Fields {
		fv, given := m[f.Name]
		p := append(path, ast.PathName(f.Name))
		switch {
		case !given && f.Type.NonNull && f.DefaultValue == nil:
			return c.invalid(v, path, "%s's field %q of required type %q was not provided", def.Name, f.Name, f.Type.String())
		case !given:
		case fv == nil && f.Type.NonNull:
			return c.invalid(fv, p, "%s must not be null", f.Type.String())
		case fv == nil:
		default:
			if err := c.value(f.Type, fv, p); err != nil {
				return err
			}
		}
	}
	return nil
}

// invalid is the error for the value v at path, why saying what was expected.
func (c checker) invalid(v any, path ast.Path, why string, args ...any) *gqlerror.Error {
	msg := fmt.Sprintf(`Variable "$%s" got invalid value %s`, c.def.Variable, show(v))
	if len(path) > 1 {
		msg += fmt.Sprintf(" at %q", pathString(path))
	}
	return fail(c.def, path, "%s; %s", msg, fmt.Sprintf(why, args...))
}

// fail builds the error: at the variable's definition, with the path ["variable", path…] (the variable's
// name alone when path is nil).
func fail(def *ast.VariableDefinition, path ast.Path, format string, args ...any) *gqlerror.Error {
	if path == nil {
		path = ast.Path{ast.PathName(def.Variable)}
	}
	err := gqlerror.ErrorPosf(def.Position, format, args...)
	err.Path = append(ast.Path{ast.PathName("variable")}, path...)
	errcode.Set(err, errcode.ValidationFailed)
	return err
}

// pathString writes path as graphql-js does: f.ids[1].
func pathString(path ast.Path) string {
	var b strings.Builder
	for i, el := range path {
		switch el := el.(type) {
		case ast.PathIndex:
			fmt.Fprintf(&b, "[%d]", int(el))
		case ast.PathName:
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(clip(string(el)))
		}
	}
	return b.String()
}

// number returns the text of a JSON number as the client wrote it.
func number(v any) (string, bool) {
	switch n := v.(type) {
	case json.Number:
		return string(n), true
	case float64:
		// Not from the gateway's decoders (they keep json.Number); 1e3 and 1000 are one value here.
		return strconv.FormatFloat(n, 'f', -1, 64), true
	case int:
		return strconv.Itoa(n), true
	case int64:
		return strconv.FormatInt(n, 10), true
	}
	return "", false
}

// isInteger reports whether a JSON number is written as an integer: no fraction, no exponent.
func isInteger(text string) bool {
	return text != "" && !strings.ContainsAny(text, ".eE")
}

// kind names the JSON kind of v, with its article.
func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	}
	if _, ok := number(v); ok {
		return "a number"
	}
	return fmt.Sprintf("a %T", v)
}

// maxShown bounds the part of a value or a name that an error message repeats.
const maxShown = 40

// show writes v for a message as the client wrote it: numbers as their literal, strings quoted and
// clipped; objects and lists only by their brackets (they may be large, and their members have their
// own errors).
func show(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(v)
	case string:
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false) // the message is JSON-encoded once more in the response; "<" stays "<"
		_ = enc.Encode(clip(v))
		return strings.TrimSuffix(b.String(), "\n")
	case map[string]any:
		if len(v) == 0 {
			return "{}"
		}
		return "{…}"
	case []any:
		if len(v) == 0 {
			return "[]"
		}
		return "[…]"
	}
	if text, ok := number(v); ok {
		return clip(text)
	}
	return kind(v)
}

// clip cuts s to maxShown bytes, at a rune boundary, marking the cut.
func clip(s string) string {
	if len(s) <= maxShown {
		return s
	}
	cut := maxShown
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
