/*
 * loadgen — the ingest half of `make bench`: P simulated municipalities
 * speaking famlink's wire protocol to a real hub famlinkd, without a store
 * of their own (like a broker benchmark's publisher).
 *
 * Each sender is a CURVE DEALER with that municipality's key pair. It says
 * Hello, waits for the hub's Hello (so the handshake is not timed), then
 * sends K Referral envelopes (sequence 1..K, ids from envelope_new_id(),
 * created_at now, about SIZE bytes packed) keeping at most WINDOW of them
 * unanswered. A message is timed from zmq_send() to the Receipt entry that
 * answers it. The hub answers each Referral with a ReferralAck; the loadgen
 * answers those with one Receipt per burst (many entries) so that the hub's
 * outbox drains, and waits until it has seen K distinct acks per sender.
 *
 * One thread, zmq_poll over the P sockets. Prints one line on stdout:
 *   msgs=N msgs_per_s=X p50_ms=X p99_ms=X
 * (throughput = N / (last Receipt - first send)); details go to stderr.
 *
 *   loadgen [-n K] [-s SIZE] [-w WINDOW] [-t TIMEOUT_S] ENDPOINT HUB_ID HUB_PUB ID=KEYFILE...
 *   loadgen --free-port      prints a TCP port on 127.0.0.1 nobody listens on
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zmq.h>

#include "bench_common.h"
#include "keys.h"

#define ACK_RECEIPT_MAX 2000   /* entries per Receipt we send */

typedef struct slot {
	char mid[MESSAGE_ID_LEN + 1];
	int64_t sent_ns;
	uint8_t state;          /* 0 free, 1 in flight, 2 answered */
} slot_t;

typedef struct sender {
	char id[65];
	char pub[KEY_Z85_LEN + 1], sec[KEY_Z85_LEN + 1];
	void *sock;
	bench_ref_t ref;
	bool hello_back;
	uint64_t next_seq;      /* next to send, 1..K */
	uint64_t low;           /* lowest unanswered */
	slot_t *slots;          /* window slots, sequence n in (n - 1) % window */
	uint8_t *ack_seen;      /* by the hub's sequence, 1..K */
	unsigned long acks, ack_dups, ack_other;
	char (*pending)[MESSAGE_ID_LEN + 1];   /* ack ids to answer */
	size_t npending;
} sender_t;

static struct {
	int nsend;
	sender_t *s;
	unsigned long k, window;
	size_t size;
	char hub_id[65], hub_pub[KEY_Z85_LEN + 1];
	double *lat_ms;          /* [sender * k + seq - 1] */
	unsigned long done, rejected, unknown_receipts;
	int64_t first_send_ns, last_receipt_ns;
	uint8_t *buf;
	size_t bufcap;
} G;

static void
die(const char *what)
{
	fprintf(stderr, "loadgen: %s\n", what);
	exit(1);
}

static int
free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) != 0)
		die("cannot find a free port");
	close(fd);
	printf("%d\n", ntohs(a.sin_port));
	return 0;
}

/* Packs env into the shared buffer and sends it; 0, or -1 (errno). */
static int
send_env(sender_t *s, const Famlink__V1__Envelope *env)
{
	size_t len = famlink__v1__envelope__get_packed_size(env);

	if (len > G.bufcap) {
		free(G.buf);
		G.bufcap = len * 2;
		if ((G.buf = malloc(G.bufcap)) == NULL)
			die("out of memory");
	}
	famlink__v1__envelope__pack(env, G.buf);
	return zmq_send(s->sock, G.buf, len, ZMQ_DONTWAIT) < 0 ? -1 : 0;
}

static void
send_hello(sender_t *s)
{
	Famlink__V1__Hello hello = FAMLINK__V1__HELLO__INIT;
	Famlink__V1__Envelope env;
	char id[MESSAGE_ID_LEN + 1];

	hello.node_id = s->id;
	hello.first_unacked_sequence = 1;
	hello.software = "famlink-loadgen";
	envelope_init(&env, id, s->id, G.hub_id);
	env.body_case = FAMLINK__V1__ENVELOPE__BODY_HELLO;
	env.hello = &hello;
	if (send_env(s, &env) != 0)
		die("cannot send Hello");
}

/* One Receipt (ACCEPTED) for the hub's messages we have read. */
static void
flush_acks(sender_t *s)
{
	Famlink__V1__ReceiptEntry entries[ACK_RECEIPT_MAX], *ptrs[ACK_RECEIPT_MAX];
	Famlink__V1__Receipt receipt = FAMLINK__V1__RECEIPT__INIT;
	Famlink__V1__Envelope env;
	char id[MESSAGE_ID_LEN + 1];

	if (s->npending == 0)
		return;
	for (size_t i = 0; i < s->npending; i++) {
		famlink__v1__receipt_entry__init(&entries[i]);
		entries[i].message_id = s->pending[i];
		entries[i].level = FAMLINK__V1__RECEIPT_LEVEL__RECEIPT_LEVEL_ACCEPTED;
		ptrs[i] = &entries[i];
	}
	receipt.n_entries = s->npending;
	receipt.entries = ptrs;
	envelope_init(&env, id, s->id, G.hub_id);
	env.body_case = FAMLINK__V1__ENVELOPE__BODY_RECEIPT;
	env.receipt = &receipt;
	if (send_env(s, &env) != 0)
		fprintf(stderr, "loadgen: %s: Receipt not sent: %s\n", s->id, zmq_strerror(errno));
	s->npending = 0;
}

/* Sends Referrals while the window has room. */
static void
fill_window(sender_t *s)
{
	char rid[65];

	while (s->next_seq <= G.k && s->next_seq < s->low + G.window) {
		slot_t *slot = &s->slots[(s->next_seq - 1) % G.window];
		Famlink__V1__Envelope *env;

		snprintf(rid, sizeof(rid), "bench-%s-%06lu", s->id + 13, (unsigned long)s->next_seq);
		env = bench_ref_next(&s->ref, rid, s->next_seq);
		if (send_env(s, env) != 0) {
			if (errno != EAGAIN)
				fprintf(stderr, "loadgen: %s: send: %s\n", s->id, zmq_strerror(errno));
			return;
		}
		slot->sent_ns = bench_now_ns();
		if (G.first_send_ns == 0)
			G.first_send_ns = slot->sent_ns;
		memcpy(slot->mid, env->message_id, sizeof(slot->mid));
		slot->state = 1;
		s->next_seq++;
	}
}

static void
settle(sender_t *s, int index, const Famlink__V1__ReceiptEntry *e, int64_t now)
{
	for (uint64_t seq = s->low; seq < s->next_seq; seq++) {
		slot_t *slot = &s->slots[(seq - 1) % G.window];
		if (slot->state != 1 || strcmp(slot->mid, e->message_id) != 0)
			continue;
		slot->state = 2;
		G.lat_ms[(size_t)index * G.k + seq - 1] = (double)(now - slot->sent_ns) / 1e6;
		G.done++;
		G.last_receipt_ns = now;
		if (e->level != FAMLINK__V1__RECEIPT_LEVEL__RECEIPT_LEVEL_ACCEPTED) {
			if (G.rejected++ < 5)
				fprintf(stderr, "loadgen: %s: message %s rejected, code %d: %s\n",
				    s->id, e->message_id, e->code, e->reason ? e->reason : "");
		}
		while (s->low < s->next_seq && s->slots[(s->low - 1) % G.window].state == 2) {
			s->slots[(s->low - 1) % G.window].state = 0;
			s->low++;
		}
		return;
	}
	G.unknown_receipts++;   /* a duplicate answer */
}

static void
handle(sender_t *s, int index, const Famlink__V1__Envelope *env, int64_t now)
{
	switch (env->body_case) {
	case FAMLINK__V1__ENVELOPE__BODY_HELLO:
		s->hello_back = true;
		return;
	case FAMLINK__V1__ENVELOPE__BODY_RECEIPT:
		for (size_t i = 0; i < env->receipt->n_entries; i++)
			if (env->receipt->entries[i]->message_id)
				settle(s, index, env->receipt->entries[i], now);
		return;
	case FAMLINK__V1__ENVELOPE__BODY_REFERRAL_ACK:
		if (env->sequence >= 1 && env->sequence <= G.k) {
			if (s->ack_seen[env->sequence])
				s->ack_dups++;
			else
				s->acks++;
			s->ack_seen[env->sequence] = 1;
		} else {
			s->ack_other++;
		}
		break;
	default:
		s->ack_other++;
		break;
	}
	/* Every sequenced message from the hub gets an ACCEPTED entry. */
	if (env->message_id && strlen(env->message_id) == MESSAGE_ID_LEN) {
		memcpy(s->pending[s->npending++], env->message_id, MESSAGE_ID_LEN + 1);
		if (s->npending == ACK_RECEIPT_MAX)
			flush_acks(s);
	}
}

/* Reads everything waiting on s's socket. */
static void
drain(sender_t *s, int index)
{
	zmq_msg_t msg;

	zmq_msg_init(&msg);
	while (zmq_msg_recv(&msg, s->sock, ZMQ_DONTWAIT) >= 0) {
		int64_t now = bench_now_ns();
		Famlink__V1__Envelope *env = famlink__v1__envelope__unpack(NULL,
		    zmq_msg_size(&msg), zmq_msg_data(&msg));
		if (env == NULL) {
			fprintf(stderr, "loadgen: %s: unreadable frame from the hub\n", s->id);
		} else {
			handle(s, index, env, now);
			famlink__v1__envelope__free_unpacked(env, NULL);
		}
	}
	zmq_msg_close(&msg);
	flush_acks(s);
}

static void
open_sender(void *ctx, sender_t *s, const char *endpoint)
{
	int hwm = 100000, linger = 3000;

	if ((s->sock = zmq_socket(ctx, ZMQ_DEALER)) == NULL ||
	    zmq_setsockopt(s->sock, ZMQ_SNDHWM, &hwm, sizeof(hwm)) != 0 ||
	    zmq_setsockopt(s->sock, ZMQ_RCVHWM, &hwm, sizeof(hwm)) != 0 ||
	    zmq_setsockopt(s->sock, ZMQ_LINGER, &linger, sizeof(linger)) != 0 ||
	    zmq_setsockopt(s->sock, ZMQ_CURVE_SERVERKEY, G.hub_pub, KEY_Z85_LEN) != 0 ||
	    zmq_setsockopt(s->sock, ZMQ_CURVE_PUBLICKEY, s->pub, KEY_Z85_LEN) != 0 ||
	    zmq_setsockopt(s->sock, ZMQ_CURVE_SECRETKEY, s->sec, KEY_Z85_LEN) != 0 ||
	    zmq_connect(s->sock, endpoint) != 0)
		die(zmq_strerror(zmq_errno()));
	s->next_seq = s->low = 1;
	s->slots = calloc(G.window, sizeof(*s->slots));
	s->ack_seen = calloc(G.k + 1, 1);
	s->pending = calloc(ACK_RECEIPT_MAX, sizeof(*s->pending));
	if (s->slots == NULL || s->ack_seen == NULL || s->pending == NULL ||
	    bench_ref_init(&s->ref, s->id, G.hub_id, G.size) != 0)
		die("out of memory");
}

static void
usage(void)
{
	fprintf(stderr, "usage: loadgen [-n K] [-s SIZE] [-w WINDOW] [-t TIMEOUT_S]"
	    " ENDPOINT HUB_ID HUB_PUB_FILE ID=KEYFILE...\n       loadgen --free-port\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	zmq_pollitem_t *items;
	unsigned long timeout_s = 300, acks = 0;
	int64_t deadline, t_end;
	void *ctx;
	err_t err;
	int opt;

	if (argc == 2 && strcmp(argv[1], "--free-port") == 0)
		return free_port();
	G.k = 5000;
	G.size = 2048;
	G.window = 100;
	while ((opt = getopt(argc, argv, "n:s:w:t:")) != -1) {
		switch (opt) {
		case 'n': G.k = strtoul(optarg, NULL, 10); break;
		case 's': G.size = strtoul(optarg, NULL, 10); break;
		case 'w': G.window = strtoul(optarg, NULL, 10); break;
		case 't': timeout_s = strtoul(optarg, NULL, 10); break;
		default: usage();
		}
	}
	if (argc - optind < 4 || G.k == 0 || G.window == 0)
		usage();
	const char *endpoint = argv[optind];
	snprintf(G.hub_id, sizeof(G.hub_id), "%s", argv[optind + 1]);
	if (keys_read_public(argv[optind + 2], G.hub_pub, &err) != 0)
		die(err.msg);
	G.nsend = argc - optind - 3;
	G.s = calloc((size_t)G.nsend, sizeof(*G.s));
	G.lat_ms = calloc((size_t)G.nsend * G.k, sizeof(double));
	items = calloc((size_t)G.nsend, sizeof(*items));
	if (G.s == NULL || G.lat_ms == NULL || items == NULL || (ctx = zmq_ctx_new()) == NULL)
		die("out of memory");
	for (int i = 0; i < G.nsend; i++) {
		const char *arg = argv[optind + 3 + i], *eq = strchr(arg, '=');
		sender_t *s = &G.s[i];
		if (eq == NULL || (size_t)(eq - arg) >= sizeof(s->id) || strncmp(arg, "municipality:", 13) != 0)
			usage();
		memcpy(s->id, arg, (size_t)(eq - arg));
		if (keys_read_secret(eq + 1, s->pub, s->sec, &err) != 0)
			die(err.msg);
		open_sender(ctx, s, endpoint);
		items[i].socket = s->sock;
		items[i].events = ZMQ_POLLIN;
	}

	/* Sessions first: Hello, and the hub's Hello back. */
	for (int i = 0; i < G.nsend; i++)
		send_hello(&G.s[i]);
	deadline = bench_now_ns() + 30 * 1000000000LL;
	for (int up = 0; up < G.nsend; ) {
		if (bench_now_ns() > deadline)
			die("no Hello from the hub within 30 s");
		zmq_poll(items, G.nsend, 100);
		up = 0;
		for (int i = 0; i < G.nsend; i++) {
			if (items[i].revents & ZMQ_POLLIN)
				drain(&G.s[i], i);
			up += G.s[i].hello_back;
		}
	}

	deadline = bench_now_ns() + (int64_t)timeout_s * 1000000000LL;
	unsigned long total = (unsigned long)G.nsend * G.k;
	while (G.done < total || acks < total) {
		if (bench_now_ns() > deadline) {
			fprintf(stderr, "loadgen: timed out: %lu of %lu answered, %lu of %lu acks\n",
			    G.done, total, acks, total);
			return 1;
		}
		for (int i = 0; i < G.nsend; i++)
			fill_window(&G.s[i]);
		if (zmq_poll(items, G.nsend, 100) < 0 && zmq_errno() != EINTR)
			die(zmq_strerror(zmq_errno()));
		acks = 0;
		for (int i = 0; i < G.nsend; i++) {
			if (items[i].revents & ZMQ_POLLIN)
				drain(&G.s[i], i);
			acks += G.s[i].acks;
		}
	}
	t_end = G.last_receipt_ns;

	/* The last Receipts must reach the hub: close with linger. */
	unsigned long dups = 0, other = 0;
	for (int i = 0; i < G.nsend; i++) {
		dups += G.s[i].ack_dups;
		other += G.s[i].ack_other;
		zmq_close(G.s[i].sock);
	}
	zmq_ctx_term(ctx);

	qsort(G.lat_ms, total, sizeof(double), bench_cmp_double);
	double secs = (double)(t_end - G.first_send_ns) / 1e9;
	fprintf(stderr, "loadgen: %lu messages from %d senders in %.3f s, window %lu, %zu-byte"
	    " envelopes; %lu rejected, %lu duplicate receipts; %lu acks (%lu resent, %lu other)"
	    "; latency min %.2f max %.2f ms\n", total, G.nsend, secs, G.window,
	    famlink__v1__envelope__get_packed_size(&G.s[0].ref.env), G.rejected,
	    G.unknown_receipts, acks, dups, other, G.lat_ms[0], G.lat_ms[total - 1]);
	printf("msgs=%lu msgs_per_s=%.0f p50_ms=%.2f p99_ms=%.2f\n", total,
	    secs > 0 ? (double)total / secs : 0, bench_percentile(G.lat_ms, total, 0.50),
	    bench_percentile(G.lat_ms, total, 0.99));
	return G.rejected ? 1 : 0;
}
