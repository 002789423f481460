/*
 * email — the adapter that mails people (type = email): it takes no
 * messages and sends none to peers; it sends the notifications the store
 * queues (store_notify.h: deadline stages, received messages that need a
 * person, dead letters, stuck adapters), oldest first, over SMTP with
 * libcurl on the node's loop (curl_loop.h), one mail per notification or
 * one digest per recipient within a window. A notification is marked sent
 * only in a transaction after the server accepted its mail; a failure
 * delays it (attempts, next_at, last_error) and never drops it. Mails and
 * logs carry ids, codes and dates, never content or an address.
 */
#ifndef FAMLINK_EMAIL_H
#define FAMLINK_EMAIL_H

#include "adapter.h"

extern const adapter_type_t email_adapter;

#endif
