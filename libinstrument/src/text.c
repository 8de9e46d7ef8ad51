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

/* Copies runs of bytes that need no escape with one memcpy each: span names
 * and tags rarely hold any, and the exporter escapes every one of them. */
bool inst_json_str(char *buf, size_t cap, size_t *len, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t l = *len;
    if (l + 2 > cap)
        return false;
    buf[l++] = '"';
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && (unsigned char)s[j] >= 0x20 && s[j] != '"' && s[j] != '\\')
            j++;
        if (l + (j - i) + 1 > cap)
            return false;
        memcpy(buf + l, s + i, j - i);
        l += j - i;
        if (j == n)
            break;
        unsigned char c = (unsigned char)s[j];
        char u[6] = {'\\', (char)c, 0, 0, 0, 0};
        size_t k = 2;
        if (c == '\n')
            u[1] = 'n';
        else if (c == '\r')
            u[1] = 'r';
        else if (c == '\t')
            u[1] = 't';
        else if (c < 0x20) {
            memcpy(u, "\\u00", 4);
            u[4] = hex[c >> 4];
            u[5] = hex[c & 15];
            k = 6;
        }
        if (l + k + 1 > cap)
            return false;
        memcpy(buf + l, u, k);
        l += k;
        i = j + 1;
    }
    if (l + 1 > cap)
        return false;
    buf[l++] = '"';
    *len = l;
    return true;
}
