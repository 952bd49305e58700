// Package persisted holds roomgraph's two policies for documents sent by hash (the Apollo persisted-query
// extension), as gqlgen extensions; they are opposites and are not used together:
//
//   - Trusted: run only the operations a web app was built with, a trusted-documents (safelist) mode that
//     accepts an operation only when its document is in a manifest file, either sent by hash or as full
//     text that hashes to a manifest entry;
//   - APQ: automatic persisted queries, where clients register documents at run time, in a cache bounded
//     in bytes and entries, and only documents that parsed and validated.
//
// It reads manifests and request parameters only: it must not know the upstream, and must not let through
// a document the manifest does not hold (sent text runs only when its hash is a manifest entry).
package persisted

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Codes of refused operations.
const (
	// CodeNotTrusted: the document is not in the manifest.
	CodeNotTrusted = "PERSISTED_QUERY_NOT_ALLOWED"
	// CodeNotFound: a hash was sent that no manifest entry has.
	CodeNotFound = "PERSISTED_QUERY_NOT_FOUND"
)

// Manifest maps SHA-256 hashes (lowercase hex) of documents to their text.
type Manifest struct {
	docs map[string]string
}

// Len is the number of documents.
func (m *Manifest) Len() int { return len(m.docs) }

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// ParseManifest reads a manifest in either common format:
//   - Apollo's persisted query manifest: {"format":"apollo-persisted-query-manifest","version":1,
//     "operations":[{"id":"<sha256>","body":"query …","name":"…","type":"query"}]};
//   - a plain object of hash → document text, as Relay's persisted queries file and many build tools write it.
//
// Every id must be the SHA-256 of its document's text, so a hash names exactly one document.
func ParseManifest(r io.Reader) (*Manifest, error) {
	raw, err := io.ReadAll(io.LimitReader(r, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("persisted: read manifest: %w", err)
	}
	var apollo struct {
		Format     string `json:"format"`
		Version    int    `json:"version"`
		Operations []struct {
			ID   string `json:"id"`
			Body string `json:"body"`
		} `json:"operations"`
	}
	docs := map[string]string{}
	if err := json.Unmarshal(raw, &apollo); err == nil && apollo.Format != "" {
		if apollo.Format != "apollo-persisted-query-manifest" || apollo.Version != 1 {
			return nil, fmt.Errorf("persisted: unsupported manifest format %q version %d", apollo.Format, apollo.Version)
		}
		for _, op := range apollo.Operations {
			docs[op.ID] = op.Body
		}
	} else {
		var plain map[string]string
		if err := json.Unmarshal(raw, &plain); err != nil {
			return nil, errors.New("persisted: a manifest is Apollo's persisted query manifest or a JSON object of hash to document")
		}
		docs = plain
	}
	for id, body := range docs {
		if !sha256Hex.MatchString(id) {
			return nil, fmt.Errorf("persisted: manifest id %.80q is not a lowercase SHA-256 hex hash", id)
		}
		if Hash(body) != id {
			return nil, fmt.Errorf("persisted: manifest id %s is not the SHA-256 of its document", id)
		}
	}
	return &Manifest{docs: docs}, nil
}

// LoadManifest reads a manifest file.
func LoadManifest(path string) (*Manifest, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("persisted: %w", err)
	}
	defer f.Close()
	return ParseManifest(f)
}

// Hash is the manifest id of a document: the lowercase hex SHA-256 of its text.
func Hash(doc string) string {
	sum := sha256.Sum256([]byte(doc))
	return hex.EncodeToString(sum[:])
}

// Trusted is the gqlgen extension of the trusted-documents mode.
type Trusted struct {
	manifest *Manifest
}

// NewTrusted returns the extension that accepts only the manifest's documents.
func NewTrusted(m *Manifest) *Trusted { return &Trusted{manifest: m} }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = (*Trusted)(nil)

// ExtensionName names the extension for gqlgen.
func (t *Trusted) ExtensionName() string { return "TrustedDocuments" }

// Validate checks the extension is usable.
func (t *Trusted) Validate(graphql.ExecutableSchema) error {
	if t.manifest == nil || t.manifest.Len() == 0 {
		return errors.New("persisted: trusted documents mode needs a manifest with at least one document")
	}
	return nil
}

// MutateOperationParameters runs before parsing: it fills the document in from the manifest when only its
// hash was sent, and refuses any document the manifest does not hold.
func (t *Trusted) MutateOperationParameters(_ context.Context, p *graphql.RawParams) *gqlerror.Error {
	hash, err := sentHash(p.Extensions)
	if err != nil {
		return refusal(CodeNotTrusted, err.Error())
	}
	if p.Query == "" {
		if hash == "" {
			return refusal(CodeNotTrusted, "this server runs only trusted documents: send extensions.persistedQuery.sha256Hash of an operation from the app's manifest")
		}
		doc, ok := t.manifest.docs[hash]
		if !ok {
			return refusal(CodeNotFound, "no trusted document has this hash")
		}
		p.Query = doc
		return nil
	}
	h := Hash(p.Query)
	if hash != "" && hash != h {
		return refusal(CodeNotTrusted, "extensions.persistedQuery.sha256Hash does not match the query")
	}
	if _, ok := t.manifest.docs[h]; !ok {
		return refusal(CodeNotTrusted, "this server runs only trusted documents, and this query is not one of them")
	}
	return nil
}

// sentHash returns the hash of the Apollo persisted-query extension, if any.
func sentHash(ext map[string]any) (string, error) {
	pq, ok := ext["persistedQuery"]
	if !ok || pq == nil {
		return "", nil
	}
	m, ok := pq.(map[string]any)
	if !ok {
		return "", errors.New("extensions.persistedQuery must be an object")
	}
	if v, ok := m["version"]; ok && fmt.Sprint(v) != "1" {
		return "", errors.New("extensions.persistedQuery.version must be 1")
	}
	h, _ := m["sha256Hash"].(string)
	if !sha256Hex.MatchString(h) {
		return "", errors.New("extensions.persistedQuery.sha256Hash must be a lowercase SHA-256 hex hash")
	}
	return h, nil
}

func refusal(code, msg string) *gqlerror.Error {
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": code}}
}
