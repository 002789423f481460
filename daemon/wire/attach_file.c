/* attach_file — see attach_file.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "attach_file.h"
#include "base64.h"

int
attach_sha256(const void *data, size_t len, unsigned char md[32])
{
	unsigned int mdlen = 0;

	return EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) == 1 && mdlen == 32 ? 0 : -1;
}

bool
attach_plain_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 255 || s[0] == '.')
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' || *s == '-'))
			return false;
	return true;
}

/* Reads a regular file, never following a symlink: its bytes (caller
 * free()s) or NULL with err. */
static uint8_t *
read_file(int dirfd, const char *name, const char *shown, size_t *len, err_t *err)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	uint8_t *buf = NULL;
	ssize_t r;

	*len = 0;
	if (fd < 0) {
		err_set(err, 4, "%s: cannot open: %s", shown, errno == ELOOP
		    ? "a symbolic link" : strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		err_set(err, 4, "%s: not a regular file", shown);
	} else if (st.st_nlink != 1) {
		err_set(err, 4, "%s: a file with other hard links: refused", shown);
	} else if ((uint64_t)st.st_size > ATTACH_MAX_BYTES) {
		err_set(err, 4, "%s: %lld bytes, over an attachment's %u", shown,
		    (long long)st.st_size, ATTACH_MAX_BYTES);
	} else if ((buf = malloc(st.st_size > 0 ? (size_t)st.st_size : 1)) == NULL) {
		err_set(err, 0, "out of memory");
	} else {
		while (*len < (size_t)st.st_size &&
		    (r = read(fd, buf + *len, (size_t)st.st_size - *len)) > 0)
			*len += (size_t)r;
		if (*len != (size_t)st.st_size) {
			err_set(err, 4, "%s: changed while read", shown);
			free(buf);
			buf = NULL;
		}
	}
	close(fd);
	return buf;
}

/* Sets obj's "content" and "sha256" from data: 0, or -1 with err. */
static int
set_content(json_t *obj, const uint8_t *data, size_t len, err_t *err)
{
	unsigned char md[32];
	char *content = base64_encode(data, len, NULL), *sum;

	if (content == NULL || attach_sha256(data, len, md) != 0 ||
	    (sum = base64_encode(md, 32, NULL)) == NULL) {
		free(content);
		return err_set(err, 0, "out of memory");
	}
	json_object_set_new(obj, "content", json_string(content));
	json_object_set_new(obj, "sha256", json_string(sum));
	free(content);
	free(sum);
	return 0;
}

static int
resolve_one(json_t *obj, const char *key, int dirfd, err_t *err)
{
	const json_t *v = json_object_get(obj, "contentFile");
	const char *name = json_string_value(v);
	uint8_t *data;
	size_t len;
	int rc;

	if (name == NULL || !attach_plain_name(name))
		return err_set(err, 4, "%s.contentFile: a file name in the same folder (letters,"
		    " digits, '.', '_', '-'; not starting with '.')", key);
	if (json_object_get(obj, "content") != NULL)
		return err_set(err, 4, "%s: content and contentFile both given", key);
	if ((data = read_file(dirfd, name, key, &len, err)) == NULL)
		return -1;
	rc = set_content(obj, data, len, err);
	free(data);
	json_object_del(obj, "contentFile");
	return rc;
}

bool
attach_named(const json_t *json)
{
	const char *key;
	json_t *v;

	if (!json_is_object(json))
		return false;
	if (json_object_get(json, "contentFile") != NULL)
		return true;
	json_object_foreach((json_t *)json, key, v)
		if (attach_named(v))
			return true;
	return false;
}

int
attach_resolve(json_t *json, int dirfd, err_t *err)
{
	const char *key;
	json_t *v;

	json_object_foreach(json, key, v) {
		if (!json_is_object(v))
			continue;
		if (json_object_get(v, "contentFile") != NULL && resolve_one(v, key, dirfd, err) != 0)
			return -1;
		if (attach_resolve(v, dirfd, err) != 0)
			return -1;
	}
	return 0;
}

static const char *
media_type(const char *name)
{
	static const struct { const char *ext, *type; } types[] = {
		{ ".pdf", "application/pdf" }, { ".txt", "text/plain" },
		{ ".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document" },
		{ ".odt", "application/vnd.oasis.opendocument.text" },
		{ ".jpg", "image/jpeg" }, { ".png", "image/png" },
	};
	size_t n = strlen(name);

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		size_t e = strlen(types[i].ext);
		if (n > e && strcasecmp(name + n - e, types[i].ext) == 0)
			return types[i].type;
	}
	return "application/octet-stream";
}

/* The envelope's body: its one member that is an object. */
static json_t *
body_of(json_t *envelope)
{
	const char *key;
	json_t *v;

	json_object_foreach(envelope, key, v)
		if (json_is_object(v))
			return v;
	return NULL;
}

int
attach_put(json_t *envelope, const char *field, const char *path, err_t *err)
{
	json_t *body = body_of(envelope), *att;
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	uint8_t *data;
	size_t len;
	int rc;

	if (body == NULL)
		return err_set(err, 4, "--attach %s: the file has no body to attach it to", field);
	if ((att = json_object_get(body, field)) == NULL) {
		att = json_object();
		json_object_set_new(body, field, att);
	}
	if (!json_is_object(att))
		return err_set(err, 4, "--attach %s: not an attachment in the body", field);
	if ((data = read_file(AT_FDCWD, path, field, &len, err)) == NULL)
		return -1;
	rc = set_content(att, data, len, err);
	free(data);
	if (json_object_get(att, "filename") == NULL)
		json_object_set_new(att, "filename", json_string(base));
	if (json_object_get(att, "mediaType") == NULL)
		json_object_set_new(att, "mediaType", json_string(media_type(base)));
	json_object_del(att, "contentFile");
	return rc;
}
