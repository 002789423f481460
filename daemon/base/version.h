/*
 * version — famlink's version, the one place it is written: what
 * `--version` prints, what the logs carry and what a Hello's `software`
 * field names.
 */
#ifndef FAMLINK_VERSION_H
#define FAMLINK_VERSION_H

#define FAMLINK_VERSION "0.1.0"

#endif
