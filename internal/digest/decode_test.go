package digest_test

import (
	"encoding/base64"
	"io"
	"mime/quotedprintable"
	"strings"
)

func quotedPrintable(r io.Reader) io.Reader { return quotedprintable.NewReader(r) }

func base64Reader(r io.Reader) io.Reader {
	b, _ := io.ReadAll(r)
	return base64.NewDecoder(base64.StdEncoding, strings.NewReader(strings.NewReplacer("\r", "", "\n", "").Replace(string(b))))
}
