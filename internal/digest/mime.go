package digest

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/textproto"
	"strings"
	"time"
)

// Message is one composed mail.
type Message struct {
	From, To, Subject string
	Date              time.Time
	MessageID         string // without angle brackets
	Text, HTML        string
	// Inline parts are referred to from the HTML as cid:ContentID.
	Inline []Part
	// Attachments go after the body (thank-you note PDFs).
	Attachments []Part
}

// Part is an image or attachment.
type Part struct {
	ContentID   string
	Filename    string
	ContentType string
	Data        []byte
}

func newMessageID(domain string) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:]) + "@" + domain
}

// Bytes is the message in RFC 5322 form with CRLF line ends:
// multipart/alternative of a quoted-printable text part and a
// multipart/related HTML part carrying the inline images, wrapped in
// multipart/mixed when there are attachments.
func (m *Message) Bytes() ([]byte, error) {
	var b bytes.Buffer
	hdr := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	hdr("From", m.From)
	hdr("To", m.To)
	hdr("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	hdr("Date", m.Date.Format(time.RFC1123Z))
	hdr("Message-ID", "<"+m.MessageID+">")
	hdr("MIME-Version", "1.0")
	hdr("Auto-Submitted", "auto-generated")
	var body bytes.Buffer
	top := multipart.NewWriter(&body)
	if len(m.Attachments) > 0 {
		hdr("Content-Type", "multipart/mixed; boundary="+top.Boundary())
		b.WriteString("\r\n")
		var alt bytes.Buffer
		aw := multipart.NewWriter(&alt)
		if err := m.writeAlternative(aw); err != nil {
			return nil, err
		}
		pw, err := top.CreatePart(textproto.MIMEHeader{"Content-Type": {"multipart/alternative; boundary=" + aw.Boundary()}})
		if err != nil {
			return nil, err
		}
		if _, err := pw.Write(alt.Bytes()); err != nil {
			return nil, err
		}
		for _, a := range m.Attachments {
			if err := writeBase64(top, a, "attachment"); err != nil {
				return nil, err
			}
		}
	} else {
		hdr("Content-Type", "multipart/alternative; boundary="+top.Boundary())
		b.WriteString("\r\n")
		if err := m.writeAlternative(top); err != nil {
			return nil, err
		}
	}
	if err := top.Close(); err != nil {
		return nil, err
	}
	b.Write(body.Bytes())
	return b.Bytes(), nil
}

// writeAlternative writes the text and related-HTML parts into w and
// closes it.
func (m *Message) writeAlternative(w *multipart.Writer) error {
	if err := writeQP(w, "text/plain; charset=utf-8", m.Text); err != nil {
		return err
	}
	var rel bytes.Buffer
	rw := multipart.NewWriter(&rel)
	if err := writeQP(rw, "text/html; charset=utf-8", m.HTML); err != nil {
		return err
	}
	for _, p := range m.Inline {
		if err := writeBase64(rw, p, "inline"); err != nil {
			return err
		}
	}
	if err := rw.Close(); err != nil {
		return err
	}
	pw, err := w.CreatePart(textproto.MIMEHeader{"Content-Type": {`multipart/related; type="text/html"; boundary=` + rw.Boundary()}})
	if err != nil {
		return err
	}
	if _, err := pw.Write(rel.Bytes()); err != nil {
		return err
	}
	return w.Close()
}

func writeQP(w *multipart.Writer, ctype, s string) error {
	pw, err := w.CreatePart(textproto.MIMEHeader{"Content-Type": {ctype}, "Content-Transfer-Encoding": {"quoted-printable"}})
	if err != nil {
		return err
	}
	q := quotedprintable.NewWriter(pw)
	if _, err := q.Write([]byte(strings.ReplaceAll(s, "\n", "\r\n"))); err != nil {
		return err
	}
	return q.Close()
}

func writeBase64(w *multipart.Writer, p Part, disposition string) error {
	h := textproto.MIMEHeader{
		"Content-Type":              {p.ContentType},
		"Content-Transfer-Encoding": {"base64"},
		"Content-Disposition":       {mime.FormatMediaType(disposition, map[string]string{"filename": p.Filename})},
	}
	if p.ContentID != "" {
		h.Set("Content-ID", "<"+p.ContentID+">")
	}
	pw, err := w.CreatePart(h)
	if err != nil {
		return err
	}
	enc := base64.StdEncoding.EncodeToString(p.Data)
	for len(enc) > 76 {
		if _, err := fmt.Fprintf(pw, "%s\r\n", enc[:76]); err != nil {
			return err
		}
		enc = enc[76:]
	}
	_, err = fmt.Fprintf(pw, "%s\r\n", enc)
	return err
}
