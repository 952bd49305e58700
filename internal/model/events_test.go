package model_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/internal/model"
)

// TestRecordingTrackType: Telnyx's recording types map to the enum (anything else to nil, so the field is
// null rather than a value outside the enum); the enum writes and reads its own values only.
func TestRecordingTrackType(t *testing.T) {
	for _, tc := range []struct {
		upstream string
		want     string // "" for nil
	}{
		{"audio", "AUDIO"}, {"video", "VIDEO"}, {"", ""}, {"screen", ""}, {"AUDIO", ""},
	} {
		t.Run(tc.upstream, func(t *testing.T) {
			got := model.TrackType(tc.upstream)
			if tc.want == "" {
				assert.Nil(t, got)
				return
			}
			require.NotNil(t, got)
			var b bytes.Buffer
			got.MarshalGQL(&b)
			assert.Equal(t, `"`+tc.want+`"`, b.String())
			var back model.RecordingTrackType
			require.NoError(t, back.UnmarshalGQL(tc.want))
			assert.Equal(t, *got, back)
		})
	}
	var v model.RecordingTrackType
	assert.Error(t, v.UnmarshalGQL("audio"))
	assert.Error(t, v.UnmarshalGQL(1))
}
