package telemetry

import "sync"

// OperationOther is the label of operation names that are not identifiers, or that came after the
// label set was full.
const OperationOther = "other"

// operationNames keeps the operation-name label bounded: clients choose the names, so only identifiers of
// at most 64 characters become labels, and only the first max distinct ones.
type operationNames struct {
	max  int
	mu   sync.RWMutex
	seen map[string]struct{}
}

func newOperationNames(limit int) *operationNames {
	return &operationNames{max: limit, seen: make(map[string]struct{}, limit)}
}

// label returns name, "" for an anonymous operation, or OperationOther.
func (n *operationNames) label(name string) string {
	if name == "" {
		return ""
	}
	if !IsOperationName(name) {
		return OperationOther
	}
	n.mu.RLock()
	_, ok := n.seen[name]
	full := len(n.seen) >= n.max
	n.mu.RUnlock()
	if ok {
		return name
	}
	if full {
		return OperationOther
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if _, ok := n.seen[name]; !ok {
		if len(n.seen) >= n.max {
			return OperationOther
		}
		n.seen[name] = struct{}{}
	}
	return name
}

// IsOperationName reports whether s matches ^[A-Za-z_][A-Za-z0-9_]{0,63}$: a GraphQL name short enough
// to be a label or a log field as is.
func IsOperationName(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_', 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
