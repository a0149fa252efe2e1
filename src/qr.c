#include "config.h"

#include "qr.h"

#include <stdlib.h>

#ifdef HAVE_QRENCODE
#include <qrencode.h>

#include "buf.h"

/* Four modules of light border, as the QR specification asks. */
#define QUIET 4

char *qr_svg(const char *text)
{
	QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	struct buf b = { 0 };
	int size;

	if (!qr)
		return NULL;
	size = qr->width + 2 * QUIET;
	buf_printf(&b,
		   "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
		   "class=\"qr\" role=\"img\" aria-label=\"QR code of the feed address\" "
		   "shape-rendering=\"crispEdges\"><rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>"
		   "<path fill=\"#000\" d=\"",
		   size, size, size, size);
	for (int y = 0; y < qr->width; y++)
		for (int x = 0; x < qr->width; x++)
			if (qr->data[y * qr->width + x] & 1) /* bit 0: dark module */
				buf_printf(&b, "M%d %dh1v1h-1z", x + QUIET, y + QUIET);
	buf_adds(&b, "\"/></svg>");
	QRcode_free(qr);
	return buf_steal(&b, NULL);
}
#else
/* Built --without-qrencode: the page goes without the code. */
char *qr_svg(const char *text)
{
	(void)text;
	return NULL;
}
#endif
