package spool

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/servicecard/servicecard/ingest"
)

// formats are the format names a file name may carry after its kind.
var formats = []ingest.Format{
	ingest.FormatAuto, ingest.FormatCSV, ingest.FormatNDJSON, ingest.FormatQueueLog,
	ingest.FormatConnectCTR, ingest.FormatQualtrics,
}

// ParseName reads kind and format from a spool file name. The name's
// dot-separated fields are <kind>[.<format>].<rest>:
//
//	contacts.csv                      contacts, csv
//	contacts.queue_log.2024-10-01.log contacts, queue_log
//	surveys.qualtrics.export.csv      surveys, qualtrics
//	contacts.2024-10-01.ndjson        contacts, defFormat (auto: sniffed)
//	export.csv                        defKind (an error when there is none)
//
// Fields match case-insensitively. The format is empty when the name
// carries none; the caller falls back to its default.
func ParseName(name string, defKind ingest.Kind, defFormat ingest.Format) (ingest.Kind, ingest.Format, error) {
	fields := strings.Split(strings.ToLower(name), ".")
	kind, err := ingest.ParseKind(fields[0])
	if err != nil {
		if defKind == "" {
			return "", "", fmt.Errorf("spool: file %s: %w: name files <kind>[.<format>].<rest>, kind one of contacts, surveys, agents, states, schedules, queues", name, ingest.ErrUnknownKind)
		}
		return defKind, defFormat, nil
	}
	if len(fields) > 2 || (len(fields) == 2 && fields[1] != "") {
		for _, f := range formats {
			if len(fields) > 1 && fields[1] == string(f) {
				return kind, f, nil
			}
		}
	}
	return kind, defFormat, nil
}

// workSep separates the batch id from the original name in work/.
const workSep = "__"

// splitWorkName splits work/<batch id>__<name>.
func splitWorkName(s string) (id, name string, ok bool) {
	id, name, ok = strings.Cut(s, workSep)
	if !ok || name == "" {
		return "", "", false
	}
	if _, err := batchTime(id); err != nil {
		return "", "", false
	}
	return id, name, true
}

// newBatchID returns a UUID version 7: the claim time in milliseconds
// then random bits, so ids sort by claim time and the claim time can be
// read back from a work file's name after a crash.
func newBatchID(t time.Time) (string, error) {
	var u [16]byte
	if _, err := rand.Read(u[6:]); err != nil {
		return "", fmt.Errorf("spool: batch id: %w", err)
	}
	var ms [8]byte
	binary.BigEndian.PutUint64(ms[:], uint64(t.UnixMilli()))
	copy(u[:6], ms[2:])
	u[6] = 0x70 | u[6]&0x0f // version 7
	u[8] = 0x80 | u[8]&0x3f // RFC 9562 variant
	h := hex.EncodeToString(u[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}

// batchTime reads the claim time back from a batch id.
func batchTime(id string) (time.Time, error) {
	if len(id) != 36 || id[8] != '-' || id[13] != '-' || id[18] != '-' || id[23] != '-' || id[14] != '7' {
		return time.Time{}, fmt.Errorf("spool: %q is not a batch id", id)
	}
	b, err := hex.DecodeString(strings.ReplaceAll(id, "-", ""))
	if err != nil {
		return time.Time{}, fmt.Errorf("spool: %q is not a batch id", id)
	}
	var ms [8]byte
	copy(ms[2:], b[:6])
	return time.UnixMilli(int64(binary.BigEndian.Uint64(ms[:]))).UTC(), nil
}
