// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

// Command soak is a crash-and-restart soak of maddy-mms under load; run it
// through bench/soak.sh (see bench/README.md).
//
// It starts a stand-in peer MMSC (the sink) and maddy-mms, then sends, at
// a steady pace over -load-time, -in MM4_forward.REQs for alice from
// -in-conns connections (the peer MMSC) and -out submissions by alice from
// -out-conns connections (her mail client). Meanwhile it kills maddy-mms
// with SIGKILL -kills times at random moments (each as soon as some
// message waits for the reply to its end of DATA) and starts it again at
// once on the same state directory and ports. Then it lets the queue drain,
// restarts maddy-mms once more, reads alice's mailbox over IMAP and checks
// that nothing acknowledged was lost and that every duplicate carries its
// original's transaction ID.
//
// Senders: a REQ whose end of DATA got no reply (the server died) is sent
// again with the same transaction ID, as a peer MMSC does, until it gets
// 250. A submission whose end of DATA got no reply is not sent again (a
// mail client sending it again would make a second MM with a new
// transaction ID); a submission lost before its end of DATA, or answered
// 4xx, is sent again (the server cannot have taken it).
//
// Exit status: 0 when nothing was lost, 1 when something was (or a
// duplicate has another transaction ID, or a check could not run), 2 on
// bad usage.
package main

import (
	"flag"
	"fmt"
	"math/rand"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

type options struct {
	binary, config, work, commit string
	nIn, nOut, connsIn, connsOut int
	kills                        int
	loadTime, minGap             time.Duration
	quiet, drainTimeout          time.Duration
	retryWait                    time.Duration
	leftovers                    string
	seed                         int64
}

func main() {
	var o options
	flag.StringVar(&o.binary, "binary", "", "maddy-mms binary under test")
	flag.StringVar(&o.config, "config", "", "maddy configuration (bench/soak.conf)")
	flag.StringVar(&o.work, "work", "", "work directory: state/, server.log, details.txt")
	flag.StringVar(&o.commit, "commit", "unknown", "what the binary was built from, for the report")
	flag.IntVar(&o.nIn, "in", 5000, "inbound MM4_forward.REQs")
	flag.IntVar(&o.nOut, "out", 2000, "outbound submissions")
	flag.IntVar(&o.connsIn, "in-conns", 6, "connections of the peer MMSC")
	flag.IntVar(&o.connsOut, "out-conns", 3, "connections of alice's mail client")
	flag.IntVar(&o.kills, "kills", 8, "SIGKILLs during the load")
	flag.DurationVar(&o.loadTime, "load-time", 3*time.Minute, "the load is spread over this time")
	flag.DurationVar(&o.minGap, "min-gap", 10*time.Second, "at least this long between two kills")
	flag.DurationVar(&o.quiet, "quiet", 15*time.Second, "the queue has drained when it holds nothing and the sink got nothing for this long")
	flag.DurationVar(&o.drainTimeout, "drain-timeout", 3*time.Minute, "wait at most this long for the queue to drain, each time")
	flag.DurationVar(&o.retryWait, "retry-wait", 0, "wait up to this long for messages the queue failed to deliver before (maddy retries them 15 min after the failed attempt)")
	flag.StringVar(&o.leftovers, "leftovers", "warn", "files of interrupted transactions left in a queue directory after the final restart: fail or warn")
	flag.Int64Var(&o.seed, "seed", 0, "random seed for ports and kill times (0: from the clock)")
	flag.Parse()
	if o.binary == "" || o.config == "" || o.work == "" || o.nIn < 1 || o.nOut < 1 || o.connsIn < 1 || o.connsOut < 1 ||
		o.kills < 0 || o.loadTime <= 0 || (o.leftovers != "fail" && o.leftovers != "warn") {
		fmt.Fprintln(os.Stderr, "soak: -binary, -config and -work are required; counts positive; -leftovers fail or warn")
		flag.Usage()
		os.Exit(2)
	}
	os.Exit(run(o))
}

func logf(format string, args ...any) {
	fmt.Printf("[%s] %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

type killInfo struct {
	at            time.Duration // since the load started
	inAck, outAck int64
	sinkGot       int
	restart       time.Duration
	duringLoad    bool
	inFlight      int64 // transactions waiting for the reply to their end of DATA
}

func run(o options) int {
	if o.seed == 0 {
		o.seed = time.Now().UnixNano()
	}
	rnd := rand.New(rand.NewSource(o.seed))
	stateDir, err := filepath.Abs(filepath.Join(o.work, "state"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		return 1
	}
	if err := os.MkdirAll(stateDir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		return 1
	}
	ports, err := freePorts(rnd, 6)
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		return 1
	}
	runID := fmt.Sprintf("%x%04x", time.Now().Unix(), rnd.Intn(1<<16))

	sk, err := startSink(fmt.Sprintf("127.0.0.1:%d", ports[0]), filepath.Join(o.work, "sink.log"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak: sink:", err)
		return 1
	}
	defer sk.close()
	srv := &server{
		binary: o.binary, config: o.config, stateDir: stateDir,
		logPath: filepath.Join(o.work, "server.log"),
		ports: map[string]int{
			"MMS_PEER_PORT": ports[0], "MMS_MM4_PORT": ports[1],
			"MMS_SUBMISSION_PORT": ports[2], "MMS_IMAP_PORT": ports[3],
			// maddy.conf.example's MM1 and metrics listeners: unused here.
			"MMS_MM1_PORT": ports[4], "MMS_METRICS_PORT": ports[5],
		},
	}
	defer srv.stop()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-sigs
		fmt.Fprintln(os.Stderr, "soak: interrupted; stopping maddy-mms")
		srv.stop()
		os.Exit(130)
	}()
	logf("soak %s: maddy-mms from %s, seed %d; sink 127.0.0.1:%d, MM4 %d, submission %d, IMAP %d; work %s",
		runID, o.commit, o.seed, ports[0], ports[1], ports[2], ports[3], o.work)
	if err := srv.start(); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		return 1
	}

	start := time.Now().Add(500 * time.Millisecond)
	in := &load{
		name: "inbound", addr: fmt.Sprintf("127.0.0.1:%d", ports[1]), helo: "mmsc.mms.peer.example",
		from: peerSender, rcpt: aliceMM4, msg: func(k int) []byte { return inboundREQ(runID, k) },
		resendNoReply: true, giveUp: 2 * time.Minute,
		n: o.nIn, conns: o.connsIn, start: start, interval: o.loadTime / time.Duration(o.nIn),
	}
	out := &load{
		name: "outbound", addr: fmt.Sprintf("127.0.0.1:%d", ports[2]), helo: "alice-phone.example.net",
		user: aliceLogin, password: alicePass,
		from: aliceLogin, rcpt: outRcpt, msg: func(k int) []byte { return submission(runID, k) },
		giveUp: 2 * time.Minute,
		n:      o.nOut, conns: o.connsOut, start: start, interval: o.loadTime / time.Duration(o.nOut),
	}
	loadDone := make(chan struct{})
	var wg sync.WaitGroup
	for _, l := range []*load{in, out} {
		wg.Add(1)
		go func(l *load) { defer wg.Done(); l.run() }(l)
	}
	go func() { wg.Wait(); close(loadDone) }()
	logf("load: %d REQs over %d connections and %d submissions over %d connections, spread over %v; %d kills",
		o.nIn, o.connsIn, o.nOut, o.connsOut, o.loadTime, o.kills)

	// The kills: at random moments of the load, at least min-gap apart.
	killAt := killTimes(rnd, o.kills, o.loadTime, o.minGap)
	var kills []killInfo
	progress := time.NewTicker(30 * time.Second)
	defer progress.Stop()
	for _, at := range killAt {
		for wait := time.Until(start.Add(at)); wait > 0; wait = time.Until(start.Add(at)) {
			select {
			case <-time.After(wait):
			case <-progress.C:
				logf("progress: REQs %d/%d acknowledged, submissions %d/%d acknowledged, sink got %d",
					in.acked.Load(), o.nIn, out.acked.Load(), o.nOut, sk.count())
			}
		}
		// Kill when some message has had its end of DATA and waits for
		// the reply (the server is committing it), or after 2 s.
		for wait := time.Now().Add(2 * time.Second); inFlight.Load() == 0 && time.Now().Before(wait); {
			time.Sleep(200 * time.Microsecond)
		}
		k := killInfo{at: time.Since(start), inAck: in.acked.Load(), outAck: out.acked.Load(), sinkGot: sk.count(),
			inFlight: inFlight.Load()}
		select {
		case <-loadDone:
		default:
			k.duringLoad = true
		}
		srv.kill()
		t0 := time.Now()
		if err := srv.start(); err != nil {
			fmt.Fprintln(os.Stderr, "soak: restart after a kill:", err)
			return 1
		}
		k.restart = time.Since(t0)
		kills = append(kills, k)
		logf("kill %d: SIGKILL at %.1fs of the load, %d end(s) of DATA awaiting the reply (REQs acknowledged %d, submissions %d, sink got %d); up again in %.1fs",
			len(kills), k.at.Seconds(), k.inFlight, k.inAck, k.outAck, k.sinkGot, k.restart.Seconds())
	}
	for done := false; !done; {
		select {
		case <-loadDone:
			done = true
		case <-progress.C:
			logf("progress: REQs %d/%d acknowledged, submissions %d/%d acknowledged, sink got %d",
				in.acked.Load(), o.nIn, out.acked.Load(), o.nOut, sk.count())
		}
	}
	loadSecs := time.Since(start).Seconds()
	logf("load done after %.1fs: REQs %d/%d acknowledged, submissions %d/%d acknowledged", loadSecs,
		in.acked.Load(), o.nIn, out.acked.Load(), o.nOut)

	// Drain, restart once more (SIGTERM, start), drain again.
	d1 := drain(srv, sk, stateDir, o)
	logf("queue drain after the load: %s", d1)
	srv.stop()
	if err := srv.start(); err != nil {
		fmt.Fprintln(os.Stderr, "soak: final restart:", err)
		return 1
	}
	d2 := drain(srv, sk, stateDir, o)
	logf("queue drain after the final restart: %s", d2)
	qf, qerr := scanQueues(stateDir)
	mbox, merr := readMailbox(fmt.Sprintf("127.0.0.1:%d", ports[3]), aliceLogin, alicePass)
	srv.stop()
	sinkMsgs, _ := sk.snapshot()
	serverLog, _ := os.ReadFile(srv.logPath)

	rep := verify(o, runID, in, out, sinkMsgs, mbox, merr, qf, qerr, serverLog)
	rep.kills, rep.loadSecs, rep.starts = kills, loadSecs, srv.starts
	return rep.print(o)
}

// killTimes draws n moments in [5%, 90%] of the load, sorted, at least
// gap apart (spaced evenly with jitter when random draws keep failing).
func killTimes(rnd *rand.Rand, n int, loadTime, gap time.Duration) []time.Duration {
	lo, hi := loadTime/20, loadTime*9/10
	for try := 0; try < 10000; try++ {
		out := make([]time.Duration, n)
		for i := range out {
			out[i] = lo + time.Duration(rnd.Int63n(int64(hi-lo)))
		}
		sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
		ok := true
		for i := 1; i < n; i++ {
			ok = ok && out[i]-out[i-1] >= gap
		}
		if ok {
			return out
		}
	}
	out := make([]time.Duration, n)
	step := (hi - lo) / time.Duration(n)
	for i := range out {
		out[i] = lo + time.Duration(i)*step + time.Duration(rnd.Int63n(int64(step/2)+1))
	}
	return out
}

// drain waits until the queue directories hold no message and the sink
// got nothing for o.quiet, or until o.drainTimeout. Messages the queue
// failed to deliver before are retried only 15 min after that attempt,
// restart or not: with -retry-wait they are waited for, otherwise the
// drain ends once only they are left and the sink is quiet.
func drain(srv *server, sk *sink, stateDir string, o options) string {
	t0 := time.Now()
	deadline := t0.Add(o.drainTimeout)
	if o.retryWait > o.drainTimeout {
		deadline = t0.Add(o.retryWait)
	}
	for {
		time.Sleep(500 * time.Millisecond)
		qf, err := scanQueues(stateDir)
		if err != nil {
			return "cannot read the queue: " + err.Error()
		}
		_, last := sk.snapshot()
		quiet := time.Since(last) >= o.quiet && time.Since(t0) >= o.quiet
		failed := 0
		for _, q := range qf.queued {
			if q.failedBefore() {
				failed++
			}
		}
		switch {
		case quiet && len(qf.queued) == 0:
			return fmt.Sprintf("empty after %.1fs", time.Since(t0).Seconds())
		case quiet && failed == len(qf.queued) && o.retryWait == 0:
			return fmt.Sprintf("%d message(s) left that the queue failed to deliver before, retried 15 min after that attempt (-retry-wait to wait)", failed)
		case time.Now().After(deadline):
			return fmt.Sprintf("NOT drained after %.1fs: %d message(s) queued (%d failed before)", time.Since(t0).Seconds(), len(qf.queued), failed)
		case !srv.alive():
			return "maddy-mms is not running"
		}
	}
}

// countLines counts the lines of log that contain needle.
func countLines(log []byte, needle string) int {
	n := 0
	for _, l := range strings.Split(string(log), "\n") {
		if strings.Contains(l, needle) {
			n++
		}
	}
	return n
}
