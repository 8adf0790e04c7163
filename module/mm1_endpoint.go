// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/foxcpp/maddy/framework/config"
	modconfig "github.com/foxcpp/maddy/framework/config/module"
	tls2 "github.com/foxcpp/maddy/framework/config/tls"
	"github.com/foxcpp/maddy/framework/log"
	"github.com/foxcpp/maddy/framework/module"
	"github.com/maddy-mms/maddy-mms/mmsmap"
	"github.com/maddy-mms/maddy-mms/mmsmap/mm1"
)

// mm1Endpoint is the mm1 endpoint: the MMSC's HTTP server for handsets
// (OMA-MMS-CTR §7, OMA-MMS-ENC §6), HTTP/1.1 with persistent connections,
// TLS through maddy's tls directive.
//
//	mm1 tcp://0.0.0.0:8080 {
//	    auth &local_authdb          # HTTP Basic: login and password
//	    relay &mmsc
//	    handsets &handsets          # stored MMs: GET, notification answers
//	    deliver_to &mm1_submission  # where M-send.req MMs go (a msgpipeline)
//	    # A WAP gateway that has authenticated the handset names its number:
//	    msisdn_header X-MSISDN
//	    trusted_proxies 10.1.2.3/32
//	}
//
// POST to the URL (any path) carries a PDU (application/vnd.wap.mms-message),
// dispatched by its X-Mms-Message-Type (mm1Handlers); GET of a stored MM's
// Content-Location returns its M-retrieve.conf to its recipient only.
type mm1Endpoint struct {
	name  string
	addrs []string

	authCache *authCache // logins accepted lately (auth_cache)
	log       log.Logger

	auth      module.PlainAuth
	relay     *Relay
	handsets  *Handsets
	deliverTo module.DeliveryTarget
	tlsConfig *tls.Config

	msisdnHeader string
	trusted      []*net.IPNet
	maxSize      int64

	serv      http.Server
	listeners sync.WaitGroup
}

// mm1Proto is the ConnState.Proto of an MM1 request.
const mm1Proto = "MM1"

func NewMM1Endpoint(modName string, addrs []string) (module.Module, error) {
	return &mm1Endpoint{name: modName, addrs: addrs, log: log.Logger{Name: "mm1"}}, nil
}

func (e *mm1Endpoint) Name() string         { return "mm1" }
func (e *mm1Endpoint) InstanceName() string { return "mm1" }

func (e *mm1Endpoint) Init(cfg *config.Map) error {
	var ref relayRef
	var proxies []string
	ref.register(cfg)
	cfg.Bool("debug", true, false, &e.log.Debug)
	cfg.Custom("auth", false, false, nil, func(m *config.Map, node config.Node) (any, error) {
		var a module.PlainAuth
		err := modconfig.ModuleFromNode("auth", node.Args, node, m.Globals, &a)
		return a, err
	}, &e.auth)
	cfg.Custom("handsets", false, false, nil, func(m *config.Map, node config.Node) (any, error) {
		var h *Handsets
		err := modconfig.ModuleFromNode("mms", node.Args, node, m.Globals, &h)
		return h, err
	}, &e.handsets)
	cfg.Custom("deliver_to", false, true, nil, modconfig.DeliveryDirective, &e.deliverTo)
	cfg.Custom("tls", true, true, nil, tls2.TLSDirective, &e.tlsConfig)
	cfg.String("msisdn_header", false, false, "", &e.msisdnHeader)
	cfg.StringList("trusted_proxies", false, false, nil, &proxies)
	cfg.DataSize("max_message_size", false, false, 2<<20, &e.maxSize)
	var authTTL time.Duration
	cfg.Duration("auth_cache", false, false, 5*time.Minute, &authTTL)
	if _, err := cfg.Process(); err != nil {
		return err
	}
	var err error
	if e.relay, err = ref.resolve(cfg, e.Name(), nil); err != nil {
		return err
	}
	if authTTL > 0 {
		e.authCache = newAuthCache(authTTL, 100000)
	}
	if e.auth == nil && e.msisdnHeader == "" {
		return config.NodeErr(cfg.Block, "mm1: handsets must authenticate: set auth, msisdn_header, or both")
	}
	if (e.msisdnHeader == "") != (len(proxies) == 0) {
		return config.NodeErr(cfg.Block, "mm1: msisdn_header and trusted_proxies go together: the header is believed only from those addresses")
	}
	for _, p := range proxies {
		if !strings.Contains(p, "/") {
			if strings.Contains(p, ":") {
				p += "/128"
			} else {
				p += "/32"
			}
		}
		_, n, err := net.ParseCIDR(p)
		if err != nil {
			return config.NodeErr(cfg.Block, "mm1: trusted_proxies: %v", err)
		}
		e.trusted = append(e.trusted, n)
	}

	if e.handsets != nil {
		e.handsets.start() // notifications left from before a restart, expiry
	}
	e.serv = http.Server{
		Handler:           e,
		ReadHeaderTimeout: 30 * time.Second,
		ReadTimeout:       5 * time.Minute,
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          nil,
	}
	for _, a := range e.addrs {
		endp, err := config.ParseEndpoint(a)
		if err != nil {
			return fmt.Errorf("mm1: malformed endpoint: %v", err)
		}
		l, err := net.Listen(endp.Network(), endp.Address())
		if err != nil {
			return fmt.Errorf("mm1: %v", err)
		}
		if endp.IsTLS() {
			if e.tlsConfig == nil {
				l.Close()
				return fmt.Errorf("mm1: %s needs the tls directive", a)
			}
			l = tls.NewListener(l, e.tlsConfig)
		}
		e.listeners.Add(1)
		go func() {
			defer e.listeners.Done()
			defer func() {
				if err := recover(); err != nil {
					e.log.Printf("panic in the MM1 listener: %v", err)
				}
			}()
			e.log.Println("listening on", endp.String())
			if err := e.serv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
				e.log.Error("serve failed", err, "endpoint", a)
			}
		}()
	}
	return nil
}

func (e *mm1Endpoint) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := e.serv.Shutdown(ctx)
	e.listeners.Wait()
	return err
}

// mm1Caller is who sent an HTTP request: the login (an account of the
// auth module, or the mailbox of the number a trusted proxy named) and,
// for a proxy, the number.
type mm1Caller struct {
	Login  string
	Number string
	Remote net.Addr
}

// authenticate answers 401 (and returns false) unless the request is a
// subscriber's: HTTP Basic against the auth module, or the MSISDN header
// from a trusted proxy.
func (e *mm1Endpoint) authenticate(w http.ResponseWriter, r *http.Request) (mm1Caller, bool) {
	remote, _ := net.ResolveTCPAddr("tcp", r.RemoteAddr)
	c := mm1Caller{Remote: remote}
	if e.msisdnHeader != "" && remote != nil && e.isTrusted(remote.IP) {
		if v := strings.TrimSpace(r.Header.Get(e.msisdnHeader)); v != "" {
			number, login, err := e.subscriberOf(r.Context(), v)
			if err != nil {
				e.log.Error("MSISDN lookup failed", err, "msisdn", v)
				http.Error(w, "Subscriber lookup failed, try again later", http.StatusServiceUnavailable)
				return c, false
			}
			if login == "" {
				http.Error(w, "Not a subscriber of this MMSC", http.StatusForbidden)
				return c, false
			}
			c.Number, c.Login = number, login
			return c, true
		}
	}
	user, pass, ok := r.BasicAuth()
	if ok && e.auth != nil {
		now := time.Now()
		if e.authCache.valid(user, pass, now) {
			c.Login = user
			return c, true
		}
		if err := e.auth.AuthPlain(user, pass); err == nil {
			e.authCache.add(user, pass, now)
			c.Login = user
			return c, true
		}
		mm1AuthFailures.Inc()
		e.log.Msg("MM1 authentication failed", "username", user, "remote_addr", r.RemoteAddr)
	}
	w.Header().Set("WWW-Authenticate", `Basic realm="MMS", charset="UTF-8"`)
	http.Error(w, "Authentication required", http.StatusUnauthorized)
	return c, false
}

func (e *mm1Endpoint) isTrusted(ip net.IP) bool {
	for _, n := range e.trusted {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

// subscriberOf normalises a number a proxy named and finds its mailbox.
func (e *mm1Endpoint) subscriberOf(ctx context.Context, msisdn string) (string, string, error) {
	number, err := e.relay.normalizeNumber(msisdn)
	if err != nil {
		return "", "", nil
	}
	mb, ok, err := e.relay.Mailbox(ctx, number)
	if err != nil || !ok {
		return number, "", err
	}
	return number, mb, nil
}

// owns reports whether number is the caller's: the number a proxy named,
// or one whose mailbox is the caller's login.
func (e *mm1Endpoint) owns(ctx context.Context, c mm1Caller, number string) (bool, error) {
	if c.Number != "" {
		return c.Number == number, nil
	}
	mb, ok, err := e.relay.Mailbox(ctx, number)
	if err != nil || !ok {
		return false, err
	}
	return strings.EqualFold(mb, c.Login), nil
}

func (e *mm1Endpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if err := recover(); err != nil {
			e.log.Printf("panic serving an MM1 request: %v", err)
			http.Error(w, "Server error", http.StatusInternalServerError)
		}
	}()
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		c, ok := e.authenticate(w, r)
		if !ok {
			return
		}
		e.retrieve(w, r, c)
	case http.MethodPost:
		c, ok := e.authenticate(w, r)
		if !ok {
			return
		}
		e.post(w, r, c)
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		http.Error(w, "Method not allowed", http.StatusMethodNotAllowed)
	}
}

// mm1Call is one POSTed PDU.
type mm1Call struct {
	w      http.ResponseWriter
	r      *http.Request
	caller mm1Caller
	pdu    *mm1.PDU
	log    log.Logger
}

// mm1Handlers answer the PDUs a handset POSTs, by X-Mms-Message-Type.
var mm1Handlers = map[mm1.Token]func(*mm1Endpoint, *mm1Call){
	mm1.MSendReq:        (*mm1Endpoint).sendReq,
	mm1.MNotifyRespInd:  (*mm1Endpoint).notifyResp,
	mm1.MAcknowledgeInd: (*mm1Endpoint).acknowledge,
	mm1.MReadRecInd:     (*mm1Endpoint).readRec,
}

func (e *mm1Endpoint) post(w http.ResponseWriter, r *http.Request, c mm1Caller) {
	ct := strings.ToLower(strings.TrimSpace(strings.Split(r.Header.Get("Content-Type"), ";")[0]))
	if ct != mm1MediaType {
		http.Error(w, "Content-Type must be "+mm1MediaType, http.StatusUnsupportedMediaType)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, e.maxSize+1))
	if err != nil {
		http.Error(w, "Cannot read the request body", http.StatusBadRequest)
		return
	}
	l := e.log
	l.Fields = map[string]any{"login": c.Login, "remote_addr": r.RemoteAddr}
	if int64(len(body)) > e.maxSize {
		mm1Requests.WithLabelValues("unknown", "too_large").Inc()
		e.sendConf(w, "", mm1StatusContentNotAccepted, fmt.Sprintf("The MM is larger than %d octets", e.maxSize), "")
		return
	}
	pdu, err := mm1.Decode(body)
	if err != nil {
		mm1Requests.WithLabelValues("unknown", "corrupt").Inc()
		l.Msg("undecodable MM1 PDU", "reason", err.Error())
		e.sendConf(w, "", mm1StatusFormatCorrupt, clip("Malformed PDU: "+err.Error(), 256), "")
		return
	}
	handler, ok := mm1Handlers[pdu.MessageType()]
	if !ok {
		mm1Requests.WithLabelValues(mm1.FieldName(0)+fmt.Sprintf("0x%02x", byte(pdu.MessageType())), "unsupported").Inc()
		l.Msg("MM1 PDU of a type this MMSC does not take", "type", fmt.Sprintf("0x%02x", byte(pdu.MessageType())))
		e.sendConf(w, pdu.TransactionID(), mm1StatusUnsupported, "This MMSC does not take this PDU type", "")
		return
	}
	// What a PDU starts (an MM routed, a report queued and its MM
	// settled) is finished even if the handset hangs up meanwhile.
	r = r.WithContext(context.WithoutCancel(r.Context()))
	handler(e, &mm1Call{w: w, r: r, caller: c, pdu: pdu, log: l})
}

// noContent answers a PDU that has no answer PDU (OMA-MMS-ENC §6: the
// indications are answered by HTTP alone).
func noContent(w http.ResponseWriter) { w.WriteHeader(http.StatusNoContent) }

func init() {
	module.RegisterEndpoint("mm1", NewMM1Endpoint)
}

// normalizeNumber reads a number as a proxy or handset writes it (with or
// without +, /TYPE=PLMN) into its normalised form.
func (r *Relay) normalizeNumber(s string) (string, error) {
	a, err := mmsmap.ParseAddress(s)
	if err != nil {
		return "", err
	}
	if a, err = r.Plan.NormalizeAddress(a); err != nil {
		return "", err
	}
	if !a.IsNumber() {
		return "", fmt.Errorf("not a number: %q", s)
	}
	return a.Value, nil
}
