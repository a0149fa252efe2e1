/* The schedule.xml importer (import_xml, as import_programme calls it after
 * reading the file), and everything published from what it accepts. */
#include "config.h"

#include "fuzz.h"
#include "import_build.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_import(data, size, import_xml, "schedule.xml");
}
