package telnyxsim

import "net/http"

// apiError is one entry of the {"errors":[...]} envelope (docs/upstream.md §5, §7.9).
type apiError struct {
	status    int
	code      string
	title     string
	detail    string
	pointer   string // source.pointer, RFC 6901 into the body
	parameter string // source.parameter, the query parameter at fault
}

const errorsURL = "https://developers.telnyx.com/docs/overview/errors/"

func errUnauthorized() apiError {
	return apiError{status: http.StatusUnauthorized, code: "10009", title: "Authentication failed",
		detail: "The required authentication headers were either invalid or not included in the request."}
}

func errNotFound(detail string) apiError {
	if detail == "" {
		detail = "The requested resource or URL could not be found."
	}
	return apiError{status: http.StatusNotFound, code: "10005", title: "Resource not found", detail: detail}
}

func errMethod(detail string) apiError {
	return apiError{status: http.StatusMethodNotAllowed, code: "10015", title: "Method not allowed", detail: detail}
}

// notAllowed sets Allow (the methods allowed, ", "-separated) and returns the 405 that names them.
func notAllowed(w http.ResponseWriter, r *http.Request, allow string) apiError {
	w.Header().Set("Allow", allow)
	return errMethod("The method " + r.Method + " is not allowed on " + r.URL.Path + "; allowed: " + allow + ".")
}

func errBadParam(param, detail string) apiError {
	return apiError{status: http.StatusUnprocessableEntity, code: "10015", title: "Bad Request", detail: detail, parameter: param}
}

func errBadPage(param, detail string) apiError {
	return apiError{status: http.StatusUnprocessableEntity, code: "10015", title: "Invalid pagination", detail: detail, parameter: param}
}

func errBadBody(pointer, detail string) apiError {
	return apiError{status: http.StatusUnprocessableEntity, code: "10015", title: "Bad Request", detail: detail, pointer: pointer}
}

func errMissing(pointer, detail string) apiError {
	return apiError{status: http.StatusUnprocessableEntity, code: "10004", title: "Missing required parameter", detail: detail, pointer: pointer}
}

func errTooMany() apiError {
	return apiError{status: http.StatusTooManyRequests, code: "10011", title: "Too many requests",
		detail: "You have exceeded the maximum number of allowed requests."}
}

func errUnexpected(status int) apiError {
	return apiError{status: status, code: "10007", title: "Unexpected error",
		detail: "An unexpected error occurred."}
}

// appendErrors writes the envelope; every entry carries meta.url (the docs page of its code).
func appendErrors(b []byte, errs ...apiError) []byte {
	b = append(b, `{"errors":[`...)
	for i, e := range errs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"code":`...)
		b = appendString(b, e.code)
		b = append(b, `,"title":`...)
		b = appendString(b, e.title)
		if e.detail != "" {
			b = append(b, `,"detail":`...)
			b = appendString(b, e.detail)
		}
		if e.pointer != "" || e.parameter != "" {
			b = append(b, `,"source":{`...)
			if e.pointer != "" {
				b = append(b, `"pointer":`...)
				b = appendString(b, e.pointer)
			}
			if e.parameter != "" {
				if e.pointer != "" {
					b = append(b, ',')
				}
				b = append(b, `"parameter":`...)
				b = appendString(b, e.parameter)
			}
			b = append(b, '}')
		}
		b = append(b, `,"meta":{"url":`...)
		b = appendString(b, errorsURL+e.code)
		b = append(b, `}}`...)
	}
	return append(b, `]}`...)
}

// errorStatus picks the HTTP status of an envelope: the first entry's.
func errorStatus(errs []apiError) int {
	if len(errs) == 0 {
		return http.StatusInternalServerError
	}
	return errs[0].status
}
