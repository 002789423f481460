/*
 * monitor_listen — where famlinkd's monitoring endpoint listens, as
 * [monitor] listen gives it: "127.0.0.1:9464", "[::1]:9464" (an IP
 * literal and a port: no names, so the address cannot move with DNS) or
 * "unix:/run/famlink/monitor.sock". Read by the config's checks and by
 * the endpoint that binds it.
 */
#ifndef FAMLINK_MONITOR_LISTEN_H
#define FAMLINK_MONITOR_LISTEN_H

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/un.h>

typedef struct monitor_listen {
	struct sockaddr_storage addr;   /* AF_INET, AF_INET6 or AF_UNIX */
	socklen_t addr_len;
	/* Only this host can connect: 127.0.0.1, ::1 or a unix socket (its
	 * file mode decides who). Anything else needs a token. */
	bool local;
} monitor_listen_t;

/* Parses s into out: true, or false with *why saying what was expected. */
bool monitor_listen_parse(const char *s, monitor_listen_t *out, const char **why);

#endif
