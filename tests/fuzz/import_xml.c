/* The schedule.xml importer (import_xml, as import_programme calls it after
 * reading the file), and everything published from what it accepts. */
#include "config.h"

#include <stdlib.h>

#include "fuzz.h"
#include "import_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_string(data, size);
	struct diag d;
	struct programme *p;

	fuzz_diag(&d);
	p = import_xml("schedule.xml", text, size, &d);
	if (p && d.errors)
		fuzz_fail("a programme came back with %zu errors", d.errors);
	if (!p && !d.errors)
		fuzz_fail("a document was refused without an error");
	if (p)
		fuzz_render(p);
	prog_free(p);
	free(text);
	return 0;
}
