// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package content

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/maddy-mms/maddy-mms/mmsmap/internal/msgtest"
	"github.com/maddy-mms/maddy-mms/mmsmap/sevenbit"
)

// wantLeaf is a leaf part expected in the output.
type wantLeaf struct {
	typ, disposition, filename string
	// text is the expected content of a text part, compared with line ends as LF and without
	// line ends at the end; when from is not -1 the content must be that of the input's leaf part
	// number from (counted from 0) instead.
	text string
	from int
}

func textLeaf(text string) wantLeaf { return wantLeaf{typ: "text/plain", text: text, from: -1} }

func inlineText(text string) wantLeaf {
	return wantLeaf{typ: "text/plain", disposition: "inline", text: text, from: -1}
}

var adaptTests = []struct {
	name    string
	input   string // in testdata/in, or corpus: in shared/corpus/mm4-wire
	fn      adaptFunc
	changed bool
	top     string
	leaves  []wantLeaf
}{
	{
		name: "MM to mail: SMIL, text, JPEG, AMR, GIF", input: "mm-smil.eml", fn: ForMail, changed: true,
		top: "multipart/mixed",
		leaves: []wantLeaf{
			{typ: "text/plain", disposition: "inline", filename: "text.txt", from: 1},
			{typ: "image/jpeg", disposition: "attachment", filename: "photo 1.jpg", from: 2},
			{typ: "audio/amr", disposition: "attachment", filename: "voice.amr", from: 3},
			{typ: "image/gif", disposition: "attachment", filename: "Fotó 写真.gif", from: 4},
			{typ: "application/smil", disposition: "attachment", filename: "mms.smil", from: 0},
		},
	},
	{
		name: "MM to mail: UTF-16 text", input: "mm-utf16.eml", fn: ForMail, changed: true,
		top: "multipart/mixed",
		leaves: []wantLeaf{
			inlineText("Привет, Алиса! ☺\nSecond line."),
			inlineText("こんにちは"),
		},
	},
	{
		name: "mail to MMS: an MM keeps its structure, binary gets base64", input: "mm-smil.eml", fn: ForMMS, changed: true,
		top: "multipart/related",
		leaves: []wantLeaf{
			{typ: "application/smil", filename: "mms.smil", from: 0},
			{typ: "text/plain", filename: "text.txt", from: 1},
			{typ: "image/jpeg", filename: "photo 1.jpg", from: 2},
			{typ: "audio/amr", from: 3},
			{typ: "image/gif", filename: "Fotó 写真.gif", from: 4},
		},
	},
	{
		name: "mail to MMS: UTF-16 text", input: "mm-utf16.eml", fn: ForMMS, changed: true,
		top: "multipart/related",
		leaves: []wantLeaf{
			textLeaf("Привет, Алиса! ☺\nSecond line."),
			textLeaf("こんにちは"),
		},
	},
	{
		name: "mail to MMS: text and HTML alternatives", input: "mail-alternative.eml", fn: ForMMS, changed: true,
		top:    "text/plain",
		leaves: []wantLeaf{textLeaf("Lunch at noon?\n-- Alice")},
	},
	{
		name: "MM to mail: an alternative stays", input: "mail-alternative.eml", fn: ForMail, changed: false,
		top:    "multipart/alternative",
		leaves: []wantLeaf{{typ: "text/plain", from: 0}, {typ: "text/html", from: 1}},
	},
	{
		name: "mail to MMS: HTML only, windows-1252, quoted-printable", input: "mail-html.eml", fn: ForMMS, changed: true,
		top: "text/plain",
		leaves: []wantLeaf{textLeaf("Café & bar\n\nPrices in €: 5 € <cheap>\n\nLine one\nLine two\nLine three\n\n" +
			"one\ntwo ☺ ☃")},
	},
	{
		name: "mail to MMS: alternative in mixed, charsets, binary attachment", input: "mail-mixed.eml", fn: ForMMS, changed: true,
		top: "multipart/mixed",
		leaves: []wantLeaf{
			textLeaf("Plain second"),
			textLeaf("Grüße aus Köln, © 2026"),
			textLeaf("日本語のテキスト、ｶﾀｶﾅ"),
			textLeaf("\u201cSmart quotes\u201d \u2013 €5"),
			textLeaf("简体中文"),
			{typ: "application/pdf", disposition: "attachment", filename: "report.pdf", from: 6},
		},
	},
	{
		name: "MM to mail: mixed mail keeps its text, binary attachment gets base64", input: "mail-mixed.eml", fn: ForMail, changed: true,
		top: "multipart/mixed",
		leaves: []wantLeaf{
			{typ: "text/html", from: 0}, {typ: "text/plain", from: 1}, {typ: "text/plain", from: 2},
			{typ: "text/plain", from: 3}, {typ: "text/plain", from: 4}, {typ: "text/plain", from: 5},
			{typ: "application/pdf", disposition: "attachment", filename: "report.pdf", from: 6},
		},
	},
	{
		name: "real MMSC forward.REQ to mail", input: "corpus", fn: ForMail, changed: false,
		top:    "multipart/mixed",
		leaves: []wantLeaf{textLeaf("Hello Alice, this MM was queued in Mbuni 1.4 and sent over MM4.")},
	},
	{
		name: "real MMSC forward.REQ to MMS", input: "corpus", fn: ForMMS, changed: false,
		top:    "multipart/mixed",
		leaves: []wantLeaf{textLeaf("Hello Alice, this MM was queued in Mbuni 1.4 and sent over MM4.")},
	},
}

// newDefects returns the defects Python finds in the output that it did not find in the input
// (such as a name parameter holding an encoded-word in a part that is kept as it is).
func newDefects(out, in []string) []string {
	var d []string
	for _, x := range out {
		found := false
		for _, y := range in {
			found = found || x == y
		}
		if !found {
			d = append(d, x)
		}
	}
	return d
}

func readTestInput(t *testing.T, name string) []byte {
	t.Helper()
	if name != "corpus" {
		return readInput(t, name)
	}
	msg, err := os.ReadFile(filepath.Join(corpusDir(), "open-mmsc-forward-req.eml"))
	if err != nil {
		t.Fatalf("real peer corpus: %v", err)
	}
	return msg
}

// normText compares text with LF line ends and no line end at the end.
func normText(s string) string {
	return strings.TrimRight(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
}

// TestAdapt checks each output with three readers: net/mail and mime/multipart, Python's email
// package (no defects anywhere, and the same parts, names and content), and sevenbit.Check.
func TestAdapt(t *testing.T) {
	type run struct {
		in, out   []byte
		res       Result
		unchanged bool
	}
	runs := make([]run, len(adaptTests))
	var forPython [][]byte
	for i, tt := range adaptTests {
		in := readTestInput(t, tt.input)
		out, res, unchanged, err := adapt(t, tt.fn, in)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		runs[i] = run{in, out, res, unchanged}
		forPython = append(forPython, in, out)
	}
	pyAll := pyRead(t, forPython)
	for i, tt := range adaptTests {
		t.Run(tt.name, func(t *testing.T) {
			in, out, res, unchanged := runs[i].in, runs[i].out, runs[i].res, runs[i].unchanged
			pyIn, py := pyAll[2*i], pyAll[2*i+1]
			if res.Changed != tt.changed {
				t.Errorf("Changed = %v, want %v", res.Changed, tt.changed)
			}
			if res.Changed == unchanged {
				t.Errorf("Changed = %v, but the output is the input: %v\n%s", res.Changed, unchanged, out)
			}
			checkSevenbit(t, out)
			_, inLeaves := goLeaves(t, in)
			top, leaves := goLeaves(t, out)
			if top != tt.top {
				t.Errorf("top-level type %q, want %q", top, tt.top)
			}
			if d := newDefects(py.Defects, pyIn.Defects); len(d) > 0 {
				t.Errorf("Python email defects: %q", d)
			}
			if py.Top != tt.top {
				t.Errorf("Python: top-level type %q, want %q", py.Top, tt.top)
			}
			if len(leaves) != len(tt.leaves) || len(py.Parts) != len(tt.leaves) {
				t.Fatalf("%d leaf parts (Python: %d), want %d\n%s", len(leaves), len(py.Parts), len(tt.leaves), out)
			}
			for i, w := range tt.leaves {
				g, p := leaves[i], py.Parts[i]
				if g.Type != w.typ || p.Type != w.typ {
					t.Errorf("part %d: type %q (Python %q), want %q", i, g.Type, p.Type, w.typ)
				}
				if g.Disposition != w.disposition || p.Disposition != w.disposition {
					t.Errorf("part %d: disposition %q (Python %q), want %q", i, g.Disposition, p.Disposition, w.disposition)
				}
				if g.Filename != w.filename || p.Filename != w.filename {
					t.Errorf("part %d: filename %q (Python %q), want %q", i, g.Filename, p.Filename, w.filename)
				}
				if w.from >= 0 {
					if !bytes.Equal(g.Data, inLeaves[w.from].Data) {
						t.Errorf("part %d: content differs from the input's part %d", i, w.from)
					}
					if q := pyIn.Parts[w.from]; p.Text != q.Text || !bytes.Equal(p.Data, q.Data) {
						t.Errorf("part %d: Python reads content that differs from the input's part %d", i, w.from)
					}
					continue
				}
				if g.Charset != "utf-8" && g.Charset != "us-ascii" && g.Charset != "" {
					t.Errorf("part %d: charset %q", i, g.Charset)
				}
				if normText(string(g.Data)) != w.text {
					t.Errorf("part %d: text %q, want %q", i, g.Data, w.text)
				}
				if normText(p.Text) != w.text {
					t.Errorf("part %d: Python reads text %q, want %q", i, p.Text, w.text)
				}
			}
		})
	}
}

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// TestGolden compares the outputs for the messages in testdata/in with testdata/golden, octet for
// octet (go test -update rewrites them).
func TestGolden(t *testing.T) {
	ins, err := filepath.Glob(filepath.Join("testdata", "in", "*.eml"))
	if err != nil || len(ins) < 5 {
		t.Fatalf("inputs: %d, %v", len(ins), err)
	}
	for _, in := range ins {
		for _, d := range []struct {
			suffix string
			fn     adaptFunc
		}{{"formail", ForMail}, {"formms", ForMMS}} {
			name := strings.TrimSuffix(filepath.Base(in), ".eml") + "." + d.suffix + ".eml"
			t.Run(name, func(t *testing.T) {
				out, _, _, err := adapt(t, d.fn, readInput(t, filepath.Base(in)))
				if err != nil {
					t.Fatal(err)
				}
				golden := filepath.Join("testdata", "golden", name)
				if *update {
					if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(golden, out, 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(out, want) {
					t.Errorf("output differs from %s:\n%s", golden, out)
				}
			})
		}
	}
}

// TestCorpus runs every message a real MMSC wrote through both directions: nothing in them needs
// adapting, so each comes out unchanged. The corpus must be there.
func TestCorpus(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(corpusDir(), "*.eml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("real peer corpus in %s: %d files, %v", corpusDir(), len(files), err)
	}
	for _, f := range files {
		msg, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, fn := range []adaptFunc{ForMail, ForMMS} {
			out, res, unchanged, err := adapt(t, fn, msg)
			if err != nil {
				t.Fatalf("%s: %v", filepath.Base(f), err)
			}
			if res.Changed || !unchanged {
				t.Errorf("%s: changed (%v):\n%s", filepath.Base(f), res.Changed, out)
			}
		}
	}
}

// TestUnchanged: bodies that need nothing come out octet for octet, LF line ends included.
func TestUnchanged(t *testing.T) {
	msgs := []string{
		"Content-Type: text/plain\n\nhello\n",
		"Subject: no Content-Type\n\nhello",
		"Content-Type: multipart/mixed; boundary=b\n\npreamble\n--b\nContent-Type: text/plain; charset=utf-8\n\nhé\n--b\n" +
			"Content-Type: image/png\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=\n--b--\nepilogue\n",
		"Content-Type: multipart/related; type=\"text/html\"; boundary=b\r\n\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>x</p>\r\n--b--\r\n",
		"Content-Type: message/rfc822\r\n\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\n" +
			"Content-Type: text/html; charset=iso-8859-1\r\nContent-Transfer-Encoding: binary\r\n\r\n<p>\xe9</p>\r\n--b--\r\n",
	}
	for i, m := range msgs {
		out, res, unchanged, err := adapt(t, ForMail, []byte(m))
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		if res.Changed || !unchanged {
			t.Errorf("%d: changed (%v):\n%q", i, res.Changed, out)
		}
	}
	// The encapsulated message is kept by ForMMS too.
	out, res, unchanged, err := adapt(t, ForMMS, []byte(msgs[4]))
	if err != nil || res.Changed || !unchanged {
		t.Errorf("ForMMS, message/rfc822: %v, %v:\n%q", err, res.Changed, out)
	}
}

// TestMalformed: structures sevenbit.Check refuses are refused with a *sevenbit.MIMEError, by
// both directions.
func TestMalformed(t *testing.T) {
	msgs := map[string]string{
		"no boundary":          "Content-Type: multipart/mixed\r\n\r\n--b\r\n\r\nx\r\n--b--\r\n",
		"no close delimiter":   "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nx\r\n",
		"no delimiter":         "Content-Type: multipart/related; boundary=b\r\n\r\nx\r\n",
		"no body part":         "Content-Type: multipart/alternative; boundary=b\r\n\r\n--b--\r\n",
		"base64 multipart":     "Content-Type: multipart/mixed; boundary=b\r\nContent-Transfer-Encoding: base64\r\n\r\n--b\r\n\r\nx\r\n--b--\r\n",
		"unterminated header":  "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n--b--\r\n",
		"malformed header":     "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nnot a header\r\n\r\nx\r\n--b--\r\n",
		"delimiter with junk":  "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nx\r\n--b junk\r\n--b--\r\n",
		"mixed line ends":      "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nx\n--b--\r\n",
		"deep":                 "Content-Type: multipart/mixed; boundary=b\r\n\r\n" + strings.Repeat("--b\r\nContent-Type: message/rfc822\r\n\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n", 40) + "--b--\r\n",
		"alternative unclosed": "Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>x\r\n",
		"related unclosed":     "Content-Type: multipart/related; type=\"application/smil\"; boundary=b\r\n\r\n--b\r\nContent-Type: application/smil\r\n\r\n<smil/>\r\n",
	}
	for name, m := range msgs {
		h, body := msgtest.Split(t, []byte(m))
		if err := sevenbit.Check(h, bytes.NewReader(body), sevenbit.Limits{}); err == nil {
			t.Errorf("%s: sevenbit.Check accepts it", name)
		}
		for _, fn := range []adaptFunc{ForMail, ForMMS} {
			_, _, err := fn(h, bytes.NewReader(body), &bytes.Buffer{}, sevenbit.Limits{})
			var me *sevenbit.MIMEError
			if !errors.As(err, &me) || me.Reason == "" {
				t.Errorf("%s: error %v, want a *sevenbit.MIMEError", name, err)
			}
		}
	}
	// Limits.
	m := "Content-Type: multipart/mixed; boundary=b\r\n\r\n" + strings.Repeat("--b\r\n\r\nx\r\n", 5) + "--b--\r\n"
	h, body := msgtest.Split(t, []byte(m))
	if _, _, err := ForMail(h, bytes.NewReader(body), &bytes.Buffer{}, sevenbit.Limits{Parts: 4}); err == nil {
		t.Error("5 parts accepted with Limits.Parts 4")
	}
	if _, _, err := ForMail(h, bytes.NewReader(body), &bytes.Buffer{}, sevenbit.Limits{Parts: 5}); err != nil {
		t.Errorf("5 parts with Limits.Parts 5: %v", err)
	}
}
