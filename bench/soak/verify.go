// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// dupStats counts messages that arrived more than once.
type dupStats struct {
	messages int // distinct messages with more than one copy
	extra    int // copies beyond the first
	otherTx  int // of the messages, those with a copy of another transaction ID
}

func (d dupStats) String() string {
	return fmt.Sprintf("%d message(s) with %d extra cop%s, %d with another transaction ID",
		d.messages, d.extra, map[bool]string{true: "y", false: "ies"}[d.extra == 1], d.otherTx)
}

type report struct {
	runID    string
	kills    []killInfo
	loadSecs float64
	starts   int

	// Sending side.
	inSent, inAcked, inNever, inResent, inNoReply, inRefused int
	outSent, outAcked, outNoReply, outResent, outNever       int
	outRefused                                               int

	// Inbound: the mailbox and the RESs at the sink.
	mboxErr                                         error
	mboxTotal, inDelivered, inMissing, inUnackedDlv int
	mboxOnce                                        int
	mboxDup                                         dupStats
	mboxOther                                       int
	resFor, resMissing, resNotOk, resBad            int
	resDup                                          dupStats

	// Outbound: the REQs at the sink.
	reqFor, reqMissing, reqUnackedSent, reqBad int
	reqDup                                     dupStats

	sinkTotal, sinkOther int

	// Queue and server log.
	queueErr       error
	queued         []queuedMsg
	leftovers      []string
	removedAtStart int
	renamedAtStart int // meta.new files renamed into place at start (patch maddy-0007)
	panics         int
	duplicatesLog  int

	failures, warnings []string
	details            strings.Builder
}

func (r *report) fail(format string, args ...any) {
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}
func (r *report) warn(format string, args ...any) {
	r.warnings = append(r.warnings, fmt.Sprintf(format, args...))
}
func (r *report) detail(format string, args ...any) {
	fmt.Fprintf(&r.details, format+"\n", args...)
}

func verify(o options, runID string, in, out *load, sinkMsgs []sinkMsg, mbox []mailboxMsg, mboxErr error,
	qf queueFiles, qerr error, serverLog []byte) *report {
	r := &report{runID: runID}
	rid := regexp.QuoteMeta(runID)

	// The sending side.
	r.inSent = len(in.recs)
	for k, rec := range in.recs {
		switch {
		case rec.acked:
			r.inAcked++
		case rec.refused != "":
			r.inRefused++
			r.detail("REQ %d refused: %s", k, rec.refused)
		default:
			r.inNever++
			r.detail("REQ %d never acknowledged after %d attempts: %s", k, rec.attempts, rec.lastErr)
		}
		if rec.noReply > 0 {
			r.inNoReply++
		}
		if rec.attempts > 1 {
			r.inResent++
		}
	}
	r.outSent = len(out.recs)
	for k, rec := range out.recs {
		switch {
		case rec.acked:
			r.outAcked++
		case rec.refused != "":
			r.outRefused++
			r.detail("submission %d refused: %s", k, rec.refused)
		case rec.noReply > 0:
			r.outNoReply++
		default:
			r.outNever++
			r.detail("submission %d never acknowledged after %d attempts: %s", k, rec.attempts, rec.lastErr)
		}
		if rec.attempts > 1 {
			r.outResent++
		}
	}

	// Alice's mailbox: one copy of every acknowledged REQ, found by the
	// Message-ID the delivered mail keeps; its Subject names the
	// transaction.
	r.mboxErr = mboxErr
	reMboxID := regexp.MustCompile(`^<soak-mm-` + rid + `-(\d+)@` + regexp.QuoteMeta(peerDomain) + `>$`)
	reSubjTx := regexp.MustCompile(` tx (\S+)$`)
	copies := make([]int, r.inSent)
	copyOtherTx := make([]bool, r.inSent)
	if mboxErr == nil {
		r.mboxTotal = len(mbox)
		for _, m := range mbox {
			k, ok := index(reMboxID, m.messageID, r.inSent)
			if !ok {
				r.mboxOther++
				r.detail("mailbox: message %d not sent by this soak: Message-ID %q Subject %q", m.seq, m.messageID, m.subject)
				continue
			}
			copies[k]++
			if sm := reSubjTx.FindStringSubmatch(m.subject); sm == nil || sm[1] != inTxID(runID, k) {
				copyOtherTx[k] = true
				r.detail("mailbox: message %d is REQ %d's MM with another transaction in its Subject %q", m.seq, k, m.subject)
			}
		}
		for k, n := range copies {
			acked := in.recs[k].acked
			switch {
			case n == 0 && acked:
				r.inMissing++
				r.detail("mailbox: acknowledged REQ %d (%s) missing", k, inTxID(runID, k))
			case n >= 1 && acked:
				r.inDelivered++
			case n >= 1:
				r.inUnackedDlv++
			}
			if n == 1 {
				r.mboxOnce++
			}
			if n > 1 {
				r.mboxDup.messages++
				r.mboxDup.extra += n - 1
				r.detail("mailbox: REQ %d (%s) there %d times", k, inTxID(runID, k), n)
			}
			if copyOtherTx[k] {
				r.mboxDup.otherTx++
			}
		}
	}

	// The sink: a RES for every acknowledged REQ (by transaction ID, with
	// the REQ's message ID), a REQ for every acknowledged submission (by
	// Subject), all with one transaction ID per MM.
	r.sinkTotal = len(sinkMsgs)
	reResTx := regexp.MustCompile(`^soak-` + rid + `-(\d+)@` + regexp.QuoteMeta(peerDomain) + `$`)
	reOutSubj := regexp.MustCompile(`^soak-out ` + rid + `-(\d+)$`)
	resCount := make([]int, r.inSent)
	resOther := make([]bool, r.inSent)
	reqCount := make([]int, r.outSent)
	reqTx := make([]map[string]bool, r.outSent)
	for i, m := range sinkMsgs {
		switch {
		case strings.EqualFold(m.typ, "MM4_forward.RES"):
			k, ok := index(reResTx, m.txID, r.inSent)
			if !ok {
				r.sinkOther++
				r.detail("sink: message %d, a RES for no REQ of this soak: transaction %q message %q", i, m.txID, m.mmID)
				continue
			}
			resCount[k]++
			if m.mmID != inMMID(runID, k) {
				resOther[k] = true
				r.detail("sink: message %d, a RES with REQ %d's transaction ID and the message ID %q", i, k, m.mmID)
			}
			if !strings.EqualFold(m.status, "Ok") {
				r.resNotOk++
				r.detail("sink: message %d, RES for REQ %d with status %q", i, k, m.status)
			}
			if m.from != ourSystem || len(m.rcpts) != 1 || m.rcpts[0] != peerSystem {
				r.resBad++
				r.detail("sink: message %d, RES for REQ %d from %q to %q", i, k, m.from, m.rcpts)
			}
		case strings.EqualFold(m.typ, "MM4_forward.REQ"):
			k, ok := index(reOutSubj, m.subject, r.outSent)
			if !ok {
				r.sinkOther++
				r.detail("sink: message %d, a REQ for no submission of this soak: Subject %q", i, m.subject)
				continue
			}
			reqCount[k]++
			if reqTx[k] == nil {
				reqTx[k] = map[string]bool{}
			}
			reqTx[k][m.txID] = true
			if m.txID == "" || len(m.rcpts) != 1 || m.rcpts[0] != outRcptPeer {
				r.reqBad++
				r.detail("sink: message %d, REQ for submission %d with transaction %q to %q", i, k, m.txID, m.rcpts)
			}
		default:
			r.sinkOther++
			r.detail("sink: message %d of type %q from %q, Subject %q %s", i, m.typ, m.from, m.subject, m.err)
		}
	}
	for k, n := range resCount {
		if rec := in.recs[k]; rec.noReply > 0 {
			r.detail("REQ %d (%s): %d attempts, %d without a reply to the end of DATA; in the mailbox %d time(s), %d RES at the peer",
				k, inTxID(runID, k), rec.attempts, rec.noReply, copies[k], n)
		}
		if in.recs[k].acked {
			if n == 0 {
				r.resMissing++
				r.detail("sink: no RES for acknowledged REQ %d (%s)", k, inTxID(runID, k))
			} else {
				r.resFor++
			}
		}
		if n > 1 {
			r.resDup.messages++
			r.resDup.extra += n - 1
			r.detail("sink: RES for REQ %d (%s) arrived %d times", k, inTxID(runID, k), n)
		}
		if resOther[k] {
			r.resDup.otherTx++
		}
	}
	for k, n := range reqCount {
		acked := out.recs[k].acked
		if !acked && out.recs[k].noReply > 0 {
			r.detail("submission %d (%s): no reply to its end of DATA, not sent again; %d REQ(s) at the peer", k, outSubject(runID, k), n)
		}
		switch {
		case n == 0 && acked:
			r.reqMissing++
			r.detail("sink: no REQ for acknowledged submission %d (%s)", k, outSubject(runID, k))
		case n > 0 && acked:
			r.reqFor++
		case n > 0:
			r.reqUnackedSent++
		}
		if n > 1 {
			r.reqDup.messages++
			r.reqDup.extra += n - 1
			var txs []string
			for tx := range reqTx[k] {
				txs = append(txs, tx)
			}
			sort.Strings(txs)
			r.detail("sink: submission %d (%s) arrived %d times, transaction IDs %v", k, outSubject(runID, k), n, txs)
		}
		if len(reqTx[k]) > 1 {
			r.reqDup.otherTx++
		}
	}

	// Queue directories after the final restart, and the server log.
	r.queueErr, r.queued, r.leftovers = qerr, qf.queued, qf.leftovers
	r.removedAtStart = countLines(serverLog, "left by an interrupted transaction")
	r.renamedAtStart = countLines(serverLog, "cut short by a crash")
	r.panics = countLines(serverLog, "panic")
	r.duplicatesLog = countLines(serverLog, "duplicate MM4 request")

	// Verdict.
	if r.inRefused+r.outRefused > 0 {
		r.fail("%d REQ(s) and %d submission(s) refused with 5xx", r.inRefused, r.outRefused)
	}
	if r.inNever+r.outNever > 0 {
		r.fail("%d REQ(s) and %d submission(s) never acknowledged though sent again for 2 min", r.inNever, r.outNever)
	}
	if mboxErr != nil {
		r.fail("alice's mailbox could not be read: %v", mboxErr)
	}
	if r.inMissing > 0 {
		r.fail("LOSS: %d acknowledged REQ(s) not in alice's mailbox", r.inMissing)
	}
	if r.resMissing > 0 {
		r.fail("LOSS: %d acknowledged REQ(s) without a RES at the peer", r.resMissing)
	}
	if r.reqMissing > 0 {
		r.fail("LOSS: %d acknowledged submission(s) never reached the peer as a REQ", r.reqMissing)
	}
	if n := r.mboxDup.otherTx + r.resDup.otherTx + r.reqDup.otherTx; n > 0 {
		r.fail("%d duplicate(s) with another transaction ID than their original", n)
	}
	if r.resNotOk+r.resBad+r.reqBad+r.sinkOther > 0 {
		r.fail("unexpected messages at the peer: %d RES not Ok, %d RES misaddressed, %d REQ malformed or misaddressed, %d unknown",
			r.resNotOk, r.resBad, r.reqBad, r.sinkOther)
	}
	if r.mboxOther > 0 {
		r.warn("%d message(s) in alice's mailbox not sent by this soak (see details)", r.mboxOther)
	}
	if qerr != nil {
		r.fail("the queue directories could not be read: %v", qerr)
	}
	if len(r.queued) > 0 {
		r.warn("%d message(s) still in the queue after the final restart", len(r.queued))
	}
	if len(r.leftovers) > 0 {
		if o.leftovers == "fail" {
			r.fail("%d file(s) of interrupted transactions left in the queue directories after the final restart, though the build is said to clean them at start", len(r.leftovers))
		} else {
			r.warn("%d file(s) of interrupted transactions left in the queue directories after the final restart (this build is not known to clean them at start)", len(r.leftovers))
		}
	}
	if r.panics > 0 {
		r.warn("%d line(s) mentioning panic in the server log", r.panics)
	}
	return r
}

// index returns message number k that re finds in s (its first group).
func index(re *regexp.Regexp, s string, n int) (int, bool) {
	m := re.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	k, err := strconv.Atoi(m[1])
	if err != nil || k < 0 || k >= n {
		return 0, false
	}
	return k, true
}

func (r *report) print(o options) int {
	p := func(format string, args ...any) { fmt.Printf(format+"\n", args...) }
	p("")
	p("== soak %s: maddy-mms from %s, seed %d", r.runID, o.commit, o.seed)
	underLoad := 0
	var at []string
	for _, k := range r.kills {
		if k.duringLoad {
			underLoad++
		}
		at = append(at, fmt.Sprintf("%.0fs[%d]", k.at.Seconds(), k.inFlight))
	}
	p("kills: %d SIGKILL (%d during the load) at %s ([n]: ends of DATA awaiting their reply); %d starts in all; load took %.0fs",
		len(r.kills), underLoad, strings.Join(at, " "), r.starts, r.loadSecs)
	p("")
	p("inbound MM4_forward.REQ (peer MMSC -> alice), X-Mms-Ack-Request: Yes")
	p("  sent %d, acknowledged (250) %d, refused %d, never acknowledged %d", r.inSent, r.inAcked, r.inRefused, r.inNever)
	p("  sent more than once %d (%d after no reply to the end of DATA; same transaction ID each time)", r.inResent, r.inNoReply)
	if r.mboxErr == nil {
		p("  alice's mailbox: %d messages; acknowledged REQs delivered %d, missing %d; unacknowledged but delivered %d; exactly once %d",
			r.mboxTotal, r.inDelivered, r.inMissing, r.inUnackedDlv, r.mboxOnce)
		p("  mailbox duplicates: %s", r.mboxDup)
	} else {
		p("  alice's mailbox: not read: %v", r.mboxErr)
	}
	p("  MM4_forward.RES at the peer: for acknowledged REQs %d, missing %d; not Ok %d", r.resFor, r.resMissing, r.resNotOk)
	p("  RES duplicates: %s (server log: %d re-sent REQs answered as the first time)", r.resDup, r.duplicatesLog)
	p("")
	p("outbound submissions (alice -> %s, MM4_forward.REQ at the peer)", outRcpt)
	p("  sent %d, acknowledged (250) %d, refused %d, no reply to the end of DATA (not sent again) %d, never acknowledged %d",
		r.outSent, r.outAcked, r.outRefused, r.outNoReply, r.outNever)
	p("  sent again after a 4xx or a connection lost before the end of DATA: %d", r.outResent)
	p("  MM4_forward.REQ at the peer: for acknowledged submissions %d, missing %d; for unacknowledged %d",
		r.reqFor, r.reqMissing, r.reqUnackedSent)
	p("  REQ duplicates: %s", r.reqDup)
	p("")
	p("peer (sink) got %d messages, %d unexpected; server log: %d files of interrupted transactions removed at start, %d queued messages whose rename a kill cut short completed",
		r.sinkTotal, r.sinkOther, r.removedAtStart, r.renamedAtStart)
	p("queue after the final restart: %d message(s) queued, %d leftover temp file(s)", len(r.queued), len(r.leftovers))
	for _, q := range r.queued {
		p("  queued: %s (tries %v, last attempt %s)", q.path, q.tries, q.lastAttempt.Format("15:04:05"))
	}
	for _, f := range r.leftovers {
		p("  leftover: %s", f)
	}
	if r.details.Len() > 0 {
		// Duplicates and losses first, then the messages sent more than once.
		lines := strings.Split(strings.TrimSuffix(r.details.String(), "\n"), "\n")
		sort.SliceStable(lines, func(i, j int) bool {
			return !strings.HasPrefix(lines[i], "REQ ") && strings.HasPrefix(lines[j], "REQ ")
		})
		p("details (%d line(s), all in %s):", len(lines), filepath.Join(o.work, "details.txt"))
		for i, l := range lines {
			if i == 30 {
				p("  ...")
				break
			}
			p("  %s", l)
		}
		os.WriteFile(filepath.Join(o.work, "details.txt"), []byte(r.details.String()), 0o644)
	}
	p("")
	for _, w := range r.warnings {
		p("WARNING: %s", w)
	}
	for _, f := range r.failures {
		p("FAIL: %s", f)
	}
	if len(r.failures) > 0 {
		p("RESULT: FAIL")
		return 1
	}
	p("RESULT: PASS (missing 0; every duplicate carries its original's transaction ID)")
	return 0
}
