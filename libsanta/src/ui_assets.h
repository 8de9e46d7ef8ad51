/*
 * ui_assets.h - the web UI's files, compiled into the binary.
 *
 * The table is generated at build time by libsanta/ui/embed.cmake from
 * the files in libsanta/ui/ (html, css, js, svg); ui.c serves it. Nothing is read from disk.
 */
#ifndef SANTA_UI_ASSETS_H
#define SANTA_UI_ASSETS_H

#include <stddef.h>

struct santa_ui_asset {
    const char *name;         /* file name, e.g. "app.js" */
    const char *content_type; /* from the extension */
    const unsigned char *data;
    size_t len; /* without the trailing NUL embed.cmake adds */
};

extern const struct santa_ui_asset santa_ui_assets[];
extern const size_t santa_ui_asset_count;

#endif /* SANTA_UI_ASSETS_H */
