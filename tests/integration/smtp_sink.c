/* smtp_sink — see smtp_sink.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base64.h"
#include "smtp_sink.h"

#define SCRIPT "tests/integration/smtp_sink.py"
#define PYTHON "/usr/bin/python3"   /* Debian's, with python3-aiosmtpd; never PATH's */
#define START_MS 15000

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

int
sink_free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static bool
exists(const smtp_sink_t *s, const char *name)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/%s", s->dir, name);
	return access(path, F_OK) == 0;
}

int
sink_start(smtp_sink_t *s, const char *auth)
{
	char script[4096], portbuf[16], log[600], ready[600];
	pid_t pid;

	if (realpath(SCRIPT, script) == NULL) {
		fprintf(stderr, "sink: %s: %s (run from the repository's top)\n", SCRIPT,
		    strerror(errno));
		return -1;
	}
	(void)mkdir(s->dir, 0700);
	snprintf(ready, sizeof(ready), "%s/ready", s->dir);
	(void)unlink(ready);
	snprintf(portbuf, sizeof(portbuf), "%d", s->port);
	snprintf(log, sizeof(log), "%s.log", s->dir);
	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(127);
		execl(PYTHON, "python3", script, portbuf, s->dir, auth, (char *)NULL);
		_exit(127);
	}
	s->pid = pid;
	for (int waited = 0; waited < START_MS; waited += 20) {
		int status;
		if (exists(s, "ready"))
			return 0;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			s->pid = 0;
			fprintf(stderr, "sink: exited at start (see %s)\n", log);
			return -1;
		}
		sleep_ms(20);
	}
	fprintf(stderr, "sink: not listening after %d ms (see %s)\n", START_MS, log);
	sink_stop(s);
	return -1;
}

void
sink_stop(smtp_sink_t *s)
{
	int status;

	if (s->pid == 0)
		return;
	kill(s->pid, SIGTERM);
	for (int waited = 0; waitpid(s->pid, &status, WNOHANG) == 0; waited += 10) {
		if (waited == 5000)
			kill(s->pid, SIGKILL);
		sleep_ms(10);
	}
	s->pid = 0;
}

int
sink_count(const smtp_sink_t *s)
{
	char name[16];
	int n = 0;

	for (;;) {
		snprintf(name, sizeof(name), "%04d.eml", n + 1);
		if (!exists(s, name))
			return n;
		n++;
	}
}

bool
sink_wait(const smtp_sink_t *s, int want, int timeout_ms)
{
	for (int waited = 0; waited <= timeout_ms; waited += 20) {
		if (sink_count(s) >= want)
			return sink_count(s) == want;
		sleep_ms(20);
	}
	fprintf(stderr, "sink_wait: %d mails, wanted %d\n", sink_count(s), want);
	return false;
}

static char *
slurp(const smtp_sink_t *s, int n, const char *ext)
{
	char path[600], *buf;
	FILE *f;
	long len;

	snprintf(path, sizeof(path), "%s/%04d.%s", s->dir, n, ext);
	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	if ((buf = malloc((size_t)len + 1)) != NULL) {
		len = (long)fread(buf, 1, (size_t)len, f);
		buf[len] = '\0';
	}
	fclose(f);
	return buf;
}

char *sink_mail(const smtp_sink_t *s, int n) { return slurp(s, n, "eml"); }
char *sink_envelope(const smtp_sink_t *s, int n) { return slurp(s, n, "env"); }

bool
sink_header(const char *mail, const char *name, char *buf, size_t len)
{
	size_t nlen = strlen(name), used = 0;
	const char *p = mail, *end = strstr(mail, "\r\n\r\n");

	for (; p != NULL && p < end; p = strstr(p, "\r\n") ? strstr(p, "\r\n") + 2 : NULL) {
		if (strncasecmp(p, name, nlen) != 0 || p[nlen] != ':')
			continue;
		p += nlen + 1;
		for (;;) {   /* the value, with its folded lines joined */
			const char *eol = strstr(p, "\r\n");
			while (*p == ' ' || *p == '\t')
				p++;
			if (used + (size_t)(eol - p) + 2 > len)
				return false;
			if (used > 0)
				buf[used++] = ' ';
			memcpy(buf + used, p, (size_t)(eol - p));
			used += (size_t)(eol - p);
			if (eol[2] != ' ' && eol[2] != '\t')
				break;
			p = eol + 2;
		}
		buf[used] = '\0';
		return true;
	}
	return false;
}

bool
sink_subject(const char *mail, char *buf, size_t len)
{
	char raw[2048];
	const char *p = raw;
	size_t used = 0;

	if (!sink_header(mail, "Subject", raw, sizeof(raw)))
		return false;
	if (strstr(raw, "=?") == NULL) {
		snprintf(buf, len, "%s", raw);
		return true;
	}
	while ((p = strstr(p, "=?UTF-8?B?")) != NULL) {
		const char *q = strstr(p + 10, "?=");
		uint8_t *bytes;
		size_t n;
		if (q == NULL || base64_decode(p + 10, (size_t)(q - p - 10), &bytes, &n) != 0 ||
		    used + n >= len)
			return false;
		memcpy(buf + used, bytes, n);
		used += n;
		free(bytes);
		p = q + 2;
	}
	buf[used] = '\0';
	return true;
}

static int
hex(char c)
{
	return c >= 'A' ? c - 'A' + 10 : c - '0';
}

char *
sink_body(const char *mail)
{
	const char *p = strstr(mail, "\r\n\r\n");
	char *out, *o;

	if (p == NULL || (out = o = malloc(strlen(p) + 1)) == NULL)
		return NULL;
	for (p += 4; *p != '\0'; ) {
		if (p[0] == '=' && p[1] == '\r' && p[2] == '\n') {
			p += 3;
		} else if (p[0] == '=' && p[1] && p[2]) {
			*o++ = (char)(hex(p[1]) * 16 + hex(p[2]));
			p += 3;
		} else if (p[0] == '\r' && p[1] == '\n') {
			*o++ = '\n';
			p += 2;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	return out;
}

void
sink_flag(const smtp_sink_t *s, const char *flag, bool on)
{
	char path[600];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", s->dir, flag);
	if (!on) {
		(void)unlink(path);
		return;
	}
	if ((fd = open(path, O_WRONLY | O_CREAT, 0600)) >= 0)
		close(fd);
}
