/*
 * store_disk: the floor's default rule, the hysteresis around it (below
 * the floor is low; low stays low until a quarter more is free), the
 * sizes counted for the store, and the reserve file made and released.
 * On the real filesystem of a scratch directory: the floors are chosen
 * around what statvfs says is free there.
 */
#define _GNU_SOURCE   /* nftw() in scratch.h */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "scratch.h"
#include "store_disk.h"

static char dir[64];

static int
setup(void **state)
{
	(void)state;
	return scratch_make(dir, sizeof(dir), "famlink-disk");
}

static int
teardown(void **state)
{
	(void)state;
	return scratch_remove(dir);
}

static void
write_bytes(const char *name, size_t n)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(f = fopen(path, "w"));
	for (size_t i = 0; i < n; i++)
		fputc('x', f);
	fclose(f);
}

static void
test_default_floor(void **state)
{
	(void)state;
	assert_int_equal(store_disk_floor(0, 0), STORE_DISK_FLOOR_MIN);
	assert_int_equal(store_disk_floor(0, 4 * STORE_DISK_FLOOR_MIN), STORE_DISK_FLOOR_MIN);
	assert_int_equal(store_disk_floor(0, 400ULL << 20), 100ULL << 20);
	assert_int_equal(store_disk_floor(1 << 20, 400ULL << 20), 1 << 20);
}

static void
test_store_sizes_counted(void **state)
{
	store_disk_t d = { 0 };
	err_t err;

	(void)state;
	write_bytes("famlink.db", 3000);
	write_bytes("famlink.db-wal", 500);
	assert_int_equal(store_disk_measure(&d, dir, 64 << 10, &err), 0);
	assert_int_equal(d.store_bytes, 3500);
	assert_int_equal(d.wal_bytes, 500);
	assert_int_equal(d.floor_bytes, 64 << 10);
	assert_true(d.free_bytes > 0);
}

/* A floor just above what is free makes it low; one just below a free
 * space that lies within the quarter keeps it low once low. */
static void
test_hysteresis(void **state)
{
	store_disk_t d = { 0 };
	uint64_t free_now;
	err_t err;

	(void)state;
	assert_int_equal(store_disk_measure(&d, dir, 64 << 10, &err), 0);
	free_now = d.free_bytes;
	if (free_now < (16ULL << 20))
		skip();   /* too little room here to pick floors around it */
	assert_false(d.low);
	assert_int_equal(store_disk_measure(&d, dir, free_now + (8ULL << 20), &err), 0);
	assert_true(d.low);
	/* free is floor + 1/8: above the floor, below the quarter. */
	assert_int_equal(store_disk_measure(&d, dir, free_now / 9 * 8, &err), 0);
	assert_true(d.low);
	d.low = false;
	assert_int_equal(store_disk_measure(&d, dir, free_now / 9 * 8, &err), 0);
	assert_false(d.low);
	/* A quarter and more above the floor: low no more. */
	d.low = true;
	assert_int_equal(store_disk_measure(&d, dir, free_now / 2, &err), 0);
	assert_false(d.low);
}

static void
test_missing_dir_is_an_error(void **state)
{
	store_disk_t d = { 0 };
	char missing[128];
	err_t err;

	(void)state;
	snprintf(missing, sizeof(missing), "%s/no/such", dir);
	assert_int_equal(store_disk_measure(&d, missing, 0, &err), -1);
	assert_non_null(strstr(err.msg, "statvfs"));
	assert_non_null(strstr(err.msg, missing));
}

static void
test_reserve_made_and_released(void **state)
{
	char path[128];
	struct stat st;
	err_t err;

	(void)state;
	assert_int_equal(store_disk_reserved(dir), 0);
	assert_int_equal(store_disk_reserve(dir, 256 << 10, &err), 0);
	assert_int_equal(store_disk_reserved(dir), 256 << 10);
	snprintf(path, sizeof(path), "%s/%s", dir, STORE_DISK_RESERVE_FILE);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_true((uint64_t)st.st_blocks * 512 >= (256 << 10));   /* allocated, not sparse */
	assert_int_equal(store_disk_reserve(dir, 256 << 10, &err), 0);   /* kept as it is */
	assert_int_equal(store_disk_release(dir), 1);
	assert_int_equal(store_disk_reserved(dir), 0);
	assert_int_equal(store_disk_release(dir), 0);
}

static void
test_fmt(void **state)
{
	char b[32];

	(void)state;
	assert_string_equal(store_disk_fmt(800, b, sizeof(b)), "800 B");
	assert_string_equal(store_disk_fmt(512 << 10, b, sizeof(b)), "512 KiB");
	assert_string_equal(store_disk_fmt(5 << 20, b, sizeof(b)), "5.0 MiB");
	assert_string_equal(store_disk_fmt(3ULL << 30, b, sizeof(b)), "3.0 GiB");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_floor),
		cmocka_unit_test_setup_teardown(test_store_sizes_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hysteresis, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_dir_is_an_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reserve_made_and_released, setup, teardown),
		cmocka_unit_test(test_fmt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
