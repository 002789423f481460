/* link_view — see link_view.h. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "link_view.h"

#define LINE_MAX_LEN 128   /* "NODE_ID STATE SINCE\n": 64 + 1 + 17 + 1 + 20 + 1 */
#define HEAD "famlinkd links v1 started="
#define TAIL "end\n"

struct link_view {
	int fd;
	size_t size;
	char *buf;
};

/* In the file one word each; status prints the spaced names. */
static const char *const tokens[PEER_STATE_COUNT] = {
	[PEER_NEVER_CONNECTED] = "never-connected", [PEER_CONNECTED] = "connected",
	[PEER_DISCONNECTED] = "disconnected", [PEER_REFUSED_BY_HUB] = "refused-by-hub",
	[PEER_HANDSHAKE_FAILING] = "handshake-failing", [PEER_UNREACHABLE] = "unreachable",
	[PEER_UNKNOWN] = "unknown",
};
static const char *const names[PEER_STATE_COUNT] = {
	[PEER_NEVER_CONNECTED] = "never connected", [PEER_CONNECTED] = "connected",
	[PEER_DISCONNECTED] = "disconnected", [PEER_REFUSED_BY_HUB] = "refused by hub",
	[PEER_HANDSHAKE_FAILING] = "handshake failing", [PEER_UNREACHABLE] = "unreachable",
	[PEER_UNKNOWN] = "unknown",
};

const char *
peer_state_name(peer_state_t s)
{
	return s < PEER_STATE_COUNT ? names[s] : "unknown";
}

static size_t
size_for(size_t npeers)
{
	return sizeof(HEAD) + 21 + sizeof(TAIL) + LINE_MAX_LEN * (npeers + 8);
}

/* Its blocks are allocated now, while there is room (not sparse). */
static int
grow(link_view_t *lv, size_t size, err_t *err)
{
	char *buf = realloc(lv->buf, size);
	int rc;

	if (buf == NULL)
		return err_set(err, ENOMEM, "%s: out of memory", LINK_VIEW_FILE);
	lv->buf = buf;
	if ((rc = posix_fallocate(lv->fd, 0, (off_t)size)) != 0)
		return err_set(err, rc, "%s: %s", LINK_VIEW_FILE, strerror(rc));
	lv->size = size;
	return 0;
}

int
link_view_open(link_view_t **plv, const char *dir, size_t npeers, int64_t started_ms,
    err_t *err)
{
	char path[4200];
	link_view_t *lv = calloc(1, sizeof(*lv));

	*plv = NULL;
	if (lv == NULL)
		return err_set(err, ENOMEM, "out of memory");
	snprintf(path, sizeof(path), "%s/%s", dir, LINK_VIEW_FILE);
	if ((lv->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0) {
		err_set(err, errno, "%s: %s", path, strerror(errno));
		free(lv);
		return -1;
	}
	if (fchmod(lv->fd, 0600) != 0 || grow(lv, size_for(npeers), err) != 0) {
		if (err->msg[0] == '\0')
			err_set(err, errno, "%s: chmod: %s", path, strerror(errno));
		link_view_close(&lv);
		return -1;
	}
	if (link_view_write(lv, started_ms, NULL, 0, err) != 0) {
		link_view_close(&lv);
		return -1;
	}
	*plv = lv;
	return 0;
}

static size_t
format(const link_view_t *lv, int64_t started_ms, const link_entry_t *e, size_t n)
{
	size_t at = 0;

	at += (size_t)snprintf(lv->buf, lv->size, HEAD "%" PRId64 "\n", started_ms);
	for (size_t i = 0; i < n; i++)
		at += (size_t)snprintf(lv->buf + at, lv->size - at, "%s %s %" PRId64 "\n",
		    e[i].node_id, tokens[e[i].state < PEER_STATE_COUNT ? e[i].state : PEER_UNKNOWN],
		    e[i].since_ms);
	at += (size_t)snprintf(lv->buf + at, lv->size - at, TAIL);
	return at;
}

int
link_view_write(link_view_t *lv, int64_t started_ms, const link_entry_t *e, size_t n,
    err_t *err)
{
	size_t used;
	ssize_t w;

	if (size_for(n) > lv->size && grow(lv, size_for(n), err) != 0)
		return -1;
	used = format(lv, started_ms, e, n);
	memset(lv->buf + used, ' ', lv->size - used);
	if (flock(lv->fd, LOCK_EX) != 0)
		return err_set(err, errno, "%s: lock: %s", LINK_VIEW_FILE, strerror(errno));
	w = pwrite(lv->fd, lv->buf, lv->size, 0);
	if (w != (ssize_t)lv->size)
		err_set(err, w < 0 ? errno : EIO, "%s: %s", LINK_VIEW_FILE,
		    w < 0 ? strerror(errno) : "short write");
	flock(lv->fd, LOCK_UN);
	return w == (ssize_t)lv->size ? 0 : -1;
}

void
link_view_close(link_view_t **plv)
{
	link_view_t *lv = *plv;

	if (lv == NULL)
		return;
	if (lv->fd >= 0)
		close(lv->fd);
	free(lv->buf);
	free(lv);
	*plv = NULL;
}

static peer_state_t
state_of_token(const char *t)
{
	for (int s = 0; s < PEER_STATE_COUNT; s++)
		if (strcmp(t, tokens[s]) == 0)
			return (peer_state_t)s;
	return PEER_UNKNOWN;
}

/* The lines between HEAD and TAIL; -1 when the file is not one we wrote. */
static int
parse(char *text, int64_t *started_ms, link_entry_t **out, size_t *n)
{
	size_t cap = 0;
	char *line, *save = NULL, *end;
	link_entry_t *rows = NULL;

	*n = 0;
	if (strncmp(text, HEAD, strlen(HEAD)) != 0)
		return -1;
	*started_ms = strtoll(text + strlen(HEAD), &end, 10);
	if (*end != '\n')
		return -1;
	for (line = strtok_r(end, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char id[65], token[32];
		long long since;
		if (strcmp(line, "end") == 0) {
			*out = rows;
			return 0;
		}
		if (sscanf(line, "%64s %31s %lld", id, token, &since) != 3)
			break;
		if (*n == cap) {
			link_entry_t *g = realloc(rows, (cap = cap ? cap * 2 : 16) * sizeof(*g));
			if (g == NULL)
				break;
			rows = g;
		}
		snprintf(rows[*n].node_id, sizeof(rows[*n].node_id), "%s", id);
		rows[*n].state = state_of_token(token);
		rows[(*n)++].since_ms = since;
	}
	free(rows);
	return -1;
}

int
link_view_read(const char *dir, int64_t *started_ms, link_entry_t **out, size_t *n,
    err_t *err)
{
	char path[4200];
	struct stat st;
	char *text;
	ssize_t r;
	int fd, rc;

	*out = NULL;
	*n = 0;
	snprintf(path, sizeof(path), "%s/%s", dir, LINK_VIEW_FILE);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return errno == ENOENT ? 1 : err_set(err, errno, "%s: %s", path, strerror(errno));
	if (flock(fd, LOCK_SH) != 0 || fstat(fd, &st) != 0 ||
	    (text = malloc((size_t)st.st_size + 1)) == NULL) {
		err_set(err, errno, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	r = pread(fd, text, (size_t)st.st_size, 0);
	close(fd);
	text[r > 0 ? r : 0] = '\0';
	rc = r < 0 ? -1 : parse(text, started_ms, out, n);
	free(text);
	if (rc != 0)
		return err_set(err, EINVAL, "%s: not a link view famlinkd wrote", path);
	return 0;
}
