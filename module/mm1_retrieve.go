// maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
// Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).

package module

import (
	"net/http"
	"strconv"
	"time"

	"github.com/maddy-mms/maddy-mms/internal/state"
)

// GET of a Content-Location (OMA-MMS-ENC §6.3): the M-retrieve.conf of a
// stored MM, to its recipient only; anyone else, and an MM settled or
// expired, gets 404, which says nothing of whether it exists.
func (e *mm1Endpoint) retrieve(w http.ResponseWriter, r *http.Request, c mm1Caller) {
	ctx := r.Context()
	h := e.handsets
	id := idFromPath(r.URL.Path)
	if h == nil || id == "" {
		http.NotFound(w, r)
		return
	}
	m, ok, err := e.relay.state.HandsetMM(ctx, id)
	if err != nil {
		e.log.Error("stored MM lookup failed", err, "id", id)
		http.Error(w, "Try again later", http.StatusServiceUnavailable)
		return
	}
	if ok {
		ok, err = e.owns(ctx, c, m.Number)
		if err != nil {
			e.log.Error("subscriber lookup failed", err, "number", m.Number)
			http.Error(w, "Try again later", http.StatusServiceUnavailable)
			return
		}
	}
	if !ok || !containsState(openStates, m.State) {
		mm1Requests.WithLabelValues("retrieve", "not_found").Inc()
		e.log.Msg("MM1 retrieval of an MM that is not the caller's or no longer stored", "id", id, "login", c.Login)
		http.NotFound(w, r)
		return
	}
	b, err := h.readBlob(ctx, m.ID, m.Size)
	if err != nil {
		e.log.Error("cannot read a stored MM", err, "id", id)
		http.Error(w, "Try again later", http.StatusServiceUnavailable)
		return
	}
	if m.State == state.HandsetStored && r.Method == http.MethodGet {
		if _, err := e.relay.state.SetHandsetState(ctx, m.ID, []state.HandsetState{state.HandsetStored},
			state.HandsetRetrieved, time.Now()); err != nil {
			e.log.Error("cannot record a retrieval", err, "id", id)
		}
	}
	mm1Requests.WithLabelValues("retrieve", "ok").Inc()
	e.log.Msg("MM retrieved by the handset", "number", m.Number, "message_id", m.MessageID, "id", id)
	w.Header().Set("Content-Type", mm1MediaType)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		w.Write(b)
	}
}
