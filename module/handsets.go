// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/foxcpp/maddy/framework/config"
	modconfig "github.com/foxcpp/maddy/framework/config/module"
	"github.com/foxcpp/maddy/framework/log"
	"github.com/foxcpp/maddy/framework/module"
)

// Handsets is the mms.handsets module: MMs for subscribers who read them
// on a handset, over MM1 (OMA-MMS-ENC §6.2, "Multimedia Message
// Notification" and "Retrieval"). For each such subscriber an MM is stored
// as the M-retrieve.conf the handset will fetch (in a maddy blob store,
// its metadata and expiry in the relay's state store), an
// M-Notification.ind naming its Content-Location is handed to the push
// hook, and the handset's M-NotifyResp.ind or M-Acknowledge.ind settles
// it: the delivery report the sender asked for goes out then (when the
// handset allows it, X-Mms-Report-Allowed), not when the MM arrived. An
// MM not fetched by its expiry is deleted and reported Expired.
//
//	mms.handsets handsets {
//	    relay &mmsc
//	    # number → handset (MM1 only) or both (MM1 and the mailbox);
//	    # numbers not in it read MMs in their mailbox only.
//	    subscribers static {
//	        entry +15550001111 both
//	    }
//	    blobs &mm1_blobs            # storage.blob.fs or storage.blob.s3
//	    url http://mmsc.example.net/mms   # what handsets fetch from
//	    push_url http://127.0.0.1:13013/push  # else notifications are logged
//	    default_expiry 168h
//	    check_interval 1m
//	}
//
// target.mms_deliver hands MMs to it (`handsets &handsets`), the mm1
// endpoint serves them (`handsets &handsets`).
type Handsets struct {
	instName   string
	inlineArgs []string
	log        log.Logger

	relay         *Relay
	Modes         module.Table // number → handset | both
	blobs         module.BlobStore
	URL           string // base of Content-Location, without a trailing slash
	PushURL       string
	DefaultExpiry time.Duration
	MaxExpiry     time.Duration
	Interval      time.Duration
	MaxSize       int64

	client    *http.Client
	wake      chan struct{}
	stop      chan struct{}
	stopped   sync.WaitGroup
	startOnce sync.Once
	closeOnce sync.Once
	settleMu  sync.Mutex // settle: one at a time
}

// DeliveryMode is where a subscriber reads MMs.
type DeliveryMode struct {
	Mailbox bool // in the mailbox (IMAP)
	Handset bool // on the handset, over MM1
}

var modeWords = map[string]DeliveryMode{
	"mailbox": {Mailbox: true},
	"handset": {Handset: true},
	"both":    {Mailbox: true, Handset: true},
}

func NewHandsets(_, instName string, _, inlineArgs []string) (module.Module, error) {
	return &Handsets{instName: instName, inlineArgs: inlineArgs, log: log.Logger{Name: "mms.handsets"}}, nil
}

func (h *Handsets) Name() string         { return "mms.handsets" }
func (h *Handsets) InstanceName() string { return h.instName }

func (h *Handsets) Init(cfg *config.Map) error {
	var ref relayRef
	ref.register(cfg)
	cfg.Bool("debug", true, false, &h.log.Debug)
	modconfig.Table(cfg, "subscribers", false, true, nil, &h.Modes)
	cfg.Custom("blobs", false, true, nil, func(m *config.Map, node config.Node) (any, error) {
		var bs module.BlobStore
		err := modconfig.ModuleFromNode("storage.blob", node.Args, node, m.Globals, &bs)
		return bs, err
	}, &h.blobs)
	cfg.String("url", false, true, "", &h.URL)
	cfg.String("push_url", false, false, "", &h.PushURL)
	cfg.Duration("default_expiry", false, false, 7*24*time.Hour, &h.DefaultExpiry)
	cfg.Duration("max_expiry", false, false, 30*24*time.Hour, &h.MaxExpiry)
	cfg.Duration("check_interval", false, false, time.Minute, &h.Interval)
	cfg.DataSize("max_message_size", false, false, 2<<20, &h.MaxSize)
	if _, err := cfg.Process(); err != nil {
		return err
	}
	var err error
	if h.relay, err = ref.resolve(cfg, h.Name(), h.inlineArgs); err != nil {
		return err
	}
	u, err := url.Parse(h.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		return config.NodeErr(cfg.Block, "%s: url must be an absolute http or https URL without a query: %q", h.Name(), h.URL)
	}
	h.URL = strings.TrimRight(h.URL, "/")
	if h.PushURL != "" {
		if u, err := url.Parse(h.PushURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return config.NodeErr(cfg.Block, "%s: push_url must be an absolute http or https URL: %q", h.Name(), h.PushURL)
		}
	}
	if h.Interval <= 0 || h.DefaultExpiry <= 0 || h.MaxExpiry < h.DefaultExpiry {
		return config.NodeErr(cfg.Block, "%s: check_interval and default_expiry must be positive, max_expiry at least default_expiry", h.Name())
	}
	h.client = &http.Client{Timeout: 30 * time.Second}
	h.wake = make(chan struct{}, 1)
	h.stop = make(chan struct{})
	return nil
}

// start starts the background work (notifications, expiry) once the
// relay is ready: the mm1 endpoint starts it, or the first MM stored. (In
// Init the relay may be half-initialised: mms.relay → dsn_via →
// target.mms_deliver → mms.handsets → mms.relay is a cycle.)
func (h *Handsets) start() {
	h.startOnce.Do(func() {
		h.stopped.Add(1)
		go h.run()
	})
}

// Close stops the background work.
func (h *Handsets) Close() error {
	h.closeOnce.Do(func() {
		h.startOnce.Do(func() {}) // never start after Close
		close(h.stop)
		h.stopped.Wait()
	})
	return nil
}

// Mode is where number reads its MMs.
func (h *Handsets) Mode(ctx context.Context, number string) (DeliveryMode, error) {
	v, ok, err := h.Modes.Lookup(ctx, number)
	if err != nil {
		return DeliveryMode{}, err
	}
	if !ok {
		return DeliveryMode{Mailbox: true}, nil
	}
	m, known := modeWords[strings.ToLower(strings.TrimSpace(v))]
	if !known {
		return DeliveryMode{}, fmt.Errorf("mms.handsets: subscriber %s: unknown mode %q (handset, both or mailbox)", number, v)
	}
	return m, nil
}

// contentLocation is the URL a handset fetches a stored MM from.
func (h *Handsets) contentLocation(id string) string { return h.URL + "/" + id }

// idFromPath extracts a stored MM's ID from a request path ending in it.
func idFromPath(path string) string {
	i := strings.LastIndexByte(path, '/')
	id := path[i+1:]
	if id == "" || len(id) > 64 {
		return ""
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return ""
		}
	}
	return id
}

// poke wakes the background loop (a new notification to push).
func (h *Handsets) poke() {
	h.start()
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// run pushes pending notifications and expires MMs not fetched in time,
// at once, when poked and every check_interval.
func (h *Handsets) run() {
	defer h.stopped.Done()
	t := time.NewTicker(h.Interval)
	defer t.Stop()
	for {
		h.cycle()
		select {
		case <-h.stop:
			return
		case <-h.wake:
		case <-t.C:
		}
	}
}

func (h *Handsets) cycle() {
	defer func() {
		if err := recover(); err != nil {
			h.log.Printf("panic in the handsets loop: %v\n%s", err, debug.Stack())
		}
	}()
	// Close does not wait for a push gateway that does not answer, and
	// one that eats the cycle's time does not hold up the expiry.
	stopCtx, stop := context.WithCancel(context.Background())
	defer stop()
	go func() {
		select {
		case <-h.stop:
			stop()
		case <-stopCtx.Done():
		}
	}()
	ctx, cancel := context.WithTimeout(stopCtx, 5*time.Minute)
	h.pushPending(ctx)
	cancel()
	ctx, cancel = context.WithTimeout(stopCtx, 5*time.Minute)
	defer cancel()
	h.expire(ctx)
}

func init() {
	module.Register("mms.handsets", NewHandsets)
}
