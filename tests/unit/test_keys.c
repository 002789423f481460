/*
 * test_keys — key generation, the key file pair on disk (modes, no
 * overwrite, atomic write), and every way reading one can be refused.
 * Real files in a mkdtemp() directory, removed at teardown.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "scratch.h"
#include <zmq.h>

#include "keys.h"

typedef struct fixture {
	char dir[64];
	char base[PATH_MAX];   /* dir/node */
	char key[PATH_MAX];    /* dir/node.key */
	char pub[PATH_MAX];    /* dir/node.pub */
	char pk[KEY_Z85_LEN + 1], sk[KEY_Z85_LEN + 1];
} fixture_t;

static int
setup(void **state)
{
	fixture_t *f = calloc(1, sizeof(*f));
	err_t err = {0};

	if (f == NULL)
		return -1;
	if (scratch_make(f->dir, sizeof(f->dir), "test_keys") != 0)
		return -1;
	snprintf(f->base, sizeof(f->base), "%s/node", f->dir);
	snprintf(f->key, sizeof(f->key), "%s/node.key", f->dir);
	snprintf(f->pub, sizeof(f->pub), "%s/node.pub", f->dir);
	if (keys_generate(f->pk, f->sk, &err) != 0)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	fixture_t *f = *state;
	int rc = scratch_remove(f->dir);

	free(f);
	return rc;
}

static void
write_file(const char *path, mode_t mode, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

static char *
read_text(const char *path)
{
	static char buf[4096];
	FILE *fp = fopen(path, "r");
	size_t n;

	assert_non_null(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

/* The message must contain want (cmocka prints both on failure). */
static void
assert_msg_has(const err_t *err, const char *want)
{
	if (strstr(err->msg, want) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", err->msg, want);
}

static void
test_generate(void **state)
{
	fixture_t *f = *state;
	char pk2[KEY_Z85_LEN + 1], sk2[KEY_Z85_LEN + 1], derived[KEY_Z85_LEN + 1];
	err_t err = {0};

	assert_true(keys_valid_z85(f->pk));
	assert_true(keys_valid_z85(f->sk));
	assert_int_equal(zmq_curve_public(derived, f->sk), 0);
	assert_string_equal(derived, f->pk);
	assert_int_equal(keys_generate(pk2, sk2, &err), 0);
	assert_string_not_equal(pk2, f->pk);
	assert_string_not_equal(sk2, f->sk);
}

static void
test_round_trip(void **state)
{
	fixture_t *f = *state;
	char pk[KEY_Z85_LEN + 1], sk[KEY_Z85_LEN + 1];
	err_t err = {0};

	assert_int_equal(keys_write_pair(f->base, f->pk, f->sk, false, &err), 0);
	assert_int_equal(keys_read_secret(f->key, pk, sk, &err), 0);
	assert_string_equal(pk, f->pk);
	assert_string_equal(sk, f->sk);
	memset(pk, 0, sizeof(pk));
	assert_int_equal(keys_read_public(f->pub, pk, &err), 0);
	assert_string_equal(pk, f->pk);
	memset(pk, 0, sizeof(pk));
	assert_int_equal(keys_read_public(f->key, pk, &err), 0);   /* a .key works too */
	assert_string_equal(pk, f->pk);

	/* ...but not as another node's key: that secret has leaked. */
	memset(pk, 0, sizeof(pk));
	assert_int_equal(keys_read_peer_public(f->pub, pk, &err), 0);
	assert_string_equal(pk, f->pk);
	assert_int_equal(keys_read_peer_public(f->key, pk, &err), -1);
	assert_int_equal(err.code, EKEYREVOKED);
	assert_non_null(strstr(err.msg, ":3: this is a SECRET key file"));
	assert_non_null(strstr(err.msg, "has leaked and must be replaced"));
	assert_string_equal(pk, "");
}

static void
test_file_format(void **state)
{
	fixture_t *f = *state;
	char want[512];
	err_t err = {0};

	assert_int_equal(keys_write_pair(f->base, f->pk, f->sk, false, &err), 0);
	snprintf(want, sizeof(want), "# famlink CurveZMQ secret key \xe2\x80\x94 keep private\n"
	    "public-key = %s\nsecret-key = %s\n", f->pk, f->sk);
	assert_string_equal(read_text(f->key), want);
	snprintf(want, sizeof(want), "\npublic-key = %s\n", f->pk);
	assert_non_null(strstr(read_text(f->pub), want));
	assert_null(strstr(read_text(f->pub), "secret-key"));
	assert_null(strstr(read_text(f->pub), f->sk));
}

/* 0600 and 0644 whatever the umask, and no temporary file left behind. */
static void
test_modes_and_no_temp(void **state)
{
	fixture_t *f = *state;
	mode_t old = umask(0);
	struct stat st;
	struct dirent *de;
	DIR *d;
	int entries = 0;
	err_t err = {0};

	assert_int_equal(keys_write_pair(f->base, f->pk, f->sk, false, &err), 0);
	umask(old);
	assert_int_equal(stat(f->key, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(stat(f->pub, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	d = opendir(f->dir);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		entries++;
		assert_null(strstr(de->d_name, ".tmp"));
	}
	closedir(d);
	assert_int_equal(entries, 2);
}

static void
test_refuses_overwrite(void **state)
{
	fixture_t *f = *state;
	char pk2[KEY_Z85_LEN + 1], sk2[KEY_Z85_LEN + 1], pk[KEY_Z85_LEN + 1],
	    sk[KEY_Z85_LEN + 1];
	err_t err = {0};

	assert_int_equal(keys_generate(pk2, sk2, &err), 0);
	assert_int_equal(keys_write_pair(f->base, f->pk, f->sk, false, &err), 0);
	assert_int_equal(keys_write_pair(f->base, pk2, sk2, false, &err), -1);
	assert_int_equal(err.code, EEXIST);
	assert_msg_has(&err, f->key);
	assert_int_equal(keys_read_secret(f->key, pk, sk, &err), 0);
	assert_string_equal(sk, f->sk);   /* the old key is still there */
	assert_int_equal(keys_write_pair(f->base, pk2, sk2, true, &err), 0);
	assert_int_equal(keys_read_secret(f->key, pk, sk, &err), 0);
	assert_string_equal(sk, sk2);
	assert_int_equal(keys_read_public(f->pub, pk, &err), 0);
	assert_string_equal(pk, pk2);
}

/* A .pub alone (e.g. a half-finished earlier run) also stops a new pair. */
static void
test_refuses_when_pub_exists(void **state)
{
	fixture_t *f = *state;
	struct stat st;
	err_t err = {0};

	write_file(f->pub, 0644, "public-key = x\n");
	assert_int_equal(keys_write_pair(f->base, f->pk, f->sk, false, &err), -1);
	assert_int_equal(err.code, EEXIST);
	assert_msg_has(&err, f->pub);
	assert_int_equal(stat(f->key, &st), -1);   /* nothing half written */
}

static void
test_write_rejects_bad_pair(void **state)
{
	fixture_t *f = *state;
	char pk2[KEY_Z85_LEN + 1], sk2[KEY_Z85_LEN + 1];
	struct stat st;
	err_t err = {0};

	assert_int_equal(keys_generate(pk2, sk2, &err), 0);
	assert_int_equal(keys_write_pair(f->base, f->pk, sk2, false, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_msg_has(&err, "does not belong");
	assert_int_equal(keys_write_pair(f->base, "short", f->sk, false, &err), -1);
	assert_msg_has(&err, "public key is not");
	assert_int_equal(stat(f->key, &st), -1);
	assert_int_equal(stat(f->pub, &st), -1);
}

static void
test_refuses_open_secret(void **state)
{
	fixture_t *f = *state;
	char pk[KEY_Z85_LEN + 1], sk[KEY_Z85_LEN + 1], want[2 * PATH_MAX + 64];
	err_t err = {0};

	assert_int_equal(keys_write_pair(f->base, f->pk, f->sk, false, &err), 0);
	assert_int_equal(chmod(f->key, 0644), 0);
	assert_int_equal(keys_read_secret(f->key, pk, sk, &err), -1);
	assert_int_equal(err.code, EPERM);
	snprintf(want, sizeof(want), "%s: permissions 0644 are too open; chmod 600 %s",
	    f->key, f->key);
	assert_string_equal(err.msg, want);
	assert_int_equal(sk[0], '\0');   /* wiped on failure */
	assert_int_equal(chmod(f->key, 0620), 0);   /* group write alone is enough */
	assert_int_equal(keys_read_secret(f->key, pk, sk, &err), -1);
	assert_msg_has(&err, "permissions 0620 are too open");
	assert_int_equal(chmod(f->key, 0400), 0);   /* read-only to the owner is fine */
	assert_int_equal(keys_read_secret(f->key, pk, sk, &err), 0);
	assert_int_equal(keys_read_public(f->pub, pk, &err), 0);   /* 0644 .pub is fine */
}

static void
test_missing_and_not_regular(void **state)
{
	fixture_t *f = *state;
	char pk[KEY_Z85_LEN + 1], sk[KEY_Z85_LEN + 1], want[2 * PATH_MAX + 64];
	err_t err = {0};

	assert_int_equal(keys_read_secret(f->key, pk, sk, &err), -1);
	assert_int_equal(err.code, ENOENT);
	snprintf(want, sizeof(want), "%s: %s", f->key, strerror(ENOENT));
	assert_string_equal(err.msg, want);
	assert_int_equal(keys_read_public(f->pub, pk, &err), -1);
	assert_int_equal(err.code, ENOENT);
	assert_int_equal(keys_read_public(f->dir, pk, &err), -1);
	assert_msg_has(&err, "not a regular file");
}

static void
test_mismatched_pair(void **state)
{
	fixture_t *f = *state;
	char pk2[KEY_Z85_LEN + 1], sk2[KEY_Z85_LEN + 1], text[256], pk[KEY_Z85_LEN + 1],
	    sk[KEY_Z85_LEN + 1];
	err_t err = {0};

	assert_int_equal(keys_generate(pk2, sk2, &err), 0);
	snprintf(text, sizeof(text), "public-key = %s\nsecret-key = %s\n", f->pk, sk2);
	write_file(f->key, 0600, text);
	assert_int_equal(keys_read_secret(f->key, pk, sk, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_msg_has(&err, "secret-key does not belong to public-key");
	assert_int_equal(sk[0], '\0');
}

/* Each malformed file gives its own message with the line number. */
static void
test_bad_format(void **state)
{
	static const struct { const char *text; const char *want; } cases[] = {
		{"# c\npublic-key = short\n", ":2: public-key is not a 40-character Z85 key"},
		{"\n\nfoo = bar\n", ":3: unknown name \"foo\""},
		{"public-key\n", ":1: expected \"public-key = KEY\""},
		{"public-key = PK\n", ": no secret-key line"},
		{"secret-key = SK\n", ": no public-key line"},
		{"public-key = PK\npublic-key = PK\nsecret-key = SK\n", ":2: public-key given twice"},
		{"public-key = PK\nsecret-key = #####################################"
		    "###\n", ":2: secret-key is not a 40-character Z85 key"},
	};
	fixture_t *f = *state;
	char text[512], pk[KEY_Z85_LEN + 1], sk[KEY_Z85_LEN + 1], want[PATH_MAX + 128];
	err_t err;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* PK and SK stand for this fixture's valid keys. */
		const char *src = cases[i].text;
		size_t len = 0;
		while (*src != '\0' && len < sizeof(text) - KEY_Z85_LEN) {
			if (strncmp(src, "PK", 2) == 0 || strncmp(src, "SK", 2) == 0) {
				len += (size_t)sprintf(text + len, "%s", src[0] == 'P' ? f->pk : f->sk);
				src += 2;
			} else {
				text[len++] = *src++;
			}
		}
		text[len] = '\0';
		write_file(f->key, 0600, text);
		memset(&err, 0, sizeof(err));
		assert_int_equal(keys_read_secret(f->key, pk, sk, &err), -1);
		snprintf(want, sizeof(want), "%s%s", f->key, cases[i].want);
		if (strncmp(err.msg, want, strlen(want)) != 0)
			fail_msg("case %zu: \"%s\" does not start \"%s\"", i, err.msg, want);
	}
}

static void
test_valid_z85(void **state)
{
	fixture_t *f = *state;
	char s[64];

	(void)state;
	assert_true(keys_valid_z85(f->pk));
	assert_true(keys_valid_z85("0000000000000000000000000000000000000000"));
	assert_false(keys_valid_z85(NULL));
	assert_false(keys_valid_z85(""));
	snprintf(s, sizeof(s), "%.39s", f->pk);
	assert_false(keys_valid_z85(s));               /* 39 characters */
	snprintf(s, sizeof(s), "%s0", f->pk);
	assert_false(keys_valid_z85(s));               /* 41 */
	snprintf(s, sizeof(s), "%s", f->pk);
	s[7] = ' ';
	assert_false(keys_valid_z85(s));               /* not in the alphabet */
	s[7] = '"';
	assert_false(keys_valid_z85(s));
	s[7] = (char)0xc3;
	assert_false(keys_valid_z85(s));
	/* Every character valid, but "#####" is 85^5-1 > 2^32: zmq rejects it. */
	assert_false(keys_valid_z85("########################################"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_generate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modes_and_no_temp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses_overwrite, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses_when_pub_exists, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_rejects_bad_pair, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses_open_secret, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_and_not_regular, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mismatched_pair, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_valid_z85, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
