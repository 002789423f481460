/* monitor_listen — see monitor_listen.h. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "monitor_listen.h"

#define EXPECTED "IPv4:PORT, [IPv6]:PORT or unix:/PATH (e.g. 127.0.0.1:9464)"

static bool
parse_port(const char *s, in_port_t *port)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return false;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v < 1 || v > 65535)
		return false;
	*port = htons((in_port_t)v);
	return true;
}

static bool
parse_unix(const char *path, monitor_listen_t *out, const char **why)
{
	struct sockaddr_un *un = (struct sockaddr_un *)&out->addr;

	if (path[0] != '/' || strlen(path) >= sizeof(un->sun_path)) {
		*why = "unix:/PATH with an absolute path of at most 107 bytes";
		return false;
	}
	un->sun_family = AF_UNIX;
	strcpy(un->sun_path, path);
	out->addr_len = sizeof(*un);
	out->local = true;
	return true;
}

/* "[::1]:9464" */
static bool
parse_ipv6(const char *s, monitor_listen_t *out)
{
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&out->addr;
	const char *close = strchr(s, ']');
	char host[INET6_ADDRSTRLEN];

	if (close == NULL || close[1] != ':' || (size_t)(close - s - 1) >= sizeof(host))
		return false;
	memcpy(host, s + 1, (size_t)(close - s - 1));
	host[close - s - 1] = '\0';
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) != 1 || !parse_port(close + 2, &in6->sin6_port))
		return false;
	in6->sin6_family = AF_INET6;
	out->addr_len = sizeof(*in6);
	out->local = IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
	return true;
}

/* "127.0.0.1:9464" */
static bool
parse_ipv4(const char *s, monitor_listen_t *out)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)&out->addr;
	const char *colon = strrchr(s, ':');
	char host[INET_ADDRSTRLEN];

	if (colon == NULL || (size_t)(colon - s) >= sizeof(host))
		return false;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	if (inet_pton(AF_INET, host, &in4->sin_addr) != 1 || !parse_port(colon + 1, &in4->sin_port))
		return false;
	in4->sin_family = AF_INET;
	out->addr_len = sizeof(*in4);
	out->local = in4->sin_addr.s_addr == htonl(INADDR_LOOPBACK);
	return true;
}

bool
monitor_listen_parse(const char *s, monitor_listen_t *out, const char **why)
{
	memset(out, 0, sizeof(*out));
	*why = EXPECTED;
	if (strncmp(s, "unix:", 5) == 0)
		return parse_unix(s + 5, out, why);
	return s[0] == '[' ? parse_ipv6(s, out) : parse_ipv4(s, out);
}
