/*
 * test_store_identity — the store's identity row and the marker file
 * (famlink.id) beside it: written once at the store's first creation, also
 * when several processes make the store at the same instant; a lost store
 * never made anew; the state directory's mode; moving a store aside.
 */
#define _GNU_SOURCE   /* nftw() in scratch.h */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "scratch.h"
#include "store.h"
#include "store_identity.h"

#define NODE "municipality:0180"
#define OPENERS 6
#define ROUNDS 20

typedef struct fixture {
	char dir[64];
	char path[PATH_MAX];
	char marker[PATH_MAX];
} fixture_t;

static int
setup(void **state)
{
	fixture_t *f = calloc(1, sizeof(*f));

	if (f == NULL || scratch_make(f->dir, sizeof(f->dir), "test_store_identity") != 0)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/%s", f->dir, STORE_FILE);
	snprintf(f->marker, sizeof(f->marker), "%s/%s", f->dir, STORE_MARKER_FILE);
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

static bool
exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

static void
write_text(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static void
test_first_open_writes_identity_and_marker(void **state)
{
	fixture_t *f = *state;
	store_ident_t id, again, mk;
	store_note_t note;
	struct stat st;
	err_t err = {0};
	store_t *s;

	s = store_open_node(f->path, NODE, STORE_CHECK, &id, &note, &err);
	assert_non_null(s);
	assert_int_equal(note, STORE_NOTE_CREATED);
	assert_string_equal(id.node_id, NODE);
	assert_int_equal(strlen(id.store_id), 32);
	store_close(&s);
	assert_int_equal(stat(f->marker, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);   /* whatever the umask */
	assert_int_equal(store_marker_read(f->path, &mk, &err), 1);
	assert_string_equal(mk.store_id, id.store_id);
	assert_string_equal(mk.node_id, NODE);
	assert_true(mk.created_at == id.created_at);

	/* Again: nothing new. */
	s = store_open_node(f->path, NODE, STORE_CHECK, &again, &note, &err);
	assert_non_null(s);
	assert_int_equal(note, STORE_NOTE_NONE);
	assert_string_equal(again.store_id, id.store_id);
	store_close(&s);
	/* Read-only sees the same. */
	s = store_open_node(f->path, NODE, STORE_READ_ONLY, &again, &note, &err);
	assert_non_null(s);
	assert_string_equal(again.store_id, id.store_id);
	store_close(&s);
	/* Another node's config on this store. */
	assert_null(store_open_node(f->path, "municipality:0181", 0, NULL, NULL, &err));
	assert_int_equal(err.code, STORE_FAULT_FOREIGN);
}

/* Lost: the marker is there, the store is not. Neither store_open_node()
 * nor plain store_open() (famlinkctl send's second open) makes one. */
static void
test_lost_store_is_never_made_anew(void **state)
{
	fixture_t *f = *state;
	err_t err = {0};
	store_t *s = store_open_node(f->path, NODE, 0, NULL, NULL, &err);

	assert_non_null(s);
	store_close(&s);
	assert_int_equal(unlink(f->path), 0);
	assert_null(store_open_node(f->path, NODE, STORE_CHECK, NULL, NULL, &err));
	assert_int_equal(err.code, STORE_FAULT_LOST);
	assert_non_null(strstr(err.msg, "store lost: the file is missing"));
	assert_null(store_open(f->path, false, &err));
	assert_int_equal(err.code, STORE_FAULT_LOST);
	assert_false(exists(f->path));
	write_text(f->path, "");
	assert_null(store_open(f->path, false, &err));
	assert_int_equal(err.code, STORE_FAULT_LOST);
	assert_non_null(strstr(err.msg, "empty (0 bytes)"));
	struct stat st;
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_size, 0);
}

/* Read-only, no store and no marker: "absent", and nothing is created. */
static void
test_read_only_absent(void **state)
{
	fixture_t *f = *state;
	err_t err = {0};

	assert_null(store_open_node(f->path, NODE, STORE_READ_ONLY, NULL, NULL, &err));
	assert_int_equal(err.code, STORE_FAULT_ABSENT);
	assert_null(store_open_node(f->path, NODE, STORE_NO_CREATE, NULL, NULL, &err));
	assert_int_equal(err.code, STORE_FAULT_ABSENT);
	assert_false(exists(f->path));
	assert_false(exists(f->marker));
}

static void
test_damaged_marker(void **state)
{
	fixture_t *f = *state;
	store_ident_t mk;
	err_t err = {0};

	write_text(f->marker, "node_id=" NODE "\nstore_id=xyz\ncreated_at=1\n");
	assert_int_equal(store_marker_read(f->path, &mk, &err), -1);
	assert_int_equal(err.code, STORE_FAULT_DAMAGED);
	assert_non_null(strstr(err.msg, "store_id"));
	assert_null(store_open_node(f->path, NODE, 0, NULL, NULL, &err));
	assert_int_equal(err.code, STORE_FAULT_DAMAGED);
	assert_false(exists(f->path));
}

/* A child: wait for the start signal, open the new store, write its id. */
static int
open_child(int start_fd, int out_fd, const char *path)
{
	store_ident_t id;
	err_t err = {0};
	store_t *s;
	char go;

	if (read(start_fd, &go, 1) != 1)
		return 3;
	if ((s = store_open_node(path, NODE, STORE_CHECK, &id, NULL, &err)) == NULL) {
		fprintf(stderr, "store_open_node: %s\n", err.msg);
		return 1;
	}
	store_close(&s);
	return write(out_fd, id.store_id, 32) == 32 ? 0 : 2;
}

/* famlinkd and famlinkctl send making the store at the same instant: one
 * identity, the marker naming it, nobody refused. */
static void
test_many_make_the_store_at_once(void **state)
{
	fixture_t *f = *state;
	char ids[OPENERS][33], name[PATH_MAX + 8];
	store_ident_t mk;
	err_t err = {0};

	for (int r = 0; r < ROUNDS; r++) {
		int start[2], out[2], failures = 0;
		pid_t pids[OPENERS];

		assert_int_equal(pipe(start), 0);
		assert_int_equal(pipe(out), 0);
		for (int i = 0; i < OPENERS; i++)
			if ((pids[i] = fork()) == 0) {
				close(start[1]);
				close(out[0]);
				_exit(open_child(start[0], out[1], f->path));
			}
		close(start[0]);
		close(out[1]);
		for (int i = 0; i < OPENERS; i++)
			assert_int_equal(write(start[1], "g", 1), 1);
		close(start[1]);
		for (int i = 0; i < OPENERS; i++) {
			int status;
			if (waitpid(pids[i], &status, 0) != pids[i] || !WIFEXITED(status) ||
			    WEXITSTATUS(status) != 0)
				failures++;
		}
		assert_int_equal(failures, 0);
		for (int i = 0; i < OPENERS; i++) {
			assert_int_equal(read(out[0], ids[i], 32), 32);
			ids[i][32] = '\0';
			assert_string_equal(ids[i], ids[0]);
		}
		close(out[0]);
		assert_int_equal(store_marker_read(f->path, &mk, &err), 1);
		assert_string_equal(mk.store_id, ids[0]);
		/* Start the next round from nothing. */
		for (const char *const *sfx = (const char *const[]){ "", "-wal", "-shm", NULL }; *sfx; sfx++) {
			snprintf(name, sizeof(name), "%s%s", f->path, *sfx);
			unlink(name);
		}
		unlink(f->marker);
	}
}

static void
test_state_dir_modes(void **state)
{
	fixture_t *f = *state;
	char warning[600];
	err_t err = {0};

	assert_int_equal(chmod(f->dir, 0700), 0);
	assert_int_equal(store_check_state_dir(f->dir, warning, sizeof(warning), &err), 0);
	assert_string_equal(warning, "");
	assert_int_equal(chmod(f->dir, 0750), 0);
	assert_int_equal(store_check_state_dir(f->dir, warning, sizeof(warning), &err), 1);
	assert_non_null(strstr(warning, "mode 0750 lets group list it"));
	assert_int_equal(chmod(f->dir, 0770), 0);
	assert_int_equal(store_check_state_dir(f->dir, warning, sizeof(warning), &err), -1);
	assert_int_equal(err.code, STORE_FAULT_STATE_DIR);
	assert_int_equal(chmod(f->dir, 0702), 0);
	assert_int_equal(store_check_state_dir(f->dir, warning, sizeof(warning), &err), -1);
	assert_non_null(strstr(err.msg, "lets others write"));
	assert_int_equal(chmod(f->dir, 0700), 0);
}

/* The store, its WAL and the marker go aside together, under names SQLite
 * still pairs; two resets in one second do not collide. */
static void
test_set_aside(void **state)
{
	fixture_t *f = *state;
	char moved[600], wal[PATH_MAX + 8], first[600];
	err_t err = {0};
	store_t *s = store_open_node(f->path, NODE, 0, NULL, NULL, &err);

	assert_non_null(s);
	store_close(&s);
	snprintf(wal, sizeof(wal), "%s-wal", f->path);
	write_text(wal, "");
	assert_int_equal(store_set_aside(f->path, first, sizeof(first), &err), 0);
	assert_non_null(strstr(first, "famlink.db.lost-"));
	assert_non_null(strstr(first, "-wal, famlink.db.lost-"));
	assert_non_null(strstr(first, "famlink.id.lost-"));
	assert_false(exists(f->path));
	assert_false(exists(wal));
	assert_false(exists(f->marker));
	s = store_open_node(f->path, NODE, 0, NULL, NULL, &err);
	assert_non_null(s);
	store_close(&s);
	assert_int_equal(store_set_aside(f->path, moved, sizeof(moved), &err), 0);
	assert_string_not_equal(moved, first);
	assert_false(exists(f->path));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_first_open_writes_identity_and_marker, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lost_store_is_never_made_anew, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_only_absent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged_marker, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_make_the_store_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_dir_modes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_aside, setup, teardown),
	};

	store_global_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
