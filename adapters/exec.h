/*
 * exec — the exec adapter: each message famlinkd receives is handed to a
 * configured program, one run per message, in inbox order: the envelope
 * as one line of JSON (protobuf's JSON mapping) on its stdin, its ids in
 * FAMLINK_* environment variables, exit status 0 = handed over. Anything
 * else, or a run past `timeout`, is a failure the hand-over engine retries
 * with backoff. README.md, "The exec adapter", is the program's side.
 */
#ifndef FAMLINK_EXEC_H
#define FAMLINK_EXEC_H

#include "adapter.h"

extern const adapter_type_t exec_adapter;

#endif
