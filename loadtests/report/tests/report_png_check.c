/*
 * report_png_check.c - report-png-check: is a screenshot more than a blank page?
 *
 *   report-png-check FILE.png [--min-ink PERCENT] [--min-colors N] [--color RRGGBB:MINPX]...
 *
 * Prints the figures (size, share of non-white pixels, distinct colours,
 * pixels near each named colour) and exits 0 when every threshold is met,
 * 1 when one is not, 2 when the file is not a readable PNG. The render test
 * names the chart palette's colours, so "the charts were drawn" means
 * "pixels of the series colours are on the screen", not only "something".
 * libpng's simplified API reads the file in three calls; ImageMagick would
 * do the same job with a hundred megabytes of dependencies.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

struct want {
    unsigned rgb;
    long min_px, px;
};

static int usage(void)
{
    fputs("usage: report-png-check FILE.png [--min-ink PERCENT] [--min-colors N] "
          "[--color RRGGBB:MINPX]...\n", stderr);
    return 2;
}

static bool near(const unsigned char *p, unsigned rgb)
{
    int d = abs(p[0] - (int)(rgb >> 16 & 255)) + abs(p[1] - (int)(rgb >> 8 & 255)) +
            abs(p[2] - (int)(rgb & 255));
    return d <= 60;
}

int main(int argc, char **argv)
{
    double min_ink = 1;
    long min_colors = 8;
    struct want want[16];
    int nwant = 0;
    if (argc < 2)
        return usage();
    for (int i = 2; i < argc; i++) {
        if (i + 1 >= argc)
            return usage();
        if (strcmp(argv[i], "--min-ink") == 0)
            min_ink = strtod(argv[++i], NULL);
        else if (strcmp(argv[i], "--min-colors") == 0)
            min_colors = strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--color") == 0 && nwant < 16) {
            char *end;
            want[nwant].rgb = (unsigned)strtoul(argv[++i], &end, 16);
            if (*end != ':')
                return usage();
            want[nwant].min_px = strtol(end + 1, NULL, 10);
            want[nwant++].px = 0;
        } else
            return usage();
    }

    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&img, argv[1])) {
        fprintf(stderr, "%s: not a readable PNG: %s\n", argv[1], img.message);
        return 2;
    }
    img.format = PNG_FORMAT_RGB;
    size_t size = PNG_IMAGE_SIZE(img);
    unsigned char *px = malloc(size);
    unsigned char *seen = calloc(1 << 21, 1); /* one bit per 24-bit colour */
    if (px == NULL || seen == NULL ||
        !png_image_finish_read(&img, &(png_color){255, 255, 255}, px, 0, NULL)) {
        fprintf(stderr, "%s: cannot decode: %s\n", argv[1], img.message);
        png_image_free(&img);
        free(px);
        free(seen);
        return 2;
    }

    long ink = 0, colors = 0, total = (long)img.width * (long)img.height;
    for (long i = 0; i < total; i++) {
        const unsigned char *p = px + 3 * i;
        unsigned rgb = (unsigned)p[0] << 16 | (unsigned)p[1] << 8 | p[2];
        if (p[0] < 240 || p[1] < 240 || p[2] < 240)
            ink++;
        if (!(seen[rgb >> 3] & (1u << (rgb & 7)))) {
            seen[rgb >> 3] |= (unsigned char)(1u << (rgb & 7));
            colors++;
        }
        for (int w = 0; w < nwant; w++)
            want[w].px += near(p, want[w].rgb);
    }
    double ink_pct = total ? 100.0 * (double)ink / (double)total : 0;
    int ok = ink_pct >= min_ink && colors >= min_colors;
    printf("%s: %ux%u, ink %.2f%% of pixels (need %.2f), %ld distinct colours (need %ld)",
           argv[1], img.width, img.height, ink_pct, min_ink, colors, min_colors);
    for (int w = 0; w < nwant; w++) {
        printf("; #%06x: %ld px (need %ld)", want[w].rgb, want[w].px, want[w].min_px);
        ok &= want[w].px >= want[w].min_px;
    }
    printf(" -> %s\n", ok ? "drawn" : "BLANK OR MISSING CHARTS");
    free(px);
    free(seen);
    return ok ? 0 : 1;
}
