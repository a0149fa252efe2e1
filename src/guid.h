/* The guids agendad gives in schedule.json and schedule.xml, and by which
 * its importer recognises its own documents: name-based UUIDs (version 5,
 * SHA-1, URL namespace), as Python's uuid.uuid5(uuid.NAMESPACE_URL, name).
 * A session's is guid_of("", "<session id>", "<event id>"), a speaker's
 * guid_of("speaker:", ...), a room's guid_of("room:", ...). */
#ifndef AGENDAD_GUID_H
#define AGENDAD_GUID_H

/* Lower-case "xxxxxxxx-xxxx-5xxx-yxxx-xxxxxxxxxxxx" and a NUL into out. */
void guid_uuid5(const char *name, char out[37]);
/* guid_uuid5("<prefix><id>@<event id>"). */
void guid_of(const char *prefix, const char *id, const char *event_id, char out[37]);

/* For many guids in a row: holds SHA-1 fetched once from OpenSSL, which
 * guid_of fetches again on every call.  Not for sharing between threads. */
struct guid_gen;
/* NULL when OpenSSL cannot give SHA-1 (a provider without it, or its
 * own allocation failed); free with guid_gen_free (NULL is fine). */
struct guid_gen *guid_gen_new(void);
void guid_gen_free(struct guid_gen *g);
/* guid_of with g's SHA-1. */
void guid_gen_of(struct guid_gen *g, const char *prefix, const char *id, const char *event_id,
		 char out[37]);

#endif
