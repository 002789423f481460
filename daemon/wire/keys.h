/*
 * keys — CurveZMQ key files. `famlinkctl keygen` writes a pair: BASE.key
 * (both keys, for this node's service user alone) and BASE.pub (the public
 * key, handed to the other side for its config). config.c reads them when it
 * loads a config; the transport only ever sees the Z85 strings.
 *
 * Errors fill err with code = an errno value and a message that starts with
 * the file's path ("PATH: ..." or "PATH:LINE: ..."). Nothing here logs.
 */
#ifndef FAMLINK_KEYS_H
#define FAMLINK_KEYS_H

#include <stdbool.h>

#include "err.h"

#define KEY_Z85_LEN 40   /* a 32-byte Curve25519 key in Z85 */

/* A new key pair from zmq_curve_keypair(). Fails (ENOTSUP) when libzmq was
 * built without CURVE. */
int keys_generate(char public_z85[KEY_Z85_LEN + 1], char secret_z85[KEY_Z85_LEN + 1],
    err_t *err);

/*
 * Writes BASE.key (mode 0600: both keys) and BASE.pub (mode 0644: the public
 * key). Each file is written to a temporary file in the same directory
 * (mkostemp: O_CREAT|O_EXCL), fsynced, then put in place — without force by
 * link(), which fails atomically if the name exists, so an existing key is
 * never overwritten even by a racing keygen; with force by rename(). The
 * directory is fsynced last. Without force, an existing BASE.key or BASE.pub
 * refuses the whole pair (EEXIST) before anything is written.
 * The secret must match the public key (EINVAL otherwise).
 */
int keys_write_pair(const char *base_path, const char *public_z85, const char *secret_z85,
    bool force, err_t *err);

/*
 * Reads a .key file. Refuses a file that is not a regular file, that group or
 * others may access in any way (EPERM, "permissions 0644 are too open; chmod
 * 600 PATH"), that is missing or unreadable (strerror), malformed (with the
 * line number), or whose secret key does not derive its public key. On
 * failure secret_z85 is wiped.
 */
int keys_read_secret(const char *path, char public_z85[KEY_Z85_LEN + 1],
    char secret_z85[KEY_Z85_LEN + 1], err_t *err);

/* Reads a secret that is not a key (the monitoring endpoint's bearer
 * token) into buf, NUL-terminated, with the same checks as a .key file: a
 * regular file only its owner may read (chmod 600), smaller than size, no
 * NUL byte. 0, or -1 with err naming the file and what to do. */
int keys_read_private_text(const char *path, char *buf, size_t size, err_t *err);

/* Reads the public-key line of a .pub file (or of a .key file; its secret-key
 * line is skipped, not checked). No permission check: public keys are public. */
int keys_read_public(const char *path, char public_z85[KEY_Z85_LEN + 1], err_t *err);

/*
 * Reads another node's .pub file, as a config's public_key_file names it.
 * Like keys_read_public(), but a file with a secret-key line is refused
 * (EKEYREVOKED, "PATH:LINE: this is a SECRET key file ..."): whoever mailed
 * it has leaked their key, and it must be replaced, not used.
 */
int keys_read_peer_public(const char *path, char public_z85[KEY_Z85_LEN + 1], err_t *err);

/* True for exactly 40 characters of the Z85 alphabet that zmq_z85_decode()
 * accepts (the alphabet alone is not enough: a 5-character group can encode a
 * value above 2^32). */
bool keys_valid_z85(const char *s);

#endif
