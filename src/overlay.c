#include "config.h"

#include "overlay.h"

#include <libconfig.h>
#include <string.h>

#include "lcfg.h"

static const char *const top_keys[] = { "speakers", NULL };
static const char *const speaker_keys[] = { "id", "email", "name", "affiliation", "bio_url", NULL };

static void apply_one(struct programme *p, struct lcfg *lc, const config_setting_t *g)
{
	const char *id = lcfg_string(lc, g, "id", 1);
	const char *email = lcfg_string(lc, g, "email", 0);
	const char *name = lcfg_string(lc, g, "name", 0);
	const char *affiliation = lcfg_string(lc, g, "affiliation", 0);
	const char *bio_url = lcfg_string(lc, g, "bio_url", 0);
	struct prog_speaker *s;
	uint32_t i;

	if (!id)
		return;
	if (email && (!strchr(email, '@') || strpbrk(email, " \t\r\n<>,;")))
		diag_error(lc->d, lc->file, lcfg_line(config_setting_get_member(g, "email")),
			   "'email' \"%s\" is not an e-mail address", email);
	if (strmap_get(p->speaker_ids, id, &i) != 0) {
		diag_warn(lc->d, lc->file, lcfg_line(g),
			  "speaker '%s' is not in the programme %s; its entry is ignored", id, p->path);
		p->warnings++;
		return;
	}
	s = &p->speakers[i];
	s->email = email ? email : s->email;
	s->name = name ? name : s->name;
	s->affiliation = affiliation ? affiliation : s->affiliation;
	s->bio_url = bio_url ? bio_url : s->bio_url;
}

int overlay_apply(struct programme *p, const char *path, struct diag *d)
{
	struct lcfg lc = { d, path, p->arena };
	size_t errors = d->errors;
	const config_setting_t *list;
	config_t cfg;

	config_init(&cfg);
	if (lcfg_read(&lc, &cfg) == 0) {
		lcfg_check_keys(&lc, config_root_setting(&cfg), "the speakers overlay", top_keys);
		list = lcfg_list(&lc, config_root_setting(&cfg), "speakers");
		for (int i = 0; list && i < config_setting_length(list); i++) {
			const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);

			if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
				diag_error(d, path, lcfg_line(g), "each speaker must be a group { ... }");
				continue;
			}
			lcfg_check_keys(&lc, g, "speaker", speaker_keys);
			apply_one(p, &lc, g);
		}
	}
	config_destroy(&cfg);
	return d->errors > errors ? -1 : 0;
}
