/* The libconfig programme loader (prog_load), and everything published
 * from what it accepts.  libconfig reads a path, so the input goes to a
 * file on /dev/shm first. */
#include "config.h"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diag d;
	struct programme *p;

	fuzz_diag(&d);
	p = prog_load(fuzz_write("fuzz.programme", data, size), &d);
	if (p && d.errors)
		fuzz_fail("a programme came back with %zu errors", d.errors);
	if (!p && !d.errors)
		fuzz_fail("a programme was refused without an error");
	if (p)
		fuzz_render(p);
	prog_free(p);
	return 0;
}
