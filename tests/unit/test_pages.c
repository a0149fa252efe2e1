/* Unit tests of page_util.c: what text from a programme becomes on a
 * page, and which links a page follows. */
#include "config.h"

#include "testutil.h"

#include "page_util.h"

static char *escaped(const char *s)
{
	static char out[512];
	struct buf b = { 0 };

	page_esc(&b, s);
	snprintf(out, sizeof(out), "%s", b.data ? b.data : "");
	buf_free(&b);
	return out;
}

static void escapes_markup(void **state)
{
	(void)state;
	assert_string_equal(escaped("<script>\"a\" & 'b'</script>"),
			    "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;");
	assert_string_equal(escaped("café 会議 🎉"), "café 会議 🎉");
}

static void drops_controls_and_bidi(void **state)
{
	(void)state;
	/* U+202E RIGHT-TO-LEFT OVERRIDE, U+2066 LRI, U+2069 PDI, U+200F RLM,
	 * a C1 control (U+0085), ESC and DEL. */
	assert_string_equal(escaped("a\xe2\x80\xae" "b\xe2\x81\xa6" "c\xe2\x81\xa9" "d\xe2\x80\x8f"
				    "e\xc2\x85" "f\x1b" "g\x7f" "h\ti\nj"),
			    "abcdefgh\ti\nj");
}

static void replaces_invalid_utf8(void **state)
{
	(void)state;
	assert_string_equal(escaped("a\xff" "b\xc0\xaf" "c\xed\xa0\x80" "d\xe2\x82"),
			    "a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd" "c\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
			    "d\xef\xbf\xbd\xef\xbf\xbd");
}

static void cuts_at_characters(void **state)
{
	struct buf b = { 0 };

	(void)state;
	page_esc_n(&b, "ééé", 3); /* 6 bytes: the cut falls inside the second é */
	assert_string_equal(b.data, "é…");
	buf_free(&b);
}

static void follows_only_safe_links(void **state)
{
	(void)state;
	assert_true(page_safe_url("https://example.org/a?b=c"));
	assert_true(page_safe_url("http://example.org/"));
	assert_true(page_safe_url("mailto:x@example.org"));
	assert_false(page_safe_url("javascript:alert(1)"));
	assert_false(page_safe_url("JAVASCRIPT:alert(1)"));
	assert_false(page_safe_url("data:text/html,x"));
	assert_false(page_safe_url("https://example.org/\"onmouseover=x"));
	assert_false(page_safe_url("https://example.org/a b"));
	assert_false(page_safe_url("//example.org/"));
	assert_false(page_safe_url(NULL));
}

static void paragraphs(void **state)
{
	struct buf b = { 0 };

	(void)state;
	page_paragraphs(&b, "one\ntwo <b>\n\n\nthree");
	assert_string_equal(b.data, "<p>one<br>two &lt;b&gt;</p>\n<p>three</p>\n");
	buf_free(&b);
}

static void percent_encodes(void **state)
{
	struct buf b = { 0 };

	(void)state;
	page_pct(&b, "a b&c=d/é~");
	assert_string_equal(b.data, "a%20b%26c%3Dd%2F%C3%A9~");
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(escapes_markup),
		cmocka_unit_test(drops_controls_and_bidi),
		cmocka_unit_test(replaces_invalid_utf8),
		cmocka_unit_test(cuts_at_characters),
		cmocka_unit_test(follows_only_safe_links),
		cmocka_unit_test(paragraphs),
		cmocka_unit_test(percent_encodes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
