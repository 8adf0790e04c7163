package smtp

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestLineLimitReaderHandsOnLineStart(t *testing.T) {
	in := "short\r\nSubject: " + strings.Repeat("x", 100) + "\r\n"
	r := &lineLimitReader{R: strings.NewReader(in), LineLimit: 50, HandOnPrefix: true}
	got, err := io.ReadAll(r)
	if !errors.Is(err, ErrTooLongLine) {
		t.Fatalf("err = %v, want ErrTooLongLine", err)
	}
	// Everything up to the limit is read: the line's first 50 octets
	// (the line end of the previous line starts the count).
	want := "short\r\nSubject: " + strings.Repeat("x", 50-len("\nSubject: "))
	if string(got) != want {
		t.Fatalf("read %q, want %q", got, want)
	}
	if n, err := r.Read(make([]byte, 10)); n != 0 || !errors.Is(err, ErrTooLongLine) {
		t.Fatalf("after the limit: %d, %v", n, err)
	}
}

func TestLineLimitReaderCommands(t *testing.T) {
	in := "short\r\nMAIL FROM:<" + strings.Repeat("x", 100) + ">\r\n"
	r := &lineLimitReader{R: strings.NewReader(in), LineLimit: 50}
	if got, err := io.ReadAll(r); !errors.Is(err, ErrTooLongLine) || len(got) != 0 {
		t.Fatalf("read %q, %v; want nothing and ErrTooLongLine", got, err)
	}
}

func TestLineLimitReaderWithinLimit(t *testing.T) {
	in := strings.Repeat(strings.Repeat("y", 49)+"\n", 10)
	r := &lineLimitReader{R: bytes.NewReader([]byte(in)), LineLimit: 50}
	got, err := io.ReadAll(r)
	if err != nil || string(got) != in {
		t.Fatalf("got %d octets, %v", len(got), err)
	}
}
