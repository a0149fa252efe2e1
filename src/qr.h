/* A QR code of a URL as inline SVG (libqrencode), so that a phone can
 * subscribe to a feed shown on a desktop screen. */
#ifndef AGENDAD_QR_H
#define AGENDAD_QR_H

/* An <svg> element, or NULL when text cannot be encoded or agendad is
 * built --without-qrencode.  Caller frees. */
char *qr_svg(const char *text);

#endif
