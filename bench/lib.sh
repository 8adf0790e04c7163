# maddy-mms: the SMTP face of an MMS Relay/Server, built on maddy.
# Copyright © 2026 maddy-mms contributors. Licensed under the GNU GPL v3 or later (see LICENSE).
#
# Helpers the bench scripts share (sourced by run.sh, mem.sh, mm1/e2e.sh,
# mailbox/run.sh): stopping processes, picking and waiting for loopback
# ports, counting queued messages.

stop() { # stop PID: SIGTERM, then SIGKILL after 15 s; always reaped
	local pid=$1 i
	[[ -n $pid ]] || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 150; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

log() { echo "$*"; }

# Ports are picked below the kernel's ephemeral range, so that no outgoing
# connection (ours or another program's) holds the port we are about to
# listen on; a port taken between the probe and the bind is retried.
EPHEMERAL_LO=$(awk '{ print $1 }' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true)
[[ ${EPHEMERAL_LO:-} =~ ^[0-9]+$ && $EPHEMERAL_LO -gt 12000 ]] || EPHEMERAL_LO=32768
PORT_LO=10000
PORT_SPAN=$((EPHEMERAL_LO - PORT_LO))

# free_port [EXCLUDE...]: a loopback port nobody listens on.
free_port() {
	local p i x taken
	for ((i = 0; i < 200; i++)); do
		p=$((PORT_LO + (RANDOM * 32768 + RANDOM) % PORT_SPAN))
		taken=
		for x in "$@"; do [[ $p != "$x" ]] || taken=1; done
		[[ -z $taken ]] || continue
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	echo "no free port found" >&2
	return 1
}

# wait_port PORT PID [NAME]: until 127.0.0.1:PORT accepts (30 s at most).
wait_port() {
	local port=$1 pid=$2 name=${3:-server} i
	for ((i = 0; i < 300; i++)); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			return 0
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			log "$name exited during start-up"
			return 1
		fi
		sleep 0.1
	done
	log "$name did not listen on 127.0.0.1:$port within 30 s"
	return 1
}

# queued DIR: number of messages still in the queue directory DIR.
queued() {
	local n
	n=$(find "$1" -maxdepth 1 -name '*.meta' 2>/dev/null | wc -l)
	echo $((n))
}

now() { date +%s.%N; }
