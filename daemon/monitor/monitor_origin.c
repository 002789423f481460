/*
 * monitor_origin — which Origin headers are the endpoint's own, for the
 * actions (POST): the page / served from the address it listens on. Only
 * the configured address counts, never the request's Host header: a page
 * whose name an attacker points at 127.0.0.1 (DNS rebinding) sends its own
 * name as Host and Origin alike.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "monitor_int.h"

static bool
same(const char *origin, const char *host, unsigned port)
{
	char own[INET6_ADDRSTRLEN + 32];

	snprintf(own, sizeof(own), "http://%s:%u", host, port);
	return strcmp(origin, own) == 0;
}

bool
monitor_own_origin(const monitor_t *m, const char *origin)
{
	const struct sockaddr_storage *a = &m->where.addr;
	char ip[INET6_ADDRSTRLEN + 2] = "";
	unsigned port;

	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)a;
		inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip));
		port = ntohs(in->sin_port);
	} else if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)a;
		ip[0] = '[';
		inet_ntop(AF_INET6, &in6->sin6_addr, ip + 1, sizeof(ip) - 2);
		strcat(ip, "]");
		port = ntohs(in6->sin6_port);
	} else {
		return false;   /* a unix socket: no browser page has it as origin */
	}
	return same(origin, ip, port) || (m->where.local && same(origin, "localhost", port));
}
