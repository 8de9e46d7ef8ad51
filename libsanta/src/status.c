/*
 * status.c - tables generated from SANTA_STATUS_MAP (status.h).
 */
#include "santa/status.h"

#define ROW_CODE(name, http, code, title) code,
#define ROW_TITLE(name, http, code, title) title,
#define ROW_HTTP(name, http, code, title) http,

static const char *const status_codes[] = {SANTA_STATUS_MAP(ROW_CODE)};
static const char *const status_titles[] = {SANTA_STATUS_MAP(ROW_TITLE)};
static const int status_http[] = {SANTA_STATUS_MAP(ROW_HTTP)};

/* An out-of-range value is a programming error; answer as "unavailable" so
 * it can never look like success. */
static enum santa_status clamp(enum santa_status st)
{
    return (unsigned)st < SANTA_STATUS_COUNT ? st : SANTA_UNAVAILABLE;
}

const char *santa_status_code(enum santa_status st)
{
    return status_codes[clamp(st)];
}

const char *santa_status_title(enum santa_status st)
{
    return status_titles[clamp(st)];
}

int santa_status_http(enum santa_status st)
{
    return status_http[clamp(st)];
}
