/*
 * keys — CurveZMQ key files; see keys.h. A secret key only ever lives in a
 * file no one else can read, in this process's buffers (wiped when done) and
 * in libzmq. Files are small line-oriented text: "# comment", "public-key =
 * Z85", "secret-key = Z85".
 */
#define _GNU_SOURCE   /* mkostemp */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zmq.h>

#include "atomicfile.h"
#include "keys.h"

#define KEY_HEADER "# famlink CurveZMQ secret key \xe2\x80\x94 keep private\n"
#define PUB_HEADER "# famlink CurveZMQ public key \xe2\x80\x94 give this file to the other side\n"

/* A key file is about 150 bytes; anything much larger is not one. */
#define KEYS_FILE_MAX 4096

static const char z85_alphabet[] =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

bool
keys_valid_z85(const char *s)
{
	uint8_t raw[32];

	if (s == NULL || strnlen(s, KEY_Z85_LEN + 1) != KEY_Z85_LEN)
		return false;
	if (strspn(s, z85_alphabet) != KEY_Z85_LEN)
		return false;
	return zmq_z85_decode(raw, s) != NULL;
}

int
keys_generate(char public_z85[KEY_Z85_LEN + 1], char secret_z85[KEY_Z85_LEN + 1], err_t *err)
{
	if (zmq_curve_keypair(public_z85, secret_z85) != 0) {
		int e = errno;
		return err_set(err, e, "cannot make a CurveZMQ key pair: %s%s", zmq_strerror(e),
		    e == ENOTSUP ? " (libzmq was built without CURVE)" : "");
	}
	return 0;
}

/* True if secret derives public (both must already be valid Z85). */
static bool
pair_matches(const char *public_z85, const char *secret_z85)
{
	char derived[KEY_Z85_LEN + 1];

	if (zmq_curve_public(derived, secret_z85) != 0)
		return false;
	return strcmp(derived, public_z85) == 0;
}

/* ---- writing ----------------------------------------------------------- */

static int
path_with(char out[PATH_MAX], const char *base, const char *suffix, err_t *err)
{
	int n = snprintf(out, PATH_MAX, "%s%s", base, suffix);

	if (n < 0 || n >= PATH_MAX)
		return err_set(err, ENAMETOOLONG, "%s%s: path too long", base, suffix);
	return 0;
}

static int
refuse_existing(const char *path, err_t *err)
{
	struct stat st;

	if (lstat(path, &st) == 0)
		return err_set(err, EEXIST, "%s: exists; not overwriting a key", path);
	if (errno != ENOENT)
		return err_set(err, errno, "%s: %s", path, strerror(errno));
	return 0;
}

/* Puts tmp in place as final_path; without force never replaces a file. */
static int
commit_temp(const char *tmp, const char *final_path, bool force, err_t *err)
{
	if (force) {
		if (rename(tmp, final_path) != 0)
			return err_set(err, errno, "%s: %s", final_path, strerror(errno));
		return 0;
	}
	if (link(tmp, final_path) != 0) {
		if (errno == EEXIST)
			return err_set(err, EEXIST, "%s: exists; not overwriting a key",
			    final_path);
		return err_set(err, errno, "%s: %s", final_path, strerror(errno));
	}
	unlink(tmp);
	return 0;
}

static int
check_pair(const char *public_z85, const char *secret_z85, err_t *err)
{
	if (!keys_valid_z85(public_z85))
		return err_set(err, EINVAL, "public key is not a 40-character Z85 key");
	if (!keys_valid_z85(secret_z85))
		return err_set(err, EINVAL, "secret key is not a 40-character Z85 key");
	if (!pair_matches(public_z85, secret_z85))
		return err_set(err, EINVAL, "secret key does not belong to the public key");
	return 0;
}

int
keys_write_pair(const char *base_path, const char *public_z85, const char *secret_z85,
    bool force, err_t *err)
{
	char key_path[PATH_MAX], pub_path[PATH_MAX], key_tmp[PATH_MAX] = "",
	    pub_tmp[PATH_MAX] = "", body[256];
	int rc = -1;

	if (check_pair(public_z85, secret_z85, err) != 0 ||
	    path_with(key_path, base_path, ".key", err) != 0 ||
	    path_with(pub_path, base_path, ".pub", err) != 0)
		return -1;
	if (!force && (refuse_existing(key_path, err) != 0 || refuse_existing(pub_path, err) != 0))
		return -1;
	/* Both files complete on disk before either name appears. */
	snprintf(body, sizeof(body), KEY_HEADER "public-key = %s\nsecret-key = %s\n",
	    public_z85, secret_z85);
	if (atomicfile_write_temp(key_tmp, key_path, body, 0600, err) != 0)
		goto out;
	snprintf(body, sizeof(body), PUB_HEADER "public-key = %s\n", public_z85);
	if (atomicfile_write_temp(pub_tmp, pub_path, body, 0644, err) != 0)
		goto out;
	if (commit_temp(key_tmp, key_path, force, err) != 0)
		goto out;
	key_tmp[0] = '\0';
	if (commit_temp(pub_tmp, pub_path, force, err) != 0) {
		if (!force)   /* do not leave half a new pair behind */
			unlink(key_path);
		goto out;
	}
	pub_tmp[0] = '\0';
	rc = atomicfile_sync_dir(key_path, err);
out:
	explicit_bzero(body, sizeof(body));
	if (key_tmp[0] != '\0')
		unlink(key_tmp);
	if (pub_tmp[0] != '\0')
		unlink(pub_tmp);
	return rc;
}

/* ---- reading ----------------------------------------------------------- */

/*
 * Reads the whole file into buf (NUL-terminated). With private_only, refuses
 * a file that group or others can access: a secret anyone else can read is no
 * longer secret, and failing loudly is the only way the operator learns it.
 */
static int
slurp(const char *path, bool private_only, char *buf, size_t size, err_t *err)
{
	struct stat st;
	size_t len = 0;
	ssize_t n;
	int fd, rc = -1;

	/* O_NONBLOCK: a FIFO in place of the key must not hang us. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return err_set(err, errno, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0) {
		err_set(err, errno, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err_set(err, EINVAL, "%s: not a regular file", path);
		goto out;
	}
	if (private_only && (st.st_mode & 077) != 0) {
		err_set(err, EPERM, "%s: permissions %04o are too open; chmod 600 %s", path,
		    (unsigned)(st.st_mode & 07777), path);
		goto out;
	}
	while ((n = read(fd, buf + len, size - 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err_set(err, errno, "%s: %s", path, strerror(errno));
			goto out;
		}
		len += (size_t)n;
		if (len == size - 1) {
			err_set(err, EFBIG, "%s: %zu bytes or more; not a key file", path,
			    size - 1);
			goto out;
		}
	}
	buf[len] = '\0';
	if (memchr(buf, '\0', len) != NULL) {
		err_set(err, EINVAL, "%s: contains a NUL byte; not a key file", path);
		goto out;
	}
	rc = 0;
out:
	close(fd);
	return rc;
}

static char *
trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

/* One "name = value" line into pub or sec (sec NULL: skip secret-key). */
static int
parse_key_line(const char *path, int lineno, char *line, char *pub, char *sec, err_t *err)
{
	char *eq = strchr(line, '='), *name, *value, *dest;

	if (eq == NULL)
		return err_set(err, EINVAL, "%s:%d: expected \"public-key = KEY\" or "
		    "\"secret-key = KEY\"", path, lineno);
	*eq = '\0';
	name = trim(line);
	value = trim(eq + 1);
	if (strcmp(name, "public-key") == 0)
		dest = pub;
	else if (strcmp(name, "secret-key") == 0)
		dest = sec;
	else
		return err_set(err, EINVAL, "%s:%d: unknown name \"%.40s\"; expected public-key "
		    "or secret-key", path, lineno, name);
	if (dest == NULL)
		return 0;
	if (dest[0] != '\0')
		return err_set(err, EINVAL, "%s:%d: %s given twice", path, lineno, name);
	if (!keys_valid_z85(value))
		return err_set(err, EINVAL, "%s:%d: %s is not a 40-character Z85 key", path,
		    lineno, name);
	memcpy(dest, value, KEY_Z85_LEN + 1);
	return 0;
}

/* The line of text's first "secret-key" line, or 0. */
static int
secret_line(const char *text)
{
	const char *line = text;
	int lineno = 1;

	for (; line != NULL; lineno++) {
		while (*line == ' ' || *line == '\t')
			line++;
		if (strncmp(line, "secret-key", 10) == 0)
			return lineno;
		if ((line = strchr(line, '\n')) != NULL)
			line++;
	}
	return 0;
}

/* Parses text in place; pub (and sec unless NULL) come back filled. */
static int
parse_key_text(const char *path, char *text, char *pub, char *sec, err_t *err)
{
	char *line = text, *next, *s;
	int lineno = 0;

	pub[0] = '\0';
	if (sec != NULL)
		sec[0] = '\0';
	for (; line != NULL; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		lineno++;
		s = trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		if (parse_key_line(path, lineno, s, pub, sec, err) != 0)
			return -1;
	}
	if (pub[0] == '\0')
		return err_set(err, EINVAL, "%s: no public-key line", path);
	if (sec != NULL && sec[0] == '\0')
		return err_set(err, EINVAL, "%s: no secret-key line (is this a .pub file?)", path);
	return 0;
}

int
keys_read_secret(const char *path, char public_z85[KEY_Z85_LEN + 1],
    char secret_z85[KEY_Z85_LEN + 1], err_t *err)
{
	char buf[KEYS_FILE_MAX + 1];
	int rc = -1;

	buf[0] = '\0';
	if (slurp(path, true, buf, sizeof(buf), err) != 0)
		goto out;
	if (parse_key_text(path, buf, public_z85, secret_z85, err) != 0)
		goto out;
	if (!pair_matches(public_z85, secret_z85)) {
		err_set(err, EINVAL, "%s: secret-key does not belong to public-key", path);
		goto out;
	}
	rc = 0;
out:
	explicit_bzero(buf, sizeof(buf));
	if (rc != 0)
		explicit_bzero(secret_z85, KEY_Z85_LEN + 1);
	return rc;
}

int
keys_read_private_text(const char *path, char *buf, size_t size, err_t *err)
{
	return slurp(path, true, buf, size, err);
}

int
keys_read_public(const char *path, char public_z85[KEY_Z85_LEN + 1], err_t *err)
{
	char buf[KEYS_FILE_MAX + 1];
	int rc;

	buf[0] = '\0';
	rc = slurp(path, false, buf, sizeof(buf), err);
	if (rc == 0)
		rc = parse_key_text(path, buf, public_z85, NULL, err);
	explicit_bzero(buf, sizeof(buf));   /* it may have been a .key file */
	return rc;
}

int
keys_read_peer_public(const char *path, char public_z85[KEY_Z85_LEN + 1], err_t *err)
{
	char buf[KEYS_FILE_MAX + 1];
	int rc, line;

	buf[0] = '\0';
	rc = slurp(path, false, buf, sizeof(buf), err);
	if (rc == 0 && (line = secret_line(buf)) != 0)
		rc = err_set(err, EKEYREVOKED, "%s:%d: this is a SECRET key file (a .key, not "
		    "a .pub): that key has leaked and must be replaced; its owner makes a new "
		    "pair (famlinkctl keygen) and sends only the .pub", path, line);
	else if (rc == 0)
		rc = parse_key_text(path, buf, public_z85, NULL, err);
	explicit_bzero(buf, sizeof(buf));
	if (rc != 0)
		public_z85[0] = '\0';
	return rc;
}
