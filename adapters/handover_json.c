/* handover_json — see handover_json.h. */
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "envelope_json.h"
#include "handover_json.h"

json_t *
handover_json(const job_message_t *m, err_t *err)
{
	Famlink__V1__Envelope *env = envelope_unpack(m->envelope, m->len, err);
	json_t *j = env != NULL ? envelope_message_json(env, err) : NULL;

	envelope_free(&env);
	if (j != NULL)
		json_object_set_new(j, "receivedAtMs", json_integer(m->received_at));
	return j;
}

char *
handover_json_line(const job_message_t *m, size_t *len, err_t *err)
{
	json_t *j = handover_json(m, err);
	char *text = j != NULL ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL, *line;

	json_decref(j);
	if (text == NULL) {
		if (j != NULL)
			err_set(err, 0, "out of memory");
		return NULL;
	}
	*len = strlen(text);
	if ((line = realloc(text, *len + 2)) == NULL) {
		free(text);
		err_set(err, 0, "out of memory");
		return NULL;
	}
	memcpy(line + (*len)++, "\n", 2);
	return line;
}
