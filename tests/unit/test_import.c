/* Unit tests of import (being written). */
#include "config.h"

#include "testutil.h"

#include "import.h"

static void test_sniff(void **state)
{
	(void)state;
	assert_int_equal(import_sniff(" {\"schedule\":1}", 15), IMPORT_JSON);
	assert_int_equal(import_sniff("<?xml ?>", 8), IMPORT_XML);
	assert_int_equal(import_sniff("event = {};", 11), IMPORT_LIBCONFIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_sniff) };

	return cmocka_run_group_tests(tests, NULL, NULL);
}
