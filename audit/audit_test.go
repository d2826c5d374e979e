package audit

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// A 10 KB --claim is not repeated whole: the error stays under 1 KB.
func TestUserClaimLongBounded(t *testing.T) {
	long := strings.Repeat("7B\x1b[31m", 10<<10/7)
	_, err := ParseUserClaim(long)
	require.Error(t, err)
	require.Less(t, len(err.Error()), 1024, err.Error())
	require.NotContains(t, err.Error(), "\x1b")
	require.Contains(t, err.Error(), "characters)")
}
