/* monitor_history — see monitor_history.h. */
#include <inttypes.h>

#include "monitor_history.h"

void
monitor_history_add(monitor_history_t *h, const history_point_t *p)
{
	h->points[h->next] = *p;
	h->next = (h->next + 1) % HISTORY_LEN;
	if (h->n < HISTORY_LEN)
		h->n++;
}

void
monitor_history_json(FILE *out, const monitor_history_t *h)
{
	int first = (h->next - h->n + HISTORY_LEN) % HISTORY_LEN;

	fputc('[', out);
	for (int i = 0; i < h->n; i++) {
		const history_point_t *p = &h->points[(first + i) % HISTORY_LEN];
		fprintf(out, "%s\n  {\"atMs\": %" PRId64 ", \"waiting\": %ld, \"delivered\": %" PRIu64
		    "}", i ? "," : "", p->at_ms, p->waiting, p->delivered);
	}
	fputs(h->n ? "\n]\n" : "]\n", out);
}
