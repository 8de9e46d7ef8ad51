/*
 * text.c - the two text helpers the span writers share (see text.h).
 */
#include "text.h"

#include <string.h>

void inst_hex(const uint8_t *bytes, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 15];
    }
    out[2 * n] = '\0';
}

bool inst_json_str(char *buf, size_t cap, size_t *len, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t l = *len;
    if (l + 2 > cap)
        return false;
    buf[l++] = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char u[7];
        if (c == '"')
            esc = "\\\"";
        else if (c == '\\')
            esc = "\\\\";
        else if (c == '\n')
            esc = "\\n";
        else if (c == '\r')
            esc = "\\r";
        else if (c == '\t')
            esc = "\\t";
        else if (c < 0x20) {
            memcpy(u, "\\u00", 4);
            u[4] = hex[c >> 4];
            u[5] = hex[c & 15];
            u[6] = '\0';
            esc = u;
        }
        size_t k = esc ? strlen(esc) : 1;
        if (l + k + 1 > cap)
            return false;
        if (esc)
            memcpy(buf + l, esc, k);
        else
            buf[l] = (char)c;
        l += k;
    }
    if (l + 1 > cap)
        return false;
    buf[l++] = '"';
    *len = l;
    return true;
}
