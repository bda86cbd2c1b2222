package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"example.com/icpdesk/desk"
	"example.com/icpdesk/filing"
	"example.com/icpdesk/inbox"
	"example.com/icpdesk/store"
)

// problem is an RFC 9457 problem detail. Type is a stable name (sent as
// the URN urn:icpdesk:problem:NAME); Field names the offending input.
type problem struct {
	Type     string           `json:"type"`
	Title    string           `json:"title"`
	Status   int              `json:"status"`
	Detail   string           `json:"detail,omitempty"`
	Instance string           `json:"instance,omitempty"`
	Field    string           `json:"field,omitempty"`
	Stage    string           `json:"current_stage,omitempty"`
	Problems []filing.Problem `json:"problems,omitempty"`
}

func (p *problem) Error() string { return p.Type + ": " + p.Detail }

const problemURN = "urn:icpdesk:problem:"

func internalProblem() *problem {
	return &problem{Type: problemURN + "internal", Status: http.StatusInternalServerError, Title: "Internal error",
		Detail: "the request failed on the server; nothing was changed. Retry later."}
}

func (a *API) problem(w http.ResponseWriter, r *http.Request, err error) {
	p := a.toProblem(r, err)
	b, _ := json.Marshal(p)
	writeRaw(w, p.Status, problemType, b)
}

// toProblem maps an error to its problem. Errors from desk and store keep
// their message as the detail (they say what was refused and why); anything
// unexpected is logged and answered with a generic 500.
func (a *API) toProblem(r *http.Request, err error) *problem {
	var p *problem
	var probs filing.Problems
	var maxErr *http.MaxBytesError
	switch {
	case errors.As(err, &p):
		cp := *p
		p = &cp
	case errors.As(err, &maxErr):
		p = &problem{Type: "too-large", Status: http.StatusRequestEntityTooLarge, Title: "Request body too large",
			Detail: fmt.Sprintf("the body must be at most %d bytes", maxErr.Limit)}
	case errors.As(err, &probs):
		p = &problem{Type: "invalid-filing", Status: http.StatusUnprocessableEntity, Title: "The filing data is not valid",
			Detail: "every problem is listed; nothing was stored", Problems: probs}
		if len(probs) > 0 {
			p.Field = probs[0].Field
		}
	case errors.Is(err, store.ErrNotFound):
		p = &problem{Type: "not-found", Status: http.StatusNotFound, Title: "Not found", Detail: err.Error()}
	case errors.Is(err, store.ErrBadCursor):
		p = &problem{Type: "bad-cursor", Status: http.StatusBadRequest, Title: "Invalid cursor", Detail: err.Error(), Field: "after"}
	case errors.Is(err, filing.ErrICPNumber):
		p = &problem{Type: "invalid-input", Status: http.StatusUnprocessableEntity, Title: "Invalid request", Detail: err.Error(), Field: "icp_number"}
	case errors.Is(err, filing.ErrReasonRequired):
		p = &problem{Type: "invalid-input", Status: http.StatusUnprocessableEntity, Title: "Invalid request", Detail: err.Error(), Field: "reason"}
	case errors.Is(err, filing.ErrDeadlineRequired):
		p = &problem{Type: "invalid-input", Status: http.StatusUnprocessableEntity, Title: "Invalid request", Detail: err.Error(), Field: "until"}
	case errors.Is(err, filing.ErrTransition):
		p = &problem{Type: "transition-not-allowed", Status: http.StatusConflict, Title: "The filing process does not allow this now",
			Detail: err.Error() + "; nothing was changed"}
	case errors.Is(err, store.ErrConflict):
		p = &problem{Type: "conflict", Status: http.StatusConflict, Title: "Changed concurrently", Detail: err.Error() + "; nothing was changed"}
	case errors.Is(err, store.ErrExists):
		p = &problem{Type: "already-exists", Status: http.StatusConflict, Title: "Already exists", Detail: err.Error()}
	case errors.Is(err, inbox.ErrNotLinkable):
		p = &problem{Type: "refused", Status: http.StatusConflict, Title: "Not allowed now", Detail: err.Error() + "; nothing was changed"}
	case errors.Is(err, store.ErrRefused):
		p = &problem{Type: "refused", Status: http.StatusConflict, Title: "Not allowed now", Detail: err.Error() + "; nothing was changed"}
	case errors.Is(err, desk.ErrInput):
		p = &problem{Type: "invalid-input", Status: http.StatusUnprocessableEntity, Title: "Invalid request", Detail: err.Error()}
	case errors.Is(err, filing.ErrAccountTransition):
		p = &problem{Type: "transition-not-allowed", Status: http.StatusConflict, Title: "The account process does not allow this now",
			Detail: err.Error() + "; nothing was changed"}
	default:
		a.log.Error("api: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		p = internalProblem()
	}
	if !strings.HasPrefix(p.Type, problemURN) {
		p.Type = problemURN + p.Type
	}
	p.Instance = r.URL.Path
	return p
}

// readBody reads a request body within max bytes.
func readBody(w http.ResponseWriter, r *http.Request, max int64) ([]byte, error) {
	if r.ContentLength > max {
		return nil, &http.MaxBytesError{Limit: max}
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	if err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return nil, err
		}
		return nil, &problem{Type: "malformed-body", Status: http.StatusBadRequest, Title: "Could not read the request body", Detail: err.Error()}
	}
	return b, nil
}

// decode reads a JSON object strictly into v: malformed JSON, unknown
// fields, values of the wrong type and trailing data are 400s naming the
// field. An empty body is an empty object.
func decode(body []byte, v any) error {
	if len(strings.TrimSpace(string(body))) == 0 {
		body = []byte("{}")
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			return &problem{Type: "malformed-json", Status: http.StatusBadRequest, Title: "Malformed JSON",
				Detail: "the body has data after its JSON object"}
		}
		return nil
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return &problem{Type: "malformed-json", Status: http.StatusBadRequest, Title: "Malformed JSON",
			Detail: fmt.Sprintf("%v (at byte %d)", syn, syn.Offset)}
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "(body)"
		}
		return &problem{Type: "wrong-type", Status: http.StatusBadRequest, Title: "A value has the wrong type",
			Detail: fmt.Sprintf("%s must be %s, not %s", field, jsonKind(typ.Type.Kind().String()), typ.Value), Field: field}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return &problem{Type: "unknown-field", Status: http.StatusBadRequest, Title: "Unknown field",
			Detail: fmt.Sprintf("the field %q is not part of this request", name), Field: name}
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return &problem{Type: "malformed-json", Status: http.StatusBadRequest, Title: "Malformed JSON", Detail: "the JSON ends too early"}
	}
	return &problem{Type: "malformed-json", Status: http.StatusBadRequest, Title: "Malformed JSON", Detail: err.Error()}
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "struct", "map":
		return "an object"
	case "slice", "array":
		return "an array"
	case "ptr":
		return "an object"
	}
	return "a number"
}

func badParam(name, detail string) error {
	return &problem{Type: "invalid-parameter", Status: http.StatusBadRequest, Title: "Invalid parameter", Detail: detail, Field: name}
}

func itoa(n int) string { return strconv.Itoa(n) }

// fieldIfInput names field as the offender of an input error.
func fieldIfInput(err error, field string) error {
	if errors.Is(err, desk.ErrInput) {
		return &problem{Type: "invalid-input", Status: http.StatusUnprocessableEntity, Title: "Invalid request", Detail: err.Error(), Field: field}
	}
	return err
}

func isExists(err error) bool { return errors.Is(err, store.ErrExists) }
