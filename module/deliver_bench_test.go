// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"bufio"
	"context"
	"encoding/base64"
	"math/rand"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/emersion/go-message/textproto"
	"github.com/emersion/go-smtp"
	"github.com/foxcpp/maddy/framework/buffer"
	"github.com/foxcpp/maddy/framework/log"
	"github.com/foxcpp/maddy/framework/module"
)

// benchMM is an MM like bench/mm4load's: SMIL, text and a base64 image,
// about size octets of body.
func benchMM(size int) []byte {
	var b strings.Builder
	b.WriteString("--b\r\nContent-Type: application/smil\r\nContent-ID: <smil>\r\n\r\n")
	b.WriteString(`<smil><body><par dur="5000ms"><img src="image.gif"/><text src="text.txt"/></par></body></smil>` + "\r\n")
	b.WriteString("--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Location: text.txt\r\n\r\n")
	b.WriteString("Hello from the peer MMSC.\r\n")
	b.WriteString("--b\r\nContent-Type: image/gif\r\nContent-Location: image.gif\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	img := make([]byte, max(size-b.Len()-20, 60)*57/78)
	rand.New(rand.NewSource(1)).Read(img)
	enc := base64.StdEncoding.EncodeToString(img)
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n--b--\r\n")
	return []byte(b.String())
}

// BenchmarkDeliverForwardREQ is target.mms_deliver's work on one acknowledged
// MM4_forward.REQ from a peer, as maddy's pipeline drives it: claim, checks,
// conversion to Internet mail, the handover to the next target (a fake that
// reads the body), the transaction remembered in the state store (SQLite)
// and the RES handed to send_via (a fake). -benchmem shows what each MM
// allocates; -memprofile where.
func BenchmarkDeliverForwardREQ(b *testing.B) {
	for _, size := range []int{1400, 300000} {
		b.Run(strconv.Itoa(size), func(b *testing.B) {
			f := newDeliverFixture(b)
			// Log lines are formatted as in the server (Logger.Msg formats
			// before it writes), and dropped. (log.WriterOutput would not do:
			// in maddy v0.8.2 it writes to stderr whatever it is given.)
			out := log.DefaultLogger.Out
			log.DefaultLogger.Out = log.NopOutput{}
			b.Cleanup(func() { log.DefaultLogger.Out = out })
			body := benchMM(size)
			ctx := context.Background()
			meta := &module.MsgMetadata{ID: "bench", Conn: &module.ConnState{RemoteAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.1"), Port: 1}}}
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				hdr := strings.Join([]string{
					"X-Mms-3GPP-MMS-Version: 5.5.0",
					"X-Mms-Message-Type: MM4_forward.REQ",
					`X-Mms-Transaction-ID: "T` + strconv.Itoa(i) + `"`,
					`X-Mms-Message-ID: "M` + strconv.Itoa(i) + `"`,
					"X-Mms-Ack-Request: Yes",
					"X-Mms-Originator-System: system-user@mms.peer.example",
					"From: +48600000001/TYPE=PLMN@mms.peer.example",
					"To: +15550001111/TYPE=PLMN@mms.example.net",
					"Subject: bench",
					"Date: Tue, 01 Jul 2025 10:00:00 +0000",
					"Message-ID: <m" + strconv.Itoa(i) + "@peer>",
					"MIME-Version: 1.0",
					`Content-Type: multipart/related; type="application/smil"; start="<smil>"; boundary="b"`,
				}, "\r\n") + "\r\n\r\n"
				h, err := textproto.ReadHeader(bufio.NewReader(strings.NewReader(hdr)))
				if err != nil {
					b.Fatal(err)
				}
				d, err := f.tgt.Start(ctx, meta, "sender@peer")
				if err != nil {
					b.Fatal(err)
				}
				if err := d.AddRcpt(ctx, "+15550001111/TYPE=PLMN@mms.example.net", smtp.RcptOptions{}); err != nil {
					b.Fatal(err)
				}
				if err := d.Body(ctx, h, buffer.MemoryBuffer{Slice: body}); err != nil {
					b.Fatal(err)
				}
				if err := d.Commit(ctx); err != nil {
					b.Fatal(err)
				}
				f.local.deliveries, f.out.deliveries = nil, nil
			}
		})
	}
}
